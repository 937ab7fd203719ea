/* poldiff.c - two policies compared rule by rule, and what widens access */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "al_int.h"

/*
 * Each line of a policy is reduced to a normal form: its words (quotes
 * taken off where the word needs none), a rule's parts in a fixed order
 * (purpose, action, data, service, actor, ref), each list as a sorted set
 * without repeats ({ b a a } is { a b }; a list of one is its word), and
 * a group's members sorted too.  Comments and blank lines are dropped.
 * Lines equal in that form are the same rule, wherever they stand.  The
 * lexer is this file's own: the diff reads any text (a policy of a later
 * format, with lines today's parser refuses) and checks no meaning.
 */

#define PD_MAX_LINE	4096
#define PD_MAX_WORDS	512

enum pkind { K_PURPOSE, K_GROUP, K_ALLOW, K_DENY, K_WRITER, K_ADMIN,
	K_OTHER, K_N };

static const char *const kname[K_N] = { "purpose", "group", "allow",
	"deny", "writer", "admin", "other" };

/* The order of a rule's parts in the normal form. */
static const char *const keys[] = { "purpose", "action", "data",
	"service", "actor", "ref" };
#define KEY_REF	5
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const char *const keywords[] = { "purpose", "group", "allow",
	"deny", "ref", "action", "data", "any", "writer", "admin", "user",
	"service", "actor" };

struct word {
	char	*v;		/* the value */
	char	*r;		/* as the normal form writes it */
	int	 quoted;
};

struct part {
	int		 key;	/* index in keys, or -1: none known */
	struct word	*w;	/* sorted by r, no repeats */
	size_t		 n;
};

struct pline {
	enum pkind	 kind;
	int		 line;
	int		 shaped;	/* parts were understood */
	char		*subject;	/* who / name / "user X" (normal) */
	char		*desc;		/* purpose: the description */
	struct part	 part[NKEYS];	/* key absent: n == 0 */
	struct part	 members;	/* group */
	char		*text;		/* the normal form */
	int		 matched;	/* in the other policy too */
};

struct ppol {
	struct pline	*l;
	size_t		 n;
};

/* The result being built. */
struct dlist {
	struct al_poldiff_line	*line;
	size_t			 n, cap;
};

static int
is_keyword(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(s, keywords[i]) == 0)
			return 1;
	return 0;
}

static int
bare(const struct word *w, const char *s)
{
	return !w->quoted && strcmp(w->v, s) == 0;
}

/* The word as the normal form writes it: quoted when it must be. */
static char *
render(const char *v, int quoted)
{
	struct buf	 b = { NULL, 0, 0 };
	const char	*s;
	int		 q;

	q = *v == '\0' || *v == '#' || strpbrk(v, " \t{}\"\\") != NULL ||
	    (quoted && is_keyword(v));
	if (!q)
		return strdup(v);
	if (buf_add(&b, "\"", 1) != 0)
		goto fail;
	for (s = v; *s != '\0'; s++)
		if (((*s == '"' || *s == '\\') && buf_add(&b, "\\", 1) != 0) ||
		    buf_add(&b, s, 1) != 0)
			goto fail;
	if (buf_add(&b, "\"", 2) != 0)
		goto fail;
	return (char *)b.p;
fail:
	buf_free(&b);
	return NULL;
}

/* Free the strings of n words; the array stays. */
static void
words_clear(struct word *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(w[i].v);
		free(w[i].r);
		w[i].v = w[i].r = NULL;
	}
}

static void
words_free(struct word *w, size_t n)
{
	if (w != NULL)
		words_clear(w, n);
	free(w);
}

/*
 * Split a line into w (PD_MAX_WORDS of room) as the policy language does
 * ("...", with \" and \\; braces alone; # at a word's start ends the
 * line).  Returns the number of words, or -1 with why (a message with its
 * column) and no words kept.
 */
