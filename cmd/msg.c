/* msg.c - what every command says on stderr, and its exit status */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char	*progverb = NULL;
/* What help() says after a usage: main.c sets it to help.c's options. */
void		(*help_more)(FILE *) = NULL;

static void
vmsg(const char *fmt, va_list ap)
{
	fputs("auditlog: ", stderr);
	if (progverb != NULL)
		fprintf(stderr, "%s: ", progverb);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
msg(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

/* A message whose text came from outside: escape it for the terminal. */
void
msg_term(const char *prefix, const char *text)
{
	fputs("auditlog: ", stderr);
	if (progverb != NULL)
		fprintf(stderr, "%s: ", progverb);
	fputs(prefix, stderr);
	put_term(stderr, text, strlen(text), 0);
	fputc('\n', stderr);
}

/*
 * Report a library failure; map it to the exit status.  A message of
 * several lines (every error of a policy, as auditlogd replies them) is
 * said a line at a time, each escaped.
 */
int
lib_fail(int rc, al_log *l, int exit_if_corrupt)
{
	const char	*m = l != NULL ? al_errmsg(l) : al_strerror(rc), *nl;
	size_t		 n;

	do {
		nl = strchr(m, '\n');
		n = nl != NULL ? (size_t)(nl - m) : strlen(m);
		fputs("auditlog: ", stderr);
		if (progverb != NULL)
			fprintf(stderr, "%s: ", progverb);
		put_term(stderr, m, n, 0);
		fputc('\n', stderr);
		m = nl != NULL ? nl + 1 : NULL;
	} while (m != NULL && *m != '\0');
	switch (rc) {
	case AL_EINVAL:
		return EX_USAGE;
	case AL_EREFUSED:
		return EX_NO;
	case AL_ECORRUPT:
		return exit_if_corrupt;
	default:
		return EX_UNAVAIL;
	}
}

/* Print errs, one message a line, and free it. */
void
put_lines(char *errs)
{
	char	*line, *nl;

	for (line = errs; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line);
		/* Lines that reach a message passed the parser's UTF-8
		 * and control checks: they print as they are. */
		fwrite(line, 1, (size_t)(nl - line), stderr);
		fputc('\n', stderr);
		if (*nl == '\0')
			break;
	}
	free(errs);
}

/* Check a policy text; print its errors, a "file:line:col: msg" each. */
int
policy_errors(const char *name, const char *text, size_t len)
{
	char	*errs;

	if (al_policy_check(name, text, len, &errs) == 0)
		return 0;
	if (errs == NULL) {
		msg("out of memory");
		return EX_UNAVAIL;
	}
	put_lines(errs);
	return EX_USAGE;
}

/*
 * Check a policy text against the floor of log l (or, when l is NULL or
 * has none, the default floor); print what it breaks, a "POLICY:LINE:
 * message (FLOOR:LINE)" each.  EX_NO when it breaks the floor.
 */
int
floor_errors(al_log *l, const char *name, const char *text, size_t len)
{
	struct al_entry	 f;
	char		*errs;
	int		 rc;

	if (l != NULL && al_floor_get(l, &f) == 0)
		rc = al_floor_check(f.name.p, f.text.p, f.text.n, name, text,
		    len, &errs);
	else
		rc = al_floor_check("promise.floor", NULL, 0, name, text, len,
		    &errs);
	if (rc == 0)
		return EX_OK;
	if (errs == NULL) {
		msg("out of memory");
		return EX_UNAVAIL;
	}
	put_lines(errs);
	return EX_NO;
}

int
usage_error(const char *usage, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fputs(usage, stderr);
	return EX_USAGE;
}

/*
 * getopt_long said ':' (no value) or '?' (unknown): name the option, with
 * the user's text escaped, since it may hold anything.
 */
int
bad_option(const char *usage, int ch, char **argv)
{
	const char	*arg = argv[optind - 1];

	fputs("auditlog: ", stderr);
	fprintf(stderr, "%s: ", progverb);
	if (ch == ':') {
		put_term(stderr, arg, strlen(arg), 0);
		fputs(" needs a value\n", stderr);
	} else {
		fputs("unknown option '", stderr);
		put_term(stderr, arg, strlen(arg), 0);
		fputs("'\n", stderr);
	}
	fputs(usage, stderr);
	return EX_USAGE;
}

/* A usage error about the user's own words: "what 'ARG'", escaped. */
int
usage_arg(const char *usage, const char *what, const char *arg)
{
	fprintf(stderr, "auditlog: %s%s%s '", progverb ? progverb : "",
	    progverb ? ": " : "", what);
	put_term(stderr, arg, strlen(arg), 0);
	fputs("'\n", stderr);
	if (usage != NULL)
		fputs(usage, stderr);
	return EX_USAGE;
}

int
help(const char *usage)
{
	fputs(usage, stdout);
	if (help_more != NULL)
		help_more(stdout);
	return finish(EX_OK);
}

/*
 * Flush and close stdout: a write error (a full disk, a closed pipe) is
 * an error, so a caller never takes a cut output for the whole.
 */
int
finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		msg("write error on standard output: %s", strerror(errno));
		return EX_UNAVAIL;
	}
	return status;
}
