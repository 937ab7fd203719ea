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
# 1000000), BENCH_VERIFY_RUNS (5 a side), BENCH_BATCH_RUNS (3 a side for
# the record --batch rows: about 12 s a round), BENCH_BIG_RUNS (2 a side
# for the export rows: one round of export, gzip and pigz takes about 35 s
# on the 2-core machine, and verify-export of each bundle and gunzip of it
# piped to sha256sum about 10 s more), BENCH_PY_RUNS (3 a side for
# verify-export.py against verify-export, on a 100k-entry bundle).
set -eu

B=${1:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=${BENCH_RESULTS-$HERE/RESULTS.md}
AL=$B/auditlog
ST=$B/bench/spawntime
SPAWN_RUNS=${BENCH_SPAWN_RUNS:-300}
N=${BENCH_N:-1000000}
VERIFY_RUNS=${BENCH_VERIFY_RUNS:-5}
BIG_RUNS=${BENCH_BIG_RUNS:-2}
BATCH_RUNS=${BENCH_BATCH_RUNS:-3}
PY_RUNS=${BENCH_PY_RUNS:-3}
PM=$B/bench/peakmem

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
# pigz, for the stretch row: export deflates on both cores, as pigz -p 2.
if ! command -v pigz >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
    command -v apt-get >/dev/null 2>&1; then
	say "installing pigz with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get install -y -qq pigz >/dev/null 2>&1 ||
	    { apt-get update -qq >/dev/null &&
	    apt-get install -y -qq pigz >/dev/null; }; } ||
	    say "apt-get could not install pigz"
fi
have_pigz=no
command -v pigz >/dev/null 2>&1 && have_pigz=yes

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

# med: the median of the numbers on stdin, one a line
med() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.0f", v[(NR + 1) / 2]
		else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# mb KB: kilobytes as megabytes
