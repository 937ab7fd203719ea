/* stdfds.c - a closed standard stream stays closed, and its number taken */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "stdfds.h"

/*
 * Started with descriptor 0, 1 or 2 closed, a program's next open would
 * take that number: LMDB's data file or writer.lock as standard input or
 * output (a result printed into the log's own files), the daemon's socket
 * as standard output (results sent to auditlogd as requests).  So each
 * closed one is held on /dev/null opened the other way round: a read of
 * standard input or a write to standard output then fails with EBADF,
 * as on a closed one, and nothing else can have the number.  Not
 * close-on-exec: a pager started later is held the same way.
 */
int
hold_std(void)
{
	static const int	mode[3] = { O_WRONLY, O_RDONLY, O_RDONLY };
	int			i, fd, rc = 0;

	/* The lower ones are open: the lowest free number is i. */
	for (i = 0; i < 3 && rc == 0; i++) {
		if (fcntl(i, F_GETFD) != -1 || errno != EBADF)
			continue;
		if ((fd = open("/dev/null", mode[i])) != i) {
			if (fd != -1)
				(void)close(fd);
			rc = -1;
		}
	}
	return rc;
}
