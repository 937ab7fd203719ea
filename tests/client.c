/* client.c - al_connect against a running auditlogd, and against fakes of it */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auditlog.h"
#include "tap.h"

/*
 * client SOCKET LOG TWIN: tests/t63-clients.sh runs auditlogd on LOG at
 * SOCKET (with --idle-timeout 1), and made TWIN, a log with the same
 * policy, for the same accesses recorded directly.
 * client stopped SOCKET: auditlogd there is stopped (SIGSTOP).
 * client fake DIR: fakes of the daemon on sockets in DIR.
 */

#define MANY	3000	/* more than auditlogd's D_MAX_INFLIGHT */

static const struct al_access allowed = {
	"svc:billing", "c-1042", "service-provision", "read", "billing",
	"inv/7", NULL, NULL, "billing"
};
static const struct al_access denied = {
	"carol", "c-1042", "marketing", "read", NULL, NULL, NULL,
	"a \"quoted\" reason, caf\xc3\xa9", "crm"
};
static const struct al_access invalid = {
	"", "c-1", "service-provision", "read", NULL, NULL, NULL, NULL, NULL
};

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The same decision, seq aside: a, through the daemon, b from a log.  A
 * denial's rule is not in the protocol's reply (docs/PROTOCOL.md, 5): ""
 * through the daemon.
 */
static int
same(const struct al_decision *a, const struct al_decision *b)
{
	if (a->allow == b->allow && a->code == b->code &&
	    strcmp(a->rule, a->allow ? b->rule : "") == 0 &&
	    strcmp(a->detail, b->detail) == 0)
		return 1;
	printf("# %d %d '%s' '%s'\n# %d %d '%s' '%s'\n", a->allow, a->code,
	    a->rule, a->detail, b->allow, b->code, b->rule, b->detail);
	return 0;
}

static void checkpoints(al_log *, al_log *, const char *);

static int
refuses(al_log *l, int rc)
{
	return rc == AL_EINVAL && strstr(al_errmsg(l),
	    "a handle on auditlogd's socket records, checks and changes the "
	    "policy: read the log's files") != NULL;
}

/*
 * al_policy_propose and al_policy_decide through the daemon, on a log one
 * administrator (root, the default policy's) governs: a proposal is
 * activated at once; the policy in force is the twin's again at the end.
 * *seq: the log's last seq, before and after.
 */
static void
governed(al_log *l, al_log *tw, uint64_t *seq)
{
	struct al_change	 c;
	struct al_change_result	 r;
	struct al_entry		 e;
	char			*text = NULL;
	int			 rc;

	memset(&c, 0, sizeof(c));
	if (al_policy_get(tw, &e) != 0 ||
	    asprintf(&text, "%.*s# through al_policy_propose\n",
	    (int)e.text.n, e.text.p) == -1)
		errx(1, "the twin's policy");
	c.name = "gov.policy";
	c.text = text;
	c.len = strlen(text);
	c.actor = "root";
	rc = al_policy_propose(l, &c, &r);
	check(rc == 0 && r.seq == *seq + 1 && r.active == *seq + 2,
	    "al_policy_propose through the daemon: proposed and activated "
	    "at once, as one administrator suffices (%s)", rc ?
	    al_errmsg(l) : "seq, active");
	*seq += 2;
	c.text = e.text.p;
	c.len = e.text.n;
	c.name = e.name.p;
	c.set = 1;
	rc = al_policy_propose(l, &c, &r);
	check(rc == 0 && r.seq == *seq + 1 && r.active == *seq + 2,
	    "...c->set: the twin's policy back, in one step (%s)", rc ?
	    al_errmsg(l) : "seq, active");
	*seq += 2;
	c.set = 0;
	c.expires_ns = 1500000000ULL;
	rc = al_policy_propose(l, &c, &r);
	check(rc == AL_EINVAL && strstr(al_errmsg(l), "whole seconds") !=
	    NULL, "...an expiry of no whole seconds is refused here (%s)",
	    al_errmsg(l));
	c.expires_ns = 0;
	rc = al_policy_propose(l, &c, &r);
	check(rc == AL_EREFUSED && strcmp(al_errmsg(l), "refused: "
	    "default.policy is the policy in force already") == 0,
	    "...the policy in force: AL_EREFUSED, the daemon's reason (%s)",
	    al_errmsg(l));
	memset(&c, 0, sizeof(c));
	c.digest = "0011223344";
	c.actor = "root";
	rc = al_policy_decide(l, &c, 1, &r);
	check(rc == AL_EREFUSED && strcmp(al_errmsg(l), "refused: no "
	    "proposal has digest '0011223344'") == 0, "al_policy_decide "
	    "through the daemon: no such proposal, AL_EREFUSED (%s)",
	    al_errmsg(l));
	free(text);
}

