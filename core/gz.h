/* gz.h - gzip output deflated in independent chunks, on worker threads */
#ifndef GZ_H
#define GZ_H

#include <stdint.h>

#include "al_int.h"

/*
 * What is written is cut into chunks of GZ_CHUNK bytes, each deflated on
 * its own (raw deflate, ended by a sync flush so that it ends on a byte),
 * its dictionary primed with the 32 KiB before it, as pigz does: the
 * chunks, in order, make one deflate stream, the same bytes however many
 * threads ran.  A gzs is such a stream written to a file as it goes (a
 * bundle member, compressed while it is made); a gz is the gzip file: its
 * header, what is written to it inline, gzs streams spliced in, and the
 * trailer, with their CRC-32s combined.  Up to two worker threads deflate
 * for all the streams of one gz; without threads, the caller does.
 *
 * Only the caller's thread calls these; al_seterr on error.
 */
#define GZ_CHUNK	(128 * 1024)

struct gz_pool;
struct gzs;

struct gz {
	struct gz_pool	*pool;
	struct gzs	*inl;		/* what is written inline */
	int		 fd;
	uint32_t	 crc;		/* of what is before inl's bytes */
	uint64_t	 in;		/* uncompressed bytes so far */
};

int	gz_init(al_log *, struct gz *, int level);
int	gz_open(al_log *, struct gz *, int fd);
int	gz_write(al_log *, struct gz *, const void *, size_t);
int	gz_splice(al_log *, struct gz *, struct gzs *);
int	gz_finish(al_log *, struct gz *);
void	gz_close(struct gz *);

/* A stream of chunks into fd (from its current offset), for g. */
int	gzs_open(al_log *, struct gz *, int fd, struct gzs **);
int	gzs_write(al_log *, struct gzs *, const void *, size_t);
/* Deflate what is left and write it all: the stream is then complete. */
int	gzs_end(al_log *, struct gzs *);
void	gzs_close(struct gzs *);

#endif
