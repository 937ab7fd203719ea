#!/bin/sh
# t18-help.sh - help as people expect it (issue 16, item 5): help COMMAND
# and COMMAND --help describe every option, a mistyped command or purpose
# gets "did you mean", bash completes commands and options, and the long
# checks show progress on a terminal and nowhere else
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib.sh"

cmds="check checkpoint export head help init keygen log policy prove record
    report upgrade verify verify-export"

expect 0 "help" "$AUDITLOG" help
check "...lists the commands on stdout" out_has \
    "  verify-export  check a bundle without the log"
check "...and nothing on stderr" [ ! -s "$T/err" ]
cp "$T/out" help.out
expect 0 "--help" "$AUDITLOG" --help
check "...is the same as help" cmp -s "$T/out" help.out

for c in $cmds; do
	[ "$c" = help ] && continue
	expect 0 "help $c" "$AUDITLOG" help "$c"
	check "...on stdout, nothing on stderr" sh -c \
	    "[ -s '$T/out' ] && [ ! -s '$T/err' ]"
	cp "$T/out" "help-$c"
	expect 0 "$c --help" "$AUDITLOG" "$c" --help
	check "...the same as help $c" cmp -s "$T/out" "help-$c"
	# Every option the usage names is described, on a line of its own.
	run "$AUDITLOG" "$c" --no-such-option
	opts=$(grep -o -- '--[a-z][a-z-]*' "$T/err" | grep -v -- '--no-such' |
	    sort -u)
	missing=
	for o in $opts; do
		grep -Eq -- "^  (-[a-z], )?$o( |\$)" "help-$c" ||
		    missing="$missing $o"
	done
	check "help $c describes every option of its usage" \
	    [ -z "$missing" ] || echo "#   not described:$missing"
done
check "help record says what --data defaults to" grep -q \
    "default: customer-data" help-record
for c in log export report; do
	check "help $c gives the time formats" sh -c \
	    "grep -q 'RFC 3339' help-$c && grep -q 'auditlog(1), TIME FORMATS' help-$c"
done
check "...each option with its default: export --level" grep -q \
    "  --level N           gzip level, 1 to 9 (default: 6)" help-export

