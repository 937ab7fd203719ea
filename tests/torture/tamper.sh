#!/bin/sh
# tamper.sh - one tampering of each kind (tests/tamper.c, $TAMPER) on a
# fresh copy of a real log: verify must catch it, or verify --expect with
# an anchor taken before when only an anchor can tell.
. "$(dirname "$0")/common.sh"
: "${TAMPER:?TAMPER must name the tamper helper}"
al init >/dev/null 2>&1 || { row tamper "init failed" "" 0; exit 1; }
rec() { al record "$@" >/dev/null 2>&1; }
i=0
while [ $i -lt 4 ]; do
	rec --actor svc:billing --customer acme --purpose service-provision \
	    --action read --data billing --resource "invoices/$i"
	rec --actor bob --customer globex --purpose marketing --action read
	i=$((i + 1))
done
old=$(al head | tr ' ' :)		# seq 10 (the floor is seq 1, the policy 2)
cp -a log older
i=0
while [ $i -lt 4 ]; do
	rec --actor alice --customer initech --purpose support-ticket \
	    --ref "SUP-$i" --action read --data contact
	rec --actor svc:crm --customer acme --purpose service-provision \
	    --action write --data contact --resource "contacts/$i"
	i=$((i + 1))
done
A=$(al head | tr ' ' :)			# seq 18
text=$(al policy show)

# kind NAME NEEDS SETUP: SETUP damages ./c (a copy of ./log); NEEDS is
# "verify" when verify alone must catch it, "anchor" when only --expect can
kinds=0
caught=0
anchored=
missed=
kind() {
	kinds=$((kinds + 1))
	rm -rf c
	cp -a log c
	if ! (eval "$3") >tout 2>&1; then
		missed="$missed $1(setup failed)"
		note "$1: $(head -c 200 tout)"
		return
	fi
	"$AUDITLOG" -d "$W/c" verify >/dev/null 2>"$W/err"
	rc=$?
	sane || { missed="$missed $1(crash)"; return; }
	arc=0
	[ "$rc" -eq 0 ] && {
		"$AUDITLOG" -d "$W/c" verify --expect "$A" >/dev/null 2>&1
		arc=$?
	}
	if [ "$rc" -eq 1 ]; then
		by=verify
	elif [ "$rc" -eq 0 ] && [ "$arc" -eq 1 ]; then
		by=anchor
	else
		by="none (verify $rc)"
	fi
	note "$1: caught by $by (expected: $2)"
	if [ "$by" = verify ] || { [ "$by" = anchor ] && [ "$2" = anchor ]; }; then
		caught=$((caught + 1))
		[ "$by" = anchor ] && anchored="$anchored $1"
	else
		missed="$missed $1"
	fi
}
t() { "$TAMPER" "$W/c" "$@"; }
kind flip verify "t flip 5 resource+3"
kind flip-last verify "t flip 18 actor+0"
kind delete verify "t delete 7"
kind swap verify "t swap 4 9"
kind truncate anchor "t truncate 3"
kind forge anchor "t truncate 1 && t forge"
kind rewrite anchor "t rechain 3 actor mallory"
kind decision verify "t rechain 3 decision deny"
kind policy-text verify "t policy-text 2 \"\$text
# an insider's edit\""
kind index-del verify "t index-del 5"
kind head-meta verify "t head 10 $(echo "$old" | cut -d: -f2)"
kind older-copy anchor "rm -rf c && cp -a older c"

# Not a kind to catch: a forged entry appended after the anchor's seq passes
# verify --expect of that anchor, which vouches only for what is up to it.
rm -rf c; cp -a log c
"$TAMPER" "$W/c" forge >/dev/null 2>&1
"$AUDITLOG" -d "$W/c" verify --expect "$A" >/dev/null 2>&1
arc=$?
note "forge appended after the anchor: verify --expect exits $arc (0 by design)"

ok=0
[ "$caught" -eq "$kinds" ] && ok=1
row tamper "$caught of $kinds kinds caught; anchor needed:$anchored${missed:+; MISSED:$missed}" \
    "every kind caught" "$ok" "an appended forgery is beyond an earlier anchor (by design)"
