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
    "usage: auditlog [-d DIR] verify [--expect SEQ:HASH]\n"
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

static void
summary_text(const struct al_verify_summary *s, const struct al_checkpoint *cp)
{
	char	t1[40], t2[40], hex[2 * AL_HASH_LEN + 1];
	size_t	i;

	if (al_format_time(s->first_ns, 0, t1, sizeof(t1)) != 0)
		strlcpy(t1, "?", sizeof(t1));
	if (al_format_time(s->last_ns, 0, t2, sizeof(t2)) != 0)
		strlcpy(t2, "?", sizeof(t2));
	printf("entries   %" PRIu64 " (seq %" PRIu64 " to %" PRIu64 ")\n",
	    s->entries, s->first_seq, s->last_seq);
	printf("time      %s to %s\n", t1, t2);
	printf("accesses  %" PRIu64 ": %" PRIu64 " allowed, %" PRIu64
	    " denied\n", s->accesses, s->allowed, s->denied);
	printf("policies  %" PRIu64 "\n", s->policies);
	if (s->checkpoints > 0)
		printf("checkpoints %" PRIu64 "\n", s->checkpoints);
	for (i = 0; i < s->npolicy; i++) {
		al_hex(s->policy[i].digest, AL_HASH_LEN, hex);
		printf("  seq %" PRIu64 " ", s->policy[i].seq);
		put_term(stdout, s->policy[i].name, strlen(s->policy[i].name),
		    AL_ESC_SPACE);
		printf(" sha256:%s\n", hex);
	}
	al_hex(s->head, AL_HASH_LEN, hex);
	printf("head      %" PRIu64 " %s\n", s->last_seq, hex);
	al_hex(s->root, AL_HASH_LEN, hex);
	printf("tree      %" PRIu64 " %s\n", s->entries, hex);
	if (s->problems == 0 && cp != NULL)
		printf("verified: the chain is intact, every decision follows "
		    "from the policy in force, and the log extends the "
		    "checkpoint of size %" PRIu64 "%s\n", cp->size,
		    cp->signed_by_key ? " (signature checked)" : "");
	else if (s->problems == 0)
		puts("verified: the chain is intact and every decision "
		    "follows from the policy in force");
	else
		printf("FAILED: %" PRIu64 " problem%s\n", s->problems,
		    s->problems == 1 ? "" : "s");
}

static void
summary_json(const struct al_verify_summary *s, const struct al_checkpoint *cp)
{
	char	t[40], hex[2 * AL_HASH_LEN + 1];
	size_t	i;

	printf("],\"ok\":%s,\"entries\":%" PRIu64 ",\"first_seq\":%" PRIu64
	    ",\"last_seq\":%" PRIu64, s->problems ? "false" : "true",
	    s->entries, s->first_seq, s->last_seq);
	if (al_format_time(s->first_ns, 1, t, sizeof(t)) == 0)
		printf(",\"first_time\":\"%s\"", t);
	if (al_format_time(s->last_ns, 1, t, sizeof(t)) == 0)
		printf(",\"last_time\":\"%s\"", t);
	printf(",\"accesses\":%" PRIu64 ",\"allowed\":%" PRIu64 ",\"denied\":%"
	    PRIu64 ",\"policies\":[", s->accesses, s->allowed, s->denied);
	for (i = 0; i < s->npolicy; i++) {
		al_hex(s->policy[i].digest, AL_HASH_LEN, hex);
		printf("%s{\"seq\":%" PRIu64 ",\"name\":", i ? "," : "",
		    s->policy[i].seq);
		put_json(stdout, s->policy[i].name, strlen(s->policy[i].name));
		printf(",\"digest\":\"%s\"}", hex);
	}
	al_hex(s->head, AL_HASH_LEN, hex);
	printf("],\"head\":{\"seq\":%" PRIu64 ",\"hash\":\"%s\"},",
	    s->last_seq, hex);
	al_hex(s->root, AL_HASH_LEN, hex);
	printf("\"tree\":{\"size\":%" PRIu64 ",\"root\":\"%s\"},"
	    "\"checkpoints\":%" PRIu64 ",", s->entries, hex, s->checkpoints);
	if (cp != NULL)
		printf("\"checkpoint\":{\"size\":%" PRIu64 ",\"signature_"
		    "checked\":%s},", cp->size, cp->signed_by_key ? "true" :
		    "false");
	printf("\"problems_found\":%" PRIu64 "}\n", s->problems);
}

/* The verification itself; runs in the child. */
static int
run(const char *dir, struct al_verify_opts *o, int json)
{
	struct al_verify_summary s;
	struct problems		 p = { json, 0, "log" };
	al_log			*l = NULL;
	int			 rc, status;

	o->problem = on_problem;
	o->arg = &p;
	if ((rc = al_open(dir, AL_RDONLY, &l)) != 0) {
		status = lib_fail(rc, l, EX_NO);
		if (json) {
			printf("{\"ok\":false,\"problems\":[{\"seq\":null,"
			    "\"problem\":");
			put_json(stdout, al_errmsg(l), strlen(al_errmsg(l)));
			printf("}]}\n");
		}
		goto done;
	}
	if (json)
		fputs("{\"problems\":[", stdout);
	if ((rc = al_verify(l, o, &s)) != 0) {
		status = lib_fail(rc, l, EX_NO);
		if (json)
			printf("],\"ok\":false,\"error\":\"could not run\"}\n");
		if (status == EX_OK)
			status = EX_UNAVAIL;
		goto done;
	}
	if (json)
		summary_json(&s, o->checkpoint);
	else
		summary_text(&s, o->checkpoint);
	status = s.problems ? EX_NO : EX_OK;
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
	const char		*cpfile = NULL, *keyfile = NULL;
	pid_t			 pid;
	char			*buf;
	size_t			 len = 0;
	int			 ch, json = 0, nokey = 0, wstatus, fds[2];
	int			 status = EX_OK;

	memset(&o, 0, sizeof(o));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
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
		case 'h':
			return help(usage);
		default:
			return bad_option(usage, ch, argv);
		}
	}
	if (optind < argc)
		return usage_arg(usage, "unexpected argument",
		    argv[optind]);
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
	if (json)
		printf("{\"ok\":false,\"problems\":[{\"seq\":null,\"problem\":"
		    "\"the data file is damaged: the reader died of signal "
		    "%d\"}]}\n", WTERMSIG(wstatus));
	return finish(EX_NO);
}
