#!/usr/bin/env python3
"""verify-export.py - check an auditlog export bundle without running our C.

An auditor's checker for the bundles `auditlog export` writes, written from
docs/FORMAT.md (sections 2-7, 11 and 13) and using only Python's standard
library.  It makes every check of FORMAT.md 13.5, in one walk of the
bundle, front to back:

  1. the container (13.1): gzip to its very end (CRCs checked, nothing
     appended), ustar headers and their checksums, member names (only the
     five kinds a bundle holds), types, sizes, duplicates, order, and the
     two zero blocks that end the archive;
  2. every member's size and SHA-256 against manifest.json;
  3. every entry of entries.jsonl: its hash recomputed from its fields, seqs
     increasing, times never going back, links between consecutive seqs,
     the manifest's first and last seq and count, the head; every entry
     one that the manifest's filters select; and for an export with no
     filters but a seq range, every seq of the range;
  4. every policy member against its digest, and that it parses; every
     access decided again under the policy in force at its seq; every
     policy the manifest lists is exported or was in force;
  5. entries.csv and summary.txt regenerated from the entries and compared;
  6. with --expect SEQ:HASH, the bundle against an anchor kept elsewhere.

Nothing is extracted: members are read in memory, forward only, within
limits (see LIMITS below), so a hostile bundle cannot write anywhere or
exhaust memory.

usage: verify-export.py BUNDLE.tar.gz [--expect SEQ:HASH] [--json]

Exit 0 and "bundle verified: N entries (seq A to B), head SEQ HASH" when
every check passes; 1 and one line per problem when one fails; 2 on a
usage error; 3 when the file cannot be read at all.

The entry encoding here (encode(), leaf_hash()) is the one implementation
of FORMAT.md sections 3 and 4 in Python; tests/recompute.py imports it.
"""

import argparse
import datetime
import fnmatch
import gzip
import hashlib
import json
import os
import re
import signal
import stat
import sys
import tarfile
import zlib

# ---------------------------------------------------------------------------
# The entry encoding (FORMAT.md sections 2-4, 11)
# ---------------------------------------------------------------------------

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
    i = 0
    while i < len(p):
        c = p[i]
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


def _parse_purpose(p, t):
    if len(t) < 3:
        raise PolicyError(t[0].col, "purpose needs a name and a description")
    _name_ok(t[1], "purpose name")
    if _utf8_len(t[1].s) > MAX_WORD:
        raise PolicyError(t[1].col, "purpose name longer than %d bytes" %
                          MAX_WORD)
    if t[1].s in p.purposes:
        raise PolicyError(t[1].col, "purpose '%s' declared twice" % t[1].s)
    if t[2].keyword() or t[2].brace():
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


