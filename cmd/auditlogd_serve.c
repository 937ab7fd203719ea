/* auditlogd_serve.c - auditlogd's loop: connections, group commit, replies */
#define _GNU_SOURCE		/* SO_PEERCRED, struct ucred, accept4 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "auditlogd.h"
#include "batch_line.h"

/*
 * Two threads, as in record --batch (cmd_batch.c).  This one, the loop,
 * owns every socket: it accepts, reads, splits lines, parses each and
 * prepares its access into the batch being filled (al_prep_add_as, with
 * the peer's pid and uid from SO_PEERCRED), and writes the replies.  The
 * committer, the only thread that uses the log handle, appends a batch
 * in one durable transaction (al_record_prep) and tells the loop through
 * an eventfd, while the loop fills the other batch: what arrives during
 * a commit forms the next.  A batch starts its commit as soon as the
 * committer is free, so one request alone waits for one commit, and a
 * crowd shares each; but right after an answer, for at most HOLD_NS, it
 * waits for a line from each connection just answered (held()).  A reply
 * is written only once the batch that holds its line is durable; a
 * line's slot in its batch keeps its place in the connection's order,
 * malformed lines too.
 *
 * Bounds: a line over D_MAX_LINE ends the connection after its error
 * reply; at most D_MAX_INFLIGHT unanswered lines a connection and
 * D_BATCH_MAX a batch (reading stops until there is room); a client more
 * than D_OUT_PAUSE behind on its replies is not read from, and one that
 * makes no progress for the idle time is dropped, as is one that sends
 * no whole line for that long.  Memory is therefore bounded by the
 * number of connections, each costing a few hundred bytes when idle.
 */

#define IN_CAP		(D_MAX_LINE + 1)	/* a line and its LF */
#define NEVENTS		64
#define ACCEPTS		64		/* a round's accepts, for fairness */
#define TAG_SIG		1
#define TAG_DONE	2
#define TAG_LISTEN	16		/* + index; a conn's is its address */
#define READER_CHECK_MS	30000		/* mdb_reader_check, this often */
#define HOLD_NS		300000		/* held(): at most this long */

struct conn {
	int		 fd;
	uint32_t	 events;	/* what epoll watches now */
	struct al_ident	 who;		/* SO_PEERCRED's, for every entry */
	char		*in;		/* IN_CAP bytes, while any are held */
	size_t		 inoff, nin;	/* unread lines are in[inoff..nin) */
	uint64_t	 lineno;
	size_t		 inflight;	/* lines in a batch, unanswered */
	char		*out;
	size_t		 outoff, nout, outcap;
	int		 eof;		/* the client shut its sending side */
	int		 closing;	/* close once answered (a long line) */
	int		 dead;		/* closed; freed when inflight is 0 */
	int		 mark;		/* on the touched list */
	int		 owed;		/* answered: its next line awaited */
	uint64_t	 active_ms;	/* the last whole line or write */
	struct conn	*prev, *next;	/* the live ones */
	struct conn	*touched;
	struct conn	*dnext;		/* the dead ones, till reaped */
};

/*
 * A line of a batch.  A record's access is in the batch's al_prep; a
 * check or a policy change keeps its request (strings in the arena) and,
 * once the committer made it, its outcome.
 */
struct slot {
	struct conn	*c;
	uint64_t	 lineno;
	const char	*error;		/* malformed: why (in the arena) */
	enum req_op	 op;
	struct request	*req;		/* all but OP_RECORD */
	struct al_decision *d;		/* OP_CHECK's */
	uint64_t	 pseq;		/* OP_POLICY_SET's entry, or 0;
					   OP_CHECKPOINT's */
	struct al_change_result cr;	/* a proposal's, approval's... */
	const char	*note;		/* OP_CHECKPOINT's (in the arena) */
	size_t		 nlen;
};

struct batch {
	al_prep			*prep;
	struct slot		*slot;		/* D_BATCH_MAX */
	struct al_decision	*d;		/* D_BATCH_MAX */
	size_t			 n, nacc, nreq;	/* lines; records; others */
	int			 closed;	/* a policy change ends it */
	struct arena		 arena;		/* errors, requests */
	int			 rc;		/* al_record_prep's */
	char			 notrec[1200];	/* its reply, on a failure */
};

struct server {
	const struct serve_opts	*o;
	int			 ep, done;	/* epoll, eventfd */
	struct batch		 b[2];
	int			 fill;		/* b[fill] fills */
	int			 committing;	/* b[!fill] commits */
	struct conn		*live;
	size_t			 nconns;
	struct conn		*touched;
	struct conn		*dead;		/* freed by reap, only */
	int			 stalled;	/* a full batch stopped one */
	int			 draining, failed, listening;
	size_t			 owed;		/* conns owed, awaited */
	uint64_t		 hold_until;	/* ...until then (ns) */
	uint64_t		 drain_until, full_said, emfile_said;
	struct arena		 scratch;	/* a line's parse */
	FILE			*ms;		/* a reply, put together */
	char			*msbuf;
	size_t			 mslen;
	char			 toolong[64];
	al_ident_cache		*ic;		/* peers' names and groups */
	uint32_t		 own_uid;	/* who may change the policy */
	int			 governed;	/* ...unless the log has a floor */

	/* Shared with the committer, under mu. */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct batch		*todo;
	int			 stop;

	/* The committer's, till it is joined. */
	int			 grown;		/* recorded since a seal */
	uint64_t		 sealed_ms;
};

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* c's next line is not awaited any more: it came, or c is going. */
static void
unowe(struct server *s, struct conn *c)
{
	if (c->owed) {
		c->owed = 0;
		s->owed--;
	}
}

