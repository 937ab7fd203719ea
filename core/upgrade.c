/* upgrade.c - older log formats brought to the current one, record for record */
#include <stdlib.h>
#include <string.h>

#include "store.h"

/*
 * Format 1 to 2: build the tree over the entries there are.
 */
static int
upgrade_tree(al_log *l, MDB_txn *txn, struct head *h)
{
	struct emit	 x = { l, txn };
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	MDB_val		 mk = { strlen(META_TREE), (void *)(uintptr_t)META_TREE };
	uint8_t		 leaf[AL_HASH_LEN], eb[8 + 64 * AL_HASH_LEN];
	int		 rc;

	memset(&h->edge, 0, sizeof(h->edge));
	if ((rc = mdb_cursor_open(txn, l->entries, &c)) != 0)
		return al_lmdb_err(l, rc, "read entries");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8 || get_be64(k.mv_data) != h->edge.size + 1) {
			rc = al_seterr(l, AL_ECORRUPT, "entries are not "
			    "numbered 1, 2, 3...: run 'auditlog verify'");
			goto done;
		}
		entry_hash(v.mv_data, v.mv_size, leaf);
		if ((rc = mt_push(&h->edge, leaf, tree_put_node, &x)) != 0)
			goto done;
	}
	if (rc != MDB_NOTFOUND) {
		rc = al_lmdb_err(l, rc, "read entries");
		goto done;
	}
	if (h->edge.size != h->seq) {
		rc = al_seterr(l, AL_ECORRUPT, "the head is seq %llu but there "
		    "are %llu entries", (unsigned long long)h->seq,
		    (unsigned long long)h->edge.size);
		goto done;
	}
	mt_edge_put(&h->edge, eb);
	v.mv_size = mt_edge_len(h->edge.size);
	v.mv_data = eb;
	rc = store_put(l, txn, l->meta, &mk, &v, 0, "store the tree edge");
done:
	mdb_cursor_close(c);
	return rc;
}

/*
 * Formats 1 and 2 to 4: rekey the customer index from the customer alone
 * to block and customer, record for record, so that what the old index
 * held (right or wrong) is what verify then compares with the entries.
 * Old keys are customers, whose first byte is never 0; new keys start
 * with a block number, a u64 seq shifted right by 10, whose first byte
 * is always 0: the old keys are those from "\1" on, and each is read
 * whole, deleted and written anew before the next.  Holds one
 * customer's seqs at a time.
 */
/* One rekeyed customer index record: key (klen bytes), seq at s. */
static int
rekey_put(al_log *l, MDB_txn *txn, uint8_t *key, size_t klen, uint8_t *s)
{
	MDB_val	k = { klen, key }, v = { 8, s };

	return store_put(l, txn, l->customer, &k, &v, 0, "rekey the customer index");
}

static int
upgrade_index(al_log *l, MDB_txn *txn)
{
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	uint8_t		 ck[CUST_KEY_MAX], *seqs = NULL, *p;
	char		 cust[CUST_KEY_MAX];
	size_t		 n, cap = 0, i, cn;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, l->customer, &c)) != 0)
		return al_lmdb_err(l, rc, "read the customer index");
	for (;;) {
		k.mv_size = 1;
		k.mv_data = (void *)(uintptr_t)"\1";
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) ==
		    MDB_NOTFOUND)
			break;
		if (rc != 0)
			goto lmdb;
		if ((cn = k.mv_size) > sizeof(cust) - 8) {
			rc = al_seterr(l, AL_ECORRUPT, "a customer index key "
			    "of %zu bytes: the index is damaged", cn);
			goto done;
		}
		memcpy(cust, k.mv_data, cn);
		for (n = 0; rc == 0; n++) {
			if (v.mv_size != 8) {
				rc = al_seterr(l, AL_ECORRUPT, "a customer "
				    "index record of %zu bytes: the index is "
				    "damaged", v.mv_size);
				goto done;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if ((p = reallocarray(seqs, cap, 8)) == NULL) {
					rc = al_seterr(l, AL_ENOMEM, "out of "
					    "memory");
					goto done;
				}
				seqs = p;
			}
			memcpy(seqs + 8 * n, v.mv_data, 8);
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
		}
		if (rc != MDB_NOTFOUND)
			goto lmdb;
		if ((rc = mdb_cursor_del(c, MDB_NODUPDATA)) != 0)
			goto lmdb;
		for (i = 0; i < n; i++)
			if ((rc = rekey_put(l, txn, ck, cust_key(ck, cust, cn,
			    get_be64(seqs + 8 * i)), seqs + 8 * i)) != 0)
				goto done;
	}
	rc = 0;
	goto done;
