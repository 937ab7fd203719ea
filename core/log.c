/* log.c - what the log does: open, init, record, check, head, policy, checkpoint */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "store.h"

#define DATA_MDB	"/data.mdb"

extern const char	al_default_policy_text[];
extern const size_t	al_default_policy_len;

const char *
al_default_policy(size_t *len)
{
	if (len != NULL)
		*len = al_default_policy_len;
	return al_default_policy_text;
}


int
al_open(const char *dir, int flags, al_log **out)
{
	struct stat	 st;
	char		 path[PATH_MAX];
	MDB_txn		*txn = NULL;
	MDB_val		 v;
	al_log		*l;
	uint32_t	 ver;
	size_t		 n;
	int		 rc, rc2, held;

	if ((*out = l = store_handle_new(1)) == NULL)
		return AL_ENOMEM;
	l->flags = flags;
	if (!(flags & AL_RDONLY) && (rc = store_ident(l)) != 0)
		return rc;
	/* Not snprintf: in a process that records once, its first call
	 * faults in printf's code, 40-80 us here (bench/RESULTS.md). */
	if ((n = strnlen(dir, sizeof(path))) > sizeof(path) - sizeof(DATA_MDB))
		return al_seterr(l, AL_EINVAL, "%s: path too long", dir);
	memcpy(path, dir, n);
	memcpy(path + n, DATA_MDB, sizeof(DATA_MDB));
	/* Never create a log here: a mistyped path must not split it. */
	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return al_seterr(l, AL_ENOLOG, "no log at %s (create "
			    "one with 'auditlog init')", dir);
		return al_seterr(l, AL_EIO, "%s: %s", path, strerror(errno));
	}
	/* LMDB would take an empty file for a new one, and write to it. */
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return al_seterr(l, AL_ECORRUPT, "%s: the data file is empty "
		    "or not a file: the log is damaged", path);
	if ((rc = store_modes(l, dir, flags & AL_RDONLY)) != 0)
		return rc;
	/* Before LMDB: a writer refused must not touch the files. */
	if (!(flags & AL_RDONLY) && (rc = store_writer_lock(l, dir,
	    st.st_mode, flags & AL_OWNER)) != 0)
		return rc;
	if ((rc = store_guard_open(l, dir, path, flags & AL_RDONLY,
	    &held)) != 0)
		return rc;
	/* The guard's flock is let go whether or not the open succeeded. */
	rc = store_env_open(l, dir, flags & AL_RDONLY, 0);
	rc2 = store_guard_opened(l, (flags & AL_RDONLY) || rc != 0, held);
	if (rc != 0 || (rc = rc2) != 0)
		return rc;
	if ((rc = store_check_size(l, path)) != 0)
		return rc;
	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	if ((rc = store_dbi_open(l, txn, 0)) != 0)
		goto abort;
	if ((rc = store_get_meta(l, txn, META_VERSION, 4, &v)) != 0)
		goto abort;
	l->format = ver = get_be32(v.mv_data);
	/* Format 6 changed entries only: a reader reads 5 as it is. */
	if (ver == AL_FORMAT_VERSION || ver == 5) {
		if ((rc = mdb_dbi_open(txn, "tree", 0, &l->tree)) != 0) {
			rc = rc == MDB_NOTFOUND ? al_seterr(l, AL_ECORRUPT,
			    "the log's tree database is missing") :
			    al_lmdb_err(l, rc, "open databases");
			goto abort;
		}
		if ((rc = mdb_dbi_open(txn, "time", 0, &l->time)) != 0) {
			rc = rc == MDB_NOTFOUND ? al_seterr(l, AL_ECORRUPT,
			    "the log's time index is missing") :
			    al_lmdb_err(l, rc, "open databases");
			goto abort;
		}
		if (ver == AL_FORMAT_VERSION &&
		    (rc = custody_open(l, txn)) != 0)
			goto abort;
	} else if (ver < 1 || ver > AL_FORMAT_VERSION) {
		rc = al_seterr(l, AL_ECORRUPT, "log format version %u is not "
		    "one this program knows (1 to %d)", ver,
		    AL_FORMAT_VERSION);
		goto abort;
	} else if (flags & AL_RDONLY) {
		rc = al_seterr(l, AL_EIO, "the log is in format version %u, "
		    "%s: upgrade it first with 'auditlog upgrade'", ver,
		    ver == 1 ? "without a Merkle tree" : ver == 2 ?
		    "with its customer index keyed by customer alone" :
		    ver == 3 ? "with its customer index in blocks of 4096 "
		    "entries" : "without a time index");
		goto abort;
	}
	/* Committing a read txn keeps the dbi handles for the env's life. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		return al_lmdb_err(l, rc, "open databases");
	if (ver != AL_FORMAT_VERSION && !(flags & AL_RDONLY)) {
		if ((rc = store_write_txn(l, upgrade_in, NULL)) != 0)
			return rc;
		l->format = AL_FORMAT_VERSION;
	}
	return 0;
abort:
	mdb_txn_abort(txn);
	return rc;
}

struct rec {
	const struct al_access	*a;
	struct al_decision	*d;
	size_t			 n;
	int			 write;
	const struct al_ident	*who;	/* NULL: the handle's own */
};

