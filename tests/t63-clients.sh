#!/bin/sh
# t63-clients.sh - auditlog -s SOCKET, $AUDITLOG_SOCKET and al_connect: the
# same answers through auditlogd as from the log's files, and fail closed
here=$(cd "$(dirname "$0")" && pwd) || exit 1
. "$here/lib.sh"
. "$here/daemon.sh"
CLIENT=$AUDITLOG_BUILD/tests/client
unset AUDITLOG_SOCKET

SOCK=$T/run/d.sock
mkdir -m 755 "$T/run"

# start_daemon [ARGS...]: auditlogd on ./log (daemon.sh)
start_daemon() {
	daemon_start "$T/log" "$@"
}

# tap PROGRAM...: a C program's TAP lines as this test's own
tap() {
	"$@" > tap.out 2>&1
	_rc=$?
	while IFS= read -r _l; do
		case $_l in
		"ok "*) ok "${_l#ok * - }" ;;
		"not ok "*) not_ok "${_l#not ok * - }" ;;
		*) echo "$_l" ;;
		esac
	done < tap.out
	[ $_rc -eq 0 ] || not_ok "$1 exited $_rc"
}

# Seqs aside: a bare seq (record's output), "seq N", "seq":N
noseq() {
	sed -e 's/^[0-9][0-9]*$/SEQ/' -e 's/(seq [0-9]*)/(seq SEQ)/' \
	    -e 's/"seq":[0-9]*/"seq":SEQ/' "$1"
}

# same DESC ARGS...: auditlog -s $SOCK ARGS and auditlog -d twin ARGS give
# the same stdout, stderr and status, seqs aside; stdin from ./in
same() {
	_d=$1
	shift
	"$AUDITLOG" -s "$SOCK" "$@" < in > s.out 2> s.err
	_src=$?
	"$AUDITLOG" -d "$T/twin" "$@" < in > d.out 2> d.err
	_drc=$?
	if [ $_src -eq $_drc ] && [ "$(noseq s.out)" = "$(noseq d.out)" ] &&
	    [ "$(noseq s.err)" = "$(noseq d.err)" ]; then
		ok "$_d (exit $_src)"
	else
		not_ok "$_d"
		echo "#   through the daemon: exit $_src"
		sed 's/^/#     /' s.out s.err | head -n 10
		echo "#   direct: exit $_drc"
		sed 's/^/#     /' d.out d.err | head -n 10
	fi
}

# Logs one administrator governs: al_policy_set through the daemon as on
# the files (a log of two, t64-govern-daemon.sh).
al init --approvers 1 >/dev/null || exit 1
"$AUDITLOG" -d "$T/twin" init --approvers 1 >/dev/null || exit 1

# --- the library ---------------------------------------------------------
start_daemon --idle-timeout 1 || exit 1
tap "$CLIENT" "$SOCK" "$T/log" "$T/twin"
tap "$CLIENT" fake "$T/run"

# --- the tool: the same as on the log's files ------------------------------
: > in
same "record, allowed" record --actor svc:billing --customer c-1 \
    --purpose service-provision --action read --data billing
check "...prints the seq alone" grep -Eqx '[0-9]+' s.out
same "record, denied by the floor" record --actor carol --customer c-1 \
    --purpose marketing --action read
check "...the reason on stderr" grep -q "^auditlog: record: deny floor (seq [0-9]*): the floor forbids purpose 'marketing' (promise.floor:17)" s.err
same "record, a purpose that needs a ref" record --actor bob --customer c-1 \
    --purpose support-ticket --action read
same "record, a malformed ref" record --actor bob --customer c-1 \
    --purpose support-ticket --action read --ref nope
same "record, an action no rule allows" record --actor svc:a --customer c-1 \
    --purpose service-provision --action export
same "record, an empty field" record --actor "" --customer c-1 \
    --purpose service-provision --action read
same "record, a customer with a glob character" record --actor a \
    --customer 'c-*' --purpose service-provision --action read
same "record, a field missing" record --customer c-1 \
    --purpose service-provision --action read
