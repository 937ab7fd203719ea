/* custody.c - the writer's side of governance: propose, approve, reject */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "store.h"

/*
 * A governed log (one with a floor entry, format 6) changes its policy in
 * steps that each are an entry: a proposal (kind 5), approvals by other
 * administrators (6), and the activation (a policy entry, kind 2), which
 * the approval that completes the count appends in its own transaction.
 * Every step is judged by gov_step, as verify judges it, on the entry as
 * it will be committed (its seq and time set), inside the transaction: a
 * step it refuses aborts the transaction, so nothing partial is recorded.
 * The custody index (seq -> kind, digest) lists these entries, so that
 * the state is rebuilt from them alone, without a scan of the log.
 */

#define OP_PROPOSE	1
#define OP_APPROVE	2
#define OP_REJECT	3
#define OP_SET		4

/* A step asked for (c, as al_policy_propose or _decide took it), and
 * what it recorded. */
struct gact {
	int			 op;
	const struct al_change	*c;
	struct al_change_result	*r;
};

/* Read and decode entry seq into *e, its strings in *store. */
static int
read_entry(al_log *l, MDB_txn *txn, uint64_t seq, struct al_entry *e,
    uint8_t **store, size_t *cap)
{
	uint8_t	kb[8];
	MDB_val	k = { 8, kb }, v;
	char	why[256];
	int	rc;

	put_be64(kb, seq);
	if ((rc = mdb_get(txn, l->entries, &k, &v)) == MDB_NOTFOUND)
		return al_seterr(l, AL_ECORRUPT, "the custody index names "
		    "seq %" PRIu64 ", which is not in the log", seq);
	if (rc != 0)
		return al_lmdb_err(l, rc, "read entry");
	if (entry_decode(v.mv_data, v.mv_size, e, store, cap, why,
	    sizeof(why)) != 0)
		return al_seterr(l, AL_ECORRUPT, "seq %" PRIu64 ": %s", seq,
		    why);
	return 0;
}

/*
 * The log's custody so far, taken as committed (verify judges it), and
 * its floor parsed into l->floor when wanted.
 */
int
custody_load(al_log *l, MDB_txn *txn, struct gov *g)
{
	struct al_entry	 e;
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	uint8_t		*store = NULL;
	size_t		 cap = 0;
	char		 why[256];
	int		 rc, mrc, op = MDB_FIRST;

	memset(g, 0, sizeof(*g));
	g->trust = 1;
	if (!l->has_custody)
		return 0;
	if ((mrc = mdb_cursor_open(txn, l->custody, &cur)) != 0) {
		rc = al_lmdb_err(l, mrc, "read the custody index");
		goto done;
	}
	for (;;) {
		if ((mrc = mdb_cursor_get(cur, &k, &v, op)) == MDB_NOTFOUND)
			break;
		op = MDB_NEXT;
		if (mrc != 0) {
			rc = al_lmdb_err(l, mrc, "read the custody index");
			goto done;
		}
		if (k.mv_size != 8) {
			rc = al_seterr(l, AL_ECORRUPT, "the custody index "
			    "holds a key of %zu bytes", k.mv_size);
			goto done;
		}
		if ((rc = read_entry(l, txn, get_be64(k.mv_data), &e, &store,
		    &cap)) != 0)
			goto done;
		if (gov_step(g, &e, NULL, why, sizeof(why)) < 0) {
			rc = al_seterr(l, AL_ENOMEM, "out of memory");
			goto done;
		}
		if (e.kind == AL_KIND_FLOOR && (rc = custody_floor(l, &e)) != 0)
			goto done;
	}
	rc = 0;
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	free(store);
	if (rc != 0)
		gov_free(g);
	return rc;
}

