#!/bin/sh
# t10-record.sh - init, record, check, head: the command-line contract
. "$(dirname "$0")/lib.sh"

# init
expect 0 "init creates a log" al init
check "init says what it made" out_is "initialized $T/log with policy default.policy
floor promise.floor; a policy change needs 2 administrators"
check "the log folder is 0700" [ "$(stat -c %a log)" = 700 ]
check "data.mdb is 0600" [ "$(stat -c %a log/data.mdb)" = 600 ]
check "lock.mdb is 0600" [ "$(stat -c %a log/lock.mdb)" = 600 ]
expect 3 "a second init is refused" al init
check "...saying a log is there" err_has "a log already exists"
mkdir -m 777 open
chmod 777 open
expect 3 "init refuses a folder others can write" "$AUDITLOG" -d open init
check "...and says so" err_has "everyone can write to it; a log folder must be writable only by its owner"
check "...and leaves nothing there" [ ! -e open/data.mdb ]
printf 'bogus\n' > bad.policy
expect 2 "init refuses a bad policy" "$AUDITLOG" -d fresh init --policy bad.policy
check "...reporting file:line:col" err_has "bad.policy:1:1: expected 'purpose'"
check "...and creates no log" [ ! -e fresh/data.mdb ]
(umask 0; mkdir -p u && "$AUDITLOG" -d u/log init >/dev/null 2>&1)
check "files are 0600 whatever the umask" \
    [ "$(stat -c %a u/log/data.mdb)" = 600 ] && [ "$(stat -c %a u/log)" = 700 ]

# record: allowed
expect 0 "an allowed access exits 0" al record --actor svc:billing \
    --customer acme --purpose service-provision --action read --data billing \
    --resource invoices/2026-11
check "...and prints its seq (the floor at 1, the policy at 2)" out_is 3
check "...with nothing on stderr" [ ! -s "$T/err" ]
expect 0 "a support access with a ticket is allowed" al record --actor alice \
    --customer acme --purpose support-ticket --ref SUP-4711 --action read \
    --data contact
check "...as seq 4" out_is 4

# record: denied, and recorded; the floor decides first
expect 1 "marketing is denied" al record --actor alice --customer acme \
    --purpose marketing --action read
check "...by the floor, with the reason on stderr" [ "$(cat "$T/err")" = \
    "auditlog: record: deny floor (seq 5): the floor forbids purpose 'marketing' (promise.floor:17)" ]
check "...and nothing on stdout" [ ! -s "$T/out" ]
expect 1 "a support access without a ticket is denied" al record \
    --actor alice --customer acme --purpose support-ticket --action read
check "...naming the missing reference" err_has \
    "deny missing-ref (seq 6): purpose 'support-ticket' needs a reference (--ref) matching 'SUP-[1-9][0-9]{0,9}'"
expect 1 "selling is denied" al record --actor svc:billing --customer acme \
    --purpose service-provision --action sell
check "...by the floor, whatever the policy" [ "$(cat "$T/err")" = \
    "auditlog: record: deny floor (seq 7): the floor forbids action 'sell' whatever the purpose (promise.floor:14)" ]
expect 1 "a malformed ticket is denied" al record --actor bob --customer acme \
    --purpose support-ticket --ref 4711 --action read
check "...naming the pattern" err_has "reference '4711' does not match 'SUP-[1-9][0-9]{0,9}'"
expect 0 "head after six accesses" al head
check "...is seq 8" sh -c "grep -Eq '^8 [0-9a-f]{64}\$' '$T/out'"
head1=$(cat "$T/out")

# bad input: exit 2, nothing written
long=$(printf '%0257d' 0)
for case in \
    "missing actor|actor is required|--customer acme --purpose p --action read" \
    "missing customer|customer is required|--actor a --purpose p --action read" \
    "missing purpose|purpose is required|--actor a --customer c --action read" \
    "missing action|action is required|--actor a --customer c --purpose p" \
    "empty ref|ref is empty|--actor a --customer c --purpose p --action r --ref=" \
    "empty data|data is empty|--actor a --customer c --purpose p --action r --data=" \
    "long actor|actor is longer than 256 bytes|--actor $long --customer c --purpose p --action r" \
    "unknown flag|unknown option '--color'|--actor a --customer c --purpose p --action r --color red" \
    "repeated flag|--actor given twice|--actor a --actor b --customer c --purpose p --action r" \
    "stray argument|unexpected argument 'extra'|--actor a --customer c --purpose p --action r extra" \
    "flag without value|--action needs a value|--actor a --customer c --purpose p --action"
do
	name=${case%%|*}
	rest=${case#*|}
	want=${rest%%|*}
	args=${rest#*|}
	# shellcheck disable=SC2086
	expect 2 "bad input: $name is exit 2" al record $args
	check "...and says '$want'" err_has "$want"
done
nl='
'
for field in actor customer reason resource ref; do
	set -- --actor a --customer c --purpose p --action r
	case $field in
	actor) shift 2 ;;
	customer) set -- --actor a --purpose p --action r ;;
	esac
	expect 2 "a newline in --$field is refused" al record "$@" \
	    "--$field" "x${nl}y"
	check "...naming the field" err_has "$field holds a control character or invalid UTF-8 at byte 2"