def parse_policy(name, data):
    """Parse a policy (bytes).  Returns (Policy, []) or (None, errors), each
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
                _parse_purpose(p, t)
            elif t[0].kw("group"):
                _parse_group(p, t)
            elif t[0].kw("allow"):
                _parse_rule(p, t, True, lineno)
            elif t[0].kw("deny"):
                _parse_rule(p, t, False, lineno)
            else:
                raise PolicyError(t[0].col, "expected 'purpose', 'group', "
                                  "'allow' or 'deny', found '%s'" % t[0].s)
        except PolicyError as x:
            errors.append("%s:%d:%d: %s" % (name, lineno, x.col, x))
    if errors:
        return None, errors
    return p, []


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
# The bundle container (FORMAT.md 13.1), read forward only, in memory
# ---------------------------------------------------------------------------

# LIMITS.  A member larger than MAX_MEMBER is refused from its header, before
# a byte of it is read.  Policies are at most 1 MiB by the format; the
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
BLOCK = 512

POLICY_NAME_RE = re.compile(r"policies/([0-9a-f]{64})\.policy")
FIXED_MEMBERS = ("entries.jsonl", "entries.csv", "summary.txt",
                 "manifest.json")


class Unreadable(Exception):
    """The file cannot be read at all (exit 3)."""


class Refused(Exception):
    """The container is broken: reading cannot go on."""


def member_kind(name):
    """'policy', the name itself for the four fixed members, or None."""
    if name in FIXED_MEMBERS:
        return name
    if POLICY_NAME_RE.fullmatch(name):
        return "policy"
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


class Archive:
    """Walk the members of a bundle: gzip (any number of members, CRCs
    checked), then ustar headers, every check of 13.1 made as it goes."""

    def __init__(self, fd):
        self.gz = gzip.GzipFile(fileobj=PreadFile(fd), mode="rb")
        self.offset = 0         # bytes of tar read so far

    def _read(self, n):
        """Up to n bytes of the decompressed stream."""
        try:
            b = self.gz.read(n)
        except gzip.BadGzipFile as x:
            if self.offset == 0 and "Not a gzipped file" in str(x):
                raise Refused("not a gzip file: a bundle is a .tar.gz") \
                    from None
            if "Not a gzipped file" in str(x):
                raise Refused("bytes after the end of the gzip data that "
                              "are not gzip") from None
            raise Refused("the gzip data is corrupt (%s)" % x) from None
        except EOFError:
            raise Refused("truncated: the gzip data ends before its end "
                          "marker") from None
        except zlib.error as x:
            raise Refused("the gzip data is corrupt (%s)" % x) from None
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
                          "policies/DIGEST.policy, %s)" %
                          (name, ", ".join(FIXED_MEMBERS)))
        if name in seen:
            raise Refused("%s: appears twice" % name)
        seen.add(name)
        size = info.size
        limit = {"policy": MAX_POLICY_MEMBER,
                 "manifest.json": MAX_MANIFEST}.get(kind, MAX_MEMBER)
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

    def __init__(self, fd, expect=None):
        self.fd = fd
        self.expect = expect            # (seq, hash) or None
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

    def problem(self, text, seq=None):
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
        if name.startswith("policies/"):
            self.read_policy(name, r)
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
        if type(v) is not int or v != 1:
            self.problem("%s: bundle format version %s, which this checker "
                         "does not know (it knows 1): cannot check" %
                         (where, json.dumps(v)[:100]))
            return False
        if set(m) != set(self.MANIFEST_KEYS):
            missing = sorted(set(self.MANIFEST_KEYS) - set(m))
            extra = sorted(set(m) - set(self.MANIFEST_KEYS))
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
        self.check_manifest_members(m["members"], bad)
        if len(self.problems) > n:
            return False
        self.manifest = m
        # The order of the members after it: the policies in the order of
        # the manifest's policies (a digest at its first seq), then the
        # three fixed members; `members` must list them so (13.1, 13.2).
        order = []
        for p in m["policies"]:
            name = "policies/%s.policy" % p["digest"]
            if name not in order:
                order.append(name)
        order += ["entries.jsonl", "entries.csv", "summary.txt"]
        listed = [e["name"] for e in m["members"]]
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
        self.csv_add(csv_row(CSV_COLUMNS))
        k = 0                       # the next manifest policy
        in_force = None
        last_seq = last_hash = last_time = None
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
            if last_seq is not None and seq == last_seq + 1 and \
                    e["prev"] != last_hash:
                self.problem("prev %s is not the hash of seq %d (%s)" %
                             (e["prev"], last_seq, last_hash), seq)
            if last_time is not None and t_ns < last_time:
                self.problem("its time is before the time of seq %d" %
                             last_seq, seq)
            if self.first is None:
                self.first = seq
            self.last = seq
            last_seq, last_hash, last_time = seq, e["hash"], t_ns
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
            if e["kind"] == "policy":
                self.check_policy_entry(e, by_seq.get(seq))
                self.stats.policy(e, t_ns)
            else:
                self.check_access(e, in_force)
                self.stats.access(e, t_ns)
            self.csv_add(csv_row(csv_values(e)))
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
        if e["kind"] == "policy":
            if {"customer", "purpose", "decision"} & set(f):
                return ("a policy entry, in an export by customer, purpose "
                        "or decision")
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
        for k in ("name", "digest", "actor", "time"):
            if p[k] != e[k]:
                self.problem("its %s is not the one the manifest lists for "
                             "it" % k, seq)

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
        want = csv_row(CSV_COLUMNS)
        if csv.read(len(want)) != want:
            return "its header row is not the one of 13.3"
        while True:
            raw = lines.readline()
            if not raw:
                break
            e = json_object(raw)
            e.pop("version", None)
            want = csv_row(csv_values(e))
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
                             % p["seq"])
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


def csv_cell(v):
    s = str(v)
    if s[:1] in ("=", "+", "-", "@", "\t", "\r"):
        s = "'" + s                 # a formula no more (OWASP)
    if any(c in s for c in ',"\r\n'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def csv_row(values):
    """One CSV line, CR LF included, as bytes."""
    return (",".join(csv_cell(v) for v in values) + "\r\n").encode(
        "utf-8", "surrogatepass")


def csv_values(e):
    """An entry's cells, in CSV_COLUMNS order: the JSON form's values; the
    policy column is a policy entry's own digest; a key the kind lacks is
    an empty cell."""
    row = dict(e)
    if e["kind"] == "policy":
        row["policy"] = e["digest"]
    return [row.get(c, "") for c in CSV_COLUMNS]


# ---------------------------------------------------------------------------
# summary.txt (13.4)
# ---------------------------------------------------------------------------

class Stats:
    """What the summary counts, gathered as the entries stream past."""

    def __init__(self, anchor_seq):
        self.accesses = self.allowed = self.denied = self.changes = 0
        self.by = {"purpose": {}, "actor": {}, "customer": {}, "data": {}}
        self.denials = []           # the summary's lines, in seq order
        self.first_ns = self.last_ns = None
        self.anchor_seq = anchor_seq
        self.anchor = None          # the anchor entry's hash, if exported

    def seen(self, e, t_ns):
        if self.first_ns is None:
            self.first_ns = t_ns
        self.last_ns = t_ns
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
    for k, title in (("purpose", "purpose"), ("actor", "actor"),
                     ("customer", "customer"), ("data", "data category")):
        out += ["", "accesses by %s" % title,
                "  %8s %8s  %s" % ("allowed", "denied", k)]
        for name in sorted(s.by[k], key=lambda x: x.encode(
                "utf-8", "surrogatepass")):
            a, d = s.by[k][name]
            out.append("  %8d %8d  %s" % (a, d, esc_term(name)))
    out += ["", "denied attempts: %d" % s.denied]
    out += s.denials
    out += ["", "policies"]
    for p in m["policies"]:
        out.append("  seq %d  %s  sha256:%s  set by %s at %s" % (
            p["seq"], esc_term(p["name"], True), p["digest"],
            esc_term(p["actor"], True), format_time(p["time_ns"], False)))
    out += ["", "verification at export time"]
    return out


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------

def parse_expect(v):
    m = re.fullmatch(r"([0-9]+):([0-9a-f]{64})", v)
    if m is None or not 0 < int(m.group(1)) < 1 << 64:
        raise argparse.ArgumentTypeError(
            "--expect takes SEQ:HASH as 'auditlog head' prints it (with a "
            "colon)")
    return int(m.group(1)), m.group(2)


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


def main(argv):
    ap = Parser(prog="verify-export.py",
                description="Check an auditlog export bundle "
                "(docs/FORMAT.md, section 13).")
    ap.add_argument("bundle", metavar="BUNDLE.tar.gz")
    ap.add_argument("--expect", metavar="SEQ:HASH", type=parse_expect,
                    help="an anchor kept elsewhere, as 'auditlog head' "
                    "printed it")
    ap.add_argument("--json", action="store_true",
                    help="print one JSON object")
    a = ap.parse_args(argv[1:])

    try:
        fd = os.open(a.bundle, os.O_RDONLY | os.O_NONBLOCK |
                     getattr(os, "O_NOCTTY", 0))
    except OSError as x:
        return cannot_read(a.bundle, x.strerror or x, a.json)
    c = Checker(fd, a.expect)
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
        os.close(fd)

    head = c.manifest["head"] if c.manifest is not None else None
    if head is None and not c.problems:
        c.problem("bundle: no manifest was checked")
    summary = {"entries": c.entries, "first_seq": c.first,
               "last_seq": c.last, "head": head}
    status = report(c.problems, a.json, summary)
    if status == 0 and not a.json:
        print("bundle verified: %d entries%s, head %d %s" % (
            c.entries, " (seq %d to %d)" % (c.first, c.last)
            if c.entries else "", head["seq"], head["hash"]))
    elif status:
        sys.stderr.write("verify-export.py: %s: %d problem%s found\n" % (
            esc_term(a.bundle), len(c.problems),
            "" if len(c.problems) == 1 else "s"))
    return status


if __name__ == "__main__":
    # A closed pipe ends us quietly, as it ends any filter.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main(sys.argv))
