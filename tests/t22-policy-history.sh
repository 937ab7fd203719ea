#!/bin/sh
# t22-policy-history.sh - policy history, show --at SEQ|TIME, show DIGEST,
# and diff A B rule by rule, with the changes that widen access marked
# (issue 14, part 3)
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"

digest() { sha256sum "$1" | cut -c1-64; }
short() { digest "$1" | cut -c1-12; }

# A single-person log (init --approvers 1, so that policy set may change
# its policy) of eight entries: the floor (1), the default policy (2), an
# access (3), strict proposed (4) and activated (5), an access (6), wide
# proposed (7) and activated (8); times, actors, uids and users pinned so
# that the listing is exact.  (The pinned uids 1000 and 1001 are no
# administrators: this log is for listing, not for verify.)
rm -rf "$T/log"
al init --approvers 1 >/dev/null 2>&1 || { echo "# init failed"; exit 1; }
cat > strict.policy <<'P'
# strict.policy: support only, read only
purpose support-ticket "at the customer's request" ref "SUP-[0-9]+"
group support "alice" "bob"
allow support purpose support-ticket action read
P
cat > wide.policy <<'P'
purpose support-ticket "at the customer's request" ref "SUP-[0-9]+"
group support alice bob carol
allow support purpose support-ticket action { read write }
P
chmod 644 strict.policy wide.policy
cp "$top/policies/default.policy" default.policy
cp "$top/policies/promise.floor" promise.floor
al record --actor svc:a --customer acme --purpose service-provision \
    --action read >/dev/null
expect 0 "policy set strict.policy" al policy set strict.policy --actor carol
check "...prints the seq of its activation, after its proposal" out_is 5
al record --actor bob --customer acme --purpose support-ticket --ref SUP-1 \
    --action read >/dev/null
expect 0 "policy set wide.policy" al policy set wide.policy --actor dave
check "...prints the seq of its activation, after its proposal" out_is 8
tamper() { "$TAMPER" "$T/log" "$@" >/dev/null 2>&1 ||
    echo "# tamper $* failed"; }
day=86400000000000
t0=1767225600000000000		# 2026-01-01T00:00:00Z
for s in 1 2 3 4 5 6 7 8; do
	tamper rechain $s time $((t0 + (s - 1) * day))
done
for s in 1 2; do
	tamper rechain $s actor admin
	tamper rechain $s uid 0
	tamper rechain $s user root
done
for s in 4 5; do
	tamper rechain $s uid 1000
	tamper rechain $s user carol
done
for s in 7 8; do
	tamper rechain $s uid 1001
	tamper rechain $s user dave
done
F=$(short promise.floor)
D=$(short default.policy) S=$(short strict.policy) W=$(short wide.policy)

expect 0 "policy history lists the floor and every proposal and activation" \
    al policy history --utc
check "...oldest first, with who, kind, digest and name, exactly" out_is \
"SEQ TIME                 ACTOR UID  USER  KIND       DIGEST       NAME
1   2026-01-01T00:00:00Z admin 0    root  floor      $F promise.floor
2   2026-01-02T00:00:00Z admin 0    root  activation $D default.policy
4   2026-01-04T00:00:00Z carol 1000 carol proposal   $S strict.policy
5   2026-01-05T00:00:00Z carol 1000 carol activation $S strict.policy
7   2026-01-07T00:00:00Z dave  1001 dave  proposal   $W wide.policy
8   2026-01-08T00:00:00Z dave  1001 dave  activation $W wide.policy"
expect 0 "policy history --long" al policy history --long
check "...shows the whole digest" out_has \
    "activation $(digest strict.policy) strict.policy"
check "...the floor's too" out_has \
    "floor      $(digest promise.floor) promise.floor"
expect 0 "policy history --json" al policy history --json
check "...one object a line: an activation, exactly" sh -c "sed -n 4p '$T/out' |
    grep -qxF '{\"seq\":5,\"time\":\"2026-01-05T00:00:00.000000000Z\",\"kind\":\"activation\",\"actor\":\"carol\",\"uid\":1000,\"user\":\"carol\",\"digest\":\"$(digest strict.policy)\",\"name\":\"strict.policy\"}'"
