/* faults.c - every write step failed in turn: the library fails closed */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "auditlog.h"
#include "shim.h"
#include "../tap.h"

/*
 * faults WORKDIR: for each write operation of the library (al_init;
 * al_open then al_record, al_record_batch, al_policy_set, or a batch
 * prepared with al_prep_new and al_prep_add and recorded with
 * al_record_prep, with or without a policy change in between) and each
 * function under it that can fail (LMDB's mdb_env_open, mdb_txn_begin,
 * mdb_get, mdb_put, mdb_txn_commit; libc's open, write, fsync and the
 * like; see shim.c), fail its 1st call, then its 2nd, and so on, until the
 * operation completes without making that many calls: the counts are
 * found, not known, so the test holds as the write path changes.  Each
 * try runs in a child process on a fresh copy of a log; another child,
 * with no fault, then opens the log afresh and checks it.  An injected
 * failure must give an error return with a message, never AL_OK, and
 * leave the log verifying, holding the whole write or none of it (its
 * head unchanged) and still taking a record.  Errors the library is
 * meant to recover from (a full map, a map another process grew) may
 * succeed instead, and then the whole write must be there.  Prints TAP,
 * one line per operation, function and error, then the totals.
 *
 * record_prep_redecide prepares the batch under the template's policy,
 * makes small.policy active, and only then arms the shim: the fault
 * falls in al_record_prep alone, which must decide the batch again.  (A
 * fault in al_open or al_prep_new is record_prep's business, one in
 * al_policy_set policy_set's, and one there would leave nothing to
 * decide again.)  Besides all or nothing, the decisions recorded must
 * be small.policy's; and when al_record_prep failed, a retry of the
 * same batch with no fault must record them: a failure must not leave
 * the batch half decided again.  The only excuse is a handle LMDB has
 * given up on (MDB_PANIC, after a failed write of its meta page), which
 * cannot even read its head: the batch belongs to that handle.
 */

#define MAX_NTH		500	/* calls of one function in one operation */
#define MAX_SECONDS	600	/* the whole run (18 s here, minutes in valgrind) */
#define BATCH		3

enum {
	OP_INIT, OP_RECORD, OP_BATCH, OP_POLICY, OP_PREP, OP_PREP_REDECIDE,
	NOPS
};

static const char *const op_name[NOPS] = {
	"init", "record", "record_batch", "policy_set", "record_prep",
	"record_prep_redecide"
};

struct fault {
	const char	*fn;
	int		 err;
	const char	*err_name;
	int		 may_recover;	/* the library handles this error */
};

static const struct fault faults[] = {
	{ "mdb_env_open",	EIO,		"EIO",		0 },
	{ "mdb_txn_begin",	EIO,		"EIO",		0 },
	{ "mdb_txn_begin",	MDB_MAP_RESIZED, "MDB_MAP_RESIZED", 1 },
	{ "mdb_get",		MDB_CORRUPTED,	"MDB_CORRUPTED", 0 },
	{ "mdb_put",		EIO,		"EIO",		0 },
	{ "mdb_put",		MDB_MAP_FULL,	"MDB_MAP_FULL",	1 },
	{ "mdb_txn_commit",	EIO,		"EIO",		0 },
	{ "mdb_txn_commit",	MDB_MAP_FULL,	"MDB_MAP_FULL",	1 },
	{ "open",		EIO,		"EIO",		0 },
	{ "open",		EACCES,		"EACCES",	0 },
	{ "openat",		EIO,		"EIO",		0 },
	{ "pwrite",		EIO,		"EIO",		0 },
	{ "pwrite",		ENOSPC,		"ENOSPC",	0 },
	{ "pwritev",		EIO,		"EIO",		0 },
	{ "write",		ENOSPC,		"ENOSPC",	0 },
	{ "writev",		EIO,		"EIO",		0 },
	{ "writev",		ENOSPC,		"ENOSPC",	0 },
	{ "ftruncate",		EIO,		"EIO",		0 },
	{ "fsync",		EIO,		"EIO",		0 },
	{ "fdatasync",		EIO,		"EIO",		0 },
	{ "msync",		EIO,		"EIO",		0 },
	{ "mkdir",		EIO,		"EIO",		0 },
	{ "chmod",		EIO,		"EIO",		0 },
};
#define NFAULTS	(sizeof(faults) / sizeof(faults[0]))

