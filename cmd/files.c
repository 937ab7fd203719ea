/* files.c - the files a command reads whole: policies, keys, checkpoints */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "cmd.h"

#define KEY_MAX		4096
#define NOTE_MAX	(64 * 1024)

#define F_STDIN		0x01	/* "-" is standard input */
#define F_INSTALL	0x02	/* group and others may not write it */
#define F_SECRET	0x04	/* its owner's alone; wiped wherever freed */
#define F_NONUL		0x08	/* a NUL byte in it is refused */

/*
 * What each kind of file may be.  A policy to install must be a file that
 * only its owner can write, as doas demands of its configuration; a signer
 * key one that only its owner can read, as ssh demands of its keys.
 */
static const struct {
	size_t		 max;		/* bytes, at most */
	int		 flags;		/* F_* */
	const char	*what;		/* a directory is "not a WHAT" */
} kinds[] = {
	[FILE_POLICY] =		{ AL_MAX_POLICY, F_STDIN, "policy file" },
	[FILE_POLICY_INSTALL] =	{ AL_MAX_POLICY, F_STDIN | F_INSTALL,
				  "policy file" },
	[FILE_CHECKPOINT] =	{ NOTE_MAX, F_NONUL, NULL },
	[FILE_VKEY] =		{ KEY_MAX, F_NONUL, NULL },
	[FILE_SKEY] =		{ KEY_MAX, F_NONUL | F_SECRET, NULL },
};

/* Make room for cap bytes and a NUL; a secret leaves no copy behind. */
static int
grow(char **buf, size_t n, size_t cap, int secret)
{
	char	*nbuf;

	if (!secret) {
		if ((nbuf = realloc(*buf, cap + 1)) == NULL)
			return -1;
	} else {
		if ((nbuf = malloc(cap + 1)) == NULL)
			return -1;
		if (*buf != NULL) {
			memcpy(nbuf, *buf, n);
			explicit_bzero(*buf, n);
			free(*buf);
		}
	}
	*buf = nbuf;
	return 0;
}

/*
 * Read a file of a kind whole, NUL-terminated, into *out (free() it;
 * free_secret() a signer key).  Problems are said as "PATH: why"; the
 * status is EX_USAGE for a file that is missing, unreadable by us or not
 * of its kind, EX_UNAVAIL when reading it fails.
 */
int
read_file(const char *path, enum file_kind kind, char **out, size_t *len)
{
	const size_t	 max = kinds[kind].max;
	const int	 flags = kinds[kind].flags;
	const int	 secret = (flags & F_SECRET) != 0;
	struct stat	 st;
	char		*buf = NULL;
	size_t		 n = 0, cap;
	ssize_t		 r;
	int		 fd, status = EX_USAGE;

	*out = NULL;
	*len = 0;
	if ((flags & F_STDIN) && strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_NONBLOCK)) == -1) {
		msg("%s: %s", path, strerror(errno));
		return errno == ENOENT || errno == EACCES ? EX_USAGE :
		    EX_UNAVAIL;
	}
	if (fstat(fd, &st) != 0) {
		msg("%s: %s", path, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode) && kinds[kind].what != NULL) {
		msg("%s: is a directory, not a %s", path, kinds[kind].what);
		goto done;
	}
	if (fd != STDIN_FILENO && !S_ISREG(st.st_mode)) {
		msg("%s: not a regular file", path);
		goto done;
	}
	if ((flags & F_INSTALL) && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		msg("%s: others can write to it; refusing to install it "
		    "(chmod go-w)", path);
		goto done;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		msg("%s: others can read or write this signer key; refusing "
		    "it (chmod 600)", path);
		goto done;
	}
	if (fd != STDIN_FILENO && (uintmax_t)st.st_size > max) {
		msg("%s: larger than %zu bytes", path, max);
		goto done;
	}
	/* Opened without blocking, for a FIFO; read it as any file. */
	if (fd != STDIN_FILENO && fcntl(fd, F_SETFL, 0) == -1) {
		msg("%s: %s", path, strerror(errno));
		goto done;
	}
	/* A file's own size, and one byte more to see its end; a pipe's
	 * room grows.  Never more than max + 1: that byte is one too many. */
	cap = S_ISREG(st.st_mode) && st.st_size > 0 ?
	    (size_t)st.st_size + 1 : 8192;
	for (;;) {
		if (n == cap || buf == NULL) {
			if (buf != NULL)
				cap *= 2;
			if (cap > max + 1)
				cap = max + 1;
			if (grow(&buf, n, cap, secret) != 0) {
				msg("out of memory");
				status = EX_UNAVAIL;
				goto done;
			}
		}
		if ((r = read(fd, buf + n, cap - n)) == -1) {
			if (errno == EINTR)
				continue;
			msg("%s: %s", path, strerror(errno));
			status = EX_UNAVAIL;
			goto done;
		}
		if (r == 0 || (n += (size_t)r) > max)
			break;
	}
	if (n > max) {
		msg("%s: larger than %zu bytes", path, max);
		goto done;
	}
	if ((flags & F_NONUL) && memchr(buf, '\0', n) != NULL) {
		msg("%s: has a NUL byte", path);
		goto done;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	status = EX_OK;
done:
	if (secret && buf != NULL)
		explicit_bzero(buf, n);
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return status;
}

/* The name the log gives a policy read from path: its last part, "stdin". */
const char *
file_name(const char *path)
{
	const char	*slash;

	if (strcmp(path, "-") == 0)
		return "stdin";
	slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* Free a secret (a signer key) of len bytes, wiped first. */
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

	if ((status = read_file(file, FILE_CHECKPOINT, &t, &n)) != EX_OK)
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

	if ((status = read_file(file, FILE_VKEY, key, &n)) != EX_OK)
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

