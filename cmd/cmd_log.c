/* cmd_log.c - auditlog log: list entries, oldest first */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char usage[] =
    "usage: auditlog [-d DIR] log [--customer ID] [--actor WHO] "
    "[--purpose P]\n"
    "           [--decision allow|deny] [--since TIME] [--until TIME] "
    "[-n N] [--json]\n";

static const struct option longopts[] = {
	FILTER_OPTIONS,
	{ "json",	no_argument,		NULL, 'j' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

/*
 * With -n N: the newest N matches, still oldest first.  A pass backwards
 * finds the first of them; the listing then starts there.
 */
static int
newest(al_log *l, struct al_filter *f, unsigned long long n)
{
	struct al_entry	 e;
	al_iter		*it;
	unsigned long long got = 0;
	int		 rc;

	if ((rc = al_iter_open_reverse(l, f, &it)) != 0)
		return rc;
	while (got < n && (rc = al_iter_next(it, &e)) == 1) {
		if (got++ == 0)
			f->to_seq = e.seq;
		f->from_seq = e.seq;
	}
	al_iter_close(it);
	if (rc < 0)
		return rc;
	if (got == 0)
		f->from_seq = UINT64_MAX;	/* nothing matches */
	return 0;
}

int
cmd_log(int argc, char **argv, const char *dir)
{
	struct al_filter	 f;
	struct al_entry		 e;
	al_iter			*it = NULL;
	al_log			*l = NULL;
	unsigned long long	 n = 0;
	char			*end;
	struct opts		 op = OPTS(argc, argv, ":n:", longopts, usage);
	int			 ch, rc, json = 0, status, limit = 0;

	memset(&f, 0, sizeof(f));
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case FILTER_CUSTOMER: case FILTER_ACTOR: case FILTER_PURPOSE:
		case FILTER_DECISION: case FILTER_SINCE: case FILTER_UNTIL:
			if (filter_flag(ch, optarg, &f, usage) != EX_OK)
				return EX_USAGE;
			break;
		case 'n':
			errno = 0;
			n = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || n == 0 ||
			    optarg[0] == '-')
				return usage_error(usage, "-n takes a "
				    "positive number");
			limit = 1;
			break;
		case 'j':
			json = 1;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if (filter_check(&f, usage) != EX_OK)
		return EX_USAGE;

	if ((rc = log_open(dir, AL_RDONLY, &l)) != 0 ||
	    (limit && (rc = newest(l, &f, n)) != 0) ||
	    (rc = al_iter_open(l, &f, &it)) != 0)
		goto fail;
	if (!json)
		row_header();
	while ((rc = al_iter_next(it, &e)) == 1) {
		if (json)
			json_entry(stdout, &e);
		else
			row(&e);
	}
	if (rc < 0)
		goto fail;
	status = finish(EX_OK);
	goto done;
fail:
	status = lib_fail(rc, l, EX_UNAVAIL);
done:
	al_iter_close(it);
	al_close(l);
	return status;
}
