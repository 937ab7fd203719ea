/* gz.c - gzip output deflated in independent chunks, on worker threads */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "gz.h"

#define DICT	(32 * 1024)		/* deflate's window */
#define OUTCAP	(GZ_CHUNK + GZ_CHUNK / 8 + 64)	/* grows if need be */
#define NJOB	4			/* chunks in flight per stream */
#define NWORK	2			/* worker threads */

/*
 * A chunk: filled by the caller (state FREE, n growing), deflated by a
 * worker (QUEUED), then written to the stream's file in order (DONE).
 * The pool's mutex hands a job over; whoever holds its state owns it.
 */
enum { J_FREE, J_QUEUED, J_DONE };

struct job {
	uint8_t		*in, *dict, *out;
	size_t		 n, dn, on, ocap;
	uint32_t	 crc;
	int		 state, failed;
	struct job	*next;		/* in the pool's queue */
};

struct gzs {
	struct gz_pool	*pool;
	int		 fd;
	off_t		 start;		/* where its bytes begin in fd */
	struct job	 job[NJOB];
	unsigned	 fill;		/* the job being filled */
	unsigned	 old;		/* the oldest one not written */
	unsigned	 busy;		/* queued or done, not written */
	uint8_t		 tail[DICT];	/* the last bytes before fill's */
	size_t		 tn;
	uint32_t	 crc;		/* of what it has written */
	uint64_t	 in, out;
};

struct worker {
	struct gz_pool	*pool;
	z_stream	 z;
	pthread_t	 t;
};

struct gz_pool {
	pthread_mutex_t	 mu;
	pthread_cond_t	 work, done;
	struct job	*head, *last;
	int		 stop, level;
	unsigned	 nthr;
	struct worker	 w[NWORK];
	z_stream	 z;		/* the caller's, when no thread runs */
	int		 zok;
};

/*
 * The pthread calls below on a default mutex and condition variables can
 * only fail on misuse (an uninitialized or unowned mutex), which the code
 * does not do: their results are not checked.
 */
static void
lock(struct gz_pool *p)
{
	(void)pthread_mutex_lock(&p->mu);
}

static void
unlock(struct gz_pool *p)
{
	(void)pthread_mutex_unlock(&p->mu);
}

/* Deflate one chunk: a raw deflate of j->in after j->dict, sync-flushed. */
static int
deflate_chunk(z_stream *z, struct job *j)
{
	uint8_t	*o;
	int	 zrc;

	if (deflateReset(z) != Z_OK)
		return -1;
	if (j->dn > 0 && deflateSetDictionary(z, j->dict, (uInt)j->dn) !=
	    Z_OK)
		return -1;
	z->next_in = j->in;
	z->avail_in = (uInt)j->n;
	j->on = 0;
	for (;;) {
		if (j->on == j->ocap) {
			if ((o = realloc(j->out, 2 * j->ocap)) == NULL)
				return -1;
			j->out = o;
			j->ocap *= 2;
		}
		z->next_out = j->out + j->on;
		z->avail_out = (uInt)(j->ocap - j->on);
		zrc = deflate(z, Z_SYNC_FLUSH);
		j->on = j->ocap - z->avail_out;
		if (zrc != Z_OK && zrc != Z_BUF_ERROR)
			return -1;
		/* Done once deflate leaves room: the flush is complete. */
		if (z->avail_in == 0 && z->avail_out > 0)
			break;
	}
	j->crc = (uint32_t)crc32(0, j->in, (uInt)j->n);
	return 0;
}

static void *
worker(void *arg)
{
	struct worker	*w = arg;
	struct gz_pool	*p = w->pool;
	struct job	*j;
	int		 failed;

	lock(p);
	for (;;) {
		while (p->head == NULL && !p->stop)
			(void)pthread_cond_wait(&p->work, &p->mu);
		if ((j = p->head) == NULL)
			break;		/* stopped, and nothing is left */
		if ((p->head = j->next) == NULL)
			p->last = NULL;
		unlock(p);
		failed = deflate_chunk(&w->z, j) != 0;
		lock(p);
		j->failed = failed;
		j->state = J_DONE;
		(void)pthread_cond_broadcast(&p->done);
	}
	unlock(p);
	return NULL;
}