/* The floor of entry e, parsed into the handle (once). */
int
custody_floor(al_log *l, const struct al_entry *e)
{
	struct buf	errs = { 0 };
	int		rc = 0;

	if (l->floor != NULL && l->floor_seq == e->seq)
		goto done;
	floor_free(l->floor);
	l->floor_seq = 0;
	if ((l->floor = floor_parse(e->name.p, e->text.p, e->text.n,
	    &errs)) == NULL) {
		rc = al_seterr(l, AL_ECORRUPT, "the floor (seq %" PRIu64 ") "
		    "does not parse: %s", e->seq, errs.p != NULL ?
		    (char *)errs.p : "out of memory");
		goto done;
	}
	l->floor_seq = e->seq;
done:
	buf_free(&errs);
	return rc;
}

/* The open proposal ref names: a digest, or a prefix of 8 or more hex
 * digits that only one open proposal has. */
static int
find_open(al_log *l, const struct gov *g, const char *ref,
    struct gov_prop **out)
{
	struct gov_prop	*p, *found = NULL;
	char		 hex[2 * AL_HASH_LEN + 1];
	size_t		 i, n = strlen(ref);

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)ref[i]))
			break;
	if (n < 8 || n > 2 * AL_HASH_LEN || i < n)
		return al_seterr(l, AL_EINVAL, "'%s' is no digest: give the "
		    "proposal's digest, or 8 or more of its first hex "
		    "digits", ref);
	for (i = 0; i < g->np; i++) {
		p = &g->p[i];
		al_hex(p->digest, AL_HASH_LEN, hex);
		if (strncasecmp(hex, ref, n) != 0)
			continue;
		/* A digest proposed again: its newest proposal. */
		if (found != NULL && memcmp(found->digest, p->digest,
		    AL_HASH_LEN) != 0 && (found->state == GOV_OPEN ||
		    p->state == GOV_OPEN))
			return al_seterr(l, AL_EREFUSED, "digest '%s' is "
			    "ambiguous: more than one proposal starts with it",
			    ref);
		found = p;
	}
	if (found == NULL)
		return al_seterr(l, AL_EREFUSED, "no proposal has digest "
		    "'%s'", ref);
	*out = found;
	return 0;
}

/* Append e, index it, and judge it as verify will; refused: AL_EINVAL. */
static int
step(al_log *l, MDB_txn *txn, struct gov *g, struct al_entry *e,
    struct head *h)
{
	char	why[512];
	int	rc;

	if ((rc = append_entry(l, txn, e, h)) != 0)
		return rc;
	g->trust = 0;
	if ((rc = gov_step(g, e, l->pc.pol, why, sizeof(why))) < 0)
		return al_seterr(l, AL_ENOMEM, "out of memory");
	if (rc > 0)
		return al_seterr(l, AL_EREFUSED, "%s", why);
	return 0;
}