/*
 * Free the reader slots of readers that died (a reader SIGKILLed while
 * reading keeps its slot, and the file grows behind it).  The committer's
 * job: it alone uses the handle.
 */
static void
check_readers(struct server *s, uint64_t *last)
{
	int	dead = 0;

	*last = now_ms();
	if (al_reader_check(s->o->log, &dead) != 0)
		dmsg("%s: %s", s->o->dir, al_errmsg(s->o->log));
	else if (dead > 0)
		dmsg("%s: cleared %d stale reader slot%s", s->o->dir, dead,
		    dead == 1 ? "" : "s");
}

/* When the next checkpoint is due: never, while the log has not grown. */
static uint64_t
seal_due(const struct server *s)
{
	if (s->o->seal == NULL || !s->grown)
		return UINT64_MAX;
	return s->sealed_ms + (uint64_t)s->o->seal->every * 1000;
}

/* The committer: the reader check, a checkpoint, when due. */
static void
chores(struct server *s, uint64_t *checked)
{
	uint64_t	now = now_ms();

	if (now - *checked >= READER_CHECK_MS)
		check_readers(s, checked);
	if (now >= seal_due(s)) {
		/* A failure is said; the next try is an interval later. */
		if (seal(s->o->log, s->o->seal) == 0)
			s->grown = 0;
		s->sealed_ms = now_ms();
	}
}

/*
 * A step of governance, for the peer the kernel named (the library
 * judges it: the admin lines of the policy in force, the chain of
 * custody, the floor).  0, or the library's code.
 */
static int
govern(struct server *s, struct slot *sl)
{
	al_log			*l = s->o->log;
	const struct request	*q = sl->req;
	struct al_change	 c;
	char			 hex[13];
	int			 rc;

	memset(&c, 0, sizeof(c));
	c.actor = q->a.actor;
	c.service = q->a.service;
	c.as = &sl->c->who;
	if (q->op == OP_PROPOSE) {
		c.name = q->name;
		c.text = q->text;
		c.len = strlen(q->text);
		c.expires_ns = q->expires_ns;
		rc = al_policy_propose(l, &c, &sl->cr);
	} else {
		c.digest = q->digest;
		rc = al_policy_decide(l, &c, q->op == OP_APPROVE, &sl->cr);
	}
	if (rc != 0)
		return rc;
	s->grown = 1;
	al_hex(sl->cr.digest, 6, hex);
	dmsg("policy %s... %s (seq %" PRIu64 ") by uid %" PRIu32, hex,
	    q->op == OP_PROPOSE ? "proposed" : q->op == OP_APPROVE ?
	    "approved" : "rejected", sl->cr.seq, sl->c->who.uid);
	if (sl->cr.active != 0)
		dmsg("policy %s... activated (seq %" PRIu64 ")", hex,
		    sl->cr.active);
	return 0;
}

/*
 * A failed policy change's reply: "refused: " when the floor or the
 * chain of custody refused it (AL_EREFUSED), "not recorded: " when the
 * storage failed; the reason alone when the request was at fault.
 * policy-set says "policy not set: " for all but a refusal, as it did.
 */
static const char *
change_error(struct batch *b, al_log *l, enum req_op op, int rc)
{
	char	why[WHY_LEN];

	if (snprintf(why, sizeof(why), "%s%s", rc == AL_EREFUSED ?
	    "refused: " : op == OP_POLICY_SET ? "policy not set: " :
	    rc == AL_EINVAL ? "" : "not recorded: ", al_errmsg(l)) < 0)
		why[0] = '\0';
	return arena_why(&b->arena, why);
}

/*
 * A checkpoint asked for: signed with the daemon's key, recorded and
 * published as an automatic one (seal_now), after every entry committed
 * before it, which it covers; the interval of the automatic ones starts
 * again.  The entry names the request's actor, else the peer's user.
 */
static void
checkpoint(struct server *s, struct batch *b, struct slot *sl)
{
	const struct al_ident	*who = &sl->c->who;
	const char		*actor = sl->req->a.actor;
	char			 why[WHY_LEN], msg[WHY_LEN + 64], uid[32];
	char			*note = NULL, *p;
	size_t			 len = 0;
	int			 lrc, n;

	if (actor == NULL && who->user[0] != '\0')
		actor = who->user;
	else if (actor == NULL) {
		(void)snprintf(uid, sizeof(uid), "uid:%" PRIu32, who->uid);
		actor = uid;
	}
	if (seal_now(s->o->log, s->o->seal, actor, &note, &len, &sl->pseq,
	    &lrc, why, sizeof(why)) != 0) {
		if (lrc == 0) {
			/* Recorded, not published: the next seal tries. */
			s->grown = 1;
			dmsg("checkpoint (seq %" PRIu64 ") for uid %" PRIu32
			    " not published: %s", sl->pseq, who->uid, why);
			n = snprintf(msg, sizeof(msg), "not published: the "
			    "checkpoint is recorded (seq %" PRIu64 "), but %s",
			    sl->pseq, why);
		} else
			n = snprintf(msg, sizeof(msg), "%s%s", lrc ==
			    AL_EINVAL ? "" : "not recorded: ", why);
		if (n < 0)
			msg[0] = '\0';
		sl->error = arena_why(&b->arena, msg);
		goto done;
	}
	if ((p = arena_alloc(&b->arena, len)) == NULL) {
		sl->error = "out of memory";
		goto done;
	}
	sl->note = memcpy(p, note, len);
	sl->nlen = len;
	s->grown = 0;
	s->sealed_ms = now_ms();
	dmsg("checkpoint signed (seq %" PRIu64 ") for uid %" PRIu32, sl->pseq,
	    who->uid);
done:
	free(note);
}

