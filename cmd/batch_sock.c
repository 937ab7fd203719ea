/* batch_sock.c - record --batch through auditlogd: the same lines, results */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch_line.h"
#include "cmd.h"

/*
 * The same lines in and the same result lines out as record --batch on
 * the log's files (cmd_batch.c), but the daemon decides and records.  The
 * lines are parsed and checked here, by the daemon's own parser, so a
 * malformed one is answered at once, as directly; the accesses go to the
 * daemon a group at a time (al_record_batch on the socket, which writes
 * while it reads the replies), a group being what standard input holds
 * ready, up to --batch-size: a service that writes a line and waits for
 * its result gets it after one commit.  Nothing is said of a line before
 * the daemon acknowledged it.
 */

#define MAX_LINE	(64 * 1024)
#define READ_SIZE	(64 * 1024)

struct line {
	uint64_t	 lineno;
	const char	*error;		/* malformed: why */
};

struct sbatch {
	al_log			*l;
	struct line		*line;		/* max + 1 */
	struct al_access	*acc;		/* max */
	struct al_decision	*d;
	size_t			 n, nacc, max;
	struct arena		 arena;		/* the lines' strings, errors */
	const char		*service;
	int			 denied, malformed, failed;
};

static void
put_error(uint64_t lineno, const char *text)
{
	printf("{\"line\":%" PRIu64 ",\"error\":", lineno);
	put_json(stdout, text, strlen(text));
	fputs("}\n", stdout);
}

static void
put_decision(uint64_t lineno, const struct al_decision *d)
{
	printf("{\"line\":%" PRIu64 ",\"seq\":%" PRIu64, lineno, d->seq);
	if (d->allow) {
		fputs(",\"decision\":\"allow\",\"rule\":", stdout);
		put_json(stdout, d->rule, strlen(d->rule));
	} else {
		printf(",\"decision\":\"deny\",\"code\":\"%s\",\"reason\":",
		    al_code_name(d->code));
		put_json(stdout, d->detail, strlen(d->detail));
	}
	fputs("}\n", stdout);
}

/* Record the group's accesses, then say each line's result, in order. */
static void
flush_group(struct sbatch *b)
{
	const char	*why = NULL, *text;
	struct line	*ln;
	size_t		 i, k = 0;
	int		 rc = 0;

	if (b->n == 0)
		return;
	if (b->nacc > 0 && (rc = al_record_batch(b->l, b->acc, b->nacc,
	    b->d)) != 0) {
		b->failed = 1;
		why = al_errmsg(b->l);
		msg_term("", why);
		/* The daemon's own "not recorded" is said as directly. */
		if ((text = strstr(why, "not recorded")) == NULL)
			why = NULL;
		else
			why = text;
	}
	for (i = 0; i < b->n; i++) {
		ln = &b->line[i];
		if (ln->error != NULL) {
			b->malformed = 1;
			put_error(ln->lineno, ln->error);
		} else if (b->d[k].seq != 0) {
			if (!b->d[k].allow)
				b->denied = 1;
			put_decision(ln->lineno, &b->d[k++]);
		} else {
			/* No reply: nothing to say of it but that. */
			if (why != NULL)
				put_error(ln->lineno, why);
			k++;
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg("write error on standard output: %s", strerror(errno));
		b->failed = 1;
	}
	b->n = b->nacc = 0;
	arena_reset(&b->arena);
}

static void
take(struct sbatch *b, const char *text, size_t len, uint64_t lineno,
    int too_long)
{
	struct line		*ln;
	struct al_access	 a;
	char			 why[WHY_LEN];
	size_t			 i;

	for (i = 0; !too_long && i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
			break;
	if (!too_long && i == len)
		return;		/* a blank line: no access, no result */
	ln = &b->line[b->n++];
	ln->lineno = lineno;
	ln->error = NULL;
	if (too_long) {
		(void)snprintf(why, sizeof(why), "line longer than %d bytes",
		    MAX_LINE);
		ln->error = arena_why(&b->arena, why);
	} else {
		/* The access's strings stay in the arena until the group
		 * is flushed. */
		if (batch_parse(text, len, b->service, &a, &b->arena, why,
		    sizeof(why)) != 0)
			ln->error = arena_why(&b->arena, why);
		else if (al_validate(b->l, &a) != 0)
			ln->error = arena_why(&b->arena, al_errmsg(b->l));
		else
			b->acc[b->nacc++] = a;
	}
	if (b->nacc == b->max || b->n == b->max + 1)
		flush_group(b);
}

/* Is more input ready now?  Then the group may grow before it goes. */
static int
more_ready(void)
{
	struct pollfd	p = { STDIN_FILENO, POLLIN, 0 };

	return poll(&p, 1, 0) == 1;
}

/* Read stdin, a group at a time through the daemon; the exit status. */
int
record_batch_sock(const char *path, const char *service, size_t max)
{
	struct sbatch	 b;
	char		*chunk = NULL, *linebuf = NULL;
	const char	*s, *end, *nl;
	size_t		 n = 0, len;
	uint64_t	 lineno = 0;
	ssize_t		 r;
	int		 rc, status = EX_UNAVAIL, too_long = 0;

	memset(&b, 0, sizeof(b));
	b.max = max;
	b.service = service;
	if ((b.line = calloc(max + 1, sizeof(*b.line))) == NULL ||
	    (b.acc = calloc(max, sizeof(*b.acc))) == NULL ||
	    (b.d = calloc(max, sizeof(*b.d))) == NULL ||
	    (chunk = malloc(READ_SIZE)) == NULL ||
	    (linebuf = malloc(MAX_LINE)) == NULL) {
		msg("out of memory");
		goto done;
	}
	if ((rc = sock_open(path, &b.l)) != 0) {
		status = lib_fail(rc, b.l, EX_UNAVAIL);
		goto done;
	}
	while (!b.failed) {
		if ((r = read(STDIN_FILENO, chunk, READ_SIZE)) == -1) {
			if (errno == EINTR)
				continue;
			msg("read: %s", strerror(errno));
			b.failed = 1;
			break;
		}
		if (r == 0)
			break;
		for (s = chunk, end = s + r; s < end && !b.failed;
		    s = nl + 1) {
			if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
				nl = end;
			len = (size_t)(nl - s);
			if (n == 0 && !too_long && nl < end) {
				take(&b, s, len, ++lineno, len > MAX_LINE);
				continue;
			}
			if (too_long || len > MAX_LINE - n)
				too_long = 1;
			else {
				memcpy(linebuf + n, s, len);
				n += len;
			}
			if (nl == end)
				break;
			take(&b, linebuf, n, ++lineno, too_long);
			n = 0;
			too_long = 0;
		}
		if (!b.failed && !more_ready())
			flush_group(&b);
	}
	/* A last line without its newline still counts. */
	if (!b.failed && (n > 0 || too_long))
		take(&b, linebuf, n, ++lineno, too_long);
	if (!b.failed)
		flush_group(&b);
	if (b.failed)
		status = EX_UNAVAIL;
	else if (b.malformed)
		status = EX_USAGE;
	else
		status = b.denied ? EX_NO : EX_OK;
	if (finish(status) == EX_UNAVAIL)
		status = EX_UNAVAIL;
done:
	al_close(b.l);
	arena_free(&b.arena);
	free(b.line);
	free(b.acc);
	free(b.d);
	free(chunk);
	free(linebuf);
	return status;
}