static int
lex(const char *s, size_t n, struct word *w, char *why, size_t whylen)
{
	size_t		 i = 0, j, k, nw = 0;
	char		*v = NULL;
	int		 rc = -1;

	while (i < n) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (s[i] == '#')
			break;
		if (nw == PD_MAX_WORDS) {
			snprintf(why, whylen, "%zu: more than %d words on a "
			    "line", i + 1, PD_MAX_WORDS);
			goto done;
		}
		if ((v = malloc(n - i + 1)) == NULL) {
			snprintf(why, whylen, "out of memory");
			goto done;
		}
		k = 0;
		w[nw].quoted = 0;
		if (s[i] == '{' || s[i] == '}') {
			v[k++] = s[i++];
		} else if (s[i] == '"') {
			w[nw].quoted = 1;
			for (j = i + 1; j < n && s[j] != '"'; j++) {
				if (s[j] == '\\') {
					if (j + 1 == n || (s[j + 1] != '"' &&
					    s[j + 1] != '\\')) {
						snprintf(why, whylen, "%zu: "
						    "unknown escape in quoted "
						    "word", j + 1);
						goto done;
					}
					j++;
				}
				v[k++] = s[j];
			}
			if (j == n) {
				snprintf(why, whylen, "%zu: unterminated "
				    "quoted word", i + 1);
				goto done;
			}
			i = j + 1;
		} else {
			for (; i < n && s[i] != ' ' && s[i] != '\t' &&
			    s[i] != '{' && s[i] != '}' && s[i] != '"'; i++)
				v[k++] = s[i];
		}
		v[k] = '\0';
		w[nw].v = v;
		v = NULL;
		nw++;
		if ((w[nw - 1].r = render(w[nw - 1].v, w[nw - 1].quoted)) ==
		    NULL) {
			snprintf(why, whylen, "out of memory");
			goto done;
		}
	}
	rc = (int)nw;
done:
	free(v);
	if (rc < 0)
		words_clear(w, nw);
	return rc;
}

static int
word_cmp(const void *a, const void *b)
{
	return strcmp(((const struct word *)a)->r,
	    ((const struct word *)b)->r);
}

/* Take words w[lo, hi) as a set: copies, sorted, without repeats. */
static int
set_take(struct part *p, const struct word *w, size_t lo, size_t hi)
{
	size_t	i, n = 0;

	if (hi == lo)
		return 0;
	if ((p->w = calloc(hi - lo, sizeof(*p->w))) == NULL)
		return -1;
	for (i = lo; i < hi; i++, n++) {
		p->w[n].quoted = w[i].quoted;
		if ((p->w[n].v = strdup(w[i].v)) == NULL ||
		    (p->w[n].r = strdup(w[i].r)) == NULL) {
			p->n = n + 1;
			return -1;
		}
	}
	p->n = n;
	qsort(p->w, p->n, sizeof(*p->w), word_cmp);
	for (i = n = 0; i < p->n; i++) {
		if (n > 0 && strcmp(p->w[n - 1].r, p->w[i].r) == 0) {
			free(p->w[i].v);
			free(p->w[i].r);
			continue;
		}
		p->w[n++] = p->w[i];
	}
	p->n = n;
	return 0;
}

static void
part_free(struct part *p)
{
	words_free(p->w, p->n);
	p->w = NULL;
	p->n = 0;
}

/*
 * A rule's parts from w[i]: KEY LIST ..., a list one word or { ... }.
 * 0, 1 when they are not of that shape (the line is then compared as
 * its words stand), -1 out of memory.
 */
static int
parts(struct pline *pl, const struct word *w, size_t i, size_t n)
{
	size_t	k, j;

	while (i < n) {
		for (k = 0; k < NKEYS; k++)
			if (bare(&w[i], keys[k]))
				break;
		if (k == NKEYS || pl->part[k].n > 0 || i + 1 == n)
			return 1;
		i++;
		if (bare(&w[i], "{")) {
			for (j = i + 1; j < n && !bare(&w[j], "}"); j++)
				if (bare(&w[j], "{"))
					return 1;
			if (j == n || j == i + 1)
				return 1;
			if (set_take(&pl->part[k], w, i + 1, j) != 0)
				return -1;
			i = j + 1;
		} else {
			if (bare(&w[i], "}"))
				return 1;
			if (set_take(&pl->part[k], w, i, i + 1) != 0)
				return -1;
			i++;
		}
	}
	return 0;
}

