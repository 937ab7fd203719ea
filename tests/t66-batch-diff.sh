#!/bin/sh
# t66-batch-diff.sh - record --batch through auditlogd against record
# --batch on the log's files, on a few thousand random lines (a fixed
# seed): the same result lines byte for byte, the same exit status and
# messages, and the same entries in two logs made alike
here=$(cd "$(dirname "$0")" && pwd) || exit 1
. "$here/lib.sh"
. "$here/daemon.sh"
unset AUDITLOG_SOCKET
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

SOCK=$T/run/d.sock
mkdir -m 755 "$T/run"

# gen.py FILE SEED COUNT: COUNT random request lines (and a few of 64 KiB
# and just over), the last without its LF, aimed at what the client of
# the socket judges for itself: whether a line may go as it is (a
# backslash, a member of the daemon's other requests, a service), and
# what it parses and writes anew.
cat > gen.py <<'PYEOF'
import random, sys
rnd = random.Random(int(sys.argv[2]))
count = int(sys.argv[3])
OTHER = ["op", "name", "text", "digest", "expires"]
FIELDS = ["actor", "customer", "purpose", "action", "data", "resource",
    "ref", "reason", "service"]

def esc_spell(s):
    # a key or value spelled with escapes, some or all of it
    out = []
    for ch in s:
        r = rnd.random()
        if r < 0.4:
            out.append("\\u%04x" % ord(ch))
        elif r < 0.5:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)

def text():
    k = rnd.randrange(12)
    if k == 0: return "svc:a"
    if k == 1: return rnd.choice(OTHER)
    if k == 2: return 'q\\"q'
    if k == 3: return "b\\\\s"
    if k == 4: return "\\u0022x"
    if k == 5: return "caf\\u00e9 \\ud83d\\ude00"
    if k == 6: return "lone \\ud83d"
    if k == 7: return "\\ude00 low"
    if k == 8: return "\\u006f\\u0070"
    if k == 9: return "tab\\tnl\\n"
    if k == 10: return "\u00e9\u2028\u0085"
    return "c-%d" % rnd.randrange(50)

def value():
    k = rnd.randrange(14)
    if k < 7: return '"%s"' % text()
    if k == 7: return str(rnd.randrange(-5, 100))
    if k == 8: return rnd.choice(["true", "false", "null", "1.5e3"])
    if k == 9: return '{"%s":%s}' % (rnd.choice(FIELDS + OTHER), '"x"')
    if k == 10: return '[%s]' % ",".join('"%s"' % text() for _ in range(rnd.randrange(3)))
    if k == 11: return '""'
    if k == 12: return '"service"'
    return '"%s"' % rnd.choice(OTHER)

def ws():
    return rnd.choice(["", "", "", " ", "\t", "\r", " \r ", "  "])

def good(service):
    f = {"actor": rnd.choice(["svc:a", "svc:b", "carol", "name", "op", "service"]),
         "customer": "c-%d" % rnd.randrange(30),
         "purpose": rnd.choice(["service-provision"] * 4 + ["marketing", "support-ticket"]),
         "action": rnd.choice(["read", "write", "sell"])}
    if rnd.random() < 0.3: f["ref"] = rnd.choice(["SUP-1", "r-%d" % rnd.randrange(9)])
    if rnd.random() < 0.3: f["reason"] = text()
    if rnd.random() < 0.2: f["data"] = rnd.choice(["billing", "usage"])
    if service: f["service"] = rnd.choice(["own", "text", "op", "\\u006f\\u0070"])
    return f

def render(f):
    items = list(f.items())
    rnd.shuffle(items)
    parts = []
    for k, v in items:
        kk = esc_spell(k) if rnd.random() < 0.15 else k
        parts.append(ws() + '"%s"' % kk + ws() + ":" + ws() +
            (v if v.startswith(("{", "[")) or v in ("true", "null") else '"%s"' % v) + ws())
    return ws() + "{" + ",".join(parts) + "}" + ws()

