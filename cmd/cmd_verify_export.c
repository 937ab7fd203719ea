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
    "usage: auditlog verify-export FILE.tar.gz [--expect SEQ:HASH] "
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
	struct problems		 out = { 0, 0, "bundle" };
	struct al_checkpoint	 held;
	char			 err[256], hex[2 * AL_HASH_LEN + 1];
	char			*key = NULL;
	const char		*file, *keyfile = NULL, *cpfile = NULL;
	int			 ch, fd, rc, status, nokey = 0, authentic;

	(void)dir;
	memset(&o, 0, sizeof(o));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
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
		case 'h':
			return help(usage);
		default:
			return bad_option(usage, ch, argv);
		}
	}
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
			printf("{\"ok\":false,\"error\":");
			put_json(stdout, strerror(errno), strlen(strerror(errno)));
			printf("}\n");
			(void)finish(EX_UNAVAIL);
		}
		return EX_UNAVAIL;
	}
	o.problem = on_problem;
	o.arg = &out;
	if (out.json)
		fputs("{\"problems\":[", stdout);
	rc = al_verify_bundle(fd, &o, &s, err, sizeof(err));
	free(key);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc != 0) {
		msg("%s: %s", file, err);
		if (out.json)
			printf("],\"ok\":false,\"error\":\"could not run\"}\n");
		(void)finish(EX_UNAVAIL);
		return EX_UNAVAIL;
	}
	al_hex(s.head_hash, AL_HASH_LEN, hex);
	if (out.json) {
		printf("],\"ok\":%s,\"authenticated\":%s,\"entries\":%" PRIu64,
		    s.problems ? "false" : "true", !s.problems && authentic ?
		    "true" : "false", s.entries);
		if (s.entries)
			printf(",\"first_seq\":%" PRIu64 ",\"last_seq\":%"
			    PRIu64, s.first_seq, s.last_seq);
		else
			printf(",\"first_seq\":null,\"last_seq\":null");
		if (s.head_seq)
			printf(",\"head\":{\"seq\":%" PRIu64 ",\"hash\":"
			    "\"%s\"}", s.head_seq, hex);
		else
			printf(",\"head\":null");
		if (s.tree_size)
			printf(",\"tree\":{\"size\":%" PRIu64 ",\"signed\":"
			    "%s}", s.tree_size, s.signed_by_key ? "true" :
			    "false");
		printf(",\"problems_found\":%" PRIu64 "}\n", s.problems);
	} else if (s.problems == 0) {
		printf("bundle %s: %" PRIu64 " entries", authentic ?
		    "verified" : "consistent", s.entries);
		if (s.entries)
			printf(" (seq %" PRIu64 " to %" PRIu64 ")", s.first_seq,
			    s.last_seq);
		printf(", head %" PRIu64 " %s\n", s.head_seq, hex);
		if (s.tree_size)
			printf("proven in the log's tree of size %" PRIu64
			    "%s\n", s.tree_size, s.signed_by_key ?
			    ", whose head the key signed" : "");
		if (!authentic)
			printf("NOT AUTHENTICATED: without --key or "
			    "--checkpoint this shows only that the bundle is "
			    "consistent in itself, not that it is the log's\n");
	} else
		printf("FAILED: %" PRIu64 " problem%s\n", s.problems,
		    s.problems == 1 ? "" : "s");
	status = s.problems ? EX_NO : EX_OK;
	if (status == EX_NO)
		msg("%s: %" PRIu64 " problem%s found", file, s.problems,
		    s.problems == 1 ? "" : "s");
	return finish(status);
}
