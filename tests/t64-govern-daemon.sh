#!/bin/sh
# t64-govern-daemon.sh - through auditlogd, who asks is who the kernel says:
# writer rules decide a service's claims (record and check), and a policy
# change takes the administrators its log needs, each by the uid the
# daemon attests (issues 13 and 14)
here=$(cd "$(dirname "$0")" && pwd) || exit 1
. "$here/lib.sh"
. "$here/daemon.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null 2>&1 ||
    ! command -v runuser >/dev/null 2>&1; then
	ok "governance through auditlogd # SKIP needs root (and useradd, runuser) to make throwaway users"
	done_testing
	exit 0
fi

# start_daemon LOG: auditlogd on LOG (daemon.sh), its socket in $grp
start_daemon() {
	daemon_start "$1" --socket-group "$grp"
}

# as USER ARGS...: auditlog -s $SOCK ARGS as USER
as() {
	_u=$1
	shift
	run runuser -u "$_u" -- "$AUDITLOG" -s "$SOCK" "$@"
}

# has LOG SEQ PATTERN: entry SEQ's JSON line in LOG matches PATTERN
has() {
	"$AUDITLOG" -d "$1" log --json | grep "^{\"version\":3,\"seq\":$2," |
	    grep -q -- "$3" || {
		echo "#   seq $2 lacks $3"
		return 1
	}
}

r=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
grp=alg$r
svc=als$r	# a service: a writer line gives it billing as svc:billing
none=aln$r	# in the socket's group, with no writer line
adma=ala$r	# the two administrators of the second log
admb=alb$r
groupadd -r "$grp" && groups="$grp"
for u in "$svc" "$none" "$adma" "$admb"; do
	useradd -r -M -N -g "$grp" -s /usr/sbin/nologin "$u" &&
	    users="$users $u"
done
chmod 711 "$T"
mkdir -m 750 "$T/run"
chgrp "$grp" "$T/run"
SOCK=$T/run/d.sock
acc="--customer c1 --purpose service-provision --action read"

# --- writer rules: what a service may claim --------------------------------
al init --approvers 1 --admin "$adma" >/dev/null 2>&1 ||
    { echo "# init failed"; exit 1; }
start_daemon "$T/log" || exit 1
as "$none" record --service billing --actor svc:billing $acc
check "under the default policy, a user with no writer line is denied: exit 1" [ "$rc" -eq 1 ]
check "...writer-not-allowed, naming its uid and its claim" err_has \
    "auditlog: record: deny writer-not-allowed (seq 3): writer uid $(id -u "$none") ($none) may not claim service 'billing' as actor 'svc:billing'"
check "...recorded, attested, with its real uid" has "$T/log" 3 \
    "\"code\":\"writer-not-allowed\".*\"uid\":$(id -u "$none"),\"gid\":[0-9]*,\"attested\":true,\"user\":\"$none\""

{ al policy show; echo "writer user $svc service billing actor \"svc:billing\""; } > svc.policy
chmod 644 svc.policy
run "$AUDITLOG" -s "$SOCK" policy set svc.policy --actor root
check "root gives the service its writer line through the daemon" sh -c \
    "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 5 ]"
as "$svc" record --service billing --actor svc:billing $acc
check "the service records the claim its writer line gives: allowed" sh -c \
    "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 6 ]"
check "...with its uid, attested" has "$T/log" 6 \
    "\"decision\":\"allow\".*\"uid\":$(id -u "$svc"),\"gid\":[0-9]*,\"attested\":true,\"user\":\"$svc\""
as "$svc" record --service billing --actor alice $acc
check "the same service claiming actor alice: exit 1" [ "$rc" -eq 1 ]
check "...denied writer-not-allowed" err_has \
    "auditlog: record: deny writer-not-allowed (seq 7): writer uid $(id -u "$svc") ($svc) may not claim service 'billing' as actor 'alice'"
as "$svc" record --service payroll --actor svc:billing $acc
check "...claiming service payroll: exit 1, writer-not-allowed" sh -c \
    "[ $rc -eq 1 ] && grep -q 'deny writer-not-allowed (seq 8): .* may not claim service .payroll. as actor .svc:billing.' '$T/err'"
