/* cast_read — see cast_read.h. */
#include "cast_read.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "util/i18n.h"

/* the first read of a file whose size fstat cannot tell (a pipe) */
#define CAST_READ_CHUNK (64u << 10)
/* bytes of a resize's data quoted in a message */
#define CAST_QUOTE_MAX 32
/* times from this far on are said as %g, not to the microsecond */
#define CAST_TIME_TEXT_FIXED_MAX 1e12

/* ------------------------------------------------------------------------
 * Messages.
 */
struct reader {
    const char *path;
    char *err;                          /* CAST_ERROR_MAX */
    struct cast *c;
    size_t text_used, text_cap;         /* of c->text */
    size_t ev_cap;                      /* of c->ev */
};

/* "PATH:LINE: " (no line when 0) and the reason. The reason may quote
 * the file (jansson's text does): its control characters become spaces,
 * so that a message is one line and cannot move the cursor. */
static int fail(struct reader *r, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct reader *r, size_t line, const char *fmt, ...)
{
    int k = line ? snprintf(r->err, CAST_ERROR_MAX, "%s:%zu: ", r->path, line)
                 : snprintf(r->err, CAST_ERROR_MAX, "%s: ", r->path);
    if (k < 0 || (size_t)k >= CAST_ERROR_MAX)
        return -1;                      /* a path as long as the buffer: the path alone */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + k, CAST_ERROR_MAX - (size_t)k, fmt, ap);
    va_end(ap);
    for (char *p = r->err + k; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return -1;
}

/* At most CAST_QUOTE_MAX bytes of `s`, cut between two UTF-8 characters,
 * control characters and NULs shown as '?', ".." where it was cut. */
