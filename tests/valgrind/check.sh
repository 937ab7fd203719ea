#!/bin/sh
# check.sh BUILD [TEST...] - make check-valgrind: the tests (all, or the
# TESTs named, as tests/run.sh takes them) with the tool, the unit tests
# and the fault-injection program under valgrind memcheck, then one line:
# how many processes ran under it, how many errors it reported.  Exits 1
# on any failed test or any valgrind error.  Logs stay in
# BUILD/valgrind/ until the next run.  As root on Debian, installs
# valgrind with apt-get when it is missing.
set -u
build=${1:-build}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if ! command -v valgrind >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "auditlog: installing for check-valgrind with apt-get:" \
		    "valgrind" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null &&
		    apt-get install -y -qq valgrind >/dev/null
	fi
	command -v valgrind >/dev/null 2>&1 || {
		echo "auditlog: no valgrind; on Debian install valgrind" >&2
		exit 1
	}
fi
VG_LOGS=$top/$build/valgrind
rm -rf "$VG_LOGS"
# t70-readonly runs the tool as another user, who writes its log here too.
mkdir -p "$VG_LOGS" && chmod 1777 "$VG_LOGS" || exit 1
export VG_LOGS
# The wrappers go beside a link to the build's tests/, so that a test
# that finds its helper programs by "$(dirname "$AUDITLOG")/tests" (t12)
# still does.
wrap=$top/$build/valgrind-bin
rm -rf "$wrap"
mkdir -p "$wrap" && cp "$here/run" "$here/auditlog" "$here/auditlog.supp" \
    "$wrap/" && ln -s ../tests "$wrap/tests" || exit 1
start=$(date +%s)
AUDITLOG_WRAP=$wrap sh "$top/tests/run.sh" "$build" "$@"
status=$?
secs=$(($(date +%s) - start))
procs=$(find "$VG_LOGS" -name '*.log' | wc -l)
# Each process that ends by itself ends its log with "ERROR SUMMARY: N
# errors ..." (one killed on purpose, by t60 or t85, does not).
ended=$(cat "$VG_LOGS"/*.log 2>/dev/null | grep -c 'ERROR SUMMARY:')
errors=$(cat "$VG_LOGS"/*.log 2>/dev/null |
    sed -n 's/.*ERROR SUMMARY: \([0-9][0-9]*\) errors.*/\1/p' |
    awk '{ n += $1 } END { print n + 0 }')
bad=$(grep -l 'ERROR SUMMARY: [1-9]' "$VG_LOGS"/*.log 2>/dev/null)
echo "valgrind: $procs processes under memcheck ($ended ran to their" \
    "end), $errors errors, ${secs}s"
for f in $bad; do
	echo "    $f:"
	grep -m 1 -A 12 -E '== (Invalid|Conditional|Use of|Syscall param|Mismatched|Source and|[0-9,]+ (\(|bytes))' \
	    "$f" | sed 's/^/      /'
done
[ "$status" -eq 0 ] && [ "$errors" -eq 0 ] && [ -z "$bad" ]
