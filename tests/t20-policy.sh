#!/bin/sh
# t20-policy.sh - policy check, show and set; the shipped policies lint clean
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"

for p in "$top"/policies/*.policy; do
	expect 0 "shipped policy $(basename "$p") checks clean" \
	    "$AUDITLOG" policy check "$p"
	check "...silently" [ ! -s "$T/out" ] && [ ! -s "$T/err" ]
done

# every error, as file:line:col, and the file is refused
cat > bad.policy <<'P'
purpose p "fine"
purpose q
group g x
allow h purpose p
deny any colour red
allow g purpose { p
P
expect 2 "a policy with errors is exit 2" "$AUDITLOG" policy check bad.policy
check "...reporting every error, exactly" [ "$(cat "$T/err")" = \
"bad.policy:2:1: purpose needs a name and a description
bad.policy:4:7: unknown group 'h' (declare it with 'group' before this rule)
bad.policy:5:10: expected 'purpose', 'action' or 'data', found 'colour'
bad.policy:6:17: '{' without '}'" ]
printf 'purpose p "\033[2J"\n' > esc.policy
expect 2 "a control character in a policy is refused" "$AUDITLOG" policy check esc.policy
check "...at its column" err_has "esc.policy:1:12: control character"
expect 2 "a missing policy file is exit 2" "$AUDITLOG" policy check nosuch.policy
check "...naming it" err_has "nosuch.policy: No such file or directory"
mkdir dir.policy
expect 2 "a directory is not a policy" "$AUDITLOG" policy check dir.policy
check "...and says so" err_has "dir.policy: is a directory"
expect 0 "a policy on stdin" sh -c "'$AUDITLOG' policy check - < '$top/policies/default.policy'"
expect 2 "policy check takes one file" "$AUDITLOG" policy check
expect 2 "an unknown policy command" "$AUDITLOG" policy frob

# show: the active policy, byte for byte; the default is embedded
newlog
al policy show > shown
check "policy show prints the embedded default exactly" \
    cmp -s shown "$top/policies/default.policy"

# set: a log of two administrators (init's default) takes no one-step
# change; a single-person log (init --approvers 1) records a proposal and
# its activation; decisions follow the new policy
cat > strict.policy <<'P'
# strict.policy: support only, read only
purpose support-ticket "at the customer's request" ref "SUP-[0-9]+"
group support "alice" "bob"
allow support purpose support-ticket action read
P
chmod 644 strict.policy
al head > before
expect 1 "policy set on a log of two administrators is refused" \
    al policy set strict.policy --actor carol
check "...saying how to change it" [ "$(cat "$T/err")" = \
    "auditlog: policy: this log needs 2 administrators for a policy change: propose it ('policy propose FILE') and have another approve it ('policy approve DIGEST')" ]
check "...and records nothing" \
    sh -c "[ \"\$('$AUDITLOG' -d '$T/log' head)\" = \"\$(cat before)\" ]"
rm -rf "$T/log"
al init --approvers 1 >/dev/null 2>&1 || { echo "# init failed"; exit 1; }
al record --actor svc:a --customer acme --purpose service-provision --action read >/dev/null
expect 0 "policy set installs a policy" al policy set strict.policy --actor carol
check "...printing the seq of its activation, after its proposal" out_is 5
expect 0 "the new policy is shown" al policy show
check "...exactly" sh -c "cmp -s '$T/out' strict.policy"
expect 1 "an access the old policy allowed is now denied" al record \
    --actor svc:a --customer acme --purpose service-provision --action read
check "...as an unknown purpose" err_has "unknown purpose 'service-provision'"
expect 0 "an access the new policy allows" al record --actor bob \
    --customer acme --purpose support-ticket --ref SUP-9 --action read
expect 1 "...and one it does not" al record --actor carol \
    --customer acme --purpose support-ticket --ref SUP-9 --action read
al log --json > log.json
check "the proposal is in the log, naming who made it" \
    grep -q '"seq":4,.*"kind":"proposal","actor":"carol","name":"strict.policy"' log.json
check "...and the change" \
    grep -q '"seq":5,.*"kind":"policy","actor":"carol","name":"strict.policy"' log.json
check "the allowed access names strict.policy's rule" \
    grep -q '"seq":7,.*"rule":"strict.policy:4"' log.json
expect 0 "verify re-derives decisions across the change" al verify
check "...listing both policies" out_has "policies  2"
check "...the second one at seq 5" out_has "  seq 5 strict.policy sha256:"
al head > before
expect 0 "setting the active policy again" al policy set strict.policy --actor carol
check "...records nothing and says so" err_has "strict.policy is the active policy already; nothing recorded"
check "...the head did not move" sh -c "al() { '$AUDITLOG' -d '$T/log' \"\$@\"; }; [ \"\$(al head)\" = \"\$(cat before)\" ]"
chmod 664 strict.policy
expect 2 "a policy others can write is refused" al policy set strict.policy --actor carol
check "...and says so" err_has "others can write to it"
expect 2 "an invalid policy is never installed" al policy set "$T/bad.policy" --actor carol
check "...with its errors" err_has "bad.policy:2:1: purpose needs a name"
chmod 644 bad.policy
expect 2 "policy set needs --actor" al policy set strict.policy
check "...and says so" err_has "--actor is required"
check "nothing was recorded by the refused changes" \
    sh -c "[ \"\$('$AUDITLOG' -d '$T/log' head)\" = \"\$(cat before)\" ]"
# A policy's name reaches the terminal escaped, like every text of the log.
bidi="$(printf 'x\342\200\256y').policy"
cp "$top/policies/default.policy" "$bidi"
chmod 644 "$bidi"
"$AUDITLOG" -d bidilog init --policy "$bidi" >/dev/null 2>&1
expect 0 "check under a policy whose name holds a bidi override" \
    "$AUDITLOG" -d bidilog check --actor svc:a --customer acme \
    --purpose service-provision --action read
check "...prints the rule escaped" out_is 'allow x\342\200\256y.policy:24'
expect 3 "policy set on a missing log" "$AUDITLOG" -d nolog policy set \
    "$top/policies/default.policy" --actor carol
expect 2 "init refuses a policy others can write" "$AUDITLOG" -d log2 init \
    --policy strict.policy
check "...and creates no log" [ ! -e log2/data.mdb ]
chmod 644 strict.policy
expect 0 "init with a policy file" "$AUDITLOG" -d log2 init --policy strict.policy --actor dana
check "...installs it" sh -c "'$AUDITLOG' -d log2 policy show | cmp -s - strict.policy"
"$AUDITLOG" -d log2 log --json > log2.json
check "...and records who created the log" grep -q '"seq":2,.*"kind":"policy","actor":"dana","name":"strict.policy"' log2.json
check "...after the floor" grep -q '"seq":1,.*"kind":"floor","actor":"dana","name":"promise.floor"' log2.json

done_testing
