/* out.c - escaping untrusted text for the terminal and for JSON */
#include <stdint.h>
#include <string.h>

#define LIBBSD_NETBSD_VIS
#include <bsd/vis.h>

#include "cmd.h"

/*
 * Length of the UTF-8 sequence at s (at most n bytes) when it is a valid,
 * printable character that cannot move the cursor or reorder the text;
 * 0 otherwise.  *cp gets the code point.
 */
static size_t
utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t		len, k;
	uint32_t	c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4; c &= 0x07; min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[k] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* C1 controls, and the marks that reorder text (Trojan Source). */
static int
unsafe_cp(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e ||
	    c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

/*
 * Write text for a terminal.  Printable characters, UTF-8 included, pass;
 * a backslash is doubled; everything else is encoded by vis(3) as an octal
 * or C-style escape, so the output is unambiguous and holds no control
 * sequence.
 */
void
put_term(FILE *fp, const char *p, size_t n, int flags)
{
	const unsigned char	*s = (const unsigned char *)p;
	char			 v[8];
	size_t			 i = 0, len;
	uint32_t		 c;

	while (i < n) {
		len = utf8_char(s + i, n - i, &c);
		if (len == 1 && c == '\\') {
			fputs("\\\\", fp);
		} else if (len == 1 && c == ' ' && (flags & ESC_SPACE)) {
			fputs("\\040", fp);
		} else if (len == 1 && (c == '\n' || c == '\t') &&
		    (flags & ESC_KEEPNL)) {
			fputc((int)c, fp);
		} else if (len == 1 && c >= 0x20 && c < 0x7f) {
			fputc((int)c, fp);
		} else if (len > 1 && !unsafe_cp(c)) {
			fwrite(s + i, 1, len, fp);
		} else {
			if (len == 0)
				len = 1;
			for (size_t k = 0; k < len; k++) {
				vis(v, s[i + k], VIS_OCTAL | VIS_CSTYLE |
				    VIS_WHITE, 0);
				fputs(v, fp);
			}
		}
		i += len;
	}
}

/*
 * Write a JSON string.  Invalid UTF-8 (only a damaged log holds any)
 * becomes U+FFFD, so the output is always valid JSON.
 */
void
put_json(FILE *fp, const char *p, size_t n)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i = 0, len;
	uint32_t		 c;

	fputc('"', fp);
	while (i < n) {
		len = utf8_char(s + i, n - i, &c);
		if (len == 0) {
			fputs("\\ufffd", fp);
			i++;
			continue;
		}
		switch (c) {
		case '"':	fputs("\\\"", fp); break;
		case '\\':	fputs("\\\\", fp); break;
		case '\n':	fputs("\\n", fp); break;
		case '\r':	fputs("\\r", fp); break;
		case '\t':	fputs("\\t", fp); break;
		default:
			if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
			    c == 0x2028 || c == 0x2029)
				fprintf(fp, "\\u%04x", (unsigned)c);
			else
				fwrite(s + i, 1, len, fp);
		}
		i += len;
	}
	fputc('"', fp);
}

void
put_jkey(FILE *fp, const char *key, const struct al_str *v, int comma)
{
	if (comma)
		fputc(',', fp);
	fprintf(fp, "\"%s\":", key);
	put_json(fp, v->p, v->n);
}
