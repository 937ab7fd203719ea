/* auditlog.h - public interface of libauditlog, the tamper-evident access log */
#ifndef AUDITLOG_H
#define AUDITLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AL_VERSION		"0.1.0"
#define AL_FORMAT_VERSION	6	/* of the log as a whole: docs/FORMAT.md */
#define AL_HASH_LEN		32	/* SHA-256 */

/*
 * Return codes.  Every function that can fail returns 0 or one of these;
 * the handle (where there is one) then holds a message for al_errmsg().
 */
#define AL_OK		0
#define AL_EINVAL	(-1)	/* invalid input: a field, a flag, a policy */
#define AL_ENOLOG	(-2)	/* no log at that directory */
#define AL_EEXIST	(-3)	/* init: a log is already there */
#define AL_EIO		(-4)	/* storage failed; nothing was recorded */
#define AL_ECORRUPT	(-5)	/* the log is damaged beyond reading */
#define AL_ENOMEM	(-6)
#define AL_EPERM	(-7)	/* unsafe modes or ownership */
#define AL_EREFUSED	(-8)	/* refused: below the floor, or a policy change
				   the chain of custody does not allow */

/* Entry kinds (the "kind" byte of the encoding). */
#define AL_KIND_ACCESS	1
#define AL_KIND_POLICY	2
#define AL_KIND_CHECKPOINT 3	/* a published tree head (format version 2) */
/* Entry version 3 (log format 6): the floor and the chain of custody. */
#define AL_KIND_FLOOR	4	/* the promise, fixed at init */
#define AL_KIND_PROPOSAL 5	/* a policy proposed */
#define AL_KIND_APPROVAL 6	/* ...approved by another administrator */
#define AL_KIND_REJECTION 7	/* ...rejected */

/* Why an access was denied; 0 when it was allowed. */
enum al_code {
	AL_ALLOWED = 0,
	AL_DENY_RULE,		/* a deny rule matched */
	AL_UNKNOWN_PURPOSE,	/* the purpose is not declared */
	AL_MISSING_REF,		/* the purpose needs --ref */
	AL_MALFORMED_REF,	/* --ref does not match the purpose's pattern */
	AL_ACTOR_NOT_ALLOWED,	/* no allow rule for this purpose names the actor */
	AL_ACTION_NOT_ALLOWED,	/* ...or the action */
	AL_DATA_NOT_ALLOWED,	/* ...or the data category */
	AL_WRITER_NOT_ALLOWED,	/* the writer may not claim that service or actor */
	AL_FLOOR,		/* the floor forbids it, whatever the policy says */
	AL_NCODES
};

/* Documented maximum lengths in bytes (docs/FORMAT.md, auditlog(1)). */
#define AL_MAX_NAME	256	/* actor, customer, service, ref */
#define AL_MAX_WORD	64	/* purpose, action, data */
#define AL_MAX_TEXT	1024	/* resource, reason */
#define AL_MAX_POLICY	(1024 * 1024)

typedef struct al_log al_log;
struct al_checkpoint;
typedef struct al_iter al_iter;
typedef struct al_prep al_prep;

/* A length-delimited string.  p is also NUL-terminated for convenience. */
struct al_str {
	const char	*p;
	size_t		 n;
};

/* One access, as a caller describes it.  NULL or "" means not given. */
struct al_access {
	const char	*actor;		/* required */
	const char	*customer;	/* required */
	const char	*purpose;	/* required */
	const char	*action;	/* required */
	const char	*data;		/* default "customer-data" */
	const char	*resource;
	const char	*ref;
	const char	*reason;
	const char	*service;	/* the origin's service name */
};

/* The outcome of al_record() and al_check(). */
struct al_decision {
	int		allow;		/* 1 allow, 0 deny */
	enum al_code	code;
	char		rule[320];	/* "file:line" of the deciding rule, or "" */
	char		detail[1024];	/* why it was denied, or "" */
	uint64_t	seq;		/* al_record(): the new entry */
};

/*
 * Who asked for an entry: the identity facts a decision uses (writer and
 * admin rules), recorded in every entry of version 3 so that verify
 * re-derives the decision from the entry alone.  attested: the pid, uid
 * and gid were taken from the kernel by the log's owner (SO_PEERCRED);
 * else they are the writing process's own.  user: the uid's name when it
 * was written ("" when it has none); the groups (the primary one too)
 * sorted by gid, at most AL_MAX_GROUPS, each with its name or "".
 */
