#!/bin/sh
# t16-umask.sh - whatever the umask, the log folder is 0700 and every file
# in it 0600, after each command that creates or writes files (init,
# record, record --batch, policy set, export -o, report, checkpoint --sign,
# and record after the lock file went); an export's bundle and a secret
# key are 0600 (a public key 0644), and an export leaves no scratch file
. "$(dirname "$0")/lib.sh"

ok_line='{"actor":"svc:a","customer":"acme","purpose":"service-provision","action":"read"}'
printf '%s\n' "$ok_line" "$ok_line" > batch.jsonl
# within the floor (a purpose it permits), for a single-person log
printf '%s\n' 'purpose support-ticket "a small policy"' 'group g "dave"' \
    'allow g purpose support-ticket action read' > small.policy
chmod 644 small.policy

# log_modes DIR: the folder 0700, holding only data.mdb and lock.mdb (and
# writer.lock, which writers lock), 0600
log_modes() {
	_bad=
	[ "$(stat -c %a "$1")" = 700 ] || _bad="$_bad $1:$(stat -c %a "$1")"
	for _f in "$1"/* "$1"/.[!.]*; do
		[ -e "$_f" ] || continue
		case ${_f##*/} in
		data.mdb|lock.mdb|writer.lock) ;;
		*)	_bad="$_bad unexpected:${_f##*/}" ;;
		esac
		[ "$(stat -c %a "$_f")" = 600 ] ||
		    _bad="$_bad ${_f##*/}:$(stat -c %a "$_f")"
	done
	[ -e "$1/data.mdb" ] && [ -e "$1/lock.mdb" ] || _bad="$_bad missing"
	[ -z "$_bad" ] || {
		echo "#   modes:$_bad"
		return 1
	}
}

# under MASK CMD...: run the tool with that umask; status in $rc
under() {
	_mask=$1
	shift
	(umask "$_mask" && "$AUDITLOG" "$@") >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -le 1 ] || sed 's/^/#   err: /' "$T/err" | head -n 5
}

for mask in 000 022 077 777; do
	d=$T/m$mask
	mkdir "$d"
	chmod 755 "$d"
	log=$d/log
	under "$mask" -d "$log" init --approvers 1
	check "umask $mask: init exits 0" [ "$rc" -eq 0 ]
	check "umask $mask: init makes 0700 and 0600" log_modes "$log"

	under "$mask" -d "$log" record --actor svc:a --customer acme \
	    --purpose service-provision --action read
	check "umask $mask: record exits 0" [ "$rc" -eq 0 ]
	check "umask $mask: after record, 0700 and 0600" log_modes "$log"

	(umask "$mask" && "$AUDITLOG" -d "$log" record --batch \
	    < batch.jsonl) >"$T/out" 2>"$T/err"
	check "umask $mask: record --batch exits 0" [ "$?" -eq 0 ]
	check "umask $mask: after record --batch, 0700 and 0600" \
	    log_modes "$log"

	under "$mask" -d "$log" policy set "$T/small.policy" --actor carol
	check "umask $mask: policy set exits 0" [ "$rc" -eq 0 ]
	check "umask $mask: after policy set, 0700 and 0600" log_modes "$log"

	mkdir "$d/out"
	chmod 755 "$d/out"
	under "$mask" -d "$log" export -o "$d/out/b.tar.gz"
	check "umask $mask: export exits 0" [ "$rc" -eq 0 ]
	check "umask $mask: the bundle is 0600" \
	    [ "$(stat -c %a "$d/out/b.tar.gz" 2>&1)" = 600 ]
	check "umask $mask: ...and is all the export left there" \
	    [ "$(ls -A "$d/out")" = b.tar.gz ]
	check "umask $mask: after export, 0700 and 0600" log_modes "$log"
	under "$mask" -d "$log" report
	check "umask $mask: after report, 0700 and 0600" log_modes "$log"

	# A signing key: the secret half 0600, the public one 0644.
	under "$mask" keygen -o "$d/out/k"
	check "umask $mask: keygen exits 0" [ "$rc" -eq 0 ]
	check "umask $mask: the secret key is 0600, the public one 0644" \
	    [ "$(stat -c %a "$d/out/k.key" 2>&1) $(stat -c %a \
	    "$d/out/k.pub" 2>&1)" = "600 644" ]
	under "$mask" -d "$log" checkpoint --sign "$d/out/k.key" \
	    --actor carol
	check "umask $mask: checkpoint --sign exits 0" [ "$rc" -eq 0 ]
	check "umask $mask: after checkpoint --sign, 0700 and 0600" \
	    log_modes "$log"

	# LMDB makes a missing lock file again, 0600 less the umask: a umask
	# that takes the owner's own bits makes it tighter, never wider (only
	# init sets 0600 itself: core/log.c, tighten).
	rm -f "$log/lock.mdb"
	under "$mask" -d "$log" record --actor dave --customer acme \
	    --purpose support-ticket --action read
	check "umask $mask: record without lock.mdb exits 0" [ "$rc" -eq 0 ]
	if [ "$mask" = 777 ]; then
		m=$(stat -c %a "$log/lock.mdb")
		check "umask $mask: ...which it makes no wider than 0600" \
		    [ $((0$m & ~0600)) -eq 0 ]
	else
		check "umask $mask: ...which it makes 0600" log_modes "$log"
	fi
done

# The check can fail: a file others may read, or one too many, is caught.
d=$T/m000/log
chmod 600 "$d/lock.mdb"
check "a log as it should be passes" log_modes "$d"
chmod 644 "$d/lock.mdb"
check "a lock.mdb of 0644 is caught" eval '! log_modes "$d" >/dev/null'
chmod 600 "$d/lock.mdb"
: > "$d/stray"
chmod 600 "$d/stray"
check "a stray file in the folder is caught" eval '! log_modes "$d" >/dev/null'
rm -f "$d/stray"
chmod 750 "$d"
check "a folder of 0750 is caught" eval '! log_modes "$d" >/dev/null'
done_testing
