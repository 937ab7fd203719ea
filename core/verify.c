/* verify.c - prove the log intact and re-derive every decision */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "al_int.h"

struct vstate {
	al_log				*l;
	const struct al_verify_opts	*o;
	struct al_verify_summary	*s;
	MDB_txn				*txn;
	MDB_cursor			*idx;
	struct policy			*pol;		/* in force */
	uint8_t				 pol_digest[AL_HASH_LEN];
	int				 have_pol;
	uint64_t			 pol_seq;
	int				 anchor_seen;
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
	if (v->o->problem == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= (int)sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	va_end(ap);
	v->o->problem(v->o->arg, seq, msg);
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

static int
check_policy(struct vstate *v, const struct al_entry *e)
{
	struct buf	 errs = { 0 };
	uint8_t		 d[AL_HASH_LEN];
	char		*nl;

	v->s->policies++;
	sha256(e->text.p, e->text.n, d);
	if (memcmp(d, e->digest, AL_HASH_LEN) != 0)
		problem(v, e->seq, "policy text does not match its digest");
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
	uint8_t			kb[8];
	char			hex[2 * AL_HASH_LEN + 1];
	int			rc;

	v->s->accesses++;
	if (e->allow)
		v->s->allowed++;
	else
		v->s->denied++;

	put_be64(kb, e->seq);
	k.mv_size = e->customer.n;
	k.mv_data = (void *)(uintptr_t)e->customer.p;
	val.mv_size = 8;
	val.mv_data = kb;
	if (k.mv_size == 0 || k.mv_size > 511)
		problem(v, e->seq, "customer field of %zu bytes", k.mv_size);
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
	if (!policy_follows(v->pol, e, &d))
		problem(v, e->seq, "recorded decision %s (%s%s%s) does not "
		    "follow from its policy, which gives %s (%s%s%s)",
		    e->allow ? "allow" : "deny", al_code_name(e->code),
		    e->rule.n ? " " : "", e->rule.p,
		    d.allow ? "allow" : "deny", al_code_name(d.code),
		    d.rule[0] ? " " : "", d.rule);
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
}

int
al_verify(al_log *l, const struct al_verify_opts *o,
    struct al_verify_summary *s)
{
	struct vstate	 v;
	struct al_entry	 e;
	MDB_cursor	*cur = NULL;
	MDB_val		 k, val;
	uint8_t		 prev[AL_HASH_LEN] = { 0 }, hash[AL_HASH_LEN];
	uint8_t		*store = NULL;
	size_t		 cap = 0;
	uint64_t	 seq, expect = 1;
	char		 why[256];
	int		 rc, mrc;

	memset(s, 0, sizeof(*s));
	memset(&v, 0, sizeof(v));
	v.l = l;
	v.o = o;
	v.s = s;
	l->nvpol = 0;
	if ((rc = log_read_txn(l, &v.txn)) != 0)
		return rc;
	if ((mrc = mdb_cursor_open(v.txn, l->entries, &cur)) != 0 ||
	    (mrc = mdb_cursor_open(v.txn, l->customer, &v.idx)) != 0) {
		rc = al_lmdb_err(l, mrc, "open cursor");
		goto done;
	}
	for (mrc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) {
		if (k.mv_size != 8) {
			problem(&v, 0, "an entry key of %zu bytes",
			    k.mv_size);
			continue;
		}
		seq = get_be64(k.mv_data);
		if (seq != expect)
			problem(&v, expect, seq - 1 == expect ?
			    "entry %" PRIu64 " is missing" :
			    "entries %" PRIu64 " to %" PRIu64 " are missing",
			    expect, seq - 1);
		s->entries++;
		if (s->entries == 1)
			s->first_seq = seq;
		s->last_seq = seq;
		/* The decoder hashes what it decodes; an entry it cannot
		 * decode is hashed here, so the chain goes on through it. */
		if (entry_decode(val.mv_data, val.mv_size, &e, &store, &cap,
		    why, sizeof(why)) != 0) {
			entry_hash(val.mv_data, val.mv_size, hash);
			problem(&v, seq, "cannot be decoded: %s", why);
			goto next;
		}
		memcpy(hash, e.hash, AL_HASH_LEN);
		if (e.seq != seq)
			problem(&v, seq, "holds the entry for seq %" PRIu64
			    " (moved or swapped)", e.seq);
		if (memcmp(e.prev, prev, AL_HASH_LEN) != 0)
			problem(&v, seq, seq == 1 ? "the first entry does not "
			    "start the chain" : "does not link to the entry "
			    "before it (that entry or this link was altered)");
		if (s->entries > 1 && e.time_ns < s->last_ns)
			problem(&v, seq, "its time is before the entry before "
			    "it: times never go back along the chain");
		if (s->entries == 1)
			s->first_ns = e.time_ns;
		if (e.time_ns > s->last_ns)
			s->last_ns = e.time_ns;
		if (e.kind == AL_KIND_POLICY) {
			if ((rc = check_policy(&v, &e)) != 0)
				goto done;
		} else
			check_access(&v, &e);
next:
		if (o->have_expect && seq == o->expect_seq) {
			v.anchor_seen = 1;
			if (memcmp(hash, o->expect_hash, AL_HASH_LEN) != 0)
				problem(&v, seq, "does not match the anchor: "
				    "the log was rewritten since it was taken");
		}
		memcpy(prev, hash, AL_HASH_LEN);
		expect = seq + 1;
	}
	if (mrc != MDB_NOTFOUND)
		problem(&v, expect, "the log's data file is damaged: %s",
		    mdb_strerror(mrc));
	if (s->entries == 0)
		problem(&v, 0, "the log has no entries");
	if (o->have_expect && !v.anchor_seen)
		problem(&v, o->expect_seq, "the anchor's entry is not in the "
		    "log, which ends at seq %" PRIu64 ": it was truncated or "
		    "replaced", s->last_seq);
	check_meta(&v, s->last_seq, prev);
	memcpy(s->head, prev, AL_HASH_LEN);
	s->policy = l->vpol;
	s->npolicy = l->nvpol;
	rc = 0;
done:
	policy_free(v.pol);
	free(store);
	if (v.idx != NULL)
		mdb_cursor_close(v.idx);
	if (cur != NULL)
		mdb_cursor_close(cur);
	mdb_txn_abort(v.txn);
	return rc;
}
