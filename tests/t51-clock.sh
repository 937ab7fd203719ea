#!/bin/sh
# t51-clock.sh - one wrong clock misdates its own entries and no others
#
# Issue 15, item 5.  A log (format 5 on) stores each entry at the time its
# writer's clock read: entry 4 here was stamped 2101 by a wrong clock (set
# with tests/tamper, which repairs the chain, indexes and tree as the
# writer would have written them), the others today.  --since/--until on
# log, export and report select every entry stamped in the period; verify
# warns about the jump ahead and the step back, with their seqs, and
# exits 0; both bundle checkers and recompute.py accept the entries and
# list the same anomalies.  A time index record missing, extra or moved
# is a problem; a log of format 4 is refused by readers and upgraded.

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
VX=$top/contrib/verify-export.py
RECOMPUTE=$here/recompute.py
. "$here/lib.sh"

have_py=0
command -v python3 >/dev/null 2>&1 && have_py=1
py() {	# py DESCRIPTION CMD...: a check that needs python3
	if [ "$have_py" -eq 1 ]; then
		check "$@"
	else
		ok "# SKIP python3 is not installed"
	fi
}

seqs() {	# seqs ARGS...: the seqs `log ARGS` lists, on one line
	al log "$@" | awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " }'
}

newlog
r() { al record --actor svc:billing --customer "$1" \
    --purpose service-provision --action read >/dev/null 2>&1; }
# seqs 3 to 7 (the floor is seq 1, the policy seq 2); seq 4, acme's, is
# the one the wrong clock stamps
r acme; r acme; r globex; r acme; r globex
y2101=4133980800000000000	# 2101-01-01T00:00:00Z in ns
"$TAMPER" "$T/log" rechain 4 time $y2101 >/dev/null 2>&1 ||
    echo "# tamper rechain failed"
today=$(date -u +%Y-%m-%d)
tomorrow=$(date -u -d tomorrow +%Y-%m-%d 2>/dev/null ||
    date -u -v+1d +%Y-%m-%d)

# The period holds every entry stamped in it, in seq order.
# At 307101c, bisection over the seqs found today as seqs 1 to 3.
check "today holds every entry but seq 4" \
    [ "$(seqs --since "$today" --until "$tomorrow")" = "1 2 3 5 6 7" ]
check "...with --since alone too (2101 is after it)" \
    [ "$(seqs --since "$today")" = "1 2 3 4 5 6 7" ]
check "--until tomorrow leaves out only seq 4" \
    [ "$(seqs --until "$tomorrow")" = "1 2 3 5 6 7" ]
check "from 2100 on: seq 4 alone" [ "$(seqs --since 2100-01-01)" = "4" ]
check "...for its customer" \
    [ "$(seqs --since 2100-01-01 --customer acme)" = "4" ]
check "today for customer acme: seqs 3 and 6 (4 is 2101)" \
    [ "$(seqs --since "$today" --until "$tomorrow" --customer acme)" = "3 6" ]
check "-n 2 of today: the two newest" \
    [ "$(seqs -n 2 --since "$today" --until "$tomorrow")" = "6 7" ]
al log --json --since "$today" --until "$tomorrow" >"$T/today.jsonl"
py "log --json of today recomputes (a partial listing)" \
    sh -c "python3 '$RECOMPUTE' --partial <'$T/today.jsonl' >/dev/null"

# verify: the log is intact; the clock was wrong, which is a warning.
expect 0 "verify passes" al verify
check "...listing two warnings" out_has "clock     2 warnings: a writer's clock was wrong (order is by seq)"
check "...seq 4 ahead of this machine's clock" \
    out_has "  seq 4  2101-01-01T00:00:00Z  ahead: more than 5 minutes past this machine's clock ("
check "...seq 5 back before seq 4" \
    sh -c "grep -q '^  seq 5  $today.*  back: before seq 4.s time (2101-01-01T00:00:00Z)\$' '$T/out'"
check "...and says it is verified" out_has "verified: the chain is intact"
check "...with a warning on stderr" \
    err_has "warning: 2 clock anomalies: a writer's clock was wrong"
expect 0 "verify --json" al verify --json
check "...carries them" sh -c "grep -q '\"clock\":\[{\"seq\":4,\"kind\":\"ahead\",\"time\":\"2101-01-01T00:00:00.000000000Z\",\"than_seq\":null,.*},{\"seq\":5,\"kind\":\"back\",.*\"than_seq\":4,\"than_time\":\"2101-01-01T00:00:00.000000000Z\"}\],\"clock_warnings\":2}' '$T/out'"
check "...and is ok" out_has '"ok":true'
py "...one valid JSON object" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out"
al log --json >"$T/all.jsonl"
py "recompute.py accepts the whole log" \
    sh -c "python3 '$RECOMPUTE' <'$T/all.jsonl' >'$T/rc.out'"
