/* tamper.c - damage a log the way an attacker or a failing disk would */

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "al_int.h"

/*
 * The tests of verify need logs damaged in exactly one way each.  This
 * tool writes to the LMDB databases directly, under the log's own layout
 * (core/log.c), and never through the library's writer: what it does is
 * what someone with write access to the files could do.  "rechain",
 * "truncate", "forge" and "policy-text" go further and repair what an
 * insider would repair (the chain, the head, the index) so that only the
 * check under test can notice.  Every op but the tree-* ones then makes
 * the Merkle tree anew from the entries as they are, so that it is not
 * what gives the damage away: only a checkpoint held elsewhere does.  They
 * make the time index anew too; the time-* ones alter it.
 */

static const char usage_text[] =
    "usage: tamper DIR OP ARGS\n"
    "  flip SEQ OFFSET [BIT]      flip a bit of entry SEQ's stored bytes;\n"
    "                             OFFSET is a number (negative: from the\n"
    "                             end) or FIELD[+-N] (into FIELD's value)\n"
    "  delete SEQ                 remove entry SEQ, leave the rest\n"
    "  swap SEQ1 SEQ2             exchange two entries' values\n"
    "  field SEQ NAME VALUE       change a field and re-encode; no rehash\n"
    "  rechain SEQ NAME VALUE     the same, then rehash the later entries,\n"
    "                             the head and the customer index\n"
    "  truncate N                 remove the last N entries, consistently\n"
    "  forge [ACTOR CUSTOMER PURPOSE ACTION]\n"
    "                             append an access the policy decides,\n"
    "                             consistently; prints \"SEQ HASH\"\n"
    "  forge-v3 floor|proposal|approval|rejection|writer|floor-code\n"
    "                             append a version 3 entry of that kind\n"
    "                             (or code), consistently in its links\n"
    "                             and indexes (not in its meaning)\n"
    "  index-del SEQ              remove entry SEQ's customer index record\n"
    "  pindex-del SEQ             remove policy entry SEQ's policies index record\n"
    "  index-add CUSTOMER SEQ     add a customer index record\n"
    "  index-block SEQ BLOCK      move entry SEQ's customer index record\n"
    "                             to another block\n"
    "  index-v2                   make it a log of format 2: the customer\n"
    "                             index keyed by the customer alone\n"
    "  index-v3                   make it a log of format 3: the customer\n"
    "                             index in blocks of 4096 entries\n"
    "  head SEQ HEX               set the head metadata\n"
    "  meta-policy SEQ            set the active-policy metadata\n"
    "  policy-text SEQ TEXT       replace a policy entry's text, keep its\n"
    "                             digest, rehash the later entries\n"
    "  policy-swap SEQ FILE       replace policy entry SEQ's text and digest\n"
    "                             with FILE's, and its proposal's and\n"
    "                             approvals' digest; the accesses under it,\n"
    "                             the indexes, chain, head and tree follow\n"
    "  rawflip OFFSET [MASK [OFFSET MASK]...]\n"
    "                             xor bytes of data.mdb, each with its\n"
    "                             MASK (1 when only OFFSET is given)\n"
    "  compact DEST               copy the log to the empty folder DEST,\n"
    "                             compacted: every page of it is in use\n"
    "  tree-flip POS | tree-del POS | tree-add | tree-edge\n"
    "                             alter the stored tree node at POS, add\n"
    "                             one past the last, or alter the edge\n"
    "  tree-v1                    make it a log of format 1: no tree, and\n"
    "                             the customer index of format 2\n"
    "  time-v4                    make it a log of format 4: no time index\n"
    "  entries-v5                 make it a log of format 5: every entry in\n"
    "                             version 1 or 2, without the identity,\n"
    "                             the floor or the custody index\n"
    "  time-del SEQ | time-add NS SEQ\n"
    "                             remove entry SEQ's time index record, or\n"
    "                             add a record (NS ns since 1970, SEQ)\n";

struct db {
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 entries, customer, policies, meta, tree;
	MDB_dbi		 time;
	int		 has_time;	/* format 5: the time index */
	MDB_dbi		 custody;
	int		 has_custody;	/* format 6: the custody index */
};

/* A decoded entry that owns its strings. */
struct ent {
	struct al_entry	 e;
	uint8_t		*store;
	size_t		 cap;
};

static void
ent_free(struct ent *x)
{
	free(x->store);
	x->store = NULL;
	x->cap = 0;
}

/*
 * An edit may need more room than the map the log was last written with:
 * an op that runs out of it (MDB_MAP_FULL, in any put or the commit) sets
 * map_full, and main drops the transaction, doubles the map and runs the
 * op again from the start, as the library's writer does.  Nothing an op
 * prints goes out before the commit (see out_line), so a second run
 * prints it once.
 */
#define MAP_TRIES	12
static int	map_full;
static char	out_line[128];

static int
lmdb_fail(int rc, const char *what)
{
	if (rc == MDB_MAP_FULL)
		map_full = 1;
	else
		warnx("%s: %s", what, mdb_strerror(rc));
	return -1;
}

static int
parse_u64(const char *s, const char *what, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0) {
		warnx("%s: not a number: '%s'", what, s);
		return -1;
	}
	*out = v;
	return 0;
}

static MDB_val
seq_key(uint8_t kb[8], uint64_t seq)
{
	MDB_val	k = { 8, kb };

	put_be64(kb, seq);
	return k;
}

/* Open the log for writing; mapsize 0 keeps the map it was written with. */
static int
db_open(struct db *d, const char *dir, size_t mapsize)
{
	int	rc;

	if ((rc = mdb_env_create(&d->env)) != 0)
		return lmdb_fail(rc, "create environment");
	if ((rc = mdb_env_set_maxdbs(d->env, 8)) != 0 ||
	    (mapsize != 0 && (rc = mdb_env_set_mapsize(d->env, mapsize)) != 0))
		return lmdb_fail(rc, "configure environment");
	if ((rc = mdb_env_open(d->env, dir, 0, 0600)) != 0) {
		warnx("%s: %s", dir, mdb_strerror(rc));
		return -1;
	}
	if ((rc = mdb_txn_begin(d->env, NULL, 0, &d->txn)) != 0)
		return lmdb_fail(rc, "begin write transaction");
	if ((rc = mdb_dbi_open(d->txn, "entries", 0, &d->entries)) != 0 ||
	    (rc = mdb_dbi_open(d->txn, "customer",
	    MDB_DUPSORT | MDB_DUPFIXED, &d->customer)) != 0 ||
	    (rc = mdb_dbi_open(d->txn, "policies", 0, &d->policies)) != 0 ||
	    (rc = mdb_dbi_open(d->txn, "meta", 0, &d->meta)) != 0 ||
	    (rc = mdb_dbi_open(d->txn, "tree", 0, &d->tree)) != 0)
		return lmdb_fail(rc, "open databases");
	/* Format 4 and older have no time index. */
	if ((rc = mdb_dbi_open(d->txn, "time", 0, &d->time)) == 0)
		d->has_time = 1;
	else if (rc != MDB_NOTFOUND)
		return lmdb_fail(rc, "open databases");
	/* Format 5 and older have no custody index. */
	if ((rc = mdb_dbi_open(d->txn, "custody", 0, &d->custody)) == 0)
		d->has_custody = 1;
	else if (rc != MDB_NOTFOUND)
		return lmdb_fail(rc, "open databases");
	return 0;
}

/* Does the custody index hold a record for e (format 6)? */
static int
in_custody(const struct db *d, const struct al_entry *e)
{
	return d->has_custody && e->version >= 3 &&
	    (e->kind == AL_KIND_POLICY || (e->kind >= AL_KIND_FLOOR &&
	    e->kind <= AL_KIND_REJECTION));
}

/*
 * Make the time index anew from the entries as they now are, as an
 * insider who rewrites the entries would, so that it is not what gives
 * the damage away.
 */
static int
time_rebuild(struct db *d)
{
	MDB_cursor	*c = NULL;
	MDB_val		 k, v, tk, tv;
	uint8_t		 kb[TIME_KEY_LEN];
	uint64_t	 t;
	int		 rc, ret = -1;

	if (!d->has_time)
		return 0;
	if ((rc = mdb_drop(d->txn, d->time, 0)) != 0)
		return lmdb_fail(rc, "empty the time index");
	if ((rc = mdb_cursor_open(d->txn, d->entries, &c)) != 0)
		return lmdb_fail(rc, "read entries");
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
		if ((rc = mdb_put(d->txn, d->time, &tk, &tv, 0)) != 0) {
			lmdb_fail(rc, "write the time index");
			goto done;
		}
	}
	if (rc != MDB_NOTFOUND) {
		lmdb_fail(rc, "read entries");
		goto done;
	}
	ret = 0;
done:
	mdb_cursor_close(c);
	return ret;
}

