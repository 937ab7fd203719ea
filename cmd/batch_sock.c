/* batch_sock.c - record --batch through auditlogd: the same lines, results */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auditlogd.h"
#include "batch_line.h"
#include "cmd.h"

/*
 * The same lines in and the same result lines out as record --batch on
 * the log's files (cmd_batch.c), but the daemon decides and records, and
 * its replies are those lines already (docs/PROTOCOL.md): a line goes to
 * the daemon as it is, as soon as it is read, and its reply is written
 * out with the line's own number in place of the daemon's.  The daemon
 * parses each line with the parser of record --batch, so it answers a
 * malformed one as record --batch would; the tool answers here only what
 * the daemon would answer otherwise, or not at all:
 *
 * - a blank line is not sent (it has no result, and the daemon's numbers
 *   then count the lines sent);
 * - a line over 64 KiB is answered here: the daemon would hang up;
 * - a line that may name a member of the daemon's other requests (op,
 *   name, text, digest, expires: record --batch knows none of them) or
 *   that needs --service's default is parsed here first (batch_parse, as
 *   in cmd_batch.c): malformed, it is answered here; one that needs the
 *   default service is checked here (al_validate) and sent written anew,
 *   with the service.
 *
 * Up to a window of lines (four times --batch-size, at most 4096) are on
 * their way at once, sent or answered here, so the daemon parses the
 * next lines while it commits the last; and since it takes at most 2048
 * unanswered from a connection, the lines beyond wait in the socket for
 * it to read the moment it answers, not for us to be told.  Fewer, when
 * their replies could be long: the daemon hangs up on a connection
 * whose unwritten replies would pass D_OUT_MAX (OWE_MAX below).  Their
 * results go out in input order, each once the daemon acknowledged it.
 * Standard input, the socket's two directions and standard output are
 * driven from one poll loop, and a reader slow to take the results does
 * not stop us reading the replies (the daemon hangs up on a connection
 * that does not take them for its --idle-timeout): they wait in the
 * results' buffer, which the lines on their way never take past
 * OUT_MAX.  Nothing grows beyond the window, that buffer, a send buffer
 * and a line.
 */

#define MAX_LINE	(64 * 1024)
#define READ_SIZE	(64 * 1024)
#define OUT_SIZE	(64 * 1024)	/* results' buffer, at first */
#define SEND_HIGH	(256 * 1024)	/* requests queued: read no more */
#define REPLY_MAX	(64 * 1024)	/* a reply line, at most */
#define WINDOW_MAX	4096		/* twice the daemon's D_MAX_INFLIGHT */
#define TOOLONG		"line longer than 65536 bytes"

/*
 * The bytes of the replies the daemon may owe us at once.  It answers a
 * commit's lines together, however fast we read, and hangs up on a
 * connection whose replies, unwritten, would pass D_OUT_MAX; so the
 * replies to the lines sent and not yet answered must fit, whatever the
 * lines.  A reply is its numbers and a rule (320 bytes at most), a
 * reason (1024) or an error (WHY_LEN), in REPLY_BASE; esc_json writes a
 * byte of that text as six at most (\u007f), but only one that is not
 * printable ASCII, and such a byte comes from one of the line's that is
 * not either, or from a backslash's escape: six bytes more for each of
 * those in the line, up to the longest text (owe()).
 */
#define REPLY_BASE	1536
#define REPLY_TEXT	1024
#define OWE_LINE	(REPLY_BASE + 6 * REPLY_TEXT)
#define OWE_MAX		(D_OUT_MAX - D_OUT_PAUSE)
/* The results to write and the replies owed, at most, but for the last
 * line's (room()): a result is its reply's size, or one of ours (an
 * error, WHY_LEN escaped), under OWE_LINE. */
#define OUT_MAX		(OWE_MAX + 2 * OWE_LINE)

/* A line on its way, in input order. */
struct pend {
	uint64_t	 lineno;
	char		*error;		/* answered here: why (malloc'd) */
	int		 sent;		/* ...or sent, the daemon's to answer */
	size_t		 owe;		/* its reply's bytes, at most */
};

struct sbatch {
	al_log		*l;
	const char	*path, *service;
	int		 fd;
	unsigned	 timeout_ms;
	uint64_t	 deadline;	/* of the next reply, when one is due */

