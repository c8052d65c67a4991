/*
 * pager — long output through a pager, as git does: when stdout is a
 * terminal, a command whose output may be long (help, mailq, dig, topo,
 * mailbox, read, relay --trace) writes into $TUTOR_PAGER, else $PAGER, else
 * less, started with LESS=FRX when LESS is unset (quit at once when it
 * fits the screen, colours kept, the screen not cleared). Piped output is
 * never paged; `--no-pager`, or a pager of "" or "cat", turns it off.
 *
 * The pager is a child reading a pipe on the tutor's stdout; the tutor
 * waits for it after the command, so the prompt comes back once the
 * reader has quit. Quitting early is no error: SIGPIPE is ignored and the
 * rest of the output is dropped.
 */
#ifndef TUTOR_PAGER_H
#define TUTOR_PAGER_H

#include <stdbool.h>

/* Turns paging off for the whole run (--no-pager). */
void pager_disable(void);

/* Starts the pager if stdout is a terminal and paging is on: true when
 * stdout now goes to it, and pager_end must follow. */
bool pager_begin(void);

/* Flushes stdout into the pager, gives the terminal back to stdout and
 * waits for the pager to end. */
void pager_end(void);

#endif