/* The time index as format 4 had it: none. */
static int
time_drop(struct db *d)
{
	int	rc;

	if (!d->has_time)
		return 0;
	if ((rc = mdb_drop(d->txn, d->time, 1)) != 0)
		return lmdb_fail(rc, "remove the time index");
	d->has_time = 0;
	return 0;
}

static int
tree_put(void *arg, uint64_t pos, const uint8_t *h)
{
	struct db	*d = arg;
	uint8_t		 kb[8];
	MDB_val		 k = { 8, kb }, v = { AL_HASH_LEN, (void *)(uintptr_t)h };
	int		 rc;

	put_be64(kb, pos);
	if ((rc = mdb_put(d->txn, d->tree, &k, &v, MDB_APPEND)) != 0)
		return lmdb_fail(rc, "store a tree node");
	return 0;
}

/*
 * Make the Merkle tree anew from the entries as they now are, as an
 * insider who rewrites the entries would: only a checkpoint held
 * elsewhere can tell.
 */
static int
tree_rebuild(struct db *d)
{
	struct mt_edge	 e;
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	uint8_t		 leaf[AL_HASH_LEN], eb[8 + 64 * AL_HASH_LEN];
	int		 rc, ret = -1;

	memset(&e, 0, sizeof(e));
	if ((rc = mdb_drop(d->txn, d->tree, 0)) != 0)
		return lmdb_fail(rc, "empty the tree");
	if ((rc = mdb_cursor_open(d->txn, d->entries, &c)) != 0)
		return lmdb_fail(rc, "read entries");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		entry_hash(v.mv_data, v.mv_size, leaf);
		if (mt_push(&e, leaf, tree_put, d) != 0)
			goto done;
	}
	if (rc != MDB_NOTFOUND) {
		lmdb_fail(rc, "read entries");
		goto done;
	}
	mt_edge_put(&e, eb);
	k.mv_size = strlen(META_TREE);
	k.mv_data = (void *)(uintptr_t)META_TREE;
	v.mv_size = mt_edge_len(e.size);
	v.mv_data = eb;
	if ((rc = mdb_put(d->txn, d->meta, &k, &v, 0)) != 0) {
		lmdb_fail(rc, "write the tree edge");
		goto done;
	}
	ret = 0;
done:
	mdb_cursor_close(c);
	return ret;
}

/*
 * The customer index as formats 1 and 2 kept it (key the customer alone)
 * or format 3 (blocks of 4096 entries, then the customer).  Every record
 * is read, the index emptied, and each written back.
 */
static int
index_old(struct db *d, uint32_t version)
{
	MDB_cursor	*c = NULL;
	MDB_val		 k, v;
	uint8_t		*pairs = NULL, *p, ver[4], ck[CUST_KEY_MAX];
	size_t		 n = 0, cap = 0, i, len;
	int		 rc, ret = -1;

	if ((rc = mdb_cursor_open(d->txn, d->customer, &c)) != 0) {
		lmdb_fail(rc, "read the customer index");
		goto done;
	}
	/* Each pair as 2-byte length, customer, 8-byte seq. */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size <= 8 || v.mv_size != 8) {
			warnx("a customer index record of the old layout");
			goto done;
		}
		len = k.mv_size - 8;
		if (n + 2 + len + 8 > cap) {
			cap = (cap + len + 10) * 2;
			if ((p = realloc(pairs, cap)) == NULL) {
				warn("realloc");
				goto done;
			}
			pairs = p;
		}
		pairs[n] = (uint8_t)(len >> 8);
		pairs[n + 1] = (uint8_t)len;
		memcpy(pairs + n + 2, (uint8_t *)k.mv_data + 8, len);
		memcpy(pairs + n + 2 + len, v.mv_data, 8);
		n += 2 + len + 8;
	}
	if (rc != MDB_NOTFOUND) {
		lmdb_fail(rc, "read the customer index");
		goto done;
	}
	if ((rc = mdb_drop(d->txn, d->customer, 0)) != 0) {
		lmdb_fail(rc, "empty the customer index");
		goto done;
	}
	for (i = 0; i < n; i += 2 + len + 8) {
		len = (size_t)pairs[i] << 8 | pairs[i + 1];
		k.mv_size = len;
		k.mv_data = pairs + i + 2;
		v.mv_size = 8;
		v.mv_data = pairs + i + 2 + len;
		if (version == 3) {
			/* Format 3: blocks of 4096 entries. */
			put_be64(ck, get_be64(v.mv_data) >>
			    CUST_BLOCK_SHIFT_V3);
			memcpy(ck + 8, k.mv_data, len);
			k.mv_size = 8 + len;
			k.mv_data = ck;
		}
		if ((rc = mdb_put(d->txn, d->customer, &k, &v, 0)) != 0) {
			lmdb_fail(rc, "write the customer index");
			goto done;
		}
	}
	if (time_drop(d) != 0)
		goto done;
	put_be32(ver, version);
	k.mv_size = strlen(META_VERSION);
	k.mv_data = (void *)(uintptr_t)META_VERSION;
	v.mv_size = 4;
	v.mv_data = ver;
	if ((rc = mdb_put(d->txn, d->meta, &k, &v, 0)) != 0) {
		lmdb_fail(rc, "set the version");
		goto done;
	}
	ret = 0;
done:
	free(pairs);
	if (c != NULL)
		mdb_cursor_close(c);
	return ret;
}

static int
op_index_v2(struct db *d, int argc, char **argv)
{
	(void)argv;
	if (argc != 0) {
		warnx("usage: index-v2");
		return -1;
	}
	return index_old(d, 2);
}

static int
op_index_v3(struct db *d, int argc, char **argv)
{
	(void)argv;
	if (argc != 0) {
		warnx("usage: index-v3");
		return -1;
	}
	return index_old(d, 3);
}

/* tree-flip POS | tree-del POS | tree-add | tree-edge: the tree itself. */
static int
op_tree(struct db *d, const char *op, int argc, char **argv)
{
	uint8_t		 kb[8], nb[AL_HASH_LEN];
	MDB_val		 k = { 8, kb }, v;
	MDB_cursor	*c = NULL;
	char		*end;
	uint64_t	 pos = 0;
	int		 rc, ret = -1;

	if (argc > 0) {
		pos = strtoull(argv[0], &end, 10);
		if (*end != '\0') {
			warnx("%s: bad position", argv[0]);
			return -1;
		}
	}
	put_be64(kb, pos);
	if (strcmp(op, "tree-flip") == 0 || strcmp(op, "tree-del") == 0) {
		if (argc != 1) {
			warnx("%s POS", op);
			return -1;
		}
		if ((rc = mdb_get(d->txn, d->tree, &k, &v)) != 0)
			return lmdb_fail(rc, "read the node");
		if (op[5] == 'd')
			rc = mdb_del(d->txn, d->tree, &k, NULL);
		else {
			memcpy(nb, v.mv_data, AL_HASH_LEN);
			nb[7] ^= 0x40;
			v.mv_data = nb;
			rc = mdb_put(d->txn, d->tree, &k, &v, 0);
		}
		return rc != 0 ? lmdb_fail(rc, "write the node") : 0;
	}
	if (strcmp(op, "tree-add") == 0) {
		if ((rc = mdb_cursor_open(d->txn, d->tree, &c)) != 0)
			return lmdb_fail(rc, "read the tree");
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_LAST)) == 0)
			put_be64(kb, get_be64(k.mv_data) + 1);
		k.mv_size = 8;
		k.mv_data = kb;
		memset(nb, 0x5a, sizeof(nb));
		v.mv_size = AL_HASH_LEN;
		v.mv_data = nb;
		if ((rc = mdb_put(d->txn, d->tree, &k, &v, 0)) != 0) {
			lmdb_fail(rc, "add a node");
			goto done;
		}
		ret = 0;
		goto done;
	}
	if (strcmp(op, "tree-v1") == 0) {
		/* What a log of format 1 was: no tree, no edge, the
		 * customer index keyed by the customer alone. */
		k.mv_size = strlen(META_TREE);
		k.mv_data = (void *)(uintptr_t)META_TREE;
		if ((rc = mdb_drop(d->txn, d->tree, 1)) != 0 ||
		    (rc = mdb_del(d->txn, d->meta, &k, NULL)) != 0)
			return lmdb_fail(rc, "remove the tree");
		return index_old(d, 1);
	}
	/* tree-edge */
	k.mv_size = strlen(META_TREE);
	k.mv_data = (void *)(uintptr_t)META_TREE;
	if ((rc = mdb_get(d->txn, d->meta, &k, &v)) != 0 || v.mv_size < 9)
		return lmdb_fail(rc, "read the tree edge");
	{
		uint8_t	eb[8 + 64 * AL_HASH_LEN];

		memcpy(eb, v.mv_data, v.mv_size);
		eb[v.mv_size - 1] ^= 0x01;
		v.mv_data = eb;
		if ((rc = mdb_put(d->txn, d->meta, &k, &v, 0)) != 0)
			return lmdb_fail(rc, "write the tree edge");
	}
	return 0;
