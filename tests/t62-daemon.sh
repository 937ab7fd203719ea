#!/bin/sh
# t62-daemon.sh - auditlogd: record --batch's lines over a socket, the peer's
# identity from the kernel, group commit under 16 clients, SIGKILL and
# SIGTERM, hostile clients, a safely made socket
here=$(cd "$(dirname "$0")" && pwd) || exit 1
. "$here/lib.sh"
. "$here/daemon.sh"
cp "$here/dclient.py" "$T/dclient.py" || exit 1
chmod 644 "$T/dclient.py"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
dc() {
	"$PY" "$T/dclient.py" "$@"
}

SOCK=$T/run/d.sock
mkdir -m 755 "$T/run"

# start_daemon [ARGS...]: auditlogd on ./log (daemon.sh)
start_daemon() {
	daemon_start "$T/log" "$@"
}

# reset_err: a fresh daemon.err; what it held goes to daemon.all
reset_err() {
	cat "$T/daemon.err" >> "$T/daemon.all" 2>/dev/null
	: > "$T/daemon.err"
}

# acked_in_log ACKS: every "seq customer" of ACKS is that entry in the log,
# once, and the log has no gaps (tests/acked.py)
acked_in_log() {
	al log --json > logged.json || return 1
	"$PY" "$here/acked.py" logged.json "$1" --gap-free > acked.out
	_rc=$?
	sed 's/^/#   /' acked.out
	return $_rc
}

line='{"actor":"svc:a","customer":"c1","purpose":"service-provision","action":"read","service":"billing"}'
sell='{"actor":"svc:a","customer":"c1","purpose":"sell","action":"read","service":"billing"}'

# --- starting: what it refuses -------------------------------------------
# A log one administrator governs (init --approvers 1): policy-set works
# through the daemon as policy set does on the files.
rm -rf "$T/log"
al init --approvers 1 >/dev/null 2>&1 || { echo "# init failed"; exit 1; }
expect 2 "an unknown option is a usage error" "$AUDITLOGD" --bogus
expect 2 "a bad --idle-timeout is a usage error" "$AUDITLOGD" --idle-timeout 0
check "...saying so" err_has "auditlogd: --idle-timeout: not a number of seconds from 1 to 86400: 0"
expect 3 "no log there: exit 3" "$AUDITLOGD" -d "$T/nolog" -s "$SOCK"
check "...naming the folder" err_has "auditlogd: $T/nolog: No such file or directory"
chmod 0770 "$T/log"
expect 3 "a log folder others can write is refused" "$AUDITLOGD" -d "$T/log" -s "$SOCK"
check "...saying so" err_has "auditlogd: $T/log: others can write it (mode 770): chmod go-w"
chmod 0700 "$T/log"
ln -s "$T/log" "$T/loglink"
expect 3 "a log folder that is a symbolic link is refused" "$AUDITLOGD" -d "$T/loglink" -s "$SOCK"
check "...saying so" err_has "not a folder (a symbolic link)"
mkdir -m 777 "$T/open"
expect 3 "a socket in a folder others can write is refused" "$AUDITLOGD" -d "$T/log" -s "$T/open/d.sock"
check "...saying so" err_has "auditlogd: $T/open: others can write the socket's folder (mode 777)"
check "...and no socket is made there" [ ! -e "$T/open/d.sock" ]
echo precious > "$T/target"
ln -s "$T/target" "$SOCK"
expect 3 "a link planted at the socket's path is refused" "$AUDITLOGD" -d "$T/log" -s "$SOCK"
check "...saying so" err_has "auditlogd: $SOCK: exists and is not a socket: not replacing it"
check "...and what it points at is untouched" [ "$(cat "$T/target")" = precious ]
rm -f "$SOCK"

