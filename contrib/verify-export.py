#!/usr/bin/env python3
"""verify-export.py - check an auditlog export bundle without running our C.

An auditor's checker for the bundles `auditlog export` writes, written from
docs/FORMAT.md (sections 2-7, 11, 13 and 14) and using only Python's
standard library.  It reads bundle formats 1 and 2, and makes every check
of FORMAT.md 13.5, in one walk of the bundle, front to back:

  1. the container (13.1): gzip to its very end (CRCs checked, nothing
     appended), ustar headers and their checksums, member names (only the
     kinds a bundle holds), types, sizes, duplicates, order, and the
     two zero blocks that end the archive;
  2. every member's size and SHA-256 against manifest.json;
  3. every entry of entries.jsonl: its hash recomputed from its fields, seqs
     increasing, links between consecutive seqs (times may go back:
     each is its writer's clock, FORMAT.md 3.1; the summary lists them),
     the manifest's first and last seq and count, the head; every entry
     one that the manifest's filters select; and for an export with no
     filters but a seq range, every seq of the range;
  4. every policy member against its digest, and that it parses; every
     access decided again under the policy in force at its seq; every
     policy the manifest lists is exported or was in force;
  5. entries.csv and summary.txt regenerated from the entries and compared;
  6. with --expect "SEQ HASH" (or SEQ:HASH), the bundle against an anchor
     kept elsewhere;
  7. format 2 (14.6): the checkpoint names this log and the manifest's
     head, and the multi-leaf proof makes every exported entry, its hash
     recomputed, a leaf of the checkpoint's tree, every hash used; with
     --key PUBFILE the checkpoint carries a valid Ed25519 signature by that
     key (RFC 8032, written out below); with --checkpoint FILE it is the
     very tree head the auditor holds.

Nothing is extracted: members are read in memory, forward only, within
limits (see LIMITS below), so a hostile bundle cannot write anywhere or
exhaust memory.

usage: verify-export.py BUNDLE.tar.gz [--expect 'SEQ HASH'] [--key PUBFILE]
           [--checkpoint FILE [--no-key]] [--json]

Exit 0 and "bundle verified: N entries (seq A to B), head SEQ HASH" when
every check passes (for format 2, then "proven in the log's tree of size
N", and ", whose head the key signed" with --key: the lines `auditlog
verify-export` prints); 1 and one line per problem when one fails; 2 on a
usage error (a key that is not a verifier key, say, or a signed
--checkpoint without --key or --no-key); 3 when the file cannot be read
at all.  Without --key or --checkpoint nothing ties the bundle to the
log: it says "bundle consistent: ..." and, last, "NOT AUTHENTICATED: ..."
(and "authenticated": false in JSON), and still exits 0.  Entries whose
times go back are accepted (FORMAT.md 3.1); the clock anomalies the
summary lists are counted in a line "clock: N anomalies among the entries
..." before that ("clock_anomalies": N in JSON), a warning.

The entry encoding here (encode(), leaf_hash()) is the one implementation
of FORMAT.md sections 3 and 4 in Python; tests/recompute.py imports it.
"""

import argparse
import base64
import binascii
import datetime
import errno
import fnmatch
import hashlib
import json
import os
import re
import signal
import stat
import sys
import tarfile
import time
import zlib

# ---------------------------------------------------------------------------
# The entry encoding (FORMAT.md sections 2-4, 11)
# ---------------------------------------------------------------------------

KIND = {"access": 1, "policy": 2, "checkpoint": 3, "floor": 4,
        "proposal": 5, "approval": 6, "rejection": 7}
# Versions 1 and 2 by kind; version 3 (log format 6) holds every kind.
VERSION = {"access": 1, "policy": 1, "checkpoint": 2}
# enum al_code, in order: the code byte is the index.  The last two are
# version 3's alone.
CODES = ["allowed", "deny-rule", "unknown-purpose", "missing-ref",
         "malformed-ref", "actor-not-allowed", "action-not-allowed",
         "data-not-allowed", "writer-not-allowed", "floor"]
CODES_V1 = 8
MAX_GROUPS = 32
IDENT = ["gid", "attested", "user", "groups"]   # version 3, after uid
ZERO = "0" * 64

COMMON = ["seq", "time", "kind", "actor", "service", "host", "pid", "uid",
          "prev", "hash"]
KEYS = {
    "access": set(COMMON + ["customer", "purpose", "action", "data",
                            "resource", "ref", "reason", "decision", "code",
                            "rule", "detail", "policy"]),
    "policy": set(COMMON + ["name", "text", "digest"]),
    "checkpoint": set(COMMON + ["tree_size", "tree_root", "note"]),
    "floor": set(COMMON + ["name", "text", "digest", "approvers"]),
    "proposal": set(COMMON + ["name", "text", "digest", "expires"]),
    "approval": set(COMMON + ["digest"]),
    "rejection": set(COMMON + ["digest"]),
}

TIME_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):"
                     r"([0-9]{2}):([0-9]{2})\.([0-9]{9})Z")
HEX_RE = re.compile(r"[0-9a-f]{64}")
EPOCH = datetime.date(1970, 1, 1).toordinal()
DAYS = {}                           # time_ns(): "YYYY-MM-DD" to days


class Bad(Exception):
    """A problem with one entry (or one value)."""


def no_dups(pairs):
    """object_pairs_hook for json: a key given twice is an error."""
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise Bad("key %r appears twice" % k)
        obj[k] = v
    return obj


def no_constants(name):
    """parse_constant for json: NaN and Infinity are not JSON."""
    raise Bad("%s is not a JSON number" % name)


def json_object(raw):
    """Parse bytes as one strict JSON value (UTF-8, no duplicate keys)."""
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=no_dups,
                          parse_constant=no_constants)
    except UnicodeDecodeError as x:
        raise Bad("not UTF-8 (%s)" % x) from None
    except ValueError as x:
        raise Bad("not JSON (%s)" % x) from None
    except RecursionError:
        raise Bad("not JSON (nested too deep)") from None


def time_ns(s):
    """RFC 3339 UTC with 9 fractional digits to nanoseconds, exactly."""
    if not isinstance(s, str):
        raise Bad("time is not a string")
    m = TIME_RE.fullmatch(s)
    if m is None:
        raise Bad("time %r is not YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" % s)
    y, mo, d, h, mi, sec = map(int, m.groups()[:6])
    days = DAYS.get(s[:10])
    if days is None:
        try:
            days = datetime.date(y, mo, d).toordinal() - EPOCH
        except ValueError:
            raise Bad("time %r is not a calendar date" % s) from None
        if len(DAYS) < 4096:        # the days of a bundle: a few hundred
            DAYS[s[:10]] = days
    if h > 23 or mi > 59 or sec > 59 or days < 0:
        raise Bad("time %r is out of range" % s)
    ns = ((days * 86400 + h * 3600 + mi * 60 + sec) * 1000000000 +
          int(m.group(7)))
    if ns >= 1 << 64:
        raise Bad("time %r does not fit in 64 bits" % s)
    return ns


def format_time(ns, frac=True):
    """Nanoseconds to RFC 3339 UTC, as auditlog prints them."""
    sec, frac_ns = divmod(ns, 1000000000)
    days, rem = divmod(sec, 86400)
    d = datetime.date.fromordinal(EPOCH + days)
    t = "%04d-%02d-%02dT%02d:%02d:%02d" % (d.year, d.month, d.day,
                                          rem // 3600, rem // 60 % 60,
                                          rem % 60)
    return t + (".%09dZ" % frac_ns if frac else "Z")


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


def text(e, *keys):
    """String fields: each a u32 big-endian length, then its UTF-8
    bytes."""
    out = []
    for key in keys:
        v = e[key]
        if not isinstance(v, str):
            raise Bad("%s is not a string" % key)
        try:
            b = v.encode("utf-8")
        except UnicodeEncodeError:
            raise Bad("%s is not valid Unicode (a lone surrogate)" % key) \
                from None
        n = len(b)
        if n >= 1 << 32:
            raise Bad("%s is too long" % key)
        out.append(n.to_bytes(4, "big"))
        out.append(b)
    return b"".join(out)


def identity(e):
    """Version 3's identity facts, after the uid (FORMAT.md 3.7): gid,
    attested, user, then the groups, sorted by gid, each with its name."""
    b = bytearray(u32(integer(e, "gid", 32)))
    if type(e["attested"]) is not bool:
        raise Bad("attested %r is not true or false" % (e["attested"],))
    b += bytes([1 if e["attested"] else 0])
    b += text(e, "user")
    groups = e["groups"]
    if type(groups) is not list or len(groups) > MAX_GROUPS:
        raise Bad("groups is not a list of at most %d groups" % MAX_GROUPS)
    b += bytes([len(groups)])
    last = -1
    for g in groups:
        if not isinstance(g, dict) or set(g) != {"gid", "name"}:
            raise Bad("a group is not an object of gid and name")
        gid = integer(g, "gid", 32)
        if gid <= last:
            raise Bad("group %d after group %d: the groups are not in "
                      "ascending order" % (gid, last))
        last = gid
        b += u32(gid)
        b += text(g, "name")
    return bytes(b)


def encode(e):
    """The encoding of one JSON entry (docs/FORMAT.md 3): version 1 for
    access and policy entries, version 2 for checkpoint entries (3.6),
    whose JSON form must say so; version 3 (3.7) for every kind a log of
    format 6 writes, with the writer's identity."""
    if not isinstance(e, dict):
        raise Bad("not a JSON object")
    kind = e.get("kind")
    if kind not in KIND:
        raise Bad("unknown kind %r" % (kind,))
    ver = VERSION.get(kind)
    if "version" in e:
        if type(e["version"]) is not int or e["version"] not in (
                ver, 3):
            raise Bad("unknown format version %r for a%s %s entry" % (
                e["version"], "n" if kind == "access" else "", kind))
        ver = e["version"]
        e = dict(e)
        del e["version"]
    elif kind == "checkpoint":
        raise Bad("a checkpoint entry without \"version\": 2")
    elif kind != "access" and kind != "policy":
        raise Bad("a%s %s entry without \"version\": 3" % (
            "n" if kind == "approval" else "", kind))
    want = KEYS[kind] | set(IDENT) if ver == 3 else KEYS[kind]
    keys = set(e)
    if keys != want:
        missing = sorted(want - keys)
        extra = sorted(keys - want)
        raise Bad("%s entry with%s%s" % (
            kind,
            " missing keys " + ",".join(missing) if missing else "",
            " unknown keys " + ",".join(extra) if extra else ""))
    b = bytearray()
    b += bytes([ver, KIND[kind]])
    b += u64(integer(e, "seq", 64, 1))
    b += u64(time_ns(e["time"]))
    b += digest(e, "prev")
    b += text(e, "service", "host")
    b += u32(integer(e, "pid", 32))
    b += u32(integer(e, "uid", 32))
    if ver == 3:
        b += identity(e)
    b += text(e, "actor")
    if kind == "access":
        b += text(e, "customer", "data", "action", "resource", "purpose",
                  "ref", "reason")
        if e["decision"] not in ("allow", "deny"):
            raise Bad("decision %r is not allow or deny" % (e["decision"],))
        if e["code"] not in CODES:
            raise Bad("unknown code %r" % (e["code"],))
        allow = e["decision"] == "allow"
        code = CODES.index(e["code"])
        if ver != 3 and code >= CODES_V1:
            raise Bad("code %s in a version %d entry" % (e["code"], ver))
        if allow != (code == 0):
            raise Bad("decision %s with code %s" % (e["decision"],
                                                    e["code"]))
        b += bytes([1 if allow else 0, code])
        b += text(e, "rule", "detail")
        b += digest(e, "policy")
    elif kind == "checkpoint":
        b += u64(integer(e, "tree_size", 64))
        b += digest(e, "tree_root")
        b += text(e, "note")
    elif kind in ("approval", "rejection"):
        b += digest(e, "digest")
    else:
        b += text(e, "name", "text")
        b += digest(e, "digest")
        if kind == "floor":
            b += bytes([integer(e, "approvers", 4, 1)])
            if e["approvers"] > 9:
                raise Bad("approvers %d is more than 9" % e["approvers"])
        elif kind == "proposal":
            if not isinstance(e["expires"], str):
                raise Bad("expires is not a time")
            b += u64(time_ns(e["expires"]))
    return bytes(b)


def leaf_hash(enc):
    """An entry's hash: SHA-256 over a zero byte and its encoding (RFC 6962
    leaf), in hex."""
    return hashlib.sha256(b"\x00" + enc).hexdigest()


# ---------------------------------------------------------------------------
# The policy language (man/auditlog-policy.5)
# ---------------------------------------------------------------------------

MAX_POLICY = 1024 * 1024    # bytes of policy text
MAX_LINE = 4096             # bytes in one policy line
MAX_TOKENS = 512            # words in one policy line
MAX_WORD = 64               # a purpose name
MAX_NAME = 256              # a group member
KEYWORDS = {"purpose", "group", "allow", "deny", "ref", "action", "data",
            "any"}

# The character classes of bracket expressions, in the C locale (auditlog
# never calls setlocale(3), so its regcomp(3) and fnmatch(3) work on bytes
# in the C locale; so do we: patterns and subjects are bytes here).
CLASSES = {
    "alpha": rb"A-Za-z", "digit": rb"0-9", "alnum": rb"0-9A-Za-z",
    "upper": rb"A-Z", "lower": rb"a-z", "xdigit": rb"0-9A-Fa-f",
    "space": rb"\x09-\x0d\x20", "blank": rb"\x09\x20",
    "punct": rb"\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e",
    "print": rb"\x20-\x7e", "graph": rb"\x21-\x7e",
    "cntrl": rb"\x00-\x1f\x7f",
}


class PatternError(Exception):
    """A ref pattern or group member that auditlog would not accept."""


def _byte(c):
    """One byte as a regex atom that means only itself."""
    return b"\\x%02x" % c


def _bracket(pat, i, backslash_escapes):
    """Translate the POSIX bracket expression that starts at pat[i] ('[')
    into a Python character class.  Returns (class, index after ']'), or
    None when there is no closing ']' (fnmatch then takes '[' literally).
    In an ERE a backslash in brackets is itself; in fnmatch(3) without
    FNM_NOESCAPE it quotes the next byte (glibc)."""
    j = i + 1
    out = b"["
    # An ERE negates with '^'; glibc's fnmatch(3) with '!' or '^'.
    if j < len(pat) and (pat[j] == ord("^") or
                         (backslash_escapes and pat[j] == ord("!"))):
        out += b"^"
        j += 1
    first = True
    while True:
        if j >= len(pat):
            return None
        c = pat[j]
        if c == ord("]") and not first:
            return out + b"]", j + 1
        first = False
        if c == ord("[") and j + 1 < len(pat) and pat[j + 1] in b":=.":
            kind = pat[j + 1]
            end = pat.find(bytes([kind]) + b"]", j + 2)
            if end < 0:
                raise PatternError("unterminated [%c" % kind)
            name = pat[j + 2:end]
            if kind == ord(":"):
                cls = CLASSES.get(name.decode("ascii", "replace"))
                if cls is None:
                    raise PatternError("unknown class [:%s:]" %
                                       name.decode("ascii", "replace"))
                out += cls
            elif len(name) == 1:
                out += _byte(name[0])
            else:
                # Multi-character collating elements: none in C.
                raise PatternError("unknown collating element")
            j = end + 2
            continue
        if c == ord("\\") and backslash_escapes and j + 1 < len(pat):
            j += 1
            c = pat[j]
        lo = c
        j += 1
        if (j < len(pat) and pat[j] == ord("-") and
                (j + 1 == len(pat) or pat[j + 1] != ord("]"))):
            if j + 1 == len(pat):
                raise PatternError("a range runs off the end")
            hi = pat[j + 1]
            j += 2
            if hi == ord("\\") and backslash_escapes:
                if j == len(pat):
                    raise PatternError("a range runs off the end")
                hi = pat[j]
                j += 1
            if hi < lo:
                raise PatternError("invalid range end")
            out += _byte(lo) + b"-" + _byte(hi)
        else:
            out += _byte(lo)