AUDITLOG_SERVICE=env-svc
export AUDITLOG_SERVICE
same "record, \$AUDITLOG_SERVICE" record --actor svc:a --customer c-2 \
    --purpose service-provision --action write
unset AUDITLOG_SERVICE
run al log --json --customer c-2
check "...the service recorded is the claimed one" out_has '"service":"env-svc"'

# A purpose the policy lacks: the hint needs the policy, which the
# client does not read; the rest is the same.
"$AUDITLOG" -s "$SOCK" record --actor a --customer c-1 --purpose suport-ticket \
    --action read > s.out 2> s.err
src=$?
"$AUDITLOG" -d "$T/twin" record --actor a --customer c-1 --purpose suport-ticket \
    --action read > d.out 2> d.err
check "an unknown purpose: exit 1 both ways, the same first line" \
    [ $src -eq 1 ] && [ $? -eq 0 ] &&
    [ "$(noseq s.err | head -n 1)" = "$(noseq d.err | head -n 1)" ]
check "...the \"did you mean\" is the direct tool's alone" \
    sh -c "grep -q support-ticket d.err && [ \$(wc -l < s.err) -eq 1 ]"

big=$(awk 'BEGIN { while (i++ < 70000) printf "x" }')
{
	echo '{"actor":"svc:a","customer":"c-1","purpose":"service-provision","action":"read"}'
	echo ''
	echo 'not json'
	echo '{"actor":"carol","customer":"c-1","purpose":"marketing","action":"read","reason":"caf\u00e9 \"q\""}'
	echo '   '
	echo '{"actor":"","customer":"c-1","purpose":"service-provision","action":"read"}'
	echo "{\"actor\":\"$big\"}"
	echo '{"actor":"svc:a","customer":"c-1","purpose":"service-provision","action":"read","service":"own"}'
	echo '{"actor":"svc:a","customer":"c-1","purpose":"service-provision","action":"read","uid":"0"}'
	printf '%s' '{"actor":"svc:b","customer":"c-3","purpose":"service-provision","action":"read"}'
} > in
same "record --batch: allowed, denied, malformed, blank, too long, the last without LF" \
    record --batch --service batch-svc
check "...a result a line, blank lines none" \
    [ "$(sed -n 's/^{"line":\([0-9]*\),.*/\1/p' s.out | tr '\n' ' ')" = "1 3 4 6 7 8 9 10 " ]
run al log --json --customer c-3
check "...--service fills a line without one" out_has '"service":"batch-svc"'
awk 'BEGIN { while (i++ < 1500) printf "{\"actor\":\"svc:a\",\"customer\":\"c-%d\",\"purpose\":\"service-provision\",\"action\":\"read\"}\n", i }' > in
same "record --batch, 1500 lines, in groups of --batch-size 400" \
    record --batch --batch-size 400
check "...1500 results, seqs in order" \
    sh -c "[ \$(grep -c '\"decision\":\"allow\"' s.out) -eq 1500 ] &&
    sed 's/.*\"seq\":\([0-9]*\),.*/\1/' s.out | sort -nc"
: > in
same "record --batch, no input" record --batch