check "...a proposal, with when it expires" sh -c "sed -n 3p '$T/out' |
    grep -qx '{\"seq\":4,\"time\":\"2026-01-04T00:00:00.000000000Z\",\"kind\":\"proposal\",\"actor\":\"carol\",\"uid\":1000,\"user\":\"carol\",\"digest\":\"$(digest strict.policy)\",\"name\":\"strict\.policy\",\"expires\":\"[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}\.[0-9]\{9\}Z\"}'"
check "...the floor" sh -c "sed -n 1p '$T/out' |
    grep -qxF '{\"seq\":1,\"time\":\"2026-01-01T00:00:00.000000000Z\",\"kind\":\"floor\",\"actor\":\"admin\",\"uid\":0,\"user\":\"root\",\"digest\":\"$(digest promise.floor)\",\"name\":\"promise.floor\"}'"
check "...six of them" [ "$(wc -l < "$T/out")" -eq 6 ]

# show --at SEQ: the newest activation at or before it (a proposal is
# not one); at seq 1 only the floor is there
expect 2 "policy show --at 1, the floor's seq" al policy show --at 1
check "...no policy is in force yet" [ "$(cat "$T/err")" = \
    "auditlog: policy: no policy is in force at seq 1" ]
for at in 2:default 3:default 4:default 5:strict 6:strict 7:strict 8:wide; do
	expect 0 "policy show --at ${at%%:*}" al policy show --at "${at%%:*}"
	check "...prints ${at#*:}.policy exactly" cmp -s "$T/out" \
	    "${at#*:}.policy"
done
expect 0 "plain policy show still prints the active policy" al policy show
check "...wide.policy" cmp -s "$T/out" wide.policy

# show --at TIME: the policy at the newest entry stamped by then
expect 0 "policy show --at a time between two changes" \
    al policy show --at 2026-01-03T12:00:00Z
check "...the policy of then (default)" cmp -s "$T/out" default.policy
expect 0 "policy show --at the very time of a proposal" \
    al policy show --at 2026-01-04T00:00:00Z
check "...the proposal is not in force (default)" cmp -s "$T/out" \
    default.policy
expect 0 "policy show --at the very time of a change" \
    al policy show --at 2026-01-05T00:00:00Z
check "...includes the change (strict)" cmp -s "$T/out" strict.policy
expect 0 "policy show --at a date (its midnight)" al policy show --at 2026-01-08
check "...wide, set at that midnight" cmp -s "$T/out" wide.policy
tamper rechain 6 time $((t0 - day))	# seq 6's clock went back to 2025
expect 0 "a clock that went back: show --at 2026-01-01T12:00:00Z" \
    al policy show --at 2026-01-01T12:00:00Z
check "...takes the newest entry by seq stamped by then (6: strict)" \
    cmp -s "$T/out" strict.policy
tamper rechain 6 time $((t0 + 5 * day))

# show DIGEST
expect 0 "policy show with 8 digits of a digest" al policy show \
    "$(digest strict.policy | cut -c1-8)"
check "...prints that policy" cmp -s "$T/out" strict.policy
expect 0 "...with all 64, in capitals" al policy show \
    "$(digest default.policy | tr a-f A-F)"
check "...prints that policy" cmp -s "$T/out" default.policy

# bad input: exit 2, exact messages
expect 2 "an unknown digest" al policy show deadbeef
check "...says so" [ "$(cat "$T/err")" = \
    "auditlog: policy: no policy's digest begins with 'deadbeef'" ]
expect 2 "a prefix shorter than 8 digits" al policy show abc1234
check "...is no digest" [ "$(cat "$T/err")" = \
    "auditlog: policy: not a digest (8 to 64 hex digits): 'abc1234'" ]
expect 2 "a seq past the head" al policy show --at 9
check "...says what the log holds" [ "$(cat "$T/err")" = \
    "auditlog: policy: no entry has seq 9 (the log holds 1 to 8)" ]
expect 2 "seq 0" al policy show --at 0
check "...is no entry" err_has "no entry has seq 0"
expect 2 "a seq too large for 64 bits" al policy show --at 99999999999999999999999
check "...is no entry" err_has "no entry has seq 99999999999999999999999"
expect 2 "neither a seq nor a time" al policy show --at soon
check "...says so" [ "$(cat "$T/err")" = \
    "auditlog: policy: not a seq nor a time: 'soon'" ]
