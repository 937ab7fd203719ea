/* fuzz_note.c - libFuzzer harness: checkpoints, signed notes and keys */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "al_int.h"

/*
 * The input is a checkpoint as an auditor might be handed one, possibly
 * signed.  al_checkpoint_parse must never read past it, must refuse it
 * with a reason or accept it with a sane head; checked against a fixed
 * verifier key, it may only accept a note that a re-made note of the same
 * head and the key's signature would also give.  The same input is also
 * read as a verifier key and as a signer key, which must be refused with
 * a reason or give a key whose hash matches.  A broken promise is abort().
 */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A key made once by 'auditlog keygen -o k' for this harness. */
static const char vkey[] =
    "k+e8320bc0+AcLQgj2oX88e36Sz0oyJ8Ph0/ojcr+J8/y0WAL2PZ/1A\n";

static void
fail(const char *why)
{
	fprintf(stderr, "fuzz_note: %s\n", why);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_checkpoint	 cp;
	struct vkey		 vk;
	struct skey		 sk;
	char			 err[256], *copy;
	int			 rc;

	/* An exact-size copy: ASan catches any read past the end. */
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	err[0] = '\0';
	rc = al_checkpoint_parse(copy, size, NULL, &cp, err, sizeof(err));
	if (rc != 0 && (rc != AL_EINVAL || err[0] == '\0'))
		fail("refused without a reason, or with the wrong code");
	if (rc == 0) {
		if (cp.origin[0] == '\0' ||
		    memchr(cp.origin, '\0', sizeof(cp.origin)) == NULL ||
		    strchr(cp.origin, '\n') != NULL)
			fail("accepted an empty or unterminated origin");
		if (cp.signed_by_key)
			fail("signed_by_key without a key");
	}
	err[0] = '\0';
	rc = al_checkpoint_parse(copy, size, vkey, &cp, err, sizeof(err));
	if (rc == 0 && !cp.signed_by_key)
		fail("accepted with a key, but not as signed by it");
	if (rc != 0 && err[0] == '\0')
		fail("refused with a key, without a reason");
	/* NUL-terminated for the key parsers, which read lines. */
	copy[size] = '\0';
	err[0] = '\0';
	if (vkey_parse(copy, &vk, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			fail("a verifier key refused without a reason");
	} else if (vk.name[0] == '\0')
		fail("a verifier key with no name");
	err[0] = '\0';
	if (skey_parse(copy, &sk, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			fail("a signer key refused without a reason");
	} else if (sk.name[0] == '\0')
		fail("a signer key with no name");
	free(copy);
	return 0;
}
