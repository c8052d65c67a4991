/* cast_write — see cast_write.h. */
#include "cast_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"

/* Microseconds since the header. */
static long long elapsed_us(const struct cast_writer *w)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - w->start.tv_sec) * 1000000LL + (now.tv_nsec - w->start.tv_nsec) / 1000;
}

/* The line in w->line, written and flushed. */
static void emit(struct cast_writer *w)
{
    textbuf_addc(&w->line.b, '\n');
    if (w->failed || w->line.b.oom)
        return;
    if (fwrite(w->line.b.p, 1, w->line.b.len, w->f) != w->line.b.len || fflush(w->f) == EOF) {
        w->failed = true;
        w->saved_errno = errno;
    }
}

/* [time, code, ...: the event's start, its data to follow */
static void event(struct cast_writer *w, const char *code)
{
    char t[32];
    /* seconds to the microsecond, as asciinema writes them; not "%f",
     * whose decimal point is the locale's */
    long long us = elapsed_us(w);
    int n = snprintf(t, sizeof t, "%lld.%06lld", us / 1000000, us % 1000000);
    jsonout_begin(&w->line);
    jsonout_array(&w->line);
    jsonout_raw(&w->line, t, (size_t)n);
    jsonout_stringn(&w->line, code, strlen(code));
}

int cast_open(struct cast_writer *w, const char *path, int cols, int rows, const char *title,
              char err[CAST_WRITE_ERROR_MAX])
{
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s", path);
    w->f = fopen(path, "w");
    if (!w->f) {
        snprintf(err, CAST_WRITE_ERROR_MAX, _("%1$s: cannot write: %2$s"), path, strerror(errno));
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &w->start);
    struct jsonout *j = &w->line;
    jsonout_begin(j);
    jsonout_object(j);
    jsonout_key(j, "version");
    jsonout_int(j, 2);
    jsonout_key(j, "width");
    jsonout_int(j, cols);
    jsonout_key(j, "height");
    jsonout_int(j, rows);
    jsonout_key(j, "timestamp");
    jsonout_int(j, (long long)time(NULL));
    if (title && *title) {
        jsonout_key(j, "title");
        jsonout_stringn(j, title, strlen(title));
    }
    /* what asciinema records: the terminal the session was drawn for */
    jsonout_key(j, "env");
    jsonout_object(j);
    const char *term = getenv("TERM");
    jsonout_key(j, "TERM");
    jsonout_stringn(j, term ? term : "xterm-256color", strlen(term ? term : "xterm-256color"));
    jsonout_end(j);
    jsonout_end(j);
    emit(w);
    if (w->failed) {
        snprintf(err, CAST_WRITE_ERROR_MAX, _("%1$s: cannot write: %2$s"), path,
                 strerror(w->saved_errno));
        fclose(w->f);
        free(w->line.b.p);
        w->f = NULL;
        return -1;
    }
    return 0;
}

/* How many bytes at the end of s[n] start a UTF-8 character the chunk cut
 * short: held for the next one. */
static size_t cut_short(const unsigned char *s, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = s[n - back];
        if ((c & 0xc0) == 0x80)
            continue;                   /* a continuation byte: look further back */
        size_t want = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 1;
        return c >= 0x80 && want > back ? back : 0;
    }
    return 0;
}

void cast_output(struct cast_writer *w, const void *data, size_t n)
{
    if (!w->f || n == 0)
        return;
    /* the bytes held from the last chunk go first */
    unsigned char *joined = NULL;
    const unsigned char *s = data;
    if (w->nheld) {
        joined = malloc(w->nheld + n);
        if (!joined) {
            w->failed = true;
            w->saved_errno = ENOMEM;
            return;
        }
        memcpy(joined, w->held, w->nheld);
        memcpy(joined + w->nheld, data, n);
        n += w->nheld;
        s = joined;
        w->nheld = 0;
    }
    size_t keep = cut_short(s, n);
    memcpy(w->held, s + n - keep, keep);
    w->nheld = keep;
    if (n > keep) {
        event(w, "o");
        jsonout_stringn(&w->line, (const char *)s, n - keep);
        jsonout_end(&w->line);
        emit(w);
    }
    free(joined);
}

void cast_marker(struct cast_writer *w, const char *label)
{
    if (!w->f)
        return;
    event(w, "m");
    jsonout_stringn(&w->line, label, strlen(label));
    jsonout_end(&w->line);
    emit(w);
}

void cast_resize(struct cast_writer *w, int cols, int rows)
{
    if (!w->f)
        return;
    char size[32];
    snprintf(size, sizeof size, "%dx%d", cols, rows);
    event(w, "r");
    jsonout_stringn(&w->line, size, strlen(size));
    jsonout_end(&w->line);
    emit(w);
}

int cast_close(struct cast_writer *w, char err[CAST_WRITE_ERROR_MAX])
{
    if (!w->f)
        return 0;
    if (w->nheld) {
        /* a character never finished: its bytes become U+FFFD */
        unsigned char held[4];
        size_t n = w->nheld;
        memcpy(held, w->held, n);
        w->nheld = 0;
        event(w, "o");
        jsonout_stringn(&w->line, (const char *)held, n);
        jsonout_end(&w->line);
        emit(w);
    }
    bool failed = w->failed;
    int e = w->saved_errno;
    if (fclose(w->f) == EOF && !failed) {
        failed = true;
        e = errno;
    }
    w->f = NULL;
    free(w->line.b.p);
    w->line.b = (struct textbuf){0};
    if (failed) {
        snprintf(err, CAST_WRITE_ERROR_MAX, _("%1$s: the recording is cut short: %2$s"), w->path,
                 strerror(e));
        return -1;
    }
    return 0;
}
