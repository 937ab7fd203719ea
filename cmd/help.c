/*
 * help.c - what `auditlog help COMMAND` and `COMMAND --help` say after the
 * usage: every option, what it does, and its default
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

#define TIMES \
    "\n" \
    "A TIME is RFC 3339 (2026-11-29T10:00:00Z, with an optional fraction\n" \
    "and a Z or +hh:mm/-hh:mm offset); a date or a time with no offset, in\n" \
    "the local zone of TZ (2026-11-29, its midnight, or for --until the\n" \
    "midnight at its end; 2026-11-29 10:00, 2026-11-29T10:00:30); now,\n" \
    "today, yesterday or tomorrow (a midnight); or a span from now: -1h,\n" \
    "+30min, -2d, \"1 hour ago\", \"3 days ago\" (s, min, h, d, w).\n" \
    "--since is inclusive, --until exclusive.  The formats are in\n" \
    "auditlog(1), TIME FORMATS.\n"

#define LOG_FILTERS \
    "  --ref REF           accesses under this reference only (default:\n" \
    "                      all)\n" \
    "  --service NAME      entries by this service only (default: all)\n" \
    "  --action A          accesses with this action only (default: all)\n" \
    "  --data CATEGORY     accesses to this category only (default: all)\n"

#define FILTERS \
    "  --customer ID       entries of this customer only (default: all)\n" \
    "  --actor WHO         entries by this actor only (default: all)\n" \
    "  --purpose P         accesses for this purpose only (default: all)\n" \
    "  --decision D        allow or deny: accesses so decided only\n" \
    "                      (default: both, and policy changes)\n" \
    "  --since TIME        entries at or after TIME (default: the first)\n" \
    "  --until TIME        entries before TIME (default: the newest)\n"

#define SEQS \
    "  --from-seq N        entries from seq N (default: 1)\n" \
    "  --to-seq N          entries up to seq N (default: the head)\n"

#define ACCESS \
    "  --actor WHO         who accesses the data: a person or svc:NAME\n" \
    "                      (required)\n" \
    "  --customer ID       whose data (required)\n" \
    "  --purpose P         why: a purpose the policy declares (required)\n" \
    "  --action A          what is done: read, write, export... (required)\n" \
    "  --data CATEGORY     the category of data (default: customer-data,\n" \
    "                      the broadest: give the narrowest that fits)\n" \
    "  --resource R        what exactly is accessed (default: none)\n" \
    "  --ref REF           the reference the purpose needs: SUP-4711...\n" \
    "                      (default: none)\n" \
    "  --reason TEXT       free text for the reader (default: none)\n" \
    "  --service NAME      the recording service (default:\n" \
    "                      $AUDITLOG_SERVICE, else none)\n"

#define HELP \
    "  --help              print this help and exit 0\n"

static const struct {
	const char	*verb;
	const char	*text;
} helps[] = {
	{ "check",
	    "Decide an access under the active policy; record nothing.\n"
	    "Prints \"allow RULE\" (exit 0) or \"deny CODE: reason\" (exit 1).\n"
	    "\noptions:\n" ACCESS HELP },
	{ "checkpoint",
	    "Print the tree head as a C2SP checkpoint; signed, it is also\n"
	    "recorded in the log.  With -s SOCKET, auditlogd signs it with its\n"
	    "own key (auditlogd --key), records and publishes it: for root and\n"
	    "auditlogd's user.\n"
	    "\noptions:\n"
	    "  --sign KEYFILE      sign it with this signer key, and record it\n"
	    "                      (default: unsigned, not recorded); not\n"
	    "                      with -s\n"
	    "  --signer WHO        who publishes it, recorded with it (default:\n"
	    "                      the user running auditlog); --actor is a\n"
	    "                      deprecated name for it\n" HELP },
	{ "export",
	    "Write a bundle of the matching entries for auditors.\n"
	    "\noptions:\n"
	    "  -o, --output FILE   the bundle to write; - for standard output\n"
	    "                      (required); an existing file is refused\n"
	    "  --force             replace an existing FILE\n"
	    FILTERS SEQS
	    "  --level N           gzip level, 1 to 9 (default: 6)\n"
	    "  --sign KEYFILE      sign the tree head with this signer key and\n"
	    "                      record it (default: an unsigned head)\n"
	    "  --signer WHO        who publishes the signed head (default: the\n"
	    "                      user running auditlog); --actor-sign is a\n"
	    "                      deprecated name for it\n"
	    "  --checkpoint FILE   prove the entries in this checkpoint instead\n"
	    HELP TIMES },
	{ "head",
	    "Print the newest entry's seq and hash: an anchor for\n"
	    "verify --expect.\n"
	    "\noptions:\n" HELP },
	{ "init",
	    "Create a new log (its folder made 0700 when missing): the floor\n"
	    "at seq 1, the first policy at seq 2.\n"
	    "\noptions:\n"
	    "  --policy FILE       the first policy (default: the built-in\n"
	    "                      default.policy)\n"
	    "  --actor WHO         who creates the log (default: the user\n"
	    "                      running auditlog)\n"
	    "  --floor FILE        the floor, fixed for the log's lifetime: what\n"
	    "                      no policy may allow (default: the built-in\n"
	    "                      promise.floor)\n"
	    "  --approvers N       the administrators a policy change needs, 1\n"
	    "                      to 9 (default: 2; 1 lets policy set change\n"
	    "                      it in one step)\n"
	    "  --admin USER        an administrator, added to the first policy\n"
	    "                      as 'admin user USER'; repeatable (default:\n"
	    "                      the policy's own, and a caller who is not\n"
	    "                      root)\n" HELP },
	{ "keygen",
	    "Make an Ed25519 key pair: NAME.key (0600) and NAME.pub (0644).\n"
	    "Neither may exist; the folder must.\n"
	    "\noptions:\n"
	    "  -o NAME             the files' path without .key/.pub (required)\n"
	    "  --name KEYNAME      the key's name in signatures (default: the\n"
	    "                      last component of NAME)\n" HELP },
	{ "log",
	    "List entries, oldest first, as a table or in a format for a SIEM.\n"
	    "\noptions:\n" FILTERS LOG_FILTERS SEQS
	    "  -n N                the newest N matches only (default: all)\n"
	    "  -r, --reverse       newest first (default: oldest first)\n"
	    "  -f, --follow        then each entry as it is committed, until\n"
	    "                      SIGINT or SIGTERM, and the last seq printed\n"
	    "                      on stderr (default: the newest 10 first,\n"
	    "                      without -n, --after-seq, --since, --from-seq)\n"
	    "  --after-seq N       entries after seq N, where -f stopped\n"
	    "                      (default: none)\n"
	    "  --utc               the table's times in UTC (default: the local\n"
	    "                      zone of TZ)\n"
	    "  --no-pager          never page (default: on a terminal, $PAGER,\n"
	    "                      else less -FRX)\n"
	    "  --format FORMAT     table, json, csv, ocsf or syslog (default:\n"
	    "                      table)\n"
	    "  --json              --format json: one JSON object a line (JSON\n"
	    "                      Lines)\n"
	    "  --sd-id NAME@PEN    the SD-ID of --format syslog (default:\n"
	    "                      auditlog@32473, RFC 5612's example number)\n"
	    HELP TIMES },
	{ "policy",
	    "Show the active policy, check a policy file, or make one active;\n"
	    "list the policy's history, show a past one, compare two rule by\n"
	    "rule.\n"
	    "A change takes the log's number of administrators (init\n"
	    "--approvers): one proposes, others approve; the approval that\n"
	    "completes the count activates it.  Who acts is the real uid;\n"
	    "--actor is a label.  Exit 1: refused by the floor or the chain of\n"
	    "custody, nothing recorded.\n"
	    "\noptions of policy set (one step: a log of --approvers 1 only):\n"
	    "  --actor WHO         who changes the policy (required)\n"
	    "\noptions of policy propose FILE, approve DIGEST, reject DIGEST\n"
	    "(DIGEST: 8 to 64 hex digits of the proposal's):\n"
	    "  --actor WHO         a label for who acts (default: the user\n"
	    "                      running auditlog)\n"
	    "  --expires DURATION  propose only: the proposal lapses after this\n"
	    "                      long, a number and s, m, h or d, up to a\n"
	    "                      year (default: 7d)\n"
	    "\noptions of policy show:\n"
	    "  --at SEQ|TIME       the policy in force at that seq, or at the\n"
	    "                      newest entry stamped at or before TIME\n"
	    "                      (default: the active policy); DIGEST, 8 to\n"
	    "                      64 hex digits, instead: that policy\n"
	    "\noptions of policy history:\n"
	    "  --long              full digests (default: their first 12 hex\n"
	    "                      digits)\n"
	    "  --utc               times in UTC (default: the local zone of TZ)\n"
	    "  --json              one JSON object a line (default: a table)\n"
	    "\noptions of policy diff A B (each @SEQ or @TIME: the policy in\n"
	    "force then; a DIGEST; or a FILE, - for standard input), which exits\n"
	    "0 when A and B have the same rules, 1 when they differ:\n"
	    "  --json              one JSON object a change (default: text, each\n"
	    "                      change that widens access marked !)\n"
	    "\n" HELP TIMES },
	{ "prove",
	    "Print an inclusion proof (--seq) or a consistency proof (--from).\n"
	    "\noptions:\n"
	    "  --seq N             prove that entry N is in the tree\n"
	    "  --size M            ...of size M (default: the head)\n"
	    "  --checkpoint FILE   ...of this published checkpoint\n"
	    "  --from SIZE1        prove the tree of SIZE2 extends that of SIZE1\n"
	    "  --to SIZE2          (default: the head)\n" HELP },
	{ "record",
	    "Decide an access under the active policy and record it.  Allowed:\n"
	    "its seq on stdout, exit 0.  Denied: recorded all the same, the\n"
	    "reason on stderr, exit 1.  Go ahead only on exit 0.\n"
	    "\noptions:\n" ACCESS
	    "  --batch             read JSON lines on stdin, one result line\n"
	    "                      each on stdout; blank lines are skipped\n"
	    "  --batch-size N      commit at most N entries at once, 1 to\n"
	    "                      100000 (default: 1000); through auditlogd,\n"
	    "                      4N lines (4096 at most) on their way\n"
	    "  --batch-ms MS       commit what waited MS milliseconds, 1 to\n"
	    "                      60000 (default: 10); not through auditlogd\n" HELP },
	{ "report",
	    "Print the summary of the matching entries that a bundle holds.\n"
	    "\noptions:\n" FILTERS SEQS
	    "  --json              one JSON object instead of text\n"
	    HELP TIMES },
	{ "upgrade",
	    "Bring a log of an older format to the current one.\n"
	    "\noptions:\n" HELP },
	{ "verify",
	    "Prove the log intact: chain, tree, indexes, every decision.\n"
	    "\noptions:\n"
	    "  --expect 'SEQ HASH' the anchor 'auditlog head' printed must\n"
	    "                      still be there (default: none)\n"
	    "  --checkpoint FILE   the log must extend this checkpoint\n"
	    "  --key PUBFILE       ...signed by this verifier key\n"
	    "  --no-key            a signed checkpoint, its signature left\n"
	    "                      unchecked on purpose (default: a signed\n"
	    "                      checkpoint needs --key)\n"
	    "  --json              one JSON object instead of text\n" HELP },
	{ "verify-export",
	    "Check a bundle without the log.\n"
	    "\noptions:\n"
	    "  --expect 'SEQ HASH' the bundle must prove this anchor\n"
	    "  --key PUBFILE       its checkpoint must be signed by this key\n"
	    "  --checkpoint FILE   it must be proven in this checkpoint\n"
	    "  --no-key            a signed --checkpoint, its signature left\n"
	    "                      unchecked on purpose (default: a signed\n"
	    "                      checkpoint needs --key); without --key or\n"
	    "                      --checkpoint the bundle is consistent but\n"
	    "                      NOT AUTHENTICATED\n"
	    "  --json              one JSON object instead of text\n" HELP },
};

/* The help of the command running (progverb): its usage, then this. */
void
help_options(FILE *fp)
{
	size_t	i;

	for (i = 0; progverb != NULL && i < sizeof(helps) / sizeof(helps[0]);
	    i++)
		if (strcmp(helps[i].verb, progverb) == 0) {
			fputc('\n', fp);
			fputs(helps[i].text, fp);
			break;
		}
	fputs("\nThe log is in -d DIR, else $AUDITLOG_DB, else "
	    "/var/lib/auditlog.\nSee auditlog(1).\n", fp);
}
