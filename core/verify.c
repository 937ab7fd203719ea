/* verify.c - prove the log intact and re-derive every decision */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "al_int.h"

/*
 * An order-independent digest of a multiset of (customer, seq) pairs: the
 * sums mod 2^64 of two keyed hashes of each pair (SipHash-2-4, a PRF made
 * for short inputs, under two independent keys), and their count.  The
 * keys are random for each verify, so nobody who writes the files can
 * choose an index whose sums match the entries' without matching them;
 * two different multisets give the same sums with odds near 2^-128.
 */
struct pairsum {
	uint64_t	w[2];
	uint64_t	n;
	int		bad;	/* a pair too long for any index record */
};

/*
 * What the walk of the entries hands on for one entry: its key, its place
 * among the entries (s->entries with it), its value (in the map, valid
 * while the read transaction lives, and readable from any thread), and
 * its hash.
 */
struct vitem {
	uint64_t	 seq, nth;
	const uint8_t	*p;
	size_t		 n;
	uint8_t		 hash[AL_HASH_LEN];
};

struct vstate {
	al_log				*l;
	const struct al_verify_opts	*o;
	struct al_verify_summary	*s;
	MDB_txn				*txn;
	MDB_cursor			*idx;
	uint64_t			 expect;	/* the walk's next seq */
	uint8_t				 prev[AL_HASH_LEN];
	uint8_t				*store;		/* decoded strings */
	size_t				 cap;
	struct policy			*pol;		/* in force */
	uint8_t				 pol_digest[AL_HASH_LEN];
	int				 have_pol;
	uint64_t			 pol_seq;
	int				 anchor_seen;
	/*
	 * exact: look each access up in the customer index and report
	 * every problem.  The first scan is not exact: it folds the pairs
	 * into ents, to compare with one sequential walk of the index,
	 * and only counts problems; a second, exact scan runs only when
	 * that finds something to report.
	 */
	int				 exact;
	uint64_t			 pairkey[2][2];
	struct pairsum			 ents;
	struct pairsum			 idxsum;	/* the index's, */
	int				 have_idx;	/* ...when folded */
	int				 idx_ok;	/* ...to its end */
	/* The Merkle tree, rebuilt from the entries and walked alongside
	 * the stored one, which must hold exactly the same nodes. */
	struct mt_edge			 edge;
	MDB_cursor			*tcur;
	MDB_cursor			*tc;		/* tcur or tcur2 */
	int				 tfirst, tbad;
	uint64_t			 tseq;
	char				 origin[AL_ORIGIN_MAX];
	int				 cp_seen;
	/*
	 * A second read transaction on the same snapshot (NULL when there
	 * is none), for the thread that checks the entries while this one
	 * walks them: a transaction and its cursors are for one thread at
	 * a time.
	 */
	MDB_txn				*txn2;
	MDB_cursor			*tcur2;
	/* The time index: the entries' (time, seq) pairs and the index's,
	 * folded as the customer index's are. */
	struct pairsum			 tents, tidx;
	int				 have_tidx;
	/* Clock anomalies: the entry before's seq and time, whether it
	 * was already found ahead, and the verifying clock. */
	uint64_t			 pseq, pns, now;
	int				 pahead;
	/* Governance (format 6): the floor, the chain of custody, and
	 * the entries the custody index must list. */
	struct floor			*floor;
	uint64_t			 floor_seq;
	struct gov			 gov;
	uint64_t			 ncustody;
	char				*pol_text;	/* in force */
	size_t				 pol_len;
};

static void
problem(struct vstate *v, uint64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct vstate *v, uint64_t seq, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;
	int	n;

	v->s->problems++;
	if (!v->exact || v->o->problem == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= (int)sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	va_end(ap);
	v->o->problem(v->o->arg, seq, msg);
}

static void
pair_key(struct vstate *v)
{
	arc4random_buf(v->pairkey, sizeof(v->pairkey));
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t	x = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v) do {						\
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0];		\
	v[0] = ROTL(v[0], 32);						\
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];		\
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];		\
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2];		\
	v[2] = ROTL(v[2], 32);						\
} while (0)

/*
 * SipHash-2-4 of m (n bytes) under the keys k[0] and k[1] at once (two
 * independent states side by side, so the CPU overlaps them).  Checked
 * against the paper's vectors: key 00..0f gives 726fdb47dd0e0e31 for the
 * empty message and a129ca6149be45e5 for 00..0e.
 */
static void
siphash2(const uint64_t k[2][2], const uint8_t *m, size_t n, uint64_t out[2])
{
	uint64_t	a[4], b[4], w;
	uint8_t		last[8] = { 0 };
	size_t		i, r = n & 7;
	int		j;

	a[0] = k[0][0] ^ 0x736f6d6570736575ULL;
	a[1] = k[0][1] ^ 0x646f72616e646f6dULL;
	a[2] = k[0][0] ^ 0x6c7967656e657261ULL;
	a[3] = k[0][1] ^ 0x7465646279746573ULL;
	b[0] = k[1][0] ^ 0x736f6d6570736575ULL;
	b[1] = k[1][1] ^ 0x646f72616e646f6dULL;
	b[2] = k[1][0] ^ 0x6c7967656e657261ULL;
	b[3] = k[1][1] ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= n; i += 8) {
		w = le64(m + i);
		a[3] ^= w;
		b[3] ^= w;
		SIPROUND(a); SIPROUND(b);
		SIPROUND(a); SIPROUND(b);
		a[0] ^= w;
		b[0] ^= w;
	}
	memcpy(last, m + i, r);
	last[7] = (uint8_t)n;
	w = le64(last);
	a[3] ^= w;
	b[3] ^= w;
	SIPROUND(a); SIPROUND(b);
	SIPROUND(a); SIPROUND(b);
	a[0] ^= w;
	b[0] ^= w;
	a[2] ^= 0xff;
	b[2] ^= 0xff;
	for (j = 0; j < 4; j++) {
		SIPROUND(a);
		SIPROUND(b);
	}
	out[0] = a[0] ^ a[1] ^ a[2] ^ a[3];
	out[1] = b[0] ^ b[1] ^ b[2] ^ b[3];
}

