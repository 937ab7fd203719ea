/* entry_out.c - one entry as a table row or as a JSON object */
#include <stdio.h>
#include <string.h>

#include <bsd/string.h>

#include "cmd.h"

static void
cell(const struct al_str *s, int width)
{
	if (s->n == 0) {
		printf("%-*s ", width, "-");
		return;
	}
	put_term(stdout, s->p, s->n, AL_ESC_SPACE);
	/* Pad by bytes: wide columns are a courtesy, not a format. */
	if ((int)s->n < width)
		printf("%*s", width - (int)s->n, "");
	putchar(' ');
}

void
row_header(void)
{
	printf("%-5s %-20s %-6s %-16s %-12s %-17s %-8s %-13s %-10s %s\n",
	    "SEQ", "TIME", "RESULT", "ACTOR", "CUSTOMER", "PURPOSE",
	    "ACTION", "DATA", "REF", "RULE/REASON");
}

void
row(const struct al_entry *e)
{
	char	t[40], hex[2 * AL_HASH_LEN + 1];

	if (al_format_time(e->time_ns, 0, t, sizeof(t)) != 0)
		strlcpy(t, "?", sizeof(t));
	printf("%-5llu %-20s ", (unsigned long long)e->seq, t);
	if (e->kind == AL_KIND_POLICY || e->kind == AL_KIND_CHECKPOINT) {
		struct al_str none = { "", 0 };

		printf("%-6s ", e->kind == AL_KIND_POLICY ? "policy" : "tree");
		cell(&e->actor, 16);
		cell(&none, 12);
		cell(&none, 17);
		cell(&none, 8);
		cell(&none, 13);
		cell(&none, 10);
		if (e->kind == AL_KIND_CHECKPOINT) {
			al_hex(e->tree_root, AL_HASH_LEN, hex);
			printf("checkpoint size %llu root sha256:%.16s\n",
			    (unsigned long long)e->tree_size, hex);
			return;
		}
		al_hex(e->digest, AL_HASH_LEN, hex);
		fputs("set ", stdout);
		put_term(stdout, e->name.p, e->name.n, 0);
		printf(" sha256:%.16s\n", hex);
		return;
	}
	printf("%-6s ", e->allow ? "allow" : "deny");
	cell(&e->actor, 16);
	cell(&e->customer, 12);
	cell(&e->purpose, 17);
	cell(&e->action, 8);
	cell(&e->data, 13);
	cell(&e->ref, 10);
	if (e->allow)
		put_term(stdout, e->rule.p, e->rule.n, 0);
	else
		put_term(stdout, e->detail.p, e->detail.n, 0);
	putchar('\n');
}

void
json_entry(FILE *fp, const struct al_entry *e)
{
	(void)al_fput_entry_json(fp, e);	/* stream errors: finish() */
}