/* The normal form of pl's parts after its head, into b. */
static int
put_parts(struct buf *b, const struct pline *pl)
{
	size_t	k, i;

	for (k = 0; k < NKEYS; k++) {
		if (pl->part[k].n == 0)
			continue;
		if (buf_printf(b, " %s", keys[k]) != 0)
			return -1;
		if (pl->part[k].n == 1) {
			if (buf_printf(b, " %s", pl->part[k].w[0].r) != 0)
				return -1;
			continue;
		}
		if (buf_add(b, " {", 2) != 0)
			return -1;
		for (i = 0; i < pl->part[k].n; i++)
			if (buf_printf(b, " %s", pl->part[k].w[i].r) != 0)
				return -1;
		if (buf_add(b, " }", 2) != 0)
			return -1;
	}
	return 0;
}

/*
 * Shape one line's words into pl: kind, subject, parts, normal form.
 * Returns 0 or -1 (out of memory).
 */
static int
shape(struct pline *pl, const struct word *w, size_t n)
{
	struct buf	 b = { NULL, 0, 0 };
	size_t		 i, head = 0, rest;
	int		 k, rc = -1, r;

	pl->kind = K_OTHER;
	for (k = 0; k < K_OTHER; k++)
		if (bare(&w[0], kname[k]))
			pl->kind = (enum pkind)k;
	switch (pl->kind) {
	case K_PURPOSE:
	case K_GROUP:
	case K_ALLOW:
	case K_DENY:
		head = 2;
		break;
	case K_WRITER:
	case K_ADMIN:
		head = 3;
		break;
	default:
		break;
	}
	pl->shaped = head > 0 && n >= head;
	rest = head;
	if (pl->shaped && pl->kind == K_PURPOSE && n > head &&
	    !bare(&w[head], "ref")) {
		if ((pl->desc = strdup(w[head].r)) == NULL)
			goto done;
		rest++;
	}
	if (pl->shaped) {
		if (buf_printf(&b, "%s", w[1].r) != 0 ||
		    (head == 3 && buf_printf(&b, " %s", w[2].r) != 0) ||
		    buf_add(&b, "", 1) != 0)
			goto done;
		pl->subject = (char *)b.p;
		b.p = NULL;
		b.n = b.cap = 0;
	}
	if (pl->shaped && pl->kind == K_GROUP) {
		if (set_take(&pl->members, w, rest, n) != 0)
			goto done;
	} else if (pl->shaped && pl->kind != K_ADMIN) {
		if ((r = parts(pl, w, rest, n)) < 0)
			goto done;
		pl->shaped = r == 0;
	} else if (pl->kind == K_ADMIN && n != head)
		pl->shaped = 0;
	/* The normal form. */
	if (pl->shaped) {
		if (buf_printf(&b, "%s %s", kname[pl->kind], pl->subject) != 0 ||
		    (pl->desc && buf_printf(&b, " %s", pl->desc) != 0))
			goto done;
		for (i = 0; i < pl->members.n; i++)
			if (buf_printf(&b, " %s", pl->members.w[i].r) != 0)
				goto done;
		if (put_parts(&b, pl) != 0)
			goto done;
	} else {
		for (i = 0; i < n; i++)
			if (buf_printf(&b, "%s%s", i ? " " : "", w[i].r) != 0)
				goto done;
	}
	if (buf_add(&b, "", 1) != 0)
		goto done;
	pl->text = (char *)b.p;
	b.p = NULL;
	rc = 0;
done:
	buf_free(&b);
	return rc;
}

static void
ppol_free(struct ppol *p)
{
	size_t	i, k;

	for (i = 0; i < p->n; i++) {
		for (k = 0; k < NKEYS; k++)
			part_free(&p->l[i].part[k]);
		part_free(&p->l[i].members);
		free(p->l[i].subject);
		free(p->l[i].desc);
		free(p->l[i].text);
	}
	free(p->l);
	p->l = NULL;
	p->n = 0;
}

