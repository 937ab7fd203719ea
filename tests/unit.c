/* unit.c - unit tests of libauditlog: text checks, times, encoding, policy */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "al_int.h"
#include "bundle.h"
#include "tap.h"

static void
test_scripts(void)
{
	static const struct {
		const char	*id;
		int		 mixed;
		const char	*names;
	} c[] = {
		{ "svc:billing", 0, "" },
		{ "svc:b\xd1\x96lling", 1, "Latin+Cyrillic" },	/* U+0456 */
		{ "\xd0\xb0" "cme", 1, "Latin+Cyrillic" },		/* U+0430 */
		{ "\xce\x91lpha", 1, "Latin+Greek" },		/* U+0391 */
		{ "\xe5\xb1\xb1\xe7\x94\xb0taro", 1, "Latin+CJK" },
		{ "\xe3\x82\x84\xe3\x81\xbe\xe5\xb1\xb1", 0, "" },	/* kana, Han */
		{ "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd-42", 0, "" },	/* Cyrillic, digits */
		{ "caf\xc3\xa9:1", 0, "" },			/* Latin-1 */
		{ "12-34_:.", 0, "" },
	};
	char	out[64];
	size_t	i;
	int	m;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		m = al_scripts_mixed(c[i].id, strlen(c[i].id), out,
		    sizeof(out));
		check(m == c[i].mixed && strcmp(out, c[i].names) == 0,
		    "scripts of identifier %zu: mixed %d '%s'", i, m, out);
	}
	m = al_scripts_mixed("\xd0\xb0" "cme", 4, out, 6);
	check(m == 1 && strcmp(out, "Latin") == 0, "a short buffer holds the "
	    "names that fit whole");
}

static void
test_utf8(void)
{
	static const struct {
		const char	*s;
		int		 ok;
		size_t		 bad;
	} cases[] = {
		{ "plain", 1, 0 },
		{ "\xc3\x85sa", 1, 0 },			/* Åsa */
		{ "\xe6\x97\xa5\xe6\x9c\xac", 1, 0 },	/* 日本 */
		{ "\xf0\x9f\x94\x92", 1, 0 },		/* U+1F512 */
		{ "a\nb", 0, 1 },
		{ "a\tb", 0, 1 },
		{ "\x1b[31m", 0, 0 },
		{ "del\x7f", 0, 3 },
		{ "\xc2\x9b", 0, 0 },			/* C1 CSI */
		{ "\xc0\xaf", 0, 0 },			/* overlong '/' */
		{ "\xed\xa0\x80", 0, 0 },		/* surrogate */
		{ "\xf4\x90\x80\x80", 0, 0 },		/* past U+10FFFF */
		{ "ab\xc3", 0, 2 },			/* cut short */
		{ "\xff", 0, 0 },
	};
	size_t	i, bad;
	int	ok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = 99;
		ok = al_utf8_ok((const uint8_t *)cases[i].s,
		    strlen(cases[i].s), &bad) == 0;
		check(ok == cases[i].ok && (ok || bad == cases[i].bad),
		    "utf8 case %zu: %s at %zu", i, ok ? "valid" : "invalid",
		    bad);
	}
}

/* al_utf8_ok as it was before its ASCII fast path: byte by byte. */
static int
utf8_ok_ref(const uint8_t *s, size_t n, size_t *bad)
{
	size_t		i = 0, len;
	uint32_t	c;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &c);
		if (len == 0 || c < 0x20 || c == 0x7f ||
		    (c >= 0x80 && c <= 0x9f)) {
			*bad = i;
			return -1;
		}
		i += len;
	}
	return 0;
}

/* Compare al_utf8_ok with the reference on n bytes; 0 when they agree. */
static int
utf8_same(const uint8_t *s, size_t n, char *what, size_t whatlen)
{
	size_t	bad = 99, rbad = 77;
	int	rc, rrc;

	rc = al_utf8_ok(s, n, &bad);
	rrc = utf8_ok_ref(s, n, &rbad);
	if (rc == rrc && (rc == 0 || bad == rbad))
		return 0;
	snprintf(what, whatlen, "%zu bytes: %d at %zu, not %d at %zu", n, rc,
	    bad, rrc, rbad);
	return -1;
}

/*
 * The fast path passes over printable ASCII eight bytes at a time: every
 * byte it must not pass, at every place in and across those words, and
 * after ASCII runs of every length, is still refused at the same offset.
 */
static void
test_utf8_fast(void)
{
	static const char	*seqs[] = {
		"\xc3\x85", "\xe6\x97\xa5", "\xf0\x9f\x94\x92",	/* valid */
		"\xc2\xa0", "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf",
		"\xc2\x80", "\xc2\x9f", "\xc2\x9b",		/* C1 */
		"\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",	/* overlong */
		"\xf0\x80\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
		"\xc3", "\xe6\x97", "\xf0\x9f\x94",		/* cut short */
		"\x80", "\xbf", "\xfe", "\xff", "\x7f", "\x1f", "\x1b",
		"\t", "\n", "\r", " ", "~",
	};
	static const struct {
		const char	*s;
		int		 ok;
		size_t		 bad;
	} cases[] = {
		{ "abcdefg\x7f", 0, 7 },
		{ "abcdefgh\x7f", 0, 8 },
		{ "abcdefgh\x1fijklmnop", 0, 8 },
		{ "abcdefghijklmno\x80", 0, 15 },
		{ "abcdefghijklmnop\xc2\x85", 0, 16 },
		{ "abcdefghijklmnop\xc3\x85qrstuvwxyz", 1, 0 },
		{ " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~", 1, 0 },
	};
	static const uint8_t	nul[] = "        \0       ";
	uint8_t	buf[64 + 8], *s;
	char	what[128];
	size_t	len, pos, q, i, k, bad;
	int	b, c, fails = 0, ok;

	what[0] = '\0';
	/* One byte of each value at each place, strings of 0 to 40 bytes,
	 * from every alignment. */
	for (k = 0; k < 8; k++)
		for (len = 0; len <= 40; len++)
			for (pos = 0; pos < len; pos++)
				for (b = 0; b < 256; b++) {
					s = buf + k;
					memset(s, 'x', len);
					s[pos] = (uint8_t)b;
					fails += utf8_same(s, len, what,
					    sizeof(what)) != 0;
				}
	check(fails == 0, "utf8 fast path: every byte at every place (%s)",
	    what);
	/* Two bad bytes: the first one is reported. */
	fails = 0;
	for (pos = 0; pos < 24; pos++)
		for (q = pos + 1; q < 24; q++)
			for (b = 0; b < 256; b += 15)
				for (c = 0x7f; c < 0x81; c++) {
					memset(buf, 'y', 24);
					buf[pos] = (uint8_t)b;
					buf[q] = (uint8_t)c;
					fails += utf8_same(buf, 24, what,
					    sizeof(what)) != 0;
				}
	check(fails == 0, "utf8 fast path: two bad bytes (%s)", what);
	/* Each sequence after an ASCII run of 0 to 17 bytes, then 0 to 9
	 * more: a lead byte >= 0x80 right after ASCII words. */
	fails = 0;
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		for (pos = 0; pos <= 17; pos++)
			for (q = 0; q <= 9; q++) {
				k = strlen(seqs[i]);
				memset(buf, 'z', pos);
				memcpy(buf + pos, seqs[i], k);
				memset(buf + pos + k, 'z', q);
				fails += utf8_same(buf, pos + k + q, what,
				    sizeof(what)) != 0;
			}
	check(fails == 0, "utf8 fast path: sequences after ASCII runs (%s)",
	    what);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = 99;
		ok = al_utf8_ok((const uint8_t *)cases[i].s,
		    strlen(cases[i].s), &bad) == 0;
		check(ok == cases[i].ok && (ok || bad == cases[i].bad),
		    "utf8 fast path case %zu: %s at %zu", i,
		    ok ? "valid" : "invalid", bad);
	}
	bad = 99;
	check(al_utf8_ok(nul, sizeof(nul) - 1, &bad) != 0 && bad == 8,
	    "utf8 fast path: a NUL after a word of spaces, at %zu", bad);
}

static void
test_time(void)
{
	static const struct {
		const char	*in;
		int		 eod;
		int		 ok;
		uint64_t	 ns;
	} cases[] = {
		{ "1970-01-01", 0, 1, 0 },
		{ "2026-11-29", 0, 1, 1795910400ULL * 1000000000ULL },
		{ "2026-11-29", 1, 1, 1795996800ULL * 1000000000ULL },
		{ "2026-11-29T10:00:00Z", 0, 1,
		    1795946400ULL * 1000000000ULL },
		{ "2026-11-29T11:00:00+01:00", 0, 1,
		    1795946400ULL * 1000000000ULL },
		{ "2026-11-29T10:00:00.5Z", 0, 1,
		    1795946400ULL * 1000000000ULL + 500000000ULL },
		{ "2026-11-29T10:00:00.123456789Z", 0, 1,
		    1795946400ULL * 1000000000ULL + 123456789ULL },
		{ "2024-02-29", 0, 1, 1709164800ULL * 1000000000ULL },
		{ "2026-02-29", 0, 0, 0 },
		{ "2026-13-01", 0, 0, 0 },
		{ "2026-11-29T10:00:00", 0, 0, 0 },	/* no zone */
		{ "2026-11-29T24:00:00Z", 0, 0, 0 },
		{ "1969-12-31", 0, 0, 0 },
		{ "26-11-29", 0, 0, 0 },
		{ "2026-11-29x", 0, 0, 0 },
		{ "", 0, 0, 0 },
		/* past 64 bits of nanoseconds (2554): the end of time */
		{ "2999-01-01T00:00:00Z", 0, 1, UINT64_MAX },
		{ "2554-07-21T23:34:34Z", 0, 1, UINT64_MAX },
		{ "2554-07-21T23:34:33Z", 0, 1, 18446744073000000000ULL },
	};
	char		buf[40];
	uint64_t	ns;
	size_t		i;
	int		ok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ns = 0;
		ok = al_parse_time(cases[i].in, cases[i].eod, &ns) == 0;
		check(ok == cases[i].ok && (!ok || ns == cases[i].ns),
		    "time '%s'%s %s", cases[i].in, cases[i].eod ?
		    " (end of day)" : "", ok ? "parses" : "is refused");
	}
	check(al_format_time(1795946400ULL * 1000000000ULL + 7, 1, buf,
	    sizeof(buf)) == 0 &&
	    strcmp(buf, "2026-11-29T10:00:00.000000007Z") == 0,
	    "time formats with nanoseconds: %s", buf);
	check(al_format_time(0, 0, buf, 5) != 0, "time format refuses a "
	    "short buffer");
}

static struct al_str
S(const char *s)
{
	struct al_str	r = { s, strlen(s) };

	return r;
}

static void
test_entry(void)
{
	struct al_entry	 e, d;
	struct buf	 b = { 0 };
	uint8_t		*store = NULL, *copy;
	size_t		 cap = 0, n, cut;
	char		 why[256];
	int		 ok = 1;

	memset(&e, 0, sizeof(e));
	e.kind = AL_KIND_ACCESS;
	e.seq = 42;
	e.time_ns = 1795946400123456789ULL;
	memset(e.prev, 0xab, AL_HASH_LEN);
	e.service = S("billing");
	e.host = S("host1");
	e.pid = 77;
	e.uid = 1000;
	e.actor = S("svc:billing");
	e.customer = S("acme");
	e.data = S("billing");
	e.action = S("read");
	e.resource = S("");
	e.purpose = S("service-provision");
	e.ref = S("");
	e.reason = S("\xc3\x85rlig");
	e.allow = 1;
	e.code = AL_ALLOWED;
	e.rule = S("default.policy:24");
	e.detail = S("");
	memset(e.policy, 0xcd, AL_HASH_LEN);
	check(entry_encode(&e, &b) == 0, "entry encodes");
	n = b.n;
	check(entry_decode(b.p, n, &d, &store, &cap, why, sizeof(why)) == 0,
	    "entry decodes");
	check(d.seq == 42 && d.time_ns == e.time_ns && d.pid == 77 &&
	    d.uid == 1000 && d.allow == 1 && d.kind == AL_KIND_ACCESS &&
	    strcmp(d.actor.p, "svc:billing") == 0 &&
	    strcmp(d.reason.p, "\xc3\x85rlig") == 0 && d.resource.n == 0 &&
	    strcmp(d.rule.p, "default.policy:24") == 0 &&
	    memcmp(d.policy, e.policy, AL_HASH_LEN) == 0 &&
	    memcmp(d.prev, e.prev, AL_HASH_LEN) == 0,
	    "decoded entry equals the encoded one");
	/* Every cut-short prefix is refused, never read past. */
	for (cut = 0; cut < n; cut++) {
		if ((copy = malloc(cut ? cut : 1)) == NULL)
			abort();
		memcpy(copy, b.p, cut);
		if (entry_decode(copy, cut, &d, &store, &cap, why,
		    sizeof(why)) == 0)
			ok = 0;
		free(copy);
	}
	check(ok, "all %zu truncations of an entry are refused", n);
	if (buf_add(&b, "x", 1) == 0)
		check(entry_decode(b.p, b.n, &d, &store, &cap, why,
		    sizeof(why)) != 0 && strstr(why, "after the last field"),
		    "trailing bytes are refused: %s", why);
	b.n = n;
	b.p[0] = 4;
	check(entry_decode(b.p, n, &d, &store, &cap, why, sizeof(why)) != 0 &&
	    strstr(why, "version"), "an unknown version is refused: %s", why);
	b.p[0] = 3;	/* the newest entry encoding */
	b.p[1] = 9;
	check(entry_decode(b.p, n, &d, &store, &cap, why, sizeof(why)) != 0 &&
	    strstr(why, "kind"), "an unknown kind is refused: %s", why);
	b.p[1] = AL_KIND_ACCESS;
	e.code = AL_DENY_RULE;	/* allow with a denial code */
	check(entry_encode(&e, &b) == 0 && entry_decode(b.p, b.n, &d, &store,
	    &cap, why, sizeof(why)) != 0 && strstr(why, "decision"),
	    "a decision that contradicts its code is refused: %s", why);
	free(store);
	buf_free(&b);
}

/* Decode n bytes at p: 0, or -1 with the reason in why. */
static int
dec(const uint8_t *p, size_t n, struct al_entry *d, char *why, size_t len)
{
	static uint8_t	*store;
	static size_t	 cap;

	if (p == NULL) {
		free(store);
		store = NULL;
		cap = 0;
		return 0;
	}
	return entry_decode(p, n, d, &store, &cap, why, len);
}