#define AL_MAX_GROUPS		32
#define AL_MAX_GROUPNAME	64
struct al_ident {
	uint32_t	pid, uid, gid;
	int		attested;
	char		user[AL_MAX_NAME + 1];
	size_t		ngroups;
	uint32_t	gids[AL_MAX_GROUPS];
	char		gname[AL_MAX_GROUPS][AL_MAX_GROUPNAME + 1];
};
/* Fill id from the system's user and group databases. */
int		 al_ident_resolve(struct al_ident *id, uint32_t pid,
		    uint32_t uid, uint32_t gid, int attested);
/*
 * The same through a cache, for a process that resolves many (auditlogd,
 * once a connection): an answer is kept by uid and gid for at most one
 * second.  al_ident_cache_check looks at /etc/passwd, /etc/group and
 * /etc/nsswitch.conf (device, inode, size, mtime, ctime) and forgets
 * every answer when one changed: the look-ups after it see every change
 * to those files made before it.  One thread at a time; new returns NULL
 * when out of memory.
 */
typedef struct al_ident_cache al_ident_cache;
al_ident_cache	*al_ident_cache_new(void);
void		 al_ident_cache_free(al_ident_cache *);
void		 al_ident_cache_check(al_ident_cache *);
int		 al_ident_cache_resolve(al_ident_cache *, struct al_ident *id,
		    uint32_t pid, uint32_t uid, uint32_t gid, int attested);

/* A decoded entry; the strings live until the next al_iter_next(). */
struct al_entry {
	uint64_t	seq;
	int		kind;
	uint64_t	time_ns;	/* nanoseconds since the epoch, UTC */
	uint8_t		prev[AL_HASH_LEN];
	uint8_t		hash[AL_HASH_LEN];
	int		version;	/* the encoding's: 1, 2 or 3 */
	struct al_str	service, host;
	uint32_t	pid, uid;
	/* version 3: the rest of the writer's identity (struct al_ident) */
	uint32_t	gid;
	int		attested;
	struct al_str	user;
	size_t		ngroups;
	uint32_t	gids[AL_MAX_GROUPS];
	struct al_str	gname[AL_MAX_GROUPS];
	struct al_str	actor;
	/* AL_KIND_ACCESS */
	struct al_str	customer, data, action, resource, purpose, ref, reason;
	int		allow;
	int		code;
	struct al_str	rule, detail;
	uint8_t		policy[AL_HASH_LEN];	/* digest of the deciding policy */
	/* AL_KIND_POLICY, AL_KIND_FLOOR, AL_KIND_PROPOSAL (name, text,
	 * digest); AL_KIND_APPROVAL, AL_KIND_REJECTION (digest) */
	struct al_str	name, text;
	uint8_t		digest[AL_HASH_LEN];
	unsigned	approvers;	/* AL_KIND_FLOOR: 1..9 */
	uint64_t	expires_ns;	/* AL_KIND_PROPOSAL */
	/* AL_KIND_CHECKPOINT: the tree head it published, and the note */
	uint64_t	tree_size;
	uint8_t		tree_root[AL_HASH_LEN];
	struct al_str	note;
};

/* Filters for al_iter_open(); zero or NULL fields do not filter. */
struct al_filter {
	const char	*customer;
	const char	*actor;
	const char	*purpose;
	int		 decision;	/* 0 any, 1 allowed accesses, 2 denied */
	uint64_t	 since_ns;	/* time >= since_ns */
	uint64_t	 until_ns;	/* time < until_ns, when not 0 */
	uint64_t	 from_seq, to_seq;
	/* Access entries only; an entry of another kind never matches one.
	   Not carried in an export bundle: al_export and al_report refuse
	   them (AL_EINVAL). */
	const char	*ref;
	const char	*action;
	const char	*data;
	/* Every kind of entry has a service: this one filters all kinds. */
	const char	*service;
};

/* Clock, for tests: returns nanoseconds since the epoch. */
typedef uint64_t (*al_clock_fn)(void *arg);

/* Options for al_init(); a zeroed struct takes the defaults. */
struct al_init_opts {
	const char	*policy_name;	/* e.g. "default.policy" */
	const char	*policy_text;	/* NULL: the embedded default policy */
	size_t		 policy_len;
	const char	*actor;		/* who created the log (required) */
	const char	*service;
	/* The floor (format 6): the promise, fixed for the log's life.
	   NULL: the embedded default (docs/PROMISE.md). */
	const char	*floor_name;	/* e.g. "promise.floor" */
	const char	*floor_text;
	size_t		 floor_len;
	unsigned	 approvers;	/* administrators a change needs,
					   1-9; 0: 2 */
	const char *const *admins;	/* the first administrators, added
					   to the policy as "admin user X" */
	size_t		 nadmins;
	const char *const *writers;	/* added as "writer user X service *
					   actor *": may claim anything */
	size_t		 nwriters;
	size_t		 mapsize;	/* initial map size; 0: the default */
	al_clock_fn	 clock;		/* tests: the clock for entry 1 */
	void		*clock_arg;
};

