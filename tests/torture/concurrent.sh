#!/bin/sh
# concurrent.sh - 16 writers at once on one log, half `record` a process an
# entry, half `record --batch`: every entry is there, seqs gap-free and
# unique, the chain valid.  TORTURE_EACH entries a writer (default 2000).
. "$(dirname "$0")/common.sh"
each=${TORTURE_EACH:-2000}
procs=16
al init >/dev/null 2>&1 || { row concurrent "init failed" "" 0; exit 1; }
lines "$each" >batch.jsonl
i=0
while [ $i -lt $procs ]; do
	if [ $((i % 2)) -eq 0 ]; then
		(
			j=0
			while [ $j -lt "$each" ]; do
				al record --actor "svc:w$i" --customer "c$((j % 50))" \
				    --purpose service-provision --action read ||
				    echo "record exited $?" >&2
				j=$((j + 1))
			done
		) >out.$i 2>err.$i &
	else
		al record --batch --batch-size 100 <batch.jsonl >out.$i 2>err.$i &
	fi
	i=$((i + 1))
done
wait
total=$((procs * each))
for f in out.*; do seqs_of "$f"; done | sort -n >seqs
found=$(sort -nu seqs | wc -l)
dups=$(uniq -d seqs | wc -l)
errs=$(cat err.* | wc -l)
gapfree=0
# Seqs 1 and 2 are init's (the floor, the first policy): accesses from 3.
[ "$(sort -nu seqs | tr '\n' ' ')" = "$(seq 3 $((total + 2)) | tr '\n' ' ')" ] &&
    gapfree=1
al verify >verify.out 2>&1
vrc=$?
entries=$(sed -n 's/^entries *\([0-9]*\) .*/\1/p' verify.out)
note "acknowledged $(wc -l <seqs) seqs, $dups duplicated, $errs error lines, verify exit $vrc, $entries entries"
# What went wrong, when something did: the commonest messages.
[ "$errs" -eq 0 ] || cat err.* | sort | uniq -c | sort -rn | head -5 |
    while IFS= read -r e; do note "  error: $e"; done
ok=0
[ "$found" -eq "$total" ] && [ "$dups" -eq 0 ] && [ "$gapfree" -eq 1 ] &&
    [ "$vrc" -eq 0 ] && [ "${entries:-0}" -eq $((total + 2)) ] &&
    [ "$errs" -eq 0 ] && ok=1
row concurrent "$found of $total, $dups duplicate, gap-free $([ $gapfree -eq 1 ] && echo yes || echo no), verify $vrc" \
    "$total of $total, 0 duplicate" "$ok" "8 x $each record + 8 x $each record --batch"
