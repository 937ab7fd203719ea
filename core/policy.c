/* policy.c - the policy language: lexer, parser and evaluator */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "policy.h"

#define MAX_LINE	4096	/* bytes in one line */
#define MAX_TOKENS	512	/* words in one line */
#define MAX_ERRORS	50
#define MAX_PATTERN	128	/* bytes in a ref pattern */
#define MAX_INTERVALS	4	/* {m,n} in a ref pattern */
#define MAX_BOUND	64	/* m and n of an interval */

struct tok {
	char	*s;
	int	 quoted;
	int	 col;
};

struct parser {
	const char	*name;
	int		 lazy;		/* compile ref patterns when used */
	int		 floor;		/* the floor's grammar */
	int		 line;
	struct buf	*errors;
	int		 nerrors;
	struct tok	*t;		/* the line's words, nt of cap */
	int		 nt, cap;
};

/*
 * End a string that filled its buffer with "...", at a character boundary
 * so that the text stays valid UTF-8.
 */
static void
cut(char *s, size_t size)
{
	size_t	i = size - 4;

	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	memcpy(s + i, "...", 4);
}

static void
perr(struct parser *ps, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
perr(struct parser *ps, int col, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	ps->nerrors++;
	if (ps->errors == NULL || ps->nerrors > MAX_ERRORS)
		return;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
		cut(msg, sizeof(msg));
	va_end(ap);
	(void)buf_printf(ps->errors, "%s:%d:%d: %s\n", ps->name, ps->line,
	    col, msg);
}

static void
list_free(struct list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->w[i]);
	free(l->w);
	l->w = NULL;
	l->n = 0;
}

void
policy_free(struct policy *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->npur; i++) {
		free(p->pur[i].name);
		free(p->pur[i].desc);
		free(p->pur[i].ref);
		if (p->pur[i].compiled)
			regfree(&p->pur[i].re);
	}
	for (i = 0; i < p->ngrp; i++) {
		free(p->grp[i].name);
		list_free(&p->grp[i].members);
	}
	for (i = 0; i < p->nrules; i++) {
		list_free(&p->rules[i].purposes);
		list_free(&p->rules[i].actions);
		list_free(&p->rules[i].data);
	}
	for (i = 0; i < p->nwr; i++) {
		free(p->wr[i].who.name);
		list_free(&p->wr[i].services);
		list_free(&p->wr[i].actors);
	}
	for (i = 0; i < p->nadm; i++)
		free(p->adm[i].who.name);
	free(p->wr);
	free(p->adm);
	free(p->pur);
	free(p->grp);
	free(p->rules);
	free(p->name);
	free(p);
}

static void
toks_free(struct parser *ps)
{
	int	i;

	for (i = 0; i < ps->nt; i++)
		free(ps->t[i].s);
	ps->nt = 0;
}

/*
 * Room for more words.  The array starts small and doubles: a policy's
 * lines hold a few dozen words, and the parser's frame stays small (a
 * record process pays for every page of stack it touches).
 */
static int
toks_grow(struct parser *ps)
{
	struct tok	*t;
	int		 cap = ps->cap ? ps->cap * 2 : 32;

	if (cap > MAX_TOKENS)
		cap = MAX_TOKENS;
	if ((t = realloc(ps->t, (size_t)cap * sizeof(*t))) == NULL)
		return -1;
	ps->t = t;
	ps->cap = cap;
	return 0;
}

/*
 * The number of bytes the word at s[i] spans in the line, quotes and
 * escapes included: at least the length lex() gives it once unquoted.
 */
static size_t
word_span(const char *s, size_t n, size_t i)
{
	size_t	j = i + 1;

	if (s[i] == '{' || s[i] == '}')
		return 1;
	if (s[i] == '"') {
		while (j < n && s[j] != '"')
			j += s[j] == '\\' && j + 1 < n ? 2 : 1;
		return j - i;
	}
	while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '{' &&
	    s[j] != '}' && s[j] != '"')
		j++;
	return j - i;
}

/*
 * Split one line (no newline in it) into words.  A word is quoted ("...",
 * with \" and \\) or bare; '{' and '}' stand alone; '#' at the start of a
 * word begins a comment.  Returns -1 on an error, after reporting it.
 */
static int
lex(struct parser *ps, const char *s, size_t n)
{
	size_t	i = 0, j, k;
	char	*w;

	while (i < n) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (s[i] == '#')
			break;
		if (ps->nt == MAX_TOKENS) {
			perr(ps, (int)i + 1, "more than %d words on a line",
			    MAX_TOKENS);
			return -1;
		}
		if (ps->nt == ps->cap && toks_grow(ps) != 0) {
			perr(ps, (int)i + 1, "out of memory");
			return -1;
		}
		/* Words the policy keeps live as long as it does: each
		 * takes its own size, not the rest of the line. */
		if ((w = malloc(word_span(s, n, i) + 1)) == NULL) {
			perr(ps, (int)i + 1, "out of memory");
			return -1;
		}
		ps->t[ps->nt].s = w;
		ps->t[ps->nt].col = (int)i + 1;
		ps->t[ps->nt].quoted = 0;
		ps->nt++;
		k = 0;
		if (s[i] == '{' || s[i] == '}') {
			w[k++] = s[i++];
		} else if (s[i] == '"') {
			ps->t[ps->nt - 1].quoted = 1;
			for (j = i + 1; j < n && s[j] != '"'; j++) {
				if (s[j] == '\\') {
					if (j + 1 < n &&
					    (s[j + 1] == '"' || s[j + 1] == '\\'))
						j++;
					else {
						perr(ps, (int)j + 1, "unknown "
						    "escape in quoted word "
						    "(only \\\" and \\\\)");
						return -1;
					}
				}
				w[k++] = s[j];
			}
			if (j == n) {
				perr(ps, (int)i + 1, "unterminated quoted "
				    "word");
				return -1;
			}
			i = j + 1;
			if (i < n && s[i] != ' ' && s[i] != '\t') {
				perr(ps, (int)i + 1, "quoted word must be "
				    "followed by a space");
				return -1;
			}
		} else {
			for (; i < n && s[i] != ' ' && s[i] != '\t' &&
			    s[i] != '{' && s[i] != '}' && s[i] != '"'; i++)
				w[k++] = s[i];
		}
		w[k] = '\0';
	}
	return 0;
}

