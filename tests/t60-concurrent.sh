#!/bin/sh
# t60-concurrent.sh - many writers at once, no daemon: seqs stay gap-free
. "$(dirname "$0")/lib.sh"

newlog
procs=6
each=40
i=0
while [ $i -lt $procs ]; do
	(
		j=0
		while [ $j -lt $each ]; do
			al record --actor "svc:w$i" --customer "c$((j % 5))" \
			    --purpose service-provision --action read || exit 1
			j=$((j + 1))
		done
	) > "seqs.$i" 2> "err.$i" &
	i=$((i + 1))
done
wait
total=$((procs * each))
check "every writer got a seq for every record" \
    [ "$(cat seqs.* | wc -l)" -eq "$total" ]
check "no writer saw an error" sh -c "! cat err.* | grep -q ."
# seq 1 is the floor, 2 the policy: the accesses are 3..total+2
check "the seqs are unique and gap-free, 3..$((total + 2))" \
    [ "$(cat seqs.* | sort -n | uniq | tr '\n' ' ')" = "$(seq 3 $((total + 2)) | tr '\n' ' ')" ]
expect 0 "the log verifies" al verify
check "...with every entry" out_has "entries   $((total + 2)) (seq 1 to $((total + 2)))"

done_testing
