/* cmd_init.c - auditlog init: create a new log with its first policy */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char usage[] =
    "usage: auditlog [-d DIR] init [--policy FILE] [--actor WHO]\n"
    "                              [--floor FILE] [--approvers N]"
    " [--admin USER]...\n";

#define MAX_ADMINS	64

static const struct option longopts[] = {
	{ "policy",	required_argument,	NULL, 'p' },
	{ "actor",	required_argument,	NULL, 'a' },
	{ "floor",	required_argument,	NULL, 'f' },
	{ "approvers",	required_argument,	NULL, 'n' },
	{ "admin",	required_argument,	NULL, 'A' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

int
cmd_init(int argc, char **argv, const char *dir)
{
	struct al_init_opts	 o;
	const char		*file = NULL, *ffile = NULL, *env;
	const char		*admins[MAX_ADMINS];
	char			*text = NULL, *ftext = NULL, *end;
	char			 self[16], *errs = NULL;
	const char		*me;
	size_t			 plen = 0;
	unsigned long		 n;
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
		case 'f':
			ffile = optarg;
			break;
		case 'n':
			n = strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end != '\0' ||
			    n < 1 || n > 9)
				return usage_arg(usage, "--approvers takes a "
				    "number from 1 to 9", optarg);
			o.approvers = (unsigned)n;
			break;
		case 'A':
			if (o.nadmins == MAX_ADMINS)
				return usage_error(usage, "more than 64 --admin");
			admins[o.nadmins++] = optarg;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	/*
	 * Who makes a log, root aside, administers it unless told who does
	 * (else nobody could change its policy but root), and may record as
	 * anyone, as root may: it owns the files, the one writer in direct
	 * mode.
	 */
	if (getuid() != 0) {
		if (snprintf(self, sizeof(self), "%u", (unsigned)getuid()) < 0)
			return finish(EX_UNAVAIL);
		me = strncmp(whoami(), "uid:", 4) == 0 ? self : whoami();
		if (o.nadmins == 0)
			admins[o.nadmins++] = me;
		o.writers = &me;
		o.nwriters = 1;
	}
	o.admins = admins;
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
	if (ffile != NULL) {
		if ((status = read_file(ffile, FILE_POLICY_INSTALL, &ftext,
		    &o.floor_len)) != EX_OK)
			goto done;
		o.floor_name = file_name(ffile);
		o.floor_text = ftext;
	}
	/* What the floor refuses, a line each, before anything is made. */
	if ((rc = al_floor_check(o.floor_name ? o.floor_name :
	    "promise.floor", o.floor_text, o.floor_len, o.policy_name ?
	    o.policy_name : "default.policy", o.policy_text ? o.policy_text :
	    al_default_policy(&plen), o.policy_text ? o.policy_len : plen,
	    &errs)) != 0) {
		if (errs == NULL) {
			msg("out of memory");
			status = EX_UNAVAIL;
		} else {
			put_lines(errs);
			status = rc == AL_EREFUSED || rc == AL_EINVAL ?
			    EX_NO : EX_UNAVAIL;
		}
		goto done;
	}
	if ((rc = al_init(dir, &o, &l)) != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	printf("initialized %s with policy %s\n", dir,
	    o.policy_name ? o.policy_name : "default.policy");
	printf("floor %s; a policy change needs %u administrator%s\n",
	    o.floor_name ? o.floor_name : "promise.floor",
	    o.approvers ? o.approvers : 2,
	    o.approvers == 1 ? "" : "s");
	status = finish(EX_OK);
done:
	al_close(l);
	free(text);
	free(ftext);
	return status;
}
