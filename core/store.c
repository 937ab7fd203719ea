/* store.c - the log's LMDB ground floor: handle, environment, transactions, meta, head */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

#define MAX_TRIES	64

void
al_set_clock(al_log *l, al_clock_fn fn, void *arg)
{
	l->clock = fn;
	l->clock_arg = arg;
}

al_log *
store_handle_new(void)
{
	al_log	*l;
	size_t	 bad;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if (gethostname(l->host, sizeof(l->host)) != 0)
		l->host[0] = '\0';
	l->host[sizeof(l->host) - 1] = '\0';
	/* A handle does not outlive its process (LMDB forbids using an
	 * environment across fork), so these are read once. */
	l->pid = (uint32_t)getpid();
	l->uid = (uint32_t)getuid();
	/* The host name is text in every entry: hold it to the same rules. */
	while (al_utf8_ok((uint8_t *)l->host, strlen(l->host), &bad) != 0)
		l->host[bad] = '?';
	return l;
}

void
al_close(al_log *l)
{
	if (l == NULL)
		return;
	if (l->env != NULL)
		mdb_env_close(l->env);
	policy_free(l->pc.pol);
	free(l->pc.copy);
	free(l->vpol);
	buf_free(&l->ebuf);
	free(l);
}

int
store_dbi_open(al_log *l, MDB_txn *txn, unsigned create)
{
	int	rc;

	if ((rc = mdb_dbi_open(txn, "entries", create, &l->entries)) != 0 ||
	    (rc = mdb_dbi_open(txn, "customer",
	    create | MDB_DUPSORT | MDB_DUPFIXED, &l->customer)) != 0 ||
	    (rc = mdb_dbi_open(txn, "policies", create, &l->policies)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", create, &l->meta)) != 0 ||
	    (create && (rc = mdb_dbi_open(txn, "tree", create,
	    &l->tree)) != 0)) {
		if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
			return al_seterr(l, AL_ECORRUPT, "not an auditlog log "
			    "(its databases are missing)");
		return al_lmdb_err(l, rc, "open databases");
	}
	return 0;
}

/*
 * Open the environment.  A reader first asks for the lock file; when the
 * files or the file system are read-only it reads without locks, which is
 * safe as nobody can write there either.
 */
int
store_env_open(al_log *l, const char *dir, int rdonly, size_t mapsize)
{
	/* MDB_NOTLS: read transactions belong to the handle, not the
	 * thread, so one thread may hold several (an export's passes). */
	unsigned	flags = MDB_NORDAHEAD | MDB_NOTLS |
			    (rdonly ? MDB_RDONLY : 0);
	int		rc, attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((rc = mdb_env_create(&l->env)) != 0)
			return al_lmdb_err(l, rc, "create environment");
		if ((rc = mdb_env_set_maxdbs(l->env, 8)) != 0 ||
		    (mapsize && (rc = mdb_env_set_mapsize(l->env,
		    mapsize)) != 0)) {
			mdb_env_close(l->env);
			l->env = NULL;
			return al_lmdb_err(l, rc, "configure environment");
		}
		rc = mdb_env_open(l->env, dir, flags, 0600);
		if (rc == 0)
			return 0;
		mdb_env_close(l->env);
		l->env = NULL;
		if (!rdonly || (rc != EACCES && rc != EROFS && rc != EPERM))
			break;
		flags |= MDB_NOLOCK;
	}
	if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
		return al_seterr(l, AL_ECORRUPT, "%s: the data file is "
		    "damaged or not an LMDB file: %s", dir, mdb_strerror(rc));
	/*
	 * LMDB believes the map size, page size and last page of the meta
	 * page; absurd ones fail the mapping.  In a file that exists (mapsize
	 * 0: al_open) that is damage, not a lack of memory.
	 */
	if (mapsize == 0 && (rc == EINVAL || rc == ENOMEM))
		return al_seterr(l, AL_ECORRUPT, "%s: the data file is "
		    "damaged: its meta page cannot be mapped: %s", dir,
		    mdb_strerror(rc));
	return al_seterr(l, rc == ENOMEM ? AL_ENOMEM : AL_EIO, "%s: %s", dir,
	    mdb_strerror(rc));
}

int
log_read_txn(al_log *l, MDB_txn **txn)
{
	int	rc, tries;

	for (tries = 0; tries < MAX_TRIES; tries++) {
		rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, txn);
		if (rc != MDB_MAP_RESIZED)
			break;
		/* Another process grew the map: adopt its size. */
		if ((rc = mdb_env_set_mapsize(l->env, 0)) != 0)
			break;
	}
	if (rc != 0)
		return al_lmdb_err(l, rc, "begin read transaction");
	return 0;
}

