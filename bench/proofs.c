/* proofs.c - Merkle proofs per second: made from a log, and checked */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auditlog.h"

/*
 * usage: proofs DIR SECONDS
 *
 * Against the log in DIR (made by mklog), for about SECONDS each: inclusion
 * proofs of random entries in the current tree, then their checks, then
 * consistency proofs from random sizes to now, then their checks.  Each
 * proof is made through the library as `auditlog prove` makes it, in its
 * own read transaction.  Prints one line:
 *	entries incl_made_per_s incl_checked_per_s cons_made_per_s
 *	cons_checked_per_s mean_proof_hashes
 */

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t	rng = 0x2545f4914f6cdd1dULL;

static uint64_t
rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}


int
main(int argc, char **argv)
{
	static struct al_proof	 kept[64];
	struct al_proof		*p;
	uint8_t			 root[AL_HASH_LEN];
	uint64_t		 size, n, hashes = 0, nproofs = 0;
	double			 secs, t0, rate[4];
	char			 why[128];
	al_log			*l;
	int			 pass, rc;

	if (argc != 3 || (secs = atof(argv[2])) <= 0)
		errx(2, "usage: proofs DIR SECONDS");
	if ((rc = al_open(argv[1], AL_RDONLY, &l)) != 0)
		errx(1, "%s: %s", argv[1], al_errmsg(l));
	if ((rc = al_tree_head(l, &size, root)) != 0)
		errx(1, "tree head: %s", al_errmsg(l));
	if (size < 2)
		errx(1, "the log is too small");
	for (pass = 0; pass < 4; pass++) {
		int	cons = pass >= 2, checking = pass & 1;

		n = 0;
		t0 = now();
		do {
			p = &kept[n % 64];
			if (!checking) {
				rc = cons ? al_prove_consistency(l,
				    1 + rnd(size - 1), 0, p) :
				    al_prove_inclusion(l, 1 + rnd(size), 0, p);
				if (rc != 0)
					errx(1, "prove: %s", al_errmsg(l));
				hashes += p->n;
				nproofs++;
			} else if ((cons ? al_check_consistency(p, why,
			    sizeof(why)) : al_check_inclusion(p, why,
			    sizeof(why))) != 0)
				errx(1, "a proof does not check: %s", why);
			n++;
		} while (n % 64 != 0 || now() - t0 < secs);
		rate[pass] = (double)n / (now() - t0);
		/* The checks check the 64 proofs last made. */
	}
	printf("%llu %.0f %.0f %.0f %.0f %.1f\n", (unsigned long long)size,
	    rate[0], rate[1], rate[2], rate[3],
	    nproofs ? (double)hashes / (double)nproofs : 0.0);
	al_close(l);
	return 0;
}
