/* govern.c - the chain of custody: proposals, approvals, rejections, activations */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "al_int.h"

/*
 * One state machine judges a policy change when it is asked for (the
 * writer, before its transaction commits) and when the log is verified
 * (verify, entry by entry): so the two cannot disagree.  It is fed the
 * entries of kinds 2 and 4-7 in seq order, each with the policy that was
 * in force before it.  Before a floor entry the log is ungoverned (a log
 * made before format 6): its policy entries are taken as they are.
 */

/* The identity an entry records, for the admin and writer rules.  A name
 * longer than the buffer is no name (it then matches no rule by name). */
void
ident_of_entry(const struct al_entry *e, struct al_ident *id)
{
	size_t	i;

	memset(id, 0, sizeof(*id));
	id->pid = e->pid;
	id->uid = e->uid;
	id->gid = e->gid;
	id->attested = e->attested;
	if (e->user.n < sizeof(id->user) && e->user.p != NULL)
		memcpy(id->user, e->user.p, e->user.n);
	id->ngroups = e->ngroups < AL_MAX_GROUPS ? e->ngroups : AL_MAX_GROUPS;
	for (i = 0; i < id->ngroups; i++) {
		id->gids[i] = e->gids[i];
		if (e->gname[i].n < sizeof(id->gname[i]) &&
		    e->gname[i].p != NULL)
			memcpy(id->gname[i], e->gname[i].p, e->gname[i].n);
	}
}

/* How an identity is named in a message: "uid 1001 (alice)". */
static void
who_text(const struct al_entry *e, char *buf, size_t len)
{
	int	n;

	if (e->user.n > 0 && e->user.n <= 64)
		n = snprintf(buf, len, "uid %" PRIu32 " (%.*s)", e->uid,
		    (int)e->user.n, e->user.p);
	else
		n = snprintf(buf, len, "uid %" PRIu32, e->uid);
	if (n < 0 || (size_t)n >= len)
		strlcpy(buf, "someone", len);
}

void
gov_free(struct gov *g)
{
	free(g->p);
	memset(g, 0, sizeof(*g));
}

/* The newest proposal of digest d, or NULL. */
struct gov_prop *
gov_find(const struct gov *g, const uint8_t d[AL_HASH_LEN])
{
	size_t	i;

	for (i = g->np; i-- > 0;)
		if (memcmp(g->p[i].digest, d, AL_HASH_LEN) == 0)
			return &g->p[i];
	return NULL;
}

static int
is_admin(const struct policy *pol, const struct al_entry *e)
{
	struct al_ident	id;

	ident_of_entry(e, &id);
	return policy_is_admin(pol, &id);
}

static const char *
state_name(int state)
{
	switch (state) {
	case GOV_REJECTED:	return "was rejected";
	case GOV_ACTIVE:	return "was already activated";
	case GOV_REFUSED:	return "was itself out of custody";
	default:		return "is open";
	}
}

/*
 * Whether e, an entry of kind 2 or 4-7, follows from what came before
 * it, and take it in.  pol is the policy in force before e (NULL: none
 * that parses, and then no one is an administrator).  0: it follows;
 * 1: it does not, and why says so (it is taken in all the same, as far
 * as it can be, so that one problem is reported once); AL_ENOMEM.
 */
