/* peakmem.c - run a command; its peak RSS and peak anonymous RSS */
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: peakmem OUT CMD ARG...
 *
 * Runs CMD and, every 10 ms until it exits, adds up RssAnon (from
 * /proc/PID/status) over it and its descendants (from
 * /proc/PID/task/PID/children: verify scans in a child process), keeping
 * the largest sum: Linux keeps no high-water mark of anonymous memory
 * alone.  Appends to OUT one line
 *	maxrss_kb peak_anon_kb
 * where maxrss is the kernel's high-water RSS of the command and the
 * children it waited for (wait4's ru_maxrss, what /usr/bin/time -f %M
 * prints; it counts LMDB's file-backed map pages too).  Exits with the
 * command's status.  A peak shorter than 10 ms can be missed.
 */

extern char	**environ;

static long
anon_kb(pid_t pid, int depth)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kb = 0, v, child;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;		/* gone already */
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "RssAnon: %ld", &v) == 1)
			kb = v;
	fclose(f);
	if (depth > 8)
		return kb;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return kb;
	while (fscanf(f, "%ld", &child) == 1)
		kb += anon_kb((pid_t)child, depth + 1);
	fclose(f);
	return kb;
}

int
main(int argc, char *argv[])
{
	static const struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct rusage	 ru;
	FILE		*out;
	pid_t		 pid, w;
	long		 peak = 0, kb;
	int		 rc, status;

	if (argc < 3)
		errx(2, "usage: peakmem OUT CMD ARG...");
	if ((rc = posix_spawnp(&pid, argv[2], NULL, NULL, &argv[2],
	    environ)) != 0) {
		errno = rc;
		err(3, "%s", argv[2]);
	}
	for (;;) {
		if ((kb = anon_kb(pid, 0)) > peak)
			peak = kb;
		w = wait4(pid, &status, WNOHANG, &ru);
		if (w == pid)
			break;
		if (w == -1 && errno != EINTR)
			err(3, "wait4");
		nanosleep(&tick, NULL);
	}
	if ((out = fopen(argv[1], "a")) == NULL)
		err(3, "%s", argv[1]);
	fprintf(out, "%ld %ld\n", ru.ru_maxrss, peak);
	if (fclose(out) != 0)
		err(3, "%s", argv[1]);
	if (WIFSIGNALED(status))
		errx(3, "%s: killed by signal %d", argv[2], WTERMSIG(status));
	return WEXITSTATUS(status);
}
