/*
 * cmd_prove.c - auditlog prove: inclusion and consistency proofs in the
 * Merkle tree (docs/FORMAT.md section 14)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static int
b64_line(FILE *fp, const uint8_t *h)
{
	char	b[4 * ((AL_HASH_LEN + 2) / 3) + 1];

	al_base64(h, AL_HASH_LEN, b);
	return fprintf(fp, "%s\n", b) < 0 ? -1 : 0;
}

static const char prove_usage[] =
    "usage: auditlog [-d DIR] prove --seq N [--size M | --checkpoint FILE]\n"
    "       auditlog [-d DIR] prove --from SIZE1 [--to SIZE2]\n";

static int
size_arg(const char *what, const char *arg, uint64_t *v)
{
	char	*end;

	errno = 0;
	*v = strtoull(arg, &end, 10);
	if (errno || *end || end == arg || arg[0] == '-' || *v == 0)
		return usage_error(prove_usage, "%s takes a positive number",
		    what);
	return EX_OK;
}

int
cmd_prove(int argc, char **argv, const char *dir)
{
	static const struct option longopts[] = {
		{ "seq",	required_argument,	NULL, 'q' },
		{ "size",	required_argument,	NULL, 's' },
		{ "checkpoint",	required_argument,	NULL, 'c' },
		{ "from",	required_argument,	NULL, 'f' },
		{ "to",		required_argument,	NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	static struct al_proof	 p;
	struct al_checkpoint	 cp;
	const char		*cpfile = NULL;
	char			*cptext = NULL;
	char			 origin[AL_ORIGIN_MAX];
	uint64_t		 seq = 0, size = 0, from = 0, to = 0;
	size_t			 cplen = 0, i;
	al_log			*l = NULL;
	struct opts		 op = OPTS(argc, argv, ":", longopts,
	    prove_usage);
	int			 ch, rc, status;

	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'q':
			if (size_arg("--seq", optarg, &seq) != EX_OK)
				return EX_USAGE;
			break;
		case 's':
			if (size_arg("--size", optarg, &size) != EX_OK)
				return EX_USAGE;
			break;
		case 'c':
			cpfile = optarg;
			break;
		case 'f':
			if (size_arg("--from", optarg, &from) != EX_OK)
				return EX_USAGE;
			break;
		case 't':
			if (size_arg("--to", optarg, &to) != EX_OK)
				return EX_USAGE;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if ((seq == 0) == (from == 0))
		return usage_error(prove_usage, "give either --seq or --from");
	if (seq != 0 && to != 0)
		return usage_error(prove_usage, "--to goes with --from");
	if (from != 0 && (size != 0 || cpfile != NULL))
		return usage_error(prove_usage, "--size and --checkpoint go "
		    "with --seq");
	if (size != 0 && cpfile != NULL)
		return usage_error(prove_usage, "give --size or --checkpoint, "
		    "not both");
	if (cpfile != NULL) {
		if ((status = read_checkpoint(cpfile, NULL, &cp, &cptext,
		    &cplen)) != EX_OK)
			return status;
		size = cp.size;
	}
	if ((rc = log_open(dir, AL_RDONLY, &l)) != 0 ||
	    (rc = al_log_origin(l, origin, sizeof(origin))) != 0)
		goto fail;
	if (from != 0) {
		if ((rc = al_prove_consistency(l, from, to, &p)) != 0)
			goto fail;
		if (printf("auditlog-consistency-proof@v1\nold %llu ",
		    (unsigned long long)p.index) < 0 ||
		    b64_line(stdout, p.old_root) != 0 ||
		    printf("new %llu ", (unsigned long long)p.size) < 0 ||
		    b64_line(stdout, p.root) != 0)
			goto io;
		for (i = 0; i < p.n; i++)
			if (b64_line(stdout, p.hash[i]) != 0)
				goto io;
		status = finish(EX_OK);
		goto done;
	}
	if ((rc = al_prove_inclusion(l, seq, size, &p)) != 0)
		goto fail;
	if (cpfile != NULL && (strcmp(cp.origin, origin) != 0 ||
	    memcmp(cp.root, p.root, AL_HASH_LEN) != 0)) {
		msg("%s: this checkpoint is not of this log: %s", cpfile,
		    strcmp(cp.origin, origin) != 0 ? "another origin" :
		    "the log's tree of that size has another root");
		status = EX_NO;
		goto done;
	}
	if (printf("c2sp.org/tlog-proof@v1\nindex %llu\n",
	    (unsigned long long)p.index) < 0)
		goto io;
	for (i = 0; i < p.n; i++)
		if (b64_line(stdout, p.hash[i]) != 0)
			goto io;
	if (cpfile != NULL) {
		if (printf("\n%s", cptext) < 0)
			goto io;
	} else if (printf("\n%s\n%llu\n", origin,
	    (unsigned long long)p.size) < 0 || b64_line(stdout, p.root) != 0)
		goto io;
	status = finish(EX_OK);
	goto done;
fail:
	status = lib_fail(rc, l, EX_UNAVAIL);
	goto done;
io:
	msg("write: %s", strerror(errno));
	status = EX_UNAVAIL;
done:
	free(cptext);
	al_close(l);
	return status;
}
