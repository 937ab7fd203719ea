#!/bin/sh
# probe.sh CC [install] - can CC build a libFuzzer harness?  Exit 0 if so.
# With "install", on Debian as root, install what is missing with apt-get
# (CC itself, and the compiler-rt package that holds libclang_rt.fuzzer)
# and say so; elsewhere name it and fail.
set -u
cc=${1:-clang}
t=$(mktemp -d "${TMPDIR:-/tmp}/auditlog-probe.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT

try() {
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *, size_t);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' > "$t/probe.c"
	"$cc" -fsanitize=fuzzer,address,undefined -o "$t/probe" "$t/probe.c" \
	    >/dev/null 2>&1 && "$t/probe" -runs=1 >/dev/null 2>&1
}

# clang N's libclang_rt.fuzzer is in libclang-rt-N-dev on Debian 12, a
# package clang only recommends.
rtpkg() {
	echo "libclang-rt-$("$cc" -dumpversion 2>/dev/null |
	    cut -d. -f1)-dev"
}

try && exit 0
[ "${2:-}" = install ] || exit 1
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "auditlog: installing for make fuzz with apt-get:" \
		    "$(basename "$cc")" >&2
		apt-get install -y -qq "$(basename "$cc")" >/dev/null
	fi
	if command -v "$cc" >/dev/null 2>&1; then
		echo "auditlog: installing for make fuzz with apt-get:" \
		    "$(rtpkg)" >&2
		apt-get install -y -qq "$(rtpkg)" >/dev/null
	fi
	try && exit 0
fi
if command -v "$cc" >/dev/null 2>&1; then
	echo "auditlog: $cc cannot build libFuzzer harnesses; on Debian" \
	    "install $(rtpkg)" >&2
else
	echo "auditlog: no $cc for make fuzz; on Debian install clang and" \
	    "libclang-rt-14-dev" >&2
fi
exit 1