# --- stale reader slots --------------------------------------------------
# Two readers hold slots; one is killed, the other keeps the table alive.
HOLD=$AUDITLOG_BUILD/tests/hold_reader
"$HOLD" "$T/log" > hold1.out 2>&1 & h1=$!
"$HOLD" "$T/log" > hold2.out 2>&1 & h2=$!
holders="$h1 $h2"
i=0
while [ "$(cat hold1.out hold2.out 2>/dev/null | grep -c ready)" -lt 2 ] &&
    [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 "$h2"
wait "$h2" 2>/dev/null
check "two reader slots in use, one of them a dead reader's" [ "$("$HOLD" "$T/log" count)" = 2 ]
start_daemon || exit 1
check "...the daemon's start clears the dead one's" [ "$("$HOLD" "$T/log" count)" = 1 ]
stop_daemon
kill -9 "$h1"
wait "$h1" 2>/dev/null
holders=

# --- serving ---------------------------------------------------------------
start_daemon --idle-timeout 2 || exit 1
check "the socket is made mode 0660" [ "$(stat -c %a "$SOCK")" = 660 ]
check "...a socket, owned by the daemon's user" [ "$(stat -c %F:%u "$SOCK")" = "socket:$(id -u)" ]
expect 3 "a second daemon on the same log is refused" "$AUDITLOGD" -d "$T/log" -s "$T/run/other.sock"
check "...saying so" err_has "auditlogd: $T/log: the log is open for writing by another process: its owner must be its only writer"
check "...and makes no socket" [ ! -e "$T/run/other.sock" ]
"$AUDITLOG" -d "$T/log3" init >/dev/null 2>&1
expect 3 "a daemon of another log on the same socket is refused" "$AUDITLOGD" -d "$T/log3" -s "$SOCK"
check "...saying so" err_has "auditlogd: $SOCK: another daemon serves this socket"
expect 0 "the first one still serves" dc "$SOCK" served 5

printf '%s\n' "$line" 'garbage' '' "$sell" ' 	' "$line" > req
# A copy of the log as it is now, for record --batch to answer the same.
cp -R "$T/log" "$T/log2"
expect 0 "a client sends record --batch's lines" sh -c "'$PY' '$T/dclient.py' '$SOCK' send < req"
cp "$T/out" replies.daemon
cp "$T/err" client.err
"$AUDITLOG" -d "$T/log2" record --batch < req > replies.direct 2>/dev/null
check "the replies are record --batch's, byte for byte" cmp -s replies.daemon replies.direct
check "...one a request, in order, errors in their place, blank lines none" [ "$(sed -n 's/^{"line":\([0-9]*\),.*/\1/p' replies.daemon | tr '\n' ' ')" = "1 2 4 6 " ]
cpid=$(sed -n 's/^pid //p' client.err)
# seq 1 is the floor, 2 the policy, 3 the access "served" recorded
al log --json > logged.json
check "the entry's pid is the client's, from the kernel ($cpid)" \
    [ "$(sed -n 's/.*"seq":4,.*"pid":\([0-9]*\),.*/\1/p' logged.json)" = "$cpid" ]
check "...and its uid is the client's" \
    [ "$(sed -n 's/.*"seq":4,.*"uid":\([0-9]*\),.*/\1/p' logged.json)" = "$(id -u)" ]
check "...its gid too, attested by the daemon (entry version 3)" \
    grep -q "^{\"version\":3,\"seq\":4,.*\"uid\":$(id -u),\"gid\":$(id -g),\"attested\":true,\"user\":\"$(id -un)\",\"groups\":\[.*{\"gid\":$(id -g),\"name\":\"$(id -gn)\"}" logged.json
check "...while a direct writer's entries are not attested" \
    grep -q '^{"version":3,"seq":1,.*"attested":false,' logged.json
expect 0 "the log verifies" al verify

# op check and policy-set, on the wire (docs/PROTOCOL.md, 4.1 and 5)
head0=$(al head)
al policy show > cur.policy
# a policy the floor refuses: a purpose the promise does not permit
printf '%s\n' 'purpose a "b"' 'allow any purpose a action read' > a.policy
{
	printf '%s\n' '{"op":"check","actor":"svc:a","customer":"c1","purpose":"service-provision","action":"read"}'
	printf '%s\n' '{"op":"check","actor":"svc:a","customer":"c1","purpose":"sell","action":"read"}'
	printf '%s\n' '{"op":"bogus","actor":"svc:a"}'
	printf '%s\n' '{"actor":"svc:a","customer":"c1","purpose":"service-provision","action":"read","name":"x"}'
	printf '%s\n' '{"op":"policy-set","name":"p.policy","text":"purpose a \"b\"\n","actor":"root","customer":"c1"}'
	printf '%s\n' '{"op":"policy-set","name":"p.policy","actor":"root"}'
	printf '%s\n' '{"op":"policy-set","name":"p.policy","text":"purpose a \"b\"\nallow\n","actor":"root"}'
	"$PY" -c 'import json,sys; print(json.dumps({"op":"policy-set","name":"default.policy","text":open("cur.policy").read(),"actor":"root"}))'
	"$PY" -c 'import json,sys; print(json.dumps({"op":"policy-set","name":"a.policy","text":open("a.policy").read(),"actor":"root"}))'
	printf '%s\n' '{"op":"policy-approve","actor":"root"}'
	printf '%s\n' '{"op":"policy-reject","digest":"00112233","actor":"root","name":"x"}'
	printf '%s\n' '{"op":"policy-approve","digest":"xyz","actor":"root"}'
	printf '%s\n' '{"op":"policy-approve","digest":"0011223344","actor":"root"}'
	printf '%s\n' '{"op":"policy-propose","name":"p.policy","text":"purpose a \"b\"\n","actor":"root","expires":"0d"}'
	printf '%s\n' '{"actor":"svc:a","customer":"c1","purpose":"service-provision","action":"read","digest":"00112233"}'
	"$PY" -c 'import json,sys; print(json.dumps({"op":"policy-propose","name":"a.policy","text":open("a.policy").read(),"actor":"root"}))'
} > ops
expect 0 "check and policy-set requests on the wire" sh -c "'$PY' '$T/dclient.py' '$SOCK' send < ops"
cp "$T/out" ops.out
check "...check: the decision, no seq" grep -qx '{"line":1,"decision":"allow","rule":"default.policy:[0-9]*"}' ops.out
check "...a denied check: code and reason, no seq" grep -q '^{"line":2,"decision":"deny","code":"floor","reason":"[^"]*"}$' ops.out
check "...an unknown op is an error" grep -qx "{\"line\":3,\"error\":\"unknown op 'bogus': record, check, policy-set, policy-propose, policy-approve, policy-reject or checkpoint\"}" ops.out
check "...name on a record is an error" grep -qx '{"line":4,"error":"name is not a field of op record"}' ops.out
check "...an access's field on a policy-set is an error" grep -qx '{"line":5,"error":"customer is not a field of op policy-set"}' ops.out
check "...a policy-set without its text is an error" grep -qx '{"line":6,"error":"op policy-set needs a text"}' ops.out
check "...a broken policy: not set, with its line" grep -q '^{"line":7,"error":"policy not set: p.policy:2:' ops.out
check "...the policy in force again: seq 0, nothing recorded" grep -qx '{"line":8,"seq":0,"policy":"default.policy"}' ops.out
check "...a policy below the floor: refused, each line with the floor's" grep -q '^{"line":9,"error":"refused: a.policy:1: purpose '"'a'"' is not one the floor permits (promise.floor:8)\\na.policy:2: ' ops.out
check "...policy-approve without its digest is an error" grep -qx '{"line":10,"error":"op policy-approve needs a digest"}' ops.out
check "...name on a policy-reject is an error" grep -qx '{"line":11,"error":"name is not a field of op policy-reject"}' ops.out
check "...a digest that is no digest is an error" grep -q "^{\"line\":12,\"error\":\"'xyz' is no digest: " ops.out
check "...the approval of no proposal is refused" grep -qx "{\"line\":13,\"error\":\"refused: no proposal has digest '0011223344'\"}" ops.out
check "...an expiry that is no duration is an error" grep -qx "{\"line\":14,\"error\":\"expires '0d' is no duration: a number and s, m, h or d, up to 366 days (7d)\"}" ops.out
check "...digest on a record is an error" grep -qx '{"line":15,"error":"digest is not a field of op record"}' ops.out
check "...a proposal below the floor: refused" grep -q '^{"line":16,"error":"refused: a.policy:1: ' ops.out
check "...none of it recorded anything: the head is as it was" [ "$(al head)" = "$head0" ]
# pipelined on one connection: a policy change ends its commit, so the
# record before it is decided under the old policy, the one after under
# the new (one without the services' allow line); in a log one
# administrator governs, policy-set records a proposal and its activation
grep -v '^allow services ' cur.policy > p.policy
{
	printf '%s\n' "$line"
	"$PY" -c 'import json,sys; print(json.dumps({"op":"policy-set","name":"p.policy","text":open("p.policy").read(),"actor":"root"}))'
	printf '%s\n' "$line"
	"$PY" -c 'import json,sys; print(json.dumps({"op":"policy-set","name":"default.policy","text":open("cur.policy").read(),"actor":"root"}))'
	printf '%s\n' "$line"
} > ops2
expect 0 "record, policy-set, record, policy-set, record, pipelined" sh -c "'$PY' '$T/dclient.py' '$SOCK' send < ops2"
cp "$T/out" ops2.out
s0=${head0%% *}
check "...the first record allowed under the policy it came under" grep -q "^{\"line\":1,\"seq\":$((s0 + 1)),\"decision\":\"allow\"" ops2.out
check "...the new policy's activation recorded next, after its proposal" grep -qx "{\"line\":2,\"seq\":$((s0 + 3)),\"policy\":\"p.policy\"}" ops2.out
check "...the record after it denied under it" grep -q "^{\"line\":3,\"seq\":$((s0 + 4)),\"decision\":\"deny\",\"code\":\"actor-not-allowed\"" ops2.out
check "...the old policy back" grep -qx "{\"line\":4,\"seq\":$((s0 + 6)),\"policy\":\"default.policy\"}" ops2.out
check "...and the last record allowed again" grep -q "^{\"line\":5,\"seq\":$((s0 + 7)),\"decision\":\"allow\"" ops2.out
expect 0 "...and verify re-derives every decision" al verify

# --- 16 concurrent clients ------------------------------------------------
before=$(al log --json | wc -l)
expect 0 "16 clients x 200 accesses, each waiting for its reply" dc "$SOCK" load 16 200 acks.load
echo "# $(cat "$T/out")"
check "...all 3200 acknowledged" [ "$(wc -l < acks.load)" -eq 3200 ]
check "...each acknowledged seq holds its access, once; no gaps" acked_in_log acks.load
expect 0 "...and the log verifies" al verify
check "...with every entry" out_has "entries   $((before + 3200)) (seq 1 to $((before + 3200)))"

# --- hostile clients ------------------------------------------------------
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$dpid/status"
}
rss0=$(rss)
dc "$SOCK" idle 2 > idle.out 2>&1 & p1=$!
dc "$SOCK" idle 2 half > half.out 2>&1 & p2=$!
dc "$SOCK" bigline 10 > big.out 2>&1 & p3=$!
dc "$SOCK" noread 20000 2 > noread.out 2>&1 & p4=$!
sleep 0.5
ok_served=0
for i in 1 2 3 4 5 6; do
	dc "$SOCK" served 1 >/dev/null 2>&1 && ok_served=$((ok_served + 1))
	sleep 0.3
