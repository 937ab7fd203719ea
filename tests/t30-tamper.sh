#!/bin/sh
# t30-tamper.sh - every kind of damage verify must catch, on a real log
#
# A realistic log is built once; each test damages a fresh copy of it with
# tests/tamper.c ($TAMPER) and checks that `auditlog verify` exits 1 and
# names the right seq and the right problem, in the words it prints.
. "$(dirname "$0")/lib.sh"
: "${TAMPER:?TAMPER must name the tamper helper}"

# rec WANT ARGS...: record an access that must be decided WANT (0 or 1)
rec() {
	_want=$1
	shift
	run al record "$@"
	[ "$rc" -eq "$_want" ] || {
		not_ok "build: record $* exited $rc, wanted $_want"
		sed 's/^/#   err: /' "$T/err"
		return 1
	}
}

# fresh [DIR]: ./c is an untouched copy of the log (or of DIR)
fresh() {
	rm -rf "$T/c"
	cp -a "${1:-$T/log}" "$T/c"
}

# tamper OP ARGS...: damage ./c; a failure of the helper fails the test
tamper() {
	"$TAMPER" "$T/c" "$@" >"$T/tout" 2>"$T/terr" && return 0
	not_ok "tamper $* failed"
	sed 's/^/#   tamper: /' "$T/terr"
	return 1
}

# v ARGS...: verify ./c
v() {
	"$AUDITLOG" -d "$T/c" verify "$@"
}

# no_out TEXT: the last run's stdout does not hold TEXT
no_out() {
	! grep -qF -- "$1" "$T/out" || {
		echo "#   stdout has '$1'"
		return 1
	}
}

# json_later DESC WANT: the last run's stdout must be one JSON object whose
# "ok" is WANT (true, false, or any); python starts slowly here, so every
# output is checked at the end in one run (json_check)
jn=0
json_later() {
	jn=$((jn + 1))
	cp "$T/out" "$T/json.$jn"
	printf '%s|%s|%s\n' "$jn" "$2" "$1" >>"$T/json.list"
}
json_check() {
	[ "$jn" -gt 0 ] || return 0
	python3 - "$T" <<'PY' >"$T/json.res" 2>&1
import json, sys
d = sys.argv[1]
for line in open(d + "/json.list"):
    k, want, desc = line.rstrip("\n").split("|", 2)
    try:
        with open("%s/json.%s" % (d, k)) as f:
            text = f.read()
        o = json.loads(text)
        if not isinstance(o, dict):
            raise ValueError("not an object")
        if want != "any" and o.get("ok") is not (want == "true"):
            raise ValueError('"ok" is not %s: %r' % (want, text[:300]))
        print("ok|" + desc)
    except Exception as e:
        print("bad|%s|%s" % (desc, str(e)[:300].replace("\n", " ")))
PY
	[ -s "$T/json.res" ] || echo "bad|json checks|python3 printed nothing" >"$T/json.res"
	while IFS='|' read -r _st _desc _why; do
		if [ "$_st" = ok ]; then
			ok "$_desc"
		else
			not_ok "$_desc"
			echo "#   $_why"
		fi
	done <"$T/json.res"
}

hash_of() {	# hash_of "SEQ HASH" -> HASH
	echo "${1#* }"
}

LINK="does not link to the entry before it (that entry or this link was altered)"
VERIFIED="verified: the chain is intact and every decision follows from the policy in force"

# The log, of one administrator (init --approvers 1, so that policy set
# may change it): seq 1 the floor, 2 the default policy, 3-10 accesses,
# 11 and 12 a second policy (its proposal and activation) that lets
# services screen payments, 13-18 accesses under it (some only it allows).
rm -rf "$T/log"
al init --approvers 1 >/dev/null 2>&1 || { echo "# init failed"; exit 1; }
built=0
rec 0 --actor svc:billing --customer acme --purpose service-provision \
    --action read --data billing --resource invoices/2026-11 &&	# 3
rec 0 --actor alice --customer acme --purpose support-ticket \
    --ref SUP-4711 --action read --data contact --resource profile &&	# 4
rec 1 --actor bob --customer globex --purpose marketing --action read \
    --data contact &&							# 5