/* Entry version 3 (log format 6): the identity, kinds 4-7, refusals. */
static void
test_entry_v3(void)
{
	static const char want_id[] = "\"uid\":1000,\"gid\":100,"
	    "\"attested\":true,\"user\":\"alice\",\"groups\":[{\"gid\":100,"
	    "\"name\":\"users\"},{\"gid\":200,\"name\":\"\"}],\"prev\":";
	struct al_entry	 e, d;
	struct buf	 b = { 0 }, b2 = { 0 }, j = { 0 };
	uint8_t		*c = NULL;
	char		 why[256] = "";
	size_t		 n, at, i;
	int		 k;

	memset(&e, 0, sizeof(e));
	e.version = 3;
	e.kind = AL_KIND_ACCESS;
	e.seq = 7;
	e.time_ns = 1795946400123456789ULL;
	e.service = S("billing");
	e.host = S("host1");
	e.pid = 77;
	e.uid = 1000;
	e.gid = 100;
	e.attested = 1;
	e.user = S("alice");
	e.ngroups = 2;
	e.gids[0] = 100;
	e.gname[0] = S("users");
	e.gids[1] = 200;
	e.gname[1] = S("");
	e.actor = S("svc:billing");
	e.customer = S("acme");
	e.data = S("billing");
	e.action = S("read");
	e.resource = S("");
	e.purpose = S("service-provision");
	e.ref = S("");
	e.reason = S("");
	e.allow = 0;
	e.code = AL_WRITER_NOT_ALLOWED;
	e.rule = S("");
	e.detail = S("no writer rule");
	check(entry_encode(&e, &b) == 0 && b.p[0] == 3 && b.p[1] == 1,
	    "a version 3 access entry with code 8 encodes, 03 01");
	n = b.n;
	check(dec(b.p, n, &d, why, sizeof(why)) == 0 && d.version == 3 &&
	    d.gid == 100 && d.attested == 1 && strcmp(d.user.p, "alice") == 0 &&
	    d.ngroups == 2 && d.gids[0] == 100 && d.gids[1] == 200 &&
	    strcmp(d.gname[0].p, "users") == 0 && d.gname[1].n == 0 &&
	    d.code == AL_WRITER_NOT_ALLOWED && strcmp(d.customer.p,
	    "acme") == 0, "...and decodes to the same identity: %s", why);
	check(entry_encode(&d, &b2) == 0 && b2.n == n &&
	    memcmp(b2.p, b.p, n) == 0, "...and encodes back to its bytes");
	check(entry_customer_at(&e) + 4 <= n &&
	    memcmp(b.p + entry_customer_at(&e), "acme", 4) == 0,
	    "entry_customer_at finds a version 3 entry's customer");
	check(entry_json(&j, &d) == 0 && buf_add(&j, "", 1) == 0 &&
	    strncmp((char *)j.p, "{\"version\":3,", 13) == 0 &&
	    strstr((char *)j.p, want_id) != NULL &&
	    strstr((char *)j.p, "\"code\":\"writer-not-allowed\"") != NULL,
	    "its JSON form has version 3, gid, attested, user, groups after "
	    "uid: %s", j.p);
	if ((c = malloc(n)) == NULL)
		abort();
	/* attested: after the header, service, host, pid, uid, gid */
	at = 50 + 4 + 7 + 4 + 5 + 4 + 4 + 4;
	memcpy(c, b.p, n);
	c[at] = 2;
	check(dec(c, n, &d, why, sizeof(why)) != 0 &&
	    strcmp(why, "invalid attested byte 2") == 0,
	    "attested 2 is refused: %s", why);
	memcpy(c, b.p, n);
	c[at + 1 + 4 + 5] = 33;
	check(dec(c, n, &d, why, sizeof(why)) != 0 &&
	    strcmp(why, "33 groups, more than 32") == 0,
	    "33 groups are refused: %s", why);
	/* the two gids swapped: 200 then 100 */
	memcpy(c, b.p, n);
	i = at + 1 + 4 + 5 + 1;
	put_be32(c + i, 200);
	put_be32(c + i + 4 + 4 + 5, 100);
	check(dec(c, n, &d, why, sizeof(why)) != 0 &&
	    strstr(why, "not in ascending order") != NULL,
	    "groups out of order are refused: %s", why);
	put_be32(c + i + 4 + 4 + 5, 200);
	check(dec(c, n, &d, why, sizeof(why)) != 0 &&
	    strstr(why, "not in ascending order") != NULL,
	    "a group twice is refused: %s", why);
	e.gids[1] = 100;
	check(entry_encode(&e, &b2) == AL_EINVAL,
	    "...and the encoder refuses to write them");
	e.gids[1] = 200;
	e.ngroups = 33;
	check(entry_encode(&e, &b2) == AL_EINVAL, "...or 33 groups");
	e.ngroups = 2;
	/* version 1: code 8 refused, written or read */
	e.version = 1;
	check(entry_encode(&e, &b2) == AL_EINVAL,
	    "code 8 is not written in version 1");
	e.code = AL_DENY_RULE;
	check(entry_encode(&e, &b2) == 0 && b2.p[0] == 1,
	    "a version 1 access entry still encodes");
	/* the code byte: before rule, detail and policy */
	b2.p[b2.n - AL_HASH_LEN - 4 - e.detail.n - 4 - e.rule.n - 1] =
	    AL_WRITER_NOT_ALLOWED;
	check(dec(b2.p, b2.n, &d, why, sizeof(why)) != 0 &&
	    strcmp(why, "invalid decision bytes 0 8") == 0,
	    "code 8 in version 1 is refused: %s", why);
	/* kinds 4 to 7 */
	memset(&e, 0, sizeof(e));
	e.version = 3;
	e.seq = 3;
	e.time_ns = 1795946400000000000ULL;
	e.actor = S("ops");
	e.name = S("promise.floor");
	e.text = S("purpose support\n");
	memset(e.digest, 0x5a, AL_HASH_LEN);
	e.approvers = 2;
	e.expires_ns = 1796551200000000000ULL;
	for (k = AL_KIND_FLOOR; k <= AL_KIND_REJECTION; k++) {
		e.kind = k;
		j.n = 0;
		check(entry_encode(&e, &b) == 0 && b.p[0] == 3 && b.p[1] == k &&
		    dec(b.p, b.n, &d, why, sizeof(why)) == 0 && d.kind == k &&
		    memcmp(d.digest, e.digest, AL_HASH_LEN) == 0 &&
		    (k != AL_KIND_FLOOR || d.approvers == 2) &&
		    (k != AL_KIND_PROPOSAL || d.expires_ns == e.expires_ns) &&
		    entry_encode(&d, &b2) == 0 && b2.n == b.n &&
		    memcmp(b2.p, b.p, b.n) == 0 && entry_json(&j, &d) == 0 &&
		    buf_add(&j, "", 1) == 0,
		    "kind %d: encodes, decodes and encodes back", k);
		check(strstr((char *)j.p, k == AL_KIND_FLOOR ?
		    "\"kind\":\"floor\",\"actor\":\"ops\",\"name\":"
		    "\"promise.floor\",\"text\":\"purpose support\\n\","
		    "\"digest\":\"5a5a" : k == AL_KIND_PROPOSAL ?
		    "\"kind\":\"proposal\",\"actor\":\"ops\",\"name\":" :
		    k == AL_KIND_APPROVAL ? "\"kind\":\"approval\",\"actor\":"
		    "\"ops\",\"digest\":\"5a5a" : "\"kind\":\"rejection\","
		    "\"actor\":\"ops\",\"digest\":\"5a5a") != NULL &&
		    (k != AL_KIND_FLOOR || strstr((char *)j.p,
		    "5a\",\"approvers\":2,\"service\"") != NULL) &&
		    (k != AL_KIND_PROPOSAL || strstr((char *)j.p,
		    "\"expires\":\"2026-12-06T10:00:00.000000000Z\"") != NULL),
		    "kind %d: its JSON form: %s", k, j.p);
		/* FORMAT.md 3.5: its size with every string empty, and
		 * here "ops", "promise.floor" and 16 bytes of text. */
		check(b.n == (k == AL_KIND_FLOOR ? 121 + 32U : k ==
		    AL_KIND_PROPOSAL ? 128 + 32U : 112 + 3U),
		    "kind %d: %zu bytes, as FORMAT.md 3.5 says", k, b.n);
		/* in version 1 or 2 it is refused, written or read */
		memcpy(b2.p, b.p, b.n);
		b2.p[0] = 1;
		check(dec(b2.p, b.n, &d, why, sizeof(why)) != 0 &&
		    strcmp(why, k == 4 ? "entry kind 4 in format version 1" :
		    k == 5 ? "entry kind 5 in format version 1" : k == 6 ?
		    "entry kind 6 in format version 1" :
		    "entry kind 7 in format version 1") == 0,
		    "kind %d in version 1 is refused: %s", k, why);
		b2.p[0] = 2;
		check(dec(b2.p, b.n, &d, why, sizeof(why)) != 0 &&
		    strstr(why, "in format version 2") != NULL,
		    "kind %d in version 2 is refused: %s", k, why);
		e.version = 1;
		check(entry_encode(&e, &b2) == AL_EINVAL,
		    "kind %d is not written in version 1", k);
		e.version = 3;
	}
	/* approvers 0 and 10 */
	e.kind = AL_KIND_FLOOR;
	check(entry_encode(&e, &b) == 0, "a floor entry encodes");
	b.p[b.n - 1] = 0;
	check(dec(b.p, b.n, &d, why, sizeof(why)) != 0 &&
	    strcmp(why, "approvers 0, not 1 to 9") == 0,
	    "approvers 0 is refused: %s", why);
	b.p[b.n - 1] = 10;
	check(dec(b.p, b.n, &d, why, sizeof(why)) != 0 &&
	    strcmp(why, "approvers 10, not 1 to 9") == 0,
	    "approvers 10 is refused: %s", why);
	e.approvers = 0;
	check(entry_encode(&e, &b) == AL_EINVAL,
	    "...and not written");
	/* a version 1 entry's JSON form has none of version 3's keys */
	memset(&e, 0, sizeof(e));
	e.kind = AL_KIND_POLICY;
	e.seq = 1;
	e.time_ns = 1795946400000000000ULL;
	e.actor = S("ops");
	e.name = S("p");
	e.text = S("t");
	e.gid = 5;
	j.n = 0;
	check(entry_encode(&e, &b) == 0 && b.p[0] == 1 &&
	    dec(b.p, b.n, &d, why, sizeof(why)) == 0 && d.version == 1 &&
	    entry_json(&j, &d) == 0 && buf_add(&j, "", 1) == 0 &&
	    strncmp((char *)j.p, "{\"version\":1,", 13) == 0 &&
	    strstr((char *)j.p, "\"gid\"") == NULL &&
	    strstr((char *)j.p, "\"groups\"") == NULL,
	    "a version 1 entry prints as before: %s", j.p);
	free(c);
	(void)dec(NULL, 0, NULL, NULL, 0);
	buf_free(&b);
	buf_free(&b2);
	buf_free(&j);
}

struct perr {
	const char	*text;
	const char	*want;	/* first error line, or NULL: valid */
};

static void
test_policy_errors(void)
{
	static const struct perr cases[] = {
		{ "purpose p \"d\"\nallow any purpose p\n", NULL },
		{ "# only a comment\n\n", NULL },
		{ "purpose p \"d\" ref \"X-[0-9]+\"\n", NULL },
		{ "bogus x\n", "t.policy:1:1: expected 'purpose', 'group', "
		    "'allow', 'deny', 'writer' or 'admin', found 'bogus'" },
		{ "writer user x service \"\" actor \"*\"\nadmin user 0\n"
		    "admin group wheel\nwriter group 7 service { a \"b*\" } "
		    "actor { c d }\n", NULL },
		{ "writer user\n", "t.policy:1:8: 'writer' needs 'user' or "
		    "'group' and a name or number" },
		{ "writer person x service a actor b\n", "t.policy:1:8: "
		    "expected 'user' or 'group', found 'person'" },
		{ "writer user x actor a service b\n", "t.policy:1:15: "
		    "expected 'service', found 'actor'" },
		{ "writer user x service a\n", "t.policy:1:23: expected "
		    "'actor' at the end of the line" },
		{ "writer user x service a actor\n", "t.policy:1:25: 'actor' "
		    "needs a pattern or a { list }" },
		{ "writer user x service a actor b extra\n", "t.policy:1:33: "
		    "unexpected 'extra' after the writer's actor" },
		{ "writer user x service { a actor b\n", "t.policy:1:23: '{' "
		    "without '}'" },
		{ "writer user x service { } actor b\n", "t.policy:1:23: "
		    "empty { } list after 'service'" },
		{ "writer user x service a actor \"\"\n", NULL },
		{ "writer user any service a actor b\n", "t.policy:1:13: 'any' "
		    "is a keyword" },
		{ "writer user \"\" service a actor b\n", "t.policy:1:13: "
		    "empty user name or uid" },
		{ "admin user 4294967296\n", "t.policy:1:12: uid 4294967296 "
		    "is out of range (at most 4294967295)" },
		{ "admin group 99999999999999999999999\n", "t.policy:1:13: gid "
		    "99999999999999999999999 is out of range" },
		{ "admin user alice bob\n", "t.policy:1:18: unexpected 'bob' "
		    "after the administrator" },
		{ "admin alice\n", "t.policy:1:7: 'admin' needs 'user' or "
		    "'group'" },
		{ "admin group "
		    "g123456789012345678901234567890123456789012345678901234567890"
		    "1234\n", "t.policy:1:13: group name longer than 64 bytes" },
		{ "purpose p\n", "t.policy:1:1: purpose needs a name and a "
		    "description" },
		{ "purpose p \"d\"\npurpose p \"e\"\n", "t.policy:2:9: purpose "
		    "'p' declared twice" },
		{ "purpose p \"d\" ref \"(\"\n", "t.policy:1:19: a '(' "
		    "without its ')' in a ref pattern" },
		{ "purpose p \"d\" ref \"a**+\"\n", "t.policy:1:22: a "
		    "repetition of a repetition in a ref pattern" },
		{ "purpose p \"d\" ref \"[\"\n", "t.policy:1:19: invalid ref "
		    "pattern: " },
		{ "purpose p \"d\" ref\n", "t.policy:1:15: 'ref' needs a "
		    "pattern" },
		{ "purpose p \"d\" extra\n", "t.policy:1:15: unexpected "
		    "'extra' after purpose 'p'" },
		{ "purpose p \"unterminated\n", "t.policy:1:11: unterminated "
		    "quoted word" },
		{ "purpose p \"a\\nb\"\n", "t.policy:1:13: unknown escape" },
		{ "purpose p \"d\"x\n", "t.policy:1:14: quoted word must be "
		    "followed by a space" },
		{ "allow any purpose p\n", "t.policy:1:1: allow rule names "
		    "undeclared purpose 'p'" },
		{ "purpose p \"d\"\nallow any action read\n", "t.policy:2:1: "
		    "an allow rule must name its purposes" },
		{ "purpose p \"d\"\nallow ops purpose p\n", "t.policy:2:7: "
		    "unknown group 'ops'" },
		{ "purpose p \"d\"\nallow any purpose { p\n", "t.policy:2:19: "
		    "'{' without '}'" },
		{ "purpose p \"d\"\nallow any purpose { }\n", "t.policy:2:19: "
		    "empty { } list after 'purpose'" },
		{ "purpose p \"d\"\nallow any purpose p purpose p\n",
		    "t.policy:2:21: 'purpose' given twice" },
		{ "purpose p \"d\"\nallow any purpose p color red\n",
		    "t.policy:2:21: expected 'purpose', 'action' or 'data', "
		    "found 'color'" },
		{ "purpose p \"d\"\nallow any purpose\n", "t.policy:2:11: "
		    "'purpose' needs a word or a { list }" },
		{ "group g\n", "t.policy:1:1: group needs a name and at least "
		    "one member" },
		{ "group any x\n", "t.policy:1:7: 'any' is a keyword; quote it "
		    "to use it as a name or word here (group name)" },
		{ "group g x\ngroup g y\n", "t.policy:2:7: group 'g' declared "
		    "twice" },
		{ "deny\n", "t.policy:1:1: deny needs 'any' or a group name" },
		{ "purpose p \"d\"\r\n", "t.policy:1:14: carriage return" },
		{ "purpose p \"\x1b[2J\"\n", "t.policy:1:12: control "
		    "character" },
		{ "purpose p \"\xff\"\n", "t.policy:1:12: invalid UTF-8" },
		{ "deny any action sell\n\n\nbogus\n", "t.policy:4:1: "
		    "expected" },
		{ "purpose p \"d\" ref (a*)\\1\n", "t.policy:1:23: "
		    "back-references are not allowed in a ref pattern" },
		{ "purpose p \"d\" ref \"x{1,100}\"\n", "t.policy:1:21: an "
		    "interval's bound is over 64" },
		{ "purpose p \"d\" ref \"a{1}b{2}c{3}d{4}e{5}\"\n",
		    "t.policy:1:37: more than 4 intervals" },
		{ "purpose p \"d\" ref \"SUP-[0-9]{1,8}\"\n", NULL },
		{ "purpose p \"d\" ref \"a+++b\"\n", "t.policy:1:22: a "
		    "repetition of a repetition in a ref pattern" },
		{ "purpose p \"d\" ref \"a{1,2}*\"\n", "t.policy:1:26: a "
		    "repetition of a repetition" },
		{ "purpose p \"d\" ref \"a[+*]+\\\\++(x)?\"\n", NULL },
		{ "purpose p \"d\" ref \"a)|(b\"\n", "t.policy:1:21: a ')' "
		    "without its '('" },
		{ "purpose p \"d\" ref \"(ab\"\n", "t.policy:1:19: a '(' "
		    "without its ')'" },
		{ "purpose p \"d\" ref \"[)(]x\"\n", NULL },
	};
	char	*errs;
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = al_policy_check("t.policy", cases[i].text,
		    strlen(cases[i].text), &errs);
		if (cases[i].want == NULL)
			check(rc == 0 && errs == NULL, "policy case %zu is "
			    "valid", i);
		else
			check(rc == AL_EINVAL && errs != NULL &&
			    strncmp(errs, cases[i].want,
			    strlen(cases[i].want)) == 0,
			    "policy case %zu: %.*s", i, errs ? (int)strcspn(errs,
			    "\n") : 6, errs ? errs : "(none)");
		free(errs);
	}
	/* A NUL inside the text is an error, not the end of the file. */
	rc = al_policy_check("t.policy", "deny any action sell\0x\n", 23,
	    &errs);
	check(rc == AL_EINVAL && errs && strstr(errs, "t.policy:1:21: NUL"),
	    "a NUL byte is refused");
	free(errs);
	/* Every error is reported, not just the first. */
	rc = al_policy_check("t.policy", "bogus\nworse\npurpose\n", 20,
	    &errs);
	check(rc == AL_EINVAL && errs && strstr(errs, "t.policy:1:1:") &&
	    strstr(errs, "t.policy:2:1:") && strstr(errs, "t.policy:3:1:"),
	    "every error is reported");
	free(errs);
}

