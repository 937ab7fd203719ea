#!/bin/sh
# t48-bundle-limits.sh - what a bundle may make a checker do, the order of
# its members, and what proves it the log's: both checkers alike (FORMAT.md
# 13.1, issue 15 item 7)
#
# A valid bundle followed by GiBs of zeros that compress a thousandfold,
# zero bytes after the gzip data, a member that inflates more than 100 to
# 1: both `auditlog verify-export` and contrib/verify-export.py refuse
# each, early, naming the limit.  A manifest that lists the members in
# another order than 13.1's (and an archive that follows it), or leaves
# one out, is refused by both.  A bundle checked without --key or
# --checkpoint is said to be NOT AUTHENTICATED, in text and in JSON.

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

# One administrator (init --approvers 1): `policy set` in one step.
al init --approvers 1 >/dev/null 2>&1 || { echo "# init failed"; exit 1; }
r() { al record "$@" >/dev/null 2>&1; }
r --actor svc:a --customer acme --purpose service-provision --action read
r --actor bob --customer acme --purpose marketing --action read
printf '%s\n' 'purpose service-provision "to provide the service"' \
    'group g "*"' 'allow g purpose service-provision action read' >p2.policy
chmod 600 p2.policy
al policy set p2.policy --actor carol >/dev/null 2>&1
r --actor svc:a --customer acme --purpose service-provision --action read
expect 0 "export: a bundle of two policies" al export -o good.tgz

# mk.py KIND GOOD OUT: a variant of the good bundle, made as a stream
# (the zeros are compressed as they are made, never written out whole).
cat >mk.py <<'PY'
import hashlib, io, json, sys, tarfile, zlib


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