def ere_to_python(pat):
    r"""Translate a POSIX extended regular expression (bytes, as glibc's
    regcomp(3) reads it with REG_EXTENDED in the C locale) to a Python
    bytes pattern with the same matches.  Raises PatternError for what
    regcomp refuses, as far as we can tell.

    glibc's extensions are kept: \w \W \s \S \b \B \< \> \` \',
    back-references \1 to \9, a{,n}, a quantifier on a quantifier (a**,
    a{1,2}{3}: Python needs a group around the first), and a ')' with no
    '(' taken as itself.  Any other escaped byte is itself.  Divergences
    that remain: back-references to groups that did not take part in the
    match may behave differently; a pathological pattern may take Python
    exponential time.  Python's backtracking finds a match whenever one
    exists, so leftmost-longest versus leftmost-first does not change
    whether a reference matches."""
    out = b""
    i = 0
    n = len(pat)
    opens = []          # where in out each open group starts
    atom = None         # where in out the last atom starts
    quantified = False  # the last thing emitted was a quantifier
    while i < n:
        c = pat[i]
        start = len(out)
        if c in b"*+?{":
            if c == ord("{"):
                m = re.match(rb"\{([0-9]*)(,([0-9]*))?\}", pat[i:])
                if m is None or (m.group(1) == b"" and
                                 m.group(2) is None):
                    raise PatternError("invalid interval")
                if (m.group(1) and m.group(3) and
                        int(m.group(3)) < int(m.group(1))):
                    raise PatternError("invalid interval")
                q = b"{" + (m.group(1) or b"0") + (m.group(2) or b"") + b"}"
                i += m.end()
            else:
                q = bytes([c])
                i += 1
            if atom is None:
                raise PatternError("a repetition with nothing before it")
            if quantified:
                out = out[:atom] + b"(?:" + out[atom:] + b")"
            out += q
            quantified = True
            continue
        quantified = False
        if c == ord("\\"):
            if i + 1 >= n:
                raise PatternError("trailing backslash")
            d = pat[i + 1]
            out += {ord("<"): b"\\b(?=\\w)", ord(">"): b"\\b(?<=\\w)",
                    ord("`"): b"\\A", ord("'"): b"\\Z"}.get(
                        d, b"\\" + bytes([d]) if d in b"123456789wWsSbB"
                        else _byte(d))
            i += 2
            atom = start
        elif c == ord("["):
            r = _bracket(pat, i, False)
            if r is None:
                raise PatternError("unmatched [")
            out += r[0]
            i = r[1]
            atom = start
        elif c == ord("("):
            opens.append(start)
            out += b"("
            i += 1
            atom = None
        elif c == ord(")") and opens:
            out += b")"
            i += 1
            atom = opens.pop()
        elif c == ord("|"):
            out += b"|"
            i += 1
            atom = None
        elif c in b"^$":
            out += b"\\A" if c == ord("^") else b"\\Z"
            i += 1
            atom = None
        elif c == ord("."):
            out += b"."
            i += 1
            atom = start
        else:
            out += _byte(c)         # ')' with no '(' among them
            i += 1
            atom = start
    if opens:
        raise PatternError("unmatched (")
    return out


MAX_PATTERN = 128      # bytes in a ref pattern
MAX_INTERVALS = 4      # {m,n} in a ref pattern
MAX_BOUND = 64         # m and n of an interval


def pattern_ok(tok):
    """The bounds auditlog puts on a ref pattern, so that it stays cheap to
    compile and to match: short, no back-references, few small intervals,
    balanced parentheses (core/policy.c, pattern_ok)."""
    p = tok.s
    off = 1 if tok.quoted else 0
    if len(p.encode()) > MAX_PATTERN:
        raise PolicyError(tok.col, "ref pattern longer than %d bytes" %
                          MAX_PATTERN)
    depth = intervals = 0
    rep = False
    i = 0
    while i < len(p):
        c = p[i]
        # A repetition of a repetition (a++, a*{2}) is undefined in an
        # ERE, and costs glibc's regcomp memory: refused.
        if c in "*+?{":
            if rep:
                raise PolicyError(tok.col + off + i, "a repetition of a "
                                  "repetition in a ref pattern")
            rep = c != "{"
        else:
            rep = False
        if c == "[":
            i += 1
            if i < len(p) and p[i] == "^":
                i += 1
            if i < len(p) and p[i] == "]":
                i += 1
            while i < len(p) and p[i] != "]":
                i += 1
            if i >= len(p):
                break
            i += 1
            continue
        if c == "(":
            depth += 1
        if c == ")":
            depth -= 1
            if depth < 0:
                raise PolicyError(tok.col + off + i, "a ')' without its "
                                  "'(' in a ref pattern")
        if c == "\\" and i + 1 < len(p) and p[i + 1].isdigit():
            raise PolicyError(tok.col + off + i, "back-references are not "
                              "allowed in a ref pattern")
        if c == "\\" and i + 1 < len(p):
            i += 2
            continue
        if c == "{":
            intervals += 1
            if intervals > MAX_INTERVALS:
                raise PolicyError(tok.col + off + i, "more than %d "
                                  "intervals in a ref pattern" %
                                  MAX_INTERVALS)
            m = re.match(r"\{([0-9]*)(?:,([0-9]*))?\}", p[i:])
            if m and any(b and int(b) > MAX_BOUND for b in m.groups()):
                raise PolicyError(tok.col + off + i, "an interval's bound "
                                  "is over %d in a ref pattern" % MAX_BOUND)
            if m:
                i += m.end()
                rep = True
                continue
        i += 1
    if depth != 0:
        raise PolicyError(tok.col, "a '(' without its ')' in a ref pattern")


def compile_ref(pattern):
    """A purpose's ref pattern, compiled as auditlog compiles it: the text
    '^(' PATTERN ')$' as one ERE, searched for in the reference.  That is
    a match of the whole reference (re.fullmatch) for any pattern whose
    parentheses balance; with one ')' too many, as in 'a)|(b', the
    anchors no longer hold the whole of it, in auditlog as here.  Raises
    PatternError."""
    try:
        return re.compile(ere_to_python(b"^(" + pattern.encode("utf-8") +
                                        b")$"), re.DOTALL)
    except re.error as x:
        raise PatternError(str(x)) from None


def glob_matcher(member):
    """A group member, matched as glibc's fnmatch(3) with no flags matches
    it: '*' and '?' match any bytes, '/' and a leading '.' included.  Plain
    globs go to fnmatch.fnmatchcase; those with brackets or backslashes are
    translated here, because Python's fnmatch takes a backslash literally,
    knows no [:class:], and reads '[^' as a '^', where glibc quotes with a
    backslash and negates with '^' as with '!'.  As in glibc, a '[' with no
    ']' is itself, and a pattern that ends inside an escape or a range, or
    names an unknown class, matches nothing."""
    b = member.encode("utf-8")
    if b"[" not in b and b"\\" not in b:
        return lambda actor: fnmatch.fnmatchcase(actor.encode("utf-8"), b)
    out = b""
    i = 0
    try:
        while i < len(b):
            c = b[i]
            i += 1
            if c == ord("*"):
                out += b".*"
            elif c == ord("?"):
                out += b"."
            elif c == ord("["):
                r = _bracket(b, i - 1, True)
                if r is None:
                    out += _byte(c)
                else:
                    out += r[0]
                    i = r[1]
            elif c == ord("\\"):
                if i == len(b):
                    raise PatternError("a trailing backslash")
                out += _byte(b[i])
                i += 1
            else:
                out += _byte(c)
    except PatternError:
        return lambda actor: False
    rx = re.compile(out, re.DOTALL)
    return lambda actor: rx.fullmatch(actor.encode("utf-8")) is not None


class Policy:
    """A parsed policy: purposes, groups and rules, as core/policy.c holds
    them."""

    def __init__(self, name):
        self.name = name
        self.purposes = {}      # name -> (ref pattern text or None, regex)
        self.groups = {}        # name -> [matcher]
        self.rules = []         # (allow, group or None, purposes, actions,
        #                          data, line); a list None matches anything
        # writer and admin lines (auditlog-policy(5)): (is_group, uid/gid
        # or None, name or None, ...); writers add services, actors, line
        self.writers = []
        self.admins = []
        self.purpose_lines = {}  # name -> its line
        self.descriptions = {}  # name -> its description (a floor's: "")


class Tok:
    __slots__ = ("s", "quoted", "col")

    def __init__(self, s, quoted, col):
        self.s, self.quoted, self.col = s, quoted, col

    def kw(self, word):
        return not self.quoted and self.s == word

    def keyword(self):
        return not self.quoted and self.s in KEYWORDS

    def brace(self):
        return not self.quoted and self.s in ("{", "}")


class PolicyError(Exception):
    def __init__(self, col, msg):
        super().__init__(msg)
        self.col = col


def _lex(line):
    """Split one line (bytes, no newline) into words."""
    toks = []
    i, n = 0, len(line)
    while i < n:
        c = line[i:i + 1]
        if c in (b" ", b"\t"):
            i += 1
            continue
        if c == b"#":
            break
        if len(toks) == MAX_TOKENS:
            raise PolicyError(i + 1, "more than %d words on a line" %
                              MAX_TOKENS)
        col = i + 1
        if c in (b"{", b"}"):
            toks.append(Tok(c.decode(), False, col))
            i += 1
        elif c == b'"':
            w = bytearray()
            j = i + 1
            while j < n and line[j] != ord('"'):
                if line[j] == ord("\\"):
                    if j + 1 < n and line[j + 1] in b'"\\':
                        j += 1
                    else:
                        raise PolicyError(j + 1, "unknown escape in quoted "
                                          "word (only \\\" and \\\\)")
                w.append(line[j])
                j += 1
            if j == n:
                raise PolicyError(col, "unterminated quoted word")
            i = j + 1
            if i < n and line[i] not in b" \t":
                raise PolicyError(i + 1, "quoted word must be followed by "
                                  "a space")
            toks.append(Tok(w.decode("utf-8"), True, col))
        else:
            j = i
            while j < n and line[j] not in b' \t{}"':
                j += 1
            toks.append(Tok(line[i:j].decode("utf-8"), False, col))
            i = j
    return toks


def _name_ok(t, what):
    if t.s == "":
        raise PolicyError(t.col, "empty %s" % what)
    if t.keyword() or t.brace():
        raise PolicyError(t.col, "'%s' is a keyword; quote it to use it as "
                          "a name or word here (%s)" % (t.s, what))


def _utf8_len(s):
    return len(s.encode("utf-8"))


def _parse_purpose(p, t, floor=False):
    # A floor's purpose needs no description, and takes no ref.
    if floor and len(t) < 2:
        raise PolicyError(t[0].col, "purpose needs a name")
    for w in t[2:] if floor else []:
        if w.kw("ref"):
            raise PolicyError(w.col, "a floor's purpose takes no 'ref' (the "
                              "policy requires references)")
    if not floor and len(t) < 3:
        raise PolicyError(t[0].col, "purpose needs a name and a description")
    _name_ok(t[1], "purpose name")
    if _utf8_len(t[1].s) > MAX_WORD:
        raise PolicyError(t[1].col, "purpose name longer than %d bytes" %
                          MAX_WORD)
    if t[1].s in p.purposes:
        raise PolicyError(t[1].col, "purpose '%s' declared twice" % t[1].s)
    if len(t) > 2 and (t[2].keyword() or t[2].brace()):
        raise PolicyError(t[2].col, "purpose '%s' needs a description "
                          "before '%s'" % (t[1].s, t[2].s))
    i = 3
    ref = rx = None
    if i < len(t) and t[i].kw("ref"):
        if i + 1 >= len(t):
            raise PolicyError(t[i].col, "'ref' needs a pattern")
        if t[i + 1].s == "" or t[i + 1].brace():
            raise PolicyError(t[i + 1].col, "invalid ref pattern")
        pattern_ok(t[i + 1])
        try:
            rx = compile_ref(t[i + 1].s)
        except PatternError as x:
            raise PolicyError(t[i + 1].col, "invalid ref pattern: %s" % x) \
                from None
        ref = t[i + 1].s
        i += 2
    if i < len(t):
        raise PolicyError(t[i].col, "unexpected '%s' after purpose '%s'" %
                          (t[i].s, t[1].s))
    p.purposes[t[1].s] = (ref, rx)
    p.descriptions[t[1].s] = t[2].s if len(t) > 2 else ""


def _parse_group(p, t):
    if len(t) < 3:
        raise PolicyError(t[0].col, "group needs a name and at least one "
                          "member")
    _name_ok(t[1], "group name")
    if t[1].s in p.groups:
        raise PolicyError(t[1].col, "group '%s' declared twice" % t[1].s)
    members = []
    for m in t[2:]:
        _name_ok(m, "group member")
        if _utf8_len(m.s) > MAX_NAME:
            raise PolicyError(m.col, "group member longer than %d bytes" %
                              MAX_NAME)
        members.append(glob_matcher(m.s))
    p.groups[t[1].s] = members


def _parse_list(t, i, kw):
    """WORD or { WORD ... } from t[i]; returns (words, next index)."""
    if i >= len(t):
        raise PolicyError(t[i - 1].col, "'%s' needs a word or a { list }" %
                          kw)
    if not t[i].kw("{"):
        _name_ok(t[i], kw)
        return [t[i].s], i + 1
    words = []
    j = i + 1
    while j < len(t) and not t[j].kw("}"):
        _name_ok(t[j], kw)
        words.append(t[j].s)
        j += 1
    if j == len(t):
        raise PolicyError(t[i].col, "'{' without '}'")
    if not words:
        raise PolicyError(t[i].col, "empty { } list after '%s'" % kw)
    return words, j + 1


def _parse_rule(p, t, allow, line):
    if len(t) < 2:
        raise PolicyError(t[0].col, "%s needs 'any' or a group name" %
                          t[0].s)
    if t[1].kw("any"):
        group = None
    else:
        _name_ok(t[1], "group name")
        if t[1].s not in p.groups:
            raise PolicyError(t[1].col, "unknown group '%s' (declare it "
                              "with 'group' before this rule)" % t[1].s)
        group = t[1].s
    lists = {"purpose": None, "action": None, "data": None}
    i = 2
    while i < len(t):
        if t[i].quoted or t[i].s not in lists:
            raise PolicyError(t[i].col, "expected 'purpose', 'action' or "
                              "'data', found '%s'" % t[i].s)
        kw = t[i].s
        if lists[kw] is not None:
            raise PolicyError(t[i].col, "'%s' given twice" % kw)
        lists[kw], i = _parse_list(t, i + 1, kw)
    if allow and lists["purpose"] is None:
        raise PolicyError(t[0].col, "an allow rule must name its purposes")
    # Deny rules may name purposes nobody declared: forbidden ones.
    for u in (lists["purpose"] or []) if allow else []:
        if u not in p.purposes:
            raise PolicyError(t[0].col, "allow rule names undeclared "
                              "purpose '%s'" % u)
    p.rules.append((allow, group, lists["purpose"], lists["action"],
                    lists["data"], line))


def _parse_subject(t, i):
    """user|group NAME|ID from t[i]; returns ((is_group, id, name), i)."""
    if i + 1 >= len(t):
        raise PolicyError(t[min(i, len(t) - 1)].col, "'%s' needs 'user' or "
                          "'group' and a name or number" % t[0].s)
    if t[i].kw("user"):
        is_group = False
    elif t[i].kw("group"):
        is_group = True
    else:
        raise PolicyError(t[i].col, "expected 'user' or 'group', found "
                          "'%s'" % t[i].s)
    w = t[i + 1]
    _name_ok(w, "group name or gid" if is_group else "user name or uid")
    if re.fullmatch("[0-9]+", w.s):
        if int(w.s) > 0xffffffff:
            raise PolicyError(w.col, "%s %s is out of range (at most %d)" %
                              ("gid" if is_group else "uid", w.s,
                               0xffffffff))
        return (is_group, int(w.s), None), i + 2
    most = 64 if is_group else MAX_NAME
    if _utf8_len(w.s) > most:
        raise PolicyError(w.col, "%s name longer than %d bytes" %
                          ("group" if is_group else "user", most))
    return (is_group, None, w.s), i + 2


