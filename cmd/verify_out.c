/*
 * verify_out.c - what verify and verify-export print: the problems as
 * they are found, then the summary, as text or as one JSON object
 *
 * With --json, standard output holds one object and nothing else.  A run
 * that gets going writes {"problems":[ first (verdict_begin), an element
 * a problem (on_problem), then the rest of the object: its summary
 * (verdict_log, verdict_bundle) or that it could not run
 * (verdict_not_run).  One that cannot start writes an object of its own
 * (verdict_alone, verdict_error).  Without --json, the functions that
 * only close or replace the object print nothing: the command's message
 * on stderr says it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <bsd/string.h>

#include "cmd.h"

void
verdict_begin(struct verdict *v)
{
	if (v->json)
		fputs("{\"problems\":[", stdout);
}

/*
 * One problem that verify or verify-export found: a line "seq N: ..." (or
 * "WHOLE: ..." for one about the whole), or an object of a JSON array.
 */
static void
print_problem(struct verdict *p, uint64_t seq, const char *text)
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
	/* The problems are what matter: no progress line among them. */
	progress_end();
	print_problem(arg, seq, text);
}

/* Why a clock anomaly is one, in words: "back: before seq 5's time". */
static void
clock_why(const struct al_clock_note *c, char *buf, size_t len)
{
	char	t[40];
	int	n;

	if (al_format_time(c->other_ns, 0, t, sizeof(t)) != 0)
		strlcpy(t, "?", sizeof(t));
	if (c->kind == AL_CLOCK_BACK)
		n = snprintf(buf, len, "back: before seq %" PRIu64 "'s time "
		    "(%s)", c->other_seq, t);
	else if (c->other_seq)
		n = snprintf(buf, len, "ahead: more than an hour after seq %"
		    PRIu64 "'s time (%s)", c->other_seq, t);
	else
		n = snprintf(buf, len, "ahead: more than 5 minutes past this "
		    "machine's clock (%s)", t);
	if (n < 0 || (size_t)n >= len)
		strlcpy(buf, "?", len);
}

/*
 * Clock anomalies are warnings: the log is intact, a writer's clock was
 * wrong, and the entries it stamped are where their seqs put them.
 */
static void
clock_text(const struct al_verify_summary *s)
{
	char	t[40], why[160];
	size_t	i;

	if (s->clock_total == 0)
		return;
	printf("clock     %" PRIu64 " warning%s: a writer's clock was wrong "
	    "(order is by seq)\n", s->clock_total,
	    s->clock_total == 1 ? "" : "s");
	for (i = 0; i < s->nclock; i++) {
		if (al_format_time(s->clock[i].time_ns, 0, t, sizeof(t)) != 0)
			strlcpy(t, "?", sizeof(t));
		clock_why(&s->clock[i], why, sizeof(why));
		printf("  seq %" PRIu64 "  %s  %s\n", s->clock[i].seq, t, why);
	}
	if (s->clock_total > s->nclock)
		printf("  (%" PRIu64 " more not listed)\n",
		    s->clock_total - s->nclock);
}

static void
clock_json(const struct al_verify_summary *s)
{
	char	t[40];
	size_t	i;

	printf(",\"clock\":[");
	for (i = 0; i < s->nclock; i++) {
		const struct al_clock_note *c = &s->clock[i];

		if (al_format_time(c->time_ns, 1, t, sizeof(t)) != 0)
			strlcpy(t, "?", sizeof(t));
		printf("%s{\"seq\":%" PRIu64 ",\"kind\":\"%s\",\"time\":"
		    "\"%s\"", i ? "," : "", c->seq, c->kind == AL_CLOCK_BACK ?
		    "back" : "ahead", t);
		if (al_format_time(c->other_ns, 1, t, sizeof(t)) != 0)
			strlcpy(t, "?", sizeof(t));
		if (c->other_seq)
			printf(",\"than_seq\":%" PRIu64 ",\"than_time\":"
			    "\"%s\"}", c->other_seq, t);
		else
			printf(",\"than_seq\":null,\"than_time\":\"%s\"}",
			    t);
	}
	printf("],\"clock_warnings\":%" PRIu64, s->clock_total);
}

