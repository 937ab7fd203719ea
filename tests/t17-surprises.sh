#!/bin/sh
# t17-surprises.sh - small things a newcomer tripped on (issue 16, item 7):
# record's default data category said, blank batch lines skipped, one
# name for the signer, export -o never over a bundle, report's own
# heading, upgrade that says so, record and check in one shape
. "$(dirname "$0")/lib.sh"

newlog

# record without --data records customer-data, and says so in --help
expect 0 "record without --data" al record --actor svc:a --customer acme \
    --purpose service-provision --action read
expect 0 "...is recorded" al log --json -n 1
check "...as customer-data, the broadest category" out_has \
    '"data":"customer-data"'
expect 0 "record --help" al record --help
check "...says what --data defaults to" out_has \
    "--data CATEGORY     the category of data (default: customer-data,"

# record --batch: a blank line is skipped, with no result line
ok_line='{"actor":"svc:a","customer":"acme","purpose":"service-provision","action":"read"}'
printf '%s\n\n \t\r\n%s\n' "$ok_line" "$ok_line" > blank.jsonl
expect 0 "a batch with blank lines exits 0" \
    sh -c "'$AUDITLOG' -d '$T/log' record --batch < blank.jsonl"
check "...a result for each access, none for the blank lines" out_is \
'{"line":1,"seq":4,"decision":"allow","rule":"default.policy:24"}
{"line":4,"seq":5,"decision":"allow","rule":"default.policy:24"}'
printf '%s\n\f\n' "$ok_line" > ff.jsonl
expect 2 "a form feed alone is no blank line: malformed" \
    sh -c "'$AUDITLOG' -d '$T/log' record --batch < ff.jsonl"

# record and check: one shape, "deny CODE ...: reason" (here the floor's)
expect 1 "record: denied" al record --actor alice --customer acme \
    --purpose marketing --action read
check "...as 'deny CODE (seq N): reason'" [ "$(cat "$T/err")" = \
    "auditlog: record: deny floor (seq 7): the floor forbids purpose 'marketing' (promise.floor:17)" ]
expect 1 "check: denied" al check --actor alice --customer acme \
    --purpose marketing --action read
check "...as 'deny CODE: reason'" out_is \
    "deny floor: the floor forbids purpose 'marketing' (promise.floor:17)"

# upgrade on a current log says there is nothing to do
expect 0 "upgrade of a current log" al upgrade
check "...says so" out_is "the log is already in format 6; nothing to do"

# one name for the signer: --signer; the old ones still work
expect 0 "keygen" "$AUDITLOG" keygen -o k
expect 0 "checkpoint --sign --signer" al checkpoint --sign k.key \
    --signer carol
expect 0 "...recorded under that name" al log --json -n 1
check "...carol" out_has '"actor":"carol"'
expect 0 "checkpoint --sign --actor, the deprecated name" al checkpoint \
    --sign k.key --actor dave
expect 0 "...still recorded under that name" al log --json -n 1
check "...dave" out_has '"actor":"dave"'
expect 2 "checkpoint --signer without --sign" al checkpoint --signer carol
check "...says it goes with --sign" err_has "--signer goes with --sign"
expect 0 "export --sign --signer" al export -o s.tar.gz --sign k.key \
    --signer erin
expect 0 "...recorded under that name" al log --json --actor erin
check "...erin" out_has '"kind":"checkpoint"'
expect 0 "export --sign --actor-sign, the deprecated name" al export \
    -o s2.tar.gz --sign k.key --actor-sign fred
expect 0 "...recorded under that name" al log --json --actor fred
check "...fred" out_has '"kind":"checkpoint"'

# export -o never replaces a bundle without --force
expect 0 "export" al export -o b.tar.gz
cksum b.tar.gz > sum1
expect 0 "another entry" al record --actor svc:a --customer acme \
    --purpose service-provision --action read
expect 2 "export over an existing bundle is refused" al export -o b.tar.gz
check "...saying why and what to do" [ "$(cat "$T/err")" = \
    "auditlog: export: b.tar.gz exists: give --force to replace it" ]
check "...and the bundle is untouched" sh -c 'cksum b.tar.gz | cmp -s - sum1'
check "...and no temporary file is left" \
    [ -z "$(ls -A | grep '^\.auditlog-export')" ]
ln -s nowhere dangling.tar.gz
expect 2 "...nor over a symbolic link, dangling or not" \
    al export -o dangling.tar.gz
expect 0 "export --force replaces it" al export -o b.tar.gz --force
check "...with the new bundle" sh -c '! cksum b.tar.gz | cmp -s - sum1'
expect 0 "...which verifies" "$AUDITLOG" verify-export b.tar.gz
expect 2 "report takes no --force" al report --force

# report: headed as a report, not as an export's summary
expect 0 "report" al report
check "...headed 'auditlog report'" [ "$(head -n 1 "$T/out")" = \
    "auditlog report" ]
check "...counting reported, not exported, entries" out_has \
    "  reported entries: "
check "...never 'export'" sh -c "! grep -q export '$T/out'"
expect 0 "a bundle's summary keeps its heading" sh -c \
    "tar xzOf b.tar.gz summary.txt"
check "...'auditlog export summary'" [ "$(head -n 1 "$T/out")" = \
    "auditlog export summary" ]

done_testing