/* al_socket_fd: lines of our own on the handle's socket, and replies. */
static void
raw_line(const char *sock)
{
	static const char	 req[] = "\n{\"actor\":\"svc:billing\","
	    "\"customer\":\"c-1\",\"purpose\":\"service-provision\","
	    "\"action\":\"read\"}\nnot json\n";
	static const char	 err[] = "{\"line\":3,\"error\":\"not a JSON "
	    "object: lexical error: invalid string in json text. at byte 2\"}\n";
	struct pollfd		 p;
	al_log			*l = NULL;
	char			 buf[512], *nl;
	size_t			 n = 0;
	ssize_t			 r;
	int			 fd, ok;

	ok = al_connect(sock, &l) == 0 && (fd = al_socket_fd(l)) >= 0;
	check(ok, "al_socket_fd: the handle's connected socket");
	if (!ok)
		goto done;
	check(write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1,
	    "...takes request lines written by the caller");
	while (n < sizeof(buf) - 1 && ((nl = memchr(buf, '\n', n)) == NULL ||
	    memchr(nl + 1, '\n', n - (size_t)(nl + 1 - buf)) == NULL)) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 5000) != 1 ||
		    (r = read(fd, buf + n, sizeof(buf) - 1 - n)) <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	ok = strncmp(buf, "{\"line\":2,\"seq\":", 16) == 0 &&
	    (nl = strchr(buf, '\n')) != NULL && strcmp(nl + 1, err) == 0;
	check(ok, "...and gives their replies, the lines numbered as sent, "
	    "a blank one too");
	if (!ok)
		printf("# got: %s\n", buf);
done:
	al_close(l);
}

