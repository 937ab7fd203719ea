/* floor.c - the floor: the promise no policy can lower, and its checks */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "policy.h"

extern const char	al_default_floor_text[];
extern const size_t	al_default_floor_len;

/*
 * A floor is a policy parsed under the floor's grammar: its purposes are
 * the permitted ones, its rules deny lines of one selector each.  The
 * type of its own keeps a floor from being taken for a policy.
 */
struct floor {
	struct policy	*p;
};

const char *
al_default_floor(size_t *len)
{
	if (len != NULL)
		*len = al_default_floor_len;
	return al_default_floor_text;
}

struct floor *
floor_parse(const char *name, const char *text, size_t len,
    struct buf *errors)
{
	struct floor	*f;

	if ((f = malloc(sizeof(*f))) == NULL) {
		if (errors != NULL)
			(void)buf_printf(errors, "%s: out of memory\n", name);
		return NULL;
	}
	if ((f->p = policy_parse_floor(name, text, len, errors)) == NULL) {
		free(f);
		return NULL;
	}
	return f;
}

void
floor_free(struct floor *f)
{
	if (f == NULL)
		return;
	policy_free(f->p);
	free(f);
}

static int
has(const struct list *l, const char *w)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->w[i], w) == 0)
			return 1;
	return 0;
}

static const struct purpose *
permitted(const struct policy *fp, const char *name)
{
	size_t	i;

	for (i = 0; i < fp->npur; i++)
		if (strcmp(fp->pur[i].name, name) == 0)
			return &fp->pur[i];
	return NULL;
}

/* The floor's deny line that forbids w as a purpose, action or data. */
static const struct rule *
forbids(const struct policy *fp, const char *what, const char *w)
{
	const struct rule	*r;
	size_t			 i;

	for (i = 0; i < fp->nrules; i++) {
		r = &fp->rules[i];
		if ((strcmp(what, "purpose") == 0 && has(&r->purposes, w)) ||
		    (strcmp(what, "action") == 0 && has(&r->actions, w)) ||
		    (strcmp(what, "data") == 0 && has(&r->data, w)))
			return r;
	}
	return NULL;
}

/*
 * The line of the floor that keeps purpose w out: its deny line, else
 * (when it is not one of the floor's purposes) the first purpose line,
 * where the permitted ones begin; 0 when the floor permits it.
 */
static int
purpose_barred(const struct policy *fp, const char *w)
{
	const struct rule	*r;

	if ((r = forbids(fp, "purpose", w)) != NULL)
		return r->line;
	if (permitted(fp, w) == NULL)
		return fp->pur[0].line;
	return 0;
}

