/* record — see record.h. */
#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <sha2.h>

#include "util/fsutil.h"
#include "util/i18n.h"

void record_hash(const void *data, size_t len, char out[80])
{
    uint8_t d[SHA256_DIGEST_LENGTH];
    SHA2_CTX c;
    SHA256Init(&c);
    SHA256Update(&c, data, len);
    SHA256Final(d, &c);
    memcpy(out, "sha256:", 8);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
}

void record_hash_file(const char *path, char out[80])
{
    size_t len;
    char *text = fs_read_file(path, &len);
    if (text)
        record_hash(text, len, out);
    else
        out[0] = '\0';
    free(text);
}

static json_t *or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

int record_open(struct record_writer *w, const char *path, const struct record_header *h,
                char err[RECORD_ERROR_MAX])
{
    memset(w, 0, sizeof *w);
    w->f = fopen(path, "a");
    if (!w->f) {
        snprintf(err, RECORD_ERROR_MAX, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(w->f), &st) == 0 && st.st_size > 0)
        return 0;
    char started[32];
    time_t now = time(NULL);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_t *o = json_pack("{s:s,s:i,s:s,s:o,s:o,s:o,s:I,s:o,s:s}", "tutor", "recording", "version",
                          RECORD_VERSION, "tutor_version", h->tutor_version, "lesson",
                          or_null(h->lesson), "lesson_hash", or_null(h->lesson_hash), "world_hash",
                          or_null(h->world_hash), "seed", (json_int_t)h->seed, "student",
                          or_null(h->student), "started", started);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    int rc = text && fprintf(w->f, "%s\n", text) > 0 && fflush(w->f) == 0 ? 0 : -1;
    free(text);
    if (rc < 0) {
        snprintf(err, RECORD_ERROR_MAX, "%s: %s", path, strerror(errno ? errno : EIO));
        fclose(w->f);
        w->f = NULL;
    }
    return rc;
}

int record_line(struct record_writer *w, const char *step, const char *line, size_t len)
{
    if (!w->f || w->failed)
        return -1;
    json_t *o = json_object();
    json_object_set_new(o, "step", or_null(step));
    /* jansson refuses invalid UTF-8: such a line is kept byte for byte
     * as Latin-1 would be, and said so, rather than lost */
    json_t *s = json_stringn(line, len);
    if (!s) {
        json_object_set_new(o, "bytes", json_true());
        char *wide = malloc(len * 2 + 1);
        size_t k = 0;
        for (size_t i = 0; wide && i < len; i++) {
            unsigned char c = (unsigned char)line[i];
            if (c < 0x80) {
                wide[k++] = (char)c;
            } else {
                wide[k++] = (char)(0xc0 | (c >> 6));
                wide[k++] = (char)(0x80 | (c & 0x3f));
            }
        }
        s = wide ? json_stringn(wide, k) : NULL;
        free(wide);
    }
    json_object_set_new(o, "line", s ? s : json_string(""));
    char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!text || fprintf(w->f, "%s\n", text) < 0 || fflush(w->f) != 0)
        w->failed = true;
    free(text);
    return w->failed ? -1 : 0;
}

int record_break(struct record_writer *w)
{
    if (!w->f || w->failed)
        return -1;
    if (fprintf(w->f, "{\"resumed\":true}\n") < 0 || fflush(w->f) != 0)
        w->failed = true;
    return w->failed ? -1 : 0;
}

void record_close(struct record_writer *w)
{
    if (w->f)
        fclose(w->f);
    w->f = NULL;
}

/* ------------------------------------------------------------------------
 * Reading.
 */
static void copy_member(const json_t *o, const char *key, char *out, size_t size)
{
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(out, size, "%s", s ? s : "");
}

/* "line" of a line object: its bytes, Latin-1 undone when "bytes" says
 * it was escaped. New string, or NULL. */
static char *line_of(const json_t *o, size_t *len)
{
    const json_t *l = json_object_get(o, "line");
    const char *s = json_string_value(l);
    size_t n = json_string_length(l);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    bool bytes = json_is_true(json_object_get(o, "bytes"));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (bytes && (c == 0xc2 || c == 0xc3) && i + 1 < n) {
            /* U+0080..U+00FF: the byte record_line wrote so (never a NUL;
             * a wider character is not one of its bytes, and stays) */
            out[k++] = (char)(((c & 0x1f) << 6) | ((unsigned char)s[i + 1] & 0x3f));
            i++;
        } else if (c) {
            out[k++] = (char)c;
        } else {
            break;                      /* a NUL ends the line, as the prompt reads it */
        }
    }
    out[k] = '\0';
    *len = k;
    return out;
}