done
check "while hostile clients hold on, others are answered within 1 s (6 of 6)" [ $ok_served -eq 6 ]
wait $p1; s1=$?
wait $p2; s2=$?
wait $p3; s3=$?
wait $p4; s4=$?
check "a client that sends nothing is hung up on after the idle time ($(cat idle.out))" [ $s1 -eq 0 ]
check "a client that sends half a line is hung up on after the idle time ($(cat half.out))" [ $s2 -eq 0 ]
check "a 10 MB line gets its error reply, and the connection closes" [ $s3 -eq 0 ]
check "...the reply is record --batch's" grep -qx '{"line":1,"error":"line longer than 65536 bytes"}' big.out
check "a client that stops reading its replies is hung up on ($(tail -n 1 noread.out))" [ $s4 -eq 0 ]
rss1=$(rss)
echo "# the daemon's RSS: $rss0 kB before the hostile clients, $rss1 kB after"
check "...and the daemon's memory stayed bounded (grew < 32 MB)" [ $((rss1 - rss0)) -lt 32768 ]
expect 0 "2000 idle connections do not stop service to the rest" dc "$SOCK" many 2000 2
echo "# $(cat "$T/out")"
expect 0 "the log verifies" al verify

# --- the log has one writer while the daemon runs -------------------------
owner="the log is written only by its owner while it runs: auditlogd (pid $dpid, socket $SOCK)"
expect 3 "a direct record is refused while the daemon runs" al record \
    --actor svc:a --customer c1 --purpose service-provision --action read
