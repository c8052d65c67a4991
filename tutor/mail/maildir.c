/* maildir — see maildir.h. */
#include "maildir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "message.h"

int maildir_create(const char *dir, char err[FS_ERROR_MAX])
{
    static const char *const subs[] = {"tmp", "new", "cur"};
    char p[PATH_MAX];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, subs[i]);
        if (fs_mkdirs(p, err) < 0)
            return -1;
    }
    return 0;
}

int maildir_write_tmp(const char *dir, const char *name, const char *msg, size_t len,
                      char tmp[PATH_MAX], char err[FS_ERROR_MAX])
{
    if (!name[0] || strlen(name) >= MAILDIR_NAME_MAX || strpbrk(name, "/:") || name[0] == '.') {
        snprintf(err, FS_ERROR_MAX, "%s: not a Maildir name", name);
        return -1;
    }
    if (maildir_create(dir, err) < 0)
        return -1;
    snprintf(tmp, PATH_MAX, "%s/tmp/%s", dir, name);

    /* CR LF to LF: Maildir files use the local convention. */
    char *buf = malloc(len + 1);
    if (!buf) {
        snprintf(err, FS_ERROR_MAX, "out of memory");
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++)
        if (!(msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n'))
            buf[o++] = msg[i];

    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    for (size_t off = 0; fd >= 0 && off < o; ) {
        ssize_t n = write(fd, buf + off, o - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            errno = e;
            fd = -1;
        } else {
            off += (size_t)n;
        }
    }
    if (fd < 0)
        snprintf(err, FS_ERROR_MAX, "%s: %s", tmp, strerror(errno));
    free(buf);
    return fd;
}

int maildir_deliver(const char *dir, const char *name, const char *msg, size_t len,
                    char err[FS_ERROR_MAX])
{
    char tmp[PATH_MAX], new[PATH_MAX];
    int fd = maildir_write_tmp(dir, name, msg, len, tmp, err);
    if (fd < 0)
        return -1;
    snprintf(new, sizeof new, "%s/new/%s", dir, name);
    const char *failed = tmp;
    int rc = fs_fsync(fd);
    if (close(fd) < 0)
        rc = -1;
    if (rc == 0 && link(tmp, new) < 0) {
        failed = new;
        rc = -1;
    }
    int e = errno;
    unlink(tmp);
    if (rc < 0) {
        snprintf(err, FS_ERROR_MAX, "%s: %s", failed, strerror(e));
        return -1;
    }
    char newdir[PATH_MAX];
    snprintf(newdir, sizeof newdir, "%s/new", dir);
    fs_sync_dir(newdir);
    return 0;
}

size_t maildir_wire_size(const char *text, size_t len)
{
    size_t size = len;
    for (const char *p = text, *end = text + len; (p = memchr(p, '\n', (size_t)(end - p))); p++)
        if (p == text || p[-1] != '\r')
            size++;
    if (len && text[len - 1] != '\n')
        size += 2;
    return size;
}

/* Delivery order: by the unique name, without the ":2,FLAGS" that
 * reading adds (else "m:2,S" would sort after "m.2"). */
static int by_name(const void *a, const void *b)
{
    const struct maildir_entry *x = a, *y = b;
    const char *nx = strrchr(x->path, '/') + 1, *ny = strrchr(y->path, '/') + 1;
    size_t lx = strcspn(nx, ":"), ly = strcspn(ny, ":");
    int c = strncmp(nx, ny, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

static int scan(const char *dir, const char *sub, struct maildir_entry **v, size_t *n,
                size_t *cap, char err[FS_ERROR_MAX])
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, sub);
    DIR *d = opendir(p);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, FS_ERROR_MAX, "%s: %s", p, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            struct maildir_entry *nv = realloc(*v, *cap * sizeof **v);
            if (!nv) {
                closedir(d);
                snprintf(err, FS_ERROR_MAX, "out of memory");
                return -1;
            }
            *v = nv;
        }
        struct maildir_entry *m = &(*v)[*n];
        memset(m, 0, sizeof *m);
        size_t plen = strlen(p) + strlen(e->d_name) + 2;
        m->path = malloc(plen);
        if (!m->path)
            continue;
        snprintf(m->path, plen, "%s/%s", p, e->d_name);
        m->name = m->path + strlen(p) + 1;
        size_t len;
        char *text = fs_read_file(m->path, &len);
        if (!text) {
            free(m->path);
            continue;       /* taken away meanwhile: not ours to report */
        }
        m->size = len;
        m->wire_size = maildir_wire_size(text, len);
        m->from = msg_header(text, len, "From");
        m->subject = msg_header(text, len, "Subject");
        if (!m->from)
            m->from = strdup("");
        if (!m->subject)
            m->subject = strdup("");
        free(text);
        (*n)++;
    }
    closedir(d);
    return 0;
}

int maildir_list(const char *dir, struct maildir_entry **out, size_t *n, char err[FS_ERROR_MAX])
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (scan(dir, "cur", out, n, &cap, err) < 0 || scan(dir, "new", out, n, &cap, err) < 0) {
        maildir_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, by_name);
    return 0;
}

void maildir_list_free(struct maildir_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].path);
        free(e[i].from);
        free(e[i].subject);
    }
    free(e);
}