static void
served(const char *sock, const char *dir, const char *twin)
{
	static struct al_access	 many[MANY];
	static struct al_decision bd[MANY];
	struct al_access	 batch[3], bad[3];
	struct al_decision	 d, t, bt[3];
	struct al_verify_summary vs;
	struct al_entry		 e;
	al_log			*l = NULL, *tw = NULL, *r = NULL;
	al_iter			*it = NULL;
	al_prep			*prep = NULL;
	FILE			*tf;
	struct al_export_opts	 eo;
	struct al_export_result	 er;
	static struct al_proof	 proof;
	char			 origin[AL_ORIGIN_MAX];
	uint64_t		 seq, first, size, got = 0;
	uint8_t			 hash[AL_HASH_LEN];
	size_t			 i;
	int			 rc, ok;

	check(al_connect(sock, &l) == 0, "al_connect: connected");
	check(al_open(twin, 0, &tw) == 0, "the twin log opens");
	check(al_socket_fd(tw) == -1, "al_socket_fd: none on al_open's handle");
	raw_line(sock);

	rc = al_record(l, &allowed, &d);
	check(rc == 0 && d.allow && d.seq > 0, "al_record through the "
	    "daemon: allowed, seq %llu", (unsigned long long)d.seq);
	check(al_record(tw, &allowed, &t) == 0 && same(&d, &t),
	    "...the decision and rule a log gives (%s)", d.rule);
	seq = first = d.seq;
	rc = al_record(l, &denied, &d);
	check(rc == 0 && !d.allow && d.code == AL_FLOOR &&
	    d.seq == seq + 1, "a denied access: recorded, code floor");
	check(al_record(tw, &denied, &t) == 0 && same(&d, &t),
	    "...the detail a log gives (%s)", d.detail);
	rc = al_record(l, &invalid, &d);
	check(rc == AL_EINVAL && strcmp(al_errmsg(l), "actor is empty") == 0,
	    "an invalid access: AL_EINVAL, as a log says (%s)", al_errmsg(l));

	batch[0] = allowed;
	batch[1] = denied;
	batch[2] = allowed;
	rc = al_record_batch(l, batch, 3, bd);
	/* Nothing of the invalid one was sent: the seqs go on. */
	check(rc == 0 && bd[0].seq == seq + 2 && bd[1].seq == seq + 3 &&
	    bd[2].seq == seq + 4, "al_record_batch: three, in order, after "
	    "nothing sent for the invalid one");
	check(al_record_batch(tw, batch, 3, bt) == 0 && same(&bd[0], &bt[0])
	    && same(&bd[1], &bt[1]) && same(&bd[2], &bt[2]),
	    "...the decisions a log gives");
	bad[0] = allowed;
	bad[1] = invalid;
	bad[2] = allowed;
	rc = al_record_batch(l, bad, 3, bd);
	check(rc == AL_EINVAL && strcmp(al_errmsg(l),
	    "access 2: actor is empty") == 0, "a batch with an invalid "
	    "access: refused before sending (%s)", al_errmsg(l));
	for (i = 0; i < MANY; i++)
		many[i] = allowed;
	rc = al_record_batch(l, many, MANY, bd);
	for (ok = rc == 0, i = 0; i < MANY; i++)
		ok = ok && bd[i].allow && bd[i].seq == seq + 5 + i;
	check(ok, "3000 at once, pipelined past the daemon's 2048 a "
	    "connection: all acknowledged, in order");
	seq += MANY + 4;

	/* Its idle timeout closed the connection: the next call redials. */
	sleep(2);
	rc = al_record(l, &allowed, &d);
	check(rc == 0 && d.seq == seq + 1, "after the daemon closed the idle "
	    "connection, al_record connects again (%s)", rc ? al_errmsg(l) :
	    "ok");
	seq++;

	rc = al_check(l, &denied, &d);
	check(rc == 0 && !d.allow && d.seq == 0 && al_check(tw, &denied,
	    &t) == 0 && same(&d, &t), "al_check through the daemon: the "
	    "decision a log gives, no seq (%s)", rc ? al_errmsg(l) : d.detail);
	rc = al_check(l, &allowed, &d);
	check(rc == 0 && d.allow && d.seq == 0 && al_check(tw, &allowed,
	    &t) == 0 && same(&d, &t), "...allowed, the rule a log gives (%s)",
	    rc ? al_errmsg(l) : d.rule);
	rc = al_record(l, &allowed, &d);
	check(rc == 0 && d.seq == seq + 1, "...and recorded nothing: the "
	    "next record's seq follows (%llu)", (unsigned long long)d.seq);
	seq++;
	check(al_policy_get(tw, &e) == 0 && al_policy_set(l, e.name.p,
	    e.text.p, e.text.n, "root", NULL, &size) == 0 && size == 0,
	    "al_policy_set through the daemon, of the policy in force: "
	    "nothing recorded (seq 0)");
	rc = al_policy_set(l, "x.policy", "purpose a \"b\"\nallow\n", 20,
	    "root", NULL, &size);
	check(rc == AL_EINVAL && strstr(al_errmsg(l), "x.policy:2:") != NULL,
	    "...a broken policy is refused here, with its line (%s)",
	    al_errmsg(l));
	{
		char	*big;
		size_t	 bl = 70000;

		if ((big = malloc(bl + 1)) == NULL)
			err(1, "malloc");
		/* Comments, 100 bytes a line, then a purpose. */
		memset(big, '#', bl);
		for (i = 99; i < bl; i += 100)
			big[i] = '\n';
		memcpy(big + bl - 14, "purpose a \"b\"\n", 14);
		big[bl - 15] = '\n';
		big[bl] = '\0';
		rc = al_policy_set(l, "big.policy", big, bl, "root", NULL,
		    &size);
		check(rc == AL_EINVAL && strstr(al_errmsg(l), "over the "
		    "protocol's 65536: nothing was sent") != NULL, "...one "
		    "whose request would be over 64 KiB too (%s)",
		    al_errmsg(l));
		free(big);
	}
	governed(l, tw, &seq);
	{
		char	path[256];

		snprintf(path, sizeof(path), "%s.ck", sock);
		checkpoints(l, tw, path);
	}
	rc = al_record(l, &allowed, &d);
	check(rc == 0 && d.allow && d.seq == seq + 1, "...the connection "
	    "still records, under the same policy (%s)", rc ? al_errmsg(l) :
	    "ok");
	seq++;
	check(refuses(l, al_head(l, &size, hash)), "al_head refuses");
	check(refuses(l, al_iter_open(l, NULL, &it)), "al_iter_open refuses");
	al_iter_close(it);
	it = NULL;
	check(refuses(l, al_verify(l, NULL, &vs)), "al_verify refuses");
	check(refuses(l, al_policy_get(l, &e)), "al_policy_get refuses");
	check(refuses(l, al_tree_head(l, &size, hash)),
	    "al_tree_head refuses");
	memset(&eo, 0, sizeof(eo));
	eo.scratch = "/tmp";
	if ((tf = tmpfile()) == NULL)
		err(1, "tmpfile");
	check(refuses(l, al_export(l, &eo, fileno(tf), &er)) &&
	    refuses(l, al_report(l, &eo, tf, 0, &er)) && fflush(tf) == 0 &&
	    ftell(tf) == 0 && lseek(fileno(tf), 0, SEEK_END) == 0,
	    "al_export and al_report refuse, writing nothing");
	fclose(tf);
	check(refuses(l, al_prep_new(l, &prep)) && prep == NULL,
	    "al_prep_new refuses");
	check(refuses(l, al_log_origin(l, origin, sizeof(origin))),
	    "al_log_origin refuses");
	check(refuses(l, al_prove_inclusion(l, 1, 1, &proof)),
	    "al_prove_inclusion refuses");
	check(al_reader_check(l, NULL) == AL_EINVAL &&
	    al_set_owner(l, "x") == AL_EINVAL, "al_reader_check and "
	    "al_set_owner refuse");
	check(al_validate(l, &invalid) == AL_EINVAL, "al_validate checks, as "
	    "it needs no log");

	/* What the daemon recorded: our pid and uid, from the kernel. */
	check(al_open(dir, AL_RDONLY, &r) == 0 &&
	    al_iter_open(r, NULL, &it) == 0, "the daemon's log opens "
	    "read-only");
	ok = 1;
	while (it != NULL && (rc = al_iter_next(it, &e)) == 1)
		if (e.seq >= first) {	/* accesses, the policy's steps */
			got++;
			ok = ok && e.pid == (uint32_t)getpid() &&
			    e.uid == (uint32_t)getuid();
		}
	check(ok && got == seq - first + 1, "every entry it made (%llu) holds "
	    "this process's pid and uid", (unsigned long long)got);
	al_iter_close(it);
	al_close(r);
	al_close(tw);
	al_close(l);
}

