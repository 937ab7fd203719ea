/* auditlogd.c - the log's one writer: services record over a Unix socket */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "auditlogd.h"
#include "stdfds.h"

#define DEFAULT_DIR	"/var/lib/auditlog"
#define DEFAULT_SOCKET	"/run/auditlog/auditlog.sock"
#define FD_SPARE	64	/* descriptors kept for the log and the loop */

#define EX_OK		0
#define EX_USAGE	2
#define EX_UNAVAIL	3

static const char usage[] =
    "usage: auditlogd [-d DIR] [-s SOCKET] [--socket-group GROUP]\n"
    "                 [--key SIGNER.key [--checkpoint-every SECONDS]\n"
    "                 [--publish DIR]]\n"
    "                 [--max-connections N] [--idle-timeout SECONDS]\n";

enum { OPT_GROUP = 1000, OPT_MAXCONN, OPT_IDLE, OPT_KEY, OPT_EVERY,
    OPT_PUBLISH };

static const struct option longopts[] = {
	{ "dir",		required_argument,	NULL, 'd' },
	{ "socket",		required_argument,	NULL, 's' },
	{ "socket-group",	required_argument,	NULL, OPT_GROUP },
	{ "max-connections",	required_argument,	NULL, OPT_MAXCONN },
	{ "idle-timeout",	required_argument,	NULL, OPT_IDLE },
	{ "key",		required_argument,	NULL, OPT_KEY },
	{ "checkpoint-every",	required_argument,	NULL, OPT_EVERY },
	{ "publish",		required_argument,	NULL, OPT_PUBLISH },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL,			0,			NULL, 0 }
};