def line():
    k = rnd.randrange(26)
    if k < 8:
        return render(good(rnd.random() < 0.5)).encode()
    if k == 8:   # a daemon member as a key, plain or escaped
        f = good(rnd.random() < 0.5)
        o = rnd.choice(OTHER)
        f[esc_spell(o) if rnd.random() < 0.5 else o] = rnd.choice(["record", "check", "x", "7d"])
        return render(f).encode()
    if k == 9:   # duplicate keys
        f = render(good(rnd.random() < 0.5)).strip(" \t\r")
        key = rnd.choice(FIELDS + OTHER)
        return (f[:-1] + ',"%s":"dup","%s":"dup"}' % (key, esc_spell(key))).encode()
    if k == 10:  # non-string values
        f = good(rnd.random() < 0.5)
        f[rnd.choice(FIELDS)] = value()
        return render(f).encode()
    if k == 11:
        return ("{" + ",".join('"%s":%s' % (rnd.choice(FIELDS + OTHER + ["uid", "x"]), value())
            for _ in range(rnd.randrange(5))) + "}").encode()
    if k == 12:
        return rnd.choice([b"", b" ", b"\t\r", b"\r", b"   \t"])
    if k == 13:  # invalid UTF-8
        f = render(good(True)).encode()
        i = rnd.randrange(1, len(f))
        return f[:i] + rnd.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"]) + f[i:]
    if k == 14:  # NUL
        f = render(good(True)).encode()
        i = rnd.randrange(0, len(f) + 1)
        return f[:i] + b"\0" + f[i:]
    if k == 15:  # raw control, DEL, C1 in a key or value
        c = rnd.choice(["\x7f", "\x01", "\x85", "\u2028", "\x1b"])
        return ('{"actor":"a%sb","customer":"c-1","purpose":"service-provision","action":"read"}' % c).encode()
    if k == 16:
        return ('{"k%s":1}' % ("\x7f" * rnd.randrange(1, 600))).encode()
    if k == 17:  # not JSON, or not an object
        return rnd.choice([b"not json", b"[]", b'"op"', b"1", b"null", b"{", b"}", b'{"a":1}}',
            b'{"actor":"x"', b'{"actor":"x",}', b'{"actor" "x"}', b"{}", b'{"op":"check"}',
            b'{"actor":"a"}\x0c', b'\x0b{}', b'{"actor":"\\x"}', b'{"actor":"\\u12"}',
            b'{"\\u0000":1}', b'{"actor":"a\\u0000"}'])
    if k == 18:  # the error text quotes a long unknown key
        n = rnd.choice([10, 500, 511, 512, 513, 2000])
        return ('{"%s":1}' % ("\u00e9" * n)).encode()
    if k == 19:  # nested deep
        d = rnd.choice([3, 63, 64, 65, 200])
        return ('{"x":' + "[" * d + "]" * d + "}").encode()
    if k == 20:  # service spelled with a space, or in a nested object
        return ('{"actor":"svc:a","customer":"c-2","purpose":"service-provision","action":"read","service"%s:"sp"}' % ws()).encode()
    if k == 21:
        return b'{"actor":"svc:a","customer":{"service":"x"},"purpose":"service-provision","action":"read"}'
    if k == 22:  # a field over its limit, a glob customer, an empty field
        return rnd.choice([('{"actor":"%s","customer":"c-1","purpose":"service-provision","action":"read"}' % ("a" * 257)).encode(),
            b'{"actor":"svc:a","customer":"c-*","purpose":"service-provision","action":"read"}',
            b'{"actor":"svc:a","customer":"c-1","purpose":"","action":"read"}',
            b'{"customer":"c-1","purpose":"service-provision","action":"read"}'])
    if k == 23:  # CRLF
        return render(good(rnd.random() < 0.5)).encode() + b"\r"
    if k == 24:  # an escaped key that is an access's field
        f = good(False)
        return ('{"%s":"%s","customer":"%s","purpose":"%s","action":"%s"}' % (
            esc_spell("actor"), f["actor"], f["customer"], f["purpose"], f["action"])).encode()
    return render(good(rnd.random() < 0.5)).encode()

def sized(n):
    # a valid access padded with spaces to n bytes exactly
    base = b'{"actor":"svc:a","customer":"c-9","purpose":"service-provision","action":"read"'
    return base + b" " * (n - len(base) - 1) + b"}"

out = []
for i in range(count):
    out.append(line())
    if i % 700 == 11:
        out.append(sized(65536))
    if i % 700 == 12:
        out.append(sized(65537))
    if i % 700 == 13:
        out.append(b'{"actor":"svc:a","customer":"c-9","purpose":"service-provision","action":"read","x":"' + b"y" * 65530 + b'"}')
last = rnd.choice([sized(65536), render(good(False)).encode(), b'{"actor":"svc:b","customer":"c-1","purpose":"service-provision","action":"read"}'])
with open(sys.argv[1], "wb") as fp:
    fp.write(b"\n".join(out) + b"\n" + last)
PYEOF
"$PY" gen.py in 65 3000 || { not_ok "gen.py"; done_testing; exit; }

# Two logs alike: the same init, so the same entries get the same seqs.
"$AUDITLOG" -d "$T/direct" init >/dev/null || exit 1
"$AUDITLOG" -d "$T/served" init >/dev/null || exit 1
daemon_start "$T/served" || exit 1