static void
test_default_policy(void)
{
	static const struct {
		const char	*actor, *purpose, *action, *data, *ref;
		int		 code;
		const char	*rule;
	} cases[] = {
		{ "svc:billing", "service-provision", "read", "billing", NULL,
		    AL_ALLOWED, "default.policy:24" },
		{ "svc:billing", "service-provision", "read", NULL, NULL,
		    AL_ALLOWED, "default.policy:24" },
		{ "alice", "support-ticket", "read", "contact", "SUP-4711",
		    AL_ALLOWED, "default.policy:30" },
		{ "carol", "technical-fix", "restore", NULL, "INC-1",
		    AL_ALLOWED, "default.policy:27" },
		{ "erin", "legal-requirement", "disclose", NULL,
		    "LEGAL-2026-1", AL_ALLOWED, "default.policy:33" },
		{ "alice", "marketing", "read", NULL, NULL, AL_DENY_RULE,
		    "default.policy:21" },
		{ "svc:ads", "service-provision", "sell", NULL, NULL,
		    AL_DENY_RULE, "default.policy:20" },
		{ "alice", "support-ticket", "share-advertising", NULL,
		    "SUP-1", AL_DENY_RULE, "default.policy:20" },
		{ "alice", "curiosity", "read", NULL, NULL,
		    AL_UNKNOWN_PURPOSE, "" },
		{ "alice", "support-ticket", "read", NULL, NULL,
		    AL_MISSING_REF, "" },
		{ "alice", "support-ticket", "read", NULL, "SUP-",
		    AL_MALFORMED_REF, "" },
		{ "alice", "support-ticket", "read", NULL, "xSUP-1",
		    AL_MALFORMED_REF, "" },
		{ "alice", "technical-fix", "read", NULL, "SUP-1",
		    AL_MALFORMED_REF, "" },
		{ "alice", "service-provision", "read", NULL, NULL,
		    AL_ACTOR_NOT_ALLOWED, "" },
		{ "alice", "support-ticket", "delete", NULL, "SUP-1",
		    AL_ACTION_NOT_ALLOWED, "" },
		{ "alice", "support-ticket", "read", "health", "SUP-1",
		    AL_DATA_NOT_ALLOWED, "" },
	};
	struct al_access	 a;
	struct al_decision	 d;
	struct policy		*p;
	const char		*text;
	size_t			 len, i;

	text = al_default_policy(&len);
	p = policy_parse("default.policy", text, len, NULL);
	check(p != NULL, "the embedded default policy parses");
	if (p == NULL)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.actor = cases[i].actor;
		a.customer = "acme";
		a.purpose = cases[i].purpose;
		a.action = cases[i].action;
		a.data = cases[i].data;
		a.ref = cases[i].ref;
		policy_eval(p, &a, &d);
		check((int)d.code == cases[i].code && d.allow ==
		    (cases[i].code == AL_ALLOWED) &&
		    strcmp(d.rule, cases[i].rule) == 0 &&
		    (d.allow || d.detail[0] != '\0'),
		    "default policy: %s %s %s -> %s %s %s", a.actor,
		    a.purpose, a.action, d.allow ? "allow" : "deny",
		    al_code_name(d.code), d.allow ? d.rule : d.detail);
	}
	policy_free(p);
}

/* al_policy_purposes: the declared purposes, in order; none for junk. */
static void
test_policy_purposes(void)
{
	static const char	 two[] = "purpose b \"B\"\npurpose a \"A\" "
				    "ref \"X-[0-9]+\"\nallow any purpose a\n";
	const char		*text;
	char			*names = NULL;
	size_t			 len;
	int			 rc;

	text = al_default_policy(&len);
	rc = al_policy_purposes(text, len, &names);
	check(rc == 0 && names != NULL && strcmp(names, "service-provision\n"
	    "technical-fix\nsupport-ticket\nlegal-requirement\n") == 0,
	    "al_policy_purposes: the default policy's four, in order");
	free(names);
	rc = al_policy_purposes(two, sizeof(two) - 1, &names);
	check(rc == 0 && names != NULL && strcmp(names, "b\na\n") == 0,
	    "al_policy_purposes: in the order of the text");
	free(names);
	rc = al_policy_purposes("allow", 5, &names);
	check(rc == AL_EINVAL && names == NULL,
	    "al_policy_purposes: a text that does not parse is AL_EINVAL");
	rc = al_policy_purposes("", 0, &names);
	check(rc == 0 && names != NULL && names[0] == '\0',
	    "al_policy_purposes: none declared is an empty list");
	free(names);
}

/* al_poldiff's result as text: "SIGN MARK kind: text" a line. */
static void
poldiff_text(const char *a, const char *b, char *out, size_t len)
{
	struct al_poldiff_line	*d = NULL;
	char			 err[256];
	size_t			 n = 0, i, at = 0;
	int			 rc;

	out[0] = '\0';
	rc = al_poldiff("a", a, strlen(a), "b", b, strlen(b), &d, &n, err,
	    sizeof(err));
	if (rc != 0) {
		(void)snprintf(out, len, "error %d: %s", rc, err);
		return;
	}
	for (i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%c%c %s: %s\n",
		    d[i].sign, d[i].widens ? '!' : ' ', d[i].kind, d[i].text);
	al_poldiff_free(d, n);
}

/*
 * The rule-level diff: what counts as the same rule, and which changes
 * widen access, line kind by line kind (the writer and admin lines of
 * log format 6 included, though today's parser refuses them).
 */
static void
test_poldiff(void)
{
	static const struct {
		const char	*a, *b, *want, *what;
	} cases[] = {
		{ "", "", "", "two empty policies are the same" },
		{ "# c\n\n  deny   any action  sell\n",
		  "deny any action { sell sell }  # x", "",
		  "comments, blanks, spaces, repeats and a list of one" },
		{ "allow \"any\" purpose p\n", "allow any purpose p\n",
		  "-  allow: allow \"any\" purpose p\n"
		  "+! allow: allow any purpose p\n",
		  "a quoted keyword is a name, not the keyword" },
		{ "group g \"svc:a\"\n", "group g svc:a\n", "",
		  "quotes a word does not need are dropped" },
		{ "group g svc:*\n", "group g svc:b*\n",
		  "-  group: group g svc:*\n+  group: group g svc:b*\n",
		  "a pattern within a prefix pattern: narrower" },
		{ "group g svc:?\n", "group g svc:*\n",
		  "+! group: group g svc:*\n-  group: group g svc:?\n",
		  "svc:* is not within svc:?, though it matches it" },
		{ "group g a b\ndeny g action x\n", "group g a\ndeny g action x\n",
		  "+! group: group g a\n-  group: group g a b\n",
		  "a denied group that lost a member widens" },
		{ "allow any purpose p action { r w }\n",
		  "allow g purpose p action r\n",
		  "-  allow: allow any purpose p action { r w }\n"
		  "+  allow: allow g purpose p action r\n",
		  "an allow rule within an old one: any covers a group" },
		{ "allow g purpose p action r\n", "allow g purpose p\n",
		  "+! allow: allow g purpose p\n"
		  "-  allow: allow g purpose p action r\n",
		  "a list left out is every action: wider" },
		{ "deny any action { a b }\n", "deny g action a\n",
		  "-! deny: deny any action { a b }\n"
		  "+  deny: deny g action a\n",
		  "a deny rule narrowed widens" },
		{ "purpose p d ref X\n", "purpose p e ref X\n",
		  "-  purpose: purpose p d ref X\n+  purpose: purpose p e ref X\n",
		  "a purpose's description alone widens nothing" },
		{ "purpose p d ref X\n", "purpose p d ref Y\n",
		  "-  purpose: purpose p d ref X\n+! purpose: purpose p d ref Y\n",
		  "a ref pattern changed may widen" },
		{ "writer user a service s actor x\n",
		  "writer user a service * actor x\n",
		  "+! writer: writer user a service * actor x\n"
		  "-  writer: writer user a service s actor x\n",
		  "a writer's service pattern broadened" },
		{ "writer user a service { s t } actor x*\n",
		  "writer user a actor x1 service s\n",
		  "+  writer: writer user a service s actor x1\n"
		  "-  writer: writer user a service { s t } actor x*\n",
		  "a writer line narrowed" },
		{ "", "writer user a service * actor *\n",
		  "+  writer: writer user a service * actor *\n",
		  "the first writer line restricts: no widening" },
		{ "writer user a service * actor *\n", "",
		  "-! writer: writer user a service * actor *\n",
		  "the last writer line gone lets everyone write" },
		{ "", "admin user root\n", "+  admin: admin user root\n",
		  "admin user root where root alone administered" },
		{ "admin user root\n", "admin user root\nadmin group ops\n",
		  "+! admin: admin group ops\n", "a new admin widens" },
		{ "admin user alice\n", "",
		  "-! admin: admin user alice\n",
		  "the last admin gone makes root one" },
		{ "", "frob x\n", "+! other: frob x\n",
		  "a line of no known kind counts as widening" },
		{ "allow \"x\n", "", "error -1: a:1:7: unterminated quoted word",
		  "a line that does not split is an error with its place" },
		{ "", "deny any action \"a\\q\"\n",
		  "error -1: b:1:19: unknown escape in quoted word",
		  "an unknown escape, in b" },
	};
	char	out[2048];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		poldiff_text(cases[i].a, cases[i].b, out, sizeof(out));
		check(strcmp(out, cases[i].want) == 0, "al_poldiff: %s",
		    cases[i].what);
		if (strcmp(out, cases[i].want) != 0)
			printf("#   got: %s\n", out);
	}
}

/* An identity as an entry records it: groups "gid:name,gid:name". */
static void
ident(struct al_ident *id, uint32_t uid, const char *user,
    const char *groups)
{
	const char	*g = groups;
	char		*end;

	memset(id, 0, sizeof(*id));
	id->uid = uid;
	id->gid = 100;
	strlcpy(id->user, user, sizeof(id->user));
	while (g != NULL && *g != '\0' && id->ngroups < AL_MAX_GROUPS) {
		id->gids[id->ngroups] = (uint32_t)strtoul(g, &end, 10);
		g = end + (*end == ':');
		strlcpy(id->gname[id->ngroups], g, strcspn(g, ",") + 1);
		id->ngroups++;
		g += strcspn(g, ",");
		g += *g == ',';
	}
}

/* Writer rules match the recorded identity, service and actor exactly. */
/*
 * al_ident_cache_resolve answers as al_ident_resolve does, a hit too, with
 * the pid and attested of each call (t62-daemon.sh sees a change of groups
 * reach the next connection).
 */
static void
test_ident_cache(void)
{
	al_ident_cache	*ic;
	struct al_ident	 want, got;
	uint32_t	 uid = (uint32_t)getuid(), gid = (uint32_t)getgid();
	int		 i, rc;

	if ((ic = al_ident_cache_new()) == NULL) {
		check(0, "al_ident_cache_new: out of memory");
		return;
	}
	al_ident_cache_check(ic);
	rc = al_ident_resolve(&want, 7, uid, gid, 1);
	check(rc == 0, "al_ident_resolve of this process's uid: %d", rc);
	for (i = 0; i < 2; i++) {
		memset(&got, 0xa5, sizeof(got));
		rc = al_ident_cache_resolve(ic, &got, 7, uid, gid, 1);
		check(rc == 0 && memcmp(&got, &want, sizeof(got)) == 0,
		    "the cache's identity is al_ident_resolve's (%s): %d",
		    i == 0 ? "a miss" : "a hit", rc);
	}
	rc = al_ident_cache_resolve(ic, &got, 8, uid, gid, 0);
	check(rc == 0 && got.pid == 8 && got.attested == 0 &&
	    strcmp(got.user, want.user) == 0 && got.ngroups == want.ngroups,
	    "...a hit takes the pid and attested of its call: %u %d",
	    got.pid, got.attested);
	rc = al_ident_resolve(&want, 9, uid, gid + 1, 1);
	if (rc == 0)
		rc = al_ident_cache_resolve(ic, &got, 9, uid, gid + 1, 1);
	check(rc == 0 && memcmp(&got, &want, sizeof(got)) == 0,
	    "...and another gid is another identity: %d", rc);
	al_ident_cache_free(ic);
}

static void
test_writer_rules(void)
{
	static const char text[] = "purpose p \"P\"\nallow any purpose p\n"
	    "writer user svc-billing service billing actor \"svc:billing\"\n"
	    "writer user 1001 service { billing \"\" } actor { \"svc:*\" bob }\n"
	    "writer group support-tools service support-portal actor \"*\"\n"
	    "writer group 5000 service \"web-?\" actor alice\n"
	    "writer user svc-star service \"**\" actor a\n"
	    "writer user root service * actor *\n";
	static const struct {
		uint32_t	 uid;
		const char	*user, *groups, *service, *actor;
		int		 ok;
	} c[] = {
		/* user by name */
		{ 2000, "svc-billing", "", "billing", "svc:billing", 1 },
		{ 2000, "svc-billing", "", "billing", "svc:other", 0 },
		{ 2000, "svc-billing", "", "payroll", "svc:billing", 0 },
		{ 2000, "svc-billing", "", "", "svc:billing", 0 },
		{ 2000, "svc-billin", "", "billing", "svc:billing", 0 },
		{ 2000, "", "", "billing", "svc:billing", 0 },
		/* user by number, a list and a glob */
		{ 1001, "x", "", "billing", "svc:foo", 1 },
		{ 1001, "", "", "billing", "bob", 1 },
		{ 1001, "", "", "", "bob", 1 },
		{ 1001, "", "", NULL, "svc:", 1 },
		{ 1001, "", "", "billing", "bobby", 0 },
		{ 1001, "", "", "billing2", "bob", 0 },
		{ 10011, "", "", "billing", "bob", 0 },
		{ 101, "", "", "billing", "bob", 0 },
		/* group by name */
		{ 3000, "carol", "100:users,4242:support-tools",
		    "support-portal", "anyone", 1 },
		{ 3000, "carol", "100:users,4242:support-tool",
		    "support-portal", "anyone", 0 },
		{ 3000, "carol", "100:users,4242:support-tools", "billing",
		    "anyone", 0 },
		{ 3000, "support-tools", "100:users", "support-portal",
		    "anyone", 0 },
		/* group by gid (the name does not matter) */
		{ 3001, "dave", "100:users,5000:", "web-1", "alice", 1 },
		{ 3001, "dave", "5000:other", "web-1", "alice", 1 },
		{ 3001, "dave", "5000:", "web-12", "alice", 0 },
		{ 3001, "dave", "5000:", "", "alice", 0 },
		{ 3001, "dave", "5000:", "web-1", "alicia", 0 },
		{ 3001, "dave", "500:", "web-1", "alice", 0 },
		{ 5000, "dave", "100:users", "web-1", "alice", 0 },
		/* no service: only * and "" give it */
		{ 4000, "svc-star", "", "q", "a", 1 },
		{ 4000, "svc-star", "", "", "a", 0 },
		{ 0, "root", "0:root", "", "anyone", 1 },
		{ 0, "root", "0:root", "any/thing", "x y", 1 },
		{ 0, "", "0:root", "billing", "x", 0 },
	};
	struct al_ident		 id;
	struct al_decision	 d;
	struct policy		*p, *open;
	size_t			 i;
	int			 ok;

	p = policy_parse("w.policy", text, sizeof(text) - 1, NULL);
	open = policy_parse("o.policy", "purpose p \"P\"\n", 14, NULL);
	check(p != NULL && open != NULL, "writer rules parse");
	if (p == NULL || open == NULL)
		goto out;
	check(policy_has_writers(p) && !policy_has_writers(open),
	    "policy_has_writers");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ident(&id, c[i].uid, c[i].user, c[i].groups);
		ok = policy_writer_ok(p, &id, c[i].service, c[i].actor);
		check(ok == c[i].ok, "writer uid %u '%s' [%s] service '%s' "
		    "actor '%s': %s", c[i].uid, c[i].user, c[i].groups,
		    c[i].service ? c[i].service : "(null)", c[i].actor,
		    ok ? "may" : "may not");
	}
	ident(&id, 1234, "mallory", "");
	check(policy_writer_ok(open, &id, "billing", "svc:billing") &&
	    policy_writer_ok(open, &id, "", "root"), "no writer lines: "
	    "anyone may claim anything");
	memset(&d, 0, sizeof(d));
	ok = policy_writer_eval(open, &id, "billing", "bob", &d);
	check(ok == 1 && d.code == AL_ALLOWED && d.detail[0] == '\0',
	    "policy_writer_eval leaves an allowed claim's decision alone");
	ident(&id, 1001, "svc-x", "");
	ok = policy_writer_eval(p, &id, "payroll", "bob", &d);
	check(ok == 0 && !d.allow && d.code == AL_WRITER_NOT_ALLOWED &&
	    d.rule[0] == '\0' && strcmp(d.detail, "writer uid 1001 (svc-x) "
	    "may not claim service 'payroll' as actor 'bob'") == 0,
	    "writer-not-allowed, in words: %s", d.detail);
	ident(&id, 77, "", "");
	policy_writer_deny(&d, &id, NULL, "eve");
	check(strcmp(d.detail, "writer uid 77 may not claim service '' as "
	    "actor 'eve'") == 0, "...without a user name: %s", d.detail);