int
store_get_meta(al_log *l, MDB_txn *txn, const char *key, size_t len, MDB_val *v)
{
	MDB_val	k = { strlen(key), (void *)(uintptr_t)key };
	int	rc;

	if ((rc = mdb_get(txn, l->meta, &k, v)) == MDB_NOTFOUND)
		return al_seterr(l, AL_ECORRUPT, "log metadata '%s' is "
		    "missing", key);
	if (rc != 0)
		return al_lmdb_err(l, rc, "read metadata");
	if (len != 0 && v->mv_size != len)
		return al_seterr(l, AL_ECORRUPT, "log metadata '%s' has %zu "
		    "bytes, not %zu", key, v->mv_size, len);
	return 0;
}

/*
 * A data file cut shorter than the pages its meta page says are in use
 * would fault the first reader that touches them: refuse it up front.
 */
int
store_check_size(al_log *l, const char *path)
{
	MDB_envinfo	 info;
	MDB_stat	 st;
	struct stat	 sb;
	int		 fd, rc;

	if ((rc = mdb_env_info(l->env, &info)) != 0 ||
	    (rc = mdb_env_stat(l->env, &st)) != 0)
		return al_lmdb_err(l, rc, "read the environment");
	if ((rc = mdb_env_get_fd(l->env, &fd)) != 0)
		return al_lmdb_err(l, rc, "read the environment");
	if (fstat(fd, &sb) != 0)
		return al_seterr(l, AL_EIO, "%s: %s", path, strerror(errno));
	if ((uint64_t)sb.st_size < ((uint64_t)info.me_last_pgno + 1) *
	    st.ms_psize)
		return al_seterr(l, AL_ECORRUPT, "%s: the data file is "
		    "truncated: %lld bytes, where its pages need %llu", path,
		    (long long)sb.st_size, ((unsigned long long)
		    info.me_last_pgno + 1) * st.ms_psize);
	return 0;
}

/*
 * Run fn in a write transaction and commit it durably.  When the map is
 * full the transaction is dropped, the map doubled and fn run again; when
 * another process has grown the map, its size is adopted.
 */
int
store_write_txn(al_log *l, int (*fn)(al_log *, MDB_txn *, void *), void *arg)
{
	MDB_envinfo	 info;
	MDB_txn		*txn;
	int		 rc, tries;

	for (tries = 0; tries < MAX_TRIES; tries++) {
		rc = mdb_txn_begin(l->env, NULL, 0, &txn);
		if (rc == MDB_MAP_RESIZED) {
			if ((rc = mdb_env_set_mapsize(l->env, 0)) != 0)
				return al_lmdb_err(l, rc, "adopt map size");
			continue;
		}
		if (rc != 0)
			return al_lmdb_err(l, rc, "begin write transaction");
		if ((rc = fn(l, txn, arg)) == 0) {
			rc = mdb_txn_commit(txn);
			if (rc == 0)
				return 0;
			if (rc != MDB_MAP_FULL)
				return al_lmdb_err(l, rc, "commit");
		} else {
			mdb_txn_abort(txn);
			if (rc != AL_EMAPFULL)
				return rc;
		}
		if ((rc = mdb_env_info(l->env, &info)) != 0)
			return al_lmdb_err(l, rc, "read map size");
		if (info.me_mapsize > SIZE_MAX / 2)
			return al_seterr(l, AL_EIO, "the map cannot grow past "
			    "%zu bytes", info.me_mapsize);
		if ((rc = mdb_env_set_mapsize(l->env,
		    info.me_mapsize * 2)) != 0)
			return al_lmdb_err(l, rc, "grow the map");
	}
	return al_seterr(l, AL_EIO, "gave up after %d attempts to grow the "
	    "map", MAX_TRIES);
}

int
store_put(al_log *l, MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v,
    unsigned flags, const char *what)
{
	int	rc;

	if ((rc = mdb_put(txn, dbi, k, v, flags)) == 0)
		return 0;
	if (rc == MDB_MAP_FULL)
		return AL_EMAPFULL;
	if (rc == MDB_KEYEXIST)
		return al_seterr(l, AL_ECORRUPT, "%s: key exists: the head "
		    "metadata is behind the entries", what);
	return al_lmdb_err(l, rc, what);
}

/*
 * Load and parse the policy-change entry at seq into cache c, unless it
 * is there already.
 */
int
store_policy_load(al_log *l, MDB_txn *txn, uint64_t seq, struct polcache *c)
{
	struct buf	 errs = { 0 };
	struct policy	*p;
	uint8_t		 kb[8];
	MDB_val		 k = { 8, kb }, v;
	char		 why[256];
	size_t		 cap;
	int		 rc;

	if (c->pol != NULL && c->seq == seq)
		return 0;
	policy_free(c->pol);
	c->pol = NULL;
	put_be64(kb, seq);
	if ((rc = mdb_get(txn, l->entries, &k, &v)) == MDB_NOTFOUND)
		return al_seterr(l, AL_ECORRUPT, "the active policy's entry "
		    "(seq %llu) is missing", (unsigned long long)seq);
	if (rc != 0)
		return al_lmdb_err(l, rc, "read the active policy");
	cap = 0;
	free(c->copy);
	c->copy = NULL;
	if (entry_decode(v.mv_data, v.mv_size, &c->entry, &c->copy,
	    &cap, why, sizeof(why)) != 0)
		return al_seterr(l, AL_ECORRUPT, "seq %llu: %s",
		    (unsigned long long)seq, why);
	if (c->entry.kind != AL_KIND_POLICY)
		return al_seterr(l, AL_ECORRUPT, "seq %llu is the active "
		    "policy but not a policy entry", (unsigned long long)seq);
	p = policy_parse_stored(c->entry.name.p, c->entry.text.p,
	    c->entry.text.n, &errs);
	if (p == NULL) {
		rc = al_seterr(l, AL_ECORRUPT, "the active policy (seq %llu) "
		    "does not parse: %s", (unsigned long long)seq,
		    errs.p ? (char *)errs.p : "out of memory");
		buf_free(&errs);
		return rc;
	}
	c->pol = p;
	c->seq = seq;
	return 0;
}

