/* bundle.h - what the bundle files share: bundle_sum.c, bundle_tar.c */
#ifndef EXPORT_H
#define EXPORT_H

#include <sys/types.h>

#include <pthread.h>

#include <zlib.h>

#include "al_int.h"

/* Problems and clock anomalies spelled out in a summary (FORMAT.md 13.4). */
#define MAX_LISTED	100

/* One policy version of an export, parsed. */
struct xpol {
	struct al_entry	 e;
	uint8_t		*store;
	struct policy	*p;
	int		 first;		/* the first with its digest */
};

struct tcount {
	char		*key;
	size_t		 len;
	uint64_t	 allowed, denied;
};

struct tally {
	struct tcount	*t;
	size_t		 cap, n;
};

/* The running state of an export, a report, or a bundle check. */
struct exp {
	struct al_filter f;		/* what is read: to_seq bound */
	struct al_filter shown;		/* what was asked */
	uint64_t	 created_ns;
	uint8_t		 log_id[16];
	uint64_t	 head_seq;
	uint8_t		 head_hash[AL_HASH_LEN];
	struct xpol	*pol;
	size_t		 npol, cur;
	uint64_t	 n, accesses, allowed, denied, policies;
	uint64_t	 first_seq, last_seq, first_ns, last_ns;
	uint64_t	 problems;
	struct tally	 purpose, actor, customer, data;
	uint64_t	 prev_seq;
	uint8_t		 prev_hash[AL_HASH_LEN];
	int		 unfiltered;
	struct buf	 found;		/* problem lines, for the summary */
	void		(*problem)(void *, uint64_t, const char *);
	void		*problem_arg;	/* ...or, with problem, to it */
	struct buf	 whole;		/* the whole-log line */
	int		 report;	/* al_report's summary, not a bundle's */
	int		 mixed;		/* the summary flags names mixing
					   scripts (bundle format 3) */
	/* Clock anomalies among the exported entries (docs/FORMAT.md
	 * 13.4): the time of the one before, how many, the first ones. */
	uint64_t	 prev_ns;
	uint64_t	 nclock;
	struct al_clock_note clock[MAX_LISTED];
	/* The log's floor (format 6; docs/FORMAT.md 13.2): fl.seq 0 when
	 * the log has none; floor parsed (NULL: none, or it does not). */
	struct al_entry	 fl;
	uint8_t		*flstore;
	struct floor	*floor;
	int		 nofloor;	/* a bundle of format 3 or older: it
					   names no floor; a floor decision
					   is taken as recorded */
	/* The policy history among the exported entries (kinds 2, 5-7):
	 * how many, and the summary's lines of the first MAX_LISTED. */
	uint64_t	 nhist;
	struct buf	 hist;
};

int	filters_json(struct buf *, const struct al_filter *);
int	exp_entry(al_log *, struct exp *, const struct al_entry *);
void	exp_result(const struct exp *, struct al_export_result *);
void	exp_free(struct exp *);
int	summary_head(struct buf *, const struct exp *);
int	denied_line(struct buf *, const struct al_entry *);
int	summary_tail(struct buf *, const struct exp *);
int	filters_text(struct buf *, const struct al_filter *);
int	policies_json(struct buf *, const struct exp *);
int	report_denied_json(struct buf *, const struct al_entry *);
int	report_json(struct buf *, const struct exp *, const struct buf *);
/* entries.csv's rows and header in bundle format fmt (3, or 4: BUNDLE_FORMAT). */
#define BUNDLE_FORMAT	4
int	csv_row(struct buf *, const struct al_entry *, int fmt);
const char *csv_header(int fmt, size_t *);
void	policy_member(char *, size_t, const uint8_t digest[AL_HASH_LEN]);
void	floor_member(char *, size_t, const uint8_t digest[AL_HASH_LEN]);
int	floor_json(struct buf *, const struct exp *);
int	exp_floor_policy(struct exp *, size_t i);
int	member_name_ok(const char *);
/* A line of entries.jsonl read in entry_json()'s form (bundle_line.c): 0;
   1 when it is in any other form (a JSON parser's to read); -2, no memory. */
int	line_entry(const char *, size_t, struct buf *dec, struct buf *re,
	    struct al_entry *);

/* The lines of entries.jsonl, checked on a second thread (bundle_line.c). */
struct line_pipe {
	int		(*fn)(void *, const char *, size_t, uint64_t lineno);
	void		*arg;
	int		 on, threaded, quit, rc, fill;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct buf	 slot[2];	/* whole lines, each with its newline */
	uint64_t	 first[2];	/* the line number of a slot's first */
	int		 full[2];	/* handed to the thread */
	uint64_t	 next;		/* the line number the slot goes on with */
};

void	line_start(struct line_pipe *, int (*)(void *, const char *, size_t,
	    uint64_t), void *);
int	line_check(struct line_pipe *, const char *, size_t, uint64_t lineno);
int	line_sync(struct line_pipe *);
int	line_stop(struct line_pipe *);

/* The container, tar in gzip (bundle_tar.c). */
#define TAR_CHUNK	(64 * 1024)
#define TAR_MAX_MEMBER	((uint64_t)1 << 40)
/*
 * What a bundle may make a reader do (docs/FORMAT.md 13.1), the same in
 * contrib/verify-export.py: zero padding after the end blocks (the tool
 * writes at most 19 blocks, to its 10240-byte record); tar bytes in all
 * (a bundle of a million entries holds about 1 GB); and tar bytes per
 * byte of gzip read, once past TAR_RATIO_FROM (the tool's bundles stay
 * under 10 to 1: every entry holds two hashes, which do not compress).
 */
#define TAR_MAX_PAD	(1024 * 1024)
#define TAR_MAX_BYTES	((uint64_t)16 << 30)
#define TAR_MAX_RATIO	100
#define TAR_RATIO_FROM	((uint64_t)16 << 20)

struct gz;
int	tar_header(al_log *, struct gz *, const char *, uint64_t size,
	    uint64_t mtime);
int	tar_pad(al_log *, struct gz *, uint64_t size);
int	tar_end(al_log *, struct gz *);

struct tar_in {			/* a bundle read */
	int		 fd;
	z_stream	 z;
	int		 zopen, zend;
	uint8_t		 in[TAR_CHUNK];
	uint64_t	 out;		/* bytes of tar read */
	uint64_t	 read;		/* bytes of the file read */
	uint64_t	 max_bytes;	/* TAR_MAX_BYTES; less in a test */
	char		*err;		/* why it cannot be read */
	size_t		 errlen;
	void		(*bad)(void *, const char *);	/* a problem */
	void		*arg;
};

int	tar_open(struct tar_in *, int fd, char *err, size_t errlen,
	    void (*bad)(void *, const char *), void *arg);
ssize_t	tar_read(struct tar_in *, uint8_t *, size_t);
int	tar_next(struct tar_in *, char *name, uint64_t *size);
int	tar_skip_pad(struct tar_in *, uint64_t size);
int	tar_drain(struct tar_in *);
void	tar_close(struct tar_in *);

#endif