/*
 * Add the hashes of (4-byte length, customer, value) to ps.  Index keys
 * and values are at most 511 bytes (LMDB's limit); longer ones, which
 * only a damaged file could give, count as a difference.
 */
static void
pair_fold(const struct vstate *v, struct pairsum *ps, const void *cust,
    size_t cn, const void *val, size_t vn)
{
	uint8_t		b[4 + 511 + 511];
	uint64_t	h[2];

	if (cn > 511 || vn > 511) {
		ps->bad = 1;
		return;
	}
	put_be32(b, (uint32_t)cn);
	memcpy(b + 4, cust, cn);
	memcpy(b + 4 + cn, val, vn);
	siphash2(v->pairkey, b, 4 + cn + vn, h);
	ps->w[0] += h[0];
	ps->w[1] += h[1];
	ps->n++;
}

/*
 * Fold the customer index's pairs into v->idxsum, by one walk in key
 * order (no lookups), in v's transaction: n pairs at a time from where
 * *w is (zeroed to start).  Returns 1 when the walk is over.
 */
struct istep {
	MDB_cursor	*c;
	MDB_cursor_op	 op;
	int		 started, end;
};

static int
index_step(struct vstate *v, struct istep *w, size_t n)
{
	MDB_val		 k, val;
	int		 mrc;

	if (w->end)
		return 1;
	if (!w->started) {
		w->started = 1;
		memset(&v->idxsum, 0, sizeof(v->idxsum));
		v->have_idx = 1;
		v->idx_ok = 0;
		w->op = MDB_FIRST;
		if (mdb_cursor_open(v->txn, v->l->customer, &w->c) != 0) {
			w->c = NULL;
			w->end = 1;
			return 1;
		}
	}
	for (; n > 0; n--) {
		if ((mrc = mdb_cursor_get(w->c, &k, &val, w->op)) != 0) {
			v->idx_ok = mrc == MDB_NOTFOUND;
			mdb_cursor_close(w->c);
			w->c = NULL;
			w->end = 1;
			return 1;
		}
		w->op = MDB_NEXT;
		pair_fold(v, &v->idxsum, k.mv_data, k.mv_size, val.mv_data,
		    val.mv_size);
	}
	return 0;
}

static void
index_fold(struct vstate *v)
{
	struct istep	w = { NULL, MDB_FIRST, 0, 0 };

	while (!index_step(v, &w, SIZE_MAX))
		;
}

/*
 * Whether the customer index holds exactly the pairs the entries gave.
 * A read error counts as a difference: the exact scan then names it.
 */
static int
index_matches(struct vstate *v)
{
	if (!v->have_idx)
		index_fold(v);
	return v->idx_ok && !v->idxsum.bad && !v->ents.bad &&
	    v->idxsum.n == v->ents.n &&
	    memcmp(v->idxsum.w, v->ents.w, sizeof(v->idxsum.w)) == 0;
}

static int
add_policy(struct vstate *v, const struct al_entry *e)
{
	struct al_policy_ref	*p;
	al_log			*l = v->l;

	if ((p = realloc(l->vpol, (l->nvpol + 1) * sizeof(*p))) == NULL)
		return al_seterr(l, AL_ENOMEM, "out of memory");
	l->vpol = p;
	p += l->nvpol++;
	p->seq = e->seq;
	memcpy(p->digest, e->digest, AL_HASH_LEN);
	if (strlcpy(p->name, e->name.p, sizeof(p->name)) >= sizeof(p->name))
		memcpy(p->name + sizeof(p->name) - 4, "...", 4);
	return 0;
}

static void
check_policy_index(struct vstate *v, const struct al_entry *e)
{
	uint8_t	kb[8];
	MDB_val	k = { 8, kb }, val;
	int	rc;

	put_be64(kb, e->seq);
	if ((rc = mdb_get(v->txn, v->l->policies, &k, &val)) == MDB_NOTFOUND)
		problem(v, e->seq, "missing from the policies index");
	else if (rc != 0)
		problem(v, e->seq, "policies index unreadable: %s",
		    mdb_strerror(rc));
	else if (val.mv_size != AL_HASH_LEN ||
	    memcmp(val.mv_data, e->digest, AL_HASH_LEN) != 0)
		problem(v, e->seq, "the policies index names another digest");
}

/* Each entry of kinds 2 and 4-7 of version 3 is in the custody index. */
static void
check_custody_index(struct vstate *v, const struct al_entry *e)
{
	uint8_t	kb[8];
	MDB_val	k = { 8, kb }, val;
	int	rc;

	if (e->version < 3)
		return;
	v->ncustody++;
	if (!v->l->has_custody) {
		problem(v, e->seq, "an entry of version 3 in a log without a "
		    "custody index");
		return;
	}
	put_be64(kb, e->seq);
	if ((rc = mdb_get(v->txn, v->l->custody, &k, &val)) == MDB_NOTFOUND)
		problem(v, e->seq, "missing from the custody index");
	else if (rc != 0)
		problem(v, e->seq, "custody index unreadable: %s",
		    mdb_strerror(rc));
	else if (val.mv_size != 1 + AL_HASH_LEN ||
	    ((uint8_t *)val.mv_data)[0] != e->kind ||
	    memcmp((uint8_t *)val.mv_data + 1, e->digest, AL_HASH_LEN) != 0)
		problem(v, e->seq, "the custody index names another kind or "
		    "digest");
}

/* A policy in force under a floor must respect it. */
static void
check_floor_policy(struct vstate *v, uint64_t seq, const char *name,
    const char *text, size_t len)
{
	char	*errs = NULL, *line, *nl;

	if (v->floor == NULL || floor_check_policy(v->floor, name, text, len,
	    &errs) == 0)
		return;
	if (errs == NULL) {
		problem(v, seq, "the policy does not respect the floor (seq %"
		    PRIu64 "): out of memory", v->floor_seq);
		return;
	}
	/* A problem a line, as the bundle checkers report them. */
	for (line = errs; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		problem(v, seq, "the policy does not respect the floor (seq %"
		    PRIu64 "): %s", v->floor_seq, line);
		if (nl == NULL)
			break;
	}
	free(errs);
}