/*
 * The steps of a write the issue names, which every operation must make;
 * those of al_open's alone (at_open) are not made by an operation armed
 * only around its commit (record_prep_redecide).
 */
static const struct {
	const char	*fn;
	int		 at_open;
} steps[] = {
	{ "mdb_env_open", 1 }, { "mdb_txn_begin", 0 }, { "mdb_put", 0 },
	{ "mdb_txn_commit", 0 }, { "open", 1 }, { "pwrite", 0 },
	{ "fdatasync", 0 }
};
#define NSTEPS	(sizeof(steps) / sizeof(steps[0]))

/* What an operation did, from its child. */
struct outcome {
	int	rc;
	int	fired;
	long	calls;
	char	msg[256];
	/* record_prep_redecide */
	uint64_t mid_seq;		/* the head with small.policy active */
	uint8_t	mid_hash[AL_HASH_LEN];
	int	head_rc;		/* al_head after a failure */
	int	retry_rc;		/* the retry after a failure */
	char	bad[256];		/* what the child saw go wrong */
};

/* What the log holds afterwards, from another child. */
struct state {
	int	exists;		/* a log is there */
	int	open_rc;
	uint64_t problems;
	uint64_t seq;
	uint8_t	hash[AL_HASH_LEN];
	int	usable;		/* it took one more record (or a new init) */
	char	why[256];
	char	wrong[256];	/* a recorded decision not the policy's */
};

struct totals {
	long	injected, errors, recovered, silent, damaged, unusable;
	long	leftover;	/* the known bug of a failed init */
	/* record_prep_redecide: failures retried, of them on a dead handle,
	 * tries with a decision not small.policy's or a failed retry */
	long	retried, dead, wrong;
};

static char		 work[PATH_MAX - 64], tmpl[PATH_MAX], logdir[PATH_MAX];
/* One of the floor's purposes, so that the floor lets it in. */
static const char	 small_policy[] = "purpose support-ticket "
			    "\"a small policy\"\ngroup g \"dave\"\n"
			    "allow g purpose support-ticket action read\n";

static const struct al_access accesses[BATCH] = {
	{ "svc:billing", "acme", "service-provision", "read", "billing",
	    "invoices/2026-11", NULL, NULL, "faults" },
	{ "svc:ads", "acme", "marketing", "sell", NULL, NULL, NULL, NULL,
	    "faults" },
	{ "alice", "initech", "support-ticket", "read", "contact", NULL,
	    "SUP-4711", "asked", "faults" },
};


static int
copy_file(const char *from, const char *to)
{
	char	buf[65536];
	ssize_t	r, w, off;
	int	in = -1, out = -1, rc = -1;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		goto done;
	while ((r = read(in, buf, sizeof(buf))) != 0) {
		if (r == -1)
			goto done;
		for (off = 0; off < r; off += w)
			if ((w = write(out, buf + off, (size_t)(r - off))) <= 0)
				goto done;
	}
	rc = 0;
done:
	if (in != -1)
		close(in);
	if (out != -1 && close(out) != 0)
		rc = -1;
	return rc;
}

