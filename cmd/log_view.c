/* log_view.c - log's listing in batches, paged or followed */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"

#define BATCH		512		/* entries read a read transaction */
#define POLL_NS		200000000L	/* -f: how often the head is read */

static volatile sig_atomic_t stop;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* A batch, formatted in memory, then written whole. */
struct out {
	const struct view *v;
	FILE		*fp;
	char		*buf;
	size_t		 size;
	size_t		 n;		/* entries in the batch */
	uint64_t	 seq[BATCH];
	long		 end[BATCH];	/* where each ends in buf */
	uint64_t	 last;		/* the last seq written whole */
	uint64_t	 matched;
	int		 header;	/* the header is still to come */
	int		 paged;
	int		 quit;		/* the pager has gone: done */
	int		 err;		/* errno of a failed write */
	struct table	 t;
};

static void
put_header(struct out *o)
{
	if (!o->header)
		return;
	o->header = 0;
	if (o->v->fmt == FMT_TABLE)
		table_header(o->fp, &o->t);
	else
		(void)al_fput_csv_head(o->fp);
}

static void
put_entry(struct out *o, const struct al_entry *e)
{
	put_header(o);
	switch (o->v->fmt) {
	case FMT_TABLE:
		table_row(o->fp, &o->t, e);
		break;
	case FMT_JSON:
		(void)al_fput_entry_json(o->fp, e);
		break;
	case FMT_CSV:
		(void)al_fput_entry_csv(o->fp, e);
		break;
	case FMT_OCSF:
		ocsf_entry(o->fp, e);
		break;
	case FMT_SYSLOG:
		syslog_entry(o->fp, e, o->v->sd_id);
		break;
	}
	o->seq[o->n] = e->seq;
	o->end[o->n++] = ftell(o->fp);
	o->matched++;
}

/*
 * Write the batch; 0, or -1 when not all of it went (a write error in
 * o->err, the pager gone, or a signal to stop).  o->last is the last
 * entry written whole: the cursor that -f reports.
 */
static int
out_write(struct out *o)
{
	size_t	 done = 0, len, i;
	ssize_t	 w;
	long	 at;
	int	 rc = 0;

	if ((at = ftell(o->fp)) < 0 || fflush(o->fp) != 0 || ferror(o->fp)) {
		o->err = ENOMEM;
		return -1;
	}
	len = (size_t)at;
	while (done < len) {
		w = write(STDOUT_FILENO, o->buf + done, len - done);
		if (w >= 0) {
			done += (size_t)w;
			continue;
		}
		if (errno == EINTR && !stop)
			continue;
		if (errno == EPIPE && o->paged)
			o->quit = 1;
		else if (errno != EINTR)
			o->err = errno;
		rc = -1;
		break;
	}
	for (i = 0; i < o->n && (size_t)o->end[i] <= done; i++)
		o->last = o->seq[i];
	o->n = 0;
	if (rc == 0 && fseek(o->fp, 0, SEEK_SET) != 0) {
		o->err = errno;
		rc = -1;
	}
	return rc;
}

/*
 * Print what f selects, a batch at a time, each read in a read
 * transaction of its own that is closed before the batch is written: a
 * slow reader (a pager, a pipe to a SIEM) never holds one open, and so
 * never keeps the log from reusing its pages.  0, 1 when the output
 * stopped, or a library error.
 */
static int
print_all(al_log *l, struct al_filter *f, int reverse, struct out *o)
{
	struct al_entry	 e;
	al_iter		*it;
	uint64_t	 last = 0;
	int		 rc;

	for (;;) {
		if ((rc = (reverse ? al_iter_open_reverse : al_iter_open)(l,
		    f, &it)) != 0)
			return rc;
		while (o->n < BATCH && (rc = al_iter_next(it, &e)) == 1) {
			put_entry(o, &e);
			last = e.seq;
		}
		al_iter_close(it);
		if (rc < 0)
			return rc;
		if (o->v->follow)
			put_header(o);
		if (out_write(o) != 0 || stop)
			return 1;
		if (rc == 0)
			return 0;
		if (!reverse)
			f->from_seq = last + 1;
		else if (last <= 1)
			return 0;
		else
			f->to_seq = last - 1;
	}
}

/* The table's widths over what it is to print. */
static int
measure(al_log *l, const struct al_filter *f, struct table *t)
{
	struct al_entry	 e;
	al_iter		*it;
	int		 rc;

	if ((rc = al_iter_open(l, f, &it)) != 0)
		return rc;
	while ((rc = al_iter_next(it, &e)) == 1)
		table_measure(t, &e);
	al_iter_close(it);
	return rc;
}

/*
 * With -n N: the newest N matches.  A pass backwards finds the first of
 * them; the listing then starts there.
 */
