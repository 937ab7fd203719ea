#!/bin/sh
# stopped.sh - issue 15 item 4: a writer stopped (SIGSTOP) while it commits
# holds the write lock; every other writer waits at most --timeout, then
# exits 3 having written nothing; once it runs again, all is well.
. "$(dirname "$0")/common.sh"
trials=${TORTURE_STOPS:-20}
al init --actor alice >/dev/null 2>&1 || { row stopped "init failed" "" 0; exit 1; }
lines 200000 s > big
# the tool itself, not a shell function around it: $! is the writer
"$AUDITLOG" -d "$W/log" record --batch --batch-size 1 < big > /dev/null 2>&1 &
bp=$!
sleep 0.3
t=0 inside=0 outside=0 hung=0 slow=0
while [ $t -lt $trials ]; do
	t=$((t + 1))
	kill -STOP $bp
	t0=$(date +%s%N)
	timeout 10 "$AUDITLOG" -d "$W/log" --timeout 2 record --actor svc:r \
	    --customer c1 --purpose service-provision --action read > /dev/null 2> err
	rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	case $rc in
	0) outside=$((outside + 1)) ;;
	3) inside=$((inside + 1)); [ $ms -ge 1900 ] && [ $ms -le 4000 ] || slow=$((slow + 1)) ;;
	*) hung=$((hung + 1)); note "record exited $rc after $ms ms: $(cat err)" ;;
	esac
	kill -CONT $bp
	sleep 0.05
done
kill $bp 2>/dev/null; wait $bp 2>/dev/null
al verify > /dev/null 2>&1
vrc=$?
ok=0
[ $hung -eq 0 ] && [ $slow -eq 0 ] && [ $vrc -eq 0 ] && ok=1
row stopped "$trials stops of a committing writer: $inside inside a commit (record exit 3 in 2-4 s), $outside between (record committed), $hung hung, $slow outside the bound; verify $vrc" \
    "0 hung, exit 3 within --timeout + 2 s" "$ok" "issue 15 item 4, --timeout 2"