/* The floor (kind 4): the log's, once, fixed from here on. */
static void
check_floor(struct vstate *v, const struct al_entry *e)
{
	struct buf	 errs = { 0 };
	uint8_t		 d[AL_HASH_LEN];
	char		*nl;

	sha256(e->text.p, e->text.n, d);
	if (memcmp(d, e->digest, AL_HASH_LEN) != 0)
		problem(v, e->seq, "floor text does not match its digest");
	if (v->floor != NULL)
		return;		/* gov_step reports a second one */
	if ((v->floor = floor_parse(e->name.p, e->text.p, e->text.n,
	    &errs)) == NULL) {
		if (errs.p != NULL && (nl = strchr((char *)errs.p, '\n')))
			*nl = '\0';
		problem(v, e->seq, "floor does not parse: %s",
		    errs.p ? (char *)errs.p : "out of memory");
	}
	buf_free(&errs);
	v->floor_seq = e->seq;
	/* A log upgraded to format 6: the policy already in force. */
	if (v->have_pol && v->pol != NULL)
		check_floor_policy(v, e->seq, v->l->vpol[v->l->nvpol - 1].name,
		    v->pol_text, v->pol_len);
}

/* Kinds 2 and 4-7 in the chain of custody (govern.c). */
static int
check_custody(struct vstate *v, const struct al_entry *e)
{
	char	why[512];
	int	rc;

	if ((rc = gov_step(&v->gov, e, v->pol, why, sizeof(why))) < 0)
		return al_seterr(v->l, AL_ENOMEM, "out of memory");
	if (rc > 0)
		problem(v, e->seq, "%s", why);
	return 0;
}

static int
check_policy(struct vstate *v, const struct al_entry *e)
{
	struct buf	 errs = { 0 };
	uint8_t		 d[AL_HASH_LEN];
	char		*nl;
	int		 rc;

	v->s->policies++;
	sha256(e->text.p, e->text.n, d);
	if (memcmp(d, e->digest, AL_HASH_LEN) != 0)
		problem(v, e->seq, "policy text does not match its digest");
	if (e->version >= 3) {
		check_custody_index(v, e);
		if ((rc = check_custody(v, e)) != 0)
			return rc;
	}
	check_floor_policy(v, e->seq, e->name.p, e->text.p, e->text.n);
	free(v->pol_text);
	if ((v->pol_text = malloc(e->text.n + 1)) == NULL)
		return al_seterr(v->l, AL_ENOMEM, "out of memory");
	memcpy(v->pol_text, e->text.p, e->text.n);
	v->pol_text[e->text.n] = '\0';
	v->pol_len = e->text.n;
	policy_free(v->pol);
	v->pol = policy_parse(e->name.p, e->text.p, e->text.n, &errs);
	if (v->pol == NULL) {
		if (errs.p != NULL && (nl = strchr((char *)errs.p, '\n')))
			*nl = '\0';
		problem(v, e->seq, "policy does not parse: %s",
		    errs.p ? (char *)errs.p : "out of memory");
	}
	buf_free(&errs);
	check_policy_index(v, e);
	memcpy(v->pol_digest, e->digest, AL_HASH_LEN);
	v->have_pol = 1;
	v->pol_seq = e->seq;
	return add_policy(v, e);
}

static void
check_access(struct vstate *v, const struct al_entry *e)
{
	struct al_decision	d;
	MDB_val			k, val;
	uint8_t			kb[8], ck[CUST_KEY_MAX];
	char			hex[2 * AL_HASH_LEN + 1];
	int			rc;

	v->s->accesses++;
	if (e->allow)
		v->s->allowed++;
	else
		v->s->denied++;

	put_be64(kb, e->seq);
	k.mv_size = cust_key(ck, e->customer.p, e->customer.n, e->seq);
	k.mv_data = ck;
	val.mv_size = 8;
	val.mv_data = kb;
	if (k.mv_size == 0)
		problem(v, e->seq, "customer field of %zu bytes",
		    e->customer.n);
	else if (!v->exact)
		pair_fold(v, &v->ents, k.mv_data, k.mv_size, kb, 8);
	else if ((rc = mdb_cursor_get(v->idx, &k, &val, MDB_GET_BOTH)) ==
	    MDB_NOTFOUND)
		problem(v, e->seq, "missing from the customer index");
	else if (rc != 0)
		problem(v, e->seq, "customer index unreadable: %s",
		    mdb_strerror(rc));

	if (!v->have_pol) {
		problem(v, e->seq, "access recorded before any policy");
		return;
	}
	if (memcmp(e->policy, v->pol_digest, AL_HASH_LEN) != 0) {
		al_hex(e->policy, 8, hex);
		problem(v, e->seq, "names policy %s..., but the policy in "
		    "force was set at seq %" PRIu64, hex, v->pol_seq);
		return;
	}
	if (v->pol == NULL)
		return;		/* reported at the policy entry */
	if (!decision_follows(v->floor, v->pol, e, &d))
		problem(v, e->seq, "recorded decision %s (%s%s%s) does not "
		    "follow from its policy, which gives %s (%s%s%s)",
		    e->allow ? "allow" : "deny", al_code_name(e->code),
		    e->rule.n ? " " : "", e->rule.p,
		    d.allow ? "allow" : "deny", al_code_name(d.code),
		    d.rule[0] ? " " : "", d.rule);
}

/* A node the entries make: the stored tree's next one must be it. */
static int
tree_node(void *arg, uint64_t pos, const uint8_t *h)
{
	struct vstate	*v = arg;
	MDB_val		 k, val;
	int		 rc;

	if (v->tbad)
		return 0;	/* one report says the tree was altered */
	rc = mdb_cursor_get(v->tc, &k, &val, v->tfirst ? MDB_FIRST :
	    MDB_NEXT);
	v->tfirst = 0;
	if (rc != 0 && rc != MDB_NOTFOUND) {
		problem(v, v->tseq, "the tree database is unreadable: %s",
		    mdb_strerror(rc));
		v->tbad = 1;
	} else if (rc == MDB_NOTFOUND || k.mv_size != 8 ||
	    get_be64(k.mv_data) != pos) {
		problem(v, v->tseq, "tree node %" PRIu64 " is missing or out "
		    "of place: the tree database was altered", pos);
		v->tbad = 1;
	} else if (val.mv_size != AL_HASH_LEN ||
	    memcmp(val.mv_data, h, AL_HASH_LEN) != 0) {
		problem(v, v->tseq, "tree node %" PRIu64 " is not the hash "
		    "the entries give: the tree database was altered", pos);
		v->tbad = 1;
	}
	return 0;
}

