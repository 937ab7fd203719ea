/* out.c - the tools' output of untrusted text, through the library */
#include <stdio.h>

#include "cmd.h"

void
put_term(FILE *fp, const char *p, size_t n, int flags)
{
	(void)al_fput_term(fp, p, n, flags);	/* stream errors: finish() */
}

void
put_json(FILE *fp, const char *p, size_t n)
{
	(void)al_fput_json(fp, p, n);
}
