/* fuzz_policy.c - libFuzzer harness: the policy lexer, parser and evaluator */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "al_int.h"

/*
 * The input is a policy text.  Whatever it holds, al_policy_check and
 * policy_parse must agree on whether it is valid, an invalid one must come
 * with "name:line:col: message" lines, and a valid one must decide every
 * access it is given (fixed ones, and ones made of the input's own words)
 * consistently and the same way twice.  A broken promise is an abort(),
 * which libFuzzer reports as a crash with the input that broke it.
 */

#define NAME		"fuzz.policy"
#define MAX_WORDS	16	/* words taken from the input */
#define MAX_COMBOS	4	/* accesses built around each word */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Accesses a policy in the style of policies/default.policy meets. */
static const struct al_access fixed[] = {
	{ "svc:billing", "acme", "service-provision", "read", "billing",
	    "invoices/2026-11", NULL, NULL, "billing" },
	{ "alice", "acme", "support-ticket", "read", "contact", NULL,
	    "SUP-4711", NULL, NULL },
	{ "alice", "acme", "support-ticket", "read", NULL, NULL, NULL, NULL,
	    NULL },
	{ "bob", "acme", "technical-fix", "restore", "usage", NULL, "INC-x",
	    "disk failure", NULL },
	{ "carol", "acme", "legal-requirement", "export", "customer-data",
	    NULL, "LEGAL-2026-7", NULL, NULL },
	{ "svc:ads", "acme", "marketing", "share-advertising", "contact",
	    NULL, NULL, NULL, NULL },
	{ "svc:x", "acme", "service-provision", "sell", "usage", NULL, NULL,
	    NULL, NULL },
	{ "*", "*", "*", "*", "*", "*", "*", "*", "*" },
};

static void
fail(const char *why)
{
	fprintf(stderr, "fuzz_policy: %s\n", why);
	abort();
}

/* What every decision must satisfy, allowed or denied. */
static void
decision_ok(const struct al_decision *d)
{
	if ((int)d->code < 0 || d->code >= AL_NCODES)
		fail("decision code out of range");
	if (d->allow != (d->code == AL_ALLOWED))
		fail("allow disagrees with code");
	if (memchr(d->rule, '\0', sizeof(d->rule)) == NULL ||
	    memchr(d->detail, '\0', sizeof(d->detail)) == NULL)
		fail("rule or detail not terminated");
	/* The rule is named exactly when one decided: an allow or a deny. */
	if ((d->code == AL_ALLOWED || d->code == AL_DENY_RULE) !=
	    (d->rule[0] != '\0'))
		fail("rule named for the wrong codes");
	/* A denial says what was missing (README.md, auditlog-policy(5)). */
	if (d->allow != (d->detail[0] == '\0'))
		fail("a denial without a reason, or an allow with one");
	if (d->rule[0] != '\0' && (strncmp(d->rule, NAME ":",
	    sizeof(NAME)) != 0))
		fail("rule is not name:line");
}

static void
eval(const struct policy *p, const struct al_access *a)
{
	struct al_decision	d1, d2;

	memset(&d1, 0xa5, sizeof(d1));
	memset(&d2, 0x5a, sizeof(d2));
	policy_eval(p, a, &d1);
	decision_ok(&d1);
	policy_eval(p, a, &d2);
	if (d1.allow != d2.allow || d1.code != d2.code ||
	    strcmp(d1.rule, d2.rule) != 0 || strcmp(d1.detail, d2.detail) != 0)
		fail("the same access decided two ways");
}

/* A word the library would take as a field: see field_ok in core/log.c. */
static int
word_ok(const char *w, size_t n, size_t max)
{
	return n > 0 && n <= max && al_utf8_ok((const uint8_t *)w, n,
	    NULL) == 0;
}

static const char *
pick(char **w, size_t nw, size_t i, size_t max, const char *dflt)
{
	const char	*s = w[i % nw];

	return word_ok(s, strlen(s), max) ? s : dflt;
}

