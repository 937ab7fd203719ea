"""acked.py LOG_JSON ACKS [--gap-free] - do the acknowledgements hold?

LOG_JSON: the log as `auditlog log --json` writes it; ACKS: "seq customer"
lines, one for each entry a client was told is durable.  Exit 0 when every
acknowledged seq is in the log holding that customer's access and no seq
was acknowledged twice (and, with --gap-free, the log's seqs run from 1
without a gap); else 1, saying why in one line.  Used by t62 and the
torture's daemonkill row."""
import json
import sys


def main():
    log = {}
    with open(sys.argv[1]) as f:
        for line in f:
            e = json.loads(line)
            log[e["seq"]] = e.get("customer")
    seqs = []
    with open(sys.argv[2]) as f:
        for line in f:
            seq, cust = line.split()
            seqs.append(int(seq))
            if log.get(int(seq)) != cust:
                print("acknowledged seq %s (%s) holds %r" % (seq, cust,
                    log.get(int(seq))))
                return 1
    if len(seqs) != len(set(seqs)):
        print("a seq was acknowledged twice")
        return 1
    if "--gap-free" in sys.argv[3:] and \
            sorted(log) != list(range(1, len(log) + 1)):
        print("the log's seqs have gaps")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