check "...naming the daemon's pid and socket" err_has "$owner"
al policy show > pol.txt 2>/dev/null
expect 3 "a direct policy set is refused" al policy set pol.txt --actor root
check "...naming the daemon" err_has "$owner"
"$AUDITLOG" keygen -o "$T/k" >/dev/null 2>&1
expect 3 "a direct checkpoint --sign is refused" al checkpoint --sign "$T/k.key"
check "...naming the daemon" err_has "$owner"
expect 0 "reading goes on: verify" al verify
expect 0 "...and head" al head

# --- automatic checkpoints ------------------------------------------------
stop_daemon
mkdir -m 755 "$T/pub"
expect 2 "--publish without --key is a usage error" "$AUDITLOGD" -d "$T/log" -s "$SOCK" --publish "$T/pub"
check "...saying so" err_has "auditlogd: --checkpoint-every and --publish go with --key: only signed checkpoints are made"
chmod 644 "$T/k.key"
expect 3 "a signer key others can read is refused" "$AUDITLOGD" -d "$T/log" -s "$SOCK" --key "$T/k.key"
check "...saying so" err_has "auditlogd: $T/k.key: others can read or write this signer key; refusing it (chmod 600)"
chmod 600 "$T/k.key"
cp "$T/k.pub" "$T/notsigner.key"
chmod 600 "$T/notsigner.key"
expect 2 "a verifier key is no signer key: a usage error" "$AUDITLOGD" -d "$T/log" -s "$SOCK" --key "$T/notsigner.key"
check "...naming the file" err_has "auditlogd: $T/notsigner.key: not a signer key"
chmod 777 "$T/pub"
expect 3 "a publish folder others can write is refused" "$AUDITLOGD" -d "$T/log" -s "$SOCK" --key "$T/k.key" --publish "$T/pub"
check "...saying so" err_has "auditlogd: $T/pub: others can write it (mode 777): chmod go-w"
chmod 755 "$T/pub"
start_daemon --key "$T/k.key" --checkpoint-every 1 --publish "$T/pub" || exit 1
expect 0 "with --key: 4 clients record" dc "$SOCK" load 4 25 acks.seal
sleep 1.6
n1=$(ls "$T/pub" | grep -c '^checkpoint\.[0-9]*$')
check "within --checkpoint-every, a checkpoint is published ($n1)" [ "$n1" -ge 1 ] && [ -f "$T/pub/latest" ]
check "...its file named by its tree size" [ -f "$T/pub/checkpoint.$(sed -n 2p "$T/pub/latest")" ]
check "...mode 0644" [ "$(stat -c %a "$T/pub/latest")" = 644 ]
expect 0 "...and the log extends it, signed by the key" al verify --checkpoint "$T/pub/latest" --key "$T/k.pub"
check "...says verify" out_has "(signature checked)"
sleep 1.5
check "no new checkpoint while the log does not grow" \
    [ "$(ls "$T/pub" | grep -c '^checkpoint\.[0-9]*$')" -eq "$n1" ]
expect 0 "more is recorded" dc "$SOCK" load 1 3 acks.seal2
stop_daemon
check "SIGTERM: a last checkpoint covers everything recorded" \
    [ "$(($(sed -n 2p "$T/pub/latest") + 1))" -eq "$(al head | cut -d' ' -f1)" ]
al log --json > logged.json
check "...the checkpoint entries name the daemon's user" \
    [ "$(grep -c "\"kind\":\"checkpoint\",\"actor\":\"$(id -un)\"" logged.json)" -ge 2 ]
expect 0 "...which the log extends" al verify --checkpoint "$T/pub/latest" --key "$T/k.pub"
cp -R "$T/log" "$T/rewritten"
"$TAMPER" "$T/rewritten" rechain 3 actor svc:mallory >/dev/null 2>&1
expect 1 "an entry rewritten behind the published checkpoint: verify --checkpoint catches it" \
    "$AUDITLOG" -d "$T/rewritten" verify --checkpoint "$T/pub/latest" --key "$T/k.pub"
check "...saying the log was rewritten since" out_has "was rewritten since the checkpoint"
rm -rf "$T/rewritten"

# --- a checkpoint asked for (docs/PROTOCOL.md, op checkpoint) --------------
start_daemon || exit 1
head0=$(al head)
expect 3 "checkpoint through a daemon without --key: exit 3" "$AUDITLOG" -s "$SOCK" checkpoint
check "...saying so" err_has "auditlog: checkpoint: not signed: auditlogd has no signer key (--key)"
check "...and nothing is recorded" [ "$(al head)" = "$head0" ]
expect 2 "-s with --sign is a usage error" "$AUDITLOG" -s "$SOCK" checkpoint --sign "$T/k.key"
check "...saying the daemon signs with its own key" err_has "auditlog: checkpoint: -s and --sign: through auditlogd, the daemon signs with its own key (auditlogd --key)"
expect 0 "without -s, checkpoint reads the files as it did" al checkpoint
check "...the unsigned head" sh -c "[ \"\$(sed -n 2p '$T/out')\" = '${head0%% *}' ] && ! grep -q '^—' '$T/out'"
stop_daemon
n0=$(ls "$T/pub" | grep -c '^checkpoint\.[0-9]*$')
start_daemon --key "$T/k.key" --publish "$T/pub" || exit 1
{
	printf '%s\n' "$line" '{"op":"checkpoint","actor":"ops:alice"}' "$line"
	printf '%s\n' '{"op":"checkpoint","service":"billing"}'
} > ops3
expect 0 "record, checkpoint, record, pipelined on one connection" sh -c "'$PY' '$T/dclient.py' '$SOCK' send < ops3"
cp "$T/out" ops3.out
rs=$(sed -n 's/^{"line":1,"seq":\([0-9]*\),"decision":"allow".*/\1/p' ops3.out)
check "...the checkpoint's entry right after the record before it" \
    grep -q "^{\"line\":2,\"seq\":$((rs + 1)),\"checkpoint\":\"auditlog/[0-9a-f]*\\\\n$rs\\\\n" ops3.out