def _parse_patterns(t, i, kw):
    """KW PATTERN or KW { PATTERN ... }; a quoted "" is a pattern too."""
    if i >= len(t) or not t[i].kw(kw):
        if i < len(t):
            raise PolicyError(t[i].col, "expected '%s', found '%s'" %
                              (kw, t[i].s))
        raise PolicyError(t[-1].col, "expected '%s' at the end of the line"
                          % kw)
    if i + 1 >= len(t):
        raise PolicyError(t[i].col, "'%s' needs a pattern or a { list }" %
                          kw)
    brace = t[i + 1].kw("{")
    words = []
    j = i + 1 + brace
    while j < len(t):
        if brace and t[j].kw("}"):
            break
        if not (t[j].quoted and t[j].s == ""):
            _name_ok(t[j], kw)
        if _utf8_len(t[j].s) > MAX_NAME:
            raise PolicyError(t[j].col, "%s pattern longer than %d bytes" %
                              (kw, MAX_NAME))
        words.append(t[j].s)
        if not brace:
            break
        j += 1
    if brace and j == len(t):
        raise PolicyError(t[i + 1].col, "'{' without '}'")
    if not words:
        raise PolicyError(t[i + 1].col, "empty { } list after '%s'" % kw)
    return words, j + 1


def _parse_writer(p, t, line):
    who, i = _parse_subject(t, 1)
    services, i = _parse_patterns(t, i, "service")
    actors, i = _parse_patterns(t, i, "actor")
    if i < len(t):
        raise PolicyError(t[i].col, "unexpected '%s' after the writer's "
                          "actor" % t[i].s)
    p.writers.append(who + (services, actors, line))


def _parse_admin(p, t):
    who, i = _parse_subject(t, 1)
    if i < len(t):
        raise PolicyError(t[i].col, "unexpected '%s' after the "
                          "administrator" % t[i].s)
    p.admins.append(who)


def _line_ok(line):
    """UTF-8 with no control character but tab; returns the column of the
    first bad byte and its description, or None."""
    try:
        s = line.decode("utf-8")
    except UnicodeDecodeError as x:
        return x.start + 1, "invalid UTF-8 or control character"
    for k, ch in enumerate(s):
        o = ord(ch)
        if (o < 0x20 and ch != "\t") or o == 0x7f or 0x80 <= o <= 0x9f:
            col = _utf8_len(s[:k]) + 1
            return col, ("NUL byte" if o == 0 else
                         "carriage return (DOS line ending)" if o == 13 else
                         "control character" if o < 0x80 else
                         "invalid UTF-8 or control character")
    return None


def _parse_floor_deny(p, t, line):
    """deny any action|purpose|data WORD|{ LIST }: one selector a line."""
    if len(t) < 2 or not t[1].kw("any"):
        raise PolicyError(t[0 if len(t) < 2 else 1].col, "a floor's deny "
                          "line applies to 'any' (deny any "
                          "action|purpose|data ...)")
    if len(t) < 3 or not (t[2].kw("action") or t[2].kw("purpose") or
                          t[2].kw("data")):
        raise PolicyError(t[1 if len(t) < 3 else 2].col, "a floor's deny "
                          "line names 'action', 'purpose' or 'data'")
    _parse_rule(p, t, False, line)
    r = p.rules[-1]
    if sum(x is not None for x in r[2:5]) > 1:
        p.rules.pop()
        raise PolicyError(t[0].col, "a floor's deny line names one of "
                          "'action', 'purpose' or 'data' (write one line "
                          "each)")


def parse_policy(name, data, floor=False):
    """Parse a policy (bytes), or with floor a floor (the floor's grammar,
    auditlog-policy(5)).  Returns (Policy, []) or (None, errors), each
    error as 'NAME:LINE:COL: message'."""
    p = Policy(name)
    errors = []
    if len(data) > MAX_POLICY:
        return None, ["%s:0:0: policy is larger than %d bytes" %
                      (name, MAX_POLICY)]
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()         # the last line's newline; it may lack one
    for lineno, line in enumerate(lines, 1):
        try:
            if len(line) > MAX_LINE:
                raise PolicyError(MAX_LINE + 1, "line longer than %d bytes"
                                  % MAX_LINE)
            bad = _line_ok(line)
            if bad is not None:
                raise PolicyError(*bad)
            t = _lex(line)
            if not t:
                continue
            if t[0].kw("purpose"):
                _parse_purpose(p, t, floor)
                p.purpose_lines[t[1].s] = lineno
            elif floor and t[0].kw("deny"):
                _parse_floor_deny(p, t, lineno)
            elif floor:
                raise PolicyError(t[0].col, "expected 'purpose' or 'deny' (a "
                                  "floor holds nothing else), found '%s'" %
                                  t[0].s)
            elif t[0].kw("group"):
                _parse_group(p, t)
            elif t[0].kw("allow"):
                _parse_rule(p, t, True, lineno)
            elif t[0].kw("deny"):
                _parse_rule(p, t, False, lineno)
            elif t[0].kw("writer"):
                _parse_writer(p, t, lineno)
            elif t[0].kw("admin"):
                _parse_admin(p, t)
            else:
                raise PolicyError(t[0].col, "expected 'purpose', 'group', "
                                  "'allow', 'deny', 'writer' or 'admin', "
                                  "found '%s'" % t[0].s)
        except PolicyError as x:
            errors.append("%s:%d:%d: %s" % (name, lineno, x.col, x))
    if errors:
        return None, errors
    if floor and not p.purposes:
        return None, ["%s: a floor permits at least one purpose" % name]
    return p, []


# ---------------------------------------------------------------------------
# The floor (core/floor.c): what no policy of the log can lower
# ---------------------------------------------------------------------------

def _floor_forbids(f, what, w):
    """The floor's deny rule that forbids w as a purpose, action or data."""
    k = {"purpose": 2, "action": 3, "data": 4}[what]
    for r in f.rules:
        if r[k] is not None and w in r[k]:
            return r
    return None


def _purpose_barred(f, w):
    """The floor's line that keeps purpose w out, or 0."""
    r = _floor_forbids(f, "purpose", w)
    if r is not None:
        return r[5]
    if w not in f.purposes:
        return f.purpose_lines[next(iter(f.purposes))]
    return 0


def floor_eval(f, purpose, action, data):
    """(code, rule) when the floor denies the access, else None: a deny line
    forbids its action, purpose or data (in the floor's order), or its
    purpose is not one the floor permits."""
    data = data or "customer-data"
    for r in f.rules:
        if ((r[3] is not None and action in r[3]) or
                (r[2] is not None and purpose in r[2]) or
                (r[4] is not None and data in r[4])):
            return "floor", "%s:%d" % (f.name, r[5])
    if purpose not in f.purposes:
        return "floor", "%s:%d" % (f.name,
                                   f.purpose_lines[next(iter(f.purposes))])
    return None


def floor_respects(f, p):
    """floor_respects: one 'POLICY:LINE: message (FLOOR:LINE)' for each
    purpose the floor does not permit and each allow rule it overrides
    whole."""
    out = []
    for name in p.purposes:
        line = _purpose_barred(f, name)
        if line:
            out.append("%s:%d: purpose '%s' is %s (%s:%d)" % (
                p.name, p.purpose_lines[name], name,
                "forbidden by the floor" if _floor_forbids(f, "purpose", name)
                else "not one the floor permits", f.name, line))
    for allow, _g, purposes, actions, datas, rline in p.rules:
        if not allow:
            continue
        for what, lst in (("purpose", purposes), ("action", actions),
                          ("data", datas)):
            if not lst:
                continue
            if what == "purpose":
                if not all(_purpose_barred(f, w) for w in lst):
                    continue
                line = _purpose_barred(f, lst[0])
            else:
                if not all(_floor_forbids(f, what, w) for w in lst):
                    continue
                line = _floor_forbids(f, what, lst[0])[5]
            out.append("%s:%d: the floor overrides this allow rule whole: "
                       "it forbids every %s the rule names ('%s'%s) (%s:%d)"
                       % (p.name, rline, what, lst[0],
                          ", ..." if len(lst) > 1 else "", f.name, line))
            break
    return out


def _subject_matches(who, e):
    """A writer or admin line's subject against an entry's recorded
    identity (format 6): a number is the uid or a group's gid, a name the
    user's or a group's (never the empty one)."""
    is_group, num, name = who
    if not is_group:
        return e["uid"] == num if num is not None else (
            e["user"] != "" and e["user"] == name)
    for g in e["groups"][:32]:
        if (g["gid"] == num if num is not None else
                g["name"] != "" and g["name"] == name):
            return True
    return False


def writer_ok(p, e):
    """policy_writer_ok: whether the entry's writer may claim its service
    and actor; always when the policy has no writer lines."""
    if not p.writers:
        return True
    service, actor = e["service"], e["actor"]
    for is_group, num, name, services, actors, _line in p.writers:
        if not _subject_matches((is_group, num, name), e):
            continue
        if service == "":
            if not any(w in ("*", "") for w in services):
                continue
        elif not any(glob_matcher(w)(service) for w in services):
            continue
        if any(glob_matcher(w)(actor) for w in actors):
            return True
    return False


def evaluate(p, actor, purpose, action, data, ref):
    """Decide an access under a policy, in the order auditlog-policy(5)
    gives.  Returns (allow, code name, rule)."""
    data = data or "customer-data"

    def who(group):
        return group is None or any(m(actor) for m in p.groups[group])

    def has(lst, w):
        return lst is None or w in lst

    def cite(line):
        return "%s:%d" % (p.name, line)

    for allow, group, purposes, actions, datas, line in p.rules:
        if (not allow and who(group) and has(purposes, purpose) and
                has(actions, action) and has(datas, data)):
            return False, "deny-rule", cite(line)
    if purpose not in p.purposes:
        return False, "unknown-purpose", ""
    pattern, rx = p.purposes[purpose]
    if rx is not None and ref == "":
        return False, "missing-ref", ""
    if rx is not None and rx.search(ref.encode("utf-8")) is None:
        return False, "malformed-ref", ""
    actor_ok = action_ok = False
    for allow, group, purposes, actions, datas, line in p.rules:
        if not allow or not has(purposes, purpose) or not who(group):
            continue
        actor_ok = True
        if not has(actions, action):
            continue
        action_ok = True
        if not has(datas, data):
            continue
        return True, "allowed", cite(line)
    if not actor_ok:
        return False, "actor-not-allowed", ""
    if not action_ok:
        return False, "action-not-allowed", ""
    return False, "data-not-allowed", ""


# ---------------------------------------------------------------------------
# Whether a policy change widens access (core/poldiff.c, al_poldiff): each
# line reduced to a normal form, the lines of the two policies paired, and
# each line added or gone judged; doubt counts as widening.
# ---------------------------------------------------------------------------

PD_MAX_LINE = 4096
PD_MAX_WORDS = 512
PD_KINDS = ("purpose", "group", "allow", "deny", "writer", "admin")
PD_KEYS = ("purpose", "action", "data", "service", "actor", "ref")
PD_KEYWORDS = ("purpose", "group", "allow", "deny", "ref", "action", "data",
               "any", "writer", "admin", "user", "service", "actor")


class _PdError(Exception):
    pass


def _pd_render(v, quoted):
    if not (v == "" or v[0] == "#" or any(c in v for c in ' \t{}"\\') or
            (quoted and v in PD_KEYWORDS)):
        return v
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pd_lex(s):
    """(value, quoted, rendered) for each word of a line (str)."""
    w, i, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c in " \t":
            i += 1
            continue
        if c == "#":
            break
        if len(w) == PD_MAX_WORDS:
            raise _PdError()
        if c in "{}":
            v, q = c, False
            i += 1
        elif c == '"':
            out, j = [], i + 1
            while j < n and s[j] != '"':
                if s[j] == "\\":
                    if j + 1 == n or s[j + 1] not in '"\\':
                        raise _PdError()
                    j += 1
                out.append(s[j])
                j += 1
            if j == n:
                raise _PdError()
            v, q = "".join(out), True
            i = j + 1
        else:
            j = i
            while j < n and s[j] not in ' \t{}"':
                j += 1
            v, q = s[i:j], False
            i = j
        w.append((v, q, _pd_render(v, q)))
    return w


def _pd_bare(word, s):
    return not word[1] and word[0] == s


def _pd_set(words):
    """A list as a set: sorted by its rendered form, without repeats."""
    out = {}
    for x in words:
        out.setdefault(x[2], x)
    return [out[k] for k in sorted(out, key=lambda r: r.encode(
        "utf-8", "surrogateescape"))]


class _PdLine:
    def __init__(self, w):
        self.kind = "other"
        for k in PD_KINDS:
            if _pd_bare(w[0], k):
                self.kind = k
        head = {"purpose": 2, "group": 2, "allow": 2, "deny": 2,
                "writer": 3, "admin": 3}.get(self.kind, 0)
        self.shaped = head > 0 and len(w) >= head
        self.parts = {}
        self.members = []
        self.subject = self.desc = None
        rest = head
        if self.shaped and self.kind == "purpose" and len(w) > head and \
                not _pd_bare(w[head], "ref"):
            self.desc = w[head][2]
            rest += 1
        if self.shaped:
            self.subject = w[1][2] + (" " + w[2][2] if head == 3 else "")
        if self.shaped and self.kind == "group":
            self.members = _pd_set(w[rest:])
        elif self.shaped and self.kind != "admin":
            self.shaped = self._parts(w, rest)
        elif self.kind == "admin" and len(w) != head:
            self.shaped = False
        if self.shaped:
            t = [self.kind, self.subject]
            if self.desc is not None:
                t.append(self.desc)
            t += [x[2] for x in self.members]
            for k in PD_KEYS:
                if k in self.parts:
                    ws = self.parts[k]
                    t.append(k)
                    t += [ws[0][2]] if len(ws) == 1 else (
                        ["{"] + [x[2] for x in ws] + ["}"])
            self.text = " ".join(t)
        else:
            self.text = " ".join(x[2] for x in w)

    def _parts(self, w, i):
        n = len(w)
        while i < n:
            k = next((k for k in PD_KEYS if _pd_bare(w[i], k)), None)
            if k is None or k in self.parts or i + 1 == n:
                return False
            i += 1
            if _pd_bare(w[i], "{"):
                j = i + 1
                while j < n and not _pd_bare(w[j], "}"):
                    if _pd_bare(w[j], "{"):
                        return False
                    j += 1
                if j == n or j == i + 1:
                    return False
                self.parts[k] = _pd_set(w[i + 1:j])
                i = j + 1
            else:
                if _pd_bare(w[i], "}"):
                    return False
                self.parts[k] = _pd_set(w[i:i + 1])
                i += 1
        return True


def _pd_read(text):
    lines = []
    for raw in text.split(b"\n"):
        if len(raw) > PD_MAX_LINE:
            raise _PdError()
        w = _pd_lex(raw.decode("utf-8", "surrogateescape"))
        if w:
            lines.append(_PdLine(w))
    return lines


def _pd_glob_covers(p, q):
    if p == q or p == "*":
        return True
    if not any(c in q for c in "*?[\\"):
        return glob_matcher(p)(q)
    return (p.endswith("*") and not any(c in p for c in "?[\\") and
            p.index("*") == len(p) - 1 and q.startswith(p[:-1]))


def _pd_set_covers(p, q, glob):
    return all(any(_pd_glob_covers(a[0], b[0]) if glob else a[2] == b[2]
                   for a in p) for b in q)


def _pd_rule_covers(r, q):
    if r.kind != q.kind or not r.shaped or not q.shaped:
        return False
    if r.subject != q.subject and (r.kind == "writer" or r.subject != "any"):
        return False
    for k, ws in r.parts.items():
        if k not in q.parts or not _pd_set_covers(ws, q.parts[k],
                                                  r.kind == "writer"):
            return False
    return True