	struct pend	*pend;		/* a ring of window */
	size_t		 window, head, npend;
	uint64_t	 nsent, nreplies; /* on this connection */
	uint64_t	 lastseq;	/* its last reply's seq: they rise */
	size_t		 owed;		/* the pending lines' owe, in all */

	char		*req;		/* request bytes to send */
	size_t		 reqoff, nreq, reqcap;
	char		*in;		/* reply bytes read, not yet taken */
	size_t		 nin;

	char		*out;		/* results to write: [outoff, nout) */
	size_t		 outoff, nout, outcap;
	size_t		 outchunk;	/* a write's bytes, at most */

	char		*chunk, *linebuf; /* input */
	const char	*s, *end;	/* chunk's bytes not yet taken */
	size_t		 n;		/* linebuf's */
	int		 too_long, eof;
	uint64_t	 lineno;
	struct arena	 arena;		/* a line's parse */

	char		*notrec;	/* its "not recorded", a JSON string */
	int		 denied, malformed, failed;
	int		 out_err;	/* stdout's first error's errno, or 0 */
};

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
fail(struct sbatch *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* stdout failed: its first errno is the one said. */
static void
out_failed(struct sbatch *b)
{
	if (b->out_err == 0)
		b->out_err = errno != 0 ? errno : EIO;
}

/*
 * Write what standard output takes now: a chunk that fits in a pipe
 * that poll(2) said has room, so as not to wait for its reader.
 */
static void
out_write(struct sbatch *b)
{
	size_t	n = b->nout - b->outoff;
	ssize_t	r;

	if (n > b->outchunk)
		n = b->outchunk;
	if (n == 0 || b->out_err)
		return;
	if ((r = write(STDOUT_FILENO, b->out + b->outoff, n)) == -1) {
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			out_failed(b);
		return;
	}
	/* Nothing taken and no error: no progress to wait for. */
	if (r == 0) {
		errno = EIO;
		out_failed(b);
		return;
	}
	b->outoff += (size_t)r;
	if (b->outoff == b->nout)
		b->outoff = b->nout = 0;
}

/* Write every result, waiting for the reader as long as it takes. */
static void
out_drain(struct sbatch *b)
{
	struct pollfd	p = { STDOUT_FILENO, POLLOUT, 0 };

	while (b->nout > b->outoff && !b->out_err) {
		out_write(b);
		if (b->nout > b->outoff && poll(&p, 1, -1) == -1 &&
		    errno != EINTR)
			out_failed(b);
	}
	b->outoff = b->nout = 0;
}

/* A result's bytes, in the buffer (growing it up to OUT_MAX). */
static void
out_add(struct sbatch *b, const char *s, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->out_err)
		return;
	if (n > b->outcap - b->nout && b->outoff > 0) {
		memmove(b->out, b->out + b->outoff, b->nout - b->outoff);
		b->nout -= b->outoff;
		b->outoff = 0;
	}
	if (n > b->outcap - b->nout && b->outcap < OUT_MAX) {
		for (cap = b->outcap; cap < b->nout + n && cap < OUT_MAX;
		    cap *= 2)
			;
		if ((p = realloc(b->out, cap)) != NULL) {
			b->out = p;
			b->outcap = cap;
		}
	}
	/* Past OUT_MAX (a failure's "not recorded"s), the reader waits. */
	if (n > b->outcap - b->nout)
		out_drain(b);
	if (n > b->outcap - b->nout) {
		if (!b->out_err)
			fail(b, "out of memory");
		return;
	}
	memcpy(b->out + b->nout, s, n);
	b->nout += n;
}

/* {"line":N and what follows, written. */
static void
out_line(struct sbatch *b, uint64_t lineno, const char *rest, size_t n)
{
	char	buf[40], *p = buf + sizeof(buf);

	do
		*--p = (char)('0' + lineno % 10);
	while ((lineno /= 10) != 0);
	p -= 8;
	memcpy(p, "{\"line\":", 8);
	out_add(b, p, (size_t)(buf + sizeof(buf) - p));
	out_add(b, rest, n);
}

