/* entry.c - the canonical byte encoding of entries and their hashes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The low-level SHA-256 functions, deprecated in OpenSSL 3 for EVP, are
 * what a short-lived process wants: EVP's provider start-up costs more
 * than recording does, and these still run on the CPU's SHA instructions.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "al_int.h"

#define HDR_LEN	(1 + 1 + 8 + 8 + AL_HASH_LEN)

/* Not SHA256(): in OpenSSL 3 that one goes through EVP after all. */
void
sha256(const void *p, size_t n, uint8_t out[AL_HASH_LEN])
{
	SHA256_CTX	c;

	SHA256_Init(&c);
	SHA256_Update(&c, p, n);
	SHA256_Final(out, &c);
}

/* SHA-256(0x00 || bytes): the RFC 6962 leaf hash of the encoding. */
void
entry_hash(const uint8_t *p, size_t n, uint8_t out[AL_HASH_LEN])
{
	static const uint8_t	leaf = 0x00;
	SHA256_CTX		c;

	SHA256_Init(&c);
	SHA256_Update(&c, &leaf, 1);
	SHA256_Update(&c, p, n);
	SHA256_Final(out, &c);
}

static int
put_str(struct buf *b, const struct al_str *s)
{
	uint8_t	len[4];
	int	rc;

	if (s->n > UINT32_MAX)
		return AL_EINVAL;
	put_be32(len, (uint32_t)s->n);
	if ((rc = buf_add(b, len, 4)) != 0)
		return rc;
	return buf_add(b, s->p, s->n);
}

static int
put_u32(struct buf *b, uint32_t v)
{
	uint8_t	x[4];

	put_be32(x, v);
	return buf_add(b, x, 4);
}

/* The header's fields, as entry_encode lays them out. */
#define HDR_SEQ		2
#define HDR_TIME	10
#define HDR_PREV	18

void
entry_place(uint8_t *p, uint64_t seq, uint64_t time_ns,
    const uint8_t prev[AL_HASH_LEN])
{
	put_be64(p + HDR_SEQ, seq);
	put_be64(p + HDR_TIME, time_ns);
	memcpy(p + HDR_PREV, prev, AL_HASH_LEN);
}

int
entry_time(const uint8_t *p, size_t n, uint64_t *time_ns)
{
	if (n < HDR_TIME + 8)
		return -1;
	*time_ns = get_be64(p + HDR_TIME);
	return 0;
}

const uint8_t *
entry_prev(const uint8_t *p)
{
	return p + HDR_PREV;
}

/* The encoding's version: 1 or 2 by kind unless the entry names one. */
static int
entry_ver(const struct al_entry *e)
{
	if (e->version != 0)
		return e->version;
	return e->kind == AL_KIND_CHECKPOINT ? 2 : 1;
}

size_t
entry_customer_at(const struct al_entry *e)
{
	size_t	at, i;

	at = HDR_LEN + 4 + e->service.n + 4 + e->host.n + 4 + 4;
	if (entry_ver(e) == 3) {
		at += 4 + 1 + 4 + e->user.n + 1;
		for (i = 0; i < e->ngroups; i++)
			at += 4 + 4 + e->gname[i].n;
	}
	return at + 4 + e->actor.n + 4;	/* the customer's bytes */
}

/*
 * What version 3 alone holds: kinds 4 to 7 and codes 8 and 9.  Version 3
 * holds kinds 1 to 7; the identity facts must be as a reader accepts
 * them.  0, or the reason in why.
 */
static int
ver_ok(int ver, int kind, int code, char *why, size_t whylen)
{
	if (ver == 3) {
		if (kind < AL_KIND_ACCESS || kind > AL_KIND_REJECTION) {
			snprintf(why, whylen, "unknown entry kind %d", kind);
			return -1;
		}
		return 0;
	}
	if (kind >= AL_KIND_FLOOR && kind <= AL_KIND_REJECTION) {
		snprintf(why, whylen, "entry kind %d in format version %d",
		    kind, ver);
		return -1;
	}
	/* One encoding per entry: kinds 1 and 2 are version 1, 3 is 2. */
	if ((kind == AL_KIND_CHECKPOINT) != (ver == 2)) {
		snprintf(why, whylen, "entry kind %d in format version %d",
		    kind, ver);
		return -1;
	}
	if (kind == AL_KIND_ACCESS && code >= AL_WRITER_NOT_ALLOWED) {
		snprintf(why, whylen, "decision code %d in format version %d",
		    code, ver);
		return -1;
	}
	return 0;
}

