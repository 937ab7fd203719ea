/* cmd_export.c - auditlog export and auditlog report: bundles for auditors */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "cmd.h"

static const char export_usage[] =
    "usage: auditlog [-d DIR] export -o FILE.tar.gz [--force] "
    "[--customer ID] [--actor WHO]\n"
    "           [--purpose P] [--decision allow|deny] [--since TIME] "
    "[--until TIME]\n"
    "           [--from-seq N] [--to-seq N] [--level 1-9]\n"
    "           [--sign KEYFILE [--signer WHO] | --checkpoint FILE]\n";
static const char report_usage[] =
    "usage: auditlog [-d DIR] report [--customer ID] [--actor WHO] "
    "[--purpose P]\n"
    "           [--decision allow|deny] [--since TIME] [--until TIME]\n"
    "           [--from-seq N] [--to-seq N] [--json]\n";

static const struct option longopts[] = {
	FILTER_OPTIONS,
	FILTER_SEQ_OPTIONS,
	{ "output",	required_argument,	NULL, 'o' },
	{ "level",	required_argument,	NULL, 'l' },
	{ "sign",	required_argument,	NULL, 's' },
	{ "signer",	required_argument,	NULL, 'a' },
	/* its name before 0.2: a deprecated alias of --signer */
	{ "actor-sign",	required_argument,	NULL, 'a' },
	{ "force",	no_argument,		NULL, 'f' },
	{ "checkpoint",	required_argument,	NULL, 'c' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

struct args {
	struct al_export_opts	 o;
	const char		*out;
	const char		*sign, *signer, *checkpoint;
	int			 json, force;
};

static int
parse(int argc, char **argv, int export, struct args *a)
{
	const char	*usage = export ? export_usage : report_usage;
	struct opts	 op = OPTS(argc, argv, export ? ":o:" : ":", longopts,
	    usage);
	const char	*sde;
	char		*end;
	long		 n;
	int		 ch;

	memset(a, 0, sizeof(*a));
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'o':
			if (!export)
				return bad_option(usage, '?', argv);
			a->out = optarg;
			break;
		case 'l':
			n = strtol(optarg, &end, 10);
			if (!export)
				return bad_option(usage, '?', argv);
			if (*end || end == optarg || n < 1 || n > 9)
				return usage_arg(usage, "--level takes 1 to 9, "
				    "not", optarg);
			a->o.level = (int)n;
			break;
		case 's':
		case 'a':
		case 'c':
			if (!export)
				return bad_option(usage, '?', argv);
			if (ch == 's')
				a->sign = optarg;
			else if (ch == 'a')
				a->signer = optarg;
			else
				a->checkpoint = optarg;
			break;
		case 'f':
			if (!export)
				return bad_option(usage, '?', argv);
			a->force = 1;
			break;
		case 'j':
			if (export)
				return bad_option(usage, '?', argv);
			a->json = 1;
			break;
		default:
			if (filter_flag(ch, optarg, &a->o.f, usage) != EX_OK)
				return EX_USAGE;
		}
	}
	/* -1: --help was printed, and the command is done. */
	if (ch == OPT_STOP)
		return op.status == EX_OK ? -1 : op.status;
	if (export && a->out == NULL)
		return usage_error(usage, "-o FILE is required (- for "
		    "standard output)");
	if (a->sign != NULL && a->checkpoint != NULL)
		return usage_error(usage, "give --sign or --checkpoint, not "
		    "both");
	if (a->signer != NULL && a->sign == NULL)
		return usage_error(usage, "--signer goes with --sign");
	if (filter_check(&a->o.f, usage) != EX_OK)
		return EX_USAGE;
	/* Reproducible bundles: the creation time from the environment. */
	if ((sde = getenv("SOURCE_DATE_EPOCH")) != NULL && *sde != '\0') {
		unsigned long long	t;

		errno = 0;
		t = strtoull(sde, &end, 10);
		if (errno || *end || sde[0] == '-' || t == 0 ||
		    t > UINT64_MAX / 1000000000ULL)
			return usage_arg(usage, "SOURCE_DATE_EPOCH is not a "
			    "time in seconds:", sde);
		a->o.created_ns = t * 1000000000ULL;
	}
	return EX_OK;
}

/* Without --force, a bundle already there is kept: say so. */
static int
exists(const char *out)
{
	struct stat	st;

	if (lstat(out, &st) != 0)
		return 0;
	msg("%s exists: give --force to replace it", out);
	return 1;
}

/*
 * The finished bundle into place: renamed over anything with --force;
 * else linked, which refuses a file made there meanwhile (a file system
 * without links gets a rename, after the check made at the start).
 */
static int
put_in_place(const char *tmp, const char *out, int force)
{
	if (!force && link(tmp, out) == 0) {
		(void)unlink(tmp);
		return EX_OK;
	}
	if (!force && errno == EEXIST) {
		(void)exists(out);
		return EX_USAGE;
	}
	if (!force && errno != EPERM && errno != EOPNOTSUPP &&
	    errno != ENOSYS) {
		msg("%s: %s", out, strerror(errno));
		return EX_UNAVAIL;
	}
	if (rename(tmp, out) != 0) {
		msg("%s: %s", out, strerror(errno));
		return EX_UNAVAIL;
	}
	return EX_OK;
}

