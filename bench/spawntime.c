/* spawntime.c - time commands side by side: spawn, wait, medians */
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

/*
 * usage: spawntime [-n RUNS] [-b BLOCK] [-w WARMUP] CMD ARG... [::: CMD ARG...]...
 *
 * Runs every command RUNS times, alternating them in blocks of BLOCK runs
 * (the order of the commands rotates from block to block, so none always
 * runs first), after WARMUP untimed runs of each.  Each run is one
 * posix_spawnp() and waitpid(), timed with CLOCK_MONOTONIC: a shell loop
 * would add its own fork to every run, more than some of these take.  The
 * children's stdin and stdout are /dev/null; stderr is kept.  A run that
 * exits other than 0 stops everything.  Prints, a line per command:
 *	median_ns p10_ns p90_ns runs
 */

#define MAXCMD	8

extern char	**environ;

struct cmd {
	char		**argv;
	uint64_t	 *ns;
	size_t		  n;
};

static uint64_t
now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		err(3, "clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t
run(const struct cmd *c, const posix_spawn_file_actions_t *fa)
{
	uint64_t	t0, t1;
	pid_t		pid;
	int		rc, status;

	t0 = now();
	if ((rc = posix_spawnp(&pid, c->argv[0], fa, NULL, c->argv,
	    environ)) != 0) {
		errno = rc;
		err(3, "%s", c->argv[0]);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			err(3, "waitpid");
	t1 = now();
	if (WIFSIGNALED(status))
		errx(3, "%s: killed by signal %d", c->argv[0],
		    WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		errx(3, "%s: exit %d", c->argv[0], WEXITSTATUS(status));
	return t1 - t0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of a sorted array, nearest rank. */
static uint64_t
quantile(const uint64_t *v, size_t n, double q)
{
	size_t	i = (size_t)(q * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static uint64_t
median(const uint64_t *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long
number(const char *s, const char *what)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 1000000)
		errx(2, "%s: not a count: %s", what, s);
	return v;
}

int
main(int argc, char *argv[])
{
	posix_spawn_file_actions_t fa;
	struct cmd	 cmds[MAXCMD];
	size_t		 ncmd = 0, runs = 100, block = 10, warm = 3;
	size_t		 b, i, j, k, nblocks;
	int		 ch;

	while ((ch = getopt(argc, argv, "+n:b:w:")) != -1) {
		switch (ch) {
		case 'n': runs = (size_t)number(optarg, "-n"); break;
		case 'b': block = (size_t)number(optarg, "-b"); break;
		case 'w': warm = (size_t)number(optarg, "-w"); break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || runs == 0 || block == 0)
		goto usage;
	/* Split argv at each ":::" into the commands. */
	for (i = 0; i < (size_t)argc; ) {
		if (ncmd == MAXCMD)
			errx(2, "at most %d commands", MAXCMD);
		if (strcmp(argv[i], ":::") == 0)
			goto usage;
		cmds[ncmd].argv = &argv[i];
		for (j = i; j < (size_t)argc && strcmp(argv[j], ":::") != 0;
		    j++)
			;
		if (j < (size_t)argc)
			argv[j] = NULL;		/* argv[argc] is NULL already */
		if ((cmds[ncmd].ns = calloc(runs, sizeof(uint64_t))) == NULL)
			err(3, NULL);
		cmds[ncmd].n = 0;
		ncmd++;
		i = j + 1;
	}

	if ((errno = posix_spawn_file_actions_init(&fa)) != 0 ||
	    (errno = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
	    "/dev/null", O_RDONLY, 0)) != 0 ||
	    (errno = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
	    "/dev/null", O_WRONLY, 0)) != 0)
		err(3, "posix_spawn_file_actions");

	for (k = 0; k < warm; k++)
		for (i = 0; i < ncmd; i++)
			(void)run(&cmds[i], &fa);
	nblocks = (runs + block - 1) / block;
	for (b = 0; b < nblocks; b++)
		for (k = 0; k < ncmd; k++) {
			struct cmd *c = &cmds[(b + k) % ncmd];

			for (j = 0; j < block && c->n < runs; j++)
				c->ns[c->n++] = run(c, &fa);
		}

	for (i = 0; i < ncmd; i++) {
		struct cmd *c = &cmds[i];

		qsort(c->ns, c->n, sizeof(uint64_t), cmp_u64);
		printf("%llu %llu %llu %zu\n",
		    (unsigned long long)median(c->ns, c->n),
		    (unsigned long long)quantile(c->ns, c->n, 0.1),
		    (unsigned long long)quantile(c->ns, c->n, 0.9), c->n);
		free(c->ns);
	}
	posix_spawn_file_actions_destroy(&fa);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(3, "stdout");
	return 0;
usage:
	fprintf(stderr, "usage: spawntime [-n RUNS] [-b BLOCK] [-w WARMUP] "
	    "CMD ARG... [::: CMD ARG...]...\n");
	return 2;
}