static int
path(char *out, const char *dir, const char *name)
{
	int	n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

/* Empty the log folder (the library makes only these three files). */
static int
clear_log(void)
{
	char	p[PATH_MAX];

	if (path(p, logdir, "data.mdb") != 0 ||
	    (unlink(p) != 0 && errno != ENOENT) ||
	    path(p, logdir, "lock.mdb") != 0 ||
	    (unlink(p) != 0 && errno != ENOENT) ||
	    path(p, logdir, "writer.lock") != 0 ||
	    (unlink(p) != 0 && errno != ENOENT) ||
	    (rmdir(logdir) != 0 && errno != ENOENT))
		return -1;
	return 0;
}

/* A fresh copy of the template log, or no log for init. */
static int
fresh(int op)
{
	char	from[PATH_MAX], to[PATH_MAX];

	if (clear_log() != 0)
		return -1;
	if (op == OP_INIT)
		return 0;
	if (mkdir(logdir, 0700) != 0 ||
	    path(from, tmpl, "data.mdb") != 0 ||
	    path(to, logdir, "data.mdb") != 0 ||
	    copy_file(from, to) != 0)
		return -1;
	return 0;
}

struct op_arg {
	int			 op;
	const struct fault	*f;
	long			 nth;
};

/* Prepare the batch in *p; a failed al_prep_add's message goes to o. */
static int
prep(al_log *l, al_prep **p, struct outcome *o)
{
	size_t	i;
	int	rc;

	if ((rc = al_prep_new(l, p)) != 0)
		return rc;
	for (i = 0; i < BATCH; i++)
		if ((rc = al_prep_add(*p, &accesses[i])) != 0) {
			snprintf(o->msg, sizeof(o->msg), "access %zu: %s",
			    i + 1, al_prep_errmsg(*p));
			return rc;
		}
	return 0;
}

/*
 * record_prep_redecide (see the top): returns the first al_record_prep's
 * result; what went wrong besides goes to o->bad.
 */
static int
redecide(const struct op_arg *a, al_log *l, struct outcome *o)
{
	struct al_decision	 d[BATCH], old[BATCH], want[BATCH];
	uint8_t			 hash[AL_HASH_LEN];
	uint64_t		 seq;
	al_prep			*p = NULL;
	size_t			 i, differ = 0;
	int			 rc;

	if ((rc = prep(l, &p, o)) != 0)
		goto done;
	for (i = 0; i < BATCH; i++)
		if ((rc = al_check(l, &accesses[i], &old[i])) != 0)
			goto done;
	if ((rc = al_policy_set(l, "small.policy", small_policy,
	    sizeof(small_policy) - 1, "carol", "faults", &seq)) != 0 ||
	    (rc = al_head(l, &o->mid_seq, o->mid_hash)) != 0)
		goto done;
	for (i = 0; i < BATCH; i++) {
		if ((rc = al_check(l, &accesses[i], &want[i])) != 0)
			goto done;
		if (want[i].allow != old[i].allow ||
		    want[i].code != old[i].code)
			differ++;
	}
	if (differ == 0) {
		snprintf(o->bad, sizeof(o->bad), "small.policy decides the "
		    "batch as the template's policy does: nothing to decide "
		    "again");
		goto done;
	}
	fault_arm(a->f->fn, a->nth, a->f->err);
	rc = al_record_prep(l, p, d);
	fault_disarm();
	if (rc != 0) {
		snprintf(o->msg, sizeof(o->msg), "%s", al_errmsg(l));
		if ((o->head_rc = al_head(l, &seq, hash)) == 0 &&
		    (seq != o->mid_seq ||
		    memcmp(hash, o->mid_hash, AL_HASH_LEN) != 0))
			snprintf(o->bad, sizeof(o->bad), "failed, yet the head "
			    "went from seq %" PRIu64 " to %" PRIu64,
			    o->mid_seq, seq);
		else if (o->head_rc != 0 &&
		    strstr(al_errmsg(l), "MDB_PANIC") == NULL)
			snprintf(o->bad, sizeof(o->bad), "after the failure, "
			    "head: %s", al_errmsg(l));
		if ((o->retry_rc = al_record_prep(l, p, d)) != 0) {
			if (o->head_rc == 0 && o->bad[0] == '\0')
				snprintf(o->bad, sizeof(o->bad), "the retry "
				    "failed: %s", al_errmsg(l));
			goto done;
		}
	}
	for (i = 0; i < BATCH && o->bad[0] == '\0'; i++)
		if (d[i].allow != want[i].allow || d[i].code != want[i].code ||
		    d[i].seq != o->mid_seq + 1 + i)
			snprintf(o->bad, sizeof(o->bad), "%saccess %zu: %s %s "
			    "at seq %" PRIu64 ", where small.policy gives %s "
			    "%s at seq %" PRIu64, rc != 0 ? "the retry: " : "",
			    i + 1, d[i].allow ? "allow" : "deny",
			    al_code_name(d[i].code), d[i].seq,
			    want[i].allow ? "allow" : "deny",
			    al_code_name(want[i].code), o->mid_seq + 1 + i);
done:
	al_prep_free(p);
	return rc;
}

/*
 * The operation, with the shim armed from its start (record_prep_redecide
 * arms it itself).
 */
static int
do_op(const struct op_arg *a, al_log **l, struct outcome *o)
{
	struct al_init_opts	 io;
	struct al_decision	 d[BATCH];
	al_prep			*p = NULL;
	uint64_t		 seq;
	int			 rc;

	if (a->op != OP_PREP_REDECIDE)
		fault_arm(a->f->fn, a->nth, a->f->err);
	if (a->op == OP_INIT) {
		memset(&io, 0, sizeof(io));
		io.actor = "faults";
		return al_init(logdir, &io, l);
	}
	if ((rc = al_open(logdir, 0, l)) != 0)
		return rc;
	switch (a->op) {
	case OP_RECORD:
		rc = al_record(*l, &accesses[0], &d[0]);
		break;
	case OP_BATCH:
		rc = al_record_batch(*l, accesses, BATCH, d);
		break;
	case OP_POLICY:
		rc = al_policy_set(*l, "small.policy", small_policy,
		    sizeof(small_policy) - 1, "carol", "faults", &seq);
		break;
	case OP_PREP:
		if ((rc = prep(*l, &p, o)) == 0)
			rc = al_record_prep(*l, p, d);
		al_prep_free(p);
		break;
	default:
		rc = redecide(a, *l, o);
		break;
	}
	return rc;
}

/* Run fn in a child process, which sends back size bytes of *out. */
static int
in_child(void (*fn)(void *, const void *), const void *arg, void *out,
    size_t size)
{
	pid_t	pid = -1;
	ssize_t	r;
	size_t	got = 0;
	int	p[2] = { -1, -1 }, status, rc = -1;

	if (pipe(p) != 0 || (pid = fork()) == -1)
		goto done;
	if (pid == 0) {
		close(p[0]);
		memset(out, 0, size);
		fn(out, arg);
		while (got < size) {
			if ((r = write(p[1], (char *)out + got,
			    size - got)) <= 0)
				_exit(1);
			got += (size_t)r;
		}
		_exit(0);
	}
	close(p[1]);
	p[1] = -1;
	while (got < size && (r = read(p[0], (char *)out + got,
	    size - got)) > 0)
		got += (size_t)r;
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0 && got == size)
		rc = 0;
done:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	return rc;
}

