/* hold_reader.c - hold one LMDB read transaction on a log until killed */

#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

/* mdb_reader_list's lines: a header, then one a slot in use. */
static int
count(const char *line, void *arg)
{
	if (strstr(line, "pid") == NULL && strstr(line, "no active") == NULL)
		++*(int *)arg;
	return 0;
}

/*
 * A reader that takes a slot in the log's reader table and keeps it:
 * killed with SIGKILL, it leaves the slot behind for as long as another
 * process keeps the environment open (tests/t62-daemon.sh: auditlogd
 * clears such slots).  Prints "ready" once the slot is taken.  With
 * "count", it prints how many slots are in use, and takes none.
 */
int
main(int argc, char **argv)
{
	MDB_env	*env;
	MDB_txn	*txn;
	int	 rc, n = 0;

	if (argc != 2 && (argc != 3 || strcmp(argv[2], "count") != 0))
		errx(2, "usage: hold_reader DIR [count]");
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 8)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOTLS,
	    0600)) != 0)
		errx(1, "%s: %s", argv[1], mdb_strerror(rc));
	if (argc == 3) {
		if (mdb_reader_list(env, count, &n) < 0)
			errx(1, "%s: cannot list the readers", argv[1]);
		if (printf("%d\n", n) < 0 || fflush(stdout) != 0)
			err(1, "stdout");
		mdb_env_close(env);
		return 0;
	}
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		errx(1, "%s: %s", argv[1], mdb_strerror(rc));
	if (printf("ready\n") < 0 || fflush(stdout) != 0)
		err(1, "stdout");
	for (;;)
		pause();
}