/*
 * Summary and findings of al_verify().  problem() is called once for each
 * problem found, with the seq it concerns (0 when it concerns the log as a
 * whole); a NULL callback only counts them.
 */
struct al_verify_opts {
	int		 have_expect;
	uint64_t	 expect_seq;
	uint8_t		 expect_hash[AL_HASH_LEN];
	void		(*problem)(void *arg, uint64_t seq, const char *msg);
	void		*arg;
	/* a tree head held elsewhere that the log must extend, or NULL */
	const struct al_checkpoint *checkpoint;
	/* called with arg now and then (every 65536 entries) with the
	   entries walked so far (bytes is 0), on the caller's thread; a
	   scan that found problems walks again, from 0, to list them */
	void		(*progress)(void *arg, uint64_t bytes, uint64_t entries);
};

struct al_policy_ref {
	uint64_t	seq;
	uint8_t		digest[AL_HASH_LEN];
	char		name[AL_MAX_NAME + 1];
};

/*
 * A clock anomaly al_verify found: a warning, not a problem (the log is
 * intact; a writer's clock was wrong).  An entry's time is what its
 * writer's clock read, so times may go back along the chain.  Back: an
 * entry before the entry before it; ahead: after the next one's time by
 * more than AL_CLOCK_JUMP_NS, or after the verifying clock by more than
 * AL_CLOCK_FUTURE_NS.  At most AL_CLOCK_LISTED are kept.
 */
#define AL_CLOCK_BACK		1
#define AL_CLOCK_AHEAD		2
#define AL_CLOCK_JUMP_NS	(3600ULL * 1000000000ULL)
#define AL_CLOCK_FUTURE_NS	(300ULL * 1000000000ULL)
#define AL_CLOCK_LISTED		1000

struct al_clock_note {
	uint64_t	seq;
	int		kind;		/* AL_CLOCK_BACK, AL_CLOCK_AHEAD */
	uint64_t	time_ns;	/* the entry's */
	/* The entry it was compared with: the one before (back), the next
	 * (ahead); 0 when it is later than the verifying clock by more
	 * than AL_CLOCK_FUTURE_NS, whose reading other_ns then is. */
	uint64_t	other_seq, other_ns;
};

struct al_verify_summary {
	uint64_t	entries, first_seq, last_seq;
	uint64_t	first_ns, last_ns;
	uint64_t	accesses, allowed, denied;
	uint64_t	policies;		/* policy-change entries */
	uint64_t	problems;
	uint8_t		head[AL_HASH_LEN];
	uint64_t	checkpoints;		/* checkpoint entries */
	uint8_t		root[AL_HASH_LEN];	/* the tree's, recomputed */
	struct al_policy_ref *policy;		/* policies of them, in order */
	size_t		npolicy;		/* (owned by the handle) */
	/* Clock anomalies, in seq order: the first AL_CLOCK_LISTED of
	 * clock_total (owned by the handle).  Not counted in problems. */
	struct al_clock_note *clock;
	size_t		nclock;
	uint64_t	clock_total;
};

/*
 * Open flags.  AL_RDONLY opens a log for reading (verify, log, head); it works
 * on read-only files and file systems.
 */
#define AL_RDONLY	0x1
/*
 * AL_OWNER opens a log for writing as its only writer (auditlogd).  Every
 * handle that opens a log for writing holds the log's writer lock (the
 * file writer.lock in its folder): shared, or with AL_OWNER exclusive.  So
 * an owner cannot open a log that another handle has open for writing
 * (AL_EIO), and while an owner has it open, any other writer's al_open
 * fails with AL_EIO and a message that names the owner as al_set_owner
 * described it.  Readers (AL_RDONLY) take no lock.
 */
#define AL_OWNER	0x2

/*
 * al_open opens the log in dir.  *out is set to a handle even when it
 * fails (except AL_ENOMEM), so that al_errmsg() can say why; the caller
 * always calls al_close().  A handle is for one thread at a time; separate
 * handles, in threads or processes, may record concurrently.  al_export
 * deflates on two threads of its own, and al_verify checks on a second
 * thread of its own, each joined before it returns; no other function
 * starts a thread.
 */
