/* fuzz_batch.c - libFuzzer harness: one line of record --batch */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "al_int.h"
#include "../cmd/batch_line.h"

/*
 * The input is one line of `auditlog record --batch`, as cmd_batch.c
 * hands it to batch_line() (no newline; the tool splits lines itself).
 * Whatever it holds, the line must be either an access that al_validate
 * takes, or refused with a reason; the same way twice; an access must be
 * the same to jansson, and come back unchanged from its own JSON,
 * written compactly or in ASCII only; the default service must apply
 * exactly when the line names none; and al_check must decide the access
 * consistently under the default policy of a scratch log.  A broken
 * promise is an abort(), which libFuzzer reports as a crash with the
 * input that broke it.
 */

#define SERVICE		"fuzz-default"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static al_log	*lg;
static char	 dir[64];
/* Reset, not freed, between inputs: a chunk is a megabyte. */
static struct arena	 ar, ar2, ar3, art;

static void
fail(const char *why)
{
	fprintf(stderr, "fuzz_batch: %s\n", why);
	abort();
}

/* The scratch log goes when the fuzzer ends (not after a crash). */
static void
cleanup(void)
{
	char	path[128];

	al_close(lg);
	lg = NULL;
	arena_free(&ar);
	arena_free(&ar2);
	arena_free(&ar3);
	arena_free(&art);
	if (dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	(void)unlink(path);
	(void)rmdir(dir);
	dir[0] = '\0';
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct al_init_opts	 o;
	al_log			*l = NULL;
	const char		*tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	if (snprintf(dir, sizeof(dir), "%s/fuzz-batch.XXXXXX",
	    tmp && strlen(tmp) < 32 ? tmp : "/tmp") >= (int)sizeof(dir) ||
	    mkdtemp(dir) == NULL)
		fail("mkdtemp");
	atexit(cleanup);
	memset(&o, 0, sizeof(o));
	o.actor = "fuzz";
	if (al_init(dir, &o, &l) != 0)
		fail("al_init of the scratch log");
	al_close(l);
	if (al_open(dir, AL_RDONLY, &lg) != 0)
		fail("al_open of the scratch log");
	return 0;
}

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
same_access(const struct al_access *a, const struct al_access *b)
{
	return same(a->actor, b->actor) && same(a->customer, b->customer) &&
	    same(a->purpose, b->purpose) && same(a->action, b->action) &&
	    same(a->data, b->data) && same(a->resource, b->resource) &&
	    same(a->ref, b->ref) && same(a->reason, b->reason) &&
	    same(a->service, b->service);
}

static void
set(json_t *o, const char *key, const char *v)
{
	json_t	*s;

	if (v == NULL)
		return;
	if ((s = json_string(v)) == NULL || json_object_set_new(o, key, s))
		fail("an accepted field is not a JSON string");
}

/* The access written back as JSON, then read as a line again. */
static void
round_trip(const struct al_access *a, int named_service, size_t flags)
{
	struct al_access	 b;
	json_t			*o;
	char			*text, *err = NULL;

	if ((o = json_object()) == NULL)
		fail("out of memory");
	set(o, "actor", a->actor);
	set(o, "customer", a->customer);
	set(o, "purpose", a->purpose);
	set(o, "action", a->action);
	set(o, "data", a->data);
	set(o, "resource", a->resource);
	set(o, "ref", a->ref);
	set(o, "reason", a->reason);
	if (named_service)
		set(o, "service", a->service);
	if ((text = json_dumps(o, flags)) == NULL)
		fail("json_dumps");
	arena_reset(&art);
	if (batch_line(lg, text, strlen(text), SERVICE, &b, &art, &err) != 0)
		fail("an access written as JSON is refused");
	if (!same_access(a, &b))
		fail("an access written as JSON reads back different");
	json_decref(o);
	free(text);
}

/*
 * yajl parses the tool's lines; jansson, strict, is the second opinion: a
 * line the tool takes must be, to jansson too, an object without
 * duplicate keys whose every member is a field of the same string, so
 * that yajl never lets through what jansson would refuse (a lone
 * surrogate, a NUL, an overlong, ...) nor reads a string otherwise.
 */
static void
jansson_agrees(const char *line, size_t size, const struct al_access *a,
    int named)
{
	const char *const	 key[] = { "actor", "customer", "purpose",
				    "action", "data", "resource", "ref",
				    "reason", "service" };
	const char		*want[] = { a->actor, a->customer, a->purpose,
				    a->action, a->data, a->resource, a->ref,
				    a->reason, named ? a->service : NULL };
	json_error_t		 jerr;
	json_t			*j, *v;
	size_t			 i, n = 0;

	if ((j = json_loadb(line, size, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(j))
		fail("a line the tool takes is no JSON object to jansson");
	for (i = 0; i < sizeof(key) / sizeof(key[0]); i++) {
		v = json_object_get(j, key[i]);
		if (want[i] == NULL ? v != NULL : v == NULL ||
		    !json_is_string(v) ||
		    json_string_length(v) != strlen(want[i]) ||
		    memcmp(json_string_value(v), want[i],
		    strlen(want[i])) != 0)
			fail("jansson reads a field of a line otherwise");
		n += v != NULL;
	}
	if (json_object_size(j) != n)
		fail("jansson sees members the tool did not");
	json_decref(j);
}

static void
decide(const struct al_access *a)
{
	struct al_decision	d;

	memset(&d, 0xa5, sizeof(d));
	if (al_check(lg, a, &d) != 0)
		fail("al_check refuses an access al_validate took");
	if (d.allow != (d.code == AL_ALLOWED) || (int)d.code < 0 ||
	    d.code >= AL_NCODES)
		fail("decision code and allow disagree");
	if (memchr(d.rule, '\0', sizeof(d.rule)) == NULL ||
	    memchr(d.detail, '\0', sizeof(d.detail)) == NULL)
		fail("rule or detail not terminated");
	if (d.allow != (d.detail[0] == '\0'))
		fail("a denial without a reason, or an allow with one");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_access	 a, a2, a3;
	char			*line, *err = NULL, *err2 = NULL, *err3 = NULL;
	int			 rc, rc2, rc3, named;

	/* An exact copy, so that ASan sees any read past the end. */
	if ((line = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(line, data, size);
	arena_reset(&ar);
	arena_reset(&ar2);
	arena_reset(&ar3);
	rc = batch_line(lg, line, size, SERVICE, &a, &ar, &err);
	if ((rc == 0) != (err == NULL))
		fail("neither an access nor a reason");
	if (err != NULL && err[0] == '\0')
		fail("refused with an empty reason");
	rc2 = batch_line(lg, line, size, SERVICE, &a2, &ar2, &err2);
	if (rc2 != rc || !same(err, err2))
		fail("the same line parsed two ways");
	/* Another default service: it shows only where none is named. */
	rc3 = batch_line(lg, line, size, NULL, &a3, &ar3, &err3);
	if (rc != 0)
		goto done;
	if (!same_access(&a, &a2))
		fail("the same line gives two accesses");
	if (a.actor == NULL || a.customer == NULL || a.purpose == NULL ||
	    a.action == NULL || a.service == NULL)
		fail("an access without a required field");
	if (al_validate(lg, &a) != 0)
		fail("an access al_validate refuses");
	if (rc3 != 0)
		fail("the default service changes validity");
	named = a3.service != NULL;
	if (named ? strcmp(a.service, a3.service) != 0 :
	    strcmp(a.service, SERVICE) != 0)
		fail("the default service applies to a line that names one");
	jansson_agrees(line, size, &a, named);
	round_trip(&a, named, JSON_COMPACT);
	round_trip(&a, named, JSON_ENSURE_ASCII | JSON_SORT_KEYS);
	decide(&a);
	decide(&a3);
done:
	free(err);
	free(err2);
	free(err3);
	free(line);
	return 0;
}
