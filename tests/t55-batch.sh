#!/bin/sh
# t55-batch.sh - record --batch: JSON lines in, one result line out each
. "$(dirname "$0")/lib.sh"

newlog	# the floor at seq 1, the policy at seq 2: accesses from seq 3
ok_line='{"actor":"svc:a","customer":"acme","purpose":"service-provision","action":"read"}'
deny_line='{"actor":"alice","customer":"acme","purpose":"marketing","action":"read"}'

printf '%s\n' "$ok_line" "$ok_line" > allowed.jsonl
expect 0 "a batch of allowed accesses exits 0" sh -c "'$AUDITLOG' -d '$T/log' record --batch < allowed.jsonl"
check "...one result a line, with its seq" out_is '{"line":1,"seq":3,"decision":"allow","rule":"default.policy:24"}
{"line":2,"seq":4,"decision":"allow","rule":"default.policy:24"}'

printf '%s\n' "$ok_line" "$deny_line" > denied.jsonl
expect 1 "a batch with a denial exits 1" sh -c "'$AUDITLOG' -d '$T/log' record --batch < denied.jsonl"
# The floor decides first: marketing is a purpose it forbids.
check "...the denial with its code and reason" out_has \
    '{"line":2,"seq":6,"decision":"deny","code":"floor","reason":"the floor forbids purpose '"'"'marketing'"'"' (promise.floor:17)"}'

{
	echo "$ok_line"
	echo 'not json'
	echo '{"actor":"svc:a","customer":"","purpose":"service-provision","action":"read"}'
	echo '{"actor":"svc:a","customer":"acme","purpose":"service-provision","action":"read","colour":"red"}'
	echo '{"actor":7,"customer":"acme","purpose":"service-provision","action":"read"}'
	printf '%s\n' '{"actor":"svc:a","customer":"acme","purpose":"service-provision","action":"read","reason":"a\nb"}'
	python3 -c 'print("{\"actor\":\"" + "x" * 10485760 + "\"}")'
	echo '{"actor":"svc:a","customer":"acme","purpose":"service-provision","action":"read","ref":"SUP-1"}'
	printf '%s' "$deny_line"		# no newline at the end
} > mixed.jsonl
expect 2 "a batch with malformed lines exits 2" sh -c "'$AUDITLOG' -d '$T/log' record --batch < mixed.jsonl"
check "...one result for each of the 9 lines" [ "$(wc -l < "$T/out")" -eq 9 ]
check "...good lines around bad ones are recorded" out_has '{"line":1,"seq":7,"decision":"allow"'
check "...not JSON" out_has '{"line":2,"error":"not a JSON object: '
check "...an empty field, named" out_has '{"line":3,"error":"customer is empty"}'
check "...an unknown field, named" out_has '{"line":4,"error":"unknown field '"'"'colour'"'"'"}'
check "...a field that is not a string" out_has '{"line":5,"error":"actor is not a string"}'
check "...a control character" out_has '{"line":6,"error":"reason holds a control character or invalid UTF-8 at byte 2"}'
check "...a 10 MB line, refused on its own" out_has '{"line":7,"error":"line longer than 65536 bytes"}'
check "...the line after it is recorded" out_has '{"line":8,"seq":8,"decision":"allow"'
check "...and the last line without a newline" out_has '{"line":9,"seq":9,"decision":"deny"'
expect 0 "the log verifies" al verify
check "...with exactly the recorded lines" out_has "entries   9 (seq 1 to 9)"

