# t90-man.sh - the man pages: mandoc finds nothing to warn about in them
# (auditlogd(8) too), auditlog(1) documents every command in the table,
# auditlog-policy(5) quotes the default policy and floor as shipped
#
# lib.sh moves to a fresh folder: find the sources first.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
. "$(dirname "$0")/lib.sh"

man1=$top/man/auditlog.1
man5=$top/man/auditlog-policy.5

# lint PAGE: mandoc -Tlint -W warning says nothing and exits 0
lint() {
	if ! command -v mandoc >/dev/null 2>&1; then
		ok "$(basename "$1"): mandoc -Tlint # SKIP mandoc is not installed"
		return
	fi
	run mandoc -Tlint -W warning "$1"
	if [ "$rc" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
		ok "$(basename "$1"): mandoc -Tlint -W warning is clean"
	else
		not_ok "$(basename "$1"): mandoc -Tlint -W warning (exit $rc)"
		sed 's/^/#   /' "$T/out" "$T/err" | head -n 20
	fi
}

lint "$man1"
lint "$man5"
lint "$top/man/auditlogd.8"

# The names in cmd/main.c's command table, { "name", cmd_name, "..." }.
names=$(sed -n '/^} commands\[\] = {/,/^};/s/^[[:space:]]*{ "\([a-z-]*\)",.*/\1/p' \
    "$top/cmd/main.c")
check "the command table in cmd/main.c lists commands" [ -n "$names" ]
for c in $names; do
	check "auditlog.1 has a subsection or item for '$c'" \
	    grep -Eq "^\.(Ss|It)( Cm)? $c( |\$)" "$man1"
done

# The literal display after the marker comment is default.policy, verbatim
# (mdoc writes a backslash as \e).
awk '
	/^\.\\" The lines between \.Bd and \.Ed are policies\/default\.policy/ {
		marked = 1
		next
	}
	marked && !in_bd && /^\.Bd / { in_bd = 1; next }
	in_bd && /^\.Ed$/ { exit }
	in_bd { gsub(/\\e/, "\\"); print }
' "$man5" >"$T/quoted"
check "auditlog-policy.5 quotes policies/default.policy as shipped" \
    cmp -s "$T/quoted" "$top/policies/default.policy"

# ...and the one after the FLOOR section's marker, promise.floor.
awk '
	/^\.\\" The lines between \.Bd and \.Ed are policies\/promise\.floor/ {
		marked = 1
		next
	}
	marked && !in_bd && /^\.Bd / { in_bd = 1; next }
	in_bd && /^\.Ed$/ { exit }
	in_bd { gsub(/\\e/, "\\"); print }
' "$man5" >"$T/floor"
check "auditlog-policy.5 quotes policies/promise.floor as shipped" \
    cmp -s "$T/floor" "$top/policies/promise.floor"

done_testing
