/* cmd_verify_export.c - auditlog verify-export: check a bundle for auditors */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char usage[] =
    "usage: auditlog verify-export FILE.tar.gz [--expect 'SEQ HASH'] "
    "[--key PUBFILE]\n"
    "           [--checkpoint FILE [--no-key]] [--json]\n";

static const struct option longopts[] = {
	{ "expect",	required_argument,	NULL, 'e' },
	{ "key",	required_argument,	NULL, 'k' },
	{ "checkpoint",	required_argument,	NULL, 'c' },
	{ "no-key",	no_argument,		NULL, 'n' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

int
cmd_verify_export(int argc, char **argv, const char *dir)
{
	struct al_bundle_opts	 o;
	struct al_bundle_summary s;
	struct verdict		 out = { 0, 0, "bundle" };
	struct al_checkpoint	 held;
	char			 err[256];
	char			*key = NULL;
	const char		*file, *keyfile = NULL, *cpfile = NULL;
	struct opts		 op = OPTS(argc, argv, ":", longopts, usage);
	int			 ch, fd, rc, status, nokey = 0, authentic;

	(void)dir;
	memset(&o, 0, sizeof(o));
	op.operands = 1;
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'e':
			if (expect_flag(usage, optarg, &o.expect_seq,
			    o.expect_hash) != EX_OK)
				return EX_USAGE;
			o.have_expect = 1;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'c':
			cpfile = optarg;
			break;
		case 'n':
			nokey = 1;
			break;
		case 'j':
			out.json = 1;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if (argc - optind != 1)
		return usage_error(usage, "verify-export takes one FILE");
	file = argv[optind];
	if (nokey && (cpfile == NULL || keyfile != NULL))
		return usage_error(usage, "--no-key goes with --checkpoint, "
		    "without --key");
	if (keyfile != NULL) {
		/* The key's own form is checked here, not in the bundle. */
		if ((status = read_vkey(keyfile, &key)) != EX_OK)
			return status;
		o.key = key;
	}
	if (cpfile != NULL) {
		if ((status = read_checkpoint(cpfile, key, &held, NULL,
		    NULL)) != EX_OK) {
			free(key);
			return status;
		}
		/* A signature left unchecked must be meant. */
		if (held.has_sig && key == NULL && !nokey)
			return usage_error(usage, "%s: the checkpoint is "
			    "signed: check its signature with --key PUBFILE, "
			    "or give --no-key", cpfile);
		o.checkpoint = &held;
	}
	/* Without either, nothing ties the bundle to the log's holder. */
	authentic = o.key != NULL || o.checkpoint != NULL;
	if (strcmp(file, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(file, O_RDONLY)) == -1) {
		msg("%s: %s", file, strerror(errno));
		if (out.json) {
			verdict_error(&out, strerror(errno));
			(void)finish(EX_UNAVAIL);
		}
		return EX_UNAVAIL;
	}
	o.problem = on_problem;
	o.arg = &out;
	verdict_begin(&out);
	if (progress_start(0, fd))
		o.progress = progress_cb;
	rc = al_verify_bundle(fd, &o, &s, err, sizeof(err));
	progress_end();
	free(key);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc != 0) {
		msg("%s: %s", file, err);
		verdict_not_run(&out);
		(void)finish(EX_UNAVAIL);
		return EX_UNAVAIL;
	}
	verdict_bundle(&out, &s, authentic);
	status = s.problems ? EX_NO : EX_OK;
	if (status == EX_NO)
		msg("%s: %" PRIu64 " problem%s found", file, s.problems,
		    s.problems == 1 ? "" : "s");
	return finish(status);
}
