/* cmd_upgrade.c - auditlog upgrade: bring a log to the current format */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const char upgrade_usage[] = "usage: auditlog [-d DIR] upgrade\n";

/*
 * Opening a log for writing brings it to the current format.  A reader
 * opens a log of the current format (or of format 5, as it is): when it
 * finds the current one, there is nothing to do, and that is said rather
 * than nothing.
 */
int
cmd_upgrade(int argc, char **argv, const char *dir)
{
	al_log	*l = NULL;
	int	 rc, status, current;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		return help(upgrade_usage);
	if (argc > 1)
		return usage_arg(upgrade_usage, "unexpected argument", argv[1]);
	current = al_open(dir, AL_RDONLY, &l) == 0 &&
	    al_log_format(l) == AL_FORMAT_VERSION;
	al_close(l);
	l = NULL;
	if (current) {
		printf("the log is already in format %d; nothing to do\n",
		    AL_FORMAT_VERSION);
		return finish(EX_OK);
	}
	if ((rc = log_open(dir, 0, &l)) != 0)
		status = lib_fail(rc, l, EX_UNAVAIL);
	else {
		printf("the log is now in format %d\n", AL_FORMAT_VERSION);
		status = finish(EX_OK);
	}
	al_close(l);
	return status;
}