static int
decide_in(al_log *l, MDB_txn *txn, void *arg)
{
	struct rec		*r = arg;
	struct al_entry		 e;
	struct head		 h;
	uint64_t		 pseq;
	size_t			 i;
	int			 rc;

	if ((rc = store_get_head(l, txn, &h)) != 0 ||
	    (rc = store_policy_seq(l, txn, &pseq)) != 0 ||
	    (rc = log_policy_at(l, txn, pseq)) != 0)
		return rc;
	for (i = 0; i < r->n; i++) {
		decide_access(l->floor, l->pc.pol, r->who != NULL ? r->who :
		    &l->id, &r->a[i], &r->d[i]);
		r->d[i].seq = 0;
		if (!r->write)
			continue;
		access_entry(l, &r->a[i], NULL, &r->d[i], &l->pc.entry, &e);
		if ((rc = append_entry(l, txn, &e, &h)) != 0)
			return rc;
		r->d[i].seq = e.seq;
	}
	return r->write && r->n > 0 ? store_head(l, txn, &h) : 0;
}

int
al_log_format(const al_log *l)
{
	return (int)l->format;
}

int
al_record(al_log *l, const struct al_access *a, struct al_decision *d)
{
	return al_record_batch(l, a, 1, d);
}

int
al_record_batch(al_log *l, const struct al_access *a, size_t n,
    struct al_decision *d)
{
	struct rec	r = { a, d, n, 1, NULL };
	char		msg[AL_ERRLEN];
	size_t		i;
	int		rc;

	if (l->flags & AL_RDONLY)
		return al_seterr(l, AL_EINVAL, "the log is open read-only");
	for (i = 0; i < n; i++)
		if ((rc = access_ok(l->err, &a[i])) != 0) {
			if (n > 1) {
				strlcpy(msg, l->err, sizeof(msg));
				al_seterr(l, rc, "access %zu: %s", i + 1, msg);
			}
			return rc;
		}
	if (l->cl != NULL)
		return client_record(l, a, n, d);
	return store_write_txn(l, decide_in, &r);
}

int
al_check(al_log *l, const struct al_access *a, struct al_decision *d)
{
	return al_check_as(l, a, NULL, d);
}

int
al_check_as(al_log *l, const struct al_access *a, const struct al_ident *who,
    struct al_decision *d)
{
	struct rec	 r = { a, d, 1, 0, who };
	MDB_txn		*txn;
	int		 rc;

