#!/usr/bin/env python3
"""recompute.py - recompute every entry's hash from `auditlog log --json`.

An independent check of docs/FORMAT.md, written from that document and not
from the C: it reads JSON lines on stdin, re-encodes each entry to its
version 1 bytes, hashes them as RFC 6962 leaves, and checks the hashes, the
chain and the policy digests.  Only Python's standard library.

usage: recompute.py [--partial] [--hex] < log.jsonl

  --partial  the input may be a filtered or partial listing: it need not
             start at seq 1, and links are checked only between entries
             whose seqs are consecutive
  --hex      also print "SEQ HEX" with each entry's encoding

Exit 0 and "N entries recomputed" when everything checks; 1 and one line
per problem ("seq N: ..." or "line L: ...") otherwise; 2 on a usage error.
"""

import datetime
import hashlib
import json
import re
import sys

FORMAT_VERSION = 1
KIND = {"access": 1, "policy": 2}
# enum al_code, in order: the code byte is the index.
CODES = ["allowed", "deny-rule", "unknown-purpose", "missing-ref",
         "malformed-ref", "actor-not-allowed", "action-not-allowed",
         "data-not-allowed"]
ZERO = "0" * 64

COMMON = ["seq", "time", "kind", "actor", "service", "host", "pid", "uid",
          "prev", "hash"]
KEYS = {
    "access": set(COMMON + ["customer", "purpose", "action", "data",
                            "resource", "ref", "reason", "decision", "code",
                            "rule", "detail", "policy"]),
    "policy": set(COMMON + ["name", "text", "digest"]),
}

TIME_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):"
                     r"([0-9]{2}):([0-9]{2})\.([0-9]{9})Z")
HEX_RE = re.compile(r"[0-9a-f]{64}")
EPOCH = datetime.date(1970, 1, 1).toordinal()


class Bad(Exception):
    """A problem with one entry."""