static int
put_u8(struct buf *b, unsigned v)
{
	uint8_t	x = (uint8_t)v;

	return buf_add(b, &x, 1);
}

/* Version 3's identity facts, after the uid. */
static int
put_ident(struct buf *b, const struct al_entry *e)
{
	size_t	i;
	int	rc;

	if (e->attested < 0 || e->attested > 1 ||
	    e->ngroups > AL_MAX_GROUPS)
		return AL_EINVAL;
	for (i = 1; i < e->ngroups; i++)
		if (e->gids[i] <= e->gids[i - 1])
			return AL_EINVAL;
	if ((rc = put_u32(b, e->gid)) != 0 ||
	    (rc = put_u8(b, (unsigned)e->attested)) != 0 ||
	    (rc = put_str(b, &e->user)) != 0 ||
	    (rc = put_u8(b, (unsigned)e->ngroups)) != 0)
		return rc;
	for (i = 0; i < e->ngroups; i++)
		if ((rc = put_u32(b, e->gids[i])) != 0 ||
		    (rc = put_str(b, &e->gname[i])) != 0)
			return rc;
	return 0;
}

int
entry_encode(const struct al_entry *e, struct buf *b)
{
	uint8_t	hdr[HDR_LEN];
	uint8_t	dec[2];
	char	why[64];
	int	ver = entry_ver(e), rc;

	b->n = 0;
	/*
	 * Kinds 1 and 2 keep version 1's bytes and version 2 adds kind 3,
	 * unless the entry is of version 3 (what a log of format 6 writes).
	 */
	if (ver < 1 || ver > 3 || ver_ok(ver, e->kind, e->code, why,
	    sizeof(why)) != 0)
		return AL_EINVAL;
	hdr[0] = (uint8_t)ver;
	hdr[1] = (uint8_t)e->kind;
	put_be64(hdr + 2, e->seq);
	put_be64(hdr + 10, e->time_ns);
	memcpy(hdr + 18, e->prev, AL_HASH_LEN);
	if ((rc = buf_add(b, hdr, sizeof(hdr))) != 0 ||
	    (rc = put_str(b, &e->service)) != 0 ||
	    (rc = put_str(b, &e->host)) != 0 ||
	    (rc = put_u32(b, e->pid)) != 0 ||
	    (rc = put_u32(b, e->uid)) != 0 ||
	    (ver == 3 && (rc = put_ident(b, e)) != 0) ||
	    (rc = put_str(b, &e->actor)) != 0)
		return rc;
	switch (e->kind) {
	case AL_KIND_ACCESS:
		dec[0] = (uint8_t)e->allow;
		dec[1] = (uint8_t)e->code;
		if ((rc = put_str(b, &e->customer)) != 0 ||
		    (rc = put_str(b, &e->data)) != 0 ||
		    (rc = put_str(b, &e->action)) != 0 ||
		    (rc = put_str(b, &e->resource)) != 0 ||
		    (rc = put_str(b, &e->purpose)) != 0 ||
		    (rc = put_str(b, &e->ref)) != 0 ||
		    (rc = put_str(b, &e->reason)) != 0 ||
		    (rc = buf_add(b, dec, 2)) != 0 ||
		    (rc = put_str(b, &e->rule)) != 0 ||
		    (rc = put_str(b, &e->detail)) != 0 ||
		    (rc = buf_add(b, e->policy, AL_HASH_LEN)) != 0)
			return rc;
		break;
	case AL_KIND_POLICY:
	case AL_KIND_FLOOR:
	case AL_KIND_PROPOSAL:
		if ((rc = put_str(b, &e->name)) != 0 ||
		    (rc = put_str(b, &e->text)) != 0 ||
		    (rc = buf_add(b, e->digest, AL_HASH_LEN)) != 0)
			return rc;
		if (e->kind == AL_KIND_FLOOR) {
			if (e->approvers < 1 || e->approvers > 9)
				return AL_EINVAL;
			if ((rc = put_u8(b, e->approvers)) != 0)
				return rc;
		} else if (e->kind == AL_KIND_PROPOSAL) {
			put_be64(hdr, e->expires_ns);
			if ((rc = buf_add(b, hdr, 8)) != 0)
				return rc;
		}
		break;
	case AL_KIND_APPROVAL:
	case AL_KIND_REJECTION:
		if ((rc = buf_add(b, e->digest, AL_HASH_LEN)) != 0)
			return rc;
		break;
	case AL_KIND_CHECKPOINT:
		put_be64(hdr, e->tree_size);
		if ((rc = buf_add(b, hdr, 8)) != 0 ||
		    (rc = buf_add(b, e->tree_root, AL_HASH_LEN)) != 0 ||
		    (rc = put_str(b, &e->note)) != 0)
			return rc;
		break;
	default:
		return AL_EINVAL;
	}
	return 0;
}

