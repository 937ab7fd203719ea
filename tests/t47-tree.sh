#!/bin/sh
# t47-tree.sh - the Merkle tree from the command line (issue 6): keygen,
# checkpoint (signed and recorded), prove (checked by an independent
# implementation, tests/tlog.py), verify --checkpoint against truncation,
# rollback and rewriting, damage to the stored tree, and upgrade
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
tlog="python3 $top/tests/tlog.py"
. "$(dirname "$0")/lib.sh"

rec() {	# rec CUSTOMER: an allowed access
	al record --actor svc:billing --customer "$1" \
	    --purpose service-provision --action read >/dev/null 2>&1
}

newlog
for c in a b c d e f; do rec $c; done
# 8 entries (the floor, the policy, 6 accesses), no checkpoint entry yet
cp -r "$T/log" "$T/at8"

# keygen
expect 0 "keygen -o k" "$AUDITLOG" keygen -o "$T/k"
check "the signer key is 0600" \
    [ "$(stat -c %a "$T/k.key")" = 600 ]
check "the verifier key is 0644" \
    [ "$(stat -c %a "$T/k.pub")" = 644 ]
check "the signer key is PRIVATE+KEY+k+HASH+KEY" \
    grep -qE '^PRIVATE\+KEY\+k\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$' "$T/k.key"
check "the verifier key is k+HASH+KEY, the same hash" \
    sh -c "[ \"\$(cut -d+ -f4 '$T/k.key')\" = \"\$(cut -d+ -f2 '$T/k.pub')\" ]"
expect 2 "keygen refuses to overwrite a key" "$AUDITLOG" keygen -o "$T/k"
check "...and says so" err_has "File exists"
( umask 000 && "$AUDITLOG" keygen -o "$T/u" ) >/dev/null 2>&1
check "umask 000: the signer key is still 0600" \
    [ "$(stat -c %a "$T/u.key")" = 600 ]
expect 2 "keygen: a key name with a space is refused" \
    "$AUDITLOG" keygen -o "$T/x" --name "a b"
expect 2 "keygen without -o" "$AUDITLOG" keygen

# checkpoint, unsigned: nothing is recorded
expect 0 "checkpoint" al checkpoint
cp "$T/out" "$T/cp0"
al log --json >"$T/log.jsonl"
check "...is origin, size, root: 8 entries" \
    sh -c "sed -n 2p '$T/cp0' | grep -qx 8"
check "...the origin names the log" \
    grep -qE '^auditlog/[0-9a-f]{32}$' "$T/cp0"
check "...and the root is RFC 9162's root of the entry hashes" \
    [ "$(sed -n 3p "$T/cp0")" = "$($tlog root "$T/log.jsonl")" ]
check "an unsigned checkpoint records nothing" \
    [ "$(al head | cut -d' ' -f1)" = 8 ]

# checkpoint --sign: signed, and recorded as entry 9
expect 0 "checkpoint --sign" al checkpoint --sign "$T/k.key" --actor carol
cp "$T/out" "$T/cp8"
check "...the signature line is an em dash, the key name and base64" \
    grep -qE "^— k [A-Za-z0-9+/]{91}=\$" "$T/cp8"
check "...the same head as the unsigned one" \
    sh -c "head -n 3 '$T/cp8' | cmp -s - '$T/cp0'"
expect 0 "...recorded: the log shows a checkpoint entry" al log
check "...seq 9, by carol, of size 8" \
    out_has "checkpoint size 8 root sha256:"
al log --json -n 1 >"$T/last"
check "...its JSON form holds the note and the head" \
    sh -c "grep -q '\"kind\":\"checkpoint\"' '$T/last' &&
    grep -q '\"tree_size\":8' '$T/last' && grep -q '\"version\":3' '$T/last'"
chmod 640 "$T/k.key"
expect 2 "a signer key others can read is refused" \
    al checkpoint --sign "$T/k.key"
