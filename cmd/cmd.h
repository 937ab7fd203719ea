/* cmd.h - what the auditlog commands share */
#ifndef CMD_H
#define CMD_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "auditlog.h"

/* Exit statuses: a contract, documented in auditlog(1). */
#define EX_OK		0	/* allowed; verified; done */
#define EX_NO		1	/* denied; a problem was found */
#define EX_USAGE	2	/* usage error or invalid input */
#define EX_UNAVAIL	3	/* the log is unavailable or unwritable */

/* Output escaping (out.c). */
void	 put_term(FILE *, const char *, size_t, int flags);
void	 put_json(FILE *, const char *, size_t);

/* Entries as log prints them (fmt.c, fmt_table.c, fmt_ocsf.c,
 * fmt_syslog.c): a table, JSON, CSV, OCSF, syslog. */
enum fmt { FMT_TABLE, FMT_JSON, FMT_CSV, FMT_OCSF, FMT_SYSLOG };

/* The format named, or -1. */
int	 fmt_by_name(const char *);

/*
 * Text escaped by al_fput_term, in a buffer of this file's that the next
 * call reuses; NULL when out of memory.  fmt_free lets it go.
 */
const char *fmt_term(const char *, size_t, int flags, size_t *len);
void	 fmt_free(void);
/* The columns a terminal gives text that fmt_term escaped. */
size_t	 fmt_columns(const char *, size_t);

/* An entry kind's name, as the JSON form has it ("access", "floor"...). */
const char *fmt_kind(int kind);
/* A sentence of what e says, raw, for the caller to escape. */
#define FMT_MESSAGE	4096
void	 fmt_message(char *, size_t, const struct al_entry *);

/* The table: columns as wide as their widest value (fmt_table.c). */
#define TABLE_COLS	9	/* before the last, which is not padded */
struct table {
	int	 utc;		/* times in UTC, not the local zone */
	size_t	 w[TABLE_COLS];
};
void	 table_init(struct table *, int utc);
/* Widen the columns to hold e's values. */
void	 table_measure(struct table *, const struct al_entry *);
void	 table_header(FILE *, const struct table *);
/* A row; a value wider than its column widens it from then on. */
void	 table_row(FILE *, struct table *, const struct al_entry *);

/* One OCSF Datastore Activity event a line (fmt_ocsf.c, docs/SIEM.md). */
void	 ocsf_entry(FILE *, const struct al_entry *);

/* One RFC 5424 line (fmt_syslog.c); sd_id NULL: SYSLOG_SD_ID. */
#define SYSLOG_SD_ID	"auditlog@32473"
int	 syslog_sd_id_ok(const char *);
void	 syslog_entry(FILE *, const struct al_entry *, const char *sd_id);

/*
 * Times as people write them and read them (when.c).  when_now: now, in
 * nanoseconds since the epoch; 0 when the clock is unreadable.
 */
uint64_t when_now(void);
/*
 * A time as auditlog(1) TIME FORMATS has it, in the local zone of TZ where
 * it names no offset; relative ones count from now.  A date alone with
 * end_of_day is the midnight at its end.  0, or -1 when s is none.
 */
int	 when_parse(const char *s, int end_of_day, uint64_t now,
	    uint64_t *ns);
/* RFC 3339 to the second, in the local zone (utc 0) or UTC; 0 or -1. */
int	 when_format(uint64_t ns, int utc, char *buf, size_t len);

/* log's listing: in batches, paged, followed (log_view.c). */
struct view {
	struct al_filter	 f;
	enum fmt		 fmt;
	int			 utc;		/* the table's times in UTC */
	int			 reverse;	/* newest first */
	int			 follow;	/* then wait for more */
	int			 pager;		/* page on a terminal */
	int			 limit;		/* the newest n alone */
	unsigned long long	 n;
	const char		*sd_id;		/* syslog's SD-ID */
	uint64_t		 after;		/* --after-seq; -f reports it
						   when nothing is printed */
};

/* List what v selects in the log at dir; the exit status. */
int	view_run(const char *dir, struct view *v);