	if ((rc = access_ok(l->err, a)) != 0)
		return rc;
	/* Through the daemon, the identity is the kernel's, not ours. */
	if (l->cl != NULL)
		return who != NULL ? al_seterr(l, AL_EINVAL, "al_check_as: "
		    "a handle on auditlogd's socket checks as its own "
		    "process") : client_check(l, a, d);
	/* A reader resolves no identity at open: the writer rules need
	 * this process's. */
	if (who == NULL && (l->flags & AL_RDONLY) &&
	    (rc = store_ident(l)) != 0)
		return rc;
	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	rc = decide_in(l, txn, &r);
	mdb_txn_abort(txn);
	return rc;
}

int
al_head(al_log *l, uint64_t *seq, uint8_t hash[AL_HASH_LEN])
{
	struct head	 h;
	MDB_txn		*txn;
	int		 rc;

	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	if ((rc = store_get_head(l, txn, &h)) == 0) {
		*seq = h.seq;
		memcpy(hash, h.hash, AL_HASH_LEN);
	}
	mdb_txn_abort(txn);
	return rc;
}

int
al_policy_check(const char *name, const char *text, size_t len,
    char **errors)
{
	struct buf	 errs = { 0 };
	struct policy	*p;

	if (errors != NULL)
		*errors = NULL;
	if ((p = policy_parse(name, text, len, &errs)) != NULL) {
		policy_free(p);
		buf_free(&errs);
		return 0;
	}
	if (errors != NULL)
		*errors = (char *)errs.p;
	else
		buf_free(&errs);
	return AL_EINVAL;
}

/* Parse a policy for installing: every error goes to the handle. */
int
log_policy_ok(al_log *l, const char *name, const char *text, size_t len)
{
	char	*errs;
	size_t	 n;
	int	 rc;

	if ((rc = access_field_ok(l->err, "policy name", name, 1, AL_MAX_NAME)) != 0)
		return rc;
	if (strchr(name, '/') != NULL)
		return al_seterr(l, AL_EINVAL, "policy name '%s' holds a '/'",
		    name);
	if (al_policy_check(name, text, len, &errs) == 0)
		return 0;
	if (errs == NULL)
		return al_seterr(l, AL_ENOMEM, "out of memory");
	/* The messages end in a newline; the handle's message does not. */
	n = strlen(errs);
	if (n > 0 && errs[n - 1] == '\n')
		errs[n - 1] = '\0';
	rc = al_seterr(l, AL_EINVAL, "%s", errs);
	free(errs);
	return rc;
}

struct pset {
	const char	*name, *text, *actor, *service;
	const struct al_ident *who;	/* NULL: the handle's own */
	size_t		 len;
	uint64_t	 seq;
	int		 init;
	/* init: the floor */
	const char	*fname, *ftext;
	size_t		 flen;
	unsigned	 approvers;
	size_t		 mapsize;
};

