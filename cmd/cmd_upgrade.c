/* cmd_upgrade.c - auditlog upgrade: bring a log to the current format */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const char upgrade_usage[] = "usage: auditlog [-d DIR] upgrade\n";

/* Opening a log for writing brings it to the current format. */
int
cmd_upgrade(int argc, char **argv, const char *dir)
{
	al_log	*l = NULL;
	int	 rc, status;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		return help(upgrade_usage);
	if (argc > 1)
		return usage_arg(upgrade_usage, "unexpected argument", argv[1]);
	if ((rc = log_open(dir, 0, &l)) != 0)
		status = lib_fail(rc, l, EX_UNAVAIL);
	else
		status = finish(EX_OK);
	al_close(l);
	return status;
}