static int
newest(al_log *l, struct al_filter *f, unsigned long long n)
{
	struct al_entry	 e;
	al_iter		*it;
	unsigned long long got = 0;
	int		 rc;

	if ((rc = al_iter_open_reverse(l, f, &it)) != 0)
		return rc;
	while (got < n && (rc = al_iter_next(it, &e)) == 1) {
		if (got++ == 0)
			f->to_seq = e.seq;
		f->from_seq = e.seq;
	}
	al_iter_close(it);
	if (rc < 0)
		return rc;
	if (got == 0)
		f->from_seq = UINT64_MAX;	/* nothing matches */
	return 0;
}

/* -f: what is committed after head, read in short transactions. */
static int
follow(al_log *l, const struct al_filter *base, uint64_t head,
    struct out *o)
{
	const struct timespec ts = { 0, POLL_NS };
	struct al_filter f;
	uint8_t		 hash[AL_HASH_LEN];
	uint64_t	 next = head + 1, h;
	int		 rc;

	while (!stop) {
		if ((rc = al_head(l, &h, hash)) != 0)
			return rc;
		if (h < next) {
			(void)nanosleep(&ts, NULL);	/* a signal ends it */
			continue;
		}
		f = *base;
		if (f.from_seq < next)
			f.from_seq = next;
		f.to_seq = h;
		if ((rc = print_all(l, &f, 0, o)) != 0)
			return rc;
		next = h + 1;
	}
	return 0;
}

/* The pager's side: $PAGER through sh, else less -FRX; without less, cat. */
static void
pager_exec(const char *cmd)
{
	char	buf[8192];
	ssize_t	n;

	if (cmd != NULL)
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	else
		execlp("less", "less", "-FRX", (char *)NULL);
	if (cmd != NULL)
		_exit(127);
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, (size_t)n) != n)
			_exit(1);
	_exit(n == 0 ? 0 : 1);
}

/* A pager reading what we write to stdout: its pid, or -1 for none. */
static pid_t
pager_start(void)
{
	const char	*cmd = getenv("PAGER");
	int		 fd[2];
	pid_t		 pid;

	if (cmd != NULL && (*cmd == '\0' || strcmp(cmd, "cat") == 0))
		return -1;
	if (pipe(fd) != 0)
		return -1;
	if ((pid = fork()) == -1) {
		(void)close(fd[0]);
		(void)close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(fd[0], STDIN_FILENO) == -1)
			_exit(127);
		(void)close(fd[0]);
		(void)close(fd[1]);
		pager_exec(cmd);
	}
	(void)close(fd[0]);
	if (dup2(fd[1], STDOUT_FILENO) == -1) {
		(void)close(fd[1]);
		(void)kill(pid, SIGTERM);
		(void)waitpid(pid, NULL, 0);
		return -1;
	}
	(void)close(fd[1]);
	return pid;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive edit distance of a and b, or 3 when it is over 2. */
static int
distance(const char *a, size_t an, const char *b, size_t bn)
{
	int	 row[AL_MAX_NAME + 2], prev, cur, best, x;
	size_t	 i, j;

	if (an > AL_MAX_NAME || bn > AL_MAX_NAME ||
	    (an > bn ? an - bn : bn - an) > 2)
		return 3;
	for (j = 0; j <= bn; j++)
		row[j] = (int)j;
	for (i = 1; i <= an; i++) {
		prev = row[0];
		row[0] = (int)i;
		best = row[0];
		for (j = 1; j <= bn; j++) {
			cur = row[j];
			x = prev + (lower(a[i - 1]) != lower(b[j - 1]));
			if (row[j] + 1 < x)
				x = row[j] + 1;
			if (row[j - 1] + 1 < x)
				x = row[j - 1] + 1;
			row[j] = x;
			prev = cur;
			if (x < best)
				best = x;
		}
		if (best > 2)
			return 3;
	}
	return row[bn] > 2 ? 3 : row[bn];
}

/* A --customer or --actor value, and the nearest spelling of it seen. */
struct near {
	const char	*want;
	size_t		 wn;
	int		 seen;		/* as it is */
	int		 best;		/* the nearest's distance; 3: none */
	char		 spelling[AL_MAX_NAME + 1];
	struct al_str	 last;		/* the last one weighed */
	char		 lastbuf[AL_MAX_NAME + 1];
};

static void
near_init(struct near *n, const char *want)
{
	memset(n, 0, sizeof(*n));
	n->want = want;
	n->wn = want != NULL ? strlen(want) : 0;
	n->best = 3;
}