/*
 * A batch's checks and its policy change, after its records: a change
 * ends its batch, so each line before it, of any connection, is decided
 * under the policy it replaces, and each line after it under itself.
 * Each is decided with the identity of the peer that asked (a check too:
 * the writer rules are the peer's).
 */
static void
run_requests(struct server *s, struct batch *b)
{
	al_log		*l = s->o->log;
	struct slot	*sl;
	size_t		 i;
	int		 rc;

	for (i = 0; i < b->n; i++) {
		sl = &b->slot[i];
		if (sl->error != NULL || sl->req == NULL)
			continue;
		switch (sl->op) {
		case OP_CHECK:
			if (al_check_as(l, &sl->req->a, &sl->c->who,
			    sl->d) != 0)
				sl->error = arena_why(&b->arena, al_errmsg(l));
			break;
		case OP_POLICY_SET:
			if ((rc = al_policy_set_as(l, sl->req->name,
			    sl->req->text, strlen(sl->req->text),
			    sl->req->a.actor, sl->req->a.service, &sl->c->who,
			    &sl->pseq)) != 0)
				sl->error = change_error(b, l, sl->op, rc);
			else if (sl->pseq != 0) {
				s->grown = 1;
				dmsg("policy %s set (seq %" PRIu64 ") by uid "
				    "%" PRIu32, sl->req->name, sl->pseq,
				    sl->c->who.uid);
			}
			break;
		case OP_CHECKPOINT:
			checkpoint(s, b, sl);
			break;
		default:
			if ((rc = govern(s, sl)) != 0)
				sl->error = change_error(b, l, sl->op, rc);
			break;
		}
	}
}

/* The committer thread: commit each batch handed over, then say so. */
static void *
committer(void *arg)
{
	struct server	*s = arg;
	struct batch	*b;
	struct timespec	 ts;
	uint64_t	 one = 1, checked = now_ms(), due;
	int		 n;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->todo == NULL && !s->stop) {
			due = checked + READER_CHECK_MS;
			if (seal_due(s) < due)
				due = seal_due(s);
			if (now_ms() >= due) {
				pthread_mutex_unlock(&s->mu);
				chores(s, &checked);
				pthread_mutex_lock(&s->mu);
				continue;
			}
			ts.tv_sec = (time_t)(due / 1000);
			ts.tv_nsec = (long)(due % 1000) * 1000000;
			(void)pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		}
		if ((b = s->todo) == NULL)
			break;
		pthread_mutex_unlock(&s->mu);
		/* Under a steady load the wait above never times out. */
		chores(s, &checked);
		b->rc = 0;
		if (b->nacc > 0 &&
		    (b->rc = al_record_prep(s->o->log, b->prep, b->d)) != 0) {
			/* As record --batch says it, cut as it cuts it. */
			n = snprintf(b->notrec, sizeof(b->notrec),
			    "not recorded: %s", al_errmsg(s->o->log));
			if (n < 0)
				b->notrec[0] = '\0';
			fputs("auditlogd: storage failure, nothing of this "
			    "commit was recorded: ", stderr);
			(void)al_fput_term(stderr, al_errmsg(s->o->log),
			    strlen(al_errmsg(s->o->log)), 0);
			fputc('\n', stderr);
		} else if (b->nacc > 0)
			s->grown = 1;
		if (b->rc == 0 && b->nreq > 0)
			run_requests(s, b);
		pthread_mutex_lock(&s->mu);
		s->todo = NULL;
		/* A full counter (never, in practice) still wakes the loop. */
		if (write(s->done, &one, sizeof(one)) == -1 && errno != EAGAIN)
			dmsg("eventfd: %s", strerror(errno));
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* The batch being filled takes no more lines. */
static int
batch_full(const struct server *s)
{
	return s->b[s->fill].n >= D_BATCH_MAX || s->b[s->fill].closed;
}

/* Watch what c needs now: reading, when it may take lines; writing. */
static void
set_events(struct server *s, struct conn *c)
{
	struct epoll_event	ev;
	uint32_t		want = 0;

	if (!c->eof && !c->closing && !s->draining && !s->failed &&
	    c->inflight < D_MAX_INFLIGHT && c->nout - c->outoff < D_OUT_PAUSE &&
	    !batch_full(s) && c->nin < IN_CAP)
		want |= EPOLLIN;
	if (c->nout > c->outoff)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.u64 = (uint64_t)(uintptr_t)c;
	if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		dmsg("epoll_ctl: %s", strerror(errno));
	else
		c->events = want;
}

/*
 * Close c.  Its memory goes in reap, between rounds of events and once
 * its last line is answered: nothing in a round frees a connection that
 * a later event or slot of the round may name.
 */
