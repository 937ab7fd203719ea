/* fmt_ocsf.c - an entry as an OCSF 1.3 Datastore Activity event (SIEM.md) */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

#define OCSF_VERSION	"1.3.0"
#define CLASS_UID	6005	/* Datastore Activity */
#define CATEGORY_UID	6	/* Application Activity */

/* The activities of the class, by the action that names one. */
static const struct activity {
	const char	*action;
	int		 id;
	const char	*name;
} activities[] = {
	{ "read", 1, "Read" }, { "update", 2, "Update" },
	{ "connect", 3, "Connect" }, { "query", 4, "Query" },
	{ "write", 5, "Write" }, { "create", 6, "Create" },
	{ "delete", 7, "Delete" }, { "list", 8, "List" },
	{ "encrypt", 9, "Encrypt" }, { "decrypt", 10, "Decrypt" },
};
#define OTHER	99

static void
key(FILE *fp, int *n, const char *k)
{
	fprintf(fp, "%s\"%s\":", (*n)++ ? "," : "", k);
}

static void
str(FILE *fp, int *n, const char *k, const char *p, size_t len)
{
	key(fp, n, k);
	put_json(fp, p, len);
}

static void
astr(FILE *fp, int *n, const char *k, const struct al_str *s)
{
	str(fp, n, k, s->p, s->n);
}

/* An al_str only when it is not empty. */
static void
ostr(FILE *fp, int *n, const char *k, const struct al_str *s)
{
	if (s->n > 0)
		astr(fp, n, k, s);
}

static void
hash(FILE *fp, int *n, const char *k, const uint8_t *h)
{
	char	hex[2 * AL_HASH_LEN + 1];

	al_hex(h, AL_HASH_LEN, hex);
	str(fp, n, k, hex, 2 * AL_HASH_LEN);
}

/* Our own fields, as the log has them. */
static void
unmapped(FILE *fp, const struct al_entry *e)
{
	const int	acc = e->kind == AL_KIND_ACCESS;
	const char	*kind = fmt_kind(e->kind);
	int		n = 0;

	fputs(",\"unmapped\":{", fp);
	key(fp, &n, "seq");
	fprintf(fp, "%llu", (unsigned long long)e->seq);
	str(fp, &n, "kind", kind, strlen(kind));
	astr(fp, &n, "actor", &e->actor);
	if (acc) {
		const char *dec = e->allow ? "allow" : "deny";
		const char *code = al_code_name(e->code);

		astr(fp, &n, "customer", &e->customer);
		astr(fp, &n, "purpose", &e->purpose);
		astr(fp, &n, "action", &e->action);
		astr(fp, &n, "data", &e->data);
		ostr(fp, &n, "resource", &e->resource);
		ostr(fp, &n, "ref", &e->ref);
		ostr(fp, &n, "reason", &e->reason);
		str(fp, &n, "decision", dec, strlen(dec));
		str(fp, &n, "code", code, strlen(code));
		ostr(fp, &n, "rule", &e->rule);
		ostr(fp, &n, "detail", &e->detail);
		hash(fp, &n, "policy", e->policy);
	} else if (e->kind == AL_KIND_POLICY || e->kind == AL_KIND_FLOOR ||
	    e->kind == AL_KIND_PROPOSAL) {
		astr(fp, &n, "name", &e->name);
		hash(fp, &n, "digest", e->digest);
	} else if (e->kind == AL_KIND_APPROVAL ||
	    e->kind == AL_KIND_REJECTION) {
		hash(fp, &n, "digest", e->digest);
	} else {
		key(fp, &n, "tree_size");
		fprintf(fp, "%llu", (unsigned long long)e->tree_size);
		hash(fp, &n, "tree_root", e->tree_root);
	}
	ostr(fp, &n, "service", &e->service);
	astr(fp, &n, "host", &e->host);
	key(fp, &n, "pid");
	fprintf(fp, "%lu", (unsigned long)e->pid);
	key(fp, &n, "uid");
	fprintf(fp, "%lu", (unsigned long)e->uid);
	if (e->version == 3) {
		key(fp, &n, "gid");
		fprintf(fp, "%lu", (unsigned long)e->gid);
		key(fp, &n, "attested");
		fputs(e->attested ? "true" : "false", fp);
		ostr(fp, &n, "user", &e->user);
	}
	hash(fp, &n, "prev", e->prev);
	hash(fp, &n, "hash", e->hash);
	fputc('}', fp);
}

/* Who acted: the user named, the service, the process that recorded it,
 * and for an access the decision, with the purpose (and reference) that
 * asked for it and the policy's rule that made it. */