rec 0 --actor svc:crm --customer initech --purpose service-provision \
    --action write --data contact --resource contacts/17 &&		# 6
rec 1 --actor carol --customer acme --purpose support-ticket \
    --action read --data contact &&					# 7
rec 0 --actor dave --customer globex --purpose technical-fix \
    --ref INC-88 --action restore --data usage --reason "disk failure" &&	# 8
rec 1 --actor svc:ads --customer acme --purpose service-provision \
    --action sell --data usage &&					# 9
rec 0 --actor erin --customer umbrella --purpose legal-requirement \
    --ref LEGAL-2026-7 --action export --resource "court order 7" &&	# 10
built=1
[ "$built" -eq 1 ] || { done_testing; exit 1; }
anchor10=$(al head)

cat >"$T/fraud.policy" <<'EOF'
# fraud.policy - the default policy, and fraud screening by services
purpose service-provision "to provide the services the customer subscribes to"
purpose technical-fix     "to prevent or address service or technical problems" ref "INC-[0-9]+"
purpose support-ticket    "at the customer's request, in a customer support case" ref "SUP-[0-9]+"
purpose legal-requirement "as required by law" ref "LEGAL-[A-Za-z0-9-]+"

group services "svc:*"
group staff    "*"

deny any action  { sell rent trade share-advertising }
deny any purpose { marketing advertising profiling sale }

allow services purpose service-provision action { read write delete process } data { customer-data contact billing usage }
allow services purpose service-provision action screen data { billing usage }
allow staff purpose technical-fix action { read write restore } data { customer-data contact billing usage }
allow staff purpose support-ticket action { read write } data { customer-data contact billing usage }
allow staff purpose legal-requirement action { read export disclose } data { customer-data contact billing usage }
EOF
expect 0 "build: policy set installs a second policy" \
    al policy set "$T/fraud.policy" --actor alice
built=0
rec 0 --actor svc:fraud --customer acme --purpose service-provision \
    --action screen --data billing --resource payments &&		# 13
rec 0 --actor alice --customer initech --purpose support-ticket \
    --ref SUP-12 --action read --data billing &&			# 14
rec 1 --actor frank --customer acme --purpose technical-fix \
    --ref BAD-1 --action read --data contact &&				# 15
rec 0 --actor svc:billing --customer globex --purpose service-provision \
    --action read --data billing --resource invoices/2026-12 &&	# 16
rec 1 --actor mallory --customer umbrella --purpose service-provision \
    --action screen --data billing &&					# 17
rec 0 --actor svc:billing --customer acme --purpose service-provision \
    --action read --data billing --resource invoices/2026-12 &&	# 18
built=1
[ "$built" -eq 1 ] || { done_testing; exit 1; }
run al head
check "build: the log ends at seq 18" out_has "18 "
anchor=$(cat "$T/out")
A="${anchor%% *}:$(hash_of "$anchor")"
A10="${anchor10%% *}:$(hash_of "$anchor10")"
al log --json >"$T/orig.json" 2>/dev/null

# An untouched copy.
fresh
expect 0 "untouched: verify passes" v
check "untouched: says so" out_has "$VERIFIED"
check "untouched: reports the head" out_has "head      18 $(hash_of "$anchor")"
check "untouched: counts" out_has "accesses  14: 9 allowed, 5 denied"
expect 0 "untouched: verify --expect the head passes" v --expect "$A"
expect 0 "untouched: verify --expect an older anchor passes" v --expect "$A10"
expect 0 "untouched: verify --json passes" v --json
json_later "untouched: --json is one JSON object, \"ok\": true" true

# An entry's bytes altered (tests/tamper.c names fields by their place in
# the encoding).  A changed entry's own hash is not stored, so the change
# shows as the next entry's broken link; fields verify reads say more.
fresh; tamper flip 6 resource+3
expect 1 "altered byte in a text field: verify fails" v
check "altered byte in a text field: seq 7 no longer links" \
    out_has "seq 7: $LINK"
check "altered byte in a text field: nothing else is blamed" \
    no_out "seq 6:"

fresh; tamper flip 6 prev+7
expect 1 "altered link: verify fails" v
check "altered link: seq 6 does not link" out_has "seq 6: $LINK"