static void
drop(struct server *s, struct conn *c)
{
	if (c->dead)
		return;
	/* Its only descriptor: closing it takes it out of the epoll set. */
	(void)close(c->fd);
	c->fd = -1;
	c->dead = 1;
	unowe(s, c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->nconns--;
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->nin = c->inoff = c->nout = c->outoff = c->outcap = 0;
	c->dnext = s->dead;
	s->dead = c;
}

/* Free the closed connections that no batch names any more. */
static void
reap(struct server *s, int all)
{
	struct conn	**cp = &s->dead, *c;

	while ((c = *cp) != NULL) {
		if (all || (c->inflight == 0 && !c->mark)) {
			*cp = c->dnext;
			free(c);
		} else
			cp = &c->dnext;
	}
}

/* Write what c's client will take now.  -1: the connection failed. */
static int
flush_out(struct conn *c)
{
	ssize_t	n;

	while (c->outoff < c->nout) {
		n = send(c->fd, c->out + c->outoff, c->nout - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		c->outoff += (size_t)n;
		c->active_ms = now_ms();
	}
	free(c->out);
	c->out = NULL;
	c->outoff = c->nout = c->outcap = 0;
	return 0;
}

/* Add n bytes to c's output.  -1: past D_OUT_MAX, or out of memory. */
static int
out_add(struct conn *c, const char *p, size_t n)
{
	size_t	cap;
	char	*q;

	if (c->outoff > 0 && c->outoff == c->nout)
		c->outoff = c->nout = 0;
	if (n > D_OUT_MAX - (c->nout - c->outoff))
		return -1;
	if (c->nout + n > c->outcap && c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->nout - c->outoff);
		c->nout -= c->outoff;
		c->outoff = 0;
	}
	if (c->nout + n > c->outcap) {
		cap = c->outcap > 0 ? c->outcap : 4096;
		while (cap < c->nout + n)
			cap *= 2;
		if ((q = realloc(c->out, cap)) == NULL)
			return -1;
		c->out = q;
		c->outcap = cap;
	}
	memcpy(c->out + c->nout, p, n);
	c->nout += n;
	return 0;
}

/*
 * The reply to one line, byte for byte as record --batch writes it
 * (cmd_batch.c), put together in s->ms and added to c's output.
 */
static void
reply(struct server *s, const struct slot *sl, const char *error,
    const struct al_decision *d)
{
	struct conn	*c = sl->c;
	FILE		*f = s->ms;
	uint64_t	 lineno = sl->lineno;
	off_t		 len = 0;
	char		 hex[2 * AL_HASH_LEN + 1];
	int		 bad = 0;

	if (c->dead)
		return;
	if (fseeko(f, 0, SEEK_SET) != 0)
		bad = 1;
	else if (error != NULL) {
		fprintf(f, "{\"line\":%" PRIu64 ",\"error\":", lineno);
		bad = al_fput_json(f, error, strlen(error)) != 0;
		fputs("}\n", f);
	} else if (sl->op == OP_POLICY_SET) {
		fprintf(f, "{\"line\":%" PRIu64 ",\"seq\":%" PRIu64
		    ",\"policy\":", lineno, sl->pseq);
		bad = al_fput_json(f, sl->req->name,
		    strlen(sl->req->name)) != 0;
		fputs("}\n", f);
	} else if (sl->op == OP_CHECKPOINT) {
		fprintf(f, "{\"line\":%" PRIu64 ",\"seq\":%" PRIu64
		    ",\"checkpoint\":", lineno, sl->pseq);
		bad = al_fput_json(f, sl->note, sl->nlen) != 0;
		fputs("}\n", f);
	} else if (sl->op != OP_RECORD && sl->op != OP_CHECK) {
		al_hex(sl->cr.digest, AL_HASH_LEN, hex);
		fprintf(f, "{\"line\":%" PRIu64 ",\"seq\":%" PRIu64
		    ",\"digest\":\"%s\",\"active\":%" PRIu64 "}\n", lineno,
		    sl->cr.seq, hex, sl->cr.active);
	} else {
		/* A check recorded nothing: no seq. */
		fprintf(f, "{\"line\":%" PRIu64, lineno);
		if (sl->op == OP_RECORD)
			fprintf(f, ",\"seq\":%" PRIu64, d->seq);
		if (d->allow) {
			fputs(",\"decision\":\"allow\",\"rule\":", f);
			bad = al_fput_json(f, d->rule, strlen(d->rule)) != 0;
		} else {
			fprintf(f, ",\"decision\":\"deny\",\"code\":\"%s\","
			    "\"reason\":", al_code_name(d->code));
			bad = al_fput_json(f, d->detail,
			    strlen(d->detail)) != 0;
		}
		fputs("}\n", f);
	}
	if (bad || fflush(f) != 0 || ferror(f) || (len = ftello(f)) < 0 ||
	    out_add(c, s->msbuf, (size_t)len) != 0) {
		dmsg("pid %" PRIu32 ": cannot queue a reply: dropped",
		    c->who.pid);
		clearerr(f);
		drop(s, c);
	}
}

static void
touch(struct server *s, struct conn *c)
{
	if (!c->mark) {
		c->mark = 1;
		c->touched = s->touched;
		s->touched = c;
	}
}

/* A copy of s in ar; NULL stays NULL, and so does a failure (*bad). */
static const char *
dup_in(struct arena *ar, const char *s, int *bad)
{
	char	*p;
	size_t	 n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	if ((p = arena_alloc(ar, n)) == NULL) {
		*bad = 1;
		return NULL;
	}
	return memcpy(p, s, n);
}

/*
 * A check or a policy change into slot sl of b, for the committer, which
 * alone uses the log.  Who may change the policy is who the kernel says
 * is on the other end.  In a log with a floor the library judges it, by
 * the admin lines of the policy in force (and so is every step of
 * governance); in a log without one (made before format 6), root and the
 * daemon's own user may, no one else.
 */
static void
take_request(struct server *s, struct batch *b, struct slot *sl,
    const struct request *r)
{
	struct request	*q;
	const char	*what = NULL;	/* root's and ours alone to ask */
	char		 why[WHY_LEN];
	int		 bad = 0;

	sl->op = r->op;
	/* Signing grows the log and publishes: not every writer's to ask. */
	if (r->op == OP_CHECKPOINT && s->o->seal == NULL) {
		sl->error = "not signed: auditlogd has no signer key (--key)";
		return;
	}
	if (r->op == OP_CHECKPOINT)
		what = "sign checkpoints";
	else if (r->op == OP_POLICY_SET && !s->governed)
		what = "change the policy";
	if (what != NULL && sl->c->who.uid != 0 &&
	    sl->c->who.uid != s->own_uid) {
		if (snprintf(why, sizeof(why), "not permitted: uid %" PRIu32
		    " may not %s: only root and auditlogd's user (uid %"
		    PRIu32 ") may", sl->c->who.uid, what, s->own_uid) < 0)
			why[0] = '\0';
		sl->error = arena_why(&b->arena, why);
		return;
	}
	if ((q = arena_alloc(&b->arena, sizeof(*q))) == NULL ||
	    (r->op == OP_CHECK && (sl->d = arena_alloc(&b->arena,
	    sizeof(*sl->d))) == NULL)) {
		sl->error = "out of memory";
		return;
	}
	q->op = r->op;
	q->a.actor = dup_in(&b->arena, r->a.actor, &bad);
	q->a.customer = dup_in(&b->arena, r->a.customer, &bad);
	q->a.purpose = dup_in(&b->arena, r->a.purpose, &bad);
	q->a.action = dup_in(&b->arena, r->a.action, &bad);
	q->a.data = dup_in(&b->arena, r->a.data, &bad);
	q->a.resource = dup_in(&b->arena, r->a.resource, &bad);
	q->a.ref = dup_in(&b->arena, r->a.ref, &bad);
	q->a.reason = dup_in(&b->arena, r->a.reason, &bad);
	q->a.service = dup_in(&b->arena, r->a.service, &bad);
	q->name = dup_in(&b->arena, r->name, &bad);
	q->text = dup_in(&b->arena, r->text, &bad);
	q->digest = dup_in(&b->arena, r->digest, &bad);
	q->expires_ns = r->expires_ns;
	if (bad) {
		sl->error = "out of memory";
		return;
	}
	sl->req = q;
	b->nreq++;
	/* Any step of governance may activate a policy; a checkpoint covers
	 * what was committed before it. */
	if (r->op != OP_CHECK)
		b->closed = 1;
}

/* One line of c's into the batch being filled (there is room). */
static void
take_line(struct server *s, struct conn *c, const char *text, size_t len,
    int too_long)
{
	struct batch		*b = &s->b[s->fill];
	struct slot		*sl;
	struct request		 r;
	char			 why[WHY_LEN];
	size_t			 i;

	c->lineno++;
	c->active_ms = now_ms();
	unowe(s, c);
	/* A blank line is no request, as in --batch: no reply, a number. */
	for (i = 0; !too_long && i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
			break;
	if (!too_long && i == len)
		return;
	sl = &b->slot[b->n++];
	sl->c = c;
	sl->lineno = c->lineno;
	sl->error = NULL;
	sl->op = OP_RECORD;
	sl->req = NULL;
	sl->d = NULL;
	sl->pseq = 0;
	memset(&sl->cr, 0, sizeof(sl->cr));
	sl->note = NULL;
	sl->nlen = 0;
	c->inflight++;
	if (too_long) {
		sl->error = s->toolong;
		return;
	}
	arena_reset(&s->scratch);
	if (request_parse(text, len, &r, &s->scratch, why, sizeof(why)) != 0)
		sl->error = arena_why(&b->arena, why);
	else if (r.op != OP_RECORD)
		take_request(s, b, sl, &r);
	else if (al_prep_add_as(b->prep, &r.a, &c->who) != 0)
		sl->error = arena_why(&b->arena, al_prep_errmsg(b->prep));
	else
		b->nacc++;
}

/* Take c's whole lines into the batch while there is room. */
static void
take_input(struct server *s, struct conn *c)
{
	const char	*p, *nl;
	size_t		 len;

	while (!c->dead && !c->closing && !s->failed && c->nin > c->inoff) {
		if (batch_full(s)) {
			s->stalled = 1;
			break;
		}
		if (c->inflight >= D_MAX_INFLIGHT)
			break;
		p = c->in + c->inoff;
		len = c->nin - c->inoff;
		if ((nl = memchr(p, '\n', len)) != NULL) {
			c->inoff += (size_t)(nl - p) + 1;
			take_line(s, c, p, (size_t)(nl - p), 0);
			continue;
		}
		if (c->inoff > 0) {
			memmove(c->in, p, len);
			c->inoff = 0;
			c->nin = len;
		}
		if (c->nin == IN_CAP) {
			/* Answer it, then close: the rest is not read. */
			take_line(s, c, NULL, 0, 1);
			c->closing = 1;
			c->nin = 0;
		} else if (c->eof && c->nin > 0) {
			/* A last line without its LF counts, as in --batch. */
			take_line(s, c, c->in, c->nin, 0);
			c->nin = 0;
		}
		break;
	}
	if (c->nin == c->inoff) {
		free(c->in);
		c->in = NULL;
		c->nin = c->inoff = 0;
	}
}

/* After anything happened to c: write, take lines, close, or watch. */
static void
tend(struct server *s, struct conn *c)
{
	if (c->dead)
		return;
	if (flush_out(c) != 0) {
		drop(s, c);
		return;
	}
	take_input(s, c);
	if (c->inflight == 0 && c->nout == 0 &&
	    (c->closing || (c->eof && c->nin == 0))) {
		drop(s, c);
		return;
	}
	set_events(s, c);
}

static void
on_readable(struct server *s, struct conn *c)
{
	ssize_t	r;

	if (c->in == NULL && (c->in = malloc(IN_CAP)) == NULL) {
		dmsg("out of memory: a connection dropped");
		drop(s, c);
		return;
	}
	if (c->inoff > 0) {
		memmove(c->in, c->in + c->inoff, c->nin - c->inoff);
		c->nin -= c->inoff;
		c->inoff = 0;
	}
	r = read(c->fd, c->in + c->nin, IN_CAP - c->nin);
	if (r == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			drop(s, c);
		else
			tend(s, c);
		return;
	}
	if (r == 0) {
		c->eof = 1;
		unowe(s, c);
	}
	c->nin += (size_t)r;
	tend(s, c);
}

static void
on_conn(struct server *s, struct conn *c, uint32_t ev)
{
	if ((ev & EPOLLIN) && (c->events & EPOLLIN))
		on_readable(s, c);
	else if ((ev & (EPOLLHUP | EPOLLERR)) && !(c->events & EPOLLIN))
		/* Gone both ways: nobody can read a reply now. */
		drop(s, c);
	else
		tend(s, c);
}

/* Say something at most once a minute, for floods. */
static int
now_and_then(uint64_t *said)
{
	uint64_t	now = now_ms();

	if (*said != 0 && now - *said < 60000)
		return 0;
	*said = now;
	return 1;
}

/* A connection accepted, its peer's credentials taken: watch it. */
static void
conn_open(struct server *s, int fd, const struct ucred *cred)
{
	struct epoll_event	 ev;
	struct conn		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		dmsg("out of memory: a connection refused");
		(void)close(fd);
		return;
	}
	/* The peer's names and groups: once a connection. */
	if (al_ident_cache_resolve(s->ic, &c->who, (uint32_t)cred->pid,
	    (uint32_t)cred->uid, (uint32_t)cred->gid, 1) != 0) {
		dmsg("out of memory: a connection refused");
		(void)close(fd);
		free(c);
		return;
	}
	c->fd = fd;
	c->active_ms = now_ms();
	c->events = EPOLLIN;
	memset(&ev, 0, sizeof(ev));
	ev.events = c->events;
	ev.data.u64 = (uint64_t)(uintptr_t)c;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		dmsg("epoll_ctl: %s", strerror(errno));
		(void)close(fd);
		free(c);
		return;
	}
	c->next = s->live;
	if (s->live != NULL)
		s->live->prev = c;
	s->live = c;
	s->nconns++;
	/*
	 * A client writes its first line as soon as it is connected: read
	 * it now, into the batch being filled, rather than a round later.
	 */
	on_readable(s, c);
}

