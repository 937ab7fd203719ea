/* cmd_init.c - auditlog init: create a new log with its first policy */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char usage[] =
    "usage: auditlog [-d DIR] init [--policy FILE] [--actor WHO]\n";

static const struct option longopts[] = {
	{ "policy",	required_argument,	NULL, 'p' },
	{ "actor",	required_argument,	NULL, 'a' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

int
cmd_init(int argc, char **argv, const char *dir)
{
	struct al_init_opts	 o;
	const char		*file = NULL, *env;
	char			*text = NULL;
	al_log			*l = NULL;
	struct opts		 op = OPTS(argc, argv, ":", longopts, usage);
	int			 ch, rc, status;

	memset(&o, 0, sizeof(o));
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'p':
			file = optarg;
			break;
		case 'a':
			o.actor = optarg;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if (o.actor == NULL)
		o.actor = whoami();
	if ((env = getenv("AUDITLOG_SERVICE")) != NULL && *env != '\0')
		o.service = env;
	if (file != NULL) {
		if ((status = read_file(file, FILE_POLICY_INSTALL, &text,
		    &o.policy_len)) != EX_OK)
			return status;
		o.policy_name = file_name(file);
		o.policy_text = text;
		if ((status = policy_errors(o.policy_name, text,
		    o.policy_len)) != EX_OK)
			goto done;
	}
	if ((rc = al_init(dir, &o, &l)) != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	printf("initialized %s with policy %s\n", dir,
	    o.policy_name ? o.policy_name : "default.policy");
	status = finish(EX_OK);
done:
	al_close(l);
	free(text);
	return status;
}
