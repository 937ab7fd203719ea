#!/bin/sh
# t43-format6.sh - log format 6: every new entry of version 3 holds the
# writer's identity (FORMAT.md 3.7), both bundle checkers and recompute.py
# recompute its hash from the JSON form, and a log of format 5 keeps its
# entries and appends version 3 ones once upgraded
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
RECOMPUTE=$here/recompute.py
VX=$top/contrib/verify-export.py
. "$here/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	ok "# SKIP python3 is not installed"
	done_testing
	exit
fi

newlog
r() { al record "$@" >/dev/null 2>&1; }
r --actor svc:billing --customer acme --purpose service-provision \
    --action read --service billing
r --actor alice --customer acme --purpose marketing --action read
al log --json >log.jsonl

# The identity facts: the real uid's, its name, its groups with theirs.
uid=$(id -u)
gid=$(id -g)
user=$(id -un)
check "an access entry is of version 3" \
    grep -q '^{"version":3,"seq":3,"time":"[^"]*","kind":"access",' log.jsonl
check "...with gid, attested false, user and groups after uid" \
    grep -q "^{\"version\":3,\"seq\":3,.*,\"uid\":$uid,\"gid\":$gid,\"attested\":false,\"user\":\"$user\",\"groups\":\[.*\],\"prev\":" log.jsonl
check "...the groups those of id -G, sorted, each with its name" python3 -c '
import json, subprocess, sys
e = [json.loads(l) for l in open(sys.argv[1])][2]
ids = sorted(set(int(x) for x in subprocess.check_output(["id", "-G"]).split()))[:32]
names = dict()
for g in ids:
    try:
        import grp
        names[g] = grp.getgrgid(g).gr_name
    except KeyError:
        names[g] = ""
want = [{"gid": g, "name": names[g]} for g in ids]
sys.exit(e["groups"] != want)' log.jsonl
check "the floor init wrote is of version 3 too" \
    grep -q '^{"version":3,"seq":1,"time":"[^"]*","kind":"floor",' log.jsonl
check "...and its policy entry" \
    grep -q '^{"version":3,"seq":2,"time":"[^"]*","kind":"policy",' log.jsonl

expect 0 "recompute.py recomputes version 3 hashes" python3 "$RECOMPUTE" <log.jsonl
check "...all of them" out_is "4 entries recomputed"
# One group's name changed: only the hash can tell.
python3 -c '
import json, sys
for i, l in enumerate(open(sys.argv[1])):
    if i == 2:
        e = json.loads(l)
        e["groups"][0]["name"] += "x"
        l = json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n"
    sys.stdout.write(l)' log.jsonl >bad.jsonl
expect 1 "recompute.py: a group name changed is caught" python3 "$RECOMPUTE" <bad.jsonl
check "...by its hash" out_has "seq 3: hash is "
sed 's/"attested":false/"attested":true/' log.jsonl >att.jsonl
expect 1 "recompute.py: attested made true is caught" python3 "$RECOMPUTE" <att.jsonl
sed '3s/"attested":false/"attested":0/' log.jsonl >att0.jsonl
expect 1 "recompute.py: attested not a boolean is refused" python3 "$RECOMPUTE" <att0.jsonl
check "...saying so" out_has "seq 3: attested 0 is not true or false"

# A bundle of format 4: its CSV has gid, attested, user; both checkers
# accept it, and both catch a group name changed in entries.jsonl (the
# manifest made to agree, so that only the entry's hash can tell).
expect 0 "export" al export -o b.tar.gz
expect 0 "verify-export accepts it" "$AUDITLOG" verify-export b.tar.gz
expect 0 "verify-export.py accepts it" python3 "$VX" b.tar.gz
mkdir x && tar xzf b.tar.gz -C x
check "manifest: bundle format 4" grep -q '"format_version":4,' x/manifest.json
check "entries.csv: gid, attested and user after uid" \
    grep -q "^3,[^,]*,access,.*,$uid,$gid,false,$user," x/entries.csv
cat >edit.py <<'PY'
import gzip, hashlib, io, json, sys, tarfile
with tarfile.open(sys.argv[1], "r:gz") as t:
    members = [(m.name, t.extractfile(m).read()) for m in t.getmembers()]
d = dict(members)
lines = d["entries.jsonl"].decode().splitlines(True)
e = json.loads(lines[2])
e["groups"][0]["name"] += "x"
lines[2] = json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n"
d["entries.jsonl"] = "".join(lines).encode()
m = json.loads(d["manifest.json"])
for x in m["members"]:
    x["size"] = len(d[x["name"]])
    x["sha256"] = hashlib.sha256(d[x["name"]]).hexdigest()
d["manifest.json"] = (json.dumps(m, ensure_ascii=False,
                                 separators=(",", ":")) + "\n").encode()
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for n, _ in members:
        ti = tarfile.TarInfo(n)
        ti.size = len(d[n])
        ti.mode = 0o644
        t.addfile(ti, io.BytesIO(d[n]))