/*
 * A round of accepts, then one look at the account files (the identity
 * cache's check), then the connections: every peer of the round connected
 * before that look, so a change to its account made before it connected
 * is in its entries.
 */
static void
on_listen(struct server *s, int lfd)
{
	struct ucred		 cred[ACCEPTS];
	int			 fds[ACCEPTS];
	socklen_t		 len;
	size_t			 n = 0, j;
	int			 fd, i;

	for (i = 0; i < ACCEPTS; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				if (now_and_then(&s->emfile_said))
					dmsg("accept: %s", strerror(errno));
				break;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			continue;	/* ECONNABORTED and the like */
		}
		if (s->nconns + n >= s->o->max_conns) {
			if (now_and_then(&s->full_said))
				dmsg("%zu connections, the most allowed: "
				    "refusing more", s->nconns + n);
			(void)close(fd);
			continue;
		}
		len = sizeof(cred[n]);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred[n], &len) ==
		    -1 || len != sizeof(cred[n]) || cred[n].pid <= 0) {
			dmsg("SO_PEERCRED: %s", strerror(errno));
			(void)close(fd);
			continue;
		}
		fds[n++] = fd;
	}
	if (n == 0)
		return;
	al_ident_cache_check(s->ic);
	for (j = 0; j < n; j++)
		conn_open(s, fds[j], &cred[j]);
}

