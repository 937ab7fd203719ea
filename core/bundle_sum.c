/* bundle_sum.c - what writer and checker share: tallies, summary, CSV */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bsd/string.h>

#include "al_int.h"
#include "bundle.h"
#include "policy.h"


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
	floor_free(x->floor);
	free(x->flstore);
	buf_free(&x->hist);
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

static void
clock_note(struct exp *x, uint64_t seq, int kind, uint64_t t, uint64_t oseq,
    uint64_t ot)
{
	struct al_clock_note	*c;

	if (x->nclock++ >= sizeof(x->clock) / sizeof(x->clock[0]))
		return;
	c = &x->clock[x->nclock - 1];
	c->seq = seq;
	c->kind = kind;
	c->time_ns = t;
	c->other_seq = oseq;
	c->other_ns = ot;
}

static int	fmt_time(struct buf *, uint64_t);

/*
 * Clock anomalies among the exported entries, one after another in seq
 * order: the one before is ahead when it is more than an hour after this
 * one, and this one is back when it is before the one before.  Not
 * against any clock, so that a bundle checks the same on any day.
 */
static void
clock_step(struct exp *x, const struct al_entry *e)
{
	if (x->n > 0 && x->prev_ns > e->time_ns &&
	    x->prev_ns - e->time_ns > AL_CLOCK_JUMP_NS)
		clock_note(x, x->prev_seq, AL_CLOCK_AHEAD, x->prev_ns, e->seq,
		    e->time_ns);
	if (x->n > 0 && e->time_ns < x->prev_ns)
		clock_note(x, e->seq, AL_CLOCK_BACK, e->time_ns, x->prev_seq,
		    x->prev_ns);
	x->prev_ns = e->time_ns;
}

/*
 * The checks at export time, on what is exported: links between
 * consecutive seqs, each policy's digest, each decision re-derived.
 */
/*
 * Whether the exported policy entry at seq widens access relative to the
 * policy in force before it (the export's policy before it in seq order:
 * an export lists that one for this), as al_poldiff judges; doubt (a
 * text al_poldiff cannot read) counts as widening.  0 for the log's first
 * policy, and when a text is missing (reported elsewhere).
 */
static int
hist_widens(const struct exp *x, uint64_t seq, int *widens)
{
	const struct xpol	*a, *b;
	struct al_poldiff_line	*d = NULL;
	char			 err[256];
	size_t			 i, n = 0;
	int			 rc;

	*widens = 0;
	for (i = 1; i < x->npol && x->pol[i].e.seq != seq; i++)
		;
	if (i >= x->npol)
		return 0;
	a = &x->pol[i - 1];
	b = &x->pol[i];
	if (a->e.text.p == NULL || b->e.text.p == NULL)
		return 0;
	rc = al_poldiff(a->e.name.p, a->e.text.p, a->e.text.n, b->e.name.p,
	    b->e.text.p, b->e.text.n, &d, &n, err, sizeof(err));
	if (rc == AL_ENOMEM)
		return rc;
	if (rc != 0)
		*widens = 1;
	for (i = 0; i < n; i++)
		if (d[i].widens)
			*widens = 1;
	al_poldiff_free(d, n);
	return 0;
}

/* The summary's line for a step of the policy history (13.4). */
static int
hist_line(struct exp *x, const struct al_entry *e)
{
	static const char *const verb[] = {
		[AL_KIND_POLICY] = "activated",
		[AL_KIND_PROPOSAL] = "proposed",
		[AL_KIND_APPROVAL] = "approved",
		[AL_KIND_REJECTION] = "rejected",
	};
	struct buf	*b = &x->hist;
	char		 hex[2 * AL_HASH_LEN + 1], uid[32];
	int		 rc, widens = 0;

	if (++x->nhist > MAX_LISTED)
		return 0;
	if (e->kind == AL_KIND_POLICY &&
	    (rc = hist_widens(x, e->seq, &widens)) != 0)
		return rc;
	al_hex(e->digest, AL_HASH_LEN, hex);
	if ((rc = buf_printf(b, "  seq %" PRIu64 "  ", e->seq)) ||
	    (rc = fmt_time(b, e->time_ns)) || (rc = buf_add(b, "  ", 2)))
		return rc;
	/* Who: the recorded identity (format 6), else the actor. */
	if (e->version >= 3 && e->user.n == 0) {
		(void)snprintf(uid, sizeof(uid), "uid:%lu",
		    (unsigned long)e->uid);
		rc = esc_term(b, uid, strlen(uid), AL_ESC_SPACE);
	} else if (e->version >= 3)
		rc = esc_term(b, e->user.p, e->user.n, AL_ESC_SPACE);
	else
		rc = esc_term(b, e->actor.p, e->actor.n, AL_ESC_SPACE);
	if (rc || (rc = buf_printf(b, "  %s  %.12s", verb[e->kind],
	    hex)))
		return rc;
	if ((e->kind == AL_KIND_POLICY || e->kind == AL_KIND_PROPOSAL) &&
	    ((rc = buf_add(b, "  ", 2)) ||
	    (rc = esc_term(b, e->name.p, e->name.n, AL_ESC_SPACE))))
		return rc;
	if (widens && (rc = buf_add(b, "  widens access", 15)))
		return rc;
	return buf_add(b, "\n", 1);
}

