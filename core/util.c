/* util.c - buffers, error messages, text checks and times for libauditlog */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "al_int.h"

int
buf_reserve(struct buf *b, size_t more)
{
	size_t	 cap;
	uint8_t	*p;

	if (more <= b->cap - b->n)
		return 0;
	if (more > SIZE_MAX / 2 - b->n)
		return AL_ENOMEM;
	cap = b->cap ? b->cap : 256;
	while (cap - b->n < more + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return AL_ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	int	rc;

	if ((rc = buf_reserve(b, n + 1)) != 0)
		return rc;
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n, rc;

	/* Most calls fit in the room there is: one vsnprintf, not two. */
	va_start(ap, fmt);
	n = vsnprintf(b->p ? (char *)b->p + b->n : NULL, b->p ? b->cap - b->n :
	    0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return AL_EINVAL;
	if (b->p != NULL && (size_t)n < b->cap - b->n) {
		b->n += (size_t)n;
		return 0;
	}
	if ((rc = buf_reserve(b, (size_t)n + 1)) != 0)
		return rc;
	va_start(ap, fmt);
	n = vsnprintf((char *)b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return AL_EINVAL;
	b->n += (size_t)n;
	return 0;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

/* A message into err (len bytes); one cut short is marked "...". */
static void
err_vset(char *err, size_t len, const char *fmt, va_list ap)
{
	int	n;

	n = vsnprintf(err, len, fmt, ap);
	/* A message cut short still says what happened; mark the cut. */
	if (n < 0)
		err[0] = '\0';
	else if ((size_t)n >= len)
		memcpy(err + len - 4, "...", 4);
}

int
al_seterr(al_log *l, int rc, const char *fmt, ...)
{
	va_list	ap;

	if (l == NULL)
		return rc;
	va_start(ap, fmt);
	err_vset(l->err, sizeof(l->err), fmt, ap);
	va_end(ap);
	return rc;
}

int
err_set(char *err, int rc, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	err_vset(err, AL_ERRLEN, fmt, ap);
	va_end(ap);
	return rc;
}

int
al_lmdb_err(al_log *l, int mdb_rc, const char *what)
{
	int	rc;

	switch (mdb_rc) {
	case ENOMEM:
		rc = AL_ENOMEM;
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_BAD_TXN:
	case MDB_BAD_VALSIZE:
	case MDB_INCOMPATIBLE:
	case MDB_CURSOR_FULL:	/* a read meets it only in a looping tree */
		rc = AL_ECORRUPT;
		break;
	default:
		rc = AL_EIO;
		break;
	}
	return al_seterr(l, rc, "%s: %s", what, mdb_strerror(mdb_rc));
}

const char *
al_errmsg(const al_log *l)
{
	if (l == NULL)
		return "out of memory";
	return l->err[0] ? l->err : "no error";
}

const char *
al_strerror(int rc)
{
	switch (rc) {
	case AL_OK:		return "success";
	case AL_EINVAL:		return "invalid input";
	case AL_ENOLOG:		return "no log";
	case AL_EEXIST:		return "a log already exists";
	case AL_EIO:		return "storage failure";
	case AL_ECORRUPT:	return "the log is damaged";
	case AL_ENOMEM:		return "out of memory";
	case AL_EPERM:		return "unsafe permissions";
	case AL_EREFUSED:	return "refused by the floor or the chain of custody";
	default:		return "unknown error";
	}
}

const char *
al_code_name(int code)
{
	static const char *names[AL_NCODES] = {
		"allowed", "deny-rule", "unknown-purpose", "missing-ref",
		"malformed-ref", "actor-not-allowed", "action-not-allowed",
		"data-not-allowed", "writer-not-allowed", "floor",
	};

	if (code < 0 || code >= AL_NCODES)
		return "unknown";
	return names[code];
}

/*
 * The length of the UTF-8 sequence at s (at most n bytes), with its code
 * point in *cp; 0 when it is not strict UTF-8 (an overlong form, a
 * surrogate, past U+10FFFF, cut short).
 */
size_t
utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
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

/*
 * Whether the 8 bytes at s are all printable ASCII, 0x20 to 0x7e.  A byte
 * below 0x20 borrows in x - 0x20..20, 0x7f carries into its top bit in
 * x + 0x01..01, and a byte of 0x80 or more has it already; bytes that all
 * pass neither borrow nor carry, so no byte can hide another's result.
 */
static int
ascii8(const uint8_t *s)
{
	uint64_t	x;

	memcpy(&x, s, sizeof(x));
	return ((x - 0x2020202020202020ULL) | (x + 0x0101010101010101ULL) |
	    x) & 0x8080808080808080ULL ? 0 : 1;
}

/*
 * Strict UTF-8 with no C0 or C1 control characters and no DEL: anything a
 * terminal might act on.  *bad gets the offset of the first bad byte.
 * Most text is printable ASCII: it is passed over eight bytes, then one
 * byte, at a time; everything else goes through utf8_decode, so the
 * first bad byte is found exactly where the slow path alone finds it.
 */
int
al_utf8_ok(const uint8_t *s, size_t n, size_t *bad)
{
	size_t		i = 0, len;
	uint32_t	c;

	while (i < n) {
		if (n - i >= 8 && ascii8(s + i)) {
			i += 8;
			continue;
		}
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			i++;
			continue;
		}
		len = utf8_decode(s + i, n - i, &c);
		if (len == 0 || c < 0x20 || c == 0x7f ||
		    (c >= 0x80 && c <= 0x9f)) {
			if (bad != NULL)
				*bad = i;
			return -1;
		}
		i += len;
	}
	return 0;
}

/* Write all n bytes, through short writes and EINTR: 0, or -1 (errno). */
int
write_all(int fd, const void *buf, size_t n)
{
	const uint8_t	*p = buf;
	ssize_t		 r;

	while (n > 0) {
		if ((r = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

void
al_hex(const uint8_t *in, size_t n, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
al_unhex(const char *in, uint8_t *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	if (strlen(in) != 2 * n)
		return AL_EINVAL;
	for (i = 0; i < n; i++) {
		if ((hi = hexval(in[2 * i])) < 0 ||
		    (lo = hexval(in[2 * i + 1])) < 0)
			return AL_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, by 400-year eras. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char **s, int n, unsigned *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

/*
 * RFC 3339 ("2026-11-29T10:00:00Z", fractions and offsets allowed) or a
 * date ("2026-11-29", midnight UTC; with end_of_day, the next midnight, so
 * that --until DATE includes that day).  Years 1970 to 9999.
 */
int
al_parse_time(const char *s, int end_of_day, uint64_t *ns)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	unsigned	y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	uint64_t	frac = 0, scale = 100000000;
	int64_t		days, t, off = 0;
	int		date_only = 0, leap;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d))
		return AL_EINVAL;
	if (*s == '\0')
		date_only = 1;
	else {
		if (*s != 'T' && *s != 't' && *s != ' ')
			return AL_EINVAL;
		s++;
		if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) ||
		    *s++ != ':' || digits(&s, 2, &sec))
			return AL_EINVAL;
		if (*s == '.') {
			s++;
			if (*s < '0' || *s > '9')
				return AL_EINVAL;
			for (; *s >= '0' && *s <= '9'; s++) {
				frac += (uint64_t)(*s - '0') * scale;
				scale /= 10;
			}
		}
		if (*s == 'Z' || *s == 'z')
			s++;
		else if (*s == '+' || *s == '-') {
			int sign = *s++ == '-' ? -1 : 1;

			if (digits(&s, 2, &oh) || *s++ != ':' ||
			    digits(&s, 2, &om) || oh > 23 || om > 59)
				return AL_EINVAL;
			off = sign * (int64_t)(oh * 3600 + om * 60);
		} else
			return AL_EINVAL;
		if (*s != '\0')
			return AL_EINVAL;
	}
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 60)
		return AL_EINVAL;
	days = days_from_civil(y, mo, d);
	if (date_only && end_of_day)
		days++;
	t = days * 86400 + h * 3600 + mi * 60 + sec - off;
	if (t < 0)
		return AL_EINVAL;
	/* Past the year 2554 nanoseconds overflow 64 bits: the end of time. */
	if ((uint64_t)t > (UINT64_MAX - frac) / 1000000000ULL)
		*ns = UINT64_MAX;
	else
		*ns = (uint64_t)t * 1000000000ULL + frac;
	return 0;
}

/* "2026-11-29T10:00:00Z", or with frac "2026-11-29T10:00:00.123456789Z". */
int
al_format_time(uint64_t ns, int frac, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ns / 1000000000ULL);
	int		n;

	if (gmtime_r(&t, &tm) == NULL)
		return AL_EINVAL;
	if (frac)
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (unsigned)(ns % 1000000000ULL));
	else
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= len)
		return AL_EINVAL;
	return 0;
}
