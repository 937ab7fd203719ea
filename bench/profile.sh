#!/bin/sh
# profile.sh BUILD - where the time goes, behind the notes in bench/RESULTS.md
#
# Not part of make bench: run it by hand after make bench, when a row
# misses (sh bench/profile.sh build).  It splits one `auditlog record`
# process into its parts with bench/spawntime, counts instructions with
# callgrind, and profiles `verify` with perf (software clock: this VM has
# no hardware counters).  Each part is skipped when its tool is missing.
# BENCH_N sets the size of the log verify is profiled on (default 1000000).
set -eu

B=${1:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
AL=$B/auditlog
ST=$B/bench/spawntime
N=${BENCH_N:-1000000}
export LC_ALL=C TZ=UTC
unset AUDITLOG_DB AUDITLOG_SERVICE
T=$(mktemp -d "${TMPDIR:-/tmp}/auditlog-profile.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

"$AL" -d "$T/log" init >/dev/null
mkdir "$T/bare" "$T/nosync"
set -- --actor svc:billing --customer cust-04711 \
    --purpose service-provision --action read --data billing \
    --resource billing/2026-11/4711/1000001 --service billing
"$AL" -d "$T/log" record "$@" >/dev/null
size=$("$B/bench/chainloop" "$T/log")
size=$(echo "$size" | awk '{ print $3 }')

echo "== one entry per process, in parts (median of 300, alternating)"
"$ST" -n 300 -b 10 -w 5 \
    "$AL" -d "$T/log" record "$@" ::: \
    "$AL" -d "$T/log" check "$@" ::: \
    "$AL" --version ::: \
    "$B/bench/bare_put" "$T/bare" "$size" ::: \
    "$B/bench/bare_put" -n "$T/nosync" "$size" ::: \
    true > "$T/parts"
paste -d' ' "$T/parts" - <<'EOF' | awk '{ printf "%8.3f ms  %s\n", $1 / 1e6, substr($0, index($0, $5)) }'
record: open, decide, append, two fsyncs
check: open read-only, parse the policy, decide; no write
--version: start the auditlog binary, print, exit
bare_put: open LMDB, one durable put
bare_put -n: the same without the fsyncs
true: start any dynamically linked program
EOF

if perf stat -e task-clock true >/dev/null 2>&1; then
	echo
	echo "== CPU time against elapsed (perf stat, 100 runs each)"
	for which in record bare_put; do
		if [ $which = record ]; then
			set -- "$AL" -d "$T/log" record --actor svc:billing \
			    --customer cust-04711 --purpose service-provision \
			    --action read --data billing \
			    --resource billing/2026-11/4711/1000001 \
			    --service billing
		else
			set -- "$B/bench/bare_put" "$T/bare" "$size"
		fi
		perf stat -r 100 -x, -e task-clock,page-faults "$@" \
		    >/dev/null 2>"$T/stat" || true
		awk -F, -v c=$which '
		    $3 == "task-clock" { cpu = $1 }
		    $3 == "page-faults" { pf = $1 }
		    END { printf "%8.3f ms CPU, %d page faults  %s\n",
			cpu, pf, c }' "$T/stat"
	done
fi

if command -v valgrind >/dev/null 2>&1 &&
    command -v callgrind_annotate >/dev/null 2>&1; then
	echo
	echo "== instructions (callgrind; no SHA instructions under valgrind)"
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.rec" \
	    "$AL" -d "$T/log" record --actor svc:billing --customer cust-04711 \
	    --purpose service-provision --action read --data billing \
	    --resource billing/2026-11/4711/1000001 --service billing \
	    >/dev/null 2>&1
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.bare" \
	    "$B/bench/bare_put" "$T/bare" "$size" >/dev/null 2>&1
	for f in rec bare; do
		callgrind_annotate --inclusive=yes "$T/cg.$f" 2>/dev/null |
		    awk -v f="$f" '
			/PROGRAM TOTALS/ { gsub(",", "", $1); tot = $1 }
			/:_dl_start / { gsub(",", "", $1); dl = $1 }
			/policy\.c:parse / { gsub(",", "", $1); pp = $1 }
			/:al_open / { gsub(",", "", $1); op = $1 }
			/:mdb_txn_commit / { gsub(",", "", $1); cm += $1 }
			END { printf "%-5s %8d total, %8d dynamic loading, " \
			    "%7d policy_parse, %6d al_open, %6d commit\n",
			    f, tot, dl, pp, op, cm }'
	done
fi

if perf record -e cpu-clock -o "$T/p" true >/dev/null 2>&1; then
	echo
	echo "== verify on $N entries: inclusive share of its CPU time (perf)"
	"$B/bench/mklog" "$T/big" "$N" 10000 >/dev/null
	"$AL" -d "$T/big" verify >/dev/null	# warm the page cache
	perf record -q -e cpu-clock -F 1000 --call-graph dwarf,16384 \
	    -o "$T/perf.data" -- "$AL" -d "$T/big" verify >/dev/null 2>&1
	perf report -i "$T/perf.data" --children --sort symbol --stdio \
	    -g none 2>/dev/null | awk '
		$NF == "-" && $(NF - 1) == "-" { $NF = ""; $(NF - 1) = "" }
		/%/ && / (al_verify|check_access|entry_hash|entry_decode|policy_eval|mdb_cursor_get|sha256_block_data_order_shaext|__memcmp_[a-z_]*|policy_parse)( |$)/ {
			if (!seen[$4]++)
				printf "%8s incl. %8s self  %s\n", $1, $2, $4 }'
	echo
	echo "== the same entries, the C loop (perf)"
	perf record -q -e cpu-clock -F 1000 --call-graph dwarf,16384 \
	    -o "$T/perf.loop" -- "$B/bench/chainloop" "$T/big" >/dev/null 2>&1
	perf report -i "$T/perf.loop" --children --sort symbol --stdio \
	    -g none 2>/dev/null | awk '
		/%/ && / (main|mdb_cursor_get|sha256_block_data_order_shaext)( |$)/ {
			printf "%8s incl. %8s self  %s\n", $1, $2, $4 }'
fi