# both DESC ARGS...: record --batch ARGS, on ./in, directly and through
# the daemon: the same stdout byte for byte, stderr and exit status
both() {
	_d=$1
	shift
	"$AUDITLOG" -d "$T/direct" record --batch "$@" < in > d.out 2> d.err
	_drc=$?
	"$AUDITLOG" -s "$SOCK" record --batch "$@" < in > s.out 2> s.err
	_src=$?
	if [ $_src -eq $_drc ] && cmp -s d.out s.out && cmp -s d.err s.err
	then
		ok "$_d: $(wc -l < d.out) results alike (exit $_src)"
	else
		not_ok "$_d"
		echo "#   direct: exit $_drc, through the daemon: exit $_src"
		cmp d.out s.out | sed 's/^/#   /'
		diff d.out s.out | head -n 10 | cut -c 1-300 | sed 's/^/#   /'
		diff d.err s.err | head -n 10 | cut -c 1-300 | sed 's/^/#   /'
	fi
}

both "--batch-size 1000" --batch-size 1000
both "--batch-size 1000 --service" --batch-size 1000 --service mix-svc
both "--batch-size 3 --service" --batch-size 3 --service mix-svc
head -n 400 in > in.all
mv in.all in
both "--batch-size 1, 400 lines" --batch-size 1
both "--batch-size 1, 400 lines, --service" --batch-size 1 --service "op"

# Replies can be six times their lines (a raw DEL in an unknown key is
# \u007f in the reply's error): thousands of them on their way at once
# must not take the daemon past its bound on a connection's replies
# (D_OUT_MAX), where it would hang up.
"$PY" -c '
import sys
k = b"{\"k" + b"\x7f" * 500 + b"\":1}\n"
g = b"{\"actor\":\"svc:a\",\"customer\":\"c-1\",\"purpose\":\"service-provision\",\"action\":\"read\"}\n"
sys.stdout.buffer.write((g + k * 300) * 20)' > in
both "6020 lines, most of them an error reply of 3 KB" --batch-size 1000

stop_daemon
check "the daemon stopped with 0" [ "$dstatus" -eq 0 ]
expect 0 "the direct log verifies" "$AUDITLOG" -d "$T/direct" verify
expect 0 "the daemon's log verifies" "$AUDITLOG" -d "$T/served" verify
# The entries, but for when, by which process, and the chain's hashes.
cat > fields.py <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    for k in ("time", "pid", "attested", "prev", "hash"):
        e.pop(k, None)
    print(json.dumps(e, sort_keys=True))
PYEOF
"$AUDITLOG" -d "$T/direct" log --format json > d.log &&
    "$PY" fields.py d.log > d.fields
"$AUDITLOG" -d "$T/served" log --format json > s.log &&
    "$PY" fields.py s.log > s.fields
check "...the same entries in both, $(wc -l < d.fields) of them, but for time and process" \
    sh -c "[ -s d.fields ] && cmp -s d.fields s.fields"
diff d.fields s.fields | head -n 10 | cut -c 1-300 | sed 's/^/#   /'

# A reader gone, with SIGPIPE ignored (a Python parent's way): the write
# fails with EPIPE; exit 3 and one message, as directly.
daemon_start "$T/served" --idle-timeout 1 || exit 1
awk 'BEGIN { for (i = 1; i <= 30000; i++) printf "{\"actor\":\"svc:a\",\"customer\":\"c-%d\",\"purpose\":\"service-provision\",\"action\":\"read\"}\n", i }' > in
cat > epipe.py <<'PYEOF'
import subprocess, sys
# argv[1:] on ./in, SIGPIPE ignored as here, its stdout closed once a
# line is read: its exit status and stderr
p = subprocess.Popen(sys.argv[1:], stdin=open("in", "rb"),
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, restore_signals=False)
p.stdout.readline()
p.stdout.close()
err = p.stderr.read()
sys.stdout.write("exit %d\n" % p.wait())
sys.stdout.buffer.write(err)
PYEOF
"$PY" epipe.py "$AUDITLOG" -d "$T/direct" record --batch > d.epipe
"$PY" epipe.py "$AUDITLOG" -s "$SOCK" record --batch > s.epipe
check "a reader gone, SIGPIPE ignored: exit 3, said once, as directly" \
    sh -c 'cmp -s d.epipe s.epipe && [ "$(head -n 1 s.epipe)" = "exit 3" ] &&
    [ "$(sed 1d s.epipe)" = "auditlog: record: write error on standard output: Broken pipe" ]'
cmp -s d.epipe s.epipe || {
	sed 's/^/#   direct: /' d.epipe
	sed 's/^/#   served: /' s.epipe
}

