#!/bin/sh
# t44-floor-bundle.sh - bundles carry the floor, and both checkers judge by
# it (issue 14): the floor member and the manifest's floor; a tampered or
# dropped floor; an access the floor denies, or the writer rules deny,
# altered to allowed; and a policy swapped below the floor with the tamper
# tool (tamper policy-swap), which verify and both checkers refuse.

# lib.sh moves to a temporary folder: find our files first.
here=$(cd "$(dirname "$0")" && pwd)
VX=$(dirname "$here")/contrib/verify-export.py
. "$here/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	ok "# SKIP python3 is not installed"
	done_testing
	exit
fi

vx() {	# vx ARGS: the Python checker
	python3 "$VX" "$@"
}

both_refuse() {	# both_refuse DESCRIPTION FILE TEXT [PYTEXT]
	expect 1 "auditlog verify-export refuses $1" al verify-export "$2"
	check "...saying: $3" out_has "$3"
	expect 1 "verify-export.py refuses $1" vx "$2"
	check "...saying: ${4:-$3}" out_has "${4:-$3}"
}

me=$(id -un)
expect 0 "init --approvers 1" al init --approvers 1
# A policy that allows `sell` beside `read`: it respects the floor (not
# every action of the rule is forbidden), but the floor still denies a
# sale whatever the policy says.
cat >p.policy <<EOF
purpose service-provision "to provide the service"
purpose support-ticket "at the customer's request"
group svc "svc:*"
writer user $me service * actor *
admin user $me
allow svc purpose service-provision action { read sell }
allow any purpose support-ticket action read
EOF
expect 0 "policy set: a policy that names sell" al policy set p.policy \
    --actor carol
expect 0 "record: a read the policy allows" al record --actor svc:a \
    --customer acme --purpose service-provision --action read
read_seq=$(cat "$T/out")
expect 1 "record: a sale the policy allows is denied by the floor" \
    al record --actor svc:a --customer acme --purpose service-provision \
    --action sell
check "...code floor" err_has "deny floor (seq "
expect 1 "record: marketing, not a purpose of the floor" al record \
    --actor alice --customer globex --purpose marketing --action read
expect 0 "verify: the log is intact" al verify
cp -r log log0
al log --json >log.jsonl
sell_seq=$(grep '"action":"sell"' log.jsonl | sed 's/.*"seq":\([0-9]*\),.*/\1/')
rule=$(grep '"action":"read"' log.jsonl | grep '"decision":"allow"' |
    sed 's/.*"rule":"\([^"]*\)".*/\1/')
