/* batch_line.c - one line of record --batch, parsed into an access */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch_line.h"

/* A message of our own, malloc'd (NULL when out of memory). */
char *
batch_why(const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : strdup(buf);
}

static const char *
field(json_t *o, const char *key, char **error)
{
	json_t	*j = json_object_get(o, key);

	if (j == NULL || *error != NULL)
		return NULL;
	if (!json_is_string(j) ||
	    strlen(json_string_value(j)) != json_string_length(j)) {
		*error = batch_why("%s is not a string", key);
		return NULL;
	}
	return json_string_value(j);
}

int
batch_line(al_log *l, const char *line, size_t len, const char *service,
    struct al_access *a, json_t **j, char **error)
{
	static const char *const keys[] = { "actor", "customer", "purpose",
	    "action", "data", "resource", "ref", "reason", "service", NULL };
	json_error_t	 jerr;
	const char	*k;
	json_t		*v;
	size_t		 i;

	*error = NULL;
	memset(a, 0, sizeof(*a));
	if ((*j = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL || !json_is_object(*j)) {
		*error = batch_why("not a JSON object%s%s", *j ? "" : ": ",
		    *j ? "" : jerr.text);
		return -1;
	}
	json_object_foreach(*j, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			*error = batch_why("unknown field '%s'", k);
			break;
		}
	}
	a->actor = field(*j, "actor", error);
	a->customer = field(*j, "customer", error);
	a->purpose = field(*j, "purpose", error);
	a->action = field(*j, "action", error);
	a->data = field(*j, "data", error);
	a->resource = field(*j, "resource", error);
	a->ref = field(*j, "ref", error);
	a->reason = field(*j, "reason", error);
	a->service = field(*j, "service", error);
	if (a->service == NULL)
		a->service = service;
	if (*error == NULL && al_validate(l, a) != 0)
		*error = batch_why("%s", al_errmsg(l));
	return *error == NULL ? 0 : -1;
}
