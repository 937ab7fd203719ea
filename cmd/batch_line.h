/* batch_line.h - one line of record --batch, parsed into an access */
#ifndef BATCH_LINE_H
#define BATCH_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "auditlog.h"

/* A bump allocator: arena_reset frees all at once, and keeps the memory. */
struct chunk;
struct arena {
	struct chunk	*first, *cur;
	size_t		 used;		/* bytes given out since the reset */
};

void	*arena_alloc(struct arena *, size_t);
void	 arena_reset(struct arena *);
void	 arena_free(struct arena *);

/* A reason is cut to this many bytes, with its NUL, as it always was. */
#define WHY_LEN		512
/* A copy of why in ar, cut to WHY_LEN; "out of memory" when none fits. */
const char *arena_why(struct arena *, const char *why);

/*
 * Parse line (len bytes, no newline) into *a, without the log: the rules of
 * the fields are al_validate's.  Returns 0 when it is an access, whose
 * strings are in ar; otherwise -1 with the reason in why (cut to whylen).
 * service is the default for a line without one.  Touches no state but
 * ar's: lines may be parsed on several threads, each with its own arena.
 */
int	batch_parse(const char *line, size_t len, const char *service,
	    struct al_access *a, struct arena *ar, char *why, size_t whylen);

/*
 * A request to auditlogd (docs/PROTOCOL.md, section 4): an access to
 * record or to check, a policy to install or to propose (name, text, and
 * the access's actor and service), an open proposal to approve or
 * reject (digest), or a checkpoint to sign (the actor alone, a label).  Parsed as batch_parse does, with the fields op, name,
 * text, digest and expires besides; the strings are in ar.  0, or -1 with
 * why.
 */
enum req_op { OP_RECORD, OP_CHECK, OP_POLICY_SET, OP_PROPOSE, OP_APPROVE,
    OP_REJECT, OP_CHECKPOINT };
struct request {
	enum req_op		 op;
	struct al_access	 a;
	const char		*name, *text;	/* OP_POLICY_SET, OP_PROPOSE */
	const char		*digest;	/* OP_APPROVE, OP_REJECT */
	uint64_t		 expires_ns;	/* OP_PROPOSE: 0, the default */
};
int	request_parse(const char *line, size_t len, struct request *,
	    struct arena *ar, char *why, size_t whylen);

/*
 * batch_parse, then al_validate on the log (whose message it sets):
 * the whole judgement of a line, as the tool makes it in two threads.
 * Returns 0 with *error NULL when it is a valid access, whose strings are
 * in ar; otherwise *error is a malloc'd reason (NULL only when out of
 * memory too), which the caller frees.
 */
int	batch_line(al_log *, const char *line, size_t len, const char *service,
	    struct al_access *a, struct arena *ar, char **error);

/* A reason of our own, printf-style, malloc'd (NULL: out of memory). */
char	*batch_why(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
