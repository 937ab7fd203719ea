/* cmd_policy_hist.c - auditlog policy history | show --at X | show DIGEST | diff A B */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "cmd.h"

#define HEX_LEN		(2 * AL_HASH_LEN)
#define PREFIX_MIN	8	/* hex digits a digest prefix needs */
#define SHORT_LEN	12	/* hex digits history shows without --long */

/* A policy text found in the log or a file, and how to name it. */
struct src {
	char		*text;
	size_t		 len;
	char		 name[AL_MAX_NAME + 1];
	char		 hex[HEX_LEN + 1];	/* "" for a file */
	uint64_t	 seq;			/* 0 for a file */
	int		 kind;			/* the entry's */
	char		 label[AL_MAX_NAME + 2 * HEX_LEN + 64];
};

static const char *
kind_word(int kind)
{
	switch (kind) {
	case AL_KIND_POLICY:
		return "activation";
	case AL_KIND_FLOOR:
		return "floor";
	case AL_KIND_PROPOSAL:
		return "proposal";
	case AL_KIND_APPROVAL:
		return "approval";
	case AL_KIND_REJECTION:
		return "rejection";
	default:
		return NULL;
	}
}

/* Kinds whose entry holds a policy's (or the floor's) name and text. */
static int
has_text(int kind)
{
	return kind == AL_KIND_POLICY || kind == AL_KIND_FLOOR ||
	    kind == AL_KIND_PROPOSAL;
}

/* "1234": a seq; anything else is not one. */
static int
seq_word(const char *s, uint64_t *seq)
{
	unsigned long long	 v;
	char			*end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return 0;
	*seq = errno ? UINT64_MAX : v;
	return 1;
}

/* 8 to 64 hex digits, lowered into hex; else 0. */
static int
digest_word(const char *s, char *hex)
{
	size_t	i, n = strlen(s);

	if (n < PREFIX_MIN || n > HEX_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return 0;
		hex[i] = s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i];
	}
	hex[n] = '\0';
	return 1;
}

static int
take(struct src *s, const struct al_entry *e)
{
	free(s->text);
	if ((s->text = malloc(e->text.n + 1)) == NULL) {
		msg("out of memory");
		return EX_UNAVAIL;
	}
	memcpy(s->text, e->text.p, e->text.n + 1);
	s->len = e->text.n;
	strlcpy(s->name, e->name.p, sizeof(s->name));
	al_hex(e->digest, AL_HASH_LEN, s->hex);
	s->seq = e->seq;
	s->kind = e->kind;
	return EX_OK;
}

static int
need_log(const char *dir, al_log **l)
{
	int	rc;

	if (*l != NULL)
		return EX_OK;
	if ((rc = log_open(dir, AL_RDONLY, l)) != 0)
		return lib_fail(rc, *l, EX_UNAVAIL);
	return EX_OK;
}

/*
 * The policy in force at arg: a seq (the newest activation at or before
 * it), or a TIME (that at the newest entry, by seq, stamped at or before
 * it: a writer's clock may have gone back, and the entry that came last
 * is what the log held then).
 */
