#!/bin/sh
# crash.sh - a `record --batch` writer killed with SIGKILL at a random moment,
# TORTURE_CRASHES times (default 100): after each kill verify passes and
# every seq the writer printed is in the log.  The log starts afresh every
# 5 trials, so that verify and the comparison stay quick.
. "$(dirname "$0")/common.sh"
trials=${TORTURE_CRASHES:-100}
seed=${TORTURE_SEED:-$$}
lines 20000 k >lines.jsonl
# the moments, 5 to 250 ms after the start, from the seed
awk -v s="$seed" -v n="$trials" 'BEGIN { srand(s); for (i = 0; i < n; i++)
    printf "%.3f\n", 0.005 + rand() * 0.245 }' >moments
lost=0
badverify=0
acked=0
killed=0
t=0
while read -r moment; do
	if [ $((t % 5)) -eq 0 ]; then
		rm -rf "$W/log"
		al init >/dev/null 2>&1 || { badverify=$((badverify + 1)); break; }
	fi
	t=$((t + 1))
	# the binary itself in the background, not the function al: the
	# kill must reach the writer, not a subshell
	"$AUDITLOG" -d "$W/log" record --batch --batch-size 200 \
	    --batch-ms 5 <lines.jsonl >acked 2>/dev/null &
	pid=$!
	sleep "$moment"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ $? -eq 137 ] && killed=$((killed + 1))	# died of the SIGKILL
	al verify >verify.out 2>"$W/err"
	rc=$?
	if [ "$rc" -ne 0 ] || ! sane; then
		badverify=$((badverify + 1))
		note "trial $t (kill at ${moment}s): verify exited $rc"
		sed 's/^/#     /' verify.out "$W/err" | head -n 5 >&2
	fi
	seqs_of acked | sort >acked.seqs
	logged_seqs >logged.seqs
	l=$(comm -23 acked.seqs logged.seqs | wc -l)
	[ "$l" -eq 0 ] || note "trial $t: $l acknowledged seqs missing: [$(comm -23 acked.seqs logged.seqs | head -n 3 | tr "\n" " ")] last line: $(tail -c 120 acked)"
	lost=$((lost + l))
	acked=$((acked + $(wc -l <acked.seqs)))
done <moments
note "seed $seed: $t trials, $killed writers died of the SIGKILL (the rest had finished), $acked seqs acknowledged"
ok=0
[ "$t" -ge "$trials" ] && [ "$lost" -eq 0 ] && [ "$badverify" -eq 0 ] && ok=1
row crash "$t kills ($killed mid-write), $acked acked: $lost lost, $badverify failed verifies" \
    "0 lost, 0 failed verifies" "$ok" "SIGKILL at 5-250 ms, seed $seed"
