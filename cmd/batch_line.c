/* batch_line.c - one line of record --batch, parsed into an access */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>
#include <yajl/yajl_parse.h>

#include "batch_line.h"

#define ARENA_CHUNK	(1024 * 1024)
#define MAX_DEPTH	64	/* of objects and arrays in a line */
#define ALIGN		_Alignof(max_align_t)

struct chunk {
	struct chunk	*next;
	size_t		 size, used;
	max_align_t	 mem[];
};

void *
arena_alloc(struct arena *ar, size_t n)
{
	struct chunk	*c = ar->cur;
	size_t		 size;
	void		*p = NULL;

	if (n > SIZE_MAX / 2)
		goto done;
	n = n == 0 ? ALIGN : (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	/* After a reset, the chunks of the last batch come first. */
	if (c != NULL && c->size - c->used < n && c->next != NULL &&
	    c->next->used == 0 && c->next->size >= n)
		c = ar->cur = c->next;
	if (c == NULL || c->size - c->used < n) {
		size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + size)) == NULL)
			goto done;
		c->size = size;
		c->used = 0;
		if (ar->cur == NULL) {
			c->next = NULL;
			ar->first = c;
		} else {
			c->next = ar->cur->next;
			ar->cur->next = c;
		}
		ar->cur = c;
	}
	p = (char *)c->mem + c->used;
	c->used += n;
	ar->used += n;
done:
	return p;
}

/* Keep the ordinary chunks for the next batch; free the outsized. */
void
arena_reset(struct arena *ar)
{
	struct chunk	**cp = &ar->first, *c;

	while ((c = *cp) != NULL) {
		if (c->size > ARENA_CHUNK) {
			*cp = c->next;
			free(c);
		} else {
			c->used = 0;
			cp = &c->next;
		}
	}
	ar->cur = ar->first;
	ar->used = 0;
}