static void
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
	clock_text(s);
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

static void
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
	printf("\"problems_found\":%" PRIu64, s->problems);
	clock_json(s);
	printf("}\n");
}

/* verify's summary, after its problems. */
void
verdict_log(struct verdict *v, const struct al_verify_summary *s,
    const struct al_checkpoint *cp)
{
	if (v->json)
		summary_json(s, cp);
	else
		summary_text(s, cp);
}

/* verify-export's summary, after its problems. */
void
verdict_bundle(struct verdict *v, const struct al_bundle_summary *s,
    int authentic)
{
	char	hex[2 * AL_HASH_LEN + 1];

	al_hex(s->head_hash, AL_HASH_LEN, hex);
	if (v->json) {
		printf("],\"ok\":%s,\"authenticated\":%s,\"entries\":%"
		    PRIu64, s->problems ? "false" : "true", !s->problems &&
		    authentic ? "true" : "false", s->entries);
		if (s->entries)
			printf(",\"first_seq\":%" PRIu64 ",\"last_seq\":%"
			    PRIu64, s->first_seq, s->last_seq);
		else
			printf(",\"first_seq\":null,\"last_seq\":null");
		if (s->head_seq)
			printf(",\"head\":{\"seq\":%" PRIu64 ",\"hash\":"
			    "\"%s\"}", s->head_seq, hex);
		else
			printf(",\"head\":null");
		if (s->tree_size)
			printf(",\"tree\":{\"size\":%" PRIu64 ",\"signed\":"
			    "%s}", s->tree_size, s->signed_by_key ? "true" :
			    "false");
		if (s->clock_anomalies)
			printf(",\"clock_anomalies\":%" PRIu64,
			    s->clock_anomalies);
		printf(",\"problems_found\":%" PRIu64 "}\n", s->problems);
	} else if (s->problems == 0) {
		printf("bundle %s: %" PRIu64 " entries", authentic ?
		    "verified" : "consistent", s->entries);
		if (s->entries)
			printf(" (seq %" PRIu64 " to %" PRIu64 ")",
			    s->first_seq, s->last_seq);
		printf(", head %" PRIu64 " %s\n", s->head_seq, hex);
		if (s->tree_size)
			printf("proven in the log's tree of size %" PRIu64
			    "%s\n", s->tree_size, s->signed_by_key ?
			    ", whose head the key signed" : "");
		if (s->clock_anomalies)
			printf("clock: %" PRIu64 " anomal%s among the entries "
			    "(summary.txt lists them): a writer's clock was "
			    "wrong\n", s->clock_anomalies,
			    s->clock_anomalies == 1 ? "y" : "ies");
		if (!authentic)
			printf("NOT AUTHENTICATED: without --key or "
			    "--checkpoint this shows only that the bundle is "
			    "consistent in itself, not that it is the log's\n");
	} else
		printf("FAILED: %" PRIu64 " problem%s\n", s->problems,
		    s->problems == 1 ? "" : "s");
}

/* The run began but could not finish: close the object. */
void
verdict_not_run(struct verdict *v)
{
	if (v->json)
		printf("],\"ok\":false,\"error\":\"could not run\"}\n");
}

/* The run could not begin, for a problem with the whole: its object. */
void
verdict_alone(struct verdict *v, const char *problem)
{
	if (!v->json)
		return;
	printf("{\"ok\":false,\"problems\":[{\"seq\":null,\"problem\":");
	put_json(stdout, problem, strlen(problem));
	printf("}]}\n");
}

/* The run could not begin, for want of its input: its object. */
void
verdict_error(struct verdict *v, const char *why)
{
	if (!v->json)
		return;
	printf("{\"ok\":false,\"error\":");
	put_json(stdout, why, strlen(why));
	printf("}\n");
}
