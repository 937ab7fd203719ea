#!/bin/sh
# t50-log.sh - auditlog log: filters, -n, JSON, and escaping of entry text
. "$(dirname "$0")/lib.sh"

newlog
r() { al record "$@" >/dev/null 2>&1; }
r --actor svc:billing --customer acme --purpose service-provision --action read
r --actor alice --customer acme --purpose support-ticket --ref SUP-1 --action read
r --actor alice --customer globex --purpose marketing --action read
r --actor svc:billing --customer globex --purpose service-provision --action write
r --actor bob --customer acme --purpose support-ticket --action read
r --actor carol --customer initech --purpose technical-fix --ref INC-7 --action read
# 8 entries: the floor, the policy, 4 allowed, 2 denied (3 to 8)

seqs() {	# seqs ARGS...: the seqs `log ARGS` lists, on one line
	al log "$@" | awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " }'
}
check "log lists every entry, oldest first" [ "$(seqs)" = "1 2 3 4 5 6 7 8" ]
expect 0 "log exits 0" al log
check "...with a header" sh -c "head -n 1 '$T/out' | grep -q '^SEQ   TIME   '"
check "...the floor entry" sh -c "sed -n 2p '$T/out' | grep -Eq '^1 .* floor .* floor promise.floor sha256:[0-9a-f]{16} approvers 2\$'"
check "...and the policy entry" sh -c "sed -n 3p '$T/out' | grep -Eq '^2 .* policy .* set default.policy sha256:[0-9a-f]{16}\$'"
check "--customer" [ "$(seqs --customer acme)" = "3 4 7" ]
check "--customer with no entries" [ "$(seqs --customer nobody)" = "" ]
check "--actor" [ "$(seqs --actor alice)" = "4 5" ]
check "--purpose" [ "$(seqs --purpose support-ticket)" = "4 7" ]
check "--decision deny" [ "$(seqs --decision deny)" = "5 7" ]
check "--decision allow --customer globex" [ "$(seqs --decision allow --customer globex)" = "6" ]
check "-n 2: the two newest, oldest first" [ "$(seqs -n 2)" = "7 8" ]
check "-n 2 with a filter" [ "$(seqs -n 2 --customer acme)" = "4 7" ]
check "-n larger than the log" [ "$(seqs -n 100)" = "1 2 3 4 5 6 7 8" ]
check "-n with nothing matching" [ "$(seqs -n 3 --customer nobody)" = "" ]
check "--since 1970-01-01 takes all" [ "$(seqs --since 1970-01-01)" = "1 2 3 4 5 6 7 8" ]
check "--since in the future takes none" [ "$(seqs --since 2999-01-01)" = "" ]
check "--until 1971-01-01 takes none" [ "$(seqs --until 1971-01-01)" = "" ]
today=$(date -u +%Y-%m-%d)
check "--until today (a date) includes today" [ "$(seqs --until "$today")" = "1 2 3 4 5 6 7 8" ]
check "--since and --until today" [ "$(seqs --since "$today" --until "$today")" = "1 2 3 4 5 6 7 8" ]
expect 2 "a bad time is exit 2" al log --since soonish
check "...naming it" err_has "--since: not a time (auditlog(1), TIME FORMATS): 'soonish'"
expect 2 "--until before --since" al log --since 2026-11-29 --until 2026-11-01
expect 2 "a bad --decision" al log --decision maybe
expect 2 "-n 0" al log -n 0
expect 2 "-n -1" al log -n -1

# JSON: one valid object per line, every field
expect 0 "log --json" al log --json
check "...one line per entry" [ "$(wc -l < "$T/out")" -eq 8 ]
check "...each line valid JSON" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
' "$T/out"
# marketing: the floor decides first, and names its line as the rule
check "...with the decision, code and rule" \
    grep -q '"seq":5,.*"decision":"deny","code":"floor","rule":"promise.floor:17"' "$T/out"
check "...times in RFC 3339 UTC with nanoseconds" \
    grep -Eq '"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z"' "$T/out"

# untrusted text is escaped on every output
bidi=$(printf 'x\342\200\256evil')	# U+202E right-to-left override
quote='he said "hi" \ back'
al record --actor "$bidi" --customer 'a b' --purpose support-ticket \
    --ref SUP-2 --action read --reason "$quote" >/dev/null 2>&1
al log -n 1 > table
check "the table escapes a bidi override" grep -qF 'x\342\200\256evil' table
check "...and a space inside a column" grep -qF 'a\040b' table
check "...and holds no raw override" sh -c "! grep -q \"\$(printf '\342\200\256')\" table"
al log --json -n 1 > one.json
check "JSON escapes quotes and backslashes" python3 -c '
import json, sys
e = json.loads(open(sys.argv[1]).read())
assert e["reason"] == sys.argv[2], e["reason"]
assert e["actor"] == "x\u202eevil", e["actor"]
' one.json "$quote"
expect 1 "a denied hostile purpose" al record --actor alice --customer acme \
    --purpose "$bidi" --action read
check "...is escaped in the reason on stderr" err_has 'x\342\200\256evil'
expect 3 "log on a missing log" "$AUDITLOG" -d nolog log

done_testing
