/* shim.h - control of the fault-injection shim, for a test linked with it */
#ifndef SHIM_H
#define SHIM_H

/* From now on, count calls of fn; fail the nth with error e. */
void	fault_arm(const char *fn, long nth, int e);
/* Stop counting; returns how many calls of fn were counted. */
long	fault_disarm(void);
/* Whether the nth call came (and failed) since fault_arm. */
int	fault_fired(void);

#endif