static int
is_kw(const struct tok *t, const char *kw)
{
	return !t->quoted && strcmp(t->s, kw) == 0;
}

static int
is_keyword(const struct tok *t)
{
	static const char *kws[] = { "purpose", "group", "allow", "deny",
	    "ref", "action", "data", "any" };
	size_t	i;

	if (t->quoted)
		return 0;
	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (strcmp(t->s, kws[i]) == 0)
			return 1;
	return 0;
}

static int
is_brace(const struct tok *t)
{
	return !t->quoted && (strcmp(t->s, "{") == 0 || strcmp(t->s, "}") == 0);
}

/* A name: not empty, not a bare keyword or brace. */
static int
name_ok(struct parser *ps, const struct tok *t, const char *what)
{
	if (t->s[0] == '\0') {
		perr(ps, t->col, "empty %s", what);
		return 0;
	}
	if (is_keyword(t) || is_brace(t)) {
		perr(ps, t->col, "'%s' is a keyword; quote it to use it as "
		    "a name or word here (%s)", t->s, what);
		return 0;
	}
	return 1;
}

static char *
take(struct tok *t)
{
	char	*s = t->s;

	t->s = NULL;
	return s;
}

static struct purpose *
find_purpose(const struct policy *p, const char *name)
{
	size_t	i;

	for (i = 0; i < p->npur; i++)
		if (strcmp(p->pur[i].name, name) == 0)
			return &p->pur[i];
	return NULL;
}

