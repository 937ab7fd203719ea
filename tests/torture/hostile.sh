# hostile.sh - sourced after tests/lib.sh: run every case of hostile.tsv
# against a small log and print one TAP line per case.
#
# A case passes when its command exits with the expected status, its message
# is on stderr (or stdout: record --batch answers malformed lines there), it
# ends by itself (no signal, no sanitizer report), and the log's head is
# unchanged.  A case with a known bug (fifth column) that still shows the bug
# prints "ok ... # KNOWN BUG: ..." so that make check passes while the bug is
# open; one that behaves as documented again says so.
: "${AUDITLOG:?}"
hostile_tsv=${HOSTILE_TSV:-$here/torture/hostile.tsv}
W=$T

# helpers the table's commands use
al() { "$AUDITLOG" -d "$W/log" "$@"; }
rec() { al record "$@"; }
chk() { al check "$@"; }
# shellcheck disable=SC2059
b() { printf "$1"; }			# bytes from printf escapes
rep() { head -c "$2" /dev/zero | tr '\0' "$1"; }
batch() { printf '%s\n' "$1" | al record --batch; }
polset() {				# polset TEXT: policy set of a 0600 file
	printf '%s\n' "$1" >"$W/case.policy"
	chmod 600 "$W/case.policy"
	al policy set "$W/case.policy" --actor mallory
}

newlog
al record --actor svc:a --customer acme --purpose service-provision \
    --action read >/dev/null
al record --actor bob --customer acme --purpose marketing --action read \
    2>/dev/null
# good.policy: a policy the floor lets in, so that each case fails for its own
# reason
printf 'purpose support-ticket "d"\n' >"$W/good.policy"
{ printf '{"actor":"'; rep a 10485760; printf '","customer":"acme",'
  printf '"purpose":"service-provision","action":"read"}\n'; } >"$W/big.jsonl"
{ printf '# 2 MiB of comment\n'; i=0; while [ $i -lt 16 ]; do
	printf '# %s\n' "$(rep x 131072)"; i=$((i + 1)); done; } >"$W/huge.policy"
chmod 600 "$W/huge.policy"
al export -o "$W/good.tgz" >/dev/null 2>&1 &&
    python3 "$(dirname "$hostile_tsv")/mkbundles.py" "$W/good.tgz" "$W" ||
    not_ok "hostile: could not make the bundles"
head0=$(al head)

hostile_cases=0
hostile_asdoc=0
hostile_known=0
while IFS='	' read -r desc cmd want msg bug; do
	case $desc in '#'*|'') continue;; esac
	hostile_cases=$((hostile_cases + 1))
	(eval "$cmd") >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	why=
	[ "$rc" -eq "$want" ] || why="exit $rc, wanted $want"
	if ! grep -qF -- "$msg" "$T/err" && ! grep -qF -- "$msg" "$T/out"; then
		why="${why:+$why; }no '$msg' in: $(head -c 200 "$T/err" | tr '\n' ' ')$(head -c 200 "$T/out" | tr '\n' ' ')"
	fi
	grep -qE 'Sanitizer|runtime error:' "$T/err" && why="${why:+$why; }sanitizer report"
	[ "$rc" -lt 128 ] || why="${why:+$why; }killed by a signal"
	head1=$(al head)
	[ "$head1" = "$head0" ] || {
		why="${why:+$why; }the log changed (head $head1)"
		head0=$head1
	}
	if [ -z "$why" ]; then
		hostile_asdoc=$((hostile_asdoc + 1))
		if [ -n "$bug" ]; then
			ok "$desc (exit $rc) # known bug no longer shows: $bug"
		else
			ok "$desc (exit $rc)"
		fi
	elif [ -n "$bug" ]; then
		hostile_known=$((hostile_known + 1))
		ok "$desc # KNOWN BUG: $bug ($why)"
	else
		not_ok "$desc: $why"
	fi
done <"$hostile_tsv"
echo "# hostile: $hostile_asdoc of $hostile_cases cases as documented, $hostile_known known bugs"
