/* cmd_batch.c - auditlog record --batch: JSON lines in, one result a line out */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch_line.h"
#include "cmd.h"

/*
 * Two threads.  The parser reads standard input, splits it into lines,
 * parses each (yajl) and prepares its access into a batch: checked,
 * decided and encoded (al_prep_add).  The committer (the calling thread,
 * the only one to use the log handle) takes a batch, appends it in one
 * durable transaction (al_record_prep, which decides again only if the
 * policy changed meanwhile) and writes the results in input order, while
 * the parser fills the other batch.  A batch is taken when it holds max
 * accesses (or max + 1 lines, or BATCH_BYTES of lines and reasons), when
 * the input ends, or when its first line has waited ms milliseconds and
 * the committer is free: the grouping auditlog(1) describes.
 *
 * yajl allocates from an arena of the parser's, reset before each line,
 * where the strings of the line's access are too until al_prep_add has
 * encoded them; a malformed line's reason goes to its batch's arena,
 * reset once the batch's results are written.
 */

#define MAX_LINE	(64 * 1024)	/* far above any valid access */
#define READ_SIZE	(64 * 1024)
#define BATCH_BYTES	(64 * 1024 * 1024) /* a batch is full at this size */
#define OUT_SIZE	(64 * 1024)

/* One input line on its way: an access to record, or an error. */
struct line {
	uint64_t		 lineno;
	const char		*error;		/* malformed: why */
};

struct batch {
	struct line	*line;		/* max + 1 of them */
	size_t		 n, nacc;	/* lines; accesses among them */
	size_t		 bytes;		/* the accesses' lines, in all */
	uint64_t	 first_ms;	/* when the first line came */
	al_prep		*prep;		/* the accesses, decided, encoded */
	struct arena	 arena;		/* the errors' text */
};

/*
 * What the threads share, under mu.  The parser fills b[fill]; while
 * busy it owns it, and the committer asks it to close the batch (want);
 * between reads (!busy) the committer may take b[fill] as it is.
 */
struct pipeline {
	pthread_mutex_t	 mu;
	pthread_cond_t	 to_commit;	/* a batch started, closed; !busy */
	pthread_cond_t	 to_parse;	/* b[fill] changed; stop */
	struct batch	 b[2];
	int		 fill;
	int		 started;	/* b[fill] holds a line */
	int		 closed;	/* b[fill] is to be taken as it is */
	int		 busy;		/* the parser is between read and poll */
	int		 ended;		/* the input ended: b[fill] is the last */
	int		 input_failed;	/* ...on a read error */
	int		 stop;		/* the committer gave up */
	atomic_int	 want;		/* close b[fill] at the next line */
	int		 wake[2];	/* closed on stop, for the parser's poll */

	/* The parser's own. */
	struct arena	 scratch;	/* yajl's and the strings', a line */
	const char	*service;
	size_t		 max;
	char		*linebuf;
	char		*chunk;
	char		 toolong[64];
};