static int
find_group(const struct policy *p, const char *name)
{
	size_t	i;

	for (i = 0; i < p->ngrp; i++)
		if (strcmp(p->grp[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
grow(void *pp, size_t n, size_t size)
{
	void	*q;

	/* Arrays grow one element at a time: policies are small. */
	if ((q = realloc(*(void **)pp, (n + 1) * size)) == NULL)
		return -1;
	*(void **)pp = q;
	return 0;
}

/*
 * A ref pattern is matched on every record, inside the write transaction:
 * it must stay cheap to compile and to run.  So it is short, has no
 * back-references (which make matching exponential), and few, small
 * intervals (which regcomp expands by copying).
 */
static int
pattern_ok(struct parser *ps, const struct tok *t)
{
	const char	*p = t->s, *q;
	long		 bound;
	int		 intervals = 0, depth = 0, rep = 0;
	char		*end;

	if (strlen(p) > MAX_PATTERN) {
		perr(ps, t->col, "ref pattern longer than %d bytes",
		    MAX_PATTERN);
		return 0;
	}
	for (q = p; *q != '\0'; q++) {
		/* A repetition of a repetition (a++, a*{2}) is undefined
		 * in an ERE, and costs glibc's regcomp memory in its
		 * number: refused. */
		if (*q == '*' || *q == '+' || *q == '?' || *q == '{') {
			if (rep) {
				perr(ps, t->col + t->quoted + (int)(q - p), "a "
				    "repetition of a repetition in a ref "
				    "pattern");
				return 0;
			}
			rep = *q != '{';
		} else
			rep = 0;
		/* A bracket expression is literal to the end: skip it
		 * (a ']' first in it, or after '^', is a member). */
		if (*q == '[') {
			q++;
			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q != '\0' && *q != ']')
				q++;
			if (*q == '\0')
				break;
			continue;
		}
		if (*q == '(')
			depth++;
		if (*q == ')' && --depth < 0) {
			perr(ps, t->col + t->quoted + (int)(q - p), "a ')' "
			    "without its '(' in a ref pattern");
			return 0;
		}
		if (q[0] == '\\' && q[1] >= '0' && q[1] <= '9') {
			perr(ps, t->col + t->quoted + (int)(q - p), "back-references "
			    "are not allowed in a ref pattern");
			return 0;
		}
		if (q[0] == '\\' && q[1] != '\0') {
			q++;
			continue;
		}
		if (*q != '{')
			continue;
		if (++intervals > MAX_INTERVALS) {
			perr(ps, t->col + t->quoted + (int)(q - p), "more than %d "
			    "intervals in a ref pattern", MAX_INTERVALS);
			return 0;
		}
		/* {m}, {m,} or {m,n}: every bound at most MAX_BOUND */
		for (end = (char *)q + 1; *end != '}' && *end != '\0'; ) {
			bound = strtol(end, &end, 10);
			if (bound > MAX_BOUND) {
				perr(ps, t->col + t->quoted + (int)(q - p), "an "
				    "interval's bound is over %d in a ref "
				    "pattern", MAX_BOUND);
				return 0;
			}
			if (*end == ',')
				end++;
			else if (*end != '}')
				break;
		}
		if (*end == '}') {
			q = end;
			rep = 1;
		}
	}
	if (depth != 0) {
		perr(ps, t->col, "a '(' without its ')' in a ref pattern");
		return 0;
	}
	return 1;
}

/* Compile a ref pattern; it must match the whole reference. */
static int
compile(regex_t *re, const char *pattern)
{
	struct buf	b = { 0 };
	int		rc;

	if (buf_printf(&b, "^(%s)$", pattern) != 0)
		return REG_ESPACE;
	rc = regcomp(re, (char *)b.p, REG_EXTENDED | REG_NOSUB);
	buf_free(&b);
	return rc;
}

/* purpose NAME DESCRIPTION [ref PATTERN] */
static void
parse_purpose(struct parser *ps, struct policy *p)
{
	struct purpose	 u;
	char		 msg[256];
	int		 rc, i;

	memset(&u, 0, sizeof(u));
	/* A floor's purpose needs no description, and takes no ref: the
	 * reference an access needs is the policy's to require. */
	if (ps->floor && ps->nt < 2) {
		perr(ps, ps->t[0].col, "purpose needs a name");
		return;
	}
	for (i = 2; ps->floor && i < ps->nt; i++)
		if (is_kw(&ps->t[i], "ref")) {
			perr(ps, ps->t[i].col, "a floor's purpose takes no "
			    "'ref' (the policy requires references)");
			return;
		}
	i = 3;
	if (!ps->floor && ps->nt < 3) {
		perr(ps, ps->t[0].col, "purpose needs a name and a "
		    "description");
		return;
	}
	if (!name_ok(ps, &ps->t[1], "purpose name"))
		return;
	if (strlen(ps->t[1].s) > AL_MAX_WORD) {
		perr(ps, ps->t[1].col, "purpose name longer than %d bytes",
		    AL_MAX_WORD);
		return;
	}
	if (find_purpose(p, ps->t[1].s) != NULL) {
		perr(ps, ps->t[1].col, "purpose '%s' declared twice",
		    ps->t[1].s);
		return;
	}
	if (ps->nt > 2 && (is_keyword(&ps->t[2]) || is_brace(&ps->t[2]))) {
		perr(ps, ps->t[2].col, "purpose '%s' needs a description "
		    "before '%s'", ps->t[1].s, ps->t[2].s);
		return;
	}
	if (i < ps->nt && is_kw(&ps->t[i], "ref")) {
		if (i + 1 >= ps->nt) {
			perr(ps, ps->t[i].col, "'ref' needs a pattern");
			return;
		}
		if (ps->t[i + 1].s[0] == '\0' || is_brace(&ps->t[i + 1])) {
			perr(ps, ps->t[i + 1].col, "invalid ref pattern");
			return;
		}
		if (!pattern_ok(ps, &ps->t[i + 1]))
			return;
		u.has_re = 1;
		if (!ps->lazy) {
			if ((rc = compile(&u.re, ps->t[i + 1].s)) != 0) {
				regerror(rc, &u.re, msg, sizeof(msg));
				perr(ps, ps->t[i + 1].col, "invalid ref "
				    "pattern: %s", msg);
				return;
			}
			u.compiled = 1;
		}
		u.ref = take(&ps->t[i + 1]);
		i += 2;
	}
	if (i < ps->nt) {
		perr(ps, ps->t[i].col, "unexpected '%s' after purpose '%s'",
		    ps->t[i].s, ps->t[1].s);
		goto fail;
	}
	if (grow(&p->pur, p->npur, sizeof(*p->pur)) != 0) {
		perr(ps, ps->t[0].col, "out of memory");
		goto fail;
	}
	u.desc = ps->nt > 2 ? take(&ps->t[2]) : strdup("");
	if (u.desc == NULL) {
		perr(ps, ps->t[0].col, "out of memory");
		goto fail;
	}
	u.name = take(&ps->t[1]);
	u.line = ps->line;
	p->pur[p->npur++] = u;
	return;
fail:
	if (u.compiled)
		regfree(&u.re);
	free(u.ref);
}

static int
list_add(struct list *l, char *w)
{
	if (grow(&l->w, l->n, sizeof(*l->w)) != 0)
		return -1;
	l->w[l->n++] = w;
	return 0;
}

/* group NAME MEMBER... */
static void
parse_group(struct parser *ps, struct policy *p)
{
	struct group	g;
	int		i;

	memset(&g, 0, sizeof(g));
	if (ps->nt < 3) {
		perr(ps, ps->t[0].col, "group needs a name and at least one "
		    "member");
		return;
	}
	if (!name_ok(ps, &ps->t[1], "group name"))
		return;
	if (find_group(p, ps->t[1].s) >= 0) {
		perr(ps, ps->t[1].col, "group '%s' declared twice",
		    ps->t[1].s);
		return;
	}
	for (i = 2; i < ps->nt; i++) {
		if (!name_ok(ps, &ps->t[i], "group member"))
			goto fail;
		if (strlen(ps->t[i].s) > AL_MAX_NAME) {
			perr(ps, ps->t[i].col, "group member longer than %d "
			    "bytes", AL_MAX_NAME);
			goto fail;
		}
		if (list_add(&g.members, ps->t[i].s) != 0) {
			perr(ps, ps->t[i].col, "out of memory");
			goto fail;
		}
		ps->t[i].s = NULL;
	}
	if (grow(&p->grp, p->ngrp, sizeof(*p->grp)) != 0) {
		perr(ps, ps->t[0].col, "out of memory");
		goto fail;
	}
	g.name = take(&ps->t[1]);
	p->grp[p->ngrp++] = g;
	return;
fail:
	list_free(&g.members);
}

/* WORD or { WORD ... }, from token *i on; returns -1 after an error. */
static int
parse_list(struct parser *ps, int *i, const char *kw, struct list *l)
{
	int	j = *i;

	if (j >= ps->nt) {
		perr(ps, ps->t[j - 1].col, "'%s' needs a word or a { list }",
		    kw);
		return -1;
	}
	if (!is_kw(&ps->t[j], "{")) {
		if (!name_ok(ps, &ps->t[j], kw))
			return -1;
		if (list_add(l, take(&ps->t[j])) != 0) {
			perr(ps, ps->t[j].col, "out of memory");
			return -1;
		}
		*i = j + 1;
		return 0;
	}
	for (j++; j < ps->nt && !is_kw(&ps->t[j], "}"); j++) {
		if (!name_ok(ps, &ps->t[j], kw))
			return -1;
		if (list_add(l, take(&ps->t[j])) != 0) {
			perr(ps, ps->t[j].col, "out of memory");
			return -1;
		}
	}
	if (j == ps->nt) {
		perr(ps, ps->t[*i].col, "'{' without '}'");
		return -1;
	}
	if (l->n == 0) {
		perr(ps, ps->t[*i].col, "empty { } list after '%s'", kw);
		return -1;
	}
	*i = j + 1;
	return 0;
}

/* allow|deny WHO [purpose LIST] [action LIST] [data LIST] */
static void
parse_rule(struct parser *ps, struct policy *p, int allow)
{
	struct rule	 r;
	struct list	*l;
	size_t		 k;
	int		 i = 2, j;

	memset(&r, 0, sizeof(r));
	r.allow = allow;
	r.line = ps->line;
	if (ps->nt < 2) {
		perr(ps, ps->t[0].col, "%s needs 'any' or a group name",
		    ps->t[0].s);
		return;
	}
	if (is_kw(&ps->t[1], "any"))
		r.group = -1;
	else if (!name_ok(ps, &ps->t[1], "group name"))
		return;
	else if ((r.group = find_group(p, ps->t[1].s)) < 0) {
		perr(ps, ps->t[1].col, "unknown group '%s' (declare it with "
		    "'group' before this rule)", ps->t[1].s);
		return;
	}
	while (i < ps->nt) {
		if (is_kw(&ps->t[i], "purpose"))
			l = &r.purposes;
		else if (is_kw(&ps->t[i], "action"))
			l = &r.actions;
		else if (is_kw(&ps->t[i], "data"))
			l = &r.data;
		else {
			perr(ps, ps->t[i].col, "expected 'purpose', 'action' "
			    "or 'data', found '%s'", ps->t[i].s);
			goto fail;
		}
		if (l->n != 0) {
			perr(ps, ps->t[i].col, "'%s' given twice",
			    ps->t[i].s);
			goto fail;
		}
		j = i++;
		if (parse_list(ps, &i, ps->t[j].s, l) != 0)
			goto fail;
	}
	if (allow && r.purposes.n == 0) {
		perr(ps, ps->t[0].col, "an allow rule must name its "
		    "purposes");
		goto fail;
	}
	/* Deny rules may name purposes nobody declared: forbidden ones. */
	for (k = 0; allow && k < r.purposes.n; k++)
		if (find_purpose(p, r.purposes.w[k]) == NULL) {
			perr(ps, ps->t[0].col, "allow rule names undeclared "
			    "purpose '%s'", r.purposes.w[k]);
			goto fail;
		}
	if (grow(&p->rules, p->nrules, sizeof(*p->rules)) != 0) {
		perr(ps, ps->t[0].col, "out of memory");
		goto fail;
	}
	p->rules[p->nrules++] = r;
	return;
fail:
	list_free(&r.purposes);
	list_free(&r.actions);
	list_free(&r.data);
}

/*
 * user|group NAME|ID at token *i: a name, or a number when it is all
 * digits (a uid or gid).  Returns -1 after an error.
 */
static int
parse_subject(struct parser *ps, int *i, struct subject *who)
{
	const struct tok	*t;
	const char		*c;
	unsigned long long	 id = 0;
	size_t			 max;

	if (*i + 1 >= ps->nt) {
		perr(ps, ps->t[*i < ps->nt ? *i : ps->nt - 1].col, "'%s' "
		    "needs 'user' or 'group' and a name or number",
		    ps->t[0].s);
		return -1;
	}
	t = &ps->t[*i];
	if (is_kw(t, "user"))
		who->is_group = 0;
	else if (is_kw(t, "group"))
		who->is_group = 1;
	else {
		perr(ps, t->col, "expected 'user' or 'group', found '%s'",
		    t->s);
		return -1;
	}
	t = &ps->t[*i + 1];
	if (!name_ok(ps, t, who->is_group ? "group name or gid" :
	    "user name or uid"))
		return -1;
	for (c = t->s; *c >= '0' && *c <= '9'; c++)
		if ((id = id * 10 + (unsigned)(*c - '0')) > UINT32_MAX)
			break;
	if (*c == '\0' || (*c >= '0' && *c <= '9')) {
		if (id > UINT32_MAX) {
			perr(ps, t->col, "%s %s is out of range (at most %u)",
			    who->is_group ? "gid" : "uid", t->s, UINT32_MAX);
			return -1;
		}
		who->numeric = 1;
		who->id = (uint32_t)id;
	}
	/* A longer name than an identity records could never match. */
	max = who->is_group ? AL_MAX_GROUPNAME : AL_MAX_NAME;
	if (!who->numeric && strlen(t->s) > max) {
		perr(ps, t->col, "%s name longer than %zu bytes",
		    who->is_group ? "group" : "user", max);
		return -1;
	}
	who->name = take(&ps->t[*i + 1]);
	*i += 2;
	return 0;
}

/*
 * KW PATTERN or KW { PATTERN ... } at token *i, fnmatch(3) globs; a
 * quoted "" is a pattern too (it matches the empty service).
 */
static int
parse_patterns(struct parser *ps, int *i, const char *kw, struct list *l)
{
	int	j = *i, brace;

	if (j >= ps->nt || !is_kw(&ps->t[j], kw)) {
		perr(ps, ps->t[j < ps->nt ? j : ps->nt - 1].col, j < ps->nt ?
		    "expected '%s', found '%s'" : "expected '%s'%s", kw,
		    j < ps->nt ? ps->t[j].s : " at the end of the line");
		return -1;
	}
	if (++j >= ps->nt) {
		perr(ps, ps->t[j - 1].col, "'%s' needs a pattern or a "
		    "{ list }", kw);
		return -1;
	}
	brace = is_kw(&ps->t[j], "{");
	for (j += brace; j < ps->nt; j++) {
		if (brace && is_kw(&ps->t[j], "}"))
			break;
		if (!(ps->t[j].quoted && ps->t[j].s[0] == '\0') &&
		    !name_ok(ps, &ps->t[j], kw))
			return -1;
		if (strlen(ps->t[j].s) > AL_MAX_NAME) {
			perr(ps, ps->t[j].col, "%s pattern longer than %d "
			    "bytes", kw, AL_MAX_NAME);
			return -1;
		}
		if (list_add(l, take(&ps->t[j])) != 0) {
			perr(ps, ps->t[j].col, "out of memory");
			return -1;
		}
		if (!brace)
			break;
	}
	if (brace && j == ps->nt) {
		perr(ps, ps->t[*i + 1].col, "'{' without '}'");
		return -1;
	}
	if (l->n == 0) {
		perr(ps, ps->t[*i + 1].col, "empty { } list after '%s'", kw);
		return -1;
	}
	*i = j + 1;
	return 0;
}

/* writer user|group NAME|ID service PATTERNS actor PATTERNS */
static void
parse_writer(struct parser *ps, struct policy *p)
{
	struct writer	w;
	int		i = 1;

	memset(&w, 0, sizeof(w));
	w.line = ps->line;
	if (parse_subject(ps, &i, &w.who) != 0 ||
	    parse_patterns(ps, &i, "service", &w.services) != 0 ||
	    parse_patterns(ps, &i, "actor", &w.actors) != 0)
		goto fail;
	if (i < ps->nt) {
		perr(ps, ps->t[i].col, "unexpected '%s' after the writer's "
		    "actor", ps->t[i].s);
		goto fail;
	}
	if (grow(&p->wr, p->nwr, sizeof(*p->wr)) != 0) {
		perr(ps, ps->t[0].col, "out of memory");
		goto fail;
	}
	p->wr[p->nwr++] = w;
	return;
fail:
	free(w.who.name);
	list_free(&w.services);
	list_free(&w.actors);
}

/* admin user|group NAME|ID */
static void
parse_admin(struct parser *ps, struct policy *p)
{
	struct admin	a;
	int		i = 1;

	memset(&a, 0, sizeof(a));
	a.line = ps->line;
	if (parse_subject(ps, &i, &a.who) != 0)
		goto fail;
	if (i < ps->nt) {
		perr(ps, ps->t[i].col, "unexpected '%s' after the "
		    "administrator", ps->t[i].s);
		goto fail;
	}
	if (grow(&p->adm, p->nadm, sizeof(*p->adm)) != 0) {
		perr(ps, ps->t[0].col, "out of memory");
		goto fail;
	}
	p->adm[p->nadm++] = a;
	return;
fail:
	free(a.who.name);
}

/*
 * A floor's deny line: deny any, then one of action, purpose or data
 * with its word or { list }.  One selector a line keeps what the floor
 * forbids a plain list of words, and floor_check_policy exact.
 */
static void
parse_floor_deny(struct parser *ps, struct policy *p)
{
	struct rule	*r;

	if (ps->nt < 2 || !is_kw(&ps->t[1], "any")) {
		perr(ps, ps->t[ps->nt < 2 ? 0 : 1].col, "a floor's deny line "
		    "applies to 'any' (deny any action|purpose|data ...)");
		return;
	}
	if (ps->nt < 3 || !(is_kw(&ps->t[2], "action") ||
	    is_kw(&ps->t[2], "purpose") || is_kw(&ps->t[2], "data"))) {
		perr(ps, ps->t[ps->nt < 3 ? 1 : 2].col, "a floor's deny line "
		    "names 'action', 'purpose' or 'data'");
		return;
	}
	parse_rule(ps, p, 0);
	if (p->nrules == 0 || p->rules[p->nrules - 1].line != ps->line)
		return;
	r = &p->rules[p->nrules - 1];
	if ((r->actions.n != 0) + (r->purposes.n != 0) + (r->data.n != 0) >
	    1) {
		perr(ps, ps->t[0].col, "a floor's deny line names one of "
		    "'action', 'purpose' or 'data' (write one line each)");
		list_free(&r->purposes);
		list_free(&r->actions);
		list_free(&r->data);
		p->nrules--;
	}
}

static void
parse_line(struct parser *ps, struct policy *p)
{
	const struct tok	*t = &ps->t[0];

	if (is_kw(t, "purpose"))
		parse_purpose(ps, p);
	else if (ps->floor && is_kw(t, "deny"))
		parse_floor_deny(ps, p);
	else if (ps->floor)
		perr(ps, t->col, "expected 'purpose' or 'deny' (a floor "
		    "holds nothing else), found '%s'", t->s);
	else if (is_kw(t, "group"))
		parse_group(ps, p);
	else if (is_kw(t, "allow"))
		parse_rule(ps, p, 1);
	else if (is_kw(t, "deny"))
		parse_rule(ps, p, 0);
	else if (is_kw(t, "writer"))
		parse_writer(ps, p);
	else if (is_kw(t, "admin"))
		parse_admin(ps, p);
	else
		perr(ps, t->col, "expected 'purpose', 'group', 'allow', "
		    "'deny', 'writer' or 'admin', found '%s'", t->s);
}

/* Tabs are the one control character a line may hold. */
static int
line_bad(const char *s, size_t n, size_t *bad)
{
	const char	*tab;
	size_t		 i, m;

	for (i = 0; i <= n; i = m + 1) {
		tab = memchr(s + i, '\t', n - i);
		m = tab ? (size_t)(tab - s) : n;
		if (al_utf8_ok((const uint8_t *)s + i, m - i, bad) != 0) {
			*bad += i;
			return 1;
		}
	}
	return 0;
}

static struct policy *
parse(const char *name, const char *text, size_t len, struct buf *errors,
    int lazy, int floor)
{
	struct parser	 ps;
	struct policy	*p;
	const char	*s, *nl, *end = text + len;
	size_t		 n, bad;

	memset(&ps, 0, sizeof(ps));
	ps.name = name;
	ps.errors = errors;
	ps.lazy = lazy;
	ps.floor = floor;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->name = strdup(name)) == NULL) {
		perr(&ps, 0, "out of memory");
		goto fail;
	}
	p->namelen = strlen(p->name);
	if (len > AL_MAX_POLICY) {
		perr(&ps, 0, "policy is larger than %d bytes",
		    AL_MAX_POLICY);
		goto fail;
	}
	for (s = text; s < end; s = nl + 1) {
		ps.line++;
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		n = (size_t)(nl - s);
		if (n > MAX_LINE) {
			perr(&ps, MAX_LINE + 1, "line longer than %d bytes",
			    MAX_LINE);
			continue;
		}
		if (line_bad(s, n, &bad)) {
			unsigned char c = (unsigned char)s[bad];

			perr(&ps, (int)bad + 1, c == '\0' ? "NUL byte" :
			    c == '\r' ? "carriage return (DOS line ending)" :
			    c < 0x20 || c == 0x7f ? "control character" :
			    "invalid UTF-8 or control character");
			continue;
		}
		if (lex(&ps, s, n) == 0 && ps.nt > 0)
			parse_line(&ps, p);
		toks_free(&ps);
		if (nl == end)
			break;
	}
	if (ps.nerrors > MAX_ERRORS && errors != NULL)
		(void)buf_printf(errors, "%s: %d more errors not shown\n",
		    name, ps.nerrors - MAX_ERRORS);
	if (ps.nerrors == 0) {
		free(ps.t);
		return p;
	}
fail:
	toks_free(&ps);
	free(ps.t);
	policy_free(p);
	return NULL;
}

struct policy *
policy_parse(const char *name, const char *text, size_t len,
    struct buf *errors)
{
	return parse(name, text, len, errors, 0, 0);
}

/*
 * A policy read back from the log, where it was checked whole when it was
 * set: its ref patterns are compiled when an access first needs one, so a
 * record process compiles at most the one its purpose has.
 */
struct policy *
policy_parse_stored(const char *name, const char *text, size_t len,
    struct buf *errors)
{
	return parse(name, text, len, errors, 1, 0);
}

struct policy *
policy_parse_floor(const char *name, const char *text, size_t len,
    struct buf *errors)
{
	struct policy	*p;

	if ((p = parse(name, text, len, errors, 0, 1)) == NULL ||
	    p->npur != 0)
		return p;
	/* No purpose would leave no access to allow: a mistake. */
	if (errors != NULL)
		(void)buf_printf(errors, "%s: a floor permits at least one "
		    "purpose\n", name);
	policy_free(p);
	return NULL;
}

static int
in_list(const struct list *l, const char *w)
{
	size_t	i;

	if (l->n == 0)
		return 1;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->w[i], w) == 0)
			return 1;
	return 0;
}

