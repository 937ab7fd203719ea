/* fmt_table.c - entries as a table whose columns hold their widest value */
#include <stdio.h>
#include <string.h>

#include <bsd/string.h>

#include "cmd.h"

static const char *const head[TABLE_COLS + 1] = {
	"SEQ", "TIME", "RESULT", "ACTOR", "CUSTOMER", "PURPOSE", "ACTION",
	"DATA", "REF", "RULE/REASON"
};
/* The narrowest each column gets: its width before widths were measured. */
static const size_t min_w[TABLE_COLS] = { 5, 20, 6, 16, 12, 17, 8, 13, 10 };

/* An entry's cells, before the last. */
struct cells {
	char		 seq[24], time[40];
	struct al_str	 c[TABLE_COLS];
};

static void
cells_of(const struct table *t, const struct al_entry *e, struct cells *x)
{
	static const struct al_str none = { "", 0 };
	const int	acc = e->kind == AL_KIND_ACCESS;
	const char	*res;
	size_t		 i;

	(void)snprintf(x->seq, sizeof(x->seq), "%llu",
	    (unsigned long long)e->seq);
	if (when_format(e->time_ns, t->utc, x->time, sizeof(x->time)) != 0)
		strlcpy(x->time, "?", sizeof(x->time));
	res = acc ? (e->allow ? "allow" : "deny") :
	    e->kind == AL_KIND_CHECKPOINT ? "tree" : fmt_kind(e->kind);
	x->c[0].p = x->seq;
	x->c[1].p = x->time;
	x->c[2].p = res;
	for (i = 0; i < 3; i++)
		x->c[i].n = strlen(x->c[i].p);
	x->c[3] = e->actor;
	x->c[4] = acc ? e->customer : none;
	x->c[5] = acc ? e->purpose : none;
	x->c[6] = acc ? e->action : none;
	x->c[7] = acc ? e->data : none;
	x->c[8] = acc ? e->ref : none;
}

/* A cell's text as printed ("-" when empty) and its width in columns. */
static const char *
cell_text(const struct al_str *s, size_t *len, size_t *cols)
{
	const char	*p;

	if (s->n == 0) {
		*len = *cols = 1;
		return "-";
	}
	if ((p = fmt_term(s->p, s->n, AL_ESC_SPACE, len)) == NULL) {
		*len = *cols = 1;
		return "?";
	}
	*cols = fmt_columns(p, *len);
	return p;
}

void
table_init(struct table *t, int utc)
{
	memcpy(t->w, min_w, sizeof(t->w));
	t->utc = utc;
}

void
table_measure(struct table *t, const struct al_entry *e)
{
	struct cells	x;
	size_t		i, len, cols;

	cells_of(t, e, &x);
	for (i = 0; i < TABLE_COLS; i++) {
		(void)cell_text(&x.c[i], &len, &cols);
		if (cols > t->w[i])
			t->w[i] = cols;
	}
}

void
table_header(FILE *fp, const struct table *t)
{
	size_t	i;

	for (i = 0; i < TABLE_COLS; i++)
		fprintf(fp, "%-*s ", (int)t->w[i], head[i]);
	fprintf(fp, "%s\n", head[TABLE_COLS]);
}

void
table_row(FILE *fp, struct table *t, const struct al_entry *e)
{
	struct cells	 x;
	const char	*p;
	char		 hex[2 * AL_HASH_LEN + 1];
	size_t		 i, len, cols;

	cells_of(t, e, &x);
	for (i = 0; i < TABLE_COLS; i++) {
		p = cell_text(&x.c[i], &len, &cols);
		if (cols > t->w[i])
			t->w[i] = cols;
		fwrite(p, 1, len, fp);
		fprintf(fp, "%*s", (int)(t->w[i] - cols + 1), "");
	}
	switch (e->kind) {
	case AL_KIND_CHECKPOINT:
		al_hex(e->tree_root, AL_HASH_LEN, hex);
		fprintf(fp, "checkpoint size %llu root sha256:%.16s\n",
		    (unsigned long long)e->tree_size, hex);
		return;
	case AL_KIND_POLICY:
	case AL_KIND_FLOOR:
	case AL_KIND_PROPOSAL:
		al_hex(e->digest, AL_HASH_LEN, hex);
		fputs(e->kind == AL_KIND_POLICY ? "set " :
		    e->kind == AL_KIND_FLOOR ? "floor " : "propose ", fp);
		put_term(fp, e->name.p, e->name.n, 0);
		fprintf(fp, " sha256:%.16s", hex);
		if (e->kind == AL_KIND_FLOOR)
			fprintf(fp, " approvers %u", e->approvers);
		fputc('\n', fp);
		return;
	case AL_KIND_APPROVAL:
	case AL_KIND_REJECTION:
		al_hex(e->digest, AL_HASH_LEN, hex);
		fprintf(fp, "%s sha256:%.16s\n", e->kind == AL_KIND_APPROVAL ?
		    "approve" : "reject", hex);
		return;
	}
	if (e->allow)
		put_term(fp, e->rule.p, e->rule.n, 0);
	else
		put_term(fp, e->detail.p, e->detail.n, 0);
	fputc('\n', fp);
}
