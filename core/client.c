/* client.c - a handle on auditlogd's socket: accesses recorded by the daemon */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "store.h"

/*
 * The protocol is docs/PROTOCOL.md: one JSON object a line in, one reply
 * line out, in order.  A request is written with esc_json, the library's
 * one JSON string writer.  A reply is read with jansson, which the library
 * links already: its strings may hold any escape JSON allows, and a small
 * parser of our own would be one more place to get \u escapes wrong.  What
 * jansson gives back is then held to the three forms of section 5 exactly
 * (no member missing, none unknown, the line number the one expected): a
 * reply that is not one of them acknowledges nothing.
 *
 * The socket is non-blocking and every wait is a poll(2) bounded by the
 * handle's timeout, restarted by each reply: no reply within it and the
 * call fails (AL_EIO), with the connection closed, since what it would
 * say next can no longer be matched to a request.  The next call
 * connects again.
 */

#define REPLY_MAX	(64 * 1024)	/* a reply line, at most */
#define REQUEST_MAX	(64 * 1024)	/* a request line, without its LF */
#define REFUSE		"a handle on auditlogd's socket records, checks " \
			"and changes the policy: read the log's files " \
			"(al_open with AL_RDONLY)"
#define EXPIRES_MAX	(366ULL * 86400)	/* seconds, as the daemon's */

struct client {
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int		 fd;
	int		 used;		/* a request went out on fd */
	uint64_t	 lineno;	/* lines sent on fd */
	struct buf	 req;		/* requests to write */
	size_t		 reqoff;	/* ...written up to here */
	struct buf	 in;		/* reply bytes read, not yet taken */
};

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
hang_up(struct client *c)
{
	if (c->fd != -1)
		(void)close(c->fd);
	c->fd = -1;
	c->used = 0;
	c->lineno = 0;
	c->req.n = c->reqoff = 0;
	c->in.n = 0;
}

/* Connect, within the deadline: a full backlog says EAGAIN; try again. */
static int
dial(al_log *l, uint64_t deadline)
{
	struct client		*c = l->cl;
	struct sockaddr_un	 sa;
	int			 fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, c->path, strlen(c->path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return al_seterr(l, AL_EIO, "socket: %s", strerror(errno));
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		if ((errno == EAGAIN || errno == EINTR) &&
		    now_ms() < deadline) {
			(void)poll(NULL, 0, 1);
			continue;
		}
		(void)close(fd);
		return al_seterr(l, AL_EIO, "%s: cannot reach auditlogd: %s; "
		    "nothing was recorded", c->path, errno == EAGAIN ?
		    "it accepts no connection in time" : strerror(errno));
	}
	c->fd = fd;
	return 0;
}

/*
 * A connection the daemon closed while it was idle (its --idle-timeout)
 * reads as the end of the file, at once: make a new one before sending.
 * Anything else it would say before a request is a breach too.
 */
static int
ready(al_log *l, uint64_t deadline)
{
	struct client	*c = l->cl;
	struct pollfd	 p;

	if (c->fd != -1 && c->used) {
		p.fd = c->fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, 0) != 0)
			hang_up(c);
	}
	return c->fd == -1 ? dial(l, deadline) : 0;
}

static int
add_field(struct buf *b, int *first, const char *name, const char *v)
{
	int	rc;

	if (v == NULL || *v == '\0')
		return 0;
	/* No printf: a process that records once would fault its code in
	 * for this alone (log.c, al_open). */
	if ((rc = buf_add(b, *first ? "{\"" : ",\"", 2)) != 0 ||
	    (rc = buf_add(b, name, strlen(name))) != 0 ||
	    (rc = buf_add(b, "\":", 2)) != 0)
		return rc;
	*first = 0;
	return esc_json(b, v, strlen(v));
}

/* What is asked: the requests of section 4, and where their replies go. */
enum { K_RECORD, K_CHECK, K_POLICY, K_CHECKPOINT, K_PROPOSE, K_APPROVE,
    K_REJECT };