static int
policy_in(al_log *l, MDB_txn *txn, void *arg)
{
	struct pset	*ps = arg;
	struct al_entry	 e, f;
	struct head	 h;
	uint64_t	 pseq;
	uint8_t		 ver[4];
	MDB_val		 k, v;
	int		 rc;

	memset(&e, 0, sizeof(e));
	e.kind = AL_KIND_POLICY;
	entry_origin(l, &e, ps->service, ps->who);
	e.actor = str_of(ps->actor);
	e.name = str_of(ps->name);
	e.text.p = ps->text;
	e.text.n = ps->len;
	sha256(ps->text, ps->len, e.digest);
	ps->seq = 0;
	if (ps->init) {
		k.mv_size = strlen(META_VERSION);
		k.mv_data = (void *)(uintptr_t)META_VERSION;
		if ((rc = mdb_get(txn, l->meta, &k, &v)) == 0)
			return al_seterr(l, AL_EEXIST, "a log already exists "
			    "there");
		if (rc != MDB_NOTFOUND)
			return al_lmdb_err(l, rc, "read metadata");
		put_be32(ver, AL_FORMAT_VERSION);
		v.mv_size = 4;
		v.mv_data = ver;
		if ((rc = store_put(l, txn, l->meta, &k, &v, MDB_NOOVERWRITE,
		    "write metadata")) != 0)
			return rc;
		{
			uint8_t	id[16];

			arc4random_buf(id, sizeof(id));
			k.mv_size = strlen(META_LOGID);
			k.mv_data = (void *)(uintptr_t)META_LOGID;
			v.mv_size = sizeof(id);
			v.mv_data = id;
			if ((rc = store_put(l, txn, l->meta, &k, &v, 0,
			    "write metadata")) != 0)
				return rc;
		}
		memset(&h, 0, sizeof(h));
		h.have_edge = 1;	/* the empty tree */
		/* Seq 1: the floor, fixed for the log's life. */
		memset(&f, 0, sizeof(f));
		f.kind = AL_KIND_FLOOR;
		entry_origin(l, &f, ps->service, NULL);
		f.actor = str_of(ps->actor);
		f.name = str_of(ps->fname);
		f.text.p = ps->ftext;
		f.text.n = ps->flen;
		sha256(ps->ftext, ps->flen, f.digest);
		f.approvers = ps->approvers;
		if ((rc = append_entry(l, txn, &f, &h)) != 0 ||
		    (rc = custody_floor(l, &f)) != 0)
			return rc;
	} else {
		if ((rc = store_get_head(l, txn, &h)) != 0 ||
		    (rc = store_policy_seq(l, txn, &pseq)) != 0 ||
		    (rc = log_policy_at(l, txn, pseq)) != 0)
			return rc;
		/* Setting the active policy again changes nothing. */
		if (memcmp(l->pc.entry.digest, e.digest, AL_HASH_LEN) == 0 &&
		    strcmp(l->pc.entry.name.p, ps->name) == 0)
			return 0;
	}
	if ((rc = append_entry(l, txn, &e, &h)) != 0 ||
	    (rc = store_head(l, txn, &h)) != 0)
		return rc;
	ps->seq = e.seq;
	return 0;
}

int
al_policy_set(al_log *l, const char *name, const char *text, size_t len,
    const char *actor, const char *service, uint64_t *seq)
{
	return al_policy_set_as(l, name, text, len, actor, service, NULL, seq);
}

int
al_policy_set_as(al_log *l, const char *name, const char *text, size_t len,
    const char *actor, const char *service, const struct al_ident *who,
    uint64_t *seq)
{
	struct pset	ps = { .name = name, .text = text, .actor = actor,
			    .service = service, .who = who, .len = len };
	int		rc;

	if (l->flags & AL_RDONLY)
		return al_seterr(l, AL_EINVAL, "the log is open read-only");
	if ((rc = access_field_ok(l->err, "actor", actor, 1, AL_MAX_NAME)) != 0 ||
	    (rc = access_field_ok(l->err, "service", service, 0, AL_MAX_NAME)) != 0 ||
	    (rc = log_policy_ok(l, name, text, len)) != 0)
		return rc;
	if (l->cl != NULL)
		return client_policy_set(l, name, text, len, actor, service,
		    seq);
	/* A governed log: a proposal activated at once, when one
	 * administrator may change the policy (custody.c). */
	if (l->floor != NULL) {
		struct al_change	c;
		struct al_change_result	r;

		memset(&c, 0, sizeof(c));
		c.name = name;
		c.text = text;
		c.len = len;
		c.actor = actor;
		c.service = service;
		c.as = who;
		c.set = 1;
		if ((rc = al_policy_propose(l, &c, &r)) != 0)
			return rc;
		*seq = r.active;
		return 0;
	}
	if ((rc = store_write_txn(l, policy_in, &ps)) != 0)
		return rc;
	*seq = ps.seq;
	return 0;
}

int
al_policy_get(al_log *l, struct al_entry *e)
{
	MDB_txn		*txn;
	uint64_t	 pseq;
	int		 rc;

	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	if ((rc = store_policy_seq(l, txn, &pseq)) == 0 &&
	    (rc = log_policy_at(l, txn, pseq)) == 0)
		*e = l->pc.entry;
	mdb_txn_abort(txn);
	return rc;
}