as "$svc" record --actor svc:billing $acc
check "...claiming no service: exit 1, writer-not-allowed" sh -c \
    "[ $rc -eq 1 ] && grep -q 'deny writer-not-allowed (seq 9): ' '$T/err'"
for s in 7 8 9; do
	check "the denial at seq $s is recorded, attested, with the service's real uid" \
	    has "$T/log" $s "\"decision\":\"deny\",\"code\":\"writer-not-allowed\".*\"uid\":$(id -u "$svc"),\"gid\":[0-9]*,\"attested\":true,\"user\":\"$svc\""
done

# check: decided as the peer, recording nothing
head0=$(al head)
as "$svc" check --service billing --actor svc:billing $acc
check "check as the service, its own claim: allowed" sh -c \
    "[ $rc -eq 0 ] && grep -q '^allow svc.policy:' '$T/out'"
as "$svc" check --service billing --actor alice $acc
check "check as the service, claiming alice: denied writer-not-allowed" sh -c \
    "[ $rc -eq 1 ] && grep -q '^deny writer-not-allowed: writer uid $(id -u "$svc") ($svc) may not claim' '$T/out'"
run "$AUDITLOG" -s "$SOCK" check --service billing --actor alice $acc
check "...the same check as root: the writer rules let root claim it" sh -c \
    "[ $rc -eq 1 ] && grep -q '^deny actor-not-allowed: ' '$T/out'"
check "...and the checks recorded nothing" [ "$(al head)" = "$head0" ]
# policy set on a log with a floor: its admin lines say who may (root is
# one of the default policy's, $adma one of init's), not the daemon
{ cat svc.policy; echo "# set by an administrator who is not root"; } > adm.policy
chmod 644 adm.policy
as "$adma" policy set adm.policy --actor alice
check "an administrator who is not root sets the policy through the daemon: exit 0" sh -c \
    "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 11 ]"
check "...its activation holds its uid, attested" has "$T/log" 11 \
    "\"kind\":\"policy\",\"actor\":\"alice\".*\"uid\":$(id -u "$adma"),\"gid\":[0-9]*,\"attested\":true,\"user\":\"$adma\""
as "$none" policy set svc.policy --actor alice
check "...one who is none is refused: exit 1" sh -c \
    "[ $rc -eq 1 ] && grep -q 'refused: proposed by uid $(id -u "$none") ($none), who is not an administrator' '$T/err'"
stop_daemon
expect 0 "verify re-derives every decision" al verify
check "...saying so" out_has "every decision follows from the policy in force"
cp -R "$T/log" "$T/forged"
"$TAMPER" "$T/forged" rechain 7 decision allow >/dev/null 2>&1
expect 1 "a denial of a writer's claim turned into an allow: verify fails" \
    "$AUDITLOG" -d "$T/forged" verify
check "...at that entry" out_has "seq 7"

# --- two people through the daemon ------------------------------------------
"$AUDITLOG" -d "$T/log2" init --approvers 2 --admin "$adma" --admin "$admb" \
    >/dev/null 2>&1 || { echo "# init log2 failed"; exit 1; }
rm -f "$SOCK"
start_daemon "$T/log2" || exit 1
"$AUDITLOG" -d "$T/log2" policy show > was.policy
{ cat was.policy; echo "# a change two administrators agreed"; } > new.policy
{ cat was.policy; echo "# another"; } > third.policy
chmod 644 new.policy third.policy
as "$adma" policy propose new.policy --actor alice
dig=$(sed -n 's/^proposed \([0-9a-f]*\) at seq 3$/\1/p' "$T/out")
check "an administrator proposes through the daemon: exit 0, at seq 3" sh -c \
    "[ $rc -eq 0 ] && [ -n '$dig' ]"
check "...the proposal holds its uid, attested" has "$T/log2" 3 \
    "\"kind\":\"proposal\",\"actor\":\"alice\".*\"uid\":$(id -u "$adma"),\"gid\":[0-9]*,\"attested\":true,\"user\":\"$adma\""
head1=$("$AUDITLOG" -d "$T/log2" head)
as "$adma" policy approve "$dig"
check "its own approval is refused: exit 1" [ "$rc" -eq 1 ]
check "...saying why" err_has \
    "auditlog: policy: refused: approved by its own proposer, uid $(id -u "$adma") ($adma)"
