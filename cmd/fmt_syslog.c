/* fmt_syslog.c - an entry as an RFC 5424 line, the entry in structured data */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

/*
 * Facility authpriv (10): security and authorization messages, kept
 * private.  Severity notice (5) for an allowed access, a policy or a
 * checkpoint; warning (4) for a denied access.
 */
#define FACILITY	10
#define SEV_NOTICE	5
#define SEV_WARNING	4

/* SD-NAME: 1 to 32 printable US-ASCII but '=', ' ', ']' and '"'. */
static int
sd_name_ok(const char *s, size_t n)
{
	size_t	i;

	if (n < 1 || n > 32)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 33 || s[i] > 126 || s[i] == '=' || s[i] == ']' ||
		    s[i] == '"')
			return 0;
	return 1;
}

/* NAME@PEN, as RFC 5424 7.2.2 has a private SD-ID. */
int
syslog_sd_id_ok(const char *id)
{
	const char	*at = strchr(id, '@');
	size_t		 i;

	if (at == NULL || at == id || at[1] == '\0' ||
	    !sd_name_ok(id, strlen(id)) || strchr(at + 1, '@') != NULL)
		return 0;
	for (i = 1; at[i] != '\0'; i++)
		if (at[i] < '0' || at[i] > '9')
			return 0;
	return 1;
}

/*
 * A PARAM-VALUE: escaped for a terminal first, so that no control
 * character, invalid UTF-8 or mark that reorders text goes out (each is
 * a \ooo octal escape, and a backslash is doubled, as RFC 5424 wants it),
 * then '"' and ']' escaped with a backslash.
 */
static void
value(FILE *fp, const char *name, const char *p, size_t n)
{
	const char	*t;
	size_t		 len, i;

	fprintf(fp, " %s=\"", name);
	if ((t = fmt_term(p, n, 0, &len)) == NULL) {
		fputs("?\"", fp);
		return;
	}
	for (i = 0; i < len; i++) {
		if (t[i] == '"' || t[i] == ']')
			fputc('\\', fp);
		fputc(t[i], fp);
	}
	fputc('"', fp);
}

static void
avalue(FILE *fp, const char *name, const struct al_str *s)
{
	value(fp, name, s->p, s->n);
}

static void
ovalue(FILE *fp, const char *name, const struct al_str *s)
{
	if (s->n > 0)
		avalue(fp, name, s);
}

static void
hvalue(FILE *fp, const char *name, const uint8_t *h)
{
	char	hex[2 * AL_HASH_LEN + 1];

	al_hex(h, AL_HASH_LEN, hex);
	value(fp, name, hex, 2 * AL_HASH_LEN);
}

/* HOSTNAME: 1 to 255 printable US-ASCII, or the nil value "-". */
static void
hostname(FILE *fp, const struct al_str *h)
{
	size_t	i;

	for (i = 0; i < h->n; i++)
		if (h->p[i] < 33 || h->p[i] > 126)
			break;
	if (h->n == 0 || h->n > 255 || i < h->n)
		fputc('-', fp);
	else
		fwrite(h->p, 1, h->n, fp);
}

void
syslog_entry(FILE *fp, const struct al_entry *e, const char *sd_id)
{
	const int	 acc = e->kind == AL_KIND_ACCESS;
	const char	*t, *kind = fmt_kind(e->kind);
	char		 ts[40], msg[FMT_MESSAGE], num[24];
	size_t		 len;

	/* TIME-SECFRAC holds six digits at most: microseconds. */
	if (al_format_time(e->time_ns, 1, ts, sizeof(ts)) != 0 ||
	    strlen(ts) != 30)
		strcpy(ts, "-");
	else
		memcpy(ts + 26, "Z", 2);
	fprintf(fp, "<%d>1 %s ", FACILITY * 8 + (acc && !e->allow ?
	    SEV_WARNING : SEV_NOTICE), ts);
	hostname(fp, &e->host);
	fprintf(fp, " auditlog %lu - [%s", (unsigned long)e->pid,
	    sd_id != NULL ? sd_id : SYSLOG_SD_ID);
	(void)snprintf(num, sizeof(num), "%llu", (unsigned long long)e->seq);
	value(fp, "seq", num, strlen(num));
	value(fp, "kind", kind, strlen(kind));
	avalue(fp, "actor", &e->actor);
	if (acc) {
		const char *dec = e->allow ? "allow" : "deny";
		const char *code = al_code_name(e->code);

		avalue(fp, "customer", &e->customer);
		avalue(fp, "purpose", &e->purpose);
		avalue(fp, "action", &e->action);
		avalue(fp, "data", &e->data);
		ovalue(fp, "resource", &e->resource);
		ovalue(fp, "ref", &e->ref);
		ovalue(fp, "reason", &e->reason);
		value(fp, "decision", dec, strlen(dec));
		value(fp, "code", code, strlen(code));
		ovalue(fp, "rule", &e->rule);
		ovalue(fp, "detail", &e->detail);
	} else if (e->kind == AL_KIND_POLICY || e->kind == AL_KIND_FLOOR ||
	    e->kind == AL_KIND_PROPOSAL) {
		avalue(fp, "name", &e->name);
		hvalue(fp, "digest", e->digest);
	} else if (e->kind == AL_KIND_APPROVAL ||
	    e->kind == AL_KIND_REJECTION) {
		hvalue(fp, "digest", e->digest);
	} else {
		(void)snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)e->tree_size);
		value(fp, "tree_size", num, strlen(num));
		hvalue(fp, "tree_root", e->tree_root);
	}
	ovalue(fp, "service", &e->service);
	(void)snprintf(num, sizeof(num), "%lu", (unsigned long)e->uid);
	value(fp, "uid", num, strlen(num));
	if (e->version == 3) {
		value(fp, "attested", e->attested ? "true" : "false",
		    e->attested ? 4 : 5);
		ovalue(fp, "user", &e->user);
	}
	hvalue(fp, "hash", e->hash);
	fputs("] ", fp);
	fmt_message(msg, sizeof(msg), e);
	if ((t = fmt_term(msg, strlen(msg), 0, &len)) != NULL)
		fwrite(t, 1, len, fp);
	fputc('\n', fp);
}