def _pd_find(p, kind, subject):
    return next((x for x in p if x.kind == kind and x.shaped and
                 x.subject == subject), None)


def _pd_is_root(x):
    return x.shaped and x.subject in ("user root", "user 0")


def _pd_added_widens(a, b, x):
    if not x.shaped:
        return x.kind != "deny"
    if x.kind == "purpose":
        o = _pd_find(a, "purpose", x.subject)
        if o is None:
            return True
        if "ref" not in o.parts:
            return False
        return "ref" not in x.parts or o.parts["ref"][0][2] != \
            x.parts["ref"][0][2]
    if x.kind == "group":
        o = _pd_find(a, "group", x.subject)
        if o is None:
            return False
        return (not _pd_set_covers(o.members, x.members, True) or
                (not _pd_set_covers(x.members, o.members, True) and
                 any(y.kind == "deny" and y.shaped and
                     y.subject == x.subject for y in b)))
    if x.kind == "allow":
        return not any(_pd_rule_covers(y, x) for y in a)
    if x.kind == "deny":
        return False
    if x.kind == "writer":
        return (any(y.kind == "writer" for y in a) and
                not any(_pd_rule_covers(y, x) for y in a))
    if x.kind == "admin":
        return not (_pd_is_root(x) and not any(y.kind == "admin" for y in a))
    return True


def _pd_removed_widens(a, b, x):
    if x.kind == "deny":
        return not x.shaped or not any(_pd_rule_covers(y, x) for y in b)
    if x.kind == "writer":
        return not any(y.kind == "writer" for y in b)
    if x.kind == "admin":
        return (not any(y.kind == "admin" for y in b) and
                not any(y.kind == "admin" and _pd_is_root(y) for y in a))
    return False


def policy_widens(old, new):
    """Whether policy text new may give access that old did not, as
    al_poldiff judges it; a text it cannot read counts as widening."""
    try:
        a, b = _pd_read(old), _pd_read(new)
    except _PdError:
        return True
    left = {}
    for x in a:
        left.setdefault((x.kind, x.text), []).append(x)
    added = []
    for x in b:
        same = left.get((x.kind, x.text))
        if same:
            same.pop()
        else:
            added.append(x)
    gone = [x for v in left.values() for x in v]
    return (any(_pd_removed_widens(a, b, x) for x in gone) or
            any(_pd_added_widens(a, b, x) for x in added))


# ---------------------------------------------------------------------------
# Text for a terminal, as auditlog escapes it (core/esc.c; FORMAT.md 13.4)
# ---------------------------------------------------------------------------

def _utf8_char(b, i):
    """(length, code point) of the valid UTF-8 sequence at b[i], or
    (0, None)."""
    c = b[i]
    if c < 0x80:
        return 1, c
    if c & 0xe0 == 0xc0:
        n, c, low = 2, c & 0x1f, 0x80
    elif c & 0xf0 == 0xe0:
        n, c, low = 3, c & 0x0f, 0x800
    elif c & 0xf8 == 0xf0:
        n, c, low = 4, c & 0x07, 0x10000
    else:
        return 0, None
    if len(b) - i < n:
        return 0, None
    for k in range(1, n):
        if b[i + k] & 0xc0 != 0x80:
            return 0, None
        c = c << 6 | b[i + k] & 0x3f
    if c < low or c > 0x10ffff or 0xd800 <= c <= 0xdfff:
        return 0, None
    return n, c


def _unsafe(c):
    """C1 controls, and the marks that reorder text (Trojan Source)."""
    return (0x80 <= c <= 0x9f or c in (0x061c, 0x200e, 0x200f, 0xfeff) or
            0x202a <= c <= 0x202e or 0x2066 <= c <= 0x2069)


def esc_term(s, space=False):
    """Printable characters pass; a backslash is doubled; every other byte
    (controls, invalid UTF-8, the bytes of an unsafe character; spaces too
    with space=True) becomes \\ooo, three octal digits."""
    b = s.encode("utf-8", "surrogatepass") if isinstance(s, str) else s
    out = []
    i = 0
    while i < len(b):
        n, c = _utf8_char(b, i)
        if n == 1 and c == 0x5c:
            out.append("\\\\")
        elif n == 1 and c == 0x20 and space:
            out.append("\\040")
        elif (n == 1 and 0x20 <= c < 0x7f) or (n > 1 and not _unsafe(c)):
            out.append(b[i:i + n].decode("utf-8"))
        else:
            n = n or 1
            out.extend("\\%03o" % x for x in b[i:i + n])
        i += n
    return "".join(out)


# ---------------------------------------------------------------------------
# Ed25519 verification (RFC 8032 section 5.1), for signed checkpoints
# ---------------------------------------------------------------------------

# Python's standard library has no Ed25519, so this is RFC 8032 5.1.7
# written out with Python's integers: slow (a few milliseconds a
# signature) but exact, and only one signature is ever checked.  Points are
# kept in extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z.

ED_P = 2 ** 255 - 19
ED_L = 2 ** 252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
ED_SQRT_M1 = pow(2, (ED_P - 1) // 4, ED_P)       # a square root of -1


def _ed_add(a, b):
    """RFC 8032 5.1.4: the sum of two points."""
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    p = ED_P
    aa = (y1 - x1) * (y2 - x2) % p
    bb = (y1 + x1) * (y2 + x2) % p
    cc = 2 * t1 * t2 * ED_D % p
    dd = 2 * z1 * z2 % p
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % p, g * h % p, f * g % p, e * h % p)


def _ed_mul(k, pt):
    """[k]pt, by double and add."""
    q = (0, 1, 1, 0)                    # the neutral element
    while k:
        if k & 1:
            q = _ed_add(q, pt)
        pt = _ed_add(pt, pt)
        k >>= 1
    return q


def _ed_recover_x(y, sign):
    """RFC 8032 5.1.3, steps 2-4: x from y and x's low bit, or None."""
    if y >= ED_P:
        return None
    u = (y * y - 1) % ED_P
    v = (ED_D * y * y + 1) % ED_P
    x = u * pow(v, 3, ED_P) * pow(u * pow(v, 7, ED_P), (ED_P - 5) // 8,
                                  ED_P) % ED_P
    vxx = v * x * x % ED_P
    if vxx == (-u) % ED_P:
        x = x * ED_SQRT_M1 % ED_P
    elif vxx != u:
        return None                     # no square root: not a point
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = ED_P - x
    return x


def _ed_decode(b):
    """A 32-byte point encoding (RFC 8032 5.1.3), or None."""
    if len(b) != 32:
        return None
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _ed_recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % ED_P)


_ED_BY = 4 * pow(5, ED_P - 2, ED_P) % ED_P
ED_BASE = (_ed_recover_x(_ED_BY, 0), _ED_BY, 1,
           _ed_recover_x(_ED_BY, 0) * _ED_BY % ED_P)


def _ed_equal(a, b):
    """The same point (projective coordinates compared crosswise)."""
    return ((a[0] * b[2] - b[0] * a[2]) % ED_P == 0 and
            (a[1] * b[2] - b[1] * a[2]) % ED_P == 0)


def ed25519_verify(pub, msg, sig):
    """RFC 8032 5.1.7: whether sig (64 bytes) is pub's (32 bytes) signature
    of msg.  A non-canonical S (S >= L), or an R or a public key that does
    not decode, fails.  The group equation is checked without the cofactor,
    [S]B = R + [k]A, which the RFC allows and OpenSSL (the C checker's
    library) does too, so both accept the same signatures."""
    if len(pub) != 32 or len(sig) != 64:
        return False
    a = _ed_decode(pub)
    r = _ed_decode(sig[:32])
    s = int.from_bytes(sig[32:], "little")
    if a is None or r is None or s >= ED_L:
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + pub + msg).digest(),
                       "little") % ED_L
    return _ed_equal(_ed_mul(s, ED_BASE), _ed_add(r, _ed_mul(k, a)))


# ---------------------------------------------------------------------------
# Keys, checkpoints and the multi-leaf proof (FORMAT.md section 14)
# ---------------------------------------------------------------------------

ORIGIN_MAX = 256        # bytes of an origin, with room for a NUL in C
KEY_NAME_MAX = 256
MAX_CHECKPOINT = 64 * 1024
MAX_PROOF = 64 * 1024 * 1024
EMDASH_SP = "\u2014 ".encode("utf-8")


class NoteError(Exception):
    """A checkpoint or key that cannot be used; corrupt is True when it is
    well formed but its signature does not hold (exit 1, not 2)."""

    def __init__(self, why, corrupt=False):
        Exception.__init__(self, why)
        self.corrupt = corrupt


def utf8_bad(b):
    """The offset of the first byte that is not strict UTF-8 or starts a
    control character (C0, DEL, C1), or None; newlines are allowed."""
    try:
        s = b.decode("utf-8")
        limit = len(b)
    except UnicodeDecodeError as x:
        s = b[:x.start].decode("utf-8")
        limit = x.start
    for i, c in enumerate(s):
        if c != "\n" and (c < " " or "\x7f" <= c <= "\x9f"):
            return len(s[:i].encode("utf-8"))
    return None if limit == len(b) else limit


