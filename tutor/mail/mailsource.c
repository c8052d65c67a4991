/* mailsource — see mailsource.h. */
#include "mailsource.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/i18n.h"
#include "util/textbuf.h"

struct reader {
    mail_item_fn fn;
    void *ud;
    size_t index;
    int stop;                   /* what fn returned, once nonzero */
};

static bool blank(const char *line, ssize_t n)
{
    return (n == 1 && line[0] == '\n') || (n == 2 && line[0] == '\r' && line[1] == '\n');
}

static void deliver(struct reader *r, struct textbuf *hdr, bool cut, const char *where)
{
    if (r->stop)
        return;
    struct mail_item m = {hdr->p ? hdr->p : "", hdr->len, ++r->index, where, cut};
    r->stop = r->fn(&m, r->ud);
}

/* One file: a message, or an mbox when its first line is a "From " line.
 * In an mbox a message starts at a "From " line after an empty one (or at
 * the top), as mbox readers have split since mboxo. */
static int read_stream(struct reader *r, FILE *f, const char *name, bool single_file,
                       char err[MAILSOURCE_ERROR_MAX])
{
    struct textbuf hdr = {0};
    char *line = NULL, where[PATH_MAX + 32];
    size_t cap = 0, lineno = 0;
    ssize_t n;
    bool mbox = false, in_header = true, prev_blank = true, cut = false, any = false;
    snprintf(where, sizeof where, "%s", name);
    while (!r->stop && (n = getline(&line, &cap, f)) != -1) {
        lineno++;
        if (lineno == 1 && single_file && n >= 5 && memcmp(line, "From ", 5) == 0)
            mbox = true;
        if (mbox && prev_blank && n >= 5 && memcmp(line, "From ", 5) == 0) {
            if (any)
                deliver(r, &hdr, cut, where);
            hdr.len = 0;
            cut = false;
            in_header = true;
            any = true;
            prev_blank = false;
            snprintf(where, sizeof where, "%s:%zu", name, lineno);
            continue;
        }
        any = true;
        prev_blank = blank(line, n);
        if (!in_header)
            continue;
        if (prev_blank) {
            in_header = false;
            continue;
        }
        if (hdr.len + (size_t)n > MAILSOURCE_HEADER_MAX)
            cut = true;
        else
            textbuf_add(&hdr, line, (size_t)n);
    }
    int bad = ferror(f);
    if (!r->stop && any && !bad)
        deliver(r, &hdr, cut, where);
    bool oom = hdr.oom;
    free(hdr.p);
    free(line);
    if (bad) {
        snprintf(err, MAILSOURCE_ERROR_MAX, _("%1$s: cannot read: %2$s"), name, strerror(errno));
        return -1;
    }
    if (oom) {
        snprintf(err, MAILSOURCE_ERROR_MAX, _("%1$s: out of memory"), name);
        return -1;
    }
    if (!any && single_file) {
        snprintf(err, MAILSOURCE_ERROR_MAX, _("%1$s: the file is empty: no message in it"), name);
        return -1;
    }
    return 0;
}

static int read_file(struct reader *r, const char *path, bool single_file,
                     char err[MAILSOURCE_ERROR_MAX])
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, MAILSOURCE_ERROR_MAX, _("%1$s: cannot open: %2$s"), path, strerror(errno));
        return -1;
    }
    int rc = read_stream(r, f, path, single_file, err);
    fclose(f);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    const char *x = strrchr(*(char *const *)a, '/'), *y = strrchr(*(char *const *)b, '/');
    return strcmp(x, y);
}

/* A Maildir: the files of new/ and cur/, in the order of their names (a
 * Maildir name starts with the time of delivery). */
static int read_maildir(struct reader *r, const char *dir, char err[MAILSOURCE_ERROR_MAX])
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    static const char *const subs[] = {"new", "cur"};
    for (size_t s = 0; s < 2 && rc == 0; s++) {
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, subs[s]);
        DIR *d = opendir(sub);
        if (!d) {
            snprintf(err, MAILSOURCE_ERROR_MAX,
                     _("%1$s: a folder that is no Maildir (it has no %2$s/: %3$s)"), dir, subs[s],
                     strerror(errno));
            rc = -1;
            break;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                char **grown = realloc(names, cap * sizeof *names);
                if (!grown) {
                    rc = -1;
                    break;
                }
                names = grown;
            }
            size_t len = strlen(sub) + strlen(e->d_name) + 2;
            if (!(names[n] = malloc(len))) {
                rc = -1;
                break;
            }
            snprintf(names[n++], len, "%s/%s", sub, e->d_name);
        }
        closedir(d);
        if (rc < 0 && !err[0])
            snprintf(err, MAILSOURCE_ERROR_MAX, _("%1$s: out of memory"), dir);
    }
    if (rc == 0)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && !r->stop) {
            char e1[MAILSOURCE_ERROR_MAX];
            if (read_file(r, names[i], false, e1) < 0) {
                snprintf(err, MAILSOURCE_ERROR_MAX, "%s", e1);
                rc = -1;
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int mailsource_each(const char *path, mail_item_fn fn, void *ud, char err[MAILSOURCE_ERROR_MAX])
{
    struct reader r = {fn, ud, 0, 0};
    err[0] = '\0';
    int rc;
    if (strcmp(path, "-") == 0) {
        rc = read_stream(&r, stdin, _("standard input"), true, err);
    } else {
        struct stat st;
        if (stat(path, &st) < 0) {
            snprintf(err, MAILSOURCE_ERROR_MAX, _("%1$s: %2$s"), path, strerror(errno));
            return -1;
        }
        rc = S_ISDIR(st.st_mode) ? read_maildir(&r, path, err) : read_file(&r, path, true, err);
    }
    return rc < 0 ? -1 : r.stop;
}