static int
custody_in(al_log *l, MDB_txn *txn, void *arg)
{
	struct gact	*a = arg;
	struct gov	 g;
	struct gov_prop	*p = NULL;
	struct al_entry	 e, pe;
	struct head	 h;
	uint64_t	 pseq;
	uint8_t		*store = NULL;
	size_t		 cap = 0;
	char		*errs = NULL;
	int		 rc;

	memset(&g, 0, sizeof(g));
	a->r->seq = a->r->active = 0;
	if ((rc = custody_load(l, txn, &g)) != 0 ||
	    (rc = store_get_head(l, txn, &h)) != 0 ||
	    (rc = store_policy_seq(l, txn, &pseq)) != 0 ||
	    (rc = log_policy_at(l, txn, pseq)) != 0)
		goto done;
	if (!g.floor) {
		rc = al_seterr(l, AL_EREFUSED, "this log has no floor (it was "
		    "made before format 6): its policy is changed with "
		    "'policy set'");
		goto done;
	}
	memset(&e, 0, sizeof(e));
	entry_origin(l, &e, a->c->service, a->c->as);
	e.actor = str_of(a->c->actor);
	switch (a->op) {
	case OP_PROPOSE:
	case OP_SET:
		if (a->op == OP_SET && g.need > 1) {
			rc = al_seterr(l, AL_EREFUSED, "this log needs %u "
			    "administrators for a policy change: propose it "
			    "('policy propose FILE') and have another "
			    "approve it ('policy approve DIGEST')", g.need);
			goto done;
		}
		if (floor_check_policy(l->floor, a->c->name, a->c->text, a->c->len,
		    &errs) != 0) {
			rc = errs == NULL ? al_seterr(l, AL_ENOMEM, "out of "
			    "memory") : al_seterr(l, AL_EREFUSED, "%s", errs);
			goto done;
		}
		e.kind = AL_KIND_PROPOSAL;
		e.name = str_of(a->c->name);
		e.text.p = a->c->text;
		e.text.n = a->c->len;
		sha256(a->c->text, a->c->len, e.digest);
		memcpy(a->r->digest, e.digest, AL_HASH_LEN);
		if (memcmp(l->pc.entry.digest, e.digest, AL_HASH_LEN) == 0 &&
		    a->op == OP_SET && strcmp(l->pc.entry.name.p,
		    a->c->name) == 0) {
			rc = 0;		/* set again: nothing changes */
			goto done;
		}
		if (memcmp(l->pc.entry.digest, e.digest, AL_HASH_LEN) == 0) {
			rc = al_seterr(l, AL_EREFUSED, "%s is the policy in "
			    "force already", a->c->name);
			goto done;
		}
		e.expires_ns = al_now_ns(l) + (a->c->expires_ns ? a->c->expires_ns :
		    GOV_EXPIRY_NS);
		break;
	default:
		if ((rc = find_open(l, &g, a->c->digest, &p)) != 0)
			goto done;
		e.kind = a->op == OP_APPROVE ? AL_KIND_APPROVAL :
		    AL_KIND_REJECTION;
		memcpy(e.digest, p->digest, AL_HASH_LEN);
		memcpy(a->r->digest, p->digest, AL_HASH_LEN);
		break;
	}
	if ((rc = step(l, txn, &g, &e, &h)) != 0)
		goto done;
	a->r->seq = e.seq;
	/* The step that completes the count activates the policy. */
	if (e.kind == AL_KIND_REJECTION ||
	    (p = gov_find(&g, e.digest)) == NULL || p->n < g.need)
		goto commit;
	if ((rc = read_entry(l, txn, p->seq, &pe, &store, &cap)) != 0)
		goto done;
	memset(&e, 0, sizeof(e));
	entry_origin(l, &e, a->c->service, a->c->as);
	e.actor = str_of(a->c->actor);
	e.kind = AL_KIND_POLICY;
	e.name = pe.name;
	e.text = pe.text;
	memcpy(e.digest, pe.digest, AL_HASH_LEN);
	if ((rc = step(l, txn, &g, &e, &h)) != 0)
		goto done;
	a->r->active = e.seq;
commit:
	rc = store_head(l, txn, &h);
done:
	free(errs);
	free(store);
	gov_free(&g);
	return rc;
}

/* Take the step c asks for (op), as a whole transaction, or through
 * auditlogd on a handle of al_connect; *r is what it recorded. */
static int
custody_do(al_log *l, int op, const struct al_change *c,
    struct al_change_result *r)
{
	struct gact	a = { op, c, r };
	int		rc;