lmdb:
	rc = al_lmdb_err(l, rc, "rekey the customer index");
done:
	free(seqs);
	mdb_cursor_close(c);
	return rc;
}

/*
 * Format 3 to 4: the customer index's blocks from 4096 entries to 1024,
 * record for record as upgrade_index does.  Old and new keys look alike
 * (a block number, then the customer), so the old blocks are rekeyed
 * from the last down: old block b becomes new blocks 4b to 4b + 3 (4b
 * and the quarter of b its seq is in, so that a record filed under the
 * wrong block stays wrong, for verify to see), none
 * below b, so that while b is rekeyed every key below block b is still
 * old, and every key of block b is (4b = b only when b is 0, whose new
 * keys go in after its old ones are gone); the next block is the one of
 * the key just below block b.  Holds one old block's records (4096 at
 * most) at a time.
 */
static int
upgrade_blocks(al_log *l, MDB_txn *txn)
{
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	uint8_t		 bk[8], ck[CUST_KEY_MAX], *recs = NULL, *p;
	uint64_t	 b, seq;
	size_t		 n, cap = 0, i, len, klen;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, l->customer, &c)) != 0)
		return al_lmdb_err(l, rc, "read the customer index");
	if ((rc = mdb_cursor_get(c, &k, &v, MDB_LAST)) != 0)
		goto end;
	if (k.mv_size < 8) {
		rc = al_seterr(l, AL_ECORRUPT, "a customer index key of %zu "
		    "bytes: the index is damaged", k.mv_size);
		goto done;
	}
	b = get_be64(k.mv_data);
	for (;;) {
		/* No log has 2^62 blocks; a damaged key might say so. */
		if (b > UINT64_MAX >> 2) {
			rc = al_seterr(l, AL_ECORRUPT, "a customer index block "
			    "of %llu: the index is damaged",
			    (unsigned long long)b);
			goto done;
		}
		/* Block b's records, as 2-byte length, customer, seq. */
		put_be64(bk, b);
		k.mv_size = 8;
		k.mv_data = bk;
		n = 0;
		for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 &&
		    k.mv_size >= 8 && memcmp(k.mv_data, bk, 8) == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			if ((len = k.mv_size) <= 8 || len > CUST_KEY_MAX ||
			    v.mv_size != 8) {
				rc = al_seterr(l, AL_ECORRUPT, "a customer "
				    "index record of %zu and %zu bytes: the "
				    "index is damaged", len, v.mv_size);
				goto done;
			}
			if (n + 2 + len + 8 > cap) {
				cap = (cap + len + 10) * 2;
				if ((p = realloc(recs, cap)) == NULL) {
					rc = al_seterr(l, AL_ENOMEM, "out of "
					    "memory");
					goto done;
				}
				recs = p;
			}
			recs[n] = (uint8_t)(len >> 8);
			recs[n + 1] = (uint8_t)len;
			memcpy(recs + n + 2, k.mv_data, len);
			memcpy(recs + n + 2 + len, v.mv_data, 8);
			n += 2 + len + 8;
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto lmdb;
		for (i = 0; i < n; i += 2 + len + 8) {
			len = (size_t)recs[i] << 8 | recs[i + 1];
			k.mv_size = len;
			k.mv_data = recs + i + 2;
			v.mv_size = 8;
			v.mv_data = recs + i + 2 + len;
			if ((rc = mdb_del(txn, l->customer, &k, &v)) != 0)
				goto lmdb;
		}
		for (i = 0; i < n; i += 2 + len + 8) {
			len = (size_t)recs[i] << 8 | recs[i + 1];
			seq = get_be64(recs + i + 2 + len);
			klen = cust_key(ck, recs + i + 2 + 8, len - 8, seq);
			/* The old block's quarter its seq falls in: a record
			 * filed under the wrong block stays wrong. */
			put_be64(ck, b << 2 | (seq >> CUST_BLOCK_SHIFT & 3));
			if ((rc = rekey_put(l, txn, ck, klen,
			    recs + i + 2 + len)) != 0)
				goto done;
		}
		/* The next block below b that holds a key: all below are
		 * old, and what is at or above b is new. */
		if (b == 0)
			break;
		put_be64(bk, b);
		k.mv_size = 8;
		k.mv_data = bk;
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
		else if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
		if (rc != 0)
			goto end;
		if (k.mv_size < 8 || get_be64(k.mv_data) >= b) {
			rc = al_seterr(l, AL_ECORRUPT, "the customer index is "
			    "out of order: the index is damaged");
			goto done;
		}
		b = get_be64(k.mv_data);
	}
