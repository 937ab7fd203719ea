/* when.c - times as people write them (today, -1h, a local time) and read */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

#define NS	1000000000ULL

uint64_t
when_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/*
 * Seconds since the epoch to nanoseconds; -1 before the epoch.  Past what
 * 64 bits of nanoseconds hold (the year 2554) is the end of time, as
 * al_parse_time has it: --since then takes none, --until all.
 */
static int
to_ns(time_t t, uint64_t frac, uint64_t *ns)
{
	if (t < 0)
		return -1;
	if ((uint64_t)t > (UINT64_MAX - frac) / NS)
		*ns = UINT64_MAX;
	else
		*ns = (uint64_t)t * NS + frac;
	return 0;
}

/* Local midnight, days from today's. */
static int
midnight(uint64_t now, int days, uint64_t *ns)
{
	struct tm	tm;
	time_t		t = (time_t)(now / NS);

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return to_ns(mktime(&tm), 0, ns);
}

static const struct unit {
	const char	*name;
	uint64_t	 sec;
} units[] = {
	{ "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 },
	{ "seconds", 1 },
	{ "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 },
	{ "minutes", 60 },
	{ "h", 3600 }, { "hr", 3600 }, { "hrs", 3600 }, { "hour", 3600 },
	{ "hours", 3600 },
	{ "d", 86400 }, { "day", 86400 }, { "days", 86400 },
	{ "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
};

/* "-1h", "+30min", "2 days ago": 0, -1 when invalid, 1 when not one. */
static int
relative(const char *s, uint64_t now, uint64_t *ns)
{
	const char	*w;
	uint64_t	 n = 0, d;
	size_t		 i, len, digits = 0;
	int		 sign = 0;

	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		n = n * 10 + (uint64_t)(*s - '0');
	if (digits == 0 || digits > 9)
		return digits == 0 ? 1 : -1;
	while (*s == ' ')
		s++;
	for (w = s; *s >= 'a' && *s <= 'z'; s++)
		;
	len = (size_t)(s - w);
	while (*s == ' ')
		s++;
	if (sign == 0 && strcmp(s, "ago") == 0)
		sign = -1;
	else if (sign == 0 || *s != '\0')
		return sign == 0 ? 1 : -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len &&
		    strncmp(units[i].name, w, len) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -1;
	d = n * units[i].sec;		/* under 1e9 weeks: it fits */
	if (d > UINT64_MAX / NS)
		return -1;
	d *= NS;
	if (sign < 0 ? d > now : d > UINT64_MAX - now)
		return -1;
	*ns = sign < 0 ? now - d : now + d;
	return 0;
}

static int
num(const char **s, int n, int *v)
{
	*v = 0;
	for (; n > 0; n--, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		*v = *v * 10 + (**s - '0');
	}
	return 0;
}

/*
 * "YYYY-MM-DD", "YYYY-MM-DD hh:mm[:ss[.frac]]" (or with a T) and no offset:
 * a time in the local zone.  0, -1 when invalid, 1 when not one.
 */
static int
local(const char *s, int end_of_day, uint64_t *ns)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct tm	tm;
	uint64_t	frac = 0, scale = NS / 10;
	int		y, mo, d, h = 0, mi = 0, sec = 0, date_only = 0;

	if (num(&s, 4, &y) || *s++ != '-' || num(&s, 2, &mo) ||
	    *s++ != '-' || num(&s, 2, &d))
		return 1;
	if (*s == '\0')
		date_only = 1;
	else {
		if (*s != 'T' && *s != 't' && *s != ' ')
			return 1;
		s++;
		if (num(&s, 2, &h) || *s++ != ':' || num(&s, 2, &mi))
			return 1;
		if (*s == ':') {
			s++;
			if (num(&s, 2, &sec))
				return 1;
			if (*s == '.') {
				if (s[1] < '0' || s[1] > '9')
					return 1;
				for (s++; *s >= '0' && *s <= '9'; s++) {
					frac += (uint64_t)(*s - '0') * scale;
					scale /= 10;
				}
			}
		}
		if (*s != '\0')
			return 1;	/* an offset: RFC 3339's to read */
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0)) || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d + (date_only && end_of_day);
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec > 59 ? 59 : sec;	/* a leap second: its start */
	tm.tm_isdst = -1;
	return to_ns(mktime(&tm), frac, ns);
}

int
when_parse(const char *s, int end_of_day, uint64_t now, uint64_t *ns)
{
	static const struct {
		const char	*word;
		int		 days;
	} words[] = {
		{ "yesterday", -1 }, { "today", 0 }, { "tomorrow", 1 },
	};
	size_t	i;
	int	rc;

	if (strcmp(s, "now") == 0) {
		*ns = now;
		return now ? 0 : -1;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i].word) == 0)
			return now ? midnight(now, words[i].days, ns) : -1;
	if ((rc = relative(s, now, ns)) != 1)
		return now ? rc : -1;
	if ((rc = local(s, end_of_day, ns)) != 1)
		return rc;
	return al_parse_time(s, end_of_day, ns) == 0 ? 0 : -1;
}

int
when_format(uint64_t ns, int utc, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ns / NS);
	long		off;
	int		n;

	if (utc)
		return al_format_time(ns, 0, buf, len) == 0 ? 0 : -1;
	if (localtime_r(&t, &tm) == NULL)
		return -1;
	off = tm.tm_gmtoff;
	if (off == 0)
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c"
		    "%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    off < 0 ? '-' : '+', labs(off) / 3600,
		    labs(off) % 3600 / 60);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