int		 al_open(const char *dir, int flags, al_log **out);
/*
 * The format of the log a handle opened: AL_FORMAT_VERSION, once a writer
 * opened it (opening for writing upgrades a log), or, for a reader, the
 * format it found (a reader reads format 5 as it is; entries of version 3
 * come with format 6).  0 on a handle of al_connect.
 */
int		 al_log_format(const al_log *);
/*
 * al_connect makes a handle on auditlogd's socket (auditlogd(8),
 * docs/PROTOCOL.md) instead of the log's files, and connects to it; as
 * with al_open, *out is set even when it fails (AL_EIO: nobody answers on
 * that socket), and the caller always calls al_close().  On such a handle
 * al_record and al_record_batch send the accesses to the daemon, which
 * decides and records each (the entry's pid and uid are those the kernel
 * gives the daemon for this process); its reply fills struct al_decision
 * as a local log would, but for a denial's rule, which the protocol's
 * reply does not carry ("": the detail names it).  al_check has the
 * daemon decide an access under the policy in force, with this process's
 * identity as the kernel gives it (its writer rules), recording nothing
 * (d->seq is 0).  al_policy_set, al_policy_propose and al_policy_decide
 * have the daemon take the step as this process's user, as the kernel
 * names it (c->as must be NULL): in a log with a floor the library judges
 * it there as on the log's files (AL_EREFUSED, "refused: " and the reason,
 * nothing recorded); in a log without one the daemon installs a policy
 * only for root and its own user (else AL_EPERM, "not permitted: ...").
 * Each step's entry holds this process's identity, attested.
 * al_checkpoint has the daemon sign a checkpoint of the log's head with
 * its own signer key (skey must be NULL: AL_EINVAL otherwise), record it
 * (actor, or NULL for this process's user name) and publish it; only
 * root and the daemon's own user may (else AL_EPERM, "not permitted:
 * ..."), and a daemon without a key refuses (AL_EIO, "not signed: ...").
 * A request
 * line is at most 64 KiB, so a policy whose text escaped for JSON is
 * longer is refused here (AL_EINVAL), as is a proposal's expires_ns that
 * is not a whole number of seconds up to 366 days.  The
 * accesses are checked here first, as on a log, so an invalid one is refused
 * (AL_EINVAL, "access N: ..." in a batch) before anything is sent;
 * al_validate works too.  al_set_timeout is then the deadline for each
 * reply (default 10000 ms): when none comes in time the call fails with
 * AL_EIO.  That is no promise that nothing was recorded: the entry may be
 * durable without its reply having arrived, and the log then shows an
 * attempt whose caller refused itself; a caller MUST NOT perform an access
 * it has no reply for.  al_record_batch on a socket is not one
 * transaction: the daemon may commit the accesses in several, and when it
 * fails once they were sent (AL_EIO, or AL_EINVAL when the daemon refused
 * one: "access N: ..."), d[i].seq is non-zero for each access that was
 * acknowledged, 0 for the others.  A connection the daemon closed (its
 * idle timeout, a restart) is made anew by the next call.  Every other
 * function that reads or changes the log's files (al_head, al_iter_open,
 * al_verify, al_policy_get, al_export, ...) returns
 * AL_EINVAL on such a handle: read the log's files.  One thread at a
 * time, as any handle.
 */
int		 al_connect(const char *socket, al_log **out);
/*
 * The connected socket of a handle of al_connect (non-blocking; al_close
 * closes it), for a caller that writes the protocol's request lines and
 * reads their replies itself, many in flight (auditlog record --batch):
 * such a caller makes no other call on the handle, whose own requests
 * and replies would mix with its lines.  -1 when the handle has no
 * connection: al_open's, or one whose connecting failed.
 */
int		 al_socket_fd(const al_log *);
void		 al_close(al_log *);
const char	*al_errmsg(const al_log *);
const char	*al_strerror(int rc);
void		 al_set_clock(al_log *, al_clock_fn, void *arg);
/*
 * How long a write waits for another writer's transaction to end, in
 * milliseconds (default 10000), after which it fails with AL_EIO and
 * nothing is recorded: a stopped writer must not stop every other.
 */
void		 al_set_timeout(al_log *, unsigned ms);
/* What al_open found unsafe but not fatal (a reader's view of modes that
 * let others write), or NULL. */
const char	*al_warning(const al_log *);
/*
 * An owner (AL_OWNER) says who it is, for the refusals of other writers:
 * one line of printable text, e.g. "auditlogd (pid 42, socket PATH)".
 */
int		 al_set_owner(al_log *, const char *who);
/*
 * Free the reader slots of processes that died holding them (LMDB's
 * mdb_reader_check); *cleared (when not NULL) says how many.
 */