static int
zinit(z_stream *z, int level)
{
	memset(z, 0, sizeof(*z));
	/* Raw deflate (-15): the gzip wrapper is written here. */
	return deflateInit2(z, level, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

static void
pool_close(struct gz_pool *p)
{
	unsigned	i;

	if (p == NULL)
		return;
	lock(p);
	p->stop = 1;
	(void)pthread_cond_broadcast(&p->work);
	unlock(p);
	for (i = 0; i < p->nthr; i++) {
		(void)pthread_join(p->w[i].t, NULL);
		deflateEnd(&p->w[i].z);
	}
	if (p->zok)
		deflateEnd(&p->z);
	(void)pthread_cond_destroy(&p->done);
	(void)pthread_cond_destroy(&p->work);
	(void)pthread_mutex_destroy(&p->mu);
	free(p);
}

static int
pool_open(al_log *l, struct gz_pool **pp, int level)
{
	struct gz_pool	*p;
	long		 ncpu;
	unsigned	 want;
	int		 rc = 0;

	*pp = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return al_seterr(l, AL_ENOMEM, "out of memory");
	p->level = level;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return al_seterr(l, AL_ENOMEM, "pthread_mutex_init failed");
	}
	if (pthread_cond_init(&p->work, NULL) != 0) {
		(void)pthread_mutex_destroy(&p->mu);
		free(p);
		return al_seterr(l, AL_ENOMEM, "pthread_cond_init failed");
	}
	if (pthread_cond_init(&p->done, NULL) != 0) {
		(void)pthread_cond_destroy(&p->work);
		(void)pthread_mutex_destroy(&p->mu);
		free(p);
		return al_seterr(l, AL_ENOMEM, "pthread_cond_init failed");
	}
	if (zinit(&p->z, level) != 0) {
		rc = al_seterr(l, AL_ENOMEM, "zlib: deflateInit2 failed");
		goto done;
	}
	p->zok = 1;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	want = ncpu >= NWORK ? NWORK : 1;
	/* Fewer threads, or none, give the same bytes, only later. */
	while (p->nthr < want) {
		p->w[p->nthr].pool = p;
		if (zinit(&p->w[p->nthr].z, level) != 0)
			break;
		if (pthread_create(&p->w[p->nthr].t, NULL, worker,
		    &p->w[p->nthr]) != 0) {
			deflateEnd(&p->w[p->nthr].z);
			break;
		}
		p->nthr++;
	}
done:
	if (rc != 0)
		pool_close(p);
	else
		*pp = p;
	return rc;
}

/* Write the oldest chunk of s once it is deflated. */
static int
retire(al_log *l, struct gzs *s)
{
	struct gz_pool	*p = s->pool;
	struct job	*j = &s->job[s->old];

	lock(p);
	while (j->state != J_DONE)
		(void)pthread_cond_wait(&p->done, &p->mu);
	unlock(p);
	if (j->failed)
		return al_seterr(l, AL_ENOMEM, "zlib: deflate failed");
	if (write_all(s->fd, j->out, j->on) != 0)
		return al_seterr(l, AL_EIO, "write the bundle: %s",
		    strerror(errno));
	s->crc = (uint32_t)crc32_combine(s->crc, j->crc, (z_off_t)j->n);
	s->in += j->n;
	s->out += j->on;
	j->n = 0;
	j->state = J_FREE;
	s->old = (s->old + 1) % NJOB;
	s->busy--;
	return 0;
}

/* Hand the chunk being filled to a worker (or deflate it here). */
static void
submit(struct gzs *s)
{
	struct gz_pool	*p = s->pool;
	struct job	*j = &s->job[s->fill];
	size_t		 keep;

	memcpy(j->dict, s->tail, s->tn);
	j->dn = s->tn;
	/* The next chunk's dictionary: the last DICT bytes up to here. */
	if (j->n >= DICT) {
		memcpy(s->tail, j->in + j->n - DICT, DICT);
		s->tn = DICT;
	} else {
		keep = s->tn + j->n > DICT ? DICT - j->n : s->tn;
		memmove(s->tail, s->tail + s->tn - keep, keep);
		memcpy(s->tail + keep, j->in, j->n);
		s->tn = keep + j->n;
	}
	s->fill = (s->fill + 1) % NJOB;
	s->busy++;
	if (p->nthr == 0) {
		j->failed = deflate_chunk(&p->z, j) != 0;
		j->state = J_DONE;
		return;
	}
	lock(p);
	j->state = J_QUEUED;
	j->next = NULL;
	if (p->last != NULL)
		p->last->next = j;
	else
		p->head = j;
	p->last = j;
	(void)pthread_cond_signal(&p->work);
	unlock(p);
}

static int
stream_new(al_log *l, struct gz *g, int fd, struct gzs **sp)
{
	if ((*sp = calloc(1, sizeof(**sp))) == NULL)
		return al_seterr(l, AL_ENOMEM, "out of memory");
	(*sp)->pool = g->pool;
	(*sp)->fd = fd;
	return 0;
}

int
gzs_open(al_log *l, struct gz *g, int fd, struct gzs **sp)
{
	struct gzs	*s;
	int		 rc;

	if ((rc = stream_new(l, g, fd, &s)) != 0)
		goto done;
	/* gz_splice reads the stream back from here. */
	if ((s->start = lseek(fd, 0, SEEK_CUR)) == -1) {
		rc = al_seterr(l, AL_EIO, "scratch file: %s", strerror(errno));
		free(s);
		s = NULL;
	}
done:
	*sp = s;
	return rc;
}

int
gzs_write(al_log *l, struct gzs *s, const void *p, size_t n)
{
	const uint8_t	*b = p;
	struct job	*j;
	size_t		 k;
	int		 rc;

	while (n > 0) {
		j = &s->job[s->fill];
		if (j->state != J_FREE && (rc = retire(l, s)) != 0)
			return rc;
		if (j->out == NULL) {	/* its first use */
			if ((j->in == NULL &&
			    (j->in = malloc(GZ_CHUNK)) == NULL) ||
			    (j->dict == NULL &&
			    (j->dict = malloc(DICT)) == NULL) ||
			    (j->out = malloc(OUTCAP)) == NULL)
				return al_seterr(l, AL_ENOMEM,
				    "out of memory");
			j->ocap = OUTCAP;
		}
		k = GZ_CHUNK - j->n < n ? GZ_CHUNK - j->n : n;
		memcpy(j->in + j->n, b, k);
		j->n += k;
		b += k;
		n -= k;
		if (j->n == GZ_CHUNK)
			submit(s);
	}
	return 0;
}

int
gzs_end(al_log *l, struct gzs *s)
{
	int	rc;

	if (s->job[s->fill].state == J_FREE && s->job[s->fill].n > 0)
		submit(s);
	while (s->busy > 0)
		if ((rc = retire(l, s)) != 0)
			return rc;
	return 0;
}

void
gzs_close(struct gzs *s)
{
	unsigned	i;

	if (s == NULL)
		return;
	/* A worker may still hold a chunk (after an error): wait for it. */
	lock(s->pool);
	for (i = 0; i < NJOB; i++)
		while (s->job[i].state == J_QUEUED)
			(void)pthread_cond_wait(&s->pool->done,
			    &s->pool->mu);
	unlock(s->pool);
	for (i = 0; i < NJOB; i++) {
		free(s->job[i].in);
		free(s->job[i].dict);
		free(s->job[i].out);
	}
	free(s);
}

int
gz_init(al_log *l, struct gz *g, int level)
{
	memset(g, 0, sizeof(*g));
	g->fd = -1;
	return pool_open(l, &g->pool, level);
}

int
gz_open(al_log *l, struct gz *g, int fd)
{
	uint8_t	h[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255 };

	/* No name and no time (reproducible); XFL as zlib sets it. */
	h[8] = g->pool->level == 9 ? 2 : g->pool->level == 1 ? 4 : 0;
	g->fd = fd;
	if (write_all(fd, h, sizeof(h)) != 0)
		return al_seterr(l, AL_EIO, "write the bundle: %s",
		    strerror(errno));
	/* Only the inline stream writes to fd, which may be a pipe. */
	return stream_new(l, g, fd, &g->inl);
}

int
gz_write(al_log *l, struct gz *g, const void *p, size_t n)
{
	g->in += n;
	return gzs_write(l, g->inl, p, n);
}

/* End the inline chunks, so that other bytes may follow them. */
static int
inline_end(al_log *l, struct gz *g)
{
	int	rc;

	if ((rc = gzs_end(l, g->inl)) != 0)
		return rc;
	g->crc = (uint32_t)crc32_combine(g->crc, g->inl->crc,
	    (z_off_t)g->inl->in);
	g->inl->crc = 0;
	g->inl->in = 0;
	/* What follows was not deflated after what came before it. */
	g->inl->tn = 0;
	return 0;
}

int
gz_splice(al_log *l, struct gz *g, struct gzs *s)
{
	uint8_t		buf[64 * 1024];
	uint64_t	left = s->out;
	off_t		at = s->start;
	ssize_t		r;
	int		rc;

	if ((rc = inline_end(l, g)) != 0 || (rc = gzs_end(l, s)) != 0)
		return rc;
	while (left > 0) {
		r = pread(s->fd, buf, left < sizeof(buf) ? (size_t)left :
		    sizeof(buf), at);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return al_seterr(l, AL_EIO, "read a scratch file: %s",
			    r ? strerror(errno) : "cut short");
		if (write_all(g->fd, buf, (size_t)r) != 0)
			return al_seterr(l, AL_EIO, "write the bundle: %s",
			    strerror(errno));
		at += r;
		left -= (uint64_t)r;
	}
	g->crc = (uint32_t)crc32_combine(g->crc, s->crc, (z_off_t)s->in);
	g->in += s->in;
	return 0;
}

int
gz_finish(al_log *l, struct gz *g)
{
	uint8_t	t[10];
	int	rc, i;

	if ((rc = inline_end(l, g)) != 0)
		return rc;
	/* An empty final block (fixed codes), then CRC-32 and size. */
	t[0] = 3;
	t[1] = 0;
	for (i = 0; i < 4; i++) {
		t[2 + i] = (uint8_t)(g->crc >> (8 * i));
		t[6 + i] = (uint8_t)(g->in >> (8 * i));
	}
	if (write_all(g->fd, t, sizeof(t)) != 0)
		return al_seterr(l, AL_EIO, "write the bundle: %s",
		    strerror(errno));
	return 0;
}

void
gz_close(struct gz *g)
{
	gzs_close(g->inl);
	g->inl = NULL;
	pool_close(g->pool);
	g->pool = NULL;
}
