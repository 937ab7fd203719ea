/* bundle_check.c - check a bundle front to back, trusting nothing in it */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <jansson.h>

#include <bsd/string.h>

#include "al_int.h"
#include "bundle.h"

#define CHUNK		(64 * 1024)
#define MAX_MANIFEST	(16 * 1024 * 1024)
#define MAX_LINE	(8 * 1024 * 1024)	/* a policy entry's JSON line */
#define MAX_TAIL	(64 * 1024)
#define MAX_PROOF	((uint64_t)64 * 1024 * 1024)	/* 1.4M hashes */

struct want {			/* a member the manifest lists */
	char		name[128];
	uint64_t	size;
	uint8_t		sha[AL_HASH_LEN];
	int		seen;
};

struct bv {
	const struct al_bundle_opts *o;
	struct al_bundle_summary *s;
	struct tar_in	 t;		/* the tar.gz read */
	/* what the manifest says */
	json_t		*mj;
	int		 have_manifest;
	struct exp	 x;
	struct want	*w;
	size_t		 nw, next;	/* members in order */
	uint64_t	 m_entries, m_first, m_last;
	int		 m_empty;
	int		 complete;	/* no filters but the seq range */
	/* what the entries say */
	uint64_t	 seen_last;
	uint8_t		 last_hash[AL_HASH_LEN];
	int		 anchor_seen;
	SHA256_CTX	 csv_sha, den_sha;
	uint64_t	 csv_size, den_size;
	struct buf	 line, row, dec;
	struct line_pipe lp;		/* entries.jsonl's lines, checked */
	/* format 2: the tree head and the multi-leaf proof of the entries */
	int		 fmt;
	struct al_checkpoint cp;
	int		 have_cp, have_proof, tree_bad;
	uint8_t		(*ph)[AL_HASH_LEN];
	size_t		 nph, used;
	struct mt_multi	 mm;
	char		 origin[AL_ORIGIN_MAX];
};

