/* cast_session — see cast_session.h. */
#include "cast_session.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cast_write.h"
#include "pty_child.h"
#include "util/i18n.h"

#define CHUNK_MAX 8192                  /* bytes moved at a time */

int cast_session_run(const char *path, const char *title, char **argv)
{
    int rows, cols;
    pty_term_size(&rows, &cols);
    char err[CAST_WRITE_ERROR_MAX > PTY_ERROR_MAX ? CAST_WRITE_ERROR_MAX : PTY_ERROR_MAX];
    struct cast_writer cast;
    if (cast_open(&cast, path, cols, rows, title, err) < 0) {
        fprintf(stderr, "tutor: --cast: %s\n", err);
        return 2;
    }
    struct pty_child child;
    if (pty_child_start(&child, argv, NULL, rows, cols, err) < 0) {
        fprintf(stderr, "tutor: --cast: %s\n", err);
        cast_close(&cast, err);
        return 2;
    }
    bool tty = isatty(STDIN_FILENO);
    if (tty)
        pty_raw_enter(false);
    pty_catch_signals(false);
    signal(SIGPIPE, SIG_IGN);

    bool input_open = true;
    char buf[CHUNK_MAX];
    while (!pty_ended) {
        if (pty_resized) {
            pty_resized = 0;
            pty_term_size(&rows, &cols);
            pty_child_resize(&child, rows, cols);
            cast_resize(&cast, cols, rows);
        }
        struct pollfd p[2] = {{child.master, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        if (poll(p, input_open ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents) {
            ssize_t n = read(child.master, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;                  /* EIO: the session has ended */
            cast_output(&cast, buf, (size_t)n);
            pty_write_all(STDOUT_FILENO, buf, (size_t)n);
        }
        if (input_open && p[1].revents) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                /* the input ended (a pipe): the session is told as a
                 * terminal would tell it, with Ctrl-D */
                pty_child_send(&child, "\004", 1);
                input_open = false;
                continue;
            }
            pty_child_send(&child, buf, (size_t)n);
        }
    }
    int rc = pty_ended ? pty_child_stop(&child) : pty_child_reap(&child);
    pty_raw_leave();
    if (cast_close(&cast, err) < 0) {
        fprintf(stderr, "tutor: --cast: %s\n", err);
        return rc ? rc : 2;
    }
    return rc;
}