/* The tree head the entries give at this point against a checkpoint. */
static void
check_head_at(struct vstate *v, const struct al_checkpoint *cp)
{
	uint8_t	root[AL_HASH_LEN];
	char	h1[2 * AL_HASH_LEN + 1];

	mt_root(&v->edge, root);
	v->cp_seen = 1;
	if (memcmp(root, cp->root, AL_HASH_LEN) != 0) {
		al_hex(cp->root, AL_HASH_LEN, h1);
		problem(v, cp->size, "the tree of the first %" PRIu64 " "
		    "entries does not have the checkpoint's root %s: the log "
		    "was rewritten since the checkpoint", cp->size, h1);
	}
}

/* A checkpoint entry states the head of the tree just before it. */
static void
check_checkpoint(struct vstate *v, const struct al_entry *e)
{
	struct al_checkpoint	cp;
	uint8_t			root[AL_HASH_LEN];
	char			why[256];

	v->s->checkpoints++;
	mt_root(&v->edge, root);
	if (e->tree_size != v->edge.size || e->tree_size + 1 != e->seq)
		problem(v, e->seq, "a checkpoint of size %" PRIu64 " at seq %"
		    PRIu64 ": a checkpoint states the tree just before it",
		    e->tree_size, e->seq);
	else if (memcmp(root, e->tree_root, AL_HASH_LEN) != 0)
		problem(v, e->seq, "the checkpoint's root is not the tree's");
	if (al_checkpoint_parse(e->note.p, e->note.n, NULL, &cp, why,
	    sizeof(why)) != 0)
		problem(v, e->seq, "the checkpoint note does not parse: %s",
		    why);
	else if (cp.size != e->tree_size ||
	    memcmp(cp.root, e->tree_root, AL_HASH_LEN) != 0 ||
	    strcmp(cp.origin, v->origin) != 0)
		problem(v, e->seq, "the checkpoint note states another head "
		    "than the entry");
}

/* The stored edge, and nothing in the tree past the entries' nodes. */
static void
check_tree_meta(struct vstate *v)
{
	struct mt_edge	 e;
	MDB_val		 k, val;
	int		 rc;

	k.mv_size = strlen(META_TREE);
	k.mv_data = (void *)(uintptr_t)META_TREE;
	if (mdb_get(v->txn, v->l->meta, &k, &val) != 0 ||
	    mt_edge_get(&e, val.mv_data, val.mv_size) != 0)
		problem(v, 0, "the tree metadata is missing or malformed");
	else if (e.size != v->edge.size || e.n != v->edge.n ||
	    memcmp(e.peak, v->edge.peak, (size_t)e.n * AL_HASH_LEN) != 0)
		problem(v, 0, "the tree metadata (size %" PRIu64 ") is not the "
		    "edge of the tree the entries give (size %" PRIu64 ")",
		    e.size, v->edge.size);
	if (v->tbad)
		return;
	rc = mdb_cursor_get(v->tc, &k, &val, v->tfirst ? MDB_FIRST :
	    MDB_NEXT);
	if (rc == 0)
		problem(v, 0, "the tree database holds nodes past the "
		    "entries' (the first at %" PRIu64 ")", k.mv_size == 8 ?
		    get_be64(k.mv_data) : 0);
	else if (rc != MDB_NOTFOUND)
		problem(v, 0, "the tree database is unreadable: %s",
		    mdb_strerror(rc));
}

/* The metadata must agree with what the entries say. */
static void
check_meta(struct vstate *v, uint64_t last_seq, const uint8_t *last_hash)
{
	al_log		*l = v->l;
	MDB_val		 k, val;
	MDB_stat	 st;
	char		 h1[2 * AL_HASH_LEN + 1];
	int		 rc;

	k.mv_size = strlen(META_HEAD);
	k.mv_data = (void *)(uintptr_t)META_HEAD;
	if ((rc = mdb_get(v->txn, l->meta, &k, &val)) != 0 ||
	    val.mv_size != 8 + AL_HASH_LEN)
		problem(v, 0, "the head metadata is missing or malformed");
	else if (get_be64(val.mv_data) != last_seq ||
	    memcmp((uint8_t *)val.mv_data + 8, last_hash, AL_HASH_LEN)) {
		al_hex((uint8_t *)val.mv_data + 8, AL_HASH_LEN, h1);
		problem(v, 0, "the head metadata (seq %" PRIu64 " %s) does "
		    "not match the last entry (seq %" PRIu64 ")",
		    get_be64(val.mv_data), h1, last_seq);
	}
	k.mv_size = strlen(META_POLICY);
	k.mv_data = (void *)(uintptr_t)META_POLICY;
	if ((rc = mdb_get(v->txn, l->meta, &k, &val)) != 0 ||
	    val.mv_size != 8)
		problem(v, 0, "the active-policy metadata is missing or "
		    "malformed");
	else if (get_be64(val.mv_data) != v->pol_seq)
		problem(v, 0, "the active-policy metadata names seq %" PRIu64
		    ", but the last policy change is seq %" PRIu64,
		    get_be64(val.mv_data), v->pol_seq);
	if ((rc = mdb_stat(v->txn, l->customer, &st)) != 0)
		problem(v, 0, "customer index unreadable: %s",
		    mdb_strerror(rc));
	else if (st.ms_entries != v->s->accesses)
		problem(v, 0, "the customer index holds %zu records for %"
		    PRIu64 " accesses", st.ms_entries, v->s->accesses);
	if ((rc = mdb_stat(v->txn, l->policies, &st)) != 0)
		problem(v, 0, "policies index unreadable: %s",
		    mdb_strerror(rc));
	else if (st.ms_entries != v->s->policies)
		problem(v, 0, "the policies index holds %zu records for %"
		    PRIu64 " policy changes", st.ms_entries, v->s->policies);
	if (!l->has_custody)
		return;
	if ((rc = mdb_stat(v->txn, l->custody, &st)) != 0)
		problem(v, 0, "custody index unreadable: %s",
		    mdb_strerror(rc));
	else if (st.ms_entries != v->ncustody)
		problem(v, 0, "the custody index holds %zu records for %"
		    PRIu64 " entries of the chain of custody", st.ms_entries,
		    v->ncustody);
}

