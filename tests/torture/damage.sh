#!/bin/sh
# damage.sh - random damage to data.mdb, each on a fresh copy: byte flips
# (TORTURE_FLIPS, default 300) and truncations (TORTURE_CUTS, default 60),
# half on the log as written, half on a compacted copy (every page live).
# verify must never exit 0 when `log --json` shows the entries changed,
# and never die of a signal or with a sanitizer report.
. "$(dirname "$0")/common.sh"
: "${TAMPER:?TAMPER must name the tamper helper}"
flips=${TORTURE_FLIPS:-300}
cuts=${TORTURE_CUTS:-60}
seed=${TORTURE_SEED:-$$}
al init >/dev/null 2>&1 || { row damage "init failed" "" 0; exit 1; }
lines 400 d | al record --batch --batch-size 50 >/dev/null
al record --actor bob --customer acme --purpose marketing --action read \
    2>/dev/null
al log --json >orig.json
if ! mkdir compact || ! "$TAMPER" "$W/log" compact "$W/compact"; then
	row damage "compact failed" "" 0
	exit 1
fi
# a damaged map may make verify's child fault: that is verify's design
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0
export ASAN_OPTIONS

trials=0
caught=0
intact=0
silent=0
crashes=0
other=0
# try SRC HOW ARGS: damage a fresh copy of SRC, then judge verify
try() {
	trials=$((trials + 1))
	rm -rf c
	cp -a "$1" c
	case $2 in
	flip)	"$TAMPER" "$W/c" rawflip "$3" "$4" >/dev/null 2>&1 ;;
	cut)	truncate -s "$3" c/data.mdb ;;
	esac
	timeout 20 "$AUDITLOG" -d "$W/c" verify >vout 2>"$W/err"
	rc=$?
	if ! sane; then
		crashes=$((crashes + 1))
		note "$1 $2 $3 ${4:-}: verify exited $rc $(head -c 200 "$W/err")"
	elif [ "$rc" -eq 1 ]; then
		caught=$((caught + 1))
	elif [ "$rc" -eq 0 ]; then
		# passed: what it reads must be what was written (or an earlier
		# state of it, should LMDB fall back to its older meta page)
		timeout 20 "$AUDITLOG" -d "$W/c" log --json >now.json 2>/dev/null
		n=$(wc -l <now.json)
		if [ "$n" -gt 0 ] && head -n "$n" orig.json | cmp -s - now.json
		then
			intact=$((intact + 1))
		else
			silent=$((silent + 1))
			note "SILENT PASS: $1 $2 $3 ${4:-}"
		fi
	else
		other=$((other + 1))
		note "$1 $2 $3 ${4:-}: verify exited $rc: $(head -c 200 "$W/err")"
	fi
}
for src in log compact; do
	size=$(wc -c <"$src/data.mdb")
	awk -v s="$seed" -v n=$((flips / 2)) -v size="$size" 'BEGIN { srand(s)
	    for (i = 0; i < n; i++)
		printf "%d %d\n", int(rand() * size), 1 + int(rand() * 255) }' \
	    >places
	while read -r off mask; do
		try "$src" flip "$off" "$mask"
	done <places
	awk -v s="$seed" -v n=$((cuts / 2)) -v size="$size" 'BEGIN { srand(s + 1)
	    for (i = 0; i < n; i++) printf "%d\n", int(rand() * size) }' >places
	while read -r off; do
		try "$src" cut "$off"
	done <places
done
note "seed $seed: $trials trials: $caught caught (exit 1), $intact passed with the entries intact (damage only in free space), $silent silent passes, $crashes crashes, $other other exits"
ok=0
[ "$silent" -eq 0 ] && [ "$crashes" -eq 0 ] && ok=1
row damage "$trials damaged copies: $caught caught, $intact harmless, $silent silent passes, $crashes crashes$([ "$other" -gt 0 ] && echo ", $other other exits")" \
    "0 silent passes, 0 crashes" "$ok" "$flips flips + $cuts cuts, seed $seed"
