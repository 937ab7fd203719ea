#!/bin/sh
# t31-tamper-map.sh - tests/tamper grows the map when an edit needs room
#
# A log's map is as large as its last writer made it; LMDB opens a map no
# smaller than the data in use.  With the map size in both meta pages set
# to one page, the map is the file's pages in use and nothing more, and an
# edit that needs new pages (a policy text of 100 KB; an entry forged at
# the end of a log of 400) runs out of map (MDB_MAP_FULL).  tamper must then grow the map and do the edit, as the
# library's writer does, and say nothing about the first try.
. "$(dirname "$0")/lib.sh"

newlog		# the floor at seq 1, the policy at 2
i=0
while [ "$i" -lt 400 ]; do
	i=$((i + 1))
	printf '{"actor":"svc:billing","customer":"c%d",%s}\n' "$i" \
	    '"purpose":"service-provision","action":"read"'
done >batch.jsonl
expect 0 "400 accesses in one batch" al record --batch <batch.jsonl
cp -R "$T/log" "$T/orig"

# LMDB's meta page: the page size at bytes 40-43, the map size at 32-39,
# both little-endian (64-bit builds).  Meta pages are pages 0 and 1.
db=$T/log/data.mdb
psize=$(od -A n -t u4 -j 40 -N 4 "$db" | tr -d ' ')
mapsize=$(od -A n -t u8 -j 32 -N 8 "$db" | tr -d ' ')
check "the log's map is the library's initial 256 MiB" \
    [ "$mapsize" = 268435456 ]

# set_map VALUE: rawflip pairs that make both meta pages' map size VALUE
set_map() {
	for _m in 0 "$psize"; do
		_i=0
		for _c in $(od -A n -t u1 -j $((_m + 32)) -N 8 "$db"); do
			_x=$((_c ^ (($1 >> (8 * _i)) & 255)))
			[ "$_x" -eq 0 ] || printf '%d %d ' $((_m + 32 + _i)) "$_x"
			_i=$((_i + 1))
		done
	done
}
# shellcheck disable=SC2046
"$TAMPER" "$T/log" rawflip $(set_map "$psize") ||
    not_ok "rawflip of the map size failed"
check "both meta pages now say one page" [ \
    "$(od -A n -t u8 -j 32 -N 8 "$db" | tr -d ' ')" = "$psize" -a \
    "$(od -A n -t u8 -j $((psize + 32)) -N 8 "$db" | tr -d ' ')" = "$psize" ]
expect 0 "the log still verifies with the smallest map" al verify
used=$(wc -c <"$db")

text=$(head -c 100000 /dev/zero | tr '\0' x)
expect 0 "tamper policy-text with 100 KB: the map grows" \
    "$TAMPER" "$T/log" policy-text 2 "$text"
check "...and tamper says nothing" [ ! -s "$T/err" -a ! -s "$T/out" ]
check "...the map in the meta page is larger than the data was" \
    [ "$(od -A n -t u8 -j 32 -N 8 "$db" | tr -d ' ')" -gt "$used" -o \
    "$(od -A n -t u8 -j $((psize + 32)) -N 8 "$db" | tr -d ' ')" -gt "$used" ]
expect 1 "verify finds the edit" al verify
check "...the policy text under its old digest" \
    out_has "seq 2: policy text does not match its digest"
check "...and log shows it, 100,000 x's" \
    [ "$(al log --json | sed -n 2p | grep -o 'x*' | awk '{ print length }' | sort -n | tail -n 1)" = 100000 ]

# forge prints its line once, also when it needed a second try: on a
# copy of the log as it was, the map at one page again, where forge's
# new entry, index record and tree (made anew) need pages the map lacks.
rm -rf "$T/log" && mv "$T/orig" "$T/log"
# shellcheck disable=SC2046
"$TAMPER" "$T/log" rawflip $(set_map "$psize") ||
    not_ok "rawflip of the map size failed"
expect 0 "tamper forge on a full map" "$TAMPER" "$T/log" forge
check "...prints SEQ HASH once" \
    sh -c 'grep -cE "^403 [0-9a-f]{64}\$" "$1" | grep -qx 1 && [ "$(wc -l <"$1")" -eq 1 ]' \
    sh "$T/out"
check "...the head it printed is the log's" [ "$(al head)" = "$(cat "$T/out")" ]
check "...and the map grew for it" \
    [ "$(od -A n -t u8 -j 32 -N 8 "$db" | tr -d ' ')" -gt "$psize" -o \
    "$(od -A n -t u8 -j $((psize + 32)) -N 8 "$db" | tr -d ' ')" -gt "$psize" ]

done_testing
