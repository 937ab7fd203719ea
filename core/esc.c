/* esc.c - untrusted text made safe for a terminal, JSON; entry JSON, CSV */
#include <stdio.h>
#include <string.h>

#define LIBBSD_NETBSD_VIS
#include <bsd/string.h>
#include <bsd/vis.h>

#include "al_int.h"
#include "bundle.h"

/* C1 controls, and the marks that reorder text (Trojan Source). */
static int
unsafe_cp(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e ||
	    c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

/*
 * Text for a terminal.  Printable characters, UTF-8 included, pass; a
 * backslash is doubled; everything else is encoded by vis(3) as an octal
 * or C-style escape, so the output is unambiguous and holds no control
 * sequence.
 */
int
esc_term(struct buf *b, const char *p, size_t n, int flags)
{
	const unsigned char	*s = (const unsigned char *)p;
	char			 v[8];
	size_t			 i = 0, len, k;
	uint32_t		 c;
	int			 rc = 0;

	while (i < n && rc == 0) {
		len = utf8_decode(s + i, n - i, &c);
		if (len == 1 && c == '\\')
			rc = buf_add(b, "\\\\", 2);
		else if (len == 1 && c == ' ' && (flags & AL_ESC_SPACE))
			rc = buf_add(b, "\\040", 4);
		else if (len == 1 && (c == '\n' || c == '\t') &&
		    (flags & AL_ESC_KEEPNL))
			rc = buf_add(b, s + i, 1);
		else if ((len == 1 && c >= 0x20 && c < 0x7f) ||
		    (len > 1 && !unsafe_cp(c)))
			rc = buf_add(b, s + i, len);
		else {
			if (len == 0)
				len = 1;
			for (k = 0; k < len && rc == 0; k++) {
				vis(v, s[i + k], VIS_OCTAL |
				    VIS_WHITE, 0);
				rc = buf_add(b, v, strlen(v));
			}
		}
		i += len;
	}
	return rc;
}

/*
 * A JSON string, quotes included.  Invalid UTF-8 (only a damaged log
 * holds any) becomes U+FFFD, so the output is always valid JSON.
 */
int
esc_json(struct buf *b, const char *p, size_t n)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i = 0, len;
	uint32_t		 c;
	int			 rc;

	rc = buf_add(b, "\"", 1);
	while (i < n && rc == 0) {
		/* Printable ASCII, the usual case, a run at a time. */
		for (len = 0; i + len < n && s[i + len] >= 0x20 &&
		    s[i + len] < 0x7f && s[i + len] != '"' &&
		    s[i + len] != '\\'; len++)
			;
		if (len > 0) {
			rc = buf_add(b, s + i, len);
			i += len;
			continue;
		}
		len = utf8_decode(s + i, n - i, &c);
		if (len == 0) {
			rc = buf_add(b, "\\ufffd", 6);
			i++;
			continue;
		}
		switch (c) {
		case '"':	rc = buf_add(b, "\\\"", 2); break;
		case '\\':	rc = buf_add(b, "\\\\", 2); break;
		case '\n':	rc = buf_add(b, "\\n", 2); break;
		case '\r':	rc = buf_add(b, "\\r", 2); break;
		case '\t':	rc = buf_add(b, "\\t", 2); break;
		default:
			if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
			    c == 0x2028 || c == 0x2029)
				rc = buf_printf(b, "\\u%04x", (unsigned)c);
			else
				rc = buf_add(b, s + i, len);
		}
		i += len;
	}
	return rc ? rc : buf_add(b, "\"", 1);
}

/* ,"key": -- constant text, so no printf (two vsnprintf calls each) */
static int
jname(struct buf *b, const char *key)
{
	int	rc;

	if ((rc = buf_add(b, ",\"", 2)) != 0 ||
	    (rc = buf_add(b, key, strlen(key))) != 0)
		return rc;
	return buf_add(b, "\":", 2);
}

static int
jkey(struct buf *b, const char *key, const struct al_str *v)
{
	int	rc;

	if ((rc = jname(b, key)) != 0)
		return rc;
	return esc_json(b, v->p, v->n);
}

static int
jhash(struct buf *b, const char *key, const uint8_t *h)
{
	char	hex[2 * AL_HASH_LEN + 3];
	int	rc;

	hex[0] = '"';
	al_hex(h, AL_HASH_LEN, hex + 1);
	hex[2 * AL_HASH_LEN + 1] = '"';
	if ((rc = jname(b, key)) != 0)
		return rc;
	return buf_add(b, hex, 2 * AL_HASH_LEN + 2);
}

/* The kinds' names in the JSON form, by AL_KIND_*. */
const char *
entry_kind_name(int kind)
{
	static const char *const names[] = { NULL, "access", "policy",
	    "checkpoint", "floor", "proposal", "approval", "rejection" };

	if (kind < AL_KIND_ACCESS || kind > AL_KIND_REJECTION)
		return NULL;
	return names[kind];
}

/* A version 3 entry's identity facts, after its uid. */
static int
jident(struct buf *b, const struct al_entry *e)
{
	size_t	i;
	int	rc;

	if ((rc = buf_printf(b, ",\"gid\":%u,\"attested\":%s", e->gid,
	    e->attested ? "true" : "false")) != 0 ||
	    (rc = jkey(b, "user", &e->user)) != 0 ||
	    (rc = buf_add(b, ",\"groups\":[", 11)) != 0)
		return rc;
	for (i = 0; i < e->ngroups; i++)
		if ((rc = buf_printf(b, "%s{\"gid\":%u,\"name\":", i ? "," :
		    "", e->gids[i])) != 0 ||
		    (rc = esc_json(b, e->gname[i].p, e->gname[i].n)) != 0 ||
		    (rc = buf_add(b, "}", 1)) != 0)
			return rc;
	return buf_add(b, "]", 1);
}

