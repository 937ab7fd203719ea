#!/bin/sh
# t42-anchor.sh - --expect takes the anchor as `auditlog head` prints it
#
# `auditlog head` prints "SEQ HASH"; verify --expect, verify-export --expect
# and contrib/verify-export.py --expect take that line as it is, and the
# older "SEQ:HASH" too, and refuse anything else with a message that names
# both forms.
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
VX=$top/contrib/verify-export.py
. "$here/lib.sh"

newlog
al record --actor svc:billing --customer acme --purpose service-provision \
    --action read >/dev/null 2>&1
al head >anchor	# the floor (1), the policy (2), the access (3)
A=$(cat anchor)
seq=${A%% *}
hash=${A#* }
check "head prints SEQ HASH" \
    sh -c 'grep -qE "^3 [0-9a-f]{64}\$" anchor && [ "$(wc -l <anchor)" -eq 1 ]'
al export -o b.tar.gz >/dev/null 2>&1

py=0
command -v python3 >/dev/null 2>&1 && py=1
vx() {	# vx ARGS: the Python checker
	python3 "$VX" "$@"
}

msg="--expect takes the anchor as 'auditlog head' prints it, SEQ HASH (or SEQ:HASH): a seq from 1, then 64 hex digits"
zero=$(printf '%064d' 0)
upper=$(printf '%s' "$hash" | tr a-f A-F)

# good FORM DESCRIPTION: all three accept the anchor in FORM
good() {
	expect 0 "verify --expect $2" al verify --expect "$1"
	expect 0 "verify-export --expect $2" al verify-export b.tar.gz --expect "$1"
	if [ "$py" -eq 1 ]; then
		expect 0 "verify-export.py --expect $2" vx b.tar.gz --expect "$1"
	else
		ok "# SKIP python3 is not installed"
	fi
}
good "$A" "as head prints it (SEQ HASH)"
good "$(al head)" "straight from \$(auditlog head)"
good "$seq:$hash" "with a colon (SEQ:HASH)"
good "$seq $upper" "with upper-case hex"
good "1 $(al log --json | head -n 1 | sed 's/.*"hash":"\([0-9a-f]*\)".*/\1/')" \
    "of an older entry"

# The anchor form is checked, not just parsed: a wrong hash in either form
# fails the check (exit 1), not the parse.
expect 1 "verify --expect SEQ ZEROS fails the check" al verify --expect "$seq $zero"
check "...naming the anchor" out_has "anchor"
expect 1 "verify-export --expect SEQ ZEROS fails the check" \
    al verify-export b.tar.gz --expect "$seq $zero"
if [ "$py" -eq 1 ]; then
	expect 1 "verify-export.py --expect SEQ ZEROS fails the check" \
	    vx b.tar.gz --expect "$seq $zero"
fi

# bad ARG DESCRIPTION: all three refuse it as a usage error, with $msg
bad() {
	expect 2 "verify --expect $2 is a usage error" al verify --expect "$1"
	check "...saying which forms it takes" err_has "auditlog: verify: $msg"
	expect 2 "verify-export --expect $2 is a usage error" \
	    al verify-export b.tar.gz --expect "$1"
	check "...saying which forms it takes" \
	    err_has "auditlog: verify-export: $msg"
	if [ "$py" -eq 1 ]; then
		expect 2 "verify-export.py --expect $2 is a usage error" \
		    vx b.tar.gz --expect "$1"
		check "...saying which forms it takes" err_has "$msg"
	fi
}
bad "$seq" "with no hash"
bad "$hash" "with no seq"
bad "$seq  $hash" "with two spaces"
bad "$seq	$hash" "with a tab"
bad " $A" "with a leading space"
bad "$A " "with a trailing space"
bad "+$A" "with a sign"
bad "-$A" "with a minus"
bad "0 $hash" "of seq 0"
bad "18446744073709551616 $hash" "of a seq past 2^64-1"
bad "$seq ${hash%?}" "with 63 hex digits"
bad "$seq ${hash}0" "with 65 hex digits"
bad "$seq ${hash%?}g" "with a non-hex digit"
bad "$seq;$hash" "with another separator"

done_testing
