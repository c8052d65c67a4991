/*
 * pty_child — the tutor run again as a child on a pseudo-terminal, with
 * this process between it and the real terminal: what `tutor present`
 * types into and holds back, and what `--cast` records. The child is the
 * real REPL (readline, colour, the relay's animation); only the bytes go
 * through here.
 *
 * Also the real terminal's raw mode, kept in one place so that every way
 * out (the end, a signal, an error) restores it.
 */
#ifndef TUTOR_PTY_CHILD_H
#define TUTOR_PTY_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

#define PTY_ERROR_MAX 256
#define PTY_ENV_MAX 8                   /* variables set for the child */

struct pty_child {
    pid_t pid;                          /* 0: none running */
    int master;                         /* -1: none */
};

/* Starts this program (/proc/self/exe) with argv (argv[0] included,
 * NULL-terminated) on a new pseudo-terminal of rows x cols, with the
 * variables of `env` ("NAME=VALUE", NULL-terminated, at most PTY_ENV_MAX)
 * set. 0, or -1 with err. */
int pty_child_start(struct pty_child *c, char *const argv[], char *const env[], int rows, int cols,
                    char err[PTY_ERROR_MAX]);

/* Tells the child its terminal is now rows x cols (it gets SIGWINCH). */
void pty_child_resize(const struct pty_child *c, int rows, int cols);

/* Writes all n bytes to the child's terminal (its keyboard). */
void pty_child_send(const struct pty_child *c, const void *s, size_t n);

/* Writes all n bytes to fd, again after an interruption; stops at an
 * error (a terminal gone). */
void pty_write_all(int fd, const void *s, size_t n);

/* Ends the child (SIGHUP, as a closed terminal does; SIGKILL if it has not
 * gone within a second) and closes its terminal. Its exit status as a
 * shell gives it (128+N for a signal); 0 when none was running. */
int pty_child_stop(struct pty_child *c);

/* The status of a child that has ended by itself (its terminal gave EOF
 * or EIO): waited for, the terminal closed. */
int pty_child_reap(struct pty_child *c);

/* The real terminal (standard input): raw mode on, and back as it was.
 * With `cooked_output`, only the keys are raw (a "\n" written still goes
 * to the start of the next line): for a screen of this program's own,
 * not a child's bytes passed on. pty_raw_leave is safe to call more than
 * once. */
int pty_raw_enter(bool cooked_output);
void pty_raw_leave(void);

/* SIGWINCH sets pty_resized, SIGTERM and SIGHUP (and SIGINT, with
 * `interrupt_too`) pty_ended: for a loop around poll, which they
 * interrupt, to look at. */
extern volatile sig_atomic_t pty_resized, pty_ended;
void pty_catch_signals(bool interrupt_too);

/* The size of the real terminal (standard output, else input); 80x24 when
 * it cannot be told. */
void pty_term_size(int *rows, int *cols);

#endif