/* Lines for init's policy, an admin or (writer) a writer line for each
 * user name or uid of names[n], under a comment; nothing when n is 0. */
static int
init_lines(al_log *l, struct buf *text, const char *comment, int writer,
    const char *const *names, size_t n)
{
	const char	*what = writer ? "writer" : "admin";
	size_t	i;
	int	rc = 0;

	if (n > 0 && buf_printf(text, "%s", comment) != 0)
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((rc = access_field_ok(l->err, what, names[i], 1,
		    AL_MAX_NAME)) != 0)
			goto done;
		if (strpbrk(names[i], " \t\"{}#") != NULL) {
			rc = al_seterr(l, AL_EINVAL, "%s '%s': a user name or "
			    "uid, without spaces, quotes or braces", what,
			    names[i]);
			goto done;
		}
		if ((writer ? buf_printf(text, "writer user %s service * "
		    "actor *\n", names[i]) : buf_printf(text, "admin user "
		    "%s\n", names[i])) != 0)
			goto nomem;
	}
	goto done;
nomem:
	rc = al_seterr(l, AL_ENOMEM, "out of memory");
done:
	return rc;
}

/*
 * What init installs: the floor, and the policy with the first
 * administrators added ("admin user X" lines, in text), which the floor
 * must allow.
 */
static int
init_args(al_log *l, const struct al_init_opts *o, struct pset *ps,
    struct buf *text)
{
	struct buf	 errs = { 0 };
	struct floor	*f = NULL;
	char		*perr = NULL;
	int		 rc;

	memset(ps, 0, sizeof(*ps));
	ps->init = 1;
	ps->actor = o->actor;
	ps->service = o->service;
	ps->name = o->policy_name ? o->policy_name : "default.policy";
	ps->text = o->policy_text;
	ps->len = o->policy_len;
	if (ps->text == NULL)
		ps->text = al_default_policy(&ps->len);
	ps->fname = o->floor_name ? o->floor_name : "promise.floor";
	ps->ftext = o->floor_text;
	ps->flen = o->floor_len;
	if (ps->ftext == NULL)
		ps->ftext = al_default_floor(&ps->flen);
	ps->approvers = o->approvers ? o->approvers : 2;
	ps->mapsize = o->mapsize;
	if (ps->approvers > GOV_MAX_APPROVERS) {
		rc = al_seterr(l, AL_EINVAL, "--approvers %u: a change needs "
		    "1 to %d administrators", ps->approvers, GOV_MAX_APPROVERS);
		goto done;
	}
	if (o->nadmins > 0 || o->nwriters > 0) {
		if ((rc = buf_add(text, ps->text, ps->len)) != 0 ||
		    (ps->len > 0 && ps->text[ps->len - 1] != '\n' &&
		    (rc = buf_add(text, "\n", 1)) != 0))
			goto nomem;
		if ((rc = init_lines(l, text, "\n# The first administrators, "
		    "named at init.\n", 0, o->admins, o->nadmins)) != 0 ||
		    (rc = init_lines(l, text, "\n# Who made the log may record "
		    "as anyone, as root may.\n", 1, o->writers,
		    o->nwriters)) != 0)
			goto done;
		ps->text = (const char *)text->p;
		ps->len = text->n;
	}
	if ((rc = access_field_ok(l->err, "actor", ps->actor, 1,
	    AL_MAX_NAME)) != 0 ||
	    (rc = access_field_ok(l->err, "service", ps->service, 0,
	    AL_MAX_NAME)) != 0 ||
	    (rc = access_field_ok(l->err, "floor name", ps->fname, 1,
	    AL_MAX_NAME)) != 0 ||
	    (rc = log_policy_ok(l, ps->name, ps->text, ps->len)) != 0)
		goto done;
	if ((f = floor_parse(ps->fname, ps->ftext, ps->flen, &errs)) == NULL) {
		if (errs.n > 0 && errs.p[errs.n - 1] == '\n')
			errs.p[--errs.n] = '\0';
		rc = al_seterr(l, errs.p != NULL ? AL_EINVAL : AL_ENOMEM,
		    "%s", errs.p != NULL ? (char *)errs.p : "out of memory");
		goto done;
	}
	if (floor_check_policy(f, ps->name, ps->text, ps->len, &perr) != 0) {
		rc = al_seterr(l, perr != NULL ? AL_EINVAL : AL_ENOMEM, "%s",
		    perr != NULL ? perr : "out of memory");
		goto done;
	}
	rc = 0;
	goto done;
nomem:
	rc = al_seterr(l, AL_ENOMEM, "out of memory");
done:
	free(perr);
	floor_free(f);
	buf_free(&errs);
	return rc;
}