open(sys.argv[2], "wb").write(gzip.compress(buf.getvalue()))
PY
expect 0 "a bundle with a group name changed" python3 edit.py b.tar.gz g.tar.gz
expect 1 "verify-export refuses it" "$AUDITLOG" verify-export g.tar.gz
check "...at seq 3's hash" out_has "seq 3: "
expect 1 "verify-export.py refuses it" python3 "$VX" g.tar.gz
check "...at seq 3's hash" out_has "seq 3: hash is "

# A log of format 5 (its entries of versions 1 and 2, no floor): read as
# it is, then upgraded by a writer, which keeps them and appends the
# default floor (one administrator to a change: the policy in force
# respects it) and then version 3.
newlog
r --actor alice --customer acme --purpose support-ticket --ref SUP-1 --action read
"$TAMPER" "$T/log" entries-v5 >/dev/null 2>&1 || not_ok "tamper entries-v5"
expect 0 "format 5: verify reads it as it is" al verify
al log --json >v5.jsonl
check "...its entries of version 1" \
    [ "$(sed -n 's/^{"version":\([0-9]*\),.*/\1/p' v5.jsonl | tr '\n' ' ')" = "1 1 " ]
check "...without version 3's keys" sh -c "! grep -q '\"gid\"' v5.jsonl"
expect 0 "recompute.py recomputes them" python3 "$RECOMPUTE" <v5.jsonl
expect 0 "export of a log of format 5" al export -o v5.tar.gz
expect 0 "...verify-export accepts it" "$AUDITLOG" verify-export v5.tar.gz
expect 0 "...verify-export.py too" python3 "$VX" v5.tar.gz
expect 0 "upgrade" al upgrade
check "...to format 6" out_is "the log is now in format 6"
expect 0 "upgrade again: nothing to do" al upgrade
r --actor bob --customer globex --purpose support-ticket --ref SUP-2 --action read
expect 0 "an upgraded log verifies" al verify
al log --json >v6.jsonl
check "...its old entries as they were, byte for byte" \
    sh -c "head -n 2 v6.jsonl | cmp -s - v5.jsonl"
