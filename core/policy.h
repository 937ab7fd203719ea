/* policy.h - a parsed policy (or floor), shared by policy.c and floor.c */
#ifndef POLICY_H
#define POLICY_H

#include <regex.h>

#include "al_int.h"

struct list {
	char	**w;
	size_t	  n;		/* 0: any */
};

struct purpose {
	char	*name, *desc, *ref;
	regex_t	 re;
	int	 has_re;	/* it has a ref pattern */
	int	 compiled;	/* ...compiled into re (or, lazily, not yet) */
	int	 line;
};

struct group {
	char		*name;
	struct list	 members;	/* actor names and fnmatch(3) globs */
};

struct rule {
	int		allow;
	int		group;		/* -1: any actor */
	struct list	purposes, actions, data;
	int		line;
};

/* user|group NAME|ID of writer and admin lines */
struct subject {
	int		 is_group;
	int		 numeric;	/* NAME was all digits: id */
	uint32_t	 id;
	char		*name;
};

/* writer SUBJECT service PATTERNS actor PATTERNS */
struct writer {
	struct subject	 who;
	struct list	 services, actors;	/* fnmatch(3); never empty */
	int		 line;
};

/* admin SUBJECT */
struct admin {
	struct subject	 who;
	int		 line;
};

struct policy {
	char		*name;
	size_t		 namelen;
	struct purpose	*pur;
	size_t		 npur;
	struct group	*grp;
	size_t		 ngrp;
	struct rule	*rules;
	size_t		 nrules;
	struct writer	*wr;
	size_t		 nwr;
	struct admin	*adm;
	size_t		 nadm;
};

/*
 * The floor's text, parsed by the policy language's lexer under the
 * floor's grammar (auditlog-policy(5), FLOOR): purpose lines without a
 * ref, and deny any lines of one selector each; nothing else.
 */
struct policy *policy_parse_floor(const char *name, const char *text,
	    size_t len, struct buf *errors);

#endif /* POLICY_H */