/* The JSON form of an entry, one line (docs/FORMAT.md, section 11). */
int
entry_json(struct buf *b, const struct al_entry *e)
{
	const char	*kind = entry_kind_name(e->kind);
	char		 t[40];
	int		 ver, rc;

	ver = e->version ? e->version : e->kind == AL_KIND_CHECKPOINT ? 2 : 1;
	if (kind == NULL)
		return AL_EINVAL;
	if (al_format_time(e->time_ns, 1, t, sizeof(t)) != 0)
		strlcpy(t, "?", sizeof(t));
	if ((rc = buf_printf(b, "{\"version\":%d,\"seq\":%llu,\"time\":\"%s\","
	    "\"kind\":\"%s\"", ver, (unsigned long long)e->seq, t,
	    kind)) != 0 ||
	    (rc = jkey(b, "actor", &e->actor)) != 0)
		return rc;
	if (e->kind == AL_KIND_FLOOR || e->kind == AL_KIND_PROPOSAL) {
		if ((rc = jkey(b, "name", &e->name)) != 0 ||
		    (rc = jkey(b, "text", &e->text)) != 0 ||
		    (rc = jhash(b, "digest", e->digest)) != 0)
			return rc;
		if (e->kind == AL_KIND_FLOOR)
			rc = buf_printf(b, ",\"approvers\":%u", e->approvers);
		else {
			if (al_format_time(e->expires_ns, 1, t, sizeof(t)) != 0)
				strlcpy(t, "?", sizeof(t));
			rc = buf_printf(b, ",\"expires\":\"%s\"", t);
		}
		if (rc != 0)
			return rc;
	} else if (e->kind == AL_KIND_APPROVAL ||
	    e->kind == AL_KIND_REJECTION) {
		if ((rc = jhash(b, "digest", e->digest)) != 0)
			return rc;
	} else if (e->kind == AL_KIND_CHECKPOINT) {
		if ((rc = buf_printf(b, ",\"tree_size\":%llu",
		    (unsigned long long)e->tree_size)) != 0 ||
		    (rc = jhash(b, "tree_root", e->tree_root)) != 0 ||
		    (rc = jkey(b, "note", &e->note)) != 0)
			return rc;
	} else if (e->kind == AL_KIND_POLICY) {
		if ((rc = jkey(b, "name", &e->name)) != 0 ||
		    (rc = jkey(b, "text", &e->text)) != 0 ||
		    (rc = jhash(b, "digest", e->digest)) != 0)
			return rc;
	} else if ((rc = jkey(b, "customer", &e->customer)) != 0 ||
	    (rc = jkey(b, "purpose", &e->purpose)) != 0 ||
	    (rc = jkey(b, "action", &e->action)) != 0 ||
	    (rc = jkey(b, "data", &e->data)) != 0 ||
	    (rc = jkey(b, "resource", &e->resource)) != 0 ||
	    (rc = jkey(b, "ref", &e->ref)) != 0 ||
	    (rc = jkey(b, "reason", &e->reason)) != 0 ||
	    (rc = buf_printf(b, ",\"decision\":\"%s\",\"code\":\"%s\"",
	    e->allow ? "allow" : "deny", al_code_name(e->code))) != 0 ||
	    (rc = jkey(b, "rule", &e->rule)) != 0 ||
	    (rc = jkey(b, "detail", &e->detail)) != 0 ||
	    (rc = jhash(b, "policy", e->policy)) != 0)
		return rc;
	if ((rc = jkey(b, "service", &e->service)) != 0 ||
	    (rc = jkey(b, "host", &e->host)) != 0 ||
	    (rc = buf_printf(b, ",\"pid\":%u,\"uid\":%u", e->pid,
	    e->uid)) != 0 ||
	    (ver == 3 && (rc = jident(b, e)) != 0) ||
	    (rc = jhash(b, "prev", e->prev)) != 0 ||
	    (rc = jhash(b, "hash", e->hash)) != 0)
		return rc;
	return buf_add(b, "}\n", 2);
}

/* The public forms write to a stream of the caller's. */

static int
flush(FILE *fp, struct buf *b, int rc)
{
	if (rc == 0 && b->n > 0 && fwrite(b->p, 1, b->n, fp) != b->n)
		rc = AL_EIO;
	buf_free(b);
	return rc;
}

int
al_fput_term(FILE *fp, const char *p, size_t n, int flags)
{
	struct buf	b = { 0 };

	return flush(fp, &b, esc_term(&b, p, n, flags));
}

int
al_fput_json(FILE *fp, const char *p, size_t n)
{
	struct buf	b = { 0 };

	return flush(fp, &b, esc_json(&b, p, n));
}

int
al_fput_entry_json(FILE *fp, const struct al_entry *e)
{
	struct buf	b = { 0 };

	return flush(fp, &b, entry_json(&b, e));
}

/* CSV: the rows of a bundle's entries.csv, made where the bundle's are. */
int
al_fput_csv_head(FILE *fp)
{
	const char	*h;
	size_t		 n;

	h = csv_header(BUNDLE_FORMAT, &n);
	return fwrite(h, 1, n, fp) == n ? 0 : AL_EIO;
}

int
al_fput_entry_csv(FILE *fp, const struct al_entry *e)
{
	struct buf	b = { 0 };

	return flush(fp, &b, csv_row(&b, e, BUNDLE_FORMAT));
}
