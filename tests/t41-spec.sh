#!/bin/sh
# t41-spec.sh - what docs/FORMAT.md says, held against what the tool makes
#
# The parts of the document a machine can check: the version numbers it
# states, the version and kind bytes of every kind (3.1, 3.6, 7), the
# sizes of 3.5, the JSON keys of section 11 for each kind, in order, the
# CSV header and a checkpoint's row (13.3), the gzip members of 13.1 in
# both checkers, and the worked example of section 12 against a log made
# the same way now.  tests/recompute.py, written from the document, must
# accept a log holding every kind of entry.
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
RECOMPUTE=$here/recompute.py
VX=$top/contrib/verify-export.py
FORMAT=$top/docs/FORMAT.md
. "$here/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	ok "# SKIP python3 is not installed"
	done_testing
	exit
fi

# Versions: the title, section 8's meta table and the tool agree.
ver=$("$AUDITLOG" --version | sed -n 's/.*(log format \([0-9]*\))$/\1/p')
check "auditlog --version names the log format" [ -n "$ver" ]
check "FORMAT.md's title is of log format $ver" \
    grep -qx "# The auditlog log format, version $ver" "$FORMAT"
check "FORMAT.md 8: meta version is $ver" \
    grep -q "| \`version\` | \`u32\` | the log's format version: $ver\. " "$FORMAT"

# A log with every kind: the floor and the first policy (init), accesses
# allowed and denied (by the floor, for a purpose it does not permit, by a
# deny rule, without and with a malformed reference, for a person
# providing the service), a proposal rejected, a proposal approved by a
# second administrator (uid 4242: a process whose real uid it is, made by
# perl's setreuid; as root only, else policy set on a single-person log),
# a signed checkpoint, and accesses after it.
rm -rf "$T/log"
if [ "$(id -u)" -eq 0 ] && command -v perl >/dev/null 2>&1; then
	two=1
	al init --admin 4242 >/dev/null 2>&1 || exit 1
else
	two=0
	al init --approvers 1 >/dev/null 2>&1 || exit 1
fi
r() { al record "$@" >/dev/null 2>&1; }
r --actor svc:billing --customer acme --purpose service-provision \
    --action read --data billing --resource invoices/1 --reason run \
    --service billing-api
r --actor alice --customer acme --purpose support-ticket --ref SUP-4711 \
    --action read --data contact
r --actor alice --customer acme --purpose marketing --action read
r --actor alice --customer acme --purpose gossip --action read
r --actor alice --customer acme --purpose support-ticket --action read
r --actor alice --customer acme --purpose support-ticket --ref SUP-0 \
    --action read
r --actor alice --customer acme --purpose service-provision --action read
r --actor alice --customer acme --purpose technical-fix --ref INC-1 \
    --action sell
printf 'purpose technical-fix "d"\ngroup g "*"\nallow g purpose technical-fix action read\n' >p2.policy
if [ "$two" -eq 1 ]; then
	printf 'purpose technical-fix "d"\n' >p3.policy
	d3=$(al policy propose p3.policy --actor ops | sed -n 's/^proposed \([0-9a-f]*\) .*/\1/p')
	expect 0 "a proposal rejected" al policy reject "$d3" --actor ops
	d2=$(al policy propose p2.policy --actor ops | sed -n 's/^proposed \([0-9a-f]*\) .*/\1/p')
	expect 0 "a proposal approved by a second administrator" \
	    perl -e '$< = shift; exec @ARGV' 4242 "$AUDITLOG" -d "$T/log" \
	    policy approve "$d2" --actor ops
	check "...which activates it" out_has "activated $d2 at seq 15"
	nent=18
else
	expect 0 "policy set on a single-person log" \
	    al policy set p2.policy --actor ops
	nent=15
fi
"$AUDITLOG" keygen -o "$T/k" >/dev/null 2>&1
expect 0 "checkpoint --sign appends a checkpoint entry" \
    al checkpoint --sign "$T/k.key" --actor carol