/*
 * The walk's part of one entry, in the order of the keys: the key into
 * it (0), or -1 to skip an entry without a seq.  The entry is hashed
 * next (hash_items), so that even one that cannot be decoded links the
 * chain on.
 */
static int
walk_entry(struct vstate *v, const MDB_val *k, const MDB_val *val,
    struct vitem *it)
{
	struct al_verify_summary	*s = v->s;
	uint64_t			 seq;

	if (k->mv_size != 8) {
		problem(v, 0, "an entry key of %zu bytes", k->mv_size);
		return -1;
	}
	seq = get_be64(k->mv_data);
	if (seq != v->expect)
		problem(v, v->expect, seq - 1 == v->expect ?
		    "entry %" PRIu64 " is missing" :
		    "entries %" PRIu64 " to %" PRIu64 " are missing",
		    v->expect, seq - 1);
	s->entries++;
	if (v->o->progress != NULL && s->entries % 65536 == 0)
		v->o->progress(v->o->arg, 0, s->entries);
	if (s->entries == 1)
		s->first_seq = seq;
	s->last_seq = seq;
	it->seq = seq;
	it->nth = s->entries;
	it->p = val->mv_data;
	it->n = val->mv_size;
	v->expect = seq + 1;
	return 0;
}

static void
hash_items(struct vitem *it, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		entry_hash(it[i].p, it[i].n, it[i].hash);
}

/* A clock anomaly: kept on the handle (the first AL_CLOCK_LISTED). */
static void
clock_note(struct vstate *v, uint64_t seq, int kind, uint64_t t,
    uint64_t oseq, uint64_t ot)
{
	struct al_clock_note	*n;
	al_log			*l = v->l;

	v->s->clock_total++;
	if (l->nvclock >= AL_CLOCK_LISTED)
		return;
	if ((n = reallocarray(l->vclock, l->nvclock + 1, sizeof(*n))) ==
	    NULL)
		return;		/* counted, not listed */
	l->vclock = n;
	n += l->nvclock++;
	n->seq = seq;
	n->kind = kind;
	n->time_ns = t;
	n->other_seq = oseq;
	n->other_ns = ot;
}

/*
 * An entry's time against the one before's and the verifying clock, in
 * seq order: the one before is ahead when it is more than an hour after
 * this one (unless already found ahead of the clock); this one steps
 * back when it is before the one before; and it is ahead when it is
 * more than 5 minutes past the verifying clock.
 */
static void
check_clock(struct vstate *v, uint64_t seq, uint64_t t, uint64_t nth)
{
	if (nth > 1 && !v->pahead && v->pns > t &&
	    v->pns - t > AL_CLOCK_JUMP_NS)
		clock_note(v, v->pseq, AL_CLOCK_AHEAD, v->pns, seq, t);
	if (nth > 1 && t < v->pns)
		clock_note(v, seq, AL_CLOCK_BACK, t, v->pseq, v->pns);
	v->pahead = v->now != 0 && t > v->now &&
	    t - v->now > AL_CLOCK_FUTURE_NS;
	if (v->pahead)
		clock_note(v, seq, AL_CLOCK_AHEAD, t, 0, v->now);
	v->pseq = seq;
	v->pns = t;
}

/*
 * The entry's time index record: folded (fast scan), or looked up
 * (exact scan), which reports it missing.
 */
static void
check_time_index(struct vstate *v, uint64_t seq, uint64_t t)
{
	uint8_t	kb[TIME_KEY_LEN];
	MDB_val	k = { sizeof(kb), kb }, val;
	char	ts[40];
	int	rc;

	time_key(kb, t, seq);
	pair_fold(v, &v->tents, kb, 8, kb + 8, 8);
	if (!v->exact)
		return;
	if ((rc = mdb_get(v->txn, v->l->time, &k, &val)) == MDB_NOTFOUND) {
		if (al_format_time(t, 1, ts, sizeof(ts)) != 0)
			(void)strlcpy(ts, "?", sizeof(ts));
		problem(v, seq, "has no time index record (at %s): the time "
		    "index was altered", ts);
	} else if (rc != 0)
		problem(v, seq, "the time index is unreadable: %s",
		    mdb_strerror(rc));
}

/*
 * Everything else about one entry, in the order of the entries: its
 * contents, its link to the entry before, the decision or policy or
 * checkpoint it records, its place in the tree.
 */
static int
check_entry(struct vstate *v, const struct vitem *it)
{
	struct al_verify_summary	*s = v->s;
	const struct al_verify_opts	*o = v->o;
	struct al_entry	 e;
	uint64_t	 seq = it->seq;
	char		 why[256];
	uint64_t	 t;
	int		 rc;

	if (entry_time(it->p, it->n, &t) == 0) {
		check_time_index(v, seq, t);
		check_clock(v, seq, t, it->nth);
	}
	if (entry_parse(it->p, it->n, &e, &v->store, &v->cap, why,
	    sizeof(why)) != 0) {
		problem(v, seq, "cannot be decoded: %s", why);
		goto next;
	}
	memcpy(e.hash, it->hash, AL_HASH_LEN);
	if (e.seq != seq)
		problem(v, seq, "holds the entry for seq %" PRIu64
		    " (moved or swapped)", e.seq);
	if (memcmp(e.prev, v->prev, AL_HASH_LEN) != 0)
		problem(v, seq, seq == 1 ? "the first entry does not "
		    "start the chain" : "does not link to the entry "
		    "before it (that entry or this link was altered)");
	if (it->nth == 1 || e.time_ns < s->first_ns)
		s->first_ns = e.time_ns;
	if (e.time_ns > s->last_ns)
		s->last_ns = e.time_ns;
	/* A log of format 6 writes every entry as version 3: an older
	 * encoding after its floor was put there by hand, and would pass by
	 * the floor's and the custody's checks. */
	if (v->floor_seq != 0 && e.version < 3)
		problem(v, seq, "an entry of version %d after the floor (seq %"
		    PRIu64 "): every entry of a log with a floor is of "
		    "version 3", e.version, v->floor_seq);
	if (e.kind == AL_KIND_POLICY) {
		if ((rc = check_policy(v, &e)) != 0)
			return rc;
	} else if (e.kind == AL_KIND_CHECKPOINT)
		check_checkpoint(v, &e);
	else if (e.kind >= AL_KIND_FLOOR && e.kind <= AL_KIND_REJECTION) {
		check_custody_index(v, &e);
		if (e.kind == AL_KIND_FLOOR)
			check_floor(v, &e);
		if ((rc = check_custody(v, &e)) != 0)
			return rc;
	} else
		check_access(v, &e);
next:
	v->tseq = seq;
	if (mt_push(&v->edge, it->hash, tree_node, v) != 0)
		problem(v, seq, "the tree cannot grow past this entry");
	if (o->checkpoint != NULL && !v->cp_seen &&
	    v->edge.size == o->checkpoint->size)
		check_head_at(v, o->checkpoint);
	if (o->have_expect && seq == o->expect_seq) {
		v->anchor_seen = 1;
		if (memcmp(it->hash, o->expect_hash, AL_HASH_LEN) != 0)
			problem(v, seq, "does not match the anchor: "
			    "the log was rewritten since it was taken");
	}
	memcpy(v->prev, it->hash, AL_HASH_LEN);
	return 0;
}

