/* cmd_batch.c - auditlog record --batch: JSON lines in, one result a line out */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "batch_line.h"
#include "cmd.h"

#define MAX_LINE	(64 * 1024)	/* far above any valid access */

/* One input line on its way: an access to record, or an error. */
struct pending {
	uint64_t		 lineno;
	json_t			*j;		/* owns the strings of a */
	char			*error;		/* malformed: why */
};

struct batch {
	al_log			*l;
	const char		*service;	/* --service, $AUDITLOG_SERVICE */
	size_t			 max;		/* entries a commit */
	int			 ms;		/* ...or milliseconds */
	struct pending		*p;
	struct al_access	*a;
	struct al_decision	*d;
	size_t			 np, na;
	uint64_t		 first_ms;	/* when the oldest one came */
	int			 denied, malformed, failed;
};

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
result_error(uint64_t lineno, const char *what, const char *text)
{
	printf("{\"line\":%" PRIu64 ",\"error\":", lineno);
	if (what != NULL) {
		char	msg[1200];

		if (snprintf(msg, sizeof(msg), "%s%s", what, text) < 0)
			msg[0] = '\0';
		put_json(stdout, msg, strlen(msg));
	} else
		put_json(stdout, text, strlen(text));
	fputs("}\n", stdout);
}

/*
 * Commit what is pending in one durable transaction, then write each
 * line's result in input order: nothing is said of a line before it is
 * durable.
 */
static int
flush(struct batch *b)
{
	size_t	i, k = 0;
	int	rc = 0;

	if (b->np == 0)
		return 0;
	if (b->na > 0 && !b->failed)
		rc = al_record_batch(b->l, b->a, b->na, b->d);
	if (rc != 0 && !b->failed) {
		b->failed = rc;
		msg_term("storage failure, nothing of this commit was "
		    "recorded: ", al_errmsg(b->l));
	}
	for (i = 0; i < b->np; i++) {
		struct pending	*p = &b->p[i];

		if (p->error != NULL) {
			result_error(p->lineno, NULL, p->error);
		} else if (b->failed) {
			result_error(p->lineno, "not recorded: ",
			    al_errmsg(b->l));
		} else {
			struct al_decision *d = &b->d[k++];

			printf("{\"line\":%" PRIu64 ",\"seq\":%" PRIu64
			    ",\"decision\":\"%s\"", p->lineno, d->seq,
			    d->allow ? "allow" : "deny");
			if (d->allow) {
				fputs(",\"rule\":", stdout);
				put_json(stdout, d->rule, strlen(d->rule));
			} else {
				b->denied = 1;
				printf(",\"code\":\"%s\",\"reason\":",
				    al_code_name(d->code));
				put_json(stdout, d->detail, strlen(d->detail));
			}
			fputs("}\n", stdout);
		}
		json_decref(p->j);
		free(p->error);
	}
	b->np = b->na = 0;
	if (fflush(stdout) != 0) {
		msg("write error on standard output: %s", strerror(errno));
		b->failed = AL_EIO;
	}
	return b->failed;
}

/* One line: an access, or the reason it is not one. */
static int
take(struct batch *b, const char *line, size_t len, uint64_t lineno,
    int too_long)
{
	struct pending		*p;

	if (b->np == b->max + 1 || (b->np > 0 && b->na == b->max))
		if (flush(b) != 0)
			return -1;
	if (b->np == 0)
		b->first_ms = now_ms();
	p = &b->p[b->np++];
	memset(p, 0, sizeof(*p));
	p->lineno = lineno;
	b->malformed |= too_long;
	if (too_long) {
		p->error = batch_why("line longer than %d bytes", MAX_LINE);
		return 0;
	}
	if (batch_line(b->l, line, len, b->service, &b->a[b->na], &p->j,
	    &p->error) != 0) {
		b->malformed = 1;
		return 0;
	}
	b->na++;
	return 0;
}

/*
 * Read stdin in chunks, splitting lines; commit when max entries are
 * pending or the oldest has waited ms milliseconds.
 */
int
record_batch(const char *dir, const char *service, size_t max, int ms)
{
	struct batch	 b;
	struct pollfd	 pfd = { STDIN_FILENO, POLLIN, 0 };
	char		 chunk[65536], *line = NULL;
	size_t		 n = 0, i;
	uint64_t	 lineno = 0;
	ssize_t		 r;
	int		 rc, status, too_long = 0, wait;

	memset(&b, 0, sizeof(b));
	b.service = service;
	b.max = max;
	b.ms = ms;
	if ((b.p = calloc(max + 1, sizeof(*b.p))) == NULL ||
	    (b.a = calloc(max, sizeof(*b.a))) == NULL ||
	    (b.d = calloc(max, sizeof(*b.d))) == NULL ||
	    (line = malloc(MAX_LINE)) == NULL) {
		msg("out of memory");
		status = EX_UNAVAIL;
		goto done;
	}
	if ((rc = al_open(dir, 0, &b.l)) != 0) {
		status = lib_fail(rc, b.l, EX_UNAVAIL);
		goto done;
	}
	for (;;) {
		if (b.np > 0) {
			wait = b.ms - (int)(now_ms() - b.first_ms);
			if (wait <= 0 || poll(&pfd, 1, wait) == 0) {
				if (flush(&b) != 0)
					break;
				continue;
			}
		}
		if ((r = read(STDIN_FILENO, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			msg("read: %s", strerror(errno));
			b.failed = AL_EIO;
			break;
		}
		if (r == 0)
			break;
		for (i = 0; i < (size_t)r; i++) {
			if (chunk[i] != '\n') {
				if (n < MAX_LINE)
					line[n++] = chunk[i];
				else
					too_long = 1;
				continue;
			}
			lineno++;
			if (take(&b, line, n, lineno, too_long) != 0)
				goto out;
			n = 0;
			too_long = 0;
		}
	}
out:
	/* A last line without its newline still counts. */
	if (!b.failed && (n > 0 || too_long))
		(void)take(&b, line, n, ++lineno, too_long);
	(void)flush(&b);
	if (b.failed)
		status = EX_UNAVAIL;
	else if (b.malformed)
		status = EX_USAGE;
	else
		status = b.denied ? EX_NO : EX_OK;
	status = finish(status) == EX_UNAVAIL ? EX_UNAVAIL : status;
done:
	for (i = 0; i < b.np; i++) {
		json_decref(b.p[i].j);
		free(b.p[i].error);
	}
	al_close(b.l);
	free(b.p);
	free(b.a);
	free(b.d);
	free(line);
	return status;
}
