/* filter.c - the filter flags that log, export and report share */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static int
number(const char *usage, const char *flag, const char *arg, uint64_t *v)
{
	char			*end;
	unsigned long long	 n;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || *end || end == arg || arg[0] == '-' || n == 0)
		return usage_arg(usage, flag, arg);
	*v = n;
	return EX_OK;
}

/*
 * Take one filter flag (the FILTER_* values of cmd.h) into f.  Returns
 * EX_OK, or EX_USAGE after saying what is wrong.
 */
int
filter_flag(int ch, const char *arg, struct al_filter *f, const char *usage)
{
	switch (ch) {
	case FILTER_CUSTOMER:
		f->customer = arg;
		break;
	case FILTER_ACTOR:
		f->actor = arg;
		break;
	case FILTER_PURPOSE:
		f->purpose = arg;
		break;
	case FILTER_DECISION:
		if (strcmp(arg, "allow") == 0)
			f->decision = 1;
		else if (strcmp(arg, "deny") == 0)
			f->decision = 2;
		else
			return usage_arg(usage, "--decision takes allow or "
			    "deny, not", arg);
		break;
	case FILTER_SINCE:
		if (when_parse(arg, 0, when_now(), &f->since_ns) != 0)
			return usage_arg(usage, "--since: not a time "
			    "(auditlog(1), TIME FORMATS):", arg);
		break;
	case FILTER_UNTIL:
		if (when_parse(arg, 1, when_now(), &f->until_ns) != 0)
			return usage_arg(usage, "--until: not a time "
			    "(auditlog(1), TIME FORMATS):", arg);
		break;
	case FILTER_REF:
		f->ref = arg;
		break;
	case FILTER_SERVICE:
		f->service = arg;
		break;
	case FILTER_ACTION:
		f->action = arg;
		break;
	case FILTER_DATA:
		f->data = arg;
		break;
	case FILTER_FROM:
		return number(usage, "--from-seq takes a seq, not", arg,
		    &f->from_seq);
	case FILTER_TO:
		return number(usage, "--to-seq takes a seq, not", arg,
		    &f->to_seq);
	default:
		return usage_error(usage, "internal error: filter %d", ch);
	}
	return EX_OK;
}

/* What the filters say together. */
int
filter_check(const struct al_filter *f, const char *usage)
{
	if (f->until_ns && f->until_ns <= f->since_ns)
		return usage_error(usage, "--until is not after --since");
	if (f->to_seq && f->to_seq < f->from_seq)
		return usage_error(usage, "--to-seq is before --from-seq");
	return EX_OK;
}
