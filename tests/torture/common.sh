# common.sh - sourced by each tests/torture/*.sh row: a fresh folder that is
# removed on exit, the binary under test, and the one line a row reports.
set -u
: "${AUDITLOG:?AUDITLOG must name the auditlog binary}"
export LC_ALL=C TZ=UTC
unset AUDITLOG_DB AUDITLOG_SERVICE
W=$(mktemp -d "${TMPDIR:-/tmp}/auditlog-torture.XXXXXX") || exit 1
trap 'cd /; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP
cd "$W" || exit 1

# al ARGS...: auditlog on ./log
al() { "$AUDITLOG" -d "$W/log" "$@"; }

# note TEXT: a progress line for whoever watches (stderr)
note() { echo "#   $*" >&2; }

# row KIND FIGURE TARGET OK [NOTE]: the row's result, the last line on stdout
row() {
	if [ "$4" -eq 1 ]; then _r=PASS; else _r=MISS; fi
	printf 'ROW\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$_r" "${5:-}"
}

# lines N [PREFIX]: N JSON lines for record --batch, each allowed
lines() {
	awk -v n="$1" -v p="${2:-b}" 'BEGIN { for (i = 0; i < n; i++)
	    printf "{\"actor\":\"svc:%s\",\"customer\":\"c%d\",\"purpose\":\"service-provision\",\"action\":\"read\",\"resource\":\"r/%d\"}\n", p, i % 50, i }'
}

# seqs_of FILE: the seqs in record's or record --batch's output, one a line.
# Only whole lines count: a writer killed while its output is flushed (in
# stdio-sized pieces) may leave its last line cut, and a line cut after
# '"seq":' reports no seq to anyone.
seqs_of() {
	if [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -A n -t x1 | tr -d ' ')" != 0a ]
	then
		sed '$d' "$1"
	else
		cat "$1"
	fi | sed -n 's/^{"line":[0-9]*,"seq":\([0-9][0-9]*\),.*}$/\1/p; t
	    /^[0-9][0-9]*$/p'
}

# logged_seqs: every seq in ./log, sorted as text (for comm)
logged_seqs() {
	al log --json | cut -d, -f2 | cut -d: -f2 | sort
}

# sane: the last status (in $rc, set by the caller) and stderr ($W/err) show no crash
sane() {
	# shellcheck disable=SC2154
	[ "$rc" -lt 124 ] && ! grep -qE 'Sanitizer|runtime error:' "$W/err"
}
