/* append.c - the one way into the log: an entry placed, stored, indexed, in the tree */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

uint64_t
al_now_ns(al_log *l)
{
	struct timespec	ts;

	if (l->clock != NULL)
		return l->clock(l->clock_arg);
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Append the encoded entry p (n bytes; its seq, time and prev are set
 * here) with its customer index record (cust, when an access) and tree
 * nodes, and move head h in memory (store_head writes it).
 */
int
append_bytes(al_log *l, MDB_txn *txn, uint8_t *p, size_t n,
    const struct al_str *cust, struct head *h)
{
	uint8_t		 kb[8], ck[CUST_KEY_MAX], tk[TIME_KEY_LEN];
	MDB_val		 k = { 8, kb }, v, mk;
	uint64_t	 seq = h->seq + 1, t;
	int		 rc;

	/*
	 * The time is what this writer's clock reads, even when it is
	 * before the entry before (format 5): order is by seq, and a
	 * period is found through the time index, so one wrong clock
	 * misdates its own entries and no others.  verify warns of it.
	 */
	if ((t = al_now_ns(l)) == 0) {
		rc = al_seterr(l, AL_EIO, "the clock is before 1970");
		goto done;
	}
	entry_place(p, seq, t, h->hash);
	put_be64(kb, seq);
	v.mv_size = n;
	v.mv_data = p;
	if ((rc = store_put(l, txn, l->entries, &k, &v, MDB_APPEND, "append "
	    "entry")) != 0)
		goto done;
	if (cust != NULL) {
		if ((mk.mv_size = cust_key(ck, cust->p, cust->n, seq)) == 0) {
			rc = al_seterr(l, AL_EINVAL, "customer of %zu bytes",
			    cust->n);
			goto done;
		}
		mk.mv_data = ck;
		if ((rc = store_put(l, txn, l->customer, &mk, &k, 0, "index "
		    "customer")) != 0)
			goto done;
	}
	time_key(tk, t, seq);
	mk.mv_size = sizeof(tk);
	mk.mv_data = tk;
	v.mv_size = 0;
	v.mv_data = tk;
	if ((rc = store_put(l, txn, l->time, &mk, &v, 0, "index time")) != 0)
		goto done;
	h->seq = seq;
	h->time = t;
	h->have_time = 1;
	entry_hash(p, n, h->hash);
	rc = tree_add(l, txn, h, h->hash);
done:
	return rc;
}

/* Append e as append_bytes does; its seq, prev and time are set here. */
int
append_entry(al_log *l, MDB_txn *txn, struct al_entry *e, struct head *h)
{
	struct buf	*b = &l->ebuf;
	uint8_t		 kb[8];
	MDB_val		 k = { 8, kb }, mk, mv;
	int		 rc;

	if ((rc = entry_encode(e, b)) != 0) {
		rc = al_seterr(l, rc, "encode entry");
		goto done;
	}
	if ((rc = append_bytes(l, txn, b->p, b->n, e->kind ==
	    AL_KIND_ACCESS ? &e->customer : NULL, h)) != 0)
		goto done;
	e->seq = h->seq;
	e->time_ns = h->time;
	memcpy(e->prev, entry_prev(b->p), AL_HASH_LEN);
	if (e->kind == AL_KIND_POLICY) {
		/* The policies index: seq -> digest, for the policy in force
		 * at any seq without a scan. */
		put_be64(kb, e->seq);
		mv.mv_size = AL_HASH_LEN;
		mv.mv_data = e->digest;
		if ((rc = store_put(l, txn, l->policies, &k, &mv, MDB_APPEND,
		    "index policy")) != 0)
			goto done;
		mk.mv_size = strlen(META_POLICY);
		mk.mv_data = (void *)(uintptr_t)META_POLICY;
		mv.mv_size = 8;
		mv.mv_data = kb;
		if ((rc = store_put(l, txn, l->meta, &mk, &mv, 0,
		    "set active policy")) != 0)
			goto done;
	}
	/* The custody index (format 6): seq -> kind, digest, for the floor,
	 * every proposal, approval, rejection and activation. */
	if (l->has_custody && (e->kind == AL_KIND_POLICY ||
	    (e->kind >= AL_KIND_FLOOR && e->kind <= AL_KIND_REJECTION))) {
		uint8_t	vb[1 + AL_HASH_LEN];

		put_be64(kb, e->seq);
		vb[0] = (uint8_t)e->kind;
		memcpy(vb + 1, e->digest, AL_HASH_LEN);
		mv.mv_size = sizeof(vb);
		mv.mv_data = vb;
		rc = store_put(l, txn, l->custody, &k, &mv, MDB_APPEND,
		    "index custody");
	}
done:
	return rc;
}
