/* bare_put.c - the floor for one durable entry: open LMDB, one put, exit */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

/*
 * usage: bare_put [-n] DIR SIZE
 *
 * Opens (creating it the first time) the LMDB environment in DIR, appends
 * one SIZE-byte value to its "entries" database under the next 8-byte
 * big-endian key, with MDB_APPEND, and commits durably: the least a
 * process that records one entry can do.  It links LMDB alone, as such a
 * program would (GNUmakefile), so its start-up is the bare minimum too.
 * With -n it commits without syncing (MDB_NOSYNC), which tells the two
 * fsyncs of a commit apart from the rest (bench/profile.sh).
 */

#define MAXSIZE	65536

static void
check(int rc, const char *what)
{
	if (rc != 0)
		errx(3, "%s: %s", what, mdb_strerror(rc));
}

int
main(int argc, char *argv[])
{
	static uint8_t	 val[MAXSIZE];
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_dbi		 dbi;
	MDB_val		 k, v;
	uint8_t		 kb[8];
	uint64_t	 seq = 0;
	unsigned	 flags = 0;
	char		*end;
	long		 size;
	int		 i, rc;

	if (argc == 4 && strcmp(argv[1], "-n") == 0) {
		flags = MDB_NOSYNC;
		argc--;
		argv++;
	}
	if (argc != 3)
		errx(2, "usage: bare_put [-n] DIR SIZE");
	size = strtol(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0' || size < 1 || size > MAXSIZE)
		errx(2, "SIZE: 1 to %d bytes", MAXSIZE);
	for (i = 0; i < size; i++)
		val[i] = (uint8_t)('a' + i % 26);

	check(mdb_env_create(&env), "mdb_env_create");
	check(mdb_env_set_maxdbs(env, 4), "mdb_env_set_maxdbs");
	check(mdb_env_set_mapsize(env, 64UL << 20), "mdb_env_set_mapsize");
	check(mdb_env_open(env, argv[1], flags, 0600), argv[1]);
	check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	check(mdb_dbi_open(txn, "entries", MDB_CREATE, &dbi), "mdb_dbi_open");
	check(mdb_cursor_open(txn, dbi, &cur), "mdb_cursor_open");
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 8)
		for (i = 0; i < 8; i++)
			seq = seq << 8 | ((uint8_t *)k.mv_data)[i];
	else if (rc != MDB_NOTFOUND)
		check(rc ? rc : MDB_CORRUPTED, "read the last key");
	mdb_cursor_close(cur);
	seq++;
	for (i = 0; i < 8; i++)
		kb[i] = (uint8_t)(seq >> (56 - 8 * i));
	k.mv_size = 8;
	k.mv_data = kb;
	v.mv_size = (size_t)size;
	v.mv_data = val;
	check(mdb_put(txn, dbi, &k, &v, MDB_APPEND), "mdb_put");
	check(mdb_txn_commit(txn), "mdb_txn_commit");
	mdb_env_close(env);
	return 0;
}
