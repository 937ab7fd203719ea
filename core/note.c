/*
 * note.c - Ed25519 keys, signed notes (c2sp.org/signed-note) and
 * checkpoints (c2sp.org/tlog-checkpoint), in the text forms Go's
 * golang.org/x/mod/sumdb/note reads and writes, so that existing
 * transparency tooling can check what auditlog signs.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <openssl/evp.h>

#include "al_int.h"

/*
 * Ed25519 comes from the shared libcrypto, loaded the first time a key is
 * used.  Linked statically, EVP and its providers made the tool 4 MB
 * larger and every process slower, `record` included, which signs
 * nothing; SHA-256 stays statically linked (entry.c).
 */
#define LIBCRYPTO	"libcrypto.so.3"

static struct {
	EVP_PKEY	*(*new_priv)(int, ENGINE *, const unsigned char *, size_t);
	EVP_PKEY	*(*new_pub)(int, ENGINE *, const unsigned char *, size_t);
	int		 (*get_pub)(const EVP_PKEY *, unsigned char *, size_t *);
	void		 (*pkey_free)(EVP_PKEY *);
	EVP_MD_CTX	*(*ctx_new)(void);
	void		 (*ctx_free)(EVP_MD_CTX *);
	int		 (*sign_init)(EVP_MD_CTX *, EVP_PKEY_CTX **, const EVP_MD *,
			    ENGINE *, EVP_PKEY *);
	int		 (*sign)(EVP_MD_CTX *, unsigned char *, size_t *,
			    const unsigned char *, size_t);
	int		 (*verify_init)(EVP_MD_CTX *, EVP_PKEY_CTX **,
			    const EVP_MD *, ENGINE *, EVP_PKEY *);
	int		 (*verify)(EVP_MD_CTX *, const unsigned char *, size_t,
			    const unsigned char *, size_t);
	int		 ok;
	char		 why[200];
} ed;
static pthread_once_t	ed_once = PTHREAD_ONCE_INIT;

static void
ed_sym(void *h, const char *name, void *fp, size_t size)
{
	void	*p;

	if (!ed.ok)
		return;
	if ((p = dlsym(h, name)) == NULL) {
		snprintf(ed.why, sizeof(ed.why), "%s has no %s", LIBCRYPTO,
		    name);
		ed.ok = 0;
		return;
	}
	memcpy(fp, &p, size);	/* POSIX: a symbol's address is its function */
}

