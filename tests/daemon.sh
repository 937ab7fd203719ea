# daemon.sh - sourced after lib.sh by the tests that run auditlogd: its
# start and stop on $SOCK, and a cleanup that, even when a test fails,
# kills the daemon and the processes in $holders and removes the
# throwaway users and groups in $users and $groups, then the test's folder
AUDITLOGD=${AUDITLOGD:-$AUDITLOG_BUILD/auditlogd}
dpid=
fp=
holders=
users=
groups=
cleanup() {
	if [ -n "$dpid" ]; then
		kill -CONT "$dpid" 2>/dev/null
		kill -9 "$dpid" 2>/dev/null
	fi
	for h in $holders; do kill -9 "$h" 2>/dev/null; done
	[ -n "$fp" ] && kill -9 "$fp" 2>/dev/null
	for u in $users; do userdel "$u" 2>/dev/null; done
	for g in $groups; do groupdel "$g" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# daemon_start LOG [ARGS...]: auditlogd on LOG and $SOCK, serving when it
# returns (1, with its messages, when it did not start); with $DENV
# (NAME=VALUE words) in its environment
DENV=
daemon_start() {
	_log=$1
	shift
	# shellcheck disable=SC2086
	env $DENV "$AUDITLOGD" -d "$_log" -s "$SOCK" "$@" \
	    2>>"$T/daemon.err" &
	dpid=$!
	_i=0
	while ! grep -q "serving .* (pid $dpid)" "$T/daemon.err" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$dpid" 2>/dev/null; then
			echo "# auditlogd did not start:"
			sed 's/^/#   /' "$T/daemon.err"
			return 1
		fi
		sleep 0.05
	done
}

# stop_daemon: SIGTERM and wait; its exit status in $dstatus
stop_daemon() {
	kill -TERM "$dpid"
	wait "$dpid"
	dstatus=$?
	dpid=
}

# fake_start SOCKET REPLY: tests/fakedaemon.py listening on SOCKET, which
# answers each line with REPLY (N: the line's number); its pid in $fp, for
# the caller to wait for once its client is done and then empty (cleanup
# kills one still in $fp: a test that failed before its client connected).
fake_start() {
	: "${PY:=/usr/bin/python3}"
	[ -x "$PY" ] || PY=python3
	rm -f "$1"
	"$PY" "$here/fakedaemon.py" "$1" "$2" > fake.log 2>&1 &
	fp=$!
	_i=0
	while [ ! -S "$1" ] && [ $_i -lt 100 ]; do
		sleep 0.02
		_i=$((_i + 1))
	done
}
