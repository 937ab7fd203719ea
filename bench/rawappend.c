/* rawappend.c - the floor for batch ingest: raw LMDB appends of the entries */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

/*
 * usage: rawappend SRC DST [PER]
 *        rawappend -s SRC
 *
 * Copies every value of the "entries" database of the log in SRC, in
 * order, into a new "entries" database in the LMDB environment DST (an
 * existing folder), under the same 8-byte keys, with MDB_APPEND and a
 * durable commit every PER (default 1000) entries: what a batch ingest
 * that did nothing but store the encoded bytes would cost.  The source is
 * read in one read transaction (its pages are in the page cache once warm).
 * With -s it writes the same values to stdout as SQL for the sqlite3
 * command instead: one table, one transaction, a row (seq, blob) each.
 * Prints the number of entries copied (stderr with -s).
 */

static void
check(int rc, const char *what)
{
	if (rc != 0)
		errx(3, "%s: %s", what, mdb_strerror(rc));
}

static void
sql(MDB_cursor *cur)
{
	static const char hex[] = "0123456789ABCDEF";
	MDB_val		 k, v;
	uint64_t	 n = 0;
	size_t		 i;
	int		 rc;

	fputs("PRAGMA journal_mode=DELETE;\nBEGIN;\n"
	    "CREATE TABLE entries(seq INTEGER PRIMARY KEY, v BLOB NOT NULL);\n",
	    stdout);
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		const uint8_t *p = v.mv_data;

		printf("INSERT INTO entries VALUES(%llu,X'",
		    (unsigned long long)++n);
		for (i = 0; i < v.mv_size; i++) {
			putchar(hex[p[i] >> 4]);
			putchar(hex[p[i] & 15]);
		}
		fputs("');\n", stdout);
	}
	if (rc != MDB_NOTFOUND)
		check(rc, "read entries");
	fputs("COMMIT;\n", stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(3, "stdout");
	fprintf(stderr, "%llu\n", (unsigned long long)n);
}

int
main(int argc, char *argv[])
{
	MDB_env		*src, *dst = NULL;
	MDB_txn		*rtxn, *wtxn = NULL;
	MDB_cursor	*cur;
	MDB_dbi		 sdbi, ddbi = 0;
	MDB_val		 k, v;
	unsigned long	 per = 1000, n = 0;
	char		*end;
	int		 tosql = 0, rc;

	if (argc == 3 && strcmp(argv[1], "-s") == 0)
		tosql = 1;
	else if (argc == 4) {
		per = strtoul(argv[3], &end, 10);
		if (*argv[3] == '\0' || *end != '\0' || per < 1)
			errx(2, "PER: not a count: %s", argv[3]);
	} else if (argc != 3)
		errx(2, "usage: rawappend SRC DST [PER] | rawappend -s SRC");

	check(mdb_env_create(&src), "mdb_env_create");
	check(mdb_env_set_maxdbs(src, 8), "mdb_env_set_maxdbs");
	check(mdb_env_open(src, argv[1 + tosql], MDB_RDONLY, 0), argv[1 + tosql]);
	check(mdb_txn_begin(src, NULL, MDB_RDONLY, &rtxn), "mdb_txn_begin");
	check(mdb_dbi_open(rtxn, "entries", 0, &sdbi), "entries");
	check(mdb_cursor_open(rtxn, sdbi, &cur), "mdb_cursor_open");
	if (tosql) {
		sql(cur);
		goto close_src;
	}

	check(mdb_env_create(&dst), "mdb_env_create");
	check(mdb_env_set_maxdbs(dst, 4), "mdb_env_set_maxdbs");
	check(mdb_env_set_mapsize(dst, 16UL << 30), "mdb_env_set_mapsize");
	check(mdb_env_open(dst, argv[2], 0, 0600), argv[2]);
	check(mdb_txn_begin(dst, NULL, 0, &wtxn), "mdb_txn_begin");
	check(mdb_dbi_open(wtxn, "entries", MDB_CREATE, &ddbi), "mdb_dbi_open");
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		check(mdb_put(wtxn, ddbi, &k, &v, MDB_APPEND), "mdb_put");
		if (++n % per == 0) {
			check(mdb_txn_commit(wtxn), "mdb_txn_commit");
			check(mdb_txn_begin(dst, NULL, 0, &wtxn),
			    "mdb_txn_begin");
		}
	}
	if (rc != MDB_NOTFOUND)
		check(rc, "read entries");
	check(mdb_txn_commit(wtxn), "mdb_txn_commit");
	mdb_env_close(dst);
	printf("%lu\n", n);
close_src:
	mdb_cursor_close(cur);
	mdb_txn_abort(rtxn);
	mdb_env_close(src);
	return 0;
}
