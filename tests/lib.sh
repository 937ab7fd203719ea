# lib.sh - sourced by every tests/t*.sh: a fresh folder, TAP output, helpers
#
# $AUDITLOG is the binary under test, $TAMPER the log-damaging helper.
set -u
: "${AUDITLOG:?AUDITLOG must name the auditlog binary}"
export LC_ALL=C TZ=UTC
unset AUDITLOG_DB AUDITLOG_SERVICE
T=$(mktemp -d "${TMPDIR:-/tmp}/auditlog-test.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

# run CMD...: run it, stdout in $T/out, stderr in $T/err, status in $rc
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# expect STATUS DESCRIPTION CMD...: the command exits with STATUS
expect() {
	_want=$1
	_desc=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$_want" ]; then
		ok "$_desc"
	else
		not_ok "$_desc (exit $rc, wanted $_want)"
		sed 's/^/#   err: /' "$T/err" | head -n 10
		sed 's/^/#   out: /' "$T/out" | head -n 10
	fi
}

# check DESCRIPTION COND...: a test of its own on any shell condition
check() {
	_desc=$1
	shift
	if "$@"; then
		ok "$_desc"
	else
		not_ok "$_desc"
	fi
}

# out_is TEXT / err_has TEXT / out_has TEXT: about the last run
out_is() {
	[ "$(cat "$T/out")" = "$1" ] || {
		echo "#   stdout was: $(head -c 400 "$T/out")"
		return 1
	}
}
out_has() {
	grep -qF -- "$1" "$T/out" || {
		echo "#   stdout lacks '$1': $(head -c 400 "$T/out")"
		return 1
	}
}
err_has() {
	grep -qF -- "$1" "$T/err" || {
		echo "#   stderr lacks '$1': $(head -c 400 "$T/err")"
		return 1
	}
}

# al ARGS...: auditlog on the test's log, ./log
al() {
	"$AUDITLOG" -d "$T/log" "$@"
}

# newlog: a fresh log in ./log with the default policy
newlog() {
	rm -rf "$T/log"
	al init >/dev/null 2>&1 || { echo "# init failed"; exit 1; }
}

done_testing() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