static void
vdmsg(const char *fmt, va_list ap)
{
	fputs("auditlogd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
dmsg(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vdmsg(fmt, ap);
	va_end(ap);
}

static int
usage_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vdmsg(fmt, ap);
	va_end(ap);
	fputs(usage, stderr);
	return EX_USAGE;
}

/* A whole decimal number in [lo, hi], or -1. */
static long
number(const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

/* A group by name or number. */
static int
group_id(const char *name, gid_t *gid)
{
	struct group	*gr;
	long		 v;

	if ((gr = getgrnam(name)) != NULL) {
		*gid = gr->gr_gid;
		return 0;
	}
	if ((v = number(name, 0, INT_MAX)) < 0)
		return -1;
	*gid = (gid_t)v;
	return 0;
}

/*
 * A folder of ours alone (the log's, and the one checkpoints are
 * published in): a directory (not a link to one) owned by our user, which
 * no one else can write.
 */
int
check_dir(const char *dir)
{
	struct stat	st;

	if (lstat(dir, &st) == -1) {
		dmsg("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		dmsg("%s: not a folder%s", dir, S_ISLNK(st.st_mode) ?
		    " (a symbolic link): name the folder itself" : "");
		return -1;
	}
	if (st.st_uid != geteuid()) {
		dmsg("%s: owned by uid %lu, not by this daemon's user "
		    "(uid %lu)", dir, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		dmsg("%s: others can write it (mode %03o): chmod go-w",
		    dir, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * The folder a socket is made in must be one only we (or root) can
 * change, or someone could swap the socket for a link of theirs between
 * our checks and our bind.
 */
static int
check_socket_dir(const char *path)
{
	struct stat	 st;
	char		*copy, *slash;
	int		 rc = -1;

	if ((copy = strdup(path)) == NULL) {
		dmsg("out of memory");
		goto done;
	}
	if ((slash = strrchr(copy, '/')) == NULL)
		strcpy(copy, ".");
	else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(copy, &st) == -1) {
		dmsg("%s: %s", copy, strerror(errno));
		goto done;
	}
	if (!S_ISDIR(st.st_mode))
		dmsg("%s: not a folder", copy);
	else if (st.st_uid != geteuid() && st.st_uid != 0)
		dmsg("%s: the socket's folder is owned by uid %lu, neither "
		    "this daemon's user nor root", copy,
		    (unsigned long)st.st_uid);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		dmsg("%s: others can write the socket's folder (mode %03o)",
		    copy, (unsigned)(st.st_mode & 07777));
	else
		rc = 0;
done:
	free(copy);
	return rc;
}

/*
 * A socket file already there: a stale one of ours (nobody answers on
 * it) is removed; anything else is refused.
 */
static int
clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat	st;
	int		fd, rc = -1;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		dmsg("%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		dmsg("%s: exists and is not a socket: not replacing it", path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		dmsg("%s: a socket of uid %lu's: not replacing it", path,
		    (unsigned long)st.st_uid);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		dmsg("socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		dmsg("%s: another daemon serves this socket", path);
	else if (errno != ECONNREFUSED)
		dmsg("%s: %s", path, strerror(errno));
	else if (unlink(path) == -1)
		dmsg("%s: cannot remove the stale socket: %s", path,
		    strerror(errno));
	else
		rc = 0;
	(void)close(fd);
	return rc;
}

/* Make the listening socket at path, mode 0660, in group gid. */
static int
make_socket(const char *path, gid_t gid, struct stat *made)
{
	struct sockaddr_un	sa;
	mode_t			old;
	int			fd = -1, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		dmsg("%s: socket path longer than %zu bytes", path,
		    sizeof(sa.sun_path) - 1);
		goto fail;
	}
	memcpy(sa.sun_path, path, strlen(path));
	if (check_socket_dir(path) != 0 || clear_stale(path, &sa) != 0)
		goto fail;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		dmsg("socket: %s", strerror(errno));
		goto fail;
	}
	/* Made 0660 at once: never a moment open to everyone. */
	old = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	(void)umask(old);
	if (rc == -1) {
		dmsg("%s: bind: %s", path, strerror(errno));
		goto fail;
	}
	if (lstat(path, made) == -1) {
		dmsg("%s: %s", path, strerror(errno));
		goto unlink;
	}
	if (made->st_gid != gid) {
		if (lchown(path, (uid_t)-1, gid) == -1) {
			dmsg("%s: cannot give the socket to group %lu: %s",
			    path, (unsigned long)gid, strerror(errno));
			goto unlink;
		}
		made->st_gid = gid;
	}
	if (listen(fd, SOMAXCONN) == -1) {
		dmsg("%s: listen: %s", path, strerror(errno));
		goto unlink;
	}
	return fd;
unlink:
	(void)unlink(path);
fail:
	if (fd != -1)
		(void)close(fd);
	return -1;
}

/* Remove our socket at exit, if it is still the one we made. */
static void
remove_socket(const char *path, const struct stat *made)
{
	struct stat	st;

	if (lstat(path, &st) == 0 && st.st_dev == made->st_dev &&
	    st.st_ino == made->st_ino && unlink(path) == -1)
		dmsg("%s: %s", path, strerror(errno));
}

/* The sockets systemd passed (socket activation): 0 when none. */
static int
passed_sockets(int **fds, size_t *n)
{
	int	got, i, fl;

	if ((got = sd_listen_fds(1)) < 0) {
		dmsg("sd_listen_fds: %s", strerror(-got));
		return -1;
	}
	if (got == 0)
		return 0;
	if ((*fds = calloc((size_t)got, sizeof(int))) == NULL) {
		dmsg("out of memory");
		return -1;
	}
	for (i = 0; i < got; i++) {
		(*fds)[i] = SD_LISTEN_FDS_START + i;
		if (sd_is_socket_unix((*fds)[i], SOCK_STREAM, 1, NULL,
		    0) <= 0) {
			dmsg("descriptor %d from systemd is not a listening "
			    "Unix stream socket", (*fds)[i]);
			return -1;
		}
		if ((fl = fcntl((*fds)[i], F_GETFL)) == -1 ||
		    fcntl((*fds)[i], F_SETFL, fl | O_NONBLOCK) == -1) {
			dmsg("fcntl: %s", strerror(errno));
			return -1;
		}
	}
	*n = (size_t)got;
	return 1;
}

/* The path a passed socket is bound to, for the owner's note. */
static const char *
bound_path(int fd, struct sockaddr_un *sa)
{
	socklen_t	len = sizeof(*sa);

	memset(sa, 0, sizeof(*sa));
	if (getsockname(fd, (struct sockaddr *)sa, &len) == -1 ||
	    sa->sun_family != AF_UNIX || len <= offsetof(struct sockaddr_un,
	    sun_path) || sa->sun_path[0] == '\0')
		return "from systemd";
	sa->sun_path[sizeof(sa->sun_path) - 1] = '\0';
	return sa->sun_path;
}

/* As many descriptors as we may have; connections are bounded by it. */
static void
raise_nofile(size_t *max_conns)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
		    getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return;
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)*max_conns + FD_SPARE > rl.rlim_cur) {
		*max_conns = rl.rlim_cur > 2 * FD_SPARE ?
		    (size_t)(rl.rlim_cur - FD_SPARE) : FD_SPARE;
		dmsg("at most %zu connections: the descriptor limit is %lu",
		    *max_conns, (unsigned long)rl.rlim_cur);
	}
}

