/*
 * merkle.c - the RFC 9162 (RFC 6962) Merkle tree over the entries:
 * hashing, the right edge kept as entries are appended, proofs from stored
 * nodes, and the checks of proofs (docs/FORMAT.md section 14).
 *
 * Leaf i of the tree is entry seq i + 1, and its leaf hash is the entry
 * hash.  Every complete subtree's hash is stored once, keyed by its place
 * in post-order, which is the order in which appending makes them: leaf i
 * is at 2i - popcount(i), and the subtree of height h whose last leaf is j
 * at pos(j) + h.
 */
#include <stdio.h>
#include <string.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>


#include "al_int.h"

void
mt_node(const uint8_t *l, const uint8_t *r,
    uint8_t *out)
{
	static const uint8_t	one = 0x01;
	SHA256_CTX		c;

	SHA256_Init(&c);
	SHA256_Update(&c, &one, 1);
	SHA256_Update(&c, l, AL_HASH_LEN);
	SHA256_Update(&c, r, AL_HASH_LEN);
	SHA256_Final(out, &c);
}

void
al_tree_node(const uint8_t l[AL_HASH_LEN], const uint8_t r[AL_HASH_LEN],
    uint8_t out[AL_HASH_LEN])
{
	mt_node(l, r, out);
}

/* The largest power of two below n (n >= 2): RFC 9162's split. */
uint64_t
mt_split(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

static int
pow2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* The post-order place of the complete subtree [lo, lo + 2^h). */
uint64_t
mt_pos(uint64_t lo, unsigned h)
{
	uint64_t	j = lo + ((uint64_t)1 << h) - 1;

	return 2 * j - (uint64_t)__builtin_popcountll(j) + h;
}

/*
 * Append a leaf to the edge: emit(pos, hash) for the leaf and for every
 * subtree it completes, in post-order.
 */
int
mt_push(struct mt_edge *e, const uint8_t *leaf,
    int (*emit)(void *, uint64_t, const uint8_t *), void *arg)
{
	uint8_t		h[AL_HASH_LEN];
	uint64_t	pos;
	unsigned	lvl;
	int		rc;

	if (e->size == UINT64_MAX >> 2)
		return AL_EINVAL;
	pos = mt_pos(e->size, 0);
	memcpy(h, leaf, AL_HASH_LEN);
	if (emit != NULL && (rc = emit(arg, pos, h)) != 0)
		return rc;
	for (lvl = 0; e->size & ((uint64_t)1 << lvl); lvl++) {
		mt_node(e->peak[--e->n], h, h);
		if (emit != NULL && (rc = emit(arg, pos + lvl + 1, h)) != 0)
			return rc;
	}
	memcpy(e->peak[e->n++], h, AL_HASH_LEN);
	e->size++;
	return 0;
}

/* The root of the tree the edge ends: its peaks folded from the right. */
void
mt_root(const struct mt_edge *e, uint8_t *out)
{
	uint8_t		r[AL_HASH_LEN];
	unsigned	i;

	if (e->n == 0) {
		sha256("", 0, out);
		return;
	}
	memcpy(r, e->peak[e->n - 1], AL_HASH_LEN);
	for (i = e->n - 1; i-- > 0; )
		mt_node(e->peak[i], r, r);
	memcpy(out, r, AL_HASH_LEN);
}

/* The stored form: size (8 bytes) then one hash per peak, largest first. */
size_t
mt_edge_len(uint64_t size)
{
	return 8 + (size_t)__builtin_popcountll(size) * AL_HASH_LEN;
}

void
mt_edge_put(const struct mt_edge *e, uint8_t *out)
{
	put_be64(out, e->size);
	memcpy(out + 8, e->peak, (size_t)e->n * AL_HASH_LEN);
}

int
mt_edge_get(struct mt_edge *e, const uint8_t *p, size_t n)
{
	if (n < 8)
		return -1;
	e->size = get_be64(p);
	if (n != mt_edge_len(e->size))
		return -1;
	e->n = (unsigned)__builtin_popcountll(e->size);
	memcpy(e->peak, p + 8, (size_t)e->n * AL_HASH_LEN);
	return 0;
}

/*
 * The hash of the tree node [lo, hi) of any tree, from stored complete
 * subtrees: a node that is not complete lies on a right edge, and is its
 * complete left part joined to the rest.  O(log n) reads.
 */
int
mt_range(const struct mt_src *s, uint64_t lo, uint64_t hi,
    uint8_t *out)
{
	uint8_t		l[AL_HASH_LEN];
	uint64_t	k;
	int		rc;

	if (hi <= lo)
		return AL_EINVAL;
	if (pow2(hi - lo)) {
		if (lo & (hi - lo - 1))
			return AL_EINVAL;
		return s->get(s->arg, mt_pos(lo,
		    (unsigned)__builtin_ctzll(hi - lo)), out);
	}
	k = mt_split(hi - lo);
	if ((rc = s->get(s->arg, mt_pos(lo, (unsigned)__builtin_ctzll(k)),
	    l)) != 0)
		return rc;
	if ((rc = mt_range(s, lo + k, hi, out)) != 0)
		return rc;
	mt_node(l, out, out);
	return 0;
}

static int
add(struct al_proof *p, const struct mt_src *s, uint64_t lo, uint64_t hi)
{
	if (p->n >= AL_PROOF_MAX)
		return AL_EINVAL;
	return mt_range(s, lo, hi, p->hash[p->n++]);
}

/* RFC 9162 2.1.3.1: PATH(m, D[lo:hi]), the deepest sibling first. */
static int
path(struct al_proof *p, const struct mt_src *s, uint64_t m, uint64_t lo,
    uint64_t hi)
{
	uint64_t	k;
	int		rc;

	if (hi - lo <= 1)
		return 0;
	k = mt_split(hi - lo);
	if (m < lo + k) {
		if ((rc = path(p, s, m, lo, lo + k)) != 0)
			return rc;
		return add(p, s, lo + k, hi);
	}
	if ((rc = path(p, s, m, lo + k, hi)) != 0)
		return rc;
	return add(p, s, lo, lo + k);
}

int
mt_inclusion(const struct mt_src *s, uint64_t index, uint64_t size,
    struct al_proof *p)
{
	int	rc;

	p->n = 0;
	if (index >= size)
		return AL_EINVAL;
	p->index = index;
	p->size = size;
	if ((rc = mt_range(s, index, index + 1, p->leaf)) != 0 ||
	    (rc = mt_range(s, 0, size, p->root)) != 0)
		return rc;
	return path(p, s, index, 0, size);
}

/* RFC 9162 2.1.4.1: SUBPROOF(m, D[lo:hi], b), m the old size. */
static int
subproof(struct al_proof *p, const struct mt_src *s, uint64_t m,
    uint64_t lo, uint64_t hi, int b)
{
	uint64_t	k;
	int		rc;

	if (m == hi)
		return b ? 0 : add(p, s, lo, hi);
	k = mt_split(hi - lo);
	if (m <= lo + k) {
		if ((rc = subproof(p, s, m, lo, lo + k, b)) != 0)
			return rc;
		return add(p, s, lo + k, hi);
	}
	if ((rc = subproof(p, s, m, lo + k, hi, 0)) != 0)
		return rc;
	return add(p, s, lo, lo + k);
}

int
mt_consistency(const struct mt_src *s, uint64_t from, uint64_t to,
    struct al_proof *p)
{
	int	rc;

	p->n = 0;
	if (from == 0 || from > to)
		return AL_EINVAL;
	p->index = from;
	p->size = to;
	memset(p->leaf, 0, AL_HASH_LEN);
	if ((rc = mt_range(s, 0, from, p->old_root)) != 0 ||
	    (rc = mt_range(s, 0, to, p->root)) != 0)
		return rc;
	if (from == to)
		return 0;
	return subproof(p, s, from, 0, to, 1);
}

static int
why(char *buf, size_t len, const char *msg)
{
	if (len > 0)
		snprintf(buf, len, "%s", msg);
	return AL_ECORRUPT;
}

/*
 * RFC 9162 2.1.3.2.  The leaf index must be below the size, and every
 * hash of the proof must be used: a proof with a hash too many or too few
 * fails, as does one that fits another size.
 */
int
al_check_inclusion(const struct al_proof *p, char *w, size_t wlen)
{
	uint8_t		r[AL_HASH_LEN];
	uint64_t	fn, sn;
	size_t		i;

	if (p->index >= p->size)
		return why(w, wlen, "the leaf index is not below the tree size");
	if (p->n > AL_PROOF_MAX)
		return why(w, wlen, "the proof is too long");
	fn = p->index;
	sn = p->size - 1;
	memcpy(r, p->leaf, AL_HASH_LEN);
	for (i = 0; i < p->n; i++) {
		if (sn == 0)
			return why(w, wlen, "the proof has more hashes than "
			    "the tree has levels");
		if ((fn & 1) || fn == sn) {
			mt_node(p->hash[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			mt_node(r, p->hash[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return why(w, wlen, "the proof has too few hashes for the tree "
		    "size");
	if (memcmp(r, p->root, AL_HASH_LEN) != 0)
		return why(w, wlen, "the proof does not lead to the root");
	return 0;
}

/*
 * RFC 9162 2.1.4.2, from a non-empty tree (index) to a tree of p->size.
 * Equal sizes need an empty proof and equal roots.  From size 0 there is
 * nothing to prove, and such a proof is refused rather than taken as
 * proving anything.
 */
int
al_check_consistency(const struct al_proof *p, char *w, size_t wlen)
{
	uint8_t		fr[AL_HASH_LEN], sr[AL_HASH_LEN];
	uint64_t	fn, sn;
	size_t		i = 0;

	if (p->index == 0)
		return why(w, wlen, "a consistency proof from size 0 proves "
		    "nothing");
	if (p->index > p->size)
		return why(w, wlen, "the old size is larger than the new one");
	if (p->n > AL_PROOF_MAX)
		return why(w, wlen, "the proof is too long");
	if (p->index == p->size) {
		if (p->n != 0)
			return why(w, wlen, "a proof between equal sizes must "
			    "be empty");
		if (memcmp(p->old_root, p->root, AL_HASH_LEN) != 0)
			return why(w, wlen, "equal sizes with different roots");
		return 0;
	}
	if (p->n == 0)
		return why(w, wlen, "the proof is empty");
	if (pow2(p->index)) {
		memcpy(fr, p->old_root, AL_HASH_LEN);
	} else {
		memcpy(fr, p->hash[0], AL_HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, AL_HASH_LEN);
	fn = p->index - 1;
	sn = p->size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < p->n; i++) {
		if (sn == 0)
			return why(w, wlen, "the proof has more hashes than "
			    "the trees need");
		if ((fn & 1) || fn == sn) {
			mt_node(p->hash[i], fr, fr);
			mt_node(p->hash[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			mt_node(sr, p->hash[i], sr);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return why(w, wlen, "the proof has too few hashes for the tree "
		    "sizes");
	if (memcmp(fr, p->old_root, AL_HASH_LEN) != 0)
		return why(w, wlen, "the proof does not lead to the old root");
	if (memcmp(sr, p->root, AL_HASH_LEN) != 0)
		return why(w, wlen, "the proof does not lead to the new root");
	return 0;
}

/*
 * The maximal nodes of the tree of size n that lie inside [a, b), left to
 * right: the hashes a multi-leaf proof gives for a gap between the leaves
 * it proves (docs/FORMAT.md 14.6).
 */
static int
cover(uint64_t lo, uint64_t hi, uint64_t a, uint64_t b,
    int (*fn)(void *, uint64_t, uint64_t), void *arg)
{
	uint64_t	k;
	int		rc;

	if (hi <= a || b <= lo)
		return 0;
	if (a <= lo && hi <= b)
		return fn(arg, lo, hi);
	k = mt_split(hi - lo);
	if ((rc = cover(lo, lo + k, a, b, fn, arg)) != 0)
		return rc;
	return cover(lo + k, hi, a, b, fn, arg);
}

int
mt_cover(uint64_t a, uint64_t b, uint64_t n,
    int (*fn)(void *, uint64_t, uint64_t), void *arg)
{
	if (a >= b || n == 0)
		return 0;
	return cover(0, n, a, b, fn, arg);
}

/* Whether [a, b) is a node of the tree of size n. */
int
mt_is_node(uint64_t a, uint64_t b, uint64_t n)
{
	uint64_t	lo = 0, hi = n, k;

	if (a >= b || b > n)
		return 0;
	for (;;) {
		if (lo == a && hi == b)
			return 1;
		if (hi - lo <= 1)
			return 0;
		k = mt_split(hi - lo);
		if (b <= lo + k)
			hi = lo + k;
		else if (a >= lo + k)
			lo = lo + k;
		else
			return 0;
	}
}

/*
 * The checker's side of a multi-leaf proof: nodes (leaves proven, and
 * the proof's hashes for the gaps) are pushed left to right, and siblings
 * joined as soon as both are there, so it keeps O(log n) hashes.
 */
int
mt_multi_push(struct mt_multi *m, uint64_t lo, uint64_t hi,
    const uint8_t *h)
{
	struct mt_item	*a, *b;

	if (m->n >= sizeof(m->st) / sizeof(m->st[0]))
		return AL_EINVAL;
	if (lo != m->next)
		return AL_EINVAL;
	m->st[m->n].lo = lo;
	m->st[m->n].hi = hi;
	memcpy(m->st[m->n].h, h, AL_HASH_LEN);
	m->n++;
	m->next = hi;
	while (m->n >= 2) {
		a = &m->st[m->n - 2];
		b = &m->st[m->n - 1];
		if (!mt_is_node(a->lo, b->hi, m->size))
			break;
		mt_node(a->h, b->h, a->h);
		a->hi = b->hi;
		m->n--;
	}
	return 0;
}

/* 0 when everything pushed made exactly the tree with root r. */
int
mt_multi_root(const struct mt_multi *m, uint8_t *out)
{
	if (m->size == 0) {
		sha256("", 0, out);
		return m->n == 0 ? 0 : AL_EINVAL;
	}
	if (m->n != 1 || m->st[0].lo != 0 || m->st[0].hi != m->size)
		return AL_EINVAL;
	memcpy(out, m->st[0].h, AL_HASH_LEN);
	return 0;
}
