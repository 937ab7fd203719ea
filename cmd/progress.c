/*
 * progress.c - a progress line on a terminal's stderr for the long
 * commands: updated in place at most four times a second, cleared at the
 * end, and never written when stderr is not a terminal
 */
#include <sys/stat.h>

#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"

#define EVERY_NS	250000000ULL	/* four times a second */

static struct {
	int		 on;
	int		 shown;		/* a line is on the screen */
	uint64_t	 last_ns;
	uint64_t	 total;		/* entries, or 0: unknown */
	int		 fd;		/* a file read, or -1 */
	off_t		 size;		/* ...of this size */
	size_t		 width;		/* of the line on the screen */
} pr;

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Start: returns whether progress is to be shown (stderr is a terminal).
 * total is the number of entries expected, or 0; fd a regular file
 * being read through, whose offset says how far along it is, or -1.
 */
int
progress_start(uint64_t total, int fd)
{
	struct stat	st;

	pr.on = isatty(STDERR_FILENO);
	pr.shown = 0;
	pr.total = total;
	pr.fd = -1;
	pr.last_ns = 0;	/* the first call shows at once */
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0) {
		pr.fd = fd;
		pr.size = st.st_size;
	}
	return pr.on;
}

/* The library's callback (al_verify_opts, al_bundle_opts, al_export_opts). */
void
progress_cb(void *arg, uint64_t bytes, uint64_t entries)
{
	uint64_t	t = now_ns();
	off_t		at;
	int		n;

	(void)arg;
	if (!pr.on || t - pr.last_ns < EVERY_NS)
		return;
	pr.last_ns = t;
	if (bytes > 0)		/* al_export, packing */
		n = fprintf(stderr, "\rauditlog: %s: %" PRIu64 " MB packed",
		    progverb, bytes >> 20);
	else if (pr.total > 0 && entries <= pr.total)
		n = fprintf(stderr, "\rauditlog: %s: %" PRIu64 " of %" PRIu64
		    " entries (%d%%)", progverb, entries, pr.total,
		    (int)(entries * 100 / pr.total));
	else if (pr.fd >= 0 && (at = lseek(pr.fd, 0, SEEK_CUR)) >= 0 &&
	    at <= pr.size)
		n = fprintf(stderr, "\rauditlog: %s: %" PRIu64 " entries "
		    "(%d%% of the file read)", progverb, entries,
		    (int)((uint64_t)at * 100 / (uint64_t)pr.size));
	else
		n = fprintf(stderr, "\rauditlog: %s: %" PRIu64 " entries",
		    progverb, entries);
	if (n > 0) {
		/* Wipe what a longer line before left. */
		if ((size_t)n < pr.width + 1)
			fprintf(stderr, "%*s", (int)(pr.width + 1 - (size_t)n),
			    "");
		if ((size_t)n - 1 > pr.width)
			pr.width = (size_t)n - 1;
		pr.shown = 1;
	}
}

/* Clear the line, and show no more (the end, or a problem to print). */
void
progress_end(void)
{
	if (pr.shown)
		fprintf(stderr, "\r%*s\r", (int)pr.width, "");
	pr.on = pr.shown = 0;
	pr.width = 0;
}
