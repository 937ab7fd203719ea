/*
 * merkle.c - tests of the Merkle tree: the published RFC 6962 vectors of
 * the Certificate Transparency project, a plain recursive implementation
 * on many sizes, every kind of damaged proof, multi-leaf proofs, and the
 * tree a real log keeps.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "al_int.h"
#include "tap.h"

typedef uint8_t hash_t[AL_HASH_LEN];

/* A tree in memory: nodes by post-order place, as the log stores them. */
struct mem {
	hash_t		*node;
	size_t		 n, cap;
};

static int
mem_put(void *arg, uint64_t pos, const uint8_t *h)
{
	struct mem	*m = arg;

	if (pos != m->n)
		return AL_EINVAL;	/* appends only, in order */
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		if ((m->node = realloc(m->node, m->cap * sizeof(hash_t))) ==
		    NULL)
			abort();
	}
	memcpy(m->node[m->n++], h, AL_HASH_LEN);
	return 0;
}

static int
mem_get(void *arg, uint64_t pos, uint8_t *out)
{
	struct mem	*m = arg;

	if (pos >= m->n)
		return AL_ECORRUPT;
	memcpy(out, m->node[pos], AL_HASH_LEN);
	return 0;
}

/* The reference: RFC 9162's definitions, recursively, over leaf hashes. */
static void
ref_mth(const hash_t *leaf, uint64_t n, uint8_t *out)
{
	uint8_t		l[AL_HASH_LEN], r[AL_HASH_LEN];
	uint64_t	k;

	if (n == 0) {
		sha256("", 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, leaf[0], AL_HASH_LEN);
		return;
	}
	for (k = 1; k * 2 < n; k *= 2)
		;
	ref_mth(leaf, k, l);
	ref_mth(leaf + k, n - k, r);
	mt_node(l, r, out);
}

static void
ref_path(const hash_t *leaf, uint64_t m, uint64_t n, struct al_proof *p)
{
	uint64_t	k;

	if (n <= 1)
		return;
	for (k = 1; k * 2 < n; k *= 2)
		;
	if (m < k) {
		ref_path(leaf, m, k, p);
		ref_mth(leaf + k, n - k, p->hash[p->n++]);
	} else {
		ref_path(leaf + k, m - k, n - k, p);
		ref_mth(leaf, k, p->hash[p->n++]);
	}
}

static void
ref_sub(const hash_t *leaf, uint64_t m, uint64_t n, int b, struct al_proof *p)
{
	uint64_t	k;

	if (m == n) {
		if (!b)
			ref_mth(leaf, n, p->hash[p->n++]);
		return;
	}
	for (k = 1; k * 2 < n; k *= 2)
		;
	if (m <= k) {
		ref_sub(leaf, m, k, b, p);
		ref_mth(leaf + k, n - k, p->hash[p->n++]);
	} else {
		ref_sub(leaf + k, m - k, n - k, 0, p);
		ref_mth(leaf, k, p->hash[p->n++]);
	}
}

static void
unhex(const char *s, uint8_t *out)
{
	if (al_unhex(s, out, AL_HASH_LEN) != 0)
		abort();
}

static int
same_proof(const struct al_proof *a, const struct al_proof *b)
{
	return a->n == b->n && memcmp(a->hash, b->hash,
	    a->n * AL_HASH_LEN) == 0;
}

