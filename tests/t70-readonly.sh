#!/bin/sh
# t70-readonly.sh - verify, log and head work on a read-only copy of a log;
# record on a log it cannot write fails closed (exit 3, nothing recorded)
. "$(dirname "$0")/lib.sh"

newlog
al record --actor svc:a --customer acme --purpose service-provision \
    --action read >/dev/null
al head > anchor
cp -a log ro
chmod 755 "$T" ro
chmod 444 ro/data.mdb ro/lock.mdb

# Root reads and writes anything: look through an unprivileged user's eyes.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
	expect 0 "verify as a user who cannot write the log" \
	    nobody "$AUDITLOG" -d "$T/ro" verify --expect "$(tr ' ' : < anchor)"
	check "...verifies it" out_has "verified: the chain is intact"
	expect 0 "log as that user" nobody "$AUDITLOG" -d "$T/ro" log
	expect 0 "head as that user" nobody "$AUDITLOG" -d "$T/ro" head
	check "...prints the same head" sh -c "[ \"\$(cat '$T/out')\" = \"\$(cat anchor)\" ]"
	expect 3 "record where the log cannot be written fails closed" \
	    nobody "$AUDITLOG" -d "$T/ro" record --actor svc:a --customer acme \
	    --purpose service-provision --action read
	check "...saying why" err_has "not by this user (uid 65534): a log is written by its owner only"
	check "...and recording nothing" [ "$("$AUDITLOG" -d ro head)" = "$(cat anchor)" ]
else
	echo "ok 1 # skip: needs root and setpriv to act as an unprivileged user"
	n=1
fi
# As anyone: a read-only data file still verifies.
expect 0 "verify on read-only files" "$AUDITLOG" -d ro verify
done_testing
