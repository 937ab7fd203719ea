/* cmd_checkpoint.c - auditlog checkpoint: the tree head, signed and recorded */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char checkpoint_usage[] =
    "usage: auditlog [-d DIR] checkpoint [--sign KEYFILE [--signer WHO]]\n";

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
	if (fwrite(note, 1, nlen, stdout) != nlen) {
		msg("write: %s", strerror(errno));
		status = EX_UNAVAIL;
		goto done;
	}
	status = finish(EX_OK);
done:
	free(note);
	free_secret(skey, klen);
	al_close(l);
	return status;
}