check "...which it covers: the tree of size $rs" "$PY" -c "
import json, sys
r = json.loads(open('ops3.out').readlines()[1])
sys.exit(r['checkpoint'].split('\n')[1] != '$rs')"
check "...the record after it next" grep -q "^{\"line\":3,\"seq\":$((rs + 2)),\"decision\":\"allow\"" ops3.out
check "...service is not a field of op checkpoint" grep -qx '{"line":4,"error":"service is not a field of op checkpoint"}' ops3.out
al log --json > logged.json
check "...its entry names the actor asked for" grep -q "^{\"version\":3,\"seq\":$((rs + 1)),.*\"kind\":\"checkpoint\",\"actor\":\"ops:alice\",\"tree_size\":$rs," logged.json
# the publish folder swapped for a file: signed and recorded, not published
mv "$T/pub" "$T/pub.away"
: > "$T/pub"
h=$(al head | cut -d' ' -f1)
expect 3 "a checkpoint the daemon cannot publish: exit 3" "$AUDITLOG" -s "$SOCK" checkpoint --signer ops:bob
check "...saying it is recorded, not published, and why" err_has "auditlog: checkpoint: not published: the checkpoint is recorded (seq $((h + 1))), but $T/pub: Not a directory"
check "...printing no note" [ ! -s "$T/out" ]
al log --json > logged.json
check "...its entry in the log, naming --signer" grep -q "^{\"version\":3,\"seq\":$((h + 1)),.*\"kind\":\"checkpoint\",\"actor\":\"ops:bob\",\"tree_size\":$h," logged.json
rm "$T/pub"
mv "$T/pub.away" "$T/pub"
h=$(al head | cut -d' ' -f1)
expect 0 "root's auditlog -s SOCKET checkpoint: exit 0" "$AUDITLOG" -s "$SOCK" checkpoint
cp "$T/out" asked.ckpt
check "...printing the note of the log's head" [ "$(sed -n 2p asked.ckpt)" = "$h" ]
check "...signed: its last line is the daemon key's signature" [ "$(tail -n 1 asked.ckpt | cut -d' ' -f1-2)" = "— k" ]
check "...nothing on standard error" [ ! -s "$T/err" ]
expect 0 "...a checkpoint verify takes, signed by the daemon's key" al verify --checkpoint asked.ckpt --key "$T/k.pub"
check "...says verify" out_has "(signature checked)"
check "...published as latest" cmp -s asked.ckpt "$T/pub/latest"
check "...and as checkpoint.$h" cmp -s asked.ckpt "$T/pub/checkpoint.$h"
al log --json > logged.json
check "...recorded at seq $((h + 1)), kind checkpoint, naming the user who asked" \
    grep -q "^{\"version\":3,\"seq\":$((h + 1)),.*\"kind\":\"checkpoint\",\"actor\":\"$(id -un)\",\"tree_size\":$h," logged.json
check "...the entry holds the note printed" "$PY" -c "
import json, sys
for l in open('logged.json'):
    e = json.loads(l)
    if e['seq'] == $((h + 1)):
        sys.exit(e.get('note') != open('asked.ckpt').read())
sys.exit(1)"
check "...and the daemon says who asked" grep -q "^auditlogd: checkpoint signed (seq $((h + 1))) for uid $(id -u)$" "$T/daemon.err"
stop_daemon
check "SIGTERM with nothing recorded since: no last checkpoint, latest is the one asked for" \
    cmp -s asked.ckpt "$T/pub/latest"
check "...two checkpoints published, the two asked for, no automatic one" \
    [ "$(ls "$T/pub" | grep -c '^checkpoint\.[0-9]*$')" -eq $((n0 + 2)) ]
expect 0 "...the log verifies" al verify
start_daemon --idle-timeout 2 || exit 1

# --- SIGTERM drains -------------------------------------------------------
stop_daemon
start_daemon --idle-timeout 20 || exit 1
dc "$SOCK" idle 20 half > half2.out 2>&1 & hp=$!
sleep 0.3
reset_err
dc "$SOCK" pipeline 3000 replies.pipe > pipe.out 2>&1 & pp=$!
i=0
while ! grep -q first pipe.out 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.02
	i=$((i + 1))
done
t0=$(date +%s)
stop_daemon
t1=$(date +%s)
wait $pp
kill "$hp" 2>/dev/null
wait "$hp" 2>/dev/null
check "SIGTERM: the daemon exits 0" [ "$dstatus" -eq 0 ]
check "...at once: a client holding half a line does not hold it up ($((t1 - t0)) s)" [ $((t1 - t0)) -le 3 ]
check "...saying it stopped" grep -q "auditlogd: stopped" "$T/daemon.err"
check "...and removes its socket" [ ! -e "$SOCK" ]
nrep=$(wc -l < replies.pipe)
check "...after answering, in order, the lines it had read ($nrep of 3000)" \
    [ "$nrep" -ge 1 ] && [ "$(sed -n 's/^{"line":\([0-9]*\),.*/\1/p' replies.pipe | tr '\n' ' ')" = "$(seq 1 "$nrep" | tr '\n' ' ')" ]
sed -n 's/^{"line":\([0-9]*\),"seq":\([0-9]*\),.*/\2 p\1/p' replies.pipe |
    awk '{ sub(/^p/, "", $2); print $1, "p" ($2 - 1) }' > acks.pipe
check "...each answered line is in the log" acked_in_log acks.pipe
expect 0 "...which verifies" al verify