/*
 * One thread walks, another checks: batches between them.  Hashing is
 * most of the walk's work, and either thread does it: a batch handed on
 * while the checks are still busy with an earlier one is hashed by the
 * walk, and one handed on while they wait is hashed by the checks, so
 * that neither thread waits long for the other.
 */
#define VBATCH	512
#define VRING	4

struct vsplit {
	pthread_mutex_t	 mu;
	pthread_cond_t	 more, room;
	uint64_t	 head, tail;	/* batches handed on, and done */
	size_t		 n[VRING];
	int		 by_check[VRING];	/* the checks hash it */
	int		 hashed[VRING];		/* ...or the walk has */
	int		 done;		/* the walk has handed on all */
	int		 stop;		/* the checks failed: stop walking */
	int		 rc;
	struct vstate	 vb;		/* the checking thread's */
	struct al_verify_summary sb;
	struct vitem	 item[VRING][VBATCH];
};

static void *
check_thread(void *arg)
{
	struct vsplit	*q = arg;
	size_t		 i, n, b;
	int		 rc = 0;

	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (q->head == q->tail && !q->done)
			pthread_cond_wait(&q->more, &q->mu);
		if (q->head == q->tail) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		b = q->tail % VRING;
		n = q->n[b];
		while (!q->by_check[b] && !q->hashed[b])
			pthread_cond_wait(&q->more, &q->mu);
		pthread_mutex_unlock(&q->mu);
		if (q->by_check[b])
			hash_items(q->item[b], n);
		for (i = 0; i < n && rc == 0; i++)
			rc = check_entry(&q->vb, &q->item[b][i]);
		pthread_mutex_lock(&q->mu);
		q->tail++;
		if (rc != 0) {
			q->rc = rc;
			q->stop = 1;
		}
		pthread_cond_signal(&q->room);
		pthread_mutex_unlock(&q->mu);
		if (rc != 0)
			break;
	}
	return NULL;
}

/*
 * Hand on the batch being filled; 0, or -1 when the checks stopped.
 * While they are too far behind to take another, fold the index.
 */
static int	time_step(struct vstate *, struct istep *, size_t);

static int
hand_on(struct vstate *v, struct vsplit *q, struct istep *w, size_t n,
    struct istep *tw)
{
	size_t	b = q->head % VRING;
	int	stop, mine;

	pthread_mutex_lock(&q->mu);
	q->n[b] = n;
	q->hashed[b] = 0;
	/* The checks are busy with another when it is not the only one. */
	mine = q->head != q->tail;
	q->by_check[b] = !mine;
	q->head++;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	if (mine) {
		hash_items(q->item[b], n);
		pthread_mutex_lock(&q->mu);
		q->hashed[b] = 1;
		pthread_cond_signal(&q->more);
		pthread_mutex_unlock(&q->mu);
	}
	pthread_mutex_lock(&q->mu);
	/* While the checks catch up: the indexes' folds, 256 at a time. */
	while (q->head - q->tail == VRING && !q->stop) {
		if (w->end && tw->end) {
			pthread_cond_wait(&q->room, &q->mu);
			continue;
		}
		pthread_mutex_unlock(&q->mu);
		if (!w->end)
			(void)index_step(v, w, 256);
		else
			(void)time_step(v, tw, 256);
		pthread_mutex_lock(&q->mu);
	}
	stop = q->stop;
	pthread_mutex_unlock(&q->mu);
	return stop ? -1 : 0;
}

/*
 * The fast scan on two cores: this thread walks the entries and folds
 * the customer index and then the time index, while a second thread, in the second transaction
 * (the same snapshot), checks each entry as check_entry() does in one
 * thread; either hashes them.  Each counts its own problems; v
 * then takes the checking thread's state.  Returns 0 with *mrcp set, 1
 * when no thread could be started (nothing done: scan in one thread), or
 * the error that stopped the checks.
 */
