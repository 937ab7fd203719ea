#!/bin/sh
# t52-log-view.sh - auditlog log: times as people write them, the filters
# that navigate, -r, -f and its cursor, the pager, aligned columns, the
# no-match hint, and the formats for a SIEM (csv, ocsf, syslog)
. "$(dirname "$0")/lib.sh"

newlog
r() { al record "$@" >/dev/null 2>&1; }
r --actor svc:billing --customer acme --purpose service-provision --action read
r --actor alice --customer acme --purpose support-ticket --ref SUP-1 --action read
r --actor alice --customer globex --purpose marketing --action read
r --actor svc:billing --customer globex --purpose service-provision \
    --action write --service crm --data billing
r --actor bob --customer acme --purpose support-ticket --action read
r --actor carol --customer initech --purpose technical-fix --ref INC-7 \
    --action read
# 8 entries: the floor, the policy, 4 allowed, 2 denied (5: marketing, by
# the floor; 7: no ref)

seqs() {	# seqs ARGS...: the seqs `log ARGS` lists, on one line
	al log "$@" > seqs.out 2>/dev/null || { echo "exit $?"; return; }
	awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " }' seqs.out
}
all="1 2 3 4 5 6 7 8"

# Times as people write them (auditlog(1) TIME FORMATS)
check "--since -1h takes all" [ "$(seqs --since -1h)" = "$all" ]
check "--since -30min takes all" [ "$(seqs --since -30min)" = "$all" ]
check "--since '1 hour ago' takes all" [ "$(seqs --since '1 hour ago')" = "$all" ]
check "--since '3 days ago' --until tomorrow takes all" \
    [ "$(seqs --since '3 days ago' --until tomorrow)" = "$all" ]
check "--until -1h takes none" [ "$(seqs --until -1h)" = "" ]
check "--since +1h takes none" [ "$(seqs --since +1h)" = "" ]
check "--since now takes none" [ "$(seqs --since now)" = "" ]
check "--until now takes all" [ "$(seqs --until now)" = "$all" ]
check "--since today takes all" [ "$(seqs --since today)" = "$all" ]
check "--since yesterday --until today takes none" \
    [ "$(seqs --since yesterday --until today)" = "" ]
check "--since tomorrow takes none" [ "$(seqs --since tomorrow)" = "" ]
expect 2 "a unit it does not know" al log --since '1 fortnight ago'
check "...naming it" err_has "--since: not a time (auditlog(1), TIME FORMATS): '1 fortnight ago'"
expect 2 "a sign and 'ago' together" al log --since '-1h ago'
check "...refused" err_has "--since: not a time (auditlog(1), TIME FORMATS): '-1h ago'"
expect 2 "a bare number" al log --until 10
check "...refused" err_has "--until: not a time (auditlog(1), TIME FORMATS): '10'"

expect 0 "report takes them too" al report --since today --until tomorrow
check "...its filters in UTC" out_has "since=$(date -u +%Y-%m-%d)T00:00:00.000000000Z, until=$(date -u -d tomorrow +%Y-%m-%d)T00:00:00.000000000Z"
expect 0 "export takes them too" al export --since -1h -o recent.tar.gz
check "...the bundle's manifest in UTC" sh -c "tar xzOf recent.tar.gz manifest.json | grep -q '\"since\":\"$(date -u -d '-1 hour' +%Y-%m-%d)T'"