int		 al_reader_check(al_log *, int *cleared);

/* Create a new log in dir (made 0700 if missing); never overwrites one. */
int		 al_init(const char *dir, const struct al_init_opts *,
		    al_log **out);

/*
 * Decide an access under the policy in force and append it, allowed or
 * denied, in one durable transaction.  Returns 0 with *d filled in (the
 * decision is in d->allow) or an error, in which case nothing was recorded.
 */
int		 al_record(al_log *, const struct al_access *,
		    struct al_decision *d);
/*
 * Decide and append n accesses in one durable transaction: all of them or,
 * on an error, none.  Every access is checked first; an invalid one fails
 * the batch with AL_EINVAL ("access N: ...") before anything is written.
 */
int		 al_record_batch(al_log *, const struct al_access *, size_t n,
		    struct al_decision *d);
/*
 * A batch prepared ahead of its commit, for a caller with a thread to
 * spare (auditlog record --batch parses and prepares on one thread and
 * commits on another).  al_prep_add checks an access as al_record does
 * (AL_EINVAL, or AL_ENOMEM, with the reason in al_prep_errmsg(), and the
 * access is not added), decides it under the policy that was in force
 * when the batch was made, and encodes its entry.  al_record_prep then appends the
 * batch's accesses as al_record_batch does, in one durable transaction,
 * all or none, filling d[0 .. al_prep_count() - 1]; when the active
 * policy changed meanwhile, it decides each access again under the new
 * one first, so every entry holds the decision of the policy in force
 * at its commit.  A committed batch stays as it is until al_prep_reset.
 *
 * al_prep_new and al_record_prep use the handle, under its rule of one
 * thread at a time; the other al_prep_ functions touch only the batch
 * (al_prep_add reads what al_open set: the host, pid and uid).
 * A batch is for one thread at a time too, which need not be the
 * handle's: al_prep_add may run while another thread uses the handle.
 * A batch belongs to the handle it was made with, and must be freed
 * before that handle is closed; should the handle fail for good (LMDB
 * gave it up), reopen the log and prepare the batch anew.
 */
int		 al_prep_new(al_log *, al_prep **);
int		 al_prep_add(al_prep *, const struct al_access *);
/*
 * An access asked for by another process, whose identity the caller (a
 * daemon that owns the log) took from the kernel, e.g. SO_PEERCRED, and
 * completed with al_ident_resolve (attested 1): the entry holds it
 * instead of the handle's own.  NULL is al_prep_add.  Nothing else about
 * the access is trusted more for it.  id must stay as it is until the
 * access is encoded (al_prep_add_as returns).
 */
int		 al_prep_add_as(al_prep *, const struct al_access *,
		    const struct al_ident *id);
size_t		 al_prep_count(const al_prep *);
const char	*al_prep_errmsg(const al_prep *);
void		 al_prep_reset(al_prep *);
int		 al_record_prep(al_log *, al_prep *, struct al_decision *d);
void		 al_prep_free(al_prep *);
/* Check an access's fields as al_record does, deciding nothing. */
int		 al_validate(al_log *, const struct al_access *);
/* The same decision, recording nothing. */
int		 al_check(al_log *, const struct al_access *,
		    struct al_decision *d);
/*
 * al_check for an access another process asks about, decided with the
 * identity the caller took from the kernel (al_prep_add_as): the writer
 * rules apply to it, not to the caller.  NULL is al_check.  AL_EINVAL on
 * a handle of al_connect (the daemon decides with the kernel's identity).
 */
int		 al_check_as(al_log *, const struct al_access *,
		    const struct al_ident *who, struct al_decision *d);

/* The newest entry's seq and hash. */
int		 al_head(al_log *, uint64_t *seq, uint8_t hash[AL_HASH_LEN]);

/* Append a policy-change entry that makes text the active policy. */
int		 al_policy_set(al_log *, const char *name, const char *text,
		    size_t len, const char *actor, const char *service,
		    uint64_t *seq);
/*
 * The same for a policy change asked for by another process, whose
 * identity the caller took from the kernel (al_prep_add_as); NULL is
 * al_policy_set.
 */
int		 al_policy_set_as(al_log *, const char *name, const char *text,
		    size_t len, const char *actor, const char *service,
		    const struct al_ident *who, uint64_t *seq);
