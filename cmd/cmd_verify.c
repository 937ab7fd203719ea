/* cmd_verify.c - auditlog verify: prove the log intact, in a child process */
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "cmd.h"

static const char usage[] =
    "usage: auditlog [-d DIR] verify [--expect 'SEQ HASH']\n"
    "           [--checkpoint FILE [--key PUBFILE | --no-key]] [--json]\n";

static const struct option longopts[] = {
	{ "expect",	required_argument,	NULL, 'e' },
	{ "checkpoint",	required_argument,	NULL, 'c' },
	{ "key",	required_argument,	NULL, 'k' },
	{ "no-key",	no_argument,		NULL, 'n' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

/* The verification itself; runs in the child. */
static int
run(const char *dir, struct al_verify_opts *o, int json)
{
	struct al_verify_summary s;
	struct verdict		 v = { json, 0, "log" };
	uint8_t			 hash[AL_HASH_LEN];
	uint64_t		 head;
	al_log			*l = NULL;
	int			 rc, status;

	o->problem = on_problem;
	o->arg = &v;
	if ((rc = log_open(dir, AL_RDONLY, &l)) != 0) {
		status = lib_fail(rc, l, EX_NO);
		verdict_alone(&v, al_errmsg(l));
		goto done;
	}
	verdict_begin(&v);
	if (progress_start(al_head(l, &head, hash) == 0 ? head : 0, -1))
		o->progress = progress_cb;
	rc = al_verify(l, o, &s);
	progress_end();
	if (rc != 0) {
		status = lib_fail(rc, l, EX_NO);
		verdict_not_run(&v);
		if (status == EX_OK)
			status = EX_UNAVAIL;
		goto done;
	}
	verdict_log(&v, &s, o->checkpoint);
	status = s.problems ? EX_NO : EX_OK;
	if (s.clock_total > 0)
		msg("warning: %" PRIu64 " clock anomal%s: a writer's clock "
		    "was wrong (entries are in seq order)", s.clock_total,
		    s.clock_total == 1 ? "y" : "ies");
	if (status == EX_NO)
		msg("%" PRIu64 " problem%s found", s.problems,
		    s.problems == 1 ? "" : "s");
done:
	al_close(l);
	return finish(status);
}

/*
 * Pass the child's text through as it comes; hold JSON back until the
 * child is known to have finished.  Returns the held bytes (NULL for text,
 * or when out of memory).
 */
static char *
relay(int fd, int json, size_t *len)
{
	char	 chunk[8192], *buf = NULL, *nbuf;
	size_t	 cap = 0;
	ssize_t	 r;

	*len = 0;
	for (;;) {
		if ((r = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0)
			break;
		if (!json) {
			fwrite(chunk, 1, (size_t)r, stdout);
			continue;
		}
		if (cap - *len < (size_t)r) {
			cap = cap ? cap * 2 : sizeof(chunk) * 4;
			if (cap - *len < (size_t)r)
				cap = *len + (size_t)r;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = nbuf;
		}
		memcpy(buf + *len, chunk, (size_t)r);
		*len += (size_t)r;
	}
	if (json && buf == NULL)
		return calloc(1, 1);
	return buf;
}

/* --checkpoint FILE [--key PUBFILE]: read, parse, check the signature. */
static int
load_checkpoint(const char *file, const char *keyfile,
    struct al_checkpoint *cp)
{
	char	*key = NULL;
	int	 status;

	if (keyfile != NULL && (status = read_vkey(keyfile, &key)) != EX_OK)
		return status;
	status = read_checkpoint(file, key, cp, NULL, NULL);
	free(key);
	return status;
}

int
cmd_verify(int argc, char **argv, const char *dir)
{
	struct al_verify_opts	 o;
	struct al_checkpoint	 cp;
	struct verdict		 v = { 0, 0, "log" };
	const char		*cpfile = NULL, *keyfile = NULL;
	pid_t			 pid;
	char			*buf, why[128];
	size_t			 len = 0;
	struct opts		 op = OPTS(argc, argv, ":", longopts, usage);
	int			 ch, json = 0, nokey = 0, wstatus, fds[2];
	int			 status = EX_OK;

	memset(&o, 0, sizeof(o));
	while ((ch = opt_next(&op)) > 0) {
		switch (ch) {
		case 'e':
			if (expect_flag(usage, optarg, &o.expect_seq,
			    o.expect_hash) != EX_OK)
				return EX_USAGE;
			o.have_expect = 1;
			break;
		case 'c':
			cpfile = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'n':
			nokey = 1;
			break;
		case 'j':
			json = 1;
			break;
		}
	}
	if (ch == OPT_STOP)
		return op.status;
	if (keyfile != NULL && cpfile == NULL)
		return usage_error(usage, "--key goes with --checkpoint");
	if (nokey && (cpfile == NULL || keyfile != NULL))
		return usage_error(usage, "--no-key goes with --checkpoint, "
		    "without --key");
	if (cpfile != NULL) {
		if ((status = load_checkpoint(cpfile, keyfile, &cp)) != EX_OK)
			return status;
		/* A signature left unchecked must be meant. */
		if (cp.has_sig && keyfile == NULL && !nokey)
			return usage_error(usage, "%s: the checkpoint is "
			    "signed: check its signature with --key PUBFILE, "
			    "or give --no-key", cpfile);
		o.checkpoint = &cp;
	}

	/*
	 * LMDB trusts its B-tree: a damaged data file can make a reader
	 * fault.  The scan runs in a child so that such damage is reported
	 * as damage, never as a crash and never as success.  The child's
	 * output comes through a pipe: on a crash, what it had written is
	 * kept as text but dropped as JSON, so --json always prints one
	 * object.
	 */
	fflush(NULL);
	if (pipe(fds) == -1 || (pid = fork()) == -1) {
		msg("fork: %s", strerror(errno));
		return EX_UNAVAIL;
	}
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) == -1)
			_exit(EX_UNAVAIL);
		close(fds[1]);
		_exit(run(dir, &o, json));
	}
	close(fds[1]);
	if ((buf = relay(fds[0], json, &len)) == NULL && json)
		status = EX_UNAVAIL;
	close(fds[0]);
	while (waitpid(pid, &wstatus, 0) == -1) {
		if (errno != EINTR) {
			msg("waitpid: %s", strerror(errno));
			free(buf);
			return EX_UNAVAIL;
		}
	}
	if (WIFEXITED(wstatus)) {
		if (json && buf != NULL)
			fwrite(buf, 1, len, stdout);
		free(buf);
		if (status == EX_OK)
			status = WEXITSTATUS(wstatus);
		return finish(status);
	}
	free(buf);
	msg("the log's data file is damaged: the reader died of signal %d "
	    "(%s)", WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	if (snprintf(why, sizeof(why), "the data file is damaged: the reader "
	    "died of signal %d", WTERMSIG(wstatus)) >= (int)sizeof(why))
		why[0] = '\0';
	v.json = json;
	verdict_alone(&v, why);
	return finish(EX_NO);
}
