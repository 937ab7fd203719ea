# embed.awk - turn a text file into a C string (the embedded default policy)
BEGIN {
	print "/* generated from " FILE " by tools/embed.awk; do not edit */"
	print "#include <stddef.h>"
	print "const char " NAME "_text[] ="
}
{
	gsub(/\\/, "\\\\")
	gsub(/"/, "\\\"")
	gsub(/\?/, "\\?")
	printf "\t\"%s\\n\"\n", $0
}
END {
	print "\t;"
	print "const size_t " NAME "_len = sizeof(" NAME "_text) - 1;"
}
