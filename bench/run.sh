#!/bin/sh
# run.sh BUILD - make bench: the rows of issue 4, each side by side, one table
#
# Every ratio is measured in one run of bench/spawntime, which alternates the
# sides in blocks and takes medians of process spawn-to-exit times.  Data
# is made here, in a temporary folder on $TMPDIR (a real disk: the fsyncs
# are the point).  The table goes to stdout and $BUILD/bench/results.md, and
# replaces the table in bench/RESULTS.md (BENCH_RESULTS= to leave it alone).
#
# Knobs: BENCH_SPAWN_RUNS (300 a side), BENCH_N (entries in the big log,
# 1000000), BENCH_VERIFY_RUNS (9 a side).
set -eu

B=${1:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=${BENCH_RESULTS-$HERE/RESULTS.md}
AL=$B/auditlog
ST=$B/bench/spawntime
SPAWN_RUNS=${BENCH_SPAWN_RUNS:-300}
N=${BENCH_N:-1000000}
VERIFY_RUNS=${BENCH_VERIFY_RUNS:-9}

export LC_ALL=C TZ=UTC
unset AUDITLOG_DB AUDITLOG_SERVICE
T=$(mktemp -d "${TMPDIR:-/tmp}/auditlog-bench.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
# No ~/.sqliterc or history: the sqlite3 side runs as it ships.
HOME=$T
export HOME

say() {
	echo "bench: $*" >&2
}

# The sqlite3 command, installed on Debian as root like tools/deps.sh does;
# elsewhere (or when apt-get fails) its row is skipped with a note.
if ! command -v sqlite3 >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	say "installing sqlite3 with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq >/dev/null &&
	    apt-get install -y -qq sqlite3 >/dev/null; } ||
	    say "apt-get could not install sqlite3"
fi
have_sqlite=no
command -v sqlite3 >/dev/null 2>&1 && have_sqlite=yes

# ratio A B: A/B to two places
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
# ms NS: nanoseconds as milliseconds
ms() {
	awk -v a="$1" 'BEGIN { printf "%.2f ms", a / 1e6 }'
}
# secs NS
secs() {
	awk -v a="$1" 'BEGIN { printf "%.2f s", a / 1e9 }'
}
# verdict RATIO le|ge TARGET
verdict() {
	awk -v r="$1" -v op="$2" -v t="$3" 'BEGIN {
		ok = op == "le" ? r <= t : r >= t
		print ok ? "PASS" : "MISS" }'
}

start=$(date +%s)
load0=$(cut -d' ' -f1 /proc/loadavg)

# --- Rows 1 and 2: one durable entry per process -------------------------
say "one entry per process: auditlog record, bare LMDB put, sqlite3" \
    "($SPAWN_RUNS runs each)"
"$AL" -d "$T/log" init >/dev/null
set -- "$AL" -d "$T/log" record --actor svc:billing --customer cust-04711 \
    --purpose service-provision --action read --data billing \
    --resource billing/2026-11/4711/1000001 --service billing
"$@" >/dev/null
# The bare put writes values of the size record's entries have.
size=$("$B/bench/chainloop" "$T/log")
size=$(echo "$size" | awk '{ print $3 }')
mkdir "$T/bare"
set -- "$@" ::: "$B/bench/bare_put" "$T/bare" "$size"
if [ $have_sqlite = yes ]; then
	sqlite3 "$T/s.db" "PRAGMA journal_mode=WAL;
	    CREATE TABLE entries(seq INTEGER PRIMARY KEY, v BLOB NOT NULL);" \
	    >/dev/null
	set -- "$@" ::: sqlite3 "$T/s.db" "PRAGMA synchronous=FULL;
	    INSERT INTO entries(v) VALUES(randomblob($size));"