/* A result of our own: {"line":N,"error":...}, its text as put_json's. */
static void
out_error(struct sbatch *b, uint64_t lineno, const char *text)
{
	FILE	*f;
	char	*js = NULL;
	size_t	 n = 0;
	int	 bad;

	if ((f = open_memstream(&js, &n)) == NULL) {
		fail(b, "out of memory");
		return;
	}
	bad = al_fput_json(f, text, strlen(text)) != 0;
	if (fclose(f) != 0 || bad)
		fail(b, "out of memory");
	else {
		out_line(b, lineno, ",\"error\":", 9);
		out_add(b, js, n);
		out_add(b, "}\n", 2);
	}
	free(js);
}

/* ------------------------------------------------------------------ */
/* The replies, as esc_json writes their strings (core/esc.c). */

static int
hexdig(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Would esc_json write code point c as a \u escape? */
static int
escaped(uint32_t c)
{
	return (c < 0x20 && c != '\n' && c != '\r' && c != '\t') ||
	    c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 ||
	    c == 0x2029;
}

/* A UTF-8 character's length at p (n bytes), its code point in *c; 0. */
static size_t
utf8_char(const unsigned char *p, size_t n, uint32_t *c)
{
	size_t		len, i;
	uint32_t	min;

	if (p[0] < 0x80) {
		*c = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2, min = 0x80, *c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3, min = 0x800, *c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4, min = 0x10000, *c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*c = *c << 6 | (p[i] & 0x3f);
	}
	if (*c < min || *c > 0x10ffff || (*c >= 0xd800 && *c <= 0xdfff))
		return 0;
	return len;
}

/*
 * The JSON string at p (n bytes), quotes included, exactly as esc_json
 * writes one: its length, or 0.  With dec (n bytes at least), its text,
 * decoded, NUL-terminated.
 */
static size_t
json_str(const char *p, size_t n, char *dec)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i = 1, k = 0, len;
	uint32_t		 c;
	int			 d, j;

	if (n == 0 || s[0] != '"')
		return 0;
	while (i < n && s[i] != '"') {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			if (dec != NULL)
				dec[k++] = (char)s[i];
			i++;
			continue;
		}
		if (s[i] == '\\') {
			if (i + 1 >= n)
				return 0;
			c = s[i + 1];
			len = 2;
			if (c == 'u') {
				if (i + 6 > n)
					return 0;
				for (c = 0, j = 2; j < 6; j++) {
					if ((d = hexdig((char)s[i + j])) < 0)
						return 0;
					c = c << 4 | (uint32_t)d;
				}
				/* U+FFFD: a byte that was not UTF-8. */
				if (!escaped(c) && c != 0xfffd)
					return 0;
				len = 6;
			} else if (c == 'n')
				c = '\n';
			else if (c == 'r')
				c = '\r';
			else if (c == 't')
				c = '\t';
			else if (c != '"' && c != '\\')
				return 0;
			if (dec != NULL && c < 0x80)
				dec[k++] = (char)c;
			else if (dec != NULL && c < 0x800) {
				dec[k++] = (char)(0xc0 | c >> 6);
				dec[k++] = (char)(0x80 | (c & 0x3f));
			} else if (dec != NULL) {
				dec[k++] = (char)(0xe0 | c >> 12);
				dec[k++] = (char)(0x80 | (c >> 6 & 0x3f));
				dec[k++] = (char)(0x80 | (c & 0x3f));
			}
			i += len;
			continue;
		}
		if ((len = utf8_char(s + i, n - i, &c)) == 0 || escaped(c))
			return 0;
		if (dec != NULL)
			memcpy(dec + k, s + i, len);
		k += len;
		i += len;
	}
	if (i >= n)
		return 0;
	if (dec != NULL)
		dec[k] = '\0';
	return i + 1;
}

/* A decimal number at p without a leading zero, 1 to 19 digits; 0. */
static size_t
number(const char *p, size_t n, uint64_t *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n && i < 20 && p[i] >= '0' && p[i] <= '9'; i++)
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	if (i == 0 || i == 20 || (p[0] == '0' && i > 1))
		return 0;
	return i;
}

/* Does the n bytes at p start with the constant s?  Then skip it. */
static int
lit(const char **p, size_t *n, const char *s)
{
	size_t	len = strlen(s);

	if (*n < len || memcmp(*p, s, len) != 0)
		return 0;
	*p += len;
	*n -= len;
	return 1;
}

enum { R_ALLOW, R_DENY, R_ERROR };

/*
 * A reply to a record (docs/PROTOCOL.md, section 5), without its LF:
 * which of the three, with *rest where it goes on after the line number,
 * *err the error's string and *seq the entry's; -1 when it is none of
 * them, or not the reply to line want.
 */
