/* unit.c - unit tests of libauditlog: text checks, times, encoding, policy */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "al_int.h"
#include "tap.h"

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
	b.p[0] = 3;
	check(entry_decode(b.p, n, &d, &store, &cap, why, sizeof(why)) != 0 &&
	    strstr(why, "version"), "an unknown version is refused: %s", why);
	b.p[0] = 2;	/* the newest entry encoding */
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
		    "'allow' or 'deny', found 'bogus'" },
		{ "purpose p\n", "t.policy:1:1: purpose needs a name and a "
		    "description" },
		{ "purpose p \"d\"\npurpose p \"e\"\n", "t.policy:2:9: purpose "
		    "'p' declared twice" },
		{ "purpose p \"d\" ref \"(\"\n", "t.policy:1:19: a '(' "
		    "without its ')' in a ref pattern" },
		{ "purpose p \"d\" ref \"a**+\"\n", NULL },
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
	/* Entry 1 too: on the real clock, it was later than the times
	 * injected below once the real clock passed them. */
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
		if (al_record(l, &a, &d) != 0 || d.seq != (uint64_t)i + 2 ||
		    d.allow != (i % 10 != 0))
			ok = 0;
	}
	check(ok, "3000 records past a 64 KiB map, seqs 2..3001: %s",
	    ok ? "yes" : al_errmsg(l));

	/* Invalid input records nothing. */
	check(al_head(l, &seq, hash) == 0 && seq == 3001, "head is 3001");
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
	    al_iter_next(it, &e) == 1 && e.seq == 3002 &&
	    e.time_ns == 1795946400000100007ULL,
	    "the entry carries the injected time");
	al_iter_close(it);
	t = 1000;	/* the clock steps back */
	rc = al_record(l, &a, &d);
	check(rc == 0 && al_iter_open_reverse(l, NULL, &it) == 0 &&
	    al_iter_next(it, &e) == 1 && e.seq == 3003 &&
	    e.time_ns == 1795946400000100007ULL,
	    "a clock stepping back: the entry takes the time before it");
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
	rc = al_verify(l, &vo, &s);
	check(rc == 0 && s.problems == 0 && s.entries == 3503 &&
	    s.accesses == 3502 && s.denied == 400 && s.policies == 1,
	    "verify: %llu entries, %llu problems",
	    (unsigned long long)s.entries, (unsigned long long)s.problems);
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

/* --since/--until find their seqs by bisection: exact at the edges. */
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
	for (i = 0; i < 100; i++)	/* times 2000, 3000, ...: init took 1000 */
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
	    "a period by bisection: %d entries, %llu to %llu", n,
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

/*
 * The customer index is kept in blocks of 4096 seqs: a customer's entries
 * by the iterator, both ways, over every kind of seq and time range, are
 * exactly those a plain scan finds.
 */
#define CB_N	(3 * 4096 + 700)	/* accesses: seqs 2 to CB_N + 1 */

static const char *
cb_customer(uint64_t seq)
{
	static const char *const cyc[] = { "c0", "c1", "c2", "c3", "c4",
	    "c5", "c6" };

	if (seq == 4095 || seq == 4096 || seq == 8191 || seq == 8192 ||
	    seq == 12287 || seq == 12288)
		return "edge";		/* last and first of blocks */
	if (seq == 7 || seq == 9000 || seq == 9001 || seq == CB_N + 1)
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
	for (seq = 2; seq <= CB_N + 1 && rc == 0; seq += k) {
		for (k = 0; k < 1000 && seq + k <= CB_N + 1; k++) {
			a[k].actor = "svc:x";
			a[k].customer = cb_customer(seq + k);
			a[k].purpose = "service-provision";
			a[k].action = "read";
		}
		rc = al_record_batch(l, a, k, d);
	}
	check(rc == 0 && d[k - 1].seq == CB_N + 1, "%d accesses over 4 "
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
				for (nw = 0, seq = 2; seq <= CB_N + 1; seq++)
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

int
main(void)
{
	char	tmp[] = "/tmp/auditlog-unit.XXXXXX";
	char	cmd[64];

	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_utf8();
	test_utf8_fast();
	test_time();
	test_entry();
	test_policy_errors();
	test_default_policy();
	test_follows();
	test_library(tmp);
	test_periods(tmp);
	test_customer_blocks(tmp);
	if (snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp) < (int)sizeof(cmd))
		(void)system(cmd);
	printf("1..%d\n", ntests);
	return nfailed != 0;
}