/*
 * Governance (format 6, auditlog-policy(5)): in a log with a floor, a
 * policy changes when as many administrators as the floor's approvers
 * agree.  al_policy_propose records a proposal (c->name, c->text), which
 * the floor must allow, and, when one administrator suffices, activates
 * it in the same transaction; c->set asks for exactly that and fails when
 * the log needs more.  al_policy_decide records an approval (approve 1)
 * or a rejection (0) of the open proposal whose digest is c->digest (hex,
 * or its first 8 or more digits); the approval that completes the count
 * activates the policy.  Who asks is c->as when a log's owner (auditlogd)
 * acts for a peer the kernel named, else this process's real uid; the
 * administrators are those of the policy in force.  A step the floor or
 * the chain of custody refuses is AL_EREFUSED, with the reason, and
 * records nothing.  r->seq is the step's entry, r->active the activating
 * policy entry or 0.
 */
struct al_change {
	const char		*name, *text;	/* propose */
	size_t			 len;
	const char		*digest;	/* approve, reject */
	const char		*actor;		/* a label: who says they are */
	const char		*service;
	const struct al_ident	*as;		/* NULL: this process */
	uint64_t		 expires_ns;	/* open for; 0: 7 days */
	int			 set;		/* one step, or refuse */
};
struct al_change_result {
	uint8_t		digest[AL_HASH_LEN];
	uint64_t	seq, active;
};
int		 al_policy_propose(al_log *, const struct al_change *,
		    struct al_change_result *);
int		 al_policy_decide(al_log *, const struct al_change *,
		    int approve, struct al_change_result *);
/* The log's floor (an entry of kind AL_KIND_FLOOR): 0, or AL_ENOLOG when
 * the log has none (it was made before format 6). */
int		 al_floor_get(al_log *, struct al_entry *);
/* The active policy: its text and name stay valid until al_close(). */
int		 al_policy_get(al_log *, struct al_entry *);
/*
 * Check a policy without installing it.  Returns AL_EINVAL with every
 * error, one "name:line:col: message" a line, in al_errmsg() or *errors
 * (malloc'd; the caller frees it).
 */
int		 al_policy_check(const char *name, const char *text, size_t len,
		    char **errors);
/*
 * The purposes a policy's text declares, one name a line, in its order
 * (*names malloc'd and NUL-terminated, for free()): for a caller that
 * suggests one when an access names another.  AL_EINVAL when the text
 * does not parse, AL_ENOMEM.
 */
int		 al_policy_purposes(const char *text, size_t len,
		    char **names);
/* The embedded default policy. */
const char	*al_default_policy(size_t *len);
/*
 * Check a policy against a floor (auditlog-policy(5), FLOOR) without a
 * log: 0 when the policy parses and respects the floor, else AL_EINVAL
 * with one message a line in *errors (malloc'd; the caller frees it):
 * "floor:line:col: ..." when the floor does not parse, "policy:line:col:
 * ..." when the policy does not, and "POLICY:LINE: message (FLOOR:LINE)"
 * for each purpose the floor does not permit and each allow rule the
 * floor would always override.  floor_text NULL: the default floor.
 * errors may be NULL.  AL_ENOMEM, with *errors NULL.
 */
int		 al_floor_check(const char *floor_name,
		    const char *floor_text, size_t flen,
		    const char *policy_name, const char *policy_text,
		    size_t plen, char **errors);
/* The embedded default floor (policies/promise.floor). */
const char	*al_default_floor(size_t *len);

/*
 * Two policies compared rule by rule (auditlog(1), policy diff): each
 * line in a normal form (comments and blank lines dropped, words quoted
 * only where they must be, a rule's parts in the order purpose, action,
 * data, service, actor, ref, every brace list and a group's members as a
 * sorted set), and the lines of a that b lacks ('-') and of b that a
 * lacks ('+'), sorted by kind ("purpose", "group", "allow", "deny",
 * "writer", "admin", "other"), then text.  widens marks a change that
 * may give access that a did not: a new purpose or one whose ref is no
 * longer the same, a group that gained members (or lost some that a
 * deny rule names), an allow rule no rule of a covers, a deny rule gone
 * that no rule of b covers, a new writer or admin line (and the last one
 * gone), any other line added; doubt counts as widening.  The texts are
 * only split into words, not checked (al_policy_check does that): a line
 * that does not parse is AL_EINVAL, "name:line:col: why" in err.
 * *lines (n of them) is for al_poldiff_free; none when they are equal.
 */
struct al_poldiff_line {
	char		 sign;		/* '-' a's alone, '+' b's alone */
	int		 widens;
	const char	*kind;
	const char	*text;		/* the normal form */
	int		 line;		/* its line in its policy, from 1 */
};
int		 al_poldiff(const char *aname, const char *a, size_t alen,
		    const char *bname, const char *b, size_t blen,
		    struct al_poldiff_line **lines, size_t *n,
		    char *err, size_t errlen);
