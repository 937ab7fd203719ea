#!/bin/sh
# t65-library.sh - make install, then a program built with
# `pkg-config --cflags --libs auditlog` records through libauditlog
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"

build=$(dirname "$AUDITLOG")
if nm -D "$build/libauditlog.so.0" 2>/dev/null | grep -q __asan_init; then
	echo "ok 1 # skip: the sanitizer build's library needs its runtime"
	n=1
	done_testing
	exit
fi
expect 0 "make install into a fresh prefix" make -s -C "$top" \
    BUILD="${build#"$top"/}" PREFIX="$T/prefix" install
for f in bin/auditlog lib/libauditlog.a lib/libauditlog.so.0 lib/libauditlog.so \
    include/auditlog.h lib/pkgconfig/auditlog.pc share/man/man1/auditlog.1 \
    share/man/man5/auditlog-policy.5 share/bash-completion/completions/auditlog \
    sbin/auditlogd share/man/man8/auditlogd.8 \
    lib/systemd/system/auditlogd.service lib/systemd/system/auditlogd.socket \
    lib/sysusers.d/auditlog.conf lib/tmpfiles.d/auditlog.conf; do
	check "installed $f" [ -e "prefix/$f" ]
done
check "the service runs the installed daemon" grep -qx \
    "ExecStart=$T/prefix/sbin/auditlogd -d /var/lib/auditlog --socket-group auditlog-writers" \
    prefix/lib/systemd/system/auditlogd.service
if command -v systemd-analyze >/dev/null 2>&1 &&
    systemd-analyze --version >/dev/null 2>&1; then
	expect 0 "systemd-analyze verify finds nothing wrong with the units" \
	    systemd-analyze verify --man=no \
	    prefix/lib/systemd/system/auditlogd.service \
	    prefix/lib/systemd/system/auditlogd.socket
	check "...and says nothing" [ ! -s "$T/err" ]
else
	ok "systemd-analyze verify # SKIP systemd-analyze is not installed"
fi
check "the shared library has its soname" sh -c \
    "objdump -p prefix/lib/libauditlog.so.0 | grep -q 'SONAME *libauditlog.so.0'"
PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig"
export PKG_CONFIG_PATH
expect 0 "pkg-config knows the installed library" pkg-config --cflags --libs auditlog
check "...at the prefix" out_has "-I$T/prefix/include"
# shellcheck disable=SC2046
expect 0 "contrib/example.c builds with pkg-config" cc -std=c11 -Wall -Wextra \
    -Werror -o example "$top/contrib/example.c" $(pkg-config --cflags --libs auditlog)
newlog
# A private prefix is no folder the loader searches: as README.md says,
# the program carries it (-Wl,-rpath), or LD_LIBRARY_PATH names it.
libdir=$(pkg-config --variable=libdir auditlog)
check "pkg-config's libdir is the prefix's" [ "$libdir" = "$T/prefix/lib" ]
# shellcheck disable=SC2046
expect 0 "contrib/example.c builds as README.md says, with -Wl,-rpath" \
    cc -std=c11 -Wall -Wextra -Werror -o example-rpath \
    "$top/contrib/example.c" $(pkg-config --cflags --libs auditlog) \
    -Wl,-rpath,"$libdir"
expect 0 "...and runs with no LD_LIBRARY_PATH" env -u LD_LIBRARY_PATH \
    ./example-rpath "$T/log" svc:a acme service-provision read
# seq 1 is the log's floor, 2 its first policy
check "...recording the access" out_is 3
expect 0 "...through the installed library" sh -c \
    "env -u LD_LIBRARY_PATH ldd ./example-rpath | grep -F 'libauditlog.so.0 => $T/prefix/lib/libauditlog.so.0'"
expect 127 "without either, it does not start" env -u LD_LIBRARY_PATH \
    ./example "$T/log" svc:a acme service-provision read
check "...for want of the library" err_has \
    "libauditlog.so.0: cannot open shared object file"
LD_LIBRARY_PATH="$T/prefix/lib"
export LD_LIBRARY_PATH
expect 0 "the example records an allowed access" ./example "$T/log" svc:a acme \
    service-provision read
check "...and prints its seq" out_is 4
expect 1 "the example is refused a denied one" ./example "$T/log" alice acme \
    marketing read
expect 3 "the example fails closed on a missing log" ./example "$T/nolog" svc:a \
    acme service-provision read
expect 0 "what it recorded verifies" al verify
check "...its entries name its service" sh -c \
    "'$AUDITLOG' -d '$T/log' log --json | grep -c '\"service\":\"example\"' | grep -qx 3"
expect 0 "make uninstall" make -s -C "$top" BUILD="${build#"$top"/}" \
    PREFIX="$T/prefix" uninstall
check "...removes what install put there" sh -c '[ ! -e prefix/bin/auditlog ] &&
    [ ! -e prefix/lib/libauditlog.so.0 ] && [ ! -e prefix/include/auditlog.h ] &&
    [ ! -e prefix/share/bash-completion/completions/auditlog ] &&
    [ ! -e prefix/sbin/auditlogd ] &&
    [ ! -e prefix/lib/systemd/system/auditlogd.service ]'

done_testing