fresh; tamper flip 6 seq+7
expect 1 "altered seq field: verify fails" v
check "altered seq field: seq 6 holds seq 7's number" \
    out_has "seq 6: holds the entry for seq 7 (moved or swapped)"

fresh; tamper flip 6 version 2
expect 1 "altered format byte: verify fails" v
check "altered format byte: seq 6 cannot be decoded" \
    out_has "seq 6: cannot be decoded: unknown format version 7"
fresh; tamper flip 6 version
expect 1 "version 3 made 2: verify fails" v
check "...an access entry in version 2 cannot be decoded" \
    out_has "seq 6: cannot be decoded: entry kind 1 in format version 2"

fresh; tamper flip 6 decision
expect 1 "altered decision byte: verify fails" v
check "altered decision byte: seq 6 cannot be decoded" \
    out_has "seq 6: cannot be decoded: invalid decision bytes 0 0"

fresh; tamper flip 6 customer-1 4
expect 1 "altered length field: verify fails" v
check "altered length field: seq 6 cannot be decoded" \
    out_has "seq 6: cannot be decoded: entry ends inside its"

fresh; tamper flip 18 actor+0
expect 1 "altered last entry: verify fails" v
check "altered last entry: the head metadata disagrees" \
    out_has "does not match the last entry (seq 18)"

fresh; tamper flip 10 policy
expect 1 "altered policy digest in an access: verify fails" v
check "altered policy digest in an access: seq 10 names another policy" \
    out_has "seq 10: names policy "
check "altered policy digest in an access: not the one in force" \
    out_has "..., but the policy in force was set at seq 2"

# An entry removed.
fresh; tamper delete 8
expect 1 "entry removed: verify fails" v
check "entry removed: seq 8 is missing" out_has "seq 8: entry 8 is missing"
check "entry removed: seq 9 no longer links" out_has "seq 9: $LINK"
check "entry removed: the index has a record too many" \
    out_has "log: the customer index holds 14 records for 13 accesses"

fresh; tamper delete 7; tamper delete 8
expect 1 "two entries removed: verify fails" v
check "two entries removed: both named" \
    out_has "seq 7: entries 7 to 8 are missing"

# The floor removed: the custody index names an entry that is not there.
# A reader opens the log all the same (a warning), and verify lists it.
fresh; tamper delete 1
expect 1 "the floor (seq 1) removed: verify fails" v
check "the floor removed: the custody index names it" \
    err_has "auditlog: verify: warning: the custody index names seq 1, which is not in the log"
check "...seq 1 is missing" out_has "seq 1: entry 1 is missing"
check "...the custody index has a record too many" \
    out_has "log: the custody index holds"

fresh; tamper delete 2
expect 1 "the first policy removed: verify fails" v
check "the first policy removed: seq 2 is missing" \
    out_has "seq 2: entry 2 is missing"
check "the first policy removed: accesses before any policy" \
    out_has "seq 3: access recorded before any policy"
check "the first policy removed: a proposal by no administrator" \
    out_has "seq 11: proposed by uid "
check "the first policy removed: the custody index has a record too many" \
    out_has "log: the custody index holds 4 records for 3 entries of the chain of custody"

fresh; tamper delete 18
expect 1 "last entry removed: verify fails" v
check "last entry removed: the head metadata disagrees" \
    out_has "does not match the last entry (seq 17)"

# Two entries swapped.
fresh; tamper swap 5 10
expect 1 "entries swapped: verify fails" v
check "entries swapped: seq 5 holds 10" \
    out_has "seq 5: holds the entry for seq 10 (moved or swapped)"
check "entries swapped: seq 10 holds 5" \
    out_has "seq 10: holds the entry for seq 5 (moved or swapped)"

# The customer index disagrees with the entries.
fresh; tamper index-del 6
expect 1 "index record removed: verify fails" v
check "index record removed: seq 6 is missing from it" \
    out_has "seq 6: missing from the customer index"
check "index record removed: the count is short" \
    out_has "log: the customer index holds 13 records for 14 accesses"