void		 al_poldiff_free(struct al_poldiff_line *, size_t n);

/*
 * Read entries oldest first.  al_iter_next returns 1, 0 at the end, or <0.
 * A period (since_ns, until_ns) selects each entry by its own time,
 * through the time index; the entries still come in seq order (times may
 * go back along the log: each is its writer's clock).
 */
int		 al_iter_open(al_log *, const struct al_filter *, al_iter **);
int		 al_iter_next(al_iter *, struct al_entry *);
/* Newest first; the same filters. */
int		 al_iter_open_reverse(al_log *, const struct al_filter *,
		    al_iter **);
void		 al_iter_close(al_iter *);

/*
 * Verify the whole log in one read snapshot: the chain, every entry's
 * encoding, the indexes, the metadata, every policy's digest, and every
 * decision re-derived under the policy in force.  Returns 0 when it ran
 * (s->problems says what it found) or an error when it could not run.
 * It uses two threads and two read transactions on the same snapshot
 * when it can (one, when a write comes between their starts); problem()
 * is only ever called on the caller's thread, in the order of the log.
 */
int		 al_verify(al_log *, const struct al_verify_opts *,
		    struct al_verify_summary *s);

/*
 * Untrusted text for output, written to fp.  al_fput_term escapes for a
 * terminal: printable UTF-8 passes, a backslash is doubled, anything else
 * (controls, invalid UTF-8, marks that reorder text) becomes an octal
 * escape; AL_ESC_SPACE escapes spaces too, AL_ESC_KEEPNL lets newlines and
 * tabs through.  al_fput_json writes a JSON string; al_fput_entry_json an
 * entry's JSON line (docs/FORMAT.md).  They return 0 or AL_EIO.
 */
#define AL_ESC_SPACE	0x1
#define AL_ESC_KEEPNL	0x2
int		 al_fput_term(FILE *, const char *, size_t, int flags);
int		 al_fput_json(FILE *, const char *, size_t);
int		 al_fput_entry_json(FILE *, const struct al_entry *);
/*
 * CSV as in an export bundle's entries.csv (docs/FORMAT.md, section 13):
 * the header line, and an entry's row, with its guard against formulas.
 */
int		 al_fput_csv_head(FILE *);
int		 al_fput_entry_csv(FILE *, const struct al_entry *);

/*
 * Export: a bundle of the entries that match o->f (docs/FORMAT.md, section
 * 13), gzip-compressed, written to fd.  Scratch files (unnamed, 0600) go in
 * o->scratch.  The result says how many entries went in and how many
 * problems the checks at export time found (the bundle is written all the
 * same, and its summary lists them).  al_report writes the summary alone.
 */
struct al_export_opts {
	struct al_filter f;
	int		 level;		/* zlib level 1-9; 0: 6 */
	uint64_t	 created_ns;	/* 0: now */
	const char	*scratch;	/* folder for scratch files */
	void		(*progress)(void *arg, uint64_t bytes, uint64_t entries);
	void		*arg;
	/* the tree head the bundle proves its entries in: a checkpoint
	   (published, signed), or NULL for an unsigned one of the head */
	const char	*checkpoint;
	size_t		 checkpoint_len;
};

struct al_export_result {
	uint64_t	entries, problems, first_seq, last_seq;
};

int		 al_export(al_log *, const struct al_export_opts *, int fd,
		    struct al_export_result *);
int		 al_report(al_log *, const struct al_export_opts *, FILE *,
		    int json, struct al_export_result *);

/*
 * Check an export bundle read from fd, front to back, trusting nothing in
 * it (docs/FORMAT.md, 13.5).  problem() is called for each problem found.
 * Returns 0 when the check ran (s->problems says what it found), or an
 * error (the file could not be read; out of memory) with a message in err.
 */
struct al_bundle_opts {
	int		 have_expect;
	uint64_t	 expect_seq;
	uint8_t		 expect_hash[AL_HASH_LEN];
	void		(*problem)(void *arg, uint64_t seq, const char *msg);
	void		*arg;
	const char	*key;		/* a verifier key: the bundle's
					   checkpoint must be signed by it */
	const struct al_checkpoint *checkpoint;	/* one held: the bundle
					   must be proven in that tree */
	/* called with arg every 4096 entries checked (bytes is 0) */
	void		(*progress)(void *arg, uint64_t bytes, uint64_t entries);
	/* problem and progress may be called on a thread al_verify_bundle
	   starts (the entries are checked there), never two at once, and
	   never after it returns */
};

