#!/bin/sh
# demo.sh DIR - the main job on a demo log: init, a day of accesses from
# testdata/demo-accesses.tsv (allowed and denied), the log, verify, head;
# then the served mode: auditlogd owns the log, services record through
# its socket, and a direct writer is refused while it runs; then
# governance: a policy change takes two administrators (root, and a second
# one acting as uid 4242: a process whose real uid is 4242, made by perl's
# setreuid as root, so there is no account to make or remove), and a policy
# below the floor is refused.  Its files go in DIR.gov, removed at the end.
set -u
dir=${1:?usage: demo.sh DIR}
al=${AUDITLOG_BIN:-auditlog}
ald=${AUDITLOGD_BIN:-auditlogd}
here=$(dirname "$0")
tab=$(printf '\t')

gov=$dir.gov
rm -rf "$gov"
mkdir -m 700 "$gov" || exit 1
trap 'rm -rf "$gov"' EXIT

# The second administrator: a uid, named by number in the admin line.
adm=4242
init="--approvers 2 --admin $adm"
# A caller that is not root administers the log too (and cannot act as
# another uid: the two-person step is then skipped, saying why), and may
# record as anyone: the default policy gives that to root and auditlog.
if [ "$(id -u)" -ne 0 ]; then
	{
		cat "$here/../policies/default.policy"
		echo "writer user $(id -u) service * actor *"
	} > "$gov/default.policy" || exit 1
	init="$init --admin $(id -u) --policy $gov/default.policy"
fi

echo "== auditlog init $init"
# shellcheck disable=SC2086
"$al" -d "$dir" init $init || exit 1

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

echo
echo "== governance: a policy change takes two administrators"
# as_adm ARG...: auditlog as the second administrator (real uid $adm).
as_adm() {
	perl -e '$< = $ARGV[0]; $< == $ARGV[0] or die "setreuid: $!\n";
	    shift; exec @ARGV or die "exec: $!\n"' \
	    "$adm" "$al" -d "$dir" "$@"
}
"$al" -d "$dir" policy show > "$gov/default.policy" || exit 1
{
	cat "$gov/default.policy"
	echo
	echo '# The billing service records for itself, as svc:billing.'
	echo 'writer user svc-billing service billing actor "svc:billing"'
} > "$gov/billing.policy"
me="uid $(id -u)"
echo "auditlog policy set billing.policy --actor ops (one step: refused here)"
"$al" -d "$dir" policy set "$gov/billing.policy" --actor ops 2>&1
echo "(exit $?)"
echo "auditlog policy propose billing.policy ($me)"
out=$("$al" -d "$dir" policy propose "$gov/billing.policy") || exit 1
echo "$out"
digest=$(echo "$out" | sed -n 's/^proposed \([0-9a-f]*\) at seq .*/\1/p')
short=$(echo "$digest" | cut -c1-12)
echo "auditlog policy approve $short ($me, its proposer)"
"$al" -d "$dir" policy approve "$short" 2>&1
echo "(exit $?: the proposer may not approve)"
if [ "$(id -u)" -eq 0 ]; then
	echo "auditlog policy approve $short (uid $adm, the second administrator)"
	as_adm policy approve "$short" || exit 1
else
	echo "(the second administrator's approval needs root to act as"
	echo " uid $adm: skipped; the proposal stays open)"
fi
echo
echo "== auditlog policy history"
"$al" -d "$dir" policy history || exit 1
echo
echo "== auditlog policy diff @2 @now (the change, rule by rule; ! widens access)"
"$al" -d "$dir" policy diff @2 @now
echo
echo "== a change below the floor is refused, whoever proposes it"
printf '%s\n' 'purpose marketing "growth"' \
    'allow any purpose marketing action { sell share-advertising read } data { customer-data }' \
    > "$gov/sell.policy"
sed 's/^/  /' "$gov/sell.policy"
echo "auditlog policy propose sell.policy"
"$al" -d "$dir" policy propose "$gov/sell.policy" 2>&1
echo "(exit $?: refused by the floor, nothing recorded)"
rm -rf "$gov"
trap - EXIT

echo
echo "== auditlog verify (the chain of custody too)"
"$al" -d "$dir" verify || exit 1