# --- the most connections ------------------------------------------------
start_daemon --max-connections 5 || exit 1
expect 0 "--max-connections 5: a sixth is closed unanswered, and served once one goes" \
    dc "$SOCK" limit 5
check "...the daemon says so" grep -q "^auditlogd: 5 connections, the most allowed: refusing more$" "$T/daemon.err"
stop_daemon

# --- a storage failure ----------------------------------------------------
shim=$AUDITLOG_BUILD/tests/faults/libfaultshim.so
if [ -f "$shim" ]; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	export ASAN_OPTIONS
	head0=$(al head)
	reset_err
	DENV="LD_PRELOAD=$shim FAULT_FUNC=fdatasync FAULT_NTH=1 FAULT_ERRNO=5 FAULT_PATH=$T/log"
	start_daemon || exit 1
	DENV=
	fpid=$dpid
	printf '%s\n' "$line" 'garbage' "$line" > req
	expect 0 "a failed commit: the client is answered" sh -c "'$PY' '$T/dclient.py' '$SOCK' send < req"
	check "...\"not recorded\" for its accesses, the malformed line's own error for that" out_is \
	    '{"line":1,"error":"not recorded: commit: Input/output error"}
{"line":2,"error":"not a JSON object: lexical error: invalid char in json text. at byte 2"}
{"line":3,"error":"not recorded: commit: Input/output error"}'
	wait "$fpid"
	fstatus=$?
	dpid=
	check "...the daemon exits 3" [ "$fstatus" -eq 3 ]
	check "...saying why" grep -q "^auditlogd: storage failure, nothing of this commit was recorded: commit: Input/output error$" "$T/daemon.err"
	check "...nothing of the commit is in the log" [ "$(al head)" = "$head0" ]
	expect 0 "...which verifies" al verify
else
	ok "a storage failure # SKIP the fault shim is not built"
fi

# --- systemd: readiness and socket activation ------------------------------
dc "$T/notify" notify 10 > notify.out 2>&1 & np=$!
i=0
while ! grep -q listening notify.out 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
DENV="NOTIFY_SOCKET=$T/notify"
start_daemon || exit 1
DENV=
wait $np
check "sd_notify: the daemon tells systemd it is ready" grep -qx "READY=1" notify.out
stop_daemon
if command -v systemd-socket-activate >/dev/null 2>&1; then
	rm -f "$SOCK"
	systemd-socket-activate -l "$SOCK" "$AUDITLOGD" -d "$T/log" \
	    2>>"$T/daemon.err" & dpid=$!
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	expect 0 "socket activation: the daemon serves the socket systemd passes" dc "$SOCK" served 5
	expect 3 "...and a direct writer is told that socket" al record \
	    --actor svc:a --customer c1 --purpose service-provision --action read
	check "...by its path" err_has "the log is written only by its owner while it runs: auditlogd (pid $dpid, socket $SOCK)"
	stop_daemon
	check "...which it leaves in place for systemd" [ -S "$SOCK" ]
	rm -f "$SOCK"
else
	ok "socket activation # SKIP systemd-socket-activate is not installed"
fi

# --- SIGKILL under load ---------------------------------------------------
trials=10
t=1
lost_total=0
bad=0
while [ $t -le $trials ]; do
	start_daemon || exit 1
	dc "$SOCK" load 16 100000 acks.kill > kill.out 2>&1 & lp=$!
	sleep "0.$(( (t * 37) % 5 + 2 ))"
	kill -9 "$dpid"
	wait "$dpid" 2>/dev/null
	dpid=
	wait $lp
	if ! acked_in_log acks.kill; then
		bad=$((bad + 1))
		echo "# trial $t: an acknowledged entry is missing"
	fi
	if ! al verify >/dev/null 2>&1; then
		bad=$((bad + 1))
		echo "# trial $t: verify failed"
	fi
	t=$((t + 1))
done
check "SIGKILL under load, $trials trials: 0 acknowledged entries lost, 0 failed verifies" [ $bad -eq 0 ]
echo "# the last trial acknowledged $(wc -l < acks.kill) before the kill"
check "...the killed daemon left its socket behind" [ -S "$SOCK" ]
start_daemon || exit 1
expect 0 "a restart replaces the stale socket and serves at once" dc "$SOCK" served 2
stop_daemon
expect 0 "with the daemon stopped, a direct record works again" al record \
    --actor svc:a --customer c1 --purpose service-provision --action read
# A direct writer holding the log open: record --batch waiting on its input.
mkfifo "$T/fifo"
al record --batch < "$T/fifo" > /dev/null 2>&1 & wp=$!
exec 9> "$T/fifo"
sleep 0.3
expect 3 "the daemon does not start while a direct writer has the log open" \
    "$AUDITLOGD" -d "$T/log" -s "$SOCK"
check "...saying so" err_has "auditlogd: $T/log: the log is open for writing by another process: its owner must be its only writer"
check "...and makes no socket" [ ! -e "$SOCK" ]
exec 9>&-
wait $wp

# --- an unprivileged client, as a user of its own --------------------------
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null 2>&1; then
	ok "an unprivileged client # SKIP needs root (and useradd) to make throwaway users"