fi
"$ST" -n "$SPAWN_RUNS" -b 10 -w 5 "$@" > "$T/one"
rec=$(sed -n 1p "$T/one")
bare=$(sed -n 2p "$T/one")
rec_ms=${rec%% *}
bare_ms=${bare%% *}
r1=$(ratio "$rec_ms" "$bare_ms")
v1=$(verdict "$r1" le 1.15)
if [ $have_sqlite = yes ]; then
	sq=$(sed -n 3p "$T/one")
	sq_ms=${sq%% *}
	r2=$(ratio "$rec_ms" "$sq_ms")
	m2="${r2}x ($(ms "$rec_ms") vs $(ms "$sq_ms"))"
	v2=$(verdict "$r2" le 0.4)
	[ "$(sqlite3 "$T/s.db" 'PRAGMA journal_mode;')" = wal ] ||
	    { say "the SQLite database is not in WAL mode"; exit 1; }
else
	m2="skipped: no sqlite3 (Debian: apt-get install sqlite3)"
	v2="—"
fi

# --- Row 5: verify over N entries ----------------------------------------
say "making a log of $N accesses with al_record_batch, 10000 a commit"
out=$("$B/bench/mklog" "$T/big" "$N" 10000)
# shellcheck disable=SC2086 # split into its fields
set -- $out
made=$1
made_s=$2
# The loop must do the work verify does, or the ratio means nothing.
out=$("$B/bench/chainloop" "$T/big")
# shellcheck disable=SC2086
set -- $out
loop_head="$1 $4"
bytes=$2
log_head=$("$AL" -d "$T/big" head)
if [ "$loop_head" != "$log_head" ]; then
	say "chainloop found head '$loop_head', auditlog head says '$log_head'"
	exit 1
fi
mb=$(du -m "$T/big/data.mdb" | awk '{ print $1 }')
say "verify vs chainloop on $1 entries, $mb MB ($VERIFY_RUNS runs each)"
"$ST" -n "$VERIFY_RUNS" -b 1 -w 1 "$AL" -d "$T/big" verify ::: \
    "$B/bench/chainloop" "$T/big" > "$T/verify"
ver=$(sed -n 1p "$T/verify")
loop=$(sed -n 2p "$T/verify")
ver_ns=${ver%% *}
loop_ns=${loop%% *}
# Throughput ratio: the same entries, so it is the loop's time over verify's.
r5=$(ratio "$loop_ns" "$ver_ns")
v5=$(verdict "$r5" ge 0.7)
nn=$(awk -v n="$made" 'BEGIN {
	if (n % 1000000 == 0) printf "%dM", n / 1000000
	else if (n % 1000 == 0) printf "%dk", n / 1000
	else print n }')

end=$(date +%s)

# --- The table -----------------------------------------------------------
nb="not built yet (issue 4/3)"
# Say "not built" only of what is not: the commands may land before their rows.
nb_batch=$nb
nb_export=$nb
nb_mem=$nb
"$AL" record --help 2>&1 | grep -q -- --batch &&
    nb_batch="not measured yet: \`record --batch\` exists, its row is to come"
"$AL" --help 2>&1 | grep -q '^  export ' &&
    { nb_export="not measured yet: \`export\` exists, its row is to come"
    nb_mem="not measured yet: both commands exist, the row is to come"; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p)
top=$HERE/..
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')
[ -n "$(git -C "$top" status --porcelain -- core cmd include 2>/dev/null)" ] &&
    commit="$commit, with uncommitted changes to core/cmd/include"