static void
bad(struct bv *v, uint64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
bad(struct bv *v, uint64_t seq, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	v->s->problems++;
	if (v->o->problem == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	va_end(ap);
	v->o->problem(v->o->arg, seq, msg);
}

/* The problems the container's reader finds go the same way... */
static void
tar_problem(void *arg, const char *msg)
{
	struct bv	*v = arg;

	/* After the problems of the lines before it. */
	(void)line_sync(&v->lp);
	bad(v, 0, "%s", msg);
}

/* ...and so do those exp_entry() finds. */
static void
exp_problem(void *arg, uint64_t seq, const char *msg)
{
	bad(arg, seq, "%s", msg);
}

static int
hexfield(json_t *o, const char *key, uint8_t *out, size_t n)
{
	json_t	*j = json_object_get(o, key);

	return json_is_string(j) && al_unhex(json_string_value(j), out, n) == 0
	    ? 0 : -1;
}

static int
u64field(json_t *o, const char *key, uint64_t *out)
{
	json_t	*j = json_object_get(o, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(j);
	return 0;
}

static int
strfield(json_t *o, const char *key, struct al_str *s)
{
	json_t	*j = json_object_get(o, key);

	if (!json_is_string(j))
		return -1;
	s->p = json_string_value(j);
	s->n = json_string_length(j);
	return 0;
}

/* A time as the JSON form writes it, and only so. */
static int
timefield(json_t *o, const char *key, int frac, uint64_t *ns)
{
	json_t	*j = json_object_get(o, key);
	char	 t[40];

	if (!json_is_string(j) ||
	    al_parse_time(json_string_value(j), 0, ns) != 0 ||
	    al_format_time(*ns, frac, t, sizeof(t)) != 0 ||
	    strcmp(t, json_string_value(j)) != 0)
		return -1;
	return 0;
}

static int
keys_only(json_t *o, const char *const *keys)
{
	const char	*k;
	json_t		*val;
	size_t		 i;

	json_object_foreach(o, k, val) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return -1;
	}
	return 0;
}

static int
filters_from(struct bv *v, json_t *f)
{
	static const char *const keys[] = { "customer", "actor", "purpose",
	    "decision", "since", "until", "from_seq", "to_seq", NULL };
	struct al_filter	*sf = &v->x.shown;
	json_t			*j;

	if (!json_is_object(f) || keys_only(f, keys) != 0)
		return -1;
	if ((j = json_object_get(f, "customer")) != NULL &&
	    (sf->customer = json_string_value(j)) == NULL)
		return -1;
	if ((j = json_object_get(f, "actor")) != NULL &&
	    (sf->actor = json_string_value(j)) == NULL)
		return -1;
	if ((j = json_object_get(f, "purpose")) != NULL &&
	    (sf->purpose = json_string_value(j)) == NULL)
		return -1;
	if ((j = json_object_get(f, "decision")) != NULL) {
		if (!json_is_string(j))
			return -1;
		if (strcmp(json_string_value(j), "allow") == 0)
			sf->decision = 1;
		else if (strcmp(json_string_value(j), "deny") == 0)
			sf->decision = 2;
		else
			return -1;
	}
	if (json_object_get(f, "since") &&
	    timefield(f, "since", 1, &sf->since_ns) != 0)
		return -1;
	if (json_object_get(f, "until") &&
	    timefield(f, "until", 1, &sf->until_ns) != 0)
		return -1;
	if (json_object_get(f, "from_seq") &&
	    u64field(f, "from_seq", &sf->from_seq) != 0)
		return -1;
	if (json_object_get(f, "to_seq") &&
	    u64field(f, "to_seq", &sf->to_seq) != 0)
		return -1;
	v->complete = !sf->customer && !sf->actor && !sf->purpose &&
	    !sf->decision && !sf->since_ns && !sf->until_ns;
	return 0;
}

/*
 * The members the manifest lists, in the one order of 13.1: for format
 * 2 the checkpoint and the proof, the policies in the order of the
 * manifest's policies (a digest at its first seq), then entries.jsonl,
 * entries.csv and summary.txt, each there once.  Anything else is
 * refused: the archive is read in the manifest's order.
 */
static int
members_in_order(struct bv *v)
{
	static const char *const last[] = { "entries.jsonl", "entries.csv",
	    "summary.txt" };
	struct buf	  got = { 0 }, exp = { 0 };
	char		(*want)[128];
	size_t		  i, n = 0;
	int		  rc = 0, same;

	if ((want = calloc(v->x.npol + 6, sizeof(*want))) == NULL)
		return -2;
	if (v->fmt >= 2) {
		strlcpy(want[n++], "checkpoint", sizeof(*want));
		strlcpy(want[n++], "proof", sizeof(*want));
	}
	if (v->x.fl.seq != 0)
		floor_member(want[n++], sizeof(*want), v->x.fl.digest);
	for (i = 0; i < v->x.npol; i++)
		if (v->x.pol[i].first)
			policy_member(want[n++], sizeof(*want),
			    v->x.pol[i].e.digest);
	for (i = 0; i < sizeof(last) / sizeof(last[0]); i++)
		strlcpy(want[n++], last[i], sizeof(*want));
	same = n == v->nw;
	for (i = 0; same && i < n; i++)
		same = strcmp(want[i], v->w[i].name) == 0;
	if (same)
		goto done;
	for (i = 0; rc == 0 && i < v->nw; i++)
		if (buf_printf(&got, "%s%s", i ? ", " : "", v->w[i].name) != 0)
			rc = -2;
	for (i = 0; rc == 0 && i < n; i++)
		if (buf_printf(&exp, "%s%s", i ? ", " : "", want[i]) != 0)
			rc = -2;
	if (rc == 0) {
		bad(v, 0, "manifest.json: members lists %.480s, but a bundle "
		    "of these policies holds %.480s", got.n ? (char *)got.p :
		    "nothing", (char *)exp.p);
		rc = -1;
	}
done:
	buf_free(&exp);
	buf_free(&got);
	free(want);
	return rc;
}

/* The manifest: read whole (it is small), kept for the checks after it. */
static int
manifest(struct bv *v, json_t *m)
{
	static const char *const keys[] = { "format", "format_version",
	    "tool", "log_id", "created", "filters", "first_seq", "last_seq",
	    "entries", "head", "policies", "floor", "members", NULL };
	json_t		*j, *p, *h;
	struct xpol	*xp;
	size_t		 i, k;
	const char	*name;
	int		 rc;

	if (!json_is_object(m) || keys_only(m, keys) != 0 ||
	    !json_is_string(json_object_get(m, "format")) ||
	    strcmp(json_string_value(json_object_get(m, "format")),
	    "auditlog-bundle") != 0) {
		bad(v, 0, "manifest.json is not an auditlog bundle's manifest");
		return -1;
	}
	if (!json_is_integer(j = json_object_get(m, "format_version")) ||
	    json_integer_value(j) < 1 || json_integer_value(j) > 4) {
		bad(v, 0, "bundle format version is not 1, 2, 3 or 4");
		return -1;
	}
	v->fmt = (int)json_integer_value(j);
	v->x.nofloor = v->fmt < 4;
	/* entries.csv's header: format 4 has three more columns (13.3). */
	{
		const char	*hd;
		size_t		 n;

		hd = csv_header(v->fmt, &n);
		SHA256_Init(&v->csv_sha);
		SHA256_Update(&v->csv_sha, hd, n);
		v->csv_size = n;
	}
	/* Format 3's summary flags names that mix scripts (13.4). */
	v->x.mixed = v->fmt >= 3;
	h = json_object_get(m, "head");
	if (hexfield(m, "log_id", v->x.log_id, sizeof(v->x.log_id)) ||
	    timefield(m, "created", 0, &v->x.created_ns) ||
	    filters_from(v, json_object_get(m, "filters")) ||
	    u64field(m, "entries", &v->m_entries) || !json_is_object(h) ||
	    u64field(h, "seq", &v->x.head_seq) ||
	    hexfield(h, "hash", v->x.head_hash, AL_HASH_LEN)) {
		bad(v, 0, "manifest.json: a field is missing or malformed");
		return -1;
	}
	v->m_empty = json_is_null(json_object_get(m, "first_seq"));
	if (!v->m_empty && (u64field(m, "first_seq", &v->m_first) ||
	    u64field(m, "last_seq", &v->m_last))) {
		bad(v, 0, "manifest.json: first_seq or last_seq malformed");
		return -1;
	}
	v->s->head_seq = v->x.head_seq;
	memcpy(v->s->head_hash, v->x.head_hash, AL_HASH_LEN);
	p = json_object_get(m, "policies");
	if (!json_is_array(p) || json_array_size(p) > 100000) {
		bad(v, 0, "manifest.json: policies malformed");
		return -1;
	}
	if ((v->x.pol = calloc(json_array_size(p) + 1, sizeof(*xp))) == NULL)
		return -2;
	json_array_foreach(p, i, j) {
		xp = &v->x.pol[v->x.npol];
		if (!json_is_object(j) || u64field(j, "seq", &xp->e.seq) ||
		    strfield(j, "name", &xp->e.name) ||
		    hexfield(j, "digest", xp->e.digest, AL_HASH_LEN) ||
		    strfield(j, "actor", &xp->e.actor) ||
		    timefield(j, "time", 1, &xp->e.time_ns) ||
		    (v->x.npol && xp->e.seq <= xp[-1].e.seq)) {
			bad(v, 0, "manifest.json: policy %zu malformed or out "
			    "of order", i + 1);
			return -1;
		}
		xp->first = 1;
		for (k = 0; k < v->x.npol; k++)
			if (memcmp(v->x.pol[k].e.digest, xp->e.digest,
			    AL_HASH_LEN) == 0)
				xp->first = 0;
		v->x.npol++;
	}
	/* Format 4: the log's floor, or null for a log before format 6. */
	j = json_object_get(m, "floor");
	if ((v->fmt >= 4) != (j != NULL)) {
		bad(v, 0, "manifest.json: a bundle of format 4 names its floor "
		    "(or null), an older one none");
		return -1;
	}
	if (j != NULL && !json_is_null(j)) {
		uint64_t	ap;

		if (!json_is_object(j) || u64field(j, "seq", &v->x.fl.seq) ||
		    v->x.fl.seq == 0 || strfield(j, "name", &v->x.fl.name) ||
		    hexfield(j, "digest", v->x.fl.digest, AL_HASH_LEN) ||
		    u64field(j, "approvers", &ap) || ap < 1 || ap > 9) {
			bad(v, 0, "manifest.json: floor malformed");
			return -1;
		}
		v->x.fl.approvers = (unsigned)ap;
		v->x.fl.kind = AL_KIND_FLOOR;
	}
	j = json_object_get(m, "members");
	if (!json_is_array(j) || json_array_size(j) > 100004 ||
	    (v->w = calloc(json_array_size(j) + 1, sizeof(*v->w))) == NULL) {
		bad(v, 0, "manifest.json: members malformed");
		return -1;
	}
	json_array_foreach(j, i, h) {
		struct want	*w = &v->w[v->nw];

		if (!json_is_object(h) ||
		    (name = json_string_value(json_object_get(h,
		    "name"))) == NULL || !member_name_ok(name) ||
		    strcmp(name, "manifest.json") == 0 ||
		    u64field(h, "size", &w->size) ||
		    hexfield(h, "sha256", w->sha, AL_HASH_LEN)) {
			bad(v, 0, "manifest.json: member %zu malformed", i + 1);
			return -1;
		}
		strlcpy(w->name, name, sizeof(w->name));
		for (k = 0; k < v->nw; k++)
			if (strcmp(v->w[k].name, name) == 0) {
				bad(v, 0, "manifest.json lists %s twice",
				    name);
				return -1;
			}
		v->nw++;
	}
	/* Format 2: the tree head and the proof come first, as they must
	 * be held while the entries are read; format 1 has neither. */
	for (i = 0; i < v->nw; i++)
		if ((strcmp(v->w[i].name, "checkpoint") == 0 && (v->fmt < 2 ||
		    i != 0)) || (strcmp(v->w[i].name, "proof") == 0 &&
		    (v->fmt < 2 || i != 1))) {
			bad(v, 0, "manifest.json: %s is out of its place",
			    v->w[i].name);
			return -1;
		}
	if (v->fmt >= 2 && (v->nw < 2 || strcmp(v->w[0].name,
	    "checkpoint") != 0 || strcmp(v->w[1].name, "proof") != 0)) {
		bad(v, 0, "manifest.json: a bundle of format 2 starts with its "
		    "checkpoint and proof");
		return -1;
	}
	if ((rc = members_in_order(v)) != 0)
		return rc;
	{
		char	hex[33];

		al_hex(v->x.log_id, sizeof(v->x.log_id), hex);
		if (snprintf(v->origin, sizeof(v->origin), "auditlog/%s",
		    hex) < 0)
			return -2;
	}
	v->have_manifest = 1;
	return 0;
}

/* The bundle's tree head: this log's, of the manifest's head. */
static int
tree_checkpoint(struct bv *v, const uint8_t *p, size_t n)
{
	const struct al_checkpoint	*held = v->o->checkpoint;
	char				 why[256];
	int				 rc;

	if ((rc = al_checkpoint_parse((const char *)p, n, v->o->key, &v->cp,
	    why, sizeof(why))) != 0) {
		bad(v, 0, "checkpoint: %s", why);
		return 0;
	}
	if (strcmp(v->cp.origin, v->origin) != 0) {
		bad(v, 0, "checkpoint: it names another log than the "
		    "manifest's");
		return 0;
	}
	if (v->cp.size != v->x.head_seq) {
		bad(v, 0, "checkpoint: its size %" PRIu64 " is not the "
		    "manifest's head seq %" PRIu64, v->cp.size,
		    v->x.head_seq);
		return 0;
	}
	if (held != NULL && (strcmp(held->origin, v->cp.origin) != 0 ||
	    held->size != v->cp.size ||
	    memcmp(held->root, v->cp.root, AL_HASH_LEN) != 0)) {
		bad(v, 0, "checkpoint: the bundle is proven in the tree of "
		    "size %" PRIu64 ", not in the checkpoint you hold (size %"
		    PRIu64 "%s): ask for an export against it", v->cp.size,
		    held->size, strcmp(held->origin, v->cp.origin) != 0 ?
		    ", another log" : held->size == v->cp.size ?
		    ", another root" : "");
		return 0;
	}
	v->have_cp = 1;
	v->mm.size = v->cp.size;
	return 0;
}

/* The proof: one base64 hash a line. */
static int
tree_proof(struct bv *v, const uint8_t *p, size_t n)
{
	size_t	i;

	if (n % 45 != 0) {
		bad(v, 0, "proof: not lines of one base64 hash each");
		return 0;
	}
	if ((v->ph = calloc(n / 45 + 1, AL_HASH_LEN)) == NULL)
		return -2;
	for (i = 0; i < n / 45; i++)
		if (p[45 * i + 44] != '\n' || b64_hash((const char *)p +
		    45 * i, 44, v->ph[i]) != 0) {
			bad(v, 0, "proof: line %zu is not a base64 hash",
			    i + 1);
			return 0;
		}
	v->nph = n / 45;
	v->have_proof = 1;
	return 0;
}

static int
gap_node(void *arg, uint64_t lo, uint64_t hi)
{
	struct bv	*v = arg;

	if (v->used >= v->nph)
		return 1;
	return mt_multi_push(&v->mm, lo, hi, v->ph[v->used++]) == 0 ? 0 : 1;
}

/* Leaf seq - 1, after the proof's nodes for the gap before it. */
static void
tree_leaf(struct bv *v, uint64_t seq, const uint8_t *h)
{
	if (v->fmt < 2 || v->tree_bad)
		return;
	if (!v->have_cp || !v->have_proof) {
		v->tree_bad = 1;	/* reported with the member */
		return;
	}
	if (seq == 0 || seq > v->cp.size) {
		bad(v, seq, "is beyond the checkpoint's tree of %" PRIu64
		    " entries", v->cp.size);
		v->tree_bad = 1;
		return;
	}
	if (mt_cover(v->mm.next, seq - 1, v->cp.size, gap_node, v) != 0 ||
	    mt_multi_push(&v->mm, seq - 1, seq, h) != 0) {
		bad(v, seq, "the proof does not fit the entries: too few "
		    "hashes, or entries out of order");
		v->tree_bad = 1;
	}
}

static void
tree_finish(struct bv *v)
{
	uint8_t	root[AL_HASH_LEN];

	if (v->fmt < 2 || v->tree_bad || !v->have_cp || !v->have_proof)
		return;
	if (mt_cover(v->mm.next, v->cp.size, v->cp.size, gap_node, v) != 0 ||
	    mt_multi_root(&v->mm, root) != 0) {
		bad(v, 0, "proof: too few hashes for the checkpoint's tree");
		return;
	}
	if (v->used != v->nph) {
		bad(v, 0, "proof: %zu hashes more than the entries need",
		    v->nph - v->used);
		return;
	}
	if (memcmp(root, v->cp.root, AL_HASH_LEN) != 0) {
		bad(v, 0, "the entries and the proof do not lead to the "
		    "checkpoint's root: an entry was altered, added or left "
		    "out, or the proof is not theirs");
		return;
	}
	v->s->tree_size = v->cp.size;
	v->s->signed_by_key = v->cp.signed_by_key;
}

/* The floor member: its digest, the manifest's floor, and that it parses. */
static int
floor_text(struct bv *v, const char *name, const uint8_t *text, size_t len)
{
	struct buf	 errs = { 0 };
	uint8_t		 dig[AL_HASH_LEN];
	char		 want[128], *nl;

	sha256(text, len, dig);
	floor_member(want, sizeof(want), dig);
	if (strcmp(want, name) != 0) {
		bad(v, 0, "%s does not match its digest: the floor text was "
		    "changed", name);
		return 0;
	}
	if (v->x.fl.seq == 0 || memcmp(dig, v->x.fl.digest, AL_HASH_LEN) != 0) {
		bad(v, 0, "%s is not the manifest's floor", name);
		return 0;
	}
	if ((v->x.flstore = malloc(len + 1)) == NULL)
		return -2;
	memcpy(v->x.flstore, text, len);
	v->x.flstore[len] = '\0';
	v->x.fl.text.p = (char *)v->x.flstore;
	v->x.fl.text.n = len;
	if ((v->x.floor = floor_parse(v->x.fl.name.p, v->x.fl.text.p, len,
	    &errs)) == NULL) {
		if (errs.p != NULL && (nl = strchr((char *)errs.p, '\n')))
			*nl = '\0';
		bad(v, v->x.fl.seq, "floor does not parse: %s",
		    errs.p ? (char *)errs.p : "out of memory");
	}
	buf_free(&errs);
	return 0;
}

/* A policy member: its digest, and the manifest's policies it is. */
static int
policy_text(struct bv *v, const char *name, const uint8_t *text, size_t len)
{
	uint8_t	 dig[AL_HASH_LEN];
	char	 want[128];
	size_t	 i;
	int	 any = 0;

	sha256(text, len, dig);
	policy_member(want, sizeof(want), dig);
	if (strcmp(want, name) != 0) {
		bad(v, 0, "%s does not match its digest: the policy text was "
		    "changed", name);
		return 0;
	}
	for (i = 0; i < v->x.npol; i++) {
		struct xpol	*p = &v->x.pol[i];

		if (memcmp(dig, p->e.digest, AL_HASH_LEN) != 0)
			continue;
		any = 1;
		if ((p->store = malloc(len + 1)) == NULL)
			return -2;
		memcpy(p->store, text, len);
		p->store[len] = '\0';
		p->e.text.p = (char *)p->store;
		p->e.text.n = len;
		p->e.kind = AL_KIND_POLICY;
		if ((p->p = policy_parse(p->e.name.p, p->e.text.p, len,
		    NULL)) == NULL)
			bad(v, p->e.seq, "its policy does not parse");
		else
			exp_floor_policy(&v->x, i);
	}
	if (!any)
		bad(v, 0, "%s is in no policy of the manifest", name);
	return 0;
}

static int
code_of(const char *name)
{
	int	c;

	for (c = 0; c < AL_NCODES; c++)
		if (strcmp(al_code_name(c), name) == 0)
			return c;
	return -1;
}

/* The keys of an entry of kind k (by AL_KIND_*) besides the common ones. */
static const char *const *
kind_keys(int k)
{
	static const char *const acc[] = { "customer", "purpose", "action",
	    "data", "resource", "ref", "reason", "decision", "code", "rule",
	    "detail", "policy", NULL };
	static const char *const pol[] = { "name", "text", "digest", NULL };
	static const char *const cpt[] = { "tree_size", "tree_root", "note",
	    NULL };
	static const char *const flo[] = { "name", "text", "digest",
	    "approvers", NULL };
	static const char *const pro[] = { "name", "text", "digest",
	    "expires", NULL };
	static const char *const dig[] = { "digest", NULL };
	static const char *const *const all[] = { NULL, acc, pol, cpt, flo,
	    pro, dig, dig };

	return all[k];
}

static int
key_in(const char *k, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		if (strcmp(k, *keys) == 0)
			return 1;
	return 0;
}

/* Only the keys an entry of kind k and version ver has. */
static int
entry_keys_only(json_t *o, int k, int ver)
{
	static const char *const common[] = { "version", "seq", "time",
	    "kind", "actor", "service", "host", "pid", "uid", "prev", "hash",
	    NULL };
	static const char *const ident[] = { "gid", "attested", "user",
	    "groups", NULL };
	const char	*key;
	json_t		*val;

	json_object_foreach(o, key, val)
		if (!key_in(key, common) && !key_in(key, kind_keys(k)) &&
		    !(ver == 3 && key_in(key, ident)))
			return -1;
	return 0;
}

/* Version 3's identity facts: gid, attested, user, groups. */
static int
ident_from(json_t *o, struct al_entry *e)
{
	static const char *const gkeys[] = { "gid", "name", NULL };
	json_t		*j, *g;
	uint64_t	 x;
	size_t		 i;

	if (u64field(o, "gid", &x) || x > UINT32_MAX ||
	    !json_is_boolean(j = json_object_get(o, "attested")) ||
	    strfield(o, "user", &e->user) ||
	    !json_is_array(j = json_object_get(o, "groups")) ||
	    json_array_size(j) > AL_MAX_GROUPS)
		return -1;
	e->gid = (uint32_t)x;
	e->attested = json_is_true(json_object_get(o, "attested"));
	json_array_foreach(j, i, g) {
		if (!json_is_object(g) || keys_only(g, gkeys) ||
		    u64field(g, "gid", &x) || x > UINT32_MAX ||
		    strfield(g, "name", &e->gname[i]) ||
		    (i > 0 && x <= e->gids[i - 1]))
			return -1;
		e->gids[i] = (uint32_t)x;
	}
	e->ngroups = json_array_size(j);
	return 0;
}

/* Build an entry from its JSON form (section 11); -1 when malformed. */
static int
from_json(json_t *o, struct al_entry *e)
{
	struct al_str	 kind, dec, code;
	uint64_t	 pid, uid, x;
	json_t		*ver;
	int		 k;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(o) || strfield(o, "kind", &kind) != 0)
		return -1;
	for (k = AL_KIND_ACCESS; k <= AL_KIND_REJECTION; k++)
		if (strcmp(kind.p, entry_kind_name(k)) == 0)
			break;
	if (k > AL_KIND_REJECTION)
		return -1;
	e->kind = k;
	/*
	 * Version 2 is the checkpoint kind's and 1 the others', of kinds
	 * 1 to 3; version 3 (format 6) holds every kind.  Only a version 1
	 * entry may leave its version out.
	 */
	if ((ver = json_object_get(o, "version")) == NULL)
		e->version = 1;
	else if (!json_is_integer(ver))
		return -1;
	else
		e->version = (int)json_integer_value(ver);
	if (e->version != 3 && (k > AL_KIND_CHECKPOINT || e->version !=
	    (k == AL_KIND_CHECKPOINT ? 2 : 1)))
		return -1;
	if (ver == NULL && k == AL_KIND_CHECKPOINT)
		return -1;
	if (entry_keys_only(o, k, e->version) ||
	    u64field(o, "seq", &e->seq) || timefield(o, "time", 1,
	    &e->time_ns) || strfield(o, "actor", &e->actor) ||
	    strfield(o, "service", &e->service) ||
	    strfield(o, "host", &e->host) || u64field(o, "pid", &pid) ||
	    u64field(o, "uid", &uid) || pid > UINT32_MAX || uid > UINT32_MAX ||
	    hexfield(o, "prev", e->prev, AL_HASH_LEN) ||
	    hexfield(o, "hash", e->hash, AL_HASH_LEN) ||
	    (e->version == 3 && ident_from(o, e) != 0))
		return -1;
	e->pid = (uint32_t)pid;
	e->uid = (uint32_t)uid;
	switch (k) {
	case AL_KIND_CHECKPOINT:
		return u64field(o, "tree_size", &e->tree_size) ||
		    hexfield(o, "tree_root", e->tree_root, AL_HASH_LEN) ||
		    strfield(o, "note", &e->note) ? -1 : 0;
	case AL_KIND_POLICY:
	case AL_KIND_FLOOR:
	case AL_KIND_PROPOSAL:
		if (strfield(o, "name", &e->name) ||
		    strfield(o, "text", &e->text) ||
		    hexfield(o, "digest", e->digest, AL_HASH_LEN))
			return -1;
		if (k == AL_KIND_FLOOR) {
			if (u64field(o, "approvers", &x) || x < 1 || x > 9)
				return -1;
			e->approvers = (unsigned)x;
		} else if (k == AL_KIND_PROPOSAL &&
		    timefield(o, "expires", 1, &e->expires_ns) != 0)
			return -1;
		return 0;
	case AL_KIND_APPROVAL:
	case AL_KIND_REJECTION:
		return hexfield(o, "digest", e->digest, AL_HASH_LEN);
	}
	if (strfield(o, "customer", &e->customer) ||
	    strfield(o, "purpose", &e->purpose) ||
	    strfield(o, "action", &e->action) ||
	    strfield(o, "data", &e->data) ||
	    strfield(o, "resource", &e->resource) ||
	    strfield(o, "ref", &e->ref) || strfield(o, "reason", &e->reason) ||
	    strfield(o, "decision", &dec) || strfield(o, "code", &code) ||
	    strfield(o, "rule", &e->rule) || strfield(o, "detail", &e->detail) ||
	    hexfield(o, "policy", e->policy, AL_HASH_LEN))
		return -1;
	if (strcmp(dec.p, "allow") == 0)
		e->allow = 1;
	else if (strcmp(dec.p, "deny") != 0)
		return -1;
	if ((e->code = code_of(code.p)) < 0 ||
	    (e->allow != 0) != (e->code == AL_ALLOWED) ||
	    (e->version != 3 && e->code >= AL_WRITER_NOT_ALLOWED))
		return -1;
	return 0;
}

/* One line of entries.jsonl. */
static int
entry_line(struct bv *v, const char *p, size_t n, uint64_t lineno)
{
	struct al_entry	 e;
	json_error_t	 jerr;
	json_t		*o = NULL;
	uint8_t		 h[AL_HASH_LEN];
	int		 rc = 0;

	/* The tool's own form, quickly; any other line goes to the parser. */
	if ((rc = line_entry(p, n, &v->dec, &v->row, &e)) < 0)
		return rc;
	if (rc == 1 && (o = json_loadb(p, n, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, &jerr)) == NULL) {
		bad(v, 0, "entries.jsonl line %" PRIu64 ": not JSON: %s",
		    lineno, jerr.text);
		return 0;
	}
	rc = 0;
	if (o != NULL && from_json(o, &e) != 0) {
		bad(v, 0, "entries.jsonl line %" PRIu64 ": not an entry's "
		    "JSON form", lineno);
		goto done;
	}
	if (v->s->entries > 0 && e.seq <= v->seen_last) {
		bad(v, e.seq, "out of order: after seq %" PRIu64,
		    v->seen_last);
		goto done;
	}
	if (!filter_match(&v->x.shown, &e) ||
	    (v->x.shown.from_seq && e.seq < v->x.shown.from_seq) ||
	    (v->x.shown.to_seq && e.seq > v->x.shown.to_seq) ||
	    e.seq > v->x.head_seq)
		bad(v, e.seq, "is not an entry the manifest's filters select");
	if (v->complete && v->s->entries > 0 && e.seq != v->seen_last + 1)
		bad(v, e.seq, e.seq - 1 == v->seen_last + 1 ?
		    "entry %" PRIu64 " is missing from an export of a whole "
		    "range" : "entries %" PRIu64 " to %" PRIu64 " are missing "
		    "from an export of a whole range", v->seen_last + 1,
		    e.seq - 1);
	if (entry_encode(&e, &v->row) != 0) {
		bad(v, e.seq, "cannot be encoded");
		goto done;
	}
	entry_hash(v->row.p, v->row.n, h);
	if (memcmp(h, e.hash, AL_HASH_LEN) != 0)
		bad(v, e.seq, "its hash does not match its fields: the entry "
		    "was altered");
	tree_leaf(v, e.seq, h);
	if (v->o->have_expect && e.seq == v->o->expect_seq) {
		v->anchor_seen = 1;
		if (memcmp(h, v->o->expect_hash, AL_HASH_LEN) != 0)
			bad(v, e.seq, "does not match the anchor");
	}
	if (v->s->entries++ == 0)
		v->s->first_seq = e.seq;
	if (v->o->progress != NULL && v->s->entries % 4096 == 0)
		v->o->progress(v->o->arg, 0, v->s->entries);
	v->s->last_seq = v->seen_last = e.seq;
	memcpy(v->last_hash, h, AL_HASH_LEN);
	if ((rc = exp_entry(NULL, &v->x, &e)) != 0)
		goto done;
	v->s->clock_anomalies = v->x.nclock;
	/* What entries.csv and the summary must say of it. */
	v->row.n = 0;
	if ((rc = csv_row(&v->row, &e, v->fmt)) != 0)
		goto done;
	SHA256_Update(&v->csv_sha, v->row.p, v->row.n);
	v->csv_size += v->row.n;
	if (e.kind == AL_KIND_ACCESS && !e.allow) {
		v->row.n = 0;
		if ((rc = denied_line(&v->row, &e)) != 0)
			goto done;
		SHA256_Update(&v->den_sha, v->row.p, v->row.n);
		v->den_size += v->row.n;
	}
done:
	json_decref(o);
	return rc;
}

static int
entry_line_of(void *v, const char *p, size_t n, uint64_t lineno)
{
	return entry_line(v, p, n, lineno);
}

struct sum {			/* summary.txt against its regeneration */
	struct buf	 head, tail;
	size_t		 at;
	uint64_t	 den_left;
	SHA256_CTX	 sha;
	struct buf	 rest;
	int		 phase, bad;
};

static void
sum_feed(struct sum *m, const uint8_t *p, size_t n)
{
	size_t	k;

	while (n > 0 && !m->bad) {
		switch (m->phase) {
		case 0:		/* the regenerated head, byte for byte */
		case 2:		/* the policies section */
			{
				struct buf *b = m->phase ? &m->tail : &m->head;

				k = b->n - m->at < n ? b->n - m->at : n;
				if (memcmp(b->p + m->at, p, k) != 0)
					m->bad = 1;
				m->at += k;
				if (m->at == b->n) {
					m->phase++;
					m->at = 0;
				}
			}
			break;
		case 1:		/* the denied attempts, by digest */
			k = m->den_left < n ? (size_t)m->den_left : n;
			SHA256_Update(&m->sha, p, k);
			m->den_left -= k;
			if (m->den_left == 0)
				m->phase = 2;
			break;
		default:	/* the verification section */
			k = n;
			if (m->rest.n + k > MAX_TAIL ||
			    buf_add(&m->rest, p, k) != 0)
				m->bad = 1;
			break;
		}
		p += k;
		n -= k;
		if (m->phase == 1 && m->den_left == 0)
			m->phase = 2;
	}
}

/*
 * entries.jsonl, a chunk at a time, cut into lines: a line that lies
 * whole in the chunk goes to the checks from where it is, the others are
 * gathered first.
 */
static int
jsonl_feed(struct bv *v, const uint8_t *p, size_t k, uint64_t *lineno,
    int *over)
{
	const uint8_t	*end = p + k, *nl;
	size_t		 m;
	int		 rc;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		m = (size_t)((nl != NULL ? nl : end) - p);
		if (nl != NULL && v->line.n == 0 && !*over) {
			(*lineno)++;
			if ((rc = line_check(&v->lp, (const char *)p, m,
			    *lineno)) != 0)
				return rc;
			p = nl + 1;
			continue;
		}
		if (!*over && m > MAX_LINE - v->line.n) {
			if ((rc = line_sync(&v->lp)) != 0)
				return rc;
			bad(v, 0, "entries.jsonl line %" PRIu64 " is longer "
			    "than %d bytes", *lineno + 1, MAX_LINE);
			*over = 1;
		} else if (!*over && buf_add(&v->line, p, m) != 0)
			return -2;
		if (nl == NULL)
			break;
		(*lineno)++;
		if (!*over && (rc = line_check(&v->lp, (char *)v->line.p,
		    v->line.n, *lineno)) != 0)
			return rc;
		*over = 0;
		v->line.n = 0;
		p = nl + 1;
	}
	return 0;
}

