/*
 * topo_json — a topology or world file read into jansson's tree, with its
 * size bounded first. jansson would parse a 100 MB file of one 50-million-
 * element array into 2 GB before any check of ours could refuse it, so
 * the file's bytes and its values are counted before it is parsed: the
 * size from fstat before a byte is read, the values as the text is read,
 * which costs a few milliseconds per megabyte.
 */
#include "topo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const struct topo_json_limits topo_json_limits = {TOPO_FILE_MAX, TOPO_VALUES_MAX, "a topology"};

/* The line and column (from 1) of text[at], as jansson counts them. */
static void position(const char *text, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

/* Counts values as the text arrives: each opening bracket and each comma
 * outside strings (an array of N values has N-1 commas). The state
 * carries over from one piece of the text to the next. */
struct value_count {
    size_t values;
    bool in_string, escaped;
};

/* Where the values pass `max` in text[from..to), or `to` when they do not. */
static size_t values_past(struct value_count *vc, const char *text, size_t from, size_t to,
                          size_t max)
{
    for (size_t i = from; i < to; i++) {
        char c = text[i];
        if (vc->escaped) {
            vc->escaped = false;
        } else if (vc->in_string) {
            if (c == '\\')
                vc->escaped = true;
            else if (c == '"')
                vc->in_string = false;
        } else if (c == '"') {
            vc->in_string = true;
        } else if ((c == ',' || c == '[' || c == '{') && ++vc->values > max) {
            return i;
        }
    }
    return to;
}

/* The file is read a piece at a time, each counted as it comes, so a file
 * of too many values is refused having read only as far as the limit:
 * the buffer's untouched pages cost nothing (a 100 MB array of 50
 * million values is refused with 16 MB read). */
#define READ_PIECE ((size_t)1 << 20)

char *topo_json_read(const char *path, const struct topo_json_limits *lim, size_t *len_out,
                     char err[TOPO_ERROR_MAX])
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, TOPO_ERROR_MAX, "%s: unable to open %s: %s", path, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, TOPO_ERROR_MAX, "%s: not a regular file", path);
        fclose(f);
        return NULL;
    }
    if ((unsigned long long)st.st_size > lim->bytes_max) {
        snprintf(err, TOPO_ERROR_MAX, "%s: %.1f MiB is more than %s file may hold (%zu MiB)",
                 path, (double)st.st_size / (1024.0 * 1024.0), lim->what,
                 lim->bytes_max >> 20);
        fclose(f);
        return NULL;
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *text = malloc(len ? len : 1);
    struct value_count vc = {0};
    while (text && got < len) {
        size_t n = fread(text + got, 1, len - got < READ_PIECE ? len - got : READ_PIECE, f);
        if (n == 0)
            break;
        size_t past = values_past(&vc, text, got, got + n, lim->values_max);
        if (past < got + n) {
            int line, col;
            position(text, past, &line, &col);
            snprintf(err, TOPO_ERROR_MAX, "%s:%d:%d: more than %zu JSON values: %s file may "
                     "hold no more", path, line, col, lim->values_max, lim->what);
            free(text);
            fclose(f);
            return NULL;
        }
        got += n;
    }
    if (!text || got != len) {
        snprintf(err, TOPO_ERROR_MAX, "%s: %s", path, text ? "cannot be read" : "out of memory");
        free(text);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len_out = len;
    return text;
}

json_t *topo_json_parse(const char *path, const char *text, size_t len, char err[TOPO_ERROR_MAX])
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        if (jerr.line > 0)
            snprintf(err, TOPO_ERROR_MAX, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        else
            snprintf(err, TOPO_ERROR_MAX, "%s: %s", path, jerr.text);
        topo_escape_controls(err, TOPO_ERROR_MAX);
    }
    return doc;
}

json_t *topo_json_load(const char *path, const struct topo_json_limits *lim,
                       char err[TOPO_ERROR_MAX])
{
    size_t len;
    char *text = topo_json_read(path, lim, &len, err);
    if (!text)
        return NULL;
    json_t *doc = topo_json_parse(path, text, len, err);
    free(text);
    return doc;
}