expect 2 "a time before the first entry" al policy show --at 2025-06-01
check "...says so" [ "$(cat "$T/err")" = \
    "auditlog: policy: no entry is stamped at or before 2025-06-01T00:00:00Z" ]
expect 2 "--at and a digest together" al policy show --at 3 "$S"
check "...is a usage error" err_has "policy show takes --at or a DIGEST, not both"

# Two policies whose digests begin with the same 8 digits (found by a
# birthday search over the comment), each within the floor: a prefix of
# 8 is ambiguous.
c='purpose service-provision "x"\nallow any purpose service-provision action read\n'
printf "$c# 9931\n" > c1.policy
printf "$c# 114154\n" > c2.policy
chmod 644 c1.policy c2.policy
check "the two fixtures share their first 8 digits" [ \
    "$(digest c1.policy | cut -c1-8)" = f4cbdb85 ] && \
    [ "$(digest c2.policy | cut -c1-8)" = f4cbdb85 ]
expect 0 "policy set c1.policy" al policy set c1.policy --actor carol
expect 0 "policy set c2.policy" al policy set c2.policy --actor carol
expect 2 "an ambiguous digest prefix" al policy show f4cbdb85
check "...names both, oldest first" [ "$(cat "$T/err")" = \
    "auditlog: policy: digest prefix f4cbdb85 is ambiguous: $(short c1.policy)... and $(short c2.policy)... both begin with it" ]
expect 0 "...one digit more picks one" al policy show \
    "$(digest c2.policy | cut -c1-9)"
check "...c2" cmp -s "$T/out" c2.policy
expect 2 "diff with an ambiguous prefix" al policy diff f4cbdb85 c1.policy
check "...is invalid input too" err_has "is ambiguous"

# diff: rules, not text
cat > a.policy <<'P'
# a.policy
purpose support-ticket "support" ref "SUP-[0-9]+"
purpose service-provision "the service"
group services "svc:*"
group staff alice bob
deny any action { sell rent }
allow staff purpose support-ticket action { read write } data { contact billing }
allow services purpose service-provision action read
P
cat > same.policy <<'P'
purpose service-provision   the\ service
# reordered, re-quoted, commented, repeated: the same rules
allow services action { read } purpose service-provision

group staff "bob" alice alice
group services svc:*
purpose support-ticket support ref SUP-[0-9]+
allow staff data { billing contact } purpose { support-ticket } action { write read }
deny any action { rent sell }   # never
P
sed -i 's/the\\ service/"the service"/' same.policy
expect 0 "diff of the same rules, reordered and re-quoted" \
    "$AUDITLOG" policy diff a.policy same.policy
check "...prints nothing" [ ! -s "$T/out" ] && [ ! -s "$T/err" ]

sed 's/^allow services .*/&\nallow staff purpose service-provision action read/' \
    a.policy > added.policy
expect 1 "diff with an allow rule added" "$AUDITLOG" policy diff a.policy \
    added.policy
check "...marks it as widening, exactly" out_is \
"--- a.policy
+++ added.policy
@@ allow
+! allow staff purpose service-provision action read
1 change, 1 widening access (marked !)"

grep -v '^deny' a.policy > nodeny.policy
expect 1 "diff with a deny rule removed" "$AUDITLOG" policy diff a.policy \
    nodeny.policy
check "...marks its removal as widening" out_is \
"--- a.policy
+++ nodeny.policy
@@ deny
-! deny any action { rent sell }
1 change, 1 widening access (marked !)"

sed 's/"svc:\*"/"svc:billing"/' a.policy > narrow.policy
expect 1 "diff with a group narrowed" "$AUDITLOG" policy diff a.policy \
    narrow.policy
check "...is a change that widens nothing" out_is \
"--- a.policy
+++ narrow.policy
@@ group
-  group services svc:*
+  group services svc:billing
2 changes, 0 widening access (marked !)"
expect 1 "...the other way round, broadened" "$AUDITLOG" policy diff \
    narrow.policy a.policy
