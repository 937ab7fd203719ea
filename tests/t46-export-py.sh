#!/bin/sh
# t46-export-py.sh - export bundles, checked by both checkers
#
# Every bundle `auditlog export` writes must be accepted by `auditlog
# verify-export` and by contrib/verify-export.py (Python's standard library
# only, written from docs/FORMAT.md), and every tampered copy refused by
# both: a changed field, a dropped line, an edited summary, a swapped
# policy, a changed CSV cell, hostile tar members, a truncated or non-gzip
# file, a huge line.  The same log, filters and SOURCE_DATE_EPOCH give the
# same bytes.

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
AUDITLOG_BIN=$AUDITLOG sh "$DEMO" "$T/log" >demo.out 2>&1
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
expect 0 "policy set: a second policy" \
    al policy set second.policy --actor carol
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
d1=$(grep '"kind":"policy"' log.jsonl | sed -n 1p |
    sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/')
d2=$(grep '"kind":"policy"' log.jsonl | sed -n 2p |
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
	check "verify-export.py says it is verified" out_has "bundle verified: "
}

bundle whole
accepted whole.tar.gz
check "the whole log: every entry" out_has \
    "bundle verified: $(wc -l <log.jsonl | tr -d ' ') entries (seq 1 to"
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
check "an empty export" out_has "bundle verified: 0 entries, head"

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
check "the members: manifest, policies, entries, CSV, summary" out_is \
    "$(printf '%s\n' manifest.json "policies/$d1.policy" \
    "policies/$d2.policy" entries.jsonl entries.csv summary.txt)"
expect 0 "tar xzOf: the CSV" tar xzOf whole.tar.gz entries.csv
check "the CSV neutralises a formula" out_has "\"'=HYPERLINK(\"\"x\"\"),1\""

# Tampered copies, made with Python's tarfile and gzip, all in one run:
# tamper.py KIND:BUNDLE... writes t-KIND-BUNDLE for each.  Where a member
# is changed, the manifest's size and SHA-256 for it are made to match, so
# that only the deeper check can tell.
cat >tamper.py <<'EOF'
import gzip, hashlib, io, json, re, sys, tarfile


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
    elif kind == "longline":
        members = edit(members, "entries.jsonl", lambda b: b +
                       b'{"seq":"' + b"9" * (10 << 20) + b'"}\n')
    raw = tar(fix_manifest(members), mtime, extra)
    if kind == "size":
        raw = patch_header(raw, b"entries.jsonl", bigger)
    elif kind == "hugesize":
        raw = patch_header(raw, b"entries.jsonl", huge)
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

# Exit statuses: 2 for usage, 3 for a file that cannot be read.
expect 2 "auditlog verify-export: no file is a usage error" al verify-export
expect 2 "verify-export.py: no file is a usage error" vx
expect 2 "verify-export.py: a malformed --expect" \
    vx whole.tar.gz --expect 5
expect 3 "auditlog verify-export: a missing file" \
    al verify-export missing.tar.gz
expect 3 "verify-export.py: a missing file" vx missing.tar.gz

done_testing