check "...and says so" err_has "others can read"
chmod 600 "$T/k.key"
expect 2 "--actor without --sign" al checkpoint --actor carol

# The signature, checked by OpenSSL's own tool (RFC 8032 Ed25519 over
# the note text, the key hash first).
if command -v openssl >/dev/null 2>&1; then
	head -n 3 "$T/cp8" >"$T/body"
	tail -n 1 "$T/cp8" | cut -d' ' -f3 | base64 -d | tail -c 64 >"$T/sig"
	{ printf '302a300506032b6570032100' | xxd -r -p 2>/dev/null ||
	    python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex("302a300506032b6570032100"))'
	  cut -d+ -f3- "$T/k.pub" | base64 -d | tail -c 32; } >"$T/pub.der"
	openssl pkey -pubin -inform DER -in "$T/pub.der" -out "$T/pub.pem" \
	    2>/dev/null
	expect 0 "openssl pkeyutl verifies the checkpoint's signature" \
	    openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin \
	    -in "$T/body" -sigfile "$T/sig"
else
	ok "openssl verifies the signature # SKIP openssl is not installed"
fi

# verify --checkpoint
for c in h i j; do rec $c; done
expect 0 "verify --checkpoint --key: the log extends it" \
    al verify --checkpoint "$T/cp8" --key "$T/k.pub"
check "...and says so" out_has "extends the checkpoint of size 8 (signature checked)"
check "...counting one checkpoint entry" out_has "checkpoints 1"
expect 2 "verify --checkpoint of a signed one without --key: a usage error" \
    al verify --checkpoint "$T/cp8"
check "...that says what to give" err_has \
    "cp8: the checkpoint is signed: check its signature with --key PUBFILE, or give --no-key"
expect 2 "verify --no-key with --key" \
    al verify --checkpoint "$T/cp8" --key "$T/k.pub" --no-key
expect 2 "verify --no-key without --checkpoint" al verify --no-key
check "...says so" err_has "--no-key goes with --checkpoint, without --key"
expect 0 "verify --checkpoint --no-key: its signature left unchecked" \
    al verify --checkpoint "$T/cp8" --no-key
check "...says the signature was not checked" \
    sh -c "! grep -q 'signature checked' '$T/out'"
expect 0 "verify --checkpoint of the current size" al verify --checkpoint "$T/cp0"
expect 0 "verify --json --checkpoint" al verify --json --checkpoint "$T/cp8" --key "$T/k.pub"
check "...names the checkpoint" out_has '"checkpoint":{"size":8,"signature_checked":true}'

"$AUDITLOG" keygen -o "$T/other" >/dev/null 2>&1
expect 1 "another key's checkpoint: exit 1" \
    al verify --checkpoint "$T/cp8" --key "$T/other.pub"
check "...it has no signature by that key" err_has "no signature by other"
sed '$s/^\(— k \)\(.\)/\1A\2/' "$T/cp8" | sed '$s/^\(— k \).\(.*\)\(.\)$/\1\2\3/' >"$T/cpbad"
python3 - "$T/cp8" "$T/cpbad" <<'PY'
import sys
t = open(sys.argv[1]).read().split("\n")
sig = t[-2]
i = sig.rindex(" ") + 10
t[-2] = sig[:i] + ("B" if sig[i] != "B" else "C") + sig[i + 1:]
open(sys.argv[2], "w").write("\n".join(t))
PY
expect 1 "a changed signature: exit 1" \
    al verify --checkpoint "$T/cpbad" --key "$T/k.pub"
check "...it does not verify" err_has "does not verify"
sed '2s/.*/7/' "$T/cp8" >"$T/cp7"
expect 1 "a signed checkpoint with its size changed: exit 1" \
    al verify --checkpoint "$T/cp7" --key "$T/k.pub"
expect 1 "an unsigned checkpoint with --key: exit 1" \
    al verify --checkpoint "$T/cp0" --key "$T/k.pub"
