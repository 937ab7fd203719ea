/* tap.h - the Test Anything Protocol for the C tests: one check a line */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>

static int	ntests, nfailed;

static void
check(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "ok N - ..." or "not ok N - ...", and count. */
static void
check(int cond, const char *fmt, ...)
{
	va_list	ap;

	ntests++;
	if (!cond)
		nfailed++;
	printf("%sok %d - ", cond ? "" : "not ", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);		/* before a fork, or a crash */
}

#endif