out:
	policy_free(p);
	policy_free(open);
}

/* Admin rules; none: root (uid 0) alone. */
static void
test_admin_rules(void)
{
	static const char text[] = "admin user alice\nadmin user 1005\n"
	    "admin group compliance\nadmin group 600\n";
	static const struct {
		uint32_t	 uid;
		const char	*user, *groups;
		int		 admin, implicit;
	} c[] = {
		{ 1000, "alice", "", 1, 0 },
		{ 1005, "", "", 1, 0 },
		{ 1006, "alicia", "", 0, 0 },
		{ 2000, "bob", "100:users,700:compliance", 1, 0 },
		{ 2000, "bob", "100:users,600:", 1, 0 },
		{ 2000, "compliance", "100:users,601:x", 0, 0 },
		{ 0, "root", "0:root", 0, 1 },
		{ 0, "", "", 0, 1 },
		{ 1, "root", "0:root", 0, 0 },
	};
	struct al_ident	 id;
	struct policy	*p, *none;
	size_t		 i;

	p = policy_parse("a.policy", text, sizeof(text) - 1, NULL);
	none = policy_parse("n.policy", "", 0, NULL);
	check(p != NULL && none != NULL, "admin rules parse");
	if (p == NULL || none == NULL)
		goto out;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ident(&id, c[i].uid, c[i].user, c[i].groups);
		check(policy_is_admin(p, &id) == c[i].admin &&
		    policy_is_admin(none, &id) == c[i].implicit,
		    "admin: uid %u '%s' [%s]: %d, with no admin lines %d",
		    c[i].uid, c[i].user, c[i].groups, policy_is_admin(p, &id),
		    policy_is_admin(none, &id));
	}
out:
	policy_free(p);
	policy_free(none);
}

/* The floor's grammar: purpose and deny any lines, nothing else. */
static void
test_floor_language(void)
{
	static const struct perr cases[] = {
		{ "purpose p\npurpose q \"Q\"\ndeny any data { health }\n"
		    "deny any action sell\ndeny any purpose { ads }\n", NULL },
		{ "purpose p\nallow any purpose p\n", "f.floor:2:1: expected "
		    "'purpose' or 'deny' (a floor holds nothing else), found "
		    "'allow'" },
		{ "purpose p\ngroup g x\n", "f.floor:2:1: expected 'purpose' "
		    "or 'deny' (a floor holds nothing else), found 'group'" },
		{ "purpose p\nwriter user x service a actor b\n", "f.floor:2:1: "
		    "expected 'purpose' or 'deny' (a floor holds nothing "
		    "else), found 'writer'" },
		{ "purpose p\nadmin user root\n", "f.floor:2:1: expected "
		    "'purpose' or 'deny' (a floor holds nothing else), found "
		    "'admin'" },
		{ "purpose p \"d\" ref \"X-[0-9]+\"\n", "f.floor:1:15: a "
		    "floor's purpose takes no 'ref'" },
		{ "purpose p ref \"X\"\n", "f.floor:1:11: a floor's purpose "
		    "takes no 'ref'" },
		{ "purpose\n", "f.floor:1:1: purpose needs a name" },
		{ "purpose p\ndeny g action sell\n", "f.floor:2:6: a floor's "
		    "deny line applies to 'any'" },
		{ "purpose p\ndeny any\n", "f.floor:2:6: a floor's deny line "
		    "names 'action', 'purpose' or 'data'" },
		{ "purpose p\ndeny any action sell purpose p\n", "f.floor:2:1: "
		    "a floor's deny line names one of 'action', 'purpose' or "
		    "'data'" },
		{ "purpose p\ndeny any action { sell\n", "f.floor:2:17: '{' "
		    "without '}'" },
		{ "deny any action sell\n", "f.floor: a floor permits at least "
		    "one purpose" },
		{ "purpose p\npurpose p\n", "f.floor:2:9: purpose 'p' declared "
		    "twice" },
	};
	static const char	lines[] = "allow\npurpose p\ngroup\nwriter\n"
				    "admin\n";
	struct buf	 errs;
	struct floor	*f;
	const char	*text;
	size_t		 i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&errs, 0, sizeof(errs));
		f = floor_parse("f.floor", cases[i].text,
		    strlen(cases[i].text), &errs);
		if (cases[i].want == NULL)
			check(f != NULL && errs.n == 0, "floor case %zu is "
			    "valid", i);
		else
			check(f == NULL && errs.p != NULL &&
			    strncmp((char *)errs.p, cases[i].want,
			    strlen(cases[i].want)) == 0, "floor case %zu: %.*s",
			    i, errs.p ? (int)strcspn((char *)errs.p, "\n") : 6,
			    errs.p ? (char *)errs.p : "(none)");
		floor_free(f);
		buf_free(&errs);
	}
	/* Every line outside the subset is reported. */
	memset(&errs, 0, sizeof(errs));
	f = floor_parse("f.floor", lines, strlen(lines), &errs);
	check(f == NULL && errs.p && strstr((char *)errs.p, "f.floor:1:1:") &&
	    strstr((char *)errs.p, "f.floor:3:1:") &&
	    strstr((char *)errs.p, "f.floor:4:1:") &&
	    strstr((char *)errs.p, "f.floor:5:1:") &&
	    !strstr((char *)errs.p, "f.floor:2:"), "every line outside the "
	    "floor's grammar is reported");
	floor_free(f);
	buf_free(&errs);
	text = al_default_floor(&len);
	f = floor_parse("promise.floor", text, len, NULL);
	check(f != NULL && len > 0 && text[len] == '\0',
	    "the embedded default floor parses");
	floor_free(f);
}

/* What the default floor denies, whatever the policy says. */
static void
test_floor_eval(void)
{
	static const struct {
		const char	*purpose, *action, *data;
		const char	*rule, *detail;	/* NULL: left to the policy */
	} c[] = {
		{ "service-provision", "sell", NULL, "promise.floor:14",
		    "the floor forbids action 'sell' whatever the purpose "
		    "(promise.floor:14)" },
		{ "support-ticket", "share-advertising", "contact",
		    "promise.floor:14", NULL },
		{ "legal-requirement", "rent", NULL, "promise.floor:14", NULL },
		{ "marketing", "trade", NULL, "promise.floor:14", NULL },
		{ "marketing", "read", NULL, "promise.floor:17",
		    "the floor forbids purpose 'marketing' "
		    "(promise.floor:17)" },
		{ "profiling", "read", NULL, "promise.floor:17", NULL },
		{ "analytics", "read", NULL, "promise.floor:8", "purpose "
		    "'analytics' is not one the floor permits "
		    "(promise.floor:8)" },
		{ "Support-Ticket", "read", NULL, "promise.floor:8", NULL },
		{ "support-ticket", "read", NULL, NULL, NULL },
		{ "service-provision", "process", "usage", NULL, NULL },
		{ "legal-requirement", "disclose", NULL, NULL, NULL },
		{ "technical-fix", "sells", NULL, NULL, NULL },
	};
	static const char	 gtext[] = "purpose p\n"
				    "deny any data customer-data\n";
	struct al_access	 a;
	struct al_decision	 d;
	struct floor		*f, *g;
	const char		*text;
	size_t			 i, len;
	int			 denied;

	text = al_default_floor(&len);
	f = floor_parse("promise.floor", text, len, NULL);
	g = floor_parse("d.floor", gtext, strlen(gtext), NULL);
	check(f != NULL && g != NULL, "floors for floor_eval parse");
	if (f == NULL || g == NULL)
		goto out;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.actor = "root";
		a.customer = "acme";
		a.purpose = c[i].purpose;
		a.action = c[i].action;
		a.data = c[i].data;
		memset(&d, 0, sizeof(d));
		d.code = AL_NCODES;
		d.allow = 7;
		denied = floor_eval(f, &a, &d);
		if (c[i].rule == NULL)
			check(denied == 0 && d.code == AL_NCODES &&
			    d.allow == 7, "floor passes %s %s to the policy",
			    a.purpose, a.action);
		else
			check(denied == 1 && d.code == AL_FLOOR && !d.allow &&
			    strcmp(d.rule, c[i].rule) == 0 &&
			    (c[i].detail ? strcmp(d.detail, c[i].detail) == 0 :
			    d.detail[0] != '\0'), "floor denies %s %s: %s: %s",
			    a.purpose, a.action, d.rule, d.detail);
	}
	memset(&a, 0, sizeof(a));
	a.actor = "root";
	a.purpose = "p";
	a.action = "read";
	denied = floor_eval(g, &a, &d);
	a.data = "health";
	check(denied == 1 && strcmp(d.rule, "d.floor:2") == 0 &&
	    floor_eval(g, &a, &d) == 0, "no data given is customer-data, "
	    "for the floor too");
out:
	floor_free(f);
	floor_free(g);
}

/* A policy the floor would override, in part or whole, is refused. */
static void
test_floor_check(void)
{
	static const struct {
		const char	*name, *text, *want;	/* want NULL: ok */
	} c[] = {
		{ "five.policy", "purpose service-provision \"S\"\n"
		    "purpose analytics \"A\"\n"
		    "allow any purpose { service-provision analytics } "
		    "action read\n", "five.policy:2: purpose 'analytics' is "
		    "not one the floor permits (promise.floor:8)\n" },
		{ "evil.policy", "purpose marketing \"growth\"\n"
		    "allow any purpose marketing action { sell "
		    "share-advertising read } data { customer-data }\n",
		    "evil.policy:1: purpose 'marketing' is forbidden by the "
		    "floor (promise.floor:17)\nevil.policy:2: the floor "
		    "overrides this allow rule whole: it forbids every purpose "
		    "the rule names ('marketing') (promise.floor:17)\n" },
		{ "sell.policy", "purpose support-ticket \"S\"\n"
		    "allow any purpose support-ticket action { sell rent }\n",
		    "sell.policy:2: the floor overrides this allow rule whole: "
		    "it forbids every action the rule names ('sell', ...) "
		    "(promise.floor:14)\n" },
		{ "some.policy", "purpose support-ticket \"S\"\n"
		    "allow any purpose support-ticket action { sell read }\n"
		    "deny any purpose marketing\n", NULL },
		{ "few.policy", "purpose technical-fix \"T\"\n", NULL },
		{ "bad.policy", "purpose\n", "bad.policy:1:1: purpose needs a "
		    "name and a description\n" },
	};
	static const char	 dfloor[] = "purpose p\ndeny any data health\n";
	static const char	 dpol[] = "purpose p \"P\"\n"
				    "allow any purpose p data health\n"
				    "allow any purpose p\n"
				    "allow any purpose p data { health x }\n";
	char		*errs;
	const char	*text, *ftext;
	struct floor	*f;
	size_t		 i, len, flen;
	int		 rc;

	ftext = al_default_floor(&flen);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		rc = al_floor_check("promise.floor", ftext, flen, c[i].name,
		    c[i].text, strlen(c[i].text), &errs);
		if (c[i].want == NULL)
			check(rc == 0 && errs == NULL, "the floor accepts %s",
			    c[i].name);
		else
			check(rc == AL_EINVAL && errs != NULL &&
			    strcmp(errs, c[i].want) == 0, "the floor refuses "
			    "%s: %.*s", c[i].name, errs ? (int)strcspn(errs,
			    "\n") : 9, errs ? errs : "(nothing)");
		free(errs);
	}
	text = al_default_policy(&len);
	rc = al_floor_check(NULL, NULL, 0, "default.policy", text, len, &errs);
	check(rc == 0 && errs == NULL, "the default floor accepts the default "
	    "policy: %.*s", errs ? (int)strcspn(errs, "\n") : 0,
	    errs ? errs : "");
	free(errs);
	f = floor_parse("promise.floor", ftext, flen, NULL);
	rc = f ? floor_check_policy(f, "default.policy", text, len, &errs) :
	    -99;
	check(rc == 0 && errs == NULL, "floor_check_policy: the default "
	    "policy respects the default floor");
	free(errs);
	floor_free(f);
	rc = al_floor_check("d.floor", dfloor, strlen(dfloor), "p.policy",
	    dpol, strlen(dpol), &errs);
	check(rc == AL_EINVAL && errs && strcmp(errs, "p.policy:2: the floor "
	    "overrides this allow rule whole: it forbids every data the rule "
	    "names ('health') (d.floor:2)\n") == 0, "a floor's data line "
	    "overrides an allow rule of that data alone: %.*s",
	    errs ? (int)strcspn(errs, "\n") : 0, errs ? errs : "");
	free(errs);
	check(al_floor_check(NULL, NULL, 0, "e.policy", c[1].text,
	    strlen(c[1].text), NULL) == AL_EINVAL && al_floor_check(NULL,
	    NULL, 0, "ok.policy", c[4].text, strlen(c[4].text), NULL) == 0 &&
	    al_floor_check("x.floor", "allow\n", 6, "ok.policy", c[4].text,
	    strlen(c[4].text), NULL) == AL_EINVAL, "al_floor_check without a "
	    "place for the messages");
	rc = al_floor_check("x.floor", "allow any\n", 10, "p.policy",
	    "purpose p \"P\"\n", 14, &errs);
	check(rc == AL_EINVAL && errs && strncmp(errs, "x.floor:1:1: "
	    "expected 'purpose' or 'deny'", 40) == 0, "al_floor_check: a "
	    "floor that does not parse, with its errors");
	free(errs);
}

static void
set_str(struct al_str *s, const char *p)
{
	s->p = p ? p : "";
	s->n = strlen(s->p);
}

/*
 * policy_follows compares the recorded rule with "name:line" without
 * making that text: the same answers as comparing with policy_eval's, for
 * near misses of the rule and for a name too long for al_decision's rule.
 */
static void
test_follows(void)
{
	static const char text[] = "purpose p \"P\"\ngroup g alice\n"
	    "allow g purpose p\ndeny any action sell\n";
	static const char *rules[] = { "", ":3", ":30", ":", "3", ":03",
	    ":4", ":33" };
	struct al_access	 a;
	struct al_decision	 d, want;
	struct al_entry		 e;
	struct policy		*p;
	char			 name[400], rule[420];
	size_t			 len, i, j;
	int			 ok = 1;

	for (len = 300; len < 330; len++) {
		memset(name, 'n', len);
		name[len] = '\0';
		if ((p = policy_parse(name, text, sizeof(text) - 1,
		    NULL)) == NULL) {
			check(0, "a policy named with %zu bytes parses", len);
			return;
		}
		for (i = 0; i < 2; i++) {
			memset(&a, 0, sizeof(a));
			a.actor = "alice";
			a.purpose = "p";
			a.action = i ? "sell" : "read";
			policy_eval(p, &a, &want);
			memset(&e, 0, sizeof(e));
			set_str(&e.actor, a.actor);
			set_str(&e.purpose, a.purpose);
			set_str(&e.action, a.action);
			set_str(&e.customer, "acme");
			e.allow = want.allow;
			e.code = want.code;
			for (j = 0; j < sizeof(rules) / sizeof(rules[0]) + 1;
			    j++) {
				if (snprintf(rule, sizeof(rule), "%s%s",
				    j == 0 ? want.rule : j == 1 ? "" : name,
				    j == 0 ? "" : rules[j - 1]) >=
				    (int)sizeof(rule))
					continue;
				set_str(&e.rule, rule);
				if (policy_follows(p, &e, &d) !=
				    (strcmp(rule, want.rule) == 0) ||
				    (strcmp(rule, want.rule) != 0 &&
				    strcmp(d.rule, want.rule) != 0))
					ok = 0;
			}
		}
		policy_free(p);
	}
	check(ok, "policy_follows compares rules as policy_eval writes them");
}

static uint64_t
fixed_clock(void *arg)
{
	uint64_t	*t = arg;

	return (*t)++;
}

