#!/bin/sh
# t12-merkle.sh - the Merkle tree's own tests (tests/merkle.c): RFC 6962
# vectors, a recursive reference, damaged proofs, multi-leaf proofs
bin=$(dirname "$AUDITLOG")/tests/merkle
. "$(dirname "$0")/lib.sh"

if [ ! -x "$bin" ]; then
	not_ok "tests/merkle is built ($bin)"
	done_testing
	exit
fi
# Its TAP numbers are its own: renumber them into this script's.
"$bin" >"$T/tap" 2>"$T/err"
status=$?
while IFS= read -r line; do
	case $line in
	"ok "*)		ok "${line#ok [0-9]* - }" ;;
	"not ok "*)	not_ok "${line#not ok [0-9]* - }" ;;
	esac
done <"$T/tap"
check "tests/merkle exits 0 (it said: $(head -c 300 "$T/err"))" \
    [ "$status" -eq 0 ]
done_testing
