#!/bin/sh
# run.sh BUILD - run every test: the C unit tests, then each tests/t*.sh;
# print TAP as it goes and end with one line "N passed, N failed".
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
AUDITLOG=$(cd "$top/$build" 2>/dev/null && pwd)/auditlog
TAMPER=$(dirname "$AUDITLOG")/tests/tamper
export AUDITLOG TAMPER
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

for u in "$top/$build"/tests/unit; do
	[ -x "$u" ] && one unit "$u"
done
for t in "$here"/t[0-9]*.sh; do
	one "$(basename "$t")" sh "$t"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