def b64_exact(s, n):
    """Strict base64 (canonical, padded) of exactly n bytes, or None."""
    if len(s) != 4 * ((n + 2) // 3):
        return None
    try:
        raw = base64.b64decode(s, validate=True)
    except (ValueError, binascii.Error):
        return None
    if len(raw) != n or base64.b64encode(raw) != s:
        return None
    return raw


def key_hash(name, pub):
    """The first 4 bytes of SHA-256(name || 0x0A || 0x01 || key)."""
    return int.from_bytes(hashlib.sha256(name + b"\n\x01" + pub).digest()[:4],
                          "big")


def parse_vkey(data):
    """A verifier key, NAME+HASH+BASE64(0x01 || key) on its first line:
    (name, hash, public key) or NoteError."""
    line = data.split(b"\0", 1)[0].split(b"\n", 1)[0]
    bad = NoteError("not a verifier key (name+hash+key, as 'auditlog "
                    "keygen' writes)")
    plus = line.find(b"+")
    if plus < 0 or plus + 10 > len(line) or line[plus + 9:plus + 10] != b"+":
        raise bad
    name, hx = line[:plus], line[plus + 1:plus + 9]
    if (not 0 < len(name) <= KEY_NAME_MAX or utf8_bad(name) is not None or
            b"\n" in name or b" " in name or
            not re.fullmatch(rb"[0-9a-f]{8}", hx)):
        raise bad
    raw = b64_exact(line[plus + 10:], 33)
    if raw is None or raw[0] != 1:
        raise bad
    if key_hash(name, raw[1:]) != int(hx, 16):
        raise NoteError("the verifier key's hash does not match its name "
                        "and key")
    return name, int(hx, 16), raw[1:]


def note_lines(b):
    """Lines without their newlines; None for a last line that has none."""
    parts = b.split(b"\n")
    return parts[:-1] + ([None] if parts[-1] else [])


def parse_checkpoint(text, vkey=None):
    """A checkpoint note (c2sp.org/tlog-checkpoint), checked as the C
    checker checks it: {"origin", "size", "root", "signed"}, or NoteError.
    With a verifier key (parse_vkey's), a signature line by that key must
    be there and verify; other signature lines are skipped."""
    if len(text) > 1024 * 1024:
        raise NoteError("a checkpoint is at most 1 MiB")
    at = utf8_bad(text)
    if at is not None:
        raise NoteError("the checkpoint has a control character or invalid "
                        "UTF-8 at byte %d" % at)
    # The text ends at the last blank line, if it is signed.
    split = text.rfind(b"\n\n")
    body = split + 1 if split >= 0 else len(text)
    lines = note_lines(text[:body])
    if not lines or not lines[0] or len(lines[0]) >= ORIGIN_MAX:
        raise NoteError("the checkpoint's first line is not an origin")
    origin = lines[0]
    s = lines[1] if len(lines) > 1 else None
    if (not s or len(s) > 20 or not re.fullmatch(rb"[0-9]+", s) or
            (s[:1] == b"0" and len(s) > 1)):
        raise NoteError("the checkpoint's second line is not a tree size")
    size = 0
    for c in s:
        if size > ((1 << 64) - 1 - 9) // 10:
            raise NoteError("the tree size is too large")
        size = size * 10 + c - 0x30
    root = b64_exact(lines[2], 32) if len(lines) > 2 and lines[2] else None
    if root is None:
        raise NoteError("the checkpoint's third line is not a base64 "
                        "SHA-256 root")
    # Extension lines may follow; they are not ours to read.
    for ext in lines[3:]:
        if not ext:
            raise NoteError("the checkpoint text does not end in a newline")
    cp = {"origin": origin.decode("utf-8"), "size": size, "root": root,
          "signed": False, "has_sig": split >= 0}
    if vkey is None:
        return cp
    name, khash, pub = vkey
    if split < 0:
        raise NoteError("the checkpoint is not signed", True)
    found = False
    for line in note_lines(text[split + 2:]):
        if line is None or len(line) < 5 or not line.startswith(EMDASH_SP):
            raise NoteError("the checkpoint has a signature line that is "
                            "not one")
        line = line[4:]
        sp = line.find(b" ")
        if sp < 0:
            raise NoteError("a signature line without a signature")
        sig = b64_exact(line[sp + 1:], 68)
        if (sig is None or line[:sp] != name or
                int.from_bytes(sig[:4], "big") != khash):
            continue            # not an Ed25519 signature, or another key's
        found = True
        if not ed25519_verify(pub, text[:body], sig[4:]):
            raise NoteError("the signature by %s does not verify" %
                            name.decode("utf-8"), True)
    if not found:
        raise NoteError("the checkpoint has no signature by %s" %
                        name.decode("utf-8"), True)
    cp["signed"] = True
    return cp


def mt_split(n):
    """RFC 9162's k: the largest power of two below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def mt_node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mt_cover(a, b, n):
    """The maximal nodes [lo, hi) of the tree of size n inside the leaves
    [a, b), left to right (FORMAT.md 14.6): walk down from the root,
    taking a node inside whole and splitting one that overlaps."""
    if a >= b or n == 0:
        return
    todo = [(0, n)]
    while todo:
        lo, hi = todo.pop()
        if hi <= a or b <= lo:
            continue
        if a <= lo and hi <= b:
            yield lo, hi
            continue
        k = mt_split(hi - lo)
        todo.append((lo + k, hi))
        todo.append((lo, lo + k))


def mt_is_node(a, b, n):
    """Whether [a, b) is a node of the tree of size n."""
    if a >= b or b > n:
        return False
    w = b - a
    if b < n:
        # Only the nodes on the right edge (b == n) are not complete:
        # any other is 2^h leaves from a multiple of 2^h, and every such
        # range inside the tree is one of its nodes.
        return w & (w - 1) == 0 and a % w == 0
    lo, hi = 0, n
    while True:
        if lo == a and hi == b:
            return True
        if hi - lo <= 1:
            return False
        k = mt_split(hi - lo)
        if b <= lo + k:
            hi = lo + k
        elif a >= lo + k:
            lo += k
        else:
            return False


class MultiProof:
    """The checker's side of a multi-leaf proof (FORMAT.md 14.6): nodes
    pushed left to right, the proof's for each gap and then the entry's
    leaf, and two siblings joined as soon as both are there."""

    STACK = 130             # as in C: more is never needed below 2^64

    def __init__(self, size, hashes):
        self.size = size
        self.hashes = hashes
        self.used = 0
        self.next = 0
        self.stack = []     # [lo, hi, hash]

    def push(self, lo, hi, h):
        if len(self.stack) >= self.STACK or lo != self.next:
            return False
        self.stack.append([lo, hi, h])
        self.next = hi
        st = self.stack
        while len(st) >= 2 and mt_is_node(st[-2][0], st[-1][1], self.size):
            right = st.pop()
            st[-1][1] = right[1]
            st[-1][2] = mt_node(st[-1][2], right[2])
        return True

    def gap(self, to):
        """Push the proof's nodes for the leaves from next up to `to`;
        False when the proof has too few hashes, or they do not fit."""
        for lo, hi in mt_cover(self.next, to, self.size):
            if self.used >= len(self.hashes):
                return False
            self.used += 1
            if not self.push(lo, hi, self.hashes[self.used - 1]):
                return False
        return True

    def root(self):
        """The root everything pushed makes, or None when it is not
        exactly the tree of the size."""
        if self.size == 0:
            return hashlib.sha256(b"").digest() if not self.stack else None
        if (len(self.stack) != 1 or self.stack[0][0] != 0 or
                self.stack[0][1] != self.size):
            return None
        return self.stack[0][2]


# ---------------------------------------------------------------------------
# The bundle container (FORMAT.md 13.1), read forward only, in memory
# ---------------------------------------------------------------------------

# LIMITS.  A member larger than its limit (MAX_MEMBER unless named) is refused
# from its header, before a byte of it is read; entries.jsonl and entries.csv
# may be as large as the whole tar may (MAX_TAR): the C checker holds them to
# that alone, and every bundle the tool makes must check here too.  Policies are at most 1 MiB by the format; the
# manifest is small.  A line of entries.jsonl may be longer than a policy
# (a 1 MiB policy text, JSON-escaped, takes up to 2 MiB), so its limit is
# 4 MiB; every other text line is held to 1 MiB.
MAX_MEMBER = 2 << 30
MAX_POLICY_MEMBER = MAX_POLICY
MAX_POLICY_TOTAL = 256 << 20        # all policy members together
MAX_MANIFEST = 64 << 20
MAX_JSONL_LINE = 4 << 20
MAX_TEXT_LINE = 1 << 20
MAX_TRAILER = 1 << 20               # zero padding after the end of the tar
# What the gzip data may inflate to, the same in auditlog's own checker
# (core/bundle.h, FORMAT.md 13.1): a bundle of a million entries holds
# about 1 GB of tar, and the tool's bundles inflate less than 10 to 1
# (every entry holds two hashes, which do not compress).
MAX_TAR = 16 << 30                  # bytes of tar in all
MAX_RATIO = 100                     # bytes of tar per byte of gzip read...
RATIO_FROM = 16 << 20               # ...once past this many
BLOCK = 512

POLICY_NAME_RE = re.compile(r"policies/([0-9a-f]{64})\.policy")
FLOOR_NAME_RE = re.compile(r"floor/([0-9a-f]{64})\.floor")
FIXED_MEMBERS = ("entries.jsonl", "entries.csv", "summary.txt",
                 "manifest.json", "checkpoint", "proof")


class Unreadable(Exception):
    """The file cannot be read at all (exit 3)."""


class Refused(Exception):
    """The container is broken: reading cannot go on."""


def member_kind(name):
    """'policy', the name itself for the six fixed members, or None."""
    if name in FIXED_MEMBERS:
        return name
    if POLICY_NAME_RE.fullmatch(name) or FLOOR_NAME_RE.fullmatch(name):
        return "policy"         # the floor is held as a policy is
    return None


class PreadFile:
    """A read-only file object over a shared descriptor, with its own
    offset: a second walk (to locate a difference) reads the same file as
    the first, even if the name is replaced while we run."""

    def __init__(self, fd):
        self.fd = fd
        self.pos = 0

    def read(self, n=-1):
        if n is None or n < 0:
            n = 1 << 20
        b = os.pread(self.fd, n, self.pos)
        self.pos += len(b)
        return b

    def readable(self):
        return True

    def seekable(self):
        return False

    def close(self):
        pass


class GzipStream:
    """The bytes a gzip file inflates to: any number of members one after
    another, each one's CRC-32 and length checked, nothing before, between
    or after them (not even the zero bytes gzip(1) skips), and no more than
    the limits above.  read(n) returns n bytes, fewer only at the end."""

    def __init__(self, fd):
        self.f = PreadFile(fd)
        self.z = None               # the member being inflated
        self.pending = b""          # gzip bytes not yet given to it
        self.buf = bytearray()      # inflated, not yet returned
        self.end = False
        self.gz = 0                 # bytes of the file read
        self.out = 0                # bytes inflated

    def _more(self):
        b = self.f.read(1 << 16)
        self.gz += len(b)
        return b

    def _member(self):
        """At the end of a member (or before the first): start the next
        one, or see the end of the file."""
        first = self.z is None
        if not first:
            self.pending = self.z.unused_data + self.pending
        while len(self.pending) < 2:
            b = self._more()
            if not b:
                break
            self.pending += b
        if not self.pending:
            self.end = True
            return
        if self.pending[:2] != b"\x1f\x8b":
            raise Refused("not a gzip file: a bundle is a .tar.gz" if first
                          else "bytes after the end of the gzip data that "
                          "are not gzip")
        self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def read(self, n):
        while len(self.buf) < n and not self.end:
            if self.z is None or self.z.eof:
                self._member()
                continue
            if not self.pending:
                self.pending = self._more()
                if not self.pending:
                    raise Refused("truncated: the gzip data ends before its "
                                  "end marker")
            try:
                b = self.z.decompress(self.pending, 1 << 16)
            except zlib.error as x:
                raise Refused("the gzip data is corrupt (%s)" % x) from None
            self.pending = self.z.unconsumed_tail
            self.out += len(b)
            self.buf += b
            used = self.gz - len(self.pending) - len(self.z.unused_data)
            if self.out > MAX_TAR:
                raise Refused("the archive inflates to more than %d bytes, "
                              "the most a bundle may hold" % MAX_TAR)
            if self.out > RATIO_FROM and self.out > MAX_RATIO * used:
                raise Refused("the gzip data inflates more than %d to 1 (%d "
                              "bytes from %d), more than a bundle does" %
                              (MAX_RATIO, self.out, used))
        b = bytes(self.buf[:n])
        del self.buf[:n]
        return b


class Archive:
    """Walk the members of a bundle: gzip (any number of members, CRCs
    checked), then ustar headers, every check of 13.1 made as it goes."""

    def __init__(self, fd):
        self.gz = GzipStream(fd)
        self.offset = 0         # bytes of tar read so far

    def _read(self, n):
        """Up to n bytes of the decompressed stream."""
        try:
            b = self.gz.read(n)
        except OSError as x:
            raise Unreadable(str(x)) from None
        self.offset += len(b)
        return b

    def _exact(self, n, what):
        b = self._read(n)
        if len(b) != n:
            raise Refused("truncated: the archive ends inside %s" % what)
        return b

    def members(self):
        """Yield (name, size, reader) for each member; reader(n) reads up
        to n more bytes of it.  Raises Refused on a broken container;
        returns at the archive's end marker."""
        seen = set()
        while True:
            head = self._read(BLOCK)
            if len(head) == 0 and self.offset == 0:
                raise Refused("an empty file: not a gzip file")
            if len(head) < BLOCK:
                raise Refused("truncated: the archive ends without its end "
                              "marker (two zero blocks)")
            if head == bytes(BLOCK):
                if self._exact(BLOCK, "its end marker") != bytes(BLOCK):
                    raise Refused("a zero block inside the archive at byte "
                                  "%d" % (self.offset - 2 * BLOCK))
                self._trailer()
                return
            name, size = self._header(head, seen)
            left = [size]

            def reader(n, left=left):
                n = min(n, left[0])
                b = self._exact(n, "member %s" % name) if n else b""
                left[0] -= len(b)
                return b

            yield name, size, reader
            while left[0]:          # what the caller did not read
                reader(1 << 20)
            pad = -size % BLOCK
            if pad and self._exact(pad, "member %s" % name) != bytes(pad):
                raise Refused("%s: its padding is not zero" % name)

    def _header(self, head, seen):
        at = self.offset - BLOCK
        try:
            info = tarfile.TarInfo.frombuf(head, "utf-8", "strict")
        except tarfile.HeaderError as x:
            raise Refused("a broken tar header at byte %d (%s)" % (at, x)) \
                from None
        except UnicodeDecodeError:
            raise Refused("a tar header at byte %d with a name that is not "
                          "UTF-8" % at) from None
        raw = head[:100]
        nul = raw.find(b"\0")
        if nul >= 0 and raw[nul:] != bytes(100 - nul):
            raise Refused("a tar header at byte %d with bytes after the end "
                          "of its name" % at)
        name = raw[:nul if nul >= 0 else 100].decode("utf-8")
        if head[257:265] not in (b"ustar\x0000", b"ustar  \x00"):
            raise Refused("%r at byte %d: not a ustar header" % (name, at))
        if head[345:500] != bytes(155):
            raise Refused("%r at byte %d: a name in the ustar prefix field "
                          "(a bundle's names fit in 100 bytes)" % (name, at))
        if head[156:157] != b"0":
            raise Refused("%r: not a regular file (tar type %r)" %
                          (name, head[156:157].decode("latin-1")))
        kind = member_kind(name)
        if kind is None:
            raise Refused("%r: not a member a bundle may hold (only "
                          "policies/DIGEST.policy, floor/DIGEST.floor, %s)" %
                          (name, ", ".join(FIXED_MEMBERS)))
        if name in seen:
            raise Refused("%s: appears twice" % name)
        seen.add(name)
        size = info.size
        limit = {"policy": MAX_POLICY_MEMBER,
                 "manifest.json": MAX_MANIFEST,
                 "checkpoint": MAX_CHECKPOINT,
                 "proof": MAX_PROOF,
                 "entries.jsonl": MAX_TAR,
                 "entries.csv": MAX_TAR}.get(kind, MAX_MEMBER)
        if size < 0 or size > limit:
            raise Refused("%s: its header says %d bytes, more than the %d a "
                          "bundle member may hold" % (name, size, limit))
        return name, size

    def _trailer(self):
        """After the end marker: zero padding only, and little of it."""
        total = 0
        while True:
            b = self._read(1 << 16)
            if not b:
                return
            total += len(b)
            if b.count(0) != len(b):
                raise Refused("data after the end of the archive")
            if total > MAX_TRAILER:
                raise Refused("more than %d bytes of padding after the end "
                              "of the archive" % MAX_TRAILER)


class LineReader:
    """Lines of one member, each at most `limit` bytes without its
    newline; memory is bounded by the limit, whatever the member holds."""

    def __init__(self, reader, limit):
        self.reader = reader
        self.limit = limit
        self.buf = b""
        self.pos = 0            # what of buf is consumed
        self.eof = False

    def _more(self, want=1 << 16):
        """Append the next chunk; False at the end of the member."""
        if self.eof:
            return False
        b = self.reader(want)
        if not b:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + b
        self.pos = 0
        return True

    def readline(self):
        """The next line with its newline, the last one without, b"" at the
        end; raises Bad on a line longer than the limit."""
        start = self.pos
        while True:
            k = self.buf.find(b"\n", start)
            if k >= 0:
                if k - self.pos > self.limit:
                    raise Bad("a line longer than %d bytes" % self.limit)
                line = self.buf[self.pos:k + 1]
                self.pos = k + 1
                return line
            if len(self.buf) - self.pos > self.limit:
                raise Bad("a line longer than %d bytes" % self.limit)
            start = len(self.buf) - self.pos
            if not self._more():
                line = self.buf[self.pos:]
                self.pos = len(self.buf)
                return line

    def read(self, n):
        """Exactly n bytes, or fewer at the end."""
        while len(self.buf) - self.pos < n and self._more(
                max(1 << 16, n - (len(self.buf) - self.pos))):
            pass
        out = self.buf[self.pos:self.pos + n]
        self.pos += len(out)
        return out


def open_member(fd, want):
    """A second walk of the archive, stopped at member `want`: (reader,
    walk), or (None, walk).  Only to find where two members differ."""
    walk = Archive(fd).members()
    for name, _size, reader in walk:
        if name == want:
            return reader, walk
    return None, walk


# ---------------------------------------------------------------------------
# The checks: one walk, front to back
# ---------------------------------------------------------------------------

class Checker:
    """Every check of FORMAT.md 13.5 in one walk of the bundle: the
    manifest comes first and says what follows, so each member is checked
    as it streams past; only a difference between entries.csv and the
    entries is located by a second walk."""

    MANIFEST_KEYS = ["format", "format_version", "tool", "log_id", "created",
                     "filters", "first_seq", "last_seq", "entries", "head",
                     "policies", "members"]
    FILTERS = ["customer", "actor", "purpose", "decision", "since", "until",
               "from_seq", "to_seq"]

    def __init__(self, fd, expect=None, vkey=None, held=None):
        self.fd = fd
        self.expect = expect            # (seq, hash) or None
        self.vkey = vkey                # parse_vkey's, or None
        self.held = held                # parse_checkpoint's, or None
        self.fmt = None                 # the bundle format, 1 to 4
        self.cp = None                  # the bundle's checkpoint, checked
        self.proof = None               # its hashes, when they parsed
        self.tree = None                # the MultiProof being checked
        self.tree_bad = False           # reported, or not checkable
        self.tree_size = 0              # when the proof led to the root
        self.tree_signed = False
        self.problems = []              # (seq or None, text)
        self.manifest = None
        self.want = []                  # member names, in order, after it
        self.listed = {}                # name -> the manifest's record
        self.policy_text = {}           # digest -> bytes
        self.policy = {}                # digest -> Policy, or None
        self.named = {}                 # (digest, name) -> Policy
        self.entries = 0
        self.first = self.last = None   # exported seqs
        self.entries_ok = False         # entries.jsonl read to its end
        self.csv = None                 # the regenerated CSV: sha256
        self.csv_size = 0
        self.stats = Stats(expect[0] if expect else None)
        self.period = {}                # since, until: nanoseconds
        self.policy_bytes = 0           # of all policy members
        self.unchecked = set()          # broken manifest policies, by seq
        self.floor = None               # the manifest's floor, or None
        self.floor_policy = None        # the floor member, parsed
        self.progress = Progress()

    def problem(self, text, seq=None):
        self.progress.end()
        self.problems.append((seq, text))

    def run(self):
        walk = Archive(self.fd).members()
        k = 0
        try:
            for name, size, reader in walk:
                if k == 0:
                    if name != "manifest.json":
                        raise Refused("%s comes first, but a bundle starts "
                                      "with manifest.json" % name)
                    if not self.read_manifest(reader):
                        return
                elif k > len(self.want):
                    raise Refused("%s: a member after summary.txt, the "
                                  "last" % name)
                elif name != self.want[k - 1]:
                    raise Refused("%s comes where the manifest lists %s "
                                  "(out of order, or a member is missing)" %
                                  (name, self.want[k - 1]))
                else:
                    self.member(name, size, HashingReader(reader))
                k += 1
        except Refused as x:
            self.problem("bundle: %s" % x)
            return
        if k == 0:
            self.problem("bundle: an archive with no members")
            return
        if k <= len(self.want):
            self.problem("bundle: %s is missing (the archive ends before "
                         "it)" % self.want[k - 1])
            return
        self.finish()

    def member(self, name, size, r):
        if name == "checkpoint":
            self.read_checkpoint(r)
        elif name == "proof":
            self.read_proof(r)
        elif name.startswith("policies/"):
            self.read_policy(name, r)
        elif name.startswith("floor/"):
            self.read_floor(name, r)
        elif name == "entries.jsonl":
            self.read_entries(r)
        elif name == "entries.csv":
            self.read_csv(r)
        else:
            self.read_summary(r)
        while r(1 << 20):
            pass                    # what a check left unread
        e = self.listed[name]
        if r.size != e["size"]:
            self.problem("%s: %d bytes, but the manifest says %d" %
                         (name, r.size, e["size"]))
        elif r.sha256() != e["sha256"]:
            self.problem("%s: SHA-256 %s, but the manifest says %s" %
                         (name, r.sha256(), e["sha256"]))

    # -- manifest.json (13.2) ------------------------------------------

    def read_manifest(self, reader):
        """Parse and check the manifest; False when the rest cannot be
        checked against it."""
        where = "manifest.json"
        raw = b"".join(iter(lambda: reader(1 << 20), b""))
        if not raw.endswith(b"\n") or raw.count(b"\n") != 1:
            self.problem("%s: not one JSON object and a newline" % where)
        try:
            m = json_object(raw)
        except Bad as x:
            self.problem("%s: %s" % (where, x))
            return False
        if not isinstance(m, dict):
            self.problem("%s: not a JSON object" % where)
            return False
        if m.get("format") != "auditlog-bundle":
            self.problem("%s: format is %s, not \"auditlog-bundle\"" %
                         (where, json.dumps(m.get("format"))[:100]))
            return False
        v = m.get("format_version")
        if type(v) is not int or v not in (1, 2, 3, 4):
            self.problem("%s: bundle format version %s, which this checker "
                         "does not know (it knows 1 to 4): cannot check" %
                         (where, json.dumps(v)[:100]))
            return False
        self.fmt = v
        # Format 4 names the log's floor (or null: a log before format 6).
        keys = set(self.MANIFEST_KEYS) | ({"floor"} if v >= 4 else set())
        if set(m) != keys:
            missing = sorted(keys - set(m))
            extra = sorted(set(m) - keys)
            self.problem("%s:%s%s" % (
                where, " missing keys " + ",".join(missing) if missing
                else "", " unknown keys " + ",".join(extra)[:200] if extra
                else ""))
            return False
        n = len(self.problems)

        def bad(text):
            self.problem("%s: %s" % (where, text))

        if not isinstance(m["tool"], str) or not m["tool"].startswith(
                "auditlog "):
            bad("tool is not \"auditlog VERSION\"")
        if not isinstance(m["log_id"], str) or not re.fullmatch(
                r"[0-9a-f]{32}", m["log_id"]):
            bad("log_id is not 32 lowercase hex digits")
        try:
            if not isinstance(m["created"], str) or not re.fullmatch(
                    r"[^.]{19}Z", m["created"]):
                raise Bad("not in whole seconds")
            time_ns(m["created"][:-1] + ".000000000Z")
        except Bad as x:
            bad("created is not an RFC 3339 UTC time in whole seconds "
                "(%s)" % x)
        self.check_filters(m["filters"], bad)
        for k in ("first_seq", "last_seq"):
            if m[k] is not None and not is_seq(m[k]):
                bad("%s is not a seq or null" % k)
        if type(m["entries"]) is not int or m["entries"] < 0:
            bad("entries is not a count")
        elif ((m["entries"] == 0) != (m["first_seq"] is None) or
              (m["first_seq"] is None) != (m["last_seq"] is None)):
            bad("first_seq and last_seq are not null exactly when entries "
                "is 0")
        h = m["head"]
        if (not isinstance(h, dict) or set(h) != {"seq", "hash"} or
                not is_seq(h["seq"]) or not isinstance(h["hash"], str) or
                not HEX_RE.fullmatch(h["hash"])):
            bad("head is not {\"seq\": N, \"hash\": HEX}")
        elif is_seq(m["last_seq"]) and m["last_seq"] > h["seq"]:
            bad("last_seq %d is after the head, seq %d" %
                (m["last_seq"], h["seq"]))
        self.check_manifest_policies(m["policies"], bad)
        fl = m.get("floor")
        if fl is not None and (
                not isinstance(fl, dict) or
                list(fl) != ["seq", "name", "digest", "approvers"] or
                not is_seq(fl["seq"]) or not isinstance(fl["name"], str) or
                not isinstance(fl["digest"], str) or
                not HEX_RE.fullmatch(fl["digest"]) or
                type(fl["approvers"]) is not int or
                not 1 <= fl["approvers"] <= 9):
            bad("floor is not {\"seq\", \"name\", \"digest\", "
                "\"approvers\"} or null")
        self.check_manifest_members(m["members"], bad)
        if len(self.problems) > n:
            return False
        self.manifest = m
        # The order of the members after it: for format 2 the checkpoint
        # and the proof, held while the entries are read; the policies in
        # the order of the manifest's policies (a digest at its first
        # seq); then the three fixed members; `members` must list them so
        # (13.1, 13.2).
        listed = [e["name"] for e in m["members"]]
        for i, name in enumerate(listed):
            if name in ("checkpoint", "proof") and (
                    self.fmt < 2 or i != ("checkpoint", "proof").index(name)):
                bad("%s is out of its place" % name)
                return False
        if self.fmt >= 2 and listed[:2] != ["checkpoint", "proof"]:
            bad("a bundle of format 2 starts with its checkpoint and proof")
            return False
        order = listed[:2] if self.fmt >= 2 else []
        self.floor = m.get("floor")
        self.stats.floor = floor_words(self.floor, None)
        if self.floor is not None:
            order.append("floor/%s.floor" % self.floor["digest"])
        for p in m["policies"]:
            name = "policies/%s.policy" % p["digest"]
            if name not in order:
                order.append(name)
        order += ["entries.jsonl", "entries.csv", "summary.txt"]
        if listed != order:
            bad("members lists %s, but a bundle of these policies holds %s"
                % (", ".join(listed)[:500], ", ".join(order)[:500]))
            return False
        self.want = order
        self.listed = {e["name"]: e for e in m["members"]}
        return True

    def check_filters(self, f, bad):
        if not isinstance(f, dict):
            bad("filters is not an object")
            return
        keys = list(f)
        unknown = [k for k in keys if k not in self.FILTERS]
        if unknown:
            bad("filters: unknown filters %s" % ",".join(unknown)[:200])
            return
        if keys != [k for k in self.FILTERS if k in f]:
            bad("filters: %s, not in the order %s" % (
                ",".join(keys)[:200], ",".join(self.FILTERS)))
            return
        for k, v in f.items():
            if k in ("customer", "actor", "purpose"):
                if not isinstance(v, str) or v == "":
                    bad("filters: %s is not a non-empty string" % k)
            elif k == "decision":
                if v not in ("allow", "deny"):
                    bad("filters: decision is not allow or deny")
            elif k in ("since", "until"):
                try:
                    self.period[k] = time_ns(v)
                except Bad as x:
                    bad("filters: %s: %s" % (k, x))
            elif not is_seq(v):
                bad("filters: %s is not a seq" % k)

    def check_manifest_policies(self, pols, bad):
        if not isinstance(pols, list):
            bad("policies is not a list")
            return
        last = 0
        for p in pols:
            if (not isinstance(p, dict) or
                    set(p) != {"seq", "name", "digest", "actor", "time"} or
                    not is_seq(p["seq"]) or not isinstance(p["name"], str) or
                    not isinstance(p["actor"], str) or
                    not isinstance(p["digest"], str) or
                    not HEX_RE.fullmatch(p["digest"])):
                bad("policies: %s is not {\"seq\", \"name\", \"digest\", "
                    "\"actor\", \"time\"}" % json.dumps(p)[:200])
                continue
            try:
                p["time_ns"] = time_ns(p["time"])
            except Bad as x:
                bad("policies: seq %d: %s" % (p["seq"], x))
            if p["seq"] <= last:
                bad("policies: seq %d is not after seq %d" % (p["seq"],
                                                             last))
            last = p["seq"]

    def check_manifest_members(self, members, bad):
        if not isinstance(members, list):
            bad("members is not a list")
            return
        for e in members:
            if (not isinstance(e, dict) or
                    set(e) != {"name", "size", "sha256"} or
                    not isinstance(e["name"], str) or
                    type(e["size"]) is not int or e["size"] < 0 or
                    not isinstance(e["sha256"], str) or
                    not HEX_RE.fullmatch(e["sha256"])):
                bad("members: %s is not {\"name\", \"size\", \"sha256\"}" %
                    json.dumps(e)[:200])

    # -- checkpoint and proof (format 2, 13.5 item 7, 14.6) ----------------

    def read_checkpoint(self, r):
        """The tree head the entries are proven in: this log's, of the
        manifest's head; signed by the key, and the one held, when they
        were given."""
        m = self.manifest
        data = b"".join(iter(lambda: r(1 << 16), b""))
        try:
            cp = parse_checkpoint(data, self.vkey)
        except NoteError as x:
            self.problem("checkpoint: %s" % x)
            return
        if cp["origin"] != "auditlog/" + m["log_id"]:
            self.problem("checkpoint: it names another log than the "
                         "manifest's")
            return
        if cp["size"] != m["head"]["seq"]:
            self.problem("checkpoint: its size %d is not the manifest's "
                         "head seq %d" % (cp["size"], m["head"]["seq"]))
            return
        h = self.held
        if h is not None and (h["origin"], h["size"], h["root"]) != (
                cp["origin"], cp["size"], cp["root"]):
            self.problem("checkpoint: the bundle is proven in the tree of "
                         "size %d, not in the checkpoint you hold (size %d%s)"
                         ": ask for an export against it" % (
                             cp["size"], h["size"],
                             ", another log" if h["origin"] != cp["origin"]
                             else ", another root" if h["size"] == cp["size"]
                             else ""))
            return
        self.cp = cp

    def read_proof(self, r):
        """One base64 hash a line, 44 characters and a newline each."""
        data = b"".join(iter(lambda: r(1 << 20), b""))
        if len(data) % 45:
            self.problem("proof: not lines of one base64 hash each")
            return
        hashes = []
        for i in range(0, len(data), 45):
            h = b64_exact(data[i:i + 44], 32)
            if data[i + 44] != 0x0a or h is None:
                self.problem("proof: line %d is not a base64 hash" %
                             (i // 45 + 1))
                return
            hashes.append(h)
        self.proof = hashes

    def tree_leaf(self, seq, h):
        """Entry seq is leaf seq - 1: push the proof's nodes for the gap
        before it, then its leaf hash, recomputed."""
        if self.fmt < 2 or self.tree_bad:
            return
        if self.cp is None or self.proof is None:
            self.tree_bad = True        # reported with its member
            return
        if self.tree is None:
            self.tree = MultiProof(self.cp["size"], self.proof)
        if seq > self.cp["size"]:
            self.problem("is beyond the checkpoint's tree of %d entries" %
                         self.cp["size"], seq)
            self.tree_bad = True
            return
        if not self.tree.gap(seq - 1) or not self.tree.push(seq - 1, seq, h):
            self.problem("the proof does not fit the entries: too few "
                         "hashes, or entries out of order", seq)
            self.tree_bad = True

    def tree_finish(self):
        """After the last entry: the nodes right of it, then the root,
        every hash of the proof used."""
        if (self.fmt < 2 or self.tree_bad or self.cp is None or
                self.proof is None):
            return
        if self.tree is None:
            self.tree = MultiProof(self.cp["size"], self.proof)
        t = self.tree
        root = t.root() if t.gap(self.cp["size"]) else None
        if root is None:
            self.problem("proof: too few hashes for the checkpoint's tree")
        elif t.used != len(t.hashes):
            self.problem("proof: %d hashes more than the entries need" %
                         (len(t.hashes) - t.used))
        elif root != self.cp["root"]:
            self.problem("the entries and the proof do not lead to the "
                         "checkpoint's root: an entry was altered, added or "
                         "left out, or the proof is not theirs")
        else:
            self.tree_size = self.cp["size"]
            self.tree_signed = self.cp["signed"]

    # -- policies/DIGEST.policy (13.5 item 4) -----------------------------

    def read_policy(self, name, r):
        d = name[len("policies/"):-len(".policy")]
        data = b"".join(iter(lambda: r(1 << 20), b""))
        self.policy_bytes += len(data)
        if self.policy_bytes > MAX_POLICY_TOTAL:
            raise Refused("the policy members hold more than %d bytes" %
                          MAX_POLICY_TOTAL)
        got = hashlib.sha256(data).hexdigest()
        if got != d:
            self.problem("%s: its SHA-256 is %s, not the digest it is named "
                         "by" % (name, got))
            self.policy[d] = None
            return
        first = next(p for p in self.manifest["policies"]
                     if p["digest"] == d)
        self.policy_text[d] = data
        pol, errors = parse_policy(first["name"], data)
        for x in errors[:10]:
            self.problem("%s: does not parse: %s" % (name, x))
        if len(errors) > 10:
            self.problem("%s: and %d more errors" % (name, len(errors) - 10))
        self.policy[d] = pol
        if pol is not None:
            self.named[(d, first["name"])] = pol
        # Every policy in force at or after the floor's seq (as far as
        # the manifest shows) must respect it, as auditlog verify checks.
        pols = self.manifest["policies"]
        fl = self.floor
        for i, p in enumerate(pols):
            if (pol is None or fl is None or self.floor_policy is None or
                    p["digest"] != d or
                    (i + 1 < len(pols) and pols[i + 1]["seq"] <= fl["seq"])):
                continue
            for x in floor_respects(self.floor_policy, self.policy_for(p)):
                self.problem("the policy does not respect the floor (seq %d):"
                             " %s" % (fl["seq"], x), p["seq"])

    def read_floor(self, name, r):
        """The floor member: its digest, the manifest's floor, and that it
        parses (format 4, 13.1)."""
        data = b"".join(iter(lambda: r(1 << 20), b""))
        got = hashlib.sha256(data).hexdigest()
        if "floor/%s.floor" % got != name:
            self.problem("%s: its SHA-256 is %s, not the digest it is named "
                         "by: the floor text was changed" % (name, got))
            return
        pol, errors = parse_policy(self.floor["name"], data, floor=True)
        if errors:
            self.problem("floor does not parse: %s" % errors[0],
                         self.floor["seq"])
        self.floor_policy = pol
        self.stats.floor = floor_words(self.floor, pol)

    def policy_for(self, p):
        """The parsed policy of manifest policy p, under p's name (a rule
        is cited by the name of the entry that installed it)."""
        key = (p["digest"], p["name"])
        if self.policy.get(p["digest"]) is None:
            return None
        if key not in self.named:
            self.named[key] = parse_policy(
                p["name"], self.policy_text[p["digest"]])[0]
        return self.named[key]

    # -- entries.jsonl (13.5 items 3 and 4) -------------------------------

    def read_entries(self, r):
        m = self.manifest
        f = m["filters"]
        pols = m["policies"]
        by_seq = {p["seq"]: p for p in pols}
        self.used = set()           # manifest policies with a reason
        self.csv = hashlib.sha256()
        self.csv_add(csv_row(csv_columns(self.fmt)))
        k = 0                       # the next manifest policy
        in_force = None
        last_seq = last_hash = None
        lines = LineReader(r, MAX_JSONL_LINE)
        lineno = 0
        clean = True                # every line decoded
        while True:
            try:
                raw = lines.readline()
            except Bad as x:
                self.problem("entries.jsonl: line %d: %s (refused)" %
                             (lineno + 1, x))
                return
            if not raw:
                break
            lineno += 1
            where = "entries.jsonl: line %d" % lineno
            if not raw.endswith(b"\n"):
                self.problem("%s: no newline at the end (truncated?)" %
                             where)
            try:
                e = json_object(raw)
                seq = e.get("seq") if isinstance(e, dict) else None
                if type(seq) is int:
                    where = "seq %d" % seq
                enc = encode(e)
            except Bad as x:
                self.problem("%s: %s" % (where, x))
                last_seq = last_hash = None
                clean = False
                continue
            if "version" in e:
                e = dict(e)
                del e["version"]
            t_ns = time_ns(e["time"])
            self.entries += 1
            if self.entries % 4096 == 0:
                self.progress.show(self.entries,
                                   (self.manifest or {}).get("entries"))
            got = leaf_hash(enc)
            if got != e["hash"]:
                self.problem("hash is %s, but the fields hash to %s" %
                             (e["hash"], got), seq)
            if seq == 1 and e["prev"] != ZERO:
                self.problem("the first entry's prev is not zero", seq)
            if last_seq is not None and seq <= last_seq:
                self.problem("follows seq %d (out of order or repeated)" %
                             last_seq, seq)
                clean = False
                continue
            self.tree_leaf(seq, bytes.fromhex(got))
            if last_seq is not None and seq == last_seq + 1 and \
                    e["prev"] != last_hash:
                self.problem("prev %s is not the hash of seq %d (%s)" %
                             (e["prev"], last_seq, last_hash), seq)
            if self.first is None:
                self.first = seq
            self.last = seq
            last_seq, last_hash = seq, e["hash"]
            why = self.unselected(e, f, t_ns)
            if why is not None:
                self.problem("the filters do not select it: %s" % why, seq)
            if seq == m["head"]["seq"] and e["hash"] != m["head"]["hash"]:
                self.problem("the manifest's head has hash %s, but this "
                             "entry's is %s" % (m["head"]["hash"],
                                                e["hash"]), seq)
            while k < len(pols) and pols[k]["seq"] < seq:
                in_force = pols[k]
                k += 1
            if e["kind"] in ("policy", "proposal", "approval", "rejection"):
                self.history_line(e, t_ns)
            if e["kind"] == "policy":
                self.check_policy_entry(e, by_seq.get(seq))
                self.stats.policy(e, t_ns)
            elif e["kind"] != "access":
                # A published tree head: an entry like any other here (its
                # own checks are auditlog verify's, FORMAT.md 9).  The
                # floor is the manifest's; proposals, approvals and
                # rejections (format 6): their hashes and links, above.
                if e["kind"] == "floor" and self.fmt >= 4:
                    self.check_floor_entry(e)
                self.stats.seen(e, t_ns)
            else:
                self.check_access(e, in_force)
                self.stats.access(e, t_ns)
            self.csv_add(csv_row(csv_values(e, self.fmt)))
        self.entries_ok = clean

    def csv_add(self, row):
        self.csv.update(row)
        self.csv_size += len(row)

    def unselected(self, e, f, t_ns):
        """Why the manifest's filters would not select an entry, or
        None."""
        if "actor" in f and e["actor"] != f["actor"]:
            return "its actor is not the --actor"
        if "since" in f and t_ns < self.period["since"]:
            return "it is before --since"
        if "until" in f and t_ns >= self.period["until"]:
            return "it is not before --until"
        if "from_seq" in f and e["seq"] < f["from_seq"]:
            return "its seq is before --from-seq"
        if "to_seq" in f and e["seq"] > f["to_seq"]:
            return "its seq is after --to-seq"
        if e["kind"] != "access":
            if {"customer", "purpose", "decision"} & set(f):
                return ("a %s entry, in an export by customer, purpose "
                        "or decision" % e["kind"])
            return None
        for k in ("customer", "purpose", "decision"):
            if k in f and e[k] != f[k]:
                return "its %s is not the --%s" % (k, k)
        return None

    def check_policy_entry(self, e, p):
        seq = e["seq"]
        d = hashlib.sha256(e["text"].encode("utf-8")).hexdigest()
        if d != e["digest"]:
            self.problem("digest %s is not the SHA-256 of the policy text "
                         "(%s)" % (e["digest"], d), seq)
        if p is None:
            self.problem("a policy entry that the manifest's policies do "
                         "not list", seq)
            return
        self.used.add(seq)
        # Format 4: the policy before it is listed, for the summary (13.2).
        pols = self.manifest["policies"]
        i = pols.index(p)
        if self.fmt >= 4 and i > 0:
            self.used.add(pols[i - 1]["seq"])
        for k in ("name", "digest", "actor", "time"):
            if p[k] != e[k]:
                self.problem("its %s is not the one the manifest lists for "
                             "it" % k, seq)

    def history_line(self, e, t_ns):
        """A step of the policy history, as the summary lists it (13.4):
        who is the recorded identity (format 6), else the actor; an
        activation that widens access relative to the policy before it
        (the manifest's policy before it) is flagged."""
        h = self.stats.history
        if len(h) >= MAX_LISTED:
            h.append(None)          # counted, not listed
            return
        if "gid" not in e:
            who = e["actor"]
        else:
            who = e["user"] or "uid:%d" % e["uid"]
        verb = {"policy": "activated", "proposal": "proposed",
                "approval": "approved", "rejection": "rejected"}[e["kind"]]
        line = "  seq %d  %s  %s  %s  %s" % (
            e["seq"], format_time(t_ns, False), esc_term(who, True), verb,
            e["digest"][:12])
        if e["kind"] in ("policy", "proposal"):
            line += "  " + esc_term(e["name"], True)
        pols = self.manifest["policies"]
        i = next((i for i, p in enumerate(pols) if p["seq"] == e["seq"]),
                 None)
        if e["kind"] == "policy" and i:
            a = self.policy_text.get(pols[i - 1]["digest"])
            b = self.policy_text.get(pols[i]["digest"])
            if a is not None and b is not None and policy_widens(a, b):
                line += "  widens access"
        h.append(line)

    def check_floor_entry(self, e):
        seq, fl = e["seq"], self.floor
        d = hashlib.sha256(e["text"].encode("utf-8")).hexdigest()
        if d != e["digest"]:
            self.problem("floor text does not match its digest", seq)
        elif fl is None or (fl["seq"], fl["digest"], fl["approvers"]) != (
                seq, e["digest"], e["approvers"]):
            self.problem("is not the floor the manifest names", seq)

    def check_access(self, e, p):
        seq = e["seq"]
        if p is None:
            self.problem("no policy in the manifest was in force (none has "
                         "a lower seq)", seq)
            return
        self.used.add(p["seq"])
        if e["policy"] != p["digest"]:
            self.problem("names policy %s, but the manifest says seq %d put "
                         "%s in force" % (e["policy"], p["seq"],
                                          p["digest"]), seq)
            return
        pol = self.policy_for(p)
        if pol is None:
            if p["seq"] not in self.unchecked:
                self.unchecked.add(p["seq"])
                self.problem("the policy in force (seq %d) is broken (see "
                             "above): its accesses' decisions cannot be "
                             "checked" % p["seq"], seq)
            return
        # Format 6 (version 3 entries): the floor first, from its seq on,
        # then the writer rules on the recorded identity, then the policy,
        # as auditlog verify decides (core/govern.c).
        fl = self.floor
        if self.fmt < 4 and "gid" in e and e["code"] == "floor":
            return      # a bundle of format 3 or older names no floor
        if "gid" in e and fl is not None and seq > fl["seq"] and (
                self.floor_policy is None):
            self.problem("the floor is missing or does not parse", seq)
            return
        floor = (floor_eval(self.floor_policy, e["purpose"], e["action"],
                            e["data"])
                 if "gid" in e and fl is not None and seq > fl["seq"]
                 else None)
        if floor is not None:
            allow, (code, rule) = False, floor
        elif "gid" in e and not writer_ok(pol, e):
            allow, code, rule = False, "writer-not-allowed", ""
        else:
            allow, code, rule = evaluate(pol, e["actor"], e["purpose"],
                                         e["action"], e["data"], e["ref"])
        got = ("allow" if allow else "deny", code, rule)
        was = (e["decision"], e["code"], e["rule"])
        if got != was:
            self.problem("recorded %s, but the policy in force (seq %d) "
                         "decides %s" % (" ".join(x or "-" for x in was),
                                         p["seq"],
                                         " ".join(x or "-" for x in got)),
                         seq)

    # -- entries.csv and summary.txt (13.5 item 5) ------------------------

    def read_csv(self, r):
        while r(1 << 20):
            pass
        if not self.entries_ok:
            return          # entries.jsonl is broken: nothing to compare
        if r.size == self.csv_size and r.sha256() == self.csv.hexdigest():
            return
        self.problem("entries.csv: %s" % self.csv_difference())

    def csv_difference(self):
        """Where entries.csv first differs from the entries: a second walk
        of the archive, reading both members side by side."""
        jr, _w1 = open_member(self.fd, "entries.jsonl")
        cr, _w2 = open_member(self.fd, "entries.csv")
        if jr is None or cr is None:
            return "does not match the entries"
        lines = LineReader(jr, MAX_JSONL_LINE)
        csv = LineReader(cr, MAX_TEXT_LINE)
        want = csv_row(csv_columns(self.fmt))
        if csv.read(len(want)) != want:
            return "its header row is not the one of 13.3"
        while True:
            raw = lines.readline()
            if not raw:
                break
            e = json_object(raw)
            e.pop("version", None)
            want = csv_row(csv_values(e, self.fmt))
            if csv.read(len(want)) != want:
                return ("the row of seq %d is not what the entry says" %
                        e["seq"])
        return "rows after the last entry"

    def read_summary(self, r):
        if not self.entries_ok:
            return
        lines = LineReader(r, MAX_TEXT_LINE)
        want = summary_lines(self.manifest, self.stats)
        n = 0
        try:
            for w in want:
                n += 1
                got = lines.readline()
                if got != w.encode("utf-8", "surrogatepass") + b"\n":
                    self.problem("summary.txt: line %d is \"%s\", but the "
                                 "entries and the manifest say \"%s\"" % (
                                     n, got.decode("utf-8", "replace")
                                     .rstrip("\n")[:300], w[:300]))
                    return
            n += 1
            self.check_verification(lines.readline(), lines.readline(), n)
            if lines.readline():
                self.problem("summary.txt: lines after the verification "
                             "section")
        except Bad as x:
            self.problem("summary.txt: line %d: %s" % (n, x))

    def check_verification(self, checked, whole, n):
        """The two lines of the verification section, which say what
        auditlog found when it made the bundle: the exported entries must
        have checked OK; the whole log verified when the export has no
        filters (13.4)."""
        m = self.manifest
        if checked != b"  exported entries: %d checked: OK\n" % m["entries"]:
            self.problem("summary.txt: line %d: the exported entries did "
                         "not check OK at export time" % n)
            return
        if m["filters"]:
            if whole != (b"  whole log: not checked here (a filtered "
                         b"export); run auditlog verify\n"):
                self.problem("summary.txt: line %d is not the whole log's "
                             "line for a filtered export" % (n + 1))
            return
        x = re.fullmatch(rb"  whole log: verified \(([0-9]+) entries, head "
                         rb"([0-9]+) ([0-9a-f]{64})\)\n", whole)
        if x is None:
            self.problem("summary.txt: line %d: the whole log was not "
                         "verified at export time" % (n + 1))
        elif (int(x.group(2)) < m["head"]["seq"] or
              int(x.group(1)) != int(x.group(2)) or
              (int(x.group(2)) == m["head"]["seq"] and
               x.group(3).decode() != m["head"]["hash"])):
            self.problem("summary.txt: line %d: the log verified at export "
                         "time does not hold the manifest's head" % (n + 1))

    # -- after the last member ------------------------------------------

    def finish(self):
        m = self.manifest
        f = m["filters"]
        self.tree_finish()
        if self.fmt < 2 and (self.vkey is not None or self.held is not None):
            self.problem("a bundle of format 1 has no checkpoint to check")
        if not self.entries_ok:
            return
        if self.entries != m["entries"]:
            self.problem("entries.jsonl: %d entries, but the manifest says "
                         "%d" % (self.entries, m["entries"]))
        if self.first != m["first_seq"] or self.last != m["last_seq"]:
            self.problem("entries.jsonl: seq %s to %s, but the manifest "
                         "says %s to %s" % (self.first, self.last,
                                            m["first_seq"], m["last_seq"]))
        for p in m["policies"]:
            if p["seq"] not in self.used:
                self.problem("manifest.json: policy seq %d is neither "
                             "exported nor in force at an exported access"
                             "%s" % (p["seq"], " nor the one before an "
                                     "exported policy entry"
                                     if self.fmt >= 4 else ""))
        # Without filters, or with only a seq range, the bundle is the
        # whole range, up to the head: no entry may be missing.
        if set(f) <= {"from_seq", "to_seq"}:
            head = m["head"]["seq"]
            lo = f.get("from_seq", 1)
            hi = min(f.get("to_seq", head), head)
            want = max(0, hi - lo + 1)
            if self.entries != want or (want and (self.first != lo or
                                                  self.last != hi)):
                self.problem("entries.jsonl: an export of seq %d to %d holds "
                             "%d entries, but this one holds %d" %
                             (lo, hi, want, self.entries))
        if self.expect:
            self.check_expect()

    def check_expect(self):
        """13.5 item 6: the manifest's head is the anchor, or the anchor's
        entry is in the bundle with the anchor's hash."""
        seq, h = self.expect
        head = self.manifest["head"]
        if head["seq"] == seq and head["hash"] == h:
            return
        found = self.stats.anchor
        if found is not None:
            if found != h:
                self.problem("--expect: entry %d has hash %s in the bundle, "
                             "not the anchor's %s" % (seq, found, h), seq)
        elif head["seq"] == seq:
            self.problem("--expect: the bundle's head, seq %d, has hash %s, "
                         "not the anchor's %s" % (seq, head["hash"], h))
        elif seq > head["seq"]:
            self.problem("--expect: the anchor is seq %d, after the bundle's "
                         "head (seq %d): the log was cut short since, or "
                         "the anchor is from another log" %
                         (seq, head["seq"]))
        else:
            self.problem("--expect: entry %d is not in the bundle and is not "
                         "its head: the bundle cannot show the anchor" % seq)


class Progress:
    """A line on a terminal's standard error, updated in place at most four
    times a second and cleared at the end; nothing when it is no terminal."""

    def __init__(self):
        self.on = sys.stderr.isatty()
        self.last = None
        self.width = 0

    def show(self, done, total):
        now = time.monotonic()
        if not self.on or (self.last is not None and now - self.last < 0.25):
            return
        self.last = now
        if isinstance(total, int) and 0 < total and done <= total:
            line = "verify-export.py: %d of %d entries (%d%%)" % (
                done, total, done * 100 // total)
        else:
            line = "verify-export.py: %d entries" % done
        sys.stderr.write("\r" + line.ljust(self.width))
        sys.stderr.flush()
        self.width = max(self.width, len(line))

    def end(self):
        """Clear the line, and show no more."""
        if self.on and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()
        self.on = False
        self.width = 0


def is_seq(v):
    return type(v) is int and 0 < v < 1 << 64


class HashingReader:
    """A member's reader that hashes and counts what is read."""

    def __init__(self, reader):
        self.reader = reader
        self.h = hashlib.sha256()
        self.size = 0

    def __call__(self, n):
        b = self.reader(n)
        self.h.update(b)
        self.size += len(b)
        return b

    def sha256(self):
        return self.h.hexdigest()


# ---------------------------------------------------------------------------
# entries.csv (13.3)
# ---------------------------------------------------------------------------

CSV_COLUMNS = ["seq", "time", "kind", "actor", "customer", "purpose",
               "action", "data", "resource", "ref", "reason", "decision",
               "code", "rule", "detail", "policy", "name", "service", "host",
               "pid", "uid", "prev", "hash"]


def csv_columns(fmt):
    """Bundle format 4 adds gid, attested and user after uid."""
    if fmt is not None and fmt >= 4:
        i = CSV_COLUMNS.index("uid") + 1
        return CSV_COLUMNS[:i] + ["gid", "attested", "user"] + CSV_COLUMNS[i:]
    return CSV_COLUMNS


CSV_FORMULA = frozenset(("=", "+", "-", "@", "\t", "\r"))
CSV_QUOTE = re.compile('[,"\r\n]').search


def csv_cell(v):
    s = v if type(v) is str else str(v)
    if s[:1] in CSV_FORMULA:
        s = "'" + s                 # a formula no more (OWASP)
    if CSV_QUOTE(s):
        s = '"' + s.replace('"', '""') + '"'
    return s


def csv_row(values):
    """One CSV line, CR LF included, as bytes."""
    return (",".join(map(csv_cell, values)) + "\r\n").encode(
        "utf-8", "surrogatepass")


def csv_values(e, fmt):
    """An entry's cells, in csv_columns(fmt) order: the JSON form's
    values; the policy column is a policy, floor, proposal, approval or
    rejection entry's digest, a checkpoint entry's tree root; a key the
    kind lacks is an empty cell (gid, attested and user of an entry before
    version 3 too)."""
    row = dict(e)
    if e["kind"] == "checkpoint":
        row["policy"] = e["tree_root"]
    elif e["kind"] != "access":
        row["policy"] = e["digest"]
    if "attested" in e:
        row["attested"] = "true" if e["attested"] else "false"
    return [row.get(c, "") for c in csv_columns(fmt)]


# ---------------------------------------------------------------------------
# summary.txt (13.4)
# ---------------------------------------------------------------------------

# Clock anomalies (FORMAT.md 13.4): an entry more than an hour after the
# next one is ahead; the summary spells out the first MAX_LISTED.
CLOCK_JUMP_NS = 3600 * 10**9
MAX_LISTED = 100


class Stats:
    """What the summary counts, gathered as the entries stream past."""

    def __init__(self, anchor_seq):
        self.accesses = self.allowed = self.denied = self.changes = 0
        self.by = {"purpose": {}, "actor": {}, "customer": {}, "data": {}}
        self.denials = []           # the summary's lines, in seq order
        self.first_ns = self.last_ns = None
        self.anchor_seq = anchor_seq
        self.anchor = None          # the anchor entry's hash, if exported
        self.prev = None            # (seq, time) of the entry before
        self.clock = []             # clock anomalies: (seq, kind, time, than)
        self.history = []           # the policy history's lines (13.4)
        self.floor = []             # the floor in words (13.4)

    def seen(self, e, t_ns):
        # The period: the earliest time to the latest, in whatever order
        # the writers' clocks stamped them (FORMAT.md 13.4).
        if self.first_ns is None or t_ns < self.first_ns:
            self.first_ns = t_ns
        if self.last_ns is None or t_ns > self.last_ns:
            self.last_ns = t_ns
        # Clock anomalies, one entry after another (13.4): the one
        # before is ahead when more than an hour after this one; this
        # one is back when before the one before.
        if self.prev is not None:
            pseq, pns = self.prev
            if pns - t_ns > CLOCK_JUMP_NS:
                self.clock.append((pseq, "ahead", pns, e["seq"]))
            if t_ns < pns:
                self.clock.append((e["seq"], "back", t_ns, pseq))
        self.prev = (e["seq"], t_ns)
        if e["seq"] == self.anchor_seq:
            self.anchor = e["hash"]

    def policy(self, e, t_ns):
        self.seen(e, t_ns)
        self.changes += 1

    def access(self, e, t_ns):
        self.seen(e, t_ns)
        self.accesses += 1
        allow = e["decision"] == "allow"
        if allow:
            self.allowed += 1
        else:
            self.denied += 1
            self.denials.append("  seq %d  %s  %s: %s" % (
                e["seq"], format_time(t_ns, False),
                " ".join(esc_term(e[k], True) for k in (
                    "actor", "customer", "purpose", "action", "data")),
                esc_term(e["detail"])))
        for k, counts in self.by.items():
            c = counts.setdefault(e[k], [0, 0])
            c[0 if allow else 1] += 1


# The writing systems of identifiers' letters (FORMAT.md 13.4, as
# core/scripts.c): (first, last, script); other code points are common.
SCRIPTS = (
    (0x0041, 0x005A, "Latin"), (0x0061, 0x007A, "Latin"),
    (0x00C0, 0x00D6, "Latin"), (0x00D8, 0x00F6, "Latin"),
    (0x00F8, 0x024F, "Latin"), (0x1E00, 0x1EFF, "Latin"),
    (0x0370, 0x03FF, "Greek"), (0x1F00, 0x1FFF, "Greek"),
    (0x0400, 0x052F, "Cyrillic"), (0x1C80, 0x1C8F, "Cyrillic"),
    (0x2DE0, 0x2DFF, "Cyrillic"), (0xA640, 0xA69F, "Cyrillic"),
    (0x0531, 0x058F, "Armenian"), (0x05D0, 0x05FF, "Hebrew"),
    (0x0620, 0x064A, "Arabic"), (0x066E, 0x06FF, "Arabic"),
    (0x0750, 0x077F, "Arabic"),
    (0x3040, 0x30FF, "CJK"), (0x3400, 0x4DBF, "CJK"),
    (0x4E00, 0x9FFF, "CJK"), (0xAC00, 0xD7AF, "CJK"),
)
SCRIPT_ORDER = ("Latin", "Greek", "Cyrillic", "Armenian", "Hebrew",
                "Arabic", "CJK")


def scripts_mixed(name):
    """"Latin+Cyrillic" when name's letters come from two or more writing
    systems, else ""."""
    found = set()
    for ch in name:
        cp = ord(ch)
        for lo, hi, sc in SCRIPTS:
            if lo <= cp <= hi:
                found.add(sc)
                break
    if len(found) < 2:
        return ""
    return "+".join(x for x in SCRIPT_ORDER if x in found)


def summary_lines(m, s):
    """summary.txt up to and including the heading of its verification
    section, as a list of lines without their newlines (FORMAT.md 13.4)."""
    f = m["filters"]
    out = [
        "auditlog export summary",
        "created   %s" % m["created"],
        "log       %s" % m["log_id"],
        "head      %d %s" % (m["head"]["seq"], m["head"]["hash"]),
        "filters   %s" % (", ".join(
            "%s=%s" % (k, esc_term(str(f[k])))
            for k in Checker.FILTERS if k in f) or "none"),
    ]
    if m["entries"]:
        out.append("entries   %d (seq %d to %d): %d accesses (%d allowed, "
                   "%d denied), %d policy changes" % (
                       m["entries"], m["first_seq"], m["last_seq"],
                       s.accesses, s.allowed, s.denied, s.changes))
        out.append("period    %s to %s" % (format_time(s.first_ns, False),
                                           format_time(s.last_ns, False)))
    else:
        out += ["entries   0", "period    none"]
    if m["format_version"] >= 4:
        out += s.floor
    for k, title in (("purpose", "purpose"), ("actor", "actor"),
                     ("customer", "customer"), ("data", "data category")):
        out += ["", "accesses by %s" % title,
                "  %8s %8s  %s" % ("allowed", "denied", k)]
        for name in sorted(s.by[k], key=lambda x: x.encode(
                "utf-8", "surrogatepass")):
            a, d = s.by[k][name]
            out.append("  %8d %8d  %s" % (a, d, esc_term(name)))
    mixed = [(k, name, scripts_mixed(name)) for k in ("actor", "customer")
             for name in sorted(s.by[k], key=lambda x: x.encode(
                 "utf-8", "surrogatepass"))]
    # format 3 on: the names that mix writing systems
    mixed = [x for x in mixed if x[2] and m["format_version"] >= 3]
    if mixed:
        out += ["", "identifiers that mix writing systems: %d" % len(mixed)]
        for k, name, names in mixed[:MAX_LISTED]:
            out.append("  %-8s  %s  %s" % (k, esc_term(name), names))
        if len(mixed) > MAX_LISTED:
            out.append("  (more not listed)")
    out += ["", "denied attempts: %d" % s.denied]
    out += s.denials
    if s.clock:
        out += ["", "clock anomalies: %d" % len(s.clock)]
        for seq, kind, t_ns, than in s.clock[:MAX_LISTED]:
            out.append("  seq %d  %s  %s seq %d's time" % (
                seq, format_time(t_ns, False),
                "back: before" if kind == "back" else
                "ahead: more than an hour after", than))
        if len(s.clock) > MAX_LISTED:
            out.append("  (more not listed)")
    out += ["", "policies"]
    for p in m["policies"]:
        out.append("  seq %d  %s  sha256:%s  set by %s at %s" % (
            p["seq"], esc_term(p["name"], True), p["digest"],
            esc_term(p["actor"], True), format_time(p["time_ns"], False)))
    if m["format_version"] >= 4:
        out += ["", "policy history: %d" % len(s.history)]
        out += s.history[:MAX_LISTED]
        if len(s.history) > MAX_LISTED:
            out.append("  (more not listed)")
    out += ["", "verification at export time"]
    return out


def floor_words(fl, f):
    """The summary's floor section (13.4): fl the manifest's floor (or
    None), f the floor member parsed (or None)."""
    if fl is None:
        return ["", "floor     none: this log was made before format 6"]
    out = ["", "floor     %s  sha256:%s  seq %d" % (
        esc_term(fl["name"], True), fl["digest"], fl["seq"])]
    if f is None:
        return out + ["  (the floor's text is missing or does not parse)"]
    out.append("  customer data may be accessed only for these purposes:")
    for name in f.purposes:
        d = f.descriptions.get(name, "")
        out.append("    %s%s" % (esc_term(name, True),
                                 ": " + esc_term(d) if d else ""))
    out.append("  never allowed, whatever the policy says:%s" % (
        "" if f.rules else " nothing more"))
    for _a, _g, purposes, actions, datas, line in f.rules:
        for what, ws in (("action", actions), ("purpose", purposes),
                         ("data", datas)):
            if ws:
                out.append("    %-7s %s  (%s:%d)" % (
                    what, "".join(" " + esc_term(w, True) for w in ws),
                    esc_term(fl["name"], True), line))
                break
    n = fl["approvers"]
    out.append("  a policy change needs %d administrator%s" % (
        n, ": one person may change the policy alone" if n == 1 else
        "s, each approving apart"))
    return out


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------

def parse_expect(v):
    """An anchor as 'auditlog head' prints it, "SEQ HASH" (one space), or
    "SEQ:HASH": a decimal seq from 1, then 64 hex digits (either case, as
    the C checker takes them)."""
    m = re.fullmatch(r"([0-9]+)[ :]([0-9a-fA-F]{64})", v)
    if m is None or not 0 < int(m.group(1)) < 1 << 64:
        raise argparse.ArgumentTypeError(
            "--expect takes the anchor as 'auditlog head' prints it, "
            "SEQ HASH (or SEQ:HASH): a seq from 1, then 64 hex digits")
    return int(m.group(1)), m.group(2).lower()


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write("verify-export.py: %s\n" % message)
        sys.exit(2)


def report(problems, json_out, summary):
    """Print the result; returns the exit status."""
    if json_out:
        obj = {"problems": [{"seq": s, "problem": t} for s, t in problems],
               "ok": not problems}
        obj.update(summary)
        obj["problems_found"] = len(problems)
        sys.stdout.write(json.dumps(obj, ensure_ascii=False,
                                    separators=(",", ":")) + "\n")
    else:
        for s, t in problems:
            sys.stdout.write(("seq %d: " % s if s is not None else "") +
                             esc_term(t, False) + "\n")
    return 1 if problems else 0


def cannot_read(path, why, json_out):
    """The file cannot be read at all: exit 3."""
    msg = "%s: %s" % (path, why)
    sys.stderr.write("verify-export.py: %s\n" % esc_term(msg))
    if json_out:
        sys.stdout.write(json.dumps({"ok": False, "problems": [
            {"seq": None, "problem": msg}]}, ensure_ascii=False,
            separators=(",", ":")) + "\n")
    return 3


def read_small(path, limit):
    """A small file whole (a key, a checkpoint): (data, None), or (None,
    (status, why)) with the C checker's statuses: 2 for a file that is not
    there, not a file, too large or holding a NUL; 3 when it cannot be
    read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK |
                     getattr(os, "O_NOCTTY", 0))
    except OSError as x:
        return None, (2 if x.errno in (errno.ENOENT, errno.EACCES) else 3,
                      x.strerror or str(x))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, (2, "not a regular file")
        data = b""
        while len(data) <= limit:
            b = os.read(fd, limit + 1 - len(data))
            if not b:
                break
            data += b
        if len(data) >= limit:
            return None, (2, "larger than %d bytes" % limit)
        if b"\0" in data:
            return None, (2, "has a NUL byte")
        return data, None
    except OSError as x:
        return None, (3, x.strerror or str(x))
    finally:
        os.close(fd)


def say(path, why):
    sys.stderr.write("verify-export.py: %s\n" % esc_term("%s: %s" %
                                                        (path, why)))


def main(argv):
    ap = Parser(prog="verify-export.py",
                description="Check an auditlog export bundle "
                "(docs/FORMAT.md, section 13).")
    ap.add_argument("bundle", metavar="BUNDLE.tar.gz")
    ap.add_argument("--expect", metavar="'SEQ HASH'", type=parse_expect,
                    help="an anchor kept elsewhere, as 'auditlog head' "
                    "printed it (SEQ:HASH is taken too)")
    ap.add_argument("--key", metavar="PUBFILE",
                    help="a verifier key (auditlog keygen's NAME.pub): the "
                    "bundle's checkpoint must carry its valid signature")
    ap.add_argument("--checkpoint", metavar="FILE",
                    help="a checkpoint you hold: the bundle must be proven "
                    "in that very tree head")
    ap.add_argument("--no-key", action="store_true",
                    help="with --checkpoint: leave its signature unchecked "
                    "(a signed checkpoint needs --key or this)")
    ap.add_argument("--json", action="store_true",
                    help="print one JSON object")
    a = ap.parse_args(argv[1:])
    if a.no_key and (a.checkpoint is None or a.key is not None):
        ap.error("--no-key goes with --checkpoint, without --key")

    vkey = held = None
    if a.key is not None:
        data, err = read_small(a.key, 4096)
        if err is not None:
            say(a.key, err[1])
            return err[0]
        try:
            vkey = parse_vkey(data)
        except NoteError as x:
            say(a.key, x)
            return 2
    if a.checkpoint is not None:
        data, err = read_small(a.checkpoint, MAX_CHECKPOINT)
        if err is not None:
            say(a.checkpoint, err[1])
            return err[0]
        try:
            held = parse_checkpoint(data, vkey)
        except NoteError as x:
            say(a.checkpoint, x)
            return 1 if x.corrupt else 2
        # A signature left unchecked must be meant.
        if held["has_sig"] and vkey is None and not a.no_key:
            say(a.checkpoint, "the checkpoint is signed: check its "
                "signature with --key PUBFILE, or give --no-key")
            return 2
    # Without either, nothing ties the bundle to the log's holder.
    authentic = vkey is not None or held is not None

    try:
        fd = os.open(a.bundle, os.O_RDONLY | os.O_NONBLOCK |
                     getattr(os, "O_NOCTTY", 0))
    except OSError as x:
        return cannot_read(a.bundle, x.strerror or x, a.json)
    c = Checker(fd, a.expect, vkey, held)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return cannot_read(a.bundle, "not a regular file", a.json)
        c.run()
    except Unreadable as x:
        return cannot_read(a.bundle, x, a.json)
    except (Exception, RecursionError) as x:
        # A checker that fails must never pass a bundle.
        import traceback
        traceback.print_exc()
        c.problem("the checker failed: %s: %s" % (type(x).__name__, x))
    finally:
        c.progress.end()
        os.close(fd)

    head = c.manifest["head"] if c.manifest is not None else None
    if head is None and not c.problems:
        c.problem("bundle: no manifest was checked")
    summary = {"authenticated": authentic and not c.problems,
               "entries": c.entries, "first_seq": c.first,
               "last_seq": c.last, "head": head}
    if c.tree_size:
        summary["tree"] = {"size": c.tree_size, "signed": c.tree_signed}
    nclock = len(c.stats.clock) if c.stats is not None else 0
    if nclock:
        summary["clock_anomalies"] = nclock
    status = report(c.problems, a.json, summary)
    if status == 0 and not a.json:
        print("bundle %s: %d entries%s, head %d %s" % (
            "verified" if authentic else "consistent", c.entries,
            " (seq %d to %d)" % (c.first, c.last) if c.entries else "",
            head["seq"], head["hash"]))
        if c.tree_size:
            print("proven in the log's tree of size %d%s" % (
                c.tree_size, ", whose head the key signed"
                if c.tree_signed else ""))
        if nclock:
            print("clock: %d anomal%s among the entries (summary.txt lists "
                  "them): a writer's clock was wrong" % (
                      nclock, "y" if nclock == 1 else "ies"))
        if not authentic:
            print("NOT AUTHENTICATED: without --key or --checkpoint this "
                  "shows only that the bundle is consistent in itself, not "
                  "that it is the log's")
    elif status:
        sys.stderr.write("verify-export.py: %s: %d problem%s found\n" % (
            esc_term(a.bundle), len(c.problems),
            "" if len(c.problems) == 1 else "s"))
    return status


if __name__ == "__main__":
    # A closed pipe ends us quietly, as it ends any filter.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main(sys.argv))
