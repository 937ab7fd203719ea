/* mklog.c - make a log of N realistic accesses with al_record_batch */
#include <err.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auditlog.h"

/*
 * usage: mklog DIR N [BATCH]
 *        mklog -j N
 *
 * Creates a log in DIR (with the default policy) and records N accesses
 * into it, BATCH (default 10000) to a durable commit, through the library.
 * The accesses are a deterministic mix shaped like a service's day: most
 * by service accounts providing the service, some under support tickets,
 * incidents and legal orders, a few denied; 50,000 customers (about 20
 * entries each), and one more, HOT, that every 1000th access is for: the
 * customer export row of make bench needs one with 1,000 entries in 1M,
 * spread over the whole log.  Prints
 *	entries seconds
 * (the seconds are the recording alone, for the note under the table).
 * With -j it records nothing and writes the same N accesses to stdout as
 * JSON lines, the input of `auditlog record --batch`.
 */

#define NCUST	50000
#define HOT	"cust-hot"
#define HOTEVERY 1000

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng >> 33) % n;
}

/* Strings for one batch live in one arena, reset between batches. */
struct arena {
	char	*p;
	size_t	 n, cap;
};

static const char *
fmt(struct arena *a, const char *f, ...) __attribute__((format(printf, 2, 3)));

static const char *
fmt(struct arena *a, const char *f, ...)
{
	va_list	 ap;
	char	*s = a->p + a->n;
	int	 len;

	va_start(ap, f);
	len = vsnprintf(s, a->cap - a->n, f, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= a->cap - a->n)
		errx(3, "arena full");
	a->n += (size_t)len + 1;
	return s;
}

static const char *
pick(const char *const *v, size_t n)
{
	return v[rnd((uint32_t)n)];
}
#define PICK(v)	pick((v), sizeof(v) / sizeof((v)[0]))

static const char *const services[] = { "billing", "mailer", "search",
    "backup", "reports", "sync" };
static const char *const staff[] = { "alice.martin@example.com",
    "bob.nguyen@example.com", "carol.schmidt@example.com",
    "dave.okafor@example.com", "erin.rossi@example.com" };
static const char *const svc_actions[] = { "read", "write", "process" };
static const char *const datas[] = { "customer-data", "contact", "billing",
    "usage" };
static const char *const reasons[] = {
    "customer asked to correct the billing address on their invoices",
    "customer reports that the nightly export has been failing since Monday",
    "customer cannot log in after a password reset" };

static void
make(struct al_access *x, struct arena *a, uint64_t i)
{
	uint32_t	r = rnd(100), cust = rnd(NCUST);

	memset(x, 0, sizeof(*x));
	x->customer = fmt(a, "cust-%05u", cust);
	x->service = "api-gateway";
	if (r < 70) {
		const char *svc = PICK(services);

		x->actor = fmt(a, "svc:%s", svc);
		x->purpose = "service-provision";
		x->action = PICK(svc_actions);
		x->data = PICK(datas);
		x->resource = fmt(a, "%s/2026-11/%u/%llu", svc, cust,
		    (unsigned long long)i);
		x->service = svc;
	} else if (r < 90) {
		x->actor = PICK(staff);
		x->purpose = "support-ticket";
		x->ref = fmt(a, "SUP-%u", 100000 + rnd(900000));
		x->action = rnd(4) ? "read" : "write";
		x->data = PICK(datas);
		x->resource = fmt(a, "accounts/%u/profile", cust);
		x->reason = PICK(reasons);
	} else if (r < 95) {
		x->actor = PICK(staff);
		x->purpose = "technical-fix";
		x->ref = fmt(a, "INC-%u", 1000 + rnd(9000));
		x->action = "read";
		x->data = "usage";
		x->resource = fmt(a, "jobs/export/%u", cust);
	} else if (r < 96) {
		x->actor = PICK(staff);
		x->purpose = "legal-requirement";
		x->ref = fmt(a, "LEGAL-2026-%03u", rnd(1000));
		x->action = "export";
		x->data = "customer-data";
	} else if (r < 98) {
		/* Denied: no ticket. */
		x->actor = PICK(staff);
		x->purpose = "support-ticket";
		x->action = "read";
		x->data = "contact";
	} else {
		/* Denied: forbidden purpose. */
		x->actor = fmt(a, "svc:%s", PICK(services));
		x->purpose = "marketing";
		x->action = "read";
		x->data = "contact";
	}
	/* After the draws, so the other entries are those of the plain mix. */
	if (i % HOTEVERY == HOTEVERY - 1)
		x->customer = HOT;
}

/* The generator's strings need no escaping; say so if that changes. */
static void
jfield(const char *k, const char *v, int *first)
{
	const char	*p;

	if (v == NULL)
		return;
	for (p = v; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			errx(3, "%s: would need escaping: %s", k, v);
	printf("%s\"%s\":\"%s\"", *first ? "{" : ",", k, v);
	*first = 0;
}

static void
json(const struct al_access *x)
{
	int	first = 1;

	jfield("actor", x->actor, &first);
	jfield("customer", x->customer, &first);
	jfield("purpose", x->purpose, &first);
	jfield("action", x->action, &first);
	jfield("data", x->data, &first);
	jfield("resource", x->resource, &first);
	jfield("ref", x->ref, &first);
	jfield("reason", x->reason, &first);
	jfield("service", x->service, &first);
	fputs("}\n", stdout);
}

static long
number(const char *s, const char *what)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > 100000000)
		errx(2, "%s: not a count: %s", what, s);
	return v;
}

int
main(int argc, char *argv[])
{
	struct al_init_opts	 o;
	struct al_access	*acc;
	struct al_decision	*dec;
	struct arena		 a;
	struct timespec		 t0, t1;
	al_log			*l = NULL;
	uint64_t		 total, done = 0;
	size_t			 batch = 10000, i, n;
	int			 rc;

	if (argc == 3 && strcmp(argv[1], "-j") == 0) {
		struct al_access x;

		total = (uint64_t)number(argv[2], "N");
		if ((a.p = malloc(a.cap = 4096)) == NULL)
			err(3, NULL);
		for (done = 0; done < total; done++) {
			a.n = 0;
			make(&x, &a, done);
			json(&x);
		}
		if (fflush(stdout) != 0 || ferror(stdout))
			err(3, "stdout");
		free(a.p);
		return 0;
	}
	if (argc != 3 && argc != 4)
		errx(2, "usage: mklog DIR N [BATCH] | mklog -j N");
	total = (uint64_t)number(argv[2], "N");
	if (argc == 4)
		batch = (size_t)number(argv[3], "BATCH");
	if ((acc = calloc(batch, sizeof(*acc))) == NULL ||
	    (dec = calloc(batch, sizeof(*dec))) == NULL ||
	    (a.p = malloc(a.cap = batch * 512)) == NULL)
		err(3, NULL);

	memset(&o, 0, sizeof(o));
	o.actor = "bench";
	o.service = "bench";
	if ((rc = al_init(argv[1], &o, &l)) != 0)
		errx(3, "init %s: %s", argv[1], al_errmsg(l));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < total) {
		n = total - done < batch ? (size_t)(total - done) : batch;
		a.n = 0;
		for (i = 0; i < n; i++)
			make(&acc[i], &a, done + i);
		if ((rc = al_record_batch(l, acc, n, dec)) != 0)
			errx(3, "record: %s", al_errmsg(l));
		done += n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	al_close(l);
	printf("%llu %.3f\n", (unsigned long long)done,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(acc);
	free(dec);
	free(a.p);
	return 0;
}