static void
test_library(const char *tmp)
{
	struct al_init_opts	 o;
	struct al_access	 a;
	struct al_decision	 d;
	struct al_verify_summary s;
	struct al_verify_opts	 vo;
	struct al_entry		 e;
	struct stat		 st;
	char			 dir[512], path[600];
	uint8_t			 hash[AL_HASH_LEN], h2[AL_HASH_LEN];
	uint64_t		 seq, seq2, t = 1795946400000000000ULL;
	al_log			*l = NULL;
	al_iter			*it = NULL;
	int			 rc, i, ok;

	snprintf(dir, sizeof(dir), "%s/lib", tmp);
	rc = al_open(dir, 0, &l);
	check(rc == AL_ENOLOG && strstr(al_errmsg(l), "auditlog init"),
	    "opening a missing log is AL_ENOLOG: %s", al_errmsg(l));
	al_close(l);

	memset(&o, 0, sizeof(o));
	o.actor = "tester";
	o.mapsize = 64 * 1024;	/* small, so that recording must grow it */
	/* Entry 1 on the test's clock too: on the real one, a run after
	 * 10:00 UTC on 2026-11-29 had every later entry take its time. */
	o.clock = fixed_clock;
	o.clock_arg = &t;
	rc = al_init(dir, &o, &l);
	check(rc == 0, "init: %s", al_errmsg(l));
	al_close(l);
	check(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700,
	    "the log folder is 0700");
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	check(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the data file is 0600");
	rc = al_init(dir, &o, &l);
	check(rc == AL_EEXIST, "a second init is refused: %s", al_errmsg(l));
	al_close(l);

	if ((rc = al_open(dir, 0, &l)) != 0) {
		check(0, "open: %s", al_errmsg(l));
		al_close(l);
		return;
	}
	al_set_clock(l, fixed_clock, &t);
	memset(&a, 0, sizeof(a));
	a.actor = "svc:billing";
	a.customer = "acme";
	a.purpose = "service-provision";
	a.action = "read";
	a.resource = "invoices/2026-11/a-rather-long-name-to-fill-pages";
	ok = 1;
	for (i = 0; i < 3000 && ok; i++) {
		a.customer = i % 3 ? "acme" : "globex";
		a.action = i % 10 ? "read" : "sell";
		if (al_record(l, &a, &d) != 0 || d.seq != (uint64_t)i + 3 ||
		    d.allow != (i % 10 != 0))
			ok = 0;
	}
	check(ok, "3000 records past a 64 KiB map, seqs 3..3002 (the floor "
	    "and the policy at 1 and 2): %s", ok ? "yes" : al_errmsg(l));

	/* Invalid input records nothing. */
	check(al_head(l, &seq, hash) == 0 && seq == 3002, "head is 3002");
	a.customer = "";
	rc = al_record(l, &a, &d);
	check(rc == AL_EINVAL && strcmp(al_errmsg(l), "customer is empty") ==
	    0, "an empty field is refused: %s", al_errmsg(l));
	a.customer = "acme";
	a.reason = "line\nbreak";
	rc = al_record(l, &a, &d);
	check(rc == AL_EINVAL && strstr(al_errmsg(l), "reason holds a "
	    "control character"), "a newline is refused: %s", al_errmsg(l));
	a.reason = NULL;
	a.actor = NULL;
	rc = al_record(l, &a, &d);
	check(rc == AL_EINVAL && strcmp(al_errmsg(l), "actor is required") ==
	    0, "a missing field is refused: %s", al_errmsg(l));
	a.actor = "svc:billing";
	check(al_head(l, &seq2, h2) == 0 && seq2 == seq &&
	    memcmp(hash, h2, AL_HASH_LEN) == 0,
	    "refused input left the head alone");

	/* check decides without recording. */
	rc = al_check(l, &a, &d);
	check(rc == 0 && d.allow && al_head(l, &seq2, h2) == 0 && seq2 == seq,
	    "check records nothing");

	/* The clock is the injected one, to the nanosecond. */
	t = 1795946400000100007ULL;
	rc = al_record(l, &a, &d);
	check(rc == 0 && al_iter_open_reverse(l, NULL, &it) == 0 &&
	    al_iter_next(it, &e) == 1 && e.seq == 3003 &&
	    e.time_ns == 1795946400000100007ULL,
	    "the entry carries the injected time");
	al_iter_close(it);
	t = 1000;	/* the clock steps back */
	rc = al_record(l, &a, &d);
	check(rc == 0 && al_iter_open_reverse(l, NULL, &it) == 0 &&
	    al_iter_next(it, &e) == 1 && e.seq == 3004 && e.time_ns == 1000,
	    "a clock stepping back: the entry has the time the clock read");
	al_iter_close(it);

	/* The per-customer index reads only that customer. */
	{
		struct al_filter f = { .customer = "globex" };
		int n = 0, good = 1;

		if ((rc = al_iter_open(l, &f, &it)) == 0)
			while ((rc = al_iter_next(it, &e)) == 1) {
				n++;
				if (strcmp(e.customer.p, "globex") != 0)
					good = 0;
			}
		al_iter_close(it);
		check(rc == 0 && good && n == 1000, "1000 globex entries by "
		    "the index (%d)", n);
	}

	/* The ref, action, data and service filters; an iterator keeps
	 * copies of the filter's strings, so the caller's may go. */
	{
		struct al_filter	 f;
		struct al_export_opts	 xo;
		struct al_export_result	 xr;
		char			 want[16];
		FILE			*null;
		int			 n = 0, good = 1;

		memset(&f, 0, sizeof(f));
		snprintf(want, sizeof(want), "sell");
		f.customer = "globex";
		f.action = want;
		f.data = "customer-data";
		if ((rc = al_iter_open(l, &f, &it)) == 0) {
			memset(want, 'x', sizeof(want) - 1);
			while ((rc = al_iter_next(it, &e)) == 1) {
				n++;
				if (strcmp(e.action.p, "sell") != 0)
					good = 0;
			}
		}
		al_iter_close(it);
		check(rc == 0 && good && n == 100, "--action sell with "
		    "--customer globex: 100 entries (%d)", n);
		memset(&f, 0, sizeof(f));
		f.ref = "SUP-1";
		n = 0;
		if ((rc = al_iter_open(l, &f, &it)) == 0)
			while ((rc = al_iter_next(it, &e)) == 1)
				n++;
		al_iter_close(it);
		check(rc == 0 && n == 0, "a ref no entry has: none (%d)", n);
		memset(&f, 0, sizeof(f));
		f.service = "nosuch";
		n = 0;
		if ((rc = al_iter_open_reverse(l, &f, &it)) == 0)
			while ((rc = al_iter_next(it, &e)) == 1)
				n++;
		al_iter_close(it);
		check(rc == 0 && n == 0, "a service no entry has: none, "
		    "the policy entry neither (%d)", n);
		memset(&xo, 0, sizeof(xo));
		xo.f.data = "contact";
		null = fopen("/dev/null", "w");
		rc = null ? al_report(l, &xo, null, 0, &xr) : AL_EIO;
		check(rc == AL_EINVAL && strstr(al_errmsg(l), "not carried in "
		    "a bundle"), "report refuses a filter a bundle cannot "
		    "carry: %s", al_errmsg(l));
		if (null != NULL)
			fclose(null);
	}

	/* A batch: one transaction, every access decided and chained. */
	{
		struct al_access	 b[500];
		struct al_decision	 bd[500];
		uint64_t		 before;
		int			 good = 1;

		for (i = 0; i < 500; i++) {
			b[i] = a;
			b[i].action = i % 5 ? "read" : "sell";
		}
		b[2].customer = "";
		al_head(l, &before, hash);
		rc = al_record_batch(l, b, 500, bd);
		check(rc == AL_EINVAL && strcmp(al_errmsg(l), "access 3: "
		    "customer is empty") == 0 && al_head(l, &seq2, h2) == 0 &&
		    seq2 == before, "an invalid access fails the whole batch: "
		    "%s", al_errmsg(l));
		b[2].customer = "acme";
		rc = al_record_batch(l, b, 500, bd);
		for (i = 0; i < 500; i++)
			if (bd[i].seq != before + 1 + (uint64_t)i ||
			    bd[i].allow != (i % 5 != 0))
				good = 0;
		check(rc == 0 && good, "a batch of 500: seqs in order, each "
		    "decided");
	}

	memset(&vo, 0, sizeof(vo));
	/* verify's clock, 10 minutes after seq 3003 */
	t = 1795946400000100007ULL + 600000000000ULL;
	rc = al_verify(l, &vo, &s);
	check(rc == 0 && s.problems == 0 && s.entries == 3504 &&
	    s.accesses == 3502 && s.denied == 400 && s.policies == 1,
	    "verify: %llu entries, %llu problems",
	    (unsigned long long)s.entries, (unsigned long long)s.problems);
	check(rc == 0 && s.clock_total == 2 && s.nclock == 2 &&
	    s.clock[0].seq == 3003 && s.clock[0].kind == AL_CLOCK_AHEAD &&
	    s.clock[0].other_seq == 3004 && s.clock[1].seq == 3004 &&
	    s.clock[1].kind == AL_CLOCK_BACK && s.clock[1].other_seq == 3003 &&
	    s.clock[1].time_ns == 1000, "verify warns: 3003 ahead of 3004, "
	    "3004 back (%llu warnings)", (unsigned long long)s.clock_total);
	vo.have_expect = 1;
	vo.expect_seq = 5000;
	rc = al_verify(l, &vo, &s);
	check(rc == 0 && s.problems == 1, "an anchor past the end is a "
	    "problem");
	al_close(l);

	rc = al_open(dir, AL_RDONLY, &l);
	check(rc == 0 && al_record(l, &a, &d) == AL_EINVAL,
	    "a read-only handle cannot record");
	al_close(l);
}

static uint64_t
step_clock(void *arg)
{
	uint64_t	*t = arg;

	return *t += 1000;
}

/* --since/--until find their entries by the time index: exact at the edges. */
static void
test_periods(const char *tmp)
{
	struct al_init_opts	 o;
	struct al_access	 a;
	struct al_decision	 d;
	struct al_filter	 f;
	struct al_entry		 e;
	char			 dir[512];
	uint64_t		 t = 0, first = 0, last = 0;
	al_log			*l = NULL;
	al_iter			*it;
	int			 i, n, rc;

	snprintf(dir, sizeof(dir), "%s/periods", tmp);
	memset(&o, 0, sizeof(o));
	o.actor = "tester";
	o.clock = step_clock;
	o.clock_arg = &t;
	if (al_init(dir, &o, &l) != 0) {
		check(0, "init: %s", al_errmsg(l));
		al_close(l);
		return;
	}
	al_set_clock(l, step_clock, &t);
	memset(&a, 0, sizeof(a));
	a.actor = "svc:x";
	a.customer = "acme";
	a.purpose = "service-provision";
	a.action = "read";
	/* times 3000, 4000, ...: init took 1000 and 2000 */
	for (i = 0; i < 100; i++)
		if (al_record(l, &a, &d) != 0)
			break;
	check(i == 100, "100 entries at 1000 ns steps");
	memset(&f, 0, sizeof(f));
	f.since_ns = 50500;	/* 51000 is the first in */
	f.until_ns = 70000;	/* 69000 is the last in */
	n = 0;
	if ((rc = al_iter_open(l, &f, &it)) == 0) {
		while ((rc = al_iter_next(it, &e)) == 1) {
			if (n++ == 0)
				first = e.time_ns;
			last = e.time_ns;
		}
		al_iter_close(it);
	}
	check(rc == 0 && n == 19 && first == 51000 && last == 69000,
	    "a period through the time index: %d entries, %llu to %llu", n,
	    (unsigned long long)first, (unsigned long long)last);
	f.since_ns = 200000;
	f.until_ns = 0;
	n = 0;
	if ((rc = al_iter_open(l, &f, &it)) == 0) {
		while ((rc = al_iter_next(it, &e)) == 1)
			n++;
		al_iter_close(it);
	}
	check(rc == 0 && n == 0, "a period after the last entry is empty");
	al_close(l);
}

static uint64_t
set_clock(void *arg)
{
	return *(uint64_t *)arg;
}

/* The seqs an iterator gives, both ways; 0, or the error. */
static int
period_run(al_log *l, const struct al_filter *f, int reverse, uint64_t *got,
    size_t max, size_t *n)
{
	struct al_entry	 e;
	al_iter		*it;
	int		 rc;

	*n = 0;
	if ((rc = (reverse ? al_iter_open_reverse : al_iter_open)(l, f,
	    &it)) != 0)
		return rc;
	while ((rc = al_iter_next(it, &e)) == 1)
		if (*n < max)
			got[(*n)++] = e.seq;
	al_iter_close(it);
	return rc;
}

/*
 * Issue 15, item 5: one writer whose clock read 2101 misdates its own
 * entry and no other.  A period holds every entry stamped in it, both
 * ways, with a customer too; verify warns (the 2101 entry ahead, the
 * next one back) and finds no problem.
 */
static void
test_wrong_clock(const char *tmp)
{
	struct al_init_opts	 o;
	struct al_access	 a;
	struct al_decision	 d;
	struct al_filter	 f;
	struct al_verify_opts	 vo;
	struct al_verify_summary s;
	char			 dir[512];
	/* 2026-12-01T00:00:00Z and 2101-01-01T00:00:00Z */
	const uint64_t		 dec = 1796083200000000000ULL;
	const uint64_t		 y2101 = 4133980800000000000ULL;
	uint64_t		 t = dec - 3600000000000ULL, got[32], seq;
	al_log			*l = NULL;
	size_t			 n;
	int			 i, rc, good;

	snprintf(dir, sizeof(dir), "%s/wrong-clock", tmp);
	memset(&o, 0, sizeof(o));
	o.actor = "tester";
	o.clock = set_clock;
	o.clock_arg = &t;
	if (al_init(dir, &o, &l) != 0) {	/* seqs 1-2, Nov 30 23:00 */
		check(0, "init: %s", al_errmsg(l));
		al_close(l);
		return;
	}
	al_set_clock(l, set_clock, &t);
	memset(&a, 0, sizeof(a));
	a.actor = "svc:x";
	a.purpose = "service-provision";
	a.action = "read";
	/* seqs 3-5 on Dec 1; 6 in 2101; 7-10 on Dec 2 (7, 9: globex) */
	for (i = 0, rc = 0; i < 8 && rc == 0; i++) {
		t = i < 3 ? dec + (uint64_t)i * 1000 : i == 3 ? y2101 :
		    dec + 86400000000000ULL + (uint64_t)i * 1000;
		a.customer = i == 4 || i == 6 ? "globex" : "acme";
		rc = al_record(l, &a, &d);
	}
	check(rc == 0 && d.seq == 10, "10 entries, seq 6 stamped 2101: %s",
	    rc ? al_errmsg(l) : "recorded");

	memset(&f, 0, sizeof(f));
	f.since_ns = dec;
	f.until_ns = dec + 2 * 86400000000000ULL;
	rc = period_run(l, &f, 0, got, 32, &n);
	good = rc == 0 && n == 7;
	for (i = 0; good && i < 7; i++)
		good = got[i] == (uint64_t)(i < 3 ? i + 3 : i + 4);
	check(good, "December 1-2 holds seqs 3-5 and 7-10, in seq order (%zu "
	    "found)", n);
	rc = period_run(l, &f, 1, got, 32, &n);
	check(rc == 0 && n == 7 && got[0] == 10 && got[3] == 7 &&
	    got[4] == 5 && got[6] == 3, "...and newest first");
	f.customer = "globex";
	rc = period_run(l, &f, 0, got, 32, &n);
	check(rc == 0 && n == 2 && got[0] == 7 && got[1] == 9,
	    "...for customer globex: 7 and 9 (%zu found)", n);
	f.customer = NULL;
	f.since_ns = y2101;
	f.until_ns = 0;
	rc = period_run(l, &f, 0, got, 32, &n);
	check(rc == 0 && n == 1 && got[0] == 6, "from 2101 on: seq 6 alone");
	f.since_ns = dec + 86400000000000ULL;
	f.until_ns = 0;
	f.from_seq = 8;
	rc = period_run(l, &f, 0, got, 32, &n);
	check(rc == 0 && n == 3 && got[0] == 8 && got[2] == 10,
	    "from December 2 and seq 8: 8 to 10 (%zu found)", n);
	f.from_seq = 0;
	f.until_ns = dec;
	rc = period_run(l, &f, 0, got, 32, &n);
	check(rc == 0 && n == 0, "an empty period is empty");

	memset(&vo, 0, sizeof(vo));
	t = dec + 3 * 86400000000000ULL;	/* the verifying clock */
	rc = al_verify(l, &vo, &s);
	check(rc == 0 && s.problems == 0 && s.clock_total == 2 &&
	    s.nclock == 2 && s.clock[0].seq == 6 &&
	    s.clock[0].kind == AL_CLOCK_AHEAD && s.clock[0].other_seq == 0 &&
	    s.clock[0].other_ns == t && s.clock[1].seq == 7 &&
	    s.clock[1].kind == AL_CLOCK_BACK && s.clock[1].other_seq == 6,
	    "verify: no problem; seq 6 ahead of the clock, seq 7 back (%llu "
	    "problems, %llu warnings)", (unsigned long long)s.problems,
	    (unsigned long long)s.clock_total);
	t = y2101 + 86400000000000ULL;		/* a clock past 2101 */
	rc = al_verify(l, &vo, &s);
	check(rc == 0 && s.problems == 0 && s.clock_total == 2 &&
	    s.clock[0].seq == 6 && s.clock[0].kind == AL_CLOCK_AHEAD &&
	    s.clock[0].other_seq == 7, "...and on a clock past 2101: seq 6 "
	    "more than an hour after seq 7");
	/* Times may repeat: the index holds both, by seq. */
	t = dec;
	rc = al_record(l, &a, &d);
	seq = d.seq;
	f.since_ns = dec;
	f.until_ns = dec + 1;
	rc = rc ? rc : period_run(l, &f, 0, got, 32, &n);
	check(rc == 0 && n == 2 && got[0] == 3 && got[1] == seq,
	    "two entries of the same time: both (%zu found)", n);
	al_close(l);
}

/*
 * The customer index is kept in blocks of 4096 seqs: a customer's entries
 * by the iterator, both ways, over every kind of seq and time range, are
 * exactly those a plain scan finds.
 */
#define CB_N	(3 * 4096 + 700)	/* accesses: seqs 3 to CB_N + 2 */

static const char *
cb_customer(uint64_t seq)
{
	static const char *const cyc[] = { "c0", "c1", "c2", "c3", "c4",
	    "c5", "c6" };

	if (seq == 4095 || seq == 4096 || seq == 8191 || seq == 8192 ||
	    seq == 12287 || seq == 12288)
		return "edge";		/* last and first of blocks */
	if (seq == 7 || seq == 9000 || seq == 9001 || seq == CB_N + 2)
		return "rare";		/* not in block 1 */
	return cyc[seq % 7];
}

static int
cb_run(al_log *l, const struct al_filter *f, int reverse, uint64_t *got,
    int *n)
{
	struct al_entry	 e;
	al_iter		*it;
	int		 rc;

	*n = 0;
	if ((rc = (reverse ? al_iter_open_reverse : al_iter_open)(l, f,
	    &it)) != 0)
		return rc;
	while ((rc = al_iter_next(it, &e)) == 1)
		if (*n < CB_N)
			got[(*n)++] = e.seq;
	al_iter_close(it);
	return rc;
}

static void
test_customer_blocks(const char *tmp)
{
	static const char *const custs[] = { "c3", "rare", "edge", "c",
	    "c33", "nobody" };
	static const uint64_t ranges[][2] = { { 0, 0 }, { 1, 4095 },
	    { 4095, 4096 }, { 4096, 8191 }, { 4097, 8190 }, { 5000, 12000 },
	    { 8192, 8192 }, { 12000, 0 }, { 0, 3 }, { 20000, 0 },
	    { 9001, 9001 }, { 2, 9000 } };
	struct al_init_opts	 o;
	struct al_access	 a[1000];
	struct al_decision	 d[1000];
	struct al_filter	 f;
	char			 dir[512];
	uint64_t		 t = 0, *got, *want, seq;
	al_log			*l = NULL;
	size_t			 i, j, k, r;
	int			 n, nw, bad, rc = 0, x;

	got = calloc(CB_N, sizeof(*got));
	want = calloc(CB_N, sizeof(*want));
	snprintf(dir, sizeof(dir), "%s/blocks", tmp);
	memset(&o, 0, sizeof(o));
	o.actor = "tester";
	o.clock = step_clock;
	o.clock_arg = &t;
	if (got == NULL || want == NULL || al_init(dir, &o, &l) != 0) {
		check(0, "init: %s", l ? al_errmsg(l) : "out of memory");
		goto done;
	}
	al_set_clock(l, step_clock, &t);	/* seq s at time s * 1000 */
	memset(a, 0, sizeof(a));
	for (seq = 3; seq <= CB_N + 2 && rc == 0; seq += k) {
		for (k = 0; k < 1000 && seq + k <= CB_N + 2; k++) {
			a[k].actor = "svc:x";
			a[k].customer = cb_customer(seq + k);
			a[k].purpose = "service-provision";
			a[k].action = "read";
		}
		rc = al_record_batch(l, a, k, d);
	}
	check(rc == 0 && d[k - 1].seq == CB_N + 2, "%d accesses over 4 "
	    "blocks: %s", CB_N, rc ? al_errmsg(l) : "recorded");
	for (i = 0; i < sizeof(custs) / sizeof(custs[0]); i++)
		for (x = 0; x < 2; x++) {
			bad = 0;
			for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]);
			    r++) {
				memset(&f, 0, sizeof(f));
				f.customer = custs[i];
				f.from_seq = ranges[r][0];
				f.to_seq = ranges[r][1];
				for (nw = 0, seq = 3; seq <= CB_N + 2; seq++)
					if (strcmp(cb_customer(seq),
					    custs[i]) == 0 &&
					    seq >= f.from_seq &&
					    (f.to_seq == 0 || seq <= f.to_seq))
						want[nw++] = seq;
				if (x)	/* newest first */
					for (j = 0; j < (size_t)nw / 2; j++) {
						seq = want[j];
						want[j] = want[nw - 1 - j];
						want[nw - 1 - j] = seq;
					}
				if (cb_run(l, &f, x, got, &n) != 0 ||
				    n != nw || (nw > 0 && memcmp(got, want,
				    nw * sizeof(*got)) != 0)) {
					printf("# %s, seqs %llu to %llu%s: %d "
					    "found, %d wanted\n", custs[i],
					    (unsigned long long)f.from_seq,
					    (unsigned long long)f.to_seq,
					    x ? ", newest first" : "", n, nw);
					bad++;
				}
			}
			check(bad == 0, "customer %s, %s, in %zu seq ranges: "
			    "the entries a scan finds", custs[i], x ?
			    "newest first" : "oldest first",
			    sizeof(ranges) / sizeof(ranges[0]));
		}
	/* A period is a seq range for the customer too. */
	memset(&f, 0, sizeof(f));
	f.customer = "edge";
	f.since_ns = 4096 * 1000;
	f.until_ns = 12288 * 1000;
	rc = cb_run(l, &f, 0, got, &n);
	check(rc == 0 && n == 4 && got[0] == 4096 && got[3] == 12287,
	    "customer edge from time 4096000 to before 12288000: 4096, "
	    "8191, 8192, 12287 (%d found)", n);
	rc = cb_run(l, &f, 1, got, &n);
	check(rc == 0 && n == 4 && got[0] == 12287 && got[3] == 4096,
	    "...and newest first (%d found)", n);
