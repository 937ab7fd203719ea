#!/usr/bin/env python3
"""tlog.py - an independent check of what auditlog prints about its tree.

Written from RFC 9162 sections 2.1.1-2.1.4 alone (standard library only),
so that the tests compare auditlog's C with a second implementation.

  tlog.py root LOG.jsonl [SIZE]       the root of the first SIZE entries
  tlog.py inclusion PROOF LOG.jsonl   check a tlog-proof of an entry
  tlog.py consistency PROOF           check a consistency proof
Exit 0 when it holds, 1 when not (with the reason), 2 on bad input.
"""
import base64
import hashlib
import json
import sys


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def mth(leaves):
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))


def leaves_of(path):
    with open(path) as f:
        return [bytes.fromhex(json.loads(line)["hash"]) for line in f
                if line.strip()]


def verify_inclusion(index, size, leaf, proof, root):
    if index >= size:
        return "index not below size"
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return "too many hashes"
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "too few hashes"
    return None if r == root else "wrong root"


def verify_consistency(m, n, r1, r2, proof):
    if m == 0 or m > n:
        return "bad sizes"
    if m == n:
        return None if not proof and r1 == r2 else "equal sizes"
    if not proof:
        return "empty proof"
    if m & (m - 1) == 0:
        proof = [r1] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return "too many hashes"
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "too few hashes"
    if fr != r1:
        return "wrong old root"
    return None if sr == r2 else "wrong new root"


def b64(s):
    return base64.b64decode(s, validate=True)


def main(argv):
    if len(argv) >= 3 and argv[1] == "root":
        leaves = leaves_of(argv[2])
        size = int(argv[3]) if len(argv) > 3 else len(leaves)
        print(base64.b64encode(mth(leaves[:size])).decode())
        return 0
    if len(argv) == 4 and argv[1] == "inclusion":
        text = open(argv[2]).read()
        head, _, ckpt = text.partition("\n\n")
        lines = head.split("\n")
        if lines[0] != "c2sp.org/tlog-proof@v1" or \
                not lines[1].startswith("index "):
            print("not a tlog-proof")
            return 2
        index = int(lines[1][6:])
        proof = [b64(x) for x in lines[2:]]
        c = ckpt.split("\n")
        size, root = int(c[1]), b64(c[2])
        leaves = leaves_of(argv[3])
        if index >= len(leaves):
            print("no such entry")
            return 1
        why = verify_inclusion(index, size, leaves[index], proof, root)
        if why is None and root != mth(leaves[:size]):
            why = "the checkpoint's root is not the log's"
        print(why or "ok")
        return 1 if why else 0
    if len(argv) == 3 and argv[1] == "consistency":
        lines = open(argv[2]).read().rstrip("\n").split("\n")
        if lines[0] != "auditlog-consistency-proof@v1":
            print("not a consistency proof")
            return 2
        o, n = lines[1].split(" "), lines[2].split(" ")
        why = verify_consistency(int(o[1]), int(n[1]), b64(o[2]), b64(n[2]),
                                 [b64(x) for x in lines[3:]])
        print(why or "ok")
        return 1 if why else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
