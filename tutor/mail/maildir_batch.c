/* maildir_batch — see maildir_batch.h. */
#define _GNU_SOURCE     /* syncfs */
#include "maildir_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir.h"

struct maildir_batch_entry {
    char *tmp, *new, *newdir;
    void *owner;
    bool failed;
    bool dir_synced;
    char why[FS_ERROR_MAX];             /* when failed */
};

static void fail(struct maildir_batch_entry *e, const char *path, int err)
{
    e->failed = true;
    snprintf(e->why, sizeof e->why, "%s: %s", path, strerror(err));
}

static void entry_free(struct maildir_batch_entry *e)
{
    free(e->tmp);
    free(e->new);
    free(e->newdir);
}

int maildir_batch_add(struct maildir_batch *b, const char *dir, const char *name,
                      const char *msg, size_t len, void *owner, char err[FS_ERROR_MAX])
{
    if (b->n >= MAILDIR_BATCH_MAX)
        maildir_batch_commit(b);
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct maildir_batch_entry *v = realloc(b->v, cap * sizeof *v);
        if (!v) {
            snprintf(err, FS_ERROR_MAX, "out of memory");
            return -1;
        }
        b->v = v;
        b->cap = cap;
    }
    char tmp[PATH_MAX], new[PATH_MAX], newdir[PATH_MAX];
    int fd = maildir_write_tmp(dir, name, msg, len, tmp, err);
    if (fd < 0)
        return -1;
    if (close(fd) < 0) {
        snprintf(err, FS_ERROR_MAX, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    snprintf(new, sizeof new, "%s/new/%s", dir, name);
    snprintf(newdir, sizeof newdir, "%s/new", dir);
    struct maildir_batch_entry e = {.tmp = strdup(tmp), .new = strdup(new),
                                    .newdir = strdup(newdir), .owner = owner};
    if (!e.tmp || !e.new || !e.newdir) {
        entry_free(&e);
        unlink(tmp);
        snprintf(err, FS_ERROR_MAX, "out of memory");
        return -1;
    }
    b->v[b->n++] = e;
    return 0;
}

/* fsync(2) of the file at `path`: 0, or -1 with errno. */
static int sync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return -1;
    int rc = fs_fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* syncfs(2) of the file system that holds `path`. */
static int sync_file_system(const char *path)
{
#ifdef __linux__
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = syncfs(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
#else
    (void)path;
    errno = ENOSYS;
    return -1;
#endif
}

/* Step 1: every file's data and inode on disk, before any is in view. One
 * syncfs per file system (a handful of writes for the whole batch, where
 * fsyncs one after the other would wait for each); where syncfs fails,
 * each file is fsync'd. */
static void make_files_durable(struct maildir_batch *b)
{
    enum { DEVS = 8 };
    dev_t dev[DEVS];
    bool ok[DEVS];
    size_t n_dev = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct maildir_batch_entry *e = &b->v[i];
        struct stat st;
        if (stat(e->tmp, &st) < 0) {
            fail(e, e->tmp, errno);
            continue;
        }
        size_t k = 0;
        while (k < n_dev && dev[k] != st.st_dev)
            k++;
        if (k == n_dev && n_dev < DEVS) {
            dev[n_dev] = st.st_dev;
            ok[n_dev++] = sync_file_system(e->tmp) == 0;
        }
        if ((k == n_dev || !ok[k]) && sync_path(e->tmp, O_RDONLY) < 0)
            fail(e, e->tmp, errno);
    }
}

void maildir_batch_store(struct maildir_batch *b)
{
    if (b->n == 0)
        return;
    make_files_durable(b);
    /* Step 2: into view. A link never replaces a message already there. */
    for (size_t i = 0; i < b->n; i++) {
        struct maildir_batch_entry *e = &b->v[i];
        if (!e->failed && link(e->tmp, e->new) < 0)
            fail(e, e->new, errno);
        unlink(e->tmp);
    }
    /* Step 3: each folder's new names on disk, one fsync per folder. A
     * folder that cannot be synced takes its messages back out of view:
     * their senders are told no, and will send them again. */
    for (size_t i = 0; i < b->n; i++) {
        struct maildir_batch_entry *e = &b->v[i];
        if (e->failed || e->dir_synced)
            continue;
        int rc = sync_path(e->newdir, O_RDONLY | O_DIRECTORY);
        int err = errno;
        for (size_t j = i; j < b->n; j++) {
            struct maildir_batch_entry *f = &b->v[j];
            if (f->failed || f->dir_synced || strcmp(f->newdir, e->newdir) != 0)
                continue;
            f->dir_synced = true;
            if (rc < 0) {
                unlink(f->new);
                fail(f, f->newdir, err);
            }
        }
    }
}

void maildir_batch_finish(struct maildir_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct maildir_batch_entry *e = &b->v[i];
        if (e->failed && b->failed)
            b->failed(e->owner, e->why, b->ctx);
        entry_free(e);
    }
    b->n = 0;
}

void maildir_batch_commit(struct maildir_batch *b)
{
    maildir_batch_store(b);
    maildir_batch_finish(b);
}

void maildir_batch_free(struct maildir_batch *b)
{
    maildir_batch_commit(b);
    free(b->v);
    b->v = NULL;
    b->cap = 0;
}
