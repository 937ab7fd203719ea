/* filter.c - which entries a filter selects: for iterators and bundle checks */
#include <string.h>

#include "al_int.h"

static int
str_is(const struct al_str *s, const char *want)
{
	return want == NULL || (strlen(want) == s->n &&
	    memcmp(s->p, want, s->n) == 0);
}

/* Whether e is one the filters select (seq range aside). */
int
filter_match(const struct al_filter *f, const struct al_entry *e)
{
	if (!str_is(&e->actor, f->actor) || !str_is(&e->service, f->service) ||
	    e->time_ns < f->since_ns ||
	    (f->until_ns && e->time_ns >= f->until_ns))
		return 0;
	if (e->kind != AL_KIND_ACCESS)
		return f->customer == NULL && f->purpose == NULL &&
		    f->decision == 0 && f->ref == NULL && f->action == NULL &&
		    f->data == NULL;
	return str_is(&e->customer, f->customer) &&
	    str_is(&e->purpose, f->purpose) &&
	    str_is(&e->ref, f->ref) && str_is(&e->action, f->action) &&
	    str_is(&e->data, f->data) &&
	    (f->decision == 0 || (f->decision == 1) == (e->allow != 0));
}
