/* bundle_tar.c - a bundle's container, tar in gzip: written and read */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include <bsd/string.h>

#include "al_int.h"
#include "bundle.h"
#include "gz.h"

/*
 * Writing: ustar headers, mode 0644, owner 0, the bundle's creation time
 * as every member's mtime, each member padded to 512 bytes, the archive
 * ended by zero blocks up to a 10240-byte record (docs/FORMAT.md 13.1).
 */

static int
octal(char *field, size_t len, uint64_t v)
{
	int	n;

	/* len - 1 digits and a NUL; leading zeros, as tar writes them. */
	n = snprintf(field, len, "%0*" PRIo64, (int)len - 1, v);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
tar_header(al_log *l, struct gz *g, const char *name, uint64_t size,
    uint64_t mtime)
{
	uint8_t		h[512];
	unsigned	sum = 0;
	size_t		i;

	memset(h, 0, sizeof(h));
	if (strlen(name) > 100)
		return al_seterr(l, AL_EINVAL, "member name too long");
	memcpy(h, name, strlen(name));
	if (octal((char *)h + 100, 8, 0644) || octal((char *)h + 108, 8, 0) ||
	    octal((char *)h + 116, 8, 0) || octal((char *)h + 124, 12, size) ||
	    octal((char *)h + 136, 12, mtime))
		return al_seterr(l, AL_EINVAL, "member %s is too large",
		    name);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	if (octal((char *)h + 329, 8, 0) || octal((char *)h + 337, 8, 0))
		return al_seterr(l, AL_EINVAL, "tar header");
	memset(h + 148, ' ', 8);
	for (i = 0; i < sizeof(h); i++)
		sum += h[i];
	if (snprintf((char *)h + 148, 8, "%06o", sum) != 6)
		return al_seterr(l, AL_EINVAL, "tar header");
	h[155] = ' ';
	return gz_write(l, g, h, sizeof(h));
}

int
tar_pad(al_log *l, struct gz *g, uint64_t size)
{
	static const uint8_t	zero[512];
	size_t			pad = (size_t)((512 - size % 512) % 512);

	return pad ? gz_write(l, g, zero, pad) : 0;
}

int
tar_end(al_log *l, struct gz *g)
{
	static const uint8_t	zero[512];
	int			rc;

	/* Two zero blocks, then zero blocks up to a 10240-byte record. */
	if ((rc = gz_write(l, g, zero, sizeof(zero))) != 0)
		return rc;
	do {
		if ((rc = gz_write(l, g, zero, sizeof(zero))) != 0)
			return rc;
	} while (g->in % 10240 != 0);
	return gz_finish(l, g);
}

/*
 * Reading: trusting nothing.  Problems go to t->bad (the checker counts
 * them); a file that cannot be read is a message in t->err and -2.
 */

static void
tar_bad(struct tar_in *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
tar_bad(struct tar_in *t, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	va_end(ap);
	t->bad(t->arg, msg);
}

int
tar_open(struct tar_in *t, int fd, char *err, size_t errlen,
    void (*bad)(void *, const char *), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->err = err;
	t->errlen = errlen;
	t->bad = bad;
	t->arg = arg;
	t->max_bytes = TAR_MAX_BYTES;
	/* 15 + 16: gzip only, with its header and trailer checked. */
	if (inflateInit2(&t->z, 15 + 16) != Z_OK)
		return -1;
	t->zopen = 1;
	return 0;
}

void
tar_close(struct tar_in *t)
{
	if (t->zopen)
		inflateEnd(&t->z);
	t->zopen = 0;
}

/*
 * Read exactly n bytes of the tar stream (fewer only at its end).
 * Returns the count, or -1 when the input is not gzip or cannot be read
 * (after reporting it).
 */
ssize_t
tar_read(struct tar_in *t, uint8_t *out, size_t n)
{
	ssize_t	r;
	size_t	got = 0;
	int	zrc;

	while (got < n && !t->zend) {
		if (t->z.avail_in == 0) {
			if ((r = read(t->fd, t->in, sizeof(t->in))) == -1) {
				if (errno == EINTR)
					continue;
				snprintf(t->err, t->errlen, "read: %s",
				    strerror(errno));
				return -2;
			}
			if (r == 0) {
				if (t->out + got > 0 || t->z.total_in > 0)
					tar_bad(t, "the bundle is cut short: "
					    "its gzip stream does not end");
				else
					tar_bad(t, "the file is empty");
				return -1;
			}
			t->z.next_in = t->in;
			t->z.avail_in = (uInt)r;
			t->read += (uint64_t)r;
		}
		t->z.next_out = out + got;
		t->z.avail_out = (uInt)(n - got);
		zrc = inflate(&t->z, Z_NO_FLUSH);
		got = n - t->z.avail_out;
		/* The limits hold however the bytes were made (bundle.h). */
		if (t->out + got > t->max_bytes) {
			tar_bad(t, "the archive inflates to more than %" PRIu64
			    " bytes, the most a bundle may hold", t->max_bytes);
			return -1;
		}
		if (t->out + got > TAR_RATIO_FROM && t->out + got >
		    TAR_MAX_RATIO * (t->read - t->z.avail_in)) {
			tar_bad(t, "the gzip data inflates more than %d to 1 "
			    "(%" PRIu64 " bytes from %" PRIu64 "), more than a "
			    "bundle does", TAR_MAX_RATIO, t->out + got,
			    t->read - t->z.avail_in);
			return -1;
		}
		if (zrc == Z_STREAM_END) {
			/* Another gzip member may follow. */
			if (t->z.avail_in == 0 &&
			    (r = read(t->fd, t->in, sizeof(t->in))) > 0) {
				t->z.next_in = t->in;
				t->z.avail_in = (uInt)r;
				t->read += (uint64_t)r;
			}
			if (t->z.avail_in == 0)
				t->zend = 1;
			else if (inflateReset(&t->z) != Z_OK)
				return -1;
		} else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			tar_bad(t, "not a gzip file, or a damaged one: %s",
			    t->z.msg ? t->z.msg : "inflate failed");
			return -1;
		}
	}
	t->out += got;
	return (ssize_t)got;
}

static int
octal_field(const uint8_t *p, size_t len, uint64_t *v)
{
	size_t	i = 0;

	*v = 0;
	while (i < len && p[i] == ' ')
		i++;
	if (i == len || p[i] < '0' || p[i] > '7')
		return -1;
	for (; i < len && p[i] >= '0' && p[i] <= '7'; i++) {
		if (*v > (UINT64_MAX >> 3))
			return -1;
		*v = (*v << 3) | (uint64_t)(p[i] - '0');
	}
	for (; i < len; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return -1;
	return 0;
}

/*
 * One tar header: checksum, name, kind and size.  Returns 1 for a member
 * (name and size filled in), 0 at the end of the archive, -1 when bad.
 */
int
tar_next(struct tar_in *t, char *name, uint64_t *size)
{
	uint8_t		h[512];
	uint64_t	sum, want = 0;
	ssize_t		r;
	size_t		i;

	if ((r = tar_read(t, h, sizeof(h))) < 0)
		return (int)r;
	if (r != (ssize_t)sizeof(h)) {
		tar_bad(t, "the archive is cut short: it ends %s",
		    r ? "inside a header" : "without its end blocks");
		return -1;
	}
	for (i = 0; i < sizeof(h) && h[i] == 0; i++)
		;
	if (i == sizeof(h))
		return 0;
	for (i = 0; i < sizeof(h); i++)
		want += (i >= 148 && i < 156) ? ' ' : h[i];
	if (octal_field(h + 148, 8, &sum) != 0 || sum != want) {
		tar_bad(t, "a tar header's checksum is wrong: not a tar "
		    "archive, or a damaged one");
		return -1;
	}
	if (memchr(h, '\0', 100) == NULL || h[345] != '\0') {
		tar_bad(t, "a member's name is not one a bundle holds");
		return -1;
	}
	strlcpy(name, (char *)h, 101);
	if (!member_name_ok(name)) {
		tar_bad(t, "member '%.100s' is not one a bundle holds "
		    "(refused, nothing is extracted)", name);
		return -1;
	}
	if (h[156] != '0' && h[156] != '\0') {
		tar_bad(t, "member %s is not a regular file", name);
		return -1;
	}
	if (octal_field(h + 124, 12, size) != 0 || *size > TAR_MAX_MEMBER) {
		tar_bad(t, "member %s has an impossible size", name);
		return -1;
	}
	return 1;
}

/* Skip the padding after a member of size bytes, to the next block. */
int
tar_skip_pad(struct tar_in *t, uint64_t size)
{
	uint8_t	pad[512];

	if (size % 512 == 0)
		return 0;
	if (tar_read(t, pad, (size_t)(512 - size % 512)) !=
	    (ssize_t)(512 - size % 512)) {
		tar_bad(t, "the archive is cut short");
		return -1;
	}
	return 0;
}

/*
 * After the first zero block: a second one, then only zeros (tar pads to
 * its record size), at most TAR_MAX_PAD of them, to the end of the gzip
 * stream, whose trailer is read and checked.  Anything else, such as
 * another bundle appended, is refused.
 */
int
tar_drain(struct tar_in *t)
{
	uint8_t		buf[TAR_CHUNK];
	uint64_t	zeros = 0;
	ssize_t		r;
	size_t		i, blocks = 1;

	for (;;) {
		if ((r = tar_read(t, buf, sizeof(buf))) < 0)
			return (int)r;
		if (r == 0)
			break;
		for (i = 0; i < (size_t)r; i++)
			if (buf[i] != 0) {
				tar_bad(t, "data after the end of the archive");
				return -1;
			}
		blocks += (size_t)r / 512;
		/* The padding: what follows the second zero block. */
		zeros += (uint64_t)r;
		if (zeros > 512 + TAR_MAX_PAD) {
			tar_bad(t, "more than %d bytes of padding after the "
			    "end of the archive", TAR_MAX_PAD);
			return -1;
		}
	}
	if (blocks < 2) {
		tar_bad(t, "the archive ends with one zero block, not two");
		return -1;
	}
	return 0;
}
