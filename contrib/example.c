/* example.c - a service records an access through libauditlog, fail-closed */
#define _POSIX_C_SOURCE 200809L	/* S_ISSOCK */
#include <sys/stat.h>

#include <stdio.h>

#include <auditlog.h>

/*
 * usage: example DIR|SOCKET ACTOR CUSTOMER PURPOSE ACTION [REF]
 * A folder is a log, whose files this process writes (al_open); a socket is
 * auditlogd's (al_connect), which decides and records for it, and needs no
 * access to the log's files.  Either way: exits 0 when the access is allowed
 * and durable (it prints the seq), 1 when denied, 3 when it could not be
 * recorded or no reply came in time: refuse the access.
 */
int
main(int argc, char *argv[])
{
	struct al_access	a = { 0 };
	struct al_decision	d;
	struct stat		st;
	al_log			*l = NULL;
	int			rc, status = 3;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: example DIR|SOCKET ACTOR CUSTOMER "
		    "PURPOSE ACTION [REF]\n");
		return 2;
	}
	a.actor = argv[2];
	a.customer = argv[3];
	a.purpose = argv[4];
	a.action = argv[5];
	a.ref = argc == 7 ? argv[6] : NULL;
	a.service = "example";
	if (stat(argv[1], &st) == 0 && S_ISSOCK(st.st_mode)) {
		rc = al_connect(argv[1], &l);
		if (l != NULL)
			al_set_timeout(l, 5000);	/* a reply, at most */
	} else
		rc = al_open(argv[1], 0, &l);
	if (rc != 0 || (rc = al_record(l, &a, &d)) != 0) {
		fprintf(stderr, "example: %s\n", l != NULL ? al_errmsg(l) :
		    al_strerror(rc));
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
