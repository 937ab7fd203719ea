/* scripts.c - which writing systems an identifier's letters come from */
#include <string.h>

#include "al_int.h"

/*
 * An identifier whose letters come from two writing systems is one a
 * reader can take for another: "svc:bіlling" with a Cyrillic і shows as
 * a second actor that looks the same as "svc:billing".  Only letters
 * count; digits, punctuation and symbols are common to every script.  The
 * table names the scripts of the letters identifiers are written in; a
 * letter outside it counts as no script, so that nothing is flagged on a
 * guess.  Han, kana and Hangul are one group: Japanese and Korean mix them
 * by design.  docs/FORMAT.md 13.4 lists the same ranges, and
 * contrib/verify-export.py holds the same table.
 */
static const struct range {
	uint32_t	lo, hi;
	unsigned	script;
} ranges[] = {
	{ 0x0041, 0x005a, AL_SCRIPT_LATIN },
	{ 0x0061, 0x007a, AL_SCRIPT_LATIN },
	{ 0x00c0, 0x00d6, AL_SCRIPT_LATIN },
	{ 0x00d8, 0x00f6, AL_SCRIPT_LATIN },
	{ 0x00f8, 0x024f, AL_SCRIPT_LATIN },
	{ 0x1e00, 0x1eff, AL_SCRIPT_LATIN },
	{ 0x0370, 0x03ff, AL_SCRIPT_GREEK },
	{ 0x1f00, 0x1fff, AL_SCRIPT_GREEK },
	{ 0x0400, 0x052f, AL_SCRIPT_CYRILLIC },
	{ 0x1c80, 0x1c8f, AL_SCRIPT_CYRILLIC },
	{ 0x2de0, 0x2dff, AL_SCRIPT_CYRILLIC },
	{ 0xa640, 0xa69f, AL_SCRIPT_CYRILLIC },
	{ 0x0531, 0x058f, AL_SCRIPT_ARMENIAN },
	{ 0x05d0, 0x05ff, AL_SCRIPT_HEBREW },
	{ 0x0620, 0x064a, AL_SCRIPT_ARABIC },
	{ 0x066e, 0x06ff, AL_SCRIPT_ARABIC },
	{ 0x0750, 0x077f, AL_SCRIPT_ARABIC },
	{ 0x3040, 0x30ff, AL_SCRIPT_CJK },
	{ 0x3400, 0x4dbf, AL_SCRIPT_CJK },
	{ 0x4e00, 0x9fff, AL_SCRIPT_CJK },
	{ 0xac00, 0xd7af, AL_SCRIPT_CJK },
};

static const char *const names[] = {
	"Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "CJK"
};

/* The script of a code point: AL_SCRIPT_*, or 0 for none (common). */
static unsigned
script_of(uint32_t cp)
{
	size_t		i;
	unsigned	sc = 0;

	/* ASCII first: most identifiers are nothing else. */
	if (cp < 0x80)
		return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z' ?
		    AL_SCRIPT_LATIN : 0;
	for (i = 0; sc == 0 && i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i].lo && cp <= ranges[i].hi)
			sc = ranges[i].script;
	return sc;
}

unsigned
al_scripts(const char *s, size_t n)
{
	const uint8_t	*p = (const uint8_t *)s;
	unsigned	 set = 0, sc;
	uint32_t	 cp;
	size_t		 i = 0, len;

	while (i < n) {
		if ((len = utf8_decode(p + i, n - i, &cp)) == 0)
			break;
		if ((sc = script_of(cp)) != 0)
			set |= 1U << (sc - 1);
		i += len;
	}
	return set;
}

int
al_scripts_mixed(const char *s, size_t n, char *out, size_t len)
{
	unsigned	set = al_scripts(s, n), i;
	size_t		at = 0, w;
	int		mixed = (set & (set - 1)) != 0;

	if (len > 0)
		out[0] = '\0';
	for (i = 0; mixed && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(set & (1U << i)))
			continue;
		w = strlen(names[i]);
		if (at + (at ? 1 : 0) + w + 1 > len)
			break;
		if (at)
			out[at++] = '+';
		memcpy(out + at, names[i], w + 1);
		at += w;
	}
	return mixed;
}
