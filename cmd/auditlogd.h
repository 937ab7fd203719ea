/* auditlogd.h - what the daemon's files share */
#ifndef AUDITLOGD_H
#define AUDITLOGD_H

#include <stddef.h>
#include <stdint.h>

#include "auditlog.h"

/* Limits of the protocol (docs/PROTOCOL.md). */
#define D_MAX_LINE	(64 * 1024)	/* a request's bytes, without its LF */
#define D_MAX_CONNS	4096		/* default --max-connections */
#define D_IDLE_SECS	30		/* default --idle-timeout */
/*
 * A connection's unanswered requests: enough for one client's group of
 * record --batch (1000 by default) to go into one commit, where 256 cut it
 * into four, each a durable commit of its own; half of D_BATCH_MAX, so a
 * commit always has room for others.  The memory is the batches' (at most
 * D_BATCH_MAX lines each), not the connection's.
 */
#define D_MAX_INFLIGHT	2048
#define D_OUT_PAUSE	(64 * 1024)	/* stop reading one this far behind */
#define D_OUT_MAX	(4 * 1024 * 1024) /* then disconnect it past this */
#define D_BATCH_MAX	4096		/* requests in one commit */
#define D_SEAL_SECS	60		/* default --checkpoint-every */
#define KEY_BUF		(4096 + 1)	/* read_signer's buffer, for free_key */

/* Automatic checkpoints (auditlogd_seal.c). */
struct seal_opts {
	const char	*skey;		/* the signer key's text */
	const char	*actor;		/* who the checkpoint entries name */
	const char	*publish;	/* a folder, or NULL */
	int		 every;		/* seconds, at most, between them */
};

int	read_signer(const char *path, char **key, size_t *len);
void	free_key(char *key, size_t len);
const char *seal_actor(void);
/*
 * Sign a checkpoint of the log as it is with so's key, record it naming
 * actor (al_checkpoint appends its entry in the transaction that read the
 * head), and publish it as checkpoint.SIZE and latest in the publish
 * folder.  0 with *note (malloc'd, the caller frees it), *len and *seq;
 * or -1 with why, and *lrc al_checkpoint's code when it failed (nothing
 * recorded), 0 when the publishing did (the checkpoint is recorded: *note
 * and *seq are set).  Uses the handle: the caller is its one user then.
 */
int	seal_now(al_log *, const struct seal_opts *, const char *actor,
	    char **note, size_t *len, uint64_t *seq, int *lrc, char *why,
	    size_t whylen);
/* seal_now as the daemon's user (so->actor), a failure said.  0 or -1. */
int	seal(al_log *, const struct seal_opts *);

struct serve_opts {
	al_log		*log;		/* the owner's; the committer uses it */
	int		*listen;	/* listening sockets, non-blocking */
	size_t		 nlisten;
	size_t		 max_conns;
	int		 idle_secs;
	int		 sigfd;		/* signalfd: SIGTERM, SIGINT */
	const char	*dir;		/* for messages */
	const struct seal_opts *seal;	/* NULL: no automatic checkpoints */
};

/* Messages to stderr, "auditlogd: ...". */
void	dmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A folder of ours alone, or -1 having said why (auditlogd.c). */
int	check_dir(const char *dir);

/*
 * Serve until SIGTERM or SIGINT (then drain: answer what was read, seal
 * when the log grew, exit 0) or a storage failure (answer "not
 * recorded", return 3).  Returns the exit status.
 */
int	serve(const struct serve_opts *);

#endif