int
exp_entry(al_log *l, struct exp *x, const struct al_entry *e)
{
	struct al_decision	 d;
	const struct xpol	*p;
	const struct floor	*f;
	uint8_t			 dig[AL_HASH_LEN];
	int			 rc;

	if (x->n > 0 && e->seq == x->prev_seq + 1 &&
	    memcmp(e->prev, x->prev_hash, AL_HASH_LEN) != 0)
		found(x, e->seq, "does not link to the entry before it");
	clock_step(x, e);
	/* The period: the earliest time to the latest, in whatever order
	 * the writers' clocks stamped them. */
	if (x->n++ == 0 || e->time_ns < x->first_ns)
		x->first_ns = e->time_ns;
	if (x->n == 1)
		x->first_seq = e->seq;
	if (x->n == 1 || e->time_ns > x->last_ns)
		x->last_ns = e->time_ns;
	x->last_seq = e->seq;
	x->prev_seq = e->seq;
	memcpy(x->prev_hash, e->hash, AL_HASH_LEN);
	if (e->kind == AL_KIND_CHECKPOINT)
		return 0;	/* a published head: its checks are verify's */
	if ((e->kind == AL_KIND_POLICY || (e->kind >= AL_KIND_PROPOSAL &&
	    e->kind <= AL_KIND_REJECTION)) && (rc = hist_line(x, e)) != 0)
		return l != NULL ? al_seterr(l, rc, "out of memory") : rc;
	if (e->kind == AL_KIND_POLICY) {
		x->policies++;
		sha256(e->text.p, e->text.n, dig);
		if (memcmp(dig, e->digest, AL_HASH_LEN) != 0)
			found(x, e->seq, "policy text does not match its "
			    "digest");
		return 0;
	}
	/* The floor: the one the manifest names (or the log holds). */
	if (e->kind == AL_KIND_FLOOR && !x->nofloor) {
		sha256(e->text.p, e->text.n, dig);
		if (memcmp(dig, e->digest, AL_HASH_LEN) != 0)
			found(x, e->seq, "floor text does not match its "
			    "digest");
		else if (x->fl.seq != e->seq || memcmp(x->fl.digest,
		    e->digest, AL_HASH_LEN) != 0 || x->fl.approvers !=
		    e->approvers)
			found(x, e->seq, "is not the floor the manifest "
			    "names");
		return 0;
	}
	/* Proposals, approvals, rejections: their links, above (what they
	 * mean for governance is checked elsewhere). */
	if (e->kind != AL_KIND_ACCESS)
		return 0;
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
	/* Format 6: the floor first (from its seq on), then the writer
	 * rules on the recorded identity, then the policy, as verify. */
	if (x->nofloor && e->version == 3 && e->code == AL_FLOOR)
		return 0;
	f = x->fl.seq != 0 && e->seq > x->fl.seq ? x->floor : NULL;
	if (x->fl.seq != 0 && e->seq > x->fl.seq && f == NULL) {
		found(x, e->seq, "the floor is missing or does not parse");
		return 0;
	}
	if (!decision_follows(f, p->p, e, &d))
		found(x, e->seq, "the recorded decision does not follow from "
		    "its policy");
	return 0;
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

/*
 * The actors and customers whose letters come from more than one writing
 * system (scripts.c), when there are any (docs/FORMAT.md 13.4): each may
 * pass for another that looks the same, "svc:b\u0456lling" for
 * "svc:billing".  In the tallies' order, at most MAX_LISTED.
 */
static int
mixed_text(struct buf *b, const struct exp *x)
{
	static const char	*what[] = { "actor", "customer" };
	const struct tally	*t[] = { &x->actor, &x->customer };
	const struct tcount	**v[2] = { NULL, NULL };
	char			 names[64];
	size_t			 i, k, n = 0, shown = 0;
	int			 rc = 0;

	for (k = 0; k < 2; k++) {
		if ((v[k] = tally_sorted(t[k])) == NULL) {
			rc = AL_ENOMEM;
			goto done;
		}
		for (i = 0; i < t[k]->n; i++)
			n += (size_t)al_scripts_mixed(v[k][i]->key,
			    v[k][i]->len, names, sizeof(names));
	}
	if (n == 0)
		goto done;
	if ((rc = buf_printf(b, "\nidentifiers that mix writing systems: "
	    "%zu\n", n)))
		goto done;
	for (k = 0; k < 2; k++)
		for (i = 0; rc == 0 && i < t[k]->n; i++) {
			if (!al_scripts_mixed(v[k][i]->key, v[k][i]->len,
			    names, sizeof(names)) || shown++ >= MAX_LISTED)
				continue;
			if ((rc = buf_printf(b, "  %-8s  ", what[k])) == 0 &&
			    (rc = esc_term(b, v[k][i]->key, v[k][i]->len,
			    0)) == 0)
				rc = buf_printf(b, "  %s\n", names);
		}
	if (rc == 0 && n > MAX_LISTED)
		rc = buf_printf(b, "  (more not listed)\n");
done:
	free(v[0]);
	free(v[1]);
	return rc;
}

/*
 * The floor in words (13.4): its permitted purposes, what it never
 * allows, and how many administrators a change needs.
 */
static int
floor_words(struct buf *b, const struct exp *x)
{
	static const char *const dim[] = { "action", "purpose", "data" };
	struct policy		*fp;
	const struct list	*ls;
	char			 hex[2 * AL_HASH_LEN + 1];
	size_t			 i, j, k;
	int			 rc;

	if (x->fl.seq == 0)
		return buf_printf(b, "\nfloor     none: this log was made "
		    "before format 6\n");
	al_hex(x->fl.digest, AL_HASH_LEN, hex);
	if ((rc = buf_add(b, "\nfloor     ", 11)) ||
	    (rc = esc_term(b, x->fl.name.p, x->fl.name.n, AL_ESC_SPACE)) ||
	    (rc = buf_printf(b, "  sha256:%s  seq %" PRIu64 "\n", hex,
	    x->fl.seq)))
		return rc;
	if (x->fl.text.p == NULL || (fp = policy_parse_floor(x->fl.name.p,
	    x->fl.text.p, x->fl.text.n, NULL)) == NULL)
		return buf_printf(b, "  (the floor's text is missing or does "
		    "not parse)\n");
	rc = buf_printf(b, "  customer data may be accessed only for these "
	    "purposes:\n");
	for (i = 0; rc == 0 && i < fp->npur; i++) {
		if ((rc = buf_add(b, "    ", 4)) == 0)
			rc = esc_term(b, fp->pur[i].name,
			    strlen(fp->pur[i].name), AL_ESC_SPACE);
		if (rc == 0 && fp->pur[i].desc != NULL &&
		    fp->pur[i].desc[0] != '\0' &&
		    (rc = buf_add(b, ": ", 2)) == 0)
			rc = esc_term(b, fp->pur[i].desc,
			    strlen(fp->pur[i].desc), 0);
		if (rc == 0)
			rc = buf_add(b, "\n", 1);
	}
	if (rc == 0)
		rc = buf_printf(b, "  never allowed, whatever the policy "
		    "says:%s\n", fp->nrules ? "" : " nothing more");
	for (i = 0; rc == 0 && i < fp->nrules; i++) {
		for (k = 0; k < 3; k++) {
			ls = k == 0 ? &fp->rules[i].actions : k == 1 ?
			    &fp->rules[i].purposes : &fp->rules[i].data;
			if (ls->n > 0)
				break;
		}
		if (k == 3)
			continue;
		rc = buf_printf(b, "    %-7s ", dim[k]);
		for (j = 0; rc == 0 && j < ls->n; j++)
			if ((rc = buf_add(b, " ", 1)) == 0)
				rc = esc_term(b, ls->w[j], strlen(ls->w[j]),
				    AL_ESC_SPACE);
		if (rc == 0 && (rc = buf_add(b, "  (", 3)) == 0 &&
		    (rc = esc_term(b, x->fl.name.p, x->fl.name.n,
		    AL_ESC_SPACE)) == 0)
			rc = buf_printf(b, ":%d)\n", fp->rules[i].line);
	}
	if (rc == 0)
		rc = buf_printf(b, "  a policy change needs %u "
		    "administrator%s\n", x->fl.approvers,
		    x->fl.approvers == 1 ? ": one person may change the "
		    "policy alone" : "s, each approving apart");
	policy_free(fp);
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
	if (rc || (!x->nofloor && (rc = floor_words(b, x))) ||
	    (rc = tally_text(b, "purpose", "purpose", &x->purpose)) ||
	    (rc = tally_text(b, "actor", "actor", &x->actor)) ||
	    (rc = tally_text(b, "customer", "customer", &x->customer)) ||
	    (rc = tally_text(b, "data category", "data", &x->data)) ||
	    (x->mixed && (rc = mixed_text(b, x))))
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

/* The clock anomalies, when there are any (docs/FORMAT.md 13.4). */
static int
clock_text(struct buf *b, const struct exp *x)
{
	const struct al_clock_note	*c;
	size_t				 i;
	int				 rc;

	if (x->nclock == 0)
		return 0;
	if ((rc = buf_printf(b, "\nclock anomalies: %" PRIu64 "\n",
	    x->nclock)))
		return rc;
	for (i = 0; i < x->nclock && i < MAX_LISTED; i++) {
		c = &x->clock[i];
		if ((rc = buf_printf(b, "  seq %" PRIu64 "  ", c->seq)) ||
		    (rc = fmt_time(b, c->time_ns)) ||
		    (rc = buf_printf(b, "  %s seq %" PRIu64 "'s time\n",
		    c->kind == AL_CLOCK_BACK ? "back: before" :
		    "ahead: more than an hour after", c->other_seq)))
			return rc;
	}
	return x->nclock > MAX_LISTED ? buf_printf(b, "  (more not listed)\n") :
	    0;
}

/* The clock anomalies as a JSON array, for report --json. */
static int
clock_json(struct buf *b, const struct exp *x)
{
	const struct al_clock_note	*c;
	char				 t[40], o[40];
	size_t				 i;
	int				 rc;

	if ((rc = buf_printf(b, ",\"clock_anomalies\":%" PRIu64 ",\"clock\":[",
	    x->nclock)))
		return rc;
	for (i = 0; i < x->nclock && i < MAX_LISTED; i++) {
		c = &x->clock[i];
		if (al_format_time(c->time_ns, 1, t, sizeof(t)) ||
		    al_format_time(c->other_ns, 1, o, sizeof(o)))
			return AL_EINVAL;
		if ((rc = buf_printf(b, "%s{\"seq\":%" PRIu64 ",\"kind\":"
		    "\"%s\",\"time\":\"%s\",\"than_seq\":%" PRIu64
		    ",\"than_time\":\"%s\"}", i ? "," : "", c->seq,
		    c->kind == AL_CLOCK_BACK ? "back" : "ahead", t,
		    c->other_seq, o)))
			return rc;
	}
	return buf_add(b, "]", 1);
}

/* The clock anomalies, the policies and the verification, after the
 * denied attempts. */
int
summary_tail(struct buf *b, const struct exp *x)
{
	char	hex[2 * AL_HASH_LEN + 1];
	size_t	i;
	int	rc;

	if ((rc = clock_text(b, x)) || (rc = buf_printf(b, "\npolicies\n")))
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
	if (!x->nofloor && ((rc = buf_printf(b, "\npolicy history: %" PRIu64
	    "\n", x->nhist)) || (x->hist.n > 0 &&
	    (rc = buf_add(b, x->hist.p, x->hist.n))) ||
	    (x->nhist > MAX_LISTED &&
	    (rc = buf_printf(b, "  (more not listed)\n")))))
		return rc;
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

int
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
int
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
	    (rc = policies_json(b, x)) ||
	    (rc = buf_add(b, ",\"floor\":", 9)) || (rc = floor_json(b, x)) ||
	    (rc = buf_printf(b, ",\"policy_history\":%" PRIu64, x->nhist)) ||
	    (rc = clock_json(b, x)))
		return rc;
	if ((rc = buf_printf(b, ",\"verification\":{\"checked\":%" PRIu64
	    ",\"problems\":%" PRIu64 ",\"whole_log\":", x->n,
	    x->problems)) ||
	    (rc = esc_json(b, x->whole.p ? (char *)x->whole.p : "",
	    x->whole.n)))
		return rc;
	return buf_add(b, "}}\n", 3);
}

void
policy_member(char *name, size_t len, const uint8_t digest[AL_HASH_LEN])
{
	char	hex[2 * AL_HASH_LEN + 1];

	al_hex(digest, AL_HASH_LEN, hex);
	if (snprintf(name, len, "policies/%s.policy", hex) >= (int)len)
		name[0] = '\0';
}

/*
 * The manifest's policy i, when it was in force at or after the floor's
 * seq (as far as the policies of the export show: verify checks those),
 * must respect the floor: one problem for each of floor_respects' lines,
 * in verify's words.
 */
int
exp_floor_policy(struct exp *x, size_t i)
{
	const struct xpol	*p = &x->pol[i];
	char			*errs = NULL, *s, *nl;
	int			 rc;

	if (x->fl.seq == 0 || x->floor == NULL || p->p == NULL ||
	    (i + 1 < x->npol && x->pol[i + 1].e.seq <= x->fl.seq))
		return 0;
	if ((rc = floor_check_policy(x->floor, p->e.name.p, p->e.text.p,
	    p->e.text.n, &errs)) == 0)
		return 0;
	if (rc == AL_ENOMEM)
		return rc;
	for (s = errs; s != NULL && *s != '\0'; s = nl + 1) {
		if ((nl = strchr(s, '\n')) == NULL)
			nl = s + strlen(s) - 1;
		else
			*nl = '\0';
		found(x, p->e.seq, "the policy does not respect the floor (seq %"
		    PRIu64 "): %s", x->fl.seq, s);
	}
	free(errs);
	return 0;
}

void
floor_member(char *name, size_t len, const uint8_t digest[AL_HASH_LEN])
{
	char	hex[2 * AL_HASH_LEN + 1];

	al_hex(digest, AL_HASH_LEN, hex);
	if (snprintf(name, len, "floor/%s.floor", hex) >= (int)len)
		name[0] = '\0';
}

/* The manifest's floor: {"seq","name","digest","approvers"} or null. */
int
floor_json(struct buf *b, const struct exp *x)
{
	char	hex[2 * AL_HASH_LEN + 1];
	int	rc;

	if (x->fl.seq == 0)
		return buf_add(b, "null", 4);
	al_hex(x->fl.digest, AL_HASH_LEN, hex);
	if ((rc = buf_printf(b, "{\"seq\":%" PRIu64 ",\"name\":", x->fl.seq)) ||
	    (rc = esc_json(b, x->fl.name.p, x->fl.name.n)))
		return rc;
	return buf_printf(b, ",\"digest\":\"%s\",\"approvers\":%u}", hex,
	    x->fl.approvers);
}

/* Member names: the six kinds, and nothing that could lead elsewhere. */
int
member_name_ok(const char *name)
{
	size_t	i;

	if (strlen(name) == 6 + 64 + 6 && strncmp(name, "floor/", 6) == 0 &&
	    strcmp(name + 70, ".floor") == 0) {
		for (i = 6; i < 70; i++)
			if (!((name[i] >= '0' && name[i] <= '9') ||
			    (name[i] >= 'a' && name[i] <= 'f')))
				return 0;
		return 1;
	}

	if (strcmp(name, "manifest.json") == 0 ||
	    strcmp(name, "checkpoint") == 0 || strcmp(name, "proof") == 0 ||
	    strcmp(name, "entries.jsonl") == 0 ||
	    strcmp(name, "entries.csv") == 0 ||
	    strcmp(name, "summary.txt") == 0)
		return 1;
	if (strlen(name) != 9 + 64 + 7 || strncmp(name, "policies/", 9) != 0 ||
	    strcmp(name + 73, ".policy") != 0)
		return 0;
	for (i = 9; i < 73; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return 1;
}

/* CSV (RFC 4180, with the OWASP guard against formulas). */
static int
csv_cell(struct buf *b, const char *p, size_t n, int comma)
{
	size_t	i, j;
	int	rc, quote = 0;

	if (comma && (rc = buf_add(b, ",", 1)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n')
			quote = 1;
	if (quote && (rc = buf_add(b, "\"", 1)) != 0)
		return rc;
	if (n > 0 && (p[0] == '=' || p[0] == '+' || p[0] == '-' ||
	    p[0] == '@' || p[0] == '\t' || p[0] == '\r') &&
	    (rc = buf_add(b, "'", 1)) != 0)
		return rc;
	/* The text in runs, each up to and with a '"', which is doubled. */
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && p[j] != '"'; j++)
			;
		if (j < n)
			j++;
		if ((rc = buf_add(b, p + i, j - i)) != 0 ||
		    (p[j - 1] == '"' && (rc = buf_add(b, "\"", 1)) != 0))
			return rc;
	}
	return quote ? buf_add(b, "\"", 1) : 0;
}

static int
csv_str(struct buf *b, const struct al_str *s)
{
	return csv_cell(b, s->p, s->n, 1);
}

static int
csv_hex(struct buf *b, const uint8_t *h)
{
	char	hex[2 * AL_HASH_LEN + 1];

	al_hex(h, AL_HASH_LEN, hex);
	return csv_cell(b, hex, 2 * AL_HASH_LEN, 1);
}

/* Bundle format 4 adds gid, attested and user after uid (13.3). */
static const char csv_head3[] = "seq,time,kind,actor,customer,purpose,action,"
    "data,resource,ref,reason,decision,code,rule,detail,policy,name,service,"
    "host,pid,uid,prev,hash\r\n";
static const char csv_head4[] = "seq,time,kind,actor,customer,purpose,action,"
    "data,resource,ref,reason,decision,code,rule,detail,policy,name,service,"
    "host,pid,uid,gid,attested,user,prev,hash\r\n";

/* gid, attested, user: a version 3 entry's; empty cells for the others. */
static int
csv_ident(struct buf *b, const struct al_entry *e)
{
	int	rc;

	if (e->version != 3)
		return buf_add(b, ",,,", 3);
	if ((rc = buf_printf(b, ",%u,%s", e->gid, e->attested ? "true" :
	    "false")) != 0)
		return rc;
	return csv_str(b, &e->user);
}

int
csv_row(struct buf *b, const struct al_entry *e, int fmt)
{
	static const struct al_str none = { "", 0 };
	const int	 acc = e->kind == AL_KIND_ACCESS;
	const int	 cpt = e->kind == AL_KIND_CHECKPOINT;
	const int	 named = e->kind == AL_KIND_POLICY ||
	    e->kind == AL_KIND_FLOOR || e->kind == AL_KIND_PROPOSAL;
	const char	*dec = acc ? (e->allow ? "allow" : "deny") : "";
	const char	*code = acc ? al_code_name(e->code) : "";
	const char	*kind = entry_kind_name(e->kind);
	char		 t[40];
	int		 rc;

	if (kind == NULL)
		return AL_EINVAL;
	if (al_format_time(e->time_ns, 1, t, sizeof(t)) != 0)
		strlcpy(t, "?", sizeof(t));
	if ((rc = buf_printf(b, "%" PRIu64 ",%s,%s", e->seq, t,
	    kind)) != 0 ||
	    (rc = csv_str(b, &e->actor)) != 0 ||
	    (rc = csv_str(b, acc ? &e->customer : &none)) != 0 ||
	    (rc = csv_str(b, acc ? &e->purpose : &none)) != 0 ||
	    (rc = csv_str(b, acc ? &e->action : &none)) != 0 ||
	    (rc = csv_str(b, acc ? &e->data : &none)) != 0 ||
	    (rc = csv_str(b, acc ? &e->resource : &none)) != 0 ||
	    (rc = csv_str(b, acc ? &e->ref : &none)) != 0 ||
	    (rc = csv_str(b, acc ? &e->reason : &none)) != 0 ||
	    (rc = csv_cell(b, dec, strlen(dec), 1)) != 0 ||
	    (rc = csv_cell(b, code, strlen(code), 1)) != 0 ||
	    (rc = csv_str(b, acc ? &e->rule : &none)) != 0 ||
	    (rc = csv_str(b, acc ? &e->detail : &none)) != 0 ||
	    (rc = csv_hex(b, acc ? e->policy : cpt ? e->tree_root :
	    e->digest)) != 0 ||
	    (rc = csv_str(b, named ? &e->name : &none)) != 0 ||
	    (rc = csv_str(b, &e->service)) != 0 ||
	    (rc = csv_str(b, &e->host)) != 0 ||
	    (rc = buf_printf(b, ",%u,%u", e->pid, e->uid)) != 0 ||
	    (fmt >= 4 && (rc = csv_ident(b, e)) != 0) ||
	    (rc = csv_hex(b, e->prev)) != 0 ||
	    (rc = csv_hex(b, e->hash)) != 0)
		return rc;
	return buf_add(b, "\r\n", 2);
}

const char *
csv_header(int fmt, size_t *len)
{
	if (fmt < 4) {
		*len = sizeof(csv_head3) - 1;
		return csv_head3;
	}
	*len = sizeof(csv_head4) - 1;
	return csv_head4;
}
