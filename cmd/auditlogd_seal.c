/* auditlogd_seal.c - automatic checkpoints: signed, recorded, published */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlogd.h"

#define KEY_MAX		(KEY_BUF - 1)

/*
 * The signer key, read once at start: a regular file (not a link) that
 * nobody but its owner can read or write, as checkpoint --sign demands.
 * *key is NUL-terminated; free_key wipes it.
 */
int
read_signer(const char *path, char **key, size_t *len)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd, rc = -1;

	*key = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		dmsg("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		dmsg("%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		dmsg("%s: not a regular file", path);
		goto done;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		dmsg("%s: others can read or write this signer key; refusing "
		    "it (chmod 600)", path);
		goto done;
	}
	if (st.st_size > KEY_MAX) {
		dmsg("%s: larger than %d bytes", path, KEY_MAX);
		goto done;
	}
	if ((buf = malloc(KEY_BUF)) == NULL) {
		dmsg("out of memory");
		goto done;
	}
	while (n < KEY_MAX && (r = read(fd, buf + n, KEY_MAX - n)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			dmsg("%s: %s", path, strerror(errno));
			goto done;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	*key = buf;
	*len = n;
	buf = NULL;
	rc = 0;
done:
	free_key(buf, KEY_BUF);
	(void)close(fd);
	return rc;
}

void
free_key(char *key, size_t len)
{
	if (key != NULL) {
		explicit_bzero(key, len);
		free(key);
	}
}

/* why, printf-style, cut to whylen. */
static void __attribute__((format(printf, 3, 4)))
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vsnprintf(why, whylen, fmt, ap) < 0)
		why[0] = '\0';
	va_end(ap);
}

/*
 * Write text to dir/name whole, or not at all: a file beside it, renamed.
 * 0, or -1 with why.
 */
static int
publish_file(int dfd, const char *dir, const char *name, const char *text,
    size_t len, char *why, size_t whylen)
{
	char	tmp[64];
	size_t	off = 0;
	ssize_t	r;
	int	fd, n, rc = -1;

	n = snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		say(why, whylen, "%s: name too long", name);
		return -1;
	}
	(void)unlinkat(dfd, tmp, 0);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		say(why, whylen, "%s/%s: %s", dir, tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		if ((r = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			say(why, whylen, "%s/%s: %s", dir, tmp,
			    strerror(errno));
			goto fail;
		}
		off += (size_t)r;
	}
	/* The umask may have cut the mode: a checkpoint is public. */
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
		say(why, whylen, "%s/%s: %s", dir, tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		say(why, whylen, "%s/%s: %s", dir, tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, name) != 0) {
		say(why, whylen, "%s/%s: %s", dir, name, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd != -1)
		(void)close(fd);
	(void)unlinkat(dfd, tmp, 0);
	return rc;
}

int
seal_now(al_log *l, const struct seal_opts *so, const char *actor,
    char **note, size_t *len, uint64_t *seq, int *lrc, char *why,
    size_t whylen)
{
	struct al_checkpoint	 cp;
	char			 err[256], name[48];
	int			 dfd = -1, n, rc = -1;

	if ((*lrc = al_checkpoint(l, so->skey, actor, note, len, seq)) != 0) {
		say(why, whylen, "%s", al_errmsg(l));
		goto done;
	}
	if (so->publish == NULL) {
		rc = 0;
		goto done;
	}
	if (al_checkpoint_parse(*note, *len, NULL, &cp, err,
	    sizeof(err)) != 0) {
		say(why, whylen, "%s", err);
		goto done;
	}
	n = snprintf(name, sizeof(name), "checkpoint.%" PRIu64, cp.size);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		say(why, whylen, "checkpoint.%" PRIu64 ": name too long",
		    cp.size);
		goto done;
	}
	if ((dfd = open(so->publish, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		say(why, whylen, "%s: %s", so->publish, strerror(errno));
		goto done;
	}
	if (publish_file(dfd, so->publish, name, *note, *len, why,
	    whylen) != 0 || publish_file(dfd, so->publish, "latest", *note,
	    *len, why, whylen) != 0)
		goto done;
	if (fsync(dfd) != 0) {
		say(why, whylen, "%s: %s", so->publish, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (dfd != -1)
		(void)close(dfd);
	return rc;
}

/*
 * The automatic seal: seal_now as the daemon's user, a failure said.
 * Uses the handle: the caller is its one user at the time.
 */
int
seal(al_log *l, const struct seal_opts *so)
{
	char		*note = NULL, why[512];
	size_t		 len = 0;
	uint64_t	 seq = 0;
	int		 lrc, rc;

	if ((rc = seal_now(l, so, so->actor, &note, &len, &seq, &lrc, why,
	    sizeof(why))) != 0)
		dmsg("%s%s", lrc != 0 ? "checkpoint: " : "", why);
	free(note);
	return rc;
}

/* Who the checkpoint entries name: the daemon's user, as checkpoint does. */
const char *
seal_actor(void)
{
	static char	 buf[64];
	struct passwd	*pw;
	int		 n;

	/* A copy: getpwuid's storage is anyone's next call's. */
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name[0] != '\0')
		n = snprintf(buf, sizeof(buf), "%s", pw->pw_name);
	else
		n = snprintf(buf, sizeof(buf), "uid:%u", (unsigned)getuid());
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = snprintf(buf, sizeof(buf), "uid:%u", (unsigned)getuid());
	return n < 0 ? "uid:?" : buf;
}
