/* hold_reader.c - hold one LMDB read transaction on a log until killed */

#include <err.h>
#include <stdio.h>
#include <unistd.h>

#include <lmdb.h>

/*
 * A reader that takes a slot in the log's reader table and keeps it:
 * killed with SIGKILL, it leaves the slot behind for as long as another
 * process keeps the environment open (tests/t62-daemon.sh: auditlogd
 * clears such slots).  Prints "ready" once the slot is taken.
 */
int
main(int argc, char **argv)
{
	MDB_env	*env;
	MDB_txn	*txn;
	int	 rc;

	if (argc != 2)
		errx(2, "usage: hold_reader DIR");
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 8)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOTLS,
	    0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		errx(1, "%s: %s", argv[1], mdb_strerror(rc));
	if (printf("ready\n") < 0 || fflush(stdout) != 0)
		err(1, "stdout");
	for (;;)
		pause();
}