static void
actor(FILE *fp, const struct al_entry *e)
{
	char	hex[2 * AL_HASH_LEN + 1], d[AL_MAX_WORD + AL_MAX_NAME + 32];
	int	n = 0, m = 0, k;

	fputs(",\"actor\":{", fp);
	key(fp, &n, "user");
	fputc('{', fp);
	astr(fp, &m, "name", &e->actor);
	fputc('}', fp);
	ostr(fp, &n, "app_name", &e->service);
	key(fp, &n, "process");
	fprintf(fp, "{\"pid\":%lu,\"user\":{\"uid\":\"%lu\"}}",
	    (unsigned long)e->pid, (unsigned long)e->uid);
	if (e->kind == AL_KIND_ACCESS) {
		key(fp, &n, "authorizations");
		fprintf(fp, "[{\"decision\":\"%s\",\"policy\":{",
		    e->allow ? "Allowed" : "Denied");
		m = 0;
		if (e->rule.n > 0)
			astr(fp, &m, "name", &e->rule);
		al_hex(e->policy, AL_HASH_LEN, hex);
		str(fp, &m, "uid", hex, 2 * AL_HASH_LEN);
		k = snprintf(d, sizeof(d), "purpose %.*s%s%.*s",
		    (int)e->purpose.n, e->purpose.p, e->ref.n ? ", ref " : "",
		    (int)e->ref.n, e->ref.p);
		if (k < 0)
			k = 0;
		else if ((size_t)k >= sizeof(d))
			k = sizeof(d) - 1;	/* past the documented maxima */
		str(fp, &m, "desc", d, (size_t)k);
		fputs("}}]", fp);
	}
	fputc('}', fp);
}

void
ocsf_entry(FILE *fp, const struct al_entry *e)
{
	const struct activity	*a = NULL;
	const int		 acc = e->kind == AL_KIND_ACCESS;
	const char		*aname;
	size_t			 alen;
	char			 t[40], msg[FMT_MESSAGE];
	size_t			 i;
	int			 aid = OTHER, n = 0, sev;

	if (acc)
		for (i = 0; i < sizeof(activities) / sizeof(activities[0]); i++)
			if (strlen(activities[i].action) == e->action.n &&
			    memcmp(activities[i].action, e->action.p,
			    e->action.n) == 0)
				a = &activities[i];
	if (a != NULL) {
		aid = a->id;
		aname = a->name;
	} else
		aname = acc ? e->action.p : fmt_kind(e->kind);
	alen = acc && a == NULL ? e->action.n : strlen(aname);
	sev = acc && !e->allow ? 2 : 1;		/* Low; Informational */
	if (al_format_time(e->time_ns, 1, t, sizeof(t)) != 0)
		t[0] = '\0';
	fputc('{', fp);
	key(fp, &n, "activity_id");
	fprintf(fp, "%d", aid);
	str(fp, &n, "activity_name", aname, alen);
	key(fp, &n, "category_uid");
	fprintf(fp, "%d,\"category_name\":\"Application Activity\"",
	    CATEGORY_UID);
	key(fp, &n, "class_uid");
	fprintf(fp, "%d,\"class_name\":\"Datastore Activity\"", CLASS_UID);
	key(fp, &n, "type_uid");
	fprintf(fp, "%d", CLASS_UID * 100 + aid);
	key(fp, &n, "type_name");
	fputs("\"Datastore Activity: ", fp);
	fputs(a != NULL ? a->name : "Other", fp);
	fputc('"', fp);
	key(fp, &n, "severity_id");
	fprintf(fp, "%d,\"severity\":\"%s\"", sev,
	    sev == 1 ? "Informational" : "Low");
	key(fp, &n, "status_id");
	fprintf(fp, "%d,\"status\":\"%s\"", acc && !e->allow ? 2 : 1,
	    acc && !e->allow ? "Failure" : "Success");
	if (acc && !e->allow) {
		const char *code = al_code_name(e->code);

		str(fp, &n, "status_code", code, strlen(code));
		astr(fp, &n, "status_detail", &e->detail);
	}
	key(fp, &n, "time");
	fprintf(fp, "%llu", (unsigned long long)(e->time_ns / 1000000));
	fmt_message(msg, sizeof(msg), e);
	str(fp, &n, "message", msg, strlen(msg));
	key(fp, &n, "metadata");
	fprintf(fp, "{\"version\":\"%s\",\"product\":{\"name\":\"auditlog\","
	    "\"vendor_name\":\"auditlog\",\"version\":\"%s\"},"
	    "\"log_name\":\"auditlog\",\"sequence\":%llu,", OCSF_VERSION,
	    AL_VERSION, (unsigned long long)e->seq);
	{
		int	m = 0;

		hash(fp, &m, "uid", e->hash);
		str(fp, &m, "original_time", t, strlen(t));
	}
	fputc('}', fp);
	actor(fp, e);
	key(fp, &n, "src_endpoint");
	fputc('{', fp);
	{
		int	m = 0;

		if (e->host.n > 0)
			astr(fp, &m, "hostname", &e->host);
		else
			str(fp, &m, "name", "unknown", 7);
	}
	fputc('}', fp);
	/* The datastore: the customer's data of a category; for a policy
	 * or a checkpoint, the log itself. */
	key(fp, &n, "database");
	fputc('{', fp);
	{
		int	m = 0;

		if (acc)
			astr(fp, &m, "name", &e->customer);
		else
			str(fp, &m, "name", "auditlog", 8);
	}
	fputc('}', fp);
	if (acc) {
		int	m = 0;

		key(fp, &n, "table");
		fputc('{', fp);
		astr(fp, &m, "name", &e->data);
		fputc('}', fp);
	}
	unmapped(fp, e);
	fputs("}\n", fp);
}
