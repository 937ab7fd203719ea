/* summary.c - what an export holds: checks, tallies, the summary, reports */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "al_int.h"
#include "export.h"

#define MAX_LISTED	100	/* problems spelled out in a summary */

static uint64_t
fnv(const char *p, size_t n)
{
	uint64_t	h = 1469598103934665603ULL;
	size_t		i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ULL;
	return h;
}

static int
tally_add(struct tally *t, const struct al_str *k, int allow)
{
	struct tcount	*c;
	size_t		 i;

	/* Linear probing on FNV-1a; the table stays under half full. */
	if (t->n * 2 >= t->cap) {
		struct tally	nt = { NULL, t->cap ? t->cap * 2 : 64, 0 };
		size_t		j;

		if ((nt.t = calloc(nt.cap, sizeof(*nt.t))) == NULL)
			return AL_ENOMEM;
		for (j = 0; j < t->cap; j++) {
			if (t->t[j].key == NULL)
				continue;
			for (i = fnv(t->t[j].key, t->t[j].len) &
			    (nt.cap - 1); nt.t[i].key != NULL;
			    i = (i + 1) & (nt.cap - 1))
				;
			nt.t[i] = t->t[j];
		}
		nt.n = t->n;
		free(t->t);
		*t = nt;
	}
	for (i = fnv(k->p, k->n) & (t->cap - 1); t->t[i].key != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (t->t[i].len == k->n && memcmp(t->t[i].key, k->p, k->n) == 0)
			break;
	c = &t->t[i];
	if (c->key == NULL) {
		if ((c->key = malloc(k->n + 1)) == NULL)
			return AL_ENOMEM;
		memcpy(c->key, k->p, k->n);
		c->key[k->n] = '\0';
		c->len = k->n;
		t->n++;
	}
	if (allow)
		c->allowed++;
	else
		c->denied++;
	return 0;
}

static void
tally_free(struct tally *t)
{
	size_t	i;

	for (i = 0; i < t->cap; i++)
		free(t->t[i].key);
	free(t->t);
	memset(t, 0, sizeof(*t));
}

static int
tcmp(const void *a, const void *b)
{
	const struct tcount	*x = *(const struct tcount * const *)a;
	const struct tcount	*y = *(const struct tcount * const *)b;
	size_t			 n = x->len < y->len ? x->len : y->len;
	int			 c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* The counts, sorted bytewise by name; the array is the caller's. */
static const struct tcount **
tally_sorted(const struct tally *t)
{
	const struct tcount	**v;
	size_t			  i, n = 0;

	if ((v = calloc(t->n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < t->cap; i++)
		if (t->t[i].key != NULL)
			v[n++] = &t->t[i];
	qsort(v, n, sizeof(*v), tcmp);
	return v;
}

int
exp_init(al_log *l, struct exp *x, const struct al_export_opts *o)
{
	struct timespec	 ts;
	MDB_txn		*txn;
	MDB_val		 k = { 6, "log_id" }, v;
	int		 rc;

	memset(x, 0, sizeof(*x));
	x->f = x->shown = o->f;
	x->unfiltered = !o->f.customer && !o->f.actor && !o->f.purpose &&
	    !o->f.decision && !o->f.since_ns && !o->f.until_ns &&
	    !o->f.from_seq && !o->f.to_seq;
	if ((x->created_ns = o->created_ns) == 0) {
		if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
			return al_seterr(l, AL_EIO, "the clock is unreadable");
		x->created_ns = (uint64_t)ts.tv_sec * 1000000000ULL;
	}
	/* Whole seconds: the bundle's creation time is its tar mtime. */
	x->created_ns -= x->created_ns % 1000000000ULL;
	/* Entries up to the head are fixed: every pass reads the same. */
	if ((rc = al_head(l, &x->head_seq, x->head_hash)) != 0)
		return rc;
	if (x->f.to_seq == 0 || x->f.to_seq > x->head_seq)
		x->f.to_seq = x->head_seq;
	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	rc = mdb_get(txn, l->meta, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(x->log_id))
		memcpy(x->log_id, v.mv_data, sizeof(x->log_id));
	mdb_txn_abort(txn);
	if (rc != 0 || v.mv_size != sizeof(x->log_id))
		return al_seterr(l, AL_ECORRUPT, "the log_id metadata is "
		    "missing or malformed");
	return 0;
}

void
exp_result(const struct exp *x, struct al_export_result *res)
{
	res->entries = x->n;
	res->problems = x->problems;
	res->first_seq = x->first_seq;
	res->last_seq = x->last_seq;
}

void
exp_free(struct exp *x)
{
	size_t	i;

	for (i = 0; i < x->npol; i++) {
		policy_free(x->pol[i].p);
		free(x->pol[i].store);
	}
	free(x->pol);
	tally_free(&x->purpose);
	tally_free(&x->actor);
	tally_free(&x->customer);
	tally_free(&x->data);
	buf_free(&x->found);
	buf_free(&x->whole);
}

static void
found(struct exp *x, uint64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
found(struct exp *x, uint64_t seq, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	if (x->problem != NULL) {
		x->problem(x->problem_arg, seq, msg);
		return;
	}
	if (++x->problems > MAX_LISTED)
		return;
	(void)buf_printf(&x->found, "    seq %" PRIu64 ": ", seq);
	(void)esc_term(&x->found, msg, strlen(msg), 0);
	(void)buf_add(&x->found, "\n", 1);
}

/* Add the policy entry at seq, keeping the list in seq order. */
int
exp_add_policy(al_log *l, struct exp *x, MDB_txn *txn, uint64_t seq)
{
	struct xpol	 p, *np;
	uint8_t		 kb[8];
	MDB_val		 k = { 8, kb }, v;
	char		 why[256];
	size_t		 i, cap = 0;
	int		 rc;

	for (i = 0; i < x->npol; i++)
		if (x->pol[i].e.seq == seq)
			return 0;
	memset(&p, 0, sizeof(p));
	put_be64(kb, seq);
	if ((rc = mdb_get(txn, l->entries, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? al_seterr(l, AL_ECORRUPT, "policy "
		    "entry %" PRIu64 " is missing", seq) :
		    al_lmdb_err(l, rc, "read a policy entry");
	if (entry_decode(v.mv_data, v.mv_size, &p.e, &p.store, &cap, why,
	    sizeof(why)) != 0 || p.e.kind != AL_KIND_POLICY) {
		free(p.store);
		return al_seterr(l, AL_ECORRUPT, "seq %" PRIu64 ": not a "
		    "policy entry%s%s", seq, why[0] ? ": " : "", why);
	}
	p.p = policy_parse(p.e.name.p, p.e.text.p, p.e.text.n, NULL);
	if ((np = realloc(x->pol, (x->npol + 1) * sizeof(*np))) == NULL) {
		policy_free(p.p);
		free(p.store);
		return al_seterr(l, AL_ENOMEM, "out of memory");
	}
	x->pol = np;
	for (i = x->npol; i > 0 && x->pol[i - 1].e.seq > seq; i--)
		x->pol[i] = x->pol[i - 1];
	x->pol[i] = p;
	x->npol++;
	/* Which of them is the first with its digest. */
	for (i = 0; i < x->npol; i++) {
		size_t	j;

		x->pol[i].first = 1;
		for (j = 0; j < i; j++)
			if (memcmp(x->pol[j].e.digest, x->pol[i].e.digest,
			    AL_HASH_LEN) == 0)
				x->pol[i].first = 0;
	}
	return 0;
}

/*
 * The policies of an export: every policy entry that put an exported
 * access's policy in force, or is itself exported.  The policies index
 * finds the one in force at a seq: the last key at or before it.
 */
int
exp_policies(al_log *l, struct exp *x)
{
	struct al_entry	 e;
	MDB_cursor	*cur = NULL;
	MDB_val		 k, v;
	al_iter		*it = NULL;
	uint64_t	 lo = 1, hi = 0, pseq;
	uint8_t		 kb[8];
	int		 rc, mrc;

	if ((rc = al_iter_open(l, &x->f, &it)) != 0)
		return rc;
	if ((mrc = mdb_cursor_open(it->txn, l->policies, &cur)) != 0) {
		rc = al_lmdb_err(l, mrc, "open cursor");
		goto done;
	}
	while ((rc = al_iter_next(it, &e)) == 1) {
		if (e.kind == AL_KIND_POLICY) {
			pseq = e.seq;
		} else if (e.seq >= lo && e.seq < hi && hi != 0) {
			continue;	/* the same policy as the last one */
		} else {
			put_be64(kb, e.seq);
			k.mv_size = 8;
			k.mv_data = kb;
			mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			if (mrc == MDB_NOTFOUND)
				mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
			else if (mrc == 0 && get_be64(k.mv_data) > e.seq)
				mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
			if (mrc != 0 || k.mv_size != 8) {
				rc = al_seterr(l, AL_ECORRUPT, "seq %" PRIu64
				    ": no policy in force", e.seq);
				goto done;
			}
			pseq = lo = get_be64(k.mv_data);
			mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			hi = mrc == 0 ? get_be64(k.mv_data) : UINT64_MAX;
		}
		if ((rc = exp_add_policy(l, x, it->txn, pseq)) != 0)
			goto done;
	}
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	al_iter_close(it);
	return rc < 0 ? rc : 0;
}

int
filters_json(struct buf *b, const struct al_filter *f)
{
	char	t[40];
	int	rc = 0, n = 0;

#define SEP	(n++ ? "," : "")
	if ((rc = buf_add(b, "{", 1)) != 0)
		return rc;
	if (f->customer && ((rc = buf_printf(b, "%s\"customer\":", SEP)) ||
	    (rc = esc_json(b, f->customer, strlen(f->customer)))))
		return rc;
	if (f->actor && ((rc = buf_printf(b, "%s\"actor\":", SEP)) ||
	    (rc = esc_json(b, f->actor, strlen(f->actor)))))
		return rc;
	if (f->purpose && ((rc = buf_printf(b, "%s\"purpose\":", SEP)) ||
	    (rc = esc_json(b, f->purpose, strlen(f->purpose)))))
		return rc;
	if (f->decision && (rc = buf_printf(b, "%s\"decision\":\"%s\"", SEP,
	    f->decision == 1 ? "allow" : "deny")))
		return rc;
	if (f->since_ns && (al_format_time(f->since_ns, 1, t, sizeof(t)) ||
	    (rc = buf_printf(b, "%s\"since\":\"%s\"", SEP, t))))
		return rc ? rc : AL_EINVAL;
	if (f->until_ns && (al_format_time(f->until_ns, 1, t, sizeof(t)) ||
	    (rc = buf_printf(b, "%s\"until\":\"%s\"", SEP, t))))
		return rc ? rc : AL_EINVAL;
	if (f->from_seq && (rc = buf_printf(b, "%s\"from_seq\":%" PRIu64,
	    SEP, f->from_seq)))
		return rc;
	if (f->to_seq && (rc = buf_printf(b, "%s\"to_seq\":%" PRIu64, SEP,
	    f->to_seq)))
		return rc;
#undef SEP
	return buf_add(b, "}", 1);
}

int
filters_text(struct buf *b, const struct al_filter *f)
{
	char	t[40];
	int	rc = 0, n = 0;

#define SEP	(n++ ? ", " : "")
	if (f->customer && ((rc = buf_printf(b, "%scustomer=", SEP)) ||
	    (rc = esc_term(b, f->customer, strlen(f->customer), 0))))
		return rc;
	if (f->actor && ((rc = buf_printf(b, "%sactor=", SEP)) ||
	    (rc = esc_term(b, f->actor, strlen(f->actor), 0))))
		return rc;
	if (f->purpose && ((rc = buf_printf(b, "%spurpose=", SEP)) ||
	    (rc = esc_term(b, f->purpose, strlen(f->purpose), 0))))
		return rc;
	if (f->decision && (rc = buf_printf(b, "%sdecision=%s", SEP,
	    f->decision == 1 ? "allow" : "deny")))
		return rc;
	if (f->since_ns && (al_format_time(f->since_ns, 1, t, sizeof(t)) ||
	    (rc = buf_printf(b, "%ssince=%s", SEP, t))))
		return rc ? rc : AL_EINVAL;
	if (f->until_ns && (al_format_time(f->until_ns, 1, t, sizeof(t)) ||
	    (rc = buf_printf(b, "%suntil=%s", SEP, t))))
		return rc ? rc : AL_EINVAL;
	if (f->from_seq && (rc = buf_printf(b, "%sfrom_seq=%" PRIu64, SEP,
	    f->from_seq)))
		return rc;
	if (f->to_seq && (rc = buf_printf(b, "%sto_seq=%" PRIu64, SEP,
	    f->to_seq)))
		return rc;
#undef SEP
	return n == 0 ? buf_add(b, "none", 4) : 0;
}

/*
 * The checks at export time, on what is exported: links between
 * consecutive seqs, each policy's digest, each decision re-derived.
 */
int
exp_entry(al_log *l, struct exp *x, const struct al_entry *e)
{
	struct al_decision	 d;
	const struct xpol	*p;
	uint8_t			 dig[AL_HASH_LEN];
	int			 rc;

	if (x->n > 0 && e->seq == x->prev_seq + 1 &&
	    memcmp(e->prev, x->prev_hash, AL_HASH_LEN) != 0)
		found(x, e->seq, "does not link to the entry before it");
	if (x->n++ == 0) {
		x->first_seq = e->seq;
		x->first_ns = e->time_ns;
	}
	x->last_seq = e->seq;
	x->last_ns = e->time_ns;
	x->prev_seq = e->seq;
	memcpy(x->prev_hash, e->hash, AL_HASH_LEN);
	if (e->kind == AL_KIND_CHECKPOINT)
		return 0;	/* a published head: its checks are verify's */
	if (e->kind == AL_KIND_POLICY) {
		x->policies++;
		sha256(e->text.p, e->text.n, dig);
		if (memcmp(dig, e->digest, AL_HASH_LEN) != 0)
			found(x, e->seq, "policy text does not match its "
			    "digest");
		return 0;
	}
	x->accesses++;
	if (e->allow)
		x->allowed++;
	else
		x->denied++;
	if ((rc = tally_add(&x->purpose, &e->purpose, e->allow)) != 0 ||
	    (rc = tally_add(&x->actor, &e->actor, e->allow)) != 0 ||
	    (rc = tally_add(&x->customer, &e->customer, e->allow)) != 0 ||
	    (rc = tally_add(&x->data, &e->data, e->allow)) != 0)
		return al_seterr(l, rc, "out of memory");
	while (x->cur + 1 < x->npol && x->pol[x->cur + 1].e.seq < e->seq)
		x->cur++;
	if (x->npol == 0 || x->pol[x->cur].e.seq > e->seq) {
		found(x, e->seq, "no policy was in force");
		return 0;
	}
	p = &x->pol[x->cur];
	if (memcmp(p->e.digest, e->policy, AL_HASH_LEN) != 0) {
		found(x, e->seq, "names a policy other than the one in force "
		    "(seq %" PRIu64 ")", p->e.seq);
		return 0;
	}
	if (p->p == NULL) {
		found(x, e->seq, "its policy (seq %" PRIu64 ") is missing or "
		    "does not parse", p->e.seq);
		return 0;
	}
	if (!policy_follows(p->p, e, &d))
		found(x, e->seq, "the recorded decision does not follow from "
		    "its policy");
	return 0;
}

/* For an export of the whole log, the whole log is verified too. */
int
exp_finish(al_log *l, struct exp *x)
{
	struct al_verify_opts	 o;
	struct al_verify_summary s;
	char			 hex[2 * AL_HASH_LEN + 1];
	int			 rc;

	x->whole.n = 0;
	if (!x->unfiltered)
		return buf_printf(&x->whole, "not checked here (a filtered "
		    "export); run auditlog verify");
	memset(&o, 0, sizeof(o));
	if ((rc = al_verify(l, &o, &s)) != 0)
		return rc;
	al_hex(s.head, AL_HASH_LEN, hex);
	if (s.problems) {
		x->problems += s.problems;
		return buf_printf(&x->whole, "FAILED: %" PRIu64 " problems; "
		    "run auditlog verify", s.problems);
	}
	return buf_printf(&x->whole, "verified (%" PRIu64 " entries, head %"
	    PRIu64 " %s)", s.entries, s.last_seq, hex);
}

static int
fmt_time(struct buf *b, uint64_t ns)
{
	char	t[40];

	if (al_format_time(ns, 0, t, sizeof(t)) != 0)
		return buf_add(b, "?", 1);
	return buf_add(b, t, strlen(t));
}

static int
tally_text(struct buf *b, const char *what, const char *col,
    const struct tally *t)
{
	const struct tcount	**v;
	size_t			  i;
	int			  rc;

	if ((v = tally_sorted(t)) == NULL)
		return AL_ENOMEM;
	rc = buf_printf(b, "\naccesses by %s\n  %8s %8s  %s\n", what,
	    "allowed", "denied", col);
	for (i = 0; rc == 0 && i < t->n; i++) {
		if ((rc = buf_printf(b, "  %8" PRIu64 " %8" PRIu64 "  ",
		    v[i]->allowed, v[i]->denied)) == 0 &&
		    (rc = esc_term(b, v[i]->key, v[i]->len, 0)) == 0)
			rc = buf_add(b, "\n", 1);
	}
	free(v);
	return rc;
}

/* Everything of the summary before the denied attempts' lines. */
int
summary_head(struct buf *b, const struct exp *x)
{
	char	hex[2 * AL_HASH_LEN + 1];
	int	rc;

	if ((rc = buf_printf(b, "%s\ncreated   ", x->report ?
	    "auditlog report" : "auditlog export summary")) ||
	    (rc = fmt_time(b, x->created_ns)))
		return rc;
	al_hex(x->log_id, sizeof(x->log_id), hex);
	if ((rc = buf_printf(b, "\nlog       %s\n", hex)))
		return rc;
	al_hex(x->head_hash, AL_HASH_LEN, hex);
	if ((rc = buf_printf(b, "head      %" PRIu64 " %s\nfilters   ",
	    x->head_seq, hex)) || (rc = filters_text(b, &x->shown)))
		return rc;
	if (x->n == 0)
		rc = buf_printf(b, "\nentries   0\nperiod    none\n");
	else if ((rc = buf_printf(b, "\nentries   %" PRIu64 " (seq %" PRIu64
	    " to %" PRIu64 "): %" PRIu64 " accesses (%" PRIu64 " allowed, %"
	    PRIu64 " denied), %" PRIu64 " policy changes\nperiod    ", x->n,
	    x->first_seq, x->last_seq, x->accesses, x->allowed, x->denied,
	    x->policies)) == 0 && (rc = fmt_time(b, x->first_ns)) == 0 &&
	    (rc = buf_add(b, " to ", 4)) == 0 &&
	    (rc = fmt_time(b, x->last_ns)) == 0)
		rc = buf_add(b, "\n", 1);
	if (rc || (rc = tally_text(b, "purpose", "purpose", &x->purpose)) ||
	    (rc = tally_text(b, "actor", "actor", &x->actor)) ||
	    (rc = tally_text(b, "customer", "customer", &x->customer)) ||
	    (rc = tally_text(b, "data category", "data", &x->data)))
		return rc;
	return buf_printf(b, "\ndenied attempts: %" PRIu64 "\n", x->denied);
}

int
denied_line(struct buf *b, const struct al_entry *e)
{
	const struct al_str	*f[] = { &e->actor, &e->customer, &e->purpose,
				    &e->action, &e->data };
	size_t			 i;
	int			 rc;

	if ((rc = buf_printf(b, "  seq %" PRIu64 "  ", e->seq)) ||
	    (rc = fmt_time(b, e->time_ns)) || (rc = buf_add(b, " ", 1)))
		return rc;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if ((rc = buf_add(b, " ", 1)) ||
		    (rc = esc_term(b, f[i]->p, f[i]->n, AL_ESC_SPACE)))
			return rc;
	if ((rc = buf_add(b, ": ", 2)) ||
	    (rc = esc_term(b, e->detail.p, e->detail.n, 0)))
		return rc;
	return buf_add(b, "\n", 1);
}

/* The policies and the verification, after the denied attempts. */
int
summary_tail(struct buf *b, const struct exp *x)
{
	char	hex[2 * AL_HASH_LEN + 1];
	size_t	i;
	int	rc;

	if ((rc = buf_printf(b, "\npolicies\n")))
		return rc;
	for (i = 0; i < x->npol; i++) {
		const struct al_entry *e = &x->pol[i].e;

		al_hex(e->digest, AL_HASH_LEN, hex);
		if ((rc = buf_printf(b, "  seq %" PRIu64 "  ", e->seq)) ||
		    (rc = esc_term(b, e->name.p, e->name.n, AL_ESC_SPACE)) ||
		    (rc = buf_printf(b, "  sha256:%s  set by ", hex)) ||
		    (rc = esc_term(b, e->actor.p, e->actor.n, AL_ESC_SPACE)) ||
		    (rc = buf_add(b, " at ", 4)) ||
		    (rc = fmt_time(b, e->time_ns)) || (rc = buf_add(b, "\n", 1)))
			return rc;
	}
	rc = buf_printf(b, x->report ? "\nverification\n  reported "
	    "entries: %" PRIu64 " checked: " : "\nverification at export "
	    "time\n  exported entries: %" PRIu64 " checked: ", x->n);
	if (rc == 0 && x->problems == 0)
		rc = buf_printf(b, "OK\n");
	else if (rc == 0)
		rc = buf_printf(b, "%" PRIu64 " problems\n%s%s", x->problems,
		    x->found.p ? (char *)x->found.p : "",
		    x->problems > MAX_LISTED ? "    (more not listed)\n" : "");
	if (rc == 0)
		rc = buf_printf(b, "  whole log: %s\n",
		    x->whole.p ? (char *)x->whole.p : "");
	return rc;
}

static int
jstr(struct buf *b, const char *key, const struct al_str *s)
{
	int	rc;

	if ((rc = buf_printf(b, ",\"%s\":", key)) != 0)
		return rc;
	return esc_json(b, s->p, s->n);
}

static int
report_denied_json(struct buf *b, const struct al_entry *e)
{
	char	t[40];
	int	rc;

	if (al_format_time(e->time_ns, 1, t, sizeof(t)) != 0)
		return AL_EINVAL;
	if ((rc = buf_printf(b, "%s{\"seq\":%" PRIu64 ",\"time\":\"%s\"",
	    b->n ? "," : "", e->seq, t)) || (rc = jstr(b, "actor", &e->actor)) ||
	    (rc = jstr(b, "customer", &e->customer)) ||
	    (rc = jstr(b, "purpose", &e->purpose)) ||
	    (rc = jstr(b, "action", &e->action)) ||
	    (rc = jstr(b, "data", &e->data)) || (rc = jstr(b, "ref", &e->ref)) ||
	    (rc = buf_printf(b, ",\"code\":\"%s\"", al_code_name(e->code))) ||
	    (rc = jstr(b, "detail", &e->detail)))
		return rc;
	return buf_add(b, "}", 1);
}

static int
tally_json(struct buf *b, const char *key, const struct tally *t)
{
	const struct tcount	**v;
	size_t			  i;
	int			  rc;

	if ((v = tally_sorted(t)) == NULL)
		return AL_ENOMEM;
	rc = buf_printf(b, ",\"%s\":[", key);
	for (i = 0; rc == 0 && i < t->n; i++)
		if ((rc = buf_printf(b, "%s{\"name\":", i ? "," : "")) == 0 &&
		    (rc = esc_json(b, v[i]->key, v[i]->len)) == 0)
			rc = buf_printf(b, ",\"allowed\":%" PRIu64 ",\"denied\":%"
			    PRIu64 "}", v[i]->allowed, v[i]->denied);
	free(v);
	return rc ? rc : buf_add(b, "]", 1);
}

/* The policies of an export as a JSON array (the manifest's, the
 * report's). */
int
policies_json(struct buf *b, const struct exp *x)
{
	char	t[40], hex[2 * AL_HASH_LEN + 1];
	size_t	i;
	int	rc;

	if ((rc = buf_add(b, "[", 1)) != 0)
		return rc;
	for (i = 0; i < x->npol; i++) {
		const struct al_entry *e = &x->pol[i].e;

		al_hex(e->digest, AL_HASH_LEN, hex);
		if (al_format_time(e->time_ns, 1, t, sizeof(t)))
			return AL_EINVAL;
		if ((rc = buf_printf(b, "%s{\"seq\":%" PRIu64 ",\"name\":",
		    i ? "," : "", e->seq)) ||
		    (rc = esc_json(b, e->name.p, e->name.n)) ||
		    (rc = buf_printf(b, ",\"digest\":\"%s\",\"actor\":", hex)) ||
		    (rc = esc_json(b, e->actor.p, e->actor.n)) ||
		    (rc = buf_printf(b, ",\"time\":\"%s\"}", t)))
			return rc;
	}
	return buf_add(b, "]", 1);
}

/* The report as one JSON object. */
static int
report_json(struct buf *b, const struct exp *x, const struct buf *den)
{
	char	t[40], hex[2 * AL_HASH_LEN + 1];
	int	rc;

	al_hex(x->log_id, sizeof(x->log_id), hex);
	if (al_format_time(x->created_ns, 0, t, sizeof(t)) != 0)
		return AL_EINVAL;
	if ((rc = buf_printf(b, "{\"created\":\"%s\",\"log_id\":\"%s\","
	    "\"filters\":", t, hex)) || (rc = filters_json(b, &x->shown)))
		return rc;
	al_hex(x->head_hash, AL_HASH_LEN, hex);
	if ((rc = buf_printf(b, ",\"head\":{\"seq\":%" PRIu64 ",\"hash\":"
	    "\"%s\"},\"entries\":%" PRIu64, x->head_seq, hex, x->n)))
		return rc;
	if (x->n && ((rc = buf_printf(b, ",\"first_seq\":%" PRIu64
	    ",\"last_seq\":%" PRIu64, x->first_seq, x->last_seq)) ||
	    al_format_time(x->first_ns, 1, t, sizeof(t)) ||
	    (rc = buf_printf(b, ",\"first_time\":\"%s\"", t)) ||
	    al_format_time(x->last_ns, 1, t, sizeof(t)) ||
	    (rc = buf_printf(b, ",\"last_time\":\"%s\"", t))))
		return rc ? rc : AL_EINVAL;
	if ((rc = buf_printf(b, ",\"accesses\":%" PRIu64 ",\"allowed\":%"
	    PRIu64 ",\"denied\":%" PRIu64 ",\"policy_changes\":%" PRIu64,
	    x->accesses, x->allowed, x->denied, x->policies)) ||
	    (rc = tally_json(b, "by_purpose", &x->purpose)) ||
	    (rc = tally_json(b, "by_actor", &x->actor)) ||
	    (rc = tally_json(b, "by_customer", &x->customer)) ||
	    (rc = tally_json(b, "by_data", &x->data)) ||
	    (rc = buf_printf(b, ",\"denied_attempts\":[")) ||
	    (den->n && (rc = buf_add(b, den->p, den->n))) ||
	    (rc = buf_printf(b, "],\"policies\":")) ||
	    (rc = policies_json(b, x)))
		return rc;
	if ((rc = buf_printf(b, ",\"verification\":{\"checked\":%" PRIu64
	    ",\"problems\":%" PRIu64 ",\"whole_log\":", x->n,
	    x->problems)) ||
	    (rc = esc_json(b, x->whole.p ? (char *)x->whole.p : "",
	    x->whole.n)))
		return rc;
	return buf_add(b, "}}\n", 3);
}

/* The summary alone, as text or JSON; one pass, the denied lines held. */
int
al_report(al_log *l, const struct al_export_opts *o, FILE *fp, int json,
    struct al_export_result *res)
{
	struct exp	 x;
	struct buf	 b = { 0 }, den = { 0 };
	struct al_entry	 e;
	al_iter		*it = NULL;
	int		 rc;

	memset(res, 0, sizeof(*res));
	if ((rc = exp_init(l, &x, o)) != 0)
		goto done;
	x.report = 1;
	if ((rc = exp_policies(l, &x)) != 0 ||
	    (rc = al_iter_open(l, &x.f, &it)) != 0)
		goto done;
	while ((rc = al_iter_next(it, &e)) == 1) {
		if ((rc = exp_entry(l, &x, &e)) != 0)
			goto done;
		if (e.kind == AL_KIND_ACCESS && !e.allow &&
		    (rc = json ? report_denied_json(&den, &e) :
		    denied_line(&den, &e)) != 0)
			goto done;
	}
	if (rc < 0)
		goto done;
	al_iter_close(it);
	it = NULL;
	if ((rc = exp_finish(l, &x)) != 0)
		goto done;
	if (json)
		rc = report_json(&b, &x, &den);
	else if ((rc = summary_head(&b, &x)) == 0 &&
	    (rc = buf_add(&b, den.p, den.n)) == 0)
		rc = summary_tail(&b, &x);
	if (rc != 0) {
		rc = al_seterr(l, rc, "out of memory");
		goto done;
	}
	if (fwrite(b.p, 1, b.n, fp) != b.n) {
		rc = al_seterr(l, AL_EIO, "write the report");
		goto done;
	}
	exp_result(&x, res);
done:
	al_iter_close(it);
	buf_free(&b);
	buf_free(&den);
	exp_free(&x);
	return rc < 0 ? rc : 0;
}