done:
	al_close(l);
	free(got);
	free(want);
}

/*
 * The prepared path (al_prep_*): what it records must be what
 * al_record_batch records, byte for byte, under every change that can
 * come between the preparing and the commit.
 */

static uint64_t
const_clock(void *arg)
{
	return *(uint64_t *)arg;
}

/*
 * A new log in tmp/name, its entries timed by fn from *t; NULL: failed.
 * A single-person log (approvers 1), so that al_policy_set may change its
 * policy: seq 1 the floor, seq 2 the policy.
 */
static al_log *
prep_log(const char *tmp, const char *name, size_t mapsize, al_clock_fn fn,
    uint64_t *t)
{
	struct al_init_opts	 o;
	char			 dir[512];
	al_log			*l = NULL;

	snprintf(dir, sizeof(dir), "%s/%s", tmp, name);
	memset(&o, 0, sizeof(o));
	o.actor = "tester";
	o.approvers = 1;
	o.mapsize = mapsize;
	o.clock = fn;
	o.clock_arg = t;
	if (al_init(dir, &o, &l) != 0) {
		check(0, "init %s: %s", name, l ? al_errmsg(l) :
		    "out of memory");
		al_close(l);
		return NULL;
	}
	al_set_clock(l, fn, t);
	return l;
}

