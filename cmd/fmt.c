/* fmt.c - what the formats of log share: their names, escaped text, widths */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char *const names[] = {
	[FMT_TABLE] = "table", [FMT_JSON] = "json", [FMT_CSV] = "csv",
	[FMT_OCSF] = "ocsf", [FMT_SYSLOG] = "syslog",
};

int
fmt_by_name(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

static FILE	*scratch;
static char	*sbuf;
static size_t	 slen;

const char *
fmt_term(const char *p, size_t n, int flags, size_t *len)
{
	long	at;

	if (scratch == NULL && (scratch = open_memstream(&sbuf, &slen)) ==
	    NULL)
		return NULL;
	if (fseek(scratch, 0, SEEK_SET) != 0 ||
	    al_fput_term(scratch, p, n, flags) != 0 ||
	    (at = ftell(scratch)) < 0 || fflush(scratch) != 0)
		return NULL;
	*len = (size_t)at;
	return sbuf;
}

void
fmt_free(void)
{
	if (scratch != NULL)
		(void)fclose(scratch);
	free(sbuf);
	scratch = NULL;
	sbuf = NULL;
}

/* East Asian wide and fullwidth characters take two columns. */
static int
wide(unsigned long c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf &&
	    c != 0x303f) || (c >= 0xac00 && c <= 0xd7a3) ||
	    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
	    (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
	    (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff) ||
	    (c >= 0x20000 && c <= 0x3fffd);
}

/*
 * What fmt_term made is ASCII and printable UTF-8: a column a character,
 * two for a wide one.  (Combining marks are counted as one: a courtesy
 * they rarely need in the names of an access log.)
 */
size_t
fmt_columns(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long		 c;
	size_t			 i = 0, cols = 0, k, len;

	while (i < n) {
		len = p[i] < 0x80 ? 1 : p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
		c = len == 1 ? p[i] : p[i] & (0x7f >> len);
		for (k = 1; k < len && i + k < n; k++)
			c = c << 6 | (p[i + k] & 0x3f);
		cols += wide(c) ? 2 : 1;
		i += len;
	}
	return cols;
}

/*
 * A sentence of what an entry says, for OCSF's message and syslog's MSG;
 * raw text, for the caller to escape.  Cut short with "..." should an
 * entry hold more than the documented maximum lengths allow.
 */
const char *
fmt_kind(int kind)
{
	static const char *const kinds[] = { "?", "access", "policy",
	    "checkpoint", "floor", "proposal", "approval", "rejection" };

	if (kind < AL_KIND_ACCESS || kind > AL_KIND_REJECTION)
		return kinds[0];
	return kinds[kind];
}

void
fmt_message(char *buf, size_t len, const struct al_entry *e)
{
	char	hex[2 * AL_HASH_LEN + 1];
	int	n;

#define S(x)	(int)e->x.n, e->x.p
	switch (e->kind) {
	case AL_KIND_ACCESS:
		if (e->allow)
			n = snprintf(buf, len, "%.*s %.*s %.*s %.*s for %.*s: "
			    "allowed by %.*s", S(actor), S(action),
			    S(customer), S(data), S(purpose), S(rule));
		else
			n = snprintf(buf, len, "%.*s %.*s %.*s %.*s for %.*s: "
			    "denied (%s): %.*s", S(actor), S(action),
			    S(customer), S(data), S(purpose),
			    al_code_name(e->code), S(detail));
		break;
	case AL_KIND_POLICY:
		al_hex(e->digest, AL_HASH_LEN, hex);
		n = snprintf(buf, len, "%.*s set the policy %.*s sha256:%.16s",
		    S(actor), S(name), hex);
		break;
	case AL_KIND_FLOOR:
		al_hex(e->digest, AL_HASH_LEN, hex);
		n = snprintf(buf, len, "%.*s fixed the floor %.*s sha256:%.16s "
		    "(%u approvers)", S(actor), S(name), hex, e->approvers);
		break;
	case AL_KIND_PROPOSAL:
		al_hex(e->digest, AL_HASH_LEN, hex);
		n = snprintf(buf, len, "%.*s proposed the policy %.*s "
		    "sha256:%.16s", S(actor), S(name), hex);
		break;
	case AL_KIND_APPROVAL:
	case AL_KIND_REJECTION:
		al_hex(e->digest, AL_HASH_LEN, hex);
		n = snprintf(buf, len, "%.*s %s the proposal sha256:%.16s",
		    S(actor), e->kind == AL_KIND_APPROVAL ? "approved" :
		    "rejected", hex);
		break;
	default:
		al_hex(e->tree_root, AL_HASH_LEN, hex);
		n = snprintf(buf, len, "%.*s published a checkpoint: size "
		    "%llu root sha256:%.16s", S(actor),
		    (unsigned long long)e->tree_size, hex);
		break;
	}
#undef S
	if (n < 0)
		buf[0] = '\0';
	else if ((size_t)n >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}