as "$none" policy propose third.policy
check "a proposal by a user who is no administrator is refused: exit 1" [ "$rc" -eq 1 ]
check "...saying why" err_has \
    "auditlog: policy: refused: proposed by uid $(id -u "$none") ($none), who is not an administrator of the policy in force"
as "$none" policy approve "$dig"
check "...so is its approval" sh -c "[ $rc -eq 1 ] && grep -q 'refused: approved by uid $(id -u "$none") ($none), who is not an administrator' '$T/err'"
as "$adma" policy set new.policy --actor alice
check "policy set, one step, is refused where two are needed: exit 1" sh -c \
    "[ $rc -eq 1 ] && grep -q 'refused: this log needs 2 administrators' '$T/err'"
as "$adma" policy reject 0011223344
check "the rejection of no proposal is refused: exit 1" sh -c \
    "[ $rc -eq 1 ] && grep -q \"refused: no proposal has digest '0011223344'\" '$T/err'"
as "$adma" policy approve xyz
check "...a digest that is none: exit 2" sh -c \
    "[ $rc -eq 2 ] && grep -q \"'xyz' is no digest\" '$T/err'"
printf '%s\n' 'purpose a "b"' 'allow any purpose a action read' > low.policy
chmod 644 low.policy
as "$adma" policy propose low.policy
check "a proposal below the floor is refused through the daemon: exit 1" [ "$rc" -eq 1 ]
check "...a line for each of its lines, with the floor's" err_has \
    "auditlog: policy: refused: low.policy:1: purpose 'a' is not one the floor permits (promise.floor:8)"
check "...the next on a line of its own" sh -c \
    "sed -n 2p '$T/err' | grep -q '^auditlog: policy: low.policy:2: the floor overrides this allow rule whole'"
check "none of the refused steps recorded anything" \
    [ "$("$AUDITLOG" -d "$T/log2" head)" = "$head1" ]
as "$admb" policy approve "$(echo "$dig" | cut -c1-12)" --actor bob
check "the other administrator approves: exit 0, activated" sh -c \
    "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 'approved $dig at seq 4
activated $dig at seq 5' ]"
check "...the approval holds its uid, attested" has "$T/log2" 4 \
    "\"kind\":\"approval\",\"actor\":\"bob\".*\"uid\":$(id -u "$admb"),\"gid\":[0-9]*,\"attested\":true,\"user\":\"$admb\""
"$AUDITLOG" -d "$T/log2" policy show > now.policy
check "...the policy in force is the new one" cmp -s now.policy new.policy

as "$admb" policy propose third.policy --expires 1s
dig2=$(sed -n 's/^proposed \([0-9a-f]*\) at seq 6$/\1/p' "$T/out")
check "a proposal open for 1 s (--expires through the daemon)" [ -n "$dig2" ]
sleep 1.2
as "$adma" policy approve "$dig2"
check "...its approval after it expired is refused: exit 1" sh -c \
    "[ $rc -eq 1 ] && grep -q 'refused: approves .* after its proposal (seq 6) expired' '$T/err'"
as "$admb" policy propose third.policy
dig3=$(sed -n 's/^proposed \([0-9a-f]*\) at seq 7$/\1/p' "$T/out")
as "$adma" policy reject "$dig3"
check "an administrator rejects a proposal: exit 0" sh -c \
    "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 'rejected $dig3 at seq 8' ]"
as "$adma" policy approve "$dig3"
check "...which then cannot be approved: exit 1" sh -c \
    "[ $rc -eq 1 ] && grep -q 'refused: .*was rejected' '$T/err'"
stop_daemon
expect 0 "verify re-derives the chain of custody" "$AUDITLOG" -d "$T/log2" verify
cp -R "$T/log2" "$T/forged2"
"$TAMPER" "$T/forged2" rechain 4 uid "$(id -u "$adma")" >/dev/null 2>&1
expect 1 "the approval forged as the proposer's own: verify fails" \
    "$AUDITLOG" -d "$T/forged2" verify
check "...saying why" out_has "approved by its own proposer"

check "no daemon reported a sanitizer error" \
    sh -c "! grep -Eq 'Sanitizer|runtime error' '$T/daemon.err'"

done_testing
