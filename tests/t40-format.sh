#!/bin/sh
# t40-format.sh - docs/FORMAT.md holds: every hash recomputes from log --json
#
# tests/recompute.py, written from FORMAT.md alone, must accept what the C
# code wrote and refuse any altered, dropped or reordered entry; the worked
# example in FORMAT.md must be one it accepts, byte for byte.

# lib.sh moves to a temporary folder: find our files first.
here=$(cd "$(dirname "$0")" && pwd)
RECOMPUTE=$here/recompute.py
FORMAT=$(dirname "$here")/docs/FORMAT.md
. "$here/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	ok "# SKIP python3 is not installed"
	done_testing
	exit
fi

recompute() {	# recompute FILE [ARGS]: run the checker on FILE
	_f=$1
	shift
	python3 "$RECOMPUTE" "$@" <"$_f"
}

# A single-person log (init --approvers 1), so that policy set changes
# its policy in one step: seq 1 the floor, seq 2 the first policy.
rm -rf "$T/log"
expect 0 "init --approvers 1" al init --approvers 1
expect 0 "record: a service, every optional field given" \
    al record --actor svc:billing --customer acme --purpose service-provision \
    --action read --data billing --resource invoices/2026-11 \
    --reason "monthly run" --service billing-api
expect 0 "record: non-ASCII actor, customer, resource and reason" \
    al record --actor Åsa --customer 日本 --purpose support-ticket \
    --ref SUP-4711 --action read --data contact \
    --resource 'tickets/"quoted" \back\slash' --reason "Kunde bat um Änderung"
expect 0 "record: no optional field, the service from the environment" \
    env AUDITLOG_SERVICE=helpdesk "$AUDITLOG" -d "$T/log" record \
    --actor svc:sync --customer acme --purpose service-provision --action write
expect 1 "record: denied by a deny rule" \
    al record --actor alice --customer acme --purpose marketing --action read
expect 1 "record: denied, reference missing" \
    al record --actor alice --customer 日本 --purpose support-ticket \
    --action read

# A second policy with non-ASCII text and a tab: it goes into the log whole,
# twice (policy set records a proposal, seq 8, and its activation, seq 9).
{
	printf '# Richtlinie für Åsa – 日本\n'
	printf 'purpose support-ticket "Kundendienst" ref "SUP-[0-9]+"\n'
	printf 'group staff "*"\n'
	printf 'allow\tstaff purpose support-ticket action read data contact\n'
} >second.policy
chmod 0644 second.policy
expect 0 "policy set: a second policy" \
    al policy set second.policy --actor x
check "...activated at seq 9" out_is 9
expect 0 "record: allowed under the second policy" \
    al record --actor Åsa --customer 日本 --purpose support-ticket \
    --ref SUP-1 --action read --data contact
expect 1 "record: denied under the second policy" \
    al record --actor Åsa --customer 日本 --purpose support-ticket \
    --ref SUP-1 --action write --data contact

expect 0 "verify: the log is intact" al verify
expect 0 "log --json" al log --json
cp "$T/out" log.jsonl
entries=$(wc -l <log.jsonl | tr -d ' ')
check "log --json lists all 11 entries" [ "$entries" -eq 11 ]

expect 0 "recompute.py accepts the log" recompute log.jsonl
check "recompute.py counts every entry" out_is "$entries entries recomputed"

# Each damaged copy must differ from the original, and be refused.
refused() {	# refused DESCRIPTION FILE TEXT: recompute.py rejects FILE
	if cmp -s log.jsonl "$2"; then
		not_ok "$1 (the copy was not changed)"
		return
	fi
	expect 1 "recompute.py refuses $1" recompute "$2"
	check "recompute.py names the problem in $1" out_has "$3"
}

sed 's/"actor":"Åsa"/"actor":"Asa"/' log.jsonl >actor.jsonl
refused "an altered actor" actor.jsonl "seq 4: hash is"
sed '4d' log.jsonl >deleted.jsonl
refused "a deleted line" deleted.jsonl "seq 5: follows seq 3: seq 4 is missing"
sed '2{h;d;};3{G;}' log.jsonl >swapped.jsonl
refused "two swapped lines" swapped.jsonl "seq 2: follows seq 3"
# The last digit of a time: times must map back to nanoseconds exactly.
awk 'NR == 2 { i = index($0, "Z\",\"kind\""); d = substr($0, i - 1, 1)
    $0 = substr($0, 1, i - 2) ((d + 1) % 10) substr($0, i) } { print }' \
    log.jsonl >time.jsonl
refused "a time off in its nanoseconds" time.jsonl "seq 2: hash is"
sed '9s/Kundendienst/Kundendienst!/' log.jsonl >text.jsonl
refused "an altered policy text" text.jsonl "seq 9: digest"
sed '8s/Kundendienst/Kundendienst!/' log.jsonl >proposal.jsonl
refused "an altered proposal's text" proposal.jsonl "seq 8: digest"
sed '1s/for these purposes/for any purpose/' log.jsonl >floor.jsonl
refused "an altered floor text" floor.jsonl "seq 1: digest"
sed '$s/"decision":"deny"/"decision":"allow"/' log.jsonl >decision.jsonl
refused "a decision that contradicts its code" decision.jsonl \
    "seq 11: decision allow with code"
sed '$d' log.jsonl >truncated.jsonl
{ cat truncated.jsonl; sed -n '$p' log.jsonl | head -c 200; } >cut.jsonl
refused "a line cut short" cut.jsonl "line 11: not a JSON object"

# The worked example in FORMAT.md: its JSON recomputes, and its annotated
# hex is the encoding recompute.py derives for entry 3, the access.
extract() {	# extract MARKER: the fenced block after <!-- example:MARKER -->
	awk -v m="<!-- example:$1 -->" '
	    $0 == m { found = 1; next }
	    found == 1 && /^```/ { found = 2; next }
	    found == 2 && /^```/ { exit }
	    found == 2 { print }' "$FORMAT"
}
extract json >example.jsonl
extract hex | sed 's/#.*//' | tr -d ' \n' >example.hex
check "FORMAT.md holds the example" \
    sh -c '[ -s example.jsonl ] && [ -s example.hex ]'
expect 0 "recompute.py accepts FORMAT.md's example" \
    recompute example.jsonl --hex
check "FORMAT.md's annotated bytes are entry 3's encoding" \
    [ "$(sed -n 's/^3 \([0-9a-f]*\)$/\1/p' "$T/out")" = "$(cat example.hex)" ]
check "FORMAT.md's example hash is SHA-256(00 || those bytes)" \
    grep -q "^    $(python3 -c 'import hashlib, sys
print(hashlib.sha256(bytes.fromhex("00" + sys.argv[1])).hexdigest())' \
    "$(cat example.hex)")\$" "$FORMAT"

# A checkpoint entry (format version 2, kind 3) is recomputed too.
"$AUDITLOG" keygen -o "$T/k" >/dev/null 2>&1
al checkpoint --sign "$T/k.key" --actor carol >/dev/null 2>&1
al record --actor svc:sync --customer acme --purpose service-provision \
    --action write >/dev/null 2>&1
al log --json >cp.jsonl
check "log --json holds the checkpoint entry" grep -q '"kind":"checkpoint"' cp.jsonl
expect 0 "recompute.py accepts a log with a checkpoint entry" recompute cp.jsonl
sed 's/"tree_size":[0-9]*/"tree_size":3/' cp.jsonl >cp-bad.jsonl
expect 1 "recompute.py refuses a checkpoint entry whose size was changed" \
    recompute cp-bad.jsonl

done_testing