static void
near_add(struct near *n, const struct al_str *s)
{
	int	d;

	if (n->want == NULL || n->seen || s->n > AL_MAX_NAME)
		return;
	if (s->n == n->wn && memcmp(s->p, n->want, s->n) == 0) {
		n->seen = 1;
		return;
	}
	/* Runs of one name are common: weigh each once. */
	if (n->best == 0 || (s->n == n->last.n &&
	    memcmp(s->p, n->lastbuf, s->n) == 0))
		return;
	memcpy(n->lastbuf, s->p, s->n);
	n->last.n = s->n;
	if ((d = distance(n->want, n->wn, s->p, s->n)) < n->best) {
		n->best = d;
		memcpy(n->spelling, s->p, s->n);
		n->spelling[s->n] = '\0';
	}
}

static void
near_say(const struct near *n, const char *what)
{
	if (n->want == NULL || n->seen)
		return;
	fprintf(stderr, "auditlog: %s: no %s '", progverb, what);
	put_term(stderr, n->want, n->wn, 0);
	fputs("' in the log", stderr);
	if (n->best < 3) {
		fputs("; did you mean '", stderr);
		put_term(stderr, n->spelling, strlen(n->spelling), 0);
		fputs("'?", stderr);
	}
	fputc('\n', stderr);
}

/*
 * Nothing matched: when the customer or actor asked for appears nowhere
 * in the log, say so, with a spelling that does (the same but for case,
 * or one or two edits away).  A pass over the whole log, made only then.
 */
static int
hint(al_log *l, const struct al_filter *f)
{
	struct near	 c, a;
	struct al_entry	 e;
	al_iter		*it;
	int		 rc;

	if (f->customer == NULL && f->actor == NULL)
		return 0;
	near_init(&c, f->customer);
	near_init(&a, f->actor);
	if ((rc = al_iter_open(l, NULL, &it)) != 0)
		return rc;
	while ((rc = al_iter_next(it, &e)) == 1) {
		if (e.kind == AL_KIND_ACCESS)
			near_add(&c, &e.customer);
		near_add(&a, &e.actor);
	}
	al_iter_close(it);
	if (rc < 0)
		return rc;
	near_say(&c, "customer");
	near_say(&a, "actor");
	return 0;
}

int
view_run(const char *dir, struct view *v)
{
	struct sigaction sa;
	struct al_filter f;
	struct out	*o;
	al_log		*l = NULL;
	uint8_t		 hash[AL_HASH_LEN];
	uint64_t	 head;
	pid_t		 pager = -1;
	int		 rc = 0, status = EX_OK;

	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->fp = open_memstream(&o->buf, &o->size)) == NULL) {
		free(o);
		msg("out of memory");
		return EX_UNAVAIL;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (v->follow) {
		/* From the start, so that the cursor is always said.  No
		 * SA_RESTART: a blocked write or sleep returns. */
		sa.sa_handler = on_stop;
		(void)sigaction(SIGINT, &sa, NULL);
		(void)sigaction(SIGTERM, &sa, NULL);
	}
	o->v = v;
	o->last = v->after;
	o->header = v->fmt == FMT_TABLE || v->fmt == FMT_CSV;
	table_init(&o->t, v->utc);
	if ((rc = log_open(dir, AL_RDONLY, &l)) != 0 ||
	    (rc = al_head(l, &head, hash)) != 0)
		goto done;
	/* The entries up to the head as it is now: every pass reads them
	 * (the log only grows), and -f goes on after it. */
	f = v->f;
	if (head == 0)
		f.from_seq = UINT64_MAX;
	else if (f.to_seq == 0 || f.to_seq > head)
		f.to_seq = head;
	if ((v->limit && (rc = newest(l, &f, v->n)) != 0) ||
	    (v->fmt == FMT_TABLE && (rc = measure(l, &f, &o->t)) != 0))
		goto done;
	if (!v->follow && v->pager && isatty(STDOUT_FILENO) &&
	    (pager = pager_start()) > 0)
		o->paged = 1;
	if (v->follow || o->paged) {
		sa.sa_handler = SIG_IGN;	/* EPIPE instead */
		(void)sigaction(SIGPIPE, &sa, NULL);
	}
	if ((rc = print_all(l, &f, v->reverse, o)) == 0 && v->follow)
		rc = follow(l, &v->f, head, o);
	if (rc < 0)
		goto done;
	rc = 0;
	if (o->err != 0) {
		msg("write error on standard output: %s", strerror(o->err));
		status = EX_UNAVAIL;
	} else if (!v->follow && !o->quit && o->matched == 0) {
		if (v->fmt == FMT_CSV) {
			put_header(o);
			(void)out_write(o);
		}
		msg("no entries match");
		rc = hint(l, &v->f);
	}
done:
	if (rc < 0)
		status = lib_fail(rc, l, EX_UNAVAIL);
	if (v->follow)
		msg("last seq %llu", (unsigned long long)o->last);
	al_close(l);
	(void)fclose(o->fp);
	free(o->buf);
	free(o);
	fmt_free();
	status = finish(status);
	if (pager > 0)
		while (waitpid(pager, NULL, 0) == -1 && errno == EINTR)
			;
	return status;
}
