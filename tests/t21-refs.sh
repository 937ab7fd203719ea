#!/bin/sh
# t21-refs.sh - the default policy's references: what could name a real
# case is allowed, what proves nothing is malformed
#
# auditlog check decides under the policy in force (here the default, as
# shipped) and records nothing: exit 0 and "allow RULE", or exit 1 and
# "deny malformed-ref: ..." naming the reference and the pattern.
. "$(dirname "$0")/lib.sh"

newlog
d250=$(printf '%0250d' 0 | tr 0 7)

# ref PURPOSE REF ACTION: check an access by alice under that reference
ref() {
	al check --actor alice --customer acme --purpose "$1" --ref "$2" \
	    --action "$3"
}

# allowed PURPOSE REF ACTION RULE
allowed() {
	expect 0 "$1 with '$2' is allowed" ref "$1" "$2" "$3"
	check "...by $4" out_is "allow $4"
}
allowed support-ticket SUP-4711 read default.policy:30
allowed support-ticket SUP-1 read default.policy:30
allowed support-ticket SUP-9999999999 read default.policy:30
allowed support-ticket SUP-1000000000 write default.policy:30
allowed technical-fix INC-1234 read default.policy:27
allowed technical-fix INC-7 restore default.policy:27
allowed technical-fix INC-2031 read default.policy:27
allowed legal-requirement LEGAL-2026-17 export default.policy:33
allowed legal-requirement LEGAL-2026-117 disclose default.policy:33
allowed legal-requirement LEGAL-2026-7 read default.policy:33
allowed legal-requirement LEGAL-DE-AG-Berlin-4711 export default.policy:33
allowed legal-requirement LEGAL-HRB12345 read default.policy:33
allowed legal-requirement "LEGAL-$(printf '%032d' 0 | tr 0 9)" read \
    default.policy:33

# malformed PURPOSE REF ACTION PATTERN: denied, and says why
malformed() {
	expect 1 "$1 with '$2' is denied" ref "$1" "$2" "$3"
	check "...as a malformed reference" out_is "deny malformed-ref: \
reference '$2' does not match '$4', required by purpose '$1'"
}
sup='SUP-[1-9][0-9]{0,9}'
inc='INC-[1-9][0-9]{0,9}'
legal='LEGAL-[A-Za-z1-9][A-Za-z0-9]{0,31}(-[A-Za-z0-9]{1,32}){0,3}'
malformed support-ticket SUP-0 read "$sup"
malformed support-ticket SUP-00 read "$sup"
malformed support-ticket SUP-007 read "$sup"
malformed support-ticket SUP-0123 write "$sup"
malformed support-ticket "SUP-$d250" read "$sup"
malformed support-ticket SUP-12345678901 read "$sup"
malformed support-ticket "$d250" read "$sup"
malformed support-ticket SUP-4711x read "$sup"
malformed support-ticket SUP--1 read "$sup"
malformed technical-fix INC-0 read "$inc"
malformed technical-fix INC-0042 read "$inc"
malformed technical-fix "INC-$d250" restore "$inc"
malformed legal-requirement LEGAL-- export "$legal"
malformed legal-requirement LEGAL- export "$legal"
malformed legal-requirement LEGAL--- export "$legal"
malformed legal-requirement LEGAL-0 export "$legal"
malformed legal-requirement LEGAL-2026- export "$legal"
malformed legal-requirement -LEGAL-2026 export "$legal"
malformed legal-requirement LEGAL-2026--17 export "$legal"
malformed legal-requirement "LEGAL-$d250" export "$legal"
malformed legal-requirement LEGAL-a-b-c-d-e export "$legal"
malformed legal-requirement "LEGAL-$(printf '%033d' 0 | tr 0 9)" read "$legal"
malformed legal-requirement "LEGAL-2026 17" read "$legal"

# The same refusal when it is recorded: a denial in the log, not an error.
expect 1 "record of SUP-0 is denied" al record --actor alice --customer acme \
    --purpose support-ticket --ref SUP-0 --action read
expect 0 "...and recorded" al log --json --decision deny
check "...as malformed-ref" out_has '"ref":"SUP-0","reason":"","decision":"deny","code":"malformed-ref"'
expect 0 "the log verifies: the decision follows from the policy" al verify

done_testing