static void
op_child(void *out, const void *arg)
{
	const struct op_arg	*a = arg;
	struct outcome		*o = out;
	al_log			*l = NULL;

	o->rc = do_op(a, &l, o);
	o->calls = fault_disarm();
	o->fired = fault_fired();
	if (l != NULL && o->msg[0] == '\0')
		snprintf(o->msg, sizeof(o->msg), "%s", al_errmsg(l));
	al_close(l);
}

/*
 * The batch at seqs from ... holds the accesses, each with the decision
 * of the active policy and naming it; what is not goes to wrong.
 */
static void
recorded(al_log *l, uint64_t from, char *wrong, size_t len)
{
	struct al_filter	 f;
	struct al_entry		 e, pol;
	struct al_decision	 want;
	al_iter			*it = NULL;
	size_t			 i;
	int			 rc = 0;

	memset(&f, 0, sizeof(f));
	f.from_seq = from;
	if (al_policy_get(l, &pol) != 0 || al_iter_open(l, &f, &it) != 0) {
		snprintf(wrong, len, "read the batch: %s", al_errmsg(l));
		goto done;
	}
	for (i = 0; i < BATCH; i++) {
		if ((rc = al_iter_next(it, &e)) != 1) {
			snprintf(wrong, len, "seq %" PRIu64 ": %s", from + i,
			    rc == 0 ? "not there" : al_errmsg(l));
			break;
		}
		if (e.seq != from + i || e.kind != AL_KIND_ACCESS ||
		    e.actor.n != strlen(accesses[i].actor) ||
		    memcmp(e.actor.p, accesses[i].actor, e.actor.n) != 0) {
			snprintf(wrong, len, "seq %" PRIu64 " is not access "
			    "%zu of the batch", e.seq, i + 1);
			break;
		}
		if (al_check(l, &accesses[i], &want) != 0) {
			snprintf(wrong, len, "check: %s", al_errmsg(l));
			break;
		}
		if (e.allow != want.allow || e.code != (int)want.code ||
		    memcmp(e.policy, pol.digest, AL_HASH_LEN) != 0) {
			snprintf(wrong, len, "seq %" PRIu64 ": %s %s under "
			    "%s, where the active policy gives %s %s", e.seq,
			    e.allow ? "allow" : "deny", al_code_name(e.code),
			    memcmp(e.policy, pol.digest, AL_HASH_LEN) != 0 ?
			    "another policy" : "it",
			    want.allow ? "allow" : "deny",
			    al_code_name(want.code));
			break;
		}
	}
done:
	al_iter_close(it);
}