check "...it is not signed" err_has "not signed"
printf 'auditlog/x\nseven\nAAAA\n' >"$T/junk"
expect 2 "a malformed checkpoint: exit 2" al verify --checkpoint "$T/junk"
check "...names the line" err_has "second line is not a tree size"
expect 2 "--key without --checkpoint" al verify --key "$T/k.pub"

# What only a checkpoint held elsewhere catches: every attack rebuilds
# the tree and the metadata, so verify alone passes.
cp -r "$T/log" "$T/saved"
restore() { rm -rf "$T/log"; cp -r "$T/saved" "$T/log"; }
"$TAMPER" "$T/log" truncate 5 >/dev/null 2>&1
expect 0 "truncated to 7 entries: verify alone passes" al verify
expect 1 "...verify --checkpoint of size 8 fails" \
    al verify --checkpoint "$T/cp8" --no-key
check "...fewer entries than the checkpoint's" out_has "the log has 7 entries, fewer than the checkpoint's 8: it was truncated or replaced"
restore
"$TAMPER" "$T/log" rechain 4 actor svc:mallory >/dev/null 2>&1
expect 1 "entry 4 rewritten, chain and tree rebuilt: the recorded checkpoint catches it" al verify
check "...its root is not the tree's" out_has "seq 9: the checkpoint's root is not the tree's"
expect 1 "...and so does verify --checkpoint" \
    al verify --checkpoint "$T/cp8" --no-key
check "...the tree of the first 8 entries has another root" \
    out_has "seq 8: the tree of the first 8 entries does not have the checkpoint's root"
# A log with no checkpoint entry: only the checkpoint held elsewhere.
rm -rf "$T/log"
cp -r "$T/at8" "$T/log"
rec h
"$TAMPER" "$T/log" rechain 4 actor svc:mallory >/dev/null 2>&1
expect 0 "no checkpoint entry, entry 4 rewritten: verify alone passes" al verify
expect 1 "...verify --checkpoint fails" al verify --checkpoint "$T/cp0"
restore
"$TAMPER" "$T/log" rechain 11 actor svc:mallory >/dev/null 2>&1
expect 0 "an entry after the checkpoint rewritten: --checkpoint passes (the next one catches it)" \
    al verify --checkpoint "$T/cp8" --no-key
restore
al checkpoint --sign "$T/k.key" >"$T/cp12"
rm -rf "$T/log"
cp -r "$T/at8" "$T/log"
expect 0 "the log replaced by an older copy: verify alone passes" al verify
expect 1 "...verify --checkpoint of the newer head fails" \
    al verify --checkpoint "$T/cp12" --key "$T/k.pub"
check "...fewer entries" out_has "the log has 8 entries, fewer than the checkpoint's 12"
restore
mv "$T/log" "$T/keep"
newlog
for c in a b c d e f g h i j k; do rec $c; done
expect 1 "another log in its place: --checkpoint fails" \
    al verify --checkpoint "$T/cp8" --no-key
check "...it names another log" out_has "the checkpoint names another log"
rm -rf "$T/log"
mv "$T/keep" "$T/log"

# Damage to the stored tree itself
for op in "tree-flip 0" "tree-flip 7" "tree-del 3" "tree-add" "tree-edge"; do
	restore
	"$TAMPER" "$T/log" $op >/dev/null 2>&1 || echo "# tamper $op failed"
	expect 1 "$op: verify fails" al verify
done
restore
"$TAMPER" "$T/log" tree-flip 7 >/dev/null 2>&1
run al verify
check "tree-flip 7: names the node" out_has "tree node 7 is not the hash the entries give"

# prove, checked by tests/tlog.py
restore
al log --json >"$T/log.jsonl"
bad=0
for s in 1 2 3 5 8 9 11 12; do
	al prove --seq $s >"$T/p" 2>/dev/null || bad=$((bad + 1))
	$tlog inclusion "$T/p" "$T/log.jsonl" >/dev/null || bad=$((bad + 1))
