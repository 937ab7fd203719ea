/* stdfds.h - standard descriptors held (stdfds.c) */
#ifndef STDFDS_H
#define STDFDS_H

/* Hold each closed standard descriptor on /dev/null.  0, or -1 (errno). */
int	hold_std(void);

#endif
