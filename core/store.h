/* store.h - the layers of the log over LMDB, for the files of core/ above it */
#ifndef STORE_H
#define STORE_H

#include "al_int.h"

/*
 * Layers, each calling only those below it:
 *	log.c prep.c iter.c	what the log does; batches; readers
 *	upgrade.c		older formats to the current one
 *	append.c access.c	the one way in; an access's entry
 *	tree.c			the stored Merkle tree
 *	store.c			handle, environment, transactions, meta
 */

#define AL_EMAPFULL	(-100)	/* internal: grow the map and try again */

/* The head as a transaction moves it (store_head writes it back). */
struct head {
	uint64_t	seq;
	uint8_t		hash[AL_HASH_LEN];
	uint64_t	time;		/* the head entry's time, once known */
	int		have_time;
	int		have_edge;
	struct mt_edge	edge;		/* the tree's right edge, once read */
};

/* store.c */
/* A new handle; origin: with the host, pid and uid its entries record. */
al_log	*store_handle_new(int origin);
/* A writer's identity, resolved once (ident.c). */
int	 store_ident(al_log *);
/* The writers' guard: before and after the environment opens. */
int	 store_guard_open(al_log *, const char *dir, const char *path,
	    int rdonly, int *held);
int	 store_guard_opened(al_log *, int skip, int held);
/* Refuse (a writer) or warn about (a reader) a folder or files others
 * can write, or a folder that is a link or another user's. */
int	 store_modes(al_log *, const char *dir, int rdonly);
/* The data file's newest meta page: its txnid and map size; -1 if none. */
int	 store_meta(int fd, uint64_t *txnid, uint64_t *mapsize);
int	 store_env_open(al_log *, const char *dir, int rdonly, size_t mapsize);
int	 store_check_size(al_log *, const char *path);
int	 store_writer_lock(al_log *, const char *dir, mode_t mode, int owner);
int	 store_dbi_open(al_log *, MDB_txn *, unsigned create);
int	 store_get_meta(al_log *, MDB_txn *, const char *key, size_t len,
	    MDB_val *);
/* Run fn in a write transaction, growing the map as it needs; durable. */
int	 store_write_txn(al_log *, int (*fn)(al_log *, MDB_txn *, void *),
	    void *);
int	 store_put(al_log *, MDB_txn *, MDB_dbi, MDB_val *k, MDB_val *v,
	    unsigned flags, const char *what);
int	 store_policy_load(al_log *, MDB_txn *, uint64_t seq,
	    struct polcache *);
int	 store_policy_seq(al_log *, MDB_txn *, uint64_t *seq);
int	 store_get_head(al_log *, MDB_txn *, struct head *);
int	 store_head(al_log *, MDB_txn *, const struct head *);
int	 store_tighten(al_log *, const char *dir);
void	 store_remove_files(const char *dir);

/* tree.c: the writing side of the tree. */
struct emit {
	al_log	*l;
	MDB_txn	*txn;
};
int	 tree_put_node(void *emit, uint64_t pos, const uint8_t *hash);
int	 tree_add(al_log *, MDB_txn *, struct head *, const uint8_t *leaf);

/* append.c */
int	 append_bytes(al_log *, MDB_txn *, uint8_t *p, size_t n,
	    const struct al_str *cust, struct head *);
int	 append_entry(al_log *, MDB_txn *, struct al_entry *, struct head *);

/* access.c */
int	 access_field_ok(char *err, const char *name, const char *v,
	    int required, size_t max);
int	 access_ok(char *err, const struct al_access *);
struct al_str str_of(const char *);
void	 entry_origin(const al_log *, struct al_entry *, const char *service,
	    const struct al_ident *);
void	 access_entry(const al_log *, const struct al_access *,
	    const struct al_ident *, const struct al_decision *,
	    const struct al_entry *pe, struct al_entry *);

/* log.c: parse a policy for installing, every error to the handle. */
int	 log_policy_ok(al_log *, const char *name, const char *text,
	    size_t len);

/* custody.c: the log's chain of custody as committed, and its floor. */
int	 custody_load(al_log *, MDB_txn *, struct gov *);
int	 custody_floor(al_log *, const struct al_entry *);
/* The floor, when the log has one, into l->floor. */
int	 custody_open(al_log *, MDB_txn *);

/* upgrade.c: a store_write_txn callback. */
int	 upgrade_in(al_log *, MDB_txn *, void *);

#endif /* STORE_H */
