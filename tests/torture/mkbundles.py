#!/usr/bin/env python3
# mkbundles.py GOOD.tgz DIR - hostile variants of a real export bundle, for
# tests/torture/hostile.tsv: names that lead out of the folder, sizes that lie
import gzip, io, json, sys, tarfile

good, out = sys.argv[1], sys.argv[2]
src = tarfile.open(good)
members = [(m, src.extractfile(m).read()) for m in src.getmembers()]

def tar(pairs):
	bio = io.BytesIO()
	t = tarfile.open(fileobj=bio, mode="w", format=tarfile.USTAR_FORMAT)
	for name, data in pairs:
		ti = tarfile.TarInfo(name)
		ti.size = len(data)
		ti.mode = 0o600
		t.addfile(ti, io.BytesIO(data))
	t.close()
	return bio.getvalue()

def save(name, raw):
	with open("%s/%s" % (out, name), "wb") as f:
		f.write(gzip.compress(raw, mtime=0))

def renamed(old, new):
	return [(new if m.name == old else m.name, d) for m, d in members]

save("traversal.tgz", tar(renamed("summary.txt", "../../summary.txt")))
save("absolute.tgz", tar(renamed("summary.txt", "/tmp/summary.txt")))
save("extra.tgz", tar([(m.name, d) for m, d in members] +
    [("policies/../../../etc/passwd", b"x\n")]))
# the manifest lies about a member's size
pairs = []
for m, d in members:
	if m.name == "manifest.json":
		j = json.loads(d)
		for x in j["members"]:
			if x["name"] == "entries.jsonl":
				x["size"] += 7
		d = json.dumps(j).encode()
	pairs.append((m.name, d))
save("manifest-size.tgz", tar(pairs))
# the first tar header claims more bytes than the archive holds
raw = bytearray(tar([(m.name, d) for m, d in members]))
size = int(raw[124:135].decode().strip("\0 ") or "0", 8)
raw[124:136] = ("%011o\0" % (size + 100000)).encode()
raw[148:156] = b" " * 8
raw[148:156] = ("%06o\0 " % sum(raw[0:512])).encode()
save("header-size.tgz", bytes(raw))
# a member shorter than its header says, at the end of the archive
raw = tar([(m.name, d) for m, d in members])
save("cut.tgz", raw[:len(raw) // 2])
with open("%s/not-gzip.tgz" % out, "wb") as f:
	f.write(b"this is not a bundle\n")
