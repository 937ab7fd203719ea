/* iter.c - reading the log in order or reverse, by filter and customer index */
#include <stdlib.h>
#include <string.h>

#include "store.h"

/* The first seq whose time is t or later (the last seq + 1 if none). */
static int
seq_at(al_iter *it, uint64_t t, uint64_t *out)
{
	uint64_t	lo = 1, hi, mid, et;
	uint8_t		kb[8];
	MDB_val		k, v;
	int		rc;

	if ((rc = mdb_cursor_get(it->cur, &k, &v, MDB_LAST)) == MDB_NOTFOUND) {
		*out = 1;
		return 0;
	}
	if (rc != 0 || k.mv_size != 8)
		return al_lmdb_err(it->l, rc ? rc : MDB_CORRUPTED,
		    "read entries");
	hi = get_be64(k.mv_data) + 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		put_be64(kb, mid);
		k.mv_size = 8;
		k.mv_data = kb;
		if ((rc = mdb_get(it->txn, it->l->entries, &k, &v)) != 0)
			return rc == MDB_NOTFOUND ? al_seterr(it->l,
			    AL_ECORRUPT, "entry %llu is missing",
			    (unsigned long long)mid) :
			    al_lmdb_err(it->l, rc, "read entries");
		if (entry_time(v.mv_data, v.mv_size, &et) != 0)
			return al_seterr(it->l, AL_ECORRUPT, "entry %llu is "
			    "cut short", (unsigned long long)mid);
		if (et < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	*out = lo;
	return 0;
}

/* *copy = a copy of *s, which then points at it; NULL stays NULL. */
static int
keep_copy(char **copy, const char **s)
{
	if (*s == NULL)
		return 0;
	if ((*copy = strdup(*s)) == NULL)
		return -1;
	*s = *copy;
	return 0;
}

static int
iter_new(al_log *l, const struct al_filter *f, int reverse, al_iter **out)
{
	al_iter	*it;
	int	 rc;

	*out = NULL;
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return al_seterr(l, AL_ENOMEM, "out of memory");
	it->l = l;
	it->reverse = reverse;
	if (f != NULL)
		it->f = *f;
	/* The filter's strings are the caller's: keep copies. */
	if (keep_copy(&it->customer, &it->f.customer) != 0 ||
	    keep_copy(&it->actor, &it->f.actor) != 0 ||
	    keep_copy(&it->purpose, &it->f.purpose) != 0 ||
	    keep_copy(&it->ref, &it->f.ref) != 0 ||
	    keep_copy(&it->action, &it->f.action) != 0 ||
	    keep_copy(&it->data, &it->f.data) != 0 ||
	    keep_copy(&it->service, &it->f.service) != 0) {
		rc = al_seterr(l, AL_ENOMEM, "out of memory");
		goto fail;
	}
	it->by_customer = it->customer != NULL;
	if ((rc = log_read_txn(l, &it->txn)) != 0)
		goto fail;
	if ((rc = mdb_cursor_open(it->txn, l->entries, &it->cur)) != 0 ||
	    (it->by_customer && (rc = mdb_cursor_open(it->txn, l->customer,
	    &it->ccur)) != 0)) {
		rc = al_lmdb_err(l, rc, "open cursor");
		goto fail;
	}
	/* Times never go back along the chain: a period is a seq range. */
	if (it->f.since_ns || it->f.until_ns) {
		uint64_t	seq;

		if (it->f.since_ns) {
			if ((rc = seq_at(it, it->f.since_ns, &seq)) != 0)
				goto fail;
			if (seq > it->f.from_seq)
				it->f.from_seq = seq;
		}
		if (it->f.until_ns) {
			if ((rc = seq_at(it, it->f.until_ns, &seq)) != 0)
				goto fail;
			/* seq 0 stands for no bound; nothing is before 1 */
			if (seq <= 1)
				it->f.from_seq = UINT64_MAX;
			else if (it->f.to_seq == 0 || seq - 1 < it->f.to_seq)
				it->f.to_seq = seq - 1;
		}
	}
	/* The log only grows: what is below the head now stays as it is,
	 * so reading up to it in short transactions is one snapshot. */
	{
		struct head	h;

		if ((rc = store_get_head(l, it->txn, &h)) != 0)
			goto fail;
		if (it->f.to_seq == 0 || it->f.to_seq > h.seq)
			it->f.to_seq = h.seq;
	}
	mdb_txn_reset(it->txn);
	*out = it;
	return 0;
fail:
	al_iter_close(it);
	return rc;
}

int
al_iter_open(al_log *l, const struct al_filter *f, al_iter **out)
{
	return iter_new(l, f, 0, out);
}

int
al_iter_open_reverse(al_log *l, const struct al_filter *f, al_iter **out)
{
	return iter_new(l, f, 1, out);
}

void
al_iter_close(al_iter *it)
{
	if (it == NULL)
		return;
	if (it->cur != NULL)
		mdb_cursor_close(it->cur);
	if (it->ccur != NULL)
		mdb_cursor_close(it->ccur);
	if (it->txn != NULL)
		mdb_txn_abort(it->txn);
	free(it->customer);
	free(it->actor);
	free(it->purpose);
	free(it->ref);
	free(it->action);
	free(it->data);
	free(it->service);
	free(it->store);
	buf_free(&it->chunk);
	free(it);
}

/*
 * The next record of the customer's in the index, block by block
 * (docs/FORMAT.md section 8), within the seq range: each probe lands on
 * the customer's records in a block, or on the next (previous) key there
 * is, whose block is the next one worth a probe.  *v gets the seq.
 */
static int
cust_step(al_iter *it, MDB_val *k, MDB_val *v)
{
	uint8_t		kb[CUST_KEY_MAX];
	size_t		cn = strlen(it->customer);
	uint64_t	b, lo = it->f.from_seq >> CUST_BLOCK_SHIFT;
	uint64_t	hi = (it->f.to_seq ? it->f.to_seq : UINT64_MAX) >>
			    CUST_BLOCK_SHIFT;
	int		rc;

	if (it->in_blk) {
		rc = mdb_cursor_get(it->ccur, k, v, it->reverse ?
		    MDB_PREV_DUP : MDB_NEXT_DUP);
		if (rc != MDB_NOTFOUND)
			return rc;
		it->in_blk = 0;
		if (it->reverse ? it->blk <= lo : it->blk >= hi)
			return MDB_NOTFOUND;
		if (it->reverse)
			it->blk--;
		else
			it->blk++;
	} else if (!it->started) {
		it->started = 1;
		it->blk = it->reverse ? hi : lo;
	}
	if (cn == 0 || cn > sizeof(kb) - 8)
		return MDB_NOTFOUND;
	memcpy(kb + 8, it->customer, cn);
	for (;;) {
		put_be64(kb, it->blk);
		k->mv_size = 8 + cn;
		k->mv_data = kb;
		rc = mdb_cursor_get(it->ccur, k, v, MDB_SET_RANGE);
		if (it->reverse && rc == 0 && (k->mv_size != 8 + cn ||
		    memcmp(k->mv_data, kb, 8 + cn) != 0))
			rc = mdb_cursor_get(it->ccur, k, v, MDB_PREV_NODUP);
		else if (it->reverse && rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(it->ccur, k, v, MDB_LAST);
		else if (it->reverse && rc == 0)
			rc = mdb_cursor_get(it->ccur, k, v, MDB_LAST_DUP);
		if (rc != 0)
			return rc;
		if (k->mv_size < 8)
			return MDB_CORRUPTED;
		b = get_be64(k->mv_data);
		if (it->reverse ? b < lo : b > hi)
			return MDB_NOTFOUND;
		if (k->mv_size == 8 + cn &&
		    memcmp((uint8_t *)k->mv_data + 8, it->customer, cn) == 0) {
			it->blk = b;
			it->in_blk = 1;
			return 0;
		}
		/* Not in block it->blk: try b, or the next block. */
		if (b != it->blk)
			it->blk = b;
		else if (it->reverse ? b <= lo : b >= hi)
			return MDB_NOTFOUND;
		else if (it->reverse)
			it->blk--;
		else
			it->blk++;
	}
}

/* Position the cursor on the next candidate; *k gets its seq key. */
static int
step(al_iter *it, MDB_val *k, MDB_val *v)
{
	MDB_cursor_op	op;
	uint8_t		kb[8];
	int		first;

	if (it->by_customer)
		return cust_step(it, k, v);
	first = !it->started;
	it->started = 1;
	if (first && !it->reverse && it->f.from_seq > 1) {
		put_be64(kb, it->f.from_seq);
		k->mv_size = 8;
		k->mv_data = kb;
		return mdb_cursor_get(it->cur, k, v, MDB_SET_RANGE);
	}
	if (first && it->reverse && it->f.to_seq) {
		put_be64(kb, it->f.to_seq);
		k->mv_size = 8;
		k->mv_data = kb;
		int rc = mdb_cursor_get(it->cur, k, v, MDB_SET_RANGE);

		if (rc == MDB_NOTFOUND)
			return mdb_cursor_get(it->cur, k, v, MDB_LAST);
		if (rc != 0 || get_be64(k->mv_data) <= it->f.to_seq)
			return rc;
		return mdb_cursor_get(it->cur, k, v, MDB_PREV);
	}
	if (first)
		op = it->reverse ? MDB_LAST : MDB_FIRST;
	else
		op = it->reverse ? MDB_PREV : MDB_NEXT;
	return mdb_cursor_get(it->cur, k, v, op);
}

#define CHUNK_BYTES	(1024 * 1024)
#define CHUNK_ENTRIES	1024

/* Renew the reset transaction and put the cursor back where it was. */
static int
iter_renew(al_iter *it)
{
	al_log		*l = it->l;
	uint8_t		 kb[CUST_KEY_MAX], sb[8];
	MDB_val		 k, v;
	size_t		 cn;
	int		 rc;

	if ((rc = mdb_txn_renew(it->txn)) == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt it, in a new one. */
		mdb_txn_abort(it->txn);
		it->txn = NULL;
		if ((rc = mdb_env_set_mapsize(l->env, 0)) == 0 &&
		    (rc = log_read_txn(l, &it->txn)) != 0)
			return rc;
	}
	if (rc != 0 || (rc = mdb_cursor_renew(it->txn, it->cur)) != 0 ||
	    (it->ccur != NULL && (rc = mdb_cursor_renew(it->txn,
	    it->ccur)) != 0))
		return al_lmdb_err(l, rc, "read entries");
	if (!it->started)
		return 0;
	put_be64(sb, it->last);
	if (it->by_customer) {
		if (!it->in_blk)
			return 0;	/* cust_step probes from it->blk */
		cn = strlen(it->customer);
		put_be64(kb, it->blk);
		memcpy(kb + 8, it->customer, cn);
		k.mv_size = 8 + cn;
		k.mv_data = kb;
		v.mv_size = 8;
		v.mv_data = sb;
		rc = mdb_cursor_get(it->ccur, &k, &v, MDB_GET_BOTH);
	} else {
		k.mv_size = 8;
		k.mv_data = sb;
		rc = mdb_cursor_get(it->cur, &k, &v, MDB_SET);
	}
	if (rc == MDB_NOTFOUND)
		return al_seterr(l, AL_ECORRUPT, "seq %llu, read a moment "
		    "ago, is gone: the log is being rewritten",
		    (unsigned long long)it->last);
	return rc != 0 ? al_lmdb_err(l, rc, "read entries") : 0;
}

/* The next chunk of entries in the seq range, unfiltered, as copies. */
static int
iter_fill(al_iter *it)
{
	al_log		*l = it->l;
	MDB_val		 k, v, ek;
	uint8_t		 hdr[12];
	uint64_t	 seq;
	size_t		 n = 0;
	int		 rc;

	it->chunk.n = 0;
	it->cpos = 0;
	if ((rc = iter_renew(it)) != 0)
		goto done;
	while (n < CHUNK_ENTRIES && it->chunk.n < CHUNK_BYTES) {
		if ((rc = step(it, &k, &v)) == MDB_NOTFOUND) {
			it->done = 1;
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = al_lmdb_err(l, rc, "read entries");
			goto done;
		}
		if (it->by_customer) {
			if (v.mv_size != 8) {
				rc = al_seterr(l, AL_ECORRUPT, "customer "
				    "index record of %zu bytes", v.mv_size);
				goto done;
			}
			it->last = get_be64(v.mv_data);
			ek = v;
			if ((rc = mdb_get(it->txn, l->entries, &ek, &v)) != 0) {
				rc = rc == MDB_NOTFOUND ?
				    al_seterr(l, AL_ECORRUPT, "customer index "
				    "names seq %llu, which is missing",
				    (unsigned long long)get_be64(ek.mv_data)) :
				    al_lmdb_err(l, rc, "read entries");
				goto done;
			}
			k = ek;
		}
		if (k.mv_size != 8) {
			rc = al_seterr(l, AL_ECORRUPT, "entry key of %zu "
			    "bytes", k.mv_size);
			goto done;
		}
		seq = get_be64(k.mv_data);
		if (!it->by_customer)
			it->last = seq;
		if (seq > it->f.to_seq) {
			if (!it->reverse) {
				it->done = 1;
				break;
			}
			continue;
		}
		if (seq < it->f.from_seq) {
			if (it->reverse) {
				it->done = 1;
				break;
			}
			continue;
		}
		if (v.mv_size > UINT32_MAX) {
			rc = al_seterr(l, AL_ECORRUPT, "seq %llu: an entry of "
			    "%zu bytes", (unsigned long long)seq, v.mv_size);
			goto done;
		}
		put_be64(hdr, seq);
		put_be32(hdr + 8, (uint32_t)v.mv_size);
		if (buf_add(&it->chunk, hdr, sizeof(hdr)) != 0 ||
		    buf_add(&it->chunk, v.mv_data, v.mv_size) != 0) {
			rc = al_seterr(l, AL_ENOMEM, "out of memory");
			goto done;
		}
		n++;
	}
done:
	if (it->txn != NULL)
		mdb_txn_reset(it->txn);
	return rc;
}

int
al_iter_next(al_iter *it, struct al_entry *e)
{
	al_log		*l = it->l;
	const uint8_t	*p;
	uint64_t	 seq;
	uint32_t	 len;
	char		 why[256];
	int		 rc;

	for (;;) {
		if (it->cpos == it->chunk.n) {
			if (it->pending != 0 || it->done)
				return it->pending;
			/* An error after entries read before it: those
			 * first, then the error, as one scan would. */
			if ((rc = iter_fill(it)) != 0) {
				it->pending = rc;
				it->done = 1;
				if (it->chunk.n == 0)
					return rc;
			}
			continue;
		}
		p = it->chunk.p + it->cpos;
		seq = get_be64(p);
		len = get_be32(p + 8);
		it->cpos += 12 + (size_t)len;
		if (entry_decode(p + 12, len, e, &it->store, &it->cap, why,
		    sizeof(why)) != 0)
			return al_seterr(l, AL_ECORRUPT, "seq %llu: %s",
			    (unsigned long long)seq, why);
		if (filter_match(&it->f, e))
			return 1;
	}
}