/* The vectors of RFC 6962's reference tests (certificate-transparency). */
static void
test_vectors(void)
{
	static const char *const data[8] = { "", "\x00", "\x10", "\x20\x21",
	    "\x30\x31", "\x40\x41\x42\x43", "\x50\x51\x52\x53\x54\x55\x56\x57",
	    "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f" };
	static const size_t dlen[8] = { 0, 1, 1, 2, 2, 4, 8, 16 };
	static const char *const roots[9] = {
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	static const struct {
		int		 consistency;
		uint64_t	 a, size;
		size_t		 n;
		const char	*h[3];
	} proofs[] = {
	    { 0, 0, 8, 3, {
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	    { 0, 5, 8, 3, {
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	    { 1, 2, 8, 2, {
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	    { 1, 6, 8, 3, {
	    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	    { 1, 2, 5, 2, {
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	    { 1, 1, 8, 3, {
	    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	    { 0, 2, 3, 1, {
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
	    { 0, 1, 5, 3, {
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	    { 0, 0, 1, 0, { NULL } },
	};
	struct mem	 m = { 0 };
	struct mt_edge	 e;
	struct mt_src	 src = { mem_get, &m };
	struct al_proof	 p, want;
	uint8_t		 leaf[AL_HASH_LEN], root[AL_HASH_LEN], r[AL_HASH_LEN];
	char		 why[200];
	size_t		 i, j;
	int		 ok;

	memset(&e, 0, sizeof(e));
	mt_root(&e, root);
	unhex(roots[0], r);
	check(memcmp(root, r, AL_HASH_LEN) == 0, "vectors: the empty tree's "
	    "root is SHA-256 of nothing");
	for (i = 0; i < 8; i++) {
		entry_hash((const uint8_t *)data[i], dlen[i], leaf);
		if (mt_push(&e, leaf, mem_put, &m) != 0)
			abort();
		mt_root(&e, root);
		unhex(roots[i + 1], r);
		check(memcmp(root, r, AL_HASH_LEN) == 0, "vectors: the root of "
		    "%zu leaves is RFC 6962's", i + 1);
		check(mt_range(&src, 0, i + 1, root) == 0 &&
		    memcmp(root, r, AL_HASH_LEN) == 0, "vectors: ...and so is "
		    "the root made from stored nodes");
	}
	for (i = 0; i < sizeof(proofs) / sizeof(proofs[0]); i++) {
		memset(&want, 0, sizeof(want));
		want.n = proofs[i].n;
		for (j = 0; j < want.n; j++)
			unhex(proofs[i].h[j], want.hash[j]);
		if (proofs[i].consistency) {
			ok = mt_consistency(&src, proofs[i].a, proofs[i].size,
			    &p) == 0;
			check(ok && same_proof(&p, &want), "vectors: the "
			    "consistency proof from %llu to %llu",
			    (unsigned long long)proofs[i].a,
			    (unsigned long long)proofs[i].size);
			check(al_check_consistency(&p, why, sizeof(why)) == 0,
			    "vectors: ...checks");
		} else {
			ok = mt_inclusion(&src, proofs[i].a, proofs[i].size,
			    &p) == 0;
			check(ok && same_proof(&p, &want), "vectors: the "
			    "inclusion proof of leaf %llu in %llu",
			    (unsigned long long)proofs[i].a,
			    (unsigned long long)proofs[i].size);
			check(al_check_inclusion(&p, why, sizeof(why)) == 0,
			    "vectors: ...checks");
		}
	}
	free(m.node);
}

static uint64_t	rng = 88172645463325252ULL;

static uint64_t
rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

/*
 * The true root of every tree size, for proofs moved to another size: a
 * proof checked against another size must fail with that size's root (a
 * size alone, with the old root, is no claim anyone signs).
 */
static hash_t	*all_roots;
static uint64_t	 nroots;

static void
resize(struct al_proof *p, uint64_t index, uint64_t size, int consistency)
{
	p->index = index;
	p->size = size;
	if (size < nroots)
		memcpy(p->root, all_roots[size], AL_HASH_LEN);
	if (consistency && index < nroots)
		memcpy(p->old_root, all_roots[index], AL_HASH_LEN);
}

/* Each way of damaging a good proof; every one must fail its check. */
static int
damaged_fails(const struct al_proof *good, int consistency, char *what,
    size_t len)
{
	struct al_proof	 p;
	char		 why[200];
	size_t		 i;
	int		 (*chk)(const struct al_proof *, char *, size_t) =
			    consistency ? al_check_consistency :
			    al_check_inclusion;

#define MUST_FAIL(desc) do { if (chk(&p, why, sizeof(why)) == 0) { \
	snprintf(what, len, "%s", desc); return 0; } } while (0)
	for (i = 0; i < good->n; i++) {
		p = *good;
		p.hash[i][rnd(AL_HASH_LEN)] ^= (uint8_t)(1 << rnd(8));
		MUST_FAIL("a flipped bit in a hash");
	}
	p = *good;
	p.root[rnd(AL_HASH_LEN)] ^= 0x10;
	MUST_FAIL("a flipped bit in the root");
	if (!consistency) {
		p = *good;
		p.leaf[0] ^= 1;
		MUST_FAIL("another leaf");
	} else {
		p = *good;
		p.old_root[31] ^= 1;
		MUST_FAIL("another old root");
	}
	if (good->n > 0) {
		p = *good;
		p.n--;
		MUST_FAIL("a hash missing");
	}
	p = *good;
	if (p.n < AL_PROOF_MAX) {
		memset(p.hash[p.n++], 0xab, AL_HASH_LEN);
		MUST_FAIL("a hash too many");
	}
	if (good->size + 1 < nroots) {
		p = *good;
		resize(&p, good->index, good->size + 1, consistency);
		MUST_FAIL("the next size, with its root");
	}
	if (good->size - 1 > good->index) {
		p = *good;
		resize(&p, good->index, good->size - 1, consistency);
		MUST_FAIL("the size before, with its root");
	}
	if (2 * good->size < nroots) {
		p = *good;
		resize(&p, good->index, 2 * good->size, consistency);
		MUST_FAIL("twice the size, with its root");
	}
	if (good->index > 1 || (!consistency && good->index > 0)) {
		p = *good;
		resize(&p, good->index - 1, good->size, consistency);
		MUST_FAIL("an index one lower");
	}
	if (good->index + 1 < good->size) {
		p = *good;
		resize(&p, good->index + 1, good->size, consistency);
		MUST_FAIL("an index one higher");
	}
	if (good->n >= 2 && memcmp(good->hash[0], good->hash[1],
	    AL_HASH_LEN) != 0) {
		p = *good;
		memcpy(p.hash[0], good->hash[1], AL_HASH_LEN);
		memcpy(p.hash[1], good->hash[0], AL_HASH_LEN);
		MUST_FAIL("two hashes swapped");
	}
#undef MUST_FAIL
	return 1;
}

static void
test_against_reference(void)
{
	enum { MAXN = 2100 };
	struct mem	 m = { 0 };
	struct mt_edge	 e;
	struct mt_src	 src = { mem_get, &m };
	struct al_proof	 p, r;
	hash_t		*leaf;
	uint8_t		 a[AL_HASH_LEN], b[AL_HASH_LEN], x[8];
	char		 why[200], what[100] = "";
	uint64_t	 n, i, s, t;
	long		 roots = 0, incl = 0, cons = 0, bad_root = 0;
	long		 bad_incl = 0, bad_cons = 0, undamaged = 0, trials;

	if ((leaf = calloc(MAXN, sizeof(hash_t))) == NULL ||
	    (all_roots = calloc(MAXN + 1, sizeof(hash_t))) == NULL)
		abort();
	nroots = MAXN + 1;
	memset(&e, 0, sizeof(e));
	for (n = 1; n <= MAXN; n++) {
		put_be64(x, n);
		entry_hash(x, sizeof(x), leaf[n - 1]);
	}
	for (n = 0; n <= MAXN; n++)
		ref_mth(leaf, n, all_roots[n]);
	for (n = 1; n <= MAXN; n++) {
		if (mt_push(&e, leaf[n - 1], mem_put, &m) != 0)
			abort();
		mt_root(&e, a);
		memcpy(b, all_roots[n], AL_HASH_LEN);
		roots++;
		if (memcmp(a, b, AL_HASH_LEN) != 0)
			bad_root++;
		/* every leaf of small trees, a few of the others */
		trials = n <= 70 ? (long)n : 6;
		for (; trials > 0; trials--) {
			i = n <= 70 ? (uint64_t)trials - 1 : rnd(n);
			memset(&r, 0, sizeof(r));
			ref_path(leaf, i, n, &r);
			incl++;
			if (mt_inclusion(&src, i, n, &p) != 0 ||
			    !same_proof(&p, &r) ||
			    al_check_inclusion(&p, why, sizeof(why)) != 0) {
				bad_incl++;
				continue;
			}
			if (!damaged_fails(&p, 0, what, sizeof(what)))
				undamaged++;
		}
		trials = n <= 70 ? (long)n : 6;
		for (; trials > 0; trials--) {
			s = n <= 70 ? (uint64_t)trials : 1 + rnd(n);
			t = n;
			memset(&r, 0, sizeof(r));
			if (s < t)
				ref_sub(leaf, s, t, 1, &r);
			cons++;
			if (mt_consistency(&src, s, t, &p) != 0 ||
			    !same_proof(&p, &r) ||
			    al_check_consistency(&p, why, sizeof(why)) != 0) {
				bad_cons++;
				continue;
			}
			if (s < t && !damaged_fails(&p, 1, what, sizeof(what)))
				undamaged++;
		}
	}
	check(bad_root == 0, "reference: %ld roots of 1 to %d leaves, %ld "
	    "differ from the recursive definition", roots, MAXN, bad_root);
	check(bad_incl == 0, "reference: %ld inclusion proofs, %ld differ or "
	    "fail their check", incl, bad_incl);
	check(bad_cons == 0, "reference: %ld consistency proofs, %ld differ "
	    "or fail their check", cons, bad_cons);
	check(undamaged == 0, "damage: every damaged proof (flipped bits, a "
	    "hash missing or too many, swapped, moved to another size or "
	    "index with that one's root) fails: %ld passed%s%s", undamaged,
	    what[0] ? ", e.g. " : "", what);
	/* Proofs for a smaller tree from the same stored nodes. */
	bad_incl = 0;
	for (trials = 0; trials < 300; trials++) {
		t = 1 + rnd(MAXN);
		i = rnd(t);
		memset(&r, 0, sizeof(r));
		ref_path(leaf, i, t, &r);
		if (mt_inclusion(&src, i, t, &p) != 0 || !same_proof(&p, &r) ||
		    al_check_inclusion(&p, why, sizeof(why)) != 0)
			bad_incl++;
	}
	check(bad_incl == 0, "reference: 300 proofs in older trees of the "
	    "same nodes, %ld bad", bad_incl);
	free(all_roots);
	all_roots = NULL;
	nroots = 0;
	free(leaf);
	free(m.node);
}

static void
test_edges(void)
{
	struct al_proof	 p;
	char		 why[200];

	memset(&p, 0, sizeof(p));
	p.index = 3;
	p.size = 3;
	check(al_check_inclusion(&p, why, sizeof(why)) != 0 &&
	    strstr(why, "below") != NULL, "an inclusion proof whose index is "
	    "not below the size is refused: %s", why);
	p.index = 0;
	p.size = 0;
	check(al_check_inclusion(&p, why, sizeof(why)) != 0,
	    "an inclusion proof in the empty tree is refused: %s", why);
	p.index = 0;
	p.size = 8;
	p.n = 0;
	sha256("", 0, p.old_root);
	check(al_check_consistency(&p, why, sizeof(why)) != 0 &&
	    strstr(why, "size 0") != NULL, "an empty proof from size 0 is "
	    "refused: %s", why);
	p.index = 5;
	p.size = 8;
	p.n = 0;
	check(al_check_consistency(&p, why, sizeof(why)) != 0,
	    "an empty proof between different sizes is refused: %s", why);
	p.index = 9;
	p.size = 8;
	check(al_check_consistency(&p, why, sizeof(why)) != 0,
	    "a proof from a larger size to a smaller one is refused: %s",
	    why);
	p.index = 8;
	p.size = 8;
	memset(p.old_root, 1, AL_HASH_LEN);
	memset(p.root, 1, AL_HASH_LEN);
	check(al_check_consistency(&p, why, sizeof(why)) == 0,
	    "equal sizes with equal roots and no hashes are consistent");
	p.root[0] = 2;
	check(al_check_consistency(&p, why, sizeof(why)) != 0,
	    "equal sizes with different roots are not: %s", why);
	p.root[0] = 1;
	p.n = 1;
	check(al_check_consistency(&p, why, sizeof(why)) != 0,
	    "equal sizes with a hash are not: %s", why);
}

struct gap {
	const struct mt_src	*src;
	struct al_proof		*p;	/* the proof's hashes, in order */
	int			 rc;
};

static int
gap_node(void *arg, uint64_t lo, uint64_t hi)
{
	struct gap	*g = arg;

	if (g->p->n >= AL_PROOF_MAX)
		return AL_EINVAL;
	return mt_range(g->src, lo, hi, g->p->hash[g->p->n++]);
}

/* Record the places of a gap's nodes, for the checker side. */
struct places {
	uint64_t	lo[AL_PROOF_MAX], hi[AL_PROOF_MAX];
	size_t		n;
};

static int
place(void *arg, uint64_t lo, uint64_t hi)
{
	struct places	*pl = arg;

	if (pl->n >= AL_PROOF_MAX)
		return AL_EINVAL;
	pl->lo[pl->n] = lo;
	pl->hi[pl->n++] = hi;
	return 0;
}

/*
 * A checker as verify-export is one: from the leaves, their places and the
 * proof's hashes only (no stored tree), push everything left to right.
 */
static int
multi_check(const hash_t *leaf, const uint64_t *in, size_t k, uint64_t n,
    const struct al_proof *p, const uint8_t *root)
{
	static struct mt_multi	mm;
	struct places		pl;
	uint8_t			r[AL_HASH_LEN];
	uint64_t		prev = 0, end;
	size_t			i, j, used = 0;

	memset(&mm, 0, sizeof(mm));
	mm.size = n;
	for (i = 0; i <= k; i++) {
		end = i < k ? in[i] : n;
		pl.n = 0;
		if (mt_cover(prev, end, n, place, &pl) != 0)
			return -1;
		for (j = 0; j < pl.n; j++) {
			if (used >= p->n)
				return -1;
			if (mt_multi_push(&mm, pl.lo[j], pl.hi[j],
			    p->hash[used++]) != 0)
				return -1;
		}
		if (i < k && mt_multi_push(&mm, in[i], in[i] + 1,
		    leaf[in[i]]) != 0)
			return -1;
		prev = end + 1;
	}
	if (used != p->n)
		return -1;
	if (mt_multi_root(&mm, r) != 0)
		return -1;
	return memcmp(r, root, AL_HASH_LEN) == 0 ? 0 : -1;
}

static void
test_multi(void)
{
	enum { MAXN = 300 };
	struct mem	 m = { 0 };
	struct mt_edge	 e;
	struct mt_src	 src = { mem_get, &m };
	static struct al_proof p;
	struct gap	 g = { &src, &p, 0 };
	hash_t		*leaf;
	uint64_t	 in[MAXN], n, prev, i;
	uint8_t		 root[AL_HASH_LEN], x[8];
	size_t		 k;
	long		 good = 0, bad = 0, damaged = 0, passed = 0, longest = 0;
	int		 t, d;

	if ((leaf = calloc(MAXN, sizeof(hash_t))) == NULL)
		abort();
	memset(&e, 0, sizeof(e));
	for (n = 1; n <= MAXN; n++) {
		put_be64(x, n ^ 0x5555);
		entry_hash(x, sizeof(x), leaf[n - 1]);
		if (mt_push(&e, leaf[n - 1], mem_put, &m) != 0)
			abort();
		mt_root(&e, root);
		for (t = 0; t < 8; t++) {
			/* a random subset: none, sparse, dense or all */
			k = 0;
			for (i = 0; i < n; i++)
				if (t == 7 || (t > 0 && rnd(8) < (uint64_t)t))
					in[k++] = i;
			for (d = 0; d < 4; d++) {
				p.n = 0;
				prev = 0;
				for (i = 0; i < k; i++) {
					if (mt_cover(prev, in[i], n, gap_node,
					    &g) != 0)
						abort();
					prev = in[i] + 1;
				}
				if (mt_cover(prev, n, n, gap_node, &g) != 0)
					abort();
				if ((long)p.n > longest)
					longest = (long)p.n;
				if (d == 1 && p.n > 0)
					p.hash[rnd(p.n)][rnd(32)] ^= 4;
				if (d == 2 && p.n > 0)
					p.n--;
				if (d == 3)
					memset(p.hash[p.n++], 7, AL_HASH_LEN);
				if (d == 1 && k > 0 && p.n == 0)
					continue;	/* nothing to damage */
				if (d == 2 && p.n == 0 && k == n)
					continue;
				if (d == 0) {
					good++;
					if (multi_check(leaf, in, k, n, &p,
					    root) != 0)
						bad++;
				} else {
					damaged++;
					if (multi_check(leaf, in, k, n, &p,
					    root) == 0)
						passed++;
				}
			}
			if (k > 0) {
				/* a leaf hash changed must fail too */
				hash_t	save;

				p.n = 0;
				prev = 0;
				for (i = 0; i < k; i++) {
					if (mt_cover(prev, in[i], n, gap_node,
					    &g) != 0)
						abort();
					prev = in[i] + 1;
				}
				if (mt_cover(prev, n, n, gap_node, &g) != 0)
					abort();
				memcpy(save, leaf[in[0]], AL_HASH_LEN);
				leaf[in[0]][5] ^= 1;
				damaged++;
				if (multi_check(leaf, in, k, n, &p, root) == 0)
					passed++;
				memcpy(leaf[in[0]], save, AL_HASH_LEN);
			}
		}
	}
	check(bad == 0, "multi-leaf proofs: %ld of subsets of 1 to %d leaves, "
	    "%ld fail (at most %ld hashes)", good, MAXN, bad, longest);
	check(passed == 0, "multi-leaf proofs: %ld damaged (a hash flipped, "
	    "missing or extra, a leaf changed), %ld pass", damaged, passed);
	free(leaf);
	free(m.node);
}

/* The tree a real log keeps: the root over its entries, and proofs. */
static void
test_log(const char *tmp)
{
	struct al_init_opts	 io;
	struct al_access	 a;
	struct al_decision	 d;
	struct al_filter	 f;
	struct al_entry		 en;
	struct al_proof		 p;
	al_log			*l = NULL;
	al_iter			*it = NULL;
	hash_t			*leaf = NULL;
	uint8_t			 root[AL_HASH_LEN], want[AL_HASH_LEN];
	uint64_t		 size = 0, n = 0, s;
	char			 dir[512], why[200];
	int			 i, rc, bad = 0;

	snprintf(dir, sizeof(dir), "%s/tree", tmp);
	memset(&io, 0, sizeof(io));
	io.actor = "tester";
	if ((rc = al_init(dir, &io, &l)) != 0) {
		check(0, "log: init: %s", al_errmsg(l));
		goto done;
	}
	memset(&a, 0, sizeof(a));
	a.actor = "svc";
	a.customer = "c1";
	a.purpose = "service-provision";
	a.action = "read";
	for (i = 0; i < 40; i++)
		if (al_record(l, &a, &d) != 0)
			bad++;
	check(bad == 0, "log: 40 records");
	if ((leaf = calloc(64, sizeof(hash_t))) == NULL)
		abort();
	memset(&f, 0, sizeof(f));
	if (al_iter_open(l, &f, &it) != 0)
		goto done;
	while (n < 64 && (rc = al_iter_next(it, &en)) == 1)
		memcpy(leaf[n++], en.hash, AL_HASH_LEN);
	al_iter_close(it);
	it = NULL;
	/* the floor (seq 1), the policy (seq 2), then the 40 accesses;
	 * al_tree_head first, so that the message shows its size */
	rc = al_tree_head(l, &size, root);
	check(rc == 0 && size == n && n == 42,
	    "log: the tree has a leaf per entry (%llu, %llu)",
	    (unsigned long long)size, (unsigned long long)n);
	ref_mth(leaf, n, want);
	check(memcmp(root, want, AL_HASH_LEN) == 0, "log: its root is the "
	    "RFC 9162 root of the entry hashes");
	bad = 0;
	for (s = 1; s <= n; s++) {
		if (al_prove_inclusion(l, s, 0, &p) != 0 ||
		    memcmp(p.leaf, leaf[s - 1], AL_HASH_LEN) != 0 ||
		    memcmp(p.root, root, AL_HASH_LEN) != 0 ||
		    al_check_inclusion(&p, why, sizeof(why)) != 0)
			bad++;
		if (al_prove_consistency(l, s, 0, &p) != 0 ||
		    al_check_consistency(&p, why, sizeof(why)) != 0)
			bad++;
	}
	check(bad == 0, "log: every entry's inclusion proof and every "
	    "consistency proof to now check");
	check(al_prove_inclusion(l, n + 1, 0, &p) == AL_EINVAL,
	    "log: no proof for a seq past the head: %s", al_errmsg(l));
	check(al_prove_inclusion(l, 0, 0, &p) == AL_EINVAL,
	    "log: ...nor for seq 0");
	check(al_prove_inclusion(l, 2, n + 1, &p) == AL_EINVAL,
	    "log: ...nor in a tree larger than the log: %s", al_errmsg(l));
	check(al_prove_consistency(l, 0, 0, &p) == AL_EINVAL,
	    "log: no consistency proof from size 0: %s", al_errmsg(l));
	check(al_prove_inclusion(l, 3, 7, &p) == 0 && p.size == 7 &&
	    al_check_inclusion(&p, why, sizeof(why)) == 0, "log: a proof in "
	    "an older tree checks");
done:
	free(leaf);
	al_close(l);
}

int
main(void)
{
	char	tmp[] = "/tmp/auditlog-merkle.XXXXXX";
	char	cmd[64];

	if (mkdtemp(tmp) == NULL)
		return 2;
	test_vectors();
	test_against_reference();
	test_edges();
	test_multi();
	test_log(tmp);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		check(0, "remove %s", tmp);
	printf("1..%d\n", ntests);
	return nfailed ? 1 : 0;
}
