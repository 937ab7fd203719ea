#!/bin/sh
# lockfile.sh - issue 15 item 1: lock.mdb removed while a record --batch
# writer runs, then single records: every acknowledged seq is in the log
# once, holding the entry of the writer that was told it, and verify passes.
# A writer whose lock file is gone exits 3 instead of committing.
. "$(dirname "$0")/common.sh"
trials=${TORTURE_LOCKFILE:-5}
line() { printf '{"actor":"svc:b","customer":"c%d","purpose":"service-provision","action":"read"}\n' "$1"; }
t=0 bad=0 dup=0 wrong=0 acked=0 bexit3=0 vfail=0
while [ $t -lt $trials ]; do
	t=$((t + 1))
	rm -rf log
	al init --actor alice >/dev/null 2>&1 || { row lockfile "init failed" "" 0; exit 1; }
	( i=0; while [ $i -lt 300 ]; do line $i; i=$((i + 1)); sleep 0.005; done ) |
	    al record --batch --batch-size 1 > batch.out 2> batch.err &
	bp=$!
	sleep 0.3
	rm -f log/lock.mdb
	: > rec.out
	i=0
	while [ $i -lt 50 ]; do
		al record --actor svc:r --customer c1 --purpose service-provision \
		    --action read >> rec.out 2>/dev/null
		i=$((i + 1))
	done
	wait $bp
	[ $? -eq 3 ] && bexit3=$((bexit3 + 1))
	seqs_of batch.out | sed 's/$/ svc:b/' > acks
	sed 's/$/ svc:r/' rec.out >> acks
	acked=$((acked + $(wc -l < acks)))
	dup=$((dup + $(cut -d' ' -f1 acks | sort | uniq -d | wc -l)))
	al log --json > all.json
	# each acknowledged seq holds its acknowledger's entry
	sed -n 's/^{"version":[0-9]*,"seq":\([0-9]*\),.*"actor":"\([^"]*\)".*/\1 \2/p' \
	    all.json | sort > logged
	sort acks > acks.s
	wrong=$((wrong + $(comm -23 acks.s logged | wc -l)))
	al verify > /dev/null 2>&1 || vfail=$((vfail + 1))
done
note "$trials trials: $acked acknowledged; $bexit3 batch writers exited 3"
ok=0
[ $dup -eq 0 ] && [ $wrong -eq 0 ] && [ $vfail -eq 0 ] && ok=1
row lockfile "$trials x (rm lock.mdb under a batch writer + 50 records): $acked acked, $dup reused, $wrong lost or holding another's entry, $vfail failed verifies, $bexit3 old writers exit 3" \
    "0 acknowledged seqs lost or reused" "$ok" "issue 15 item 1"