fresh; tamper index-add globex 3
expect 1 "index record added: verify fails" v
check "index record added: the count is over" \
    out_has "log: the customer index holds 15 records for 14 accesses"

# The same count, one record moved to another customer.
fresh; tamper index-del 6; tamper index-add globex 6
expect 1 "index record moved: verify fails" v
check "index record moved: seq 6 is missing from it" \
    out_has "seq 6: missing from the customer index"
check "index record moved: the count alone would not tell" \
    no_out "the customer index holds"

# The same count, one record in another block of the index (its key is
# the block, seq >> 10, then the customer).
fresh; tamper index-block 6 1
expect 1 "index record in another block: verify fails" v
check "index record in another block: seq 6 is missing from it" \
    out_has "seq 6: missing from the customer index"
check "index record in another block: the count alone would not tell" \
    no_out "the customer index holds"
fresh; tamper index-block 6 0
expect 0 "index record put back in its own block: verify passes" v

# The policies index (seq -> digest of each policy change) disagrees.
fresh; tamper pindex-del 12
expect 1 "policies index record removed: verify fails" v
check "policies index record removed: seq 12 is missing from it" \
    out_has "seq 12: missing from the policies index"
check "policies index record removed: the count is short" \
    out_has "log: the policies index holds 1 records for 2 policy changes"

# The head in the metadata does not match the chain.
fresh; tamper head 18 "$(hash_of "$anchor10")"
expect 1 "head metadata with a wrong hash: verify fails" v
check "head metadata with a wrong hash: named" \
    out_has "log: the head metadata (seq 18 $(hash_of "$anchor10")) does not match the last entry (seq 18)"

fresh; tamper head 10 "$(hash_of "$anchor10")"
expect 1 "head metadata behind the chain: verify fails" v
check "head metadata behind the chain: named" \
    out_has "log: the head metadata (seq 10 $(hash_of "$anchor10")) does not match the last entry (seq 18)"

fresh; tamper meta-policy 2
expect 1 "active-policy metadata wrong: verify fails" v
check "active-policy metadata wrong: named" \
    out_has "log: the active-policy metadata names seq 2, but the last policy change is seq 12"

# A policy-change entry whose text does not match its digest.  The helper
# repairs the chain after it, and the new text decides as the old one did,
# so only the digest can tell.
fresh; tamper policy-text 12 "$(cat "$T/fraud.policy")
# an insider's edit"
expect 1 "policy text changed: verify fails" v
check "policy text changed: seq 12's digest disagrees" \
    out_has "seq 12: policy text does not match its digest"
check "policy text changed: the chain was repaired" no_out "$LINK"

# A recorded decision that does not follow from its policy; the chain is
# repaired after it, so only re-deriving the decision can tell.
fresh; tamper rechain 3 decision deny
expect 1 "decision allow->deny: verify fails" v
check "decision allow->deny: seq 3 re-derived" \
    out_has "seq 3: recorded decision deny (actor-not-allowed) does not follow from its policy, which gives allow (allowed default.policy:"
check "decision allow->deny: the chain was repaired" no_out "$LINK"

fresh; tamper rechain 5 decision allow
expect 1 "decision deny->allow: verify fails" v
check "decision deny->allow: seq 5 re-derived, the floor's denial" \
    out_has "seq 5: recorded decision allow (allowed) does not follow from its policy, which gives deny (floor promise.floor:17)"

# Under the second policy: verify must use the policy in force at seq 13.
fresh; tamper rechain 13 decision deny
expect 1 "decision under the second policy: verify fails" v
check "decision under the second policy: seq 13 re-derived" \
    out_has "seq 13: recorded decision deny (actor-not-allowed) does not follow from its policy, which gives allow (allowed fraud.policy:"

fresh; tamper rechain 17 actor svc:fraud
expect 1 "actor changed to one the policy allows: verify fails" v
check "actor changed to one the policy allows: seq 17 re-derived" \
    out_has "seq 17: recorded decision deny (actor-not-allowed) does not follow from its policy, which gives allow (allowed fraud.policy:"

# Truncated, with the head, the indexes and the active policy made
# consistent: only an anchor taken before can tell.
fresh; tamper truncate 3
expect 0 "truncated consistently: verify alone passes" v
check "truncated consistently: the head it reports is seq 15" \
    out_has "head      15 "