struct ask {
	int			 kind;
	const struct al_access	*a;		/* K_RECORD, K_CHECK: n */
	const char		*name, *text;	/* K_POLICY, K_PROPOSE: the */
	size_t			 len;		/* policy, */
	const char		*actor, *service; /* ...and who sets it */
	const char		*digest;	/* K_APPROVE, K_REJECT */
	uint64_t		 expires;	/* K_PROPOSE: seconds, or 0 */
	uint64_t		 pseq;		/* K_POLICY, K_CHECKPOINT: the
						   reply's seq */
	char			*note;		/* K_CHECKPOINT: malloc'd */
	size_t			 nlen;
	struct al_change_result	*r;		/* the governance replies' */
};

/* One request line (section 4) onto c->req. */
static int
add_request(struct client *c, const struct ask *q, size_t i)
{
	const struct al_access	*a = &q->a[i];
	struct buf	*b = &c->req;
	int		 first = 1, rc;

	if (q->kind == K_CHECK) {
		if ((rc = buf_add(b, "{\"op\":\"check\"", 13)) != 0)
			return rc;
		first = 0;
	}
	if ((rc = add_field(b, &first, "actor", a->actor)) != 0 ||
	    (rc = add_field(b, &first, "customer", a->customer)) != 0 ||
	    (rc = add_field(b, &first, "purpose", a->purpose)) != 0 ||
	    (rc = add_field(b, &first, "action", a->action)) != 0 ||
	    (rc = add_field(b, &first, "data", a->data)) != 0 ||
	    (rc = add_field(b, &first, "resource", a->resource)) != 0 ||
	    (rc = add_field(b, &first, "ref", a->ref)) != 0 ||
	    (rc = add_field(b, &first, "reason", a->reason)) != 0 ||
	    (rc = add_field(b, &first, "service", a->service)) != 0)
		return rc;
	return buf_add(b, "}\n", 2);
}

/* The policy-set request: the text is escaped whole, newlines too. */
static int
add_policy(struct client *c, const struct ask *q)
{
	struct buf	*b = &c->req;
	int		 first = 0, rc;

	if ((rc = buf_printf(b, "{\"op\":\"policy-set\",\"name\":")) != 0 ||
	    (rc = esc_json(b, q->name, strlen(q->name))) != 0 ||
	    (rc = buf_printf(b, ",\"text\":")) != 0 ||
	    (rc = esc_json(b, q->text, q->len)) != 0 ||
	    (rc = add_field(b, &first, "actor", q->actor)) != 0 ||
	    (rc = add_field(b, &first, "service", q->service)) != 0)
		return rc;
	return buf_add(b, "}\n", 2);
}

/* A checkpoint for the daemon to sign (section 4.1), its actor a label. */
static int
add_checkpoint(struct client *c, const struct ask *q)
{
	struct buf	*b = &c->req;
	int		 first = 0, rc;

	if ((rc = buf_printf(b, "{\"op\":\"checkpoint\"")) != 0 ||
	    (rc = add_field(b, &first, "actor", q->actor)) != 0)
		return rc;
	return buf_add(b, "}\n", 2);
}

