/* tree.c - the stored Merkle tree: its head, and proofs from its nodes */
#include <stdio.h>
#include <string.h>

#include "store.h"

int
log_tree_get(void *arg, uint64_t pos, uint8_t *out)
{
	struct tsrc	*s = arg;
	uint8_t		 kb[8];
	MDB_val		 k = { 8, kb }, v;
	unsigned	 slot = (unsigned)(pos % 64);
	int		 rc;

	if (s->cok[slot] && s->cpos[slot] == pos) {
		memcpy(out, s->chash[slot], AL_HASH_LEN);
		return 0;
	}
	s->reads++;
	put_be64(kb, pos);
	if ((rc = mdb_get(s->txn, s->l->tree, &k, &v)) == MDB_NOTFOUND)
		return al_seterr(s->l, AL_ECORRUPT, "tree node %llu is "
		    "missing", (unsigned long long)pos);
	if (rc != 0)
		return al_lmdb_err(s->l, rc, "read a tree node");
	if (v.mv_size != AL_HASH_LEN)
		return al_seterr(s->l, AL_ECORRUPT, "tree node %llu has %zu "
		    "bytes", (unsigned long long)pos, v.mv_size);
	memcpy(out, v.mv_data, AL_HASH_LEN);
	s->cpos[slot] = pos;
	s->cok[slot] = 1;
	memcpy(s->chash[slot], out, AL_HASH_LEN);
	return 0;
}

int
al_tree_head(al_log *l, uint64_t *size, uint8_t root[AL_HASH_LEN])
{
	struct mt_edge	 e;
	MDB_txn		*txn;
	int		 rc;

	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	if ((rc = log_get_edge(l, txn, &e)) == 0) {
		*size = e.size;
		mt_root(&e, root);
	}
	mdb_txn_abort(txn);
	return rc;
}

/* Run a proof maker against the stored tree, sizes checked against it. */
static int
prove(al_log *l, uint64_t a, uint64_t size, int consistency,
    struct al_proof *p)
{
	struct mt_edge	 e;
	struct tsrc	 ts;
	struct mt_src	 src = { log_tree_get, &ts };
	MDB_txn		*txn;
	int		 rc;

	memset(p, 0, sizeof(*p));
	memset(&ts, 0, sizeof(ts));
	ts.l = l;
	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	ts.txn = txn;
	if ((rc = log_get_edge(l, txn, &e)) != 0)
		goto done;
	if (size == 0)
		size = e.size;
	if (size > e.size) {
		rc = al_seterr(l, AL_EINVAL, "the tree has %llu entries, not "
		    "%llu", (unsigned long long)e.size,
		    (unsigned long long)size);
		goto done;
	}
	if (consistency) {
		if (a == 0 || a > size) {
			rc = al_seterr(l, AL_EINVAL, "a consistency proof goes "
			    "from a size of 1 to %llu to a size at least as "
			    "large", (unsigned long long)size);
			goto done;
		}
		rc = mt_consistency(&src, a, size, p);
	} else {
		if (a == 0 || a > size) {
			rc = al_seterr(l, AL_EINVAL, "seq %llu is not in the "
			    "tree of size %llu", (unsigned long long)a,
			    (unsigned long long)size);
			goto done;
		}
		rc = mt_inclusion(&src, a - 1, size, p);
	}
	if (rc == AL_EINVAL)
		rc = al_seterr(l, rc, "cannot make that proof");
done:
	mdb_txn_abort(txn);
	return rc;
}

int
al_prove_inclusion(al_log *l, uint64_t seq, uint64_t size,
    struct al_proof *p)
{
	return prove(l, seq, size, 0, p);
}

int
al_prove_consistency(al_log *l, uint64_t from, uint64_t to,
    struct al_proof *p)
{
	return prove(l, from, to, 1, p);
}

/* A tree node made by appending: stored at its post-order place. */
int
tree_put_node(void *arg, uint64_t pos, const uint8_t *hash)
{
	struct emit	*x = arg;
	uint8_t		 kb[8];
	MDB_val		 k = { 8, kb }, v = { AL_HASH_LEN, (void *)(uintptr_t)hash };

	put_be64(kb, pos);
	return store_put(x->l, x->txn, x->l->tree, &k, &v, MDB_APPEND, "store a "
	    "tree node");
}

/* Add leaf to the tree of head h, storing the nodes it completes. */
int
tree_add(al_log *l, MDB_txn *txn, struct head *h, const uint8_t *leaf)
{
	struct emit	 x = { l, txn };
	int		 rc;

	if (!h->have_edge) {
		if ((rc = log_get_edge(l, txn, &h->edge)) != 0)
			return rc;
		h->have_edge = 1;
	}
	if (h->edge.size != h->seq - 1)
		return al_seterr(l, AL_ECORRUPT, "the tree has %llu leaves "
		    "where the head is seq %llu", (unsigned long long)
		    h->edge.size, (unsigned long long)(h->seq - 1));
	if ((rc = mt_push(&h->edge, leaf, tree_put_node, &x)) != 0)
		return rc == AL_EINVAL ? al_seterr(l, rc, "the tree is full") :
		    rc;
	return 0;
}
