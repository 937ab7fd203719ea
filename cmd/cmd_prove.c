/*
 * cmd_tree.c - the Merkle tree's commands: keygen, checkpoint, prove,
 * upgrade (docs/FORMAT.md section 14)
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>
#include <openssl/evp.h>

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
	int		 ch, n1, n2, status;

	(void)dir;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			return help(keygen_usage);
		default:
			return bad_option(keygen_usage, ch, argv);
		}
	}
	if (optind < argc)
		return usage_arg(keygen_usage, "unexpected argument",
		    argv[optind]);
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

static int
b64_line(FILE *fp, const uint8_t *h)
{
	char	b[4 * ((AL_HASH_LEN + 2) / 3) + 1];

	EVP_EncodeBlock((uint8_t *)b, h, AL_HASH_LEN);
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
	int			 ch, rc, status;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
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
		case 'h':
			return help(prove_usage);
		default:
			return bad_option(prove_usage, ch, argv);
		}
	}
	if (optind < argc)
		return usage_arg(prove_usage, "unexpected argument",
		    argv[optind]);
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
	if ((rc = al_open(dir, AL_RDONLY, &l)) != 0 ||
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
