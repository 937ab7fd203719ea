#!/bin/sh
# demo.sh DIR - the main job on a demo log: init, a day of accesses from
# testdata/demo-accesses.tsv (allowed and denied), the log, verify, head;
# then the served mode: auditlogd owns the log, services record through
# its socket, and a direct writer is refused while it runs.
set -u
dir=${1:?usage: demo.sh DIR}
al=${AUDITLOG_BIN:-auditlog}
ald=${AUDITLOGD_BIN:-auditlogd}
here=$(dirname "$0")
tab=$(printf '\t')

echo "== auditlog init"
"$al" -d "$dir" init || exit 1

echo
echo "== auditlog record, for each access in $here/demo-accesses.tsv"
grep -v '^#' "$here/demo-accesses.tsv" |
while IFS="$tab" read -r actor customer purpose action data ref resource \
    reason service; do
	set -- --actor "$actor" --customer "$customer" --purpose "$purpose" \
	    --action "$action"
	[ "$data" != - ] && set -- "$@" --data "$data"
	[ "$ref" != - ] && set -- "$@" --ref "$ref"
	[ "$resource" != - ] && set -- "$@" --resource "$resource"
	[ "$reason" != - ] && set -- "$@" --reason "$reason"
	[ "$service" != - ] && set -- "$@" --service "$service"
	if seq=$("$al" -d "$dir" record "$@" 2>/dev/null); then
		echo "allowed  $actor $purpose $action $customer: seq $seq"
	else
		status=$?
		[ "$status" -ne 1 ] && { echo "record failed: $status"; exit 1; }
		echo "DENIED   $actor $purpose $action $customer"
	fi
done || exit 1

echo
echo "== auditlog log"
"$al" -d "$dir" log || exit 1
echo
echo "== auditlog log --decision deny --customer initech"
"$al" -d "$dir" log --decision deny --customer initech || exit 1
echo
echo "== auditlog verify"
"$al" -d "$dir" verify || exit 1
echo
echo "== auditlog head (keep it elsewhere: verify --expect "SEQ HASH")"
"$al" -d "$dir" head
echo
echo "== auditlog checkpoint (the tree head to publish, signed with --sign KEY: verify --checkpoint FILE)"
"$al" -d "$dir" checkpoint || exit 1
echo
echo "== auditlog prove --seq 2 (a C2SP tlog-proof that entry 2 is in that tree)"
"$al" -d "$dir" prove --seq 2

echo
echo "== served mode: auditlogd -d $dir -s $dir.run/auditlog.sock (the log's one writer)"
rm -rf "$dir.run"
mkdir -m 700 "$dir.run" || exit 1
"$ald" -d "$dir" -s "$dir.run/auditlog.sock" 2> "$dir.run/auditlogd.err" &
dpid=$!
i=0
while [ ! -S "$dir.run/auditlog.sock" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ -S "$dir.run/auditlog.sock" ] || { cat "$dir.run/auditlogd.err"; exit 1; }
echo "auditlog -s SOCKET record ... (the daemon records the caller's uid and pid, from the kernel)"
seq=$("$al" -s "$dir.run/auditlog.sock" record --actor svc:billing \
    --customer acme --purpose service-provision --action read \
    --resource invoices/2026-12) || { kill "$dpid"; exit 1; }
echo "allowed  svc:billing service-provision read acme: seq $seq"
printf '%s\n' \
    '{"actor":"svc:billing","customer":"globex","purpose":"service-provision","action":"read"}' \
    '{"actor":"svc:billing","customer":"globex","purpose":"marketing","action":"sell"}' |
    "$al" -s "$dir.run/auditlog.sock" record --batch
echo "(exit $?: some denied, and recorded)"
echo "auditlog -d $dir record ... while the daemon runs:"
"$al" -d "$dir" record --actor svc:billing --customer acme \
    --purpose service-provision --action read 2>&1
echo "(exit $?: refused, nothing recorded)"
kill -TERM "$dpid"
wait "$dpid"
echo "auditlogd stopped (SIGTERM: what was in flight answered, exit $?)"
rm -rf "$dir.run"
echo
echo "== auditlog log -n 3 (the entries the daemon recorded)"
"$al" -d "$dir" log -n 3 || exit 1
"$al" -d "$dir" verify || exit 1