static int
scan_split(struct vstate *v, MDB_cursor *cur, int *mrcp)
{
	struct vsplit	*q;
	struct vstate	 a;
	struct istep	 w = { NULL, MDB_FIRST, 0, 0 };
	struct istep	 tw = { NULL, MDB_FIRST, 0, 0 };
	pthread_t	 t;
	MDB_val		 k, val;
	size_t		 n = 0;
	int		 rc = 1, mrc, stop = 0;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return 1;
	if (pthread_mutex_init(&q->mu, NULL) != 0)
		goto free;
	if (pthread_cond_init(&q->more, NULL) != 0)
		goto mutex;
	if (pthread_cond_init(&q->room, NULL) != 0)
		goto more;
	q->vb = *v;
	q->vb.s = &q->sb;
	q->vb.txn = v->txn2;
	q->vb.tc = v->tcur2;
	if (pthread_create(&t, NULL, check_thread, q) != 0)
		goto room;

	for (mrc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) {
		if (walk_entry(v, &k, &val, &q->item[q->head % VRING][n]) != 0)
			continue;
		if (++n == VBATCH) {
			n = 0;
			if ((stop = hand_on(v, q, &w, VBATCH, &tw)) != 0)
				break;
		}
	}
	if (!stop && n > 0)
		stop = hand_on(v, q, &w, n, &tw);
	pthread_mutex_lock(&q->mu);
	q->done = 1;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	while (!stop && !index_step(v, &w, SIZE_MAX))
		;
	while (!stop && !time_step(v, &tw, SIZE_MAX))
		;
	if (w.c != NULL)
		mdb_cursor_close(w.c);
	if (tw.c != NULL)
		mdb_cursor_close(tw.c);
	pthread_join(t, NULL);

	/* The walk's figures, and the checks' everything else. */
	q->sb.entries = v->s->entries;
	q->sb.first_seq = v->s->first_seq;
	q->sb.last_seq = v->s->last_seq;
	q->sb.problems += v->s->problems;
	*v->s = q->sb;
	a = *v;
	*v = q->vb;
	v->s = a.s;
	v->txn = a.txn;
	v->expect = a.expect;
	v->idxsum = a.idxsum;
	v->have_idx = a.have_idx;
	v->idx_ok = a.idx_ok;
	v->tidx = a.tidx;
	v->have_tidx = a.have_tidx;
	*mrcp = mrc;
	rc = q->rc;
room:
	pthread_cond_destroy(&q->room);
more:
	pthread_cond_destroy(&q->more);
mutex:
	pthread_mutex_destroy(&q->mu);
free:
	free(q);
	return rc;
}

/*
 * Fold the time index's records into v->tidx, by one walk in key order,
 * n records at a time from where *w is, as index_step does the customer
 * index's; returns 1 when the walk is over.  A record that is not 16 bytes
 * of key and an empty value, or a read error, counts as a difference: the
 * exact scan then names it.
 */
static int
time_step(struct vstate *v, struct istep *w, size_t n)
{
	MDB_val		 k, val;
	int		 rc;

	if (w->end)
		return 1;
	if (!w->started) {
		w->started = 1;
		memset(&v->tidx, 0, sizeof(v->tidx));
		v->have_tidx = 1;
		w->op = MDB_FIRST;
		if (mdb_cursor_open(v->txn, v->l->time, &w->c) != 0) {
			w->c = NULL;
			w->end = 1;
			v->tidx.bad = 1;
			return 1;
		}
	}
	for (; n > 0; n--) {
		if ((rc = mdb_cursor_get(w->c, &k, &val, w->op)) != 0) {
			if (rc != MDB_NOTFOUND)
				v->tidx.bad = 1;
			mdb_cursor_close(w->c);
			w->c = NULL;
			w->end = 1;
			return 1;
		}
		w->op = MDB_NEXT;
		if (k.mv_size != TIME_KEY_LEN || val.mv_size != 0)
			v->tidx.bad = 1;
		else
			pair_fold(v, &v->tidx, k.mv_data, 8,
			    (uint8_t *)k.mv_data + 8, 8);
	}
	return 0;
}

static void
time_fold(struct vstate *v)
{
	struct istep	w = { NULL, MDB_FIRST, 0, 0 };

	while (!time_step(v, &w, SIZE_MAX))
		;
}

static int
time_matches(struct vstate *v)
{
	if (!v->have_tidx)
		time_fold(v);
	return !v->tidx.bad && !v->tents.bad && v->tidx.n == v->tents.n &&
	    memcmp(v->tidx.w, v->tents.w, sizeof(v->tidx.w)) == 0;
}

/*
 * The exact scan's walk of the time index: each record names an entry
 * that is there and has that time (check_time_index found the missing
 * ones).  One lookup a record, so only when something is to be named.
 */
