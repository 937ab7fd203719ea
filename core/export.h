/* export.h - what export.c, summary.c and bundle.c share */
#ifndef EXPORT_H
#define EXPORT_H

#include "al_int.h"

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
};

int	exp_init(al_log *, struct exp *, const struct al_export_opts *);
int	exp_add_policy(al_log *, struct exp *, MDB_txn *, uint64_t seq);
int	exp_policies(al_log *, struct exp *);
int	filters_json(struct buf *, const struct al_filter *);
int	exp_entry(al_log *, struct exp *, const struct al_entry *);
int	exp_finish(al_log *, struct exp *);
void	exp_result(const struct exp *, struct al_export_result *);
void	exp_free(struct exp *);
int	summary_head(struct buf *, const struct exp *);
int	denied_line(struct buf *, const struct al_entry *);
int	summary_tail(struct buf *, const struct exp *);
int	filters_text(struct buf *, const struct al_filter *);
int	policies_json(struct buf *, const struct exp *);
int	csv_row(struct buf *, const struct al_entry *);
const char *csv_header(size_t *);
void	policy_member(char *, size_t, const uint8_t digest[AL_HASH_LEN]);

#endif
