/* shim.c - fault injection: make the Nth call of one function fail */
#define _GNU_SOURCE		/* RTLD_NEXT */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "shim.h"

/*
 * Interposed on LMDB's write steps and on the libc calls under them, in
 * a test program linked with the shared liblmdb (faults.c: the program
 * arms it with fault_arm) or in the tool through LD_PRELOAD (the tool
 * links LMDB statically, so only the libc calls reach the shim; it is
 * armed by FAULT_FUNC, FAULT_NTH and FAULT_ERRNO, touches the file
 * FAULT_REPORT when the fault fires, and with FAULT_PATH counts only the
 * opens of paths that hold that text: a library's open of /dev/urandom,
 * say, is not a step of a write).  Calls of the armed function are
 * counted; the Nth fails with the chosen error, before it does anything;
 * every other call goes through.  Test code only: the library itself
 * never reads the environment.
 */

static char	armed[32];
static long	nth, calls;
static int	err, fired;
static char	report[4096], only[4096];

static int	(*real_open)(const char *, int, ...);

/* The real function of that name; abort if there is none to pass to. */
static void *
next(const char *name)
{
	void	*f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		abort();
	return f;
}

void
fault_arm(const char *fn, long n, int e)
{
	size_t	len = strlen(fn);

	if (len >= sizeof(armed))
		abort();
	memcpy(armed, fn, len + 1);
	nth = n;
	err = e;
	calls = 0;
	fired = 0;
}

long
fault_disarm(void)
{
	armed[0] = '\0';
	return calls;
}

int
fault_fired(void)
{
	return fired;
}

__attribute__((constructor)) static void
from_env(void)
{
	const char	*fn = getenv("FAULT_FUNC"), *n = getenv("FAULT_NTH");
	const char	*e = getenv("FAULT_ERRNO"), *r = getenv("FAULT_REPORT");

	if (fn == NULL || n == NULL)
		return;
	if (r != NULL && strlen(r) < sizeof(report))
		memcpy(report, r, strlen(r) + 1);
	if ((r = getenv("FAULT_PATH")) != NULL && strlen(r) < sizeof(only))
		memcpy(only, r, strlen(r) + 1);
	fault_arm(fn, atol(n), e != NULL ? atoi(e) : EIO);
}

/* Is this the call to fail?  Counts calls of the armed function. */
static int
hit(const char *fn)
{
	int	fd;

	if (armed[0] == '\0' || strcmp(fn, armed) != 0)
		return 0;
	if (++calls != nth)
		return 0;
	fired = 1;
	if (report[0] != '\0') {
		if (real_open == NULL)
			real_open = next("open");
		if ((fd = real_open(report, O_WRONLY | O_CREAT | O_CLOEXEC,
		    0600)) != -1)
			(void)close(fd);
	}
	return 1;
}

/* An open of a path FAULT_PATH leaves out is not counted. */
static int
hit_path(const char *fn, const char *p)
{
	if (only[0] != '\0' && (p == NULL || strstr(p, only) == NULL))
		return 0;
	return hit(fn);
}

/* LMDB: the error comes back as the function's return value. */

int
mdb_env_open(MDB_env *env, const char *path, unsigned int flags,
    mdb_mode_t mode)
{
	static int (*f)(MDB_env *, const char *, unsigned int, mdb_mode_t);

	if (hit("mdb_env_open"))
		return err;
	if (f == NULL)
		f = next("mdb_env_open");
	return f(env, path, flags, mode);
}

int
mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags,
    MDB_txn **txn)
{
	static int (*f)(MDB_env *, MDB_txn *, unsigned int, MDB_txn **);

	if (hit("mdb_txn_begin"))
		return err;
	if (f == NULL)
		f = next("mdb_txn_begin");
	return f(env, parent, flags, txn);
}

int
mdb_get(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data)
{
	static int (*f)(MDB_txn *, MDB_dbi, MDB_val *, MDB_val *);

	if (hit("mdb_get"))
		return err;
	if (f == NULL)
		f = next("mdb_get");
	return f(txn, dbi, key, data);
}

int
mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data,
    unsigned int flags)
{
	static int (*f)(MDB_txn *, MDB_dbi, MDB_val *, MDB_val *,
	    unsigned int);

	if (hit("mdb_put"))
		return err;
	if (f == NULL)
		f = next("mdb_put");
	return f(txn, dbi, key, data, flags);
}

/* A failed commit frees the transaction, as LMDB's own failures do. */
int
mdb_txn_commit(MDB_txn *txn)
{
	static int	(*f)(MDB_txn *);
	static void	(*abort_txn)(MDB_txn *);

	if (hit("mdb_txn_commit")) {
		if (abort_txn == NULL)
			abort_txn = next("mdb_txn_abort");
		abort_txn(txn);
		return err;
	}
	if (f == NULL)
		f = next("mdb_txn_commit");
	return f(txn);
}

/* libc: -1 with errno set. */

static mode_t
mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
	    (mode_t)va_arg(ap, int) : 0;
}

int
open(const char *path, int flags, ...)
{
	va_list	ap;
	mode_t	mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (hit_path("open", path)) {
		errno = err;
		return -1;
	}
	if (real_open == NULL)
		real_open = next("open");
	return real_open(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	static int	(*f)(const char *, int, ...);
	va_list		ap;
	mode_t		mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (hit_path("open", path)) {
		errno = err;
		return -1;
	}
	if (f == NULL)
		f = next("open64");
	return f(path, flags, mode);
}

int
openat(int dfd, const char *path, int flags, ...)
{
	static int	(*f)(int, const char *, int, ...);
	va_list		ap;
	mode_t		mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (hit_path("openat", path)) {
		errno = err;
		return -1;
	}
	if (f == NULL)
		f = next("openat");
	return f(dfd, path, flags, mode);
}

/* name, counted as what (pwrite64 is pwrite), its type, its call. */
#define PASS(ret, name, as, params, args)				\
ret									\
name params								\
{									\
	static ret	(*f) params;					\
									\
	if (hit(as)) {							\
		errno = err;						\
		return -1;						\
	}								\
	if (f == NULL)							\
		f = next(#name);					\
	return f args;							\
}

PASS(ssize_t, write, "write", (int fd, const void *p, size_t n), (fd, p, n))
PASS(ssize_t, writev, "writev", (int fd, const struct iovec *v, int n),
    (fd, v, n))
PASS(ssize_t, pwrite, "pwrite", (int fd, const void *p, size_t n, off_t o),
    (fd, p, n, o))
PASS(ssize_t, pwrite64, "pwrite",
    (int fd, const void *p, size_t n, off_t o), (fd, p, n, o))
PASS(ssize_t, pwritev, "pwritev",
    (int fd, const struct iovec *v, int n, off_t o), (fd, v, n, o))
PASS(int, fsync, "fsync", (int fd), (fd))
PASS(int, fdatasync, "fdatasync", (int fd), (fd))
PASS(int, msync, "msync", (void *p, size_t n, int flags), (p, n, flags))
PASS(int, ftruncate, "ftruncate", (int fd, off_t n), (fd, n))
PASS(int, mkdir, "mkdir", (const char *path, mode_t mode), (path, mode))
PASS(int, chmod, "chmod", (const char *path, mode_t mode), (path, mode))