# A result is written once its line is durable: commits come by size or time.
mkfifo in.fifo
( "$AUDITLOG" -d "$T/log" record --batch --batch-ms 50 < in.fifo > slow.out 2>&1 ) &
pid=$!
exec 3> in.fifo
echo "$ok_line" >&3
i=0
while [ ! -s slow.out ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "a lone line is committed after --batch-ms, with input still open" \
    grep -q '"line":1,"seq":10' slow.out
exec 3>&-
wait $pid
check "...and the batch ends when its input does" [ "$(wc -l < slow.out)" -eq 1 ]

seq 1 25 | sed "s/.*/$ok_line/" > many.jsonl
expect 0 "--batch-size 10 over 25 lines" sh -c "'$AUDITLOG' -d '$T/log' record --batch --batch-size 10 < many.jsonl"
check "...every line recorded, in order" [ "$(tail -n 1 "$T/out")" = '{"line":25,"seq":35,"decision":"allow","rule":"default.policy:24"}' ]
expect 0 "an empty batch" sh -c "'$AUDITLOG' -d '$T/log' record --batch < /dev/null"
check "...says nothing" [ ! -s "$T/out" ]
expect 2 "--batch with an access flag" al record --batch --actor a < /dev/null
check "...says why" err_has "only --service may be given"
expect 2 "--batch-size 0" al record --batch --batch-size 0 < /dev/null
expect 2 "check --batch" al check --batch < /dev/null
expect 3 "--batch on a missing log" sh -c "'$AUDITLOG' -d '$T/nolog' record --batch < allowed.jsonl"
check "...records nothing and creates nothing" [ ! -e nolog ]
AUDITLOG_SERVICE=ingest "$AUDITLOG" -d "$T/log" record --batch < allowed.jsonl >/dev/null
check "\$AUDITLOG_SERVICE is the service of lines without one" sh -c \
    "'$AUDITLOG' -d '$T/log' log --json -n 1 | grep -q '\"service\":\"ingest\"'"

# The pipeline (one thread parses while the other commits) keeps the
# input's order and answers each line on its own, across many commits.
seq0=$(al head) && seq0=${seq0%% *}
awk -v ok="$ok_line" 'BEGIN {
	for (i = 1; i <= 3000; i++)
		if (i % 7 == 0)
			print "{\"actor\":\"svc:a\",\"customer\":\"\",\"purpose\":\"service-provision\",\"action\":\"read\"}"
		else if (i % 11 == 0)
			print "not json"
		else
			print ok
}' > order.jsonl
expect 2 "3000 lines, some malformed, --batch-size 50" sh -c "'$AUDITLOG' -d '$T/log' record --batch --batch-size 50 < order.jsonl"
# Every result in input order; the malformed ones where they were; the
# others with seqs that follow each other from the head before.
order_ok() {
	awk -v first="$1" '
	{ split($0, f, /[:,]/) }
	f[2] != NR { print "# result " NR " is for line " f[2]; bad = 1; exit }
	NR % 7 == 0 {
		if ($0 !~ /"error":"customer is empty"/) { print "# " $0; bad = 1 }
		next
	}
	NR % 11 == 0 {
		if ($0 !~ /"error":"not a JSON object: /) { print "# " $0; bad = 1 }
		next
	}
	{
		if (!match($0, /"seq":[0-9]+/) ||
		    substr($0, RSTART + 6, RLENGTH - 6) + 0 != first + k) {
			print "# seq out of order: " $0; bad = 1; exit
		}
		k++
	}
	END { if (NR != 3000) { print "# " NR " results"; bad = 1 } exit bad }
	' "$T/out"
}
check "...each result in order, errors on their own lines" order_ok $((seq0 + 1))
check "...and the log has the good ones" sh -c "[ \"\$('$AUDITLOG' -d '$T/log' head | cut -d' ' -f1)\" -eq $((seq0 + 2338)) ]"

# Commits by time while the parser is busy: every line, in order.
seq0=$(al head) && seq0=${seq0%% *}
expect 2 "the same with --batch-ms 1 and --batch-size 100000" sh -c "'$AUDITLOG' -d '$T/log' record --batch --batch-ms 1 --batch-size 100000 < order.jsonl"
check "...each result in order" order_ok $((seq0 + 1))

# Long lines: across reads, at the limit, over it, last without newline.
python3 -c '
import sys
head = "{\"actor\":\"svc:a\",\"customer\":\"acme\",\"purpose\":\"service-provision\",\"action\":\"read\",\"resource\":\""
def line(n):
	return head + "r" * (n - len(head) - 2) + "\"}"
ok = sys.argv[1]
sys.stdout.write("\n".join([ok, line(65536), ok, line(65537), ok,
    line(200000), ok, line(65537)]))' "$ok_line" > long.jsonl
expect 2 "lines of 64 KiB and over" sh -c "'$AUDITLOG' -d '$T/log' record --batch < long.jsonl"
check "...one result each" [ "$(wc -l < "$T/out")" -eq 8 ]
check "...a line of exactly 64 KiB is parsed" out_has '{"line":2,"error":"resource is longer than'
check "...one byte more is too long" out_has '{"line":4,"error":"line longer than 65536 bytes"}'
check "...and so is a longer one" out_has '{"line":6,"error":"line longer than 65536 bytes"}'
check "...a long last line without newline too" out_has '{"line":8,"error":"line longer than 65536 bytes"}'
check "...the lines between are recorded" sh -c "grep -c '\"seq\":' '$T/out' | grep -qx 4"

printf '%s\n%s' "$ok_line" 'not json' > lastbad.jsonl
expect 2 "a malformed last line without newline" sh -c "'$AUDITLOG' -d '$T/log' record --batch < lastbad.jsonl"
check "...is answered" out_has '{"line":2,"error":"not a JSON object: '
printf '%s' "$ok_line" > one.jsonl
expect 0 "a lone line without newline" sh -c "'$AUDITLOG' -d '$T/log' record --batch < one.jsonl"
check "...is recorded" [ "$(grep -c '"line":1,"seq":' "$T/out")" -eq 1 ]

# Interactive: each line answered within --batch-ms while the input stays
# open, and only once its entry is in the log (seen by another process).
rm -f in.fifo
mkfifo in.fifo
( "$AUDITLOG" -d "$T/log" record --batch --batch-ms 20 < in.fifo > slow.out 2>&1 ) &
pid=$!
exec 3> in.fifo
answered_durable=yes
for k in 1 2 3 4; do
	if [ $k -eq 3 ]; then echo 'not json' >&3; else echo "$ok_line" >&3; fi
	i=0
	while [ "$(wc -l < slow.out)" -lt $k ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(wc -l < slow.out)" -eq $k ] || { answered_durable="no answer to line $k"; break; }
	s=$(sed -n "${k}p" slow.out | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
	h=$(al head) && h=${h%% *}
	if [ -n "$s" ] && [ "$h" -lt "$s" ]; then
		answered_durable="line $k answered with seq $s, log head $h"
		break
	fi
done
exec 3>&-
wait $pid
check "lines written one at a time are each answered, after their commit" [ "$answered_durable" = yes ]
check "...the malformed one in its place" grep -q '^{"line":3,"error":"not a JSON object' slow.out

# Strict JSON: what yajl, the parser, lets through or changes is refused
# all the same, and what is valid comes through byte for byte.
b='"actor":"svc:a","customer":"acme","purpose":"service-provision","action":"read"'
{
	printf '{%s,"reason":"a\\ud800b"}\n' "$b"
	printf '{%s,"reason":"a\\udc00b"}\n' "$b"
	printf '{%s,"reason":"a\\ud800\\u0041b"}\n' "$b"
	printf '{%s,"reason":"pair \\ud83d\\ude00, \\\\ud800 and \\u00e9"}\n' "$b"
	printf '{%s,"reason":"a\\u0000b"}\n' "$b"
	printf '{%s,"act\\u0000or":"x"}\n' "$b"
	printf '{%s,"actor":"svc:b"}\n' "$b"
	printf '{%s}"\n' "$b"
	printf '{\v%s}\n' "$b"
	printf '{%s,"reason":"\300\257"}\n' "$b"
	printf '{%s /* c */}\n' "$b"
	printf '{%s,"ref":{"deep":["x",1]}}\n' "$b"
	printf '[{%s}]\n' "$b"
	printf '{%s}  \r\n' "$b"
	python3 -c 'print("[" * 60000)'
	printf '{%s,"ref":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\n' "$b"
	printf '{"actor":"svc:a"\n'
} > strict.jsonl
expect 2 "strict JSON: a batch with lines yajl alone would take" sh -c "'$AUDITLOG' -d '$T/log' record --batch < strict.jsonl"
check "...a lone high surrogate is refused, not made '?'" out_has '{"line":1,"error":"not a JSON object: a \\u escape of half a UTF-16 surrogate pair"}'
check "...a lone low surrogate too" out_has '{"line":2,"error":"not a JSON object: a \\u escape of half a UTF-16 surrogate pair"}'
check "...and a broken pair" out_has '{"line":3,"error":"not a JSON object: a \\u escape of half a UTF-16 surrogate pair"}'
check "...a pair and an escaped backslash are recorded" out_has '{"line":4,"seq":'
check "...a NUL in a string is refused" out_has '{"line":5,"error":"not a JSON object: \\u0000 is not allowed in a string"}'
check "...and in a key" out_has '{"line":6,"error":"not a JSON object: \\u0000 is not allowed in a key"}'
check "...a key given twice" out_has '{"line":7,"error":"not a JSON object: duplicate object key"}'
check "...a string cut short after the object" out_has '{"line":8,"error":"not a JSON object: trailing garbage at byte 82"}'
check "...a vertical tab, no JSON white space" out_has '{"line":9,"error":"not a JSON object: a form feed or vertical tab between values"}'
check "...an overlong encoding" out_has '{"line":10,"error":"reason holds a control character or invalid UTF-8 at byte 1"}'
check "...a comment" out_has '{"line":11,"error":"not a JSON object: lexical error: probable comment found in input text, comments are not enabled. at byte'
check "...a nested value" out_has '{"line":12,"error":"ref is not a string"}'
check "...an array of the object" out_has '{"line":13,"error":"not a JSON object"}'
check "...trailing white space is fine" out_has '{"line":14,"seq":'
check "...60,000 nested arrays: a depth limit, not 60,000 steps of yajl's stack" out_has '{"line":15,"error":"not a JSON object: maximum parsing depth reached"}'
check "...and 70 in a field" out_has '{"line":16,"error":"not a JSON object: maximum parsing depth reached"}'
check "...a line cut short: at its end, not at yajl's own count" out_has '{"line":17,"error":"not a JSON object: parse error: premature EOF at the end of the line"}'
expect 0 "...the recorded reason is the text, decoded" al log --json
check "...byte for byte" out_has '"reason":"pair 😀, \\ud800 and é"'

# A failure to write the results stops the reading, after one commit.
seq 1 5000 | sed "s/.*/$ok_line/" > big.jsonl
seq0=$(al head) && seq0=${seq0%% *}
expect 3 "results to a full disk" sh -c "'$AUDITLOG' -d '$T/log' record --batch --batch-size 10 < big.jsonl > /dev/full"
check "...says so" err_has "write error on standard output"
check "...once" [ "$(grep -c "write error on standard output" "$T/err")" -eq 1 ]
h=$(al head) && d=$((${h%% *} - seq0))
check "...and records one commit at most" eval '[ "$d" -ge 1 ] && [ "$d" -le 10 ]'

done_testing
