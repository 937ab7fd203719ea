/* fuzz_entry.c - libFuzzer harness: entry_decode, and its canonical form */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "al_int.h"

/*
 * The input is an entry's encoding, as the log stores it.  entry_decode
 * must take or refuse any bytes without reading past them; what it takes
 * must encode back to exactly the same bytes (one entry, one encoding:
 * the hash chain depends on it), and its hash must be the hash of those
 * bytes, the same every time.  A broken promise is an abort(), which
 * libFuzzer reports as a crash with the input that broke it.
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fail(const char *why)
{
	fprintf(stderr, "fuzz_entry: %s\n", why);
	abort();
}

/* A decoded string lies in the store, with its NUL. */
static void
str_ok(const struct al_str *s, const uint8_t *store, size_t cap)
{
	const uint8_t	*p = (const uint8_t *)s->p;

	if (s->n == 0 && s->p != NULL && *s->p == '\0')
		return;		/* the empty string, wherever it is */
	if (p < store || p + s->n >= store + cap || p[s->n] != '\0')
		fail("decoded string outside its store");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_entry	 e, e2;
	struct buf	 b = { 0 };
	uint8_t		*in, *store = NULL, h1[AL_HASH_LEN], h2[AL_HASH_LEN];
	size_t		 cap = 0;
	char		 why[256];

	/* An exact copy, so that ASan sees any read past the end. */
	if ((in = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	why[0] = '\0';
	if (entry_decode(in, size, &e, &store, &cap, why, sizeof(why)) != 0) {
		if (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL)
			fail("refused without a reason");
		goto done;
	}
	if (e.kind < AL_KIND_ACCESS || e.kind > AL_KIND_REJECTION ||
	    (e.version != 3 && e.kind > AL_KIND_CHECKPOINT))
		fail("decoded an unknown kind");
	str_ok(&e.service, store, cap);
	str_ok(&e.host, store, cap);
	str_ok(&e.actor, store, cap);
	if (e.version == 3) {
		size_t	i;

		str_ok(&e.user, store, cap);
		if (e.ngroups > AL_MAX_GROUPS || e.attested > 1)
			fail("decoded identity out of range");
		for (i = 0; i < e.ngroups; i++) {
			str_ok(&e.gname[i], store, cap);
			if (i > 0 && e.gids[i] <= e.gids[i - 1])
				fail("decoded groups out of order");
		}
	}
	if (e.kind == AL_KIND_ACCESS) {
		str_ok(&e.customer, store, cap);
		str_ok(&e.data, store, cap);
		str_ok(&e.action, store, cap);
		str_ok(&e.resource, store, cap);
		str_ok(&e.purpose, store, cap);
		str_ok(&e.ref, store, cap);
		str_ok(&e.reason, store, cap);
		str_ok(&e.rule, store, cap);
		str_ok(&e.detail, store, cap);
		if (e.allow != (e.code == AL_ALLOWED))
			fail("decoded allow disagrees with code");
	} else if (e.kind == AL_KIND_POLICY || e.kind == AL_KIND_FLOOR ||
	    e.kind == AL_KIND_PROPOSAL) {
		str_ok(&e.name, store, cap);
		str_ok(&e.text, store, cap);
		if (e.kind == AL_KIND_FLOOR && (e.approvers < 1 ||
		    e.approvers > 9))
			fail("decoded approvers out of range");
	} else if (e.kind == AL_KIND_CHECKPOINT)
		str_ok(&e.note, store, cap);

	/* Canonical: the decoded entry encodes to the very same bytes. */
	if (entry_encode(&e, &b) != 0)
		fail("a decoded entry does not encode");
	if (b.n != size || memcmp(b.p, in, size) != 0)
		fail("re-encoding differs from the input");

	/* The hash is of the bytes, and the same each time. */
	entry_hash(in, size, h1);
	entry_hash(b.p, b.n, h2);
	if (memcmp(h1, e.hash, AL_HASH_LEN) != 0 ||
	    memcmp(h2, e.hash, AL_HASH_LEN) != 0)
		fail("entry_hash is not deterministic");

	/* Decoding again into the same, now larger, store: the same entry. */
	if (entry_decode(b.p, b.n, &e2, &store, &cap, why, sizeof(why)) != 0)
		fail("a re-encoded entry does not decode");
	if (e2.seq != e.seq || e2.kind != e.kind ||
	    e2.time_ns != e.time_ns || memcmp(e2.hash, e.hash,
	    AL_HASH_LEN) != 0)
		fail("decoding twice gives two entries");
done:
	buf_free(&b);
	free(store);
	free(in);
	return 0;
}