/* A step of governance (section 4.1): propose, approve or reject. */
static int
add_change(struct client *c, const struct ask *q)
{
	static const char *const op[] = { "policy-propose", "policy-approve",
	    "policy-reject" };
	struct buf	*b = &c->req;
	int		 first = 0, rc;

	if ((rc = buf_printf(b, "{\"op\":\"%s\"", op[q->kind -
	    K_PROPOSE])) != 0)
		return rc;
	if (q->kind == K_PROPOSE) {
		if ((rc = buf_printf(b, ",\"name\":")) != 0 ||
		    (rc = esc_json(b, q->name, strlen(q->name))) != 0 ||
		    (rc = buf_printf(b, ",\"text\":")) != 0 ||
		    (rc = esc_json(b, q->text, q->len)) != 0)
			return rc;
		if (q->expires != 0 && (rc = buf_printf(b, ",\"expires\":"
		    "\"%" PRIu64 "s\"", q->expires)) != 0)
			return rc;
	} else if ((rc = add_field(b, &first, "digest", q->digest)) != 0)
		return rc;
	if ((rc = add_field(b, &first, "actor", q->actor)) != 0 ||
	    (rc = add_field(b, &first, "service", q->service)) != 0)
		return rc;
	return buf_add(b, "}\n", 2);
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* 64 lowercase hex digits into d: 0, or -1. */
static int
unhex(const char *s, uint8_t d[AL_HASH_LEN])
{
	size_t	i;
	int	hi, lo;

	if (strlen(s) != 2 * AL_HASH_LEN)
		return -1;
	for (i = 0; i < AL_HASH_LEN; i++) {
		if ((hi = hexval(s[2 * i])) < 0 ||
		    (lo = hexval(s[2 * i + 1])) < 0)
			return -1;
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* A string member's value, or NULL. */
static const char *
member(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static void
copy_text(char *dst, size_t size, const char *src)
{
	size_t	n = strlen(src);

	if (n >= size) {
		n = size - 1;
		/* Not in the middle of a character. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * jansson seeds its hash function when it makes its first object, from
 * /dev/urandom: an open, a read and a close in a process that records
 * once.  getrandom(2) gives as good a seed in one call; json_object_seed
 * does nothing when the function is seeded already (by the program, say),
 * and without a seed (no entropy yet) jansson seeds itself as before.
 * Of threads that race here one seeds; the others' objects may come
 * first, seeded by jansson, and then json_object_seed changes nothing.
 */
static atomic_int	seeded;

static void
seed_json(void)
{
	uint32_t	v;

	if (atomic_exchange(&seeded, 1) != 0)
		return;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v) &&
	    v != 0)
		json_object_seed(v);
}

/*
 * One reply line into *d, or the daemon's error: 0, a positive 1 for an
 * error reply (its text in why), 2 when out of memory, or -1 when the
 * line is no reply of the protocol's to request lineno.
 */
static int
take_reply(const char *line, size_t len, uint64_t lineno, struct ask *q,
    struct al_decision *d, char *why, size_t whylen)
{
	struct al_decision	 r;
	json_t		*o;
	json_error_t	 jerr;
	const char	*dec, *s;
	json_int_t	 seq;
	size_t		 ext;
	int		 code, rc = -1;

	seed_json();
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return -1;
	if (!json_is_object(o) || !json_is_integer(json_object_get(o,
	    "line")) || json_integer_value(json_object_get(o, "line")) !=
	    (json_int_t)lineno)
		goto done;
	if ((s = member(o, "error")) != NULL) {
		if (json_object_size(o) == 2) {
			copy_text(why, whylen, s);
			rc = 1;
		}
		goto done;
	}
	if (q->kind >= K_PROPOSE) {
		/* A step recorded: its seq, the digest, the activation's. */
		json_t	*js = json_object_get(o, "seq");
		json_t	*ja = json_object_get(o, "active");
		json_int_t act;

		if (json_is_integer(js) && json_is_integer(ja) &&
		    (seq = json_integer_value(js)) > 0 &&
		    ((act = json_integer_value(ja)) == 0 || act > seq) &&
		    (s = member(o, "digest")) != NULL &&
		    json_object_size(o) == 4 && unhex(s, q->r->digest) == 0) {
			q->r->seq = (uint64_t)seq;
			q->r->active = (uint64_t)act;
			rc = 0;
		}
		goto done;
	}
	if (q->kind == K_CHECKPOINT) {
		/* A signed checkpoint of this log's, recorded at seq. */
		struct al_checkpoint	cp;
		char			err[64];

		if (json_is_integer(json_object_get(o, "seq")) &&
		    (seq = json_integer_value(json_object_get(o, "seq"))) > 0 &&
		    (s = member(o, "checkpoint")) != NULL &&
		    json_object_size(o) == 3 && al_checkpoint_parse(s,
		    json_string_length(json_object_get(o, "checkpoint")),
		    NULL, &cp, err, sizeof(err)) == 0 && cp.has_sig &&
		    (uint64_t)seq == cp.size + 1) {
			free(q->note);
			q->nlen = json_string_length(json_object_get(o,
			    "checkpoint"));
			if ((q->note = malloc(q->nlen + 1)) == NULL) {
				rc = 2;
				goto done;
			}
			memcpy(q->note, s, q->nlen + 1);
			q->pseq = (uint64_t)seq;
			rc = 0;
		}
		goto done;
	}
	if (q->kind == K_POLICY) {
		/* seq 0: the active policy already, nothing recorded. */
		if (json_is_integer(json_object_get(o, "seq")) &&
		    (seq = json_integer_value(json_object_get(o, "seq"))) >=
		    0 && member(o, "policy") != NULL &&
		    json_object_size(o) == 3) {
			q->pseq = (uint64_t)seq;
			rc = 0;
		}
		goto done;
	}
	memset(&r, 0, sizeof(r));
	/* A check's reply has no seq: nothing was recorded. */
	if (q->kind == K_CHECK)
		seq = 0;
	else if (!json_is_integer(json_object_get(o, "seq")) ||
	    (seq = json_integer_value(json_object_get(o, "seq"))) <= 0)
		goto done;
	if ((dec = member(o, "decision")) == NULL)
		goto done;
	r.seq = (uint64_t)seq;
	ext = q->kind == K_CHECK ? 0 : 1;
	if (strcmp(dec, "allow") == 0 && json_object_size(o) == 3 + ext &&
	    (s = member(o, "rule")) != NULL) {
		r.allow = 1;
		r.code = AL_ALLOWED;
		copy_text(r.rule, sizeof(r.rule), s);
		rc = 0;
	} else if (strcmp(dec, "deny") == 0 && json_object_size(o) == 4 + ext &&
	    (s = member(o, "code")) != NULL) {
		for (code = 1; code < AL_NCODES; code++)
			if (strcmp(s, al_code_name(code)) == 0)
				break;
		if (code == AL_NCODES || (s = member(o, "reason")) == NULL)
			goto done;
		r.code = (enum al_code)code;
		copy_text(r.detail, sizeof(r.detail), s);
		rc = 0;
	}
	if (rc == 0)
		*d = r;
done:
	json_decref(o);
	return rc;
}

/*
 * Send n requests and read their replies, writing while reading (the
 * daemon takes at most 2048 of a connection's at a time).  0 with every
 * d[i] filled, or an error: what was acknowledged has d[i].seq set.
 */
static int
exchange(al_log *l, struct ask *q, size_t n, struct al_decision *d)
{
	struct client	*c = l->cl;
	struct pollfd	 p;
	uint64_t	 deadline, now, first;
	char		 why[AL_ERRLEN], *nl;
	size_t		 i, got = 0, bad = 0, off;
	ssize_t		 r;
	int		 rc, erc = 0, pr;

	for (i = 0; d != NULL && i < n; i++)
		d[i].seq = 0;
	deadline = now_ms() + l->timeout_ms;
	if ((rc = ready(l, deadline)) != 0)
		return rc;
	first = c->lineno + 1;
	for (i = 0; i < n; i++)
		if ((rc = q->kind == K_POLICY ? add_policy(c, q) :
		    q->kind == K_CHECKPOINT ? add_checkpoint(c, q) :
		    q->kind >= K_PROPOSE ? add_change(c, q) :
		    add_request(c, q, i)) != 0) {
			hang_up(c);
			return al_seterr(l, AL_ENOMEM, "out of memory");
		}
	/* The daemon would answer a longer line and hang up. */
	if ((q->kind == K_POLICY || q->kind == K_PROPOSE) &&
	    c->req.n - 1 > REQUEST_MAX) {
		rc = al_seterr(l, AL_EINVAL, "%s: the policy's request is %zu "
		    "bytes, over the protocol's %d: nothing was sent", c->path,
		    c->req.n - 1, REQUEST_MAX);
		c->req.n = 0;
		return rc;
	}
	c->used = 1;
	/* The socket's buffer takes a request or many at once: no poll. */
	r = send(c->fd, c->req.p, c->req.n, MSG_NOSIGNAL);
	if (r == -1 && errno != EAGAIN && errno != EINTR) {
		rc = al_seterr(l, AL_EIO, "%s: cannot send to auditlogd: %s",
		    c->path, strerror(errno));
		goto fail;
	}
	if (r > 0)
		c->reqoff = (size_t)r;
	while (got < n) {
		p.fd = c->fd;
		p.events = POLLIN | (c->reqoff < c->req.n ? POLLOUT : 0);
		p.revents = 0;
		now = now_ms();
		pr = poll(&p, 1, now < deadline ? (int)(deadline - now) : 0);
		if (pr == -1 && errno == EINTR)
			continue;
		if (pr == -1) {
			rc = al_seterr(l, AL_EIO, "poll: %s", strerror(errno));
			goto fail;
		}
		if (pr == 0) {
			rc = al_seterr(l, AL_EIO, "%s: no reply from auditlogd "
			    "within %u ms", c->path, l->timeout_ms);
			goto fail;
		}
		if ((p.revents & POLLOUT) && c->reqoff < c->req.n) {
			r = send(c->fd, c->req.p + c->reqoff,
			    c->req.n - c->reqoff, MSG_NOSIGNAL);
			if (r == -1 && errno != EAGAIN && errno != EINTR) {
				rc = al_seterr(l, AL_EIO, "%s: cannot send to "
				    "auditlogd: %s", c->path, strerror(errno));
				goto fail;
			}
			if (r > 0)
				c->reqoff += (size_t)r;
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((rc = buf_reserve(&c->in, 4096)) != 0) {
			rc = al_seterr(l, AL_ENOMEM, "out of memory");
			goto fail;
		}
		r = read(c->fd, c->in.p + c->in.n, c->in.cap - c->in.n);
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			rc = al_seterr(l, AL_EIO, "%s: auditlogd %s", c->path,
			    r == 0 ? "closed the connection without a reply" :
			    strerror(errno));
			goto fail;
		}
		c->in.n += (size_t)r;
		off = 0;
		while (got < n && (nl = memchr(c->in.p + off, '\n',
		    c->in.n - off)) != NULL) {
			pr = take_reply((char *)c->in.p + off,
			    (size_t)(nl - (char *)c->in.p) - off, first + got,
			    q, d != NULL ? &d[got] : NULL, why, sizeof(why));
			if (pr == 2) {
				rc = al_seterr(l, AL_ENOMEM, "out of memory");
				goto fail;
			}
			if (pr < 0) {
				rc = al_seterr(l, AL_EIO, "%s: a reply that is "
				    "not auditlogd's protocol (docs/PROTOCOL.md)",
				    c->path);
				goto fail;
			}
			if (pr > 0 && erc == 0) {
				/* The first error is the one said. */
				bad = got;
				erc = strncmp(why, "not recorded: ", 14) == 0 ||
				    strncmp(why, "not signed: ", 12) == 0 ||
				    strncmp(why, "not published: ", 15) == 0 ?
				    AL_EIO : strncmp(why, "not permitted: ",
				    15) == 0 ? AL_EPERM : strncmp(why,
				    "refused: ", 9) == 0 ? AL_EREFUSED :
				    AL_EINVAL;
				if (n > 1)
					(void)al_seterr(l, erc, "access %zu: "
					    "%s", bad + 1, why);
				else
					(void)al_seterr(l, erc, "%s", why);
			}
			off = (size_t)(nl - (char *)c->in.p) + 1;
			got++;
			deadline = now_ms() + l->timeout_ms;
		}
		memmove(c->in.p, c->in.p + off, c->in.n - off);
		c->in.n -= off;
		if (c->in.n > REPLY_MAX || (got == n && c->in.n > 0)) {
			rc = al_seterr(l, AL_EIO, "%s: a reply that is not "
			    "auditlogd's protocol (docs/PROTOCOL.md)", c->path);
			goto fail;
		}
	}
	c->lineno += n;
	c->req.n = c->reqoff = 0;
	return erc;
fail:
	hang_up(c);
	return rc;
}

int
client_record(al_log *l, const struct al_access *a, size_t n,
    struct al_decision *d)
{
	struct ask	q;

	memset(&q, 0, sizeof(q));
	q.kind = K_RECORD;
	q.a = a;
	return n == 0 ? 0 : exchange(l, &q, n, d);
}

int
client_check(al_log *l, const struct al_access *a, struct al_decision *d)
{
	struct ask	q;

	memset(&q, 0, sizeof(q));
	q.kind = K_CHECK;
	q.a = a;
	return exchange(l, &q, 1, d);
}

int
client_policy_set(al_log *l, const char *name, const char *text, size_t len,
    const char *actor, const char *service, uint64_t *seq)
{
	struct ask	q;
	int		rc;

	memset(&q, 0, sizeof(q));
	q.kind = K_POLICY;
	q.name = name;
	q.text = text;
	q.len = len;
	q.actor = actor;
	q.service = service;
	if ((rc = exchange(l, &q, 1, NULL)) == 0)
		*seq = q.pseq;
	return rc;
}

int
client_change(al_log *l, const struct al_change *c, int op,
    struct al_change_result *r)
{
	struct ask	q;
	int		rc;

	memset(&q, 0, sizeof(q));
	memset(r, 0, sizeof(*r));
	q.actor = c->actor;
	q.service = c->service;
	q.r = r;
	if (c->as != NULL)
		return al_seterr(l, AL_EINVAL, "%s: through auditlogd, who "
		    "asks is this process, as the kernel names it",
		    l->cl->path);
	switch (op) {
	case CLIENT_APPROVE:
	case CLIENT_REJECT:
		q.kind = op == CLIENT_APPROVE ? K_APPROVE : K_REJECT;
		q.digest = c->digest;
		return exchange(l, &q, 1, NULL);
	default:
		break;
	}
	/* The daemon takes a proposal's time to live in whole seconds. */
	if (c->expires_ns % 1000000000ULL != 0 ||
	    c->expires_ns / 1000000000ULL > EXPIRES_MAX)
		return al_seterr(l, AL_EINVAL, "%s: through auditlogd, a "
		    "proposal is open for whole seconds, at most %llu",
		    l->cl->path, EXPIRES_MAX);
	q.name = c->name;
	q.text = c->text;
	q.len = c->len;
	if (!c->set) {
		q.kind = K_PROPOSE;
		q.expires = c->expires_ns / 1000000000ULL;
		return exchange(l, &q, 1, NULL);
	}
	/*
	 * One step: policy-set, which records the proposal and its
	 * activation in one transaction, the two seqs one after the other.
	 */
	q.kind = K_POLICY;
	if ((rc = exchange(l, &q, 1, NULL)) != 0)
		return rc;
	sha256(c->text, c->len, r->digest);
	r->active = q.pseq;
	r->seq = q.pseq > 0 ? q.pseq - 1 : 0;
	return 0;
}

int
client_checkpoint(al_log *l, const char *skey, const char *actor,
    char **note, size_t *len, uint64_t *seq)
{
	struct ask	q;
	int		rc;

	if (skey != NULL)
		return al_seterr(l, AL_EINVAL, "%s: through auditlogd, the "
		    "daemon signs with its own key", l->cl->path);
	memset(&q, 0, sizeof(q));
	q.kind = K_CHECKPOINT;
	q.actor = actor;
	if ((rc = exchange(l, &q, 1, NULL)) == 0) {
		*note = q.note;
		*len = q.nlen;
		if (seq != NULL)
			*seq = q.pseq;
		q.note = NULL;
	}
	free(q.note);
	return rc;
}

int
client_refuse(al_log *l)
{
	return al_seterr(l, AL_EINVAL, "%s: " REFUSE, l->cl->path);
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	hang_up(c);
	buf_free(&c->req);
	buf_free(&c->in);
	free(c);
}

int
al_socket_fd(const al_log *l)
{
	return l != NULL && l->cl != NULL ? l->cl->fd : -1;
}

int
al_connect(const char *path, al_log **out)
{
	al_log	*l;
	int	 rc;

	if ((*out = l = store_handle_new(0)) == NULL)
		return AL_ENOMEM;
	if ((l->cl = calloc(1, sizeof(*l->cl))) == NULL)
		return al_seterr(l, AL_ENOMEM, "out of memory");
	l->cl->fd = -1;
	if (path == NULL || *path == '\0')
		return al_seterr(l, AL_EINVAL, "no socket named");
	if (strlen(path) >= sizeof(l->cl->path)) {
		memcpy(l->cl->path, path, sizeof(l->cl->path) - 1);
		return al_seterr(l, AL_EINVAL, "%.*s...: a socket's path is "
		    "at most %zu bytes", 40, path, sizeof(l->cl->path) - 1);
	}
	memcpy(l->cl->path, path, strlen(path) + 1);
	if ((rc = dial(l, now_ms() + l->timeout_ms)) != 0)
		return rc;
	return 0;
}
