/*
 * verify_out.c - what verify and verify-export print: the problems as
 * they are found, then the summary, as text or as one JSON object
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <bsd/string.h>

#include "cmd.h"

/*
 * One problem that verify or verify-export found: a line "seq N: ..." (or
 * "WHOLE: ..." for one about the whole), or an object of a JSON array.
 */
void
print_problem(struct problems *p, uint64_t seq, const char *text)
{
	if (p->json) {
		fputs(p->n++ ? "," : "", stdout);
		if (seq)
			printf("{\"seq\":%" PRIu64 ",\"problem\":", seq);
		else
			fputs("{\"seq\":null,\"problem\":", stdout);
		put_json(stdout, text, strlen(text));
		putchar('}');
		return;
	}
	p->n++;
	if (seq)
		printf("seq %" PRIu64 ": ", seq);
	else
		printf("%s: ", p->whole);
	put_term(stdout, text, strlen(text), 0);
	putchar('\n');
}

void
on_problem(void *arg, uint64_t seq, const char *text)
{
	print_problem(arg, seq, text);
}

void
summary_text(const struct al_verify_summary *s, const struct al_checkpoint *cp)
{
	char	t1[40], t2[40], hex[2 * AL_HASH_LEN + 1];
	size_t	i;

	if (al_format_time(s->first_ns, 0, t1, sizeof(t1)) != 0)
		strlcpy(t1, "?", sizeof(t1));
	if (al_format_time(s->last_ns, 0, t2, sizeof(t2)) != 0)
		strlcpy(t2, "?", sizeof(t2));
	printf("entries   %" PRIu64 " (seq %" PRIu64 " to %" PRIu64 ")\n",
	    s->entries, s->first_seq, s->last_seq);
	printf("time      %s to %s\n", t1, t2);
	printf("accesses  %" PRIu64 ": %" PRIu64 " allowed, %" PRIu64
	    " denied\n", s->accesses, s->allowed, s->denied);
	printf("policies  %" PRIu64 "\n", s->policies);
	if (s->checkpoints > 0)
		printf("checkpoints %" PRIu64 "\n", s->checkpoints);
	for (i = 0; i < s->npolicy; i++) {
		al_hex(s->policy[i].digest, AL_HASH_LEN, hex);
		printf("  seq %" PRIu64 " ", s->policy[i].seq);
		put_term(stdout, s->policy[i].name, strlen(s->policy[i].name),
		    AL_ESC_SPACE);
		printf(" sha256:%s\n", hex);
	}
	al_hex(s->head, AL_HASH_LEN, hex);
	printf("head      %" PRIu64 " %s\n", s->last_seq, hex);
	al_hex(s->root, AL_HASH_LEN, hex);
	printf("tree      %" PRIu64 " %s\n", s->entries, hex);
	if (s->problems == 0 && cp != NULL)
		printf("verified: the chain is intact, every decision follows "
		    "from the policy in force, and the log extends the "
		    "checkpoint of size %" PRIu64 "%s\n", cp->size,
		    cp->signed_by_key ? " (signature checked)" : "");
	else if (s->problems == 0)
		puts("verified: the chain is intact and every decision "
		    "follows from the policy in force");
	else
		printf("FAILED: %" PRIu64 " problem%s\n", s->problems,
		    s->problems == 1 ? "" : "s");
}

void
summary_json(const struct al_verify_summary *s, const struct al_checkpoint *cp)
{
	char	t[40], hex[2 * AL_HASH_LEN + 1];
	size_t	i;

	printf("],\"ok\":%s,\"entries\":%" PRIu64 ",\"first_seq\":%" PRIu64
	    ",\"last_seq\":%" PRIu64, s->problems ? "false" : "true",
	    s->entries, s->first_seq, s->last_seq);
	if (al_format_time(s->first_ns, 1, t, sizeof(t)) == 0)
		printf(",\"first_time\":\"%s\"", t);
	if (al_format_time(s->last_ns, 1, t, sizeof(t)) == 0)
		printf(",\"last_time\":\"%s\"", t);
	printf(",\"accesses\":%" PRIu64 ",\"allowed\":%" PRIu64 ",\"denied\":%"
	    PRIu64 ",\"policies\":[", s->accesses, s->allowed, s->denied);
	for (i = 0; i < s->npolicy; i++) {
		al_hex(s->policy[i].digest, AL_HASH_LEN, hex);
		printf("%s{\"seq\":%" PRIu64 ",\"name\":", i ? "," : "",
		    s->policy[i].seq);
		put_json(stdout, s->policy[i].name, strlen(s->policy[i].name));
		printf(",\"digest\":\"%s\"}", hex);
	}
	al_hex(s->head, AL_HASH_LEN, hex);
	printf("],\"head\":{\"seq\":%" PRIu64 ",\"hash\":\"%s\"},",
	    s->last_seq, hex);
	al_hex(s->root, AL_HASH_LEN, hex);
	printf("\"tree\":{\"size\":%" PRIu64 ",\"root\":\"%s\"},"
	    "\"checkpoints\":%" PRIu64 ",", s->entries, hex, s->checkpoints);
	if (cp != NULL)
		printf("\"checkpoint\":{\"size\":%" PRIu64 ",\"signature_"
		    "checked\":%s},", cp->size, cp->signed_by_key ? "true" :
		    "false");
	printf("\"problems_found\":%" PRIu64 "}\n", s->problems);
}
