#!/usr/bin/env python3
"""dclient.py - a small auditlogd client for tests/t62-daemon.sh (stdlib only)

  dclient.py SOCK send                 stdin to the daemon, its replies to stdout
  dclient.py SOCK load CLIENTS N OUT   CLIENTS connections at once, each
                                       recording N accesses one at a time;
                                       OUT gets "seq customer" per allowed reply
  dclient.py SOCK served LIMIT         one access answered within LIMIT s
  dclient.py SOCK idle SECS [HALF]     send nothing (or half a line): the
                                       daemon hangs up after about SECS s
  dclient.py SOCK bigline MB           a line of MB megabytes: one error reply,
                                       then the daemon hangs up
  dclient.py SOCK noread LINES SECS    pipeline LINES lines and never read: the
                                       daemon stops reading, then hangs up
  dclient.py SOCK many K LIMIT         hold K idle connections while one
                                       access is answered within LIMIT s
  dclient.py SOCK pipeline N OUT       N lines written at once, replies read
                                       as they come (to OUT), until hang-up
  dclient.py SOCK notify SECS          be $NOTIFY_SOCKET at SOCK: print the
                                       first datagram within SECS s
  dclient.py SOCK limit K              with K connections (the daemon's most)
                                       held, one more is closed unanswered;
                                       with one of them closed, one is served

Exit 0 when the daemon behaved as promised, 1 otherwise (with why on stderr).
"""
import json
import os
import resource
import select
import socket
import sys
import threading
import time


def access(customer, actor="svc:load"):
    return json.dumps({"actor": actor, "customer": customer,
                       "purpose": "service-provision", "action": "read",
                       "service": "billing"}) + "\n"


def connect(path, timeout=10.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


class Lines:
    """Reply lines from a socket, one at a time."""

    def __init__(self, s):
        self.s = s
        self.buf = b""

    def next(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()


def fail(why):
    sys.stderr.write("dclient: %s\n" % why)
    sys.exit(1)


def cmd_send(path):
    s = connect(path)
    sys.stderr.write("pid %d\n" % os.getpid())
    s.sendall(sys.stdin.buffer.read())
    s.shutdown(socket.SHUT_WR)
    while True:
        d = s.recv(65536)
        if not d:
            break
        sys.stdout.buffer.write(d)


def cmd_load(path, clients, n, out):
    acks = []
    errors = []
    lock = threading.Lock()

    def worker(k):
        mine = []
        try:
            s = connect(path)
            lines = Lines(s)
            for i in range(n):
                cust = "k%d-%d-%d" % (os.getpid(), k, i)
                s.sendall(access(cust).encode())
                r = lines.next()
                if r is None:
                    break
                j = json.loads(r)
                if j.get("decision") != "allow" or j.get("line") != i + 1:
                    with lock:
                        errors.append(r)
                    break
                mine.append("%d %s" % (j["seq"], cust))
        except OSError:
            pass	# the daemon died under us: keep what was acknowledged
        with lock:
            acks.extend(mine)

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.monotonic() - t0
    with open(out, "w") as f:
        f.write("".join(a + "\n" for a in acks))
    print("%d acknowledged in %.2f s: %.0f entries/s"
          % (len(acks), dt, len(acks) / dt if dt > 0 else 0))
    if errors:
        fail("unexpected replies: %s" % errors[:3])


def served(path, limit):
    t0 = time.monotonic()
    s = connect(path, limit)
    s.sendall(access("served").encode())
    r = Lines(s).next()
    dt = time.monotonic() - t0
    s.close()
    if r is None or json.loads(r).get("decision") != "allow":
        fail("no allowed reply: %r" % r)
    if dt > limit:
        fail("answered after %.2f s, more than %s" % (dt, limit))
    return dt


def cmd_served(path, limit):
    print("answered in %.3f s" % served(path, limit))


def wait_hangup(s, limit):
    """Seconds until the daemon hangs up (EOF or reset); None: it did not."""
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        while s.recv(65536):
            pass
    except (socket.timeout, TimeoutError):
        return None
    except OSError:
        pass
    return time.monotonic() - t0


def cmd_idle(path, secs, half):
    s = connect(path)
    if half:
        s.sendall(b'{"actor":"svc:half","custo')
    dt = wait_hangup(s, secs + 5)
    if dt is None:
        fail("still connected after %s s" % (secs + 5))
    if dt < secs - 0.5:
        fail("hung up after %.2f s, before the idle time" % dt)
    print("hung up after %.2f s" % dt)


def cmd_bigline(path, mb):
    s = connect(path)
    sent = [0]

    def flood():
        chunk = b"x" * 65536
        try:
            for _ in range(mb * 16):
                s.sendall(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass
    t = threading.Thread(target=flood)
    t.start()
    r = None
    try:
        r = Lines(s).next()
    except OSError:
        pass
    t.join(15)
    if t.is_alive():
        fail("the sender is still blocked: the daemon did not hang up")
    print(r)
    if r != '{"line":1,"error":"line longer than 65536 bytes"}':
        fail("reply %r" % r)
    if sent[0] >= mb * 1024 * 1024:
        fail("the daemon read all %d bytes" % sent[0])


def cmd_noread(path, nlines, secs):
    s = connect(path)
    s.settimeout(secs + 10)
    data = "".join(access("nr%d" % i) for i in range(nlines)).encode()
    t0 = time.monotonic()
    try:
        s.sendall(data)
        # Everything went in: the daemon must still hang up on us.
        dt = wait_hangup_noread(s, secs + 10)
    except (socket.timeout, TimeoutError):
        fail("still connected after %s s" % (secs + 10))
    except OSError:
        dt = time.monotonic() - t0
    if dt is None:
        fail("still connected after %s s" % (secs + 10))
    print("hung up after %.2f s" % dt)


def wait_hangup_noread(s, limit):
    """Without reading: wait for the hang-up (POLLHUP, POLLERR)."""
    t0 = time.monotonic()
    p = select.poll()
    p.register(s, select.POLLHUP | select.POLLERR)
    if not p.poll(limit * 1000):
        return None
    return time.monotonic() - t0


def cmd_many(path, k, limit):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < k + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, k + 64), hard))
    held = [connect(path) for _ in range(k)]
    time.sleep(0.2)
    dt = served(path, limit)
    print("%d idle connections held; one access answered in %.3f s"
          % (len(held), dt))
    for s in held:
        s.close()