static void
stopped(const char *sock)
{
	struct al_decision	 d;
	al_log			*l = NULL;
	uint64_t		 t0, ms;
	int			 rc;

	/* The kernel takes the connection into the backlog all the same. */
	check(al_connect(sock, &l) == 0, "a stopped daemon: connected");
	al_set_timeout(l, 300);
	t0 = now_ms();
	rc = al_record(l, &allowed, &d);
	ms = now_ms() - t0;
	check(rc == AL_EIO && ms >= 290 && ms < 2000, "...no reply in 300 "
	    "ms: AL_EIO after %llu ms", (unsigned long long)ms);
	check(strstr(al_errmsg(l), "no reply from auditlogd within 300 ms") !=
	    NULL, "...saying so: %s", al_errmsg(l));
	al_close(l);
}

/* A fake daemon on path: takes one line, answers reply, closes. */
static pid_t
fake(const char *path, const char *reply)
{
	struct sockaddr_un	sa;
	char			buf[4096];
	pid_t			pid;
	ssize_t			r;
	int			fd, c;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 4) == -1)
		err(1, "%s", path);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if ((c = accept(fd, NULL, NULL)) == -1)
			_exit(1);
		while ((r = read(c, buf, sizeof(buf))) > 0 &&
		    memchr(buf, '\n', (size_t)r) == NULL)
			;
		if (write(c, reply, strlen(reply)) < 0)
			_exit(1);
		(void)close(c);
		_exit(0);
	}
	(void)close(fd);
	return pid;
}

/* One checkpoint through a fake that answers reply: al_checkpoint's rc. */
static int
checkpoint_fake(const char *path, const char *reply, char **note,
    size_t *len, uint64_t *seq, char *msg, size_t mlen)
{
	al_log	*l = NULL;
	pid_t	 pid;
	int	 rc;

	pid = fake(path, reply);
	if ((rc = al_connect(path, &l)) == 0) {
		al_set_timeout(l, 2000);
		rc = al_checkpoint(l, NULL, "ops", note, len, seq);
	}
	snprintf(msg, mlen, "%s", al_errmsg(l));
	al_close(l);
	(void)waitpid(pid, NULL, 0);
	return rc;
}