/* Stop listening: the kernel refuses new clients from now on. */
static void
stop_listening(struct server *s)
{
	size_t	i;

	if (!s->listening)
		return;
	for (i = 0; i < s->o->nlisten; i++) {
		(void)epoll_ctl(s->ep, EPOLL_CTL_DEL, s->o->listen[i], NULL);
		(void)close(s->o->listen[i]);
	}
	s->listening = 0;
}

static void
begin_drain(struct server *s)
{
	struct conn	*c;

	if (s->draining)
		return;
	s->draining = 1;
	s->drain_until = now_ms() + (uint64_t)s->o->idle_secs * 1000;
	stop_listening(s);
	(void)sd_notify(0, "STOPPING=1");
	for (c = s->live; c != NULL; c = c->next)
		set_events(s, c);
}

/*
 * Whether b[fill] should wait a little longer before its commit: the
 * callers just answered usually send their next request at once, and one
 * commit that takes them all is cheaper than one that takes the first and
 * another the rest (with 16 callers each waiting on its reply, commits of
 * about 8 became commits of about 16).  It waits until a line came from
 * each connection answered in full that is still open and sending (one
 * with requests still in hand is not waited for), or HOLD_NS,
 * whichever comes first; a caller alone is never held (its own line is
 * the one awaited).
 */
static int
held(struct server *s)
{
	struct conn	*c;

	if (s->owed == 0)
		return 0;
	if (s->draining || batch_full(s) || now_ns() >= s->hold_until) {
		for (c = s->live; c != NULL; c = c->next)
			c->owed = 0;
		s->owed = 0;
		return 0;
	}
	return 1;
}