/* Read a policy's text into lines; AL_EINVAL "name:line:col: why". */
static int
ppol_read(struct ppol *p, const char *name, const char *text, size_t len,
    char *err)
{
	struct word	*w;
	struct pline	*nl;
	const char	*s = text, *end = text + len, *eol;
	char		 why[128];
	size_t		 cap = 0;
	int		 nw = 0, line = 0, rc;

	if ((w = calloc(PD_MAX_WORDS, sizeof(*w))) == NULL)
		return err_set(err, AL_ENOMEM, "out of memory");
	for (; s < end; s = eol + 1) {
		line++;
		if ((eol = memchr(s, '\n', (size_t)(end - s))) == NULL)
			eol = end;
		if ((size_t)(eol - s) > PD_MAX_LINE) {
			rc = err_set(err, AL_EINVAL, "%s:%d: line longer than "
			    "%d bytes", name, line, PD_MAX_LINE);
			goto done;
		}
		if ((nw = lex(s, (size_t)(eol - s), w, why, sizeof(why))) < 0) {
			nw = 0;
			if (strcmp(why, "out of memory") == 0)
				rc = err_set(err, AL_ENOMEM, "out of memory");
			else
				rc = err_set(err, AL_EINVAL, "%s:%d:%s", name,
				    line, why);
			goto done;
		}
		if (nw > 0) {
			if (p->n == cap) {
				cap = cap ? cap * 2 : 32;
				if ((nl = realloc(p->l, cap * sizeof(*nl))) ==
				    NULL)
					goto nomem;
				p->l = nl;
			}
			memset(&p->l[p->n], 0, sizeof(p->l[p->n]));
			p->l[p->n].line = line;
			p->n++;
			if (shape(&p->l[p->n - 1], w, (size_t)nw) != 0)
				goto nomem;
		}
		words_clear(w, (size_t)nw);
		nw = 0;
		if (eol == end)
			break;
	}
	rc = 0;
	goto done;
nomem:
	rc = err_set(err, AL_ENOMEM, "out of memory");
done:
	words_free(w, (size_t)nw);
	return rc;
}

/* A glob: does it hold a character fnmatch(3) treats specially? */
static int
has_glob(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

/*
 * Does pattern p match every name pattern q matches?  Only what can be
 * told for sure: equal, "*", a literal q that p matches, or p a literal
 * prefix and "*" and q within that prefix.  Anything else counts as no,
 * so that a doubtful change is reported as widening.
 */
static int
glob_covers(const char *p, const char *q)
{
	size_t	n = strlen(p);

	if (strcmp(p, q) == 0 || strcmp(p, "*") == 0)
		return 1;
	if (!has_glob(q))
		return fnmatch(p, q, 0) == 0;
	if (n > 0 && p[n - 1] == '*' && strpbrk(p, "?[\\") == NULL &&
	    strchr(p, '*') == p + n - 1 && strncmp(p, q, n - 1) == 0)
		return 1;
	return 0;
}

/* Is every word of q in p (glob: covered by one of p's patterns)? */
static int
set_covers(const struct part *p, const struct part *q, int glob)
{
	size_t	i, j;

	for (i = 0; i < q->n; i++) {
		for (j = 0; j < p->n; j++)
			if (glob ? glob_covers(p->w[j].v, q->w[i].v) :
			    strcmp(p->w[j].r, q->w[i].r) == 0)
				break;
		if (j == p->n)
			return 0;
	}
	return 1;
}

/* Does rule r allow (or deny) at least every access rule q does? */
static int
rule_covers(const struct pline *r, const struct pline *q)
{
	size_t	k;
	int	glob = r->kind == K_WRITER;

	if (r->kind != q->kind || !r->shaped || !q->shaped)
		return 0;
	if (strcmp(r->subject, q->subject) != 0 &&
	    (r->kind == K_WRITER || strcmp(r->subject, "any") != 0))
		return 0;
	for (k = 0; k < NKEYS; k++) {
		if (r->part[k].n == 0)
			continue;	/* r: any */
		if (q->part[k].n == 0 || !set_covers(&r->part[k],
		    &q->part[k], glob))
			return 0;
	}
	return 1;
}

static const struct pline *
find(const struct ppol *p, enum pkind kind, const char *subject)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		if (p->l[i].kind == kind && p->l[i].shaped &&
		    strcmp(p->l[i].subject, subject) == 0)
			return &p->l[i];
	return NULL;
}

