/*
 * repl — the tutor's prompt: GNU readline on a terminal (history, Tab
 * completion of commands, host names and protocol verbs, Ctrl-C clears the
 * line, Ctrl-D leaves), plain lines from stdin otherwise, so every
 * interactive feature can be scripted, tested and graded.
 *
 * Commands live in static tables, one file per family (cmd_*.c).
 */
#ifndef TUTOR_REPL_H
#define TUTOR_REPL_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "host/runtime.h"

struct lesson_session;
struct record_writer;

#define REPL_ARGS_MAX 32
#define REPL_HOPS_MAX 8                 /* ssh within ssh, this deep */

struct repl {
    struct runtime *rt;
    bool tty;                           /* stdin is a terminal */
    const char *const *verbs;           /* completion inside a dialogue */
    char history[PATH_MAX];             /* "" when not kept */
    bool quit;
    /* the nodes "ssh" left, for "exit" to go back to (rt->here is now) */
    const struct world_node *came_from[REPL_HOPS_MAX];
    int hops;
    /* where the program's data and state are (main sets them): a lesson
     * opens its own world and state from here */
    const char *datadir, *world_path, *state_root;
    const char *student;                /* --student ID, or NULL */
    /* the lesson being taken, NULL when none (cmd_lesson.c owns it) */
    struct lesson_session *lesson;
    /* --record FILE: every typed line goes there too (borrowed; NULL) */
    struct record_writer *record;
    /* a replay: lines come from here, not from the keyboard */
    char *const *replay;
    const size_t *replay_lens;
    size_t replay_n, replay_at;
    bool prompt_line;                   /* the line being read is a command */
};

struct command {
    const char *name;
    const char *args;                   /* synopsis of the arguments */
    const char *help;                   /* N_(), one line */
    const char *more;                   /* N_(), more for "help NAME"; may be NULL */
    /* The options it takes, space-separated, "=" after one that takes a
     * value ("-s= --subject= --delete"); every other word of the form
     * -X or --X is refused before it runs, and --help (or -h) shows its
     * help instead of running it. */
    const char *opts;
    /* steers the tutor itself (lesson, next, hint...): not part of a
     * lesson's work, so not in the transcript its checks read */
    bool steers;
    /* the mail client: it runs on the student's PC, so not after ssh */
    bool on_pc;
    /* what its arguments are, for Tab completion (completion.h): a kind
     * or literals per position, "host service" */
    const char *complete;
    /* its output may be long: on a terminal it goes through the pager
     * (pager.h). NULL: never; "": always; an option: when it is given */
    const char *paged;
    /* 0 when the command did what was asked, 1 otherwise (the message is
     * already printed). */
    int (*run)(struct repl *r, int argc, char **argv);
};

/* The families, each ending with a { NULL } entry, and the list of them,
 * ending with NULL. */
extern const struct command repl_commands[];
extern const struct command net_commands[];
extern const struct command dns_commands[];
extern const struct command mail_commands[];
extern const struct command mua_commands[];
extern const struct command chain_commands[];
extern const struct command relay_commands[];
extern const struct command netsim_commands[];
extern const struct command lesson_commands[];
extern const struct command *const repl_families[];

/* Every command, a line each (wrapped), as "help" lists them. */
void repl_print_commands(FILE *f);

/* "bob" or "bob@b.example" to the world's user; NULL (and a message) when
 * there is no such user or a bare name is ambiguous. Borrowed. */
const struct world_user *repl_find_user(const struct world *w, const char *name);

/* Where the mail in msg came from, as `tutor headers` reads it (headers/),
 * headed `title`: 0, or 1 when memory ran out (said). */
int repl_show_trace(const char *msg, size_t len, const char *title);

/* Finds a command by name (or unique prefix? no: exact, as a shell does). */
const struct command *repl_command(const char *name);

/* Reads one line: readline with `prompt` on a terminal, else a plain line
 * from stdin. New string (caller frees), or NULL at end of input; its
 * length in *len (may be NULL), which counts any NUL bytes a piped line
 * holds. A line ended by Ctrl-] comes back as "\035". */
char *repl_read_line(struct repl *r, const char *prompt, size_t *len);

/* Asks a yes-or-no question on a terminal (not kept in the history):
 * true for an answer starting with y. Without a terminal, true: piped
 * commands are a script that has already decided. */
bool repl_confirm(struct repl *r, const char *question);

/* "help NAME": the command's line, then its longer text. */
void repl_print_help(FILE *f, const struct command *c);

/* Runs one command given as words (argv[argc] is NULL), as typed or as
 * the shell passed them: 0 on success, 1 on failure, 2 for a command
 * used wrongly (an unknown option, an option without its value). */
int repl_run_argv(struct repl *r, int argc, char **argv);

/* Splits a command line into words and runs it (repl_run_argv). */
int repl_run_line(struct repl *r, const char *line);

/* After each line the student typed has been carried out (a command, or
 * a line of a dialogue): the lesson's step is judged (cmd_lesson.c). */
void repl_after_line(struct repl *r);

/* A line was typed: it goes to the recordings (the lesson's, --record's)
 * unless it is one that only steers the tutor (quit, lesson ...). */
void repl_typed(struct repl *r, const char *line, size_t len);

/* Ends the lesson in progress, if any, and gives the prompt its world
 * back (quit, and repl_close, call it). */
void repl_lesson_end(struct repl *r);

/* For a replay (grading, a resumed lesson): no terminal, no history,
 * lines from `lines` (borrowed until the replay ends). */
void repl_open_replay(struct repl *r, struct runtime *rt, char *const *lines, const size_t *lens,
                      size_t n);

/* The loop: until quit or end of input. 0 when every command succeeded. */
int repl_loop(struct repl *r);

/* Opens and closes readline state (history, completion, signals). */
void repl_open(struct repl *r, struct runtime *rt, const char *state_root);
void repl_close(struct repl *r);

/* After a command: hand queued mail on and tell what happened. */
void repl_run_queue(struct repl *r);

/* Splits a line into words; quotes ("..." or '...') group. Returns argc
 * (at most REPL_ARGS_MAX), or -1 for an unclosed quote. `buf` receives the
 * words and must hold strlen(line) + 1 bytes. */
int repl_split(const char *line, char *buf, char **argv);

#endif