def cmd_notify(path, secs):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(secs)
    print("listening", flush=True)
    try:
        d = s.recv(4096)
    except (socket.timeout, TimeoutError):
        fail("no notification within %s s" % secs)
    print(d.decode(errors="replace"), flush=True)


def cmd_limit(path, k):
    held = [connect(path) for _ in range(k)]
    time.sleep(0.2)
    s = connect(path, 5)
    try:
        s.sendall(access("over").encode())
    except OSError:
        pass
    dt = wait_hangup(s, 5)
    if dt is None:
        fail("connection %d was not closed" % (k + 1))
    held.pop().close()
    time.sleep(0.3)
    dt = served(path, 2)
    print("connection %d closed unanswered; with one fewer, answered in "
          "%.3f s" % (k + 1, dt))


def cmd_pipeline(path, n, out):
    s = connect(path, 20)
    data = "".join(access("p%d" % i) for i in range(n)).encode()
    t = threading.Thread(target=lambda: s.sendall(data))
    t.daemon = True
    t.start()
    lines = Lines(s)
    got = []
    try:
        while True:
            r = lines.next()
            if r is None:
                break
            got.append(r)
            if len(got) == 1:
                print("first", flush=True)
    except OSError:
        pass
    with open(out, "w") as f:
        f.write("".join(g + "\n" for g in got))


def main(argv):
    if len(argv) < 3:
        fail(__doc__)
    path, cmd, args = argv[1], argv[2], argv[3:]
    if cmd == "send":
        cmd_send(path)
    elif cmd == "load":
        cmd_load(path, int(args[0]), int(args[1]), args[2])
    elif cmd == "served":
        cmd_served(path, float(args[0]))
    elif cmd == "idle":
        cmd_idle(path, float(args[0]), len(args) > 1)
    elif cmd == "bigline":
        cmd_bigline(path, int(args[0]))
    elif cmd == "noread":
        cmd_noread(path, int(args[0]), float(args[1]))
    elif cmd == "many":
        cmd_many(path, int(args[0]), float(args[1]))
    elif cmd == "notify":
        cmd_notify(path, float(args[0]))
    elif cmd == "limit":
        cmd_limit(path, int(args[0]))
    elif cmd == "pipeline":
        cmd_pipeline(path, int(args[0]), args[1])
    else:
        fail("unknown command %s" % cmd)


if __name__ == "__main__":
    main(sys.argv)
