/* pager — see pager.h. */
#include "pager.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_PAGER "less"

static bool disabled;
static pid_t child = -1;
static int saved_stdout = -1;
static struct sigaction old_pipe;

void pager_disable(void)
{
    disabled = true;
}

/* Is `cmd` a program on PATH? Only asked of the default: when less is not
 * installed, output goes to the terminal rather than to a shell's "not
 * found". */
static bool on_path(const char *cmd)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char full[4096];
        if (n > 0 && n + 1 + strlen(cmd) < sizeof full) {
            snprintf(full, sizeof full, "%.*s/%s", (int)n, path, cmd);
            if (access(full, X_OK) == 0)
                return true;
        }
        path += n + (path[n] == ':');
    }
    return false;
}

/* The pager to run, or NULL for none. */
static const char *pager_command(void)
{
    const char *p = getenv("TUTOR_PAGER");
    if (!p)
        p = getenv("PAGER");
    if (!p)
        return on_path(DEFAULT_PAGER) ? DEFAULT_PAGER : NULL;
    p += strspn(p, " \t");
    return *p && strcmp(p, "cat") != 0 ? p : NULL;
}

bool pager_begin(void)
{
    const char *cmd = pager_command();
    if (disabled || child > 0 || !cmd || !isatty(STDOUT_FILENO))
        return false;
    int fd[2];
    if (pipe(fd) < 0)
        return false;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return false;
    }
    if (pid == 0) {
        dup2(fd[0], STDIN_FILENO);
        close(fd[0]);
        close(fd[1]);
        /* git's choice: quit when it fits, colours through, no clearing */
        setenv("LESS", "FRX", 0);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fd[0]);
    saved_stdout = dup(STDOUT_FILENO);
    if (saved_stdout < 0 || dup2(fd[1], STDOUT_FILENO) < 0) {
        close(fd[1]);
        if (saved_stdout >= 0)
            close(saved_stdout);
        saved_stdout = -1;
        waitpid(pid, NULL, 0);
        return false;
    }
    close(fd[1]);
    child = pid;
    /* a reader who quits early closes the pipe: the rest is dropped */
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe);
    return true;
}

void pager_end(void)
{
    if (child <= 0)
        return;
    fflush(stdout);
    dup2(saved_stdout, STDOUT_FILENO);      /* the pipe's last writer closes */
    close(saved_stdout);
    saved_stdout = -1;
    /* a write the quit pager refused is no failure of the tutor's */
    clearerr(stdout);
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
        ;
    child = -1;
    sigaction(SIGPIPE, &old_pipe, NULL);
}