static void
check_time_records(struct vstate *v)
{
	MDB_cursor	*c;
	MDB_val		 k, val, ek, ev;
	uint8_t		 sb[8];
	uint64_t	 t, seq, et;
	char		 ts[40];
	int		 rc, erc;

	if ((rc = mdb_cursor_open(v->txn, v->l->time, &c)) != 0) {
		problem(v, 0, "the time index is unreadable: %s",
		    mdb_strerror(rc));
		return;
	}
	for (rc = mdb_cursor_get(c, &k, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
		if (k.mv_size != TIME_KEY_LEN || val.mv_size != 0) {
			problem(v, 0, "a time index record of %zu and %zu "
			    "bytes: the time index was altered", k.mv_size,
			    val.mv_size);
			continue;
		}
		t = get_be64(k.mv_data);
		seq = get_be64((uint8_t *)k.mv_data + 8);
		if (al_format_time(t, 1, ts, sizeof(ts)) != 0)
			(void)strlcpy(ts, "?", sizeof(ts));
		put_be64(sb, seq);
		ek.mv_size = 8;
		ek.mv_data = sb;
		if ((erc = mdb_get(v->txn, v->l->entries, &ek, &ev)) ==
		    MDB_NOTFOUND)
			problem(v, seq, "the time index holds a record for "
			    "it (at %s), but there is no such entry", ts);
		else if (erc != 0)
			problem(v, seq, "the log's data file is damaged: %s",
			    mdb_strerror(erc));
		else if (entry_time(ev.mv_data, ev.mv_size, &et) != 0 ||
		    et != t)
			problem(v, seq, "the time index holds a record for "
			    "it at %s, which is not its time: the time index "
			    "was altered", ts);
	}
	if (rc != MDB_NOTFOUND)
		problem(v, 0, "the time index is unreadable: %s",
		    mdb_strerror(rc));
	mdb_cursor_close(c);
}

/*
 * One scan of the log in v's transaction, from scratch: the summary and
 * the policy versions are reset, so the exact scan after a fast one
 * reports exactly what it would have alone.  The exact scan runs in one
 * thread, so that its problems come in the order of the entries; the
 * fast one, which only counts them, on two when there is a second
 * transaction.
 */
static int
scan(struct vstate *v, MDB_cursor *cur)
{
	struct al_verify_summary	*s = v->s;
	const struct al_verify_opts	*o = v->o;
	struct vitem	 it;
	MDB_val		 k, val;
	int		 rc = 1, mrc = MDB_NOTFOUND;

	memset(s, 0, sizeof(*s));
	memset(&v->ents, 0, sizeof(v->ents));
	v->have_idx = 0;
	v->l->nvpol = 0;
	v->l->nvclock = 0;
	memset(&v->tents, 0, sizeof(v->tents));
	v->pseq = v->pns = 0;
	v->pahead = 0;
	policy_free(v->pol);
	v->pol = NULL;
	floor_free(v->floor);
	v->floor = NULL;
	v->floor_seq = 0;
	gov_free(&v->gov);
	v->ncustody = 0;
	free(v->pol_text);
	v->pol_text = NULL;
	v->pol_len = 0;
	v->have_pol = 0;
	v->pol_seq = 0;
	v->anchor_seen = 0;
	v->expect = 1;
	memset(v->prev, 0, sizeof(v->prev));
	memset(&v->edge, 0, sizeof(v->edge));
	v->tc = v->tcur;
	v->tfirst = 1;
	v->tbad = 0;
	v->cp_seen = 0;
	if (o->checkpoint != NULL && strcmp(o->checkpoint->origin,
	    v->origin) != 0) {
		problem(v, 0, "the checkpoint names another log (its origin is "
		    "not %s): it is another log's, or this log was replaced",
		    v->origin);
		v->cp_seen = 1;		/* nothing of it applies here */
	}
	if (o->checkpoint != NULL && o->checkpoint->size == 0 && !v->cp_seen)
		check_head_at(v, o->checkpoint);
	if (!v->exact && v->txn2 != NULL)
		rc = scan_split(v, cur, &mrc);
	if (rc == 1) {
		rc = 0;
		for (mrc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); mrc == 0;
		    mrc = mdb_cursor_get(cur, &k, &val, MDB_NEXT))
			if (walk_entry(v, &k, &val, &it) == 0) {
				hash_items(&it, 1);
				if ((rc = check_entry(v, &it)) != 0)
					break;
			}
	}
	if (rc != 0)
		goto done;
	if (mrc != MDB_NOTFOUND)
		problem(v, v->expect, "the log's data file is damaged: %s",
		    mdb_strerror(mrc));
	if (s->entries == 0)
		problem(v, 0, "the log has no entries");
	if (o->have_expect && !v->anchor_seen)
		problem(v, o->expect_seq, "the anchor's entry is not in the "
		    "log, which ends at seq %" PRIu64 ": it was truncated or "
		    "replaced", s->last_seq);
	if (o->checkpoint != NULL && !v->cp_seen)
		problem(v, o->checkpoint->size, "the log has %" PRIu64
		    " entries, fewer than the checkpoint's %" PRIu64 ": it was "
		    "truncated or replaced", v->edge.size,
		    o->checkpoint->size);
	check_meta(v, s->last_seq, v->prev);
	check_tree_meta(v);
	if (v->exact)
		check_time_records(v);
	mt_root(&v->edge, s->root);
	memcpy(s->head, v->prev, AL_HASH_LEN);
	s->policy = v->l->vpol;
	s->npolicy = v->l->nvpol;
	s->clock = v->l->vclock;
	s->nclock = v->l->nvclock;
done:
	free(v->store);
	v->store = NULL;
	v->cap = 0;
	return rc;
}

/*
 * A second read transaction for the fast scan's second thread, which must
 * see the snapshot v->txn sees; none (and one thread) when it cannot be
 * had, which only costs time.
 */
static void
second_txn(struct vstate *v)
{
	if (mdb_txn_begin(v->l->env, NULL, MDB_RDONLY, &v->txn2) != 0) {
		v->txn2 = NULL;
		return;
	}
	if (mdb_txn_id(v->txn2) != mdb_txn_id(v->txn) ||
	    mdb_cursor_open(v->txn2, v->l->tree, &v->tcur2) != 0) {
		v->tcur2 = NULL;
		mdb_txn_abort(v->txn2);
		v->txn2 = NULL;
	}
}

int
al_verify(al_log *l, const struct al_verify_opts *o,
    struct al_verify_summary *s)
{
	struct vstate	 v;
	MDB_cursor	*cur = NULL;
	int		 rc, mrc;

	memset(s, 0, sizeof(*s));
	memset(&v, 0, sizeof(v));
	v.l = l;
	v.o = o;
	v.s = s;
	l->nvpol = 0;
	l->nvclock = 0;
	v.now = al_now_ns(l);
	if ((rc = log_read_txn(l, &v.txn)) != 0)
		goto done;
	if ((mrc = mdb_cursor_open(v.txn, l->entries, &cur)) != 0 ||
	    (mrc = mdb_cursor_open(v.txn, l->customer, &v.idx)) != 0 ||
	    (mrc = mdb_cursor_open(v.txn, l->tree, &v.tcur)) != 0) {
		rc = al_lmdb_err(l, mrc, "open cursor");
		goto done;
	}
	if ((rc = log_origin(l, v.txn, v.origin, sizeof(v.origin))) != 0)
		goto done;
	second_txn(&v);

	pair_key(&v);
	if ((rc = scan(&v, cur)) != 0)
		goto done;
	/*
	 * The same index as the entries' pairs means every lookup of the
	 * exact scan would succeed: nothing more to find.  Otherwise, or
	 * to report what the fast scan only counted, scan again.
	 */
	if (!index_matches(&v) || !time_matches(&v) ||
	    (s->problems != 0 && o->problem != NULL)) {
		v.exact = 1;
		rc = scan(&v, cur);
	}
done:
	explicit_bzero(v.pairkey, sizeof(v.pairkey));
	policy_free(v.pol);
	floor_free(v.floor);
	gov_free(&v.gov);
	free(v.pol_text);
	if (v.tcur2 != NULL)
		mdb_cursor_close(v.tcur2);
	if (v.txn2 != NULL)
		mdb_txn_abort(v.txn2);
	if (v.idx != NULL)
		mdb_cursor_close(v.idx);
	if (v.tcur != NULL)
		mdb_cursor_close(v.tcur);
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (v.txn != NULL)
		mdb_txn_abort(v.txn);
	return rc;
}
