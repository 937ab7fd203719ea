/* ident.c - who asks for an entry: a uid's name and groups, resolved once */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
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

static void
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
			return;		/* a record too big to read: none */
		*buf = nb;
		*cap *= 2;
	}
	if (e == 0 && res != NULL)
		name_copy(out, max, res->gr_name);
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
 * a group past the cut does not match (fail closed).
 */
int
al_ident_resolve(struct al_ident *id, uint32_t pid, uint32_t uid,
    uint32_t gid, int attested)
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
		group_name((gid_t)id->gids[i], id->gname[i], AL_MAX_GROUPNAME,
		    &buf, &cap);
	rc = 0;
done:
	free(buf);
	free(gl);
	return rc;
}