/* The same into the handle's own cache. */
int
log_policy_at(al_log *l, MDB_txn *txn, uint64_t seq)
{
	return store_policy_load(l, txn, seq, &l->pc);
}

int
store_get_head(al_log *l, MDB_txn *txn, struct head *h)
{
	MDB_val	v;
	int	rc;

	if ((rc = store_get_meta(l, txn, META_HEAD, 8 + AL_HASH_LEN, &v)) != 0)
		return rc;
	h->seq = get_be64(v.mv_data);
	memcpy(h->hash, (uint8_t *)v.mv_data + 8, AL_HASH_LEN);
	h->have_time = 0;
	h->have_edge = 0;
	return 0;
}

int
log_get_edge(al_log *l, MDB_txn *txn, struct mt_edge *e)
{
	MDB_val	v;
	int	rc;

	if ((rc = store_get_meta(l, txn, META_TREE, 0, &v)) != 0)
		return rc;
	if (mt_edge_get(e, v.mv_data, v.mv_size) != 0)
		return al_seterr(l, AL_ECORRUPT, "log metadata 'tree' has %zu "
		    "bytes, which is no tree edge", v.mv_size);
	return 0;
}

/*
 * Store head h and its tree edge in meta: once a transaction, after its
 * appends, however many there were.
 */
int
store_head(al_log *l, MDB_txn *txn, const struct head *h)
{
	uint8_t	hb[8 + AL_HASH_LEN], eb[8 + 64 * AL_HASH_LEN];
	MDB_val	k = { strlen(META_HEAD), (void *)(uintptr_t)META_HEAD };
	MDB_val	v = { sizeof(hb), hb };
	int	rc;

	put_be64(hb, h->seq);
	memcpy(hb + 8, h->hash, AL_HASH_LEN);
	if ((rc = store_put(l, txn, l->meta, &k, &v, 0, "move head")) != 0)
		return rc;
	mt_edge_put(&h->edge, eb);
	k.mv_size = strlen(META_TREE);
	k.mv_data = (void *)(uintptr_t)META_TREE;
	v.mv_size = mt_edge_len(h->edge.size);
	v.mv_data = eb;
	return store_put(l, txn, l->meta, &k, &v, 0, "move the tree edge");
}

/* The checkpoint origin of the log: "auditlog/" and its log_id in hex. */
int
log_origin(al_log *l, MDB_txn *txn, char *out, size_t len)
{
	MDB_val	v;
	char	hex[2 * 16 + 1];
	int	rc, n;

	if ((rc = store_get_meta(l, txn, META_LOGID, 16, &v)) != 0)
		return rc;
	al_hex(v.mv_data, 16, hex);
	n = snprintf(out, len, "auditlog/%s", hex);
	if (n < 0 || (size_t)n >= len)
		return al_seterr(l, AL_EINVAL, "origin buffer too small");
	return 0;
}

int
store_policy_seq(al_log *l, MDB_txn *txn, uint64_t *seq)
{
	MDB_val	v;
	int	rc;

	if ((rc = store_get_meta(l, txn, META_POLICY, 8, &v)) != 0)
		return rc;
	*seq = get_be64(v.mv_data);
	return 0;
}

/* Make sure the log's files are 0600 whatever the umask was. */
int
store_tighten(al_log *l, const char *dir)
{
	static const char	*files[] = { "data.mdb", "lock.mdb" };
	char			 path[PATH_MAX];
	size_t			 i;
	int			 n;

	for (i = 0; i < 2; i++) {
		n = snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			return al_seterr(l, AL_EINVAL, "%s: path too long",
			    dir);
		if (chmod(path, 0600) != 0)
			return al_seterr(l, AL_EIO, "chmod %s: %s", path,
			    strerror(errno));
	}
	return 0;
}

void
store_remove_files(const char *dir)
{
	char	path[PATH_MAX];
	int	n;

	n = snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (n > 0 && (size_t)n < sizeof(path))
		(void)unlink(path);
	n = snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	if (n > 0 && (size_t)n < sizeof(path))
		(void)unlink(path);
}