else
	r=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	grp=alg$r
	usr=alu$r
	other=alo$r
	groupadd -r "$grp" && groups="$grp"
	useradd -r -M -N -g "$grp" -s /usr/sbin/nologin "$usr" && users="$usr"
	useradd -r -M -N -s /usr/sbin/nologin "$other" && users="$users $other"
	chmod 711 "$T"
	chgrp "$grp" "$T/run"
	chmod 750 "$T/run"
	# the service's writer line: it may claim service billing as
	# svc:billing (t64-govern-daemon.sh has the claims it may not make)
	{ al policy show; echo "writer user $usr service billing actor \"svc:billing\""; } > "$T/svc.policy"
	al policy set "$T/svc.policy" --actor root > /dev/null ||
	    not_ok "policy set svc.policy"
	start_daemon --socket-group "$grp" || exit 1
	check "--socket-group: the socket is in that group" [ "$(stat -c %G "$SOCK")" = "$grp" ]
	claim='{"actor":"svc:billing","customer":"c9","purpose":"service-provision","action":"read","service":"billing"}'
	run sh -c "printf '%s\n' '$claim' | runuser -u '$usr' -- '$PY' '$T/dclient.py' '$SOCK' send"
	check "a user in the socket's group records" out_has '"decision":"allow"'
	seq=$(sed -n 's/.*"seq":\([0-9]*\),.*/\1/p' "$T/out")
	upid=$(sed -n 's/^pid //p' "$T/err")
	al log --json > logged.json
	check "...its entry's uid is its real uid, whoever it claims to be" \
	    [ "$(sed -n "s/.*\"seq\":$seq,.*\"uid\":\([0-9]*\),.*/\1/p" logged.json)" = "$(id -u "$usr")" ]
	check "...and its pid is its own" \
	    [ "$(sed -n "s/.*\"seq\":$seq,.*\"pid\":\([0-9]*\),.*/\1/p" logged.json)" = "$upid" ]
	check "...its gid, user and groups its own, attested" \
	    grep -q "\"seq\":$seq,.*\"uid\":$(id -u "$usr"),\"gid\":$(id -g "$usr"),\"attested\":true,\"user\":\"$usr\",\"groups\":\[{\"gid\":$(id -g "$usr"),\"name\":\"$grp\"}\]" logged.json
	# the daemon keeps what it resolved (auditlogd(8)), but a change to
	# the user's groups reaches the very next connection
	xgrp=alx$r
	groupadd -r "$xgrp" && groups="$groups $xgrp"
	run sh -c "printf '%s\n' '$claim' | runuser -u '$usr' -- '$PY' '$T/dclient.py' '$SOCK' send"
	seq=$(sed -n 's/.*"seq":\([0-9]*\),.*/\1/p' "$T/out")
	al log --json > logged.json
	check "...recorded again: the same groups" \
	    grep -q "\"seq\":$seq,.*\"user\":\"$usr\",\"groups\":\[{\"gid\":$(id -g "$usr"),\"name\":\"$grp\"}\]" logged.json
	usermod -a -G "$xgrp" "$usr"
	g1="{\"gid\":$(id -g "$usr"),\"name\":\"$grp\"}"
	xgid=$(getent group "$xgrp" | cut -d: -f3)
	g2="{\"gid\":$xgid,\"name\":\"$xgrp\"}"
	# sorted by gid (system groups are numbered downwards)
	if [ "$xgid" -lt "$(id -g "$usr")" ]; then both="$g2,$g1"; else both="$g1,$g2"; fi
	run sh -c "printf '%s\n' '$claim' | runuser -u '$usr' -- '$PY' '$T/dclient.py' '$SOCK' send"
	seq=$(sed -n 's/.*"seq":\([0-9]*\),.*/\1/p' "$T/out")
	al log --json > logged.json
	check "...given a group (usermod -a -G), its next connection records it" \
	    grep -q "\"seq\":$seq,.*\"user\":\"$usr\",\"groups\":\[$both\]" logged.json
	gpasswd -d "$usr" "$xgrp" > /dev/null
	run sh -c "printf '%s\n' '$claim' | runuser -u '$usr' -- '$PY' '$T/dclient.py' '$SOCK' send"
	seq=$(sed -n 's/.*"seq":\([0-9]*\),.*/\1/p' "$T/out")
	al log --json > logged.json
	check "...taken out of it (gpasswd -d), its next connection no longer" \
	    grep -q "\"seq\":$seq,.*\"user\":\"$usr\",\"groups\":\[{\"gid\":$(id -g "$usr"),\"name\":\"$grp\"}\]" logged.json
	expect 1 "...it cannot open data.mdb for writing" \
	    runuser -u "$usr" -- "$PY" -c "open('$T/log/data.mdb', 'r+b')"
	expect 3 "...nor record directly" runuser -u "$usr" -- "$AUDITLOG" -d "$T/log" record \
	    --actor svc:a --customer c1 --purpose service-provision --action read
	expect 1 "a user outside the group cannot connect" \
	    runuser -u "$other" -- "$PY" "$T/dclient.py" "$SOCK" served 2
	check "...refused by the socket's mode" err_has "Permission denied"

	# check and policy set through the socket: who may change the policy
	# is who the kernel says is at the other end
	cp "$T/svc.policy" "$T/was.policy"
	{ cat "$T/was.policy"; echo "# changed through auditlogd"; } > "$T/new.policy"
	chmod 644 "$T/was.policy" "$T/new.policy"
	head0=$(al head)
	run runuser -u "$usr" -- "$AUDITLOG" -s "$SOCK" check --actor svc:billing \
	    --customer c9 --purpose service-provision --action read --service billing
	check "check through the socket, as the unprivileged user: exit 0" [ "$rc" -eq 0 ]
	check "...printing the decision" out_has "allow svc.policy:"
	run runuser -u "$usr" -- "$AUDITLOG" -s "$SOCK" check --actor svc:billing \
	    --customer c9 --purpose sell --action read --service billing
	check "...a denied one: exit 1, the code and reason" sh -c "[ $rc -eq 1 ] && grep -q '^deny floor: ' '$T/out'"
	check "...and nothing is recorded: the head is as it was" [ "$(al head)" = "$head0" ]
	# the log has a floor: the policy's admin lines say who may change it
	run runuser -u "$usr" -- "$AUDITLOG" -s "$SOCK" policy set "$T/new.policy" --actor root
	check "policy set through the socket by a user who is no administrator: refused, exit 1" [ "$rc" -eq 1 ]
	check "...saying why" err_has "auditlog: policy: refused: proposed by uid $(id -u "$usr") ($usr), who is not an administrator of the policy in force"
	al policy show > "$T/now.policy"
	check "...the active policy is unchanged" cmp -s "$T/now.policy" "$T/was.policy"
	check "...and nothing is recorded" [ "$(al head)" = "$head0" ]
	run "$AUDITLOG" -s "$SOCK" policy set "$T/new.policy" --actor root
	pseq=$(cat "$T/out")
	check "root's policy set through the socket: exit 0, the new entry's seq" \
	    sh -c "[ $rc -eq 0 ] && [ '$pseq' -gt 0 ]"
	al policy show > "$T/now.policy"
	check "...the active policy is the new one" cmp -s "$T/now.policy" "$T/new.policy"
	al log --json > logged.json
	check "...its entry holds root's uid, from the kernel" \
	    [ "$(sed -n "s/.*\"seq\":$pseq,.*\"uid\":\([0-9]*\),.*/\1/p" logged.json)" = 0 ]
	run "$AUDITLOG" -s "$SOCK" policy set "$T/new.policy" --actor root
	check "...set again: exit 0, nothing recorded" sh -c "[ $rc -eq 0 ] && [ ! -s '$T/out' ] && grep -q 'is the active policy already; nothing recorded' '$T/err'"

	# a compliance reader: read access through a group, as README's table
	# has it (the folder 0750, data.mdb 0640, lock.mdb 0660: LMDB records
	# each reader in the lock file), while the daemon owns the log
	rgrp=alr$r
	rdr=alc$r
	groupadd -r "$rgrp" && groups="$groups $rgrp"
	useradd -r -M -N -g "$rgrp" -s /usr/sbin/nologin "$rdr" && users="$users $rdr"
	expect 3 "a compliance reader before the group is given read access: exit 3" \
	    runuser -u "$rdr" -- "$AUDITLOG" -d "$T/log" verify
	chgrp "$rgrp" "$T/log" "$T/log/data.mdb" "$T/log/lock.mdb"
	chmod 750 "$T/log"
	chmod 640 "$T/log/data.mdb"
	chmod 660 "$T/log/lock.mdb"
	expect 0 "...with it, verify while the daemon serves: exit 0" \
	    runuser -u "$rdr" -- "$AUDITLOG" -d "$T/log" verify
	expect 0 "...log --json" runuser -u "$rdr" -- "$AUDITLOG" -d "$T/log" log -n 1 --json
	check "...which shows the newest entry" out_has "\"seq\":$pseq,"
	expect 1 "...it cannot open data.mdb for writing" \
	    runuser -u "$rdr" -- "$PY" -c "open('$T/log/data.mdb', 'r+b')"
	expect 3 "...nor record directly" runuser -u "$rdr" -- "$AUDITLOG" -d "$T/log" record \
	    --actor svc:a --customer c1 --purpose service-provision --action read
	expect 3 "...nor set the policy directly" runuser -u "$rdr" -- "$AUDITLOG" -d "$T/log" \
	    policy set "$T/was.policy" --actor "$rdr"
	expect 3 "...nor record through the socket, not being in its group" \
	    runuser -u "$rdr" -- "$AUDITLOG" -s "$SOCK" record \
	    --actor svc:a --customer c1 --purpose service-provision --action read
	check "...the head is where root's policy left it" [ "$(al head | cut -d' ' -f1)" = "$pseq" ]
	stop_daemon
	# a checkpoint is signed for root and the daemon's user alone: it
	# grows the log and publishes
	start_daemon --socket-group "$grp" --key "$T/k.key" --publish "$T/pub" || exit 1
	head0=$(al head)
	cp "$T/pub/latest" "$T/latest.was"
	expect 3 "checkpoint through the socket by an unprivileged user: exit 3" \
	    runuser -u "$usr" -- "$AUDITLOG" -s "$SOCK" checkpoint
	check "...saying who may" err_has "auditlog: checkpoint: not permitted: uid $(id -u "$usr") may not sign checkpoints: only root and auditlogd's user (uid 0) may"
	check "...printing no note" [ ! -s "$T/out" ]
	check "...nothing recorded" [ "$(al head)" = "$head0" ]
	check "...nothing published" cmp -s "$T/pub/latest" "$T/latest.was"
	run sh -c "printf '%s\n' '{\"op\":\"checkpoint\"}' | runuser -u '$usr' -- '$PY' '$T/dclient.py' '$SOCK' send"
	check "...on the wire, the error reply" out_is "{\"line\":1,\"error\":\"not permitted: uid $(id -u "$usr") may not sign checkpoints: only root and auditlogd's user (uid 0) may\"}"
	stop_daemon
	check "...and still nothing recorded once the daemon stopped" [ "$(al head)" = "$head0" ]
	mkdir -m 700 "$T/theirs"
	chown "$usr" "$T/theirs"
	expect 3 "a log folder owned by another user is refused" "$AUDITLOGD" -d "$T/theirs" -s "$SOCK"
	check "...saying so" err_has "auditlogd: $T/theirs: owned by uid $(id -u "$usr"), not by this daemon's user (uid 0)"
	expect 0 "the log verifies" al verify
fi

reset_err
check "no daemon reported a sanitizer error" \
    sh -c "! grep -Eq 'Sanitizer|runtime error' '$T/daemon.all'"

done_testing