# A time without an offset is in the local zone of TZ.
al log --json -n 1 > last.json
s=$(python3 -c '
import json, sys, calendar, time
e = json.load(open(sys.argv[1]))
print(calendar.timegm(time.strptime(e["time"][:19], "%Y-%m-%dT%H:%M:%S")))
' last.json)
east=$(TZ=ABC-14 date -d "@$s" '+%Y-%m-%d %H:%M:%S')	# UTC+14
check "a local time in TZ's zone: the entry is at or after it" \
    sh -c "TZ=ABC-14 \"\$AUDITLOG\" -d log log --since '$east' | grep -q '^8 '"
check "...the same words in UTC are 14 hours later: none" \
    [ "$(seqs --since "$east")" = "" ]
check "...with a T" \
    sh -c "TZ=ABC-14 \"\$AUDITLOG\" -d log log --since '$(echo "$east" | tr ' ' T)' | grep -q '^8 '"
check "...to the minute" \
    sh -c "TZ=ABC-14 \"\$AUDITLOG\" -d log log --since '$(echo "$east" | cut -c1-16)' | grep -q '^8 '"
eday=$(TZ=ABC-14 date -d "@$s" +%Y-%m-%d)
check "a local date: midnight there (UTC+14 holds the entry)" \
    sh -c "TZ=ABC-14 \"\$AUDITLOG\" -d log log --since $eday | grep -q '^8 '"
check "...and not in UTC-14, where that midnight is later" \
    [ "$(TZ=ABC+14; seqs --since "$eday")" = "" ]
check "an RFC 3339 time keeps its offset whatever TZ says" \
    [ "$(TZ=ABC-14 "$AUDITLOG" -d log log --since 2999-01-01T00:00:00Z 2>/dev/null | wc -l)" -eq 0 ]

# The table shows local time; --utc forces UTC; JSON stays UTC.
expect 0 "TZ=UTC+14: the table in local time" env TZ=ABC-14 "$AUDITLOG" -d log log -n 1
check "...with its offset" out_has "8     $(TZ=ABC-14 date -d "@$s" +%Y-%m-%dT%H:%M:%S)+14:00 allow  "
expect 0 "--utc: in UTC" env TZ=ABC-14 "$AUDITLOG" -d log log -n 1 --utc
check "...with a Z" out_has "8     $(date -u -d "@$s" +%Y-%m-%dT%H:%M:%S)Z allow  "
expect 0 "JSON under TZ=UTC+14" env TZ=ABC-14 "$AUDITLOG" -d log log -n 1 --json
check "...is the same, RFC 3339 UTC with nanoseconds" cmp -s "$T/out" last.json

# Filters that navigate
check "--ref" [ "$(seqs --ref SUP-1)" = "4" ]
check "--ref INC-7" [ "$(seqs --ref INC-7)" = "8" ]
check "--service" [ "$(seqs --service crm)" = "6" ]
check "--action" [ "$(seqs --action write)" = "6" ]
check "--data" [ "$(seqs --data billing)" = "6" ]
check "--data customer-data --customer acme" \
    [ "$(seqs --data customer-data --customer acme)" = "3 4 7" ]
check "--from-seq --to-seq" [ "$(seqs --from-seq 3 --to-seq 5)" = "3 4 5" ]
check "-r: newest first" [ "$(seqs -r)" = "8 7 6 5 4 3 2 1" ]
check "--reverse with a filter" [ "$(seqs --reverse --customer acme)" = "7 4 3" ]
check "-r -n 2: the two newest, newest first" [ "$(seqs -r -n 2)" = "8 7" ]
check "-r --from-seq --to-seq" [ "$(seqs -r --from-seq 2 --to-seq 4)" = "4 3 2" ]
expect 2 "--to-seq before --from-seq" al log --from-seq 5 --to-seq 4
check "...refused" err_has "--to-seq is before --from-seq"
expect 2 "export does not take --ref (a bundle cannot carry it)" \
    al export --ref SUP-1 -o b.tar.gz
check "...naming it" err_has "unknown option '--ref'"

# Nothing matches: said on stderr, with a hint for a near spelling
expect 0 "no match is not an error" al log --customer ACME
check "...prints nothing on stdout" out_is ""
check "...says so, and the spelling that is there" [ "$(cat "$T/err")" = \
"auditlog: log: no entries match
auditlog: log: no customer 'ACME' in the log; did you mean 'acme'?" ]
expect 0 "an actor two edits away" al log --actor alcie
check "...is named" err_has "no actor 'alcie' in the log; did you mean 'alice'?"
expect 0 "a customer with no near spelling" al log --customer zzzzzz
check "...is said to be absent, with no guess" [ "$(cat "$T/err")" = \
"auditlog: log: no entries match
auditlog: log: no customer 'zzzzzz' in the log" ]
expect 0 "a customer that is there, other filters excluding it" \
    al log --customer acme --purpose marketing
check "...no hint" [ "$(cat "$T/err")" = "auditlog: log: no entries match" ]
expect 0 "a hostile value in the hint" al log --customer "$(printf 'x\033[2J')"
check "...is escaped" err_has "no customer 'x\\033[2J' in the log"

# Columns stay aligned whatever the values' width
r --actor "svc:a-very-long-service-account-name" --customer "名前-wide" \
    --purpose service-provision --action read
r --actor x --customer "a b" --purpose service-provision --action read
expect 0 "a table with wide values" al log
check "every column starts where its header does" python3 -c '
import sys, unicodedata
def cols(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
head = lines[0]
starts = [i for i in range(len(head)) if head[i] != " " and (i == 0 or head[i-1] == " ")]
assert len(starts) == 10, starts
for l in lines[1:]:
    # the display column of each character
    pos, at = [], 0
    for c in l:
        pos.append(at); at += cols(c)
    begins = [pos[i] for i in range(len(l)) if l[i] != " " and (i == 0 or l[i-1] == " ")]
    for s in starts[:9]:
        assert s in begins, (s, l)
' "$T/out"
check "...the wide value in its column" grep -q "名前-wide" "$T/out"
check "...a space in a value escaped, as before" grep -qF 'a\040b' "$T/out"

# The pager: on a terminal only, $PAGER or less -FRX; --no-pager
if command -v script >/dev/null 2>&1; then
	PAGER='sed s/^/paged:/' script -qec "\"$AUDITLOG\" -d log log -n 1" \
	    /dev/null > tty.out 2>&1
	check "on a terminal, through \$PAGER" grep -q '^paged:SEQ ' tty.out
	PAGER='sed s/^/paged:/' script -qec \
	    "\"$AUDITLOG\" -d log log -n 1 --no-pager" /dev/null > tty.out 2>&1
	check "--no-pager: straight to the terminal" sh -c \
	    "grep -q '^SEQ ' tty.out && ! grep -q paged: tty.out"
else
	ok "# SKIP no script(1) for a terminal"
	ok "# SKIP no script(1) for a terminal"
fi
PAGER='sed s/^/paged:/' al log -n 1 > piped
check "not a terminal: no pager" sh -c "grep -q '^SEQ ' piped && ! grep -q paged: piped"

# Formats
expect 2 "an unknown format" al log --format xml
check "...naming them" err_has "--format takes table, json, csv, ocsf or syslog, not 'xml'"
al log --json > j1
al log --format json > j2
check "--format json is --json (JSON Lines)" cmp -s j1 j2
expect 2 "--json with another format" al log --json --format csv
check "...refused" err_has "--json is --format json"
expect 2 "--sd-id without syslog" al log --sd-id a@1
check "...refused" err_has "--sd-id is for --format syslog"

# verify --json and report --json: one JSON object each, not JSON Lines
for c in verify report; do
	al $c --json > one.json 2>/dev/null
	check "$c --json prints one JSON object" python3 -c '
import json, sys
text = open(sys.argv[1]).read()
assert isinstance(json.loads(text), dict)
assert text.count("\n") == 1 and text.endswith("}\n"), text[-40:]
' one.json
done

# csv: the bundle's CSV, row for row
r --actor mallory --customer acme --purpose support-ticket --ref SUP-9 \
    --action read --reason '=HYPERLINK("http://evil")'
al export -o whole.tar.gz >/dev/null 2>&1
mkdir x && tar xzf whole.tar.gz -C x
al log --format csv > log.csv
check "--format csv is the bundle's entries.csv, byte for byte" cmp -s log.csv x/entries.csv
check "...a formula neutralised" grep -qF "\"'=HYPERLINK(\"\"http://evil\"\")\"" log.csv
expect 0 "csv with nothing matching" al log --format csv --customer nobody
check "...is the header alone" [ "$(wc -l < "$T/out")" -eq 1 ]

# ocsf: a Datastore Activity event a line, every required attribute typed
bidi=$(printf 'x\342\200\256evil')
r --actor "$bidi" --customer 'q"uote' --purpose service-provision \
    --action delete --reason 'back\slash'
r --actor alice --customer acme --purpose support-ticket --ref SUP-3 \
    --action sell
expect 0 "--format ocsf" al log --format ocsf
check "every event has the class's required attributes, rightly typed" python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line); n += 1
    for k in ("activity_id", "category_uid", "class_uid", "severity_id", "time", "type_uid"):
        assert type(e[k]) is int, (k, e)
    assert e["class_uid"] == 6005 and e["category_uid"] == 6, e
    assert e["type_uid"] == e["class_uid"] * 100 + e["activity_id"], e
    assert e["activity_id"] in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 99), e
    assert e["severity_id"] in (0, 1, 2, 3, 4, 5, 6, 99), e
    m = e["metadata"]
    assert type(m["version"]) is str and m["version"].startswith("1."), m
    assert type(m["product"]) is dict and type(m["product"]["name"]) is str, m
    a = e["actor"]
    assert type(a) is dict and type(a["user"]["name"]) is str, a
    assert type(e["src_endpoint"]) is dict and e["src_endpoint"], e
    assert any(type(e.get(k)) is dict for k in ("database", "databucket", "table")), e
    assert type(e["unmapped"]) is dict and type(e["unmapped"]["seq"]) is int, e
    assert e["unmapped"]["seq"] == m["sequence"] == n, e
    assert type(e["time"]) is int and e["time"] > 1700000000000, e
assert n == 13, n
' "$T/out"
check "an access: activity, decision, purpose, reference and rule mapped" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
e = ev[3]	# seq 4: alice reads acme for support-ticket SUP-1
assert (e["activity_id"], e["activity_name"], e["type_uid"]) == (1, "Read", 600501), e
assert (e["severity_id"], e["status_id"]) == (1, 1), e
z = e["actor"]["authorizations"][0]
assert z == {"decision": "Allowed", "policy": {"name": "default.policy:30",
    "uid": e["unmapped"]["policy"], "desc": "purpose support-ticket, ref SUP-1"}}, z
assert e["database"] == {"name": "acme"} and e["table"] == {"name": "customer-data"}, e
u = e["unmapped"]
assert (u["purpose"], u["ref"], u["decision"], u["rule"]) == ("support-ticket", "SUP-1", "allow", "default.policy:30"), u
d = ev[12]	# seq 13: sell, denied by the floor, which names its line
assert (d["activity_id"], d["activity_name"], d["type_uid"]) == (99, "sell", 600599), d
assert (d["severity_id"], d["status_id"], d["status_code"]) == (2, 2, "floor"), d
assert d["actor"]["authorizations"][0]["decision"] == "Denied", d
assert d["actor"]["authorizations"][0]["policy"]["name"] == "promise.floor:14", d
w = ev[5]	# seq 6: a write by the crm service
assert w["activity_id"] == 5 and w["actor"]["app_name"] == "crm", w
f = ev[0]	# the floor entry
assert f["activity_id"] == 99 and f["unmapped"]["kind"] == "floor", f
p = ev[1]	# the policy entry
assert p["activity_id"] == 99 and p["unmapped"]["kind"] == "policy", p
h = ev[11]	# seq 12: hostile values, through JSON escaping
assert h["actor"]["user"]["name"] == "x\u202eevil" and h["database"]["name"] == "q\"uote", h
assert h["unmapped"]["reason"] == "back\\slash" and h["activity_id"] == 7, h
' "$T/out"

# syslog: RFC 5424, the entry in structured data
expect 0 "--format syslog" al log --format syslog --from-seq 4 --to-seq 4
al log --json --from-seq 4 --to-seq 4 > e4.json
cat > want.py <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
t = e["time"][:26] + "Z"	# RFC 5424: microseconds at most
print('<85>1 %s %s auditlog %d - [auditlog@32473 seq="4" kind="access" '
      'actor="alice" customer="acme" purpose="support-ticket" action="read" '
      'data="customer-data" ref="SUP-1" decision="allow" code="allowed" '
      'rule="default.policy:30" uid="%d" attested="false"%s hash="%s"] '
      'alice read acme customer-data for support-ticket: allowed by '
      'default.policy:30'
      % (t, e["host"], e["pid"], e["uid"],
         ' user="%s"' % e["user"] if e["user"] else "", e["hash"]))
EOF
want=$(python3 want.py e4.json) || want="(no entry 4)"
check "the exact line of an allowed access (authpriv.notice)" out_is "$want"
expect 0 "a denied access" al log --format syslog --from-seq 5 --to-seq 5
check "...is authpriv.warning, <84>" sh -c "grep -q '^<84>1 ' '$T/out'"
expect 0 "hostile values" al log --format syslog --from-seq 12 --to-seq 12
check "...quote, backslash and ] escaped as RFC 5424 says" \
    out_has 'customer="q\"uote" purpose="service-provision" action="delete" data="customer-data" reason="back\\slash"'
check "...a bidi override as an octal escape" out_has 'actor="x\342\200\256evil"'
expect 0 "a detail holding a ]" al log --format syslog --from-seq 7 --to-seq 7
check "...escapes it" out_has '[0-9\]' 
al log --format syslog > all.syslog
check "no control character in any line, one line an entry" python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
assert lines[-1] == b"" and len(lines) == 14, len(lines)
for l in lines[:-1]:
    assert all(b >= 0x20 and b != 0x7f for b in l), l
    assert l.decode("utf-8")
' all.syslog
expect 0 "--sd-id: an operator's own enterprise number" \
    al log --format syslog -n 1 --sd-id example@12345
check "...in the SD-ID" out_has " - [example@12345 seq=\"13\" "
expect 2 "--sd-id not NAME@NUMBER" al log --format syslog --sd-id 'a b@1'
check "...refused" err_has "--sd-id takes NAME@NUMBER (RFC 5424 7.2.2), not 'a b@1'"
expect 2 "--sd-id without a number" al log --format syslog --sd-id auditlog@
check "...refused" err_has "--sd-id takes NAME@NUMBER (RFC 5424 7.2.2), not 'auditlog@'"

# -f: entries as they are committed, a cursor on exit
expect 2 "-f with -r" al log -f -r
check "...refused" err_has "-f follows the log forward: not with -r, --until or --to-seq"
expect 2 "-f with --until" al log -f --until now
check "...refused" err_has "-f follows the log forward"
# wait_lines FILE N: until FILE has N lines, 10 s at most
wait_lines() {
	_i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
"$AUDITLOG" -d "$T/log" log -f --format json --after-seq 13 > f.out 2> f.err &
fpid=$!
r --actor alice --customer acme --purpose support-ticket --ref SUP-4 --action read
r --actor bob --customer globex --purpose support-ticket --ref SUP-5 --action read
wait_lines f.out 2
kill -INT $fpid
wait $fpid
check "-f: SIGINT is a clean end (exit 0)" [ $? -eq 0 ]
check "...printed what came after --after-seq, as it came" \
    [ "$(sed 's/^{"version":3,"seq":\([0-9]*\),.*/\1/' f.out | tr '\n' ' ')" = "14 15 " ]
check "...and the last seq printed on stderr" [ "$(cat f.err)" = "auditlog: log: last seq 15" ]
r --actor alice --customer acme --purpose support-ticket --ref SUP-6 --action read
"$AUDITLOG" -d "$T/log" log -f --format ocsf --after-seq 15 --customer acme > f2.out 2> f2.err &
fpid=$!
r --actor alice --customer globex --purpose support-ticket --ref SUP-7 --action read
r --actor alice --customer acme --purpose support-ticket --ref SUP-8 --action read
wait_lines f2.out 2
kill -TERM $fpid
wait $fpid
check "-f resumed: nothing lost, nothing twice, the filter held (SIGTERM)" \
    [ "$? $(python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["unmapped"]["seq"]) for l in open(sys.argv[1])))
' f2.out)" = "0 16 18" ]
check "...the cursor" [ "$(cat f2.err)" = "auditlog: log: last seq 18" ]
"$AUDITLOG" -d "$T/log" log -f --after-seq 18 > f3.out 2> f3.err &
fpid=$!
wait_lines f3.out 1	# the header: it is waiting now
kill -INT $fpid
wait $fpid
check "-f with nothing new: the header alone, the cursor given back" \
    [ "$(wc -l < f3.out) $(cat f3.err)" = "1 auditlog: log: last seq 18" ]
"$AUDITLOG" -d "$T/log" log -f > f4.out 2> f4.err &
fpid=$!
wait_lines f4.out 11
kill -INT $fpid
wait $fpid
check "-f alone: a header and the newest ten, as tail -f" \
    [ "$(awk 'NR > 1 { printf "%s ", $1 }' f4.out)" = "9 10 11 12 13 14 15 16 17 18 " ]

# -f whose reader goes away: a write error, exit 3, the cursor all the same
( "$AUDITLOG" -d "$T/log" log -f --format json --after-seq 18 2> f5.err
  echo $? > f5.rc ) | head -c 1 > /dev/null &
_i=0
while [ ! -s f5.rc ] && [ $_i -lt 50 ]; do
	r --actor alice --customer acme --purpose support-ticket --ref SUP-9 --action read
	sleep 0.2
	_i=$((_i + 1))
done
wait
check "-f, its reader gone: exit 3" [ "$(cat f5.rc 2>/dev/null)" = 3 ]
check "...a write error said, then the last seq written whole" python3 -c '
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
assert lines[0].startswith("auditlog: log: write error on standard output: Broken pipe"), lines
m = re.fullmatch(r"auditlog: log: last seq (\d+)", lines[1])
assert m and int(m.group(1)) >= 19, lines
' f5.err

# -f never pages, even on a terminal
if command -v script >/dev/null 2>&1; then
	PAGER='sed s/^/paged:/' script -qfec "sh -c 'echo \$\$ > f6.pid; \
	    exec \"$AUDITLOG\" -d \"$T/log\" log -f -n 1'" tty6.out \
	    > /dev/null 2>&1 < /dev/null &
	spid=$!
	wait_lines tty6.out 2
	[ -s f6.pid ] && kill -INT "$(cat f6.pid)"
	wait $spid
	check "-f on a terminal: no pager" sh -c \
	    "grep -q '^SEQ ' tty6.out && ! grep -q paged: tty6.out"
else
	ok "# SKIP no script(1) for a terminal"
fi

done_testing
