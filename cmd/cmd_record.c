/* cmd_record.c - auditlog record and auditlog check: decide an access */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char record_usage[] =
    "usage: auditlog [-d DIR] record --actor WHO --customer ID --purpose P "
    "--action A\n"
    "           [--data CATEGORY] [--resource R] [--ref REF] "
    "[--reason TEXT] [--service NAME]\n"
    "       auditlog [-d DIR] record --batch [--batch-size N] "
    "[--batch-ms MS] [--service NAME]\n";
static const char check_usage[] =
    "usage: auditlog [-d DIR] check --actor WHO --customer ID --purpose P "
    "--action A\n"
    "           [--data CATEGORY] [--resource R] [--ref REF] "
    "[--reason TEXT] [--service NAME]\n";

static const struct option longopts[] = {
	{ "actor",	required_argument,	NULL, 'a' },
	{ "customer",	required_argument,	NULL, 'c' },
	{ "purpose",	required_argument,	NULL, 'p' },
	{ "action",	required_argument,	NULL, 'A' },
	{ "data",	required_argument,	NULL, 'D' },
	{ "resource",	required_argument,	NULL, 'R' },
	{ "ref",	required_argument,	NULL, 'r' },
	{ "reason",	required_argument,	NULL, 'x' },
	{ "service",	required_argument,	NULL, 's' },
	{ "batch",	no_argument,		NULL, 'b' },
	{ "batch-size",	required_argument,	NULL, 'N' },
	{ "batch-ms",	required_argument,	NULL, 'T' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

/* "SEQ\n" at the end of buf (size bytes, 22 or more). */
static const char *
seq_line(uint64_t seq, char *buf, size_t size)
{
	char	*p = buf + size;

	*--p = '\0';
	*--p = '\n';
	do {
		*--p = (char)('0' + seq % 10);
		seq /= 10;
	} while (seq != 0);
	return p;
}

/*
 * A purpose the policy does not declare: the nearest it does (of its
 * first 64), on stderr.  The denied access is recorded as it was; this
 * is for the person.  A declared purpose (the floor denied the access
 * for another reason) gets no hint.
 */
static void
purpose_hint(al_log *l, const char *purpose)
{
	struct al_entry	 e;
	const char	*cand[64], *near[64];
	char		*names = NULL, *s, *nl;
	size_t		 n = 0, k;

	if (al_policy_get(l, &e) != 0 ||
	    al_policy_purposes(e.text.p, e.text.n, &names) != 0)
		return;
	for (s = names; n < 64 && (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
		*nl = '\0';
		/* A purpose the policy declares is no typo (the floor may
		 * forbid it all the same). */
		if (strcmp(s, purpose) == 0)
			goto done;
		cand[n++] = s;
	}
	if ((k = nearest(purpose, cand, n, near)) > 0)
		say_nearest(near, k);
done:
	free(names);
}

static int
decide(int argc, char **argv, const char *dir, int write)
{
	const char		*usage = write ? record_usage : check_usage;
	struct opts		 op = OPTS(argc, argv, ":", longopts, usage);
	struct al_access	 a;
	struct al_decision	 d;
	const char		**slot, *env;
	al_log			*l = NULL;
	int			 ch, rc, status, batch = 0, bms = 10;
	size_t			 bsize = 1000;
	char			*end, num[24];
	long			 n;

	memset(&a, 0, sizeof(a));
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'a': slot = &a.actor; break;
		case 'c': slot = &a.customer; break;
		case 'p': slot = &a.purpose; break;
		case 'A': slot = &a.action; break;
		case 'D': slot = &a.data; break;
		case 'R': slot = &a.resource; break;
		case 'r': slot = &a.ref; break;
		case 'x': slot = &a.reason; break;
		case 's': slot = &a.service; break;
		case 'b':
			if (!write)
				return bad_option(usage, '?', argv);
			batch = 1;
			continue;
		case 'N':
		case 'T':
			n = strtol(optarg, &end, 10);
			if (!write || *end || end == optarg || n < 1 ||
			    n > (ch == 'N' ? 100000 : 60000))
				return usage_arg(usage, ch == 'N' ?
				    "--batch-size takes 1 to 100000, not" :
				    "--batch-ms takes 1 to 60000, not", optarg);
			if (ch == 'N')
				bsize = (size_t)n;
			else
				bms = (int)n;
			continue;
		default:
			continue;
		}
		if (*slot != NULL)
			return usage_error(usage, "--%s given twice",
			    longopts[op.index].name);
		*slot = optarg;
	}
	if (ch == OPT_STOP)
		return op.status;
	if (a.service == NULL && (env = getenv("AUDITLOG_SERVICE")) != NULL &&
	    *env != '\0')
		a.service = env;
	if (batch) {
		if (a.actor || a.customer || a.purpose || a.action || a.data ||
		    a.resource || a.ref || a.reason)
			return usage_error(usage, "--batch reads the accesses "
			    "from standard input: only --service may be given");
		if (opt_socket != NULL)
			return record_batch_sock(opt_socket, a.service,
			    bsize);
		return record_batch(dir, a.service, bsize, bms);
	}

	/* Through auditlogd, which owns the log, when there is one. */
	if (opt_socket != NULL)
		rc = sock_open(opt_socket, &l);
	else
		rc = log_open(dir, write ? 0 : AL_RDONLY, &l);
	if (rc != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	rc = write ? al_record(l, &a, &d) : al_check(l, &a, &d);
	if (rc != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	if (write && d.allow) {
		/* One short line, made by hand and written unbuffered:
		 * no printf here, and no fresh page of heap for a stdout
		 * buffer.  finish() still reports a failed write. */
		if (setvbuf(stdout, NULL, _IONBF, 0) != 0) {
			msg("standard output: %s", strerror(errno));
			status = EX_UNAVAIL;
			goto done;
		}
		fputs(seq_line(d.seq, num, sizeof(num)), stdout);
	} else if (write) {
		char prefix[96];

		if (snprintf(prefix, sizeof(prefix), "deny %s (seq %llu): ",
		    al_code_name(d.code), (unsigned long long)d.seq) >=
		    (int)sizeof(prefix))
			prefix[0] = '\0';
		msg_term(prefix, d.detail);
	} else if (d.allow) {
		/* The rule names the policy file as the log holds it. */
		fputs("allow ", stdout);
		put_term(stdout, d.rule, strlen(d.rule), 0);
		putchar('\n');
	} else {
		printf("deny %s: ", al_code_name(d.code));
		put_term(stdout, d.detail, strlen(d.detail), 0);
		putchar('\n');
	}
	/*
	 * A purpose the floor does not permit is denied by the floor before
	 * the policy says it is unknown: a typo either way.  Through the
	 * daemon the policy is not ours to read.
	 */
	if ((d.code == AL_UNKNOWN_PURPOSE || d.code == AL_FLOOR) &&
	    opt_socket == NULL)
		purpose_hint(l, a.purpose);
	status = finish(d.allow ? EX_OK : EX_NO);
done:
	al_close(l);
	return status;
}

int
cmd_record(int argc, char **argv, const char *dir)
{
	return decide(argc, argv, dir, 1);
}

int
cmd_check(int argc, char **argv, const char *dir)
{
	return decide(argc, argv, dir, 0);
}
