/* cmd_govern.c - auditlog policy propose FILE | approve DIGEST | reject DIGEST */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char usage[] =
    "usage: auditlog [-d DIR | -s SOCKET] policy propose FILE [--actor WHO] "
    "[--expires DURATION]\n"
    "       auditlog [-d DIR | -s SOCKET] policy approve DIGEST "
    "[--actor WHO]\n"
    "       auditlog [-d DIR | -s SOCKET] policy reject DIGEST "
    "[--actor WHO]\n";

static const struct option longopts[] = {
	{ "actor",	required_argument,	NULL, 'a' },
	{ "expires",	required_argument,	NULL, 'e' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

/* A duration: a number and s, m, h or d (7d, 12h); 0 when it is none. */
static uint64_t
duration_ns(const char *s)
{
	unsigned long long	 n;
	uint64_t		 unit;
	char			*end;

	if (*s < '1' || *s > '9')
		return 0;
	n = strtoull(s, &end, 10);
	switch (*end) {
	case 's':	unit = 1; break;
	case 'm':	unit = 60; break;
	case 'h':	unit = 3600; break;
	case 'd':	unit = 86400; break;
	default:	return 0;
	}
	/* At most a year: a proposal is a question, not a standing one. */
	if (end[1] != '\0' || n > 366ULL * 86400 / unit)
		return 0;
	return (uint64_t)n * unit * 1000000000ULL;
}

/*
 * One step of a policy change (auditlog-policy(5), GOVERNANCE).  Who takes
 * it is the process's real uid (the daemon's peer, through auditlogd);
 * --actor is a label.  Prints what was recorded: "proposed DIGEST at seq
 * N", "approved ...", "rejected ...", and "activated DIGEST at seq N" when
 * the step completed the count.
 */
int
cmd_govern(int argc, char **argv, const char *dir)
{
	struct al_change	 c;
	struct al_change_result	 r;
	const char		*verb = argv[0], *service;
	char			*text = NULL, hex[2 * AL_HASH_LEN + 1];
	al_log			*l = NULL;
	struct opts		 op = OPTS(argc, argv, ":", longopts, usage);
	int			 ch, rc, status, propose;

	memset(&c, 0, sizeof(c));
	propose = strcmp(verb, "propose") == 0;
	op.operands = 1;
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'a':
			c.actor = optarg;
			break;
		case 'e':
			if (!propose)
				return usage_error(usage, "--expires is for "
				    "policy propose");
			if ((c.expires_ns = duration_ns(optarg)) == 0)
				return usage_arg(usage, "--expires takes a "
				    "duration up to a year: a number and s, "
				    "m, h or d (7d)", optarg);
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if (argc - optind != 1)
		return usage_error(usage, propose ? "policy propose takes one "
		    "FILE" : "give the proposal's DIGEST");
	if (c.actor == NULL)
		c.actor = whoami();
	if ((service = getenv("AUDITLOG_SERVICE")) != NULL && *service != '\0')
		c.service = service;
	if (propose) {
		if ((status = read_file(argv[optind], FILE_POLICY_INSTALL,
		    &text, &c.len)) != EX_OK)
			return status;
		c.name = file_name(argv[optind]);
		c.text = text;
		/* A proposal that does not parse is refused as one the floor
		 * refuses (exit 1), each error a line: it is a proposal's
		 * content, not the command's use, that is wrong. */
		if ((status = policy_errors(c.name, text, c.len)) != EX_OK) {
			if (status == EX_USAGE)
				status = EX_NO;
			goto done;
		}
	} else
		c.digest = argv[optind];
	/* Through auditlogd, which owns the log, when there is one: it
	 * takes the step as the kernel names this process. */
	rc = opt_socket != NULL ? sock_open(opt_socket, &l) :
	    log_open(dir, 0, &l);
	if (rc != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	/* The floor's refusals, a line each, before the library's (the
	 * daemon gives them in its reply). */
	if (propose && opt_socket == NULL &&
	    (status = floor_errors(l, c.name, text, c.len)) != EX_OK)
		goto done;
	if ((rc = propose ? al_policy_propose(l, &c, &r) :
	    al_policy_decide(l, &c, strcmp(verb, "approve") == 0, &r)) != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	al_hex(r.digest, AL_HASH_LEN, hex);
	printf("%s %s at seq %llu\n", propose ? "proposed" :
	    strcmp(verb, "approve") == 0 ? "approved" : "rejected", hex,
	    (unsigned long long)r.seq);
	if (r.active != 0)
		printf("activated %s at seq %llu\n", hex,
		    (unsigned long long)r.active);
	status = finish(EX_OK);
done:
	al_close(l);
	free(text);
	return status;
}
