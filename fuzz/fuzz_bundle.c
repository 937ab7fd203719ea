/* fuzz_bundle.c - libFuzzer harness: the bundle reader of verify-export */
#define _GNU_SOURCE		/* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>

#include "al_int.h"

/*
 * al_verify_bundle reads a file that anyone may have made, so it must
 * take any bytes: report problems, or pass, never crash, hang or leak.
 * The input's first byte says how to use the rest:
 *
 *	bit 0 clear	the rest is the file, as is (a .tar.gz)
 *	bit 0 set	the rest is a tar stream, gzip'd here first, so that
 *			the mutator works on the archive, not on deflate
 *	bit 1 set	(with bit 0) the checksum of each tar header is
 *			made right first, so that a changed name or size
 *			reaches the checks after the checksum
 *
 * It is read through a memfd, as verify-export reads a file.  Every
 * problem comes with a message, counted once; the check never fails to
 * run on a readable file; and a bundle that passes holds consistent
 * seqs and passes again with its own head as the anchor, with the same
 * figures.  A broken promise is an abort(), which libFuzzer reports as a
 * crash with the input that broke it.
 */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fd = -1;

struct seen {
	uint64_t	n;
};

static void
fail(const char *why)
{
	fprintf(stderr, "fuzz_bundle: %s\n", why);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fd = memfd_create("bundle", MFD_CLOEXEC)) == -1)
		fail("memfd_create");
	return 0;
}

static void
on_problem(void *arg, uint64_t seq, const char *msg)
{
	struct seen	*s = arg;

	(void)seq;
	if (msg == NULL || msg[0] == '\0')
		fail("a problem without a message");
	if (strnlen(msg, 4096) >= 4096)
		fail("a problem's message runs on");
	s->n++;
}

/* Walk the tar headers, setting each one's checksum to what it holds. */
static void
fix_checksums(uint8_t *p, size_t n)
{
	size_t		off = 0, i, steps = 0;
	uint64_t	size, sum;
	char		field[8];

	while (off + 512 <= n && steps++ < 64) {
		for (i = 0; i < 512 && p[off + i] == 0; i++)
			;
		if (i == 512)
			return;
		sum = 0;
		memset(p + off + 148, ' ', 8);
		for (i = 0; i < 512; i++)
			sum += p[off + i];
		snprintf(field, sizeof(field), "%06o",
		    (unsigned)(sum & 0777777));
		memcpy(p + off + 148, field, 7);
		size = 0;
		for (i = 124; i < 136 && p[off + i] >= '0' && p[off + i] <= '7';
		    i++)
			size = size * 8 + (uint64_t)(p[off + i] - '0');
		if (size > n)
			return;
		off += 512 + (size + 511) / 512 * 512;
	}
}

/* gzip in to a malloc'd *out. */
static size_t
gzip(const uint8_t *in, size_t n, uint8_t **out)
{
	z_stream	z;
	size_t		cap;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		fail("deflateInit2");
	cap = deflateBound(&z, (uLong)n) + 64;
	if ((*out = malloc(cap)) == NULL)
		fail("out of memory");
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		fail("deflate");
	cap -= z.avail_out;
	deflateEnd(&z);
	return cap;
}

static void
load(const uint8_t *p, size_t n)
{
	size_t	off = 0;
	ssize_t	w;

	if (ftruncate(fd, 0) != 0)
		fail("ftruncate");
	while (off < n) {
		if ((w = pwrite(fd, p + off, n - off, (off_t)off)) <= 0)
			fail("pwrite");
		off += (size_t)w;
	}
}

static void
check(int have_expect, uint64_t seq, const uint8_t *hash,
    struct al_bundle_summary *s)
{
	struct al_bundle_opts	o;
	struct seen		seen = { 0 };
	char			err[256];
	int			rc;

	memset(&o, 0, sizeof(o));
	o.have_expect = have_expect;
	o.expect_seq = seq;
	if (hash != NULL)
		memcpy(o.expect_hash, hash, AL_HASH_LEN);
	o.problem = on_problem;
	o.arg = &seen;
	if (lseek(fd, 0, SEEK_SET) != 0)
		fail("lseek");
	memset(err, 'x', sizeof(err));
	rc = al_verify_bundle(fd, &o, s, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "fuzz_bundle: %s\n", err);
		fail("the check did not run on a readable file");
	}
	if (seen.n != s->problems)
		fail("problems counted are not problems reported");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_bundle_summary	 s, s2;
	uint8_t				*tar = NULL, *gz = NULL;
	size_t				 n;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		if ((tar = malloc(size)) == NULL)
			return 0;
		memcpy(tar, data + 1, size - 1);
		if (data[0] & 2)
			fix_checksums(tar, size - 1);
		n = gzip(tar, size - 1, &gz);
		load(gz, n);
	} else
		load(data + 1, size - 1);
	check(0, 0, NULL, &s);
	if (s.problems != 0)
		goto done;
	if (s.entries > 0 && (s.first_seq == 0 || s.first_seq > s.last_seq ||
	    s.entries > s.last_seq - s.first_seq + 1 ||
	    s.last_seq > s.head_seq))
		fail("a bundle that passes, with impossible seqs");
	check(1, s.head_seq, s.head_hash, &s2);
	if (s2.problems != 0)
		fail("a bundle that passes fails against its own head");
	if (s2.entries != s.entries || s2.first_seq != s.first_seq ||
	    s2.last_seq != s.last_seq || s2.head_seq != s.head_seq ||
	    memcmp(s2.head_hash, s.head_hash, AL_HASH_LEN) != 0)
		fail("the same bundle read twice gives two summaries");
done:
	free(gz);
	free(tar);
	return 0;
}