done
al head > glob.before
for c in 'acme*' 'acme?' 'acme-[12]' 'ac]me'; do
	expect 2 "a customer id with a glob character ($c) is refused" \
	    al record --actor a --customer "$c" --purpose service-provision \
	    --action read
	check "...saying which" err_has "customer holds the glob character"
done
check "...and nothing was recorded" sh -c "[ \"\$('$AUDITLOG' -d '$T/log' head)\" = \"\$(cat glob.before)\" ]"
expect 2 "check refuses it too" al check --actor a --customer 'acme*' \
    --purpose service-provision --action read
check "...at its byte" err_has "customer holds the glob character '*' at byte 5"
expect 2 "a hostile stray argument is refused" al record --actor a \
    --customer c --purpose p --action r "$(printf 'x\033[2Jy')"
check "...and echoed escaped" err_has "unexpected argument 'x\\033[2Jy'"
expect 2 "an escape sequence is refused" al record --actor "$(printf 'a\033[2J')" \
    --customer c --purpose p --action r
expect 2 "invalid UTF-8 is refused" al record --actor "$(printf 'a\377')" \
    --customer c --purpose p --action r
expect 2 "a C1 control is refused" al record --actor "$(printf 'a\302\233')" \
    --customer c --purpose p --action r
expect 0 "nothing of that was recorded" al head
check "...the head did not move" out_is "$head1"

# check: decides, records nothing
expect 0 "check of an allowed access exits 0" al check --actor svc:billing \
    --customer acme --purpose service-provision --action read
check "...printing the rule" out_is "allow default.policy:24"
expect 1 "check of an unknown purpose exits 1" al check --actor alice \
    --customer acme --purpose curiosity --action read
check "...the floor's code and reason: no purpose the floor permits" out_is \
    "deny floor: purpose 'curiosity' is not one the floor permits (promise.floor:8)"
expect 1 "check of a person providing the service" al check --actor alice \
    --customer acme --purpose service-provision --action read
check "...names the actor" out_is \
    "deny actor-not-allowed: actor 'alice' is in no group allowed purpose 'service-provision'"
expect 1 "check of a forbidden data category" al check --actor alice \
    --customer acme --purpose support-ticket --ref SUP-1 --action read --data health
check "...names the category" out_is \
    "deny data-not-allowed: data category 'health' is not allowed for action 'read' under purpose 'support-ticket'"
expect 1 "check of a forbidden action" al check --actor alice \
    --customer acme --purpose support-ticket --ref SUP-1 --action delete
check "...names the action" out_is \
    "deny action-not-allowed: action 'delete' is not allowed for 'alice' under purpose 'support-ticket'"
expect 2 "check validates input too" al check --actor alice --customer acme \
    --purpose support-ticket --action ""
al head > head2
check "check recorded nothing" [ "$(cat head2)" = "$head1" ]

# the log must exist: record never creates one
expect 3 "record on a missing log is exit 3" "$AUDITLOG" -d nolog record \
    --actor a --customer c --purpose service-provision --action read
check "...naming auditlog init" err_has "no log at nolog (create one with 'auditlog init')"
check "...and creates nothing" [ ! -e nolog ]
mkdir notlog && echo garbage > notlog/data.mdb
expect 3 "record on a file that is not a log is exit 3" "$AUDITLOG" -d notlog \
    record --actor a --customer c --purpose service-provision --action read
expect 3 "head on a missing log is exit 3" "$AUDITLOG" -d nolog head

# where the log is: -d, else $AUDITLOG_DB, else /var/lib/auditlog
AUDITLOG_DB="$T/log" "$AUDITLOG" head > envhead 2>&1
check "\$AUDITLOG_DB names the log" [ "$(cat envhead)" = "$head1" ]
AUDITLOG_DB="$T/nowhere" "$AUDITLOG" -d "$T/log" head > envhead 2>&1
check "-d wins over \$AUDITLOG_DB" [ "$(cat envhead)" = "$head1" ]

# origin: --service, else $AUDITLOG_SERVICE
AUDITLOG_SERVICE=billing-api al record --actor svc:billing --customer acme \
    --purpose service-provision --action read >/dev/null
al record --actor svc:billing --customer acme --purpose service-provision \
    --action read --service cli-wins >/dev/null
al log --json -n 2 > two.json
check "\$AUDITLOG_SERVICE is recorded as the service" \
    grep -q '"service":"billing-api","host":"' two.json
check "--service wins" grep -q '"service":"cli-wins"' two.json
check "the pid and uid are recorded" grep -q "\"uid\":$(id -u)" two.json

# help and version
expect 0 "--help exits 0" "$AUDITLOG" --help
check "...listing the commands" out_has "  record         decide an access and record it"
expect 0 "record --help exits 0" "$AUDITLOG" record --help
check "...with the record usage" out_has "usage: auditlog [-d DIR] record --actor WHO"
expect 0 "--version" "$AUDITLOG" --version
check "...names the format" out_has "(log format 6)"
expect 2 "no command is a usage error" "$AUDITLOG"
expect 2 "an unknown command is a usage error" "$AUDITLOG" frobnicate
check "...naming it" err_has "unknown command 'frobnicate'"

done_testing
