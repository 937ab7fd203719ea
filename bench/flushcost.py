#!/usr/bin/env python3
"""flushcost.py [DIR] - what a durable commit costs on this disk

Prints the median time of fdatasync(2) after writing K pages of 4 KiB,
scattered over a 64 MiB file or side by side, and of a 120-byte write
through O_DSYNC (LMDB's meta page).  An LMDB commit is one of each, its
pages where its allocator put them: bench/RESULTS.md uses these figures
to say what bounds issue 13's row of 16 library callers.  DIR: where the
file goes ($TMPDIR, else /var/tmp: a real disk, not tmpfs); it is removed.
Standard library only; about 10 s.
"""
import os
import random
import sys
import tempfile
import time

PAGE = 4096
FILE_PAGES = 16384  # 64 MiB
ROUNDS = 200


def median_us(samples):
    samples.sort()
    return samples[len(samples) // 2] * 1e6


def synced(fd, pages, contiguous, rnd):
    page = os.urandom(PAGE)
    out = []
    for _ in range(ROUNDS):
        if contiguous and pages > 0:
            at = rnd.randrange(0, FILE_PAGES - pages)
            os.pwrite(fd, page * pages, at * PAGE)
        else:
            for _ in range(pages):
                os.pwrite(fd, page, rnd.randrange(0, FILE_PAGES) * PAGE)
        t0 = time.perf_counter()
        os.fdatasync(fd)
        out.append(time.perf_counter() - t0)
    return median_us(out)


def main():
    where = sys.argv[1] if len(sys.argv) > 1 else \
        os.environ.get("TMPDIR", "/var/tmp")
    rnd = random.Random(13)
    fd, path = tempfile.mkstemp(prefix="auditlog-flushcost.", dir=where)
    try:
        os.write(fd, b"\0" * (FILE_PAGES * PAGE))
        os.fsync(fd)
        print("| pages written, then fdatasync | scattered | side by side |")
        print("| --- | --- | --- |")
        for k in (0, 1, 2, 5, 10, 20):
            s = synced(fd, k, False, rnd)
            c = synced(fd, k, True, rnd) if k > 1 else s
            print("| %d | %.0f us | %.0f us |" % (k, s, c))
        mfd = os.open(path, os.O_RDWR | os.O_DSYNC)
        try:
            out = []
            meta = os.urandom(120)
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                os.pwrite(mfd, meta, 32)
                out.append(time.perf_counter() - t0)
        finally:
            os.close(mfd)
        print("\n120 bytes written through O_DSYNC: %.0f us" % median_us(out))
    finally:
        os.close(fd)
        os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
