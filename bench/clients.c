/* clients.c - 16 callers recording at once, each waiting for its answer */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auditlog.h"

/*
 * usage: clients [-n CALLERS] [-t SECONDS] lib SOCKET|DIR
 *        clients [-n CALLERS] [-t SECONDS] spawn CMD ARG...
 *
 * lib: CALLERS processes (16 by default), each with its own handle (al_connect
 * on a socket, al_open on a log's folder), record one access at a time and
 * wait for it, for SECONDS (3): the services of issue 13's speed rows.
 * Processes, not threads: LMDB forbids one process opening an environment
 * twice, and a service is a process of its own.
 * spawn: CALLERS loops each run CMD (posix_spawnp, waitpid) one after
 * another, for SECONDS; a run that exits other than 0 stops everything.
 * Prints: calls calls_per_second p50_us p99_us (latency of one call: a
 * record's reply, or a process from spawn to exit).
 */

#define CAP	200000		/* latencies a caller keeps */

extern char	**environ;

static uint64_t
now_us(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		err(3, "clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
cmp32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* One caller: its latencies in lat, how many in *n. */
static void
caller(int id, int spawn, char **argv, uint64_t end, uint32_t *lat,
    uint32_t *n)
{
	struct al_access	 a;
	struct al_decision	 d;
	struct stat		 st;
	posix_spawn_file_actions_t fa;
	al_log			*l = NULL;
	char			 cust[32];
	uint64_t		 t0, t1;
	pid_t			 pid;
	int			 rc, status, k = 0;

	memset(&a, 0, sizeof(a));
	a.actor = "svc:billing";
	a.purpose = "service-provision";
	a.action = "read";
	a.data = "billing";
	a.service = "billing";
	a.customer = cust;
	/* The commands' output is not ours to print. */
	if (spawn && (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
	    O_WRONLY, 0) != 0))
		errx(3, "posix_spawn_file_actions");
	if (!spawn) {
		rc = stat(argv[0], &st) == 0 && S_ISDIR(st.st_mode) ?
		    al_open(argv[0], 0, &l) : al_connect(argv[0], &l);
		if (rc != 0)
			errx(3, "%s: %s", argv[0], l ? al_errmsg(l) :
			    al_strerror(rc));
		al_set_timeout(l, 60000);
	}
	while ((t0 = now_us()) < end && *n < CAP) {
		if (spawn) {
			if ((rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv,
			    environ)) != 0) {
				errno = rc;
				err(3, "%s", argv[0]);
			}
			if (waitpid(pid, &status, 0) == -1)
				err(3, "waitpid");
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				errx(3, "%s: exit %d", argv[0],
				    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		} else {
			(void)snprintf(cust, sizeof(cust), "c-%d-%d", id, k++);
			if ((rc = al_record(l, &a, &d)) != 0 || !d.allow)
				errx(3, "al_record: %s", rc ? al_errmsg(l) :
				    d.detail);
		}
		t1 = now_us();
		lat[(*n)++] = (uint32_t)(t1 - t0);
	}
	al_close(l);
}

int
main(int argc, char **argv)
{
	uint32_t	*lat, *cnt, *all;
	uint64_t	 t0, end, total = 0, i, k;
	double		 secs = 3;
	pid_t		 pid;
	int		 ch, callers = 16, c, status, spawn, failed = 0;

	while ((ch = getopt(argc, argv, "+n:t:")) != -1) {
		switch (ch) {
		case 'n':
			callers = atoi(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || callers < 1 || callers > 256 || secs <= 0)
		goto usage;
	if (strcmp(argv[0], "spawn") == 0)
		spawn = 1;
	else if (strcmp(argv[0], "lib") == 0 && argc == 2)
		spawn = 0;
	else
		goto usage;
	if ((lat = mmap(NULL, (size_t)callers * CAP * sizeof(uint32_t),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)) ==
	    MAP_FAILED || (cnt = mmap(NULL, (size_t)callers *
	    sizeof(uint32_t), PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		err(3, "mmap");
	t0 = now_us();
	end = t0 + (uint64_t)(secs * 1e6);
	for (c = 0; c < callers; c++) {
		if ((pid = fork()) == -1)
			err(3, "fork");
		if (pid == 0) {
			caller(c, spawn, argv + 1, end, lat + (size_t)c * CAP,
			    &cnt[c]);
			_exit(0);
		}
	}
	while (wait(&status) != -1)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	if (failed)
		errx(3, "a caller failed");
	for (c = 0; c < callers; c++)
		total += cnt[c];
	if (total == 0)
		errx(3, "no call finished");
	if ((all = malloc(total * sizeof(uint32_t))) == NULL)
		err(3, "malloc");
	for (c = 0, k = 0; c < callers; c++)
		for (i = 0; i < cnt[c]; i++)
			all[k++] = lat[(size_t)c * CAP + i];
	qsort(all, total, sizeof(uint32_t), cmp32);
	/* The rate over the time given: the last calls end just after it. */
	printf("%llu %.0f %u %u\n", (unsigned long long)total,
	    (double)total / secs, all[total / 2], all[(total * 99) / 100]);
	free(all);
	return 0;
usage:
	fprintf(stderr, "usage: clients [-n CALLERS] [-t SECONDS] lib "
	    "SOCKET|DIR\n       clients [-n CALLERS] [-t SECONDS] spawn CMD "
	    "ARG...\n");
	return 2;
}
