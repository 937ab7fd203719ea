/* ident.c - who asks for an entry: a uid's name and groups, resolved once */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bsd/stdlib.h>

#include "al_int.h"

#define NSS_BUF_MAX	(1024 * 1024)	/* a group of many members */

/*
 * A name as an entry holds it: text by the entry's rules, no longer than
 * max; else "" (no name), so that a rule naming it fails closed rather
 * than matching a name cut short.
 */
static void
name_copy(char *out, size_t max, const char *name)
{
	size_t	n = strlen(name), bad;

	if (n > max || al_utf8_ok((const uint8_t *)name, n, &bad) != 0)
		n = 0;
	memcpy(out, name, n);
	out[n] = '\0';
}

/*
 * getpwuid_r and getgrgid_r want a buffer big enough for the record;
 * it grows on ERANGE up to NSS_BUF_MAX.  0 found, 1 none, or AL_ENOMEM.
 */
static int
user_name(uid_t uid, char *out, size_t max, char **buf, size_t *cap)
{
	struct passwd	 pw, *res;
	char		*nb;
	int		 e;

	for (;;) {
		res = NULL;
		e = getpwuid_r(uid, &pw, *buf, *cap, &res);
		if (e != ERANGE)
			break;
		if (*cap >= NSS_BUF_MAX)
			return 1;	/* a record too big to read: none */
		if ((nb = realloc(*buf, *cap * 2)) == NULL)
			return AL_ENOMEM;
		*buf = nb;
		*cap *= 2;
	}
	if (e != 0 || res == NULL)
		return 1;
	name_copy(out, max, res->pw_name);
	return 0;
}

/* 0: the name, or none because the group has none; 1: none, unsure. */
static int
group_name(gid_t gid, char *out, size_t max, char **buf, size_t *cap)
{
	struct group	 gr, *res;
	char		*nb;
	int		 e;

	out[0] = '\0';
	for (;;) {
		res = NULL;
		e = getgrgid_r(gid, &gr, *buf, *cap, &res);
		if (e != ERANGE)
			break;
		if (*cap >= NSS_BUF_MAX || (nb = realloc(*buf,
		    *cap * 2)) == NULL)
			return 1;	/* a record too big to read: none */
		*buf = nb;
		*cap *= 2;
	}
	if (e != 0)
		return 1;
	if (res != NULL)
		name_copy(out, max, res->gr_name);
	return 0;
}

