/* entry_out.h - printing entries */
#ifndef ENTRY_OUT_H
#define ENTRY_OUT_H
void	row_header(void);
void	row(const struct al_entry *);
void	json_entry(FILE *, const struct al_entry *);
#endif
