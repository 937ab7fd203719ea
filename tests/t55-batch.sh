#!/bin/sh
# t55-batch.sh - record --batch: JSON lines in, one result line out each
. "$(dirname "$0")/lib.sh"

newlog
ok_line='{"actor":"svc:a","customer":"acme","purpose":"service-provision","action":"read"}'
deny_line='{"actor":"alice","customer":"acme","purpose":"marketing","action":"read"}'

printf '%s\n' "$ok_line" "$ok_line" > allowed.jsonl
expect 0 "a batch of allowed accesses exits 0" sh -c "'$AUDITLOG' -d '$T/log' record --batch < allowed.jsonl"
check "...one result a line, with its seq" out_is '{"line":1,"seq":2,"decision":"allow","rule":"default.policy:24"}
{"line":2,"seq":3,"decision":"allow","rule":"default.policy:24"}'

printf '%s\n' "$ok_line" "$deny_line" > denied.jsonl
expect 1 "a batch with a denial exits 1" sh -c "'$AUDITLOG' -d '$T/log' record --batch < denied.jsonl"
check "...the denial with its code and reason" out_has \
    '{"line":2,"seq":5,"decision":"deny","code":"deny-rule","reason":"forbidden by the deny rule at default.policy:21"}'

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
check "...good lines around bad ones are recorded" out_has '{"line":1,"seq":6,"decision":"allow"'
check "...not JSON" out_has '{"line":2,"error":"not a JSON object: '
check "...an empty field, named" out_has '{"line":3,"error":"customer is empty"}'
check "...an unknown field, named" out_has '{"line":4,"error":"unknown field '"'"'colour'"'"'"}'
check "...a field that is not a string" out_has '{"line":5,"error":"actor is not a string"}'
check "...a control character" out_has '{"line":6,"error":"reason holds a control character or invalid UTF-8 at byte 2"}'
check "...a 10 MB line, refused on its own" out_has '{"line":7,"error":"line longer than 65536 bytes"}'
check "...the line after it is recorded" out_has '{"line":8,"seq":7,"decision":"allow"'
check "...and the last line without a newline" out_has '{"line":9,"seq":8,"decision":"deny"'
expect 0 "the log verifies" al verify
check "...with exactly the recorded lines" out_has "entries   8 (seq 1 to 8)"

# A result is written once its line is durable: commits come by size or time.
mkfifo in.fifo
( "$AUDITLOG" -d "$T/log" record --batch --batch-ms 50 < in.fifo > slow.out 2>&1 ) &
pid=$!
exec 3> in.fifo
echo "$ok_line" >&3
i=0
while [ ! -s slow.out ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "a lone line is committed after --batch-ms, with input still open" \
    grep -q '"line":1,"seq":9' slow.out
exec 3>&-
wait $pid
check "...and the batch ends when its input does" [ "$(wc -l < slow.out)" -eq 1 ]

seq 1 25 | sed "s/.*/$ok_line/" > many.jsonl
expect 0 "--batch-size 10 over 25 lines" sh -c "'$AUDITLOG' -d '$T/log' record --batch --batch-size 10 < many.jsonl"
check "...every line recorded, in order" [ "$(tail -n 1 "$T/out")" = '{"line":25,"seq":34,"decision":"allow","rule":"default.policy:24"}' ]
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

done_testing