check "...then the default floor, approvers 1, and the new access, of version 3" \
    [ "$(sed -n 's/^{"version":\([0-9]*\),"seq":\([0-9]*\),"time":"[^"]*","kind":"\([a-z]*\)".*/\1:\2:\3/p' v6.jsonl | tr '\n' ' ')" = "1:1:policy 1:2:access 3:3:floor 3:4:access " ]
check "...the floor the default one" grep -q "^{\"version\":3,\"seq\":3,.*\"name\":\"promise.floor\",.*\"digest\":\"$(sha256sum "$top/policies/promise.floor" | cut -c1-64)\",\"approvers\":1," v6.jsonl
expect 0 "recompute.py recomputes the mixed log" python3 "$RECOMPUTE" <v6.jsonl
expect 0 "export of the mixed log" al export -o v6.tar.gz
expect 0 "...verify-export accepts it" "$AUDITLOG" verify-export v6.tar.gz
expect 0 "...verify-export.py too" python3 "$VX" v6.tar.gz
mkdir y && tar xzf v6.tar.gz -C y
check "...its CSV leaves gid, attested, user empty before version 3" \
    grep -q "^2,[^,]*,access,.*,[0-9]*,$uid,,,," y/entries.csv
newlog
r --actor alice --customer acme --purpose support-ticket --ref SUP-1 --action read
"$TAMPER" "$T/log" entries-v5 >/dev/null 2>&1
r --actor bob --customer globex --purpose support-ticket --ref SUP-2 --action read
expect 0 "format 5: record upgrades it" al verify
check "...and appends the floor and the access, of version 3" \
    [ "$(al log --json | sed -n 's/^{"version":\([0-9]*\),"seq":[0-9]*,"time":"[^"]*","kind":"\([a-z]*\)".*/\1:\2/p' | tr '\n' ' ')" = "1:policy 1:access 3:floor 3:access " ]

# Kinds 4 to 7 and codes 8 and 9, as the commands write them: verify
# re-derives them (the chain of custody, the floor, the writer rules),
# the JSON form, recompute.py and both bundle checkers take them.  A log
# of two administrators (init's default): root proposes and rejects, and
# approves a proposal a second administrator made.  This test has one
# account, so the second is made by rewriting the proposal's identity to
# user auditlog's (an administrator by name under default.policy), as if
# that account had proposed it; t23-govern.sh does it with real accounts.
newlog
r --actor alice --customer acme --purpose support-ticket --ref SUP-1 --action read
r --actor alice --customer acme --purpose marketing --action read
sed 's/^writer user root     service \* actor \*$/writer user root     service billing actor */' \
    "$top/policies/default.policy" > w.policy
printf '# x\n' | cat "$top/policies/default.policy" - > x.policy
check "w.policy narrows root's writer rule to service billing" \
    [ "$(diff "$top/policies/default.policy" w.policy | grep -c '^[<>]')" -eq 2 ]
W=$(sha256sum w.policy | cut -c1-64) X=$(sha256sum x.policy | cut -c1-64)
expect 0 "policy propose w.policy" al policy propose w.policy --actor ops
check "...at seq 5" out_is "proposed $W at seq 5"
expect 0 "policy propose x.policy" al policy propose x.policy --actor ops
expect 0 "policy reject x.policy" al policy reject "$X" --actor ops
check "...at seq 7" out_is "rejected $X at seq 7"
"$TAMPER" "$T/log" rechain 5 uid 999 >/dev/null 2>&1 &&
    "$TAMPER" "$T/log" rechain 5 user auditlog >/dev/null 2>&1 ||
    not_ok "tamper rechain 5: the proposer made auditlog"
expect 0 "policy approve w.policy, by another administrator" \
    al policy approve "$W" --actor ops
check "...approved at seq 8, activated at seq 9" out_is "approved $W at seq 8
activated $W at seq 9"
r --actor svc:x --customer acme --purpose service-provision --action read \
    --service other
r --actor svc:x --customer acme --purpose service-provision --action read \
    --service billing
expect 0 "verify: kinds 4-7 and codes 8-9 are no problem" al verify
al log --json >k.jsonl
check "...log --json names the kinds" \
    [ "$(sed -n 's/.*"seq":[0-9]*,"time":"[^"]*","kind":"\([a-z]*\)".*/\1/p' k.jsonl | tr '\n' ' ')" = "floor policy access access proposal proposal rejection approval policy access access " ]
check "...a floor with its approvers" grep -q '^{"version":3,"seq":1,.*"kind":"floor",.*,"digest":"[0-9a-f]*","approvers":2,"service"' k.jsonl
check "...a proposal with its expiry" grep -q '^{"version":3,"seq":5,.*"kind":"proposal",.*,"expires":"[0-9T:.-]*Z","service"' k.jsonl
check "...an approval with the digest alone" grep -q "^{\"version\":3,\"seq\":8,.*\"kind\":\"approval\",\"actor\":\"ops\",\"digest\":\"$W\",\"service\"" k.jsonl
check "...a rejection too" grep -q "^{\"version\":3,\"seq\":7,.*\"kind\":\"rejection\",\"actor\":\"ops\",\"digest\":\"$X\",\"service\"" k.jsonl
check "...the codes by name" sh -c "grep -q '\"seq\":10,.*\"code\":\"writer-not-allowed\"' k.jsonl && grep -q '\"seq\":4,.*\"code\":\"floor\",\"rule\":\"promise.floor:17\"' k.jsonl"
expect 0 "recompute.py recomputes every kind" python3 "$RECOMPUTE" <k.jsonl
check "...all 11" out_is "11 entries recomputed"
expect 0 "export" al export -o k.tar.gz
expect 0 "verify-export accepts kinds 4-7" "$AUDITLOG" verify-export k.tar.gz
expect 0 "verify-export.py accepts them" python3 "$VX" k.tar.gz
expect 0 "log: the table" al log
check "...names the kinds" sh -c "grep -q ' floor .*floor promise.floor sha256:.* approvers 2' '$T/out' && grep -q ' approval .*approve sha256:' '$T/out' && grep -q ' rejection .*reject sha256:' '$T/out' && grep -q ' proposal .*propose w.policy sha256:' '$T/out'"
expect 0 "log --format syslog" al log --format syslog
check "...names the kinds" sh -c "grep -q 'kind=\"floor\".*fixed the floor promise.floor' '$T/out' && grep -q 'kind=\"approval\".*approved the proposal' '$T/out'"
check "...with attested and user" grep -q "attested=\"false\" user=\"$user\"" "$T/out"
expect 0 "log --format ocsf" al log --format ocsf
check "...names the kinds" sh -c "grep -q '\"kind\":\"proposal\"' '$T/out' && grep -q '\"kind\":\"rejection\"' '$T/out'"
cp -R "$T/log" c
"$TAMPER" "$T/c" flip 5 -1 >/dev/null 2>&1 || not_ok "tamper flip a proposal"
expect 1 "a proposal altered: verify fails" "$AUDITLOG" -d "$T/c" verify
check "...seq 6 no longer links to it" out_has "seq 6: does not link to the entry before it"
rm -rf c

# Damage to version 3's fields is caught (FORMAT.md 7).
newlog
r --actor alice --customer acme --purpose support-ticket --ref SUP-1 --action read
cp -R "$T/log" c
"$TAMPER" "$T/c" flip 3 attested 1 >/dev/null 2>&1 || not_ok "tamper flip attested"
expect 1 "attested 2: verify fails" "$AUDITLOG" -d "$T/c" verify
check "...seq 3 cannot be decoded" out_has "seq 3: cannot be decoded: invalid attested byte 2"
rm -rf c && cp -R "$T/log" c
"$TAMPER" "$T/c" flip 3 ngroups 5 >/dev/null 2>&1 || not_ok "tamper flip ngroups"
expect 1 "ngroups 32 more: verify fails" "$AUDITLOG" -d "$T/c" verify
check "...seq 3 cannot be decoded" out_has "seq 3: cannot be decoded: 33 groups, more than 32"

done_testing
