#!/bin/sh
# t19-deps.sh - tools/deps.sh waits for the package lock with a bound and
# says so, shows apt's errors, and names every package, as .ci/run and
# README.md do (issue 16, item 1)
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"

# A machine where nothing is installed, apt is locked for two seconds,
# and then apt-get fails: fake pkg-config, id, lslocks and apt-get.
mkdir bin
cat > bin/pkg-config <<'X'
#!/bin/sh
exit 1
X
cat > bin/id <<'X'
#!/bin/sh
echo 0
X
cat > bin/lslocks <<'X'
#!/bin/sh
n=$(cat "$T/locked" 2>/dev/null || echo 0)
echo $((n + 1)) > "$T/locked"
[ "$n" -lt 2 ] && echo /var/lib/dpkg/lock-frontend
echo /tmp/other.lock
X
cat > bin/apt-get <<'X'
#!/bin/sh
echo "$*" >> "$T/apt.args"
echo "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)" >&2
exit 100
X
for t in python3 mandoc valgrind openssl; do
	printf '#!/bin/sh\nexit 0\n' > bin/$t
done
chmod +x bin/*
export T
expect 1 "deps.sh with apt locked, then failing" env PATH="$T/bin:/usr/bin:/bin" \
    AUDITLOG_LOCK_WAIT=5 sh "$top/tools/deps.sh" check
check "...says it waits for the lock, and how long at most" err_has \
    "auditlog: another apt or dpkg run holds the package lock: waiting up to 5 s"
check "...waited for it to go" [ "$(cat locked)" -ge 3 ]
check "...shows apt's error" err_has \
    "E: Could not open lock file /var/lib/dpkg/lock-frontend"
check "...and says it failed" err_has "auditlog: apt-get could not install:"
check "...after asking apt to wait for the lock too" grep -q \
    "^-o DPkg::Lock::Timeout=5 update" apt.args

# The lock held for good: the wait is bounded.
printf '#!/bin/sh\necho /var/lib/dpkg/lock\n' > bin/lslocks
start=$(date +%s)
expect 1 "deps.sh with apt locked for good" env PATH="$T/bin:/usr/bin:/bin" \
    AUDITLOG_LOCK_WAIT=2 sh "$top/tools/deps.sh"
check "...gives up after its bound" [ $(($(date +%s) - start)) -lt 10 ]

# Every package deps.sh can install: .ci/run installs it, README names it.
pkgs=$(sed -n 's/^[[:space:]]*\(need\|tool\) [^ ]* \([a-z0-9.+-]*\)$/\2/p;
    s/.*|| pkgs="\([a-z-]*\)"$/\1/p' "$top/tools/deps.sh" | sort -u)
check "deps.sh names its packages" [ "$(echo "$pkgs" | wc -l)" -ge 11 ]
for p in $pkgs; do
	check ".ci/run installs $p" grep -Eq "(^|[ \"])$p( |\"|\$)" "$top/.ci/run"
	check "README.md names $p" grep -q "\`$p\`" "$top/README.md"
done

done_testing