static int
reply_kind(const char *p, size_t n, uint64_t want, const char **rest,
    const char **err, uint64_t *seq)
{
	const char	*q = NULL;
	uint64_t	 v;
	size_t		 k, m = 0;
	int		 i, kind;

	if (!lit(&p, &n, "{\"line\":") || (k = number(p, n, &v)) == 0 ||
	    v != want)
		return -1;
	p += k;
	n -= k;
	*rest = p;
	if (lit(&p, &n, ",\"error\":")) {
		*err = p;
		kind = R_ERROR;
	} else {
		if (!lit(&p, &n, ",\"seq\":") ||
		    (k = number(p, n, seq)) == 0 || *seq == 0)
			return -1;
		p += k;
		n -= k;
		if (lit(&p, &n, ",\"decision\":\"allow\",\"rule\":"))
			kind = R_ALLOW;
		else if (lit(&p, &n, ",\"decision\":\"deny\",\"code\":\"")) {
			/* A denial's code, the whole name. */
			for (i = 1; i < AL_NCODES; i++) {
				q = p;
				m = n;
				if (lit(&q, &m, al_code_name(i)) &&
				    lit(&q, &m, "\",\"reason\":"))
					break;
			}
			if (i == AL_NCODES)
				return -1;
			p = q;
			n = m;
			kind = R_DENY;
		} else
			return -1;
	}
	if ((k = json_str(p, n, NULL)) == 0 || n != k + 1 || p[k] != '}')
		return -1;
	return kind;
}

/* ------------------------------------------------------------------ */

/* The first failure is said; nothing more is read or sent. */
static void
fail(struct sbatch *b, const char *fmt, ...)
{
	char	why[1024];
	va_list	ap;

	if (b->failed)
		return;
	b->failed = 1;
	va_start(ap, fmt);
	if (vsnprintf(why, sizeof(why), fmt, ap) < 0)
		(void)snprintf(why, sizeof(why), "failed");
	va_end(ap);
	msg_term("", why);
}

static struct pend *
pend_at(struct sbatch *b, size_t i)
{
	return &b->pend[(b->head + i) % b->window];
}

/* Say the results of the lines at the head that were answered here. */
static void
drain(struct sbatch *b)
{
	struct pend	*p;

	while (b->npend > 0 && !(p = pend_at(b, 0))->sent) {
		b->malformed = 1;
		out_error(b, p->lineno, p->error != NULL ? p->error :
		    "out of memory");
		free(p->error);
		p->error = NULL;
		b->owed -= p->owe;
		b->head = (b->head + 1) % b->window;
		b->npend--;
	}
}

/* A line answered here, after those before it. */
static void
answer_here(struct sbatch *b, uint64_t lineno, const char *why)
{
	struct pend	*p = pend_at(b, b->npend++);

	p->lineno = lineno;
	p->sent = 0;
	p->error = strdup(why);
	/* Its result: the number, and the text escaped (OWE_MAX). */
	p->owe = 48 + 6 * strlen(why);
	b->owed += p->owe;
	drain(b);
}

/* One reply line (its LF gone): the head line's result, said. */
static void
take_reply(struct sbatch *b, const char *line, size_t len)
{
	struct pend	*p = pend_at(b, 0);
	const char	*rest, *err = NULL;
	char		*dec;
	uint64_t	 seq = 0;
	int		 kind;

	/* A connection's entries are appended in its order: their seqs
	 * rise, and one said twice is no acknowledgement. */
	if (b->npend == 0 || !p->sent || (kind = reply_kind(line, len,
	    b->nreplies + 1, &rest, &err, &seq)) < 0 ||
	    (kind != R_ERROR && seq <= b->lastseq)) {
		fail(b, "%s: a reply that is not auditlogd's protocol "
		    "(docs/PROTOCOL.md)", b->path);
		return;
	}
	if (kind == R_ERROR && err != NULL &&
	    strncmp(err, "\"not recorded: ", 15) == 0) {
		/* A storage failure: what was not acknowledged is not. */
		if ((b->notrec = strndup(err, (size_t)(line + len - 1 - err)))
		    == NULL || (dec = malloc(len)) == NULL) {
			fail(b, "out of memory");
			return;
		}
		(void)json_str(err, (size_t)(line + len - err), dec);
		msg_term("", dec);
		free(dec);
		b->failed = 1;
		return;
	}
	if (kind == R_ERROR)
		b->malformed = 1;
	else if (kind == R_DENY)
		b->denied = 1;
	out_line(b, p->lineno, rest, (size_t)(line + len - rest));
	out_add(b, "\n", 1);
	b->nreplies++;
	if (kind != R_ERROR)
		b->lastseq = seq;
	b->owed -= p->owe;
	b->head = (b->head + 1) % b->window;
	b->npend--;
	drain(b);
}

