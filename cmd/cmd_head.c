/* cmd_head.c - auditlog head: the newest entry's seq and hash, an anchor */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const char usage[] = "usage: auditlog [-d DIR] head\n";

int
cmd_head(int argc, char **argv, const char *dir)
{
	uint8_t	 hash[AL_HASH_LEN];
	char	 hex[2 * AL_HASH_LEN + 1];
	uint64_t seq;
	al_log	*l = NULL;
	int	 rc, status;

	if (argc == 2 && strcmp(argv[1], "--help") == 0)
		return help(usage);
	if (argc > 1)
		return usage_arg(usage, "unexpected argument", argv[1]);
	if ((rc = log_open(dir, AL_RDONLY, &l)) != 0 ||
	    (rc = al_head(l, &seq, hash)) != 0) {
		status = lib_fail(rc, l, EX_UNAVAIL);
		goto done;
	}
	al_hex(hash, AL_HASH_LEN, hex);
	printf("%llu %s\n", (unsigned long long)seq, hex);
	status = finish(EX_OK);
done:
	al_close(l);
	return status;
}