static int
who_matches(const struct policy *p, const struct rule *r, const char *actor)
{
	const struct group	*g;
	size_t			 i;

	if (r->group < 0)
		return 1;
	g = &p->grp[r->group];
	for (i = 0; i < g->members.n; i++)
		if (fnmatch(g->members.w[i], actor, 0) == 0)
			return 1;
	return 0;
}

/*
 * "name:line" for rule r in buf, as snprintf's "%s:%d" makes it, or ""
 * when that does not fit.  Made by hand: deciding an allowed access then
 * runs no printf, whose code (_itoa's among it) a record process pays to
 * fault in, page by page.
 */
static void
rule_text(const struct policy *p, const struct rule *r, char *buf,
    size_t size)
{
	char		 num[24], *d = num + sizeof(num);
	unsigned	 line = r->line < 0 ? -(unsigned)r->line :
			    (unsigned)r->line;
	size_t		 nd;

	do {
		*--d = (char)('0' + line % 10);
		line /= 10;
	} while (line != 0);
	if (r->line < 0)
		*--d = '-';
	nd = (size_t)(num + sizeof(num) - d);
	if (p->namelen + 1 + nd >= size)
		buf[0] = '\0';
	else {
		memcpy(buf, p->name, p->namelen);
		buf[p->namelen] = ':';
		memcpy(buf + p->namelen + 1, d, nd);
		buf[p->namelen + 1 + nd] = '\0';
	}
}