# Lines go to the daemon as they are, many on their way at once; the
# tool answers only what the daemon would answer otherwise (a line over
# 64 KiB, a member of the daemon's other requests, --service's default)
# and renumbers the daemon's replies: a mix of every kind, over many
# windows, each result the direct tool's, in its place.
awk -v big="$big" 'BEGIN {
	a = "\"customer\":\"c-7\",\"purpose\":\"service-provision\",\"action\":\"read\""
	for (i = 1; i <= 6000; i++) {
		if (i % 50 == 0) print ""
		else if (i % 50 == 1) print " \t\r"
		else if (i % 97 == 0) print "not json"
		else if (i % 1000 == 3) print "{\"actor\":\"" big "\"}"
		else if (i % 61 == 0) print "{\"op\":\"check\",\"actor\":\"svc:a\"," a ",\"service\":\"s\"}"
		else if (i % 89 == 0) print "{\"actor\":\"svc:a\"," a ",\"text\":\"t\"}"
		else if (i % 67 == 0) print "{\"actor\":\"name\"," a "}"
		else if (i % 59 == 0) print "{\"actor\":\"service\"," a "}"
		else if (i % 71 == 0) print "{\"actor\":\"svc:\\u00e9\\\"q\"," a "}"
		else if (i % 73 == 0) print "{\"actor\":\"carol\",\"customer\":\"c-7\",\"purpose\":\"marketing\",\"action\":\"read\"}"
		else if (i % 79 == 0) print "{\"actor\":\"\"," a "}"
		else if (i % 83 == 0) print "{\"actor\":\"svc:a\"," a ",\"uid\":\"0\"}"
		else if (i % 53 == 0) print "{\"actor\":\"svc:a\"," a ",\"ref\":\"own-" i "\",\"service\" :\"own\"}"
		else if (i % 31 == 0) print "{\"actor\":\"svc:a\"," a ",\"service\":\"\"}"
		else if (i % 37 == 0) print "{\"actor\":\"svc:a\",\"customer\":{\"service\":\"x\"}}"
		else print "{\"actor\":\"svc:a\"," a ",\"ref\":\"r-" i "\"}"
	}
	printf "%s", "{\"actor\":\"svc:b\"," a "}"
}' > in
same "record --batch, 6001 lines of every kind: each result in its place" \
    record --batch --service mix-svc
awk 'BEGIN { for (i = 1; i <= 6001; i++) if (i % 50 > 1 || i == 6001) print i }' > mix.lines
check "...6001 lines numbered as read, blank ones unanswered" \
    sh -c "sed 's/^{\"line\":\([0-9]*\),.*/\1/' s.out | cmp -s - mix.lines"
check "...the seqs rising, one entry each" \
    sh -c "sed -n 's/.*\"seq\":\([0-9]*\),.*/\1/p' s.out | sort -nuc &&
    [ \$(grep -c '\"seq\"' s.out) -eq \$(grep -c '\"seq\"' d.out) ]"
check "...a member of another op is no check, an unknown field" \
    grep -qx '{"line":61,"error":"unknown field '"'op'"'"}' s.out
check "...nor a text" grep -qx '{"line":89,"error":"unknown field '"'text'"'"}' s.out
check "...and a line over 64 KiB does not end the rest" \
    grep -qx '{"line":2003,"error":"line longer than 65536 bytes"}' s.out
check "...the next is the daemon's" grep -q '^{"line":2004,"seq":' s.out
al log --json --customer c-7 > mix.json
check "...--service fills in a line without one" \
    grep -q '"actor":"name",.*"service":"mix-svc"' mix.json
check "...one whose actor is \"service\"" \
    grep -q '"actor":"service",.*"service":"mix-svc"' mix.json
check "...one with an escape" grep -q 'q","customer":"c-7",.*"service":"mix-svc"' mix.json
check "...not one with its own" grep -q '"ref":"own-106",.*"service":"own"' mix.json
same "...the same lines without --service" record --batch
same "...and with --batch-size 3: twelve on their way at most" \
    record --batch --batch-size 3 --service mix-svc
check "...still each line answered once, in order" \
    sh -c "sed 's/^{\"line\":\([0-9]*\),.*/\1/' s.out | cmp -s - mix.lines"

# A fake daemon on $T/run/fake.sock that answers each line read with
# REPLY, N its number on the connection: record --batch writes only what
# is the protocol's reply to the line it sent, renumbered.
fake_batch() {
	fake_start "$T/run/fake.sock" "$1"
	printf '\n\n%s\n' '{"actor":"svc:a","customer":"c-1","purpose":"service-provision","action":"read"}' |
	    "$AUDITLOG" --timeout 2 -s "$T/run/fake.sock" record --batch > "$T/out" 2> "$T/err"
	rc=$?
	wait $fp
	fp=
}
fake_batch '{"line":N,"seq":7,"decision":"deny","code":"floor","reason":"caf\u0080 \\ \"x\""}'
check "a daemon's reply is written with the input's line number" \
    [ $rc -eq 1 ] && out_is '{"line":3,"seq":7,"decision":"deny","code":"floor","reason":"caf\u0080 \\ \"x\""}'
