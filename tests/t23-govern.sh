#!/bin/sh
# t23-govern.sh - the floor and two-person policy changes (auditlog-policy(5))
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# A policy, changed: one more action for support.
widen() {
	sed 's/^allow staff purpose support-ticket action { read write }/allow staff purpose support-ticket action { read write delete }/' "$1" > "$2"
	cmp -s "$1" "$2" && { echo "# widen: $1 unchanged"; exit 1; }
}
widen "$top/policies/default.policy" wider.policy

# --- the floor: what no policy may allow ------------------------------------
cat > evil.policy <<'EOF'
purpose marketing "growth"
allow any purpose marketing action { sell share-advertising read } data { customer-data }
EOF
cat > fifth.policy <<'EOF'
purpose service-provision "to provide the service"
purpose analytics "product analytics"
allow any purpose service-provision action read
allow any purpose analytics action read
EOF

rm -rf log
expect 0 "init --approvers 1: a single-person log" al init --approvers 1
check "...which says so" out_has "a policy change needs 1 administrator"
expect 1 "policy set refuses a policy that allows selling, below the floor" \
    al policy set evil.policy --actor carol
check "...naming the policy's line and the floor's" err_has "evil.policy:1:"
check "...and the floor's" err_has "promise.floor:"
al policy show > shown
check "...and the active policy stays as it was" cmp -s shown "$top/policies/default.policy"
expect 1 "policy check refuses it too" al policy check evil.policy
check "...naming the floor" err_has "promise.floor:"
expect 1 "a fifth purpose is refused" al policy set fifth.policy --actor carol
check "...naming it" err_has "analytics"
expect 0 "a policy within the floor goes in" al policy set wider.policy --actor carol
out=$(cat "$T/out")
check "...printing the activating seq" [ "$out" = "4" ]

# The floor denies what it forbids under any policy: a policy installed
# by hand below the floor cannot make a sale allowed.
expect 1 "record: a sale is denied" al record --actor svc:x --customer c1 \
    --purpose service-provision --action sell
check "...by the floor" err_has "floor"
expect 0 "verify passes" al verify

# A policy's own deny rule, one the floor does not have, still decides:
# deny-rule, naming the policy's line.
{ cat "$top/policies/default.policy"; echo 'deny any action delete'; } > nodelete.policy
expect 0 "a policy that also forbids deleting goes in" al policy set nodelete.policy --actor carol
line=$(grep -n '^deny any action delete$' nodelete.policy | cut -d: -f1)
expect 1 "record: a delete is denied by the policy's deny rule" al record \
    --actor svc:x --customer c1 --purpose service-provision --action delete
check "...as deny-rule, naming the policy's line" \
    err_has "deny deny-rule (seq 8): forbidden by the deny rule at nodelete.policy:$line"
expect 0 "verify re-derives it" al verify

# --- a log made by a user that is not root -----------------------------------
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1; then
	chmod 711 "$T"
	mkdir -m 777 nr
	expect 0 "nobody makes a log of its own" \
	    runuser -u nobody -- "$AUDITLOG" -d "$T/nr/log" init
	check "...and administers it" out_has "a policy change needs 2 administrators"
	runuser -u nobody -- "$AUDITLOG" -d "$T/nr/log" policy show > nr.policy
	check "...named in its first policy as an administrator" grep -qx "admin user nobody" nr.policy
	check "...and as a writer that may claim anything, as root may" \
	    grep -qx 'writer user nobody service \* actor \*' nr.policy
	expect 0 "...so its own records are decided by the policy, not refused as its writer" \
	    runuser -u nobody -- "$AUDITLOG" -d "$T/nr/log" record --actor bob \
	    --customer c1 --purpose support-ticket --ref SUP-1 --action read
else
	ok "a log made by a user that is not root # SKIP needs root to run as nobody"
fi

# --- two administrators -------------------------------------------------------
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null 2>&1; then
	ok "two administrators # SKIP needs root (and useradd) to make a throwaway user"
	done_testing
	exit
fi
r=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
adm=ala$r
useradd -r -M -N -s /usr/sbin/nologin "$adm" || exit 1
trap 'userdel "$adm" 2>/dev/null; rm -rf "$T"' EXIT
uid=$(id -u "$adm")
# A process whose real uid is the administrator's: direct mode takes the
# real uid, whatever the effective one (here root's, which owns the log).
as_adm() {
	"$PY" -c 'import os, sys; os.setreuid(int(sys.argv[1]), 0); os.execv(sys.argv[2], sys.argv[2:])' \
	    "$uid" "$AUDITLOG" -d "$T/log" "$@"
}

rm -rf log
expect 0 "init --admin: a second administrator" al init --admin "$adm"
check "...two are needed by default" out_has "a policy change needs 2 administrators"
al policy show > base.policy
check "...named in the first policy" grep -qx "admin user $adm" base.policy
widen base.policy wider.policy
expect 1 "policy set is refused where two are needed" al policy set wider.policy --actor root
check "...saying how to change it" err_has "propose it ('policy propose FILE')"
printf 'purpose x "x"\nallow nobody\n' > broken.policy
expect 1 "a proposal that does not parse is refused, exit 1" al policy propose broken.policy
check "...with file:line:col" err_has "broken.policy:2:"
al policy history > hist
check "...and nothing is recorded" [ "$(grep -c proposal hist)" -eq 0 ]
expect 0 "root proposes" al policy propose wider.policy
d=$(sed -n 's/^proposed \([0-9a-f]*\) at seq .*/\1/p' "$T/out")
check "...printing the digest" [ "$d" = "$(sha256sum wider.policy | cut -c1-64)" ]
al policy show > shown
check "...and the policy in force is still the first" cmp -s shown base.policy
expect 1 "the proposer cannot approve their own proposal" al policy approve "$d"
check "...saying so" err_has "approved by its own proposer"
expect 1 "an unknown digest is refused" al policy approve 0123456789abcdef
check "...saying so" err_has "no proposal has digest '0123456789abcdef'"
expect 2 "no digest at all is a usage error" al policy approve
expect 0 "a second administrator approves (by a prefix)" as_adm policy approve "$(echo "$d" | cut -c1-12)"
check "...which activates it" out_has "activated $d at seq"
al policy show > shown
check "...and it is in force" cmp -s shown wider.policy
expect 1 "an approval of a decided proposal is refused" as_adm policy approve "$d"
expect 0 "verify re-derives the chain of custody" al verify

cp base.policy back.policy
expect 0 "the administrator proposes going back" as_adm policy propose back.policy
b=$(sed -n 's/^proposed \([0-9a-f]*\) at seq .*/\1/p' "$T/out")
expect 0 "root rejects it" al policy reject "$b"
expect 1 "a rejected proposal cannot be approved" al policy approve "$b"
check "...saying so" err_has "was rejected"
expect 1 "nor can a non-administrator's proposal be made" \
    "$PY" -c 'import os, sys; os.setreuid(65534, 0); os.execv(sys.argv[1], sys.argv[1:])' \
    "$AUDITLOG" -d "$T/log" policy propose back.policy
check "...saying who is not an administrator" err_has "uid 65534"
expect 0 "a proposal that expires in a second" al policy propose back.policy --expires 1s
b=$(sed -n 's/^proposed \([0-9a-f]*\) at seq .*/\1/p' "$T/out")
sleep 2
expect 1 "an expired proposal cannot be approved" as_adm policy approve "$b"
check "...saying so" err_has "expired"
expect 2 "--expires takes a duration" al policy propose back.policy --expires soon
expect 0 "verify still passes" al verify

done_testing