/*
 * Set d to code, decided by rule r (or none).  With by, the rule is left
 * in *by and no text is made: d->rule and d->detail stay empty.
 */
static void
decide(const struct policy *p, struct al_decision *d, const struct rule **by,
    int code, const struct rule *r, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void
decide(const struct policy *p, struct al_decision *d, const struct rule **by,
    int code, const struct rule *r, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	d->allow = code == AL_ALLOWED;
	d->code = (enum al_code)code;
	d->rule[0] = d->detail[0] = '\0';
	if (by != NULL) {
		*by = r;
		return;
	}
	if (r != NULL)
		rule_text(p, r, d->rule, sizeof(d->rule));
	if (fmt != NULL) {
		va_start(ap, fmt);
		n = vsnprintf(d->detail, sizeof(d->detail), fmt, ap);
		va_end(ap);
		/* Fields and patterns are bounded well below the buffer;
		 * should a reason not fit all the same, it is cut, never
		 * lost. */
		if (n < 0)
			strlcpy(d->detail, al_code_name(code),
			    sizeof(d->detail));
		else if ((size_t)n >= sizeof(d->detail))
			cut(d->detail, sizeof(d->detail));
	}
}

/*
 * An access is allowed when an allow rule matches it and no deny rule
 * does.  Deny rules are tried first, in order; then the purpose and its
 * reference; then the allow rules for that purpose, narrowing by actor,
 * action and data so that a denial names what was missing.
 */
static void
eval(const struct policy *p, const struct al_access *a,
    struct al_decision *d, const struct rule **by)
{
	const struct purpose	*u;
	const struct rule	*r;
	const char		*data = a->data && *a->data ? a->data :
				    "customer-data";
	const char		*ref = a->ref ? a->ref : "";
	size_t			 i;
	int			 actor = 0, action = 0;

	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (!r->allow && who_matches(p, r, a->actor) &&
		    in_list(&r->purposes, a->purpose) &&
		    in_list(&r->actions, a->action) &&
		    in_list(&r->data, data)) {
			decide(p, d, by, AL_DENY_RULE, r, "forbidden by the deny "
			    "rule at %s:%d", p->name, r->line);
			return;
		}
	}
	if ((u = find_purpose(p, a->purpose)) == NULL) {
		decide(p, d, by, AL_UNKNOWN_PURPOSE, NULL, "unknown purpose '%s'",
		    a->purpose);
		return;
	}
	if (u->has_re && !u->compiled) {
		struct purpose	*m = (struct purpose *)(uintptr_t)u;

		if (compile(&m->re, m->ref) != 0) {
			decide(p, d, by, AL_MALFORMED_REF, NULL, "the ref pattern "
			    "of purpose '%s' does not compile", u->name);
			return;
		}
		m->compiled = 1;
	}
	if (u->has_re && *ref == '\0') {
		decide(p, d, by, AL_MISSING_REF, NULL, "purpose '%s' needs a "
		    "reference (--ref) matching '%s'", u->name, u->ref);
		return;
	}
	if (u->has_re && regexec(&u->re, ref, 0, NULL, 0) != 0) {
		decide(p, d, by, AL_MALFORMED_REF, NULL, "reference '%s' does "
		    "not match '%s', required by purpose '%s'", ref, u->ref,
		    u->name);
		return;
	}
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (!r->allow || !in_list(&r->purposes, a->purpose) ||
		    !who_matches(p, r, a->actor))
			continue;
		actor = 1;
		if (!in_list(&r->actions, a->action))
			continue;
		action = 1;
		if (!in_list(&r->data, data))
			continue;
		decide(p, d, by, AL_ALLOWED, r, NULL);
		return;
	}
	if (!actor)
		decide(p, d, by, AL_ACTOR_NOT_ALLOWED, NULL, "actor '%s' is in no "
		    "group allowed purpose '%s'", a->actor, a->purpose);
	else if (!action)
		decide(p, d, by, AL_ACTION_NOT_ALLOWED, NULL, "action '%s' is not "
		    "allowed for '%s' under purpose '%s'", a->action, a->actor,
		    a->purpose);
	else
		decide(p, d, by, AL_DATA_NOT_ALLOWED, NULL, "data category '%s' is "
		    "not allowed for action '%s' under purpose '%s'", data,
		    a->action, a->purpose);
}

