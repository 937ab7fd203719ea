#!/bin/sh
# fulldisk.sh - as root, a log on a small tmpfs recorded into until the
# disk is full: record exits 3, the log still verifies, and there is no
# partial entry (every seq printed is in the log, and nothing else).  A full
# LMDB map, as opposed to a full disk, grows by itself: tests/unit.c tests it
# through the library (a 64 KiB map), in make check.
. "$(dirname "$0")/common.sh"
mkdir mnt
if [ "$(id -u)" -ne 0 ] ||
    ! mount -t tmpfs -o size=2m,mode=0700 tmpfs "$W/mnt" 2>err; then
	row fulldisk "skipped: cannot mount a tmpfs ($(id -un): $(head -c 80 err))" \
	    "record exits 3, 0 corrupted logs" 1 "SKIP"
	exit 0
fi
trap 'cd /; umount "$W/mnt"; rm -rf "$W"' EXIT
L=$W/mnt/log
fl() { "$AUDITLOG" -d "$L" "$@"; }
fl init >/dev/null 2>&1 || { row fulldisk "init failed" "" 0; exit 1; }
big=$(head -c 1000 /dev/zero | tr '\0' x)
awk -v r="$big" 'BEGIN { for (i = 0; i < 5000; i++)
    printf "{\"actor\":\"svc:f\",\"customer\":\"c%d\",\"purpose\":\"service-provision\",\"action\":\"read\",\"resource\":\"%s/%d\"}\n", i % 50, r, i }' \
    >fill.jsonl
fl record --batch --batch-size 20 <fill.jsonl >acked 2>batch.err
brc=$?
note "batch: exit $brc, $(seqs_of acked | wc -l) acknowledged: $(tail -n 1 batch.err)"
# then one process an entry until record has failed 5 times in a row (LMDB
# reuses freed pages, so a record may still fit after a failure)
fails=0
partial=0
tries=0
while [ "$fails" -lt 5 ] && [ "$tries" -lt 2000 ]; do
	tries=$((tries + 1))
	h0=$(fl head)
	fl record --actor svc:f --customer c1 --purpose service-provision \
	    --action read --resource "$big/single/$tries" >>acked 2>"$W/err"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		fails=0
		continue
	fi
	[ "$rc" -eq 3 ] || { note "record exited $rc: $(cat "$W/err")"; break; }
	fails=$((fails + 1))
	[ "$(fl head)" = "$h0" ] || partial=$((partial + 1))
done
note "single records: $tries tries, the last $fails exited 3: $(head -c 200 "$W/err")"
fl verify >vout 2>&1
vrc=$?
seqs_of acked | sort >acked.seqs
fl log --json | cut -d, -f2 | cut -d: -f2 | sort >logged.seqs
lost=$(comm -23 acked.seqs logged.seqs | wc -l)
# Seqs 1 and 2 are init's: the floor and the first policy.
extra=$(comm -13 acked.seqs logged.seqs | grep -cvxE '1|2')
note "verify exit $vrc; $(wc -l <acked.seqs) seqs acknowledged, $lost missing, $extra unacknowledged in the log; df: $(df -k "$W/mnt" | awk 'NR == 2 { print $4 " KiB free" }')"
ok=0
[ "$brc" -eq 3 ] && [ "$fails" -ge 1 ] && [ "$rc" -eq 3 ] && [ "$vrc" -eq 0 ] &&
    [ "$lost" -eq 0 ] && [ "$extra" -eq 0 ] && [ "$partial" -eq 0 ] && ok=1
row fulldisk "batch exit $brc, record exit $rc; verify $vrc; $lost lost, $extra partial/unacked, $partial heads moved on failure" \
    "record exits 3, 0 corrupted logs" "$ok" "2 MiB tmpfs; map growth: tests/unit.c"
