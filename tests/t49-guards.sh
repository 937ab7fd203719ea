#!/bin/sh
# t49-guards.sh - guards that only their own message proves (issue 15 item
# 10): each test asserts what that guard says or does, so that it fails when
# the guard goes, though another check would still fail the input
#
# verify: entry 1's prev is 32 zero bytes; the CSV formula guard on a leading
# @, + and - (tab and CR, which record refuses, in tests/unit.c); the bundle
# reader's 8 MiB line cap (the log's floor at seq 1, four accesses: the
# long line is line 7); the caps on the manifest, checkpoint, floor, policy
# and proof members, read from their tar headers.

# lib.sh moves to a temporary folder: find our files first.
here=$(cd "$(dirname "$0")" && pwd)
VX=$(dirname "$here")/contrib/verify-export.py
. "$here/lib.sh"

newlog
r() { al record "$@" >/dev/null 2>&1; }
r --actor svc:a --customer acme --purpose service-provision --action read
for x in '@SUM(A1)' '+1' '-1'; do
	r --actor svc:a --customer acme --purpose service-provision \
	    --action read --reason "$x"
done
cp -r log log0

# verify: the first entry starts the chain.  Its prev changed and every
# hash after it made again (chain, head, tree): only that check is left.
"$TAMPER" "$T/log" rechain 1 prev "$(printf '%063d1' 0)" >/dev/null 2>&1
expect 1 "verify: entry 1's prev is not zero, the chain rebuilt" al verify
check "...says the first entry does not start the chain" \
    out_has "seq 1: the first entry does not start the chain"
rm -rf log && cp -r log0 log

# The CSV formula guard: a cell that starts with @, + or - gets a quote.
expect 0 "export: accesses whose reasons start with @, + and -" \
    al export -o csv.tgz
expect 0 "tar xzOf: the CSV" tar xzOf csv.tgz entries.csv
for x in '@SUM(A1)' '+1' '-1'; do
	check "entries.csv: '$x' becomes '''$x'" out_has ",'$x,"
done

if ! command -v python3 >/dev/null 2>&1; then
	ok "# SKIP python3 is not installed: the hostile bundles"
	done_testing
	exit
fi

# Bundles that break one cap each: a 10 MB line of entries.jsonl, and tar
# headers that claim one byte more than a member may hold (the checkers
# refuse from the header, before reading a byte).
cat >mk.py <<'PY'
import io, json, sys, tarfile, zlib


def read(path):
    with tarfile.open(path, "r:gz") as t:
        ms = t.getmembers()
        return [(m.name, t.extractfile(m).read()) for m in ms], ms[0].mtime


def tar(members, mtime):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w",
                      format=tarfile.USTAR_FORMAT) as t:
        for n, b in members:
            ti = tarfile.TarInfo(n)
            ti.size, ti.mode, ti.mtime = len(b), 0o644, mtime
            t.addfile(ti, io.BytesIO(b))
    return buf.getvalue()


def claim(raw, name, size):
    """The tar header of `name` says `size` bytes, its checksum made good."""
    at = raw.find(name + b"\0")
    assert at >= 0 and at % 512 == 0, name
    h = bytearray(raw[at:at + 512])
    h[124:136] = b"%011o\0" % size
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return raw[:at] + bytes(h) + raw[at + 512:]


src, kind, dst = sys.argv[1:4]
members, mtime = read(src)
if kind == "longline":
    members = [(n, b + b'{"seq":"' + b"9" * (10 << 20) + b'"}\n'
                if n == "entries.jsonl" else b) for n, b in members]
raw = tar(members, mtime)
policy = next(n for n, _ in members if n.startswith("policies/"))
floor = next(n for n, _ in members if n.startswith("floor/"))
limit = {"manifest": ("manifest.json", 64 << 20),
         "floor": (floor, 1 << 20),
         "checkpoint": ("checkpoint", 64 << 10),
         "policy": (policy, 1 << 20),
         "proof": ("proof", 64 << 20)}
if kind in limit:
    name, size = limit[kind]
    raw = claim(raw, name.encode(), size + 1)
z = zlib.compressobj(6, zlib.DEFLATED, 31)
with open(dst, "wb") as f:
    f.write(z.compress(raw) + z.flush())
PY
for k in longline manifest checkpoint floor policy proof; do
	python3 mk.py csv.tgz $k $k.tgz || not_ok "mk.py $k"
done

expect 1 "verify-export: a 10 MB line of entries.jsonl" \
    al verify-export longline.tgz
check "...says the line passes the 8 MiB cap" \
    out_has "entries.jsonl line 7 is longer than 8388608 bytes"
expect 1 "verify-export.py: a 10 MB line of entries.jsonl" \
    python3 "$VX" longline.tgz
check "...says the line passes its cap" out_has "a line longer than"

pol=$(tar tzf csv.tgz | grep '^policies/')
fl=$(tar tzf csv.tgz | grep '^floor/')
for m in manifest.json:manifest checkpoint:checkpoint "$fl:floor" "$pol:policy" \
    proof:proof; do
	name=${m%%:*}
	f=${m#*:}.tgz
	expect 1 "verify-export: a $name header one byte over the cap" \
	    al verify-export "$f"
	check "...says it is too large for what it should hold" out_has \
	    "$name is too large for what it should hold"
	expect 1 "verify-export.py: a $name header one byte over the cap" \
	    python3 "$VX" "$f"
	check "...says it is more than a member may hold" out_has \
	    "bytes, more than the"
done

done_testing