static int
gid_cmp(const void *a, const void *b)
{
	gid_t	x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The groups: getgrouplist's (the primary gid included), sorted, with
 * duplicates dropped and only the first AL_MAX_GROUPS kept; a rule naming
 * a group past the cut does not match (fail closed).  *sure: the user was
 * found and every group name read without an error (what a cache keeps).
 */
static int
resolve(struct al_ident *id, uint32_t pid, uint32_t uid, uint32_t gid,
    int attested, int *sure)
{
	gid_t	*gl = NULL, *ng;
	char	*buf = NULL;
	size_t	 cap = 4096, i;
	int	 n = 64, have, rc;

	memset(id, 0, sizeof(*id));
	id->pid = pid;
	id->uid = uid;
	id->gid = gid;
	id->attested = attested != 0;
	if ((buf = malloc(cap)) == NULL ||
	    (gl = reallocarray(NULL, (size_t)n, sizeof(*gl))) == NULL) {
		rc = AL_ENOMEM;
		goto done;
	}
	if ((rc = user_name((uid_t)uid, id->user, AL_MAX_NAME, &buf,
	    &cap)) < 0)
		goto done;
	have = rc == 0 && id->user[0] != '\0';
	*sure = have;
	gl[0] = (gid_t)gid;
	if (!have)
		n = 1;
	else
		while (getgrouplist(id->user, (gid_t)gid, gl, &n) == -1) {
			/* n is now the number it needs. */
			if (n <= 0 || n > 65536 || (ng = reallocarray(gl,
			    (size_t)n, sizeof(*gl))) == NULL) {
				rc = AL_ENOMEM;
				goto done;
			}
			gl = ng;
		}
	qsort(gl, (size_t)n, sizeof(*gl), gid_cmp);
	for (i = 0; i < (size_t)n && id->ngroups < AL_MAX_GROUPS; i++) {
		if (id->ngroups > 0 &&
		    id->gids[id->ngroups - 1] == (uint32_t)gl[i])
			continue;
		id->gids[id->ngroups++] = (uint32_t)gl[i];
	}
	for (i = 0; i < id->ngroups; i++)
		if (group_name((gid_t)id->gids[i], id->gname[i],
		    AL_MAX_GROUPNAME, &buf, &cap) != 0)
			*sure = 0;
	rc = 0;
done:
	free(buf);
	free(gl);
	return rc;
}

int
al_ident_resolve(struct al_ident *id, uint32_t pid, uint32_t uid,
    uint32_t gid, int attested)
{
	int	sure;

	return resolve(id, pid, uid, gid, attested, &sure);
}

/*
 * The cache (auditlogd resolves the peer of every connection).  An entry
 * serves only while the files the databases are read from are as they
 * were when it was made, and for at most IDENT_MAX_AGE_NS: a change made
 * with useradd, usermod, gpasswd or an editor replaces or rewrites one of
 * them, so the next look-up sees it at once; the age bounds what changes
 * elsewhere (nss-systemd's dynamic users, a directory service) without
 * touching them.  The files are looked at by al_ident_cache_check, which
 * the caller runs once for a round of look-ups (auditlogd: after a round
 * of accepts, so that every peer connected before the look).  A look-up
 * that was not sure (no such user, a source that failed) is not kept.
 */
#define IDENT_CACHE		16
#define IDENT_MAX_AGE_NS	1000000000ULL	/* 1 s */

static const char *const ident_files[] = {
	"/etc/passwd", "/etc/group", "/etc/nsswitch.conf"
};
#define NFILES	(sizeof(ident_files) / sizeof(ident_files[0]))

/* What says a file changed: all 0 when it is missing. */
struct fsig {
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime, ctime;
	int		err;
};

struct cached {
	uint32_t	 uid, gid;
	uint64_t	 made_ns;	/* 0: a free slot */
	struct al_ident	 id;
};

struct al_ident_cache {
	struct fsig	sig[NFILES];
	struct cached	c[IDENT_CACHE];
};

static uint64_t
mono_ns(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
fsig_of(const char *path, struct fsig *f)
{
	struct stat	st;

	memset(f, 0, sizeof(*f));
	if (stat(path, &st) != 0) {
		f->err = errno;
		return;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	f->ctime = st.st_ctim;
}

static int
fsig_same(const struct fsig *a, const struct fsig *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino &&
	    a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

al_ident_cache *
al_ident_cache_new(void)
{
	return calloc(1, sizeof(al_ident_cache));
}

void
al_ident_cache_free(al_ident_cache *ic)
{
	free(ic);
}

void
al_ident_cache_check(al_ident_cache *ic)
{
	struct fsig	now[NFILES];
	size_t		i;
	int		same = 1;

	for (i = 0; i < NFILES; i++) {
		fsig_of(ident_files[i], &now[i]);
		if (!fsig_same(&now[i], &ic->sig[i]))
			same = 0;
	}
	if (!same) {
		memset(ic->c, 0, sizeof(ic->c));
		memcpy(ic->sig, now, sizeof(ic->sig));
	}
}

int
al_ident_cache_resolve(al_ident_cache *ic, struct al_ident *id,
    uint32_t pid, uint32_t uid, uint32_t gid, int attested)
{
	struct cached	*e, *old, *hit = NULL;
	uint64_t	 t;
	size_t		 i;
	int		 rc = 0, sure;

	t = mono_ns();
	old = &ic->c[0];
	for (i = 0; i < IDENT_CACHE && hit == NULL; i++) {
		e = &ic->c[i];
		if (e->made_ns != 0 && t - e->made_ns < IDENT_MAX_AGE_NS &&
		    e->uid == uid && e->gid == gid)
			hit = e;
		else if (e->made_ns < old->made_ns)
			old = e;
	}
	if (hit != NULL) {
		memcpy(id, &hit->id, sizeof(*id));
		id->pid = pid;
		id->attested = attested != 0;
	} else if ((rc = resolve(id, pid, uid, gid, attested, &sure)) == 0 &&
	    sure) {
		old->uid = uid;
		old->gid = gid;
		old->made_ns = t;
		memcpy(&old->id, id, sizeof(*id));
	}
	return rc;
}
