/* al_int.h - libauditlog internals shared by the files of core/ */
#ifndef AL_INT_H
#define AL_INT_H

#include <sys/types.h>

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include "auditlog.h"

#define AL_ERRLEN	4096
#define AL_MAPSIZE	(256UL * 1024 * 1024)	/* initial map; it grows */

/* A growable byte buffer. */
struct buf {
	uint8_t	*p;
	size_t	 n, cap;
};

int	buf_reserve(struct buf *, size_t more);
int	buf_add(struct buf *, const void *, size_t);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_free(struct buf *);

int	write_all(int fd, const void *, size_t);

struct policy;

/* A policy-change entry and its policy, parsed once per entry. */
struct polcache {
	struct policy	*pol;
	uint64_t	 seq;
	uint8_t		*copy;		/* the decoded entry's storage */
	struct al_entry	 entry;
};

struct client;

struct al_log {
	MDB_env		*env;
	MDB_dbi		 entries, customer, policies, meta, tree;
	MDB_dbi		 time;		/* the time index */
	int		 flags;
	al_clock_fn	 clock;
	void		*clock_arg;
	char		 host[256];
	uint32_t	 pid, uid;	/* the origin of what it records */
	struct al_ident	 id;		/* ...in full: a writer's (al_open) */
	uint32_t	 format;	/* the log's (meta version) */
	int		 lockfd;	/* writer.lock, held; -1: none */
	struct polcache	 pc;		/* the active policy */
	struct buf	 ebuf;		/* the entry being appended */
	/* al_verify's list of policy versions */
	struct al_policy_ref *vpol;
	size_t		 nvpol;
	/* ...and of clock anomalies */
	struct al_clock_note *vclock;
	size_t		 nvclock;
	/* The writers' guard (store.c): an fd on data.mdb for flock, and
	 * the identity of the lock.mdb the environment opened. */
	int		 wfd;
	int		 lk_known;
	dev_t		 lk_dev;
	ino_t		 lk_ino;
	unsigned	 timeout_ms;	/* for the write lock */
	char		 lockpath[PATH_MAX];
	char		 warn[AL_ERRLEN];	/* al_warning() */
	char		 err[AL_ERRLEN];
	struct client	*cl;		/* al_connect's: a socket, no env */
	/* Governance (format 6): the custody index, and the floor */
	MDB_dbi		 custody;
	int		 has_custody;
	struct floor	*floor;		/* parsed; NULL: the log has none */
	uint64_t	 floor_seq;
	uint8_t		*fcopy;		/* al_floor_get's entry's storage */
};