fs=$(df -PT "$T" | awk 'NR == 2 { print $2 " on " $1 }')
{
	echo "| what | compared with | measured | target | result |"
	echo "| --- | --- | --- | --- | --- |"
	echo "| \`auditlog record\`, one durable entry per process | a bare C program: open LMDB, one durable \`MDB_APPEND\` put of the same $size bytes, exit | ${r1}x ($(ms "$rec_ms") vs $(ms "$bare_ms")) | at most 1.15x | $v1 |"
	echo "| the same | the \`sqlite3\` command inserting one row, WAL, synchronous=FULL | $m2 | at most 0.4x | $v2 |"
	echo "| \`record --batch\`, 1M entries | raw LMDB appends of the same bytes, a commit every 1000 | $nb_batch | at least 0.5x the throughput | — |"
	echo "| the same | SQLite inserting the same rows in one transaction | $nb_batch | at least 1.2x the throughput | — |"
	echo "| \`verify\`, $nn entries | a C loop reading the same entries and recomputing the SHA-256 chain | ${r5}x ($(secs "$ver_ns") vs $(secs "$loop_ns")) | at least 0.7x the throughput | $v5 |"
	echo "| \`export\`, 1M entries | \`gzip -6\` of the same uncompressed bytes | $nb_export | at least 0.9x the throughput | — |"
	echo "| \`export\` of one customer's 1,000 entries from a 1M-entry log | the full export | $nb_export | cost in proportion to the 1,000 | — |"
	echo "| peak anonymous memory of \`verify\` and \`export\` | at 100k and 1M entries | $nb_mem | flat | — |"
	echo
	echo "Times are medians of spawn-to-exit (posix_spawn, waitpid, CLOCK_MONOTONIC);"
	echo "p10–p90: record $(ms "$(echo "$rec" | cut -d' ' -f2)")–$(ms "$(echo "$rec" | cut -d' ' -f3)"),"
	echo "bare put $(ms "$(echo "$bare" | cut -d' ' -f2)")–$(ms "$(echo "$bare" | cut -d' ' -f3)"),"
	[ $have_sqlite = yes ] &&
	    echo "sqlite3 $(ms "$(echo "$sq" | cut -d' ' -f2)")–$(ms "$(echo "$sq" | cut -d' ' -f3)"),"
	echo "verify $(secs "$(echo "$ver" | cut -d' ' -f2)")–$(secs "$(echo "$ver" | cut -d' ' -f3)"),"
	echo "loop $(secs "$(echo "$loop" | cut -d' ' -f2)")–$(secs "$(echo "$loop" | cut -d' ' -f3)")."
	[ $have_sqlite = yes ] &&
	    echo "The floor itself, the bare put, is $(ratio "$bare_ms" "$sq_ms")x the sqlite3 command in this run."
	echo "$SPAWN_RUNS runs a side for one entry per process (three sides alternating"
	echo "in blocks of 10), $VERIFY_RUNS a side for verify (alternating), after warm-up runs."
	echo "The $nn-entry log ($mb MB data file, $bytes bytes of entries) was made"
	echo "in ${made_s} s with \`al_record_batch\`, 10,000 entries a commit"
	echo "($(awk -v n="$made" -v s="$made_s" 'BEGIN { printf "%.0f", n / s }') entries/s; the library, not \`record --batch\`)."
	echo
	echo "Machine: $(nproc) cores, $cpu, Linux $(uname -r); $fs for the data;"
	echo "$(date -u +%Y-%m-%d), commit $commit; $((end - start)) s in all;"
	echo "load average $load0 at the start, $(cut -d' ' -f1 /proc/loadavg) at the end."
	awk -v l="$load0" 'BEGIN { exit !(l >= 1) }' &&
	    echo "**The machine was busy**: other work slows every side, not the same way" \
		"(fsync waits most), so these ratios are rougher than on an idle machine."
} > "$T/table"
mkdir -p "$B/bench"
cp "$T/table" "$B/bench/results.md"
cat "$T/table"

if [ -n "$RESULTS" ]; then
	if [ -f "$RESULTS" ] && grep -q '^<!-- bench:begin -->$' "$RESULTS" &&
	    grep -q '^<!-- bench:end -->$' "$RESULTS"; then
		awk -v table="$T/table" '
		    /^<!-- bench:end -->$/ { skip = 0 }
		    !skip { print }
		    /^<!-- bench:begin -->$/ {
			while ((getline line < table) > 0) print line
			skip = 1
		    }' "$RESULTS" > "$T/results" && cat "$T/results" > "$RESULTS"
	else
		{ echo "<!-- bench:begin -->"; cat "$T/table"
		    echo "<!-- bench:end -->"; } >> "$RESULTS"
	fi
	say "table saved in $RESULTS"
fi