/* The reply to op checkpoint: note, JSON-escaped, at seq; malloc'd. */
static char *
checkpoint_reply(const char *note, uint64_t seq, const char *more)
{
	char	*r, *p;
	size_t	 i;

	if ((r = malloc(strlen(note) * 2 + 256)) == NULL)
		err(1, "malloc");
	p = r + sprintf(r, "{\"line\":1,\"seq\":%llu,\"checkpoint\":\"",
	    (unsigned long long)seq);
	for (i = 0; note[i] != '\0'; i++) {
		if (note[i] == '\n') {
			*p++ = '\\';
			*p++ = 'n';
		} else
			*p++ = note[i];
	}
	sprintf(p, "\"%s}\n", more);
	return r;
}

/*
 * al_checkpoint through auditlogd: the real one has no signer key (it
 * refuses); fakes at path answer with a note signed here, on the twin.
 */
static void
checkpoints(al_log *l, al_log *tw, const char *path)
{
	struct al_checkpoint	 cp;
	char			*sk = NULL, *vk = NULL, *signed_ = NULL;
	char			*plain = NULL, *note = NULL, *reply;
	char			 msg[4096];
	size_t			 len;
	uint64_t		 seq, size;
	int			 rc;

	rc = al_checkpoint(l, NULL, NULL, &note, &len, &seq);
	check(rc == AL_EIO && note == NULL && strcmp(al_errmsg(l), "not "
	    "signed: auditlogd has no signer key (--key)") == 0,
	    "al_checkpoint through a daemon without --key: AL_EIO (%s)",
	    al_errmsg(l));
	if (al_keygen("t", &sk, &vk, msg, sizeof(msg)) != 0)
		errx(1, "al_keygen: %s", msg);
	rc = al_checkpoint(l, sk, "ops", &note, &len, &seq);
	check(rc == AL_EINVAL && note == NULL && strstr(al_errmsg(l),
	    ": through auditlogd, the daemon signs with its own key") !=
	    NULL, "...a signer key given: AL_EINVAL (%s)", al_errmsg(l));
	/* Notes of the twin's head: signed (no entry: no actor), and not. */
	if (al_checkpoint(tw, sk, NULL, &signed_, &len, NULL) != 0 ||
	    al_checkpoint(tw, NULL, NULL, &plain, &len, NULL) != 0 ||
	    al_checkpoint_parse(signed_, strlen(signed_), vk, &cp, msg,
	    sizeof(msg)) != 0)
		errx(1, "the twin's checkpoint: %s", al_errmsg(tw));
	size = cp.size;

	reply = checkpoint_reply(signed_, size + 1, "");
	rc = checkpoint_fake(path, reply, &note, &len, &seq, msg, sizeof(msg));
	check(rc == 0 && note != NULL && strcmp(note, signed_) == 0 &&
	    len == strlen(signed_) && seq == size + 1, "a checkpoint reply "
	    "gives the note, its length and the entry's seq (%s)",
	    rc ? msg : "ok");
	free(note);
	note = NULL;
	free(reply);
	{
		static const char *const what[] = {
		    "a checkpoint entry not right after the head it covers",
		    "an unsigned note", "an unknown member", "no note" };
		char	*bad[4];
		size_t	 i;

		bad[0] = checkpoint_reply(signed_, size + 2, "");
		bad[1] = checkpoint_reply(plain, size + 1, "");
		bad[2] = checkpoint_reply(signed_, size + 1, ",\"uid\":0");
		if (asprintf(&bad[3], "{\"line\":1,\"seq\":%llu,"
		    "\"checkpoint\":\"x\"}\n", (unsigned long long)size + 1) <
		    0)
			err(1, "asprintf");
		for (i = 0; i < 4; i++) {
			seq = 99;
			rc = checkpoint_fake(path, bad[i], &note, &len, &seq,
			    msg, sizeof(msg));
			check(rc == AL_EIO && note == NULL && seq == 0, "%s "
			    "acknowledges nothing: AL_EIO (%s)", what[i], msg);
			free(bad[i]);
		}
	}
	rc = checkpoint_fake(path, "{\"line\":1,\"error\":\"not permitted: "
	    "uid 7 may not sign checkpoints\"}\n", &note, &len, &seq, msg,
	    sizeof(msg));
	check(rc == AL_EPERM && note == NULL && strcmp(msg, "not permitted: "
	    "uid 7 may not sign checkpoints") == 0, "an error reply \"not "
	    "permitted: ...\": AL_EPERM, its text said");
	rc = checkpoint_fake(path, "{\"line\":1,\"error\":\"not published: "
	    "the checkpoint is recorded (seq 9), but x\"}\n", &note, &len,
	    &seq, msg, sizeof(msg));
	check(rc == AL_EIO && note == NULL, "an error reply \"not published: "
	    "...\": AL_EIO");
	free(plain);
	free(signed_);
	free(sk);
	free(vk);
}