mb() {
	awk -v a="$1" 'BEGIN { printf "%.1f MB", a / 1024 }'
}
# maxcol COL FILE: the largest value in column COL of FILE
maxcol() {
	awk -v c="$1" '$c > m { m = $c } END { print m + 0 }' "$2"
}
# once OUT CMD...: one timed run (spawntime -n 1), its ns appended to OUT
once() {
	o=$1
	shift
	"$ST" -n 1 -w 0 "$@" | cut -d' ' -f1 >> "$o"
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

# --- Rows 3 and 4: record --batch vs raw LMDB appends vs sqlite3 ----------
# The input: the accesses mklog recorded in the big log, as JSON lines for
# record --batch; the big log's encoded entries for the raw appends and, as
# SQL, for sqlite3.  Every side starts from an empty store on each run.
say "record --batch vs raw LMDB appends vs sqlite3, $N entries" \
    "($BATCH_RUNS runs each)"
"$B/bench/mklog" -j "$N" > "$T/in.jsonl"
"$B/bench/rawappend" -s "$T/big" 2>/dev/null > "$T/in.sql"
mkdir "$T/raw"
# record --batch exits 1: the mix has denied accesses (checked below).
set -- sh -c 'rm -rf "$1" && "$2" -d "$1" init >/dev/null &&
    "$2" -d "$1" record --batch < "$3" > /dev/null; [ $? -le 1 ]' \
    sh "$T/blog" "$AL" "$T/in.jsonl" ::: \
    sh -c 'rm -f "$1"/*.mdb && exec "$2" "$3" "$1" 1000' \
    sh "$T/raw" "$B/bench/rawappend" "$T/big"
[ $have_sqlite = yes ] &&
    set -- "$@" ::: sh -c 'rm -f "$1" && exec sqlite3 "$1" ".read $2"' \
	sh "$T/b.db" "$T/in.sql"
"$ST" -n "$BATCH_RUNS" -b 1 -w 0 "$@" > "$T/batch"
# Each side stored every entry, or its time means nothing.
bseq=$("$AL" -d "$T/blog" head | cut -d' ' -f1)
[ "$bseq" = $((N + 1)) ] ||
    { say "record --batch stored up to seq $bseq, not $((N + 1))"; exit 1; }
if [ $have_sqlite = yes ]; then
	bseq=$(sqlite3 "$T/b.db" 'SELECT count(*) FROM entries;')
	[ "$bseq" = $((N + 1)) ] ||
	    { say "sqlite3 stored $bseq rows, not $((N + 1))"; exit 1; }
fi
rm -rf "$T/blog" "$T/raw" "$T/b.db" "$T/in.sql"
bat=$(sed -n 1p "$T/batch")
raw=$(sed -n 2p "$T/batch")
bat_ns=${bat%% *}
raw_ns=${raw%% *}
eps() {
	awk -v n="$N" -v t="$1" 'BEGIN { printf "%.0fk entries/s", n / t * 1e6 }'
}
r3=$(ratio "$raw_ns" "$bat_ns")
v3=$(verdict "$r3" ge 0.5)
m3="${r3}x ($(eps "$bat_ns") vs $(eps "$raw_ns"); $(secs "$bat_ns") vs $(secs "$raw_ns"))"
if [ $have_sqlite = yes ]; then
	sqb=$(sed -n 3p "$T/batch")
	sqb_ns=${sqb%% *}
	r4=$(ratio "$sqb_ns" "$bat_ns")
	v4=$(verdict "$r4" ge 1.2)
	m4="${r4}x ($(eps "$bat_ns") vs $(eps "$sqb_ns"); $(secs "$bat_ns") vs $(secs "$sqb_ns"))"
else
	m4="skipped: no sqlite3 (Debian: apt-get install sqlite3)"
	v4="—"
fi

# --- Rows 6 and 7: export vs gzip -6 (and pigz -p 2), one customer's export
# The first export is also the source of gzip's input: the bundle's members
# uncompressed, concatenated in archive order (tar -O).  The sides
# alternate, export first in even rounds, gzip (then pigz) first in odd
# ones; after each full export, 5 runs of the customer export.  Every
# export, gzip and pigz runs under peakmem (the same sampling cost on every
# side), which gives the 1M-entry export's memory for the last row.
HOTC=cust-hot
say "export vs gzip -6 vs export --customer $HOTC, $N entries" \
    "($BIG_RUNS runs each)"
: > "$T/e_ns"
: > "$T/g_ns"
: > "$T/p_ns"
: > "$T/c_ns"
: > "$T/v_ns"
: > "$T/z_ns"
: > "$T/mem_e"
: > "$T/mem_g"
i=0
while [ $i -lt "$BIG_RUNS" ]; do
	order="e g"
	[ $((i % 2)) = 1 ] && order="g e"
	[ $have_pigz = yes ] && order="e g p" &&
	    [ $((i % 2)) = 1 ] && order="g p e"
	for s in $order; do
		case $s in
		e)
			rm -f "$T/full.tar.gz"
			once "$T/e_ns" "$PM" "$T/mem_e" "$AL" -d "$T/big" \
			    export -o "$T/full.tar.gz"
			[ -f "$T/raw.bin" ] ||
			    tar -xzOf "$T/full.tar.gz" > "$T/raw.bin"
			j=0
			while [ $j -lt 5 ]; do
				rm -f "$T/c.tar.gz"
				once "$T/c_ns" "$AL" -d "$T/big" export \
				    -o "$T/c.tar.gz" --customer "$HOTC"
				j=$((j + 1))
			done
			# The bundle just made, checked (exit 0, or the bench
			# stops), and the floor: inflating and hashing it.
			vz="v z"
			[ $((i % 2)) = 1 ] && vz="z v"
			for s2 in $vz; do
				if [ $s2 = v ]; then
					once "$T/v_ns" "$AL" verify-export \
					    "$T/full.tar.gz"
				else
					once "$T/z_ns" sh -c \
					    'gzip -dc "$1" | sha256sum' sh \
					    "$T/full.tar.gz"
				fi
			done
			;;
		g)
			once "$T/g_ns" "$PM" "$T/mem_g" gzip -6 -c "$T/raw.bin"
			;;
		p)
			once "$T/p_ns" "$PM" "$T/mem_g" pigz -p 2 -6 -c \
			    "$T/raw.bin"
			;;
		esac
	done
	i=$((i + 1))
done
raw_bytes=$(wc -c < "$T/raw.bin")
hot_n=$(tar -xzOf "$T/c.tar.gz" entries.jsonl | wc -l)
full_n=$((made + 1))	# and the policy entry
rm -f "$T/raw.bin"
exp_ns=$(med < "$T/e_ns")
vex_ns=$(med < "$T/v_ns")
gzs_ns=$(med < "$T/z_ns")
r10=$(ratio "$vex_ns" "$exp_ns")
v10=$(verdict "$r10" le 0.5)
r10s=$(ratio "$vex_ns" "$gzs_ns")
v10s=$(verdict "$r10s" le 2)
gz_ns=$(med < "$T/g_ns")
cus_ns=$(med < "$T/c_ns")
r6=$(ratio "$gz_ns" "$exp_ns")
v6=$(verdict "$r6" ge 0.9)
mbs() {
	awk -v b="$raw_bytes" -v t="$1" 'BEGIN { printf "%.1f MB/s", b / t * 1e3 }'
}
m6="${r6}x ($(mbs "$exp_ns") vs $(mbs "$gz_ns"); $(secs "$exp_ns") vs $(secs "$gz_ns"))"
if [ $have_pigz = yes ]; then
	pz_ns=$(med < "$T/p_ns")
	r6p=$(ratio "$pz_ns" "$exp_ns")
	v6p=$(verdict "$r6p" ge 1.0)
	m6p="${r6p}x ($(mbs "$exp_ns") vs $(mbs "$pz_ns"); $(secs "$exp_ns") vs $(secs "$pz_ns"))"
else
	m6p="skipped: no pigz (Debian: apt-get install pigz)"
	v6p="—"
fi
r7=$(awk -v a="$cus_ns" -v b="$exp_ns" 'BEGIN { printf "%.2f%%", 100 * a / b }')
e7=$(awk -v a="$hot_n" -v b="$full_n" 'BEGIN { printf "%.2f%%", 100 * a / b }')
v7=$(awk -v a="$cus_ns" -v b="$exp_ns" 'BEGIN { print a < 0.05 * b ? "PASS" : "MISS" }')
m7="$r7 of the time ($(ms "$cus_ns") vs $(secs "$exp_ns")) for $e7 of the entries ($hot_n of $full_n)"

# --- Row 8: peak memory of verify and export, 100k and 1M entries --------
say "peak memory of verify and export at 100k and $N entries"
"$B/bench/mklog" "$T/small" 100000 10000 >/dev/null
: > "$T/mem_v1"
: > "$T/mem_v2"
: > "$T/mem_e1"
"$PM" "$T/mem_v1" "$AL" -d "$T/small" verify >/dev/null
"$PM" "$T/mem_v2" "$AL" -d "$T/big" verify >/dev/null
"$PM" "$T/mem_e1" "$AL" -d "$T/small" export -o "$T/small.tar.gz" >/dev/null
va1=$(maxcol 2 "$T/mem_v1"); vr1=$(maxcol 1 "$T/mem_v1")
va2=$(maxcol 2 "$T/mem_v2"); vr2=$(maxcol 1 "$T/mem_v2")
ea1=$(maxcol 2 "$T/mem_e1"); er1=$(maxcol 1 "$T/mem_e1")
ea2=$(maxcol 2 "$T/mem_e"); er2=$(maxcol 1 "$T/mem_e")
rv=$(ratio "$va2" "$va1")
re=$(ratio "$ea2" "$ea1")
v8=$(awk -v a="$rv" -v b="$re" 'BEGIN { print a <= 1.5 && b <= 1.5 ? "PASS" : "MISS" }')
m8="anonymous: verify $(mb "$va1") → $(mb "$va2") (${rv}x), export $(mb "$ea1") → $(mb "$ea2") (${re}x); maxrss (with LMDB's mapped pages): verify $(mb "$vr1") → $(mb "$vr2"), export $(mb "$er1") → $(mb "$er2")"

# --- The Python checker against the C one, on the 100k-entry bundle ----
# (a run of verify-export.py over 1M entries takes the best part of a
# minute: 100k keep the bench near 5 minutes; both run the same bundle)
say "verify-export.py vs verify-export, 100k entries ($PY_RUNS runs each)"
"$ST" -n "$PY_RUNS" -b 1 -w 0 python3 "$HERE/../contrib/verify-export.py" \
    "$T/small.tar.gz" ::: "$AL" verify-export "$T/small.tar.gz" > "$T/py"
py=$(sed -n 1p "$T/py")
pyc=$(sed -n 2p "$T/py")
py_ns=${py%% *}
pyc_ns=${pyc%% *}
r11=$(ratio "$py_ns" "$pyc_ns")
v11=$(verdict "$r11" le 4)

# --- Row 9: Merkle proofs made and checked per second (issue 6) ----------
say "Merkle proofs in the $N-entry log, 3 s each"
set -- $("$B/bench/proofs" "$T/big" 3)
m9="inclusion: $2 made/s, $3 checked/s; consistency: $4 made/s, $5 checked/s; $6 hashes a proof on average"
v9=$(awk -v a="$2" 'BEGIN { print (a >= 1000 ? "PASS" : "MISS") }')

nn=$(awk -v n="$made" 'BEGIN {
	if (n % 1000000 == 0) printf "%dM", n / 1000000
	else if (n % 1000 == 0) printf "%dk", n / 1000
	else print n }')

end=$(date +%s)

# --- The table -----------------------------------------------------------
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
	echo "| \`record --batch\`, $nn entries | raw LMDB appends of the same bytes, a commit every 1000 | $m3 | at least 0.5x the throughput | $v3 |"
	echo "| the same | SQLite inserting the same rows in one transaction | $m4 | at least 1.2x the throughput | $v4 |"
	echo "| \`verify\`, $nn entries | a C loop reading the same entries and recomputing the SHA-256 chain | ${r5}x ($(secs "$ver_ns") vs $(secs "$loop_ns")) | at least 0.7x the throughput | $v5 |"
	echo "| \`export\`, $nn entries | \`gzip -6\` of the same uncompressed bytes | $m6 | at least 0.9x the throughput | $v6 |"
	echo "| the same (stretch) | \`pigz -p 2 -6\` of the same bytes, on both cores | $m6p | at least 1.0x the throughput | $v6p |"
	echo "| \`export\` of one customer's $hot_n entries from a $nn-entry log | the full export | $m7 | cost in proportion to the 1,000: under 5% of the full export's time | $v7 |"
	echo "| peak anonymous memory of \`verify\` and \`export\` | at 100k and $nn entries | $m8 | flat: 1M within 1.5x of 100k (anonymous) | $v8 |"
	echo "| \`verify-export\` of the $nn-entry bundle | the \`export\` that made it | ${r10}x ($(secs "$vex_ns") vs $(secs "$exp_ns")) | at most 0.5x the time | $v10 |"
	echo "| the same (stretch) | \`gzip -dc\` of the bundle piped to \`sha256sum\` | ${r10s}x ($(secs "$vex_ns") vs $(secs "$gzs_ns")) | at most 2x the time | $v10s |"
	echo "| \`contrib/verify-export.py\` of a 100k-entry bundle | \`verify-export\` of the same bundle | ${r11}x ($(secs "$py_ns") vs $(secs "$pyc_ns")) | at most 4x the time | $v11 |"
	echo "| Merkle proofs from a $nn-entry log (\`bench/proofs\`: each made as \`prove\` makes it, in its own read transaction) | reading O(log n) stored hashes, never the entries | $m9 | a proof in well under a millisecond (1,000/s) | $v9 |"
	echo
	echo "Times are medians of spawn-to-exit (posix_spawn, waitpid, CLOCK_MONOTONIC);"
	echo "p10–p90: record $(ms "$(echo "$rec" | cut -d' ' -f2)")–$(ms "$(echo "$rec" | cut -d' ' -f3)"),"
	echo "bare put $(ms "$(echo "$bare" | cut -d' ' -f2)")–$(ms "$(echo "$bare" | cut -d' ' -f3)"),"
	[ $have_sqlite = yes ] &&
	    echo "sqlite3 $(ms "$(echo "$sq" | cut -d' ' -f2)")–$(ms "$(echo "$sq" | cut -d' ' -f3)"),"
	echo "verify $(secs "$(echo "$ver" | cut -d' ' -f2)")–$(secs "$(echo "$ver" | cut -d' ' -f3)"),"
	echo "loop $(secs "$(echo "$loop" | cut -d' ' -f2)")–$(secs "$(echo "$loop" | cut -d' ' -f3)"),"
	echo "record --batch $(secs "$(echo "$bat" | cut -d' ' -f2)")–$(secs "$(echo "$bat" | cut -d' ' -f3)"),"
	echo "raw appends $(secs "$(echo "$raw" | cut -d' ' -f2)")–$(secs "$(echo "$raw" | cut -d' ' -f3)");"
	echo "export $(tr '\n' ' ' < "$T/e_ns" | awk '{ for (i = 1; i <= NF; i++) printf "%s%.2f s", (i > 1 ? ", " : ""), $i / 1e9 }'),"
	echo "gzip $(tr '\n' ' ' < "$T/g_ns" | awk '{ for (i = 1; i <= NF; i++) printf "%s%.2f s", (i > 1 ? ", " : ""), $i / 1e9 }')$([ $have_pigz = yes ] && printf ',\npigz -p 2 %s' "$(tr '\n' ' ' < "$T/p_ns" | awk '{ for (i = 1; i <= NF; i++) printf "%s%.2f s", (i > 1 ? ", " : ""), $i / 1e9 }')"),"
	echo "verify-export $(tr '\n' ' ' < "$T/v_ns" | awk '{ for (i = 1; i <= NF; i++) printf "%s%.2f s", (i > 1 ? ", " : ""), $i / 1e9 }'),"
	echo "gzip -dc | sha256sum $(tr '\n' ' ' < "$T/z_ns" | awk '{ for (i = 1; i <= NF; i++) printf "%s%.2f s", (i > 1 ? ", " : ""), $i / 1e9 }') (each run);"
	echo "verify-export.py $(secs "$(echo "$py" | cut -d' ' -f2)")–$(secs "$(echo "$py" | cut -d' ' -f3)"), verify-export $(secs "$(echo "$pyc" | cut -d' ' -f2)")–$(secs "$(echo "$pyc" | cut -d' ' -f3)") (p10–p90 of $PY_RUNS)."
	[ $have_sqlite = yes ] &&
	    echo "The floor itself, the bare put, is $(ratio "$bare_ms" "$sq_ms")x the sqlite3 command in this run."
	echo "$SPAWN_RUNS runs a side for one entry per process (three sides alternating"
	echo "in blocks of 10), $VERIFY_RUNS a side for verify (alternating), after warm-up runs."
	echo "**$BATCH_RUNS runs a side** (alternating, no warm-up) for \`record --batch\`"
	echo "(default --batch-size 1000, from a file of $N JSON lines), raw appends"
	echo "(\`bench/rawappend\`) and sqlite3 (\`.read\` of one transaction of $N INSERTs);"
	echo "**$BIG_RUNS a side** (the median of two is their mean) for export, gzip and"
	echo "pigz: the whole bench must stay near 5 minutes."
	echo "$((BIG_RUNS * 5)) runs of the customer export, 5 after each full export; export,"
	echo "gzip and pigz ran under \`bench/peakmem\` (RssAnon of the process tree every 10 ms)."
	echo "gzip's input: the $raw_bytes bytes of the bundle's members (\`tar -xzO\`)."
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

# Issue 13's rows, recording through auditlogd: a table of their own.
sh "$HERE/clients.sh" "$B"