/*
 * Decoding never trusts a length: every read is checked against what is
 * left, and the entry must end exactly where its last field does.
 *
 * The strings are not copied one at a time: the encoding is copied once
 * into the store, each string points into that copy, and its NUL goes
 * over the first byte of what follows it there (a length, a number, a
 * digest, or the one byte past the end).  Every read is of the original,
 * so nothing overwritten in the copy is needed again.
 */
struct rd {
	const uint8_t	*p;
	size_t		 left;
	const uint8_t	*base;		/* the original */
	uint8_t		*copy;		/* its bytes, and one more */
	const char	*field;
};

static int
get_str(struct rd *r, const char *field, struct al_str *s)
{
	uint32_t	n;
	size_t		off;

	r->field = field;
	if (r->left < 4)
		return -1;
	n = get_be32(r->p);
	if (n > r->left - 4)
		return -1;
	off = (size_t)(r->p - r->base) + 4;
	r->copy[off + n] = '\0';
	s->p = (const char *)r->copy + off;
	s->n = n;
	r->p += 4 + (size_t)n;
	r->left -= 4 + (size_t)n;
	return 0;
}

static int
get_bytes(struct rd *r, const char *field, void *out, size_t n)
{
	r->field = field;
	if (r->left < n)
		return -1;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static int
get_u32(struct rd *r, const char *field, uint32_t *v)
{
	r->field = field;
	if (r->left < 4)
		return -1;
	*v = get_be32(r->p);
	r->p += 4;
	r->left -= 4;
	return 0;
}

int
entry_parse(const uint8_t *p, size_t n, struct al_entry *e,
    uint8_t **store, size_t *storecap, char *why, size_t whylen)
{
	static const char	empty[] = "";
	struct rd		 r;
	uint8_t			 dec[2], dec8[8];
	size_t			 i;
	uint8_t			*s;

	memset(e, 0, sizeof(*e));
	if (n + 1 > *storecap) {
		if ((s = realloc(*store, n + 1)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		*store = s;
		*storecap = n + 1;
	}
	if (n < HDR_LEN) {
		snprintf(why, whylen, "entry is %zu bytes, shorter than its "
		    "header", n);
		return -1;
	}
	if (p[0] < 1 || p[0] > 3) {
		snprintf(why, whylen, "unknown format version %u", p[0]);
		return -1;
	}
	e->version = p[0];
	e->kind = p[1];
	if (ver_ok(e->version, e->kind, 0, why, whylen) != 0)
		return -1;
	memcpy(*store, p, n);
	r.p = p + HDR_LEN;
	r.left = n - HDR_LEN;
	r.base = p;
	r.copy = *store;
	e->seq = get_be64(p + 2);
	e->time_ns = get_be64(p + 10);
	memcpy(e->prev, p + 18, AL_HASH_LEN);
#define STR(name, field) \
	do { if (get_str(&r, name, &e->field) != 0) goto trunc; } while (0)
	STR("service", service);
	STR("host", host);
	if (get_u32(&r, "pid", &e->pid) || get_u32(&r, "uid", &e->uid))
		goto trunc;
	if (e->version == 3) {
		if (get_u32(&r, "gid", &e->gid) ||
		    get_bytes(&r, "attested", dec, 1))
			goto trunc;
		if (dec[0] > 1) {
			snprintf(why, whylen, "invalid attested byte %u",
			    dec[0]);
			return -1;
		}
		e->attested = dec[0];
		STR("user", user);
		if (get_bytes(&r, "groups", dec, 1))
			goto trunc;
		if (dec[0] > AL_MAX_GROUPS) {
			snprintf(why, whylen, "%u groups, more than %d",
			    dec[0], AL_MAX_GROUPS);
			return -1;
		}
		e->ngroups = dec[0];
		for (i = 0; i < e->ngroups; i++) {
			if (get_u32(&r, "group", &e->gids[i]))
				goto trunc;
			if (i > 0 && e->gids[i] <= e->gids[i - 1]) {
				snprintf(why, whylen, "group %u after group "
				    "%u: the groups are not in ascending "
				    "order", e->gids[i], e->gids[i - 1]);
				return -1;
			}
			STR("group name", gname[i]);
		}
	}
	STR("actor", actor);
	switch (e->kind) {
	case AL_KIND_ACCESS:
		STR("customer", customer);
		STR("data", data);
		STR("action", action);
		STR("resource", resource);
		STR("purpose", purpose);
		STR("ref", ref);
		STR("reason", reason);
		if (get_bytes(&r, "decision", dec, 2) != 0)
			goto trunc;
		if (dec[0] > 1 || dec[1] >= AL_NCODES ||
		    (dec[0] == 1) != (dec[1] == AL_ALLOWED) ||
		    (e->version != 3 && dec[1] >= AL_WRITER_NOT_ALLOWED)) {
			snprintf(why, whylen, "invalid decision bytes %u %u",
			    dec[0], dec[1]);
			return -1;
		}
		e->allow = dec[0];
		e->code = dec[1];
		STR("rule", rule);
		STR("detail", detail);
		if (get_bytes(&r, "policy digest", e->policy, AL_HASH_LEN))
			goto trunc;
		break;
	case AL_KIND_POLICY:
	case AL_KIND_FLOOR:
	case AL_KIND_PROPOSAL:
		STR("name", name);
		STR("text", text);
		if (get_bytes(&r, "digest", e->digest, AL_HASH_LEN))
			goto trunc;
		if (e->kind == AL_KIND_FLOOR) {
			if (get_bytes(&r, "approvers", dec, 1))
				goto trunc;
			if (dec[0] < 1 || dec[0] > 9) {
				snprintf(why, whylen, "approvers %u, not 1 "
				    "to 9", dec[0]);
				return -1;
			}
			e->approvers = dec[0];
		} else if (e->kind == AL_KIND_PROPOSAL) {
			if (get_bytes(&r, "expires", dec8, 8))
				goto trunc;
			e->expires_ns = get_be64(dec8);
		}
		break;
	case AL_KIND_APPROVAL:
	case AL_KIND_REJECTION:
		if (get_bytes(&r, "digest", e->digest, AL_HASH_LEN))
			goto trunc;
		break;
	case AL_KIND_CHECKPOINT:
		if (get_bytes(&r, "tree size", dec8, 8) ||
		    get_bytes(&r, "tree root", e->tree_root, AL_HASH_LEN))
			goto trunc;
		e->tree_size = get_be64(dec8);
		STR("note", note);
		break;
	default:
		snprintf(why, whylen, "unknown entry kind %d", e->kind);
		return -1;
	}
#undef STR
	if (r.left != 0) {
		snprintf(why, whylen, "%zu bytes after the last field",
		    r.left);
		return -1;
	}
	/* Fields the kind does not have read as empty strings. */
	{
		struct al_str *all[] = { &e->customer, &e->data, &e->action,
		    &e->resource, &e->purpose, &e->ref, &e->reason, &e->rule,
		    &e->detail, &e->name, &e->text, &e->note, &e->user };

		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (all[i]->p == NULL)
				all[i]->p = empty;
	}
	return 0;
trunc:
	snprintf(why, whylen, "entry ends inside its %s field", r.field);
	return -1;
}

int
entry_decode(const uint8_t *p, size_t n, struct al_entry *e,
    uint8_t **store, size_t *storecap, char *why, size_t whylen)
{
	if (entry_parse(p, n, e, store, storecap, why, whylen) != 0)
		return -1;
	entry_hash(p, n, e->hash);
	return 0;
}
