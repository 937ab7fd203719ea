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
if [ "${1:-}" = check ]; then
	tool python3 python3
	tool mandoc mandoc
	tool valgrind valgrind
	tool openssl openssl
fi
[ -z "$pkgs" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "auditlog: installing dependencies with apt-get:$pkgs" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null &&
	    apt-get install -y -qq $pkgs >/dev/null && exit 0
	echo "auditlog: apt-get could not install:$pkgs" >&2
	exit 1
fi
echo "auditlog: missing dependencies; on Debian install:$pkgs" >&2
echo "auditlog: elsewhere set LMDB_CFLAGS/LMDB_LIBS (and the like) by hand" >&2
exit 1
