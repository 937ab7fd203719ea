/* bundle_write.c - write a bundle: entries, policies, summary, manifest */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <bsd/string.h>

#include "al_int.h"
#include "bundle.h"
#include "gz.h"

#define CHUNK	(64 * 1024)

/*
 * Scratch files: unnamed, 0600, gone when closed.  With a gz, what is
 * added is deflated as it comes (gz.h), and the file holds the member's
 * deflated chunks, to be spliced into the bundle as they are.
 */
struct scratch {
	int		fd;
	uint64_t	size;
	SHA256_CTX	sha;
	struct buf	b;		/* written out at 64 KiB */
	struct gzs	*z;		/* or deflated */
};

static int
scratch_open(al_log *l, struct scratch *s, const char *dir, struct gz *g)
{
	char	path[4096];
	int	n;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	SHA256_Init(&s->sha);
	if (dir == NULL)
		return al_seterr(l, AL_EINVAL, "no folder for scratch files");
#ifdef O_TMPFILE
	if ((s->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) != -1)
		return g ? gzs_open(l, g, s->fd, &s->z) : 0;
#endif
	n = snprintf(path, sizeof(path), "%s/.auditlog-scratch.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return al_seterr(l, AL_EINVAL, "%s: path too long", dir);
	if ((s->fd = mkstemp(path)) == -1)
		return al_seterr(l, AL_EIO, "scratch file in %s: %s", dir,
		    strerror(errno));
	(void)unlink(path);
	return g ? gzs_open(l, g, s->fd, &s->z) : 0;
}

static int
scratch_flush(al_log *l, struct scratch *s)
{
	if (s->z != NULL)
		return gzs_end(l, s->z);
	if (s->b.n > 0 && write_all(s->fd, s->b.p, s->b.n) != 0)
		return al_seterr(l, AL_EIO, "write a scratch file: %s",
		    strerror(errno));
	s->b.n = 0;
	return 0;
}

/* Append what b holds to the scratch file, hashing it. */
static int
scratch_add(al_log *l, struct scratch *s, const struct buf *b)
{
	int	rc;

	SHA256_Update(&s->sha, b->p, b->n);
	s->size += b->n;
	if (s->z != NULL)
		return gzs_write(l, s->z, b->p, b->n);
	if ((rc = buf_add(&s->b, b->p, b->n)) != 0)
		return al_seterr(l, rc, "out of memory");
	return s->b.n >= CHUNK ? scratch_flush(l, s) : 0;
}

static void
scratch_close(struct scratch *s)
{
	gzs_close(s->z);
	s->z = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	buf_free(&s->b);
}

/* The manifest's list of members. */
struct member {
	char		name[128];
	uint64_t	size;
	uint8_t		sha[AL_HASH_LEN];
};

struct bundle {
	al_log			*l;
	const struct al_export_opts *o;
	struct gz		 gz;
	uint64_t		 mtime;
	struct member		*m;
	size_t			 nm;
};

static int
add_member(struct bundle *bd, const char *name, uint64_t size,
    const uint8_t sha[AL_HASH_LEN])
{
	struct member	*m;

	if ((m = realloc(bd->m, (bd->nm + 1) * sizeof(*m))) == NULL)
		return al_seterr(bd->l, AL_ENOMEM, "out of memory");
	bd->m = m;
	m += bd->nm++;
	strlcpy(m->name, name, sizeof(m->name));
	m->size = size;
	memcpy(m->sha, sha, AL_HASH_LEN);
	return 0;
}

/* A member from memory. */
static int
emit_mem(struct bundle *bd, const char *name, const void *p, size_t n)
{
	int	rc;

	if ((rc = tar_header(bd->l, &bd->gz, name, n, bd->mtime)) != 0 ||
	    (rc = gz_write(bd->l, &bd->gz, p, n)) != 0)
		return rc;
	return tar_pad(bd->l, &bd->gz, n);
}

/* Flush a scratch file and take its digest, before it is emitted. */
static int
scratch_done(al_log *l, struct scratch *s, uint8_t sha[AL_HASH_LEN])
{
	int	rc;

	if ((rc = scratch_flush(l, s)) != 0)
		return rc;
	SHA256_Final(sha, &s->sha);
	return 0;
}

/* A member from a scratch file. */
static int
emit_scratch(struct bundle *bd, const char *name, struct scratch *s)
{
	uint8_t		buf[CHUNK];
	uint64_t	left = s->size;
	ssize_t		r;
	int		rc;

	if (lseek(s->fd, 0, SEEK_SET) == -1)
		return al_seterr(bd->l, AL_EIO, "scratch file: %s",
		    strerror(errno));
	if ((rc = tar_header(bd->l, &bd->gz, name, s->size,
	    bd->mtime)) != 0)
		return rc;
	if (s->z != NULL) {		/* deflated already */
		if ((rc = gz_splice(bd->l, &bd->gz, s->z)) != 0)
			return rc;
		if (bd->o->progress != NULL)
			bd->o->progress(bd->o->arg, bd->gz.in, 0);
		return tar_pad(bd->l, &bd->gz, s->size);
	}
	while (left > 0) {
		r = read(s->fd, buf, left < sizeof(buf) ? (size_t)left :
		    sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return al_seterr(bd->l, AL_EIO, "read a scratch file: "
			    "%s", r ? strerror(errno) : "cut short");
		if ((rc = gz_write(bd->l, &bd->gz, buf, (size_t)r)) != 0)
			return rc;
		left -= (uint64_t)r;
		if (bd->o->progress != NULL)
			bd->o->progress(bd->o->arg, bd->gz.in, 0);
	}
	return tar_pad(bd->l, &bd->gz, s->size);
}

/* The log's floor, copied and parsed: none for a log before format 6. */
static int
exp_floor(al_log *l, struct exp *x)
{
	struct al_entry	 e;
	struct buf	 errs = { 0 };
	int		 rc;

	if ((rc = al_floor_get(l, &e)) == AL_ENOLOG)
		return 0;
	if (rc != 0)
		return rc;
	if ((x->flstore = malloc(e.name.n + e.text.n + 2)) == NULL)
		return al_seterr(l, AL_ENOMEM, "out of memory");
	x->fl = e;
	memcpy(x->flstore, e.name.p, e.name.n);
	x->flstore[e.name.n] = '\0';
	memcpy(x->flstore + e.name.n + 1, e.text.p, e.text.n);
	x->flstore[e.name.n + 1 + e.text.n] = '\0';
	x->fl.name.p = (char *)x->flstore;
	x->fl.text.p = (char *)x->flstore + e.name.n + 1;
	if ((x->floor = floor_parse(x->fl.name.p, x->fl.text.p, x->fl.text.n,
	    &errs)) == NULL)
		rc = al_seterr(l, AL_ECORRUPT, "seq %" PRIu64 ": the floor "
		    "does not parse", e.seq);
	buf_free(&errs);
	return rc;
}

static int
exp_init(al_log *l, struct exp *x, const struct al_export_opts *o)
{
	struct timespec	 ts;
	MDB_txn		*txn;
	MDB_val		 k = { 6, "log_id" }, v;
	int		 rc;

	memset(x, 0, sizeof(*x));
	/* A bundle's manifest and its checker know none of these filters:
	   a bundle made with one would claim to hold what it does not. */
	if (o->f.ref || o->f.action || o->f.data || o->f.service)
		return al_seterr(l, AL_EINVAL, "the ref, action, data and "
		    "service filters are not carried in a bundle");
	x->f = x->shown = o->f;
	x->mixed = 1;		/* this tool writes bundle format 3 */
	x->unfiltered = !o->f.customer && !o->f.actor && !o->f.purpose &&
	    !o->f.decision && !o->f.since_ns && !o->f.until_ns &&
	    !o->f.from_seq && !o->f.to_seq;
	if ((x->created_ns = o->created_ns) == 0) {
		if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
			return al_seterr(l, AL_EIO, "the clock is unreadable");
		x->created_ns = (uint64_t)ts.tv_sec * 1000000000ULL;
	}
	/* Whole seconds: the bundle's creation time is its tar mtime. */
	x->created_ns -= x->created_ns % 1000000000ULL;
	/* Entries up to the head are fixed: every pass reads the same. */
	if ((rc = al_head(l, &x->head_seq, x->head_hash)) != 0)
		return rc;
	if (x->f.to_seq == 0 || x->f.to_seq > x->head_seq)
		x->f.to_seq = x->head_seq;
	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	rc = mdb_get(txn, l->meta, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(x->log_id))
		memcpy(x->log_id, v.mv_data, sizeof(x->log_id));
	mdb_txn_abort(txn);
	if (rc != 0 || v.mv_size != sizeof(x->log_id))
		return al_seterr(l, AL_ECORRUPT, "the log_id metadata is "
		    "missing or malformed");
	return exp_floor(l, x);
}

/* Add the policy entry at seq, keeping the list in seq order. */
static int
exp_add_policy(al_log *l, struct exp *x, MDB_txn *txn, uint64_t seq)
{
	struct xpol	 p, *np;
	uint8_t		 kb[8];
	MDB_val		 k = { 8, kb }, v;
	char		 why[256];
	size_t		 i, cap = 0;
	int		 rc;

	for (i = 0; i < x->npol; i++)
		if (x->pol[i].e.seq == seq)
			return 0;
	memset(&p, 0, sizeof(p));
	put_be64(kb, seq);
	if ((rc = mdb_get(txn, l->entries, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? al_seterr(l, AL_ECORRUPT, "policy "
		    "entry %" PRIu64 " is missing", seq) :
		    al_lmdb_err(l, rc, "read a policy entry");
	if (entry_decode(v.mv_data, v.mv_size, &p.e, &p.store, &cap, why,
	    sizeof(why)) != 0 || p.e.kind != AL_KIND_POLICY) {
		free(p.store);
		return al_seterr(l, AL_ECORRUPT, "seq %" PRIu64 ": not a "
		    "policy entry%s%s", seq, why[0] ? ": " : "", why);
	}
	p.p = policy_parse(p.e.name.p, p.e.text.p, p.e.text.n, NULL);
	if ((np = realloc(x->pol, (x->npol + 1) * sizeof(*np))) == NULL) {
		policy_free(p.p);
		free(p.store);
		return al_seterr(l, AL_ENOMEM, "out of memory");
	}
	x->pol = np;
	for (i = x->npol; i > 0 && x->pol[i - 1].e.seq > seq; i--)
		x->pol[i] = x->pol[i - 1];
	x->pol[i] = p;
	x->npol++;
	/* Which of them is the first with its digest. */
	for (i = 0; i < x->npol; i++) {
		size_t	j;

		x->pol[i].first = 1;
		for (j = 0; j < i; j++)
			if (memcmp(x->pol[j].e.digest, x->pol[i].e.digest,
			    AL_HASH_LEN) == 0)
				x->pol[i].first = 0;
	}
	return 0;
}

/* Add the policy in force just before seq, when there is one. */
static int
policy_before(al_log *l, struct exp *x, MDB_txn *txn, MDB_cursor *cur,
    uint64_t seq)
{
	MDB_val		 k, v;
	uint8_t		 kb[8];
	int		 mrc;

	put_be64(kb, seq);
	k.mv_size = 8;
	k.mv_data = kb;
	if ((mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) == 0)
		mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (mrc == MDB_NOTFOUND)
		mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (mrc == MDB_NOTFOUND)
		return 0;	/* the log's first policy */
	if (mrc != 0 || k.mv_size != 8)
		return al_lmdb_err(l, mrc, "read the policies index");
	if (get_be64(k.mv_data) >= seq)
		return 0;
	return exp_add_policy(l, x, txn, get_be64(k.mv_data));
}

/*
 * The policies of an export: every policy entry that put an exported
 * access's policy in force, or is itself exported.  The policies index
 * finds the one in force at a seq: the last key at or before it.
 */
static int
exp_policies(al_log *l, struct exp *x)
{
	struct al_entry	 e;
	MDB_cursor	*cur = NULL;
	MDB_txn		*txn = NULL;
	MDB_val		 k, v;
	al_iter		*it = NULL;
	uint64_t	 lo = 1, hi = 0, pseq;
	uint8_t		 kb[8];
	size_t		 i;
	int		 rc, mrc;

	/* The iterator reads in short transactions of its own; the policies
	 * are read in this one, of the same log below the iterator's head. */
	if ((rc = al_iter_open(l, &x->f, &it)) != 0 ||
	    (rc = log_read_txn(l, &txn)) != 0)
		goto done;
	if ((mrc = mdb_cursor_open(txn, l->policies, &cur)) != 0) {
		rc = al_lmdb_err(l, mrc, "open cursor");
		goto done;
	}
	while ((rc = al_iter_next(it, &e)) == 1) {
		if (e.kind >= AL_KIND_FLOOR && e.kind <= AL_KIND_REJECTION) {
			continue;	/* the floor, a step of custody: none */
		} else if (e.kind == AL_KIND_POLICY) {
			pseq = e.seq;
			/* ...and the one before it, which the summary
			 * compares it with (13.4). */
			if ((rc = policy_before(l, x, txn, cur, e.seq)) != 0)
				goto done;
		} else if (e.seq >= lo && e.seq < hi && hi != 0) {
			continue;	/* the same policy as the last one */
		} else {
			put_be64(kb, e.seq);
			k.mv_size = 8;
			k.mv_data = kb;
			mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			if (mrc == MDB_NOTFOUND)
				mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
			else if (mrc == 0 && get_be64(k.mv_data) > e.seq)
				mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
			if (mrc != 0 || k.mv_size != 8) {
				rc = al_seterr(l, AL_ECORRUPT, "seq %" PRIu64
				    ": no policy in force", e.seq);
				goto done;
			}
			pseq = lo = get_be64(k.mv_data);
			mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			hi = mrc == 0 ? get_be64(k.mv_data) : UINT64_MAX;
		}
		if ((rc = exp_add_policy(l, x, txn, pseq)) != 0)
			goto done;
	}
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	al_iter_close(it);
	if (rc < 0)
		return rc;
	/* Every policy under the floor respects it (verify's check). */
	for (i = 0; i < x->npol; i++)
		if ((rc = exp_floor_policy(x, i)) != 0)
			return al_seterr(l, rc, "out of memory");
	return 0;
}

/* For an export of the whole log, the whole log is verified too. */
static int
exp_finish(al_log *l, struct exp *x)
{
	struct al_verify_opts	 o;
	struct al_verify_summary s;
	char			 hex[2 * AL_HASH_LEN + 1];
	int			 rc;

	x->whole.n = 0;
	if (!x->unfiltered)
		return buf_printf(&x->whole, "not checked here (a filtered "
		    "export); run auditlog verify");
	memset(&o, 0, sizeof(o));
	if ((rc = al_verify(l, &o, &s)) != 0)
		return rc;
	al_hex(s.head, AL_HASH_LEN, hex);
	if (s.problems) {
		x->problems += s.problems;
		return buf_printf(&x->whole, "FAILED: %" PRIu64 " problems; "
		    "run auditlog verify", s.problems);
	}
	return buf_printf(&x->whole, "verified (%" PRIu64 " entries, head %"
	    PRIu64 " %s)", s.entries, s.last_seq, hex);
}

static void
progress_entries(const struct al_export_opts *o, uint64_t done)
{
	if (o->progress != NULL && done % 4096 == 0)
		o->progress(o->arg, 0, done);
}

static int
manifest(struct bundle *bd, struct exp *x, struct buf *b)
{
	char	t[40], hex[2 * AL_HASH_LEN + 1];
	size_t	i;
	int	rc;

	al_hex(x->log_id, sizeof(x->log_id), hex);
	if (al_format_time(x->created_ns, 0, t, sizeof(t)) != 0)
		return AL_EINVAL;
	if ((rc = buf_printf(b, "{\"format\":\"auditlog-bundle\","
	    "\"format_version\":4,\"tool\":\"auditlog " AL_VERSION "\","
	    "\"log_id\":\"%s\",\"created\":\"%s\",\"filters\":", hex, t)) ||
	    (rc = filters_json(b, &x->shown)))
		return rc;
	if (x->n)
		rc = buf_printf(b, ",\"first_seq\":%" PRIu64 ",\"last_seq\":%"
		    PRIu64, x->first_seq, x->last_seq);
	else
		rc = buf_printf(b, ",\"first_seq\":null,\"last_seq\":null");
	al_hex(x->head_hash, AL_HASH_LEN, hex);
	if (rc || (rc = buf_printf(b, ",\"entries\":%" PRIu64 ",\"head\":"
	    "{\"seq\":%" PRIu64 ",\"hash\":\"%s\"},\"policies\":", x->n,
	    x->head_seq, hex)))
		return rc;
	if ((rc = policies_json(b, x)) != 0 ||
	    (rc = buf_add(b, ",\"floor\":", 9)) != 0 ||
	    (rc = floor_json(b, x)) != 0)
		return rc;
	if ((rc = buf_add(b, ",\"members\":[", 12)) != 0)
		return rc;
	for (i = 0; i < bd->nm; i++) {
		al_hex(bd->m[i].sha, AL_HASH_LEN, hex);
		if ((rc = buf_printf(b, "%s{\"name\":\"%s\",\"size\":%" PRIu64
		    ",\"sha256\":\"%s\"}", i ? "," : "", bd->m[i].name,
		    bd->m[i].size, hex)))
			return rc;
	}
	return buf_add(b, "]}\n", 3);
}

/*
 * The bundle's tree head: the checkpoint given (a published one), or an
 * unsigned one of the head.  With one of an older size, the bundle is of
 * the log as it was at that size.
 */
static int
tree_head(al_log *l, struct exp *x, const struct al_export_opts *o,
    struct tsrc *ts, struct al_checkpoint *cp, struct buf *note)
{
	struct mt_src	 src = { log_tree_get, ts };
	uint8_t		 root[AL_HASH_LEN], kb[8];
	char		 orig[AL_ORIGIN_MAX], why[256];
	MDB_val		 k = { 8, kb }, v;
	int		 rc;

	if ((rc = log_origin(l, ts->txn, orig, sizeof(orig))) != 0)
		return rc;
	if (o->checkpoint == NULL) {
		if ((rc = mt_range(&src, 0, x->head_seq, root)) != 0)
			return rc;
		if ((rc = note_checkpoint(note, orig, x->head_seq, root,
		    NULL)) != 0)
			return al_seterr(l, rc, "out of memory");
		return al_checkpoint_parse((const char *)note->p, note->n,
		    NULL, cp, why, sizeof(why)) == 0 ? 0 :
		    al_seterr(l, AL_EINVAL, "checkpoint: %s", why);
	}
	if (al_checkpoint_parse(o->checkpoint, o->checkpoint_len, NULL, cp,
	    why, sizeof(why)) != 0)
		return al_seterr(l, AL_EINVAL, "the checkpoint: %s", why);
	if (strcmp(cp->origin, orig) != 0)
		return al_seterr(l, AL_EINVAL, "the checkpoint is of another "
		    "log (its origin is not %s)", orig);
	if (cp->size == 0 || cp->size > x->head_seq)
		return al_seterr(l, AL_ECORRUPT, "the checkpoint is of a tree "
		    "of %" PRIu64 " entries, and the log has %" PRIu64,
		    cp->size, x->head_seq);
	if ((rc = mt_range(&src, 0, cp->size, root)) != 0)
		return rc;
	if (memcmp(root, cp->root, AL_HASH_LEN) != 0)
		return al_seterr(l, AL_ECORRUPT, "the log's tree of %" PRIu64
		    " entries does not have the checkpoint's root: run "
		    "'auditlog verify --checkpoint'", cp->size);
	if ((rc = buf_add(note, o->checkpoint, o->checkpoint_len)) != 0)
		return al_seterr(l, rc, "out of memory");
	if (cp->size < x->head_seq) {
		x->head_seq = cp->size;
		put_be64(kb, cp->size);
		if ((rc = mdb_get(ts->txn, l->entries, &k, &v)) != 0)
			return al_lmdb_err(l, rc, "read the checkpoint's head");
		entry_hash(v.mv_data, v.mv_size, x->head_hash);
	}
	if (x->f.to_seq > x->head_seq)
		x->f.to_seq = x->head_seq;
	return 0;
}

struct proofw {
	al_log		*l;
	struct mt_src	 src;
	struct scratch	*s;
	struct buf	*b;
};

/* One hash of the multi-leaf proof: a node of a gap, in base64. */
static int
proof_node(void *arg, uint64_t lo, uint64_t hi)
{
	struct proofw	*w = arg;
	uint8_t		 h[AL_HASH_LEN];
	char		 b64[4 * ((AL_HASH_LEN + 2) / 3) + 1];
	int		 rc;

	if ((rc = mt_range(&w->src, lo, hi, h)) != 0)
		return rc;
	al_base64(h, AL_HASH_LEN, b64);
	w->b->n = 0;
	if ((rc = buf_printf(w->b, "%s\n", b64)) != 0)
		return al_seterr(w->l, rc, "out of memory");
	return scratch_add(w->l, w->s, w->b);
}

int
al_export(al_log *l, const struct al_export_opts *o, int fd,
    struct al_export_result *res)
{
	struct bundle	 bd;
	struct exp	 x;
	struct scratch	 jl, csv, den, sum, pf;
	struct buf	 b = { 0 }, note = { 0 }, pb = { 0 };
	struct al_checkpoint cp;
	static const struct tsrc ts0;
	struct tsrc	 ts = ts0;
	struct proofw	 pw;

	uint64_t	 next = 0;
	struct al_entry	 e;
	al_iter		*it = NULL;
	char		 name[128];
	size_t		 i, n;
	const char	*hd;
	int		 rc;

	memset(&bd, 0, sizeof(bd));
	memset(res, 0, sizeof(*res));
	ts.l = l;
	jl.fd = csv.fd = den.fd = sum.fd = pf.fd = -1;
	jl.b.p = csv.b.p = den.b.p = sum.b.p = pf.b.p = NULL;
	jl.z = csv.z = den.z = sum.z = pf.z = NULL;
	bd.l = l;
	bd.o = o;
	if ((rc = exp_init(l, &x, o)) != 0)
		goto done;
	/* Stored tree nodes never change: one snapshot serves the proof. */
	if ((rc = log_read_txn(l, &ts.txn)) != 0 ||
	    (rc = tree_head(l, &x, o, &ts, &cp, &note)) != 0)
		goto done;
	bd.mtime = x.created_ns / 1000000000ULL;
	if ((rc = exp_policies(l, &x)) != 0)
		goto done;
	/* The members are deflated while they are made (gz.h). */
	if ((rc = gz_init(l, &bd.gz, o->level ? o->level : 6)) != 0 ||
	    (rc = scratch_open(l, &jl, o->scratch, &bd.gz)) != 0 ||
	    (rc = scratch_open(l, &csv, o->scratch, &bd.gz)) != 0 ||
	    (rc = scratch_open(l, &den, o->scratch, NULL)) != 0 ||
	    (rc = scratch_open(l, &sum, o->scratch, &bd.gz)) != 0 ||
	    (rc = scratch_open(l, &pf, o->scratch, &bd.gz)) != 0)
		goto done;
	pw.l = l;
	pw.src.get = log_tree_get;
	pw.src.arg = &ts;
	pw.s = &pf;
	pw.b = &pb;
	hd = csv_header(BUNDLE_FORMAT, &n);
	if ((rc = buf_add(&b, hd, n)) != 0 ||
	    (rc = scratch_add(l, &csv, &b)) != 0)
		goto done;
	if ((rc = al_iter_open(l, &x.f, &it)) != 0)
		goto done;
	while ((rc = al_iter_next(it, &e)) == 1) {
		if ((rc = exp_entry(l, &x, &e)) != 0)
			goto done;
		/* The proof: the gap's nodes before this leaf (seq - 1). */
		if ((rc = mt_cover(next, e.seq - 1, cp.size, proof_node,
		    &pw)) != 0)
			goto done;
		next = e.seq;
		b.n = 0;
		if ((rc = entry_json(&b, &e)) != 0 ||
		    (rc = scratch_add(l, &jl, &b)) != 0)
			goto done;
		b.n = 0;
		if ((rc = csv_row(&b, &e, BUNDLE_FORMAT)) != 0 ||
		    (rc = scratch_add(l, &csv, &b)) != 0)
			goto done;
		if (e.kind == AL_KIND_ACCESS && !e.allow) {
			b.n = 0;
			if ((rc = denied_line(&b, &e)) != 0 ||
			    (rc = scratch_add(l, &den, &b)) != 0)
				goto done;
		}
		progress_entries(o, x.n);
	}
	if (rc < 0)
		goto done;
	al_iter_close(it);
	it = NULL;
	if ((rc = mt_cover(next, cp.size, cp.size, proof_node, &pw)) != 0)
		goto done;
	if ((rc = exp_finish(l, &x)) != 0)
		goto done;

	/* The summary: its head, the denied lines, its tail. */
	b.n = 0;
	if ((rc = summary_head(&b, &x)) != 0 ||
	    (rc = scratch_add(l, &sum, &b)) != 0 ||
	    (rc = scratch_flush(l, &den)) != 0)
		goto done;
	if (lseek(den.fd, 0, SEEK_SET) == -1) {
		rc = al_seterr(l, AL_EIO, "scratch file: %s", strerror(errno));
		goto done;
	}
	for (;;) {
		uint8_t	chunk[CHUNK];
		ssize_t	r;

		if ((r = read(den.fd, chunk, sizeof(chunk))) == 0)
			break;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			rc = al_seterr(l, AL_EIO, "scratch file: %s",
			    strerror(errno));
			goto done;
		}
		b.n = 0;
		if ((rc = buf_add(&b, chunk, (size_t)r)) != 0 ||
		    (rc = scratch_add(l, &sum, &b)) != 0)
			goto done;
	}
	b.n = 0;
	if ((rc = summary_tail(&b, &x)) != 0 ||
	    (rc = scratch_add(l, &sum, &b)) != 0)
		goto done;

	/*
	 * Every member is known now: the manifest, which lists their
	 * digests, goes first, so that a checker reads the bundle once;
	 * then the tree head and the proof, which a checker holds while
	 * it reads the entries.
	 */
	{
		uint8_t	sha[AL_HASH_LEN];

		sha256(note.p, note.n, sha);
		if ((rc = add_member(&bd, "checkpoint", note.n, sha)) != 0 ||
		    (rc = scratch_done(l, &pf, sha)) != 0 ||
		    (rc = add_member(&bd, "proof", pf.size, sha)) != 0)
			goto done;
		if (x.fl.seq != 0) {
			floor_member(name, sizeof(name), x.fl.digest);
			sha256(x.fl.text.p, x.fl.text.n, sha);
			if ((rc = add_member(&bd, name, x.fl.text.n,
			    sha)) != 0)
				goto done;
		}
	}
	for (i = 0; i < x.npol; i++) {
		uint8_t	sha[AL_HASH_LEN];

		if (!x.pol[i].first)
			continue;
		policy_member(name, sizeof(name), x.pol[i].e.digest);
		sha256(x.pol[i].e.text.p, x.pol[i].e.text.n, sha);
		if ((rc = add_member(&bd, name, x.pol[i].e.text.n, sha)) != 0)
			goto done;
	}
	{
		struct scratch	*sc[] = { &jl, &csv, &sum };
		const char	*nm[] = { "entries.jsonl", "entries.csv",
				    "summary.txt" };
		uint8_t		 sha[AL_HASH_LEN];

		for (i = 0; i < 3; i++)
			if ((rc = scratch_done(l, sc[i], sha)) != 0 ||
			    (rc = add_member(&bd, nm[i], sc[i]->size,
			    sha)) != 0)
				goto done;
	}
	b.n = 0;
	if ((rc = manifest(&bd, &x, &b)) != 0) {
		rc = al_seterr(l, rc, "write the manifest");
		goto done;
	}
	if ((rc = gz_open(l, &bd.gz, fd)) != 0 ||
	    (rc = emit_mem(&bd, "manifest.json", b.p, b.n)) != 0 ||
	    (rc = emit_mem(&bd, "checkpoint", note.p, note.n)) != 0 ||
	    (rc = emit_scratch(&bd, "proof", &pf)) != 0)
		goto done;
	if (x.fl.seq != 0) {
		floor_member(name, sizeof(name), x.fl.digest);
		if ((rc = emit_mem(&bd, name, x.fl.text.p, x.fl.text.n)) != 0)
			goto done;
	}
	for (i = 0; i < x.npol; i++) {
		if (!x.pol[i].first)
			continue;
		policy_member(name, sizeof(name), x.pol[i].e.digest);
		if ((rc = emit_mem(&bd, name, x.pol[i].e.text.p,
		    x.pol[i].e.text.n)) != 0)
			goto done;
	}
	if ((rc = emit_scratch(&bd, "entries.jsonl", &jl)) != 0 ||
	    (rc = emit_scratch(&bd, "entries.csv", &csv)) != 0 ||
	    (rc = emit_scratch(&bd, "summary.txt", &sum)) != 0 ||
	    (rc = tar_end(l, &bd.gz)) != 0)
		goto done;
	exp_result(&x, res);
done:
	al_iter_close(it);
	scratch_close(&jl);
	scratch_close(&csv);
	scratch_close(&den);
	scratch_close(&sum);
	scratch_close(&pf);
	gz_close(&bd.gz);	/* after the streams that use its threads */
	if (ts.txn != NULL)
		mdb_txn_abort(ts.txn);
	buf_free(&b);
	buf_free(&note);
	buf_free(&pb);
	free(bd.m);
	exp_free(&x);
	return rc;
}

/* The summary alone, as text or JSON; one pass, the denied lines held. */
int
al_report(al_log *l, const struct al_export_opts *o, FILE *fp, int json,
    struct al_export_result *res)
{
	struct exp	 x;
	struct buf	 b = { 0 }, den = { 0 };
	struct al_entry	 e;
	al_iter		*it = NULL;
	int		 rc;

	memset(res, 0, sizeof(*res));
	if ((rc = exp_init(l, &x, o)) != 0)
		goto done;
	x.report = 1;
	if ((rc = exp_policies(l, &x)) != 0 ||
	    (rc = al_iter_open(l, &x.f, &it)) != 0)
		goto done;
	while ((rc = al_iter_next(it, &e)) == 1) {
		if ((rc = exp_entry(l, &x, &e)) != 0)
			goto done;
		if (e.kind == AL_KIND_ACCESS && !e.allow &&
		    (rc = json ? report_denied_json(&den, &e) :
		    denied_line(&den, &e)) != 0)
			goto done;
	}
	if (rc < 0)
		goto done;
	al_iter_close(it);
	it = NULL;
	if ((rc = exp_finish(l, &x)) != 0)
		goto done;
	if (json)
		rc = report_json(&b, &x, &den);
	else if ((rc = summary_head(&b, &x)) == 0 &&
	    (rc = buf_add(&b, den.p, den.n)) == 0)
		rc = summary_tail(&b, &x);
	if (rc != 0) {
		rc = al_seterr(l, rc, "out of memory");
		goto done;
	}
	if (fwrite(b.p, 1, b.n, fp) != b.n) {
		rc = al_seterr(l, AL_EIO, "write the report");
		goto done;
	}
	exp_result(&x, res);
done:
	al_iter_close(it);
	buf_free(&b);
	buf_free(&den);
	exp_free(&x);
	return rc < 0 ? rc : 0;
}
