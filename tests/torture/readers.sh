#!/bin/sh
# readers.sh - issue 15 item 2: readers blocked on their output (a pager
# left open) cost the writers nothing: 130 of them and a record still
# commits; one stuck for 3000 commits grows the data file at most 2x what
# it grows without it.
. "$(dirname "$0")/common.sh"
n=${TORTURE_COMMITS:-3000}
al init --actor alice >/dev/null 2>&1 || { row readers "init failed" "" 0; exit 1; }
lines 2000 > some
al record --batch < some > /dev/null
mkfifo stuck
exec 5<> stuck
grow() {
	_b=$(stat -c %s log/data.mdb)
	lines "$1" g | al record --batch --batch-size 1 > /dev/null || return 1
	echo $(($(stat -c %s log/data.mdb) - _b))
}
base=$(grow "$n")
al log > stuck 2>/dev/null &
sp=$!
sleep 0.5
stuckg=$(grow "$n")
kill $sp 2>/dev/null; wait $sp 2>/dev/null
pids=""
i=0
while [ $i -lt 130 ]; do
	al log > stuck 2>/dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
sleep 1
t0=$(date +%s%N)
al record --actor svc:r --customer c1 --purpose service-provision --action read > /dev/null 2> err
rc=$?
t1=$(date +%s%N)
kill $pids 2>/dev/null; wait 2>/dev/null
exec 5<&-
al verify > /dev/null 2>&1
vrc=$?
ok=0
[ "$rc" -eq 0 ] && [ "$vrc" -eq 0 ] && [ "${stuckg:-999999999}" -le $((2 * base + 65536)) ] && ok=1
row readers "130 blocked readers: record exit $rc in $(( (t1 - t0) / 1000000 )) ms; one stuck for $n commits: +$stuckg bytes vs +$base without" \
    "record exits 0; growth <= 2x" "$ok" "issue 15 item 2"
