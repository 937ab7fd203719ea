/* cmd_policy.c - auditlog policy show | check FILE | set FILE --actor WHO;
 * history, show --at and diff are in cmd_policy_hist.c */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char usage[] =
    "usage: auditlog [-d DIR] policy show [--at SEQ|TIME | DIGEST]\n"
    "       auditlog [-d DIR] policy check FILE\n"
    "       auditlog [-d DIR | -s SOCKET] policy set FILE --actor WHO\n"
    "       auditlog [-d DIR | -s SOCKET] policy propose FILE [--actor WHO]"
    " [--expires DURATION]\n"
    "       auditlog [-d DIR | -s SOCKET] policy approve|reject DIGEST"
    " [--actor WHO]\n"
    "       auditlog [-d DIR] policy history [--long] [--utc] [--json]\n"
    "       auditlog [-d DIR] policy diff [--json] A B\n";

static int
show(const char *dir)
{
	struct al_entry	 e;
	al_log		*l = NULL;
	int		 rc, status;

	if ((rc = log_open(dir, AL_RDONLY, &l)) != 0 ||
	    (rc = al_policy_get(l, &e)) != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	put_term(stdout, e.text.p, e.text.n, AL_ESC_KEEPNL);
	status = finish(EX_OK);
done:
	al_close(l);
	return status;
}

/*
 * A policy parses, and respects the floor: the log's, when there is a
 * log to read at dir, else the default floor (docs/PROMISE.md).
 */
static int
check(const char *file, const char *dir)
{
	const char	*name;
	char		*text;
	size_t		 len;
	al_log		*l = NULL;
	int		 status;

	if ((status = read_file(file, FILE_POLICY, &text, &len)) != EX_OK)
		return status;
	name = file_name(file);
	if ((status = policy_errors(name, text, len)) != EX_OK)
		goto done;
	if (al_open(dir, AL_RDONLY, &l) != 0) {
		al_close(l);
		l = NULL;
	}
	status = floor_errors(l, name, text, len);
done:
	al_close(l);
	free(text);
	return status == EX_OK ? finish(EX_OK) : status;
}

static const struct option setopts[] = {
	{ "actor",	required_argument,	NULL, 'a' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

static int
set(int argc, char **argv, const char *dir)
{
	const char	*actor = NULL, *name, *service;
	char		*text = NULL;
	size_t		 len;
	uint64_t	 seq;
	al_log		*l = NULL;
	struct opts	 op = OPTS(argc, argv, ":", setopts, usage);
	int		 ch, rc, status;

	op.operands = 1;
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'a':
			actor = optarg;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if (argc - optind != 1)
		return usage_error(usage, "policy set takes one FILE");
	if (actor == NULL)
		return usage_error(usage, "--actor is required: say who "
		    "changes the policy");
	if ((status = read_file(argv[optind], FILE_POLICY_INSTALL, &text,
	    &len)) != EX_OK)
		return status;
	name = file_name(argv[optind]);
	if ((status = policy_errors(name, text, len)) != EX_OK)
		goto done;
	if ((service = getenv("AUDITLOG_SERVICE")) != NULL && *service == '\0')
		service = NULL;
	/* Through auditlogd, which owns the log, when there is one. */
	rc = opt_socket != NULL ? sock_open(opt_socket, &l) :
	    log_open(dir, 0, &l);
	if (rc != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	if (opt_socket == NULL &&
	    (status = floor_errors(l, name, text, len)) != EX_OK)
		goto done;
	if ((rc = al_policy_set(l, name, text, len, actor, service,
	    &seq)) != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	if (seq == 0)
		msg("%s is the active policy already; nothing recorded", name);
	else
		printf("%llu\n", (unsigned long long)seq);
	status = finish(EX_OK);
done:
	al_close(l);
	free(text);
	return status;
}

int
cmd_policy(int argc, char **argv, const char *dir)
{
	if (argc < 2)
		return usage_error(usage, "policy needs show, check, set, "
		    "propose, approve, reject, history or diff");
	if (strcmp(argv[1], "--help") == 0)
		return help(usage);
	if (strcmp(argv[1], "show") == 0) {
		if (argc == 3 && strcmp(argv[2], "--help") == 0)
			return help(usage);
		if (argc != 2)
			return policy_show_past(argc - 1, argv + 1, dir);
		return show(dir);
	}
	if (strcmp(argv[1], "check") == 0) {
		if (argc == 3 && strcmp(argv[2], "--help") == 0)
			return help(usage);
		if (argc != 3)
			return usage_error(usage, "policy check takes one "
			    "FILE");
		return check(argv[2], dir);
	}
	if (strcmp(argv[1], "set") == 0)
		return set(argc - 1, argv + 1, dir);
	if (strcmp(argv[1], "propose") == 0 ||
	    strcmp(argv[1], "approve") == 0 ||
	    strcmp(argv[1], "reject") == 0)
		return cmd_govern(argc - 1, argv + 1, dir);
	if (strcmp(argv[1], "history") == 0)
		return policy_history(argc - 1, argv + 1, dir);
	if (strcmp(argv[1], "diff") == 0)
		return policy_diff(argc - 1, argv + 1, dir);
	return usage_arg(usage, "unknown policy command", argv[1]);
}