/* Read one member's data, feeding it where it goes. */
static int
member(struct bv *v, const char *name, uint64_t size)
{
	struct want	*w = NULL;
	struct buf	 all = { 0 };
	struct sum	 sm;
	SHA256_CTX	 sha;
	uint8_t		 chunk[CHUNK], dig[AL_HASH_LEN], d2[AL_HASH_LEN];
	uint64_t	 left = size, lineno = 0;
	size_t		 i, k;
	ssize_t		 r;
	int		 rc = 0, kind, over = 0;
	const char	*nl;

	memset(&sm, 0, sizeof(sm));
	kind = strcmp(name, "manifest.json") == 0 ? 0 :
	    strncmp(name, "policies/", 9) == 0 ? 1 :
	    strcmp(name, "entries.jsonl") == 0 ? 2 :
	    strcmp(name, "entries.csv") == 0 ? 3 :
	    strcmp(name, "checkpoint") == 0 ? 5 :
	    strcmp(name, "proof") == 0 ? 6 :
	    strncmp(name, "floor/", 6) == 0 ? 7 : 4;
	if (kind == 0 && v->have_manifest) {
		bad(v, 0, "manifest.json appears twice");
		return -1;
	}
	if (kind != 0) {
		if (!v->have_manifest) {
			bad(v, 0, "%s comes before manifest.json", name);
			return -1;
		}
		for (i = v->next; i < v->nw; i++)
			if (strcmp(v->w[i].name, name) == 0)
				break;
		if (i == v->nw) {
			bad(v, 0, "%s is not in the manifest, or out of its "
			    "order, or there twice", name);
			return -1;
		}
		for (; v->next < i; v->next++)
			bad(v, 0, "%s is missing", v->w[v->next].name);
		w = &v->w[i];
		v->next = i + 1;
		w->seen = 1;
		if (w->size != size)
			bad(v, 0, "%s is %" PRIu64 " bytes, the manifest says %"
			    PRIu64, name, size, w->size);
	}
	if ((kind == 0 && size > MAX_MANIFEST) ||
	    ((kind == 1 || kind == 7) && size > AL_MAX_POLICY) ||
	    (kind == 5 && size > 64 * 1024) ||
	    (kind == 6 && size > MAX_PROOF)) {
		bad(v, 0, "%s is too large for what it should hold", name);
		return -1;
	}
	if (kind == 4) {
		struct exp	*x = &v->x;

		if (summary_head(&sm.head, x) != 0 ||
		    summary_tail(&sm.tail, x) != 0)
			return -2;
		/* The tail is compared up to its verification section. */
		nl = strstr((char *)sm.tail.p, "\nverification at export time\n");
		if (nl != NULL)
			sm.tail.n = (size_t)(nl - (char *)sm.tail.p) + 29;
		sm.den_left = v->den_size;
		SHA256_Init(&sm.sha);
	}
	if (kind == 2)
		line_start(&v->lp, entry_line_of, v);
	SHA256_Init(&sha);
	while (left > 0) {
		k = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);
		if ((r = tar_read(&v->t, chunk, k)) < 0) {
			rc = (int)r;
			goto done;
		}
		if ((size_t)r != k) {
			bad(v, 0, "%s is cut short: its header claims %" PRIu64
			    " bytes", name, size);
			rc = -1;
			goto done;
		}
		SHA256_Update(&sha, chunk, k);
		left -= k;
		switch (kind) {
		case 0:
		case 1:
		case 5:
		case 6:
		case 7:
			if (buf_add(&all, chunk, k) != 0) {
				rc = -2;
				goto done;
			}
			break;
		case 2:
			if ((rc = jsonl_feed(v, chunk, k, &lineno,
			    &over)) != 0)
				goto done;
			break;
		case 4:
			sum_feed(&sm, chunk, k);
			break;
		default:
			break;
		}
	}
	if (kind == 2 && (rc = line_sync(&v->lp)) != 0)
		goto done;
	SHA256_Final(dig, &sha);
	if (w != NULL && memcmp(dig, w->sha, AL_HASH_LEN) != 0)
		bad(v, 0, "%s does not match its digest in the manifest",
		    name);
	switch (kind) {
	case 0:
		{
			json_error_t	 jerr;
			json_t		*m;

			m = json_loadb((char *)all.p, all.n,
			    JSON_REJECT_DUPLICATES, &jerr);
			if (m == NULL) {
				bad(v, 0, "manifest.json is not JSON: %s",
				    jerr.text);
				rc = -1;
				goto done;
			}
			/* Its strings live as long as v does. */
			v->mj = m;
			rc = manifest(v, m);
		}
		break;
	case 1:
		rc = policy_text(v, name, all.p ? all.p : (uint8_t *)"",
		    all.n);
		break;
	case 5:
		rc = tree_checkpoint(v, all.p ? all.p : (uint8_t *)"", all.n);
		break;
	case 7:
		rc = floor_text(v, name, all.p ? all.p : (uint8_t *)"", all.n);
		break;
	case 6:
		rc = tree_proof(v, all.p ? all.p : (uint8_t *)"", all.n);
		break;
	case 2:
		if (v->line.n > 0 || over)
			bad(v, 0, "entries.jsonl does not end in a newline");
		break;
	case 3:
		SHA256_Final(d2, &v->csv_sha);
		if (v->csv_size != size || memcmp(d2, dig, AL_HASH_LEN) != 0)
			bad(v, 0, "entries.csv does not say what entries.jsonl "
			    "says");
		break;
	case 4:
		SHA256_Final(d2, &v->den_sha);
		{
			uint8_t	d3[AL_HASH_LEN];

			SHA256_Final(d3, &sm.sha);
			if (sm.bad || sm.phase < 3 ||
			    memcmp(d2, d3, AL_HASH_LEN) != 0)
				bad(v, 0, "summary.txt does not say what the "
				    "entries and the manifest say");
		}
		if (sm.bad || sm.phase < 3)
			break;		/* reported: the rest is not the rest */
		if (buf_add(&sm.rest, "", 0) != 0) {
			rc = -2;
			goto done;
		}
		{
			/* Exactly two lines: the checks passed, and the whole
			 * log verified (an export of all of it) or was not
			 * checked (a filtered one). */
			struct buf	want = { 0 };
			const char	*got = sm.rest.p ? (char *)sm.rest.p :
					    "";
			int		whole = v->complete &&
					    !v->x.shown.from_seq &&
					    !v->x.shown.to_seq;

			if (buf_printf(&want, "  exported entries: %" PRIu64
			    " checked: OK\n  whole log: %s", v->s->entries,
			    whole ? "verified (" : "not checked here (a filtered "
			    "export); run auditlog verify\n") != 0) {
				rc = -2;
				goto done;
			}
			if (strncmp(got, (char *)want.p, want.n) != 0 ||
			    (!whole && got[want.n] != '\0') ||
			    (whole && (strchr(got + want.n, '\n') == NULL ||
			    strchr(got + want.n, '\n')[1] != '\0')))
				bad(v, 0, "summary.txt: the checks at export "
				    "time did not pass, or it says so "
				    "otherwise than an export does");
			buf_free(&want);
		}
		break;
	}