void
policy_eval(const struct policy *p, const struct al_access *a,
    struct al_decision *d)
{
	eval(p, a, d, NULL);
}

/*
 * Whether s is the text decide() gives for rule r: "name:line", or ""
 * when there is no rule or that does not fit in al_decision's rule.
 */
static int
rule_is(const struct policy *p, const struct rule *r, const struct al_str *s)
{
	char		num[24];
	size_t		nd = 0;
	unsigned	line;

	if (r == NULL || r->line < 0)
		return r == NULL ? s->n == 0 : 0;
	line = (unsigned)r->line;
	do {
		num[sizeof(num) - ++nd] = (char)('0' + line % 10);
		line /= 10;
	} while (line != 0);
	if (p->namelen + 1 + nd >= sizeof(((struct al_decision *)0)->rule))
		return s->n == 0;
	return s->n == p->namelen + 1 + nd &&
	    memcmp(s->p, p->name, p->namelen) == 0 &&
	    s->p[p->namelen] == ':' &&
	    memcmp(s->p + p->namelen + 1, num + sizeof(num) - nd, nd) == 0;
}

static const char *
or_null(const struct al_str *s)
{
	return s->n ? s->p : NULL;
}

/*
 * Re-derive a recorded access's decision under p: 1 when the recorded
 * decision, code and rule are what p gives, 0 when not, with what p gives
 * in *d.  When they agree, which is what a verify sees almost always, no
 * text is made: d->rule and d->detail are then empty.
 */