done
check "prove --seq: 8 inclusion proofs, all hold by tlog.py" [ "$bad" -eq 0 ]
bad=0
for m in 1 2 3 4 5 7 8; do
	al prove --seq 3 --size $m >"$T/p" 2>/dev/null || bad=$((bad + 1))
	[ $m -ge 3 ] && { $tlog inclusion "$T/p" "$T/log.jsonl" >/dev/null ||
	    bad=$((bad + 1)); }
done
check "prove --seq 3 --size M: in older trees too" [ "$bad" -eq 2 ]
expect 0 "prove --seq 2 --checkpoint (signed)" al prove --seq 2 --checkpoint "$T/cp8"
cp "$T/out" "$T/p"
check "...carries the checkpoint with its signature" \
    sh -c "tail -n 5 '$T/p' | cmp -s - '$T/cp8'"
check "...and holds by tlog.py" sh -c "$tlog inclusion '$T/p' '$T/log.jsonl' >/dev/null"
bad=0
for m in 1 2 3 4 6 8 11; do
	al prove --from $m >"$T/c" 2>/dev/null || bad=$((bad + 1))
	$tlog consistency "$T/c" >/dev/null || bad=$((bad + 1))
	al prove --from $m --to 11 >"$T/c" 2>/dev/null || bad=$((bad + 1))
done
check "prove --from: consistency proofs hold by tlog.py" [ "$bad" -eq 0 ]
al prove --from 3 --to 8 >"$T/c"
# A proof's hash is base64: its first character made another, whatever it was.
sed '4{s/^A/B/;t;s/^./A/}' "$T/c" >"$T/c2"
check "...and a changed one does not" sh -c "! $tlog consistency '$T/c2' >/dev/null"
expect 2 "prove --seq 0" al prove --seq 0
expect 2 "prove --seq past the head" al prove --seq 99
check "...says the seq is not in the tree" err_has "seq 99 is not in the tree of size 12"
expect 2 "prove --size past the head" al prove --seq 1 --size 99
expect 2 "prove --seq and --from" al prove --seq 1 --from 1
expect 2 "prove without --seq or --from" al prove
expect 2 "prove --from past the head" al prove --from 20
expect 1 "prove --checkpoint of another log" al prove --seq 1 --checkpoint "$T/cp7"
expect 2 "prove --checkpoint of a malformed one" al prove --seq 1 --checkpoint "$T/junk"
check "...names the file and the line" err_has "junk: the checkpoint's second line is not a tree size"

# A log of format 1 (no tree) is upgraded
restore
"$TAMPER" "$T/log" tree-v1 >/dev/null 2>&1
expect 3 "format 1: verify asks for an upgrade" al verify
check "...and says how" err_has "auditlog upgrade"
expect 0 "upgrade" al upgrade
expect 0 "...then verify passes" al verify
al checkpoint >"$T/cpu"
check "...and the tree is the entries' tree" \
    [ "$(sed -n 3p "$T/cpu")" = "$($tlog root "$T/log.jsonl")" ]
"$TAMPER" "$T/log" tree-v1 >/dev/null 2>&1
rec z
expect 0 "format 1: record upgrades it" al verify

# A log of format 2: the customer index keyed by the customer alone
restore
al log --customer a >"$T/before"
"$TAMPER" "$T/log" index-v2 >/dev/null 2>&1
expect 3 "format 2: log asks for an upgrade" al log --customer a
check "...and says how" err_has "format version 2, with its customer index keyed by customer alone: upgrade it first with 'auditlog upgrade'"
expect 0 "upgrade" al upgrade
expect 0 "...then verify passes" al verify
al log --customer a >"$T/after"
check "...and the customer's entries are the same" cmp -s "$T/before" "$T/after"
check "...and there is one" [ "$(wc -l <"$T/after")" -eq 2 ]
expect 0 "upgrade again: nothing to do" al upgrade
# The rekeying keeps what the old index held, right or wrong.
restore
"$TAMPER" "$T/log" index-del 3 >/dev/null 2>&1
"$TAMPER" "$T/log" index-v2 >/dev/null 2>&1
expect 0 "format 2 with a record missing: upgrade" al upgrade
expect 1 "...then verify still finds it missing" al verify
check "...naming the seq" out_has "seq 3: missing from the customer index"
restore
"$TAMPER" "$T/log" index-v2 >/dev/null 2>&1
rec z
expect 0 "format 2: record upgrades it" al verify

