/*
 * completion — Tab completion from the command tables, for the prompt's
 * readline and for bash and zsh alike, so that what completes is what
 * `help` lists.
 *
 * Each command's `complete` field (repl.h) names what each of its
 * arguments is, position by position: a kind (host, node, user, service,
 * type, command, file), a literal word, or several joined by "|"; a last
 * position ending in "..." repeats. Options come from its `opts`.
 *
 *   tutor completion bash       a bash completion script, on stdout
 *   tutor completion zsh        the same for zsh (through bashcompinit)
 *   tutor completion words KIND the world's words of one kind, a line each:
 *                               what the scripts ask for at each Tab
 */
#ifndef TUTOR_COMPLETION_H
#define TUTOR_COMPLETION_H

#include <getopt.h>
#include <stddef.h>

#include "repl.h"
#include "host/world.h"

/* Called with each candidate word (not NUL-terminated). */
typedef void (*completion_add_fn)(const char *word, size_t len, void *ud);

/* The candidates for argument `pos` (0: the first after the command
 * name) of command c: the kinds' words from world w, and the literals. */
void completion_arguments(const struct world *w, const struct command *c, int pos,
                          completion_add_fn add, void *ud);

/* The words of one kind ("host", ...): 0, or -1 for a kind there is not. */
int completion_kind(const struct world *w, const char *kind, size_t len, completion_add_fn add,
                    void *ud);

/* `tutor completion bash|zsh`, given the top-level and serve options:
 * 0, or 2 for a usage error. Needs no world. */
int completion_script(int argc, char **argv, const struct option *top,
                      const struct option *serve);

/* `tutor completion words KIND`: 0, or 2 for a usage error. */
int completion_words(const struct world *w, int argc, char **argv);

#endif
