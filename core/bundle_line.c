/* bundle_line.c - a line of entries.jsonl in the one form the tool writes */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "al_int.h"
#include "bundle.h"

/*
 * A checker reads entries.jsonl as JSON (section 11: a reader goes by the
 * names, never the escaping style), but every line auditlog writes is
 * entry_json()'s, and a general parser spends most of a check's time on
 * them.  line_entry() decodes a line only in that form and then proves it
 * was that form: it re-encodes the entry with entry_json() and compares
 * the bytes.  A line that passes is canonical JSON that any parser reads
 * as this very entry.  Any other line (keys in another order, whitespace,
 * another escape, a number out of range, damage, a hostile line) is left
 * to the JSON parser, so what is accepted and what is refused, and with
 * which message, is the same as with the parser alone.  The decoder need
 * not be strict: the comparison is.
 */

struct cur {
	const char	*p, *end;
	char		*o;		/* the decoded strings, each NUL-ended */
};

static int
lit(struct cur *c, const char *s, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

#define LIT(c, s)	lit((c), (s), sizeof(s) - 1)

/* A hex digit's value, lowercase only (entry_json()'s), else -1. */
static const signed char hexv[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

static int
hexval(unsigned char ch)
{
	return hexv[ch] - 1;
}

/*
 * A string, decoded into c->o: the escapes esc_json() writes, and \uXXXX
 * of the BMP; every other byte is taken as it is (the comparison judges
 * it).  The output is never longer than the input: an escape of n bytes
 * decodes to fewer, and each string adds one NUL for its closing quote.
 */
static int
str(struct cur *c, struct al_str *s)
{
	const char	*p = c->p, *end = c->end;
	char		*o = c->o;
	unsigned	 u;
	int		 i, d;

	if (p == end || *p++ != '"')
		return -1;
	s->p = o;
	for (;;) {
		while (p < end && *p != '"' && *p != '\\')
			*o++ = *p++;
		if (p == end)
			return -1;
		if (*p++ == '"')
			break;
		if (p == end)
			return -1;
		switch (*p++) {
		case '"':	*o++ = '"'; break;
		case '\\':	*o++ = '\\'; break;
		case 'n':	*o++ = '\n'; break;
		case 'r':	*o++ = '\r'; break;
		case 't':	*o++ = '\t'; break;
		case 'u':
			if (end - p < 4)
				return -1;
			for (u = 0, i = 0; i < 4; i++) {
				if ((d = hexval((unsigned char)*p++)) < 0)
					return -1;
				u = u << 4 | (unsigned)d;
			}
			if (u >= 0xd800 && u <= 0xdfff)
				return -1;	/* surrogates: the parser's */
			if (u < 0x80)
				*o++ = (char)u;
			else if (u < 0x800) {
				*o++ = (char)(0xc0 | u >> 6);
				*o++ = (char)(0x80 | (u & 0x3f));
			} else {
				*o++ = (char)(0xe0 | u >> 12);
				*o++ = (char)(0x80 | (u >> 6 & 0x3f));
				*o++ = (char)(0x80 | (u & 0x3f));
			}
			break;
		default:
			return -1;
		}
	}
	s->n = (size_t)(o - s->p);
	*o++ = '\0';
	c->o = o;
	c->p = p;
	return 0;
}

/* A number the JSON parser holds exactly (a long long) and up to max. */
static int
num(struct cur *c, uint64_t max, uint64_t *v)
{
	uint64_t	x = 0;
	const char	*p = c->p;

	if (p == c->end || *p < '0' || *p > '9')
		return -1;
	for (; p < c->end && *p >= '0' && *p <= '9'; p++) {
		if (x > (max - (uint64_t)(*p - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	c->p = p;
	*v = x;
	return 0;
}

/* A hash: 64 hex digits in quotes. */
static int
hash(struct cur *c, uint8_t *out)
{
	const char	*p = c->p;
	int		 hi, lo;
	size_t		 i;

	if (c->end - p < 2 * AL_HASH_LEN + 2 || *p++ != '"' ||
	    p[2 * AL_HASH_LEN] != '"')
		return -1;
	for (i = 0; i < AL_HASH_LEN; i++) {
		hi = hexv[(unsigned char)p[2 * i]];
		lo = hexv[(unsigned char)p[2 * i + 1]];
		if (hi == 0 || lo == 0)
			return -1;
		out[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
	}
	c->p = p + 2 * AL_HASH_LEN + 1;
	return 0;
}

static int
is(const struct al_str *s, const char *w)
{
	return s->n == strlen(w) && memcmp(s->p, w, s->n) == 0;
}

/* The entry's fields, in entry_json()'s order; -1 when not in it. */
static int
decode(struct cur *c, struct al_entry *e)
{
	struct al_str	 kind, dec, code, t;
	uint64_t	 ver, pid, uid, x;
	int		 i;

	if (LIT(c, "{\"version\":") || num(c, 9, &ver) ||
	    LIT(c, ",\"seq\":") || num(c, INT64_MAX, &e->seq) ||
	    LIT(c, ",\"time\":") || str(c, &t) ||
	    al_parse_time(t.p, 0, &e->time_ns) != 0 ||
	    LIT(c, ",\"kind\":") || str(c, &kind) ||
	    LIT(c, ",\"actor\":") || str(c, &e->actor))
		return -1;
	e->version = (int)ver;
	if (is(&kind, "floor") || is(&kind, "proposal")) {
		e->kind = is(&kind, "floor") ? AL_KIND_FLOOR :
		    AL_KIND_PROPOSAL;
		if (LIT(c, ",\"name\":") || str(c, &e->name) ||
		    LIT(c, ",\"text\":") || str(c, &e->text) ||
		    LIT(c, ",\"digest\":") || hash(c, e->digest))
			return -1;
		if (e->kind == AL_KIND_FLOOR) {
			if (LIT(c, ",\"approvers\":") || num(c, 9, &x))
				return -1;
			e->approvers = (unsigned)x;
		} else if (LIT(c, ",\"expires\":") || str(c, &t) ||
		    al_parse_time(t.p, 0, &e->expires_ns) != 0)
			return -1;
	} else if (is(&kind, "approval") || is(&kind, "rejection")) {
		e->kind = is(&kind, "approval") ? AL_KIND_APPROVAL :
		    AL_KIND_REJECTION;
		if (LIT(c, ",\"digest\":") || hash(c, e->digest))
			return -1;
	} else if (is(&kind, "checkpoint")) {
		e->kind = AL_KIND_CHECKPOINT;
		if (LIT(c, ",\"tree_size\":") ||
		    num(c, INT64_MAX, &e->tree_size) ||
		    LIT(c, ",\"tree_root\":") || hash(c, e->tree_root) ||
		    LIT(c, ",\"note\":") || str(c, &e->note))
			return -1;
	} else if (is(&kind, "policy")) {
		e->kind = AL_KIND_POLICY;
		if (LIT(c, ",\"name\":") || str(c, &e->name) ||
		    LIT(c, ",\"text\":") || str(c, &e->text) ||
		    LIT(c, ",\"digest\":") || hash(c, e->digest))
			return -1;
	} else if (is(&kind, "access")) {
		e->kind = AL_KIND_ACCESS;
		if (LIT(c, ",\"customer\":") || str(c, &e->customer) ||
		    LIT(c, ",\"purpose\":") || str(c, &e->purpose) ||
		    LIT(c, ",\"action\":") || str(c, &e->action) ||
		    LIT(c, ",\"data\":") || str(c, &e->data) ||
		    LIT(c, ",\"resource\":") || str(c, &e->resource) ||
		    LIT(c, ",\"ref\":") || str(c, &e->ref) ||
		    LIT(c, ",\"reason\":") || str(c, &e->reason) ||
		    LIT(c, ",\"decision\":") || str(c, &dec) ||
		    LIT(c, ",\"code\":") || str(c, &code) ||
		    LIT(c, ",\"rule\":") || str(c, &e->rule) ||
		    LIT(c, ",\"detail\":") || str(c, &e->detail) ||
		    LIT(c, ",\"policy\":") || hash(c, e->policy))
			return -1;
		if (is(&dec, "allow"))
			e->allow = 1;
		else if (!is(&dec, "deny"))
			return -1;
		for (i = 0; i < AL_NCODES; i++)
			if (is(&code, al_code_name(i)))
				break;
		if (i == AL_NCODES || (e->allow != 0) != (i == AL_ALLOWED))
			return -1;
		e->code = i;
	} else
		return -1;
	if (LIT(c, ",\"service\":") || str(c, &e->service) ||
	    LIT(c, ",\"host\":") || str(c, &e->host) ||
	    LIT(c, ",\"pid\":") || num(c, UINT32_MAX, &pid) ||
	    LIT(c, ",\"uid\":") || num(c, UINT32_MAX, &uid))
		return -1;
	if (ver == 3) {
		if (LIT(c, ",\"gid\":") || num(c, UINT32_MAX, &x))
			return -1;
		e->gid = (uint32_t)x;
		if (LIT(c, ",\"attested\":true") == 0)
			e->attested = 1;
		else if (LIT(c, ",\"attested\":false") != 0)
			return -1;
		if (LIT(c, ",\"user\":") || str(c, &e->user) ||
		    LIT(c, ",\"groups\":["))
			return -1;
		while (LIT(c, "]") != 0) {
			if (e->ngroups == AL_MAX_GROUPS ||
			    (e->ngroups > 0 && LIT(c, ",")) ||
			    LIT(c, "{\"gid\":") || num(c, UINT32_MAX, &x) ||
			    LIT(c, ",\"name\":") ||
			    str(c, &e->gname[e->ngroups]) || LIT(c, "}"))
				return -1;
			e->gids[e->ngroups++] = (uint32_t)x;
		}
	}
	if (LIT(c, ",\"prev\":") || hash(c, e->prev) ||
	    LIT(c, ",\"hash\":") || hash(c, e->hash) ||
	    LIT(c, "}") || c->p != c->end)
		return -1;
	e->pid = (uint32_t)pid;
	e->uid = (uint32_t)uid;
	/* Versions 1 and 2 hold what they did (the parser's to refuse). */
	if (ver != 3 && (ver != (e->kind == AL_KIND_CHECKPOINT ? 2U : 1U) ||
	    e->kind > AL_KIND_CHECKPOINT || e->code >= AL_WRITER_NOT_ALLOWED))
		return -1;
	return 0;
}

int
line_entry(const char *p, size_t n, struct buf *dec, struct buf *re,
    struct al_entry *e)
{
	struct cur	c;

	memset(e, 0, sizeof(*e));
	/* The decoded strings: at most n bytes and a NUL for each. */
	dec->n = 0;
	if (n > SIZE_MAX / 2 || buf_reserve(dec, n + 64) != 0)
		return -2;
	c.p = p;
	c.end = p + n;
	c.o = (char *)dec->p;
	if (decode(&c, e) != 0)
		return 1;
	re->n = 0;
	if (entry_json(re, e) != 0)
		return -2;
	/* entry_json() ends the line with "}\n"; the line has no newline. */
	if (re->n != n + 1 || memcmp(re->p, p, n) != 0)
		return 1;
	return 0;
}

/*
 * The lines, checked on a second thread while this one inflates the
 * bundle and hashes the member: whole lines are copied into one of two
 * batches, handed over when full, and checked in order.  The caller
 * calls line_sync() before it reports a problem of its own, so problems
 * come out in the order they did on one thread.  When no thread can be
 * made, each line is checked as it is given.
 */
#define LP_BATCH	(256 * 1024)

/*
 * The pthread calls below on a default mutex and condition variable can
 * only fail on misuse, which the code does not do (as in gz.c): their
 * results are not checked.
 */
static int
lp_run(struct line_pipe *lp, const struct buf *b, uint64_t lineno)
{
	const char	*p = (const char *)b->p, *end = p + b->n, *nl;
	int		 rc = 0;

	while (rc == 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		rc = lp->fn(lp->arg, p, (size_t)(nl - p), lineno++);
		p = nl + 1;
	}
	return rc;
}

static void *
lp_work(void *arg)
{
	struct line_pipe	*lp = arg;
	int			 j = 0, rc;

	(void)pthread_mutex_lock(&lp->mu);
	for (;;) {
		while (!lp->full[j] && !lp->quit)
			(void)pthread_cond_wait(&lp->cv, &lp->mu);
		if (!lp->full[j])
			break;
		rc = lp->rc;
		(void)pthread_mutex_unlock(&lp->mu);
		if (rc == 0)
			rc = lp_run(lp, &lp->slot[j], lp->first[j]);
		(void)pthread_mutex_lock(&lp->mu);
		if (lp->rc == 0)
			lp->rc = rc;
		lp->slot[j].n = 0;
		lp->full[j] = 0;
		(void)pthread_cond_broadcast(&lp->cv);
		j ^= 1;
	}
	(void)pthread_mutex_unlock(&lp->mu);
	return NULL;
}

void
line_start(struct line_pipe *lp, int (*fn)(void *, const char *, size_t,
    uint64_t), void *arg)
{
	memset(lp, 0, sizeof(*lp));
	lp->fn = fn;
	lp->arg = arg;
	lp->on = 1;
	if (pthread_mutex_init(&lp->mu, NULL) != 0)
		return;
	if (pthread_cond_init(&lp->cv, NULL) != 0) {
		(void)pthread_mutex_destroy(&lp->mu);
		return;
	}
	if (pthread_create(&lp->th, NULL, lp_work, lp) != 0) {
		(void)pthread_cond_destroy(&lp->cv);
		(void)pthread_mutex_destroy(&lp->mu);
		return;
	}
	lp->threaded = 1;
}

/* Hand the batch being filled over, and wait for the other to be free. */
static int
lp_hand(struct line_pipe *lp)
{
	int	f = lp->fill, rc;

	(void)pthread_mutex_lock(&lp->mu);
	lp->full[f] = 1;
	(void)pthread_cond_broadcast(&lp->cv);
	f ^= 1;
	while (lp->full[f])
		(void)pthread_cond_wait(&lp->cv, &lp->mu);
	rc = lp->rc;
	(void)pthread_mutex_unlock(&lp->mu);
	lp->fill = f;
	return rc;
}

int
line_check(struct line_pipe *lp, const char *p, size_t n, uint64_t lineno)
{
	struct buf	*b = &lp->slot[lp->fill];
	int		 rc;

	if (!lp->threaded)
		return lp->fn(lp->arg, p, n, lineno);
	/* A batch holds lines that follow one another. */
	if (b->n > 0 && lineno != lp->next) {
		if ((rc = lp_hand(lp)) != 0)
			return rc;
		b = &lp->slot[lp->fill];
	}
	if (b->n == 0)
		lp->first[lp->fill] = lineno;
	if (buf_add(b, p, n) != 0 || buf_add(b, "\n", 1) != 0)
		return -2;
	lp->next = lineno + 1;
	return b->n >= LP_BATCH ? lp_hand(lp) : 0;
}

int
line_sync(struct line_pipe *lp)
{
	int	rc;

	if (!lp->threaded)
		return 0;
	if (lp->slot[lp->fill].n > 0 && (rc = lp_hand(lp)) != 0)
		return rc;
	(void)pthread_mutex_lock(&lp->mu);
	while (lp->full[0] || lp->full[1])
		(void)pthread_cond_wait(&lp->cv, &lp->mu);
	rc = lp->rc;
	(void)pthread_mutex_unlock(&lp->mu);
	return rc;
}

int
line_stop(struct line_pipe *lp)
{
	int	rc = 0;

	if (lp->threaded) {
		rc = line_sync(lp);
		(void)pthread_mutex_lock(&lp->mu);
		lp->quit = 1;
		(void)pthread_cond_broadcast(&lp->cv);
		(void)pthread_mutex_unlock(&lp->mu);
		(void)pthread_join(lp->th, NULL);
		(void)pthread_cond_destroy(&lp->cv);
		(void)pthread_mutex_destroy(&lp->mu);
	}
	buf_free(&lp->slot[0]);
	buf_free(&lp->slot[1]);
	memset(lp, 0, sizeof(*lp));
	return rc;
}
