/* prep.c - batches checked, decided and encoded ahead of their commit */
#include <stdlib.h>
#include <string.h>

#include <bsd/stdlib.h>

#include "store.h"

/*
 * A batch prepared ahead of its commit (auditlog.h).  Each access is
 * checked, decided under pc (the policy in force when it was last
 * loaded) and encoded with its seq, time and prev left to the commit,
 * which places them and decides again if the policy changed meanwhile.
 */
struct prep_ent {
	size_t			off, len;	/* its encoding, in enc */
	size_t			coff, clen;	/* its customer, in enc */
	struct al_decision	d;
};

struct al_prep {
	const al_log	*l;		/* host, pid, uid: set at al_open */
	struct polcache	 pc;
	struct buf	 enc, one;
	struct prep_ent	*ent;
	size_t		 n, cap;
	uint8_t		*store;		/* re-deciding: decoded strings */
	size_t		 storecap;
	char		 err[AL_ERRLEN];
};

int
al_prep_new(al_log *l, al_prep **out)
{
	al_prep		*p;
	MDB_txn		*txn = NULL;
	uint64_t	 pseq;
	int		 rc;

	*out = NULL;
	if (l->flags & AL_RDONLY) {
		rc = al_seterr(l, AL_EINVAL, "the log is open read-only");
		goto done;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		rc = al_seterr(l, AL_ENOMEM, "out of memory");
		goto done;
	}
	p->l = l;
	if ((rc = log_read_txn(l, &txn)) != 0 ||
	    (rc = store_policy_seq(l, txn, &pseq)) != 0 ||
	    (rc = store_policy_load(l, txn, pseq, &p->pc)) != 0) {
		al_prep_free(p);
		goto done;
	}
	*out = p;
done:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

void
al_prep_free(al_prep *p)
{
	if (p == NULL)
		return;
	policy_free(p->pc.pol);
	free(p->pc.copy);
	buf_free(&p->enc);
	buf_free(&p->one);
	free(p->ent);
	free(p->store);
	free(p);
}

void
al_prep_reset(al_prep *p)
{
	p->n = 0;
	p->enc.n = 0;
}

size_t
al_prep_count(const al_prep *p)
{
	return p->n;
}

const char *
al_prep_errmsg(const al_prep *p)
{
	return p->err;
}

/* Encode e at the end of enc, as entry pe (one is scratch). */
static int
prep_put(struct buf *enc, struct buf *one, struct prep_ent *pe,
    const struct al_entry *e, char *err)
{
	int	rc;

	if ((rc = entry_encode(e, one)) != 0) {
		rc = err_set(err, rc, "encode entry");
		goto done;
	}
	pe->off = enc->n;
	pe->len = one->n;
	pe->coff = pe->off + entry_customer_at(e);
	pe->clen = e->customer.n;
	if (buf_add(enc, one->p, one->n) != 0)
		rc = err_set(err, AL_ENOMEM, "out of memory");
done:
	return rc;
}

int
al_prep_add(al_prep *p, const struct al_access *a)
{
	return al_prep_add_as(p, a, NULL);
}

int
al_prep_add_as(al_prep *p, const struct al_access *a,
    const struct al_ident *o)
{
	struct prep_ent	*ne;
	struct al_entry	 e;
	size_t		 cap;
	int		 rc;

	if ((rc = access_ok(p->err, a)) != 0)
		goto done;
	if (p->n == p->cap) {
		cap = p->cap ? p->cap * 2 : 64;
		if ((ne = reallocarray(p->ent, cap, sizeof(*ne))) == NULL) {
			rc = err_set(p->err, AL_ENOMEM, "out of memory");
			goto done;
		}
		p->ent = ne;
		p->cap = cap;
	}
	decide_access(p->l->floor, p->pc.pol, o != NULL ? o : &p->l->id, a,
	    &p->ent[p->n].d);
	access_entry(p->l, a, o, &p->ent[p->n].d, &p->pc.entry, &e);
	if ((rc = prep_put(&p->enc, &p->one, &p->ent[p->n], &e,
	    p->err)) == 0)
		p->n++;
done:
	return rc;
}

/*
 * The policy changed since p's entries were decided: decide each again
 * under the policy of seq pseq, from its own encoding, as verify
 * re-derives a recorded decision, and encode it anew.  All or nothing:
 * on an error p is as it was, and a retry decides again.
 */
static int
prep_redecide(al_log *l, MDB_txn *txn, al_prep *p, uint64_t pseq)
{
	struct polcache	 pc = { 0 }, opc;
	struct buf	 enc = { 0 }, oenc;
	struct prep_ent	*ent = NULL, *oent;
	struct al_entry	 e;
	char		 why[256];
	size_t		 i;
	int		 rc;

	if ((rc = store_policy_load(l, txn, pseq, &pc)) != 0)
		goto done;
	if ((ent = reallocarray(NULL, p->n, sizeof(*ent))) == NULL) {
		rc = al_seterr(l, AL_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < p->n; i++) {
		if (entry_decode(p->enc.p + p->ent[i].off, p->ent[i].len, &e,
		    &p->store, &p->storecap, why, sizeof(why)) != 0) {
			rc = al_seterr(l, AL_EIO, "a prepared entry: %s", why);
			goto done;
		}
		decide_entry(l->floor, pc.pol, &e, &ent[i].d);
		e.allow = ent[i].d.allow;
		e.code = ent[i].d.code;
		e.rule = str_of(ent[i].d.rule);
		e.detail = str_of(ent[i].d.detail);
		memcpy(e.policy, pc.entry.digest, AL_HASH_LEN);
		if ((rc = prep_put(&enc, &p->one, &ent[i], &e, l->err)) != 0)
			goto done;
	}
	opc = p->pc;
	p->pc = pc;
	pc = opc;
	oenc = p->enc;
	p->enc = enc;
	enc = oenc;
	oent = p->ent;
	p->ent = ent;
	ent = oent;
	p->cap = p->n;
	rc = 0;
done:
	policy_free(pc.pol);
	free(pc.copy);
	buf_free(&enc);
	free(ent);
	return rc;
}

struct prec {
	al_prep			*p;
	struct al_decision	*d;
};

/* A NUL-terminated text into size bytes at dst, cut if it must be. */
static void
copy_text(char *dst, const char *src, size_t size)
{
	size_t	n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
prep_in(al_log *l, MDB_txn *txn, void *arg)
{
	struct prec	*r = arg;
	al_prep		*p = r->p;
	struct prep_ent	*pe;
	struct al_str	 cust;
	struct head	 h;
	uint64_t	 pseq;
	size_t		 i;
	int		 rc;

	if ((rc = store_get_head(l, txn, &h)) != 0 ||
	    (rc = store_policy_seq(l, txn, &pseq)) != 0)
		goto done;
	if (pseq != p->pc.seq && (rc = prep_redecide(l, txn, p, pseq)) != 0)
		goto done;
	for (i = 0; i < p->n; i++) {
		pe = &p->ent[i];
		cust.p = (const char *)p->enc.p + pe->coff;
		cust.n = pe->clen;
		if ((rc = append_bytes(l, txn, p->enc.p + pe->off, pe->len,
		    &cust, &h)) != 0)
			goto done;
		/* Not the whole struct: its texts are short, its arrays
		 * 1.3 KiB, and copying them was 6% of record --batch (and
		 * libbsd's strlcpy, a byte at a time, 3.5%). */
		r->d[i].allow = pe->d.allow;
		r->d[i].code = pe->d.code;
		copy_text(r->d[i].rule, pe->d.rule, sizeof(r->d[i].rule));
		copy_text(r->d[i].detail, pe->d.detail,
		    sizeof(r->d[i].detail));
		r->d[i].seq = h.seq;
	}
	rc = p->n > 0 ? store_head(l, txn, &h) : 0;
done:
	return rc;
}

int
al_record_prep(al_log *l, al_prep *p, struct al_decision *d)
{
	struct prec	r = { p, d };
	int		rc = 0;

	if (l->flags & AL_RDONLY)
		rc = al_seterr(l, AL_EINVAL, "the log is open read-only");
	else if (p->l != l)
		rc = al_seterr(l, AL_EINVAL, "the batch was prepared for "
		    "another log handle");
	else if (p->n > 0)
		rc = store_write_txn(l, prep_in, &r);
	return rc;
}