static int
policy_at(al_log *l, const char *arg, struct src *s)
{
	struct al_filter	 f;
	struct al_entry		 e;
	al_iter			*it = NULL;
	uint64_t		 seq, head, ns;
	uint8_t			 hash[AL_HASH_LEN];
	char			 when[64];
	int			 rc, status = EX_USAGE;

	memset(&f, 0, sizeof(f));
	if ((rc = al_head(l, &head, hash)) != 0)
		return lib_fail(rc, l, EX_UNAVAIL);
	if (seq_word(arg, &seq)) {
		if (seq == 0 || seq > head) {
			msg("no entry has seq %s (the log holds 1 to %llu)",
			    arg, (unsigned long long)head);
			return EX_USAGE;
		}
	} else {
		if (when_parse(arg, 0, when_now(), &ns) != 0)
			return usage_arg(NULL, "not a seq nor a time:", arg);
		f.until_ns = ns == UINT64_MAX ? 0 : ns + 1;
		if ((rc = al_iter_open_reverse(l, &f, &it)) != 0)
			return lib_fail(rc, l, EX_UNAVAIL);
		if ((rc = al_iter_next(it, &e)) < 0) {
			status = lib_fail(rc, l, EX_UNAVAIL);
			goto done;
		}
		if (rc == 0) {
			if (when_format(ns, 1, when, sizeof(when)) != 0)
				strlcpy(when, "?", sizeof(when));
			msg("no entry is stamped at or before %s", when);
			goto done;
		}
		seq = e.seq;
		al_iter_close(it);
		it = NULL;
		memset(&f, 0, sizeof(f));
	}
	f.to_seq = seq;
	if ((rc = al_iter_open_reverse(l, &f, &it)) != 0)
		return lib_fail(rc, l, EX_UNAVAIL);
	while ((rc = al_iter_next(it, &e)) > 0)
		if (e.kind == AL_KIND_POLICY)
			break;
	if (rc < 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	if (rc == 0) {
		msg("no policy is in force at seq %llu",
		    (unsigned long long)seq);
		goto done;
	}
	status = take(s, &e);
done:
	al_iter_close(it);
	return status;
}

/*
 * The policy (an activation's or a proposal's) whose digest begins with
 * hex.  Entries with the same digest hold the same text: the oldest is
 * taken; two digests that begin so are ambiguous.
 */
static int
policy_by_digest(al_log *l, const char *arg, const char *hex, struct src *s)
{
	struct al_entry	 e;
	al_iter		*it = NULL;
	char		 h[HEX_LEN + 1], other[HEX_LEN + 1] = "";
	size_t		 n = strlen(hex);
	int		 rc, status = EX_USAGE, found = 0;

	if ((rc = al_iter_open(l, NULL, &it)) != 0)
		return lib_fail(rc, l, EX_UNAVAIL);
	while ((rc = al_iter_next(it, &e)) > 0) {
		if (e.kind != AL_KIND_POLICY && e.kind != AL_KIND_PROPOSAL)
			continue;
		al_hex(e.digest, AL_HASH_LEN, h);
		if (strncmp(h, hex, n) != 0)
			continue;
		if (!found) {
			if ((status = take(s, &e)) != EX_OK)
				goto done;
			found = 1;
		} else if (strcmp(h, s->hex) != 0 && other[0] == '\0')
			strlcpy(other, h, sizeof(other));
	}
	if (rc < 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	status = EX_USAGE;
	if (!found)
		(void)usage_arg(NULL, "no policy's digest begins with", arg);
	else if (other[0] != '\0')
		msg("digest prefix %s is ambiguous: %.*s... and %.*s... both "
		    "begin with it", hex, SHORT_LEN, s->hex, SHORT_LEN, other);
	else
		status = EX_OK;
done:
	al_iter_close(it);
	return status;
}

/* A diff operand or show's argument: @X, a digest, or (diff) a file. */
static int
resolve(const char *dir, al_log **l, const char *arg, int files,
    struct src *s)
{
	char	hex[HEX_LEN + 1];
	int	status, n;

	if ((arg[0] == '@' && arg[1] != '\0') || digest_word(arg, hex)) {
		if ((status = need_log(dir, l)) != EX_OK ||
		    (status = arg[0] == '@' ? policy_at(*l, arg + 1, s) :
		    policy_by_digest(*l, arg, hex, s)) != EX_OK)
			return status;
		n = snprintf(s->label, sizeof(s->label), "%s sha256:%.*s "
		    "(%s at seq %llu)", s->name, SHORT_LEN, s->hex,
		    s->kind == AL_KIND_PROPOSAL ? "proposed" : "activated",
		    (unsigned long long)s->seq);
	} else if (files) {
		if ((status = read_file(arg, FILE_POLICY, &s->text,
		    &s->len)) != EX_OK)
			return status;
		strlcpy(s->name, file_name(arg), sizeof(s->name));
		n = snprintf(s->label, sizeof(s->label), "%s", arg);
	} else
		return usage_arg(NULL, "not a digest (8 to 64 hex digits):",
		    arg);
	if (n < 0 || (size_t)n >= sizeof(s->label))
		strlcpy(s->label + sizeof(s->label) - 4, "...", 4);
	return EX_OK;
}

static const char show_usage[] =
    "usage: auditlog [-d DIR] policy show [--at SEQ|TIME | DIGEST]\n";

int
policy_show_past(int argc, char **argv, const char *dir)
{
	static const struct option longopts[] = {
		{ "at",		required_argument,	NULL, 'a' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct opts	 op = OPTS(argc, argv, ":", longopts, show_usage);
	struct src	 s;
	const char	*at = NULL;
	al_log		*l = NULL;
	int		 ch, status;

	memset(&s, 0, sizeof(s));
	op.operands = 1;
	while ((ch = opt_next(&op)) > 0)
		if (ch == 'a')
			at = optarg;
	if (ch == OPT_STOP)
		return op.status;
	if (at != NULL && argc - optind != 0)
		return usage_error(show_usage, "policy show takes --at or a "
		    "DIGEST, not both");
	if (at == NULL && argc - optind != 1)
		return usage_error(show_usage, "policy show takes one DIGEST");
	if (at != NULL && (status = need_log(dir, &l)) == EX_OK)
		status = policy_at(l, at, &s);
	else if (at == NULL)
		status = resolve(dir, &l, argv[optind], 0, &s);
	if (status != EX_OK)
		goto done;
	put_term(stdout, s.text, s.len, AL_ESC_KEEPNL);
	status = finish(EX_OK);
done:
	free(s.text);
	al_close(l);
	return status;
}

/* One row of history, its cells escaped. */
struct row {
	uint64_t	 seq, time_ns, expires_ns;
	int		 kind, has_user;
	uint32_t	 uid;
	char		 hex[HEX_LEN + 1];
	char		*actor, *user, *name;	/* raw, NUL-terminated */
};

static void
rows_free(struct row *r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(r[i].actor);
		free(r[i].user);
		free(r[i].name);
	}
	free(r);
}

static char *
dup_str(const struct al_str *s)
{
	char	*p;

	/* An absent field (a version 1 entry's user) has no p at all. */
	if ((p = malloc(s->n + 1)) != NULL) {
		if (s->n > 0)
			memcpy(p, s->p, s->n);
		p[s->n] = '\0';
	}
	return p;
}

/* The name an approval or rejection concerns: its proposal's. */
static const char *
proposal_name(const struct row *r, size_t n, const char *hex)
{
	while (n-- > 0)
		if (r[n].kind == AL_KIND_PROPOSAL && strcmp(r[n].hex, hex) == 0)
			return r[n].name;
	return "";
}

/* A cell: text escaped for the terminal, "-" when empty. */
static const char *
cell(const char *s, size_t *len, size_t *cols)
{
	const char	*p;

	if (*s == '\0' || (p = fmt_term(s, strlen(s), AL_ESC_SPACE,
	    len)) == NULL) {
		*len = *cols = 1;
		return *s == '\0' ? "-" : "?";
	}
	*cols = fmt_columns(p, *len);
	return p;
}

#define HCOLS	7	/* before NAME, which is not padded */

static void
row_cells(const struct row *r, int utc, char num[2][24], char *time,
    size_t tlen, const char *c[HCOLS + 1])
{
	(void)snprintf(num[0], 24, "%llu", (unsigned long long)r->seq);
	(void)snprintf(num[1], 24, "%lu", (unsigned long)r->uid);
	if (when_format(r->time_ns, utc, time, tlen) != 0)
		strlcpy(time, "?", tlen);
	c[0] = num[0];
	c[1] = time;
	c[2] = r->actor;
	c[3] = num[1];
	c[4] = r->user;
	c[5] = kind_word(r->kind);
	c[6] = r->hex;
	c[7] = r->name;
}

static void
print_table(const struct row *r, size_t n, int utc, int full)
{
	static const char *const head[HCOLS + 1] = { "SEQ", "TIME", "ACTOR",
	    "UID", "USER", "KIND", "DIGEST", "NAME" };
	const char	*c[HCOLS + 1], *p;
	char		 num[2][24], time[64];
	size_t		 w[HCOLS], i, k, len, cols;

	for (k = 0; k < HCOLS; k++)
		w[k] = strlen(head[k]);
	w[6] = full ? HEX_LEN : SHORT_LEN;
	for (i = 0; i < n; i++) {
		row_cells(&r[i], utc, num, time, sizeof(time), c);
		for (k = 0; k < HCOLS; k++) {
			if (k == 6)
				continue;
			(void)cell(c[k], &len, &cols);
			if (cols > w[k])
				w[k] = cols;
		}
	}
	for (k = 0; k < HCOLS; k++)
		printf("%-*s ", (int)w[k], head[k]);
	printf("%s\n", head[HCOLS]);
	for (i = 0; i < n; i++) {
		row_cells(&r[i], utc, num, time, sizeof(time), c);
		for (k = 0; k < HCOLS; k++) {
			if (k == 6) {
				printf("%.*s ", (int)w[6], c[6]);
				continue;
			}
			p = cell(c[k], &len, &cols);
			fwrite(p, 1, len, stdout);
			printf("%*s", (int)(w[k] - cols + 1), "");
		}
		p = cell(c[HCOLS], &len, &cols);
		fwrite(p, 1, len, stdout);
		putchar('\n');
	}
}

static void
print_json(const struct row *r, size_t n)
{
	char	t[64];
	size_t	i;

	for (i = 0; i < n; i++) {
		if (al_format_time(r[i].time_ns, 1, t, sizeof(t)) != 0)
			strlcpy(t, "?", sizeof(t));
		printf("{\"seq\":%llu,\"time\":\"%s\",\"kind\":\"%s\","
		    "\"actor\":", (unsigned long long)r[i].seq, t,
		    kind_word(r[i].kind));
		put_json(stdout, r[i].actor, strlen(r[i].actor));
		printf(",\"uid\":%lu", (unsigned long)r[i].uid);
		if (r[i].has_user) {
			fputs(",\"user\":", stdout);
			put_json(stdout, r[i].user, strlen(r[i].user));
		}
		printf(",\"digest\":\"%s\",\"name\":", r[i].hex);
		put_json(stdout, r[i].name, strlen(r[i].name));
		if (r[i].kind == AL_KIND_PROPOSAL) {
			if (al_format_time(r[i].expires_ns, 1, t,
			    sizeof(t)) != 0)
				strlcpy(t, "?", sizeof(t));
			printf(",\"expires\":\"%s\"", t);
		}
		fputs("}\n", stdout);
	}
}

static const char hist_usage[] =
    "usage: auditlog [-d DIR] policy history [--long] [--utc] [--json]\n";

int
policy_history(int argc, char **argv, const char *dir)
{
	static const struct option longopts[] = {
		{ "long",	no_argument,		NULL, 'l' },
		{ "utc",	no_argument,		NULL, 'u' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct opts	 op = OPTS(argc, argv, ":", longopts, hist_usage);
	struct al_entry	 e;
	struct row	*r = NULL, *nr;
	al_iter		*it = NULL;
	al_log		*l = NULL;
	size_t		 n = 0, cap = 0;
	int		 ch, rc, status, full = 0, utc = 0, json = 0;

	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'l':
			full = 1;
			break;
		case 'u':
			utc = 1;
			break;
		case 'j':
			json = 1;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if ((rc = log_open(dir, AL_RDONLY, &l)) != 0 ||
	    (rc = al_iter_open(l, NULL, &it)) != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	/* Every entry is read: the log keeps no index of these kinds. */
	while ((rc = al_iter_next(it, &e)) > 0) {
		if (kind_word(e.kind) == NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nr = realloc(r, cap * sizeof(*r))) == NULL)
				goto nomem;
			r = nr;
		}
		memset(&r[n], 0, sizeof(r[n]));
		r[n].seq = e.seq;
		r[n].time_ns = e.time_ns;
		r[n].kind = e.kind;
		r[n].uid = e.uid;
		r[n].has_user = e.user.n > 0;
		r[n].expires_ns = e.expires_ns;
		al_hex(e.digest, AL_HASH_LEN, r[n].hex);
		n++;
		if ((r[n - 1].actor = dup_str(&e.actor)) == NULL ||
		    (r[n - 1].user = dup_str(&e.user)) == NULL)
			goto nomem;
		r[n - 1].name = has_text(e.kind) ? dup_str(&e.name) :
		    strdup(proposal_name(r, n - 1, r[n - 1].hex));
		if (r[n - 1].name == NULL)
			goto nomem;
	}
	if (rc < 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	if (json)
		print_json(r, n);
	else
		print_table(r, n, utc, full);
	status = finish(EX_OK);
	goto done;
nomem:
	msg("out of memory");
	status = EX_UNAVAIL;
done:
	fmt_free();
	rows_free(r, n);
	al_iter_close(it);
	al_close(l);
	return status;
}

static const char diff_usage[] =
    "usage: auditlog [-d DIR] policy diff [--json] A B\n"
    "  A, B: @SEQ or @TIME (the policy in force then), a DIGEST (8 to 64\n"
    "  hex digits), or a FILE (- for standard input, ./NAME for a file\n"
    "  named like a digest or @...)\n";

/* One change as a JSON line. */
static void
diff_json(const struct al_poldiff_line *d)
{
	printf("{\"sign\":\"%c\",\"widens\":%s,\"kind\":\"%s\",\"line\":%d,"
	    "\"text\":", d->sign, d->widens ? "true" : "false", d->kind,
	    d->line);
	put_json(stdout, d->text, strlen(d->text));
	fputs("}\n", stdout);
}

int
policy_diff(int argc, char **argv, const char *dir)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct opts		 op = OPTS(argc, argv, ":", longopts, diff_usage);
	struct al_poldiff_line	*d = NULL;
	struct src		 a, b;
	const char		*kind = "";
	char			 err[1024];
	al_log			*l = NULL;
	size_t			 n = 0, i, widen = 0;
	int			 ch, rc, status, json = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	op.operands = 1;
	while ((ch = opt_next(&op)) > 0)
		if (ch == 'j')
			json = 1;
	if (ch == OPT_STOP)
		return op.status;
	if (argc - optind != 2)
		return usage_error(diff_usage, "policy diff takes two "
		    "policies, A and B");
	if (strcmp(argv[optind], "-") == 0 &&
	    strcmp(argv[optind + 1], "-") == 0)
		return usage_error(diff_usage, "only one of A and B may be "
		    "standard input");
	if ((status = resolve(dir, &l, argv[optind], 1, &a)) != EX_OK ||
	    (status = resolve(dir, &l, argv[optind + 1], 1, &b)) != EX_OK)
		goto done;
	if ((rc = al_poldiff(a.name, a.text, a.len, b.name, b.text, b.len,
	    &d, &n, err, sizeof(err))) != 0) {
		msg_term("", err);
		status = rc == AL_EINVAL ? EX_USAGE : EX_UNAVAIL;
		goto done;
	}
	if (n > 0 && !json) {
		fputs("--- ", stdout);
		put_term(stdout, a.label, strlen(a.label), 0);
		fputs("\n+++ ", stdout);
		put_term(stdout, b.label, strlen(b.label), 0);
		putchar('\n');
	}
	for (i = 0; i < n; i++) {
		widen += d[i].widens != 0;
		if (json) {
			diff_json(&d[i]);
			continue;
		}
		if (strcmp(kind, d[i].kind) != 0)
			printf("@@ %s\n", kind = d[i].kind);
		printf("%c%c ", d[i].sign, d[i].widens ? '!' : ' ');
		put_term(stdout, d[i].text, strlen(d[i].text), 0);
		putchar('\n');
	}
	if (n > 0 && !json)
		printf("%zu change%s, %zu widening access (marked !)\n", n,
		    n == 1 ? "" : "s", widen);
	status = finish(n > 0 ? EX_NO : EX_OK);
done:
	al_poldiff_free(d, n);
	free(a.text);
	free(b.text);
	al_close(l);
	return status;
}
