#!/bin/sh
# t75-crash.sh - a writer killed with SIGKILL at a random moment loses no
# acknowledged entry and leaves a log that verifies (a handful of trials;
# make torture will run many)
. "$(dirname "$0")/lib.sh"

python3 -c '
import json
for i in range(20000):
    print(json.dumps({"actor": "svc:w", "customer": "c%d" % (i % 50),
        "purpose": "service-provision", "action": "read",
        "resource": "r/%d" % i}))
' > lines.jsonl
newlog
trials=5
t=1
while [ $t -le $trials ]; do
	"$AUDITLOG" -d "$T/log" record --batch --batch-size 200 --batch-ms 5 \
	    < lines.jsonl > acked.$t 2>/dev/null &
	pid=$!
	# a moment between 50 and 450 ms in
	sleep "0.$(( (t * 137) % 4 + 1 ))$(( t % 10 ))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	expect 0 "trial $t: the log verifies after the kill" al verify
	sed -n 's/.*"seq":\([0-9]*\).*/\1/p' acked.$t | sort > acked.seqs
	al log --json | sed -n 's/^{"version":[0-9]*,"seq":\([0-9]*\),.*/\1/p' |
	    sort > logged.seqs
	lost=$(comm -23 acked.seqs logged.seqs | wc -l)
	check "trial $t: every acknowledged entry is there ($(grep -c seq acked.$t) acked)" \
	    [ "$lost" -eq 0 ]
	t=$((t + 1))
done
check "the trials killed writers that had acknowledged entries" \
    [ "$(cat acked.* | grep -c seq)" -gt 0 ]
expect 0 "a plain record after the kills" al record --actor svc:w \
    --customer c1 --purpose service-provision --action read

done_testing
