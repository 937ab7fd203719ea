/* store.c - the log's LMDB ground floor: handle, environment, transactions, meta, head */
#define _GNU_SOURCE		/* F_OFD_SETLK */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

#define MAX_TRIES	64
#define MAX_READERS	1024	/* reader slots in a new lock file */
#define TIMEOUT_MS	10000

void
al_set_clock(al_log *l, al_clock_fn fn, void *arg)
{
	l->clock = fn;
	l->clock_arg = arg;
}

al_log *
store_handle_new(int origin)
{
	al_log	*l;
	size_t	 bad;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->wfd = -1;
	l->lockfd = -1;
	l->timeout_ms = TIMEOUT_MS;
	/* A handle on a socket records nothing itself: the daemon's entry
	 * has its host, and the pid and uid the kernel names. */
	if (!origin)
		return l;
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

/*
 * A writer's own identity, for every entry it appends: its real uid and
 * gid, not attested.  Once a handle (the user and group databases are
 * read here, not per entry).
 */
int
store_ident(al_log *l)
{
	int	rc;

	if ((rc = al_ident_resolve(&l->id, l->pid, l->uid,
	    (uint32_t)getgid(), 0)) != 0)
		rc = al_seterr(l, rc, "cannot read the user and group "
		    "databases: out of memory");
	return rc;
}

void
al_close(al_log *l)
{
	if (l == NULL)
		return;
	client_free(l->cl);
	if (l->env != NULL)
		mdb_env_close(l->env);
	if (l->wfd != -1)
		(void)close(l->wfd);
	/* After the environment: the lock outlives every write. */
	if (l->lockfd != -1)
		(void)close(l->lockfd);
	policy_free(l->pc.pol);
	floor_free(l->floor);
	free(l->fcopy);
	free(l->pc.copy);
	free(l->vpol);
	free(l->vclock);
	buf_free(&l->ebuf);
	free(l);
}

void
al_set_timeout(al_log *l, unsigned ms)
{
	l->timeout_ms = ms;
}

const char *
al_warning(const al_log *l)
{
	return l->warn[0] != '\0' ? l->warn : NULL;
}

/*
 * The writers' guard.  LMDB keeps its writer mutex, its reader table and
 * the newest transaction id in lock.mdb.  A lock file removed while the
 * log is open splits the processes: those that open it afterwards make a
 * new one, no longer serialised with the others, and a writer whose lock
 * file holds a stale transaction id builds on an old root, overwriting
 * what was committed (docs/RELIABILITY.md).  So each write transaction
 * runs under an flock of the data file itself, checks that lock.mdb is
 * still the file the environment opened, and that the newest meta page
 * of the data file is the one LMDB is about to build on; otherwise it
 * fails and nothing is written.
 */

/* Take the flock of fd (op: LOCK_SH or LOCK_EX) within l->timeout_ms. */
static int
guard_lock(al_log *l, int op)
{
	struct timespec	ts;
	unsigned	waited = 0, step = 1;
	int		rc = 0;

	while (flock(l->wfd, op | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			rc = al_seterr(l, AL_EIO, "lock the data file: %s",
			    strerror(errno));
			goto done;
		}
		if (waited >= l->timeout_ms) {
			rc = al_seterr(l, AL_EIO, "another writer has held the "
			    "log's write lock for %u ms (a stopped or hung "
			    "process?): nothing was written", waited);
			goto done;
		}
		if (step > l->timeout_ms - waited)
			step = l->timeout_ms - waited;
		ts.tv_sec = step / 1000;
		ts.tv_nsec = (long)(step % 1000) * 1000000L;
		(void)nanosleep(&ts, NULL);
		waited += step;
		if (step < 32)
			step *= 2;
	}
done:
	return rc;
}

/*
 * The newest meta page of the data file, read from the file as LMDB
 * lays it out (lmdb.h's data version 1): the page header of 16 bytes,
 * then the magic, the version, the map address and size, two database
 * records of 48 bytes (the first's pad holding the page size), the last
 * page and the transaction id.  The second meta page is one page in.
 */
#define META_MAGIC	0xBEEFC0DEU
#define META_AT		16
#define META_PSIZE	(META_AT + 24)
#define META_MAPSIZE	(META_AT + 16)
#define META_TXNID	(META_AT + 128)

static int
meta_page(int fd, off_t at, uint64_t *txnid, uint64_t *mapsize,
    uint32_t *psize)
{
	uint8_t		b[META_TXNID + 8];
	uint32_t	magic, ver;

	if (pread(fd, b, sizeof(b), at) != (ssize_t)sizeof(b))
		return -1;
	memcpy(&magic, b + META_AT, 4);
	memcpy(&ver, b + META_AT + 4, 4);
	if (magic != META_MAGIC || ver != 1)
		return -1;
	memcpy(txnid, b + META_TXNID, 8);
	memcpy(mapsize, b + META_MAPSIZE, 8);
	memcpy(psize, b + META_PSIZE, 4);
	return 0;
}

int
store_meta(int fd, uint64_t *txnid, uint64_t *mapsize)
{
	uint64_t	t0, t1, m0, m1;
	uint32_t	ps, ps1;

	if (meta_page(fd, 0, &t0, &m0, &ps) != 0 || ps < 512 ||
	    ps > 65536 || meta_page(fd, ps, &t1, &m1, &ps1) != 0)
		return -1;
	*txnid = t0 > t1 ? t0 : t1;
	*mapsize = t0 > t1 ? m0 : m1;
	return 0;
}

/*
 * Before the environment opens: an fd on the data file at path, and, when
 * there is no lock file (LMDB is about to make one from the meta pages),
 * the flock, so that no write transaction is half done meanwhile.
 */
int
store_guard_open(al_log *l, const char *dir, const char *path, int rdonly,
    int *held)
{
	struct stat	st;
	int		rc = 0, n;

	*held = 0;
	n = snprintf(l->lockpath, sizeof(l->lockpath), "%s/lock.mdb", dir);
	if (n < 0 || (size_t)n >= sizeof(l->lockpath)) {
		rc = al_seterr(l, AL_EINVAL, "%s: path too long", dir);
		goto done;
	}
	if ((l->wfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		rc = al_seterr(l, errno == ELOOP ? AL_EPERM : AL_EIO, "%s: %s",
		    path, errno == ELOOP ? "a symbolic link: refused" :
		    strerror(errno));
		goto done;
	}
	if (lstat(l->lockpath, &st) != 0 && errno == ENOENT) {
		if ((rc = guard_lock(l, rdonly ? LOCK_SH : LOCK_EX)) != 0)
			goto done;
		*held = 1;
	}
done:
	return rc;
}

/* After it opened: a writer notes which lock file is its own (unless
 * skip: a reader, or an open that failed); the flock is let go. */
int
store_guard_opened(al_log *l, int skip, int held)
{
	struct stat	st;
	int		rc = 0;

	if (!skip) {
		if (stat(l->lockpath, &st) != 0) {
			rc = al_seterr(l, AL_EIO, "%s: %s", l->lockpath,
			    strerror(errno));
			goto done;
		}
		l->lk_dev = st.st_dev;
		l->lk_ino = st.st_ino;
		l->lk_known = 1;
	}
done:
	if (held)
		(void)flock(l->wfd, LOCK_UN);
	return rc;
}

/* Under the flock: is lock.mdb still ours, and txn on the newest meta? */
static int
guard_check(al_log *l, MDB_txn *txn)
{
	struct stat	st;
	uint64_t	txnid, mapsize;
	int		rc = 0;

	if (!l->lk_known || stat(l->lockpath, &st) != 0 ||
	    st.st_dev != l->lk_dev || st.st_ino != l->lk_ino) {
		rc = al_seterr(l, AL_EIO, "%s was removed or replaced while "
		    "the log was open: this process no longer shares its "
		    "lock with the others, so it writes nothing (start it "
		    "again)", l->lockpath);
		goto done;
	}
	if (store_meta(l->wfd, &txnid, &mapsize) != 0) {
		rc = al_seterr(l, AL_EIO, "the data file's meta pages cannot "
		    "be read as LMDB's format 1");
		goto done;
	}
	if (txnid + 1 != (uint64_t)mdb_txn_id(txn))
		rc = al_seterr(l, AL_EIO, "the lock file's transaction %llu "
		    "is not the data file's newest, %llu: a lock file was "
		    "replaced while the log was open; nothing was written "
		    "(start the writers again)", (unsigned long long)
		    mdb_txn_id(txn) - 1, (unsigned long long)txnid);
done:
	return rc;
}

#define WRITER_LOCK	"/writer.lock"
#define OWNER_MAX	300	/* an owner's description, as stored */

/*
 * The writer lock: an open-file-description lock (F_OFD_SETLK: it belongs
 * to this handle's descriptor, not to the process, so two handles in one
 * process do not merge) on writer.lock in the log's folder, taken before
 * LMDB is opened for writing and held until the handle closes.  Writers
 * share it; an owner holds it alone.  The file has the data file's mode,
 * so that whoever may write the log may open it; made by root in another
 * user's folder, it is given to that user, who owns the log.
 */
int
store_writer_lock(al_log *l, const char *dir, mode_t mode, int owner)
{
	struct flock	fl;
	struct stat	st, dst;
	char		path[PATH_MAX], who[OWNER_MAX + 1];
	ssize_t		n;
	size_t		i;
	int		fd, rc = 0;

	if ((n = snprintf(path, sizeof(path), "%s" WRITER_LOCK, dir)) < 0 ||
	    (size_t)n >= sizeof(path))
		return al_seterr(l, AL_EINVAL, "%s: path too long", dir);
	if ((fd = open(path, (owner ? O_RDWR : O_RDONLY) | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, mode & 0666)) == -1)
		return al_seterr(l, AL_EIO, "%s: cannot open the writer lock: "
		    "%s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || stat(dir, &dst) != 0) {
		rc = al_seterr(l, AL_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = al_seterr(l, AL_EIO, "%s: not a file", path);
		goto fail;
	}
	if (st.st_uid != dst.st_uid && geteuid() == 0 &&
	    fchown(fd, dst.st_uid, dst.st_gid) != 0) {
		rc = al_seterr(l, AL_EIO, "%s: chown: %s", path,
		    strerror(errno));
		goto fail;
	}
	/* The umask cut it (or someone widened it): the data file's mode. */
	if ((st.st_mode & 07777) != (mode & 0666) &&
	    (st.st_uid == geteuid() || geteuid() == 0) &&
	    fchmod(fd, mode & 0666) != 0) {
		rc = al_seterr(l, AL_EIO, "%s: chmod: %s", path,
		    strerror(errno));
		goto fail;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = owner ? F_WRLCK : F_RDLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
		l->lockfd = fd;
		return 0;
	}
	if (errno != EAGAIN && errno != EACCES) {
		rc = al_seterr(l, AL_EIO, "%s: cannot take the writer lock: "
		    "%s", path, strerror(errno));
		goto fail;
	}
	if (owner) {
		rc = al_seterr(l, AL_EIO, "%s: the log is open for writing by "
		    "another process: its owner must be its only writer",
		    dir);
		goto fail;
	}
	/* Its first line, printable ASCII only: it is shown to the user. */
	if ((n = pread(fd, who, OWNER_MAX, 0)) < 0)
		n = 0;
	for (i = 0; i < (size_t)n && who[i] != '\n'; i++)
		if (!isprint((unsigned char)who[i]))
			who[i] = '?';
	who[i] = '\0';
	rc = al_seterr(l, AL_EIO, "%s: the log is written only by its owner "
	    "while it runs: %s", dir, i > 0 ? who :
	    "an owner (starting or stopping)");
fail:
	(void)close(fd);
	return rc;
}

int
al_set_owner(al_log *l, const char *who)
{
	size_t	n = strlen(who), i;

	if (l->lockfd == -1 || !(l->flags & AL_OWNER))
		return al_seterr(l, AL_EINVAL, "al_set_owner: the handle is "
		    "not the log's owner");
	if (n == 0 || n > OWNER_MAX - 1)
		return al_seterr(l, AL_EINVAL, "al_set_owner: a description "
		    "of 1 to %d bytes", OWNER_MAX - 1);
	for (i = 0; i < n; i++)
		if (!isprint((unsigned char)who[i]))
			return al_seterr(l, AL_EINVAL, "al_set_owner: the "
			    "description is not one line of printable ASCII");
	/*
	 * The line and its newline first, then the length: a writer that
	 * reads meanwhile sees a whole line (it reads to the newline).
	 */
	if (pwrite(l->lockfd, who, n, 0) != (ssize_t)n ||
	    pwrite(l->lockfd, "\n", 1, (off_t)n) != 1 ||
	    ftruncate(l->lockfd, (off_t)n + 1) != 0)
		return al_seterr(l, AL_EIO, "writer.lock: %s",
		    strerror(errno));
	return 0;
}

int
al_reader_check(al_log *l, int *cleared)
{
	int	dead = 0, rc;

	if (l->env == NULL)
		return al_seterr(l, AL_EINVAL, "al_reader_check: no log");
	if ((rc = mdb_reader_check(l->env, &dead)) != 0)
		return al_lmdb_err(l, rc, "check the reader table");
	if (cleared != NULL)
		*cleared = dead;
	return 0;
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
	    &l->tree)) != 0) ||
	    (create && (rc = mdb_dbi_open(txn, "time", create,
	    &l->time)) != 0) ||
	    (create && (rc = mdb_dbi_open(txn, "custody", create,
	    &l->custody)) != 0)) {
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
/* Who, besides the owner, the write bits of m let write. */
static const char *
writers(mode_t m)
{
	if ((m & S_IWGRP) && (m & S_IWOTH))
		return "its group and everyone";
	return (m & S_IWOTH) ? "everyone" : "its group";
}

/*
 * As ssh's StrictModes: a writer refuses a log folder that is a link,
 * another user's, or writable by anyone but its owner, a data file its
 * group or anyone can write, and a lock file anyone can write (a group
 * of readers needs to write the lock file: LMDB records readers there).
 * A reader warns about the same files instead.
 */
int
store_modes(al_log *l, const char *dir, int rdonly)
{
	static const char	*names[] = { "data.mdb", "lock.mdb" };
	static const mode_t	 bad[] = { S_IWGRP | S_IWOTH, S_IWOTH };
	struct stat		 st;
	char			 path[PATH_MAX];
	size_t			 i;
	int			 rc = 0, n;

	if (lstat(dir, &st) != 0) {
		rc = al_seterr(l, AL_EIO, "%s: %s", dir, strerror(errno));
		goto done;
	}
	if (!rdonly && S_ISLNK(st.st_mode)) {
		rc = al_seterr(l, AL_EPERM, "%s: a symbolic link: a writer "
		    "opens a log folder by its own path only", dir);
		goto done;
	}
	if (!rdonly && st.st_uid != geteuid()) {
		rc = al_seterr(l, AL_EPERM, "%s: owned by uid %u, not by this "
		    "user (uid %u): a log is written by its owner only (see "
		    "auditlogd(8) for services)", dir, (unsigned)st.st_uid,
		    (unsigned)geteuid());
		goto done;
	}
	if (!rdonly && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		rc = al_seterr(l, AL_EPERM, "%s: %s can write to it; a log "
		    "folder must be writable only by its owner", dir,
		    writers(st.st_mode));
		goto done;
	}
	for (i = 0; i < 2; i++) {
		n = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			rc = al_seterr(l, AL_EINVAL, "%s: path too long", dir);
			goto done;
		}
		if (lstat(path, &st) != 0 || !(st.st_mode & bad[i]))
			continue;
		if (!rdonly) {
			rc = al_seterr(l, AL_EPERM, "%s: %s can write to it: "
			    "whoever can write %s can rewrite the log (chmod "
			    "%s)", path, writers(st.st_mode), names[i],
			    i == 0 ? "0600, or 0640 for a group of readers" :
			    "0600, or 0660 for a group of readers");
			goto done;
		}
		if (l->warn[0] == '\0')
			(void)err_set(l->warn, 0, "%s: %s can "
			    "write to it, and so could have rewritten the log",
			    path, writers(st.st_mode));
	}
done:
	return rc;
}