int
gov_step(struct gov *g, const struct al_entry *e, const struct policy *pol,
    char *why, size_t len)
{
	struct gov_prop	*p;
	char		 who[96], hex[13];
	size_t		 i;
	int		 n = 0;

	why[0] = '\0';
	al_hex(e->digest, 6, hex);
	who_text(e, who, sizeof(who));
	switch (e->kind) {
	case AL_KIND_FLOOR:
		if (g->floor) {
			n = snprintf(why, len, "a second floor (the first "
			    "was at seq %" PRIu64 "): a log's floor is fixed",
			    g->floor_seq);
			break;
		}
		g->floor = 1;
		g->floor_seq = e->seq;
		g->need = e->approvers;
		break;
	case AL_KIND_PROPOSAL:
		if (!g->floor) {
			n = snprintf(why, len, "a proposal in a log with no "
			    "floor");
			break;
		}
		if ((p = gov_find(g, e->digest)) != NULL &&
		    p->state == GOV_OPEN && e->time_ns < p->expires_ns) {
			n = snprintf(why, len, "proposes %s..., which is "
			    "already open (seq %" PRIu64 ")", hex, p->seq);
			break;
		}
		if (!g->trust && (pol == NULL || !is_admin(pol, e)))
			n = snprintf(why, len, "proposed by %s, who is not an "
			    "administrator of the policy in force", who);
		if (g->np == g->cap) {
			size_t	 cap = g->cap ? 2 * g->cap : 8;
			void	*q = reallocarray(g->p, cap, sizeof(*g->p));

			if (q == NULL)
				return AL_ENOMEM;
			g->p = q;
			g->cap = cap;
		}
		p = &g->p[g->np++];
		memset(p, 0, sizeof(*p));
		memcpy(p->digest, e->digest, AL_HASH_LEN);
		p->seq = e->seq;
		p->expires_ns = e->expires_ns;
		p->uid[0] = e->uid;
		p->n = 1;
		p->state = n == 0 ? GOV_OPEN : GOV_REFUSED;
		break;
	case AL_KIND_APPROVAL:
	case AL_KIND_REJECTION:
		if ((p = gov_find(g, e->digest)) == NULL) {
			n = snprintf(why, len, "%s %s..., which was never "
			    "proposed", e->kind == AL_KIND_APPROVAL ?
			    "approves" : "rejects", hex);
			break;
		}
		if (p->state != GOV_OPEN) {
			n = snprintf(why, len, "%s %s..., whose proposal (seq "
			    "%" PRIu64 ") %s", e->kind == AL_KIND_APPROVAL ?
			    "approves" : "rejects", hex, p->seq,
			    state_name(p->state));
			break;
		}
		if (e->time_ns >= p->expires_ns) {
			n = snprintf(why, len, "%s %s... after its proposal "
			    "(seq %" PRIu64 ") expired", e->kind ==
			    AL_KIND_APPROVAL ? "approves" : "rejects", hex,
			    p->seq);
			break;
		}
		if (!g->trust && (pol == NULL || !is_admin(pol, e))) {
			n = snprintf(why, len, "%s by %s, who is not an "
			    "administrator of the policy in force",
			    e->kind == AL_KIND_APPROVAL ? "approved" :
			    "rejected", who);
			break;
		}
		if (e->kind == AL_KIND_REJECTION) {
			p->state = GOV_REJECTED;
			break;
		}
		if (e->uid == p->uid[0]) {
			n = snprintf(why, len, "approved by its own proposer, "
			    "%s", who);
			break;
		}
		for (i = 1; i < p->n; i++)
			if (p->uid[i] == e->uid)
				break;
		if (i < p->n) {
			n = snprintf(why, len, "approved twice by %s", who);
			break;
		}
		if (p->n < GOV_MAX_APPROVERS)
			p->uid[p->n++] = e->uid;
		break;
	case AL_KIND_POLICY:
		if (!g->floor)
			break;		/* before governance: as it was */
		if (g->floor_seq == 1 && e->seq == 2)
			break;		/* init's: the log's first policy */
		if ((p = gov_find(g, e->digest)) == NULL) {
			n = snprintf(why, len, "activates policy %s..., which "
			    "was never proposed", hex);
			break;
		}
		if (p->state != GOV_OPEN) {
			n = snprintf(why, len, "activates policy %s..., whose "
			    "proposal (seq %" PRIu64 ") %s", hex, p->seq,
			    state_name(p->state));
			break;
		}
		if (e->time_ns >= p->expires_ns) {
			n = snprintf(why, len, "activates policy %s... after "
			    "its proposal (seq %" PRIu64 ") expired", hex,
			    p->seq);
			break;
		}
		if (p->n < g->need) {
			n = snprintf(why, len, "activates policy %s... with %u "
			    "of the %u administrators a change needs", hex,
			    p->n, g->need);
			break;
		}
		p->state = GOV_ACTIVE;
		break;
	default:
		break;
	}
	if (n < 0)
		strlcpy(why, "a change out of custody", len);
	return why[0] != '\0';
}

void
decide_access(const struct floor *f, const struct policy *p,
    const struct al_ident *id, const struct al_access *a,
    struct al_decision *d)
{
	if (f != NULL && floor_eval(f, a, d))
		return;
	if (id != NULL && !policy_writer_eval(p, id, a->service, a->actor, d))
		return;
	policy_eval(p, a, d);
}

void
decide_entry(const struct floor *f, const struct policy *p,
    const struct al_entry *e, struct al_decision *d)
{
	struct al_access	a;
	struct al_ident		id;

	if (e->version < 3) {
		policy_eval_entry(p, e, d);
		return;
	}
	entry_access(e, &a);
	a.service = e->service.n > 0 ? e->service.p : NULL;
	ident_of_entry(e, &id);
	decide_access(f, p, &id, &a, d);
}

int
decision_follows(const struct floor *f, const struct policy *p,
    const struct al_entry *e, struct al_decision *d)
{
	struct al_access	a;
	struct al_ident		id;

	if (e->version < 3)
		return policy_follows(p, e, d);
	entry_access(e, &a);
	a.service = e->service.n > 0 ? e->service.p : NULL;
	if (f != NULL && floor_eval(f, &a, d))
		goto compare;
	ident_of_entry(e, &id);
	if (!policy_writer_eval(p, &id, a.service, a.actor, d))
		goto compare;
	return policy_follows(p, e, d);
compare:
	return d->allow == e->allow && (int)d->code == e->code &&
	    strlen(d->rule) == e->rule.n &&
	    memcmp(d->rule, e->rule.p, e->rule.n) == 0;
}
