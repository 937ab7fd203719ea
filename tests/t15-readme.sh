#!/bin/sh
# t15-readme.sh - README.md's shell examples run as written, as doctests
# do: every block fenced ```sh, in order, each in a fresh `sh -e` in one
# folder, on a scratch log ($AUDITLOG_DB), with the built tool first on
# PATH and a scratch HOME; the folder holds build/auditlog and the demo's
# log, build/demo, as `make demo` leaves them.  A block fenced ```sh-notest
# (building or installing the tool itself) is skipped, and counted.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"
readme=$top/README.md

mkdir -p work/build home blocks
ln -s "$AUDITLOG" work/build/auditlog
if ! AUDITLOG_BIN=$AUDITLOG AUDITLOGD_BIN=$AUDITLOG_BUILD/auditlogd \
    sh "$top/testdata/demo.sh" work/build/demo \
    >demo.out 2>&1; then
	not_ok "the demo runs"
	sed 's/^/#   /' demo.out | tail -n 10
	done_testing
	exit
fi

# The blocks, one file each, named for the line of their opening fence;
# a fence of any other shell-like kind is an error, never a silent skip.
awk -v dir="$T/blocks" '
	/^ *```/ && !inside {
		fence = $0
		sub(/^ *```/, "", fence)
		inside = 1
		start = NR
		if (fence == "sh")
			file = sprintf("%s/%05d.sh", dir, NR)
		else if (fence == "sh-notest")
			file = sprintf("%s/%05d.notest", dir, NR)
		else if (fence == "")
			file = ""
		else
			file = sprintf("%s/%05d.unknown-%s", dir, NR, fence)
		if (file != "")
			printf "" > file
		next
	}
	/^ *```$/ && inside { inside = 0; if (file != "") close(file); next }
	inside && file != "" { sub(/^  /, ""); print > file }
' "$readme"

unknown=$(ls blocks | grep -c unknown)
check "every code block is fenced sh, sh-notest or plain" [ "$unknown" -eq 0 ]
notest=$(ls blocks | grep -c '\.notest$')
check "sh-notest is used sparingly (at most 3 blocks: building, installing)" \
    [ "$notest" -le 3 ]
nblocks=$(ls blocks | grep -c '\.sh$')
check "README.md has runnable blocks" [ "$nblocks" -ge 5 ]

# run_block FILE: as a reader would run it, output in $T/out, status in rc
run_block() {
	(
		cd "$T/work" &&
		HOME=$T/home AUDITLOG_DB=$T/db PATH="$T/work/build:$PATH" \
		    sh -e "$1"
	) >"$T/out" 2>&1
	rc=$?
}

for b in blocks/*.sh; do
	line=$(basename "$b" .sh | sed 's/^0*//')
	run_block "$T/$b"
	if [ "$rc" -eq 0 ]; then
		ok "README.md:$line: the block runs"
	else
		not_ok "README.md:$line: the block runs (exit $rc)"
		sed 's/^/#   /' "$b"
		sed 's/^/#   out: /' "$T/out" | tail -n 15
	fi
	check "README.md:$line: ...and finds what it looks for" sh -c \
	    "! grep -q 'no entries match' '$T/out'"
	cat "$T/out" >> all.out
done

# What the examples promise, held to: the demo log is where README says,
# the dated examples find today's entries, the bundle holds them.
check "the demo's log lists denied accesses" grep -q "DENIED" demo.out
check "the demo refuses a one-step policy change on a two-person log" \
    grep -q "^auditlog: policy: this log needs 2 administrators" demo.out
check "...and the proposer's own approval" \
    grep -q "^auditlog: policy: approved by its own proposer, uid " demo.out
if [ "$(id -u)" -eq 0 ]; then
	check "...and the second administrator's approval activates it" \
	    grep -Eq "^activated [0-9a-f]{64} at seq [0-9]+$" demo.out
	check "...which policy history lists" grep -Eq \
	    "^[0-9]+ +[0-9TZ:-]+ +uid:4242 +4242 +- +activation " demo.out
else
	ok "...the second administrator # SKIP needs root"
	ok "...policy history # SKIP needs root"
fi
check "the demo's policy below the floor is refused, by its lines" grep -qx \
    "sell.policy:1: purpose 'marketing' is forbidden by the floor (promise.floor:17)" \
    demo.out
check "...and the demo verifies at the end" sh -c \
    "tail -n 1 demo.out | grep -q '^verified: '"
check "...and leaves no scratch folder" \
    sh -c '[ ! -e work/build/demo.gov ] && [ ! -e work/build/demo.run ]'
check "the first steps find the tool and the demo log" grep -q \
    "^build/auditlog$" all.out
check "this month's export of acme holds its entries" grep -Eq \
    "^wrote acme-this-month.tar.gz: [1-9][0-9]* entries" all.out
check "...and the auditor's check passes" grep -Eq \
    "^bundle (verified|consistent): [1-9][0-9]* entries" all.out
check "the keys went where the example put them" \
    sh -c '[ -f home/keys/signer.key ] && [ -f home/keys/signer.pub ]'

# A block that fails fails the test: the runner is no rubber stamp.
printf 'auditlog -d nowhere verify\necho after\n' > bad.sh
run_block "$T/bad.sh"
check "the runner stops a block at its first failing command" \
    sh -c "[ $rc -eq 3 ] && ! grep -q after '$T/out'"

done_testing