# A log of format 3: the customer index in blocks of 4096 entries.  Ten
# thousand entries, so that old and new blocks differ, of 37 customers.
mkdir "$T/v3"
python3 -c '
for i in range(10000):
    print("{\"actor\":\"svc:a\",\"customer\":\"c%d\",\"purpose\":\"service-provision\",\"action\":\"read\"}" % (i % 37))
' >"$T/v3.jsonl"
"$AUDITLOG" -d "$T/v3/log" init --actor t >/dev/null 2>&1
"$AUDITLOG" -d "$T/v3/log" record --batch <"$T/v3.jsonl" >/dev/null 2>&1
for c in c0 c5 c36; do
	"$AUDITLOG" -d "$T/v3/log" log --customer $c --since 1970-01-01 \
	    >"$T/v3/before.$c" 2>&1
done
"$AUDITLOG" -d "$T/v3/log" log --customer c5 --since 1970-01-01 -n 50 \
    >"$T/v3/before.n" 2>&1
cp -r "$T/v3/log" "$T/v3/copy"
cp -r "$T/v3/log" "$T/v3/moved"
"$TAMPER" "$T/v3/copy" index-del 5000 >/dev/null 2>&1
"$TAMPER" "$T/v3/copy" index-v3 >/dev/null 2>&1
"$TAMPER" "$T/v3/moved" index-v3 >/dev/null 2>&1
# seq 5000 is in old block 1 (seq >> 12): filed under 2 instead
"$TAMPER" "$T/v3/moved" index-block 5000 2 >/dev/null 2>&1
"$TAMPER" "$T/v3/log" index-v3 >/dev/null 2>&1
expect 3 "format 3: log asks for an upgrade" "$AUDITLOG" -d "$T/v3/log" log --customer c0
check "...and says how" err_has "format version 3, with its customer index in blocks of 4096 entries: upgrade it first with 'auditlog upgrade'"
expect 0 "upgrade" "$AUDITLOG" -d "$T/v3/log" upgrade
expect 0 "...then verify passes" "$AUDITLOG" -d "$T/v3/log" verify
check "...with every entry" out_has "entries   10002 (seq 1 to 10002)"
same=yes
for c in c0 c5 c36; do
	"$AUDITLOG" -d "$T/v3/log" log --customer $c --since 1970-01-01 \
	    >"$T/v3/after.$c" 2>&1
	cmp -s "$T/v3/before.$c" "$T/v3/after.$c" || same="no: $c"
done
check "...three customers' entries are the same" [ "$same" = yes ]
check "...270 of them" [ "$(cat "$T/v3"/after.c* | wc -l)" -ge 270 ]
"$AUDITLOG" -d "$T/v3/log" log --customer c5 --since 1970-01-01 -n 50 \
    >"$T/v3/after.n" 2>&1
check "...and the first 50 of one" cmp -s "$T/v3/before.n" "$T/v3/after.n"
expect 0 "format 3 with a record missing: upgrade" "$AUDITLOG" -d "$T/v3/copy" upgrade
expect 1 "...then verify still finds it missing" "$AUDITLOG" -d "$T/v3/copy" verify
check "...naming the seq" out_has "seq 5000: missing from the customer index"
expect 0 "format 3 with a record in the wrong block: upgrade" "$AUDITLOG" -d "$T/v3/moved" upgrade
expect 1 "...then verify finds it: the rekeying moved it with its block" "$AUDITLOG" -d "$T/v3/moved" verify
check "...naming the seq" out_has "seq 5000: missing from the customer index"

done_testing
