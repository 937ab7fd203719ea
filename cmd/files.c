/* files.c - the files a command reads whole: policies, keys, checkpoints */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "cmd.h"

/*
 * Read a policy file ("-": standard input) whole.  For installing, the
 * file must be a regular file that only its owner can write, as doas
 * demands of its configuration.
 */
int
read_text(const char *path, int install, char **text, size_t *len,
    const char **name)
{
	struct stat	 st;
	const char	*slash;
	char		*buf = NULL, *nbuf;
	size_t		 n = 0, cap = 0;
	ssize_t		 r;
	int		 fd, status = EX_USAGE;

	*text = NULL;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		*name = "stdin";
	} else {
		if ((fd = open(path, O_RDONLY | O_NONBLOCK)) == -1) {
			msg("%s: %s", path, strerror(errno));
			return errno == ENOENT || errno == EACCES ? EX_USAGE :
			    EX_UNAVAIL;
		}
		slash = strrchr(path, '/');
		*name = slash ? slash + 1 : path;
	}
	if (fstat(fd, &st) != 0) {
		msg("%s: %s", path, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		msg("%s: is a directory, not a policy file", path);
		goto done;
	}
	if (fd != STDIN_FILENO && !S_ISREG(st.st_mode)) {
		msg("%s: not a regular file", path);
		goto done;
	}
	if (install && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		msg("%s: others can write to it; refusing to install it "
		    "(chmod go-w)", path);
		goto done;
	}
	if (fd != STDIN_FILENO && fcntl(fd, F_SETFL, 0) == -1) {
		msg("%s: %s", path, strerror(errno));
		goto done;
	}
	for (;;) {
		if (cap - n < 4096) {
			if (cap > AL_MAX_POLICY) {
				msg("%s: larger than %d bytes", path,
				    AL_MAX_POLICY);
				goto done;
			}
			cap = cap ? cap * 2 : 8192;
			if ((nbuf = realloc(buf, cap + 1)) == NULL) {
				msg("out of memory");
				status = EX_UNAVAIL;
				goto done;
			}
			buf = nbuf;
		}
		if ((r = read(fd, buf + n, cap - n)) == -1) {
			if (errno == EINTR)
				continue;
			msg("%s: %s", path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > AL_MAX_POLICY) {
		msg("%s: larger than %d bytes", path, AL_MAX_POLICY);
		goto done;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
	status = EX_OK;
done:
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return status;
}

/*
 * Read a small file whole, NUL-terminated.  A signer key must be readable
 * by its owner only, as ssh demands of its keys; it is wiped when freed.
 */
int
read_small(const char *path, size_t max, int secret, char **out,
    size_t *len)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd = -1, status = EX_USAGE;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK)) == -1) {
		msg("%s: %s", path, strerror(errno));
		return errno == ENOENT || errno == EACCES ? EX_USAGE :
		    EX_UNAVAIL;
	}
	if (fstat(fd, &st) != 0) {
		msg("%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		msg("%s: not a regular file", path);
		goto done;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		msg("%s: others can read or write this signer key; refusing "
		    "it (chmod 600)", path);
		goto done;
	}
	if ((size_t)st.st_size > max) {
		msg("%s: larger than %zu bytes", path, max);
		goto done;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		msg("out of memory");
		status = EX_UNAVAIL;
		goto done;
	}
	while (n < max) {
		if ((r = read(fd, buf + n, max - n)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			msg("%s: %s", path, strerror(errno));
			status = EX_UNAVAIL;
			goto done;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == max) {
		msg("%s: larger than %zu bytes", path, max);
		goto done;
	}
	if (memchr(buf, '\0', n) != NULL) {
		msg("%s: has a NUL byte", path);
		goto done;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	status = EX_OK;
done:
	if (buf != NULL) {
		explicit_bzero(buf, max + 1);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	return status;
}

void
free_secret(char *p, size_t len)
{
	if (p != NULL) {
		explicit_bzero(p, len);
		free(p);
	}
}

/*
 * Read and parse a checkpoint file; with a verifier key's text, its
 * signature by that key must hold.  The text is kept in *text when asked
 * for (free() it).  Problems are said as "FILE: why".
 */
int
read_checkpoint(const char *file, const char *key, struct al_checkpoint *cp,
    char **text, size_t *len)
{
	char	*t = NULL, err[256], pre[1024];
	size_t	 n;
	int	 rc, status;

	if ((status = read_small(file, NOTE_MAX, 0, &t, &n)) != EX_OK)
		return status;
	if ((rc = al_checkpoint_parse(t, n, key, cp, err, sizeof(err))) != 0) {
		if (snprintf(pre, sizeof(pre), "%s: ", file) < 0)
			pre[0] = '\0';
		msg_term(pre, err);
		free(t);
		return rc == AL_ECORRUPT ? EX_NO : rc == AL_EIO ? EX_UNAVAIL :
		    EX_USAGE;
	}
	if (text != NULL) {
		*text = t;
		*len = n;
	} else
		free(t);
	return EX_OK;
}

/* Read a verifier key file, and check its form: "FILE: why" if not. */
int
read_vkey(const char *file, char **key)
{
	char	err[256], pre[1024];
	size_t	n;
	int	status;

	if ((status = read_small(file, KEY_MAX, 0, key, &n)) != EX_OK)
		return status;
	if (al_key_check(*key, err, sizeof(err)) != 0) {
		if (snprintf(pre, sizeof(pre), "%s: ", file) < 0)
			pre[0] = '\0';
		msg_term(pre, err);
		free(*key);
		*key = NULL;
		return EX_USAGE;
	}
	return EX_OK;
}