/* arg: when not NULL, the seq from which recorded() checks the batch. */
static void
state_child(void *out, const void *arg)
{
	const uint64_t		*batch = arg;
	struct state		*s = out;
	struct al_verify_summary vs;
	struct al_verify_opts	 vo;
	struct al_init_opts	 io;
	struct al_decision	 d;
	al_log			*l = NULL;

	(void)arg;
	s->open_rc = al_open(logdir, AL_RDONLY, &l);
	if (s->open_rc == AL_ENOLOG) {
		al_close(l);
		/* No log: init must work there now. */
		memset(&io, 0, sizeof(io));
		io.actor = "faults";
		l = NULL;
		s->usable = al_init(logdir, &io, &l) == 0;
		if (!s->usable)
			snprintf(s->why, sizeof(s->why), "init after: %s",
			    l ? al_errmsg(l) : "out of memory");
		goto done;
	}
	s->exists = 1;
	if (s->open_rc != 0) {
		snprintf(s->why, sizeof(s->why), "open: %s", al_errmsg(l));
		goto done;
	}
	memset(&vo, 0, sizeof(vo));
	if (al_verify(l, &vo, &vs) != 0) {
		s->problems = 1;
		snprintf(s->why, sizeof(s->why), "verify: %s", al_errmsg(l));
	} else if ((s->problems = vs.problems) != 0)
		snprintf(s->why, sizeof(s->why), "verify found %" PRIu64
		    " problems", vs.problems);
	if (al_head(l, &s->seq, s->hash) != 0)
		snprintf(s->why, sizeof(s->why), "head: %s", al_errmsg(l));
	if (batch != NULL)
		recorded(l, *batch, s->wrong, sizeof(s->wrong));
	al_close(l);
	l = NULL;
	/* Still a log one can write to. */
	if (al_open(logdir, 0, &l) == 0 &&
	    al_record(l, &accesses[2], &d) == 0 && d.seq == s->seq + 1)
		s->usable = 1;
	else if (s->why[0] == '\0')
		snprintf(s->why, sizeof(s->why), "record after: %s",
		    l ? al_errmsg(l) : "out of memory");
done:
	al_close(l);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How many entries an operation adds when it succeeds. */
static uint64_t
adds(int op)
{
	return op == OP_BATCH || op == OP_PREP || op == OP_PREP_REDECIDE ?
	    BATCH : op == OP_INIT ? 0 : op == OP_POLICY ? 2 : 1;
}

/*
 * One operation and one fault, at every call in turn.  Returns -1 when
 * out of time; the row is printed either way.
 */
static int
row(int op, const struct fault *f, const struct state *before,
    struct totals *t, double deadline, long *calls)
{
	struct op_arg	 a = { op, f, 0 };
	struct outcome	 o;
	struct state	 s;
	struct totals	 r;
	const uint8_t	*base_hash;
	/* small.policy's proposal and activation, then the batch */
	uint64_t	 base_seq, batch = before->seq + 3;
	char		 bad[512], known[300], retry[128] = "";
	int		 ok_end = 0, rc = 0, redo = op == OP_PREP_REDECIDE;
	int		 written;

	memset(&r, 0, sizeof(r));
	bad[0] = known[0] = '\0';
	for (a.nth = 1; a.nth <= MAX_NTH; a.nth++) {
		if (now() > deadline) {
			snprintf(bad, sizeof(bad), "out of time at call %ld",
			    a.nth);
			rc = -1;
			break;
		}
		/*
		 * record_prep_redecide: the batch goes in after the policy
		 * change, which is the head a failure must leave alone; a
		 * failure is retried, and the batch is there if either went.
		 */
		if (fresh(op) != 0 ||
		    in_child(op_child, &a, &o, sizeof(o)) != 0 ||
		    in_child(state_child, redo && (o.rc == 0 ||
		    o.retry_rc == 0) ? &batch : NULL, &s, sizeof(s)) != 0) {
			snprintf(bad, sizeof(bad), "call %ld: a child died or "
			    "the copy failed", a.nth);
			break;
		}
		if (o.fired) {
			r.injected++;
			if (o.rc != 0 && o.msg[0] != '\0')
				r.errors++;
			else if (o.rc == 0 && f->may_recover)
				r.recovered++;
			else {
				r.silent++;
				if (bad[0] == '\0')
					snprintf(bad, sizeof(bad), "call %ld: "
					    "%s", a.nth, o.rc == 0 ?
					    "returned AL_OK" :
					    "an error with no message");
			}
		} else if (o.rc != 0) {
			snprintf(bad, sizeof(bad), "call %ld: failed with no "
			    "fault: %s", a.nth, o.msg);
			break;
		}
		written = o.rc == 0 || (redo && o.retry_rc == 0);
		base_seq = redo ? o.mid_seq : before->seq;
		base_hash = redo ? o.mid_hash : before->hash;
		if (redo && o.rc != 0) {
			r.retried++;
			if (o.retry_rc != 0 && o.head_rc != 0)
				r.dead++;
		}
		if (redo && (o.bad[0] != '\0' || s.wrong[0] != '\0' ||
		    o.mid_seq != before->seq + 2)) {
			r.wrong++;
			if (bad[0] == '\0')
				snprintf(bad, sizeof(bad), "call %ld (rc %d, "
				    "retry %d): %s", a.nth, o.rc, o.retry_rc,
				    o.bad[0] ? o.bad : s.wrong[0] ? s.wrong :
				    "the policy change is not at the head");
		}
		/*
		 * A failed init must leave no data file behind (it once did
		 * when mdb_env_open failed after making the files): such a
		 * folder holds no log, and init refuses it.
		 */
		if (op == OP_INIT && o.rc != 0 && s.exists) {
			r.leftover++;
			r.damaged++;
			if (known[0] == '\0')
				snprintf(known, sizeof(known), "call %ld: %s",
				    a.nth, s.why);
		} else if (op == OP_INIT ? (o.rc == 0) != s.exists ||
		    /* init writes the floor (seq 1) and the policy */
		    (s.exists && (s.seq != 2 || s.problems)) :
		    !s.exists || s.problems || s.seq != base_seq +
		    (written ? adds(op) : 0) || (!written &&
		    memcmp(s.hash, base_hash, AL_HASH_LEN) != 0)) {
			r.damaged++;
			if (bad[0] == '\0')
				snprintf(bad, sizeof(bad), "call %ld (rc %d): "
				    "log %s, seq %" PRIu64 ", %s", a.nth,
				    o.rc, s.exists ? "there" : "absent",
				    s.seq, s.why);
		}
		if (!s.usable && !(op == OP_INIT && o.rc != 0 && s.exists)) {
			r.unusable++;
			if (bad[0] == '\0')
				snprintf(bad, sizeof(bad), "call %ld: %s",
				    a.nth, s.why);
		}
		if (!o.fired) {
			ok_end = 1;
			break;
		}
	}
	if (!ok_end && bad[0] == '\0')
		snprintf(bad, sizeof(bad), "still calling after %d", MAX_NTH);
	if (redo)
		snprintf(retry, sizeof(retry), ", %ld retried (%ld on a handle "
		    "LMDB gave up on), %ld wrong", r.retried, r.dead, r.wrong);
	check(ok_end && bad[0] == '\0' && r.leftover == 0, "%s: %s %s: %ld "
	    "calls, %ld failed: "
	    "%ld errors, %ld recovered, %ld silent, %ld damaged, %ld "
	    "unusable%s%s%s%s%s", op_name[op], f->fn, f->err_name, a.nth - 1,
	    r.injected, r.errors, r.recovered, r.silent, r.damaged,
	    r.unusable, retry, bad[0] ? "; " : "", bad, known[0] ? "; a "
	    "failed init left a data file that is no log, " : "", known);
	*calls = a.nth - 1;
	t->injected += r.injected;
	t->errors += r.errors;
	t->recovered += r.recovered;
	t->silent += r.silent;
	t->damaged += r.damaged;
	t->unusable += r.unusable;
	t->leftover += r.leftover;
	t->retried += r.retried;
	t->dead += r.dead;
	t->wrong += r.wrong;
	return rc;
}

/*
 * The template: a single-person log (a policy change needs one
 * administrator, so al_policy_set works) with its floor, its policy and
 * two accesses.
 */
static int
make_template(void)
{
	struct al_init_opts	 o;
	struct al_decision	 d;
	al_log			*l = NULL;
	int			 rc;

	memset(&o, 0, sizeof(o));
	o.actor = "faults";
	o.approvers = 1;
	if ((rc = al_init(tmpl, &o, &l)) == 0) {
		al_close(l);
		l = NULL;
		if ((rc = al_open(tmpl, 0, &l)) == 0 &&
		    (rc = al_record(l, &accesses[0], &d)) == 0)
			rc = al_record(l, &accesses[1], &d);
	}
	if (rc != 0)
		fprintf(stderr, "faults: template: %s\n",
		    l ? al_errmsg(l) : "out of memory");
	al_close(l);
	return rc;
}

int
main(int argc, char **argv)
{
	struct totals	t;
	struct state	before;
	double		start = now(), deadline = start + MAX_SECONDS;
	size_t		i, k;
	long		calls;
	int		op, status = 1, reached[NSTEPS];

	memset(&t, 0, sizeof(t));
	if (argc != 2 || strlen(argv[1]) >= sizeof(work)) {
		fprintf(stderr, "usage: faults WORKDIR\n");
		return 2;
	}
	memcpy(work, argv[1], strlen(argv[1]) + 1);
	if (path(tmpl, work, "template") != 0 ||
	    path(logdir, work, "log") != 0 || make_template() != 0)
		goto done;
	/* The head every failed write must leave alone. */
	if (fresh(OP_RECORD) != 0 ||
	    in_child(state_child, NULL, &before, sizeof(before)) != 0) {
		check(0, "the template log could be copied and read");
		goto done;
	}
	check(before.exists && before.problems == 0 && before.seq == 4 &&
	    before.usable, "the template log verifies with 4 entries, and "
	    "takes a record");
	for (op = 0; op < NOPS; op++) {
		memset(reached, 0, sizeof(reached));
		for (i = 0; i < NFAULTS; i++) {
			if (row(op, &faults[i], &before, &t, deadline,
			    &calls) != 0)
				goto out;
			for (k = 0; k < NSTEPS; k++)
				if (strcmp(faults[i].fn, steps[k].fn) == 0 &&
				    calls > 0)
					reached[k] = 1;
		}
		/* Else the shim is not in the way, and proves nothing. */
		for (k = 0; k < NSTEPS; k++)
			if (!reached[k] && !(op == OP_PREP_REDECIDE &&
			    steps[k].at_open))
				check(0, "%s: no call of %s was seen",
				    op_name[op], steps[k].fn);
	}
out:
	check(t.retried > 0 && t.wrong == 0, "%s: %ld failures retried on "
	    "the same batch with no fault, %ld on a handle LMDB gave up on; "
	    "%ld tries with a decision not the new policy's or a failed "
	    "retry", op_name[OP_PREP_REDECIDE], t.retried, t.dead, t.wrong);
	check(t.silent == 0 && t.damaged == 0 && t.unusable == 0 &&
	    t.wrong == 0 && t.injected > 0, "%ld injected failures across "
	    "%zu functions and errors, %d operations: %ld error returns, %ld recovered, %ld "
	    "silent successes, %ld damaged logs, %ld unusable logs, in %.0f s"
	    "%s", t.injected, NFAULTS, NOPS, t.errors, t.recovered, t.silent,
	    t.damaged, t.unusable, now() - start, t.leftover ?
	    " (failed inits that left a data file count as damaged)" : "");
	status = 0;
done:
	printf("1..%d\n", ntests);
	return status != 0 || nfailed != 0;
}