/* One access through a fake that answers reply: al_record's rc. */
static int
through_fake(const char *dir, const char *reply, struct al_decision *d,
    char *msg, size_t len)
{
	char	 path[256];
	al_log	*l = NULL;
	pid_t	 pid;
	int	 rc;

	snprintf(path, sizeof(path), "%s/fake.sock", dir);
	pid = fake(path, reply);
	if ((rc = al_connect(path, &l)) == 0) {
		al_set_timeout(l, 2000);
		rc = al_record(l, &allowed, d);
	}
	snprintf(msg, len, "%s", al_errmsg(l));
	al_close(l);
	(void)waitpid(pid, NULL, 0);
	return rc;
}

/* One approval through a fake that answers reply: al_policy_decide's rc. */
static int
approve_fake(const char *dir, const char *reply, struct al_change_result *r,
    char *msg, size_t len)
{
	struct al_change	 c;
	char			 path[256];
	al_log			*l = NULL;
	pid_t			 pid;
	int			 rc;

	memset(&c, 0, sizeof(c));
	c.digest = "00112233";
	c.actor = "bob";
	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/fake.sock", dir);
	pid = fake(path, reply);
	if ((rc = al_connect(path, &l)) == 0) {
		al_set_timeout(l, 2000);
		rc = al_policy_decide(l, &c, 1, r);
	}
	snprintf(msg, len, "%s", al_errmsg(l));
	al_close(l);
	(void)waitpid(pid, NULL, 0);
	return rc;
}

#define D64	"00112233445566778899aabbccddeeff" \
		"00112233445566778899aabbccddeeff"

/* The replies of section 5 to a step of governance, and what is none. */
static void
govern_fakes(const char *dir)
{
	static const struct {
		const char	*reply, *what;
	} broken[] = {
		{ "{\"line\":1,\"seq\":9,\"digest\":\"" D64 "\"}\n",
		    "a step's reply without active" },
		{ "{\"line\":1,\"seq\":9,\"digest\":\"00112233\","
		    "\"active\":0}\n", "a digest cut short" },
		{ "{\"line\":1,\"seq\":9,\"digest\":\"" D64 "\","
		    "\"active\":9}\n", "an activation not after its step" },
		{ "{\"line\":1,\"seq\":0,\"digest\":\"" D64 "\","
		    "\"active\":0}\n", "a step at seq 0" },
		{ "{\"line\":1,\"seq\":9,\"policy\":\"a.policy\"}\n",
		    "policy-set's reply to an approval" },
	};
	struct al_change_result	r;
	char			msg[4096];
	size_t			i;
	int			rc;

	rc = approve_fake(dir, "{\"line\":1,\"seq\":9,\"digest\":\"" D64
	    "\",\"active\":10}\n", &r, msg, sizeof(msg));
	check(rc == 0 && r.seq == 9 && r.active == 10 && r.digest[0] == 0 &&
	    r.digest[1] == 0x11 && r.digest[31] == 0xff, "a step's reply "
	    "fills seq, active and the digest (%s)", rc ? msg : "ok");
	rc = approve_fake(dir, "{\"line\":1,\"error\":\"refused: approved "
	    "by its own proposer, uid 7\"}\n", &r, msg, sizeof(msg));
	check(rc == AL_EREFUSED && strcmp(msg, "refused: approved by its own "
	    "proposer, uid 7") == 0, "an error reply \"refused: ...\": "
	    "AL_EREFUSED, its text said");
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		rc = approve_fake(dir, broken[i].reply, &r, msg, sizeof(msg));
		check(rc == AL_EIO && r.seq == 0, "%s acknowledges nothing: "
		    "AL_EIO (%s)", broken[i].what, msg);
	}
}