static int	init_files(al_log *, const char *dir, struct pset *);

int
al_init(const char *dir, const struct al_init_opts *o, al_log **out)
{
	struct pset	 ps;
	struct buf	 text = { 0 };
	al_log		*l;
	int		 rc;

	if ((*out = l = store_handle_new(1)) == NULL)
		return AL_ENOMEM;
	if ((rc = store_ident(l)) != 0)
		return rc;
	l->format = AL_FORMAT_VERSION;
	al_set_clock(l, o->clock, o->clock_arg);
	if ((rc = init_args(l, o, &ps, &text)) == 0)
		rc = init_files(l, dir, &ps);
	buf_free(&text);
	return rc;
}

static int
init_files(al_log *l, const char *dir, struct pset *ps)
{
	struct stat	 st;
	char		 path[PATH_MAX];
	MDB_txn		*txn = NULL;
	int		 rc, n, held, made = 0;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return al_seterr(l, AL_EIO, "mkdir %s: %s", dir,
		    strerror(errno));
	if (lstat(dir, &st) != 0)
		return al_seterr(l, AL_EIO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
		return al_seterr(l, AL_EINVAL, "%s: not a directory", dir);
	/* A link, another user's folder, or one others can write. */
	if ((rc = store_modes(l, dir, 0)) != 0)
		return rc;
	n = snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return al_seterr(l, AL_EINVAL, "%s: path too long", dir);
	if (access(path, F_OK) == 0)
		return al_seterr(l, AL_EEXIST, "%s: a log already exists "
		    "there", dir);
	if (chmod(dir, 0700) != 0)
		return al_seterr(l, AL_EIO, "chmod %s: %s", dir,
		    strerror(errno));
	/* There was no data file: whatever the open makes is ours to
	 * remove if any step after it fails. */
	made = 1;
	if ((rc = store_env_open(l, dir, 0, ps->mapsize ? ps->mapsize :
	    AL_MAPSIZE)) != 0)
		goto fail;
	if ((rc = store_guard_open(l, dir, path, 0, &held)) != 0 ||
	    (rc = store_guard_opened(l, 0, held)) != 0)
		goto fail;
	if ((rc = mdb_txn_begin(l->env, NULL, 0, &txn)) != 0) {
		rc = al_lmdb_err(l, rc, "begin write transaction");
		goto fail;
	}
	rc = store_dbi_open(l, txn, MDB_CREATE);
	if (rc == 0)
		rc = mdb_txn_commit(txn) ? al_seterr(l, AL_EIO,
		    "create databases") : 0;
	else
		mdb_txn_abort(txn);
	if (rc != 0)
		goto fail;
	l->has_custody = 1;
	if ((rc = store_write_txn(l, policy_in, ps)) != 0)
		goto fail;
	if ((rc = store_tighten(l, dir)) != 0)
		goto fail;
	return 0;
fail:
	/* An existing log fails before anything is made: safe to remove. */
	if (made && rc != AL_EEXIST) {
		mdb_env_close(l->env);
		l->env = NULL;
		store_remove_files(dir);
	}
	return rc;
}

/* Checkpoints. */

struct cpt {
	const struct skey	*k;
	const char		*actor;
	struct buf		 note;
	uint64_t		 seq;
};

/*
 * The head of the tree as a checkpoint; signed, it is also appended as a
 * checkpoint entry, in the transaction that read the head, so that every
 * published head is in the log.
 */
static int
checkpoint_in(al_log *l, MDB_txn *txn, void *arg)
{
	struct cpt	*c = arg;
	struct al_entry	 e;
	struct head	 h;
	char		 orig[AL_ORIGIN_MAX];
	int		 rc;

	c->seq = 0;
	if ((rc = store_get_head(l, txn, &h)) != 0 ||
	    (rc = log_get_edge(l, txn, &h.edge)) != 0 ||
	    (rc = log_origin(l, txn, orig, sizeof(orig))) != 0)
		return rc;
	h.have_edge = 1;
	if (h.edge.size != h.seq)
		return al_seterr(l, AL_ECORRUPT, "the tree has %llu leaves "
		    "where the head is seq %llu", (unsigned long long)
		    h.edge.size, (unsigned long long)h.seq);
	memset(&e, 0, sizeof(e));
	e.kind = AL_KIND_CHECKPOINT;
	e.tree_size = h.edge.size;
	mt_root(&h.edge, e.tree_root);
	if ((rc = note_checkpoint(&c->note, orig, e.tree_size, e.tree_root,
	    c->k)) != 0)
		return al_seterr(l, rc, "cannot sign the checkpoint");
	if (c->k == NULL || c->actor == NULL)
		return 0;
	entry_origin(l, &e, NULL, NULL);
	e.actor = str_of(c->actor);
	e.note.p = (const char *)c->note.p;
	e.note.n = c->note.n;
	if ((rc = append_entry(l, txn, &e, &h)) != 0 ||
	    (rc = store_head(l, txn, &h)) != 0)
		return rc;
	c->seq = e.seq;
	return 0;
}

int
al_checkpoint(al_log *l, const char *skey, const char *actor, char **note,
    size_t *len, uint64_t *seq)
{
	struct skey	 k;
	struct cpt	 c;
	MDB_txn		*txn;
	char		 err[256];
	int		 rc;

	*note = NULL;
	*len = 0;
	if (seq != NULL)
		*seq = 0;
	if (l->cl != NULL)
		return client_checkpoint(l, skey, actor, note, len, seq);
	memset(&c, 0, sizeof(c));
	if (skey != NULL) {
		if ((rc = skey_parse(skey, &k, err, sizeof(err))) != 0)
			return al_seterr(l, rc, "%s", err);
		c.k = &k;
		c.actor = actor;
		if (actor != NULL && (rc = access_field_ok(l->err, "actor", actor, 1,
		    AL_MAX_NAME)) != 0)
			goto done;
	}
	if (c.k != NULL && c.actor != NULL) {
		if (l->flags & AL_RDONLY) {
			rc = al_seterr(l, AL_EINVAL, "the log is open "
			    "read-only");
			goto done;
		}
		rc = store_write_txn(l, checkpoint_in, &c);
	} else {
		if ((rc = log_read_txn(l, &txn)) != 0)
			goto done;
		rc = checkpoint_in(l, txn, &c);
		mdb_txn_abort(txn);
	}
	if (rc != 0)
		goto done;
	if ((rc = buf_add(&c.note, "", 1)) != 0) {
		rc = al_seterr(l, rc, "out of memory");
		goto done;
	}
	*note = (char *)c.note.p;
	*len = c.note.n - 1;
	c.note.p = NULL;
	if (seq != NULL)
		*seq = c.seq;
done:
	buf_free(&c.note);
	explicit_bzero(&k, sizeof(k));
	return rc;
}

int
al_log_origin(al_log *l, char *out, size_t len)
{
	MDB_txn	*txn;
	int	 rc;

	if ((rc = log_read_txn(l, &txn)) != 0)
		return rc;
	rc = log_origin(l, txn, out, len);
	mdb_txn_abort(txn);
	return rc;
}