end:
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto lmdb;
	rc = 0;
	goto done;
lmdb:
	rc = al_lmdb_err(l, rc, "rekey the customer index");
done:
	free(recs);
	mdb_cursor_close(c);
	return rc;
}

/*
 * Format 4 (and older) to 5: the time index, one record an entry, built
 * from the entries as they are (there was no index to carry over), in
 * key order: each entry's own time and its key's seq.  Up to format 4
 * times never went back, so the keys come in order and the puts land at
 * the index's end.  An entry too short to hold a time is left out, for
 * verify to report (as it reports the entry).
 */
static int
upgrade_time(al_log *l, MDB_txn *txn)
{
	MDB_cursor	*c = NULL;
	MDB_val		 k, v, tk, tv;
	uint8_t		 kb[TIME_KEY_LEN];
	uint64_t	 t;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, l->entries, &c)) != 0)
		return al_lmdb_err(l, rc, "read entries");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8 || entry_time(v.mv_data, v.mv_size,
		    &t) != 0)
			continue;
		time_key(kb, t, get_be64(k.mv_data));
		tk.mv_size = sizeof(kb);
		tk.mv_data = kb;
		tv.mv_size = 0;
		tv.mv_data = kb;
		if ((rc = store_put(l, txn, l->time, &tk, &tv, 0, "build the "
		    "time index")) != 0)
			goto done;
	}
	rc = rc == MDB_NOTFOUND ? 0 : al_lmdb_err(l, rc, "read entries");
done:
	mdb_cursor_close(c);
	return rc;
}

/*
 * Format 6: the custody index, and the floor.  A log made before it
 * gets the default floor (docs/PROMISE.md) with one administrator to a
 * change, from the upgrade on, when the policy in force respects it; a
 * log whose policy does not stays without a floor, as it was, and says
 * so (al_warning; verify and report print "no floor").  A log whose
 * custody index already begins with a floor (written by format 6, its
 * version number lowered since) keeps that one: a log's floor is fixed,
 * and a second would fail verify.
 */