def no_dups(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise Bad("key %r appears twice" % k)
        obj[k] = v
    return obj


def time_ns(s):
    """RFC 3339 UTC with 9 fractional digits to nanoseconds, exactly."""
    if not isinstance(s, str):
        raise Bad("time is not a string")
    m = TIME_RE.fullmatch(s)
    if m is None:
        raise Bad("time %r is not YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" % s)
    y, mo, d, h, mi, sec = (int(x) for x in m.groups()[:6])
    try:
        days = datetime.date(y, mo, d).toordinal() - EPOCH
    except ValueError:
        raise Bad("time %r is not a calendar date" % s) from None
    if h > 23 or mi > 59 or sec > 59 or days < 0:
        raise Bad("time %r is out of range" % s)
    ns = ((days * 86400 + h * 3600 + mi * 60 + sec) * 1000000000 +
          int(m.group(7)))
    if ns >= 1 << 64:
        raise Bad("time %r does not fit in 64 bits" % s)
    return ns


def u32(n):
    return n.to_bytes(4, "big")


def u64(n):
    return n.to_bytes(8, "big")


def integer(e, key, bits, low=0):
    v = e[key]
    if type(v) is not int or not low <= v < 1 << bits:
        raise Bad("%s %r is not an integer in [%d, 2^%d)" %
                  (key, v, low, bits))
    return v


def digest(e, key):
    v = e[key]
    if not isinstance(v, str) or not HEX_RE.fullmatch(v):
        raise Bad("%s is not 64 lowercase hex digits" % key)
    return bytes.fromhex(v)


def text(e, key):
    """A string field: u32 big-endian length, then its UTF-8 bytes."""
    v = e[key]
    if not isinstance(v, str):
        raise Bad("%s is not a string" % key)
    try:
        b = v.encode("utf-8")
    except UnicodeEncodeError:
        raise Bad("%s is not valid Unicode (a lone surrogate)" % key) \
            from None
    if len(b) >= 1 << 32:
        raise Bad("%s is too long" % key)
    return u32(len(b)) + b


def encode(e):
    """The version 1 encoding of one JSON entry (docs/FORMAT.md)."""
    if not isinstance(e, dict):
        raise Bad("not a JSON object")
    if "version" in e:
        if type(e["version"]) is not int or e["version"] != FORMAT_VERSION:
            raise Bad("unknown format version %r" % (e["version"],))
        e = dict(e)
        del e["version"]
    kind = e.get("kind")
    if kind not in KIND:
        raise Bad("unknown kind %r" % (kind,))
    keys = set(e)
    if keys != KEYS[kind]:
        missing = sorted(KEYS[kind] - keys)
        extra = sorted(keys - KEYS[kind])
        raise Bad("%s entry with%s%s" % (
            kind,
            " missing keys " + ",".join(missing) if missing else "",
            " unknown keys " + ",".join(extra) if extra else ""))
    b = bytearray()
    b += bytes([FORMAT_VERSION, KIND[kind]])
    b += u64(integer(e, "seq", 64, 1))
    b += u64(time_ns(e["time"]))
    b += digest(e, "prev")
    b += text(e, "service")
    b += text(e, "host")
    b += u32(integer(e, "pid", 32))
    b += u32(integer(e, "uid", 32))
    b += text(e, "actor")
    if kind == "access":
        for k in ("customer", "data", "action", "resource", "purpose", "ref",
                  "reason"):
            b += text(e, k)
        if e["decision"] not in ("allow", "deny"):
            raise Bad("decision %r is not allow or deny" % (e["decision"],))
        if e["code"] not in CODES:
            raise Bad("unknown code %r" % (e["code"],))
        allow = e["decision"] == "allow"
        code = CODES.index(e["code"])
        if allow != (code == 0):
            raise Bad("decision %s with code %s" % (e["decision"],
                                                    e["code"]))
        b += bytes([1 if allow else 0, code])
        b += text(e, "rule")
        b += text(e, "detail")
        b += digest(e, "policy")
    else:
        b += text(e, "name")
        b += text(e, "text")
        b += digest(e, "digest")
    return bytes(b)


def leaf_hash(enc):
    return hashlib.sha256(b"\x00" + enc).hexdigest()


def main(argv):
    partial = show_hex = False
    for a in argv[1:]:
        if a == "--partial":
            partial = True
        elif a == "--hex":
            show_hex = True
        else:
            sys.stderr.write("usage: recompute.py [--partial] [--hex] "
                             "< log.jsonl\n")
            return 2

    problems = []
    entries = 0
    last_seq = None       # seq of the entry before, when it was readable
    last_hash = None      # the hash that entry claims (checked on its own)
    in_force = None       # digest of the latest policy entry

    data = sys.stdin.buffer.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        problems.append("line %d: no newline at the end (truncated?)"
                        % len(lines))

    for lineno, raw in enumerate(lines, 1):
        entries += 1
        where = "line %d" % lineno
        try:
            e = json.loads(raw.decode("utf-8"), object_pairs_hook=no_dups)
        except (UnicodeDecodeError, ValueError, Bad) as x:
            problems.append("%s: not a JSON object: %s" % (where, x))
            last_seq = last_hash = None
            continue
        seq = e.get("seq") if isinstance(e, dict) else None
        if type(seq) is int:
            where = "seq %d" % seq
        try:
            enc = encode(e)
        except Bad as x:
            problems.append("%s: %s" % (where, x))
            last_seq = last_hash = None
            if isinstance(e, dict) and e.get("kind") == "policy":
                in_force = e.get("digest")  # not to blame what follows
            continue
        if show_hex:
            print("%d %s" % (seq, enc.hex()))
        got = leaf_hash(enc)
        if got != e["hash"]:
            problems.append("%s: hash is %s, but the fields hash to %s" %
                            (where, e["hash"], got))

        # The chain: seq 1 starts it; each prev is the hash before.
        if seq == 1 and e["prev"] != ZERO:
            problems.append("%s: the first entry's prev is not zero" % where)
        if last_seq is None and lineno == 1 and not partial and seq != 1:
            problems.append("%s: the log starts at seq %d, not 1" %
                            (where, seq))
        ordered = True
        if last_seq is not None:
            if seq == last_seq + 1:
                if last_hash is not None and e["prev"] != last_hash:
                    problems.append("%s: prev %s is not the hash of seq %d"
                                    " (%s)" % (where, e["prev"], last_seq,
                                               last_hash))
            elif seq <= last_seq:
                # Keep the chain at the newer entry: what follows links
                # to it, not to this one.
                problems.append("%s: follows seq %d (out of order or "
                                "repeated)" % (where, last_seq))
                ordered = False
            elif not partial:
                problems.append("%s: follows seq %d: %s missing" % (
                    where, last_seq,
                    "seq %d is" % (last_seq + 1) if seq == last_seq + 2
                    else "seqs %d to %d are" % (last_seq + 1, seq - 1)))
        if ordered:
            last_seq, last_hash = seq, e["hash"]

        if e["kind"] == "policy":
            d = hashlib.sha256(e["text"].encode("utf-8")).hexdigest()
            if d != e["digest"]:
                problems.append("%s: digest %s is not the SHA-256 of the "
                                "policy text (%s)" % (where, e["digest"], d))
            in_force = e["digest"]
        elif partial:
            pass    # a filtered listing may leave out policy changes
        elif in_force is None:
            problems.append("%s: access before any policy" % where)
        elif e["policy"] != in_force:
            problems.append("%s: names policy %s, but %s was in force" %
                            (where, e["policy"], in_force))

    if entries == 0:
        problems.append("line 1: no entries")
    if problems:
        for p in problems:
            print(p)
        print("%d problem%s in %d entries" % (
            len(problems), "" if len(problems) == 1 else "s", entries))
        return 1
    print("%d entries recomputed" % entries)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
