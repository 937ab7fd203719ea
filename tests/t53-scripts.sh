#!/bin/sh
# t53-scripts.sh - identifiers whose letters mix writing systems are
# flagged in report and in the bundle's summary, which both checkers
# regenerate (issue 15 item 8; docs/FORMAT.md 13.4)
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"

i=$(printf '\321\226')		# U+0456, Cyrillic small i
a=$(printf '\320\260')		# U+0430, Cyrillic small a
r() { al record --purpose service-provision --action read "$@" >/dev/null 2>&1; }
al init --actor alice >/dev/null 2>&1
r --actor svc:billing --customer acme
expect 0 "report on a log with no mixed identifiers" al report
check "...has no such section" sh -c "! grep -q 'mix writing systems' '$T/out'"
r --actor "svc:b${i}lling" --customer acme
r --actor svc:billing --customer "${a}cme"
r --actor "${a}lice" --customer "${a}cme"
r --actor "svc:billing-$(printf '\346\227\245\346\234\254')" --customer acme
expect 0 "report" al report
check "...flags the actors and customers that mix scripts, in order" \
    sh -c "sed -n '/^identifiers that mix/,/^\$/p' '$T/out' > '$T/mixed'; [ \"\$(cat '$T/mixed')\" = \"identifiers that mix writing systems: 4
  actor     svc:billing-$(printf '\346\227\245\346\234\254')  Latin+CJK
  actor     svc:b${i}lling  Latin+Cyrillic
  actor     ${a}lice  Latin+Cyrillic
  customer  ${a}cme  Latin+Cyrillic\" ]"
check "...but not one that is all one script with digits and marks" \
    sh -c "! grep -q '  svc:billing  ' '$T/mixed'"
expect 0 "export" al export -o b.tar.gz
mkdir x && tar -xzf b.tar.gz -C x
check "the bundle's summary flags them too" \
    sh -c "sed -n '/^identifiers that mix/,/^\$/p' x/summary.txt | cmp -s - '$T/mixed'"
expect 0 "verify-export regenerates the summary and agrees" \
    "$AUDITLOG" verify-export b.tar.gz
expect 0 "...and so does verify-export.py" \
    python3 "$top/contrib/verify-export.py" b.tar.gz

# The same bundle as format 2 wrote it: no such section.  Both checkers
# regenerate a format 2 summary without it, so it still checks.
cat > fmt2.py <<'PY'
import gzip, hashlib, io, json, sys, tarfile
with tarfile.open(sys.argv[1], "r:gz") as t:
    ms = t.getmembers()
    members = [(m.name, t.extractfile(m).read()) for m in ms]
d = dict(members)
s = d["summary.txt"].decode()
# entries.csv as formats before 4 wrote it: no gid, attested, user.
import csv as csvmod
rows = []
for row in csvmod.reader(io.StringIO(d["entries.csv"].decode(), newline="")):
    del row[21:24]
    rows.append(",".join('"' + c.replace('"', '""') + '"'
                         if any(x in c for x in ',"\r\n') else c
                         for c in row) + "\r\n")
d["entries.csv"] = "".join(rows).encode()
a = s.index("\nidentifiers that mix")
b = s.index("\ndenied attempts")
s = s[:a] + s[b:]
# ...nor format 4's floor (member, key, summary section) and policy history
a = s.index("\nfloor     ")
s = s[:a] + s[s.index("\naccesses by purpose"):]
a = s.index("\npolicy history: ")
s = s[:a] + s[s.index("\nverification at export time"):]
d["summary.txt"] = s.encode()
members = [(n, b) for n, b in members if not n.startswith("floor/")]
m = json.loads(d["manifest.json"])
m.pop("floor")
m["members"] = [e for e in m["members"] if not e["name"].startswith("floor/")]
m["format_version"] = int(sys.argv[3])
for e in m["members"]:
    e["size"] = len(d[e["name"]])
    e["sha256"] = hashlib.sha256(d[e["name"]]).hexdigest()
d["manifest.json"] = (json.dumps(m, ensure_ascii=False,
                                 separators=(",", ":")) + "\n").encode()
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for n, _ in members:
        ti = tarfile.TarInfo(n)
        ti.size = len(d[n])
        ti.mode = 0o644
        t.addfile(ti, io.BytesIO(d[n]))
with open(sys.argv[2], "wb") as f:
    f.write(gzip.compress(buf.getvalue()))
PY
expect 0 "a format 2 bundle, its summary without the section" \
    python3 fmt2.py b.tar.gz b2.tar.gz 2
expect 0 "...checks in verify-export" "$AUDITLOG" verify-export b2.tar.gz
expect 0 "...and in verify-export.py" python3 "$top/contrib/verify-export.py" b2.tar.gz
python3 fmt2.py b.tar.gz b3.tar.gz 3
expect 1 "a format 3 bundle whose summary lacks the section is refused" \
    "$AUDITLOG" verify-export b3.tar.gz
check "...at the summary" grep -q "summary.txt" "$T/out" "$T/err"
expect 1 "...by verify-export.py too" python3 "$top/contrib/verify-export.py" b3.tar.gz
done_testing
