/* maildrop — see maildrop.h. */
#include "maildrop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <md5.h>

#include "maildir.h"

/* The UIDL of a message: its unique name (the file name before ":2,"),
 * which never changes, or the MD5 of it when the name is too long or holds
 * characters POP3 does not allow (a Maildir written by another program). */
static void make_uid(const char *name, char uid[MAILDROP_UID_MAX + 1])
{
    size_t n = strcspn(name, ":");
    bool ok = n > 0 && n <= MAILDROP_UID_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = name[i] >= 0x21 && name[i] <= 0x7e;
    if (ok) {
        memcpy(uid, name, n);
        uid[n] = '\0';
        return;
    }
    MD5_CTX c;
    char hex[MD5_DIGEST_STRING_LENGTH];
    MD5Init(&c);
    MD5Update(&c, (const unsigned char *)name, n);
    MD5End(&c, hex);
    snprintf(uid, MAILDROP_UID_MAX + 1, "%s", hex);
}

enum maildrop_status maildrop_open(const char *dir, struct maildrop **out, char err[FS_ERROR_MAX])
{
    *out = NULL;
    if (maildir_create(dir, err) < 0)
        return MAILDROP_ERROR;
    struct maildrop *md = calloc(1, sizeof *md);
    if (!md) {
        snprintf(err, FS_ERROR_MAX, "out of memory");
        return MAILDROP_ERROR;
    }
    snprintf(md->dir, sizeof md->dir, "%s", dir);
    char lock[PATH_MAX];
    snprintf(lock, sizeof lock, "%s/" MAILDROP_LOCK_FILE, dir);
    md->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (md->lock_fd < 0) {
        snprintf(err, FS_ERROR_MAX, "%s: %s", lock, strerror(errno));
        free(md);
        return MAILDROP_ERROR;
    }
    /* flock locks belong to the open file, so a second open in this very
     * process is refused too: that is what makes [IN-USE] work in one REPL */
    if (flock(md->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        enum maildrop_status st = errno == EWOULDBLOCK ? MAILDROP_IN_USE : MAILDROP_ERROR;
        snprintf(err, FS_ERROR_MAX, "%s: %s", lock, strerror(errno));
        close(md->lock_fd);
        free(md);
        return st;
    }
    struct maildir_entry *e;
    size_t n;
    if (maildir_list(dir, &e, &n, err) < 0) {
        maildrop_close(md);
        return MAILDROP_ERROR;
    }
    md->msgs = calloc(n + 1, sizeof *md->msgs);
    if (!md->msgs) {
        maildir_list_free(e, n);
        maildrop_close(md);
        snprintf(err, FS_ERROR_MAX, "out of memory");
        return MAILDROP_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        struct maildrop_msg *m = &md->msgs[md->n++];
        m->path = e[i].path;                    /* taken over */
        e[i].path = NULL;
        m->size = e[i].wire_size;
        make_uid(strrchr(m->path, '/') + 1, m->uid);
    }
    maildir_list_free(e, n);
    *out = md;
    return MAILDROP_OK;
}

char *maildrop_read(const struct maildrop *md, size_t i, size_t *len, char err[FS_ERROR_MAX])
{
    char *text = i < md->n ? fs_read_file(md->msgs[i].path, len) : NULL;
    if (!text)
        snprintf(err, FS_ERROR_MAX, "%s: %s", i < md->n ? md->msgs[i].path : "message",
                 i < md->n ? strerror(errno) : "no such message");
    return text;
}

int maildrop_seen(struct maildrop *md, size_t i, char err[FS_ERROR_MAX])
{
    if (i >= md->n) {
        snprintf(err, FS_ERROR_MAX, "no such message");
        return -1;
    }
    struct maildrop_msg *m = &md->msgs[i];
    const char *name = strrchr(m->path, '/') + 1;
    const char *info = strstr(name, ":2,");
    char flags[32] = "";
    if (info)
        snprintf(flags, sizeof flags, "%s", info + 3);
    if (strchr(flags, 'S') && strstr(m->path, "/cur/"))
        return 0;
    /* the flags stay in ASCII order: D F P R S T */
    char sorted[33] = "";
    size_t k = 0;
    for (char f = 'A'; f <= 'z' && k < sizeof sorted - 1; f++)
        if (strchr(flags, f) || f == 'S')
            sorted[k++] = f;
    sorted[k] = '\0';
    char to[PATH_MAX];
    snprintf(to, sizeof to, "%s/cur/%.*s:2,%s", md->dir, (int)(info ? (size_t)(info - name) : strlen(name)),
             name, sorted);
    if (rename(m->path, to) < 0) {
        snprintf(err, FS_ERROR_MAX, "%s: %s", m->path, strerror(errno));
        return -1;
    }
    char *copy = strdup(to);
    if (copy) {
        free(m->path);
        m->path = copy;
    }
    return 0;
}

int maildrop_commit(struct maildrop *md, const size_t *idx, size_t n, char err[FS_ERROR_MAX])
{
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        if (i >= md->n || !md->msgs[i].path)
            continue;
        if (unlink(md->msgs[i].path) < 0 && errno != ENOENT && rc == 0) {
            snprintf(err, FS_ERROR_MAX, "%s: %s", md->msgs[i].path, strerror(errno));
            rc = -1;
        }
    }
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/cur", md->dir);
    fs_sync_dir(sub);
    snprintf(sub, sizeof sub, "%s/new", md->dir);
    fs_sync_dir(sub);
    return rc;
}

void maildrop_close(struct maildrop *md)
{
    if (!md)
        return;
    if (md->lock_fd >= 0)
        close(md->lock_fd);             /* releases the flock */
    for (size_t i = 0; i < md->n; i++)
        free(md->msgs[i].path);
    free(md->msgs);
    free(md);
}