expect 1 "truncated consistently: verify --expect fails" v --expect "$A"
check "truncated consistently: the anchor's entry is gone" \
    out_has "seq 18: the anchor's entry is not in the log, which ends at seq 15: it was truncated or replaced"
expect 0 "truncated consistently: an anchor before the cut still passes" \
    v --expect "$A10"

fresh; tamper truncate 8	# the change's proposal and activation too
expect 0 "truncated past the policy change: verify alone passes" v
check "truncated past the policy change: one policy left" \
    out_has "policies  1"
expect 1 "truncated past the policy change: verify --expect fails" \
    v --expect "$A"

# Rewritten with a consistent chain: an early actor renamed (the policy
# allows the new one too), every later hash and the head recomputed.
fresh; tamper rechain 4 actor mallory
expect 0 "rewritten consistently: verify alone passes" v
expect 1 "rewritten consistently: verify --expect fails" v --expect "$A"
check "rewritten consistently: the anchor's entry differs" \
    out_has "seq 18: does not match the anchor: the log was rewritten since it was taken"
expect 1 "rewritten consistently: an older anchor catches it too" \
    v --expect "$A10"
check "rewritten consistently: at the older anchor's seq" \
    out_has "seq 10: does not match the anchor: the log was rewritten since it was taken"

fresh; tamper rechain 4 customer initech
expect 0 "customer rewritten with its index: verify alone passes" v
expect 1 "customer rewritten with its index: verify --expect fails" \
    v --expect "$A"

# A forged entry appended with a correct hash, a decision the policy
# gives, the index and the head moved.  Nothing in the log can tell, and
# an anchor at an older seq still passes: the entries up to it are
# unchanged, which is all an anchor vouches for.  What verify does is
# report the new head, so the next anchor pins the forged entry too and
# any later rewrite of it, or of what is before it, is caught.
fresh; tamper forge
forged=$(cat "$T/tout")
check "forged: the helper appended seq 19" \
    sh -c "case '$forged' in '19 '*) exit 0;; esac; exit 1"
expect 0 "forged: verify passes" v
check "forged: verify reports the new head" out_has "head      19 $(hash_of "$forged")"
check "forged: an allowed access" out_has "accesses  15: 10 allowed, 5 denied"
expect 0 "forged: verify --expect of the older anchor passes (as it must)" \
    v --expect "$A"
F="19:$(hash_of "$forged")"
tamper rechain 19 actor svc:other
expect 1 "forged, then rewritten: the newer anchor catches it" \
    v --expect "$F"
check "forged, then rewritten: at seq 19" \
    out_has "seq 19: does not match the anchor: the log was rewritten since it was taken"

# The last entry replaced: cut, then a forged one in its place.
fresh; tamper truncate 1; tamper forge
expect 0 "last entry replaced: verify alone passes" v
expect 1 "last entry replaced: verify --expect fails" v --expect "$A"
check "last entry replaced: the anchor's entry differs" \
    out_has "seq 18: does not match the anchor: the log was rewritten since it was taken"

# verify --json on a damaged log: one valid JSON object, "ok": false.
for dmg in "delete 8" "swap 5 10" "index-del 6" "rechain 3 decision deny"; do
	fresh
	# shellcheck disable=SC2086
	tamper $dmg
	expect 1 "json ($dmg): verify --json fails" v --json
	json_later "json ($dmg): one JSON object, \"ok\": false" false
done

# A damaged data file never crashes verify, and never passes unless the
# entries it reads are the ones that were written.

# sane: the last verify ended by itself, and sanitizers said nothing
sane() {
	if [ "$rc" -ge 124 ]; then
		echo "#   verify exited $rc (a timeout or a signal)"
		return 1
	fi
	if grep -qE 'Sanitizer|runtime error:' "$T/err"; then
		sed 's/^/#   err: /' "$T/err" | head -n 20
		return 1
	fi
}