r --actor bob --customer globex --purpose technical-fix --action read
r --actor bob --customer globex --purpose technical-fix --action write
expect 0 "the log verifies" al verify
al log --json >log.jsonl
check "the log holds $nent entries" [ "$(wc -l <log.jsonl)" -eq "$nent" ]
kinds="access policy checkpoint floor proposal"
[ "$two" -eq 1 ] && kinds="$kinds approval rejection"
for k in $kinds; do
	check "...a $k entry among them" grep -q "\"kind\":\"$k\"" log.jsonl
done

expect 0 "recompute.py accepts a log with every kind" \
    python3 "$RECOMPUTE" --hex <log.jsonl
check "...every entry recomputed" out_has "$nent entries recomputed"
sed -n 's/^\([0-9]*\) \([0-9a-f]*\)$/\1 \2/p' "$T/out" >hex.txt
check "...and every encoding printed" [ "$(wc -l <hex.txt)" -eq "$nent" ]

# The rest in Python: the document's tables parsed, the tool's output
# read, and one line "ok ..." or "not ok ..." (TAP-like, counted below)
# for each claim.
python3 - "$FORMAT" log.jsonl hex.txt "$kinds" >claims.txt 2>&1 <<'PY'
import json, re, sys
fmt, log, hexf, kinds = sys.argv[1:5]
doc = open(fmt, encoding="utf-8").read()
entries = [json.loads(l, object_pairs_hook=lambda p: p)
           for l in open(log, encoding="utf-8")]
enc = {}
for l in open(hexf):
    s, h = l.split()
    enc[int(s)] = bytes.fromhex(h)

def claim(ok, what):
    print(("ok " if ok else "not ok ") + what)

# Section 11's table: `key` | kinds | ...
sec11 = doc[doc.index("## 11."):doc.index("## 12.")]
rows = [(k, ks.split(", ")) for k, ks in
        re.findall(r"^\| `([a-z_]+)` +\| ([a-z0-9, ]+?) +\|", sec11, re.M)]
claim(len(rows) >= 20, "FORMAT.md 11: the key table parses (%d rows)" %
      len(rows))
# A log of format 6 writes every kind as entry version 3 (3.7).
KIND = {"access": 1, "policy": 2, "checkpoint": 3, "floor": 4,
        "proposal": 5, "approval": 6, "rejection": 7}
KIND = {k: v for k, v in KIND.items() if k in kinds.split()}
VERSION = {k: 3 for k in KIND}
sec35 = doc[doc.index("### 3.5"):doc.index("### 3.6")]
sec35 = sec35[sec35.index("In version 3"):]
seen = set()
for pairs in entries:
    o = dict(pairs)
    kind = o["kind"]
    keys = [k for k, _ in pairs]
    want = [k for k, ks in rows if "all" in ks or kind in ks or
            (o["version"] == 3 and "version3" in ks)]
    if kind not in seen:
        claim(keys == want, "FORMAT.md 11: a %s object's keys, in order, "
              "are the table's" % kind)
        claim(o["version"] == VERSION[kind], "FORMAT.md 11: a %s object's "
              "version is %d" % (kind, VERSION[kind]))
        b = enc[o["seq"]]
        claim(b[0] == VERSION[kind] and b[1] == KIND[kind],
              "FORMAT.md 3.1/7: a %s entry's version and kind bytes are "
              "%02x %02x" % (kind, VERSION[kind], KIND[kind]))
        strs = {"access": ["customer", "data", "action", "resource",
                           "purpose", "ref", "reason", "rule", "detail"],
                "policy": ["name", "text"],
                "floor": ["name", "text"],
                "proposal": ["name", "text"],
                "approval": [], "rejection": [],
                "checkpoint": ["note"]}[kind]
        strs += ["service", "host", "actor", "user"]
        empty = len(b) - sum(len(o[k].encode("utf-8")) for k in strs)
        # 3.7: each group is a u32 and a string
        empty -= sum(8 + len(g["name"].encode("utf-8")) for g in
                     [dict(x) for x in o["groups"]])
        m = re.search(r"%s entry (?:is )?(\d+)" % (
                      "an access" if kind == "access" else
                      "an approval or rejection" if kind in ("approval",
                      "rejection") else "a " + kind), sec35)
        claim(m is not None and int(m.group(1)) == empty,
              "FORMAT.md 3.5: a %s entry with every string empty is %d "
              "bytes" % (kind, empty))
        seen.add(kind)
