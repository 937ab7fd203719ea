#!/usr/bin/env python3
"""recompute.py - recompute every entry's hash from `auditlog log --json`.

An independent check of docs/FORMAT.md, written from that document and not
from the C: it reads JSON lines on stdin, re-encodes each entry to its
bytes (version 1 for access and policy entries, 2 for checkpoints, 3 for
every kind a log of format 6 writes), hashes them as RFC 6962 leaves, and
checks the hashes, the chain, the policy, floor and proposal digests and
each checkpoint's size.  Only Python's standard library.  The
encoding itself (sections 3 and 4) is contrib/verify-export.py's, the one
Python implementation of it.

usage: recompute.py [--partial] [--hex] < log.jsonl

  --partial  the input may be a filtered or partial listing: it need not
             start at seq 1, and links are checked only between entries
             whose seqs are consecutive
  --hex      also print "SEQ HEX" with each entry's encoding

Exit 0 and "N entries recomputed" when everything checks; 1 and one line
per problem ("seq N: ..." or "line L: ...") otherwise; 2 on a usage error.
Clock anomalies (FORMAT.md 9: an entry's time before the one listed
before it, or more than an hour after the one listed after it) are
warnings, "warning: seq N: ...", printed first; they change no status.
"""

import hashlib
import importlib.util
import json
import os
import sys


def _load_encoder():
    """The entry encoding is written once, in contrib/verify-export.py (the
    auditor's bundle checker); the file name has a dash, so it is loaded
    by path."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        os.pardir, "contrib", "verify-export.py")
    sys.dont_write_bytecode = True      # leave the source tree as it was
    spec = importlib.util.spec_from_file_location("verify_export", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_vx = _load_encoder()
Bad = _vx.Bad
ZERO = _vx.ZERO
encode = _vx.encode
leaf_hash = _vx.leaf_hash
no_dups = _vx.no_dups
time_ns = _vx.time_ns
CLOCK_JUMP_NS = 3600 * 10**9


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
    warnings = []         # clock anomalies
    prev_time = None      # (seq, time) of the entry listed before

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

        # Times are each writer's clock (FORMAT.md 3.1): one that goes
        # back, or jumps ahead, is a warning.
        t = time_ns(e["time"])
        if prev_time is not None:
            pseq, pt = prev_time
            if pt - t > CLOCK_JUMP_NS:
                warnings.append("warning: seq %d: ahead: more than an hour "
                                "after seq %d's time" % (pseq, seq))
            if t < pt:
                warnings.append("warning: seq %d: back: before seq %d's "
                                "time" % (seq, pseq))
        prev_time = (seq, t)

        if e["kind"] in ("policy", "floor", "proposal"):
            d = hashlib.sha256(e["text"].encode("utf-8")).hexdigest()
            if d != e["digest"]:
                problems.append("%s: digest %s is not the SHA-256 of the "
                                "%s text (%s)" % (where, e["digest"],
                                                  e["kind"], d))
            if e["kind"] == "policy":
                in_force = e["digest"]
        elif e["kind"] in ("approval", "rejection"):
            pass    # governance is verify's to judge (FORMAT.md 9)
        elif e["kind"] == "checkpoint":
            # A published tree head: of the tree just before it.  Its
            # root is tests/tlog.py's to recompute (FORMAT.md 14).
            if e["tree_size"] != seq - 1:
                problems.append("%s: a checkpoint of size %d: not the "
                                "tree before it" % (where, e["tree_size"]))
        elif partial:
            pass    # a filtered listing may leave out policy changes
        elif in_force is None:
            problems.append("%s: access before any policy" % where)
        elif e["policy"] != in_force:
            problems.append("%s: names policy %s, but %s was in force" %
                            (where, e["policy"], in_force))

    if entries == 0:
        problems.append("line 1: no entries")
    for w in warnings:
        print(w)
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