static void
floor_decide(const struct policy *fp, struct al_decision *d, int line,
    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
floor_decide(const struct policy *fp, struct al_decision *d, int line,
    const char *fmt, ...)
{
	va_list	ap;
	int	n;

	d->allow = 0;
	d->code = AL_FLOOR;
	n = snprintf(d->rule, sizeof(d->rule), "%s:%d", fp->name, line);
	/* As policy.c's rule_text: a name too long for the rule gives "". */
	if (n < 0 || (size_t)n >= sizeof(d->rule))
		d->rule[0] = '\0';
	va_start(ap, fmt);
	n = vsnprintf(d->detail, sizeof(d->detail), fmt, ap);
	va_end(ap);
	if (n < 0)
		strlcpy(d->detail, al_code_name(AL_FLOOR), sizeof(d->detail));
	else if ((size_t)n >= sizeof(d->detail))
		memcpy(d->detail + sizeof(d->detail) - 4, "...", 4);
}

/*
 * An access is denied by the floor when a deny line forbids its action,
 * purpose or data (in the floor's order), or its purpose is not one the
 * floor permits.  Data not given is "customer-data", as for the policy.
 */
int
floor_eval(const struct floor *f, const struct al_access *a,
    struct al_decision *d)
{
	const struct policy	*fp = f->p;
	const struct rule	*r;
	const char		*data = a->data && *a->data ? a->data :
				    "customer-data";
	const char		*purpose = a->purpose ? a->purpose : "";
	const char		*action = a->action ? a->action : "";
	size_t			 i;

	for (i = 0; i < fp->nrules; i++) {
		r = &fp->rules[i];
		if (has(&r->actions, action)) {
			floor_decide(fp, d, r->line, "the floor forbids "
			    "action '%s' whatever the purpose (%s:%d)", action,
			    fp->name, r->line);
			return 1;
		}
		if (has(&r->purposes, purpose)) {
			floor_decide(fp, d, r->line, "the floor forbids "
			    "purpose '%s' (%s:%d)", purpose, fp->name,
			    r->line);
			return 1;
		}
		if (has(&r->data, data)) {
			floor_decide(fp, d, r->line, "the floor forbids "
			    "data category '%s' whatever the purpose (%s:%d)",
			    data, fp->name, r->line);
			return 1;
		}
	}
	if (permitted(fp, purpose) == NULL) {
		floor_decide(fp, d, fp->pur[0].line, "purpose '%s' is not one "
		    "the floor permits (%s:%d)", purpose, fp->name,
		    fp->pur[0].line);
		return 1;
	}
	return 0;
}

/*
 * The first word of l the floor forbids as what, with the line that
 * does; NULL when l is any (empty) or some word of it is not forbidden:
 * then some access under the rule gets past the floor on this count.
 */
static const char *
all_forbidden(const struct policy *fp, const char *what,
    const struct list *l, int *line)
{
	const struct rule	*r;
	size_t			 i;

	if (l->n == 0)
		return NULL;
	for (i = 0; i < l->n; i++) {
		if (strcmp(what, "purpose") == 0) {
			if (purpose_barred(fp, l->w[i]) == 0)
				return NULL;
		} else if (forbids(fp, what, l->w[i]) == NULL)
			return NULL;
	}
	if (strcmp(what, "purpose") == 0)
		*line = purpose_barred(fp, l->w[0]);
	else {
		r = forbids(fp, what, l->w[0]);
		*line = r->line;
	}
	return l->w[0];
}

/*
 * The floor's deny lines each forbid one dimension of an access, so an
 * allow rule's accesses (its purposes x actions x data) are all denied
 * exactly when every word of one of its lists is forbidden.
 */
int
floor_respects(const struct floor *f, const struct policy *p,
    struct buf *errors)
{
	static const char	*dims[] = { "purpose", "action", "data" };
	const struct policy	*fp = f->p;
	const struct rule	*r;
	const struct list	*l;
	const char		*w;
	size_t			 i, k;
	int			 line, n = 0, rc = 0;

	for (i = 0; rc == 0 && i < p->npur; i++) {
		if ((line = purpose_barred(fp, p->pur[i].name)) == 0)
			continue;
		n++;
		if (errors != NULL)
			rc = buf_printf(errors, "%s:%d: purpose '%s' is %s "
			    "(%s:%d)\n", p->name, p->pur[i].line,
			    p->pur[i].name, forbids(fp, "purpose",
			    p->pur[i].name) ? "forbidden by the floor" :
			    "not one the floor permits", fp->name, line);
	}
	for (i = 0; rc == 0 && i < p->nrules; i++) {
		r = &p->rules[i];
		if (!r->allow)
			continue;
		for (k = 0; k < sizeof(dims) / sizeof(dims[0]); k++) {
			l = k == 0 ? &r->purposes : k == 1 ? &r->actions :
			    &r->data;
			if ((w = all_forbidden(fp, dims[k], l, &line)) == NULL)
				continue;
			n++;
			if (errors != NULL)
				rc = buf_printf(errors, "%s:%d: the floor "
				    "overrides this allow rule whole: it "
				    "forbids every %s the rule names ('%s'%s) "
				    "(%s:%d)\n", p->name, r->line, dims[k], w,
				    l->n > 1 ? ", ..." : "", fp->name, line);
			break;
		}
	}
	return rc != 0 ? -1 : n;
}

int
floor_check_policy(const struct floor *f, const char *name,
    const char *text, size_t len, char **errors)
{
	struct buf	 errs = { 0 };
	struct policy	*p;
	int		 rc = AL_EINVAL, n;

	if (errors != NULL)
		*errors = NULL;
	if ((p = policy_parse(name, text, len, &errs)) != NULL) {
		n = floor_respects(f, p, &errs);
		rc = n < 0 ? AL_ENOMEM : n > 0 ? AL_EINVAL : 0;
		policy_free(p);
	}
	if (rc != 0 && errs.p == NULL)
		rc = AL_ENOMEM;
	if (rc == 0 || rc == AL_ENOMEM || errors == NULL)
		buf_free(&errs);
	else
		*errors = (char *)errs.p;
	return rc;
}

int
al_floor_check(const char *floor_name, const char *floor_text, size_t flen,
    const char *policy_name, const char *policy_text, size_t plen,
    char **errors)
{
	struct buf	 errs = { 0 };
	struct floor	*f;
	int		 rc;

	if (errors != NULL)
		*errors = NULL;
	if (floor_text == NULL) {
		floor_name = "promise.floor";
		floor_text = al_default_floor(&flen);
	}
	if ((f = floor_parse(floor_name, floor_text, flen, &errs)) == NULL) {
		if (errs.p == NULL)
			return AL_ENOMEM;
		if (errors != NULL)
			*errors = (char *)errs.p;
		else
			buf_free(&errs);
		return AL_EINVAL;
	}
	rc = floor_check_policy(f, policy_name, policy_text, plen, errors);
	floor_free(f);
	return rc;
}