struct al_bundle_summary {
	uint64_t	entries, first_seq, last_seq, problems;
	uint64_t	head_seq;
	uint8_t		head_hash[AL_HASH_LEN];
	uint64_t	tree_size;	/* proven in the tree of that size */
	int		signed_by_key;	/* ...whose head the key signed */
	/* Clock anomalies among the entries, as summary.txt lists them:
	 * warnings, not problems. */
	uint64_t	clock_anomalies;
};

int		 al_verify_bundle(int fd, const struct al_bundle_opts *,
		    struct al_bundle_summary *, char *err, size_t errlen);

/* Helpers shared with the tools. */
/*
 * The Merkle tree over the entries (docs/FORMAT.md section 14): RFC 9162,
 * entry seq s being leaf s - 1, its leaf hash the entry's hash.  Proofs
 * are made from stored nodes, O(log n) reads.
 */
#define AL_PROOF_MAX	128
struct al_proof {
	uint64_t	index;	/* inclusion: the leaf (seq - 1); consistency:
				   the old size */
	uint64_t	size;	/* the tree size proven against */
	uint8_t		leaf[AL_HASH_LEN];	/* inclusion: the leaf hash */
	uint8_t		old_root[AL_HASH_LEN];	/* consistency */
	uint8_t		root[AL_HASH_LEN];
	size_t		n;
	uint8_t		hash[AL_PROOF_MAX][AL_HASH_LEN];
};

int		 al_tree_head(al_log *, uint64_t *size,
		    uint8_t root[AL_HASH_LEN]);
int		 al_prove_inclusion(al_log *, uint64_t seq, uint64_t size,
		    struct al_proof *);
int		 al_prove_consistency(al_log *, uint64_t from, uint64_t to,
		    struct al_proof *);
/* Checks need no log: 0, or AL_ECORRUPT with the reason in why. */
int		 al_check_inclusion(const struct al_proof *, char *why,
		    size_t len);
int		 al_check_consistency(const struct al_proof *, char *why,
		    size_t len);
void		 al_tree_node(const uint8_t l[AL_HASH_LEN],
		    const uint8_t r[AL_HASH_LEN], uint8_t out[AL_HASH_LEN]);

/*
 * Checkpoints (c2sp.org/tlog-checkpoint) and keys (c2sp.org/signed-note,
 * Ed25519).  A signer key is "PRIVATE+KEY+name+hash+base64", a verifier
 * key "name+hash+base64", as Go's golang.org/x/mod/sumdb/note writes them.
 */
#define AL_ORIGIN_MAX	256
struct al_checkpoint {
	char		origin[AL_ORIGIN_MAX];
	uint64_t	size;
	uint8_t		root[AL_HASH_LEN];
	int		signed_by_key;	/* al_checkpoint_parse: checked */
	int		has_sig;	/* it carries signatures, checked or not */
};

int		 al_keygen(const char *name, char **skey, char **vkey,
		    char *err, size_t errlen);
/* 0 when vkey is a verifier key's text; AL_EINVAL with why in err. */
int		 al_key_check(const char *vkey, char *err, size_t errlen);
int		 al_log_origin(al_log *, char *out, size_t len);
/*
 * The current tree head as a checkpoint note (malloc'd, NUL-terminated, for
 * free()).  Signed with a signer key and given an actor, it is published:
 * a checkpoint entry is appended in the transaction that read the head,
 * and *seq is its seq.  On a handle of al_connect, skey must be NULL:
 * auditlogd signs with its own key, records the entry (actor a label, or
 * NULL) and publishes the note; *seq is the entry's (al_connect says who
 * may).
 */
int		 al_checkpoint(al_log *, const char *skey, const char *actor,
		    char **note, size_t *len, uint64_t *seq);
/* Parse a checkpoint; with a verifier key, its signature must hold. */
int		 al_checkpoint_parse(const char *text, size_t len,
		    const char *vkey, struct al_checkpoint *,
		    char *err, size_t errlen);

const char	*al_code_name(int code);	/* "deny-rule", ... */
int		 al_parse_time(const char *s, int end_of_day, uint64_t *ns);
int		 al_format_time(uint64_t ns, int frac, char *buf, size_t len);
void		 al_hex(const uint8_t *in, size_t n, char *out);
/* Base64, padded, NUL-terminated: out holds 4 * ((n + 2) / 3) + 1. */
void		 al_base64(const uint8_t *in, size_t n, char *out);
int		 al_unhex(const char *in, uint8_t *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* AUDITLOG_H */