void
arena_free(struct arena *ar)
{
	struct chunk	*c, *next;

	for (c = ar->first; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	ar->first = ar->cur = NULL;
	ar->used = 0;
}

const char *
arena_why(struct arena *ar, const char *why)
{
	size_t	 n = strnlen(why, WHY_LEN - 1);
	char	*p;

	if ((p = arena_alloc(ar, n + 1)) == NULL)
		return "out of memory";
	memcpy(p, why, n);
	p[n] = '\0';
	return p;
}

/*
 * yajl's allocator: the arena.  Its realloc needs the old size, kept in
 * front of each block; free does nothing, the arena's reset does it all.
 */
static void *
y_malloc(void *ctx, size_t n)
{
	char	*p;

	if (n > SIZE_MAX - ALIGN ||
	    (p = arena_alloc(ctx, ALIGN + n)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + ALIGN;
}

static void *
y_realloc(void *ctx, void *old, size_t n)
{
	size_t	 o;
	char	*p;

	if (old == NULL)
		return y_malloc(ctx, n);
	memcpy(&o, (char *)old - ALIGN, sizeof(o));
	if (n <= o)
		return old;
	if ((p = y_malloc(ctx, n)) != NULL)
		memcpy(p, old, o);
	return p;
}

static void
y_free(void *ctx, void *p)
{
	(void)ctx;
	(void)p;
}

/* A message of our own, malloc'd (NULL when out of memory). */
char *
batch_why(const char *fmt, ...)
{
	char	buf[WHY_LEN];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : strdup(buf);
}

/*
 * A reason into why.  Truncation is deliberate: a reason quotes an
 * unknown key or yajl's message, and is cut to the buffer.
 */
static void
why_set(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vsnprintf(why, len, fmt, ap) < 0)
		(void)strlcpy(why, "bad line", len);
	va_end(ap);
}

/*
 * The field names, in the order their errors are reported: an access's,
 * then those only a request to auditlogd may have (request_parse).
 */
enum { F_ACTOR, F_CUSTOMER, F_PURPOSE, F_ACTION, F_DATA, F_RESOURCE, F_REF,
    F_REASON, F_SERVICE, NFIELDS, F_OP = NFIELDS, F_NAME, F_TEXT, F_DIGEST,
    F_EXPIRES, NALL };
static const char *const fields[NALL] = { "actor", "customer", "purpose",
    "action", "data", "resource", "ref", "reason", "service", "op", "name",
    "text", "digest", "expires" };

/* The field the n bytes at k name, of the first nf, or -1. */
static int
field_index(const unsigned char *k, size_t n, int nf)
{
	int	i;

	for (i = 0; i < nf; i++)
		if (k[0] == (unsigned char)fields[i][0] &&
		    strlen(fields[i]) == n && memcmp(k, fields[i], n) == 0)
			return i;
	return -1;
}

/*
 * What the callbacks learn of a line.  yajl says each value as it reads
 * it; a problem with the fields is kept, not acted on at once, so that a
 * line that is not JSON at all says so first, whatever came before the
 * fault.  Only what makes the text itself unacceptable (a NUL in a
 * string, a key given twice) stops the parse.
 */
struct line_state {
	yajl_handle	 h;
	size_t		 end;		/* the byte after the object's '}' */
	struct arena	*ar;
	char		*why;
	size_t		 whylen;
	int		 nfields;	/* NFIELDS, or NALL for a request */
	const char	*s[NALL];	/* the fields' strings, in ar */
	unsigned	 seen;		/* fields named, as bits */
	unsigned	 notstr;	/* fields whose value is not a string */
	int		 depth;		/* open objects and arrays */
	int		 object;	/* the line's value is an object */
	int		 other;		/* ...or it is not */
	int		 cur;		/* the field named by the last key, -1 */
	int		 stopped;	/* why holds the reason */
	char		*unknown;	/* the first unknown key, in ar */
	size_t		 unknown_len;
};

static int
stop(struct line_state *st, const char *what)
{
	why_set(st->why, st->whylen, "not a JSON object: %s", what);
	st->stopped = 1;
	return 0;
}

/* A value that is not a string, or the start of an object or array. */
static int
not_string(struct line_state *st, int opens)
{
	if (st->depth == 0)
		st->other = 1;
	else if (st->depth == 1 && st->object && st->cur >= 0)
		st->notstr |= 1u << st->cur;
	/* An access needs one level: yajl has no limit of its own, and
	 * grows its stack a step at a time. */
	if ((st->depth += opens) > MAX_DEPTH)
		return stop(st, "maximum parsing depth reached");
	return 1;
}

static int
cb_null(void *ctx)
{
	return not_string(ctx, 0);
}

static int
cb_boolean(void *ctx, int b)
{
	(void)b;
	return not_string(ctx, 0);
}

static int
cb_number(void *ctx, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return not_string(ctx, 0);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t n)
{
	struct line_state	*st = ctx;
	char			*d;

	if (memchr(s, '\0', n) != NULL)
		return stop(st, "\\u0000 is not allowed in a string");
	if (st->depth == 0) {
		st->other = 1;
		return 1;
	}
	if (st->depth > 1 || !st->object || st->cur < 0)
		return 1;
	if ((d = arena_alloc(st->ar, n + 1)) == NULL)
		return stop(st, "out of memory");
	memcpy(d, s, n);
	d[n] = '\0';
	st->s[st->cur] = d;
	return 1;
}

static int
cb_start_map(void *ctx)
{
	struct line_state	*st = ctx;

	if (st->depth == 0) {
		st->object = 1;
		st->depth = 1;
		return 1;
	}
	return not_string(st, 1);
}

static int
cb_start_array(void *ctx)
{
	return not_string(ctx, 1);
}

static int
cb_end(void *ctx)
{
	struct line_state	*st = ctx;

	if (--st->depth == 0)
		st->end = yajl_get_bytes_consumed(st->h);
	return 1;
}

static int
cb_map_key(void *ctx, const unsigned char *k, size_t n)
{
	struct line_state	*st = ctx;
	int			 i;

	if (memchr(k, '\0', n) != NULL)
		return stop(st, "\\u0000 is not allowed in a key");
	if (st->depth != 1)
		return 1;
	if ((i = field_index(k, n, st->nfields)) == -1) {
		/* A key with escapes is in yajl's buffer: keep a copy. */
		if (st->unknown == NULL) {
			if (n > WHY_LEN)
				n = WHY_LEN;
			if ((st->unknown = arena_alloc(st->ar, n)) == NULL)
				return stop(st, "out of memory");
			memcpy(st->unknown, k, n);
			st->unknown_len = n;
		}
		st->cur = -1;
		return 1;
	}
	if (st->seen & (1u << i))
		return stop(st, "duplicate object key");
	st->seen |= 1u << i;
	st->cur = i;
	return 1;
}

static const yajl_callbacks	callbacks = {
	cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
	cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end
};

/* How many of the n bytes at s, from the first, are in set. */
static size_t
strspn_n(const char *s, size_t n, const char *set)
{
	size_t	i;

	for (i = 0; i < n && s[i] != '\0' && strchr(set, s[i]) != NULL; i++)
		;
	return i;
}

static int
hex4(const char *s, unsigned *v)
{
	unsigned	d;
	int		i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return 0;
		*v = *v << 4 | d;
	}
	return 1;
}

/*
 * Whether a line yajl took has a \u escape of a UTF-16 surrogate that is
 * not the first half of a pair followed by the second: yajl decodes a
 * lone one to '?' and a broken pair to some other character, where the
 * text must be refused, not changed.  In a line yajl took, a backslash
 * is always the start of an escape in a string.
 */
static int
bad_surrogate(const char *s, size_t n)
{
	const char	*p = s, *end = s + n;
	unsigned	 u, w;

	while (p < end && (p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (end - p < 6 || p[1] != 'u' || !hex4(p + 2, &u)) {
			if (end - p <= 2)
				break;
			p += 2;
			continue;
		}
		if (u >= 0xdc00 && u <= 0xdfff)
			return 1;
		if (u < 0xd800 || u > 0xdbff) {
			p += 6;
			continue;
		}
		if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
		    !hex4(p + 8, &w) || w < 0xdc00 || w > 0xdfff)
			return 1;
		p += 12;
	}
	return 0;
}

/*
 * Precedence, as it always was: a line that is not JSON says so; then one
 * that is not an object; then the first unknown field; then the first
 * field, in the order above, whose value is not a string.
 */
static int
parse(const char *line, size_t len, const char *service, int nfields,
    struct al_access *a, const char **more, struct arena *ar, char *why,
    size_t whylen)
{
	yajl_alloc_funcs	 afs = { y_malloc, y_realloc, y_free, ar };
	struct line_state	 st;
	yajl_handle		 h;
	yajl_status		 ys;
	unsigned char		*e;
	size_t			 n;
	int			 i, end = 0, rc = -1;

	memset(a, 0, sizeof(*a));
	memset(&st, 0, sizeof(st));
	st.ar = ar;
	st.why = why;
	st.whylen = whylen;
	st.cur = -1;
	st.nfields = nfields;
	if ((h = st.h = yajl_alloc(&callbacks, &afs, &st)) == NULL) {
		why_set(why, whylen, "out of memory");
		goto done;
	}
	if ((ys = yajl_parse(h, (const unsigned char *)line, len)) ==
	    yajl_status_ok) {
		/* Its errors are at the end: its count is of its own. */
		end = 1;
		ys = yajl_complete_parse(h);
	}
	if (ys != yajl_status_ok) {
		if (st.stopped)
			goto done;
		if ((e = yajl_get_error(h, 0, NULL, 0)) == NULL) {
			why_set(why, whylen, "not a JSON object");
			goto done;
		}
		/* yajl ends its message with a newline. */
		n = strcspn((char *)e, "\n");
		if (end)
			why_set(why, whylen, "not a JSON object: %.*s at the "
			    "end of the line", (int)n, (char *)e);
		else
			why_set(why, whylen, "not a JSON object: %.*s at byte "
			    "%zu", (int)n, (char *)e,
			    yajl_get_bytes_consumed(h) + 1);
		yajl_free_error(h, e);
		goto done;
	}
	/* yajl misses a last token cut short: a lone '"', say. */
	if (st.object && !st.other && (n = st.end + strspn_n(line + st.end,
	    len - st.end, " \t\r\n")) != len) {
		why_set(why, whylen, "not a JSON object: trailing garbage at "
		    "byte %zu", n + 1);
		goto done;
	}
	/* yajl takes these for white space, which JSON does not: since it
	 * refuses them raw in a string, any is outside one. */
	if (memchr(line, '\f', len) != NULL ||
	    memchr(line, '\v', len) != NULL) {
		why_set(why, whylen, "not a JSON object: a form feed or "
		    "vertical tab between values");
		goto done;
	}
	if (memchr(line, '\\', len) != NULL && bad_surrogate(line, len)) {
		why_set(why, whylen, "not a JSON object: a \\u escape of "
		    "half a UTF-16 surrogate pair");
		goto done;
	}
	if (!st.object || st.other) {
		why_set(why, whylen, "not a JSON object");
		goto done;
	}
	if (st.unknown != NULL) {
		why_set(why, whylen, "unknown field '%.*s'",
		    (int)st.unknown_len, st.unknown);
		goto done;
	}
	for (i = 0; i < nfields; i++)
		if (st.notstr & (1u << i)) {
			why_set(why, whylen, "%s is not a string", fields[i]);
			goto done;
		}
	a->actor = st.s[F_ACTOR];
	a->customer = st.s[F_CUSTOMER];
	a->purpose = st.s[F_PURPOSE];
	a->action = st.s[F_ACTION];
	a->data = st.s[F_DATA];
	a->resource = st.s[F_RESOURCE];
	a->ref = st.s[F_REF];
	a->reason = st.s[F_REASON];
	a->service = st.s[F_SERVICE] != NULL ? st.s[F_SERVICE] : service;
	for (i = NFIELDS; i < nfields; i++)
		more[i - NFIELDS] = st.s[i];
	rc = 0;
done:
	if (h != NULL)
		yajl_free(h);
	return rc;
}

int
batch_parse(const char *line, size_t len, const char *service,
    struct al_access *a, struct arena *ar, char *why, size_t whylen)
{
	return parse(line, len, service, NFIELDS, a, NULL, ar, why, whylen);
}

/*
 * The ops, and the members each takes besides op: an access's for record
 * and check; for a change of the policy, actor and service (who asks,
 * as a label) and the op's own; for a checkpoint, the actor alone.
 * need: those it must have.
 */
#define B(f)	(1u << (f))
#define WHO	(B(F_ACTOR) | B(F_SERVICE))
static const struct {
	const char	*name;
	enum req_op	 op;
	unsigned	 takes, need;
} ops[] = {
	{ "record",		OP_RECORD,  B(NFIELDS) - 1, 0 },
	{ "check",		OP_CHECK,   B(NFIELDS) - 1, 0 },
	{ "policy-set",		OP_POLICY_SET, WHO | B(F_NAME) | B(F_TEXT),
	    B(F_NAME) | B(F_TEXT) },
	{ "policy-propose",	OP_PROPOSE, WHO | B(F_NAME) | B(F_TEXT) |
	    B(F_EXPIRES), B(F_NAME) | B(F_TEXT) },
	{ "policy-approve",	OP_APPROVE, WHO | B(F_DIGEST), B(F_DIGEST) },
	{ "policy-reject",	OP_REJECT,  WHO | B(F_DIGEST), B(F_DIGEST) },
	{ "checkpoint",		OP_CHECKPOINT, B(F_ACTOR), 0 },
};
#define NOPS	(sizeof(ops) / sizeof(ops[0]))

/* A proposal's time to live: a number and s, m, h or d, 1 s to 366 days,
 * as policy propose --expires takes it.  0 when it is none. */
static uint64_t
expires_ns(const char *s)
{
	uint64_t	n = 0, unit;
	size_t		i;

	if (*s < '1' || *s > '9')
		return 0;
	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (n > 366ULL * 86400)
			return 0;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	switch (s[i]) {
	case 's':	unit = 1; break;
	case 'm':	unit = 60; break;
	case 'h':	unit = 3600; break;
	case 'd':	unit = 86400; break;
	default:	return 0;
	}
	if (s[i + 1] != '\0' || n > 366ULL * 86400 / unit)
		return 0;
	return n * unit * 1000000000ULL;
}

int
request_parse(const char *line, size_t len, struct request *r,
    struct arena *ar, char *why, size_t whylen)
{
	const char	*more[NALL - NFIELDS], *op, *got[NALL];
	unsigned	 have = 0;
	size_t		 k;
	int		 i;

	memset(r, 0, sizeof(*r));
	if (parse(line, len, NULL, NALL, &r->a, more, ar, why, whylen) != 0)
		return -1;
	op = more[F_OP - NFIELDS];
	r->name = more[F_NAME - NFIELDS];
	r->text = more[F_TEXT - NFIELDS];
	r->digest = more[F_DIGEST - NFIELDS];
	if (op == NULL)
		op = "record";
	for (k = 0; k < NOPS; k++)
		if (strcmp(op, ops[k].name) == 0)
			break;
	if (k == NOPS) {
		why_set(why, whylen, "unknown op '%.64s': record, check, "
		    "policy-set, policy-propose, policy-approve, "
		    "policy-reject or checkpoint", op);
		return -1;
	}
	r->op = ops[k].op;
	got[F_ACTOR] = r->a.actor;
	got[F_CUSTOMER] = r->a.customer;
	got[F_PURPOSE] = r->a.purpose;
	got[F_ACTION] = r->a.action;
	got[F_DATA] = r->a.data;
	got[F_RESOURCE] = r->a.resource;
	got[F_REF] = r->a.ref;
	got[F_REASON] = r->a.reason;
	got[F_SERVICE] = r->a.service;
	got[F_OP] = NULL;
	for (i = F_NAME; i < NALL; i++)
		got[i] = more[i - NFIELDS];
	for (i = 0; i < NALL; i++)
		if (got[i] != NULL)
			have |= B(i);
	/* The first member of another op's, in the order of fields[]. */
	for (i = 0; i < NALL; i++)
		if ((have & B(i)) && !(ops[k].takes & B(i))) {
			why_set(why, whylen, "%s is not a field of op %s",
			    fields[i], ops[k].name);
			return -1;
		}
	for (i = 0; i < NALL; i++)
		if ((ops[k].need & B(i)) && !(have & B(i))) {
			why_set(why, whylen, "op %s needs %s %s", ops[k].name,
			    fields[i][0] == 'e' ? "an" : "a", fields[i]);
			return -1;
		}
	if (got[F_EXPIRES] != NULL &&
	    (r->expires_ns = expires_ns(got[F_EXPIRES])) == 0) {
		why_set(why, whylen, "expires '%.64s' is no duration: a "
		    "number and s, m, h or d, up to 366 days (7d)",
		    got[F_EXPIRES]);
		return -1;
	}
	return 0;
}

int
batch_line(al_log *l, const char *line, size_t len, const char *service,
    struct al_access *a, struct arena *ar, char **error)
{
	char	why[WHY_LEN];

	*error = NULL;
	if (batch_parse(line, len, service, a, ar, why, sizeof(why)) != 0)
		*error = strdup(why);
	else if (al_validate(l, a) != 0)
		*error = batch_why("%s", al_errmsg(l));
	return *error == NULL ? 0 : -1;
}