/* The replies the socket holds now. */
static void
read_replies(struct sbatch *b)
{
	const char	*p, *nl;
	size_t		 off = 0;
	ssize_t		 r;

	r = read(b->fd, b->in + b->nin, REPLY_MAX + READ_SIZE - b->nin);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		fail(b, "%s: auditlogd %s", b->path, r == 0 ?
		    "closed the connection without a reply" :
		    strerror(errno));
		return;
	}
	b->nin += (size_t)r;
	while (!b->failed && (nl = memchr(b->in + off, '\n',
	    b->nin - off)) != NULL) {
		p = b->in + off;
		take_reply(b, p, (size_t)(nl - p));
		off = (size_t)(nl - b->in) + 1;
	}
	if (b->failed)
		return;
	/* The deadline starts again with each reply (these just came). */
	if (off > 0)
		b->deadline = now_ms() + b->timeout_ms;
	memmove(b->in, b->in + off, b->nin - off);
	b->nin -= off;
	if (b->nin > REPLY_MAX || (b->nin > 0 && b->npend == 0))
		fail(b, "%s: a reply that is not auditlogd's protocol "
		    "(docs/PROTOCOL.md)", b->path);
}

/* Send what the socket takes now. */
static void
send_requests(struct sbatch *b)
{
	ssize_t	r;

	while (b->reqoff < b->nreq) {
		r = send(b->fd, b->req + b->reqoff, b->nreq - b->reqoff,
		    MSG_NOSIGNAL);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r == -1) {
			fail(b, "%s: cannot send to auditlogd: %s", b->path,
			    strerror(errno));
			return;
		}
		b->reqoff += (size_t)r;
	}
	b->reqoff = b->nreq = 0;
}

/*
 * Before a line goes on a connection that has nothing on its way: the
 * daemon closes one idle for its --idle-timeout, which then reads as the
 * end of the file (anything else it said unasked is a breach too): make
 * a new one, as al_record would.  0, or -1 having said why.
 */
static int
connection(struct sbatch *b)
{
	struct pollfd	p = { b->fd, POLLIN, 0 };
	int		rc;

	if (b->npend > 0 || b->nsent == 0 || poll(&p, 1, 0) == 0)
		return 0;
	al_close(b->l);
	b->l = NULL;
	b->nsent = b->nreplies = b->lastseq = 0;
	if ((rc = sock_open(b->path, &b->l)) != 0) {
		(void)lib_fail(rc, b->l, EX_UNAVAIL);
		b->failed = 1;
		return -1;
	}
	b->fd = al_socket_fd(b->l);
	return 0;
}

/* Room for n more request bytes.  0, or -1 having said why. */
static int
req_room(struct sbatch *b, size_t n)
{
	size_t	cap;
	char	*p;

	if (b->nreq + n <= b->reqcap)
		return 0;
	if (b->reqoff > 0) {
		memmove(b->req, b->req + b->reqoff, b->nreq - b->reqoff);
		b->nreq -= b->reqoff;
		b->reqoff = 0;
		if (b->nreq + n <= b->reqcap)
			return 0;
	}
	for (cap = b->reqcap; cap < b->nreq + n; cap *= 2)
		;
	if ((p = realloc(b->req, cap)) == NULL) {
		fail(b, "out of memory");
		return -1;
	}
	b->req = p;
	b->reqcap = cap;
	return 0;
}

static void
req_add(struct sbatch *b, const char *s, size_t n)
{
	memcpy(b->req + b->nreq, s, n);
	b->nreq += n;
}

/*
 * "name":"value", escaped as JSON needs: the value passed al_validate,
 * so it is UTF-8 with no control character, and a quote and a backslash
 * are all there is to escape (no LF can end the request early).
 */
