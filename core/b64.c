/*
 * b64.c - base64 (RFC 4648, standard alphabet, padded), as checkpoints,
 * keys and proofs write it; reading is strict: one canonical form only.
 */
#include <string.h>

#include <bsd/string.h>
#include <openssl/evp.h>

#include "al_int.h"

int
b64_add(struct buf *b, const uint8_t *p, size_t n)
{
	int	rc, len;

	if ((rc = buf_reserve(b, 4 * ((n + 2) / 3) + 1)) != 0)
		return rc;
	len = EVP_EncodeBlock(b->p + b->n, p, (int)n);
	b->n += (size_t)len;
	return 0;
}

/* Strict base64: exactly want bytes, and in canonical form. */
int
b64_get(const char *s, size_t n, uint8_t *out, size_t want)
{
	uint8_t		tmp[256];
	char		again[400];
	size_t		got;
	int		len;

	if (n == 0 || n % 4 != 0 || n > 4 * sizeof(tmp) / 3 ||
	    4 * ((want + 2) / 3) != n)
		return -1;
	if ((len = EVP_DecodeBlock(tmp, (const uint8_t *)s, (int)n)) < 0)
		return -1;
	got = (size_t)len;
	if (s[n - 1] == '=')
		got--;
	if (s[n - 2] == '=')
		got--;
	if (got != want)
		return -1;
	EVP_EncodeBlock((uint8_t *)again, tmp, (int)want);
	if (strlen(again) != n || memcmp(again, s, n) != 0)
		return -1;
	memcpy(out, tmp, want);
	explicit_bzero(tmp, sizeof(tmp));
	return 0;
}

/* Standard base64 with padding, NUL-terminated: 4 * ceil(n / 3) + 1. */
void
al_base64(const uint8_t *in, size_t n, char *out)
{
	EVP_EncodeBlock((uint8_t *)out, in, (int)n);
}

/* One SHA-256 hash in strict base64 (44 characters). */
int
b64_hash(const char *s, size_t n, uint8_t *out)
{
	return b64_get(s, n, out, AL_HASH_LEN);
}
