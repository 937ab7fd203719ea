#!/bin/sh
# t80-fuzz.sh - each libFuzzer harness of fuzz/ runs a few seconds on its
# committed corpus with no crash, leak, hang or sanitizer report (issue 5;
# make fuzz runs them for longer)
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"

secs=3
if ! sh "$top/fuzz/probe.sh" clang; then
	echo "ok 1 # skip clang cannot build libFuzzer harnesses" \
	    "(on Debian: clang, libclang-rt-14-dev)"
	exit 0
fi
# The harnesses build in their own folder; not with the flags of the make
# that runs the tests (SAN=1 and the like).
if ! MAKEFLAGS='' make -s -C "$top" FUZZ_BUILD=build-fuzz fuzz-build \
    >"$T/build" 2>&1; then
	not_ok "the fuzz harnesses build"
	sed 's/^/#   /' "$T/build" | tail -n 20
	done_testing
	exit
fi
for f in "$top"/fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	# A fixed seed: the same inputs on every run, so that the test does
	# not pass and fail by chance; make fuzz explores.
	run sh "$top/fuzz/run.sh" -o "$T/fuzz" -s 1 "$top/build-fuzz/fuzz" \
	    "$secs" "$t"
	if [ "$rc" -eq 0 ] && [ -z "$(ls "$T/fuzz/$t")" ]; then
		ok "$(cat "$T/out")"
	else
		not_ok "$t found something in ${secs}s (exit $rc)"
		sed 's/^/#   /' "$T/out" "$T/err"
		grep -B2 -A30 -m1 -E '^==[0-9]+==ERROR|^SUMMARY' \
		    "$T/fuzz/$t.log" | head -n 40 | sed 's/^/#   /'
	fi
done
done_testing
