#!/bin/sh
# run.sh BUILD - make torture (issue 5): bounded attacks on the built tool,
# one row each, then ONE table of figures: kind, figure, target, PASS/MISS.
# Each row runs in its own temporary folder and removes it.  Knobs, for a
# quicker run: TORTURE_EACH (entries per concurrent writer, 2000),
# TORTURE_CRASHES (100), TORTURE_FLIPS (300), TORTURE_CUTS (60),
# TORTURE_DKILLS (50), TORTURE_SEED (random; printed, to replay a run).
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
AUDITLOG=$(cd "$top/$build" 2>/dev/null && pwd)/auditlog
TAMPER=$(dirname "$AUDITLOG")/tests/tamper
[ -x "$AUDITLOG" ] && [ -x "$TAMPER" ] || {
	echo "torture: build $AUDITLOG and $TAMPER first (make all)" >&2
	exit 2
}
TORTURE_SEED=${TORTURE_SEED:-$(od -A n -t u2 -N 2 /dev/urandom | tr -d ' ')}
export AUDITLOG TAMPER TORTURE_SEED LC_ALL=C TZ=UTC
res=$(mktemp "${TMPDIR:-/tmp}/auditlog-torture-rows.XXXXXX") || exit 1
trap 'rm -f "$res" "$res.out"' EXIT

# one NAME SCRIPT: run a row, its notes to stderr, its ROW line kept
one() {
	echo "# $1 ..." >&2
	_t0=$(date +%s)
	sh "$here/$2" >"$res.out"
	_t1=$(date +%s)
	if grep -q '^ROW' "$res.out"; then
		grep '^ROW' "$res.out" | tail -n 1 |
		    awk -v s=$((_t1 - _t0)) 'BEGIN { FS = OFS = "\t" }
		    { print $0, s "s" }' >>"$res"
	else
		printf 'ROW\t%s\tthe row printed no result\t-\tMISS\t\t%ss\n' \
		    "$1" $((_t1 - _t0)) >>"$res"
	fi
}

# the hostile table is tests/t85-hostile.sh, whose TAP is summed up here
hostile() {
	echo "# hostile ..." >&2
	_t0=$(date +%s)
	sh "$top/tests/t85-hostile.sh" >"$res.out" 2>&1
	_t1=$(date +%s)
	grep '^not ok' "$res.out" >&2
	_n=$(grep -c '^ok\|^not ok' "$res.out")
	_bad=$(grep -c '^not ok' "$res.out")
	_bug=$(grep -c '# KNOWN BUG' "$res.out")
	_r=PASS
	[ "$_bad" -eq 0 ] && [ "$_bug" -eq 0 ] && [ "$_n" -ge 40 ] || _r=MISS
	printf 'ROW\thostile\t%s of %s as documented, %s known bugs, %s failures\tall as documented, >= 40 cases\t%s\ttests/torture/hostile.tsv\t%ss\n' \
	    $((_n - _bad - _bug)) "$_n" "$_bug" "$_bad" "$_r" $((_t1 - _t0)) >>"$res"
}

start=$(date +%s)
one concurrent concurrent.sh
one crash crash.sh
one tamper tamper.sh
one damage damage.sh
one fulldisk fulldisk.sh
one lockfile lockfile.sh
one readers readers.sh
one stopped stopped.sh
one daemonkill daemonkill.sh
hostile
end=$(date +%s)

echo
echo "auditlog torture, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -srm), $(nproc) cores, seed $TORTURE_SEED, $((end - start)) s"
echo
printf '| %s | %s | %s | %s | %s | %s |\n' kind figure target result time note
echo '| --- | --- | --- | --- | --- | --- |'
awk 'BEGIN { FS = "\t" }
    { printf "| %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $7, $6 }' "$res"
! grep -q '	MISS	' "$res"