done:
	mdb_cursor_close(c);
	return ret;
}

static int
db_commit(struct db *d)
{
	int	rc;

	rc = mdb_txn_commit(d->txn);
	d->txn = NULL;
	if (rc != 0)
		return lmdb_fail(rc, "commit");
	return 0;
}

static void
db_close(struct db *d)
{
	if (d->txn != NULL)
		mdb_txn_abort(d->txn);
	if (d->env != NULL)
		mdb_env_close(d->env);
}

static int
raw_get(struct db *d, uint64_t seq, MDB_val *v)
{
	uint8_t	kb[8];
	MDB_val	k = seq_key(kb, seq);
	int	rc;

	if ((rc = mdb_get(d->txn, d->entries, &k, v)) == MDB_NOTFOUND) {
		warnx("no entry %llu", (unsigned long long)seq);
		return -1;
	}
	if (rc != 0)
		return lmdb_fail(rc, "read entry");
	return 0;
}

static int
raw_put(struct db *d, uint64_t seq, const void *p, size_t n)
{
	uint8_t	kb[8];
	MDB_val	k = seq_key(kb, seq), v = { n, (void *)(uintptr_t)p };
	int	rc;

	if ((rc = mdb_put(d->txn, d->entries, &k, &v, 0)) != 0)
		return lmdb_fail(rc, "write entry");
	return 0;
}

static int
load(struct db *d, uint64_t seq, struct ent *x)
{
	MDB_val	v;
	char	why[256];

	if (raw_get(d, seq, &v) != 0)
		return -1;
	if (entry_decode(v.mv_data, v.mv_size, &x->e, &x->store, &x->cap,
	    why, sizeof(why)) != 0) {
		warnx("entry %llu: %s", (unsigned long long)seq, why);
		return -1;
	}
	return 0;
}

/* Encode e and store it under seq; its hash goes to hash when not NULL. */
static int
save(struct db *d, uint64_t seq, const struct al_entry *e,
    uint8_t hash[AL_HASH_LEN])
{
	struct buf	b = { 0 };
	int		rc = -1;

	if (entry_encode(e, &b) != 0) {
		warnx("entry %llu: cannot encode it", (unsigned long long)seq);
		goto done;
	}
	if (raw_put(d, seq, b.p, b.n) != 0)
		goto done;
	if (hash != NULL)
		entry_hash(b.p, b.n, hash);
	rc = 0;
done:
	buf_free(&b);
	return rc;
}

static int
meta_put(struct db *d, const char *key, const void *p, size_t n)
{
	MDB_val	k = { strlen(key), (void *)(uintptr_t)key };
	MDB_val	v = { n, (void *)(uintptr_t)p };
	int	rc;

	if ((rc = mdb_put(d->txn, d->meta, &k, &v, 0)) != 0)
		return lmdb_fail(rc, "write metadata");
	return 0;
}

static int
meta_get(struct db *d, const char *key, size_t n, MDB_val *v)
{
	MDB_val	k = { strlen(key), (void *)(uintptr_t)key };
	int	rc;

	if ((rc = mdb_get(d->txn, d->meta, &k, v)) != 0)
		return lmdb_fail(rc, key);
	if (v->mv_size != n) {
		warnx("metadata '%s' has %zu bytes, not %zu", key, v->mv_size,
		    n);
		return -1;
	}
	return 0;
}

static int
set_head(struct db *d, uint64_t seq, const uint8_t hash[AL_HASH_LEN])
{
	uint8_t	hb[8 + AL_HASH_LEN];

	put_be64(hb, seq);
	memcpy(hb + 8, hash, AL_HASH_LEN);
	return meta_put(d, META_HEAD, hb, sizeof(hb));
}

/* Entry seq's customer index key, in the log's format (3 or later). */
static size_t
index_key(struct db *d, uint8_t *ck, const struct al_str *customer,
    uint64_t seq)
{
	MDB_val	v;
	size_t	n;

	n = cust_key(ck, customer->p, customer->n, seq);
	if (n != 0 && meta_get(d, META_VERSION, 4, &v) == 0 &&
	    get_be32(v.mv_data) == 3)
		put_be64(ck, seq >> CUST_BLOCK_SHIFT_V3);
	return n;
}

static int
index_op(struct db *d, const struct al_str *customer, uint64_t seq, int add)
{
	uint8_t	kb[8], ck[CUST_KEY_MAX];
	MDB_val	k = { index_key(d, ck, customer, seq), ck };
	MDB_val	v = seq_key(kb, seq);
	int	rc;

	if (add)
		rc = mdb_put(d->txn, d->customer, &k, &v, MDB_NODUPDATA);
	else
		rc = mdb_del(d->txn, d->customer, &k, &v);
	if (rc != 0)
		return lmdb_fail(rc, add ? "add index record" :
		    "remove index record");
	return 0;
}

