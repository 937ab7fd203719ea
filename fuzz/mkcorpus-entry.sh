#!/bin/sh
# mkcorpus-entry.sh AUDITLOG OUTDIR - write real entry encodings for the
# fuzz_entry seed corpus: a log made by the tool (init's policy entry, a
# policy change, accesses allowed and denied for every reason), read back
# with mdb_dump (lmdb-utils), one file per entry, named for its seq.
# How fuzz/corpus/fuzz_entry was made:
#   sh fuzz/mkcorpus-entry.sh build/auditlog fuzz/corpus/fuzz_entry
# (seq-N are of entry versions 1 and 2, from a log of format 5; v3-access
# is docs/FORMAT.md 12's example entry, of version 3.)
set -eu
al=$1
outdir=$2
t=$(mktemp -d "${TMPDIR:-/tmp}/auditlog-corpus.XXXXXX")
trap 'rm -rf "$t"' EXIT
export AUDITLOG_SERVICE=corpus

rec() {		# rec ARGS...: record, allowed or denied
	"$al" -d "$t/log" record "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
}

"$al" -d "$t/log" init >/dev/null
rec --actor svc:billing --customer acme --purpose service-provision \
    --action read --data billing --resource invoices/2026-11
rec --actor alice --customer acme --purpose support-ticket --ref SUP-4711 \
    --action read --data contact --reason "customer asked for a copy"
rec --actor svc:ads --customer acme --purpose marketing --action sell
rec --actor bob --customer initech --purpose sales --action read
rec --actor bob --customer initech --purpose technical-fix --action read
rec --actor bob --customer initech --purpose technical-fix --ref BAD-1 \
    --action read
rec --actor svc:x --customer initech --purpose service-provision \
    --action export
rec --actor carol --customer "Ünïcødé GmbH" --purpose legal-requirement \
    --ref LEGAL-2026-7 --action disclose --data secrets
printf '%s\n' 'purpose p "a small policy"' 'group g "dave"' \
    'allow g purpose p action read' > "$t/small.policy"
chmod 644 "$t/small.policy"
"$al" -d "$t/log" policy set "$t/small.policy" --actor carol >/dev/null
rec --actor dave --customer acme --purpose p --action read
rec --actor erin --customer acme --purpose p --action read

# mdb_dump prints each key and value as a line of hex, one space first.
mkdir -p "$outdir"
mdb_dump -s entries "$t/log" | sed -n 's/^ //p' | paste - - |
while read -r key value; do
	printf '%s' "$value" | xxd -r -p > "$outdir/seq-$((0x$key))"
done