static int
has_kind(const struct ppol *p, enum pkind kind)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		if (p->l[i].kind == kind)
			return 1;
	return 0;
}

static int
covered_by_any(const struct ppol *p, const struct pline *q)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		if (rule_covers(&p->l[i], q))
			return 1;
	return 0;
}

/* Is group g named by a deny rule of p? */
static int
denies_group(const struct ppol *p, const char *g)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		if (p->l[i].kind == K_DENY && p->l[i].shaped &&
		    strcmp(p->l[i].subject, g) == 0)
			return 1;
	return 0;
}

static int
is_root(const struct pline *l)
{
	return l->shaped && (strcmp(l->subject, "user root") == 0 ||
	    strcmp(l->subject, "user 0") == 0);
}

static int
has_root_admin(const struct ppol *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		if (p->l[i].kind == K_ADMIN && is_root(&p->l[i]))
			return 1;
	return 0;
}

/* Does line l, added to policy b (a the old one), widen access? */
static int
added_widens(const struct ppol *a, const struct ppol *b,
    const struct pline *l)
{
	const struct pline	*o;

	if (!l->shaped)
		return l->kind != K_DENY;
	switch (l->kind) {
	case K_PURPOSE:
		/* New, or its reference now checked less (or differently:
		 * two patterns cannot be compared here). */
		if ((o = find(a, K_PURPOSE, l->subject)) == NULL)
			return 1;
		if (o->part[KEY_REF].n == 0)
			return 0;
		return l->part[KEY_REF].n == 0 ||
		    strcmp(o->part[KEY_REF].w[0].r, l->part[KEY_REF].w[0].r) != 0;
	case K_GROUP:
		if ((o = find(a, K_GROUP, l->subject)) == NULL)
			return 0;	/* the rules that name it say */
		return !set_covers(&o->members, &l->members, 1) ||
		    (!set_covers(&l->members, &o->members, 1) &&
		    denies_group(b, l->subject));
	case K_ALLOW:
		return !covered_by_any(a, l);
	case K_DENY:
		return 0;
	case K_WRITER:
		/* Without writer lines every writer may claim anything. */
		return has_kind(a, K_WRITER) && !covered_by_any(a, l);
	case K_ADMIN:
		return !(is_root(l) && !has_kind(a, K_ADMIN));
	default:
		return 1;
	}
}

/* Does line l, gone from policy a (b the new one), widen access? */
static int
removed_widens(const struct ppol *a, const struct ppol *b,
    const struct pline *l)
{
	switch (l->kind) {
	case K_DENY:
		return !l->shaped || !covered_by_any(b, l);
	case K_WRITER:
		return !has_kind(b, K_WRITER);
	case K_ADMIN:
		/* With no admin lines, root alone administers. */
		return !has_kind(b, K_ADMIN) && !has_root_admin(a);
	default:
		return 0;
	}
}

static int
pline_cmp(const void *x, const void *y)
{
	const struct pline	*a = *(struct pline *const *)x;
	const struct pline	*b = *(struct pline *const *)y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->text, b->text);
}

/*
 * Pair the lines of a and b that are equal, as multisets: both sorted,
 * then merged, so that a policy of many thousand lines takes no more
 * than its sort.  Returns 0 or -1 (out of memory).
 */