int
main(int argc, char **argv)
{
	struct serve_opts	 o;
	struct seal_opts	 so;
	struct stat		 made;
	struct sockaddr_un	 sa;
	sigset_t		 sigs;
	const char		*dir = DEFAULT_DIR, *path = DEFAULT_SOCKET,
				*group = NULL, *keyfile = NULL;
	char			*skey = NULL, *note = NULL;
	size_t			 klen = 0, nlen = 0;
	al_log			*l = NULL;
	char			 who[300], *p;
	int			*fds = NULL, one = -1, ch, rc, passed = 0,
				 status = EX_UNAVAIL, dead = 0, n;
	long			 v;
	gid_t			 gid = getegid();

	memset(&o, 0, sizeof(o));
	memset(&so, 0, sizeof(so));
	so.every = D_SEAL_SECS;
	o.max_conns = D_MAX_CONNS;
	o.idle_secs = D_IDLE_SECS;
	o.sigfd = -1;
	/* Before anything is opened: stdfds.c says why. */
	if (hold_std() != 0) {
		dmsg("/dev/null: %s", strerror(errno));
		return EX_UNAVAIL;
	}
	while ((ch = getopt_long(argc, argv, "d:s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 's':
			path = optarg;
			break;
		case OPT_GROUP:
			group = optarg;
			break;
		case OPT_MAXCONN:
			if ((v = number(optarg, 1, 1000000)) < 0)
				return usage_error("--max-connections: not a "
				    "number from 1 to 1000000: %s", optarg);
			o.max_conns = (size_t)v;
			break;
		case OPT_IDLE:
			if ((v = number(optarg, 1, 86400)) < 0)
				return usage_error("--idle-timeout: not a "
				    "number of seconds from 1 to 86400: %s",
				    optarg);
			o.idle_secs = (int)v;
			break;
		case OPT_KEY:
			keyfile = optarg;
			break;
		case OPT_EVERY:
			if ((v = number(optarg, 1, 86400)) < 0)
				return usage_error("--checkpoint-every: not a "
				    "number of seconds from 1 to 86400: %s",
				    optarg);
			so.every = (int)v;
			o.seal = &so;	/* given: checked below */
			break;
		case OPT_PUBLISH:
			so.publish = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return fflush(stdout) == 0 ? EX_OK : EX_UNAVAIL;
		default:
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument: %s", argv[optind]);
	if (group != NULL && group_id(group, &gid) != 0)
		return usage_error("--socket-group: no such group: %s", group);
	if (keyfile == NULL && (o.seal != NULL || so.publish != NULL))
		return usage_error("--checkpoint-every and --publish go with "
		    "--key: only signed checkpoints are made");

	/* Signals come through a descriptor, in the loop, on any thread. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    sigprocmask(SIG_BLOCK, &sigs, NULL) == -1 ||
	    (o.sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		dmsg("signals: %s", strerror(errno));
		goto done;
	}
	if (check_dir(dir) != 0)
		goto done;
	if (keyfile != NULL) {
		if (read_signer(keyfile, &skey, &klen) != 0 ||
		    (so.publish != NULL && check_dir(so.publish) != 0))
			goto done;
		so.skey = skey;
		so.actor = seal_actor();
		o.seal = &so;
	}
	if ((rc = al_open(dir, AL_OWNER, &l)) != 0) {
		const char *why = l != NULL ? al_errmsg(l) : al_strerror(rc);

		/* The library's messages name the folder. */
		fputs("auditlogd: ", stderr);
		(void)al_fput_term(stderr, why, strlen(why), 0);
		fputc('\n', stderr);
		goto done;
	}
	/* The key is checked now, by a checkpoint signed and not recorded. */
	if (o.seal != NULL &&
	    (rc = al_checkpoint(l, so.skey, NULL, &note, &nlen, NULL)) != 0) {
		dmsg("%s: %s", keyfile, al_errmsg(l));
		status = rc == AL_EINVAL ? EX_USAGE : EX_UNAVAIL;
		goto done;
	}
	if ((rc = al_reader_check(l, &dead)) != 0)
		dmsg("%s: %s", dir, al_errmsg(l));
	else if (dead > 0)
		dmsg("%s: cleared %d stale reader slot%s", dir, dead,
		    dead == 1 ? "" : "s");
	raise_nofile(&o.max_conns);
	if ((passed = passed_sockets(&fds, &o.nlisten)) < 0)
		goto done;
	if (passed == 0) {
		if ((one = make_socket(path, gid, &made)) == -1)
			goto done;
		o.listen = &one;
		o.nlisten = 1;
	} else
		o.listen = fds;
	/* What a direct writer is told while we run. */
	n = snprintf(who, sizeof(who), "auditlogd (pid %ld, socket %s)",
	    (long)getpid(), passed ? bound_path(fds[0], &sa) : path);
	if (n < 0 || (size_t)n >= sizeof(who))
		n = snprintf(who, sizeof(who), "auditlogd (pid %ld)",
		    (long)getpid());
	/* One printable line, whatever bytes the path holds. */
	for (p = who; n > 0 && *p != '\0'; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	if (n < 0 || al_set_owner(l, who) != 0) {
		dmsg("%s: %s", dir, al_errmsg(l));
		goto unlink;
	}
	o.log = l;
	o.dir = dir;
	status = serve(&o);
	if (status == EX_OK)
		dmsg("stopped");
unlink:
	/* serve closed the listening sockets. */
	if (passed == 0)
		remove_socket(path, &made);
done:
	if (o.sigfd != -1)
		(void)close(o.sigfd);
	al_close(l);
	free(fds);
	free(note);
	free_key(skey, KEY_BUF);
	return status;
}