int	al_seterr(al_log *, int rc, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* The same into a buffer of AL_ERRLEN bytes that is not a handle's. */
int	err_set(char *err, int rc, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	al_lmdb_err(al_log *, int mdb_rc, const char *what);

/* Escaping (esc.c): AL_ESC_* flags as in auditlog.h. */
int	esc_term(struct buf *, const char *, size_t, int flags);
int	esc_json(struct buf *, const char *, size_t);
int	entry_json(struct buf *, const struct al_entry *);
/* "access", "policy", ... by AL_KIND_*; NULL for no kind. */
const char *entry_kind_name(int kind);

/*
 * The writing systems of an identifier's letters (scripts.c): a bit set,
 * bit (AL_SCRIPT_x - 1) for each; al_scripts_mixed says whether there
 * are two or more, and names them ("Latin+Cyrillic") in out.
 */
#define AL_SCRIPT_LATIN		1
#define AL_SCRIPT_GREEK		2
#define AL_SCRIPT_CYRILLIC	3
#define AL_SCRIPT_ARMENIAN	4
#define AL_SCRIPT_HEBREW	5
#define AL_SCRIPT_ARABIC	6
#define AL_SCRIPT_CJK		7
unsigned al_scripts(const char *, size_t);
int	al_scripts_mixed(const char *, size_t, char *out, size_t len);

/* Text checks: 0 when s (n bytes) is valid UTF-8 without control chars. */
size_t	utf8_decode(const uint8_t *, size_t, uint32_t *cp);
int	al_utf8_ok(const uint8_t *s, size_t n, size_t *bad);

/* Entry encoding (docs/FORMAT.md). */
int	entry_encode(const struct al_entry *, struct buf *);
/* Where an access entry's customer starts in its encoding. */
size_t	entry_customer_at(const struct al_entry *);
/* Set the seq, time and prev of an encoded entry. */
void	entry_place(uint8_t *p, uint64_t seq, uint64_t time_ns,
	    const uint8_t prev[AL_HASH_LEN]);
/* The time of an encoded entry of n bytes: 0, or -1 when it is too short
 * to hold one.  entry_prev: the prev of an entry at least that long. */
int	entry_time(const uint8_t *p, size_t n, uint64_t *time_ns);
const uint8_t *entry_prev(const uint8_t *p);
/*
 * Decode n bytes at p into e.  Strings are copied into *store (realloc'd,
 * owned by the caller) so they are NUL-terminated and outlive the txn.
 * Returns 0, or -1 with a reason in why.  entry_parse does the same but
 * leaves e->hash unset, for a caller that hashes the bytes elsewhere.
 */
int	entry_decode(const uint8_t *p, size_t n, struct al_entry *e,
	    uint8_t **store, size_t *storecap, char *why, size_t whylen);
int	entry_parse(const uint8_t *p, size_t n, struct al_entry *e,
	    uint8_t **store, size_t *storecap, char *why, size_t whylen);
void	entry_hash(const uint8_t *p, size_t n, uint8_t out[AL_HASH_LEN]);
void	sha256(const void *p, size_t n, uint8_t out[AL_HASH_LEN]);

/* Policy. */
struct policy *policy_parse(const char *name, const char *text, size_t len,
	    struct buf *errors);
struct policy *policy_parse_stored(const char *name, const char *text,
	    size_t len, struct buf *errors);
void	policy_free(struct policy *);
void	policy_eval(const struct policy *, const struct al_access *,
	    struct al_decision *);
int	policy_follows(const struct policy *, const struct al_entry *,
	    struct al_decision *);
/* The decision p gives the access a recorded entry holds. */
void	policy_eval_entry(const struct policy *, const struct al_entry *,
	    struct al_decision *);
/*
 * Writer rules (auditlog-policy(5)): whether the writer id may claim
 * service (NULL or "": none) and actor; 1 when the policy has no writer
 * lines.  policy_writer_deny sets d to writer-not-allowed, rule "", with
 * the reason in words; policy_writer_eval is both: 1 when allowed (d left
 * alone), else 0 with d set.
 */
int	policy_has_writers(const struct policy *);
int	policy_writer_ok(const struct policy *, const struct al_ident *,
	    const char *service, const char *actor);
void	policy_writer_deny(struct al_decision *, const struct al_ident *,
	    const char *service, const char *actor);
int	policy_writer_eval(const struct policy *, const struct al_ident *,
	    const char *service, const char *actor, struct al_decision *);
/* Admin rules: whether id administers p (no admin lines: uid 0 alone). */
int	policy_is_admin(const struct policy *, const struct al_ident *);

/*
 * The floor (floor.c; auditlog-policy(5), FLOOR): the promise no policy
 * can lower.  floor_parse reports errors as policy_parse does.
 * floor_eval: 1 when the floor denies the access (d set: code floor,
 * rule "FLOOR:LINE", a detail), 0 when it leaves it to the policy (d
 * untouched).  floor_respects appends one "POLICY:LINE: message
 * (FLOOR:LINE)" line to errors (may be NULL) per problem and returns
 * their number (-1: out of memory).  floor_check_policy parses the policy
 * too: 0, or AL_EINVAL with the messages in *errors (malloc'd; errors may
 * be NULL), or AL_ENOMEM.
 */
struct floor;
struct floor *floor_parse(const char *name, const char *text, size_t len,
	    struct buf *errors);
void	floor_free(struct floor *);
int	floor_eval(const struct floor *, const struct al_access *,
	    struct al_decision *);
int	floor_respects(const struct floor *, const struct policy *,
	    struct buf *errors);
int	floor_check_policy(const struct floor *, const char *name,
	    const char *text, size_t len, char **errors);

/*
 * The chain of custody (govern.c): a state machine fed the entries of
 * kinds 2 and 4-7 in seq order, by the writer before it commits one and
 * by verify, so that the two judge a change alike.
 */
#define GOV_MAX_APPROVERS	9
#define GOV_OPEN		0
#define GOV_REJECTED		1
#define GOV_ACTIVE		2
#define GOV_REFUSED		3	/* a proposal out of custody itself */
#define GOV_EXPIRY_NS		(7ULL * 86400 * 1000000000ULL)

struct gov_prop {
	uint8_t		digest[AL_HASH_LEN];
	uint64_t	seq, expires_ns;
	uint32_t	uid[GOV_MAX_APPROVERS];	/* the proposer, then approvers */
	unsigned	n;
	int		state;
};

struct gov {
	int		 floor;		/* a floor entry was seen */
	uint64_t	 floor_seq;
	unsigned	 need;		/* administrators a change needs */
	int		 trust;		/* take entries as committed: no
					   admin checks (the writer's load) */
	struct gov_prop	*p;
	size_t		 np, cap;
};

int	gov_step(struct gov *, const struct al_entry *, const struct policy *,
	    char *why, size_t len);
struct gov_prop *gov_find(const struct gov *, const uint8_t d[AL_HASH_LEN]);
void	gov_free(struct gov *);
void	ident_of_entry(const struct al_entry *, struct al_ident *);
/*
 * A decision of format 6: the floor first (when there is one), then the
 * writer rules for id (when not NULL), then the policy.  decision_follows
 * re-derives a recorded one as policy_follows does: by the floor and
 * writer rules only when the entry is of version 3 (older entries are
 * judged as they were decided).
 */
void	decide_access(const struct floor *, const struct policy *,
	    const struct al_ident *, const struct al_access *,
	    struct al_decision *);
int	decision_follows(const struct floor *, const struct policy *,
	    const struct al_entry *, struct al_decision *);
/* The decision for the access a recorded entry holds, by its identity. */
void	decide_entry(const struct floor *, const struct policy *,
	    const struct al_entry *, struct al_decision *);
/* The access a recorded entry holds (policy.c). */
void	entry_access(const struct al_entry *, struct al_access *);

/* Keys and metadata. */
#define META_VERSION	"version"
#define META_LOGID	"log_id"
#define META_HEAD	"head"
#define META_POLICY	"policy"
#define META_TREE	"tree"		/* the Merkle tree's right edge */

/* Big-endian integers: inline, as verify and the decoder call them per
 * field of every entry. */
static inline void
put_be64(uint8_t *p, uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t
get_be64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * The customer index (docs/FORMAT.md section 8): one record an access,
 * key the 8-byte block number seq >> CUST_BLOCK_SHIFT then the customer,
 * value the 8-byte seq.  A commit's records fall in the newest block or
 * two, a small part of the tree, instead of one random page each.
 * Format 3 had blocks of 4096 entries (shift 12); at 1024 a commit of
 * 1000 rewrites a third as many of the index's pages.
 */
#define CUST_BLOCK_SHIFT	10
#define CUST_BLOCK_SHIFT_V3	12
#define CUST_KEY_MAX		511	/* LMDB's longest key */

/* Build the index key of (customer, seq) in out (CUST_KEY_MAX bytes);
 * returns its length, or 0 when the customer is empty or too long. */
static inline size_t
cust_key(uint8_t *out, const void *cust, size_t n, uint64_t seq)
{
	if (n == 0 || n > 511 - 8)
		return 0;
	put_be64(out, seq >> CUST_BLOCK_SHIFT);
	memcpy(out + 8, cust, n);
	return 8 + n;
}

/*
 * The time index (docs/FORMAT.md section 8, format 5): one record an
 * entry, key the entry's time then its seq (16 bytes), value empty.  A
 * period is a range of keys whatever order the writers' clocks ran in.
 */
#define TIME_KEY_LEN	16

static inline void
time_key(uint8_t *out, uint64_t t, uint64_t seq)
{
	put_be64(out, t);
	put_be64(out + 8, seq);
}

struct al_iter {
	al_log		*l;
	MDB_txn		*txn;
	MDB_cursor	*cur;		/* entries */
	MDB_cursor	*ccur;		/* the customer index, by_customer */
	uint64_t	 blk;		/* by_customer: the index block */
	int		 in_blk;	/* ...and the cursor is in it */
	int		 reverse, by_customer, started;
	struct al_filter f;
	char		*customer, *actor, *purpose;
	char		*ref, *action, *data, *service;
	uint8_t		*store;
	size_t		 cap;
	/*
	 * Entries are read a chunk at a time in a short read transaction,
	 * then served from the chunk with the transaction reset: a caller
	 * blocked on its output holds no snapshot and no pages (iter.c).
	 */
	struct buf	 chunk;		/* seq (8), length (4), bytes; ... */
	size_t		 cpos;		/* the next one to serve */
	uint64_t	 last;		/* the cursor's last seq (or index
					   record's), to pick up from */
	int		 done;		/* nothing more after the chunk */
	int		 pending;	/* an error found after the chunk */
	/* A period (by_time): the seqs stamped in it, sorted (iter.c). */
	int		 by_time;
	uint64_t	*tseq;
	size_t		 tn, tpos;
	uint8_t		 tkb[8];
};

/*
 * A handle on auditlogd's socket (client.c): client_record records n
 * accesses, already checked, through the daemon, client_check has one
 * decided, client_policy_set asks for a policy checked already;
 * client_refuse is the answer of everything else that would touch the
 * log's files.
 */
int	client_record(al_log *, const struct al_access *, size_t n,
	    struct al_decision *);
int	client_check(al_log *, const struct al_access *,
	    struct al_decision *);
int	client_policy_set(al_log *, const char *name, const char *text,
	    size_t len, const char *actor, const char *service, uint64_t *seq);
/* A step of governance through the daemon: al_policy_propose (c->set
 * too) and al_policy_decide, their arguments checked already. */
#define CLIENT_PROPOSE	0
#define CLIENT_APPROVE	1
#define CLIENT_REJECT	2
int	client_change(al_log *, const struct al_change *, int op,
	    struct al_change_result *);
/* al_checkpoint through the daemon, which signs with its own key (skey
 * must be NULL), records and publishes it. */
int	client_checkpoint(al_log *, const char *skey, const char *actor,
	    char **note, size_t *len, uint64_t *seq);
int	client_refuse(al_log *);
void	client_free(struct client *);

int	filter_match(const struct al_filter *, const struct al_entry *);

/* The Merkle tree (merkle.c, docs/FORMAT.md section 14). */
struct mt_edge {			/* the right edge: one peak per bit */
	uint64_t	size;
	unsigned	n;
	uint8_t		peak[64][AL_HASH_LEN];	/* largest first */
};

struct mt_src {				/* where stored nodes come from */
	int	(*get)(void *, uint64_t pos, uint8_t *out);
	void	*arg;
};

struct mt_item {
	uint64_t	lo, hi;
	uint8_t		h[AL_HASH_LEN];
};

struct mt_multi {			/* a multi-leaf proof being checked */
	uint64_t	size, next;
	size_t		n;
	struct mt_item	st[130];
};

void	mt_node(const uint8_t *, const uint8_t *, uint8_t *);
uint64_t mt_split(uint64_t);
uint64_t mt_pos(uint64_t lo, unsigned h);
int	mt_push(struct mt_edge *, const uint8_t *leaf,
	    int (*emit)(void *, uint64_t, const uint8_t *), void *);
void	mt_root(const struct mt_edge *, uint8_t *);
size_t	mt_edge_len(uint64_t size);
void	mt_edge_put(const struct mt_edge *, uint8_t *);
int	mt_edge_get(struct mt_edge *, const uint8_t *, size_t);
int	mt_range(const struct mt_src *, uint64_t lo, uint64_t hi, uint8_t *);
int	mt_inclusion(const struct mt_src *, uint64_t index, uint64_t size,
	    struct al_proof *);
int	mt_consistency(const struct mt_src *, uint64_t from, uint64_t to,
	    struct al_proof *);
int	mt_cover(uint64_t a, uint64_t b, uint64_t n,
	    int (*)(void *, uint64_t, uint64_t), void *);
int	mt_is_node(uint64_t a, uint64_t b, uint64_t n);
int	mt_multi_push(struct mt_multi *, uint64_t lo, uint64_t hi,
	    const uint8_t *);
int	mt_multi_root(const struct mt_multi *, uint8_t *);

/* Keys and notes (note.c). */
struct skey {
	char		name[AL_MAX_NAME + 1];
	uint32_t	hash;
	uint8_t		seed[32], pub[32];
};

struct vkey {
	char		name[AL_MAX_NAME + 1];
	uint32_t	hash;
	uint8_t		pub[32];
};

int	skey_parse(const char *, struct skey *, char *err, size_t errlen);
int	vkey_parse(const char *, struct vkey *, char *err, size_t errlen);
/* Base64 (b64.c): appended to a buffer; read back strictly. */
int	b64_add(struct buf *, const uint8_t *, size_t);
int	b64_get(const char *, size_t, uint8_t *out, size_t want);
int	b64_hash(const char *, size_t, uint8_t *out);
int	note_checkpoint(struct buf *, const char *origin, uint64_t size,
	    const uint8_t *root, const struct skey *);

/* Storage helpers in store.c (and tree.c) for readers above it. */
int	log_read_txn(al_log *, MDB_txn **);
/* The clock (al_set_clock's, else CLOCK_REALTIME) in ns; 0 before 1970. */
uint64_t al_now_ns(al_log *);
int	log_policy_at(al_log *, MDB_txn *, uint64_t seq);
int	log_get_edge(al_log *, MDB_txn *, struct mt_edge *);
int	log_origin(al_log *, MDB_txn *, char *out, size_t len);
/* A source of stored tree nodes in txn: struct mt_src over struct tsrc. */
struct tsrc {
	al_log	*l;
	MDB_txn	*txn;
	/* The nodes on a tree's right edge are read again and again by
	 * one proof: a small cache makes its reads O(log n). */
	uint64_t cpos[64];
	uint8_t	 chash[64][AL_HASH_LEN];
	uint8_t	 cok[64];
	uint64_t reads;
};
int	log_tree_get(void *tsrc, uint64_t pos, uint8_t *out);

#endif /* AL_INT_H */
