#!/bin/sh
# t77-faults.sh - fail closed: every step of a write failed in turn, in the
# library (tests/faults/faults: LMDB's and libc's calls) and in the tool
# (record and record --batch, with libc's calls failed through LD_PRELOAD:
# the tool links LMDB statically).  Each failure is an error, never a
# silent success, and the log still verifies and holds all of the write
# or none of it (issue 5).
. "$(dirname "$0")/lib.sh"

bin=${AUDITLOG_BUILD:-$(dirname "$AUDITLOG")}/tests/faults
shim=$bin/libfaultshim.so
if [ ! -x "$bin/faults" ] || [ ! -f "$shim" ]; then
	not_ok "tests/faults is built ($bin)"
	done_testing
	exit
fi

# The logs go in memory when there is a tmpfs for it: a few hundred
# fsyncs on a disk take a while, and no fault here needs a disk.
W=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	W=$(mktemp -d /dev/shm/auditlog-faults.XXXXXX) || W=
fi
[ -n "$W" ] || { W=$T/w && mkdir "$W"; } || exit 1
trap 'rm -rf "$T" "$W"' EXIT

# The library: its own TAP lines, numbered after ours.
mkdir "$W/lib"
${AUDITLOG_WRAP:+"$AUDITLOG_WRAP/run"} "$bin/faults" "$W/lib" \
    >"$T/lib.tap" 2>"$T/lib.err"
frc=$?
while IFS= read -r line; do
	case $line in
	"ok "*)		ok "faults: ${line#ok [0-9]* - }" ;;
	"not ok "*)	not_ok "faults: ${line#not ok [0-9]* - }" ;;
	"#"*)		echo "$line" ;;
	esac
done <"$T/lib.tap"
[ "$frc" -eq 0 ] || {
	not_ok "faults exited $frc"
	sed 's/^/#   /' "$T/lib.err" | head -n 20
}

# The tool: each libc call of a write failed in turn, until the command
# makes fewer calls than that (at most 100).  The shim touches $T/fired
# when it fails a call, and counts only opens in the log's folder (jansson
# reads /dev/urandom for its hash seed, and does without).
"$AUDITLOG" -d "$W/base" init >/dev/null || exit 1
head0=$("$AUDITLOG" -d "$W/base" head)
# ASan wants to be first among the libraries; the shim intercepts nothing
# it does.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
line='{"actor":"svc:a","customer":"acme","purpose":"service-provision","action":"read"}'
printf '%s\n' "$line" "$line" "$line" "$line" > "$T/batch.jsonl"
injected=0
caught=0
for cmd in record batch; do
	for fn in open pwrite writev write fdatasync fsync msync ftruncate; do
		nth=1
		calls=
		why=
		while [ "$nth" -le 100 ]; do
			rm -rf "$W/log" "$T/fired"
			cp -R "$W/base" "$W/log"
			if [ "$cmd" = record ]; then
				LD_PRELOAD=$shim FAULT_FUNC=$fn FAULT_NTH=$nth \
				    FAULT_ERRNO=5 FAULT_REPORT=$T/fired FAULT_PATH=$W/log \
				    "$AUDITLOG" -d "$W/log" record --actor svc:a \
				    --customer acme --purpose service-provision \
				    --action read >"$T/out" 2>"$T/err"
				rc=$?
				want=1
			else
				LD_PRELOAD=$shim FAULT_FUNC=$fn FAULT_NTH=$nth \
				    FAULT_ERRNO=5 FAULT_REPORT=$T/fired FAULT_PATH=$W/log \
				    "$AUDITLOG" -d "$W/log" record --batch \
				    --batch-size 2 <"$T/batch.jsonl" >"$T/out" \
				    2>"$T/err"
				rc=$?
				want=4
			fi
			# What was acknowledged: every seq printed is durable.
			acked=$(grep -cE '"seq":[0-9]+|^[0-9]+$' "$T/out")
			if ! "$AUDITLOG" -d "$W/log" verify >"$T/vout" 2>&1; then
				why="call $nth: verify fails: $(head -c 200 "$T/vout")"
				break
			fi
			head1=$("$AUDITLOG" -d "$W/log" head)
			nseq=$(( ${head1%% *} - ${head0%% *} ))
			if [ -e "$T/fired" ]; then
				injected=$((injected + 1))
				if [ "$rc" -ne 3 ] || [ ! -s "$T/err" ]; then
					why="call $nth: exit $rc, stderr '$(head -c 200 "$T/err")'"
					break
				fi
				caught=$((caught + 1))
				if [ "$nseq" -ne "$acked" ]; then
					why="call $nth: $acked acknowledged, $nseq in the log"
					break
				fi
			else
				calls=$((nth - 1))
				if [ "$rc" -ne 0 ] || [ "$nseq" -ne "$want" ] ||
				    [ "$acked" -ne "$want" ]; then
					why="no fault: exit $rc, $nseq entries, $acked acknowledged"
				fi
				break
			fi
			nth=$((nth + 1))
		done
		if [ -z "$calls" ] && [ -z "$why" ]; then
			why="still calling $fn after 100 calls"
		fi
		if [ -z "$why" ] && [ "$calls" -eq 0 ]; then
			ok "$cmd: makes no call of $fn"
		elif [ -z "$why" ]; then
			ok "$cmd: $fn failed at each of its $calls calls: exit 3, nothing unacknowledged written"
		else
			not_ok "$cmd: $fn: $why"
			sed 's/^/#   err: /' "$T/err" | head -n 5
		fi
	done
done
check "the tool: $injected injected failures, $caught exit 3 with a message" \
    eval '[ "$injected" -gt 0 ] && [ "$caught" -eq "$injected" ]'
done_testing