check "...widens" out_has "+! group services svc:*"

sed 's/action { read write } data { contact billing }/action read data contact/' \
    a.policy > fewer.policy
expect 1 "diff with an allow rule's lists shrunk" "$AUDITLOG" policy diff \
    a.policy fewer.policy
check "...widens nothing" out_has "0 widening access"
expect 1 "...and grown back" "$AUDITLOG" policy diff fewer.policy a.policy
check "...widens" out_has \
    "+! allow staff purpose support-ticket action { read write } data { billing contact }"
sed 's/^deny any action { sell rent }/deny any action { sell rent trade }/' \
    nodeny.policy > widerdeny.policy
printf 'deny any action { sell rent trade }\n' >> widerdeny.policy
expect 1 "a deny rule replaced by a broader one" "$AUDITLOG" policy diff \
    a.policy widerdeny.policy
check "...widens nothing" out_has "0 widening access"
sed 's/^purpose service-provision .*/&\npurpose marketing "growth"/' a.policy \
    > newpurpose.policy
expect 1 "a new purpose" "$AUDITLOG" policy diff a.policy newpurpose.policy
check "...widens" out_has "+! purpose marketing growth"
sed 's/ ref "SUP-\[0-9\]+"//' a.policy > noref.policy
expect 1 "a purpose's reference dropped" "$AUDITLOG" policy diff a.policy \
    noref.policy
check "...widens" out_has "+! purpose support-ticket support"

expect 1 "diff --json" "$AUDITLOG" policy diff --json a.policy nodeny.policy
check "...one object a change, nothing else" out_is \
    '{"sign":"-","widens":true,"kind":"deny","line":6,"text":"deny any action { rent sell }"}'
expect 0 "diff from standard input" sh -c \
    "'$AUDITLOG' policy diff - same.policy < a.policy"

# diff of the log's policies: @SEQ, @TIME, digests
expect 0 "diff of @5 and the file it came from" al policy diff @5 strict.policy
check "...is empty" [ ! -s "$T/out" ]
expect 1 "diff @5 @8" al policy diff @5 @8
check "...names both by name, digest and seq, exactly" out_is \
"--- strict.policy sha256:$S (activated at seq 5)
+++ wide.policy sha256:$W (activated at seq 8)
@@ group
-  group support alice bob
+! group support alice bob carol
@@ allow
-  allow support purpose support-ticket action read
+! allow support purpose support-ticket action { read write }
4 changes, 2 widening access (marked !)"
cp "$T/out" at.out
expect 1 "diff @TIME DIGEST" al policy diff @2026-01-05T00:00:00Z "$W"
# A digest names the policy by its oldest entry: wide's proposal
sed '2s/.*/+++ wide.policy sha256:'"$W"' (proposed at seq 7)/' at.out > at7.out
check "...the same changes, B named by its oldest entry (the proposal)" \
    cmp -s "$T/out" at7.out
expect 2 "diff with an unknown digest" al policy diff deadbeef a.policy
check "...says so" [ "$(cat "$T/err")" = \
    "auditlog: policy: no policy's digest begins with 'deadbeef'" ]
expect 2 "diff with a seq past the head" al policy diff @99 a.policy
check "...says so" err_has "no entry has seq 99 (the log holds 1 to 12)"
expect 2 "diff with a missing file" al policy diff a.policy nosuch.policy
check "...names it" err_has "nosuch.policy: No such file or directory"
printf 'allow "x\n' > unterminated.policy
expect 2 "diff with a line that does not split into words" \
    al policy diff a.policy unterminated.policy
check "...names its line and column" [ "$(cat "$T/err")" = \
    "auditlog: policy: unterminated.policy:1:7: unterminated quoted word" ]
expect 2 "diff with one operand" al policy diff a.policy
check "...is a usage error" err_has "policy diff takes two policies, A and B"
expect 3 "history without a log" "$AUDITLOG" -d "$T/nolog" policy history
expect 3 "diff of a log's policy without a log" "$AUDITLOG" -d "$T/nolog" \
    policy diff @1 a.policy
expect 0 "diff of files needs no log" "$AUDITLOG" -d "$T/nolog" \
    policy diff a.policy same.policy

done_testing
