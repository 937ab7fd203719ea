/* auditlogd.h - what the daemon's files share */
#ifndef AUDITLOGD_H
#define AUDITLOGD_H

#include <stddef.h>

#include "auditlog.h"

/* Limits of the protocol (docs/PROTOCOL.md). */
#define D_MAX_LINE	(64 * 1024)	/* a request's bytes, without its LF */
#define D_MAX_CONNS	4096		/* default --max-connections */
#define D_IDLE_SECS	30		/* default --idle-timeout */
#define D_MAX_INFLIGHT	256		/* a connection's unanswered requests */
#define D_OUT_PAUSE	(64 * 1024)	/* stop reading a client this far behind */
#define D_OUT_MAX	(4 * 1024 * 1024) /* then disconnect it past this */
#define D_BATCH_MAX	4096		/* requests in one commit */

struct serve_opts {
	al_log		*log;		/* opened for writing; the committer's */
	int		*listen;	/* listening sockets, non-blocking */
	size_t		 nlisten;
	size_t		 max_conns;
	int		 idle_secs;
	int		 sigfd;		/* signalfd: SIGTERM, SIGINT */
	const char	*dir;		/* for messages */
};

/* Messages to stderr, "auditlogd: ...". */
void	dmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Serve until SIGTERM or SIGINT (then drain: answer what was read, exit
 * 0) or a storage failure (answer "not recorded", return 3).  Returns the
 * exit status.
 */
int	serve(const struct serve_opts *);

#endif
