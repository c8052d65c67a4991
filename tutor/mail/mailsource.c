/* mailsource — see mailsource.h. */
#include "mailsource.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fmt.h"
#include "util/i18n.h"
#include "util/textbuf.h"

struct reader {
    mail_item_fn fn;
    void *ud;
    size_t index;
    int stop;                   /* what fn returned, once nonzero */
};

/* ------------------------------------------------------------------------
 * Lines, read in large blocks: a mailbox is mostly bodies, only looked at
 * for an empty line and a "From " after it, so lines are not copied out
 * one by one (getline) but seen where they lie in the block. A line
 * longer than the block comes in pieces, none of them a line start but
 * the first: the memory a file takes is one block, whatever it holds.
 */
#define BLOCK (256u * 1024)

struct lines {
    FILE *f;
    char *buf;
    size_t start, end;          /* the unread bytes are buf[start..end) */
    bool eof, error;
    bool mid_line;              /* the last piece given did not end its line */
    /* The header being read, where it lies in buf: most headers are handed
     * on from there, uncopied. Copied into hdr before buf moves. */
    const char *span;
    size_t span_len;
    struct textbuf *hdr;
};

static void keep_span(struct lines *l)
{
    if (l->span) {
        textbuf_add(l->hdr, l->span, l->span_len);
        l->span = NULL;
        l->span_len = 0;
    }
}

/* The next piece: a whole line with its "\n", or a part of a long one.
 * *first: the piece starts a line. false at the end of the file. */
static bool next_piece(struct lines *l, const char **p, size_t *n, bool *first)
{
    if (l->start == l->end || !memchr(l->buf + l->start, '\n', l->end - l->start)) {
        if (!l->eof) {
            keep_span(l);
            memmove(l->buf, l->buf + l->start, l->end - l->start);
            l->end -= l->start;
            l->start = 0;
            while (!l->eof && l->end < BLOCK) {
                size_t got = fread(l->buf + l->end, 1, BLOCK - l->end, l->f);
                l->end += got;
                if (got == 0) {
                    l->eof = true;
                    l->error = ferror(l->f) != 0;
                } else if (memchr(l->buf + l->end - got, '\n', got)) {
                    break;
                }
            }
        }
        if (l->start == l->end)
            return false;
    }
    const char *s = l->buf + l->start;
    const char *nl = memchr(s, '\n', l->end - l->start);
    *n = nl ? (size_t)(nl - s) + 1 : l->end - l->start;
    *p = s;
    *first = !l->mid_line;
    l->mid_line = !nl;
    l->start += *n;
    return true;
}

static bool blank(const char *line, size_t n)
{
    return (n == 1 && line[0] == '\n') || (n == 2 && line[0] == '\r' && line[1] == '\n');
}

static void deliver(struct reader *r, struct lines *l, bool cut, const char *where)
{
    if (r->stop)
        return;
    struct textbuf *hdr = l->hdr;
    if (hdr->len > 0)
        keep_span(l);
    struct mail_item m = {hdr->p ? hdr->p : "", hdr->len, ++r->index, where, cut};
    if (l->span) {
        m.header = l->span;             /* all of it in buf, as it is */
        m.len = l->span_len;
    }
    r->stop = r->fn(&m, r->ud);
}

/* The header starts again, empty. */
static void new_header(struct lines *l)
{
    l->hdr->len = 0;
    l->span = NULL;
    l->span_len = 0;
}

/* One file: a message, or an mbox when its first line is a "From " line.
 * In an mbox a message starts at a "From " line after an empty one (or at
 * the top), as mbox readers have split since mboxo. */
static int read_stream(struct reader *r, FILE *f, const char *name, bool single_file,
                       char err[MAILSOURCE_ERROR_MAX])
{
    struct textbuf hdr = {0};
    struct lines l = {f, malloc(BLOCK), 0, 0, false, false, false, NULL, 0, &hdr};
    char where[PATH_MAX + 32];
    const char *line;
    size_t n, lineno = 0;
    bool first, mbox = false, in_header = true, prev_blank = true, cut = false, any = false;
    bool skip_rest = false;
    snprintf(where, sizeof where, "%s", name);
    if (!l.buf) {
        snprintf(err, MAILSOURCE_ERROR_MAX, _("%1$s: out of memory"), name);
        return -1;
    }
    while (!r->stop && next_piece(&l, &line, &n, &first)) {
        bool ends = !l.mid_line;                /* the piece ends its line */
        if (!first && skip_rest) {
            skip_rest = !ends;                  /* the rest of a long "From " line */
            continue;
        }
        if (first) {
            lineno++;
            bool from_line = n >= 5 && memcmp(line, "From ", 5) == 0;
            if (lineno == 1 && single_file && from_line)
                mbox = true;
            if (mbox && prev_blank && from_line) {
                if (any)
                    deliver(r, &l, cut, where);
                new_header(&l);
                cut = false;
                in_header = true;
                any = true;
                prev_blank = false;
                skip_rest = !ends;
                fmt_snprintf(where, sizeof where, "%s:%zu", name, lineno);
                continue;
            }
        }
        any = true;
        prev_blank = first && ends && blank(line, n);
        if (!in_header)
            continue;
        if (prev_blank) {
            in_header = false;
            continue;
        }
        if (hdr.len + l.span_len + n > MAILSOURCE_HEADER_MAX) {
            cut = true;
        } else if (l.span && l.span + l.span_len == line) {
            l.span_len += n;            /* the next line of the span */
        } else if (!l.span && hdr.len == 0) {
            l.span = line;
            l.span_len = n;
        } else {
            keep_span(&l);
            textbuf_add(&hdr, line, n);
        }
    }
    bool bad = l.error;
    int saved = errno;
    if (!r->stop && any && !bad)
        deliver(r, &l, cut, where);
    bool oom = hdr.oom;
    free(hdr.p);
    free(l.buf);
    if (bad) {
        snprintf(err, MAILSOURCE_ERROR_MAX, _("%1$s: cannot read: %2$s"), name, strerror(saved));
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

int mailsource_stream(FILE *f, const char *name, mail_item_fn fn, void *ud,
                      char err[MAILSOURCE_ERROR_MAX])
{
    struct reader r = {fn, ud, 0, 0};
    err[0] = '\0';
    return read_stream(&r, f, name, true, err) < 0 ? -1 : r.stop;
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
