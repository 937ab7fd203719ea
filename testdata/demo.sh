#!/bin/sh
# demo.sh DIR - the main job on a demo log: init, a day of accesses from
# testdata/demo-accesses.tsv (allowed and denied), the log, verify, head.
set -u
dir=${1:?usage: demo.sh DIR}
al=${AUDITLOG_BIN:-auditlog}
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
