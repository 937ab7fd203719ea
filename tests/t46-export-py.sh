#!/bin/sh
# t46-export-py.sh - export bundles, checked by both checkers
#
# Every bundle `auditlog export` writes must be accepted by `auditlog
# verify-export` and by contrib/verify-export.py (Python's standard library
# only, written from docs/FORMAT.md), and every tampered copy refused by
# both: a changed field, a dropped line, an edited summary, a swapped
# policy, a changed CSV cell, hostile tar members, a truncated or non-gzip
# file, a huge line.  The same log, filters and SOURCE_DATE_EPOCH give the
# same bytes.  Format 2: a proof with a hash flipped, removed or added, an
# entry left out, a checkpoint of another log or size, are refused by both
# alike; signed and pinned bundles checked with --key and --checkpoint; a
# format 1 bundle still read, but not against a key.

# lib.sh moves to a temporary folder: find our files first.
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
VX=$top/contrib/verify-export.py
DEMO=$top/testdata/demo.sh
. "$here/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	ok "# SKIP python3 is not installed"
	done_testing
	exit
fi

vx() {	# vx ARGS: the Python checker
	python3 "$VX" "$@"
}

# The demo's day of accesses under the default policy; then a second
# policy, and accesses decided by it, a formula-like resource among them.
# The demo's log needs two administrators: root proposes the second
# policy, and uid 4242, the demo's second administrator, approves it (a
# process whose real uid is 4242, as the demo's own second step is).
mkdir demo
cp "$DEMO" demo/demo.sh
cp "$(dirname "$DEMO")/demo-accesses.tsv" demo/
AUDITLOG_BIN=$AUDITLOG AUDITLOGD_BIN=$AUDITLOG_BUILD/auditlogd \
    sh demo/demo.sh "$T/log" >demo.out 2>&1
check "demo.sh records the demo's day" [ $? -eq 0 ]
al head >anchor
cat >second.policy <<'EOF'
# A narrower policy: support by ticket, and what the services do.
purpose support-ticket "at the customer's request" ref "SUP-[[:digit:]]{1,6}"
purpose service-provision "to provide the service"
group services "svc:*" "bot[0-9]"
group staff "*"
deny any action { sell share-advertising }
allow services purpose service-provision action { read write } data { billing usage customer-data }
allow staff purpose support-ticket action read data { contact customer-data }
EOF
expect 0 "policy propose: a second policy" \
    al policy propose second.policy --actor carol
d=$(sed -n 's/^proposed \([0-9a-f]*\) at seq .*/\1/p' "$T/out")
expect 0 "...approved by the second administrator, which activates it" \
    perl -e '$< = 4242; exec @ARGV or die' "$AUDITLOG" -d "$T/log" \
    policy approve "$d" --actor dave
check "...saying so" out_has "activated $d at seq"
expect 0 "record: allowed under the second policy" \
    al record --actor svc:billing --customer acme \
    --purpose service-provision --action read --data billing
expect 0 "record: a resource that a spreadsheet would run" \
    al record --actor bot7 --customer acme --purpose service-provision \
    --action write --resource '=HYPERLINK("x"),1' --reason 'a "quoted" one'
expect 1 "record: denied under the second policy" \
    al record --actor alice --customer globex --purpose support-ticket \
    --ref SUP-9 --action write --data contact
expect 1 "record: a malformed reference" \
    al record --actor Åsa --customer globex --purpose support-ticket \
    --ref SUP-x --action read
expect 0 "record: an actor with a space and a backslash" \
    al record --actor 'ops\team lead' --customer acme \
    --purpose support-ticket --ref SUP-1 --action read
