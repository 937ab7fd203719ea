/* cmd_log.c - auditlog log: list entries, oldest first, in a format of five */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char usage[] =
    "usage: auditlog [-d DIR] log [--customer ID] [--actor WHO] "
    "[--purpose P]\n"
    "           [--decision allow|deny] [--ref REF] [--service NAME] "
    "[--action A]\n"
    "           [--data CATEGORY] [--since TIME] [--until TIME] "
    "[--from-seq N]\n"
    "           [--to-seq N] [-n N] [-r] [-f [--after-seq N]] [--utc] "
    "[--no-pager]\n"
    "           [--format table|json|csv|ocsf|syslog] [--json] "
    "[--sd-id NAME@PEN]\n";

enum {
	OPT_JSON = 1100, OPT_FORMAT, OPT_UTC, OPT_AFTER, OPT_NO_PAGER,
	OPT_SD_ID
};

static const struct option longopts[] = {
	FILTER_OPTIONS,
	FILTER_SEQ_OPTIONS,
	FILTER_LOG_OPTIONS,
	{ "json",	no_argument,		NULL, OPT_JSON },
	{ "format",	required_argument,	NULL, OPT_FORMAT },
	{ "utc",	no_argument,		NULL, OPT_UTC },
	{ "reverse",	no_argument,		NULL, 'r' },
	{ "follow",	no_argument,		NULL, 'f' },
	{ "after-seq",	required_argument,	NULL, OPT_AFTER },
	{ "no-pager",	no_argument,		NULL, OPT_NO_PAGER },
	{ "sd-id",	required_argument,	NULL, OPT_SD_ID },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

static int
count(const char *arg, int zero_ok, unsigned long long *n)
{
	char	*end;

	errno = 0;
	*n = strtoull(arg, &end, 10);
	return errno || *end || end == arg || arg[0] == '-' ||
	    (*n == 0 && !zero_ok) ? -1 : 0;
}

int
cmd_log(int argc, char **argv, const char *dir)
{
	struct view		 v;
	struct opts		 op = OPTS(argc, argv, ":n:rf", longopts,
				    usage);
	unsigned long long	 after = 0;
	int			 ch, fmt, json = 0, have_format = 0;
	int			 have_after = 0;

	memset(&v, 0, sizeof(v));
	v.pager = 1;
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case FILTER_CUSTOMER: case FILTER_ACTOR: case FILTER_PURPOSE:
		case FILTER_DECISION: case FILTER_SINCE: case FILTER_UNTIL:
		case FILTER_FROM: case FILTER_TO: case FILTER_REF:
		case FILTER_SERVICE: case FILTER_ACTION: case FILTER_DATA:
			if (filter_flag(ch, optarg, &v.f, usage) != EX_OK)
				return EX_USAGE;
			break;
		case 'n':
			if (count(optarg, 0, &v.n) != 0)
				return usage_error(usage, "-n takes a "
				    "positive number");
			v.limit = 1;
			break;
		case 'r':
			v.reverse = 1;
			break;
		case 'f':
			v.follow = 1;
			break;
		case OPT_AFTER:
			if (count(optarg, 1, &after) != 0 ||
			    after == UINT64_MAX)
				return usage_arg(usage, "--after-seq takes a "
				    "seq, not", optarg);
			have_after = 1;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_FORMAT:
			if ((fmt = fmt_by_name(optarg)) < 0)
				return usage_arg(usage, "--format takes table, "
				    "json, csv, ocsf or syslog, not", optarg);
			v.fmt = (enum fmt)fmt;
			have_format = 1;
			break;
		case OPT_UTC:
			v.utc = 1;
			break;
		case OPT_NO_PAGER:
			v.pager = 0;
			break;
		case OPT_SD_ID:
			if (!syslog_sd_id_ok(optarg))
				return usage_arg(usage, "--sd-id takes "
				    "NAME@NUMBER (RFC 5424 7.2.2), not",
				    optarg);
			v.sd_id = optarg;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if (json && have_format && v.fmt != FMT_JSON)
		return usage_error(usage, "--json is --format json");
	if (json)
		v.fmt = FMT_JSON;
	if (v.sd_id != NULL && v.fmt != FMT_SYSLOG)
		return usage_error(usage, "--sd-id is for --format syslog");
	if (v.follow && (v.reverse || v.f.until_ns || v.f.to_seq))
		return usage_error(usage, "-f follows the log forward: not "
		    "with -r, --until or --to-seq");
	if (have_after) {
		v.after = after;
		if (v.f.from_seq <= after)
			v.f.from_seq = after + 1;
	}
	/* -f alone starts with the newest ten, as tail -f does. */
	if (v.follow && !v.limit && !have_after && !v.f.since_ns &&
	    !v.f.from_seq) {
		v.limit = 1;
		v.n = 10;
	}
	if (filter_check(&v.f, usage) != EX_OK)
		return EX_USAGE;
	return view_run(dir, &v);
}
