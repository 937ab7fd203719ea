/* chainloop.c - the floor for verify: read every entry, re-hash the chain */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lmdb.h>
/* The same low-level calls the library uses (core/entry.c says why). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

/*
 * usage: chainloop DIR
 *
 * Walks the "entries" database of the log in DIR in one read transaction
 * and recomputes the hash chain of docs/FORMAT.md: SHA-256 of 0x00 and the
 * stored value for each entry, which must equal the prev field (bytes 18 to
 * 49) of the next; the keys must run 1, 2, 3...  This is what the hardware
 * allows for reading and re-hashing; verify does that and decodes, indexes
 * and re-decides every entry besides.  Prints
 *	entries bytes last_value_size head_hash
 * and exits 1 if the chain does not link.
 */

static void
check(int rc, const char *what)
{
	if (rc != 0)
		errx(3, "%s: %s", what, mdb_strerror(rc));
}

int
main(int argc, char *argv[])
{
	static const uint8_t leaf = 0;
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_dbi		 dbi;
	MDB_val		 k, v;
	SHA256_CTX	 c;
	uint8_t		 hash[SHA256_DIGEST_LENGTH] = { 0 };
	uint64_t	 n = 0, bytes = 0, bad = 0, key;
	size_t		 last = 0;
	int		 i, rc;

	if (argc != 2)
		errx(2, "usage: chainloop DIR");
	check(mdb_env_create(&env), "mdb_env_create");
	check(mdb_env_set_maxdbs(env, 4), "mdb_env_set_maxdbs");
	check(mdb_env_open(env, argv[1], MDB_RDONLY, 0600), argv[1]);
	check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin");
	check(mdb_dbi_open(txn, "entries", 0, &dbi), "mdb_dbi_open");
	check(mdb_cursor_open(txn, dbi, &cur), "mdb_cursor_open");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		n++;
		key = 0;
		if (k.mv_size == 8)
			for (i = 0; i < 8; i++)
				key = key << 8 | ((uint8_t *)k.mv_data)[i];
		if (key != n || v.mv_size < 50 ||
		    memcmp((uint8_t *)v.mv_data + 18, hash, sizeof(hash)) != 0)
			bad++;
		SHA256_Init(&c);
		SHA256_Update(&c, &leaf, 1);
		SHA256_Update(&c, v.mv_data, v.mv_size);
		SHA256_Final(hash, &c);
		bytes += v.mv_size;
		last = v.mv_size;
	}
	if (rc != MDB_NOTFOUND)
		check(rc, "read entries");
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);

	printf("%llu %llu %zu ", (unsigned long long)n,
	    (unsigned long long)bytes, last);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		printf("%02x", hash[i]);
	putchar('\n');
	if (fflush(stdout) != 0 || ferror(stdout))
		err(3, "stdout");
	if (bad != 0)
		errx(1, "%llu entries do not link", (unsigned long long)bad);
	return 0;
}