# ...and with SIGPIPE as it comes: the same death both ways.
{ "$AUDITLOG" -d "$T/direct" record --batch < in 2> d.err
	echo $? > d.rc; } | head -n 1 > /dev/null
{ "$AUDITLOG" -s "$SOCK" record --batch < in 2> s.err
	echo $? > s.rc; } | head -n 1 > /dev/null
check "a reader gone: killed by SIGPIPE ($(cat s.rc)), as directly ($(cat d.rc))" \
    sh -c '[ "$(cat d.rc)" = "$(cat s.rc)" ] && [ "$(cat s.rc)" -gt 128 ] &&
    cmp -s d.err s.err'

# A standard stream closed: the socket must not take its number (results
# sent to the daemon as requests, replies read as input).
"$AUDITLOG" -d "$T/direct" record --batch < in >&- 2> d.err
drc=$?
"$AUDITLOG" -s "$SOCK" record --batch < in >&- 2> s.err
src=$?
check "stdout closed: exit 3, saying so, as directly" \
    sh -c "[ $src -eq 3 ] && [ $drc -eq 3 ] && cmp -s d.err s.err &&
    grep -qx 'auditlog: record: write error on standard output: Bad file descriptor' s.err"
cmp -s d.err s.err || sed 's/^/#   /' s.err
# The same in every command, direct or served (cmd/stdfds.c): directly,
# the closed number went to the log's own files (writer.lock read as
# the lines of stdin, exit 0); through the daemon, a record's seq was
# written into the socket as a request.
for m in "-s $SOCK" "-d $T/direct"; do
	# shellcheck disable=SC2086
	"$AUDITLOG" $m record --batch <&- > s.out 2> s.err
	src=$?
	check "record --batch ${m%% *}, stdin closed: exit 3, saying so, and no result" \
	    sh -c "[ $src -eq 3 ] && [ ! -s s.out ] &&
	    grep -qx 'auditlog: record: read: Bad file descriptor' s.err"
	grep -q 'read: Bad file descriptor' s.err || sed 's/^/#   /' s.err
done
one="--actor svc:billing --customer c-fd --purpose service-provision
    --action read --data billing --service billing"
for m in "-d $T/direct" "-s $SOCK"; do
	h0=$("$AUDITLOG" -d "$T/direct" head) h1=$("$AUDITLOG" -d "$T/served" head)
	# shellcheck disable=SC2086
	"$AUDITLOG" $m record $one >&- 2> one.err
	rc=$?
	h2=$("$AUDITLOG" -d "$T/direct" head) h3=$("$AUDITLOG" -d "$T/served" head)
	check "record ${m%% *}, stdout closed: exit 3, saying so" \
	    sh -c "[ $rc -eq 3 ] && grep -qx 'auditlog: record: write error on standard output: Bad file descriptor' one.err"
	grep -q 'Bad file descriptor' one.err || sed 's/^/#   /' one.err
	check "...one entry recorded, in its log alone" \
	    sh -c "[ '${m%% *}' = -d ] && [ ${h2%% *} -eq $((${h0%% *} + 1)) ] && [ '$h3' = '$h1' ] ||
	    { [ '${m%% *}' = -s ] && [ '$h2' = '$h0' ] && [ ${h3%% *} -eq $((${h1%% *} + 1)) ]; }"
done

# A reader that waits longer than the daemon waits for a connection to
# take its replies (--idle-timeout): they are read all the same, and wait
# for it in the client (a bounded buffer), not in the daemon, which would
# hang up.
{ "$AUDITLOG" -s "$SOCK" record --batch < in 2> slow.err
	echo $? > slow.rc; } | { sleep 2.5; cat > slow.out; }
check "a reader that waits 2.5 s, past --idle-timeout 1: every result, exit 0" \
    sh -c '[ "$(cat slow.rc)" = 0 ] && [ $(wc -l < slow.out) -eq 30000 ] &&
    [ ! -s slow.err ]'
sed 's/^/#   /' slow.err
stop_daemon

# A daemon that says one seq twice acknowledged one entry, not two: the
# second is no reply auditlogd could send (a fake, on its own socket).
fake_start "$T/run/fake.sock" '{"line":N,"seq":7,"decision":"allow","rule":"a:1"}'
head -n 2 in | "$AUDITLOG" --timeout 2 -s "$T/run/fake.sock" record --batch \
    > s.out 2> s.err
src=$?
wait $fp
fp=
check "a seq said twice: exit 3, the first line's result alone" \
    sh -c "[ $src -eq 3 ] && [ \$(wc -l < s.out) -eq 1 ] &&
    grep -q '^{\"line\":1,\"seq\":7,' s.out &&
    grep -q 'a reply that is not auditlogd.s protocol' s.err"

done_testing
