/* fuzz_line.c - libFuzzer harness: entries.jsonl's fast reading vs jansson */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "al_int.h"
#include "bundle.h"

/*
 * The input is one line of entries.jsonl, without its newline.
 * verify-export reads a line in the tool's own form with line_entry()
 * and leaves every other line to jansson; that is only sound if what
 * line_entry() takes, jansson takes too (with verify-export's flags) and
 * reads as the very same entry: the same keys, no more, and the same
 * strings, numbers, hashes and time.  Anything else is an abort(), which
 * libFuzzer reports as a crash with the input that broke it.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fail(const char *why)
{
	fprintf(stderr, "fuzz_line: %s\n", why);
	abort();
}

static void
str_is(json_t *o, const char *key, const struct al_str *s)
{
	json_t	*j = json_object_get(o, key);

	if (!json_is_string(j) || json_string_length(j) != s->n ||
	    memcmp(json_string_value(j), s->p, s->n) != 0 || s->p[s->n] != '\0')
		fail(key);
}

static void
num_is(json_t *o, const char *key, uint64_t v)
{
	json_t	*j = json_object_get(o, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    (uint64_t)json_integer_value(j) != v)
		fail(key);
}

static void
hex_is(json_t *o, const char *key, const uint8_t *h)
{
	json_t	*j = json_object_get(o, key);
	char	 hex[2 * AL_HASH_LEN + 1];

	al_hex(h, AL_HASH_LEN, hex);
	if (!json_is_string(j) || strcmp(json_string_value(j), hex) != 0)
		fail(key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const akeys[] = { "customer", "purpose", "action",
	    "data", "resource", "ref", "reason", "rule", "detail" };
	struct buf	 dec = { 0 }, re = { 0 };
	struct al_entry	 e;
	json_t		*o, *j;
	char		 t[40];
	size_t		 i;
	int		 rc;

	rc = line_entry((const char *)data, size, &dec, &re, &e);
	if (rc < 0)
		fail("out of memory");
	if (rc == 1)
		goto done;	/* jansson's to read */
	if (rc != 0)
		fail("neither taken nor left");
	o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, NULL);
	if (o == NULL)
		fail("taken, but jansson refuses it");
	num_is(o, "version", e.kind == AL_KIND_CHECKPOINT ? 2 : 1);
	num_is(o, "seq", e.seq);
	if (al_format_time(e.time_ns, 1, t, sizeof(t)) != 0 ||
	    !json_is_string(j = json_object_get(o, "time")) ||
	    strcmp(json_string_value(j), t) != 0)
		fail("time");
	str_is(o, "actor", &e.actor);
	str_is(o, "service", &e.service);
	str_is(o, "host", &e.host);
	num_is(o, "pid", e.pid);
	num_is(o, "uid", e.uid);
	hex_is(o, "prev", e.prev);
	hex_is(o, "hash", e.hash);
	j = json_object_get(o, "kind");
	if (!json_is_string(j))
		fail("kind");
	if (e.kind == AL_KIND_ACCESS) {
		const struct al_str *av[] = { &e.customer, &e.purpose,
		    &e.action, &e.data, &e.resource, &e.ref, &e.reason, &e.rule,
		    &e.detail };

		if (strcmp(json_string_value(j), "access") != 0 ||
		    json_object_size(o) != 23)
			fail("an access's keys");
		for (i = 0; i < sizeof(akeys) / sizeof(akeys[0]); i++)
			str_is(o, akeys[i], av[i]);
		j = json_object_get(o, "decision");
		if (!json_is_string(j) || strcmp(json_string_value(j),
		    e.allow ? "allow" : "deny") != 0)
			fail("decision");
		j = json_object_get(o, "code");
		if (!json_is_string(j) || strcmp(json_string_value(j),
		    al_code_name(e.code)) != 0 ||
		    (e.allow != 0) != (e.code == AL_ALLOWED))
			fail("code");
		hex_is(o, "policy", e.policy);
	} else if (e.kind == AL_KIND_POLICY) {
		if (strcmp(json_string_value(j), "policy") != 0 ||
		    json_object_size(o) != 14)
			fail("a policy entry's keys");
		str_is(o, "name", &e.name);
		str_is(o, "text", &e.text);
		hex_is(o, "digest", e.digest);
	} else if (e.kind == AL_KIND_CHECKPOINT) {
		if (strcmp(json_string_value(j), "checkpoint") != 0 ||
		    json_object_size(o) != 14)
			fail("a checkpoint entry's keys");
		num_is(o, "tree_size", e.tree_size);
		hex_is(o, "tree_root", e.tree_root);
		str_is(o, "note", &e.note);
	} else
		fail("no kind");
	json_decref(o);
done:
	buf_free(&dec);
	buf_free(&re);
	return 0;
}