/*
 * Open the environment.  A reader without write access to the lock file
 * may read without locks only where nobody can write the data file (a
 * read-only file system, or a data file with no write bits): elsewhere a
 * writer could reuse the pages it reads, and it would report damage that
 * is not there.
 */
int
store_env_open(al_log *l, const char *dir, int rdonly, size_t mapsize)
{
	/* MDB_NOTLS: read transactions belong to the handle, not the
	 * thread, so one thread may hold several (an export's passes). */
	unsigned	flags = MDB_NORDAHEAD | MDB_NOTLS |
			    (rdonly ? MDB_RDONLY : 0);
	struct rlimit	rl;
	struct stat	st;
	uint64_t	txnid, msize;
	int		rc, attempt, dead;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((rc = mdb_env_create(&l->env)) != 0)
			return al_lmdb_err(l, rc, "create environment");
		if ((rc = mdb_env_set_maxdbs(l->env, 8)) != 0 ||
		    (rc = mdb_env_set_maxreaders(l->env, MAX_READERS)) != 0 ||
		    (mapsize && (rc = mdb_env_set_mapsize(l->env,
		    mapsize)) != 0)) {
			mdb_env_close(l->env);
			l->env = NULL;
			return al_lmdb_err(l, rc, "configure environment");
		}
		rc = mdb_env_open(l->env, dir, flags, 0600);
		if (rc == 0) {
			/* Slots of readers that died: free them now. */
			if ((rc = mdb_reader_check(l->env, &dead)) != 0)
				return al_lmdb_err(l, rc, "clear stale "
				    "readers");
			return 0;
		}
		mdb_env_close(l->env);
		l->env = NULL;
		if (!rdonly || (rc != EACCES && rc != EROFS && rc != EPERM))
			break;
		if (rc != EROFS && (l->wfd == -1 || fstat(l->wfd, &st) != 0 ||
		    (st.st_mode & 0222)))
			return al_seterr(l, AL_EIO, "%s: %s: a reader of a log "
			    "that can be written needs to write its lock file "
			    "(LMDB records each reader there): grant it, e.g. "
			    "group rw on lock.mdb (README, read access)",
			    l->lockpath, mdb_strerror(rc));
		flags |= MDB_NOLOCK;
	}
	if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
		return al_seterr(l, AL_ECORRUPT, "%s: the data file is "
		    "damaged or not an LMDB file: %s", dir, mdb_strerror(rc));
	/* An address-space limit (ulimit -v) is not damage. */
	if (rc == ENOMEM && getrlimit(RLIMIT_AS, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY)
		return al_seterr(l, AL_ENOMEM, "%s: cannot map %llu bytes "
		    "within the address-space limit of %llu bytes: raise the "
		    "limit (ulimit -v)", dir, (unsigned long long)(l->wfd !=
		    -1 && store_meta(l->wfd, &txnid, &msize) == 0 ? msize :
		    mapsize), (unsigned long long)rl.rlim_cur);
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
	int	rc, tries, dead, checked = 0;

	if (l->cl != NULL)
		return client_refuse(l);
	for (tries = 0; tries < MAX_TRIES; tries++) {
		rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, txn);
		if (rc == MDB_READERS_FULL && !checked) {
			/* Slots of readers that died since: free them. */
			checked = 1;
			if ((rc = mdb_reader_check(l->env, &dead)) != 0)
				break;
			continue;
		}
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

	if (l->cl != NULL) {
		rc = client_refuse(l);
		goto out;
	}
	if (l->wfd == -1) {
		rc = al_seterr(l, AL_EINVAL, "the log is not open for writing");
		goto out;
	}
	if ((rc = guard_lock(l, LOCK_EX)) != 0)
		goto out;
	for (tries = 0; tries < MAX_TRIES; tries++) {
		rc = mdb_txn_begin(l->env, NULL, 0, &txn);
		if (rc == MDB_MAP_RESIZED) {
			if ((rc = mdb_env_set_mapsize(l->env, 0)) != 0) {
				rc = al_lmdb_err(l, rc, "adopt map size");
				goto done;
			}
			continue;
		}
		if (rc != 0) {
			rc = al_lmdb_err(l, rc, "begin write transaction");
			goto done;
		}
		if ((rc = guard_check(l, txn)) != 0 ||
		    (rc = fn(l, txn, arg)) != 0) {
			mdb_txn_abort(txn);
			if (rc != AL_EMAPFULL)
				goto done;
		} else {
			if ((rc = mdb_txn_commit(txn)) == 0)
				goto done;
			if (rc != MDB_MAP_FULL) {
				rc = al_lmdb_err(l, rc, "commit");
				goto done;
			}
		}
		if ((rc = mdb_env_info(l->env, &info)) != 0) {
			rc = al_lmdb_err(l, rc, "read map size");
			goto done;
		}
		if (info.me_mapsize > SIZE_MAX / 2) {
			rc = al_seterr(l, AL_EIO, "the map cannot grow past "
			    "%zu bytes", info.me_mapsize);
			goto done;
		}
		if ((rc = mdb_env_set_mapsize(l->env,
		    info.me_mapsize * 2)) != 0) {
			rc = al_lmdb_err(l, rc, "grow the map");
			goto done;
		}
	}
	rc = al_seterr(l, AL_EIO, "gave up after %d attempts to grow the "
	    "map", MAX_TRIES);
done:
	(void)flock(l->wfd, LOCK_UN);
out:
	return rc;
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