# unchanged: verify passed, so the log must read as the original did (or
# as an earlier state of it: LMDB may fall back to its older meta page)
unchanged() {
	"$AUDITLOG" -d "$T/c" log --json >"$T/now.json" 2>/dev/null || {
		echo "#   verify passed, but log fails"
		return 1
	}
	_n=$(wc -l <"$T/now.json")
	if [ "$_n" -eq 0 ] ||
	    ! head -n "$_n" "$T/orig.json" | cmp -s - "$T/now.json"; then
		echo "#   verify passed, but the entries differ from those written"
		return 1
	fi
}

# A reader that faults on a damaged map is verify's child, by design; under
# ASan let it die of the signal as it would in the real build, so that
# only true memory errors show as sanitizer reports.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0
export ASAN_OPTIONS

# verify_damaged DESC [NOTE]: verify ./c, which is damaged; it must end by
# itself with 0 or 1, pass only if what it reads is intact, and agree with
# --json (NOTE follows the name of the test of the exit status)
verify_damaged() {
	run timeout 10 "$AUDITLOG" -d "$T/c" verify
	check "$1: verify ends by itself" sane
	check "$1: verify exits 0 or 1${2:+ $2}" [ "$rc" -eq 0 -o "$rc" -eq 1 ]
	_vrc=$rc
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		check "$1: verify passed, so the entries are intact" unchanged
	fi
	run timeout 10 "$AUDITLOG" -d "$T/c" verify --json
	if [ "$_vrc" -eq 0 ]; then
		json_later "$1: --json is one JSON object, \"ok\": true" true
	else
		json_later "$1: --json is one JSON object, \"ok\": false" false
	fi
}

# flips SEED COUNT SIZE: COUNT lines "OFFSET MASK", the same for a seed
flips() {
	awk -v seed="$1" -v count="$2" -v size="$3" 'BEGIN {
		srand(seed)
		for (i = 0; i < count; i++)
			printf "%d %d\n", int(rand() * size),
			    1 + int(rand() * 255)
	}'
}

# The log as written holds free pages (old copies LMDB no longer reads);
# a compacted copy holds none, so every byte changed in it is live.
mkdir "$T/compact" && "$TAMPER" "$T/log" compact "$T/compact" ||
    not_ok "tamper compact failed"
fresh "$T/compact"
expect 0 "compacted copy: verify passes" v
check "compacted copy: the same entries" unchanged