/* Hand b[fill] to the committer, if it is free and there is something. */
static void
start_commit(struct server *s)
{
	struct batch	*b = &s->b[s->fill];

	if (s->committing || b->n == 0 || held(s))
		return;
	s->fill ^= 1;
	s->committing = 1;
	pthread_mutex_lock(&s->mu);
	s->todo = b;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Answer every line of b, in order, and empty it; the connections. */
static size_t
answer(struct server *s, struct batch *b)
{
	struct slot	*sl;
	struct conn	*c;
	size_t		 i, k = 0, nc = 0;

	for (i = 0; i < b->n; i++) {
		sl = &b->slot[i];
		c = sl->c;
		if (sl->error != NULL)
			reply(s, sl, sl->error, NULL);
		else if (b->rc != 0)
			reply(s, sl, b->notrec, NULL);
		else if (sl->op == OP_RECORD)
			reply(s, sl, NULL, &b->d[k++]);
		else
			reply(s, sl, NULL, sl->d);
		/* Answered in full: its next request is what may come. */
		if (--c->inflight == 0 && !c->owed && !c->dead && !c->eof &&
		    !c->closing) {
			c->owed = 1;
			nc++;
		}
		touch(s, c);
	}
	b->n = b->nacc = b->nreq = 0;
	b->closed = 0;
	b->rc = 0;
	al_prep_reset(b->prep);
	arena_reset(&b->arena);
	return nc;
}

/* Tend every connection the last answers touched. */
static void
tend_touched(struct server *s)
{
	struct conn	*c, *next;

	for (c = s->touched, s->touched = NULL; c != NULL; c = next) {
		next = c->touched;
		c->mark = 0;
		c->touched = NULL;
		tend(s, c);
	}
	if (s->stalled) {
		s->stalled = 0;
		for (c = s->live; c != NULL; c = next) {
			next = c->next;
			tend(s, c);
		}
	}
}

/* The committer finished b[!fill]: answer it. */
static void
on_done(struct server *s)
{
	struct batch	*b;
	uint64_t	 v;
	size_t		 n;
	int		 busy;

	if (read(s->done, &v, sizeof(v)) == -1 && errno != EAGAIN)
		dmsg("eventfd: %s", strerror(errno));
	pthread_mutex_lock(&s->mu);
	busy = s->todo != NULL;
	pthread_mutex_unlock(&s->mu);
	if (busy || !s->committing)
		return;
	s->committing = 0;
	b = &s->b[s->fill ^ 1];
	if (b->rc != 0 && !s->failed) {
		/*
		 * The handle may be lost for good: answer what is in hand as
		 * not recorded, take no more, and leave the restart to the
		 * service manager.
		 */
		s->failed = 1;
		s->b[s->fill].rc = b->rc;
		memcpy(s->b[s->fill].notrec, b->notrec, sizeof(b->notrec));
		answer(s, b);
		answer(s, &s->b[s->fill]);
		begin_drain(s);
	} else if ((n = answer(s, b)) > 0) {
		s->owed += n;
		s->hold_until = now_ns() + HOLD_NS;
	}
}

static void
on_signal(struct server *s)
{
	struct signalfd_siginfo	si;
	ssize_t			n;

	while ((n = read(s->o->sigfd, &si, sizeof(si))) == (ssize_t)sizeof(si))
		if (!s->draining)
			dmsg("signal %" PRIu32 ": answering what was read, "
			    "then exiting", si.ssi_signo);
	begin_drain(s);
}

/* Drop connections that have done nothing for the idle time. */
static void
expire(struct server *s, uint64_t now)
{
	struct conn	*c, *next;
	uint64_t	 idle = (uint64_t)s->o->idle_secs * 1000;

	for (c = s->live; c != NULL; c = next) {
		next = c->next;
		if (c->inflight == 0 && now - c->active_ms > idle)
			drop(s, c);
	}
}

/* Draining and nothing left to do (or the drain's time is up). */
static int
drained(struct server *s)
{
	struct conn	*c;

	if (!s->draining || s->committing || s->b[s->fill].n > 0)
		return 0;
	if (now_ms() >= s->drain_until)
		return 1;
	/*
	 * Output to write, or a whole line read and not yet taken (a last
	 * one needs no LF); half a line does not hold the exit up.
	 */
	for (c = s->live; c != NULL; c = c->next)
		if (c->nout > c->outoff || (c->nin > c->inoff && (c->eof ||
		    memchr(c->in + c->inoff, '\n', c->nin - c->inoff) != NULL)))
			return 0;
	return 1;
}

static void
loop(struct server *s)
{
	struct epoll_event	ev[NEVENTS];
	struct timespec		ts;
	uint64_t		tag, next_tick = now_ms() + 1000, now, wait;
	int			n, i;

	while (!drained(s)) {
		now = now_ms();
		wait = next_tick > now ? (next_tick - now) * 1000000 : 0;
		/* A held commit starts when its lines come, or at its time. */
		if (s->owed > 0 && !s->committing && s->b[s->fill].n > 0) {
			now = now_ns();
			if (s->hold_until <= now)
				wait = 0;
			else if (s->hold_until - now < wait)
				wait = s->hold_until - now;
		}
		ts.tv_sec = (time_t)(wait / 1000000000);
		ts.tv_nsec = (long)(wait % 1000000000);
		n = epoll_pwait2(s->ep, ev, NEVENTS, &ts, NULL);
		if (n == -1 && errno != EINTR) {
			dmsg("epoll_wait: %s", strerror(errno));
			s->failed = 1;
			break;
		}
		for (i = 0; i < n; i++) {
			tag = ev[i].data.u64;
			if (tag == TAG_SIG)
				on_signal(s);
			else if (tag == TAG_DONE)
				on_done(s);
			else if (tag >= TAG_LISTEN &&
			    tag < TAG_LISTEN + s->o->nlisten) {
				if (s->listening)
					on_listen(s,
					    s->o->listen[tag - TAG_LISTEN]);
			} else
				on_conn(s, (struct conn *)(uintptr_t)tag,
				    ev[i].events);
		}
		tend_touched(s);
		start_commit(s);
		/* Readers a full batch stopped go on into the new one. */
		if (s->stalled)
			tend_touched(s);
		reap(s, 0);
		if ((now = now_ms()) >= next_tick) {
			expire(s, now);
			next_tick = now + 1000;
		}
	}
}

static int
watch(struct server *s, int fd, uint64_t tag)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = tag;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		dmsg("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
serve(const struct serve_opts *o)
{
	struct server		 s;
	struct conn		*c;
	struct al_entry		 fe;
	pthread_condattr_t	 ca;
	pthread_t		 thr;
	size_t		 i;
	int		 rc, status = 3, mu = 0, cv = 0, thread = 0;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.ep = s.done = -1;
	s.sealed_ms = now_ms();
	s.own_uid = (uint32_t)getuid();
	/* A log's floor is fixed for its life (no committer runs yet). */
	s.governed = al_floor_get(o->log, &fe) == 0;
	if (snprintf(s.toolong, sizeof(s.toolong), "line longer than %d bytes",
	    D_MAX_LINE) >= (int)sizeof(s.toolong))
		goto done;
	for (i = 0; i < 2; i++) {
		if ((s.b[i].slot = calloc(D_BATCH_MAX,
		    sizeof(struct slot))) == NULL ||
		    (s.b[i].d = calloc(D_BATCH_MAX,
		    sizeof(struct al_decision))) == NULL) {
			dmsg("out of memory");
			goto done;
		}
		if ((rc = al_prep_new(o->log, &s.b[i].prep)) != 0) {
			dmsg("%s: %s", o->dir, al_errmsg(o->log));
			goto done;
		}
	}
	if ((s.ic = al_ident_cache_new()) == NULL) {
		dmsg("out of memory");
		goto done;
	}
	if ((s.ms = open_memstream(&s.msbuf, &s.mslen)) == NULL ||
	    (s.ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (s.done = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		dmsg("cannot set up: %s", strerror(errno));
		goto done;
	}
	if (watch(&s, o->sigfd, TAG_SIG) != 0 ||
	    watch(&s, s.done, TAG_DONE) != 0)
		goto done;
	for (i = 0; i < o->nlisten; i++)
		if (watch(&s, o->listen[i], TAG_LISTEN + i) != 0)
			goto done;
	s.listening = 1;
	if ((rc = pthread_mutex_init(&s.mu, NULL)) != 0)
		goto nothread;
	mu = 1;
	/* The reader checks are due after a duration: a monotonic one. */
	if ((rc = pthread_condattr_init(&ca)) != 0)
		goto nothread;
	if ((rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) == 0 &&
	    (rc = pthread_cond_init(&s.cv, &ca)) == 0)
		cv = 1;
	(void)pthread_condattr_destroy(&ca);
	if (!cv)
		goto nothread;
	if ((rc = pthread_create(&thr, NULL, committer, &s)) != 0)
		goto nothread;
	thread = 1;

	(void)sd_notify(0, "READY=1");
	dmsg("serving %s (pid %ld)", o->dir, (long)getpid());
	loop(&s);
	status = s.failed ? 3 : 0;
	goto done;
nothread:
	dmsg("cannot start the committer thread: %s", strerror(rc));
done:
	if (thread) {
		pthread_mutex_lock(&s.mu);
		s.stop = 1;
		pthread_cond_signal(&s.cv);
		pthread_mutex_unlock(&s.mu);
		if ((rc = pthread_join(thr, NULL)) != 0) {
			dmsg("pthread_join: %s", strerror(rc));
			status = 3;
		}
		/*
		 * Only when the loop broke: the commit under way finished
		 * before the join and is answered as it went; what was
		 * still filling was not recorded.
		 */
		if (s.committing) {
			s.committing = 0;
			answer(&s, &s.b[s.fill ^ 1]);
		}
		if (s.b[s.fill].n > 0) {
			s.b[s.fill].rc = AL_EIO;
			(void)snprintf(s.b[s.fill].notrec,
			    sizeof(s.b[s.fill].notrec),
			    "not recorded: auditlogd is stopping");
			answer(&s, &s.b[s.fill]);
		}
		tend_touched(&s);
		/* The last seal: what was recorded since the last one. */
		if (o->seal != NULL && s.grown && !s.failed &&
		    seal(o->log, o->seal) != 0)
			status = 3;
	}
	stop_listening(&s);
	while ((c = s.live) != NULL)
		drop(&s, c);
	reap(&s, 1);
	if (cv)
		(void)pthread_cond_destroy(&s.cv);
	if (mu)
		(void)pthread_mutex_destroy(&s.mu);
	for (i = 0; i < 2; i++) {
		al_prep_free(s.b[i].prep);
		arena_free(&s.b[i].arena);
		free(s.b[i].slot);
		free(s.b[i].d);
	}
	arena_free(&s.scratch);
	al_ident_cache_free(s.ic);
	if (s.ms != NULL)
		(void)fclose(s.ms);
	free(s.msbuf);
	if (s.done != -1)
		(void)close(s.done);
	if (s.ep != -1)
		(void)close(s.ep);
	return status;
}