int record_read(const char *path, struct record *out, char err[RECORD_ERROR_MAX])
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, RECORD_ERROR_MAX, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    int rc = -1;
    while ((got = getline(&buf, &cap, f)) >= 0) {
        lineno++;
        if ((size_t)got > RECORD_LINE_MAX) {
            snprintf(err, RECORD_ERROR_MAX, _("%1$s:%2$zu: a line longer than %3$u bytes"), path,
                     lineno, RECORD_LINE_MAX);
            goto done;
        }
        if (got <= 1 && lineno > 1)
            continue;                   /* an empty line between records */
        json_error_t je;
        json_t *o = json_loadb(buf, (size_t)got, 0, &je);
        /* jansson quotes the bytes near the error: a message stays one line */
        for (char *c = je.text; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        if (!json_is_object(o)) {
            snprintf(err, RECORD_ERROR_MAX, _("%1$s:%2$zu: not a JSON object: %3$s"), path, lineno,
                     o ? _("another kind of value") : je.text);
            json_decref(o);
            goto done;
        }
        if (lineno == 1) {
            const char *kind = json_string_value(json_object_get(o, "tutor"));
            json_t *v = json_object_get(o, "version");
            if (!kind || strcmp(kind, "recording") != 0 || !json_is_integer(v)) {
                snprintf(err, RECORD_ERROR_MAX,
                         _("%1$s:1: not a tutor recording (its first line is a header "
                           "{\"tutor\": \"recording\", \"version\": 1, ...})"),
                         path);
                json_decref(o);
                goto done;
            }
            out->h.version = (int)json_integer_value(v);
            if (out->h.version < 1 || out->h.version > RECORD_VERSION) {
                snprintf(err, RECORD_ERROR_MAX,
                         _("%1$s:1: a recording of version %2$d, and this tutor replays "
                           "versions 1 to %3$d"),
                         path, out->h.version, RECORD_VERSION);
                json_decref(o);
                goto done;
            }
            copy_member(o, "lesson", out->h.lesson, sizeof out->h.lesson);
            copy_member(o, "lesson_hash", out->h.lesson_hash, sizeof out->h.lesson_hash);
            copy_member(o, "world_hash", out->h.world_hash, sizeof out->h.world_hash);
            copy_member(o, "student", out->h.student, sizeof out->h.student);
            copy_member(o, "tutor_version", out->h.tutor_version, sizeof out->h.tutor_version);
            out->h.seed = json_integer_value(json_object_get(o, "seed"));
            json_decref(o);
            continue;
        }
        bool mark = json_is_true(json_object_get(o, "resumed"));
        if (!mark && !json_is_string(json_object_get(o, "line"))) {
            snprintf(err, RECORD_ERROR_MAX, _("%1$s:%2$zu: no \"line\" (a string)"), path, lineno);
            json_decref(o);
            goto done;
        }
        if (out->n == RECORD_LINES_MAX) {
            snprintf(err, RECORD_ERROR_MAX, _("%1$s:%2$zu: more than %3$d typed lines"), path,
                     lineno, RECORD_LINES_MAX);
            json_decref(o);
            goto done;
        }
        if (out->n % 256 == 0) {
            char **l = realloc(out->lines, (out->n + 256) * sizeof *l);
            size_t *n = l ? realloc(out->lens, (out->n + 256) * sizeof *n) : NULL;
            if (l)
                out->lines = l;
            if (n)
                out->lens = n;
            if (!l || !n) {
                snprintf(err, RECORD_ERROR_MAX, "%s: %s", path, strerror(ENOMEM));
                json_decref(o);
                goto done;
            }
        }
        char *line = mark ? strdup("") : line_of(o, &out->lens[out->n]);
        if (mark)
            out->lens[out->n] = RECORD_BREAK;
        json_decref(o);
        if (!line) {
            snprintf(err, RECORD_ERROR_MAX, "%s: %s", path, strerror(ENOMEM));
            goto done;
        }
        if (strchr(line, '\n')) {
            /* no keyboard or pipe gives a line with a line end inside:
             * replayed, it would be two lines where the student typed one */
            snprintf(err, RECORD_ERROR_MAX, _("%1$s:%2$zu: a line holding a line end (\\n)"),
                     path, lineno);
            free(line);
            goto done;
        }
        out->lines[out->n++] = line;
    }
    if (lineno == 0) {
        snprintf(err, RECORD_ERROR_MAX, _("%1$s: empty, not a tutor recording"), path);
        goto done;
    }
    if (ferror(f)) {
        snprintf(err, RECORD_ERROR_MAX, "%s: %s", path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    free(buf);
    fclose(f);
    if (rc < 0)
        record_free(out);
    return rc;
}

void record_free(struct record *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->lines[i]);
    free(r->lines);
    free(r->lens);
    memset(r, 0, sizeof *r);
}