/* The access a recorded entry holds (its strings NUL-terminated). */
void
entry_access(const struct al_entry *e, struct al_access *a)
{
	memset(a, 0, sizeof(*a));
	a->actor = e->actor.p;
	a->customer = e->customer.p;
	a->purpose = e->purpose.p;
	a->action = e->action.p;
	a->data = e->data.p;
	a->resource = or_null(&e->resource);
	a->ref = or_null(&e->ref);
	a->reason = or_null(&e->reason);
}

void
policy_eval_entry(const struct policy *p, const struct al_entry *e,
    struct al_decision *d)
{
	struct al_access	a;

	entry_access(e, &a);
	eval(p, &a, d, NULL);
}

int
policy_follows(const struct policy *p, const struct al_entry *e,
    struct al_decision *d)
{
	struct al_access	 a;
	const struct rule	*r;

	entry_access(e, &a);
	eval(p, &a, d, &r);
	if (d->allow == e->allow && (int)d->code == e->code &&
	    rule_is(p, r, &e->rule))
		return 1;
	eval(p, &a, d, NULL);
	return 0;
}

/*
 * The purposes a policy declares, one name a line, in the order of its
 * text: for a caller that suggests one when an access names another.
 */
int
al_policy_purposes(const char *text, size_t len, char **names)
{
	struct policy	*p;
	struct buf	 b = { 0 };
	size_t		 i;
	int		 rc = 0;

	*names = NULL;
	if ((p = policy_parse_stored("policy", text, len, NULL)) == NULL)
		return AL_EINVAL;
	for (i = 0; rc == 0 && i < p->npur; i++)
		rc = buf_printf(&b, "%s\n", p->pur[i].name);
	if (rc == 0)
		rc = buf_add(&b, "", 1);
	policy_free(p);
	if (rc != 0) {
		buf_free(&b);
		return AL_ENOMEM;
	}
	*names = (char *)b.p;
	return 0;
}