/*
 * Split the input into words at blanks, quotes, braces and line ends: the
 * names, members, patterns and words a policy declares, as an access
 * would name them.  Returns how many, each malloc'd.
 */
static size_t
words(const uint8_t *data, size_t size, char **w)
{
	size_t	i = 0, j, nw = 0;

	while (i < size && nw < MAX_WORDS) {
		if (strchr(" \t\n\"{}", data[i]) != NULL || data[i] == '\0') {
			i++;
			continue;
		}
		for (j = i; j < size && data[j] != '\0' &&
		    strchr(" \t\n\"{}", data[j]) == NULL; j++)
			;
		if (word_ok((const char *)data + i, j - i, AL_MAX_NAME)) {
			if ((w[nw] = malloc(j - i + 1)) == NULL)
				break;
			memcpy(w[nw], data + i, j - i);
			w[nw][j - i] = '\0';
			nw++;
		}
		i = j;
	}
	return nw;
}

/*
 * The messages quote the policy's words, which are valid UTF-8 with no
 * control character but the tab: so must the messages be.
 */
static int
text_ok(const char *s, size_t n)
{
	const char	*tab;
	size_t		 i, m;

	for (i = 0; i <= n; i = m + 1) {
		tab = memchr(s + i, '\t', n - i);
		m = tab ? (size_t)(tab - s) : n;
		if (al_utf8_ok((const uint8_t *)s + i, m - i, NULL) != 0)
			return 0;
	}
	return 1;
}

static void
errors_ok(const char *errs)
{
	const char	*s, *nl;
	size_t		 n;

	if (errs == NULL || *errs == '\0')
		fail("an invalid policy with no error message");
	n = strlen(errs);
	if (errs[n - 1] != '\n')
		fail("error text does not end a line");
	for (s = errs; *s != '\0'; s = nl + 1) {
		nl = strchr(s, '\n');
		if (strncmp(s, NAME ":", sizeof(NAME)) != 0)
			fail("error line does not start with the name");
		if (!text_ok(s, (size_t)(nl - s)))
			fail("error line is not valid UTF-8 text");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*text = (const char *)data;
	struct policy	*p;
	struct buf	 errs = { 0 };
	struct al_access a;
	char		*errtext, *w[MAX_WORDS];
	size_t		 i, j, nw;
	int		 rc;

	rc = al_policy_check(NAME, text, size, &errtext);
	if (rc != 0 && rc != AL_EINVAL)
		fail("al_policy_check: neither valid nor invalid");
	if (rc == 0 && errtext != NULL)
		fail("a valid policy with error text");
	if (rc != 0)
		errors_ok(errtext);
	free(errtext);
	/* Without an error buffer: the same verdict. */
	if (al_policy_check(NAME, text, size, NULL) != rc)
		fail("al_policy_check changes its mind without errors");

	p = policy_parse(NAME, text, size, &errs);
	if ((p != NULL) != (rc == 0))
		fail("policy_parse disagrees with al_policy_check");
	if (p != NULL && errs.n != 0)
		fail("a parsed policy with error text");
	buf_free(&errs);
	if (p == NULL)
		return 0;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		eval(p, &fixed[i]);
	nw = words(data, size, w);
	for (i = 0; i < nw; i++) {
		for (j = 0; j < MAX_COMBOS; j++) {
			memset(&a, 0, sizeof(a));
			a.purpose = pick(w, nw, i, AL_MAX_WORD, "p");
			a.actor = pick(w, nw, i + j + 1, AL_MAX_NAME, "alice");
			a.customer = "acme";
			a.action = pick(w, nw, i + 2 * j + 2, AL_MAX_WORD,
			    "read");
			a.data = j & 2 ? NULL : pick(w, nw, i + 3 * j + 3,
			    AL_MAX_WORD, "contact");
			a.ref = j & 1 ? pick(w, nw, i + j + 2, AL_MAX_NAME,
			    NULL) : NULL;
			eval(p, &a);
		}
	}
	for (i = 0; i < nw; i++)
		free(w[i]);
	policy_free(p);
	return 0;
}
