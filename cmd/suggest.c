/* suggest.c - "did you mean": the nearest of some words, as git says it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define MAX_WORD	64	/* longer words are never near */

/*
 * Edit distance with adjacent transpositions (optimal string alignment):
 * "recrod" is one edit from "record", as a typist sees it.
 */
static size_t
distance(const char *a, const char *b)
{
	size_t	 d[MAX_WORD + 1][MAX_WORD + 1];
	size_t	 i, j, m = strlen(a), n = strlen(b), v;

	if (m > MAX_WORD || n > MAX_WORD)
		return SIZE_MAX;
	for (i = 0; i <= m; i++)
		d[i][0] = i;
	for (j = 0; j <= n; j++)
		d[0][j] = j;
	for (i = 1; i <= m; i++)
		for (j = 1; j <= n; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[m][n];
}

/*
 * The candidates nearest to word, into near (room for n): a candidate
 * that word begins is nearest of all; otherwise those within a third of
 * word's length in edits (one at least) at the least distance.  Returns
 * how many there are, 0 when none is near enough to suggest.
 */
size_t
nearest(const char *word, const char *const *cand, size_t n,
    const char **near)
{
	size_t	 i, k = 0, best = SIZE_MAX, d, len = strlen(word);
	size_t	 reach = len / 3 > 1 ? len / 3 : 1;

	for (i = 0; i < n; i++) {
		if (len > 0 && strncmp(cand[i], word, len) == 0)
			d = 0;
		else if ((d = distance(word, cand[i])) > reach)
			continue;
		if (d < best) {
			best = d;
			k = 0;
		}
		if (d == best)
			near[k++] = cand[i];
	}
	return k;
}

/* "did you mean 'a'?" or "did you mean one of 'a', 'b'?", on stderr. */
void
say_nearest(const char *const *near, size_t n)
{
	size_t	i;

	fputs("auditlog: ", stderr);
	if (progverb != NULL)
		fprintf(stderr, "%s: ", progverb);
	fputs(n > 1 ? "did you mean one of" : "did you mean", stderr);
	for (i = 0; i < n; i++) {
		fputs(i ? ", '" : " '", stderr);
		put_term(stderr, near[i], strlen(near[i]), 0);
		fputc('\'', stderr);
	}
	fputs("?\n", stderr);
}
