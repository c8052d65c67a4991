/* pty_child — see pty_child.h. */
#define _GNU_SOURCE                     /* ptsname_r */
#include "pty_child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "util/i18n.h"

int pty_child_start(struct pty_child *c, char *const argv[], char *const env[], int rows, int cols,
                    char err[PTY_ERROR_MAX])
{
    c->pid = 0;
    c->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char slave[128];
    if (c->master < 0 || grantpt(c->master) < 0 || unlockpt(c->master) < 0 ||
        ptsname_r(c->master, slave, sizeof slave) != 0) {
        snprintf(err, PTY_ERROR_MAX, _("cannot open a pseudo-terminal: %1$s"), strerror(errno));
        if (c->master >= 0)
            close(c->master);
        c->master = -1;
        return -1;
    }
    pty_child_resize(c, rows, cols);
    fflush(NULL);                       /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, PTY_ERROR_MAX, _("cannot start the tutor: %1$s"), strerror(errno));
        close(c->master);
        c->master = -1;
        return -1;
    }
    if (pid == 0) {
        /* the child: a session of its own, the pseudo-terminal its
         * controlling terminal and its standard streams */
        setsid();
        int fd = open(slave, O_RDWR);
        if (fd < 0)
            _exit(127);
        ioctl(fd, TIOCSCTTY, 0);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
        for (size_t i = 0; env && env[i] && i < PTY_ENV_MAX; i++)
            putenv(env[i]);
        signal(SIGPIPE, SIG_DFL);
        execv("/proc/self/exe", argv);
        fprintf(stderr, "tutor: /proc/self/exe: %s\n", strerror(errno));
        _exit(127);
    }
    c->pid = pid;
    return 0;
}

void pty_child_resize(const struct pty_child *c, int rows, int cols)
{
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (c->master >= 0)
        ioctl(c->master, TIOCSWINSZ, &ws);
}

void pty_write_all(int fd, const void *s, size_t n)
{
    const char *p = s;
    while (n > 0 && fd >= 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

void pty_child_send(const struct pty_child *c, const void *s, size_t n)
{
    /* a child gone: its terminal's EOF tells the caller */
    pty_write_all(c->master, s, n);
}

static int status_of(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

int pty_child_reap(struct pty_child *c)
{
    int st = 0;
    if (c->master >= 0)
        close(c->master);
    c->master = -1;
    if (c->pid <= 0)
        return 0;
    while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
        ;
    c->pid = 0;
    return status_of(st);
}

int pty_child_stop(struct pty_child *c)
{
    if (c->pid <= 0)
        return pty_child_reap(c);
    /* a hang-up, as when a terminal window closes: the REPL saves and goes */
    kill(c->pid, SIGHUP);
    if (c->master >= 0)
        close(c->master);
    c->master = -1;
    int st = 0;
    for (int i = 0; i < 100; i++) {
        pid_t r = waitpid(c->pid, &st, WNOHANG);
        if (r == c->pid) {
            c->pid = 0;
            return status_of(st);
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    kill(c->pid, SIGKILL);
    while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
        ;
    c->pid = 0;
    return status_of(st);
}

/* ------------------------------------------------------------------------
 * The real terminal.
 */
static struct termios saved;
static bool raw_on;

int pty_raw_enter(bool cooked_output)
{
    if (raw_on)
        return 0;
    if (tcgetattr(STDIN_FILENO, &saved) < 0)
        return -1;
    struct termios t = saved;
    /* cfmakeraw's settings: every key as it comes, nothing echoed or
     * translated, no signals from Ctrl-C (the child's terminal has them) */
    t.c_iflag &= ~(unsigned)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    if (!cooked_output)
        t.c_oflag &= ~(unsigned)OPOST;
    t.c_lflag &= ~(unsigned)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(unsigned)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    /* TCSADRAIN, not TCSAFLUSH: a key pressed while the program started is kept */
    if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) < 0)
        return -1;
    raw_on = true;
    return 0;
}

void pty_raw_leave(void)
{
    if (raw_on)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    raw_on = false;
}

volatile sig_atomic_t pty_resized, pty_ended;

static void on_winch(int sig)
{
    (void)sig;
    pty_resized = 1;
}

static void on_end(int sig)
{
    (void)sig;
    pty_ended = 1;
}

void pty_catch_signals(bool interrupt_too)
{
    struct sigaction sw = {.sa_handler = on_winch}, se = {.sa_handler = on_end};
    sigaction(SIGWINCH, &sw, NULL);
    sigaction(SIGTERM, &se, NULL);
    sigaction(SIGHUP, &se, NULL);
    if (interrupt_too)
        sigaction(SIGINT, &se, NULL);
}

void pty_term_size(int *rows, int *cols)
{
    struct winsize ws = {0};
    if ((ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0) &&
        (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)) {
        ws.ws_row = 24;
        ws.ws_col = 80;
    }
    *rows = ws.ws_row;
    *cols = ws.ws_col;
}