py "...warning of seq 4 ahead of seq 5" \
    grep -qx "warning: seq 4: ahead: more than an hour after seq 5's time" "$T/rc.out"
py "...and of seq 5 back" \
    grep -qx "warning: seq 5: back: before seq 4's time" "$T/rc.out"
py "...and counts every entry" grep -qx "7 entries recomputed" "$T/rc.out"

# Bundles: the period's export holds the period's entries; both checkers
# accept bundles whose times go back, and count the anomalies alike.
expect 0 "export today" al export -o "$T/today.tar.gz" --since "$today" \
    --until "$tomorrow"
expect 0 "...verify-export accepts it" al verify-export "$T/today.tar.gz"
check "...6 entries, seq 1 to 7" out_has "6 entries (seq 1 to 7)"
py "...and so does verify-export.py" \
    sh -c "python3 '$VX' '$T/today.tar.gz' >/dev/null"
check "...its entries are today's" sh -c "tar -xzOf '$T/today.tar.gz' \
    entries.jsonl | grep -c '\"seq\"' | grep -qx 6"
check "...no clock anomaly among them" sh -c "! tar -xzOf \
    '$T/today.tar.gz' summary.txt | grep -q 'clock anomalies'"
expect 0 "export everything" al export -o "$T/all.tar.gz"
expect 0 "...verify-export accepts it" al verify-export "$T/all.tar.gz"
check "...and counts two anomalies" \
    out_has "clock: 2 anomalies among the entries (summary.txt lists them): a writer's clock was wrong"
tar -xzOf "$T/all.tar.gz" summary.txt >"$T/summary.txt"
check "...which the summary lists" sh -c "grep -A2 '^clock anomalies: 2\$' \
    '$T/summary.txt' | grep -q '^  seq 4  2101-01-01T00:00:00Z  ahead: more than an hour after seq 5.s time\$'"
check "...seq 5 back" grep -q "^  seq 5  $today.*  back: before seq 4's time\$" "$T/summary.txt"
check "...and the period runs to 2101" grep -q "^period    $today.* to 2101-01-01T00:00:00Z\$" "$T/summary.txt"
py "...verify-export.py accepts it" sh -c "python3 '$VX' '$T/all.tar.gz' >'$T/vx.out'"
py "...and counts the same" grep -qx "clock: 2 anomalies among the entries (summary.txt lists them): a writer's clock was wrong" "$T/vx.out"
py "...in its JSON too" sh -c "python3 '$VX' --json '$T/all.tar.gz' | grep -q '\"clock_anomalies\":2'"
expect 0 "verify-export --json" al verify-export --json "$T/all.tar.gz"
check "...counts them" out_has '"clock_anomalies":2,"problems_found":0}'
expect 0 "report" al report
check "...lists them" out_has "clock anomalies: 2"
expect 0 "report --since 2100-01-01" al report --since 2100-01-01
check "...holds seq 4 alone" out_has "entries   1 (seq 4 to 4)"
expect 0 "report --json" al report --json
check "...lists them" out_has '"clock_anomalies":2,"clock":[{"seq":4,"kind":"ahead","time":"2101-01-01T00:00:00.000000000Z","than_seq":5,'

# The time index: missing, extra and wrong records are problems.
cp -r "$T/log" "$T/good"
restore() { rm -rf "$T/log"; cp -r "$T/good" "$T/log"; }
"$TAMPER" "$T/log" time-del 6 >/dev/null 2>&1 || echo "# tamper time-del failed"
expect 1 "a time index record removed: verify fails" al verify
check "...naming the seq" out_has "seq 6: has no time index record (at $today"
check "...and only that" out_has "FAILED: 1 problem"
check "...and a period is read through the index: seq 6 is not in it" \
    [ "$(seqs --since "$today" --until "$tomorrow")" = "1 2 3 5 7" ]
restore
"$TAMPER" "$T/log" time-add 1000 3 >/dev/null 2>&1 || echo "# tamper time-add failed"
expect 1 "a time index record for a time not the entry's: verify fails" al verify
check "...naming it" out_has "seq 3: the time index holds a record for it at 1970-01-01T00:00:00.000001000Z, which is not its time: the time index was altered"
check "...and log before 1970-01-02 lists no entry: its own time decides" \
    [ "$(seqs --until 1970-01-02)" = "" ]
