/* access.c - an access checked field by field, and the entry that records it */
#include <stdlib.h>
#include <string.h>

#include "store.h"

/* A field's text, checked; the reason goes to err (AL_ERRLEN bytes). */
int
access_field_ok(char *err, const char *name, const char *v, int required,
    size_t max)
{
	size_t	n, bad;

	if (v == NULL) {
		if (required)
			return err_set(err, AL_EINVAL, "%s is required", name);
		return 0;
	}
	if ((n = strlen(v)) == 0)
		return err_set(err, AL_EINVAL, "%s is empty", name);
	if (n > max)
		return err_set(err, AL_EINVAL, "%s is longer than %zu bytes",
		    name, max);
	if (al_utf8_ok((const uint8_t *)v, n, &bad) != 0)
		return err_set(err, AL_EINVAL, "%s holds a control character "
		    "or invalid UTF-8 at byte %zu", name, bad + 1);
	return 0;
}

/*
 * A customer id names one customer: one that holds a glob character
 * ("acme*", "acme-[12]") would read as a pattern wherever customers are
 * matched (a filter, a report, a reviewer's eye), so it is refused.
 */
static int
customer_ok(char *err, const char *c)
{
	size_t	at;
	int	rc = 0;

	if (c != NULL && (at = strcspn(c, "*?[]")) != strlen(c))
		rc = err_set(err, AL_EINVAL, "customer holds the glob "
		    "character '%c' at byte %zu: a customer id names one "
		    "customer", c[at], at + 1);
	return rc;
}

int
access_ok(char *err, const struct al_access *a)
{
	int	rc;

	if ((rc = access_field_ok(err, "actor", a->actor, 1,
	    AL_MAX_NAME)) != 0 ||
	    (rc = access_field_ok(err, "customer", a->customer, 1,
	    AL_MAX_NAME)) != 0 ||
	    (rc = customer_ok(err, a->customer)) != 0 ||
	    (rc = access_field_ok(err, "purpose", a->purpose, 1,
	    AL_MAX_WORD)) != 0 ||
	    (rc = access_field_ok(err, "action", a->action, 1,
	    AL_MAX_WORD)) != 0 ||
	    (rc = access_field_ok(err, "data", a->data, 0,
	    AL_MAX_WORD)) != 0 ||
	    (rc = access_field_ok(err, "resource", a->resource, 0,
	    AL_MAX_TEXT)) != 0 ||
	    (rc = access_field_ok(err, "ref", a->ref, 0, AL_MAX_NAME)) != 0 ||
	    (rc = access_field_ok(err, "reason", a->reason, 0,
	    AL_MAX_TEXT)) != 0)
		goto done;
	rc = access_field_ok(err, "service", a->service, 0, AL_MAX_NAME);
done:
	return rc;
}

int
al_validate(al_log *l, const struct al_access *a)
{
	return access_ok(l->err, a);
}

struct al_str
str_of(const char *s)
{
	struct al_str	r = { s ? s : "", s ? strlen(s) : 0 };

	return r;
}

/*
 * The origin fields every entry carries: the handle's own identity, or,
 * for an access a daemon records for a peer, the one the kernel gave it.
 * Every entry a log of format 6 appends is of version 3, which holds the
 * identity in full (docs/FORMAT.md); e's strings point into o or l.
 */
void
entry_origin(const al_log *l, struct al_entry *e, const char *service,
    const struct al_ident *o)
{
	size_t	i;

	if (o == NULL)
		o = &l->id;
	e->version = 3;
	e->service = str_of(service);
	e->host = str_of(l->host);
	e->pid = o->pid;
	e->uid = o->uid;
	e->gid = o->gid;
	e->attested = o->attested;
	e->user = str_of(o->user);
	e->ngroups = o->ngroups;
	for (i = 0; i < o->ngroups; i++) {
		e->gids[i] = o->gids[i];
		e->gname[i] = str_of(o->gname[i]);
	}
}

/*
 * The entry of access a decided d under policy-change entry pe; o, when
 * not NULL, is the attested identity that replaces the handle's own.
 */
void
access_entry(const al_log *l, const struct al_access *a,
    const struct al_ident *o, const struct al_decision *d,
    const struct al_entry *pe, struct al_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = AL_KIND_ACCESS;
	entry_origin(l, e, a->service, o);
	e->actor = str_of(a->actor);
	e->customer = str_of(a->customer);
	e->data = str_of(a->data ? a->data : "customer-data");
	e->action = str_of(a->action);
	e->resource = str_of(a->resource);
	e->purpose = str_of(a->purpose);
	e->ref = str_of(a->ref);
	e->reason = str_of(a->reason);
	e->allow = d->allow;
	e->code = d->code;
	e->rule = str_of(d->rule);
	e->detail = str_of(d->detail);
	memcpy(e->policy, pe->digest, AL_HASH_LEN);
}