static void
req_field(struct sbatch *b, int *first, const char *name, const char *v)
{
	size_t	i;

	if (v == NULL)
		return;
	req_add(b, *first ? "{\"" : ",\"", 2);
	*first = 0;
	req_add(b, name, strlen(name));
	req_add(b, "\":\"", 3);
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] == '"' || v[i] == '\\')
			req_add(b, "\\", 1);
		req_add(b, v + i, 1);
	}
	req_add(b, "\"", 1);
}

/* An access checked here, written anew as a request line. */
static int
req_access(struct sbatch *b, const struct al_access *a)
{
	size_t	n = 0;
	int	first = 1;

	/* Twice each field's bytes (escapes), and the names. */
	n += a->actor != NULL ? 2 * strlen(a->actor) : 0;
	n += a->customer != NULL ? 2 * strlen(a->customer) : 0;
	n += a->purpose != NULL ? 2 * strlen(a->purpose) : 0;
	n += a->action != NULL ? 2 * strlen(a->action) : 0;
	n += a->data != NULL ? 2 * strlen(a->data) : 0;
	n += a->resource != NULL ? 2 * strlen(a->resource) : 0;
	n += a->ref != NULL ? 2 * strlen(a->ref) : 0;
	n += a->reason != NULL ? 2 * strlen(a->reason) : 0;
	n += a->service != NULL ? 2 * strlen(a->service) : 0;
	if (req_room(b, n + 9 * 16 + 2) != 0)
		return -1;
	req_field(b, &first, "actor", a->actor);
	req_field(b, &first, "customer", a->customer);
	req_field(b, &first, "purpose", a->purpose);
	req_field(b, &first, "action", a->action);
	req_field(b, &first, "data", a->data);
	req_field(b, &first, "resource", a->resource);
	req_field(b, &first, "ref", a->ref);
	req_field(b, &first, "reason", a->reason);
	req_field(b, &first, "service", a->service);
	req_add(b, first ? "{}\n" : "}\n", first ? 3 : 2);
	return 0;
}

/*
 * May the line go as it is?  Not when it could name a member that only
 * the daemon's other requests have (the daemon would take it, where
 * record --batch refuses it), nor, when there is a default service,
 * when it may lack one.  Without a backslash no string holds a quote or
 * an escape, so a key is its bytes between quotes; a line this misjudges
 * is one that is no access either way, answered alike.
 */
static int
as_is(const char *s, size_t len, int need_service)
{
	const char	*p = s, *end = s + len, *q;
	size_t		 n;

	if (memchr(s, '\\', len) != NULL)
		return 0;
	while ((q = memchr(p, '"', (size_t)(end - p))) != NULL &&
	    q + 1 < end) {
		p = q + 1;
		n = (size_t)(end - p);
		switch (*p) {
		case 'o':
			if (n >= 3 && memcmp(p, "op\"", 3) == 0)
				return 0;
			break;
		case 'n':
			if (n >= 5 && memcmp(p, "name\"", 5) == 0)
				return 0;
			break;
		case 't':
			if (n >= 5 && memcmp(p, "text\"", 5) == 0)
				return 0;
			break;
		case 'd':
			if (n >= 7 && memcmp(p, "digest\"", 7) == 0)
				return 0;
			break;
		case 'e':
			if (n >= 8 && memcmp(p, "expires\"", 8) == 0)
				return 0;
			break;
		case 's':
			if (n < 8 || memcmp(p, "service\"", 8) != 0)
				break;
			for (q = p + 8; q < end && (*q == ' ' || *q == '\t' ||
			    *q == '\r'); q++)
				;
			if (q < end && *q == ':')
				need_service = 0;
			break;
		default:
			break;
		}
	}
	return !need_service;
}

/* At most the bytes of a reply to the len at s (OWE_MAX). */
static size_t
owe(const char *s, size_t len)
{
	size_t	i, k = 0;

	for (i = 0; i < len && k < REPLY_TEXT; i++)
		if ((unsigned)((unsigned char)s[i] - 0x20) >= 0x5f ||
		    s[i] == '\\')
			k++;
	return REPLY_BASE + 6 * k;
}