expect 0 "verify: the log is intact" al verify
al log --json >log.jsonl
field() {	# field LINE KEY: a string field of line LINE of log.jsonl
	sed -n "$1p" log.jsonl | sed "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/"
}
since=$(field 5 time)
until=$(field 20 time)
df=$(grep '"kind":"floor"' log.jsonl | sed -n 1p |
    sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/')
d1=$(grep '"kind":"policy"' log.jsonl | sed -n 1p |
    sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/')
d2=$(grep '"kind":"policy"' log.jsonl | sed -n 2p |
    sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/')
d3=$(grep '"kind":"policy"' log.jsonl | sed -n 3p |
    sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/')

bundle() {	# bundle NAME ARGS: export NAME.tar.gz at a fixed time
	_name=$1
	shift
	expect 0 "export $_name${1+ ($*)}" env SOURCE_DATE_EPOCH=1800000000 \
	    "$AUDITLOG" -d "$T/log" export -o "$_name.tar.gz" "$@"
}

accepted() {	# accepted FILE [ARGS]: both checkers accept FILE
	_f=$1
	shift
	expect 0 "auditlog verify-export accepts $_f" \
	    al verify-export "$_f" "$@"
	cp "$T/out" c.out
	expect 0 "verify-export.py accepts $_f" vx "$_f" "$@"
	check "both say the same of $_f" cmp -s c.out "$T/out"
	# Only a key or a held checkpoint ties a bundle to the log.
	case " $* " in
	*" --key "*|*" --checkpoint "*)
		check "verify-export.py says it is verified" \
		    out_has "bundle verified: "
		check "...and does not say it is not authenticated" \
		    sh -c "! grep -q AUTHENTICATED '$T/out'"
		;;
	*)
		check "verify-export.py says it is consistent, not verified" \
		    out_has "bundle consistent: "
		check "...and, last, that it is NOT AUTHENTICATED" sh -c \
		    "tail -n 1 '$T/out' | grep -q '^NOT AUTHENTICATED: without --key or --checkpoint this shows only that the bundle is consistent in itself'"
		;;
	esac
}

bundle whole
accepted whole.tar.gz
check "the whole log: every entry" out_has \
    "bundle consistent: $(wc -l <log.jsonl | tr -d ' ') entries (seq 1 to"
bundle customer --customer acme
accepted customer.tar.gz
bundle period --since "$since" --until "$until"
accepted period.tar.gz
bundle denied --decision deny
accepted denied.tar.gz
bundle range --from-seq 3 --to-seq 19
accepted range.tar.gz
bundle nobody --customer nobody
accepted nobody.tar.gz
check "an empty export" out_has "bundle consistent: 0 entries, head"

expect 0 "auditlog verify-export --json" al verify-export --json whole.tar.gz
cp "$T/out" c.json
expect 0 "verify-export.py --json" vx --json whole.tar.gz
check "both print the same JSON object" cmp -s c.json "$T/out"
check "the JSON says ok" out_has '"ok":true'

# An anchor taken before the second policy: the whole log still holds it.
accepted whole.tar.gz --expect "$(tr ' ' : <anchor)"
bad_anchor=$(sed 's/ .*//' anchor):$(printf '%064d' 0)
expect 1 "auditlog verify-export refuses a wrong anchor" \
    al verify-export whole.tar.gz --expect "$bad_anchor"
expect 1 "verify-export.py refuses a wrong anchor" \
    vx whole.tar.gz --expect "$bad_anchor"
check "verify-export.py names the anchor" out_has "--expect: entry"

# Reproducible: the same log, filters and time give the same bytes.
bundle whole2
check "the same export twice: byte-identical" cmp -s whole.tar.gz whole2.tar.gz
bundle customer2 --customer acme
check "the same filtered export twice: byte-identical" \
    cmp -s customer.tar.gz customer2.tar.gz
expect 0 "export at another time" env SOURCE_DATE_EPOCH=1800000001 \
    "$AUDITLOG" -d "$T/log" export -o later.tar.gz
check "another time: other bytes" sh -c '! cmp -s whole.tar.gz later.tar.gz'

expect 0 "tar tzf lists the bundle" tar tzf whole.tar.gz
check "the members: manifest, checkpoint, proof, floor, the three \
policies (init's, the demo's change, the second), entries, CSV, summary" out_is \
    "$(printf '%s\n' manifest.json checkpoint proof "floor/$df.floor" \
    "policies/$d1.policy" \
    "policies/$d2.policy" "policies/$d3.policy" entries.jsonl entries.csv \
    summary.txt)"
expect 0 "tar xzOf: the CSV" tar xzOf whole.tar.gz entries.csv
check "the CSV neutralises a formula" out_has "\"'=HYPERLINK(\"\"x\"\"),1\""

# Tampered copies, made with Python's tarfile and gzip, all in one run:
# tamper.py KIND:BUNDLE... writes t-KIND-BUNDLE for each.  Where a member
# is changed, the manifest's size and SHA-256 for it are made to match, so
# that only the deeper check can tell.
cat >tamper.py <<'EOF'
import base64, gzip, hashlib, io, json, re, sys, tarfile


def read(path):
    with tarfile.open(path, "r:gz") as t:
        ms = t.getmembers()
        return [(m.name, t.extractfile(m).read()) for m in ms], ms[0].mtime


def fix_manifest(members):
    d = dict(members)
    m = json.loads(d["manifest.json"])
    for e in m["members"]:
        e["size"] = len(d[e["name"]])
        e["sha256"] = hashlib.sha256(d[e["name"]]).hexdigest()
    raw = (json.dumps(m, ensure_ascii=False, separators=(",", ":")) +
           "\n").encode()
    return [(n, raw if n == "manifest.json" else b) for n, b in members]


def tar(members, mtime, extra=()):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w",
                      format=tarfile.USTAR_FORMAT) as t:
        for n, b in members + list(extra):
            ti = tarfile.TarInfo(n)
            ti.size, ti.mode, ti.mtime = len(b), 0o644, mtime
            t.addfile(ti, io.BytesIO(b))
    return buf.getvalue()


def edit(members, name, fn):
    return [(n, fn(b) if n == name else b) for n, b in members]


def patch_header(raw, name, fn):
    """Change the tar header of member `name`, its checksum made good."""
    at = raw.find(name + b"\0")
    h = bytearray(raw[at:at + 512])
    fn(h)
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return raw[:at] + bytes(h) + raw[at + 512:]


def field(members):
    """A pid changed in entries.jsonl and in entries.csv alike: only the
    entry's hash can tell."""
    d = dict(members)
    lines = d["entries.jsonl"].split(b"\n")
    i = len(lines) // 2
    e = json.loads(lines[i])
    pid, uid = e["pid"], e["uid"]
    lines[i] = lines[i].replace(b'"pid":%d,' % pid, b'"pid":%d,' % (pid + 1))
    rows = [r.replace(b",%d,%d," % (pid, uid), b",%d,%d," % (pid + 1, uid))
            if r.startswith(b"%d," % e["seq"]) else r
            for r in d["entries.csv"].split(b"\r\n")]
    members = edit(members, "entries.jsonl", lambda b: b"\n".join(lines))
    return edit(members, "entries.csv", lambda b: b"\r\n".join(rows))


def drop(b):
    lines = b.split(b"\n")
    del lines[len(lines) // 2]
    return b"\n".join(lines)


def more_denied(b):
    return re.sub(rb"denied attempts: ([0-9]+)",
                  lambda m: b"denied attempts: %d" % (int(m.group(1)) + 1),
                  b)


def another_policy(b):
    """Still a valid policy, but not the one that decided."""
    return b.replace(b"\ngroup staff", b"\ngroup staff \"nobody\"\n"
                     b"group staff2", 1)


def bigger(h):
    size = int(h[124:136].rstrip(b"\0 "), 8) + 1000
    h[124:136] = b"%011o\0" % size


def huge(h):
    h[124:136] = b"77777777777\0"      # 8 GiB less a byte


def symlink(h):
    h[156:157] = b"2"
    h[157:168] = b"/etc/passwd"


def proof_edit(kind):
    """A hash of the proof flipped (still base64), removed, or added."""
    def fn(b):
        lines = b.split(b"\n")[:-1]
        assert lines, "the proof is empty: nothing to tamper with"
        i = len(lines) // 2
        h = bytearray(base64.b64decode(lines[i]))
        h[7] ^= 0x10
        if kind == "proofflip":
            lines[i] = base64.b64encode(bytes(h))
        elif kind == "proofdrop":
            del lines[i]
        else:
            lines.insert(i, base64.b64encode(bytes(h)))
        return b"".join(x + b"\n" for x in lines)
    return fn


def drop_entry(members):
    """An entry left out, its CSV row too, and the manifest's count made
    to match: the proof must then not lead to the root."""
    d = dict(members)
    lines = d["entries.jsonl"].split(b"\n")
    seq = json.loads(lines[len(lines) // 2])["seq"]
    del lines[len(lines) // 2]
    rows = [r for r in d["entries.csv"].split(b"\r\n")
            if not r.startswith(b"%d," % seq)]
    m = json.loads(d["manifest.json"])
    m["entries"] -= 1
    members = edit(members, "entries.jsonl", lambda b: b"\n".join(lines))
    members = edit(members, "entries.csv", lambda b: b"\r\n".join(rows))
    return edit(members, "manifest.json", lambda b: json.dumps(
        m, separators=(",", ":")).encode() + b"\n")


def checkpoint_edit(kind):
    """Another log's origin, another size, or a bit of the signature
    flipped (past its key hash, so that it is still this key's)."""
    def fn(b):
        origin, size, rest = b.split(b"\n", 2)
        if kind == "cporigin":
            origin = b"auditlog/" + b"0" * 32
        elif kind == "cpsize":
            size = b"%d" % (int(size) - 1)
        else:
            text, sig = rest.rsplit(b" ", 1)
            raw = bytearray(base64.b64decode(sig))
            raw[40] ^= 0x01
            rest = text + b" " + base64.b64encode(bytes(raw)) + b"\n"
        return b"\n".join([origin, size, rest])
    return fn


def csv3(b):
    """entries.csv without format 4's gid, attested and user columns."""
    import csv as csvmod, io
    out = []
    for row in csvmod.reader(io.StringIO(b.decode(), newline="")):
        del row[21:24]
        out.append(",".join('"' + c.replace('"', '""') + '"'
                            if any(x in c for x in ',"\r\n') else c
                            for c in row) + "\r\n")
    return "".join(out).encode()


def format1(members):
    """The bundle as auditlog 0.1 wrote it: no checkpoint, no proof, no
    floor, and entries.csv and summary.txt without format 4's additions."""
    d = dict(members)
    m = json.loads(d["manifest.json"])
    m["format_version"] = 1
    m.pop("floor")

    def later(n):
        return n not in ("checkpoint", "proof") and not n.startswith("floor/")
    m["members"] = [x for x in m["members"] if later(x["name"])]
    members = [(n, b) for n, b in members if later(n)]
    members = edit(members, "entries.csv", csv3)
    # ...and summary.txt without format 4's floor and policy history
    members = edit(members, "summary.txt", lambda b: re.sub(
        rb"\npolicy history: .*?\n(?=\nverification at export time\n)", b"",
        re.sub(rb"\nfloor     .*?\n(?=\naccesses by purpose\n)", b"", b,
               flags=re.S), flags=re.S))
    for x in m["members"]:
        if x["name"] in ("entries.csv", "summary.txt"):
            c = dict(members)[x["name"]]
            x["size"] = len(c)
            x["sha256"] = hashlib.sha256(c).hexdigest()
    return edit(members, "manifest.json", lambda b: json.dumps(
        m, separators=(",", ":")).encode() + b"\n")


def make(kind, src, dst):
    members, mtime = read(src)
    extra = ()
    policy = next(n for n, _ in members if n.startswith("policies/"))
    if kind == "field":
        members = field(members)
    elif kind == "drop":
        members = edit(members, "entries.jsonl", drop)
    elif kind == "summary":
        members = edit(members, "summary.txt", more_denied)
    elif kind == "policy":
        members = edit(members, policy, another_policy)
    elif kind == "csv":
        members = edit(members, "entries.csv",
                       lambda b: b.replace(b",deny,", b",allow,", 1))
    elif kind == "traversal":
        extra = [("../evil", b"evil\n")]
    elif kind in ("proofflip", "proofdrop", "proofadd"):
        members = edit(members, "proof", proof_edit(kind))
    elif kind == "dropentry":
        members = drop_entry(members)
    elif kind in ("cporigin", "cpsize", "cpsig"):
        members = edit(members, "checkpoint", checkpoint_edit(kind))
    elif kind == "format1":
        members = format1(members)
    elif kind == "longline":
        members = edit(members, "entries.jsonl", lambda b: b +
                       b'{"seq":"' + b"9" * (10 << 20) + b'"}\n')
    raw = tar(fix_manifest(members), mtime, extra)
    if kind == "size":
        raw = patch_header(raw, b"entries.jsonl", bigger)
    elif kind == "hugesize":
        raw = patch_header(raw, b"summary.txt", huge)
    elif kind == "symlink":
        raw = patch_header(raw, b"entries.csv", symlink)
    elif kind == "lone":
        # The archive's end: one zero block, not two.
        end = len(raw)
        while raw[end - 512:end] == bytes(512):
            end -= 512
        raw = raw[:end] + bytes(512)
    if kind == "notgzip":
        with open(dst, "wb") as f:
            f.write(raw)
        return
    with open(dst, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
            g.write(raw)


for arg in sys.argv[1:]:
    kind, src = arg.split(":", 1)
    make(kind, src, "t-%s-%s" % (kind, src))
EOF
w=whole.tar.gz
check "tamper.py makes the tampered copies" python3 tamper.py same:$w \
    field:$w field:period.tar.gz drop:$w drop:customer.tar.gz summary:$w \
    summary:denied.tar.gz policy:$w csv:$w traversal:$w symlink:$w size:$w \
    hugesize:$w longline:$w notgzip:$w lone:$w

refused() {	# refused DESCRIPTION FILE TEXT: both checkers refuse FILE
	if [ ! -s "$2" ] || cmp -s "$2" whole.tar.gz; then
		not_ok "$1 (the copy was not made, or not changed)"
		return
	fi
	expect 1 "auditlog verify-export refuses $1" al verify-export "$2"
	expect 1 "verify-export.py refuses $1" vx "$2"
	check "verify-export.py says why: $1" out_has "$3"
}

# The repacking itself changes nothing a checker looks at.
accepted t-same-$w

refused "a changed field (manifest fixed)" t-field-$w ": hash is "
refused "a changed field in a period (manifest fixed)" \
    t-field-period.tar.gz ": hash is "
refused "a dropped line (manifest fixed)" t-drop-$w \
    "entries, but the manifest says"
refused "a dropped line of one customer's" t-drop-customer.tar.gz \
    "entries, but the manifest says"
refused "an edited summary (manifest fixed)" t-summary-$w \
    "summary.txt: line "
refused "an edited summary of denials" t-summary-denied.tar.gz \
    "summary.txt: line "
refused "a swapped policy text (manifest fixed)" t-policy-$w \
    ".policy: its SHA-256 is "
refused "a changed CSV cell (manifest fixed)" t-csv-$w \
    "entries.csv: the row of seq"
refused "a member named ../evil" t-traversal-$w \
    "'../evil': not a member a bundle may hold"
check "nothing was written outside the test's folder" \
    [ ! -e "$(dirname "$T")/evil" ]
refused "a member that is a symbolic link" t-symlink-$w "not a regular file"
refused "a member whose header size lies" t-size-$w "entries.jsonl: "
refused "a member whose header claims 8 GiB" t-hugesize-$w \
    "a bundle member may hold"
refused "a 10 MB single line (manifest fixed)" t-longline-$w \
    "a line longer than"
refused "a file that is not gzip (a bare tar)" t-notgzip-$w "not a gzip file"
refused "an archive that ends with one zero block" t-lone-$w \
    "truncated: the archive ends inside its end marker"

size=$(wc -c <whole.tar.gz | tr -d ' ')
head -c $((size / 2)) whole.tar.gz >half.tar.gz
refused "a file cut in half" half.tar.gz "truncated"
head -c $((size - 4)) whole.tar.gz >trailer.tar.gz
refused "a file cut inside the gzip trailer" trailer.tar.gz "truncated"
cat whole.tar.gz customer.tar.gz >appended.tar.gz
refused "a bundle with another appended" appended.tar.gz \
    "data after the end of the archive"
printf 'not a bundle\n' >text.tar.gz
refused "a text file" text.tar.gz "not a gzip file"
: >empty.tar.gz
expect 1 "auditlog verify-export refuses an empty file" \
    al verify-export empty.tar.gz
expect 1 "verify-export.py refuses an empty file" vx empty.tar.gz

# Format 2 (FORMAT.md 14.6): the proof binds every exported entry, at its
# seq, to the checkpoint.  A customer's export needs hashes in its proof
# (an export of everything needs none).  Where only the proof or the
# checkpoint was touched, both checkers must print the same JSON object.
c=customer.tar.gz
check "the proof of a customer's export holds hashes" \
    sh -c "tar xzOf $c proof | grep -q '^[A-Za-z0-9+/]\{43\}=\$'"
check "tamper.py makes the format 2 copies" python3 tamper.py \
    proofflip:$c proofdrop:$c proofadd:$c dropentry:$c cporigin:$c \
    cpsize:$c format1:$c format1:$w

refused_alike() {	# refused_alike DESC FILE TEXT [ARGS]: the same JSON
	_d=$1
	_f=$2
	_t=$3
	shift 3
	if [ ! -s "$_f" ]; then
		not_ok "$_d (the copy was not made)"
		return
	fi
	expect 1 "auditlog verify-export refuses $_d" \
	    al verify-export --json "$_f" "$@"
	cp "$T/out" c.json
	check "auditlog verify-export says why: $_d" out_has "$_t"
	expect 1 "verify-export.py refuses $_d" vx --json "$_f" "$@"
	check "verify-export.py says why: $_d" out_has "$_t"
	check "both print the same JSON object: $_d" cmp -s c.json "$T/out"
}

refused_alike "a proof with a hash flipped (manifest fixed)" \
    t-proofflip-$c "the entries and the proof do not lead to the checkpoint's root"
refused_alike "a proof with a hash removed (manifest fixed)" \
    t-proofdrop-$c "too few hashes"
refused_alike "a proof with a hash added (manifest fixed)" \
    t-proofadd-$c "proof: 1 hashes more than the entries need"
refused_alike "a checkpoint of another log (manifest fixed)" \
    t-cporigin-$c "checkpoint: it names another log than the manifest's"
refused_alike "a checkpoint whose size is not the head (manifest fixed)" \
    t-cpsize-$c "is not the manifest's head seq"
# An entry left out, with its CSV row, the manifest's count made to match:
# the summary's counts differ too (each checker says so in its words), but
# the proof must not lead to the root: its gap is now wider, and takes
# fewer (or other) hashes than the proof holds.
tree_says() {	# the proof's verdict on the last run's output
	grep -qE "do not lead to the checkpoint's root|hashes more than the \
entries need|too few hashes" "$T/out"
}
expect 1 "auditlog verify-export refuses an entry left out (manifest fixed)" \
    al verify-export t-dropentry-$c
check "...the proof does not lead to the root" tree_says
expect 1 "verify-export.py refuses an entry left out (manifest fixed)" \
    vx t-dropentry-$c
check "...the proof does not lead to the root" tree_says

# A bundle of format 1 is still read, and proves nothing of the tree.
accepted t-format1-$c
check "...without a tree line" sh -c "! grep -q 'proven in' '$T/out'"
accepted t-format1-$w

# RFC 8032 section 7.1, tests 1 to 3, and forgeries of them: the Python
# checker's own Ed25519.
cat >ed25519.py <<'EOF'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("vx", sys.argv[1])
vx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vx)
tests = [
    ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
     "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]
bad = 0
for pk, msg, sig in tests:
    pk, msg, sig = bytes.fromhex(pk), bytes.fromhex(msg), bytes.fromhex(sig)
    s = int.from_bytes(sig[32:], "little")
    forged = [sig[:5] + bytes([sig[5] ^ 1]) + sig[6:],      # in R
              sig[:40] + bytes([sig[40] ^ 1]) + sig[41:],   # in S
              sig[:32] + (s + vx.ED_L).to_bytes(32, "little")]  # S + L
    bad += not vx.ed25519_verify(pk, msg, sig)
    bad += vx.ed25519_verify(pk, msg + b"x", sig)
    bad += any(vx.ed25519_verify(pk, msg, f) for f in forged)
    bad += vx.ed25519_verify(bytes([pk[0] ^ 1]) + pk[1:], msg, sig)
sys.exit(1 if bad else 0)
EOF
check "Ed25519: RFC 8032 tests 1-3 verify, their forgeries do not" \
    python3 ed25519.py "$VX"

# Keys: a signed export (it appends a checkpoint entry to the log).
expect 0 "keygen" "$AUDITLOG" keygen -o k
expect 0 "keygen: another key" "$AUDITLOG" keygen -o other --name other
bundle signed --sign k.key
accepted signed.tar.gz --key k.pub
check "...says the key signed its tree head" out_has \
    "proven in the log's tree of size $(($(al head | sed 's/ .*//') - 1)), whose head the key signed"
expect 0 "verify-export.py --json --key" vx --json signed.tar.gz --key k.pub
check "...says the tree is signed" out_has \
    '"tree":{"size":'"$(($(al head | sed 's/ .*//') - 1))"',"signed":true},"problems_found":0}'
refused_alike "a signed bundle, given another key" signed.tar.gz \
    "checkpoint: the checkpoint has no signature by other" --key other.pub
refused_alike "an unsigned bundle, given a key" $c \
    "checkpoint: the checkpoint is not signed" --key k.pub
check "tamper.py forges a signature" python3 tamper.py cpsig:signed.tar.gz
refused_alike "a signature with a bit flipped (manifest fixed)" \
    t-cpsig-signed.tar.gz "checkpoint: the signature by k does not verify" \
    --key k.pub
accepted t-cpsig-signed.tar.gz
refused_alike "a bundle of format 1, given a key" t-format1-$c \
    "a bundle of format 1 has no checkpoint to check" --key k.pub
sed 's/^\([^+]*\)+[0-9a-f]\{8\}+/\1+00000000+/' k.pub >wrong.pub
for kf in wrong.pub k.key; do
	expect 2 "auditlog verify-export: --key $kf is not a verifier key" \
	    al verify-export $c --key $kf
	expect 2 "verify-export.py: --key $kf is not a verifier key" \
	    vx $c --key $kf
	check "...says so" err_has "$kf: "
done
expect 2 "auditlog verify-export: --key of a missing file" \
    al verify-export $c --key missing.pub
expect 2 "verify-export.py: --key of a missing file" vx $c --key missing.pub

# Checkpoint entries in a bundle: the whole log's, with its CSV row.
bundle signedwhole
accepted signedwhole.tar.gz
expect 0 "tar xzOf: the CSV" tar xzOf signedwhole.tar.gz entries.csv
check "...holds the checkpoint entry" out_has ",checkpoint,"

# A checkpoint published earlier: a bundle proven in it, and one that is
# not (the log has grown since).
# Unsigned first: signing appends a checkpoint entry, but both are of the
# head before it.
expect 0 "checkpoint (unsigned)" sh -c "'$AUDITLOG' -d '$T/log' checkpoint \
    >plain.cp"
expect 0 "checkpoint --sign" sh -c "'$AUDITLOG' -d '$T/log' checkpoint \
    --sign k.key >held.cp"
check "...of the same tree head" sh -c "head -n 3 held.cp | cmp -s - plain.cp"
expect 0 "record: the log grows past the checkpoint" \
    al record --actor svc:billing --customer acme \
    --purpose service-provision --action read --data billing
bundle pinned --customer acme --checkpoint held.cp
for x in "al verify-export" vx; do
	expect 2 "$x: a signed held checkpoint, neither --key nor --no-key" \
	    $x pinned.tar.gz --checkpoint held.cp
	check "...a usage error that says what to give" err_has \
	    "held.cp: the checkpoint is signed: check its signature with --key PUBFILE, or give --no-key"
	expect 2 "$x: --no-key with --key" \
	    $x pinned.tar.gz --checkpoint held.cp --key k.pub --no-key
	expect 2 "$x: --no-key without --checkpoint" $x pinned.tar.gz --no-key
	check "...says so" err_has "--no-key goes with --checkpoint, without --key"
done
accepted pinned.tar.gz --checkpoint held.cp --no-key
accepted pinned.tar.gz --checkpoint held.cp --key k.pub
check "...signed, as the held one is" out_has "whose head the key signed"
accepted pinned.tar.gz --checkpoint plain.cp
bundle now --customer acme
accepted now.tar.gz
refused_alike "a bundle of a later head, given the held checkpoint" \
    now.tar.gz "not in the checkpoint you hold (size " --checkpoint held.cp \
    --no-key
refused_alike "a bundle of format 1, given a checkpoint" t-format1-$c \
    "a bundle of format 1 has no checkpoint to check" --checkpoint held.cp \
    --no-key
expect 1 "auditlog verify-export: an unsigned held checkpoint and a key" \
    al verify-export pinned.tar.gz --checkpoint plain.cp --key k.pub
expect 1 "verify-export.py: an unsigned held checkpoint and a key" \
    vx pinned.tar.gz --checkpoint plain.cp --key k.pub
check "...says so" err_has "plain.cp: the checkpoint is not signed"

# Exit statuses: 2 for usage, 3 for a file that cannot be read.
expect 2 "auditlog verify-export: no file is a usage error" al verify-export
expect 2 "verify-export.py: no file is a usage error" vx
expect 2 "verify-export.py: a malformed --expect" \
    vx whole.tar.gz --expect 5
expect 3 "auditlog verify-export: a missing file" \
    al verify-export missing.tar.gz
expect 3 "verify-export.py: a missing file" vx missing.tar.gz

done_testing
