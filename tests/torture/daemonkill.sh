#!/bin/sh
# daemonkill.sh - issue 13: auditlogd SIGKILLed under the load of 16 clients,
# TORTURE_DKILLS times (50): every acknowledged entry is in the log, verify
# passes, and a restart on the killed daemon's stale socket serves at once.
tests=$(cd "$(dirname "$0")/.." && pwd) || exit 1
. "$tests/torture/common.sh"
trials=${TORTURE_DKILLS:-50}
AUDITLOGD=$(dirname "$AUDITLOG")/auditlogd
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
SOCK=$W/d.sock
al init --actor alice >/dev/null 2>&1 || { row daemonkill "init failed" "" 0; exit 1; }
dpid=
trap 'cd /; [ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null; rm -rf "$W"' EXIT

# now_ms: the monotonic-enough wall clock, in milliseconds
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# restart: the daemon on the log and its (stale) socket; the time until a
# record through it is acknowledged, in ms, in $served_ms (-1: never, in 10 s)
restart() {
	t0=$(now_ms)
	"$AUDITLOGD" -d "$W/log" -s "$SOCK" 2>>"$W/daemon.err" &
	dpid=$!
	served_ms=-1
	while [ $(( $(now_ms) - t0 )) -lt 10000 ]; do
		if "$AUDITLOG" -s "$SOCK" --timeout 5 record --actor svc:r \
		    --customer restart --purpose service-provision \
		    --action read >/dev/null 2>&1; then
			served_ms=$(( $(now_ms) - t0 ))
			return 0
		fi
		sleep 0.01
	done
	return 1
}

# acked FROM ACKS: every "seq customer" of ACKS is that entry, once
# (tests/acked.py)
acked() {
	al log --json --from-seq "$1" > logged.json || return 1
	"$PY" "$tests/acked.py" logged.json "$2"
}

t=0 lost=0 badv=0 slowest=0 never=0 acks=0
while [ $t -lt $trials ]; do
	t=$((t + 1))
	if ! restart; then
		never=$((never + 1))
		note "trial $t: the restarted daemon did not serve within 10 s"
		kill -9 "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
		break
	fi
	[ "$served_ms" -gt "$slowest" ] && slowest=$served_ms
	from=$(al head | awk '{ print $1; exit }')
	"$PY" "$tests/dclient.py" "$SOCK" load 16 100000 acks > load.out 2>&1 &
	lp=$!
	# killed 0.15 to 0.6 s into the load: mid-commit, mid-reply, anywhere
	sleep "0.$(( (t * 37 + TORTURE_SEED) % 46 + 15 ))"
	kill -9 "$dpid"
	wait "$dpid" 2>/dev/null
	dpid=
	wait $lp
	[ -f acks ] || : > acks
	acks=$((acks + $(wc -l < acks)))
	if ! why=$(acked "$from" acks); then
		lost=$((lost + 1))
		note "trial $t: $why"
	fi
	if ! al verify >/dev/null 2>&1; then
		badv=$((badv + 1))
		note "trial $t: verify failed"
	fi
done
restart || never=$((never + 1))
[ "$served_ms" -gt "$slowest" ] && slowest=$served_ms
kill -TERM "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null
dpid=
al verify >/dev/null 2>&1 || badv=$((badv + 1))
ok=0
[ $t -eq "$trials" ] && [ $lost -eq 0 ] && [ $badv -eq 0 ] && [ $never -eq 0 ] &&
    [ "$slowest" -ge 0 ] && [ "$slowest" -lt 1000 ] && ok=1
row daemonkill "$t SIGKILLs of auditlogd under 16 clients ($acks acknowledged): $lost trials lost an acknowledged entry, $badv failed verifies; every restart on the stale socket served a record within $slowest ms" \
    "0 lost, 0 failed verifies, each restart served within 1 s" "$ok" "issue 13; tests/dclient.py load"