	memset(r, 0, sizeof(*r));
	if (l->flags & AL_RDONLY)
		return al_seterr(l, AL_EINVAL, "the log is open read-only");
	if ((rc = access_field_ok(l->err, "actor", c->actor, 1,
	    AL_MAX_NAME)) != 0 ||
	    (rc = access_field_ok(l->err, "service", c->service, 0,
	    AL_MAX_NAME)) != 0)
		return rc;
	if ((op == OP_PROPOSE || op == OP_SET) && c->text == NULL)
		return al_seterr(l, AL_EINVAL, "no policy text given");
	if ((op == OP_PROPOSE || op == OP_SET) && (rc = log_policy_ok(l,
	    c->name, c->text, c->len)) != 0)
		return rc;
	if ((op == OP_APPROVE || op == OP_REJECT) && c->digest == NULL)
		return al_seterr(l, AL_EINVAL, "no digest given");
	/* A handle on auditlogd's socket: the daemon takes the step. */
	if (l->cl != NULL)
		return client_change(l, c, op == OP_APPROVE ? CLIENT_APPROVE :
		    op == OP_REJECT ? CLIENT_REJECT : CLIENT_PROPOSE, r);
	return store_write_txn(l, custody_in, &a);
}

int
al_policy_propose(al_log *l, const struct al_change *c,
    struct al_change_result *r)
{
	return custody_do(l, c->set ? OP_SET : OP_PROPOSE, c, r);
}

int
al_policy_decide(al_log *l, const struct al_change *c, int approve,
    struct al_change_result *r)
{
	return custody_do(l, approve ? OP_APPROVE : OP_REJECT, c, r);
}

/*
 * At open: the custody index (a log of format 6 has one), and the floor,
 * its first record when the log has one, parsed for decisions.
 */
int
custody_open(al_log *l, MDB_txn *txn)
{
	struct al_entry	 e;
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	uint8_t		*store = NULL;
	size_t		 cap = 0;
	int		 rc, mrc;

	if ((mrc = mdb_dbi_open(txn, "custody", 0, &l->custody)) != 0) {
		rc = mrc == MDB_NOTFOUND ? al_seterr(l, AL_ECORRUPT,
		    "the log's custody index is missing") :
		    al_lmdb_err(l, mrc, "open databases");
		goto done;
	}
	l->has_custody = 1;
	if ((mrc = mdb_cursor_open(txn, l->custody, &cur)) != 0) {
		rc = al_lmdb_err(l, mrc, "read the custody index");
		goto done;
	}
	if ((mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == MDB_NOTFOUND) {
		rc = 0;
		goto done;
	}
	if (mrc != 0) {
		rc = al_lmdb_err(l, mrc, "read the custody index");
		goto done;
	}
	if (k.mv_size != 8 || v.mv_size != 1 + AL_HASH_LEN) {
		rc = al_seterr(l, AL_ECORRUPT, "the custody index is damaged");
		goto done;
	}
	if (((uint8_t *)v.mv_data)[0] != AL_KIND_FLOOR) {
		rc = 0;
		goto done;
	}
	if ((rc = read_entry(l, txn, get_be64(k.mv_data), &e, &store,
	    &cap)) != 0)
		goto done;
	if (e.kind != AL_KIND_FLOOR) {
		rc = al_seterr(l, AL_ECORRUPT, "the custody index names seq "
		    "%" PRIu64 " a floor, which it is not", e.seq);
		goto done;
	}
	rc = custody_floor(l, &e);
done:
	/*
	 * A writer fails closed on a floor it cannot read; a reader opens
	 * the log all the same, so that verify can list what is wrong.
	 */
	if (rc == AL_ECORRUPT && (l->flags & AL_RDONLY) && l->has_custody) {
		(void)err_set(l->warn, 0, "%s", l->err);
		l->err[0] = '\0';
		rc = 0;
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	free(store);
	return rc;
}

int
al_floor_get(al_log *l, struct al_entry *e)
{
	MDB_txn	*txn = NULL;
	size_t	 cap = 0;
	int	 rc;

	if (l->env == NULL)
		return al_seterr(l, AL_EINVAL, "al_floor_get: no log's files");
	if (l->floor_seq == 0)
		return al_seterr(l, AL_ENOLOG, "the log has no floor (it was "
		    "made before format 6)");
	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	free(l->fcopy);
	l->fcopy = NULL;
	rc = read_entry(l, txn, l->floor_seq, e, &l->fcopy, &cap);
	mdb_txn_abort(txn);
	return rc;
}
