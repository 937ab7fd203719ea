#!/bin/sh
# deps.sh [check] - make sure the build dependencies (with "check": the
# test dependencies too) are here; on Debian as root, install the missing
# ones with apt-get, and say so.
set -u
pkgs=""
tool() {	# tool COMMAND DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 || pkgs="$pkgs $2"
}
need() {	# need PKGCONFIG-MODULE DEBIAN-PACKAGE
	if ! command -v pkg-config >/dev/null 2>&1 ||
	    ! pkg-config --exists "$1" 2>/dev/null; then
		pkgs="$pkgs $2"
	fi
}
command -v pkg-config >/dev/null 2>&1 || pkgs="pkg-config"
need lmdb liblmdb-dev
need libbsd libbsd-dev
need zlib zlib1g-dev
need libcrypto libssl-dev
need jansson libjansson-dev
need yajl libyajl-dev
need libsystemd libsystemd-dev
if [ "${1:-}" = check ]; then
	tool python3 python3
	tool mandoc mandoc
	tool valgrind valgrind
	tool openssl openssl
fi
[ -z "$pkgs" ] && exit 0

# Another apt or dpkg run (unattended-upgrades, a second make) may hold
# the package locks: wait for it, a bounded time (AUDITLOG_LOCK_WAIT
# seconds, default 120), and say so.
LOCK_WAIT=${AUDITLOG_LOCK_WAIT:-120}
held() {
	command -v lslocks >/dev/null 2>&1 || return 1
	lslocks -n -o PATH 2>/dev/null | grep -qxF \
	    -e /var/lib/dpkg/lock-frontend -e /var/lib/dpkg/lock \
	    -e /var/lib/apt/lists/lock
}
wait_locks() {
	waited=0
	if held; then
		echo "auditlog: another apt or dpkg run holds the package" \
		    "lock: waiting up to $LOCK_WAIT s" >&2
	fi
	while held && [ "$waited" -lt "$LOCK_WAIT" ]; do
		sleep 1
		waited=$((waited + 1))
	done
}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "auditlog: installing dependencies with apt-get:$pkgs" >&2
	export DEBIAN_FRONTEND=noninteractive
	wait_locks
	# apt's own errors go to stderr, as they are; its chatter does not.
	if apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" update -qq >/dev/null &&
	    apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" install -y -qq \
	    $pkgs >/dev/null; then
		exit 0
	fi
	echo "auditlog: apt-get could not install:$pkgs (its errors are" \
	    "above)" >&2
	exit 1
fi
echo "auditlog: missing dependencies; on Debian install:$pkgs" >&2
echo "auditlog: elsewhere set LMDB_CFLAGS/LMDB_LIBS (and the like) by hand" >&2
exit 1
