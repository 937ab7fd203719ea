/* batch_line.c - one line of record --batch, parsed into an access */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>
#include <jansson.h>

#include "batch_line.h"

#define WHY_LEN	512		/* a reason is cut to this, as it always was */

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
 * unknown key or jansson's message, and is cut to the buffer.
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

/* The field names, in the order their errors are reported. */
enum { F_ACTOR, F_CUSTOMER, F_PURPOSE, F_ACTION, F_DATA, F_RESOURCE, F_REF,
    F_REASON, F_SERVICE, NFIELDS };
static const char *const fields[NFIELDS] = { "actor", "customer", "purpose",
    "action", "data", "resource", "ref", "reason", "service" };

/* The field a key names as a C string, or -1. */
static int
field_index(const char *k)
{
	int	i;

	for (i = 0; i < NFIELDS; i++)
		if (k[0] == fields[i][0] && strcmp(k, fields[i]) == 0)
			return i;
	return -1;
}

/*
 * One pass over the object.  A key is unknown when, read as a C string,
 * it names no field; it gives the field its value only when it is that
 * name exactly, so a key with a NUL after a field's name is neither.
 */
int
batch_parse(const char *line, size_t len, const char *service,
    struct al_access *a, json_t **j, char *why, size_t whylen)
{
	json_error_t	 jerr;
	json_t		*v, *val[NFIELDS] = { NULL };
	const char	*k, *s[NFIELDS] = { NULL };
	size_t		 klen;
	int		 i;

	memset(a, 0, sizeof(*a));
	if ((*j = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL || !json_is_object(*j)) {
		why_set(why, whylen, "not a JSON object%s%s", *j ? "" : ": ",
		    *j ? "" : jerr.text);
		return -1;
	}
	json_object_keylen_foreach(*j, k, klen, v) {
		if ((i = field_index(k)) == -1) {
			why_set(why, whylen, "unknown field '%s'", k);
			return -1;
		}
		if (klen == strlen(fields[i]))
			val[i] = v;
	}
	for (i = 0; i < NFIELDS; i++) {
		if (val[i] == NULL)
			continue;
		if (!json_is_string(val[i]) ||
		    memchr(json_string_value(val[i]), '\0',
		    json_string_length(val[i])) != NULL) {
			why_set(why, whylen, "%s is not a string", fields[i]);
			return -1;
		}
		s[i] = json_string_value(val[i]);
	}
	a->actor = s[F_ACTOR];
	a->customer = s[F_CUSTOMER];
	a->purpose = s[F_PURPOSE];
	a->action = s[F_ACTION];
	a->data = s[F_DATA];
	a->resource = s[F_RESOURCE];
	a->ref = s[F_REF];
	a->reason = s[F_REASON];
	a->service = s[F_SERVICE] != NULL ? s[F_SERVICE] : service;
	return 0;
}

int
batch_line(al_log *l, const char *line, size_t len, const char *service,
    struct al_access *a, json_t **j, char **error)
{
	char	why[WHY_LEN];

	*error = NULL;
	if (batch_parse(line, len, service, a, j, why, sizeof(why)) != 0)
		*error = strdup(why);
	else if (al_validate(l, a) != 0)
		*error = batch_why("%s", al_errmsg(l));
	return *error == NULL ? 0 : -1;
}
