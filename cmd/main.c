/* main.c - auditlog: the command table and main() */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "stdfds.h"

#define DEFAULT_DIR	"/var/lib/auditlog"
#define DEFAULT_SOCKET	"/run/auditlog/auditlog.sock"

static int	help_command(int, char **, const char *);

static const struct command {
	const char	*name;
	int		(*fn)(int, char **, const char *);
	const char	*summary;
} commands[] = {		/* sorted by name */
	{ "check",	cmd_check,	"decide an access without recording it" },
	{ "checkpoint",	cmd_checkpoint,	"print (and sign) the tree head" },
	{ "export",	cmd_export,	"write a bundle for auditors" },
	{ "head",	cmd_head,	"print the newest entry's seq and hash" },
	{ "help",	help_command,	"describe a command and its options" },
	{ "init",	cmd_init,	"create a new log" },
	{ "keygen",	cmd_keygen,	"make an Ed25519 key pair for signing" },
	{ "log",	cmd_log,	"list entries" },
	{ "policy",	cmd_policy,	"show, check, set, diff the policy; its history" },
	{ "prove",	cmd_prove,	"print an inclusion or consistency proof" },
	{ "record",	cmd_record,	"decide an access and record it" },
	{ "report",	cmd_report,	"summarise entries for compliance" },
	{ "upgrade",	cmd_upgrade,	"bring a log to the current format" },
	{ "verify",	cmd_verify,	"prove the log intact" },
	{ "verify-export", cmd_verify_export, "check a bundle without the log" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const char usage_text[] =
    "usage: auditlog [-d DIR] [-s SOCKET] [--timeout SECONDS] COMMAND "
    "[ARGS]\n"
    "       auditlog --help | --version | help [COMMAND] | COMMAND --help\n";

/* --timeout: how long a write waits for another writer (al_set_timeout). */
unsigned	 opt_timeout_ms = 10000;
const char	*opt_socket = NULL;
int		 opt_socket_given = 0;

/* The default socket, when auditlogd made it: a socket, not a file. */
static int
default_socket(void)
{
	struct stat	st;

	return stat(DEFAULT_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int
timeout_arg(const char *arg)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 ||
	    v > 3600)
		return -1;
	opt_timeout_ms = (unsigned)v * 1000;
	return 0;
}

static int
usage(FILE *fp, int status)
{
	size_t	i;

	fputs(usage_text, fp);
	fputs("\ncommands:\n", fp);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-14s %s\n", commands[i].name,
		    commands[i].summary);
	fputs("\nThe log is in -d DIR, else $AUDITLOG_DB, else "
	    DEFAULT_DIR ".\nrecord, check and policy set go through auditlogd\n"
	    "with -s SOCKET, "
	    "or $AUDITLOG_SOCKET, or,\nwhen no log is named, "
	    DEFAULT_SOCKET " if it exists;\ncheckpoint, with -s alone.  "
	    "See auditlog(1).\n", fp);
	return fp == stdout ? finish(status) : status;
}

/* A mistyped command: the nearest names, as git offers them. */
static int
unknown_command(const char *word)
{
	const char	*names[NCOMMANDS], *near[NCOMMANDS];
	size_t		 c, n;

	for (c = 0; c < NCOMMANDS; c++)
		names[c] = commands[c].name;
	usage_arg(NULL, "unknown command", word);
	if ((n = nearest(word, names, NCOMMANDS, near)) == 0)
		return usage(stderr, EX_USAGE);
	say_nearest(near, n);
	return EX_USAGE;
}

/*
 * auditlog help [COMMAND]: the overview, or the command's own --help,
 * which describes each of its options.
 */
static int
help_command(int argc, char **argv, const char *dir)
{
	char	*args[3];
	size_t	 c;

	if (argc == 1 || strcmp(argv[1], "--help") == 0)
		return usage(stdout, EX_OK);
	if (argc > 2)
		return usage_arg(NULL, "help takes one COMMAND, not",
		    argv[2]);
	for (c = 0; c < NCOMMANDS; c++)
		if (strcmp(argv[1], commands[c].name) == 0) {
			progverb = commands[c].name;
			args[0] = argv[1];
			args[1] = (char *)"--help";
			args[2] = NULL;
			return commands[c].fn(2, args, dir);
		}
	return unknown_command(argv[1]);
}

int
main(int argc, char *argv[])
{
	const char	*dir = NULL, *sock = NULL, *env;
	int		 i;
	size_t		 c;

	/* Each command's --help describes its options (help.c); another
	 * program built on msg.c need not link them. */
	help_more = help_options;
	/* Before anything is opened: stdfds.c says why. */
	if (hold_std() != 0) {
		msg("/dev/null: %s", strerror(errno));
		return EX_UNAVAIL;
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return usage(stdout, EX_OK);
		if (strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-V") == 0) {
			printf("auditlog %s (log format %d)\n", AL_VERSION,
			    AL_FORMAT_VERSION);
			return finish(EX_OK);
		}
		if (strcmp(argv[i], "--timeout") == 0) {
			if (++i == argc || timeout_arg(argv[i]) != 0) {
				usage_arg(NULL, "--timeout needs whole seconds "
				    "from 0 to 3600, not", i == argc ? "" :
				    argv[i]);
				return usage(stderr, EX_USAGE);
			}
		} else if (strcmp(argv[i], "-d") == 0) {
			if (++i == argc) {
				msg("-d needs a directory");
				return usage(stderr, EX_USAGE);
			}
			dir = argv[i];
		} else if (strncmp(argv[i], "-d", 2) == 0)
			dir = argv[i] + 2;
		else if (strcmp(argv[i], "-s") == 0) {
			if (++i == argc) {
				msg("-s needs a socket");
				return usage(stderr, EX_USAGE);
			}
			sock = argv[i];
			opt_socket_given = 1;
		} else if (strncmp(argv[i], "-s", 2) == 0) {
			sock = argv[i] + 2;
			opt_socket_given = 1;
		} else {
			usage_arg(NULL, "unknown option", argv[i]);
			return usage(stderr, EX_USAGE);
		}
	}
	if (i == argc) {
		msg("no command given");
		return usage(stderr, EX_USAGE);
	}
	/*
	 * Where records go: -s, else $AUDITLOG_SOCKET unless -d names a
	 * log, else the log named, else the default socket if auditlogd
	 * made it.  The other commands read (or write) the log's files.
	 */
	if (sock == NULL && dir == NULL &&
	    (env = getenv("AUDITLOG_SOCKET")) != NULL && *env)
		sock = env;
	if (sock != NULL && *sock == '\0') {
		msg("the socket is empty");
		return EX_USAGE;
	}
	if (dir == NULL && (env = getenv("AUDITLOG_DB")) != NULL && *env)
		dir = env;
	if (sock == NULL && dir == NULL && default_socket())
		sock = DEFAULT_SOCKET;
	opt_socket = sock;
	if (dir == NULL)
		dir = DEFAULT_DIR;
	if (*dir == '\0') {
		msg("the log directory is empty");
		return EX_USAGE;
	}
	for (c = 0; c < NCOMMANDS; c++)
		if (strcmp(argv[i], commands[c].name) == 0) {
			progverb = commands[c].name;
			/* All but a record or check that auditlogd makes may
			 * hash: OpenSSL's CPU probe first (cpuid.c). */
			if (opt_socket == NULL || (commands[c].fn !=
			    cmd_record && commands[c].fn != cmd_check))
				cpuid_setup();
			return commands[c].fn(argc - i, argv + i, dir);
		}
	return unknown_command(argv[i]);
}