done:
	if (v->lp.on && line_stop(&v->lp) != 0 && rc == 0)
		rc = -2;
	buf_free(&all);
	buf_free(&sm.head);
	buf_free(&sm.tail);
	buf_free(&sm.rest);
	return rc;
}

/* What holds only once every member has been read. */
static void
finish(struct bv *v)
{
	size_t	i;

	for (i = v->next; i < v->nw; i++)
		bad(v, 0, "%s is missing", v->w[i].name);
	if (v->s->entries != v->m_entries)
		bad(v, 0, "the manifest says %" PRIu64 " entries; there are %"
		    PRIu64, v->m_entries, v->s->entries);
	else if (v->m_empty ? v->s->entries != 0 :
	    v->s->first_seq != v->m_first || v->s->last_seq != v->m_last)
		bad(v, 0, "the manifest's first and last seq are not the "
		    "entries'");
	if (v->s->entries && v->s->last_seq == v->x.head_seq &&
	    memcmp(v->last_hash, v->x.head_hash, AL_HASH_LEN) != 0)
		bad(v, v->s->last_seq, "is the head, but its hash is not the "
		    "manifest's head");
	if (v->complete && v->x.shown.from_seq == 0 && v->x.shown.to_seq == 0 &&
	    (v->s->entries == 0 || v->s->first_seq != 1 ||
	    v->s->last_seq != v->x.head_seq))
		bad(v, 0, "an export of the whole log does not run from seq 1 "
		    "to the head");
	tree_finish(v);
	if (v->fmt < 2 && (v->o->key != NULL || v->o->checkpoint != NULL))
		bad(v, 0, "a bundle of format 1 has no checkpoint to check");
	if (v->o->have_expect && !v->anchor_seen) {
		if (v->o->expect_seq != v->x.head_seq)
			bad(v, v->o->expect_seq, "the anchor's entry is not in "
			    "the bundle, whose head is seq %" PRIu64,
			    v->x.head_seq);
		else if (memcmp(v->o->expect_hash, v->x.head_hash,
		    AL_HASH_LEN) != 0)
			bad(v, v->o->expect_seq, "the bundle's head does not "
			    "match the anchor");
	}
}

