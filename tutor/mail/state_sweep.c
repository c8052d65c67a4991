/* state_sweep — see state_sweep.h. */
#include "state_sweep.h"

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Removes `path` when it is a regular file older than SWEEP_AGE_S. */
static int sweep_file(const char *path, time_t now)
{
    struct stat st;
    if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || now - st.st_mtime < SWEEP_AGE_S)
        return 0;
    return unlink(path) == 0;
}

/* fs_write_atomic's temporary name: "NAME.tmp" and the writer's pid. */
static bool is_atomic_temp(const char *name)
{
    const char *t = strstr(name, ".tmp");
    if (!t || t == name || !t[4])
        return false;
    for (t += 4; *t; t++)
        if (*t < '0' || *t > '9')
            return false;
    return true;
}

/* Every file of dir/tmp for each folder in `dir` (one Maildir a user). */
static int sweep_maildirs(const char *dir, time_t now)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s/%s/tmp", dir, de->d_name);
        DIR *t = opendir(tmp);
        if (!t)
            continue;
        struct dirent *f;
        while ((f = readdir(t))) {
            if (f->d_name[0] == '.')
                continue;
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s", tmp, f->d_name);
            n += sweep_file(p, now);
        }
        closedir(t);
    }
    closedir(d);
    return n;
}

/* A queue folder a server: ID.eml without ID.json was never acknowledged;
 * a NAME.tmpPID was being written. */
static int sweep_queues(const char *dir, time_t now)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char q[PATH_MAX];
        snprintf(q, sizeof q, "%s/%s", dir, de->d_name);
        DIR *e = opendir(q);
        if (!e)
            continue;
        struct dirent *f;
        while ((f = readdir(e))) {
            char p[PATH_MAX];
            size_t l = strlen(f->d_name);
            snprintf(p, sizeof p, "%s/%s", q, f->d_name);
            if (is_atomic_temp(f->d_name)) {
                n += sweep_file(p, now);
            } else if (l > 4 && strcmp(f->d_name + l - 4, ".eml") == 0) {
                char env[PATH_MAX];
                snprintf(env, sizeof env, "%s/%.*s.json", q, (int)(l - 4), f->d_name);
                if (access(env, F_OK) < 0)
                    n += sweep_file(p, now);
            }
        }
        closedir(e);
    }
    closedir(d);
    return n;
}

/* The state folder's own files: the clock and the like. */
static int sweep_top(const char *state, time_t now)
{
    DIR *d = opendir(state);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_atomic_temp(de->d_name))
            continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", state, de->d_name);
        n += sweep_file(p, now);
    }
    closedir(d);
    return n;
}

int state_sweep(const char *state, time_t now)
{
    char p[PATH_MAX];
    int n = sweep_top(state, now);
    snprintf(p, sizeof p, "%s/mail", state);
    n += sweep_maildirs(p, now);
    snprintf(p, sizeof p, "%s/client", state);
    n += sweep_maildirs(p, now);
    snprintf(p, sizeof p, "%s/queue", state);
    n += sweep_queues(p, now);
    return n;
}