static void quote(const char *s, size_t len, char out[CAST_QUOTE_MAX + 3])
{
    size_t n = len;
    if (n > CAST_QUOTE_MAX) {
        n = CAST_QUOTE_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    strcpy(out + n, n < len ? ".." : "");
}

/* A time as a recorder writes it, to the microsecond and no further
 * ("1.5", "3600.000123"): %g would show two close times as the same.
 * Far past any limit, %g (1e+300), which fits. */
static void time_text(double t, char out[32])
{
    if (t >= CAST_TIME_TEXT_FIXED_MAX || t <= -CAST_TIME_TEXT_FIXED_MAX) {
        snprintf(out, 32, "%g", t);
        return;
    }
    snprintf(out, 32, "%.6f", t);
    char *end = out + strlen(out);
    while (end > out && end[-1] == '0')
        *--end = '\0';
    if (end > out && end[-1] == '.')
        end[-1] = '\0';
}

/* ------------------------------------------------------------------------
 * The file into memory, within CAST_FILE_MAX.
 */
static char *read_all(struct reader *r, size_t *len)
{
    FILE *f = fopen(r->path, "rb");
    if (!f) {
        fail(r, 0, "%s", strerror(errno));
        return NULL;
    }
    struct stat st;
    size_t cap = CAST_READ_CHUNK;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        /* refused before a byte is read: a huge file costs nothing */
        if (st.st_size > (off_t)CAST_FILE_MAX) {
            fail(r, 0, _("larger than %1$u MiB, the limit of a recording"), CAST_FILE_MAX >> 20);
            fclose(f);
            return NULL;
        }
        cap = (size_t)st.st_size + 1;   /* +1: the end is seen in one read */
    }
    char *buf = NULL;
    size_t n = 0;
    for (;;) {
        if (n == cap || !buf) {
            if (buf)
                cap = cap * 2 > CAST_FILE_MAX + 1 ? CAST_FILE_MAX + 1 : cap * 2;
            char *p = realloc(buf, cap);
            if (!p) {
                fail(r, 0, "%s", strerror(ENOMEM));
                goto refused;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > CAST_FILE_MAX) {
            /* a file that grew, or a pipe */
            fail(r, 0, _("larger than %1$u MiB, the limit of a recording"), CAST_FILE_MAX >> 20);
            goto refused;
        }
        if (got == 0 || n < cap) {
            if (ferror(f)) {
                fail(r, 0, "%s", strerror(errno ? errno : EIO));
                goto refused;
            }
            if (feof(f))
                break;
        }
    }
    fclose(f);
    *len = n;
    return buf;
refused:
    free(buf);
    fclose(f);
    return NULL;
}

/* ------------------------------------------------------------------------
 * The strings kept. Every one is a JSON string of the file, stored once,
 * and no string is longer than its JSON form less the two quotes (an
 * escape is never shorter than what it stands for), so all of them and a
 * NUL each fit in as many bytes as the file has: c->text is allocated
 * once, and the pointers into it never move.
 */
static const char *keep(struct reader *r, const json_t *s)
{
    size_t n = json_string_length(s);
    assert(r->text_used + n + 1 <= r->text_cap);
    char *p = r->c->text + r->text_used;
    memcpy(p, json_string_value(s), n);
    p[n] = '\0';
    r->text_used += n + 1;
    return p;
}

/* ------------------------------------------------------------------------
 * The header.
 */
static int header_size(struct reader *r, const json_t *h, const char *key, int max, int *out)
{
    const json_t *v = json_object_get(h, key);
    if (!v)
        return fail(r, 1, _("the header has no \"%1$s\""), key);
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return fail(r, 1, _("\"%1$s\" is not a positive whole number"), key);
    if (json_integer_value(v) > max)
        return fail(r, 1, _("\"%1$s\" is %2$lld, over the limit of %3$d"), key,
                    (long long)json_integer_value(v), max);
    *out = (int)json_integer_value(v);
    return 0;
}

/* Only what the player uses is checked beyond version and size: a
 * "timestamp" or an "env" another tool wrote loosely is no reason to
 * refuse its recording. */
static int read_header(struct reader *r, const json_t *h)
{
    if (!json_is_object(h))
        return fail(r, 1, "%s", _("the header is not a JSON object (an asciicast starts with "
                                  "{\"version\": 2, \"width\": ..., \"height\": ...})"));
    const json_t *v = json_object_get(h, "version");
    if (!v)
        return fail(r, 1, "%s", _("the header has no \"version\": not an asciicast"));
    if (!json_is_integer(v))
        return fail(r, 1, "%s", _("\"version\" is not a whole number"));
    if (json_integer_value(v) == 3)
        return fail(r, 1, "%s", _("asciicast version 3: only version 2 is read (asciinema 3 "
                                  "writes it with rec -f asciicast-v2)"));
    if (json_integer_value(v) != 2)
        return fail(r, 1, _("asciicast version %1$lld: only version 2 is read"),
                    (long long)json_integer_value(v));
    if (header_size(r, h, "width", CAST_WIDTH_MAX, &r->c->width) < 0 ||
        header_size(r, h, "height", CAST_HEIGHT_MAX, &r->c->height) < 0)
        return -1;
    const json_t *idle = json_object_get(h, "idle_time_limit");
    if (idle && !json_is_null(idle)) {
        if (!json_is_number(idle) || !(json_number_value(idle) > 0))
            return fail(r, 1, "%s", _("\"idle_time_limit\" is not a positive number"));
        double s = json_number_value(idle);
        r->c->idle_time_limit = s < CAST_TIME_MAX ? s : CAST_TIME_MAX;
    }
    const json_t *title = json_object_get(h, "title");
    if (title && !json_is_null(title)) {
        if (!json_is_string(title))
            return fail(r, 1, "%s", _("\"title\" is not a string"));
        r->c->title = keep(r, title);
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * The events.
 */

/* "COLSxROWS", digits only; 0, or -1 when it is not that (*cols and
 * *rows then 0), or 1 when it is but out of range. */
static int parse_size(const char *s, size_t len, int *cols, int *rows)
{
    long v[2] = {0, 0};
    size_t i = 0;
    *cols = *rows = 0;
    for (int k = 0; k < 2; k++) {
        size_t start = i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (v[k] <= CAST_WIDTH_MAX + CAST_HEIGHT_MAX)   /* past every cap: stop growing */
                v[k] = v[k] * 10 + (s[i] - '0');
        if (i == start || (k == 0 && (i == len || s[i++] != 'x')))
            return -1;
    }
    if (i != len)
        return -1;
    if (v[0] < 1 || v[0] > CAST_WIDTH_MAX || v[1] < 1 || v[1] > CAST_HEIGHT_MAX)
        return 1;
    *cols = (int)v[0];
    *rows = (int)v[1];
    return 0;
}

static enum cast_kind kind_of(const json_t *code)
{
    if (json_string_length(code) != 1)
        return CAST_OTHER;
    switch (json_string_value(code)[0]) {
    case 'o': return CAST_OUTPUT;
    case 'i': return CAST_INPUT;
    case 'm': return CAST_MARKER;
    case 'r': return CAST_RESIZE;
    default: return CAST_OTHER;
    }
}

static int read_event(struct reader *r, const json_t *a, size_t line)
{
    struct cast *c = r->c;
    if (!json_is_array(a) || json_array_size(a) != 3)
        return fail(r, line, "%s", _("an event is an array of three, [time, code, data]"));
    const json_t *t = json_array_get(a, 0), *code = json_array_get(a, 1),
                 *data = json_array_get(a, 2);
    if (!json_is_number(t))
        return fail(r, line, "%s", _("the time is not a number"));
    double time = json_number_value(t);
    char now[32], before[32];
    time_text(time, now);
    if (time < 0)
        return fail(r, line, _("the time is negative (%1$s)"), now);
    if (time > CAST_TIME_MAX)
        return fail(r, line, _("the time %1$s s is over the limit of %2$u s (a week)"),
                    now, (unsigned)CAST_TIME_MAX);
    if (c->n > 0 && time < c->ev[c->n - 1].time) {
        time_text(c->ev[c->n - 1].time, before);
        return fail(r, line, _("the time %1$s is before the previous event's (%2$s)"), now,
                    before);
    }
    if (!json_is_string(code))
        return fail(r, line, "%s", _("the code (the second value) is not a string"));
    if (!json_is_string(data))
        return fail(r, line, "%s", _("the data (the third value) is not a string"));
    struct cast_event e = {.time = time, .kind = kind_of(code)};
    if (e.kind == CAST_RESIZE) {
        int rc = parse_size(json_string_value(data), json_string_length(data), &e.cols, &e.rows);
        char q[CAST_QUOTE_MAX + 3];
        quote(json_string_value(data), json_string_length(data), q);
        if (rc < 0)
            return fail(r, line, _("a resize's data is \"%1$s\", not COLSxROWS (as \"80x24\")"),
                        q);
        if (rc > 0)
            return fail(r, line, _("a resize to \"%1$s\": columns go from 1 to %2$d, rows from 1 "
                                   "to %3$d"),
                        q, CAST_WIDTH_MAX, CAST_HEIGHT_MAX);
    }
    if (c->n == CAST_EVENTS_MAX)
        return fail(r, line, _("more than %1$u events, the limit of a recording"),
                    CAST_EVENTS_MAX);
    if (c->n == r->ev_cap) {
        size_t cap = r->ev_cap ? r->ev_cap * 2 : 256;
        if (cap > CAST_EVENTS_MAX)
            cap = CAST_EVENTS_MAX;
        struct cast_event *p = realloc(c->ev, cap * sizeof *p);
        if (!p)
            return fail(r, line, "%s", strerror(ENOMEM));
        c->ev = p;
        r->ev_cap = cap;
    }
    e.code = keep(r, code);
    e.data = keep(r, data);
    e.len = json_string_length(data);
    c->ev[c->n++] = e;
    return 0;
}

/* ------------------------------------------------------------------------
 * The lines.
 */
static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Line 1 is not JSON: an asciicast v1 is one JSON document over many
 * lines, and is named as such rather than as a syntax error. */
static int not_json(struct reader *r, const char *buf, size_t len, size_t line,
                    const json_error_t *je)
{
    if (line == 1) {
        json_error_t whole;
        json_t *doc = json_loadb(buf, len, 0, &whole);
        json_int_t v = json_integer_value(json_object_get(doc, "version"));
        json_decref(doc);
        if (v == 1)
            return fail(r, 0, "%s", _("asciicast version 1 (one JSON document): only version 2 "
                                      "is read"));
    }
    return fail(r, line, _("not JSON, at column %1$d: %2$s"), je->column, je->text);
}

static int parse(struct reader *r, const char *buf, size_t len)
{
    if (len == 0)
        return fail(r, 0, "%s", _("empty: not an asciicast"));
    size_t line = 0;
    for (const char *p = buf, *end = buf + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        if (n > CAST_LINE_MAX)
            return fail(r, line, _("a line longer than %1$u bytes, the limit"), CAST_LINE_MAX);
        if (blank(p, n)) {
            if (line == 1)
                return fail(r, line, "%s", _("empty: an asciicast starts with its header"));
        } else {
            json_error_t je;
            json_t *j = json_loadb(p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES,
                                   &je);
            if (!j)
                return not_json(r, buf, len, line, &je);
            int rc = line == 1 ? read_header(r, j) : read_event(r, j, line);
            json_decref(j);
            if (rc < 0)
                return -1;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int cast_read(const char *path, struct cast *out, char err[CAST_ERROR_MAX])
{
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    struct reader r = {.path = path, .err = err, .c = out};
    size_t len;
    char *buf = read_all(&r, &len);
    if (!buf)
        return -1;
    int rc = -1;
    if (!(out->text = malloc(len + 1))) {
        fail(&r, 0, "%s", strerror(ENOMEM));
        goto done;
    }
    r.text_cap = len + 1;
    rc = parse(&r, buf, len);
done:
    free(buf);
    if (rc < 0)
        cast_free(out);
    return rc;
}

void cast_free(struct cast *c)
{
    free(c->ev);
    free(c->text);
    memset(c, 0, sizeof *c);
}