/*
 * Writer and admin rules match the identity facts an entry records
 * (docs/FORMAT.md), never the system's databases: verify re-derives the
 * decision from the entry alone.  A number matches the uid, or a gid of
 * the recorded groups; a name, the recorded user name or a group's name.
 */
static int
subject_matches(const struct subject *s, const struct al_ident *id)
{
	size_t	i, n = id->ngroups < AL_MAX_GROUPS ? id->ngroups :
		    AL_MAX_GROUPS;

	if (!s->is_group)
		return s->numeric ? id->uid == s->id :
		    id->user[0] != '\0' && strcmp(id->user, s->name) == 0;
	for (i = 0; i < n; i++)
		if (s->numeric ? id->gids[i] == s->id :
		    id->gname[i][0] != '\0' &&
		    strcmp(id->gname[i], s->name) == 0)
			return 1;
	return 0;
}

/* A claimed service: none ("") is given only by the patterns * and "". */
static int
service_matches(const struct list *l, const char *service)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (*service == '\0' ? strcmp(l->w[i], "*") == 0 ||
		    l->w[i][0] == '\0' : fnmatch(l->w[i], service, 0) == 0)
			return 1;
	return 0;
}

static int
any_matches(const struct list *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (fnmatch(l->w[i], s, 0) == 0)
			return 1;
	return 0;
}

int
policy_has_writers(const struct policy *p)
{
	return p->nwr != 0;
}

int
policy_writer_ok(const struct policy *p, const struct al_ident *id,
    const char *service, const char *actor)
{
	const struct writer	*w;
	size_t			 i;

	/* No writer lines: every writer may claim anything, as before
	 * writer rules existed. */
	if (p->nwr == 0)
		return 1;
	if (service == NULL)
		service = "";
	if (actor == NULL)
		actor = "";
	for (i = 0; i < p->nwr; i++) {
		w = &p->wr[i];
		if (subject_matches(&w->who, id) &&
		    service_matches(&w->services, service) &&
		    any_matches(&w->actors, actor))
			return 1;
	}
	return 0;
}

int
policy_is_admin(const struct policy *p, const struct al_ident *id)
{
	size_t	i;

	/* No admin lines: root alone. */
	if (p->nadm == 0)
		return id->uid == 0;
	for (i = 0; i < p->nadm; i++)
		if (subject_matches(&p->adm[i].who, id))
			return 1;
	return 0;
}

void
policy_writer_deny(struct al_decision *d, const struct al_ident *id,
    const char *service, const char *actor)
{
	char	user[AL_MAX_NAME + 8];

	user[0] = '\0';
	if (id->user[0] != '\0')
		(void)snprintf(user, sizeof(user), " (%s)", id->user);
	decide(NULL, d, NULL, AL_WRITER_NOT_ALLOWED, NULL, "writer uid %lu%s "
	    "may not claim service '%s' as actor '%s'",
	    (unsigned long)id->uid, user, service ? service : "",
	    actor ? actor : "");
}

int
policy_writer_eval(const struct policy *p, const struct al_ident *id,
    const char *service, const char *actor, struct al_decision *d)
{
	if (policy_writer_ok(p, id, service, actor))
		return 1;
	policy_writer_deny(d, id, service, actor);
	return 0;
}