# Damage that LMDB meets before it reads an entry must be reported as
# damage (exit 1), not as "could not run" (exit 3):
# - LMDB trusts the meta page: an absurd map size, last page or page size
#   fails mdb_env_open with ENOMEM or EINVAL (env_open, core/log.c);
# - a page made a branch that leads back to itself fails a lookup with
#   MDB_CURSOR_FULL (al_lmdb_err, core/util.c).
# The map size is bytes 32-39 of a meta page, the page size bytes 40-43,
# the last page bytes 136-143; both meta pages (pages 0 and 1) are changed,
# so whichever LMDB takes as the newer is damaged.
psize=$(od -A n -t u4 -j 40 -N 4 "$T/compact/data.mdb" | tr -d ' ')
for spec in "map size:38 1 $((psize + 38)) 1" \
    "page size:43 128 $((psize + 43)) 128" \
    "last page:141 1 $((psize + 141)) 1"; do
	fresh "$T/compact"
	# shellcheck disable=SC2086
	"$TAMPER" "$T/c" rawflip ${spec#*:} || not_ok "rawflip ${spec#*:}"
	verify_damaged "meta pages' ${spec%%:*} absurd" ""
	check "meta pages' ${spec%%:*} absurd: verify exits 1" \
	    [ "$_vrc" -eq 1 ]
done
# Every page's flags changed: never 3, never a crash.
pages=$(($(wc -c <"$T/compact/data.mdb") / psize))
pg=2
while [ "$pg" -lt "$pages" ]; do
	for mask in 1 221; do
		fresh "$T/compact"
		"$TAMPER" "$T/c" rawflip $((pg * psize + 10)) "$mask" ||
		    not_ok "rawflip page $pg flags"
		verify_damaged "page $pg's flags ^ $mask"
	done
	pg=$((pg + 1))
done

# u16 OFFSET: the little-endian 16-bit number at OFFSET of ./c's data file
u16() {
	od -A n -t u2 -j "$1" -N 2 "$T/c/data.mdb" | tr -d ' '
}
# set16 OFFSET VALUE: rawflip's "OFFSET MASK" pairs that make it VALUE
set16() {
	_x=$(($(u16 "$1") ^ $2))
	[ $((_x & 255)) -eq 0 ] || printf '%d %d ' "$1" $((_x & 255))
	[ $((_x >> 8)) -eq 0 ] || printf '%d %d ' $(($1 + 1)) $((_x >> 8))
}
# loop_page PAGE: pairs that make PAGE a branch page whose every child is
# itself (LMDB's page: flags at 10, the end of its node offsets at 12, the
# offsets from 16; a branch node starts with its child's page number in
# three 16-bit words)
loop_page() {
	_b=$(($1 * psize))
	set16 $((_b + 10)) 1
	_i=16
	while [ "$_i" -lt "$(u16 $((_b + 12)))" ]; do
		_n=$((_b + $(u16 $((_b + _i)))))
		set16 "$_n" "$1"
		set16 $((_n + 2)) 0
		set16 $((_n + 4)) 0
		_i=$((_i + 2))
	done
}
# The page of the entries' tree that is a branch (the compacted log has
# one), and the page of the metadata (the one that holds "log_id").
fresh "$T/compact"
pg=2
while [ "$pg" -lt "$pages" ] && [ "$(u16 $((pg * psize + 10)))" -ne 1 ]; do
	pg=$((pg + 1))
done
if [ "$pg" -lt "$pages" ]; then
	# shellcheck disable=SC2046
	"$TAMPER" "$T/c" rawflip $(loop_page "$pg") ||
	    not_ok "rawflip loop $pg"
	verify_damaged "the entries' branch page $pg leads to itself"
	check "the entries' branch page leads to itself: verify exits 1" \
	    [ "$_vrc" -eq 1 ]
else
	ok "the entries' branch page leads to itself # SKIP no branch page"
fi
fresh "$T/compact"
off=$(grep -obUa log_id "$T/c/data.mdb" | head -n 1 | cut -d: -f1)
if [ -n "$off" ]; then
	pg=$((off / psize))
	# shellcheck disable=SC2046
	"$TAMPER" "$T/c" rawflip $(loop_page "$pg") ||
	    not_ok "rawflip loop $pg"
	verify_damaged "the metadata's page $pg leads to itself" ""
	check "the metadata's page leads to itself: verify exits 1" \
	    [ "$_vrc" -eq 1 ]
else
	not_ok "the metadata's page: no 'log_id' in the data file"
fi

# A data file cut short is damage, exit 1, wherever the cut falls: an
# empty file (LMDB would take it for a new one, and write to it), and a
# file that lost only free pages (the log as written, cut by its last
# page), which reads as intact but is no longer the file that was written.
for src in log compact; do
	size=$(wc -c <"$T/$src/data.mdb")
	for cut in 0 "$psize" $((2 * psize)) $((size / 2)) \
	    $((size - psize)); do
		fresh "$T/$src"
		truncate -s "$cut" "$T/c/data.mdb"
		d="$src: data file cut from $size to $cut bytes"
		verify_damaged "$d"
		check "$d: verify exits 1" [ "$_vrc" -eq 1 ]
	done

	# Bytes flipped at random places (fixed seeds: the same places each
	# run), one a copy, then twenty a copy.
	passed=0
	flips 30 20 "$size" >"$T/flips"
	while read -r off mask; do
		fresh "$T/$src"
		"$TAMPER" "$T/c" rawflip "$off" "$mask" ||
		    not_ok "tamper rawflip $off $mask failed"
		verify_damaged "$src: byte $off ^ $mask"
	done <"$T/flips"
	echo "# $src: $passed of 20 single flips left what verify reads intact"
	for seed in 1 2 3 4 5; do
		fresh "$T/$src"
		# shellcheck disable=SC2046
		"$TAMPER" "$T/c" rawflip $(flips "$seed" 20 "$size") ||
		    not_ok "tamper rawflip (seed $seed) failed"
		verify_damaged "$src: 20 bytes flipped (seed $seed)"
	done
done

json_check
done_testing