def gz(raw, zero_mib=0):
    """One gzip member: raw, then zero_mib MiB of zeros."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [z.compress(raw)]
    mib = bytes(1 << 20)
    for _ in range(zero_mib):
        out.append(z.compress(mib))
    out.append(z.flush())
    return b"".join(out)


def listed(members, order):
    """The archive and the manifest's members in `order`, each member's
    size and SHA-256 in the manifest right: only the order is wrong."""
    d = dict(members)
    m = json.loads(d["manifest.json"])
    m["members"] = [{"name": n, "size": len(d[n]),
                     "sha256": hashlib.sha256(d[n]).hexdigest()}
                    for n in order]
    raw = json.dumps(m, separators=(",", ":")).encode() + b"\n"
    return [("manifest.json", raw)] + [(n, d[n]) for n in order]


kind, src, dst = sys.argv[1:4]
members, mtime = read(src)
names = [n for n, _ in members if n != "manifest.json"]
pol = [n for n in names if n.startswith("policies/")]
with open(dst, "wb") as f:
    if kind == "padded":        # 4 GiB of zeros after the end, 64 members
        f.write(open(src, "rb").read())
        z = gz(b"", 64)
        for _ in range(64):
            f.write(z)
    elif kind == "padded1":     # 64 MiB of zeros after the end, in one
        f.write(gz(tar(members, mtime), 64))
    elif kind == "rawzeros":    # 1 MiB of zero bytes after the gzip data
        f.write(open(src, "rb").read() + bytes(1 << 20))
    elif kind == "ratio":       # entries.csv: 32 MiB of one short row
        f.write(gz(tar([(n, b"a,b\r\n" * ((32 << 20) // 5)
                         if n == "entries.csv" else b)
                        for n, b in members], mtime)))
    elif kind == "swap":        # the two policies the other way round
        i, j = names.index(pol[0]), names.index(pol[1])
        names[i], names[j] = names[j], names[i]
        f.write(gz(tar(listed(members, names), mtime)))
    elif kind == "late":        # a policy after entries.jsonl
        names.remove(pol[0])
        names.insert(names.index("entries.csv"), pol[0])
        f.write(gz(tar(listed(members, names), mtime)))
    elif kind == "nosummary":   # summary.txt left out
        f.write(gz(tar(listed(members, names[:-1]), mtime)))
    elif kind == "same":        # repacked as it is
        f.write(gz(tar(listed(members, names), mtime)))
PY
for k in padded padded1 rawzeros ratio swap late nosummary same; do
	python3 mk.py $k good.tgz $k.tgz || not_ok "mk.py $k"
done

refused() {	# refused DESCRIPTION FILE TEXT [PYTEXT]: both refuse, saying why
	expect 1 "auditlog verify-export refuses $1" al verify-export "$2"
	check "...saying: $3" out_has "$3"
	expect 1 "verify-export.py refuses $1" vx "$2"
	check "...saying: ${4:-$3}" out_has "${4:-$3}"
}

# The limits (FORMAT.md 13.1): 1 MiB of padding, 16 GiB of tar, 100 to 1.
check "the padded bundle is 4 GiB of tar in a few MB" \
    [ "$(wc -c <padded.tgz)" -lt 8000000 ]
start=$(date +%s%N)
expect 1 "auditlog verify-export refuses 4 GiB of zeros after the end" \
    al verify-export padded.tgz
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "...within a second, not after reading 4 GiB (${ms} ms)" \
    [ "$ms" -lt 1000 ]
refused "4 GiB of zeros after the end of the archive" padded.tgz \
    "more than 1048576 bytes of padding after the end of the archive"
refused "64 MiB of zeros after the end, in the same gzip member" \
    padded1.tgz \
    "more than 1048576 bytes of padding after the end of the archive"
refused "zero bytes after the gzip data" rawzeros.tgz \
    "not a gzip file, or a damaged one" \
    "bytes after the end of the gzip data that are not gzip"
refused "a member that inflates 1000 to 1" ratio.tgz \
    "the gzip data inflates more than 100 to 1 ("
# The cap on the tar bytes in all, 16 GiB, lowered to 8 KiB: the C
# checker's is tested so in tests/unit.c.
cat >cap.py <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("vx", sys.argv[1])
vx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vx)
vx.MAX_TAR = int(sys.argv[2])
sys.exit(vx.main(["verify-export.py", sys.argv[3]]))
PY
expect 0 "verify-export.py, its tar cap at 1 MiB: the bundle passes" \
    python3 cap.py "$VX" 1048576 good.tgz
expect 1 "verify-export.py, its tar cap at 8 KiB: the bundle is refused" \
    python3 cap.py "$VX" 8192 good.tgz
check "...saying so" out_has \
    "the archive inflates to more than 8192 bytes, the most a bundle may hold"

# 13.1's order, which the manifest's members list and the archive follow.
expect 0 "auditlog verify-export accepts the bundle repacked" \
    al verify-export same.tgz
expect 0 "verify-export.py accepts the bundle repacked" vx same.tgz
refused "the policies the other way round" swap.tgz \
    "manifest.json: members lists checkpoint, proof, $(tar tzf swap.tgz |
    sed -n 4,5p | tr '\n' ,  | sed 's/,/, /g')"
refused "a policy after entries.jsonl" late.tgz \
    "entries.jsonl, policies/"
refused "summary.txt left out" nosummary.tgz \
    "entries.jsonl, entries.csv, but a bundle of these policies holds "

# Authentication: only a key or a held checkpoint ties a bundle to the log.
expect 0 "keygen" "$AUDITLOG" keygen -o k
expect 0 "export --sign" al export --sign k.key -o signed.tgz
for x in "al verify-export" vx; do
	expect 0 "$x: no --key, no --checkpoint: exit 0" $x signed.tgz
	check "...'bundle consistent', not 'verified'" out_has \
	    "bundle consistent: "
	check "...and NOT AUTHENTICATED, last" sh -c "tail -n 1 '$T/out' |
	    grep -qx 'NOT AUTHENTICATED: without --key or --checkpoint this shows only that the bundle is consistent in itself, not that it is the log.s'"
	expect 0 "$x --json: no --key, no --checkpoint" $x --json signed.tgz
	check "...says \"authenticated\":false" out_has \
	    '"ok":true,"authenticated":false,'
	cp "$T/out" "json-$x"
	expect 0 "$x --key: verified" $x signed.tgz --key k.pub
	check "...'bundle verified', and nothing of NOT AUTHENTICATED" sh -c \
	    "grep -q '^bundle verified: ' '$T/out' &&
	    ! grep -q AUTHENTICATED '$T/out'"
	expect 0 "$x --json --key" $x --json signed.tgz --key k.pub
	check "...says \"authenticated\":true" out_has \
	    '"ok":true,"authenticated":true,'
done
check "both print the same JSON object" cmp -s "json-al verify-export" json-vx
expect 1 "a bundle with a problem is not authenticated either" \
    al verify-export --json --key k.pub swap.tgz
check "...\"ok\":false,\"authenticated\":false" out_has \
    '"ok":false,"authenticated":false,'

done_testing