claim(seen == set(KIND), "every kind was looked at")

# Section 12: the worked example's lines have the keys and the values
# of a log made as it says, but for the run's times, pids, host, uid
# and hashes (and the writer's gid, user and groups).
PY
# Each claim a test of its own; the script must have run to its end.
while IFS= read -r line; do
	case $line in
	"ok "*)		ok "${line#ok }" ;;
	"not ok "*)	not_ok "${line#not ok }" ;;
	*)		not_ok "claims: $line" ;;
	esac
done <claims.txt
check "every claim was checked" grep -qx "ok every kind was looked at" claims.txt

# 7: the version byte goes with the kind.  A checkpoint entry (03 03,
# 3.7) with its version made 01 (version 1, kind 3), or 07, is refused as
# undecodable, never read as another kind.
cpseq=$(sed -n 's/.*"seq":\([0-9]*\),.*"kind":"checkpoint".*/\1/p' log.jsonl)
for spec in "0 1:version 1:entry kind 3 in format version 1" \
    "0 2:version 7:unknown format version 7"; do
	rm -rf c && cp -R "$T/log" c
	# shellcheck disable=SC2086
	set -- ${spec%%:*}
	"$TAMPER" "$T/c" flip "$cpseq" "$1" "$2" >/dev/null 2>&1 ||
	    not_ok "tamper flip $cpseq $1 $2"
	_rest=${spec#*:}
	expect 1 "FORMAT.md 7: a checkpoint entry made ${_rest%%:*} is refused" \
	    "$AUDITLOG" -d "$T/c" verify
	check "...as one that cannot be decoded" out_has "${_rest#*:}"
done

# 13.3: the CSV header is the document's, and a checkpoint's row holds
# its tree root in the policy column and nothing where the kind has no
# value.
expect 0 "export of the whole log" al export -o whole.tar.gz
tar xzf whole.tar.gz entries.csv
cols=$(sed -n '/^### 13.3/,/^### 13.4/p' "$FORMAT" | tr '\n' ' ' |
    sed -n 's/.*Columns: `\([^`]*\)`.*/\1/p' | tr -d ' ')
check "FORMAT.md 13.3 names the columns" [ -n "$cols" ]
check "...which are entries.csv's header" \
    [ "$(head -n 1 entries.csv | tr -d '\r')" = "$cols" ]
root=$(sed -n 's/.*"kind":"checkpoint".*"tree_root":"\([0-9a-f]*\)".*/\1/p' log.jsonl)
row=$(grep "^$cpseq," entries.csv | tr -d '\r')
check "FORMAT.md 13.3: a checkpoint row: tree root in policy, the rest empty" \
    sh -c 'echo "$1" | grep -Eq "^$2,[0-9T:.Z-]+,checkpoint,carol,,,,,,,,,,,,$3,,,[^,]+,[0-9]+,[0-9]+,[0-9]+,(true|false),[^,]*,[0-9a-f]{64},[0-9a-f]{64}\$"' \
    sh "$row" "$cpseq" "$root"

# 13.1: several gzip members are one stream; zero bytes in a member after
# the archive's end are tar's padding; anything else appended is refused.
gzip -dc whole.tar.gz >whole.tar
head -c 5000 whole.tar | gzip -n >split.tar.gz
tail -c +5001 whole.tar | gzip -n >>split.tar.gz
cp whole.tar.gz zeros.tar.gz
head -c 10240 /dev/zero | gzip -n >>zeros.tar.gz
cp whole.tar.gz empty.tar.gz
gzip -n </dev/null >>empty.tar.gz
cp whole.tar.gz twice.tar.gz
cat whole.tar.gz >>twice.tar.gz
cp whole.tar.gz raw0.tar.gz
head -c 512 /dev/zero >>raw0.tar.gz
cp whole.tar.gz junk.tar.gz
printf 'x' >>junk.tar.gz
for b in "split:0:split in two gzip members" \
    "zeros:0:with a gzip member of zeros appended" \
    "empty:0:with an empty gzip member appended" \
    "twice:1:with a second bundle appended" \
    "junk:1:with a byte appended that is not gzip"; do
	f=${b%%:*}.tar.gz
	w=${b#*:}
	expect "${w%%:*}" "FORMAT.md 13.1: verify-export, a bundle ${w#*:}" \
	    "$AUDITLOG" verify-export "$f"
	expect "${w%%:*}" "FORMAT.md 13.1: verify-export.py, a bundle ${w#*:}" \
	    python3 "$VX" "$f"
done
expect 1 "FORMAT.md 13.1: verify-export, raw zero bytes after the last member" \
    "$AUDITLOG" verify-export raw0.tar.gz

# 12: the worked example is what the tool prints for a log made as it
# says, but for what differs from run to run: the times, the process ids
# and with them the hashes, and the host and the identity (uid, gid, user, groups).
sed -n '/^## 12\./,/^<!-- example:json -->/p' "$FORMAT" |
    awk '/^```/ { n++; next } n == 1 { print }' >tiny.policy
check "FORMAT.md 12: tiny.policy is 121 bytes" [ "$(wc -c <tiny.policy)" -eq 121 ]
check "...with the digest it names" grep -q "\`sha256sum tiny.policy\` gives \`$(sha256sum tiny.policy | cut -c1-8)…" "$FORMAT"
sed -n '/^## 12\./,/^<!-- example:json -->/p' "$FORMAT" |
    awk '/^```/ { n++; next } n == 3 { print }' >tiny.floor
check "FORMAT.md 12: tiny.floor is 60 bytes" [ "$(wc -c <tiny.floor)" -eq 60 ]
check "...with the digest it names" grep -q "^\`sha256sum tiny.floor\` gives \`$(sha256sum tiny.floor | cut -c1-8)…" "$FORMAT"
"$AUDITLOG" -d ex init --floor tiny.floor --policy tiny.policy \
    --actor ops >/dev/null 2>&1
AUDITLOG_SERVICE=helpdesk "$AUDITLOG" -d ex record --actor Åsa \
    --customer acme --purpose support --ref SUP-4711 --action read \
    --data contact >/dev/null 2>&1
"$AUDITLOG" -d ex log --json >ex.jsonl
awk '$0 == "<!-- example:json -->" { f = 1; next }
    f == 1 && /^```/ { f = 2; next } f == 2 && /^```/ { exit }
    f == 2 { print }' "$FORMAT" >doc.jsonl
check "FORMAT.md 12: the example's lines are the tool's, run to run aside" \
    python3 -c '
import json, sys
def norm(path):
    out = []
    for l in open(path, encoding="utf-8"):
        pairs = json.loads(l, object_pairs_hook=lambda p: p)
        out.append([(k, None if k in ("time", "pid", "host", "uid", "gid",
                                      "user", "groups", "prev",
                                      "hash") else v) for k, v in pairs])
    return out
a, b = norm(sys.argv[1]), norm(sys.argv[2])
if a != b:
    print("#   doc:  %r\n#   tool: %r" % (a, b))
sys.exit(a != b or len(a) != 3)' doc.jsonl ex.jsonl

done_testing