for r in '{"line":2,"seq":7,"decision":"allow","rule":"a:1"}' \
    '{"line":N,"seq":7,"decision":"allow","rule":"a:1","x":"y"}' \
    '{"line":N,"seq":7,"decision":"allow","rule":"a:1"} ' \
    '{"line":N,"seq":0,"decision":"allow","rule":"a:1"}' \
    '{"line":N,"seq":7,"decision":"deny","code":"flo","reason":"r"}' \
    '{"line":N,"seq":7,"decision":"allow","rule":"\u0041"}' \
    '{"line":N,"decision":"allow","rule":"a:1"}' \
    '{"line":N,"seq":7,"policy":"a"}'; do
	fake_batch "$r"
	check "...one that is not the protocol's reply to a record, exit 3: $r" \
	    sh -c "[ $rc -eq 3 ] && [ ! -s '$T/out' ] && grep -q 'a reply that is not auditlogd.s protocol' '$T/err'"
done

# A service that writes a line and waits for its result gets it, and a
# connection the daemon closed meanwhile (--idle-timeout 1) is made anew.
rm -f fifo
mkfifo fifo
: > fifo.out
"$AUDITLOG" -s "$SOCK" record --batch < fifo > fifo.out 2> fifo.err & bp=$!
exec 7> fifo
printf '%s\n' '{"actor":"svc:a","customer":"c-8","purpose":"service-provision","action":"read"}' >&7
i=0
while [ "$(wc -l < fifo.out)" -lt 1 ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "record --batch: a line's result comes while the input is open" \
    grep -q '^{"line":1,"seq":[0-9]*,"decision":"allow"' fifo.out
sleep 1.5
printf '\n%s\n' '{"actor":"svc:a","customer":"c-8","purpose":"service-provision","action":"read"}' >&7
exec 7>&-
wait $bp
brc=$?
check "...after the daemon closed the idle connection, the next one's too" \
    sh -c "[ $brc -eq 0 ] && [ \$(wc -l < fifo.out) -eq 2 ] &&
    grep -q '^{\"line\":3,\"seq\":[0-9]*,\"decision\":\"allow\"' fifo.out &&
    [ ! -s fifo.err ]"

# $AUDITLOG_SOCKET is -s; -d names a log, and then the log is used.
run env AUDITLOG_SOCKET="$SOCK" "$AUDITLOG" record --actor svc:a \
    --customer c-4 --purpose service-provision --action read
check "\$AUDITLOG_SOCKET: records through the daemon" \
    sh -c "[ $rc -eq 0 ] && grep -Eqx '[0-9]+' '$T/out'"
run env AUDITLOG_SOCKET="$SOCK" AUDITLOG_DB=/nonexistent "$AUDITLOG" record \
    --actor svc:a --customer c-4 --purpose service-provision --action read
check "...over \$AUDITLOG_DB: the log's files are not opened" [ $rc -eq 0 ]
before=$("$AUDITLOG" -d "$T/twin" head | cut -d' ' -f1)
run env AUDITLOG_SOCKET="$SOCK" "$AUDITLOG" -d "$T/twin" record --actor svc:a \
    --customer c-4 --purpose service-provision --action read
check "...but -d names the log to write" \
    [ "$("$AUDITLOG" -d "$T/twin" head | cut -d' ' -f1)" -eq $((before + 1)) ]
run env AUDITLOG_SOCKET= "$AUDITLOG" -s "" record --actor a --customer c \
    --purpose service-provision --action read
check "-s with an empty socket: a usage error" \
    sh -c "[ $rc -eq 2 ] && grep -q 'the socket is empty' '$T/err'"
printf '%s\n' '{"actor":"svc:a","customer":"c-5","purpose":"service-provision","action":"read"}' > in
run sh -c "AUDITLOG_SOCKET='$SOCK' '$AUDITLOG' record --batch < in"
check "\$AUDITLOG_SOCKET: record --batch too" \
    sh -c "[ $rc -eq 0 ] && grep -q '\"decision\":\"allow\"' '$T/out'"

# contrib/example.c: a socket is al_connect's, a folder al_open's.
top=$(cd "$here/.." && pwd)
# A library built with sanitizers (make SAN=1) wants them in the program.
san=
nm -D "$AUDITLOG_BUILD/libauditlog.so" 2>/dev/null | grep -q __asan_init &&
    san="-fsanitize=address,undefined"
# shellcheck disable=SC2086 # $san: none, or one flag
if cc -std=c11 -Wall -Wextra -Werror $san -I"$top/include" -o example \
    "$top/contrib/example.c" -L"$AUDITLOG_BUILD" -lauditlog \
    -Wl,-rpath,"$AUDITLOG_BUILD" 2>cc.err; then
	expect 0 "contrib/example.c records through the socket" ./example \
	    "$SOCK" svc:a c-6 service-provision read
	check "...printing the seq" grep -Eqx '[0-9]+' "$T/out"
	expect 1 "...and is refused a denied access" ./example "$SOCK" alice \
	    c-6 marketing read
	expect 0 "...and records in a folder's log directly" ./example \
	    "$T/twin" svc:a c-6 service-provision read
else
	not_ok "contrib/example.c builds against the library"
	sed 's/^/#   /' cc.err
fi

# Reading commands read the files, -s or not.
expect 0 "check, with -s and -d, decides from the log's files" \
    "$AUDITLOG" -s "$SOCK" -d "$T/log" check --actor svc:a --customer c-1 \
    --purpose service-provision --action read
check "...as check does" out_has "allow default.policy:"
expect 0 "verify with -s and -d reads the log" "$AUDITLOG" -s "$SOCK" -d "$T/log" verify
n0=$(al log --json | wc -l)
stop_daemon
expect 0 "the daemon's log verifies after it stopped" al verify

# --- fail closed -----------------------------------------------------------
t0=$(date +%s)
expect 3 "no daemon: exit 3" "$AUDITLOG" -s "$SOCK" record --actor svc:a \
    --customer c-1 --purpose service-provision --action read
t1=$(date +%s)
check "...naming the socket" err_has "auditlog: record: $SOCK: cannot reach auditlogd: No such file or directory; nothing was recorded"
check "...at once (under 2 s)" [ $((t1 - t0)) -lt 2 ]
printf '%s\n' '{"actor":"svc:a","customer":"c-1","purpose":"service-provision","action":"read"}' > in
run sh -c "'$AUDITLOG' -s '$SOCK' record --batch < in"
check "record --batch, no daemon: exit 3, no result line" \
    sh -c "[ $rc -eq 3 ] && [ ! -s '$T/out' ] && grep -q 'cannot reach auditlogd' '$T/err'"
# A socket file nobody listens on (a daemon killed): refused.
start_daemon || exit 1
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
dpid=
expect 3 "a stale socket: exit 3" "$AUDITLOG" -s "$SOCK" record --actor svc:a \
    --customer c-1 --purpose service-provision --action read
check "...saying so" err_has "$SOCK: cannot reach auditlogd: Connection refused"

start_daemon || exit 1
kill -STOP "$dpid"
t0=$(date +%s%N)
expect 3 "a stopped daemon (SIGSTOP), --timeout 1: exit 3" "$AUDITLOG" \
    --timeout 1 -s "$SOCK" record --actor svc:a --customer c-1 \
    --purpose service-provision --action read
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "...after the timeout, not long after ($ms ms)" [ $ms -ge 1000 ] && [ $ms -lt 3000 ]
check "...saying so" err_has "auditlog: record: $SOCK: no reply from auditlogd within 1000 ms"
check "...printing no seq" [ ! -s "$T/out" ]
run sh -c "'$AUDITLOG' --timeout 1 -s '$SOCK' record --batch < in"
check "record --batch, a stopped daemon: exit 3, no result line" \
    sh -c "[ $rc -eq 3 ] && [ ! -s '$T/out' ] && grep -q 'no reply from auditlogd within 1000 ms' '$T/err'"
tap "$CLIENT" stopped "$SOCK"
kill -CONT "$dpid"
_i=0
while [ "$(al log --json | wc -l)" -lt $((n0 + 3)) ] && [ $_i -lt 100 ]; do
	sleep 0.05
	_i=$((_i + 1))
done
stop_daemon
# What the stopped daemon read it then answered to nobody: attempts whose
# callers refused themselves, in the log all the same.
check "...the requests a stopped daemon held are in the log all the same" \
    [ "$(al log --json | wc -l)" -ge $((n0 + 3)) ]
expect 0 "the log verifies" al verify

# --- record --batch when the daemon fails mid-stream ------------------------
# pending OUT: the lines of OUT in input order, each with a seq until the
# first that says "not recorded" or leaves a line out (none after it);
# every seq said in ./flog's log
pending() {
	awk '{
		n = $0; sub(/^\{"line":/, "", n); sub(/,.*/, "", n); n += 0
		if (n <= last) { print "# out of order: " $0; bad = 1 }
		if (n != last + 1) gap = 1
		if ($0 ~ /"seq":/ && (gap || nr)) { print "# said after a line unsaid: " $0; bad = 1 }
		if ($0 ~ /"error":"not recorded: /) nr = 1
		last = n
	} END { exit bad }' "$1" || return 1
	sed -n 's/.*"seq":\([0-9]*\),.*/\1/p' "$1" | sort > acked.seqs
	"$AUDITLOG" -d "$T/flog" log --json |
	    sed -n 's/^{"version":[0-9]*,"seq":\([0-9]*\),.*/\1/p' | sort > log.seqs
	[ -s acked.seqs ] && [ -z "$(comm -23 acked.seqs log.seqs)" ]
}
awk 'BEGIN { for (i = 1; i <= 20000; i++)
	if (i % 500 == 7) print "{\"op\":\"x\"}"
	else printf "{\"actor\":\"svc:a\",\"customer\":\"c-%d\",\"purpose\":\"service-provision\",\"action\":\"read\"}\n", i }' > in
"$AUDITLOG" -d "$T/flog" init > /dev/null || exit 1
shim=$AUDITLOG_BUILD/tests/faults/libfaultshim.so
if [ -f "$shim" ]; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	export ASAN_OPTIONS
	DENV="LD_PRELOAD=$shim FAULT_FUNC=fdatasync FAULT_NTH=3 FAULT_ERRNO=5 FAULT_PATH=$T/flog"
	daemon_start "$T/flog" || exit 1
	DENV=
	fpid=$dpid
	run sh -c "'$AUDITLOG' -s '$SOCK' record --batch < in"
	wait "$fpid"
	dpid=
	check "record --batch, a storage failure in the daemon: exit 3" [ $rc -eq 3 ]
	check "...saying the daemon's reason once" \
	    [ "$(cat "$T/err")" = "auditlog: record: not recorded: commit: Input/output error" ]
	check "...the lines acknowledged before it said, then \"not recorded\" for each line sent" \
	    sh -c "grep -q '\"seq\"' '$T/out' && grep -q '\"error\":\"not recorded: commit: Input/output error\"}' '$T/out'"
	check "...in order, none missing, each seq said in the log" pending "$T/out"
	check "...and not the lines never sent" [ "$(wc -l < "$T/out")" -lt 20000 ]
	expect 0 "...the log verifies" "$AUDITLOG" -d "$T/flog" verify
else
	ok "record --batch, a storage failure in the daemon # SKIP the fault shim is not built"
fi
# The daemon killed while lines are on their way: what it acknowledged is
# said and recorded, what it did not is not said.
daemon_start "$T/flog" || exit 1
: > kill.out
"$AUDITLOG" -s "$SOCK" record --batch < in > kill.out 2> kill.err & bp=$!
i=0
while [ "$(wc -l < kill.out)" -lt 1000 ] && [ $i -lt 200 ]; do
	sleep 0.01
	i=$((i + 1))
done
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
dpid=
wait $bp
brc=$?
check "record --batch, the daemon killed mid-stream: exit 3" [ $brc -eq 3 ]
check "...saying the connection ended" \
    grep -Eq "^auditlog: record: $SOCK: (auditlogd closed the connection without a reply|auditlogd Connection reset by peer|cannot send to auditlogd: (Broken pipe|Connection reset by peer))\$" kill.err
check "...the lines acknowledged said, in order, each seq in the log" \
    pending kill.out
check "...none else but those parsed here" \
    sh -c "[ \$(wc -l < kill.out) -lt 20000 ] && ! grep -q 'not recorded' kill.out"
expect 0 "...the log verifies" "$AUDITLOG" -d "$T/flog" verify
# --timeout is the daemon's deadline, not the reader's of the results
# (this daemon's --idle-timeout is the default, 30 s).
daemon_start "$T/flog" || exit 1
awk 'BEGIN { for (i = 1; i <= 12000; i++) print "{\"actor\":\"svc:a\",\"customer\":\"c-9\",\"purpose\":\"service-provision\",\"action\":\"read\"}" }' > in
{ "$AUDITLOG" --timeout 1 -s "$SOCK" record --batch < in 2> slow.err
	echo $? > slow.rc; } | { sleep 2.5; cat > slow.out; }
check "record --batch, --timeout 1 and a reader that waits 2.5 s: every result, exit 0" \
    sh -c "[ \$(cat slow.rc) -eq 0 ] && [ \$(wc -l < slow.out) -eq 12000 ] && [ ! -s slow.err ]"
stop_daemon

# --- identity: the kernel's, whatever --actor says --------------------------
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null 2>&1; then
	ok "a writer service as a user of its own # SKIP needs root (and useradd) to make throwaway users"
else
	r=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	grp=alg$r
	usr=alu$r
	groupadd -r "$grp" && groups="$grp"
	useradd -r -M -N -g "$grp" -s /usr/sbin/nologin "$usr" && users="$usr"
	chmod 711 "$T"
	chgrp "$grp" "$T/run"
	chmod 750 "$T/run"
	# a writer line that lets it claim any actor for service billing
	{ al policy show; echo "writer user $usr service billing actor *"; } > svc.policy
	al policy set svc.policy --actor root > /dev/null || not_ok "policy set svc.policy"
	start_daemon --socket-group "$grp" || exit 1
	run runuser -u "$usr" -- "$AUDITLOG" -s "$SOCK" record --actor root \
	    --customer c-9 --purpose technical-fix --ref INC-7 --action read \
	    --service billing
	seq=$(cat "$T/out")
	[ $rc -eq 0 ] || sed "s/^/#   /" "$T/err"
	check "a user in the socket's group records with -s" \
	    sh -c "[ $rc -eq 0 ] && [ -n '$seq' ]"
	al log --json --customer c-9 > logged.json
	check "...its entry's uid is its own, whatever --actor says" \
	    [ "$(sed -n "s/.*\"seq\":$seq,.*\"uid\":\([0-9]*\),.*/\1/p" logged.json)" = "$(id -u "$usr")" ]
	check "...and the actor is the claim, as claimed" \
	    grep -q "\"seq\":$seq,.*\"actor\":\"root\"" logged.json
	run runuser -u "$usr" -- env AUDITLOG_SOCKET="$SOCK" "$AUDITLOG" \
	    record --actor root --customer c-9 --purpose marketing --action read
	check "...a denial through \$AUDITLOG_SOCKET: exit 1 with the reason" \
	    sh -c "[ $rc -eq 1 ] && grep -q 'deny floor' '$T/err'"
	stop_daemon
fi

check "no daemon reported a sanitizer error" \
    sh -c "! grep -Eq 'Sanitizer|runtime error' '$T/daemon.err'"

done_testing