static void
ed_open(void)
{
	void		*h;
	const char	*e;

	if ((h = dlopen(LIBCRYPTO, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(ed.why, sizeof(ed.why), "%s", e ? e : LIBCRYPTO);
		return;
	}
	ed.ok = 1;
	ed_sym(h, "EVP_PKEY_new_raw_private_key", &ed.new_priv,
	    sizeof(ed.new_priv));
	ed_sym(h, "EVP_PKEY_new_raw_public_key", &ed.new_pub,
	    sizeof(ed.new_pub));
	ed_sym(h, "EVP_PKEY_get_raw_public_key", &ed.get_pub,
	    sizeof(ed.get_pub));
	ed_sym(h, "EVP_PKEY_free", &ed.pkey_free, sizeof(ed.pkey_free));
	ed_sym(h, "EVP_MD_CTX_new", &ed.ctx_new, sizeof(ed.ctx_new));
	ed_sym(h, "EVP_MD_CTX_free", &ed.ctx_free, sizeof(ed.ctx_free));
	ed_sym(h, "EVP_DigestSignInit", &ed.sign_init, sizeof(ed.sign_init));
	ed_sym(h, "EVP_DigestSign", &ed.sign, sizeof(ed.sign));
	ed_sym(h, "EVP_DigestVerifyInit", &ed.verify_init,
	    sizeof(ed.verify_init));
	ed_sym(h, "EVP_DigestVerify", &ed.verify, sizeof(ed.verify));
}

/* 0 when Ed25519 can be used; otherwise why not, in err. */
static int
ed_load(char *err, size_t len)
{
	if (pthread_once(&ed_once, ed_open) != 0 || !ed.ok) {
		if (len > 0)
			snprintf(err, len, "Ed25519 is unavailable: %s",
			    ed.why[0] ? ed.why : "cannot load " LIBCRYPTO);
		return -1;
	}
	return 0;
}

#define ALG_ED25519	0x01
#define SEED_LEN	32
#define PUB_LEN		32
#define SIG_LEN		64
#define EMDASH		"\xe2\x80\x94"

static int
fail(char *err, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list	ap;

	if (len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* A key name: printable, no spaces, no '+' (signed-note). */
static int
name_ok(const char *s, size_t n)
{
	size_t	i, bad;

	if (n == 0 || n > AL_MAX_NAME || al_utf8_ok((const uint8_t *)s, n,
	    &bad) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '+')
			return 0;
	return 1;
}

/* key hash = first 4 bytes of SHA-256(name || "\n" || 0x01 || pub) */
static uint32_t
key_hash(const char *name, size_t n, const uint8_t *pub)
{
	struct buf	b = { 0 };
	uint8_t		h[AL_HASH_LEN], alg = ALG_ED25519;
	uint32_t	v = 0;

	if (buf_add(&b, name, n) == 0 && buf_add(&b, "\n", 1) == 0 &&
	    buf_add(&b, &alg, 1) == 0 && buf_add(&b, pub, PUB_LEN) == 0) {
		sha256(b.p, b.n, h);
		v = get_be32(h);
	}
	buf_free(&b);
	return v;
}

static EVP_PKEY *
ed_private(const uint8_t *seed)
{
	return ed.new_priv(EVP_PKEY_ED25519, NULL, seed, SEED_LEN);
}

static int
ed_public(EVP_PKEY *k, uint8_t *pub)
{
	size_t	len = PUB_LEN;

	return ed.get_pub(k, pub, &len) == 1 &&
	    len == PUB_LEN ? 0 : -1;
}

static int
ed_sign(EVP_PKEY *k, const void *msg, size_t n, uint8_t *sig)
{
	EVP_MD_CTX	*c;
	size_t		 len = SIG_LEN;
	int		 rc = -1;

	if ((c = ed.ctx_new()) == NULL)
		return -1;
	if (ed.sign_init(c, NULL, NULL, NULL, k) == 1 &&
	    ed.sign(c, sig, &len, msg, n) == 1 && len == SIG_LEN)
		rc = 0;
	ed.ctx_free(c);
	return rc;
}

static int
ed_verify(const uint8_t *pub, const void *msg, size_t n, const uint8_t *sig)
{
	EVP_PKEY	*k;
	EVP_MD_CTX	*c = NULL;
	int		 ok = 0;

	if ((k = ed.new_pub(EVP_PKEY_ED25519, NULL, pub, PUB_LEN)) == NULL)
		return 0;
	if ((c = ed.ctx_new()) != NULL &&
	    ed.verify_init(c, NULL, NULL, NULL, k) == 1 &&
	    ed.verify(c, sig, SIG_LEN, msg, n) == 1)
		ok = 1;
	if (c != NULL)
		ed.ctx_free(c);
	ed.pkey_free(k);
	return ok;
}

/* "NAME+HASH+BASE64": the name, the hash it states, and the key. */
static int
key_parts(const char *s, size_t n, char *name, size_t namelen,
    uint32_t *hash, uint8_t *key)
{
	const char	*p1, *p2;
	uint8_t		 raw[1 + SEED_LEN];
	char		 hx[9];
	size_t		 nl;
	int		 rc = -1;

	/* The name and the hash have no '+'; base64 may. */
	if ((p1 = memchr(s, '+', n)) == NULL || (size_t)(p1 - s) + 10 > n)
		return -1;
	p2 = p1 + 9;
	nl = (size_t)(p1 - s);
	if (!name_ok(s, nl) || nl >= namelen || *p2 != '+')
		return -1;
	memcpy(hx, p1 + 1, 8);
	hx[8] = '\0';
	if (strspn(hx, "0123456789abcdef") != 8)
		return -1;
	if (b64_get(p2 + 1, n - (size_t)(p2 + 1 - s), raw, sizeof(raw)) == 0 &&
	    raw[0] == ALG_ED25519) {
		memcpy(name, s, nl);
		name[nl] = '\0';
		*hash = (uint32_t)strtoul(hx, NULL, 16);
		memcpy(key, raw + 1, SEED_LEN);
		rc = 0;
	}
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

int
skey_parse(const char *text, struct skey *k, char *err, size_t errlen)
{
	static const char	pre[] = "PRIVATE+KEY+";
	EVP_PKEY		*pk = NULL;
	size_t			 n = strcspn(text, "\n");
	uint32_t		 stated = 0;
	int			 rc;

	memset(k, 0, sizeof(*k));
	if (n < sizeof(pre) - 1 || memcmp(text, pre, sizeof(pre) - 1) != 0 ||
	    key_parts(text + sizeof(pre) - 1, n - (sizeof(pre) - 1), k->name,
	    sizeof(k->name), &stated, k->seed) != 0) {
		rc = fail(err, errlen, AL_EINVAL, "not a signer key (PRIVATE+"
		    "KEY+name+hash+key, as 'auditlog keygen' writes)");
		goto done;
	}
	if (ed_load(err, errlen) != 0) {
		rc = AL_EIO;
		goto done;
	}
	if ((pk = ed_private(k->seed)) == NULL || ed_public(pk, k->pub) != 0) {
		rc = fail(err, errlen, AL_EINVAL, "the signer key is not an "
		    "Ed25519 key");
		goto done;
	}
	k->hash = key_hash(k->name, strlen(k->name), k->pub);
	if (k->hash != stated) {
		rc = fail(err, errlen, AL_EINVAL, "the signer key's hash does "
		    "not match its name and key");
		goto done;
	}
	rc = 0;
done:
	if (pk != NULL)
		ed.pkey_free(pk);
	if (rc != 0)
		explicit_bzero(k, sizeof(*k));
	return rc;
}

int
vkey_parse(const char *text, struct vkey *k, char *err, size_t errlen)
{
	size_t		n = strcspn(text, "\n");
	uint32_t	stated = 0;

	memset(k, 0, sizeof(*k));
	if (key_parts(text, n, k->name, sizeof(k->name), &stated,
	    k->pub) != 0)
		return fail(err, errlen, AL_EINVAL, "not a verifier key "
		    "(name+hash+key, as 'auditlog keygen' writes)");
	k->hash = key_hash(k->name, strlen(k->name), k->pub);
	if (k->hash != stated)
		return fail(err, errlen, AL_EINVAL, "the verifier key's hash "
		    "does not match its name and key");
	return 0;
}

int
al_key_check(const char *vkeytext, char *err, size_t errlen)
{
	struct vkey	vk;

	return vkey_parse(vkeytext, &vk, err, errlen);
}

int
al_keygen(const char *name, char **skey, char **vkey, char *err,
    size_t errlen)
{
	struct buf	 s = { 0 }, v = { 0 };
	EVP_PKEY	*pk = NULL;
	uint8_t		 raw[1 + SEED_LEN], pub[1 + PUB_LEN];
	uint32_t	 h;
	int		 rc;

	*skey = *vkey = NULL;
	if (!name_ok(name, strlen(name)))
		return fail(err, errlen, AL_EINVAL, "a key name is 1 to %d "
		    "bytes of printable UTF-8 without spaces or '+'",
		    AL_MAX_NAME);
	if (ed_load(err, errlen) != 0)
		return AL_EIO;
	raw[0] = pub[0] = ALG_ED25519;
	arc4random_buf(raw + 1, SEED_LEN);
	if ((pk = ed_private(raw + 1)) == NULL || ed_public(pk, pub + 1)) {
		rc = fail(err, errlen, AL_EIO, "cannot make an Ed25519 key");
		goto done;
	}
	h = key_hash(name, strlen(name), pub + 1);
	if ((rc = buf_printf(&s, "PRIVATE+KEY+%s+%08x+", name, h)) != 0 ||
	    (rc = b64_add(&s, raw, sizeof(raw))) != 0 ||
	    (rc = buf_add(&s, "\n", 2)) != 0 ||
	    (rc = buf_printf(&v, "%s+%08x+", name, h)) != 0 ||
	    (rc = b64_add(&v, pub, sizeof(pub))) != 0 ||
	    (rc = buf_add(&v, "\n", 2)) != 0) {
		rc = fail(err, errlen, AL_ENOMEM, "out of memory");
		goto done;
	}
	*skey = (char *)s.p;
	*vkey = (char *)v.p;
	s.p = v.p = NULL;
done:
	explicit_bzero(raw, sizeof(raw));
	if (s.p != NULL)
		explicit_bzero(s.p, s.cap);
	buf_free(&s);
	buf_free(&v);
	if (pk != NULL)
		ed.pkey_free(pk);
	return rc;
}

/*
 * The checkpoint's text: origin, size, base64 root, each ending in a
 * newline; signed, a blank line and the signature line follow.
 */
int
note_checkpoint(struct buf *b, const char *origin, uint64_t size,
    const uint8_t *root, const struct skey *k)
{
	EVP_PKEY	*pk = NULL;
	uint8_t		 sig[4 + SIG_LEN];
	size_t		 body;
	int		 rc;

	b->n = 0;
	if ((rc = buf_printf(b, "%s\n%llu\n", origin,
	    (unsigned long long)size)) != 0 ||
	    (rc = b64_add(b, root, AL_HASH_LEN)) != 0 ||
	    (rc = buf_add(b, "\n", 1)) != 0)
		return rc;
	if (k == NULL)
		return 0;
	if (ed_load(NULL, 0) != 0)
		return AL_EIO;
	body = b->n;
	if ((pk = ed_private(k->seed)) == NULL) {
		rc = AL_EIO;
		goto done;
	}
	put_be32(sig, k->hash);
	if (ed_sign(pk, b->p, body, sig + 4) != 0) {
		rc = AL_EIO;
		goto done;
	}
	if ((rc = buf_printf(b, "\n" EMDASH " %s ", k->name)) != 0 ||
	    (rc = b64_add(b, sig, sizeof(sig))) != 0 ||
	    (rc = buf_add(b, "\n", 1)) != 0)
		goto done;
done:
	if (pk != NULL)
		ed.pkey_free(pk);
	return rc;
}

/* One line of at most max bytes at *p (of *left), without its newline. */
static const char *
line(const char **p, size_t *left, size_t *len)
{
	const char	*s = *p, *nl;

	if (*left == 0 || (nl = memchr(s, '\n', *left)) == NULL)
		return NULL;
	*len = (size_t)(nl - s);
	*left -= *len + 1;
	*p = nl + 1;
	return s;
}

int
al_checkpoint_parse(const char *text, size_t len, const char *vkeytext,
    struct al_checkpoint *cp, char *err, size_t errlen)
{
	struct vkey	 vk;
	const char	*p = text, *s, *split;
	uint8_t		 sig[4 + SIG_LEN];
	size_t		 left, n, body, bad, i;
	int		 rc, found = 0;

	memset(cp, 0, sizeof(*cp));
	if (len > 1024 * 1024)
		return fail(err, errlen, AL_EINVAL, "a checkpoint is at most "
		    "1 MiB");
	/* UTF-8 whose only control character is the newline. */
	for (i = 0; i < len; i = i + n + 1) {
		s = memchr(text + i, '\n', len - i);
		n = s != NULL ? (size_t)(s - (text + i)) : len - i;
		if (al_utf8_ok((const uint8_t *)text + i, n, &bad) != 0)
			return fail(err, errlen, AL_EINVAL, "the checkpoint "
			    "has a control character or invalid UTF-8 at byte "
			    "%zu", i + bad);
	}
	/* The text ends at the last blank line, if it is signed. */
	split = NULL;
	for (i = 0; i + 1 < len; i++)
		if (text[i] == '\n' && text[i + 1] == '\n')
			split = text + i;
	body = split != NULL ? (size_t)(split - text) + 1 : len;
	left = body;
	if ((s = line(&p, &left, &n)) == NULL || n == 0 || n >= AL_ORIGIN_MAX)
		return fail(err, errlen, AL_EINVAL, "the checkpoint's first "
		    "line is not an origin");
	memcpy(cp->origin, s, n);
	cp->origin[n] = '\0';
	if ((s = line(&p, &left, &n)) == NULL || n == 0 || n > 20 ||
	    strspn(s, "0123456789") < n || (s[0] == '0' && n > 1))
		return fail(err, errlen, AL_EINVAL, "the checkpoint's second "
		    "line is not a tree size");
	cp->size = 0;
	for (i = 0; i < n; i++) {
		if (cp->size > (UINT64_MAX - 9) / 10)
			return fail(err, errlen, AL_EINVAL, "the tree size "
			    "is too large");
		cp->size = cp->size * 10 + (uint64_t)(s[i] - '0');
	}
	if ((s = line(&p, &left, &n)) == NULL ||
	    b64_get(s, n, cp->root, AL_HASH_LEN) != 0)
		return fail(err, errlen, AL_EINVAL, "the checkpoint's third "
		    "line is not a base64 SHA-256 root");
	/* Extension lines may follow; they are not ours to read. */
	while (left > 0)
		if ((s = line(&p, &left, &n)) == NULL || n == 0)
			return fail(err, errlen, AL_EINVAL, "the checkpoint "
			    "text does not end in a newline");
	cp->has_sig = split != NULL;
	if (vkeytext == NULL)
		return 0;
	if ((rc = vkey_parse(vkeytext, &vk, err, errlen)) != 0)
		return rc;
	if (ed_load(err, errlen) != 0)
		return AL_EIO;
	if (split == NULL)
		return fail(err, errlen, AL_ECORRUPT, "the checkpoint is not "
		    "signed");
	p = split + 2;
	left = len - body - 1;
	while (left > 0) {
		if ((s = line(&p, &left, &n)) == NULL || n < 5 ||
		    memcmp(s, EMDASH " ", 4) != 0)
			return fail(err, errlen, AL_EINVAL, "the checkpoint has "
			    "a signature line that is not one");
		s += 4;
		n -= 4;
		{
			const char	*sp = memchr(s, ' ', n);
			size_t		 nl;

			if (sp == NULL)
				return fail(err, errlen, AL_EINVAL, "a "
				    "signature line without a signature");
			nl = (size_t)(sp - s);
			if (b64_get(sp + 1, n - nl - 1, sig, sizeof(sig)) != 0)
				continue;	/* not an Ed25519 signature */
			if (nl != strlen(vk.name) ||
			    memcmp(s, vk.name, nl) != 0 ||
			    get_be32(sig) != vk.hash)
				continue;	/* another key's */
			found = 1;
			if (!ed_verify(vk.pub, text, body, sig + 4))
				return fail(err, errlen, AL_ECORRUPT, "the "
				    "signature by %s does not verify",
				    vk.name);
		}
	}
	if (!found)
		return fail(err, errlen, AL_ECORRUPT, "the checkpoint has no "
		    "signature by %s", vk.name);
	cp->signed_by_key = 1;
	return 0;
}