static int
upgrade_floor(al_log *l, MDB_txn *txn, struct head *h)
{
	struct buf	 errs = { 0 };
	struct floor	*f = NULL;
	struct al_entry	 e;
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	const char	*text;
	uint64_t	 pseq;
	size_t		 len;
	int		 rc, mrc, bad;

	if ((mrc = mdb_dbi_open(txn, "custody", MDB_CREATE,
	    &l->custody)) != 0) {
		rc = al_lmdb_err(l, mrc, "create the custody index");
		goto done;
	}
	l->has_custody = 1;
	if ((mrc = mdb_cursor_open(txn, l->custody, &cur)) != 0) {
		rc = al_lmdb_err(l, mrc, "read the custody index");
		goto done;
	}
	mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	mdb_cursor_close(cur);
	if (mrc != 0 && mrc != MDB_NOTFOUND) {
		rc = al_lmdb_err(l, mrc, "read the custody index");
		goto done;
	}
	if (mrc == 0 && v.mv_size == 1 + AL_HASH_LEN &&
	    ((uint8_t *)v.mv_data)[0] == AL_KIND_FLOOR) {
		/* ...and decides by it from here on, as after an open. */
		rc = custody_open(l, txn);
		goto done;
	}
	text = al_default_floor(&len);
	if ((f = floor_parse("promise.floor", text, len, &errs)) == NULL) {
		rc = al_seterr(l, AL_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = store_policy_seq(l, txn, &pseq)) != 0 ||
	    (rc = log_policy_at(l, txn, pseq)) != 0)
		goto done;
	if ((bad = floor_respects(f, l->pc.pol, NULL)) != 0) {
		if (bad < 0)
			rc = al_seterr(l, AL_ENOMEM, "out of memory");
		else
			(void)err_set(l->warn, 0, "the policy in force does "
			    "not respect the promise's floor: the log was "
			    "upgraded without one (auditlog policy check)");
		goto done;
	}
	memset(&e, 0, sizeof(e));
	e.kind = AL_KIND_FLOOR;
	entry_origin(l, &e, NULL, NULL);
	e.actor = str_of(l->id.user[0] != '\0' ? l->id.user : "upgrade");
	e.name = str_of("promise.floor");
	e.text.p = text;
	e.text.n = len;
	sha256(text, len, e.digest);
	e.approvers = 1;
	if ((rc = append_entry(l, txn, &e, h)) != 0 ||
	    (rc = store_head(l, txn, h)) != 0)
		goto done;
	rc = custody_floor(l, &e);
done:
	floor_free(f);
	buf_free(&errs);
	return rc;
}

/*
 * Bring a log of format 1 to 5 to the current format in one
 * transaction, so that a log is wholly of one format.
 */
int
upgrade_in(al_log *l, MDB_txn *txn, void *arg)
{
	struct head	 h;
	MDB_val		 k, v;
	uint8_t		 ver[4];
	uint32_t	 from;
	int		 rc;

	(void)arg;
	if ((rc = mdb_dbi_open(txn, "tree", MDB_CREATE, &l->tree)) != 0)
		return al_lmdb_err(l, rc, "create the tree database");
	if ((rc = mdb_dbi_open(txn, "time", MDB_CREATE, &l->time)) != 0)
		return al_lmdb_err(l, rc, "create the time index");
	if ((rc = store_get_meta(l, txn, META_VERSION, 4, &v)) != 0)
		return rc;
	if ((from = get_be32(v.mv_data)) == AL_FORMAT_VERSION)
		return 0;	/* another process was first */
	if ((rc = store_get_head(l, txn, &h)) != 0)
		return rc;
	if (from == 1 && (rc = upgrade_tree(l, txn, &h)) != 0)
		return rc;
	if (from < 4 && (rc = from == 3 ? upgrade_blocks(l, txn) :
	    upgrade_index(l, txn)) != 0)
		return rc;
	/* Format 6 changed only the entries it appends: 5 has it all. */
	if (from < 5 && (rc = upgrade_time(l, txn)) != 0)
		return rc;
	put_be32(ver, AL_FORMAT_VERSION);
	k.mv_size = strlen(META_VERSION);
	k.mv_data = (void *)(uintptr_t)META_VERSION;
	v.mv_size = 4;
	v.mv_data = ver;
	if ((rc = store_put(l, txn, l->meta, &k, &v, 0, "write metadata")) != 0)
		return rc;
	return upgrade_floor(l, txn, &h);
}