restore
"$TAMPER" "$T/log" time-add 1000 99 >/dev/null 2>&1
expect 1 "a time index record for no entry: verify fails" al verify
check "...naming it" out_has "seq 99: the time index holds a record for it (at 1970-01-01T00:00:00.000001000Z), but there is no such entry"
check "...which log, bounded by the head, does not list" \
    [ "$(seqs --until 1970-01-02)" = "" ]
restore
"$TAMPER" "$T/log" time-del 4 >/dev/null 2>&1
"$TAMPER" "$T/log" time-add $((y2101 + 1)) 4 >/dev/null 2>&1
expect 1 "a record moved by a nanosecond: verify fails" al verify
check "...naming seq 4 twice" sh -c "[ \$(grep -c '^seq 4: ' '$T/out') -eq 2 ]"

# Format 4 (no time index, times never back) is upgraded to 6, which keeps
# the floor the log has (these old formats are made by tamper from a new log).
restore
"$TAMPER" "$T/log" time-v4 >/dev/null 2>&1 || echo "# tamper time-v4 failed"
expect 3 "format 4: log asks for an upgrade" al log
check "...and says how" err_has "the log is in format version 4, without a time index: upgrade it first with 'auditlog upgrade'"
expect 3 "format 4: verify asks for an upgrade" al verify
expect 0 "upgrade" al upgrade
expect 0 "...then verify passes" al verify
check "...with the same warnings" out_has "clock     2 warnings"
check "...and the index finds the period" \
    [ "$(seqs --since "$today" --until "$tomorrow")" = "1 2 3 5 6 7" ]
expect 0 "upgrade again: nothing to do" al upgrade
restore
"$TAMPER" "$T/log" time-v4 >/dev/null 2>&1
r acme
expect 0 "format 4: record upgrades it" al verify
check "...and indexes the new entry" \
    [ "$(seqs --since "$today" --until "$tomorrow")" = "1 2 3 5 6 7 8" ]
# Formats 1 to 3 go straight to 6.
restore
"$TAMPER" "$T/log" tree-v1 >/dev/null 2>&1
expect 0 "format 1: upgrade" al upgrade
expect 0 "...then verify passes" al verify
check "...and the index finds 2101" [ "$(seqs --since 2100-01-01)" = "4" ]
restore
"$TAMPER" "$T/log" index-v3 >/dev/null 2>&1
expect 0 "format 3: upgrade" al upgrade
expect 0 "...then verify passes" al verify
check "...and the index finds 2101" [ "$(seqs --since 2100-01-01)" = "4" ]

# More anomalies than a summary spells out: 111 (seq 2, the policy, ahead
# of seq 3, which is back, then every odd seq from 5 to 221 back by 1 ns).
rm -rf "$T/log"
al init >/dev/null 2>&1
awk 'BEGIN { for (i = 0; i < 220; i++) printf "{\"actor\":\"svc:x\",\"customer\":\"c\",\"purpose\":\"service-provision\",\"action\":\"read\"}\n" }' |
    al record --batch >/dev/null 2>&1
base=1767225600000000000	# 2026-01-01T00:00:00Z
s=3
while [ $s -le 222 ]; do
	if [ $((s % 2)) -eq 1 ]; then t=$((base + s - 2)); else t=$((base + s)); fi
	"$TAMPER" "$T/log" rechain $s time $t >/dev/null 2>&1 ||
	    echo "# tamper rechain $s failed"
	s=$((s + 1))
done
expect 0 "111 anomalies: verify passes" al verify
check "...listing all 111" sh -c "[ \$(grep -c '^  seq [0-9]*  .*  \(back\|ahead\): ' '$T/out') -eq 111 ]"
expect 0 "...export" al export -o "$T/many.tar.gz"
tar -xzOf "$T/many.tar.gz" summary.txt >"$T/many.txt"
check "...the summary counts 111" grep -qx "clock anomalies: 111" "$T/many.txt"
check "...spells out 100" sh -c "[ \$(grep -c '^  seq [0-9]*  .*  \(back: before\|ahead: more than an hour after\) seq [0-9]*.s time\$' '$T/many.txt') -eq 100 ]"
check "...then says there are more" grep -qx "  (more not listed)" "$T/many.txt"
expect 0 "...verify-export accepts it" al verify-export "$T/many.tar.gz"
check "...counting 111" out_has "clock: 111 anomalies among the entries"
py "...and so does verify-export.py" \
    sh -c "python3 '$VX' '$T/many.tar.gz' | grep -q 'clock: 111 anomalies among the entries'"

done_testing