/* Messages on stderr, "auditlog: verb: ...", and exit statuses (msg.c). */
extern const char *progverb;
void	 msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 msg_term(const char *prefix, const char *text);
int	 lib_fail(int rc, al_log *, int exit_if_corrupt);
int	 policy_errors(const char *name, const char *text, size_t len);
int	 floor_errors(al_log *, const char *name, const char *text, size_t len);
/* Print library messages, one a line, and free them. */
void	 put_lines(char *);
int	 usage_error(const char *usage, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 help(const char *usage);
extern void (*help_more)(FILE *);	/* NULL, or help_options */
void	 help_options(FILE *);		/* help.c */
int	 usage_arg(const char *usage, const char *what, const char *arg);
int	 bad_option(const char *usage, int ch, char **argv);
int	 finish(int status);

/* "did you mean" (suggest.c). */
size_t	 nearest(const char *word, const char *const *cand, size_t n,
	    const char **near);
void	 say_nearest(const char *const *near, size_t n);

/* A progress line on a terminal's stderr (progress.c). */
int	 progress_start(uint64_t total, int fd);
void	 progress_cb(void *arg, uint64_t bytes, uint64_t entries);
void	 progress_end(void);

/* al_open, with --timeout and the library's warnings said (main.c). */
extern unsigned opt_timeout_ms;
int	 log_open(const char *dir, int flags, al_log **);
/*
 * auditlogd's socket, when the writing commands go through it (-s,
 * $AUDITLOG_SOCKET, or the default socket when no log is named), else
 * NULL (main.c); sock_open is al_connect with --timeout (opt.c).
 */
extern const char *opt_socket;
/* -s named it: checkpoint asks the daemon only then (cmd_checkpoint.c). */
extern int	 opt_socket_given;
int	 sock_open(const char *socket, al_log **);

/* Files read whole (files.c); failures are said, and statuses returned. */
enum file_kind {
	FILE_POLICY,		/* a policy to check; "-" is standard input */
	FILE_POLICY_INSTALL,	/* a policy to install: its owner's to write */
	FILE_CHECKPOINT,	/* a checkpoint note */
	FILE_VKEY,		/* a verifier key */
	FILE_SKEY,		/* a signer key: its owner's alone to read */
};
int	 read_file(const char *path, enum file_kind, char **out, size_t *len);
const char *file_name(const char *path);
void	 free_secret(char *, size_t);
int	 read_checkpoint(const char *file, const char *key,
	    struct al_checkpoint *, char **text, size_t *len);
int	 read_vkey(const char *file, char **key);

/* What verify and verify-export print, as text or JSON (verify_out.c). */
struct verdict {
	int		 json;
	size_t		 n;		/* problems printed */
	const char	*whole;		/* "log" or "bundle" */
};
void	 verdict_begin(struct verdict *);
void	 on_problem(void *verdict, uint64_t seq, const char *);
void	 verdict_log(struct verdict *, const struct al_verify_summary *,
	    const struct al_checkpoint *);
void	 verdict_bundle(struct verdict *, const struct al_bundle_summary *,
	    int authentic);
void	 verdict_not_run(struct verdict *);
void	 verdict_alone(struct verdict *, const char *problem);
void	 verdict_error(struct verdict *, const char *why);

/*
 * Options (opt.c): a command's loop is
 *	while ((ch = opt_next(&op)) > 0) switch (ch) { ... }
 *	if (ch == OPT_STOP) return op.status;
 */
struct opts {
	int			 argc;
	char			**argv;
	const char		*shortopts;	/* ":" and any short ones */
	const struct option	*longopts;	/* "help" gives 'h' */
	const char		*usage;
	int			 operands;	/* the caller checks them */
	int			 index;		/* of the long option found */
	int			 status;	/* with OPT_STOP: to return */
	int			 started;
};
#define OPTS(argc, argv, shortopts, longopts, usage) \
	{ (argc), (argv), (shortopts), (longopts), (usage), 0, 0, EX_OK, 0 }
#define OPT_END		0
#define OPT_STOP	(-1)
int	 opt_next(struct opts *);

const char *whoami(void);
int	 expect_flag(const char *usage, const char *arg, uint64_t *seq,
	    uint8_t hash[AL_HASH_LEN]);

/* Filter flags (filter.c): getopt_long values for the long options. */
enum {
	FILTER_CUSTOMER = 1000, FILTER_ACTOR, FILTER_PURPOSE, FILTER_DECISION,
	FILTER_SINCE, FILTER_UNTIL, FILTER_FROM, FILTER_TO,
	FILTER_REF, FILTER_SERVICE, FILTER_ACTION, FILTER_DATA
};
#define FILTER_OPTIONS \
	{ "customer",	required_argument,	NULL, FILTER_CUSTOMER }, \
	{ "actor",	required_argument,	NULL, FILTER_ACTOR }, \
	{ "purpose",	required_argument,	NULL, FILTER_PURPOSE }, \
	{ "decision",	required_argument,	NULL, FILTER_DECISION }, \
	{ "since",	required_argument,	NULL, FILTER_SINCE }, \
	{ "until",	required_argument,	NULL, FILTER_UNTIL }
#define FILTER_SEQ_OPTIONS \
	{ "from-seq",	required_argument,	NULL, FILTER_FROM }, \
	{ "to-seq",	required_argument,	NULL, FILTER_TO }
/* log's alone: a bundle's manifest cannot carry them (al_export). */
#define FILTER_LOG_OPTIONS \
	{ "ref",	required_argument,	NULL, FILTER_REF }, \
	{ "service",	required_argument,	NULL, FILTER_SERVICE }, \
	{ "action",	required_argument,	NULL, FILTER_ACTION }, \
	{ "data",	required_argument,	NULL, FILTER_DATA }
int	 filter_flag(int ch, const char *arg, struct al_filter *,
	    const char *usage);
int	 filter_check(const struct al_filter *, const char *usage);

/* record --batch (cmd_batch.c); through auditlogd (batch_sock.c). */
int	 record_batch(const char *dir, const char *service, size_t max,
	    int ms);
int	 record_batch_sock(const char *socket, const char *service,
	    size_t max);

/* OpenSSL's CPU probe, for a command that may hash (cpuid.c). */
void	 cpuid_setup(void);

/* The commands, in main.c's table: cmd_<verb>.c each. */
int	 cmd_check(int, char **, const char *);		/* cmd_record.c */
int	 cmd_checkpoint(int, char **, const char *);
int	 cmd_export(int, char **, const char *);
int	 cmd_head(int, char **, const char *);
int	 cmd_init(int, char **, const char *);
int	 cmd_keygen(int, char **, const char *);
int	 cmd_log(int, char **, const char *);
int	 cmd_policy(int, char **, const char *);
int	 cmd_govern(int, char **, const char *);	/* policy propose, ... */
/* policy's subcommands of cmd_policy_hist.c: argv[0] is the subcommand */
int	 policy_history(int, char **, const char *);
int	 policy_show_past(int, char **, const char *);
int	 policy_diff(int, char **, const char *);
int	 cmd_prove(int, char **, const char *);
int	 cmd_record(int, char **, const char *);
int	 cmd_report(int, char **, const char *);	/* cmd_export.c */
int	 cmd_upgrade(int, char **, const char *);
int	 cmd_verify(int, char **, const char *);
int	 cmd_verify_export(int, char **, const char *);

#endif
