#!/bin/sh
# mkcorpus-bundle.sh AUDITLOG OUTDIR - write the fuzz_bundle seed corpus:
# real bundles made by `auditlog export` from small logs (the whole log,
# one customer, an empty selection, a seq range, a log under a small
# policy), each as the file itself (first byte 0), as its tar stream for
# the harness to gzip (first byte 1) and with its tar checksums fixed by
# the harness (first byte 3); and damaged ones: cut short, a byte
# flipped, a member renamed out of the folder, a manifest that lies.
# The tar streams end after their two zero blocks (no record padding),
# to stay small.  Needs python3.  How fuzz/corpus/fuzz_bundle was made:
#   sh fuzz/mkcorpus-bundle.sh build/auditlog fuzz/corpus/fuzz_bundle
# (its format1-* seeds were made the same way before bundle format 2, and
# kept: the reader still takes format 1)
set -eu
al=$1
outdir=$2
t=$(mktemp -d "${TMPDIR:-/tmp}/auditlog-corpus.XXXXXX")
trap 'rm -rf "$t"' EXIT
export AUDITLOG_SERVICE=corpus SOURCE_DATE_EPOCH=1795000000

rec() {		# rec LOG ARGS...: record, allowed or denied
	_l=$1
	shift
	"$al" -d "$_l" record "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
}

"$al" -d "$t/big" init >/dev/null
rec "$t/big" --actor svc:billing --customer acme \
    --purpose service-provision --action read --data billing \
    --resource invoices/2026-11
rec "$t/big" --actor alice --customer acme --purpose support-ticket \
    --ref SUP-4711 --action read --data contact --reason "a=1,\"b\""
rec "$t/big" --actor svc:ads --customer initech --purpose marketing \
    --action sell

printf '%s\n' 'purpose p "a small policy"' 'group g "dave"' \
    'allow g purpose p action read' > "$t/small.policy"
chmod 644 "$t/small.policy"
"$al" -d "$t/small" init --policy "$t/small.policy" >/dev/null
rec "$t/small" --actor dave --customer acme --purpose p --action read
rec "$t/small" --actor erin --customer acme --purpose p --action read
rec "$t/small" --actor dave --customer "=cmd|' /C calc'!A0" --purpose p \
    --action read

exp() {		# exp NAME LOG ARGS...
	_n=$1
	_l=$2
	shift 2
	"$al" -d "$t/$_l" export -o "$t/$_n.tar.gz" "$@" >/dev/null
}
exp whole big
exp customer big --customer acme
exp none big --customer nobody
exp range big --from-seq 2 --to-seq 3
exp small small
exp small-deny small --decision deny

mkdir -p "$outdir"
for b in "$t"/*.tar.gz; do
	n=$(basename "$b" .tar.gz)
	python3 - "$b" "$outdir/$n" <<'EOF'
import gzip, sys
src, out = sys.argv[1], sys.argv[2]
gz = open(src, "rb").read()
tar = gzip.decompress(gz)
# the members, then two zero blocks: drop the record padding
end = len(tar)
while end >= 512 and tar[end - 512:end] == bytes(512):
	end -= 512
tar = tar[:end] + bytes(1024)
open(out + ".gz", "wb").write(b"\0" + gz)
open(out + ".tar", "wb").write(b"\1" + tar)
open(out + ".tar-fix", "wb").write(b"\3" + tar)
EOF
done

# Damaged: cut, flipped, renamed, lying; from the small bundle.
python3 - "$t/small.tar.gz" "$outdir" <<'EOF'
import gzip, io, json, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
gz = open(src, "rb").read()
def save(name, mode, data):
	open("%s/%s" % (out, name), "wb").write(bytes([mode]) + data)
save("damaged-cut.gz", 0, gz[:len(gz) // 2])
flipped = bytearray(gz)
flipped[len(gz) // 3] ^= 0x20
save("damaged-flip.gz", 0, bytes(flipped))
save("damaged-trailer.gz", 0, gz[:-4] + b"\0\0\0\0")
save("damaged-appended.gz", 0, gz + gz)
members = []
with tarfile.open(src) as t:
	for m in t.getmembers():
		members.append((m.name, t.extractfile(m).read()))
def tar(pairs):
	bio = io.BytesIO()
	t = tarfile.open(fileobj=bio, mode="w", format=tarfile.USTAR_FORMAT)
	for name, data in pairs:
		ti = tarfile.TarInfo(name)
		ti.size = len(data)
		ti.mode = 0o600
		t.addfile(ti, io.BytesIO(data))
	t.close()
	raw = bio.getvalue()
	end = len(raw)
	while end >= 512 and raw[end - 512:end] == bytes(512):
		end -= 512
	return raw[:end] + bytes(1024)
def renamed(old, new):
	return [(new if n == old else n, d) for n, d in members]
save("damaged-traversal.tar", 1, tar(renamed("summary.txt",
    "../../summary.txt")))
save("damaged-order.tar", 1, tar(list(reversed(members))))
lying = []
for n, d in members:
	if n == "manifest.json":
		j = json.loads(d)
		for x in j["members"]:
			if x["name"] == "entries.jsonl":
				x["size"] += 7
		d = json.dumps(j).encode()
	lying.append((n, d))
save("damaged-lying-size.tar", 1, tar(lying))
edited = []
for n, d in members:
	if n == "entries.jsonl":
		d = d.replace(b'"erin"', b'"eve!"')
	edited.append((n, d))
save("damaged-entry.tar", 1, tar(edited))
EOF