/* The committer's own. */
struct commit {
	al_log			*l;
	struct al_decision	*d;
	char			*out;		/* OUT_SIZE bytes */
	size_t			 nout;
	int			 out_err, out_said;
	int			 denied, malformed, failed;
};

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The parser: b[fill] is taken as it is; wait for the other.  -1: stop. */
static int
close_batch(struct pipeline *p, struct batch **b)
{
	int	f, rc;

	pthread_mutex_lock(&p->mu);
	p->closed = 1;
	pthread_cond_signal(&p->to_commit);
	f = p->fill;
	while (p->fill == f && !p->stop)
		pthread_cond_wait(&p->to_parse, &p->mu);
	*b = &p->b[p->fill];
	rc = p->stop ? -1 : 0;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* Nothing but JSON's white space (RFC 8259: space, tab, CR). */
static int
blank(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* The parser: one line into the batch.  -1: stop. */
static int
take(struct pipeline *p, struct batch **bp, const char *text, size_t len,
    uint64_t lineno, int too_long)
{
	struct batch		*b = *bp;
	struct line		*ln = &b->line[b->n];
	struct al_access	 a;
	char			 why[WHY_LEN];
	int			 rc = 0;

	/* A blank line is no access: skipped, as JSON Lines readers do,
	 * with no result line (the results name their lines). */
	if (!too_long && blank(text, len))
		return 0;
	ln->lineno = lineno;
	ln->error = NULL;
	if (too_long)
		ln->error = p->toolong;
	else {
		arena_reset(&p->scratch);
		if (batch_parse(text, len, p->service, &a, &p->scratch, why,
		    sizeof(why)) != 0)
			ln->error = arena_why(&b->arena, why);
		else if (al_prep_add(b->prep, &a) != 0)
			ln->error = arena_why(&b->arena,
			    al_prep_errmsg(b->prep));
		else {
			b->nacc++;
			b->bytes += len;
		}
	}
	if (b->n++ == 0) {
		b->first_ms = now_ms();
		pthread_mutex_lock(&p->mu);
		p->started = 1;
		pthread_cond_signal(&p->to_commit);
		pthread_mutex_unlock(&p->mu);
	}
	if (b->nacc == p->max || b->n == p->max + 1 ||
	    b->bytes + b->arena.used >= BATCH_BYTES ||
	    atomic_load(&p->want))
		rc = close_batch(p, bp);
	return rc;
}

/* The parser: wait for input, or for the committer to stop.  1: stop. */
static int
wait_input(struct pipeline *p)
{
	struct pollfd	fds[2] = {
		{ STDIN_FILENO, POLLIN, 0 }, { p->wake[0], POLLIN, 0 }
	};

	int	rc;

	while ((rc = poll(fds, 2, -1)) == -1 && errno == EINTR)
		;
	/* On another error, the read says what is wrong. */
	return rc > 0 && fds[1].revents != 0;
}

/* The parser: the owner of b[fill] (busy), or not. */
static struct batch *
set_busy(struct pipeline *p, int busy)
{
	struct batch	*b;

	pthread_mutex_lock(&p->mu);
	p->busy = busy;
	b = p->stop ? NULL : &p->b[p->fill];
	if (!busy && atomic_load(&p->want))
		pthread_cond_signal(&p->to_commit);
	pthread_mutex_unlock(&p->mu);
	return b;
}

/*
 * The parser thread.  A line within one read is parsed where it is; one
 * across reads is put together in linebuf first.
 */
static void *
parse_input(void *arg)
{
	struct pipeline	*p = arg;
	struct batch	*b;
	const char	*s, *end, *nl;
	size_t		 n = 0, len;
	uint64_t	 lineno = 0;
	ssize_t		 r;
	int		 failed = 0, too_long = 0;

	for (;;) {
		if (wait_input(p))
			goto stop;
		if ((r = read(STDIN_FILENO, p->chunk, READ_SIZE)) == -1) {
			if (errno == EINTR)
				continue;
			msg("read: %s", strerror(errno));
			failed = 1;
			break;
		}
		if (r == 0)
			break;
		if ((b = set_busy(p, 1)) == NULL)
			goto stop;
		for (s = p->chunk, end = s + r; s < end; s = nl + 1) {
			if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
				nl = end;
			len = (size_t)(nl - s);
			if (n == 0 && !too_long && nl < end) {
				if (take(p, &b, s, len, ++lineno,
				    len > MAX_LINE) != 0)
					goto stop;
				continue;
			}
			if (too_long || len > MAX_LINE - n)
				too_long = 1;
			else {
				memcpy(p->linebuf + n, s, len);
				n += len;
			}
			if (nl == end)
				break;
			if (take(p, &b, p->linebuf, n, ++lineno,
			    too_long) != 0)
				goto stop;
			n = 0;
			too_long = 0;
		}
		(void)set_busy(p, 0);
	}
	if ((b = set_busy(p, 1)) == NULL)
		goto stop;
	/* A last line without its newline still counts. */
	if (!failed && (n > 0 || too_long) &&
	    take(p, &b, p->linebuf, n, ++lineno, too_long) != 0)
		goto stop;
	pthread_mutex_lock(&p->mu);
	p->ended = p->closed = 1;
	p->input_failed = failed;
	pthread_cond_signal(&p->to_commit);
	pthread_mutex_unlock(&p->mu);
stop:
	return NULL;
}

/* Output: our own buffer, written whole; stdout's errors are sticky. */
static void
out_flush(struct commit *c)
{
	if (c->nout > 0 && fwrite(c->out, 1, c->nout, stdout) != c->nout)
		c->out_err = 1;
	c->nout = 0;
}

static void
out_add(struct commit *c, const char *s, size_t n)
{
	if (n > OUT_SIZE - c->nout)
		out_flush(c);
	if (n <= OUT_SIZE) {
		memcpy(c->out + c->nout, s, n);
		c->nout += n;
	} else if (fwrite(s, 1, n, stdout) != n)
		c->out_err = 1;
}

static void
out_str(struct commit *c, const char *s)
{
	out_add(c, s, strlen(s));
}

static void
out_u64(struct commit *c, uint64_t v)
{
	char	buf[24], *p = buf + sizeof(buf);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	out_add(c, p, (size_t)(buf + sizeof(buf) - p));
}

/*
 * A JSON string as put_json writes it: printable ASCII without '"' and
 * '\\' is itself in quotes; anything else goes through the library.
 */
static void
out_json(struct commit *c, const char *s)
{
	size_t	i, n = strlen(s);

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '"' || s[i] == '\\')
			break;
	if (i == n) {
		out_add(c, "\"", 1);
		out_add(c, s, n);
		out_add(c, "\"", 1);
	} else {
		out_flush(c);
		if (al_fput_json(stdout, s, n) != 0)
			c->out_err = 1;
	}
}

static void
out_error(struct commit *c, uint64_t lineno, const char *text)
{
	out_str(c, "{\"line\":");
	out_u64(c, lineno);
	out_str(c, ",\"error\":");
	out_json(c, text);
	out_str(c, "}\n");
}

static void
out_decision(struct commit *c, uint64_t lineno, const struct al_decision *d)
{
	out_str(c, "{\"line\":");
	out_u64(c, lineno);
	out_str(c, ",\"seq\":");
	out_u64(c, d->seq);
	if (d->allow) {
		out_str(c, ",\"decision\":\"allow\",\"rule\":");
		out_json(c, d->rule);
	} else {
		c->denied = 1;
		out_str(c, ",\"decision\":\"deny\",\"code\":\"");
		out_str(c, al_code_name(d->code));
		out_str(c, "\",\"reason\":");
		out_json(c, d->detail);
	}
	out_str(c, "}\n");
}

/*
 * The committer: commit a batch's accesses, checked, decided and encoded
 * by the parser (al_prep_add), in one durable transaction, then write
 * each line's result in input order: nothing is said of a line before it
 * is durable.
 */
static void
commit_batch(struct commit *c, struct batch *b, int input_failed)
{
	struct line	*ln;
	char		 notrec[1200];
	size_t		 i, k = 0;
	int		 rc = 0;

	if (input_failed)
		c->failed = AL_EIO;
	if (b->nacc > 0 && !c->failed &&
	    (rc = al_record_prep(c->l, b->prep, c->d)) != 0) {
		c->failed = rc;
		msg_term("storage failure, nothing of this commit was "
		    "recorded: ", al_errmsg(c->l));
	}
	/* Cut as it always was. */
	if (c->failed && snprintf(notrec, sizeof(notrec), "not recorded: %s",
	    al_errmsg(c->l)) < 0)
		notrec[0] = '\0';
	for (i = 0; i < b->n; i++) {
		ln = &b->line[i];
		if (ln->error != NULL) {
			c->malformed = 1;
			out_error(c, ln->lineno, ln->error);
		} else if (c->failed)
			out_error(c, ln->lineno, notrec);
		else
			out_decision(c, ln->lineno, &c->d[k++]);
	}
	out_flush(c);
	if (fflush(stdout) != 0 || ferror(stdout) || c->out_err) {
		msg("write error on standard output: %s", strerror(errno));
		c->failed = AL_EIO;
		c->out_said = 1;
	}
}

/*
 * The committer: take the next batch, when the parser closed it, or its
 * first line has waited ms and the parser is between reads (or, busy,
 * closes it at our asking).  Returns the batch; *last when none follows.
 */
static struct batch *
next_batch(struct pipeline *p, int ms, int *last, int *input_failed)
{
	struct batch	*b;
	struct timespec	 ts;
	uint64_t	 due;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		b = &p->b[p->fill];
		if (p->closed)
			break;
		if (!p->started) {
			pthread_cond_wait(&p->to_commit, &p->mu);
			continue;
		}
		due = b->first_ms + (uint64_t)ms;
		if (now_ms() < due) {
			ts.tv_sec = (time_t)(due / 1000);
			ts.tv_nsec = (long)(due % 1000) * 1000000;
			(void)pthread_cond_timedwait(&p->to_commit, &p->mu,
			    &ts);
			continue;
		}
		if (!p->busy)
			break;
		atomic_store(&p->want, 1);
		pthread_cond_wait(&p->to_commit, &p->mu);
	}
	*last = p->ended;
	*input_failed = p->input_failed;
	p->fill ^= 1;
	p->started = p->closed = 0;
	atomic_store(&p->want, 0);
	pthread_cond_signal(&p->to_parse);
	pthread_mutex_unlock(&p->mu);
	return b;
}