/* One input line: sent, answered here, or skipped (blank). */
static void
take(struct sbatch *b, const char *text, size_t len, uint64_t lineno,
    int too_long)
{
	struct al_access	 a;
	struct pend		*p;
	char			 why[WHY_LEN];
	size_t			 i;

	for (i = 0; !too_long && i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
			break;
	if (!too_long && i == len)
		return;		/* a blank line: no access, no result */
	if (too_long) {
		answer_here(b, lineno, TOOLONG);
		return;
	}
	if (connection(b) != 0)
		return;
	if (!as_is(text, len, b->service != NULL)) {
		/* The service is filled in below, not by the parser: is
		 * it the line's? */
		arena_reset(&b->arena);
		if (batch_parse(text, len, NULL, &a, &b->arena, why,
		    sizeof(why)) != 0) {
			answer_here(b, lineno, why);
			return;
		}
		if (a.service == NULL && b->service != NULL) {
			a.service = b->service;
			if (al_validate(b->l, &a) != 0) {
				answer_here(b, lineno, al_errmsg(b->l));
				return;
			}
			if (req_access(b, &a) != 0)
				return;
			goto sent;
		}
	}
	if (req_room(b, len + 1) != 0)
		return;
	req_add(b, text, len);
	req_add(b, "\n", 1);
sent:
	if (b->npend == 0)
		b->deadline = now_ms() + b->timeout_ms;
	p = pend_at(b, b->npend++);
	p->lineno = lineno;
	p->sent = 1;
	p->error = NULL;
	p->owe = owe(text, len);
	b->owed += p->owe;
	b->nsent++;
}

/* Room for another line on its way? */
static int
room(const struct sbatch *b)
{
	return b->npend < b->window && b->nreq - b->reqoff < SEND_HIGH &&
	    b->owed + (b->nout - b->outoff) <= OWE_MAX - OWE_LINE;
}

/*
 * Take the lines of the chunk read while there is room.  A line within
 * the chunk is taken where it is; one across reads is put together in
 * linebuf first.
 */
static void
take_input(struct sbatch *b)
{
	const char	*nl;
	size_t		 len;

	while (b->s < b->end && !b->failed && room(b)) {
		if ((nl = memchr(b->s, '\n', (size_t)(b->end - b->s))) ==
		    NULL)
			nl = b->end;
		len = (size_t)(nl - b->s);
		if (b->n == 0 && !b->too_long && nl < b->end) {
			take(b, b->s, len, ++b->lineno, len > MAX_LINE);
			b->s = nl + 1;
			continue;
		}
		if (b->too_long || len > MAX_LINE - b->n)
			b->too_long = 1;
		else {
			memcpy(b->linebuf + b->n, b->s, len);
			b->n += len;
		}
		if (nl == b->end) {
			b->s = b->end;
			break;
		}
		b->s = nl + 1;
		take(b, b->linebuf, b->n, ++b->lineno, b->too_long);
		b->n = 0;
		b->too_long = 0;
	}
	/* A last line without its newline still counts. */
	if (b->eof && b->s == b->end && (b->n > 0 || b->too_long) &&
	    !b->failed && room(b)) {
		take(b, b->linebuf, b->n, ++b->lineno, b->too_long);
		b->n = 0;
		b->too_long = 0;
	}
}

/* Read standard input, a chunk. */
static void
read_input(struct sbatch *b)
{
	ssize_t	r;

	if ((r = read(STDIN_FILENO, b->chunk, READ_SIZE)) == -1) {
		if (errno != EINTR && errno != EAGAIN)
			fail(b, "read: %s", strerror(errno));
		return;
	}
	if (r == 0)
		b->eof = 1;
	b->s = b->chunk;
	b->end = b->chunk + r;
}

/* After a failure: the lines on their way, and what is said of them. */
static void
give_up(struct sbatch *b)
{
	struct pend	*p;

	for (; b->npend > 0; b->npend--) {
		p = pend_at(b, 0);
		if (!p->sent) {
			b->malformed = 1;
			out_error(b, p->lineno, p->error != NULL ? p->error :
			    "out of memory");
			free(p->error);
			p->error = NULL;
		} else if (b->notrec != NULL) {
			/* The daemon's own "not recorded", as directly. */
			out_line(b, p->lineno, ",\"error\":", 9);
			out_add(b, b->notrec, strlen(b->notrec));
			out_add(b, "}\n", 2);
		}
		b->head = (b->head + 1) % b->window;
	}
}

/* Drive input, socket and output until every line is answered. */
static void
run(struct sbatch *b)
{
	struct pollfd	 fds[3];
	uint64_t	 now;
	int		 timeout, rc, sock, in;

	for (;;) {
		take_input(b);
		if (!b->failed && b->reqoff < b->nreq)
			send_requests(b);
		if (b->failed || b->out_err ||
		    (b->eof && b->s == b->end && b->n == 0 &&
		    !b->too_long && b->npend == 0))
			break;
		in = !b->eof && b->s == b->end && room(b);
		sock = b->npend > 0;
		fds[0].fd = in ? STDIN_FILENO : -1;
		fds[0].events = POLLIN;
		fds[1].fd = sock ? b->fd : -1;
		fds[1].events = POLLIN | (b->reqoff < b->nreq ? POLLOUT : 0);
		/* Whoever waits on the results has them before we wait. */
		fds[2].fd = b->nout > b->outoff ? STDOUT_FILENO : -1;
		fds[2].events = POLLOUT;
		fds[0].revents = fds[1].revents = fds[2].revents = 0;
		timeout = -1;
		if (sock) {
			now = now_ms();
			timeout = now < b->deadline ?
			    (int)(b->deadline - now) : 0;
		}
		if ((rc = poll(fds, 3, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			fail(b, "poll: %s", strerror(errno));
			break;
		}
		if (fds[2].revents & (POLLOUT | POLLHUP | POLLERR | POLLNVAL))
			out_write(b);
		/* Late is a reply the socket does not hold even now. */
		if (sock && !(fds[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    now_ms() >= b->deadline) {
			fail(b, "%s: no reply from auditlogd within %u ms",
			    b->path, b->timeout_ms);
			break;
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
			read_replies(b);
		else if (fds[1].revents & POLLOUT)
			send_requests(b);
		if (!b->failed && (fds[0].revents & (POLLIN | POLLHUP |
		    POLLERR)))
			read_input(b);
	}
	if (b->failed)
		give_up(b);
	out_drain(b);
	/* Said once, here: finish() is not to say it again. */
	if (b->out_err) {
		msg("write error on standard output: %s",
		    strerror(b->out_err));
		b->failed = 1;
	}
}

/* Read stdin, its lines through the daemon; the exit status. */
int
record_batch_sock(const char *path, const char *service, size_t max)
{
	struct sbatch	 b;
	struct stat	 st;
	size_t		 i;
	int		 rc, status = EX_UNAVAIL;

	memset(&b, 0, sizeof(b));
	b.path = path;
	b.service = service;
	b.timeout_ms = opt_timeout_ms;
	b.window = max < WINDOW_MAX / 4 ? 4 * max : WINDOW_MAX;
	b.reqcap = SEND_HIGH + MAX_LINE + 1;
	if ((b.pend = calloc(b.window, sizeof(*b.pend))) == NULL ||
	    (b.req = malloc(b.reqcap)) == NULL ||
	    (b.in = malloc(REPLY_MAX + READ_SIZE)) == NULL ||
	    (b.out = malloc(b.outcap = OUT_SIZE)) == NULL ||
	    (b.chunk = malloc(READ_SIZE)) == NULL ||
	    (b.linebuf = malloc(MAX_LINE)) == NULL) {
		msg("out of memory");
		goto done;
	}
	if ((rc = sock_open(path, &b.l)) != 0) {
		status = lib_fail(rc, b.l, EX_UNAVAIL);
		goto done;
	}
	b.fd = al_socket_fd(b.l);
	/* A pipe with room takes PIPE_BUF bytes without waiting; a file,
	 * any number. */
	b.outchunk = fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) ?
	    SIZE_MAX : PIPE_BUF;
	run(&b);
	if (b.failed)
		status = EX_UNAVAIL;
	else if (b.malformed)
		status = EX_USAGE;
	else
		status = b.denied ? EX_NO : EX_OK;
	if (b.out_err)
		(void)fclose(stdout);
	else if (finish(status) == EX_UNAVAIL)
		status = EX_UNAVAIL;
done:
	al_close(b.l);
	arena_free(&b.arena);
	for (i = 0; b.pend != NULL && i < b.window; i++)
		free(b.pend[i].error);
	free(b.pend);
	free(b.req);
	free(b.in);
	free(b.out);
	free(b.chunk);
	free(b.linebuf);
	free(b.notrec);
	return status;
}
