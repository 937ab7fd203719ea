/* batch_line.h - one line of record --batch, parsed into an access */
#ifndef BATCH_LINE_H
#define BATCH_LINE_H

#include <stddef.h>

#include <jansson.h>

#include "auditlog.h"

/*
 * Parse line (len bytes, no newline) into *a, without the log: the rules of
 * the fields are al_validate's.  Returns 0 when it is an access, whose
 * strings *j owns; otherwise -1 with the reason in why (cut to whylen),
 * and *j may still be set.  service is the default for a line without
 * one.  Either way the caller releases *j (json_decref, or by dropping
 * the allocator jansson was given).  Touches no state but jansson's.
 */
int	batch_parse(const char *line, size_t len, const char *service,
	    struct al_access *a, json_t **j, char *why, size_t whylen);

/*
 * batch_parse, then al_validate on the log (whose message it sets):
 * the whole judgement of a line, as the tool makes it in two threads.
 * Returns 0 with *error NULL when it is a valid access, whose strings *j
 * owns; otherwise *error is a malloc'd reason (NULL only when out of
 * memory too), and *j may still be set.  The caller releases *j with
 * json_decref and *error with free, in every case.
 */
int	batch_line(al_log *, const char *line, size_t len, const char *service,
	    struct al_access *a, json_t **j, char **error);

/* A reason of our own, printf-style, malloc'd (NULL: out of memory). */
char	*batch_why(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