/* The committer's loop; on a failure it stops the parser. */
static void
run_commits(struct pipeline *p, struct commit *c, int ms)
{
	struct batch	*b;
	int		 last, input_failed;

	do {
		b = next_batch(p, ms, &last, &input_failed);
		commit_batch(c, b, input_failed);
		b->n = b->nacc = b->bytes = 0;
		al_prep_reset(b->prep);
		arena_reset(&b->arena);
	} while (!last && !c->failed);
	if (!last) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_signal(&p->to_parse);
		pthread_mutex_unlock(&p->mu);
		/* The parser may be in poll: the closed end wakes it. */
		if (close(p->wake[1]) == -1)
			msg("close: %s", strerror(errno));
		p->wake[1] = -1;
	}
}

/* Read stdin in batches, commit each; exit status as auditlog(1) says. */
int
record_batch(const char *dir, const char *service, size_t max, int ms)
{
	struct pipeline		 p;
	struct commit		 c;
	pthread_condattr_t	 ca;
	pthread_t		 parser;
	int			 rc, status = EX_UNAVAIL, i, mu = 0,
				 cv_parse = 0, cv_commit = 0;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	p.wake[0] = p.wake[1] = -1;
	p.service = service;
	p.max = max;
	if (snprintf(p.toolong, sizeof(p.toolong), "line longer than %d bytes",
	    MAX_LINE) >= (int)sizeof(p.toolong)) {
		msg("line limit message too long");
		goto done;
	}
	if ((p.b[0].line = calloc(max + 1, sizeof(struct line))) == NULL ||
	    (p.b[1].line = calloc(max + 1, sizeof(struct line))) == NULL ||
	    (p.linebuf = malloc(MAX_LINE)) == NULL ||
	    (p.chunk = malloc(READ_SIZE)) == NULL ||
	    (c.d = calloc(max, sizeof(*c.d))) == NULL ||
	    (c.out = malloc(OUT_SIZE)) == NULL) {
		msg("out of memory");
		goto done;
	}
	if ((rc = log_open(dir, 0, &c.l)) != 0 ||
	    (rc = al_prep_new(c.l, &p.b[0].prep)) != 0 ||
	    (rc = al_prep_new(c.l, &p.b[1].prep)) != 0) {
		status = lib_fail(rc, c.l, EX_UNAVAIL);
		goto done;
	}
	if (pipe(p.wake) == -1) {
		msg("pipe: %s", strerror(errno));
		goto done;
	}
	if ((rc = pthread_mutex_init(&p.mu, NULL)) != 0)
		goto nothread;
	mu = 1;
	if ((rc = pthread_cond_init(&p.to_parse, NULL)) != 0)
		goto nothread;
	cv_parse = 1;
	/* The ms are a duration: a clock that may jump will not do. */
	if ((rc = pthread_condattr_init(&ca)) != 0)
		goto nothread;
	if ((rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) == 0 &&
	    (rc = pthread_cond_init(&p.to_commit, &ca)) == 0)
		cv_commit = 1;
	(void)pthread_condattr_destroy(&ca);
	if (!cv_commit)
		goto nothread;

	if ((rc = pthread_create(&parser, NULL, parse_input, &p)) != 0)
		goto nothread;
	run_commits(&p, &c, ms);
	if ((rc = pthread_join(parser, NULL)) != 0) {
		msg("pthread_join: %s", strerror(rc));
		c.failed = AL_EIO;
	}

	if (c.failed)
		status = EX_UNAVAIL;
	else if (c.malformed)
		status = EX_USAGE;
	else
		status = c.denied ? EX_NO : EX_OK;
	/* An output error is said once, where it happened. */
	if (c.out_said)
		(void)fclose(stdout);
	else if (finish(status) == EX_UNAVAIL)
		status = EX_UNAVAIL;
	goto done;
nothread:
	msg("cannot start the parser thread: %s", strerror(rc));
done:
	if (cv_commit)
		(void)pthread_cond_destroy(&p.to_commit);
	if (cv_parse)
		(void)pthread_cond_destroy(&p.to_parse);
	if (mu)
		(void)pthread_mutex_destroy(&p.mu);
	for (i = 0; i < 2; i++) {
		if (p.wake[i] != -1)
			(void)close(p.wake[i]);
		arena_free(&p.b[i].arena);
		al_prep_free(p.b[i].prep);
		free(p.b[i].line);
	}
	arena_free(&p.scratch);
	al_close(c.l);
	free(p.linebuf);
	free(p.chunk);
	free(c.d);
	free(c.out);
	return status;
}
