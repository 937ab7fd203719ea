/*
 * opt.c - what the commands' options share: the getopt_long loop, --expect,
 * the default actor
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/*
 * The next option of a command, as getopt_long returns it, with what
 * every command does alike done here: --help (getopt_long's 'h') prints
 * the usage; an unknown option, one without its value, and an argument
 * when the command takes none are usage errors.  Each of those ends the
 * loop with OPT_STOP and the status to return in o->status; OPT_END is
 * the end of the options.
 */
int
opt_next(struct opts *o)
{
	int	ch;

	if (!o->started) {
		optind = 0;	/* glibc: start over, on a new argv */
		opterr = 0;	/* its messages are ours to say */
		o->started = 1;
	}
	ch = getopt_long(o->argc, o->argv, o->shortopts, o->longopts,
	    &o->index);
	switch (ch) {
	case -1:
		if (o->operands || optind >= o->argc)
			return OPT_END;
		o->status = usage_arg(o->usage, "unexpected argument",
		    o->argv[optind]);
		return OPT_STOP;
	case 'h':
		o->status = help(o->usage);
		return OPT_STOP;
	case ':':
	case '?':
		o->status = bad_option(o->usage, ch, o->argv);
		return OPT_STOP;
	default:
		return ch;
	}
}

/* An anchor as `auditlog head` prints it, with a colon: SEQ:HASH. */
static int
parse_anchor(const char *arg, uint64_t *seq, uint8_t hash[AL_HASH_LEN])
{
	char			*end;
	unsigned long long	 n;

	if (arg[0] < '0' || arg[0] > '9')
		return -1;
	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || n == 0 || (*end != ' ' && *end != ':') ||
	    al_unhex(end + 1, hash, AL_HASH_LEN) != 0)
		return -1;
	*seq = n;
	return 0;
}

/* --expect SEQ:HASH, for verify and verify-export. */
int
expect_flag(const char *usage, const char *arg, uint64_t *seq,
    uint8_t hash[AL_HASH_LEN])
{
	if (parse_anchor(arg, seq, hash) != 0)
		return usage_error(usage, "--expect takes the anchor as "
		    "'auditlog head' prints it, SEQ HASH (or SEQ:HASH): a seq "
		    "from 1, then 64 hex digits");
	return EX_OK;
}

/* The login name of whoever runs us, or uid:N. */
const char *
whoami(void)
{
	static char	 buf[32];
	struct passwd	*pw;

	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name[0] != '\0')
		return pw->pw_name;
	if (snprintf(buf, sizeof(buf), "uid:%u", (unsigned)getuid()) < 0)
		return "uid:?";
	return buf;
}

/*
 * al_open for the commands: the write lock's --timeout, and what the
 * library found unsafe but not fatal, as a warning.
 */
int
log_open(const char *dir, int flags, al_log **out)
{
	int	rc;

	rc = al_open(dir, flags, out);
	if (*out != NULL) {
		al_set_timeout(*out, opt_timeout_ms);
		if (rc == 0 && al_warning(*out) != NULL)
			msg_term("warning: ", al_warning(*out));
	}
	return rc;
}

/* al_connect for the commands: --timeout is the deadline of a reply. */
int
sock_open(const char *path, al_log **out)
{
	int	rc;

	rc = al_connect(path, out);
	if (*out != NULL)
		al_set_timeout(*out, opt_timeout_ms);
	return rc;
}
