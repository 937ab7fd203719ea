#!/bin/sh
# run.sh [-o OUT] [-s SEED] BINDIR SECONDS TARGET... - run each libFuzzer
# harness BINDIR/TARGET for SECONDS on a scratch copy of fuzz/corpus/TARGET
# (the committed corpus never grows), and print one line per target: how
# many inputs it ran, and what it found.  Its log is OUT/TARGET.log and any
# crash, leak, timeout or out-of-memory input OUT/TARGET/, until the next
# run (OUT defaults to BINDIR/out).  A SEED makes the inputs tried the same
# on every run (for the tests); without one libFuzzer picks a new one.
# Exits 1 when any target found something or could not run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=
seed=
while getopts o:s: opt; do
	case $opt in
	o)	out=$OPTARG ;;
	s)	seed=-seed=$OPTARG ;;
	*)	exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 3 ]; then
	echo "usage: run.sh [-o OUT] [-s SEED] BINDIR SECONDS TARGET..." >&2
	exit 2
fi
bindir=$1
seconds=$2
shift 2
out=${out:-$bindir/out}
work=$(mktemp -d "${TMPDIR:-/tmp}/auditlog-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
status=0

for t in "$@"; do
	log=$out/$t.log
	art=$out/$t
	# What the last run found goes: a new run starts clean.
	rm -rf "$art" "$log"
	mkdir -p "$art" && cp -R "$here/corpus/$t" "$work/$t" || exit 1
	dict=
	[ -f "$here/$t.dict" ] && dict=-dict=$here/$t.dict
	# Inputs up to 8 KiB, or as long as the longest seed.
	max=$(for f in "$here/corpus/$t"/*; do wc -c < "$f"; done |
	    awk 'BEGIN { m = 8192 } $1 > m { m = $1 } END { print m }')
	"$bindir/$t" -max_total_time="$seconds" -max_len="$max" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
	    ${dict:+"$dict"} ${seed:+"$seed"} "$work/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log")
	# A run cut short by a finding has no "Done": its last status line.
	[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9][0-9]*\)[^0-9].*/\1/p' \
	    "$log" | tail -n 1)
	corpus=$(ls "$work/$t" | wc -l)
	found=$(ls "$art" | grep -E '^(crash|leak|timeout|oom|slow-unit)-')
	if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ -z "$found" ]; then
		echo "$t: $runs executions in ${seconds}s, corpus" \
		    "$(ls "$here/corpus/$t" | wc -l) -> $corpus inputs," \
		    "nothing found"
	else
		status=1
		echo "$t: FAILED (exit $rc)" \
		    "${runs:+after $runs executions}${runs:-on a seed};" \
		    "log $log"
		grep -E "^($t: |==[0-9]+==ERROR|SUMMARY|artifact_prefix)" \
		    "$log" | sed 's/^/    /'
		for f in $found; do
			echo "    input: $art/$f"
		done
	fi
	rm -rf "${work:?}/$t"
done
exit "$status"