int
al_verify_bundle(int fd, const struct al_bundle_opts *o,
    struct al_bundle_summary *s, char *err, size_t errlen)
{
	struct bv	 v;
	char		 name[128];
	uint64_t	 size;
	int		 rc = 0;

	memset(s, 0, sizeof(*s));
	memset(&v, 0, sizeof(v));
	v.o = o;
	v.s = s;
	err[0] = '\0';
	v.x.problem = exp_problem;
	v.x.problem_arg = &v;
	SHA256_Init(&v.den_sha);
	/* Until the manifest names the bundle's format (manifest()). */
	{
		size_t	n;
		const char *h = csv_header(BUNDLE_FORMAT, &n);

		SHA256_Init(&v.csv_sha);
		SHA256_Update(&v.csv_sha, h, n);
		v.csv_size = n;
	}
	if (tar_open(&v.t, fd, err, errlen, tar_problem, &v) != 0) {
		snprintf(err, errlen, "zlib: inflateInit2 failed");
		return AL_ENOMEM;
	}
	for (;;) {
		if ((rc = tar_next(&v.t, name, &size)) <= 0)
			break;
		if ((rc = member(&v, name, size)) != 0)
			break;
		/* Skip the padding to the next 512-byte block. */
		if ((rc = tar_skip_pad(&v.t, size)) != 0)
			break;
	}
	if (rc == 0)
		rc = tar_drain(&v.t);
	if (rc == 0) {
		if (!v.have_manifest)
			bad(&v, 0, "not a bundle: it has no manifest.json");
		else
			finish(&v);
	}
	if (rc == -2 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	exp_free(&v.x);
	json_decref(v.mj);
	free(v.w);
	free(v.ph);
	buf_free(&v.line);
	buf_free(&v.row);
	buf_free(&v.dec);
	tar_close(&v.t);
	if (rc == -2)
		return err[0] && strncmp(err, "read", 4) == 0 ? AL_EIO :
		    AL_ENOMEM;
	return 0;
}
