/* fsutil — see fsutil.h. */
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool durable = true;

void fs_set_durable(bool on)
{
    durable = on;
}

int fs_fsync(int fd)
{
    return durable ? fsync(fd) : 0;
}

int fs_mkdirs(const char *path, char err[FS_ERROR_MAX])
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        snprintf(err, FS_ERROR_MAX, "%s: path too long", path);
        return -1;
    }
    /* most calls find the folder there already: one system call */
    if (mkdir(buf, 0700) == 0 || errno == EEXIST)
        return 0;
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
                snprintf(err, FS_ERROR_MAX, "%s: %s", buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    return 0;
}

int fs_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fs_fsync(fd);
    close(fd);
    return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, char err[FS_ERROR_MAX])
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        snprintf(err, FS_ERROR_MAX, "%s: path too long", path);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        goto fail;
    if (write_all(fd, data, len) < 0 || fs_fsync(fd) < 0) {
        close(fd);
        goto fail_unlink;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0)
        goto fail_unlink;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        fs_sync_dir(slash == dir ? "/" : dir);
    }
    return 0;
fail_unlink:
    snprintf(err, FS_ERROR_MAX, "%s: %s", path, strerror(errno));
    unlink(tmp);
    return -1;
fail:
    snprintf(err, FS_ERROR_MAX, "%s: %s", path, strerror(errno));
    return -1;
}

char *fs_read_file(const char *path, size_t *lenp)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            char *b = realloc(buf, cap + 1);
            if (!b) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = b;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        errno = EIO;
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    if (lenp)
        *lenp = len;
    return buf;
}

int fs_remove_tree(const char *path, char err[FS_ERROR_MAX])
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : (snprintf(err, FS_ERROR_MAX, "%s: %s", path, strerror(errno)), -1);
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) {
            snprintf(err, FS_ERROR_MAX, "%s: %s", path, strerror(errno));
            return -1;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (fs_remove_tree(sub, err) < 0) {
                closedir(d);
                return -1;
            }
        }
        closedir(d);
        if (rmdir(path) < 0) {
            snprintf(err, FS_ERROR_MAX, "%s: %s", path, strerror(errno));
            return -1;
        }
    } else if (unlink(path) < 0) {
        snprintf(err, FS_ERROR_MAX, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