static int
match(struct ppol *a, struct ppol *b)
{
	struct pline	**sa = NULL, **sb = NULL;
	size_t		  i = 0, j = 0;
	int		  c, rc = -1;

	if ((sa = calloc(a->n + 1, sizeof(*sa))) == NULL ||
	    (sb = calloc(b->n + 1, sizeof(*sb))) == NULL)
		goto done;
	for (i = 0; i < a->n; i++)
		sa[i] = &a->l[i];
	for (j = 0; j < b->n; j++)
		sb[j] = &b->l[j];
	qsort(sa, a->n, sizeof(*sa), pline_cmp);
	qsort(sb, b->n, sizeof(*sb), pline_cmp);
	for (i = j = 0; i < a->n && j < b->n;) {
		if ((c = pline_cmp(&sa[i], &sb[j])) == 0) {
			sa[i++]->matched = 1;
			sb[j++]->matched = 1;
		} else if (c < 0)
			i++;
		else
			j++;
	}
	rc = 0;
done:
	free(sa);
	free(sb);
	return rc;
}

static int
kind_index(const char *kind)
{
	int	k;

	for (k = 0; k < K_N; k++)
		if (strcmp(kind, kname[k]) == 0)
			return k;
	return K_N;
}

static int
dline_cmp(const void *x, const void *y)
{
	const struct al_poldiff_line	*a = x, *b = y;
	int				 c;

	if ((c = kind_index(a->kind) - kind_index(b->kind)) != 0)
		return c;
	if ((c = strcmp(a->text, b->text)) != 0)
		return c;
	return (a->sign == '+') - (b->sign == '+');
}

static int
emit(struct dlist *d, char sign, int widens, struct pline *l)
{
	struct al_poldiff_line	*nl;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		if ((nl = realloc(d->line, d->cap * sizeof(*nl))) == NULL)
			return -1;
		d->line = nl;
	}
	nl = &d->line[d->n++];
	nl->sign = sign;
	nl->widens = widens;
	nl->kind = kname[l->kind];
	nl->text = l->text;
	nl->line = l->line;
	l->text = NULL;		/* the diff owns it now */
	return 0;
}

void
al_poldiff_free(struct al_poldiff_line *line, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free((char *)line[i].text);
	free(line);
}

int
al_poldiff(const char *aname, const char *a, size_t alen, const char *bname,
    const char *b, size_t blen, struct al_poldiff_line **out, size_t *n,
    char *err, size_t errlen)
{
	struct ppol	 pa = { NULL, 0 }, pb = { NULL, 0 };
	struct dlist	 d = { NULL, 0, 0 };
	char		 why[AL_ERRLEN];
	size_t		 i;
	int		 rc;

	*out = NULL;
	*n = 0;
	why[0] = '\0';
	if ((rc = ppol_read(&pa, aname, a, alen, why)) != 0 ||
	    (rc = ppol_read(&pb, bname, b, blen, why)) != 0)
		goto done;
	rc = err_set(why, AL_ENOMEM, "out of memory");
	if (match(&pa, &pb) != 0)
		goto done;
	/* Widening is judged on whole policies, before emit() takes the
	 * texts: matched becomes 2 (widens) or 3 (does not). */
	for (i = 0; i < pa.n; i++)
		if (!pa.l[i].matched)
			pa.l[i].matched = removed_widens(&pa, &pb,
			    &pa.l[i]) ? 2 : 3;
	for (i = 0; i < pb.n; i++)
		if (!pb.l[i].matched)
			pb.l[i].matched = added_widens(&pa, &pb,
			    &pb.l[i]) ? 2 : 3;
	rc = err_set(why, AL_ENOMEM, "out of memory");
	for (i = 0; i < pa.n; i++)
		if (pa.l[i].matched > 1 &&
		    emit(&d, '-', pa.l[i].matched == 2, &pa.l[i]) != 0)
			goto done;
	for (i = 0; i < pb.n; i++)
		if (pb.l[i].matched > 1 &&
		    emit(&d, '+', pb.l[i].matched == 2, &pb.l[i]) != 0)
			goto done;
	if (d.n > 0)
		qsort(d.line, d.n, sizeof(*d.line), dline_cmp);
	why[0] = '\0';
	rc = 0;
	*out = d.line;
	*n = d.n;
	d.line = NULL;
	d.n = 0;
done:
	al_poldiff_free(d.line, d.n);
	ppol_free(&pa);
	ppol_free(&pb);
	if (errlen > 0 && (size_t)snprintf(err, errlen, "%s", why) >= errlen)
		err[errlen - 1] = '\0';
	return rc;
}
