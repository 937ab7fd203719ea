/* cmd_keygen.c - auditlog keygen: an Ed25519 key pair, for checkpoints */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/* Write a new file (never over one) with mode, whole, synced. */
static int
write_new(const char *path, const char *text, mode_t mode)
{
	size_t	n = strlen(text), off = 0;
	ssize_t	w;
	int	fd, status = EX_UNAVAIL;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1) {
		msg("%s: %s", path, strerror(errno));
		return errno == EEXIST ? EX_USAGE : EX_UNAVAIL;
	}
	/* The umask may only have taken bits away; make them exact. */
	if (fchmod(fd, mode) != 0) {
		msg("%s: %s", path, strerror(errno));
		goto done;
	}
	while (off < n) {
		if ((w = write(fd, text + off, n - off)) == -1) {
			if (errno == EINTR)
				continue;
			msg("%s: %s", path, strerror(errno));
			goto done;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		msg("%s: %s", path, strerror(errno));
		goto done;
	}
	status = EX_OK;
done:
	if (close(fd) != 0 && status == EX_OK) {
		msg("%s: %s", path, strerror(errno));
		status = EX_UNAVAIL;
	}
	if (status != EX_OK)
		(void)unlink(path);
	return status;
}

static const char keygen_usage[] =
    "usage: auditlog keygen -o NAME [--name KEYNAME]\n";

int
cmd_keygen(int argc, char **argv, const char *dir)
{
	static const struct option longopts[] = {
		{ "name",	required_argument,	NULL, 'n' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*out = NULL, *name = NULL, *slash;
	char		 err[256], kpath[4096], ppath[4096];
	char		*skey = NULL, *vkey = NULL;
	struct opts	 op = OPTS(argc, argv, ":o:", longopts, keygen_usage);
	int		 ch, n1, n2, status;

	(void)dir;
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if (out == NULL || *out == '\0')
		return usage_error(keygen_usage, "-o NAME is required");
	if (name == NULL) {
		slash = strrchr(out, '/');
		name = slash != NULL ? slash + 1 : out;
	}
	n1 = snprintf(kpath, sizeof(kpath), "%s.key", out);
	n2 = snprintf(ppath, sizeof(ppath), "%s.pub", out);
	if (n1 < 0 || (size_t)n1 >= sizeof(kpath) || n2 < 0 ||
	    (size_t)n2 >= sizeof(ppath))
		return usage_error(keygen_usage, "%s: name too long", out);
	if (al_keygen(name, &skey, &vkey, err, sizeof(err)) != 0) {
		msg_term("", err);
		return EX_USAGE;
	}
	if ((status = write_new(kpath, skey, 0600)) != EX_OK)
		goto done;
	if ((status = write_new(ppath, vkey, 0644)) != EX_OK) {
		(void)unlink(kpath);
		goto done;
	}
	status = finish(EX_OK);
	if (status != EX_OK) {
		(void)unlink(kpath);
		(void)unlink(ppath);
	}
done:
	free_secret(skey, skey != NULL ? strlen(skey) : 0);
	free(vkey);
	return status;
}
