#!/bin/sh
# run.sh BUILD [TEST...] - run every test: the C unit tests, then each
# tests/t*.sh (or only the TESTs named: unit, t10-record.sh, ...); print
# TAP as it goes and end with one line "N passed, N failed".
set -u
build=${1:-build}
[ $# -gt 0 ] && shift
only=" $* "
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
AUDITLOG_BUILD=$(cd "$top/$build" 2>/dev/null && pwd)
AUDITLOG=$AUDITLOG_BUILD/auditlog
TAMPER=$AUDITLOG_BUILD/tests/tamper
export AUDITLOG AUDITLOG_BUILD TAMPER
# AUDITLOG_WRAP=DIR (make check-valgrind): the tests run DIR/auditlog as
# the tool, which runs the real one ($AUDITLOG_REAL) under a checker, and
# the unit tests under DIR/run.  Skipped there: tests that are not about
# the tool's own code (installing, fuzzing with sanitizers, man pages),
# and t75-crash, whose kills 5-250 ms in land before a process under
# valgrind (a second to start) has acknowledged anything.
wrap=${AUDITLOG_WRAP:-}
if [ -n "$wrap" ]; then
	AUDITLOG_REAL=$AUDITLOG
	AUDITLOG=$wrap/auditlog
	export AUDITLOG_REAL
fi
export LC_ALL=C TZ=UTC
out=$(mktemp "${TMPDIR:-/tmp}/auditlog-run.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
pass=0
fail=0

one() {	# one NAME CMD...
	name=$1
	shift
	echo "# $name"
	"$@" >"$out" 2>&1
	status=$?
	cat "$out"
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited $status without saying why"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name ran no test"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
}

# named TEST: is it to run?
named() {
	[ "$only" = "  " ] || case $only in *" $1 "*) ;; *) false ;; esac
}

for u in "$top/$build"/tests/unit; do
	named unit && [ -x "$u" ] && one unit ${wrap:+"$wrap/run"} "$u"
done
for t in "$here"/t[0-9]*.sh; do
	named "$(basename "$t")" || continue
	case $wrap:$(basename "$t") in
	?*:t65-library.sh|?*:t75-crash.sh|?*:t80-fuzz.sh|?*:t90-man.sh)
		echo "# $(basename "$t"): skipped under $wrap"
		continue ;;
	esac
	one "$(basename "$t")" sh "$t"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