# "did you mean", as git says it
expect 2 "a mistyped command" "$AUDITLOG" recrod
check "...is a usage error that names the nearest command" \
    [ "$(cat "$T/err")" = "auditlog: unknown command 'recrod'
auditlog: did you mean 'record'?" ]
expect 2 "a prefix of two commands" "$AUDITLOG" verif
check "...names both" err_has \
    "auditlog: did you mean one of 'verify', 'verify-export'?"
expect 2 "help of a mistyped command" "$AUDITLOG" help chekc
check "...names the nearest" err_has "auditlog: help: did you mean 'check'?"
expect 2 "a word near no command" "$AUDITLOG" xyzzy
check "...suggests nothing, and shows the usage" sh -c \
    "! grep -q 'did you mean' '$T/err' && grep -q '^commands:' '$T/err'"

newlog
expect 1 "record with a mistyped purpose is denied" al record \
    --actor alice --customer acme --purpose suport-ticket --ref SUP-1 \
    --action read
# The floor decides first (seq 1 is the floor, 2 the policy): a purpose
# it does not permit is its denial, and still gets the hint.
check "...with the nearest declared purpose on stderr" [ "$(cat "$T/err")" = \
    "auditlog: record: deny floor (seq 3): purpose 'suport-ticket' is not one the floor permits (promise.floor:8)
auditlog: record: did you mean 'support-ticket'?" ]
expect 0 "...and recorded as before, without the hint" al log --json
check "...the purpose as given" out_has '"purpose":"suport-ticket"'
check "...the reason as before" out_has \
    "\"detail\":\"purpose 'suport-ticket' is not one the floor permits (promise.floor:8)\""
check "...no hint in the log" sh -c "! grep -q 'did you mean' '$T/out'"
expect 1 "check with a mistyped purpose" al check --actor svc:a \
    --customer acme --purpose service-provison --action read
check "...decides on stdout" out_is \
    "deny floor: purpose 'service-provison' is not one the floor permits (promise.floor:8)"
check "...and suggests on stderr" [ "$(cat "$T/err")" = \
    "auditlog: check: did you mean 'service-provision'?" ]
expect 1 "a purpose near none" al check --actor svc:a --customer acme \
    --purpose curiosity --action read
check "...suggests nothing" [ ! -s "$T/err" ]
expect 1 "a declared purpose the floor denies for its action" al check \
    --actor svc:a --customer acme --purpose service-provision --action sell
check "...suggests nothing" [ ! -s "$T/err" ]
expect 1 "a forbidden purpose the policy does not declare" al record \
    --actor alice --customer acme --purpose marketing --action read
check "...is denied by the floor's line, with no suggestion" [ "$(cat "$T/err")" = \
    "auditlog: record: deny floor (seq 4): the floor forbids purpose 'marketing' (promise.floor:17)" ]

# bash completion
comp=$top/contrib/auditlog.bash-completion
if command -v bash >/dev/null 2>&1; then
	mkdir bin
	ln -s "$AUDITLOG" bin/auditlog
	complete() {	# complete WORD... : what bash offers for the last one
		PATH=$T/bin:$PATH bash -c '. "$0" &&
		    complete -p auditlog >/dev/null &&
		    COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) && _auditlog &&
		    echo "${COMPREPLY[*]}"' "$comp" "$@"
	}
	check "the completion loads and registers for auditlog" \
	    bash -c '. "$0" && complete -p auditlog >/dev/null' "$comp"
	check "auditlog rec<TAB> completes to record" \
	    [ "$(complete auditlog rec)" = record ]
	check "auditlog -d DIR ver<TAB> offers verify and verify-export" \
	    [ "$(complete auditlog -d /tmp ver)" = "verify verify-export" ]
	check "auditlog record --pur<TAB> completes to --purpose" \
	    [ "$(complete auditlog record --pur)" = --purpose ]
	check "auditlog export --f<TAB> offers --force" \
	    [ "$(complete auditlog export --fo)" = --force ]
	check "auditlog log --decision <TAB> offers allow and deny" \
	    [ "$(complete auditlog log --decision '')" = "allow deny" ]
	check "auditlog policy s<TAB> offers show and set" \
	    [ "$(complete auditlog policy s)" = "show set" ]
	check "auditlog policy <TAB> offers every policy command" \
	    [ "$(complete auditlog policy '')" = "show check set propose approve reject history diff" ]
	check "auditlog policy a<TAB> completes to approve" \
	    [ "$(complete auditlog policy a)" = approve ]
	check "auditlog init --app<TAB> completes to --approvers" \
	    [ "$(complete auditlog init --app)" = --approvers ]
	check "auditlog policy history --lo<TAB> completes to --long" \
	    [ "$(complete auditlog policy history --lo)" = --long ]
	check "auditlog help ver<TAB> offers the commands" \
	    [ "$(complete auditlog help verify-)" = verify-export ]
else
	ok "# SKIP no bash"
fi

# Progress: on a terminal (script(1) gives one), a line updated in place
# and cleared at the end; in a pipe, nothing.
big=$T/big
"$AUDITLOG" -d "$big" init >/dev/null 2>&1
awk 'BEGIN { for (i = 0; i < 70000; i++) printf "{\"actor\":\"svc:a\",\"customer\":\"c%d\",\"purpose\":\"service-provision\",\"action\":\"read\"}\n", i % 7 }' |
    "$AUDITLOG" -d "$big" record --batch >/dev/null
"$AUDITLOG" -d "$big" export -o big.tar.gz --to-seq 9000 >/dev/null 2>&1
# tty NAME CMD: CMD's terminal output (stdout and stderr) in NAME
tty_run() {
	_name=$1
	shift
	script -qec "$*" /dev/null > "$_name" 2>&1 </dev/null
}
if command -v script >/dev/null 2>&1; then
	tty_run v.tty "'$AUDITLOG' -d '$big' verify"
	check "verify on a terminal shows progress" \
	    grep -q "auditlog: verify: 65536 of 70002 entries (93%)" v.tty
	check "...in place, and clears it before the summary" sh -c \
	    "tr -d '\n' < v.tty | grep -Eq \"^\$(printf '\r')auditlog: verify: [^$(printf '\r')]*$(printf '\r') +$(printf '\r')entries\""
	tty_run ve.tty "'$AUDITLOG' verify-export big.tar.gz"
	check "verify-export on a terminal shows progress" \
	    grep -q "auditlog: verify-export: 4096 entries (" ve.tty
	check "...and clears it before the verdict" sh -c \
	    "tr -d '\n' < ve.tty | grep -Eq \"$(printf '\r') +$(printf '\r')bundle (verified|consistent)\""
	# 70002 entries: a call every 4096 entries, 18 in all, in about a
	# second; shown at most four times a second.
	tty_run x.tty "'$AUDITLOG' -d '$big' export -o all.tar.gz"
	check "export on a terminal shows progress" \
	    grep -q "auditlog: export: 4096 entries" x.tty
	check "...and clears it before it says what it wrote" sh -c \
	    "tr -d '\n' < x.tty | grep -Eq \"$(printf '\r') +$(printf '\r')wrote all.tar.gz\""
	start=$(date +%s)
	tty_run all.tty "'$AUDITLOG' verify-export all.tar.gz"
	took=$(($(date +%s) - start))
	shown=$(tr '\r' '\n' < all.tty | grep -c '^auditlog: verify-export: ')
	check "...at most four times a second ($shown in about $took s)" \
	    sh -c "[ $shown -ge 1 ] && [ $shown -le $((4 * (took + 1) + 1)) ]"
	tty_run py.tty "python3 '$top/contrib/verify-export.py' big.tar.gz"
	check "verify-export.py on a terminal shows progress" \
	    grep -q "verify-export.py: 4096 of 9000 entries (45%)" py.tty
	check "...and clears it before the verdict" sh -c \
	    "tr -d '\n' < py.tty | grep -Eq \"$(printf '\r') +$(printf '\r')bundle (verified|consistent)\""
else
	ok "# SKIP no script(1)"
fi
expect 0 "verify into a pipe" sh -c "'$AUDITLOG' -d '$big' verify 2>&1 | cat"
check "...shows no progress" sh -c "! grep -q \"\$(printf '\r')\" '$T/out'"
expect 0 "verify-export into a pipe" sh -c \
    "'$AUDITLOG' verify-export big.tar.gz 2>&1 | cat"
check "...shows no progress" sh -c "! grep -q \"\$(printf '\r')\" '$T/out'"
expect 0 "verify-export.py into a pipe" sh -c \
    "python3 '$top/contrib/verify-export.py' big.tar.gz 2>&1 | cat"
check "...shows no progress" sh -c "! grep -q \"\$(printf '\r')\" '$T/out'"

done_testing
