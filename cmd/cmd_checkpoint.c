/* cmd_checkpoint.c - auditlog checkpoint: the tree head, signed and recorded */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char checkpoint_usage[] =
    "usage: auditlog [-d DIR] checkpoint [--sign KEYFILE [--signer WHO]]\n"
    "       auditlog -s SOCKET checkpoint [--signer WHO]\n";

/* Print a note as it is: a checkpoint file is its bytes. */
static int
put_note(const char *note, size_t len)
{
	if (fwrite(note, 1, len, stdout) != len) {
		msg("write: %s", strerror(errno));
		return EX_UNAVAIL;
	}
	return finish(EX_OK);
}

/*
 * A checkpoint from auditlogd, signed with its key and recorded; actor,
 * a label, else the daemon names this process's user.
 */
static int
by_daemon(const char *actor)
{
	al_log		*l = NULL;
	char		*note = NULL;
	size_t		 len = 0;
	uint64_t	 seq;
	int		 rc, status;

	if ((rc = sock_open(opt_socket, &l)) != 0 ||
	    (rc = al_checkpoint(l, NULL, actor, &note, &len, &seq)) != 0)
		status = lib_fail(rc, l, EX_UNAVAIL);
	else
		status = put_note(note, len);
	free(note);
	al_close(l);
	return status;
}

int
cmd_checkpoint(int argc, char **argv, const char *dir)
{
	static const struct option longopts[] = {
		{ "sign",	required_argument,	NULL, 's' },
		{ "signer",	required_argument,	NULL, 'a' },
		/* its name before 0.2, as deprecated as export's */
		{ "actor",	required_argument,	NULL, 'a' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*keyfile = NULL, *actor = NULL;
	char		*skey = NULL, *note = NULL;
	size_t		 klen = 0, nlen = 0;
	uint64_t	 seq;
	al_log		*l = NULL;
	struct opts	 op = OPTS(argc, argv, ":", longopts, checkpoint_usage);
	int		 ch, rc, status;

	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 's':
			keyfile = optarg;
			break;
		case 'a':
			actor = optarg;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	/*
	 * With -s, auditlogd signs with its own key, records and publishes:
	 * only when -s names it, since a plain checkpoint reads the files.
	 */
	if (opt_socket_given && keyfile != NULL)
		return usage_error(checkpoint_usage, "-s and --sign: through "
		    "auditlogd, the daemon signs with its own key (auditlogd "
		    "--key)");
	if (opt_socket_given)
		return by_daemon(actor);
	if (actor != NULL && keyfile == NULL)
		return usage_error(checkpoint_usage, "--signer goes with "
		    "--sign: only a signed checkpoint is recorded");
	if (keyfile != NULL && (status = read_file(keyfile, FILE_SKEY,
	    &skey, &klen)) != EX_OK)
		return status;
	if (keyfile != NULL && actor == NULL)
		actor = whoami();
	if ((rc = log_open(dir, keyfile != NULL ? 0 : AL_RDONLY, &l)) != 0 ||
	    (rc = al_checkpoint(l, skey, actor, &note, &nlen, &seq)) != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	status = put_note(note, nlen);
done:
	free(note);
	free_secret(skey, klen);
	al_close(l);
	return status;
}