/* The first key after seq in entries, or 0 at the end. */
static int
next_seq(struct db *d, uint64_t seq, uint64_t *next)
{
	MDB_cursor	*cur = NULL;
	uint8_t		 kb[8];
	MDB_val		 k = seq_key(kb, seq + 1), v;
	int		 rc, ret = -1;

	if ((rc = mdb_cursor_open(d->txn, d->entries, &cur)) != 0) {
		lmdb_fail(rc, "open cursor");
		goto done;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		*next = 0;
	else if (rc != 0) {
		lmdb_fail(rc, "read entries");
		goto done;
	} else if (k.mv_size != 8) {
		warnx("an entry key of %zu bytes", k.mv_size);
		goto done;
	} else
		*next = get_be64(k.mv_data);
	ret = 0;
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	return ret;
}

static int
last_seq(struct db *d, uint64_t *seq)
{
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	int		 rc, ret = -1;

	if ((rc = mdb_cursor_open(d->txn, d->entries, &cur)) != 0) {
		lmdb_fail(rc, "open cursor");
		goto done;
	}
	if ((rc = mdb_cursor_get(cur, &k, &v, MDB_LAST)) != 0) {
		lmdb_fail(rc, "find the last entry");
		goto done;
	}
	if (k.mv_size != 8) {
		warnx("an entry key of %zu bytes", k.mv_size);
		goto done;
	}
	*seq = get_be64(k.mv_data);
	ret = 0;
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	return ret;
}

/*
 * Fields by name.  String fields are set in place; the others are parsed.
 * "decision allow" also makes the code "allowed" and clears the rule and
 * the detail (the rule and the detail can be set on their own);
 * "decision deny" makes an allowed entry's code "actor-not-allowed" and
 * clears its rule: a plausible denial, which the policy may not give.
 */
static const struct {
	const char	*name;
	size_t		 off;
} str_fields[] = {
	{ "service",	offsetof(struct al_entry, service) },
	{ "host",	offsetof(struct al_entry, host) },
	{ "actor",	offsetof(struct al_entry, actor) },
	{ "user",	offsetof(struct al_entry, user) },	/* version 3 */
	{ "customer",	offsetof(struct al_entry, customer) },
	{ "data",	offsetof(struct al_entry, data) },
	{ "action",	offsetof(struct al_entry, action) },
	{ "resource",	offsetof(struct al_entry, resource) },
	{ "purpose",	offsetof(struct al_entry, purpose) },
	{ "ref",	offsetof(struct al_entry, ref) },
	{ "reason",	offsetof(struct al_entry, reason) },
	{ "rule",	offsetof(struct al_entry, rule) },
	{ "detail",	offsetof(struct al_entry, detail) },
	{ "name",	offsetof(struct al_entry, name) },
	{ "text",	offsetof(struct al_entry, text) },
	{ "user",	offsetof(struct al_entry, user) },
};

static int
set_field(struct al_entry *e, const char *name, const char *value)
{
	struct al_str	*s;
	uint64_t	 n;
	size_t		 i;
	int		 c;

	for (i = 0; i < sizeof(str_fields) / sizeof(str_fields[0]); i++) {
		if (strcmp(name, str_fields[i].name) != 0)
			continue;
		s = (struct al_str *)(void *)((char *)e + str_fields[i].off);
		s->p = value;
		s->n = strlen(value);
		return 0;
	}
	if (strcmp(name, "decision") == 0) {
		if (e->kind != AL_KIND_ACCESS) {
			warnx("entry %llu is not an access",
			    (unsigned long long)e->seq);
			return -1;
		}
		if (strcmp(value, "allow") == 0) {
			e->allow = 1;
			e->code = AL_ALLOWED;
			e->rule.p = e->detail.p = "";
			e->rule.n = e->detail.n = 0;
		} else if (strcmp(value, "deny") == 0) {
			e->allow = 0;
			if (e->code == AL_ALLOWED) {
				e->code = AL_ACTOR_NOT_ALLOWED;
				e->rule.p = "";
				e->rule.n = 0;
			}
		} else {
			warnx("decision: allow or deny, not '%s'", value);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "code") == 0) {
		for (c = 0; c < AL_NCODES; c++)
			if (strcmp(value, al_code_name(c)) == 0)
				break;
		if (c == AL_NCODES) {
			warnx("code: no code named '%s'", value);
			return -1;
		}
		e->code = c;
		return 0;
	}
	if (strcmp(name, "prev") == 0 || strcmp(name, "policy") == 0 ||
	    strcmp(name, "digest") == 0) {
		if (al_unhex(value, name[0] == 'p' ? (name[1] == 'r' ?
		    e->prev : e->policy) : e->digest, AL_HASH_LEN) != 0) {
			warnx("%s: not %d hex digits", name, 2 * AL_HASH_LEN);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "seq") == 0 || strcmp(name, "time") == 0 ||
	    strcmp(name, "pid") == 0 || strcmp(name, "uid") == 0) {
		if (parse_u64(value, name, &n) != 0)
			return -1;
		if (name[0] == 's')
			e->seq = n;
		else if (name[0] == 't')
			e->time_ns = n;
		else if (n > UINT32_MAX) {
			warnx("%s: %llu is too large", name,
			    (unsigned long long)n);
			return -1;
		} else if (name[0] == 'p')
			e->pid = (uint32_t)n;
		else
			e->uid = (uint32_t)n;
		return 0;
	}
	warnx("no field named '%s'", name);
	return -1;
}

/*
 * The encoding's fields in order (docs/FORMAT.md): a length of 0 is a
 * string (a 4-byte length, then its bytes), any other a fixed width.
 */
struct fld {
	const char	*name;
	size_t		 len;
};

static const struct fld f_head[] = {
	{ "version", 1 }, { "kind", 1 }, { "seq", 8 }, { "time", 8 },
	{ "prev", AL_HASH_LEN }, { "service", 0 }, { "host", 0 },
	{ "pid", 4 }, { "uid", 4 }, { NULL, 0 }
};
/* Version 3's identity; its groups (ngroups of gid, name) follow. */
static const struct fld f_ident[] = {
	{ "gid", 4 }, { "attested", 1 }, { "user", 0 }, { "ngroups", 1 },
	{ NULL, 0 }
};
static const struct fld f_actor[] = {
	{ "actor", 0 }, { NULL, 0 }
};
static const struct fld f_access[] = {
	{ "customer", 0 }, { "data", 0 }, { "action", 0 }, { "resource", 0 },
	{ "purpose", 0 }, { "ref", 0 }, { "reason", 0 }, { "decision", 2 },
	{ "rule", 0 }, { "detail", 0 }, { "policy", AL_HASH_LEN }, { NULL, 0 }
};
static const struct fld f_policy[] = {
	{ "name", 0 }, { "text", 0 }, { "digest", AL_HASH_LEN }, { NULL, 0 }
};

/*
 * Walk fields f from *off; 1 when name is found (its value at *out), 0
 * when not, -1 when the bytes end first.
 */
static int
walk(const uint8_t *p, size_t n, const struct fld *f, const char *name,
    size_t *off, size_t *out)
{
	size_t	len;

	for (; f->name != NULL; f++) {
		if ((len = f->len) == 0) {
			if (n - *off < 4)
				return -1;
			len = get_be32(p + *off);
			*off += 4;
		}
		if (strcmp(f->name, name) == 0) {
			*out = *off;
			return 1;
		}
		if (len > n - *off)
			return -1;
		*off += len;
	}
	return 0;
}

/* Where field name's value starts in the n bytes at p. */
static int
field_offset(const uint8_t *p, size_t n, const char *name, size_t *out)
{
	static const struct fld	 f_group[] = { { "group", 4 },
	    { "group name", 0 }, { NULL, 0 } };
	const struct fld	*tail = NULL;
	size_t			 off = 0, ng, i;
	int			 r;

	if (n >= 2 && p[1] == AL_KIND_ACCESS)
		tail = f_access;
	else if (n >= 2 && p[1] == AL_KIND_POLICY)
		tail = f_policy;
	if ((r = walk(p, n, f_head, name, &off, out)) != 0)
		goto found;
	if (p[0] == 3) {
		if ((r = walk(p, n, f_ident, name, &off, out)) != 0)
			goto found;
		ng = p[off - 1];
		for (i = 0; i < ng; i++)
			if ((r = walk(p, n, f_group, name, &off, out)) != 0)
				goto found;
	}
	if ((r = walk(p, n, f_actor, name, &off, out)) != 0)
		goto found;
	if (tail != NULL && (r = walk(p, n, tail, name, &off, out)) != 0)
		goto found;
	goto fail;
found:
	if (r == 1)
		return 0;
fail:
	warnx("no field '%s' in this entry (or it is damaged)", name);
	return -1;
}

static int
op_flip(struct db *d, int argc, char **argv)
{
	uint64_t	 seq, bit = 0;
	MDB_val		 v;
	uint8_t		*copy = NULL;
	char		*spec = NULL, *sign, *end;
	long long	 delta = 0;
	size_t		 off;
	int		 rc = -1;

	if (argc < 2 || argc > 3) {
		warnx("usage: flip SEQ OFFSET [BIT]");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ", &seq) != 0 ||
	    (argc == 3 && parse_u64(argv[2], "BIT", &bit) != 0))
		return -1;
	if (bit > 7) {
		warnx("BIT is 0 to 7");
		return -1;
	}
	if (raw_get(d, seq, &v) != 0)
		return -1;
	if ((spec = strdup(argv[1])) == NULL) {
		warn("strdup");
		goto done;
	}
	if (spec[0] == '-' || (spec[0] >= '0' && spec[0] <= '9')) {
		errno = 0;
		delta = strtoll(spec, &end, 10);
		if (*end != '\0' || errno != 0) {
			warnx("OFFSET: not a number: '%s'", spec);
			goto done;
		}
		off = 0;
		if (delta < 0)
			off = v.mv_size;
	} else {
		if ((sign = strpbrk(spec, "+-")) != NULL) {
			errno = 0;
			delta = strtoll(sign, &end, 10);
			if (*end != '\0' || errno != 0) {
				warnx("OFFSET: '%s' is not FIELD[+-N]", spec);
				goto done;
			}
			*sign = '\0';
		}
		if (field_offset(v.mv_data, v.mv_size, spec, &off) != 0)
			goto done;
	}
	if ((delta < 0 && (unsigned long long)-delta > off) ||
	    (delta >= 0 && (unsigned long long)delta >= v.mv_size - off)) {
		warnx("offset %s is outside entry %llu's %zu bytes", argv[1],
		    (unsigned long long)seq, v.mv_size);
		goto done;
	}
	off = delta < 0 ? off - (size_t)-delta : off + (size_t)delta;
	/* LMDB's pages are read-only: change a copy and put it back. */
	if ((copy = malloc(v.mv_size)) == NULL) {
		warn("malloc");
		goto done;
	}
	memcpy(copy, v.mv_data, v.mv_size);
	copy[off] ^= (uint8_t)(1u << bit);
	if (raw_put(d, seq, copy, v.mv_size) != 0)
		goto done;
	rc = 0;
done:
	free(copy);
	free(spec);
	return rc;
}

static int
op_delete(struct db *d, int argc, char **argv)
{
	uint64_t	seq;
	uint8_t		kb[8];
	MDB_val		k;
	int		rc;

	if (argc != 1) {
		warnx("usage: delete SEQ");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ", &seq) != 0)
		return -1;
	k = seq_key(kb, seq);
	if ((rc = mdb_del(d->txn, d->entries, &k, NULL)) != 0)
		return lmdb_fail(rc, "delete entry");
	return 0;
}

static int
op_swap(struct db *d, int argc, char **argv)
{
	uint64_t	 s1, s2;
	MDB_val		 v1, v2;
	uint8_t		*c1 = NULL, *c2 = NULL;
	size_t		 n1, n2;
	int		 rc = -1;

	if (argc != 2) {
		warnx("usage: swap SEQ1 SEQ2");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ1", &s1) != 0 ||
	    parse_u64(argv[1], "SEQ2", &s2) != 0)
		return -1;
	/* Copies first: a put may move the other value's page. */
	if (raw_get(d, s1, &v1) != 0)
		goto done;
	n1 = v1.mv_size;
	if ((c1 = malloc(n1)) == NULL) {
		warn("malloc");
		goto done;
	}
	memcpy(c1, v1.mv_data, n1);
	if (raw_get(d, s2, &v2) != 0)
		goto done;
	n2 = v2.mv_size;
	if ((c2 = malloc(n2)) == NULL) {
		warn("malloc");
		goto done;
	}
	memcpy(c2, v2.mv_data, n2);
	if (raw_put(d, s1, c2, n2) != 0 || raw_put(d, s2, c1, n1) != 0)
		goto done;
	rc = 0;
done:
	free(c2);
	free(c1);
	return rc;
}

/*
 * Re-link every entry after seq to the one before it, hash of seq given,
 * and move the head to the last one: the chain is consistent again.
 */
static int
rechain_after(struct db *d, uint64_t seq, const uint8_t hash[AL_HASH_LEN])
{
	struct ent	x = { 0 };
	uint8_t		h[AL_HASH_LEN];
	uint64_t	next, last = seq;
	int		rc = -1;

	memcpy(h, hash, AL_HASH_LEN);
	for (;;) {
		if (next_seq(d, last, &next) != 0)
			goto done;
		if (next == 0)
			break;
		if (load(d, next, &x) != 0)
			goto done;
		memcpy(x.e.prev, h, AL_HASH_LEN);
		if (save(d, next, &x.e, h) != 0)
			goto done;
		last = next;
	}
	if (set_head(d, last, h) != 0)
		goto done;
	rc = 0;
done:
	ent_free(&x);
	return rc;
}

/* Change a field of entry seq; with relink, repair what follows it. */
static int
change(struct db *d, uint64_t seq, const char *name, const char *value,
    int relink)
{
	struct ent	x = { 0 };
	struct al_str	old = { NULL, 0 };
	char		*oldcust = NULL;
	uint8_t		h[AL_HASH_LEN];
	int		rc = -1;

	if (load(d, seq, &x) != 0)
		goto done;
	if (x.e.kind == AL_KIND_ACCESS &&
	    (oldcust = strndup(x.e.customer.p, x.e.customer.n)) == NULL) {
		warn("strndup");
		goto done;
	}
	if (set_field(&x.e, name, value) != 0)
		goto done;
	if (save(d, seq, &x.e, h) != 0)
		goto done;
	if (!relink) {
		rc = 0;
		goto done;
	}
	/* An insider moves the index record along with the customer. */
	if (oldcust != NULL && strcmp(name, "customer") == 0) {
		old.p = oldcust;
		old.n = strlen(oldcust);
		if (index_op(d, &old, seq, 0) != 0 ||
		    index_op(d, &x.e.customer, seq, 1) != 0)
			goto done;
	}
	if (rechain_after(d, seq, h) != 0)
		goto done;
	rc = 0;
done:
	free(oldcust);
	ent_free(&x);
	return rc;
}

static int
op_field(struct db *d, int argc, char **argv, int relink)
{
	uint64_t	seq;

	if (argc != 3) {
		warnx("usage: %s SEQ NAME VALUE", relink ? "rechain" :
		    "field");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ", &seq) != 0)
		return -1;
	return change(d, seq, argv[1], argv[2], relink);
}

/*
 * entries-v5: make it a log of format 5 as format 5 wrote it: every entry
 * re-encoded in version 1 or 2 (by kind; the identity of version 3
 * dropped), the chain relinked, the head and meta version set (the tree
 * and time index are rebuilt after every op).  Format 5 had no floor and
 * no custody index: a floor at seq 1 (as init writes it) is dropped and
 * every later entry moved down one seq, with its customer and policies
 * index records and the active-policy metadata; the custody index goes.
 * Any other kind 4-7 has no older form: refused.
 */
static int
v5_move(struct db *d, struct ent *x, uint64_t from, uint64_t to)
{
	uint8_t	kb[8], dg[AL_HASH_LEN];
	MDB_val	k, v;
	int	mrc;

	if (x->e.kind == AL_KIND_ACCESS &&
	    (index_op(d, &x->e.customer, from, 0) != 0 ||
	    index_op(d, &x->e.customer, to, 1) != 0))
		return -1;
	if (x->e.kind != AL_KIND_POLICY)
		return 0;
	k = seq_key(kb, from);
	if ((mrc = mdb_get(d->txn, d->policies, &k, &v)) != 0)
		return lmdb_fail(mrc, "read policies index record");
	if (v.mv_size != AL_HASH_LEN) {
		warnx("policies index record %llu of %zu bytes",
		    (unsigned long long)from, v.mv_size);
		return -1;
	}
	memcpy(dg, v.mv_data, AL_HASH_LEN);
	if ((mrc = mdb_del(d->txn, d->policies, &k, NULL)) != 0)
		return lmdb_fail(mrc, "delete policies index record");
	k = seq_key(kb, to);
	v.mv_size = AL_HASH_LEN;
	v.mv_data = dg;
	if ((mrc = mdb_put(d->txn, d->policies, &k, &v, 0)) != 0)
		return lmdb_fail(mrc, "write policies index record");
	return 0;
}

static int
op_entries_v5(struct db *d, int argc, char **argv)
{
	struct ent	 x = { 0 };
	MDB_val		 k, v;
	uint8_t		 h[AL_HASH_LEN], ver[4], kb[8];
	uint64_t	 seq = 0, next, last = 0, shift = 0, pseq;
	int		 rc = -1, mrc;

	(void)argv;
	if (argc != 0) {
		warnx("usage: entries-v5");
		return -1;
	}
	memset(h, 0, sizeof(h));
	for (;;) {
		if (next_seq(d, seq, &next) != 0)
			goto done;
		if (next == 0)
			break;
		seq = next;
		if (load(d, seq, &x) != 0)
			goto done;
		if (seq == 1 && x.e.kind == AL_KIND_FLOOR) {
			shift = 1;
			continue;
		}
		if (x.e.kind > AL_KIND_CHECKPOINT) {
			warnx("entry %llu: kind %d has no version 1 or 2",
			    (unsigned long long)seq, x.e.kind);
			goto done;
		}
		x.e.version = 0;
		x.e.seq = seq - shift;
		memcpy(x.e.prev, h, AL_HASH_LEN);
		if (save(d, seq - shift, &x.e, h) != 0)
			goto done;
		if (shift != 0 && v5_move(d, &x, seq, seq - shift) != 0)
			goto done;
		last = seq - shift;
	}
	if (shift != 0) {
		k = seq_key(kb, seq);
		if ((mrc = mdb_del(d->txn, d->entries, &k, NULL)) != 0) {
			lmdb_fail(mrc, "delete entry");
			goto done;
		}
		if (meta_get(d, META_POLICY, 8, &v) != 0)
			goto done;
		pseq = get_be64(v.mv_data);
		put_be64(kb, pseq - shift);
		if (meta_put(d, META_POLICY, kb, 8) != 0)
			goto done;
	}
	if (d->has_custody) {
		if ((mrc = mdb_drop(d->txn, d->custody, 1)) != 0) {
			lmdb_fail(mrc, "remove the custody index");
			goto done;
		}
		d->has_custody = 0;
	}
	put_be32(ver, 5);
	if (set_head(d, last, h) != 0 ||
	    meta_put(d, META_VERSION, ver, 4) != 0)
		goto done;
	rc = 0;
done:
	ent_free(&x);
	return rc;
}

static int
op_policy_text(struct db *d, int argc, char **argv)
{
	struct ent	x = { 0 };
	uint64_t	seq;
	int		rc = -1;

	if (argc != 2) {
		warnx("usage: policy-text SEQ TEXT");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ", &seq) != 0)
		return -1;
	if (load(d, seq, &x) != 0)
		goto done;
	if (x.e.kind != AL_KIND_POLICY) {
		warnx("entry %llu is not a policy change",
		    (unsigned long long)seq);
		goto done;
	}
	/* The digest stays; the chain is repaired, so only it can tell. */
	if (change(d, seq, "text", argv[1], 1) != 0)
		goto done;
	rc = 0;
done:
	ent_free(&x);
	return rc;
}

/* A record of an index keyed by seq: the policies or custody index. */
static int
seq_index_put(struct db *d, MDB_dbi dbi, uint64_t seq, const void *p,
    size_t n)
{
	uint8_t	kb[8];
	MDB_val	k, v = { n, (void *)(uintptr_t)p };
	int	rc;

	k = seq_key(kb, seq);
	if ((rc = mdb_put(d->txn, dbi, &k, &v, 0)) != 0)
		return lmdb_fail(rc, "write an index record");
	return 0;
}

/*
 * policy-swap SEQ FILE: what an insider who wants another policy to have
 * been in force does.  Policy entry SEQ gets FILE's text and digest; the
 * proposal, approvals and rejections before it that named the old digest
 * name the new one (the proposal with FILE's text); the accesses after
 * it, up to the next policy entry, that named the old digest name the new
 * one; the policies and custody index records follow, and the whole chain
 * is relinked.  Only what the policy says can give it away: the floor.
 */
static int
op_policy_swap(struct db *d, int argc, char **argv)
{
	struct ent	 x = { 0 };
	uint8_t		 old[AL_HASH_LEN], nd[AL_HASH_LEN], h[AL_HASH_LEN];
	uint8_t		 cv[1 + AL_HASH_LEN];
	char		*text = NULL;
	size_t		 len = 0;
	uint64_t	 seq, s = 0, next;
	FILE		*fp = NULL;
	int		 rc = -1, first = 1, under = 0;

	if (argc != 2) {
		warnx("usage: policy-swap SEQ FILE");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ", &seq) != 0)
		return -1;
	if ((fp = fopen(argv[1], "r")) == NULL) {
		warn("%s", argv[1]);
		goto done;
	}
	if ((text = malloc(AL_MAX_POLICY + 1)) == NULL) {
		warn("malloc");
		goto done;
	}
	len = fread(text, 1, AL_MAX_POLICY + 1, fp);
	if (ferror(fp) || len > AL_MAX_POLICY) {
		warnx("%s: unreadable, or larger than a policy may be",
		    argv[1]);
		goto done;
	}
	if (load(d, seq, &x) != 0)
		goto done;
	if (x.e.kind != AL_KIND_POLICY) {
		warnx("entry %llu is not a policy change",
		    (unsigned long long)seq);
		goto done;
	}
	memcpy(old, x.e.digest, AL_HASH_LEN);
	sha256(text, len, nd);
	for (;;) {
		if (next_seq(d, s, &next) != 0)
			goto done;
		if (next == 0)
			break;
		ent_free(&x);
		if (load(d, next, &x) != 0)
			goto done;
		if (next > seq && x.e.kind == AL_KIND_POLICY)
			under = 0;
		if (next == seq) {
			x.e.text.p = text;
			x.e.text.n = len;
			memcpy(x.e.digest, nd, AL_HASH_LEN);
			under = 1;
			if (seq_index_put(d, d->policies, next, nd,
			    AL_HASH_LEN) != 0)
				goto done;
		} else if (next < seq && x.e.kind >= AL_KIND_PROPOSAL &&
		    x.e.kind <= AL_KIND_REJECTION &&
		    memcmp(x.e.digest, old, AL_HASH_LEN) == 0) {
			if (x.e.kind == AL_KIND_PROPOSAL) {
				x.e.text.p = text;
				x.e.text.n = len;
			}
			memcpy(x.e.digest, nd, AL_HASH_LEN);
		} else if (under && x.e.kind == AL_KIND_ACCESS &&
		    memcmp(x.e.policy, old, AL_HASH_LEN) == 0)
			memcpy(x.e.policy, nd, AL_HASH_LEN);
		if (d->has_custody && x.e.version >= 3 &&
		    (x.e.kind == AL_KIND_POLICY ||
		    (x.e.kind >= AL_KIND_FLOOR &&
		    x.e.kind <= AL_KIND_REJECTION))) {
			cv[0] = (uint8_t)x.e.kind;
			memcpy(cv + 1, x.e.digest, AL_HASH_LEN);
			if (seq_index_put(d, d->custody, next, cv,
			    sizeof(cv)) != 0)
				goto done;
		}
		if (!first)
			memcpy(x.e.prev, h, AL_HASH_LEN);
		first = 0;
		if (save(d, next, &x.e, h) != 0)
			goto done;
		s = next;
	}
	if (s == 0 || set_head(d, s, h) != 0)
		goto done;
	rc = 0;
done:
	if (fp != NULL)
		fclose(fp);
	free(text);
	ent_free(&x);
	return rc;
}

static int
op_truncate(struct db *d, int argc, char **argv)
{
	struct ent	 x = { 0 };
	MDB_val		 v;
	uint64_t	 n, i, seq, pseq;
	uint8_t		 kb[8], h[AL_HASH_LEN];
	MDB_val		 k;
	int		 rc = -1, mrc;

	if (argc != 1) {
		warnx("usage: truncate N");
		return -1;
	}
	if (parse_u64(argv[0], "N", &n) != 0)
		return -1;
	if (meta_get(d, META_POLICY, 8, &v) != 0)
		return -1;
	pseq = get_be64(v.mv_data);
	for (i = 0; i < n; i++) {
		if (last_seq(d, &seq) != 0)
			goto done;
		if (load(d, seq, &x) != 0)
			goto done;
		if (x.e.kind == AL_KIND_ACCESS &&
		    index_op(d, &x.e.customer, seq, 0) != 0)
			goto done;
		k = seq_key(kb, seq);
		if ((mrc = mdb_del(d->txn, d->entries, &k, NULL)) != 0) {
			lmdb_fail(mrc, "delete entry");
			goto done;
		}
		if (x.e.kind == AL_KIND_POLICY &&
		    (mrc = mdb_del(d->txn, d->policies, &k, NULL)) != 0) {
			lmdb_fail(mrc, "delete policies index record");
			goto done;
		}
		if (in_custody(d, &x.e) &&
		    (mrc = mdb_del(d->txn, d->custody, &k, NULL)) != 0) {
			lmdb_fail(mrc, "delete custody index record");
			goto done;
		}
	}
	if (last_seq(d, &seq) != 0) {
		warnx("that would leave no entry");
		goto done;
	}
	/* The newest policy change left becomes the active one. */
	if (pseq > seq) {
		for (i = seq; i > 0; i--) {
			if (load(d, i, &x) != 0)
				goto done;
			if (x.e.kind == AL_KIND_POLICY)
				break;
		}
		if (i == 0) {
			warnx("no policy change is left");
			goto done;
		}
		put_be64(kb, i);
		if (meta_put(d, META_POLICY, kb, 8) != 0)
			goto done;
	}
	if (raw_get(d, seq, &v) != 0)
		goto done;
	entry_hash(v.mv_data, v.mv_size, h);
	if (set_head(d, seq, h) != 0)
		goto done;
	rc = 0;
done:
	ent_free(&x);
	return rc;
}

/*
 * Append an access, decided by the active policy, chained to the head,
 * indexed, with the head moved: a log that is consistent in every way.
 * Only an anchor taken later than this can tell that it was not there.
 */
static int
op_forge(struct db *d, int argc, char **argv)
{
	struct ent		 pol = { 0 }, last = { 0 };
	struct buf		 b = { 0 }, errs = { 0 };
	struct policy		*p = NULL;
	struct al_access	 a;
	struct al_decision	 dec;
	struct al_entry		 e;
	MDB_val			 v, k;
	uint64_t		 seq;
	uint8_t			 kb[8], h[AL_HASH_LEN];
	char			 hex[2 * AL_HASH_LEN + 1];
	int			 rc = -1, mrc;

	if (argc != 0 && argc != 4) {
		warnx("usage: forge [ACTOR CUSTOMER PURPOSE ACTION]");
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.actor = argc ? argv[0] : "svc:billing";
	a.customer = argc ? argv[1] : "acme";
	a.purpose = argc ? argv[2] : "service-provision";
	a.action = argc ? argv[3] : "read";
	a.data = "customer-data";
	a.resource = "forged";
	if (meta_get(d, META_HEAD, 8 + AL_HASH_LEN, &v) != 0)
		goto done;
	seq = get_be64(v.mv_data);
	memcpy(h, (uint8_t *)v.mv_data + 8, AL_HASH_LEN);
	if (meta_get(d, META_POLICY, 8, &v) != 0)
		goto done;
	if (load(d, get_be64(v.mv_data), &pol) != 0 ||
	    load(d, seq, &last) != 0)
		goto done;
	if (pol.e.kind != AL_KIND_POLICY) {
		warnx("the active policy's entry is not a policy change");
		goto done;
	}
	if ((p = policy_parse(pol.e.name.p, pol.e.text.p, pol.e.text.n,
	    &errs)) == NULL) {
		warnx("the active policy does not parse");
		goto done;
	}
	policy_eval(p, &a, &dec);

	memset(&e, 0, sizeof(e));
	e.kind = AL_KIND_ACCESS;
	e.seq = seq + 1;
	e.time_ns = last.e.time_ns + 1000000000ULL;
	memcpy(e.prev, h, AL_HASH_LEN);
	e.service = last.e.service;
	e.host = last.e.host;
	e.pid = last.e.pid + 1;
	e.uid = last.e.uid;
	/* The writer's identity, as the entry before had it. */
	e.version = last.e.version;
	e.gid = last.e.gid;
	e.attested = last.e.attested;
	e.user = last.e.user;
	e.ngroups = last.e.ngroups;
	memcpy(e.gids, last.e.gids, sizeof(e.gids));
	memcpy(e.gname, last.e.gname, sizeof(e.gname));
#define S(field, s) do { e.field.p = (s); e.field.n = strlen(s); } while (0)
	S(actor, a.actor);
	S(customer, a.customer);
	S(data, a.data);
	S(action, a.action);
	S(resource, a.resource);
	S(purpose, a.purpose);
	S(ref, "");
	S(reason, "");
	S(rule, dec.rule);
	S(detail, dec.detail);
#undef S
	e.allow = dec.allow;
	e.code = dec.code;
	memcpy(e.policy, pol.e.digest, AL_HASH_LEN);
	if (entry_encode(&e, &b) != 0) {
		warnx("cannot encode the forged entry");
		goto done;
	}
	k = seq_key(kb, e.seq);
	v.mv_size = b.n;
	v.mv_data = b.p;
	if ((mrc = mdb_put(d->txn, d->entries, &k, &v, MDB_APPEND)) != 0) {
		lmdb_fail(mrc, "append entry");
		goto done;
	}
	entry_hash(b.p, b.n, h);
	if (index_op(d, &e.customer, e.seq, 1) != 0 ||
	    set_head(d, e.seq, h) != 0)
		goto done;
	al_hex(h, AL_HASH_LEN, hex);
	if ((size_t)snprintf(out_line, sizeof(out_line), "%llu %s\n",
	    (unsigned long long)e.seq, hex) >= sizeof(out_line)) {
		warnx("forge: the line to print is too long");
		goto done;
	}
	rc = 0;
done:
	policy_free(p);
	buf_free(&errs);
	buf_free(&b);
	ent_free(&last);
	ent_free(&pol);
	return rc;
}

/*
 * forge-v3 WHAT: append, consistently, a version 3 entry no command
 * writes yet (format 6): a floor, proposal, approval or rejection, or an
 * access denied writer-not-allowed or floor.  The identity is the last
 * entry's, which must be of version 3.
 */
static int
op_forge_v3(struct db *d, int argc, char **argv)
{
	static const char	 text[] = "purpose support-ticket\n";
	struct ent		 pol = { 0 }, last = { 0 };
	struct buf		 b = { 0 };
	struct al_entry		 e;
	MDB_val			 v, k;
	uint64_t		 seq;
	uint8_t			 kb[8], h[AL_HASH_LEN];
	int			 rc = -1, mrc, code = 0;

	if (argc != 1) {
		warnx("usage: forge-v3 floor|proposal|approval|rejection|"
		    "writer|floor-code");
		return -1;
	}
	if (meta_get(d, META_HEAD, 8 + AL_HASH_LEN, &v) != 0)
		goto done;
	seq = get_be64(v.mv_data);
	memcpy(h, (uint8_t *)v.mv_data + 8, AL_HASH_LEN);
	if (meta_get(d, META_POLICY, 8, &v) != 0)
		goto done;
	if (load(d, get_be64(v.mv_data), &pol) != 0 ||
	    load(d, seq, &last) != 0)
		goto done;
	if (last.e.version != 3) {
		warnx("the last entry is not of version 3");
		goto done;
	}
	e = last.e;		/* the origin; the rest is set below */
	e.seq = seq + 1;
	e.time_ns = last.e.time_ns + 1000000000ULL;
	memcpy(e.prev, h, AL_HASH_LEN);
#define S(field, s) do { e.field.p = (s); e.field.n = strlen(s); } while (0)
	S(actor, "ops");
	if (strcmp(argv[0], "writer") == 0 ||
	    strcmp(argv[0], "floor-code") == 0) {
		code = argv[0][0] == 'w' ? AL_WRITER_NOT_ALLOWED : AL_FLOOR;
		e.kind = AL_KIND_ACCESS;
		S(customer, "acme");
		S(data, "customer-data");
		S(action, "read");
		S(resource, "");
		S(purpose, "support-ticket");
		S(ref, "SUP-1");
		S(reason, "");
		S(rule, "");
		S(detail, "forged");
		e.allow = 0;
		e.code = code;
		memcpy(e.policy, pol.e.digest, AL_HASH_LEN);
	} else {
		e.kind = strcmp(argv[0], "floor") == 0 ? AL_KIND_FLOOR :
		    strcmp(argv[0], "proposal") == 0 ? AL_KIND_PROPOSAL :
		    strcmp(argv[0], "approval") == 0 ? AL_KIND_APPROVAL :
		    strcmp(argv[0], "rejection") == 0 ? AL_KIND_REJECTION : 0;
		if (e.kind == 0) {
			warnx("forge-v3: unknown '%s'", argv[0]);
			goto done;
		}
		S(name, "promise.floor");
		S(text, text);
		sha256(text, strlen(text), e.digest);
		e.approvers = 2;
		e.expires_ns = e.time_ns + 7 * 86400 * 1000000000ULL;
	}
#undef S
	if (entry_encode(&e, &b) != 0) {
		warnx("cannot encode the forged entry");
		goto done;
	}
	k = seq_key(kb, e.seq);
	v.mv_size = b.n;
	v.mv_data = b.p;
	if ((mrc = mdb_put(d->txn, d->entries, &k, &v, MDB_APPEND)) != 0) {
		lmdb_fail(mrc, "append entry");
		goto done;
	}
	entry_hash(b.p, b.n, h);
	if ((code != 0 && index_op(d, &e.customer, e.seq, 1) != 0) ||
	    set_head(d, e.seq, h) != 0)
		goto done;
	if (in_custody(d, &e)) {
		uint8_t	vb[1 + AL_HASH_LEN];

		vb[0] = (uint8_t)e.kind;
		memcpy(vb + 1, e.digest, AL_HASH_LEN);
		v.mv_size = sizeof(vb);
		v.mv_data = vb;
		if ((mrc = mdb_put(d->txn, d->custody, &k, &v,
		    MDB_APPEND)) != 0) {
			lmdb_fail(mrc, "index custody");
			goto done;
		}
	}
	rc = 0;
done:
	buf_free(&b);
	ent_free(&last);
	ent_free(&pol);
	return rc;
}

/*
 * index-del SEQ: remove entry SEQ's customer index record; index-block SEQ
 * BLOCK (moved): put it back under another block's key.
 */
static int
index_move(struct db *d, int argc, char **argv, int moved)
{
	struct ent	x = { 0 };
	uint64_t	seq, blk = 0;
	uint8_t		kb[8], ck[CUST_KEY_MAX];
	MDB_val		k, v;
	int		mrc, rc = -1;

	if (argc != 1 + moved) {
		warnx(moved ? "usage: index-block SEQ BLOCK" :
		    "usage: index-del SEQ");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ", &seq) != 0 ||
	    (moved && parse_u64(argv[1], "BLOCK", &blk) != 0))
		return -1;
	if (load(d, seq, &x) != 0)
		goto done;
	if (x.e.kind != AL_KIND_ACCESS) {
		warnx("entry %llu is not an access", (unsigned long long)seq);
		goto done;
	}
	if (index_op(d, &x.e.customer, seq, 0) != 0)
		goto done;
	if (moved) {
		k.mv_size = index_key(d, ck, &x.e.customer, seq);
		k.mv_data = ck;
		put_be64(ck, blk);
		v = seq_key(kb, seq);
		if ((mrc = mdb_put(d->txn, d->customer, &k, &v, 0)) != 0) {
			lmdb_fail(mrc, "add index record");
			goto done;
		}
	}
	rc = 0;
done:
	ent_free(&x);
	return rc;
}

static int
op_index_del(struct db *d, int argc, char **argv)
{
	return index_move(d, argc, argv, 0);
}

static int
op_index_block(struct db *d, int argc, char **argv)
{
	return index_move(d, argc, argv, 1);
}

static int
op_pindex_del(struct db *d, int argc, char **argv)
{
	uint64_t	seq;
	uint8_t		kb[8];
	MDB_val		k;
	int		mrc;

	if (argc != 1) {
		warnx("usage: pindex-del SEQ");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ", &seq) != 0)
		return -1;
	k = seq_key(kb, seq);
	if ((mrc = mdb_del(d->txn, d->policies, &k, NULL)) != 0) {
		lmdb_fail(mrc, "delete policies index record");
		return -1;
	}
	return 0;
}

static int
op_index_add(struct db *d, int argc, char **argv)
{
	struct al_str	c;
	uint64_t	seq;

	if (argc != 2) {
		warnx("usage: index-add CUSTOMER SEQ");
		return -1;
	}
	if (parse_u64(argv[1], "SEQ", &seq) != 0)
		return -1;
	c.p = argv[0];
	c.n = strlen(argv[0]);
	return index_op(d, &c, seq, 1);
}

static int
op_head(struct db *d, int argc, char **argv)
{
	uint64_t	seq;
	uint8_t		h[AL_HASH_LEN];

	if (argc != 2) {
		warnx("usage: head SEQ HEX");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ", &seq) != 0)
		return -1;
	if (al_unhex(argv[1], h, AL_HASH_LEN) != 0) {
		warnx("HEX: not %d hex digits", 2 * AL_HASH_LEN);
		return -1;
	}
	return set_head(d, seq, h);
}

static int
op_meta_policy(struct db *d, int argc, char **argv)
{
	uint64_t	seq;
	uint8_t		kb[8];

	if (argc != 1) {
		warnx("usage: meta-policy SEQ");
		return -1;
	}
	if (parse_u64(argv[0], "SEQ", &seq) != 0)
		return -1;
	put_be64(kb, seq);
	return meta_put(d, META_POLICY, kb, 8);
}

/*
 * A failing disk: bytes of the data file changed under LMDB's feet.
 * Pairs OFFSET MASK, each byte xored with its MASK; one OFFSET alone has
 * its lowest bit flipped.
 */
static int
op_rawflip(const char *dir, int argc, char **argv)
{
	char		path[PATH_MAX];
	uint64_t	off, mask = 1;
	uint8_t		c;
	ssize_t		r;
	int		fd = -1, i, n, rc = -1;

	if (argc < 1 || (argc > 1 && argc % 2 != 0)) {
		warnx("usage: rawflip OFFSET [MASK [OFFSET MASK]...]");
		return -1;
	}
	n = snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		warnx("%s: path too long", dir);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_NOFOLLOW)) == -1) {
		warn("%s", path);
		goto done;
	}
	for (i = 0; i < argc; i += 2) {
		if (parse_u64(argv[i], "OFFSET", &off) != 0 ||
		    (i + 1 < argc && parse_u64(argv[i + 1], "MASK",
		    &mask) != 0))
			goto done;
		if (mask == 0 || mask > 255) {
			warnx("MASK is 1 to 255");
			goto done;
		}
		if (off > (uint64_t)INT64_MAX ||
		    (r = pread(fd, &c, 1, (off_t)off)) == 0) {
			warnx("%s: offset %llu is past its end", path,
			    (unsigned long long)off);
			goto done;
		}
		if (r != 1) {
			warn("%s: read", path);
			goto done;
		}
		c ^= (uint8_t)mask;
		if (pwrite(fd, &c, 1, (off_t)off) != 1) {
			warn("%s: write", path);
			goto done;
		}
	}
	rc = 0;
done:
	if (fd != -1 && close(fd) != 0) {
		warn("%s: close", path);
		rc = -1;
	}
	return rc;
}

/*
 * A copy with no free pages, so that a byte changed anywhere in its data
 * file is a byte of the live B-trees, not of a page LMDB no longer reads.
 */
static int
op_compact(const char *dir, int argc, char **argv)
{
	MDB_env	*env = NULL;
	int	 rc, ret = -1;

	if (argc != 1) {
		warnx("usage: compact DEST");
		return -1;
	}
	if ((rc = mdb_env_create(&env)) != 0) {
		lmdb_fail(rc, "create environment");
		goto done;
	}
	if ((rc = mdb_env_set_maxdbs(env, 8)) != 0) {
		lmdb_fail(rc, "configure environment");
		goto done;
	}
	if ((rc = mdb_env_open(env, dir, MDB_RDONLY, 0600)) != 0) {
		warnx("%s: %s", dir, mdb_strerror(rc));
		goto done;
	}
	if ((rc = mdb_env_copy2(env, argv[0], MDB_CP_COMPACT)) != 0) {
		warnx("copy to %s: %s", argv[0], mdb_strerror(rc));
		goto done;
	}
	ret = 0;
done:
	if (env != NULL)
		mdb_env_close(env);
	return ret;
}

static const struct {
	const char	*name;
	int		(*fn)(struct db *, int, char **);
} ops[] = {
	{ "delete",	 op_delete },
	{ "entries-v5",	 op_entries_v5 },
	{ "flip",	 op_flip },
	{ "forge",	 op_forge },
	{ "forge-v3",	 op_forge_v3 },
	{ "head",	 op_head },
	{ "index-add",	 op_index_add },
	{ "index-block", op_index_block },
	{ "index-del",	 op_index_del },
	{ "index-v2",	 op_index_v2 },
	{ "index-v3",	 op_index_v3 },
	{ "pindex-del",	 op_pindex_del },
	{ "meta-policy", op_meta_policy },
	{ "policy-swap", op_policy_swap },
	{ "policy-text", op_policy_text },
	{ "swap",	 op_swap },
	{ "truncate",	 op_truncate },
};

static int
op_field_only(struct db *d, int argc, char **argv)
{
	return op_field(d, argc, argv, 0);
}

static int
op_rechain(struct db *d, int argc, char **argv)
{
	return op_field(d, argc, argv, 1);
}

/*
 * time-v4: make it a log of format 4 (no time index); time-del SEQ:
 * remove entry SEQ's time index record; time-add NS SEQ: add a record.
 */
static int
op_time(struct db *d, const char *op, int argc, char **argv)
{
	struct ent	 x = { 0 };
	uint8_t		 kb[TIME_KEY_LEN], ver[4];
	MDB_val		 k = { sizeof(kb), kb }, v = { 0, kb };
	uint64_t	 seq, t;
	int		 rc, ret = -1;

	if (!d->has_time) {
		warnx("the log has no time index");
		return -1;
	}
	if (strcmp(op, "time-v4") == 0) {
		if (argc != 0) {
			warnx("usage: time-v4");
			return -1;
		}
		put_be32(ver, 4);
		return time_drop(d) != 0 ? -1 :
		    meta_put(d, META_VERSION, ver, 4);
	}
	if (strcmp(op, "time-del") == 0) {
		if (argc != 1) {
			warnx("usage: time-del SEQ");
			return -1;
		}
		if (parse_u64(argv[0], "SEQ", &seq) != 0 ||
		    load(d, seq, &x) != 0)
			goto done;
		time_key(kb, x.e.time_ns, seq);
		if ((rc = mdb_del(d->txn, d->time, &k, NULL)) != 0) {
			lmdb_fail(rc, "delete the time index record");
			goto done;
		}
		ret = 0;
		goto done;
	}
	if (strcmp(op, "time-add") == 0) {
		if (argc != 2) {
			warnx("usage: time-add NS SEQ");
			return -1;
		}
		if (parse_u64(argv[0], "NS", &t) != 0 ||
		    parse_u64(argv[1], "SEQ", &seq) != 0)
			return -1;
		time_key(kb, t, seq);
		if ((rc = mdb_put(d->txn, d->time, &k, &v, 0)) != 0) {
			lmdb_fail(rc, "add a time index record");
			return -1;
		}
		return 0;
	}
	warnx("unknown op '%s'", op);
done:
	ent_free(&x);
	return ret;
}

/* One run of an op in its own transaction, committed; -1 on failure. */
static int
run_op(struct db *d, const char *op, int (*fn)(struct db *, int, char **),
    int argc, char **argv)
{
	if (strncmp(op, "tree-", 5) == 0) {
		if (op_tree(d, op, argc, argv) != 0)
			return -1;
	} else if (strncmp(op, "time-", 5) == 0) {
		if (op_time(d, op, argc, argv) != 0)
			return -1;
	} else if (fn(d, argc, argv) != 0 || tree_rebuild(d) != 0 ||
	    time_rebuild(d) != 0)
		return -1;
	return db_commit(d);
}

int
main(int argc, char **argv)
{
	struct db	  d;
	MDB_envinfo	  info;
	int		(*fn)(struct db *, int, char **) = NULL;
	const char	 *dir, *op;
	size_t		  i, mapsize = 0;
	int		  rc, tries, status = 1;

	memset(&d, 0, sizeof(d));
	if (argc < 3) {
		fputs(usage_text, stderr);
		return 2;
	}
	dir = argv[1];
	op = argv[2];
	if (strcmp(op, "rawflip") == 0)
		return op_rawflip(dir, argc - 3, argv + 3) == 0 ? 0 : 1;
	if (strcmp(op, "compact") == 0)
		return op_compact(dir, argc - 3, argv + 3) == 0 ? 0 : 1;
	if (strcmp(op, "field") == 0)
		fn = op_field_only;
	else if (strcmp(op, "rechain") == 0)
		fn = op_rechain;
	for (i = 0; fn == NULL && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i].name) == 0)
			fn = ops[i].fn;
	if (fn == NULL && strncmp(op, "tree-", 5) != 0 &&
	    strncmp(op, "time-", 5) != 0) {
		warnx("unknown op '%s'", op);
		fputs(usage_text, stderr);
		return 2;
	}
	for (tries = 0;; tries++) {
		map_full = 0;
		out_line[0] = '\0';
		if (db_open(&d, dir, mapsize) != 0)
			goto done;
		if (run_op(&d, op, fn, argc - 3, argv + 3) == 0)
			break;
		if (!map_full)
			goto done;
		if (tries + 1 == MAP_TRIES) {
			warnx("the map is still full after %d tries", tries + 1);
			goto done;
		}
		if ((rc = mdb_env_info(d.env, &info)) != 0) {
			lmdb_fail(rc, "read the map size");
			goto done;
		}
		if (info.me_mapsize > SIZE_MAX / 2) {
			warnx("the map cannot grow past %zu bytes",
			    info.me_mapsize);
			goto done;
		}
		mapsize = info.me_mapsize * 2;
		db_close(&d);
		memset(&d, 0, sizeof(d));
	}
	if (fputs(out_line, stdout) == EOF || fflush(stdout) != 0 ||
	    ferror(stdout)) {
		warn("stdout");
		goto done;
	}
	status = 0;
done:
	db_close(&d);
	if (status != 0)
		warnx("%s: %s: nothing was changed", dir, op);
	return status;
}
