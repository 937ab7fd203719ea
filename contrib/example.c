/* example.c - a service records an access through libauditlog, fail-closed */
#include <stdio.h>

#include <auditlog.h>

/*
 * usage: example DIR ACTOR CUSTOMER PURPOSE ACTION [REF]
 * Exits 0 when the access is allowed and durable (it prints the seq),
 * 1 when denied, 3 when it could not be recorded: refuse the access.
 */
int
main(int argc, char *argv[])
{
	struct al_access	a = { 0 };
	struct al_decision	d;
	al_log			*l = NULL;
	int			rc, status = 3;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: example DIR ACTOR CUSTOMER PURPOSE "
		    "ACTION [REF]\n");
		return 2;
	}
	a.actor = argv[2];
	a.customer = argv[3];
	a.purpose = argv[4];
	a.action = argv[5];
	a.ref = argc == 7 ? argv[6] : NULL;
	a.service = "example";
	if ((rc = al_open(argv[1], 0, &l)) != 0 ||
	    (rc = al_record(l, &a, &d)) != 0) {
		fprintf(stderr, "example: %s\n", al_errmsg(l));
		status = rc == AL_EINVAL ? 2 : 3;
		goto done;
	}
	if (d.allow) {
		printf("%llu\n", (unsigned long long)d.seq);
		status = 0;
	} else {
		fprintf(stderr, "example: denied (seq %llu): %s\n",
		    (unsigned long long)d.seq, d.detail);
		status = 1;
	}
done:
	al_close(l);
	return status;
}