static void
fakes(const char *dir)
{
	static const struct {
		const char	*reply, *what;
	} broken[] = {
		{ "{\"line\":2,\"seq\":5,\"decision\":\"allow\",\"rule\":\"a:1\"}\n",
		    "another line's reply" },
		{ "{\"line\":1,\"seq\":5,\"decision\":\"allow\",\"rule\":\"a:1\","
		    "\"uid\":0}\n", "an unknown member" },
		{ "{\"line\":1,\"seq\":0,\"decision\":\"allow\",\"rule\":\"a:1\"}\n",
		    "seq 0" },
		{ "{\"line\":1,\"seq\":5,\"decision\":\"deny\",\"code\":\"nope\","
		    "\"reason\":\"r\"}\n", "an unknown code" },
		{ "{\"line\":1,\"seq\":5,\"decision\":\"maybe\",\"rule\":\"a:1\"}\n",
		    "an unknown decision" },
		{ "{\"line\":1,\"seq\":5,\"seq\":6,\"decision\":\"allow\","
		    "\"rule\":\"a:1\"}\n", "a member twice" },
		{ "{\"line\":1,\"seq\":5,\"decision\":\"allow\",\"rule\":\"a:1\"}",
		    "a reply cut before its LF" },
		{ "", "no reply at all" },
	};
	struct al_decision	d;
	char			msg[4096];
	size_t			i;
	int			rc;

	rc = through_fake(dir, "{\"line\":1,\"seq\":77,\"decision\":\"deny\","
	    "\"code\":\"deny-rule\",\"reason\":\"caf\\u00e9 \\\"x\\\"\\n\"}\n",
	    &d, msg, sizeof(msg));
	check(rc == 0 && !d.allow && d.code == AL_DENY_RULE && d.seq == 77 &&
	    strcmp(d.detail, "caf\xc3\xa9 \"x\"\n") == 0 && d.rule[0] == '\0',
	    "a deny reply fills the decision, its JSON escapes undone");
	rc = through_fake(dir, "{\"line\":1,\"error\":\"not recorded: disk "
	    "full\"}\n", &d, msg, sizeof(msg));
	check(rc == AL_EIO && strcmp(msg, "not recorded: disk full") == 0,
	    "an error reply \"not recorded: ...\": AL_EIO, its text said");
	rc = through_fake(dir, "{\"line\":1,\"error\":\"customer is empty\"}\n",
	    &d, msg, sizeof(msg));
	check(rc == AL_EINVAL && strcmp(msg, "customer is empty") == 0,
	    "another error reply: AL_EINVAL");
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		rc = through_fake(dir, broken[i].reply, &d, msg, sizeof(msg));
		check(rc == AL_EIO && d.seq == 0, "%s acknowledges nothing: "
		    "AL_EIO (%s)", broken[i].what, msg);
	}
}

int
main(int argc, char **argv)
{
	struct al_decision	 d;
	al_log			*l = NULL;
	int			 rc;

	if (argc == 4)
		served(argv[1], argv[2], argv[3]);
	else if (argc == 3 && strcmp(argv[1], "stopped") == 0)
		stopped(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "fake") == 0) {
		fakes(argv[2]);
		govern_fakes(argv[2]);
		rc = al_connect("/nonexistent/auditlog.sock", &l);
		check(rc == AL_EIO && strcmp(al_errmsg(l),
		    "/nonexistent/auditlog.sock: cannot reach auditlogd: No "
		    "such file or directory; nothing was recorded") == 0,
		    "no daemon: AL_EIO naming the socket (%s)", al_errmsg(l));
		check(al_socket_fd(l) == -1, "...and al_socket_fd has none");
		check(al_record(l, &allowed, &d) == AL_EIO,
		    "...and al_record on that handle tries again, and fails");
		al_close(l);
	} else {
		fprintf(stderr, "usage: client SOCKET LOG TWIN | client "
		    "stopped SOCKET | client fake DIR\n");
		return 2;
	}
	return nfailed != 0;
}