int
cmd_export(int argc, char **argv, const char *dir)
{
	struct al_export_result	 r;
	struct args		 a;
	char			*tmp = NULL, *copy = NULL;
	char			*cptext = NULL, *skey = NULL;
	size_t			 klen = 0;
	const char		*scratch;
	al_log			*l = NULL;
	int			 fd = -1, rc, status, n;
	size_t			 len;

	if ((status = parse(argc, argv, 1, &a)) != EX_OK)
		return status < 0 ? EX_OK : status;
	if (progress_start(0, -1))
		a.o.progress = progress_cb;
	if (strcmp(a.out, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			msg("refusing to write a compressed bundle to a "
			    "terminal");
			return EX_USAGE;
		}
		fd = STDOUT_FILENO;
		scratch = getenv("TMPDIR");
		if (scratch == NULL || *scratch == '\0')
			scratch = "/tmp";
	} else {
		if (!a.force && exists(a.out))
			return EX_USAGE;
		/*
		 * Write a temporary file beside the bundle and rename it
		 * into place: a failed export leaves no partial bundle.
		 */
		if ((copy = strdup(a.out)) == NULL) {
			msg("out of memory");
			return EX_UNAVAIL;
		}
		scratch = dirname(copy);
		len = strlen(scratch) + 32;
		if ((tmp = malloc(len)) == NULL) {
			msg("out of memory");
			status = EX_UNAVAIL;
			goto done;
		}
		n = snprintf(tmp, len, "%s/.auditlog-export.XXXXXX", scratch);
		if (n < 0 || (size_t)n >= len || (fd = mkstemp(tmp)) == -1) {
			msg("%s: cannot create a file there: %s", scratch,
			    strerror(errno));
			free(tmp);
			tmp = NULL;
			status = EX_UNAVAIL;
			goto done;
		}
		/* mkstemp's 0600 is less the umask: 0600 whatever it is. */
		if (fchmod(fd, 0600) != 0) {
			msg("%s: %s", tmp, strerror(errno));
			status = EX_UNAVAIL;
			goto done;
		}
	}
	a.o.scratch = scratch;
	if (a.checkpoint != NULL && (status = read_file(a.checkpoint,
	    FILE_CHECKPOINT, &cptext, &len)) != EX_OK)
		goto done;
	if (a.sign != NULL && (status = read_file(a.sign, FILE_SKEY, &skey,
	    &klen)) != EX_OK)
		goto done;
	status = EX_OK;
	if ((rc = log_open(dir, a.sign != NULL ? 0 : AL_RDONLY, &l)) != 0)
		goto fail;
	/* Signed: the head is published (recorded) and the bundle proven
	 * in it; a checkpoint given: proven in that one. */
	if (a.sign != NULL && (rc = al_checkpoint(l, skey, a.signer ?
	    a.signer : whoami(), &cptext, &len, NULL)) != 0)
		goto fail;
	a.o.checkpoint = cptext;
	a.o.checkpoint_len = cptext != NULL ? len : 0;
	if ((rc = al_export(l, &a.o, fd, &r)) != 0) {
fail:
		progress_end();
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	progress_end();
	if (fd != STDOUT_FILENO) {
		if (fsync(fd) != 0 || close(fd) != 0) {
			fd = -1;
			msg("%s: %s", a.out, strerror(errno));
			status = EX_UNAVAIL;
			goto done;
		}
		fd = -1;
		if ((status = put_in_place(tmp, a.out, a.force)) != EX_OK)
			goto done;
		free(tmp);
		tmp = NULL;
		if (r.entries)
			printf("wrote %s: %" PRIu64 " entries (seq %" PRIu64
			    " to %" PRIu64 ")\n", a.out, r.entries, r.first_seq,
			    r.last_seq);
		else
			printf("wrote %s: no entries match\n", a.out);
	}
	status = EX_OK;
	if (r.problems) {
		msg("%" PRIu64 " problem%s found at export time: see the "
		    "bundle's summary.txt", r.problems,
		    r.problems == 1 ? "" : "s");
		status = EX_NO;
	}
	status = fd == STDOUT_FILENO ? status : finish(status);
done:
	if (fd > STDOUT_FILENO)
		close(fd);
	if (tmp != NULL)
		(void)unlink(tmp);
	free(tmp);
	free(copy);
	free(cptext);
	free_secret(skey, klen);
	al_close(l);
	return status;
}

int
cmd_report(int argc, char **argv, const char *dir)
{
	struct al_export_result	 r;
	struct args		 a;
	al_log			*l = NULL;
	int			 rc, status;

	if ((status = parse(argc, argv, 0, &a)) != EX_OK)
		return status < 0 ? EX_OK : status;
	if ((rc = log_open(dir, AL_RDONLY, &l)) != 0 ||
	    (rc = al_report(l, &a.o, stdout, a.json, &r)) != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	status = EX_OK;
	if (r.problems) {
		msg("%" PRIu64 " problem%s found", r.problems,
		    r.problems == 1 ? "" : "s");
		status = EX_NO;
	}
	status = finish(status);
done:
	al_close(l);
	return status;
}