fd=$(grep '"kind":"floor"' log.jsonl | sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/')

expect 0 "export" al export -o good.tgz
expect 0 "auditlog verify-export accepts it" al verify-export good.tgz
expect 0 "verify-export.py accepts it" vx good.tgz
expect 0 "tar xzf" tar xzf good.tgz
check "the bundle holds the floor, as floor/DIGEST.floor" \
    cmp -s "floor/$fd.floor" "$here/../policies/promise.floor"
check "the manifest names it, with its approvers" grep -qF \
    "\"floor\":{\"seq\":1,\"name\":\"promise.floor\",\"digest\":\"$fd\",\"approvers\":1}," \
    manifest.json
check "...after the proof, before the policies" sh -c \
    "tar tzf good.tgz | sed -n 4p | grep -qx 'floor/$fd.floor'"

# The summary: the floor in words at the top, and the policy history
# among the entries, an activation that widens access flagged.
check "summary: the floor, its digest and seq" grep -qx \
    "floor     promise.floor  sha256:$fd  seq 1" summary.txt
check "...its permitted purposes, described" grep -qx \
    "    service-provision: to provide the services" summary.txt
check "...what it never allows, and where" grep -qx \
    "    action   sell rent trade share-advertising  (promise.floor:14)" \
    summary.txt
check "...and that one administrator may change the policy" grep -qx \
    "  a policy change needs 1 administrator: one person may change the policy alone" \
    summary.txt
check "summary: the policy history, three steps" grep -qx \
    "policy history: 3" summary.txt
check "...the first policy, not flagged" grep -qE \
    "^  seq 2  [0-9TZ:-]+  $me  activated  [0-9a-f]{12}  default.policy\$" \
    summary.txt
check "...the proposal, by the recorded user" grep -qE \
    "^  seq 3  [0-9TZ:-]+  $me  proposed  [0-9a-f]{12}  p.policy\$" summary.txt
check "...the activation, which widens access (sell)" grep -qE \
    "^  seq 4  [0-9TZ:-]+  $me  activated  [0-9a-f]{12}  p.policy  widens access\$" \
    summary.txt
# An export of the proposal and its activation alone lists the policy
# before it, which the summary compares it with; both checkers read it.
expect 0 "export of the change alone (seq 3 to 4)" al export -o steps.tgz \
    --from-seq 3 --to-seq 4
check "...its manifest lists the policy before it (seq 2)" sh -c \
    "tar xzOf steps.tgz manifest.json | grep -q '\"policies\":\[{\"seq\":2,'"
expect 0 "auditlog verify-export accepts it" al verify-export steps.tgz
expect 0 "verify-export.py accepts it" vx steps.tgz
expect 0 "report" al report
check "report: the floor in words too" out_has \
    "  never allowed, whatever the policy says:"

# Bundles made from the good one with Python's tarfile, the manifest's
# sizes and digests made good for what changed.
cat >mk.py <<'PY'
import hashlib, io, json, re, sys, tarfile, zlib

kind, src, dst = sys.argv[1:4]
with tarfile.open(src, "r:gz") as t:
    ms = t.getmembers()
    members = [(m.name, t.extractfile(m).read()) for m in ms]
    mtime = ms[0].mtime
d = dict(members)
m = json.loads(d["manifest.json"])
fl = next(n for n, _ in members if n.startswith("floor/"))
order = [n for n, _ in members]
if kind == "floortext":     # the floor's text changed, its name kept
    d[fl] = d[fl].replace(b"deny any action { sell rent trade",
                          b"deny any action { rent trade")
elif kind == "floorname":   # ...and renamed to its digest, manifest too
    text = d[fl].replace(b"deny any action { sell rent trade",
                         b"deny any action { rent trade")
    new = "floor/%s.floor" % hashlib.sha256(text).hexdigest()
    del d[fl]
    d[new] = text
    order[order.index(fl)] = new
    m["floor"]["digest"] = new[6:-6]
    for x in m["members"]:
        if x["name"] == fl:
            x["name"] = new
elif kind in ("nofloor", "nullfloor"):   # the floor left out, null
    del d[fl]
    order.remove(fl)
    m["floor"] = None
    m["members"] = [x for x in m["members"] if x["name"] != fl]
    if kind == "nullfloor":     # ...and the summary says so
        d["summary.txt"] = re.sub(
            rb"\nfloor     .*?\n(?=\naccesses by purpose\n)",
            b"\nfloor     none: this log was made before format 6\n",
            d["summary.txt"], flags=re.S)
for x in m["members"]:
    x["size"] = len(d[x["name"]])
    x["sha256"] = hashlib.sha256(d[x["name"]]).hexdigest()
d["manifest.json"] = (json.dumps(m, separators=(",", ":")) + "\n").encode()
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for n in order:
        ti = tarfile.TarInfo(n)
        ti.size, ti.mode, ti.mtime = len(d[n]), 0o644, mtime
        t.addfile(ti, io.BytesIO(d[n]))
z = zlib.compressobj(6, zlib.DEFLATED, 31)
with open(dst, "wb") as f:
    f.write(z.compress(buf.getvalue()) + z.flush())
PY
for k in floortext floorname nofloor; do
	python3 mk.py $k good.tgz $k.tgz || not_ok "mk.py $k"
done
# A bundle of a log without a floor (made before format 6), as one
# without seq 1 would be: both read it, and its summary says so.
expect 0 "export --from-seq 2 --to-seq 5" al export -o range.tgz \
    --from-seq 2 --to-seq 5
python3 mk.py nullfloor range.tgz nullfloor.tgz || not_ok "mk.py nullfloor"
expect 0 "auditlog verify-export reads a bundle whose floor is null" \
    al verify-export nullfloor.tgz
expect 0 "verify-export.py too" vx nullfloor.tgz
expect 0 "tar xzOf: its summary" tar xzOf nullfloor.tgz summary.txt
check "...says the log has no floor" out_has \
    "floor     none: this log was made before format 6"
both_refuse "a floor member whose text was changed" floortext.tgz \
    "floor/$fd.floor does not match its digest: the floor text was changed" \
    "floor/$fd.floor: its SHA-256 is "
both_refuse "another floor, named by its digest, in the manifest too" \
    floorname.tgz "seq 1: is not the floor the manifest names"
both_refuse "the floor left out, the manifest's floor null" nofloor.tgz \
    "seq 1: is not the floor the manifest names"

# An access the floor denied, made allowed under the policy's rule: the
# policy alone would allow it, so only the floor's decision tells.
"$TAMPER" log rechain "$sell_seq" decision allow >/dev/null &&
    "$TAMPER" log rechain "$sell_seq" rule "$rule" >/dev/null ||
    not_ok "tamper: the sale made allowed"
expect 1 "verify: a sale the floor denies, recorded allowed" al verify
check "...says the decision does not follow" out_has \
    "seq $sell_seq: recorded decision allow (allowed $rule) does not follow from its policy, which gives deny (floor promise.floor:14)"
expect 1 "export of that log" al export -o sold.tgz
both_refuse "a sale the floor denies, recorded allowed" sold.tgz \
    "seq $sell_seq: the recorded decision does not follow from its policy" \
    "decides deny floor promise.floor:"
rm -rf log && cp -r log0 log

# An access by a writer the writer rules do not name: the recorded
# identity is what they are matched on.
"$TAMPER" log rechain "$read_seq" user mallory >/dev/null ||
    not_ok "tamper: another writer"
expect 1 "verify: a writer the writer rules do not name" al verify
expect 1 "export of that log" al export -o writer.tgz
both_refuse "a writer the writer rules do not name, recorded allowed" \
    writer.tgz \
    "seq $read_seq: the recorded decision does not follow from its policy" \
    "decides deny writer-not-allowed -"
rm -rf log && cp -r log0 log

# The policy swapped below the floor, everything around it repaired: its
# proposal's digest, the accesses under it, the indexes, chain and tree.
pseq=$(grep '"kind":"policy"' log.jsonl | tail -n 1 |
    sed 's/.*"seq":\([0-9]*\),.*/\1/')
cp p.policy evil.policy
printf '%s\n' 'purpose marketing "growth"' \
    'allow any purpose marketing action { sell read } data { customer-data }' \
    >>evil.policy
expect 0 "tamper policy-swap: a policy that sells" \
    "$TAMPER" log policy-swap "$pseq" evil.policy
expect 1 "verify: a policy swapped below the floor" al verify
check "...says it does not respect the floor, a line each, and nothing else" sh -c \
    "grep -qx \"seq $pseq: the policy does not respect the floor (seq 1): p.policy:8: purpose 'marketing' is forbidden by the floor (promise.floor:17)\" '$T/out' &&
    grep -qx \"seq $pseq: the policy does not respect the floor (seq 1): p.policy:9: the floor overrides this allow rule whole: it forbids every purpose the rule names ('marketing') (promise.floor:17)\" '$T/out' &&
    grep -qx 'FAILED: 2 problems' '$T/out'"
expect 1 "export of that log" al export -o swapped.tgz
both_refuse "a policy swapped below the floor" swapped.tgz \
    "seq $pseq: the policy does not respect the floor (seq 1): p.policy:8: purpose 'marketing' is forbidden by the floor (promise.floor:17)"
rm -rf log && cp -r log0 log

# A narrower policy: its activation is not flagged, and both checkers
# regenerate the summary that says so.
grep -v support-ticket p.policy >narrow.policy
expect 0 "policy set: a narrower policy" al policy set narrow.policy \
    --actor carol
expect 0 "export" al export -o narrow.tgz
expect 0 "auditlog verify-export accepts it" al verify-export narrow.tgz
expect 0 "verify-export.py accepts it" vx narrow.tgz
expect 0 "tar xzOf: the summary" tar xzOf narrow.tgz summary.txt
check "...the narrower policy's activation, not flagged" sh -c "grep -E \
    '^  seq [0-9]+  [0-9TZ:-]+  $me  activated  [0-9a-f]{12}  narrow.policy\$' \
    '$T/out' >/dev/null"
check "...the history, five steps" out_has "policy history: 5"

done_testing