static int
str_same(const struct al_str *a, const struct al_str *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

static int
entry_same(const struct al_entry *a, const struct al_entry *b)
{
	if (a->seq != b->seq || a->kind != b->kind ||
	    a->time_ns != b->time_ns ||
	    memcmp(a->prev, b->prev, AL_HASH_LEN) != 0 ||
	    memcmp(a->hash, b->hash, AL_HASH_LEN) != 0 ||
	    !str_same(&a->service, &b->service) ||
	    !str_same(&a->host, &b->host) || a->pid != b->pid ||
	    a->uid != b->uid || !str_same(&a->actor, &b->actor))
		return 0;
	if (a->kind == AL_KIND_POLICY)
		return str_same(&a->name, &b->name) &&
		    str_same(&a->text, &b->text) &&
		    memcmp(a->digest, b->digest, AL_HASH_LEN) == 0;
	return str_same(&a->customer, &b->customer) &&
	    str_same(&a->data, &b->data) &&
	    str_same(&a->action, &b->action) &&
	    str_same(&a->resource, &b->resource) &&
	    str_same(&a->purpose, &b->purpose) &&
	    str_same(&a->ref, &b->ref) && str_same(&a->reason, &b->reason) &&
	    a->allow == b->allow && a->code == b->code &&
	    str_same(&a->rule, &b->rule) && str_same(&a->detail, &b->detail) &&
	    memcmp(a->policy, b->policy, AL_HASH_LEN) == 0;
}

/* Do logs a and b hold the same entries, and the same head?  *n: how many. */
static int
logs_same(al_log *a, al_log *b, uint64_t *n)
{
	struct al_entry	 ea, eb;
	al_iter		*ia = NULL, *ib = NULL;
	uint8_t		 ha[AL_HASH_LEN], hb[AL_HASH_LEN];
	uint64_t	 sa, sb;
	int		 ra, rb, same = 0;

	*n = 0;
	if (al_iter_open(a, NULL, &ia) != 0 || al_iter_open(b, NULL, &ib) != 0)
		goto done;
	for (;;) {
		ra = al_iter_next(ia, &ea);
		rb = al_iter_next(ib, &eb);
		if (ra != rb || ra < 0)
			goto done;
		if (ra == 0)
			break;
		if (!entry_same(&ea, &eb)) {
			printf("# entry %llu differs\n",
			    (unsigned long long)ea.seq);
			goto done;
		}
		(*n)++;
	}
	same = al_head(a, &sa, ha) == 0 && al_head(b, &sb, hb) == 0 &&
	    sa == sb && sa == *n && memcmp(ha, hb, AL_HASH_LEN) == 0;
done:
	al_iter_close(ia);
	al_iter_close(ib);
	return same;
}

static int
dec_same(const struct al_decision *a, const struct al_decision *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (a[i].allow != b[i].allow || a[i].code != b[i].code ||
		    strcmp(a[i].rule, b[i].rule) != 0 ||
		    strcmp(a[i].detail, b[i].detail) != 0 ||
		    a[i].seq != b[i].seq) {
			printf("# decision %zu: %d %s %s seq %llu, against "
			    "%d %s %s seq %llu\n", i, a[i].allow, a[i].rule,
			    a[i].detail, (unsigned long long)a[i].seq,
			    b[i].allow, b[i].rule, b[i].detail,
			    (unsigned long long)b[i].seq);
			return 0;
		}
	return 1;
}

static int
verify_clean(al_log *l)
{
	struct al_verify_opts	 vo;
	struct al_verify_summary s;

	memset(&vo, 0, sizeof(vo));
	return al_verify(l, &vo, &s) == 0 && s.problems == 0;
}

/* Prepare a[0 .. n - 1] in a new batch of l and commit it; 0 or an error. */
static int
prep_all(al_log *l, const struct al_access *a, size_t n,
    struct al_decision *d)
{
	al_prep	*p;
	size_t	 i;
	int	 rc;

	if ((rc = al_prep_new(l, &p)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++)
		rc = al_prep_add(p, &a[i]);
	if (rc == 0)
		rc = al_record_prep(l, p, d);
	al_prep_free(p);
	return rc;
}

static char	long_text[AL_MAX_TEXT + 1];	/* the longest allowed */

/* Accesses of every kind: allowed, each denial, optional fields or not. */
static void
prep_mix(struct al_access *a, size_t n)
{
	static const char *const custs[] = { "acme", "globex", "initech" };
	static const struct al_access kinds[] = {
		{ "svc:billing", NULL, "service-provision", "read", NULL,
		    NULL, NULL, NULL, NULL },
		{ "svc:billing", NULL, "service-provision", "write",
		    "billing", "invoices/2026-11/7", NULL, "monthly run",
		    "billing" },
		{ "svc:ads", NULL, "service-provision", "sell", NULL, NULL,
		    NULL, NULL, "ads" },
		{ "alice", NULL, "support-ticket", "read", "contact", NULL,
		    "SUP-4711", "\xc3\x85sa called", "helpdesk" },
		{ "alice", NULL, "support-ticket", "read", NULL, NULL, NULL,
		    NULL, NULL },
		{ "alice", NULL, "support-ticket", "read", NULL, NULL,
		    "SUP-", "typo", NULL },
		{ "alice", NULL, "curiosity", "read", NULL, "x", NULL, NULL,
		    "helpdesk" },
		{ "alice", NULL, "service-provision", "read", NULL, NULL,
		    NULL, NULL, NULL },
		{ "alice", NULL, "support-ticket", "delete", NULL, NULL,
		    "SUP-1", NULL, NULL },
		{ "alice", NULL, "support-ticket", "read", "health", NULL,
		    "SUP-1", NULL, NULL },
		{ "carol", NULL, "technical-fix", "restore", "usage",
		    long_text, "INC-1", long_text, "ops" },
		{ "erin", NULL, "legal-requirement", "disclose", NULL, NULL,
		    "LEGAL-2026-1", NULL, NULL },
		{ "svc:x", NULL, "marketing", "read", NULL, NULL, NULL,
		    long_text, NULL },
	};
	size_t	i, nk = sizeof(kinds) / sizeof(kinds[0]);

	memset(long_text, 'r', AL_MAX_TEXT);
	for (i = 0; i < n; i++) {
		a[i] = kinds[i % nk];
		a[i].customer = custs[(i + i / nk) % 3];
	}
}

#define EQ_N	65

static void
test_prep_same(const char *tmp)
{
	struct al_access	a[EQ_N];
	struct al_decision	db[EQ_N], dp[EQ_N];
	uint64_t		tb = 1795946400000000000ULL, tp = tb, n;
	al_log			*lb, *lp;
	size_t			i;
	int			rb, rp, seqs = 1, denied = 0, floor = 0;

	lb = prep_log(tmp, "same-batch", 0, fixed_clock, &tb);
	lp = prep_log(tmp, "same-prep", 0, fixed_clock, &tp);
	if (lb == NULL || lp == NULL)
		goto done;
	prep_mix(a, EQ_N);
	memset(db, 0, sizeof(db));
	memset(dp, 0xff, sizeof(dp));
	rb = al_record_batch(lb, a, EQ_N, db);
	rp = prep_all(lp, a, EQ_N, dp);
	check(rb == 0 && rp == 0, "the same %d accesses, by batch and "
	    "prepared: %s", EQ_N, rb ? al_errmsg(lb) : rp ? al_errmsg(lp) :
	    "recorded");
	for (i = 0; i < EQ_N; i++) {
		if (db[i].seq != i + 3)
			seqs = 0;
		denied += !db[i].allow;
		floor += db[i].code == AL_FLOOR;
	}
	check(seqs && denied > EQ_N / 3 && denied < EQ_N - 5 && floor > 0 &&
	    floor < denied, "...seqs 3 to %d, %d of them denied, %d by the "
	    "floor", EQ_N + 2, denied, floor);
	check(dec_same(dp, db, EQ_N), "...the same decisions (allow, code, "
	    "rule, detail, seq)");
	rb = logs_same(lb, lp, &n);
	check(rb && n == EQ_N + 2, "...the same entries and the same head "
	    "(%llu entries)", (unsigned long long)n);
	check(verify_clean(lp), "...and verify finds no problem");
done:
	al_close(lb);
	al_close(lp);
}

/* Lines: 3 the deny rule, 4 and 5 the allow rules. */
static const char p2_text[] =
    "purpose service-provision \"to provide the service\"\n"
    "purpose support-ticket \"in a support case\" ref \"SUP-[0-9]+\"\n"
    "deny any action sell\n"
    "allow any purpose service-provision action { read write }\n"
    "allow any purpose support-ticket action read\n";

/*
 * Each decided differently by default.policy and p2.policy, but three: a
 * malformed ref, and the two the floor denies under any policy (before
 * the policy's own deny rules).
 */
static const struct {
	struct al_access	a;
	int			code1;	/* default.policy */
	const char		*rule1;
	int			code2;	/* p2.policy */
	const char		*rule2;
} pchange[] = {
	{ { "svc:billing", "acme", "service-provision", "read", NULL, NULL,
	    NULL, NULL, NULL }, AL_ALLOWED, "default.policy:24",
	    AL_ALLOWED, "p2.policy:4" },
	{ { "carol", "acme", "technical-fix", "restore", NULL, NULL, "INC-1",
	    NULL, "ops" }, AL_ALLOWED, "default.policy:27",
	    AL_UNKNOWN_PURPOSE, "" },
	{ { "alice", "globex", "service-provision", "read", NULL, "a/b",
	    NULL, "why", NULL }, AL_ACTOR_NOT_ALLOWED, "",
	    AL_ALLOWED, "p2.policy:4" },
	{ { "alice", "acme", "support-ticket", "write", NULL, NULL, "SUP-1",
	    NULL, NULL }, AL_ALLOWED, "default.policy:30",
	    AL_ACTION_NOT_ALLOWED, "" },
	{ { "svc:ads", "acme", "service-provision", "sell", NULL, NULL,
	    NULL, NULL, NULL }, AL_FLOOR, "promise.floor:14",
	    AL_FLOOR, "promise.floor:14" },
	{ { "alice", "acme", "support-ticket", "read", NULL, NULL, "INC-1",
	    NULL, NULL }, AL_MALFORMED_REF, "", AL_MALFORMED_REF, "" },
	{ { "alice", "initech", "support-ticket", "read", "health", NULL,
	    "SUP-2", NULL, "helpdesk" }, AL_DATA_NOT_ALLOWED, "",
	    AL_ALLOWED, "p2.policy:5" },
	{ { "svc:x", "acme", "marketing", "read", NULL, NULL, NULL, NULL,
	    NULL }, AL_FLOOR, "promise.floor:17",
	    AL_FLOOR, "promise.floor:17" },
};
#define PC_N	(sizeof(pchange) / sizeof(pchange[0]))

/* d[0 .. PC_N - 1] are pchange's decisions under policy 1 or 2. */
static int
pc_want(const struct al_decision *d, int pol)
{
	size_t	i;
	int	code;

	for (i = 0; i < PC_N; i++) {
		code = pol == 1 ? pchange[i].code1 : pchange[i].code2;
		if ((int)d[i].code != code || d[i].allow != (code ==
		    AL_ALLOWED) || strcmp(d[i].rule, pol == 1 ?
		    pchange[i].rule1 : pchange[i].rule2) != 0) {
			printf("# access %zu: %s %s, not %s\n", i,
			    al_code_name(d[i].code), d[i].rule,
			    al_code_name(code));
			return 0;
		}
	}
	return 1;
}

/* The entries from seq on carry d's decisions and the active policy. */
static int
entries_say(al_log *l, uint64_t seq, const struct al_decision *d, size_t n)
{
	struct al_filter f;
	struct al_entry	 e, pol;
	uint8_t		 digest[AL_HASH_LEN];
	al_iter		*it = NULL;
	size_t		 i = 0;
	int		 rc, ok = 0;

	if (al_policy_get(l, &pol) != 0)
		return 0;
	memcpy(digest, pol.digest, AL_HASH_LEN);
	memset(&f, 0, sizeof(f));
	f.from_seq = seq;
	f.to_seq = seq + n - 1;
	if (al_iter_open(l, &f, &it) != 0)
		goto done;
	while ((rc = al_iter_next(it, &e)) == 1) {
		if (i >= n || e.seq != d[i].seq || e.allow != d[i].allow ||
		    e.code != (int)d[i].code || strcmp(e.rule.p,
		    d[i].rule) != 0 || strcmp(e.detail.p, d[i].detail) != 0 ||
		    memcmp(e.policy, digest, AL_HASH_LEN) != 0)
			goto done;
		i++;
	}
	ok = rc == 0 && i == n;
done:
	al_iter_close(it);
	return ok;
}

static void
test_prep_policy(const char *tmp)
{
	struct al_access	a[PC_N];
	struct al_decision	d1[PC_N], d2[PC_N], d3[PC_N], w[PC_N];
	const char		*deftext;
	uint64_t		tb = 1795946400000000000ULL, tp = tb;
	uint64_t		n = 0, seq = 0;
	al_log			*lb, *lp;
	al_prep			*p1 = NULL, *p2 = NULL;
	size_t			i, deflen;
	int			rc, ok;

	lb = prep_log(tmp, "policy-batch", 0, fixed_clock, &tb);
	lp = prep_log(tmp, "policy-prep", 0, fixed_clock, &tp);
	if (lb == NULL || lp == NULL)
		goto done;
	deftext = al_default_policy(&deflen);
	for (i = 0; i < PC_N; i++)
		a[i] = pchange[i].a;
	for (ok = 1, i = 0; i < PC_N; i++)
		if (al_check(lp, &a[i], &w[i]) != 0)
			ok = 0;
	check(ok && pc_want(w, 1), "%zu accesses as default.policy decides "
	    "them", PC_N);

	/* p1 prepared before the change; p2 made before, filled after. */
	rc = al_prep_new(lp, &p1);
	if (rc == 0)
		rc = al_prep_new(lp, &p2);
	for (i = 0; i < PC_N && rc == 0; i++)
		rc = al_prep_add(p1, &a[i]);
	if (rc == 0)
		rc = al_policy_set(lp, "p2.policy", p2_text,
		    sizeof(p2_text) - 1, "tester", NULL, &seq);
	for (i = 0; i < PC_N && rc == 0; i++)
		rc = al_prep_add(p2, &a[i]);
	if (rc == 0 && (rc = al_record_prep(lp, p1, d1)) == 0)
		rc = al_record_prep(lp, p2, d2);
	check(rc == 0 && seq == 4, "prepared under default.policy, p2.policy "
	    "set (proposed at 3, in force at 4), then committed: %s",
	    rc ? al_errmsg(lp) : "recorded");
	check(rc == 0 && pc_want(d1, 2) && d1[0].seq == 5,
	    "...decided as p2.policy decides");
	check(rc == 0 && pc_want(d2, 2) && d2[0].seq == 5 + PC_N,
	    "...and the batch made before the change, filled after it, "
	    "committed after the first, too");
	check(rc == 0 && entries_say(lp, d1[0].seq, d1, PC_N) &&
	    entries_say(lp, d2[0].seq, d2, PC_N), "...their entries hold "
	    "those decisions and p2.policy's digest");

	/* Back: prepared under p2.policy, committed under default.policy. */
	al_prep_reset(p1);
	for (i = 0, rc = 0; i < PC_N && rc == 0; i++)
		rc = al_prep_add(p1, &a[i]);
	if (rc == 0)
		rc = al_policy_set(lp, "default.policy", deftext, deflen,
		    "tester", NULL, &seq);
	if (rc == 0)
		rc = al_record_prep(lp, p1, d3);
	check(rc == 0 && pc_want(d3, 1) && entries_say(lp, d3[0].seq, d3,
	    PC_N), "prepared under p2.policy, committed under "
	    "default.policy: decided and recorded as default.policy decides");
	check(verify_clean(lp), "...and verify finds no problem");

	/* The same steps on another log, by batch: the same chain. */
	rc = al_policy_set(lb, "p2.policy", p2_text, sizeof(p2_text) - 1,
	    "tester", NULL, &seq);
	if (rc == 0 && (rc = al_record_batch(lb, a, PC_N, w)) == 0)
		ok = dec_same(d1, w, PC_N);
	if (rc == 0 && (rc = al_record_batch(lb, a, PC_N, w)) == 0)
		ok = ok && dec_same(d2, w, PC_N);
	if (rc == 0)
		rc = al_policy_set(lb, "default.policy", deftext, deflen,
		    "tester", NULL, &seq);
	if (rc == 0 && (rc = al_record_batch(lb, a, PC_N, w)) == 0)
		ok = ok && dec_same(d3, w, PC_N);
	check(rc == 0 && ok, "al_record_batch after the same policy changes: "
	    "the same decisions, detail and seq");
	ok = rc == 0 && logs_same(lb, lp, &n);
	check(ok && n == 6 + 3 * PC_N, "...the same entries and the same "
	    "head (%llu entries)", (unsigned long long)n);
done:
	al_prep_free(p1);
	al_prep_free(p2);
	al_close(lb);
	al_close(lp);
}

/*
 * Another handle (another process: LMDB allows one per process) appends
 * and changes the policy between the preparing and the commit.
 */
static const char	*argv0;

/*
 * The other process of test_prep_fork: 5 entries, p2.policy (a proposal
 * and its activation), 2 more.
 */
static int
prep_fork_child(const char *dir)
{
	struct al_access	a[PC_N];
	struct al_decision	w[PC_N];
	uint64_t		seq;
	al_log			*c = NULL;
	size_t			i;
	int			rc;

	for (i = 0; i < PC_N; i++)
		a[i] = pchange[i].a;
	rc = al_open(dir, 0, &c);
	if (rc == 0)
		rc = al_record_batch(c, a, 5, w);
	if (rc == 0)
		rc = al_policy_set(c, "p2.policy", p2_text,
		    sizeof(p2_text) - 1, "child", NULL, &seq);
	if (rc == 0)
		rc = al_record_batch(c, a, 2, w);
	if (rc != 0)
		printf("# child: %s\n", al_errmsg(c));
	al_close(c);
	return rc != 0;
}

static void
test_prep_fork(const char *tmp)
{
	struct al_access	a[PC_N];
	struct al_decision	d[PC_N];
	char			dir[512];
	uint8_t			hash[AL_HASH_LEN];
	uint64_t		before, mid = 0;
	al_log			*l;
	al_prep			*p = NULL;
	pid_t			pid;
	size_t			i;
	int			rc, status, ok = 1;

	snprintf(dir, sizeof(dir), "%s/fork", tmp);
	if ((l = prep_log(tmp, "fork", 0, NULL, NULL)) == NULL)
		return;
	for (i = 0; i < PC_N; i++)
		a[i] = pchange[i].a;
	rc = al_record_batch(l, a, PC_N, d);
	if (rc == 0 && (rc = al_prep_new(l, &p)) == 0)
		for (i = 0; i < PC_N && rc == 0; i++)
			rc = al_prep_add(p, &a[i]);
	if (rc != 0 || al_head(l, &before, hash) != 0) {
		check(0, "prepare: %s", al_errmsg(l));
		goto done;
	}
	fflush(stdout);
	if ((pid = fork()) == -1) {
		check(0, "fork failed");
		goto done;
	}
	if (pid == 0) {
		/* A fresh process of this program: nothing of the parent's
		 * (its handle, its heap) goes with it, and valgrind, which
		 * does not follow an exec, has nothing to count there. */
		execl(argv0, argv0, "--prep-fork-child", dir, (char *)NULL);
		_exit(127);
	}
	status = -1;
	while (waitpid(pid, &status, 0) == -1)
		;
	if (al_head(l, &mid, hash) != 0)
		mid = 0;
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    mid == before + 9,
	    "another process appended 9 entries (a policy change among them, "
	    "proposed and activated) meanwhile: head %llu",
	    (unsigned long long)mid);
	rc = al_record_prep(l, p, d);
	for (i = 0; i < PC_N && rc == 0; i++)
		if (d[i].seq != mid + 1 + i)
			ok = 0;
	check(rc == 0 && ok, "the commit chains after them: seqs %llu to "
	    "%llu (%s)", (unsigned long long)mid + 1,
	    (unsigned long long)mid + PC_N, rc ? al_errmsg(l) : "recorded");
	check(rc == 0 && pc_want(d, 2) && entries_say(l, mid + 1, d, PC_N),
	    "...decided and recorded under the policy the other process set");
	check(verify_clean(l), "...and verify finds no problem");
done:
	al_prep_free(p);
	al_close(l);
}

/* An invalid access is refused as al_validate refuses it, and not added. */
static void
test_prep_invalid(const char *tmp)
{
	static char		 longname[AL_MAX_NAME + 2];
	static char		 maxname[AL_MAX_NAME + 1];
	static char		 longtext[AL_MAX_TEXT + 2];
	static char		 longword[AL_MAX_WORD + 2];
	struct al_access	 ok, bad[9];
	struct al_decision	 d[16];
	struct al_filter	 f;
	struct al_entry		 e;
	char			 msg[AL_ERRLEN], cust[16][8];
	uint64_t		 t = 1795946400000000000ULL;
	al_log			*l;
	al_prep			*p = NULL;
	al_iter			*it = NULL;
	size_t			 i, ng = 0;
	size_t			 nb = sizeof(bad) / sizeof(bad[0]);
	int			 rc, rv, same = 1, kept = 1;

	if ((l = prep_log(tmp, "invalid", 0, fixed_clock, &t)) == NULL)
		return;
	memset(longname, 'n', AL_MAX_NAME + 1);
	memset(maxname, 'm', AL_MAX_NAME);
	memcpy(maxname, "svc:", 4);	/* a service: allowed */
	memset(longtext, 't', AL_MAX_TEXT + 1);
	memset(longword, 'w', AL_MAX_WORD + 1);
	memset(&ok, 0, sizeof(ok));
	ok.actor = maxname;	/* the longest there may be */
	ok.customer = "acme";
	ok.purpose = "service-provision";
	ok.action = "read";
	for (i = 0; i < nb; i++)
		bad[i] = ok;
	bad[0].actor = NULL;
	bad[1].customer = "";
	bad[2].customer = NULL;
	bad[3].reason = "line\nbreak";
	bad[4].resource = "\x1b[2J";
	bad[5].actor = longname;
	bad[6].resource = longtext;
	bad[7].purpose = longword;
	bad[8].ref = "\xff";
	if ((rc = al_prep_new(l, &p)) != 0) {
		check(0, "al_prep_new: %s", al_errmsg(l));
		goto done;
	}
	for (i = 0; i < nb; i++) {
		snprintf(cust[ng], sizeof(cust[ng]), "k%zu", ng);
		ok.customer = cust[ng];
		if (al_prep_add(p, &ok) != 0 || al_prep_count(p) != ++ng)
			kept = 0;
		rv = al_validate(l, &bad[i]);
		snprintf(msg, sizeof(msg), "%s", al_errmsg(l));
		rc = al_prep_add(p, &bad[i]);
		if (rv != AL_EINVAL || rc != AL_EINVAL ||
		    strcmp(al_prep_errmsg(p), msg) != 0 ||
		    al_prep_count(p) != ng) {
			printf("# case %zu: %d '%s', al_validate %d '%s'\n",
			    i, rc, al_prep_errmsg(p), rv, msg);
			same = 0;
		}
	}
	check(same, "al_prep_add refuses %zu invalid accesses with "
	    "AL_EINVAL and al_validate's message, adding none", nb);
	rc = al_record_prep(l, p, d);
	check(rc == 0 && kept && al_prep_count(p) == ng && d[0].seq == 3 &&
	    d[ng - 1].seq == ng + 2, "the %zu valid ones around them are kept "
	    "and recorded", ng);
	memset(&f, 0, sizeof(f));
	i = 0;
	if (rc == 0 && al_iter_open(l, &f, &it) == 0)
		while (al_iter_next(it, &e) == 1)
			if (e.kind == AL_KIND_ACCESS && (i >= ng ||
			    strcmp(e.customer.p, cust[i++]) != 0 ||
			    e.actor.n != AL_MAX_NAME || !e.allow))
				i = ng + 1;
	al_iter_close(it);
	check(i == ng && verify_clean(l), "...in order, nothing else");
done:
	al_prep_free(p);
	al_close(l);
}

/* Counting, resetting, an empty batch, a batch used again. */
static void
test_prep_reuse(const char *tmp)
{
	struct al_access	a[4];
	struct al_decision	d[4];
	struct al_entry		e;
	uint8_t			h0[AL_HASH_LEN], h1[AL_HASH_LEN];
	uint64_t		t = 1795946400000000000ULL, s0, s1;
	al_log			*l;
	al_prep			*p = NULL;
	al_iter			*it = NULL;
	size_t			i;
	int			rc, good;

	if ((l = prep_log(tmp, "reuse", 0, fixed_clock, &t)) == NULL)
		return;
	memset(a, 0, sizeof(a));
	for (i = 0; i < 4; i++) {
		a[i].actor = "svc:billing";
		a[i].customer = i < 3 ? "first" : "second";
		a[i].purpose = "service-provision";
		a[i].action = i == 1 ? "sell" : "read";
	}
	if ((rc = al_prep_new(l, &p)) != 0 || al_head(l, &s0, h0) != 0) {
		check(0, "al_prep_new: %s", al_errmsg(l));
		goto done;
	}
	memset(d, 0xff, sizeof(d));
	rc = al_record_prep(l, p, d);
	check(rc == 0 && al_prep_count(p) == 0 && al_head(l, &s1, h1) == 0 &&
	    s1 == s0 && memcmp(h0, h1, AL_HASH_LEN) == 0 &&
	    d[0].seq == UINT64_MAX, "an empty batch records nothing and "
	    "returns 0");
	for (i = 0; i < 3; i++)
		al_prep_add(p, &a[i]);
	good = al_prep_count(p) == 3;
	al_prep_reset(p);
	check(good && al_prep_count(p) == 0 && al_record_prep(l, p, d) == 0 &&
	    al_head(l, &s1, h1) == 0 && s1 == s0, "al_prep_count counts, "
	    "al_prep_reset empties: then nothing is recorded");
	for (i = 0; i < 3; i++)
		al_prep_add(p, &a[i]);
	rc = al_record_prep(l, p, d);
	check(rc == 0 && d[0].seq == 3 && d[2].seq == 5 && d[0].allow &&
	    !d[1].allow && al_prep_count(p) == 3, "a batch of 3: seqs 3 to 5");
	/* The header: a committed batch stays as it is until reset. */
	rc = al_record_prep(l, p, d);
	check(rc == 0 && d[0].seq == 6 && d[2].seq == 8 && !d[1].allow,
	    "committed again without a reset: the same 3 again, seqs 6 to 8");
	al_prep_reset(p);
	rc = al_prep_add(p, &a[3]);
	if (rc == 0)
		rc = al_record_prep(l, p, d);
	check(rc == 0 && d[0].seq == 9 && d[0].allow &&
	    al_head(l, &s1, h1) == 0 && s1 == 9 &&
	    al_iter_open_reverse(l, NULL, &it) == 0 &&
	    al_iter_next(it, &e) == 1 && e.seq == 9 &&
	    strcmp(e.customer.p, "second") == 0 &&
	    al_iter_next(it, &e) == 1 && e.seq == 8 &&
	    strcmp(e.customer.p, "first") == 0,
	    "reset after a commit, the batch is used again: only the new "
	    "access, seq 9");
	al_iter_close(it);
	it = NULL;
	/* An attested identity replaces the handle's, and only it. */
	al_prep_reset(p);
	{
		struct al_ident o;

		memset(&o, 0, sizeof(o));
		o.pid = 424242;
		o.uid = 54321;
		o.gid = 4242;
		o.attested = 1;
		(void)strcpy(o.user, "svc-x");
		o.ngroups = 2;
		o.gids[0] = 7;
		o.gids[1] = 4242;
		(void)strcpy(o.gname[1], "svcs");
		rc = al_prep_add_as(p, &a[3], &o);
		if (rc == 0)
			rc = al_prep_add(p, &a[3]);
		if (rc == 0)
			rc = al_record_prep(l, p, d);
		check(rc == 0 && d[0].seq == 10 && d[1].seq == 11 &&
		    al_iter_open_reverse(l, NULL, &it) == 0 &&
		    al_iter_next(it, &e) == 1 && e.seq == 11 &&
		    e.pid == (uint32_t)getpid() && e.uid == (uint32_t)getuid() &&
		    e.version == 3 && e.attested == 0 &&
		    e.gid == (uint32_t)getgid() &&
		    al_iter_next(it, &e) == 1 && e.seq == 10 &&
		    e.pid == 424242 && e.uid == 54321 && e.gid == 4242 &&
		    e.version == 3 && e.attested == 1 &&
		    strcmp(e.user.p, "svc-x") == 0 && e.ngroups == 2 &&
		    e.gids[0] == 7 && e.gname[0].n == 0 &&
		    e.gids[1] == 4242 && strcmp(e.gname[1].p, "svcs") == 0 &&
		    strcmp(e.customer.p, "second") == 0,
		    "al_prep_add_as records the origin it is given; "
		    "al_prep_add the handle's own");
	}
	al_iter_close(it);
	check(verify_clean(l), "...and verify finds no problem");
done:
	al_prep_free(p);
	al_close(l);
}

/* A batch is for its handle; a read-only handle makes none. */
static void
test_prep_handles(const char *tmp)
{
	struct al_access	a;
	struct al_decision	d;
	char			dir[512];
	uint8_t			ha[AL_HASH_LEN], hb[AL_HASH_LEN];
	uint8_t			ha2[AL_HASH_LEN], hb2[AL_HASH_LEN];
	uint64_t		sa, sb, sa2, sb2;
	al_log			*la, *lb;
	al_prep			*p = NULL;
	int			rc;

	la = prep_log(tmp, "handle-a", 0, NULL, NULL);
	lb = prep_log(tmp, "handle-b", 0, NULL, NULL);
	if (la == NULL || lb == NULL)
		goto done;
	memset(&a, 0, sizeof(a));
	a.actor = "svc:billing";
	a.customer = "acme";
	a.purpose = "service-provision";
	a.action = "read";
	if (al_prep_new(la, &p) != 0 || al_prep_add(p, &a) != 0 ||
	    al_head(la, &sa, ha) != 0 || al_head(lb, &sb, hb) != 0) {
		check(0, "prepare: %s", al_errmsg(la));
		goto done;
	}
	rc = al_record_prep(lb, p, &d);
	check(rc == AL_EINVAL && strstr(al_errmsg(lb), "another log handle") &&
	    al_head(la, &sa2, ha2) == 0 && al_head(lb, &sb2, hb2) == 0 &&
	    sa2 == sa && sb2 == sb && memcmp(ha, ha2, AL_HASH_LEN) == 0 &&
	    memcmp(hb, hb2, AL_HASH_LEN) == 0, "a batch committed to another "
	    "handle is AL_EINVAL, and neither log changes: %s",
	    al_errmsg(lb));
	rc = al_record_prep(la, p, &d);
	check(rc == 0 && d.seq == 3, "...to its own, it is recorded");
	al_prep_free(p);
	p = NULL;
	al_close(la);
	snprintf(dir, sizeof(dir), "%s/handle-a", tmp);
	la = NULL;
	rc = al_open(dir, AL_RDONLY, &la);
	if (rc == 0)
		rc = al_prep_new(la, &p);
	check(rc == AL_EINVAL && p == NULL && strstr(al_errmsg(la),
	    "read-only"), "al_prep_new on a read-only handle is AL_EINVAL: "
	    "%s", al_errmsg(la));
done:
	al_prep_free(p);
	al_close(la);
	al_close(lb);
}

/*
 * A batch past the map: write_txn aborts at MDB_MAP_FULL, grows the map
 * and runs the commit again, which places every entry again (and, after
 * a policy change, decides them again only the first time).
 */
#define MF_N	300

static void
test_prep_mapfull(const char *tmp)
{
	struct al_access	*a;
	struct al_decision	*db, *dp;
	struct stat		 st;
	char			 path[600];
	uint64_t		 tb = 1795946400000000000ULL, tp = tb, n, seq;
	al_log			*lb = NULL, *lp = NULL;
	size_t			 i;
	int			 rb, rp, seqs = 1, grew;

	memset(&st, 0, sizeof(st));
	a = calloc(MF_N, sizeof(*a));
	db = calloc(MF_N, sizeof(*db));
	dp = calloc(MF_N, sizeof(*dp));
	if (a == NULL || db == NULL || dp == NULL) {
		check(0, "out of memory");
		goto done;
	}
	lb = prep_log(tmp, "mapfull-batch", 64 * 1024, const_clock, &tb);
	lp = prep_log(tmp, "mapfull-prep", 64 * 1024, const_clock, &tp);
	if (lb == NULL || lp == NULL)
		goto done;
	prep_mix(a, MF_N);
	for (i = 0; i < MF_N; i++)
		a[i].reason = long_text;
	rb = al_record_batch(lb, a, MF_N, db);
	rp = prep_all(lp, a, MF_N, dp);
	snprintf(path, sizeof(path), "%s/mapfull-prep/data.mdb", tmp);
	grew = stat(path, &st) == 0 && st.st_size > 64 * 1024;
	for (i = 0; i < MF_N; i++)
		if (dp[i].seq != i + 3)
			seqs = 0;
	check(rp == 0 && grew && seqs, "%d accesses of 1 KiB past a 64 KiB "
	    "map, prepared: seqs 3 to %d, the file now %lld bytes (%s)",
	    MF_N, MF_N + 2, (long long)st.st_size, rp ? al_errmsg(lp) :
	    "recorded");
	check(rb == 0 && dec_same(dp, db, MF_N) && logs_same(lb, lp, &n),
	    "...the decisions, entries and head al_record_batch makes");

	/* Again, with a policy change between the preparing and the commit. */
	prep_mix(a, MF_N);
	for (i = 0; i < MF_N; i++)
		a[i].resource = long_text;
	{
		al_prep	*p = NULL;

		rp = al_prep_new(lp, &p);
		for (i = 0; i < MF_N && rp == 0; i++)
			rp = al_prep_add(p, &a[i]);
		if (rp == 0)
			rp = al_policy_set(lp, "p2.policy", p2_text,
			    sizeof(p2_text) - 1, "tester", NULL, &seq);
		if (rp == 0)
			rp = al_record_prep(lp, p, dp);
		al_prep_free(p);
	}
	rb = al_policy_set(lb, "p2.policy", p2_text, sizeof(p2_text) - 1,
	    "tester", NULL, &seq);
	if (rb == 0)
		rb = al_record_batch(lb, a, MF_N, db);
	for (seqs = 1, i = 0; i < MF_N; i++)
		if (dp[i].seq != MF_N + 5 + i)
			seqs = 0;
	check(rp == 0 && seqs, "...then %d more past the map, the policy "
	    "changed meanwhile (proposed and activated): seqs %d to %d (%s)",
	    MF_N, MF_N + 5, 2 * MF_N + 4, rp ? al_errmsg(lp) : "recorded");
	check(rb == 0 && dec_same(dp, db, MF_N) && logs_same(lb, lp, &n) &&
	    n == 2 * MF_N + 4, "...the decisions, entries and head "
	    "al_record_batch makes under the new policy");
	check(verify_clean(lp), "...and verify finds no problem");
done:
	al_close(lb);
	al_close(lp);
	free(a);
	free(db);
	free(dp);
}

/*
 * The CSV formula guard (OWASP): a cell that starts with =, +, -, @, a tab
 * or a CR gets a leading apostrophe, so that no spreadsheet runs it; tab
 * and CR cannot be recorded, but a bundle's entries come from anywhere.
 */
static void
test_csv_guard(void)
{
	static const char *const cell[] = { "=1+1", "+1", "-1", "@SUM(A1)",
	    "\tx", "\rx", "x=1" };
	static const char *const want[] = { ",'=1+1,", ",'+1,", ",'-1,",
	    ",'@SUM(A1),", ",'\tx,", ",\"'\rx\",", ",x=1," };
	struct al_entry	e;
	struct buf	b = { 0 };
	size_t		i;

	for (i = 0; i < sizeof(cell) / sizeof(cell[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.kind = AL_KIND_ACCESS;
		e.seq = 2;
		e.allow = 1;
		e.actor.p = e.customer.p = e.purpose.p = e.action.p = "a";
		e.actor.n = e.customer.n = e.purpose.n = e.action.n = 1;
		e.data = e.resource = e.ref = e.rule = e.detail =
		    e.service = e.host = e.customer;
		e.reason.p = cell[i];
		e.reason.n = strlen(cell[i]);
		b.n = 0;
		check(csv_row(&b, &e, BUNDLE_FORMAT) == 0 && buf_add(&b, "", 1) == 0 &&
		    strstr((char *)b.p, want[i]) != NULL,
		    "csv_row: reason %zu is written %s", i, i == 6 ?
		    "as it is (no leading formula character)" :
		    "after an apostrophe");
	}
	buf_free(&b);
}

/*
 * The fast reading of entries.jsonl (bundle_line.c): a line in the tool's
 * own form is decoded to the entry it was made from, strings with every
 * escape entry_json() writes included; a line in any other form, valid
 * JSON or not, is left to the JSON parser (1), never read another way.
 */
static void
test_line_entry(void)
{
	static const char *const other[] = {
		"{\"version\":1, \"seq\":",	/* a space */
		"{\"seq\":7,\"version\":1,",	/* another order */
		"{\"version\":1,\"seq\":07,",	/* a leading zero */
		"{\"version\":1,\"seq\":9223372036854775808,",	/* > 2^63-1 */
	};
	struct al_entry	 e, d;
	struct buf	 b = { 0 }, dec = { 0 }, re = { 0 }, line = { 0 };
	const char	*tail;
	size_t		 i;
	int		 rc;

	memset(&e, 0, sizeof(e));
	e.kind = AL_KIND_ACCESS;
	e.seq = 7;
	e.time_ns = 1764547200123456789ULL;
	e.allow = 0;
	e.code = AL_ALLOWED + 1;
	e.actor.p = "al\"i\\ce\n\t\r\x01\x7f\xc2\x85\xe2\x80\xa8 \xc3\xa9";
	e.actor.n = strlen(e.actor.p);
	e.customer.p = "acme";
	e.customer.n = 4;
	e.purpose = e.action = e.data = e.resource = e.ref = e.reason =
	    e.rule = e.detail = e.service = e.host = e.customer;
	e.ref.p = "";
	e.ref.n = 0;
	e.pid = UINT32_MAX;
	e.uid = 0;
	memset(e.prev, 0xab, AL_HASH_LEN);
	memset(e.hash, 0x5c, AL_HASH_LEN);
	memset(e.policy, 0x01, AL_HASH_LEN);
	check(entry_json(&b, &e) == 0, "line_entry: a line made");
	rc = line_entry((char *)b.p, b.n - 1, &dec, &re, &d);
	check(rc == 0 && d.seq == e.seq && d.time_ns == e.time_ns &&
	    d.kind == e.kind && d.allow == 0 && d.code == e.code &&
	    d.pid == e.pid && d.actor.n == e.actor.n &&
	    memcmp(d.actor.p, e.actor.p, e.actor.n) == 0 &&
	    d.actor.p[d.actor.n] == '\0' && d.ref.n == 0 &&
	    memcmp(d.prev, e.prev, AL_HASH_LEN) == 0 &&
	    memcmp(d.hash, e.hash, AL_HASH_LEN) == 0 &&
	    memcmp(d.policy, e.policy, AL_HASH_LEN) == 0,
	    "line_entry: the tool's own line is read as its entry");
	/* The same line with its start in another form. */
	tail = strstr((char *)b.p, "\"time\"");
	for (i = 0; tail != NULL && i < sizeof(other) / sizeof(other[0]);
	    i++) {
		line.n = 0;
		check(buf_printf(&line, "%s%s", other[i], tail) == 0 &&
		    line_entry((char *)line.p, line.n - 1, &dec, &re, &d) == 1,
		    "line_entry: another form %zu goes to the parser", i);
	}
	/* An escape the tool does not write, for a character it writes. */
	line.n = 0;
	tail = strstr((char *)b.p, "\"acme\"");
	check(tail != NULL && buf_add(&line, b.p, (size_t)(tail -
	    (char *)b.p)) == 0 && buf_add(&line, "\"\\u0061cme\"", 11) == 0 &&
	    buf_add(&line, tail + 6, b.n - 1 - (size_t)(tail + 6 -
	    (char *)b.p)) == 0 && line_entry((char *)line.p, line.n, &dec,
	    &re, &d) == 1,
	    "line_entry: an escape the tool does not write goes to the parser");
	buf_free(&b);
	buf_free(&dec);
	buf_free(&re);
	buf_free(&line);
}

static void
tar_limit_bad(void *arg, const char *msg)
{
	if (snprintf(arg, 256, "%s", msg) >= 256)
		((char *)arg)[0] = '\0';
}

/*
 * The bundle reader's cap on the bytes a bundle inflates to (16 GiB,
 * FORMAT.md 13.1), lowered to 8192 here: the reading stops past it, with
 * the cap's own message, and a stream of exactly the cap is read whole.
 */
static void
test_tar_limits(const char *tmp)
{
	struct tar_in	t;
	char		path[256], why[256], err[256];
	uint8_t		b[4096];
	gzFile		g;
	uint64_t	max;
	ssize_t		r;
	int		fd, i;

	for (max = 8192; max <= 16384; max += 8192) {
		why[0] = '\0';
		if (snprintf(path, sizeof(path), "%s/limit.gz", tmp) >=
		    (int)sizeof(path) || (g = gzopen(path, "wb")) == NULL) {
			check(0, "tar limits: cannot write %s", path);
			return;
		}
		memset(b, 'x', sizeof(b));
		for (i = 0; i < 4; i++)
			(void)gzwrite(g, b, sizeof(b));
		if (gzclose(g) != Z_OK || (fd = open(path, O_RDONLY)) == -1 ||
		    tar_open(&t, fd, err, sizeof(err), tar_limit_bad,
		    why) != 0) {
			check(0, "tar limits: cannot read %s", path);
			return;
		}
		t.max_bytes = max;
		while ((r = tar_read(&t, b, 1000)) == 1000)
			;
		if (max < 16384)
			check(r == -1 && strcmp(why, "the archive inflates to "
			    "more than 8192 bytes, the most a bundle may hold")
			    == 0, "bundle reader: 16384 bytes past a cap of "
			    "8192 are refused, the cap named (%s)", why);
		else
			check(r == 384 && t.out == 16384 && why[0] == '\0',
			    "bundle reader: 16384 bytes at a cap of 16384 are "
			    "read whole (%s)", why);
		tar_close(&t);
		close(fd);
	}
}

int
main(int argc, char **argv)
{
	char	tmp[] = "/tmp/auditlog-unit.XXXXXX";
	char	cmd[64];

	argv0 = argv[0];
	if (argc == 3 && strcmp(argv[1], "--prep-fork-child") == 0)
		return prep_fork_child(argv[2]);
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_utf8();
	test_scripts();
	test_utf8_fast();
	test_time();
	test_entry();
	test_entry_v3();
	test_policy_errors();
	test_default_policy();
	test_policy_purposes();
	test_poldiff();
	test_follows();
	test_writer_rules();
	test_ident_cache();
	test_admin_rules();
	test_floor_language();
	test_floor_eval();
	test_floor_check();
	test_library(tmp);
	test_periods(tmp);
	test_wrong_clock(tmp);
	test_customer_blocks(tmp);
	test_prep_same(tmp);
	test_prep_policy(tmp);
	test_prep_fork(tmp);
	test_prep_invalid(tmp);
	test_prep_reuse(tmp);
	test_prep_handles(tmp);
	test_prep_mapfull(tmp);
	test_tar_limits(tmp);
	test_csv_guard();
	test_line_entry();
	if (snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp) < (int)sizeof(cmd))
		(void)system(cmd);
	printf("1..%d\n", ntests);
	return nfailed != 0;
}
