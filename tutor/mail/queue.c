/* queue — see queue.h. */
#include "queue.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

static int write_envelope(const char *dir, const struct queue_entry *e, char err[FS_ERROR_MAX])
{
    json_t *rcpts = json_array();
    for (size_t i = 0; i < e->n_rcpts; i++)
        json_array_append_new(rcpts, json_string(e->rcpts[i]));
    json_t *env = json_pack("{s:s, s:s, s:o, s:i, s:s, s:s, s:I, s:I, s:b}", "id", e->id,
                            "from", e->from, "rcpts", rcpts, "attempts", e->attempts,
                            "status", e->status, "last_error", e->last_error,
                            "size", (json_int_t)e->size, "arrival", (json_int_t)e->arrival,
                            "warned", e->warned);
    char *text = env ? json_dumps(env, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(env);
    if (!text) {
        snprintf(err, FS_ERROR_MAX, "cannot encode the envelope of %s", e->id);
        return -1;
    }
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s.json", dir, e->id);
    int rc = fs_write_atomic(p, text, strlen(text), err);
    free(text);
    return rc;
}

int queue_add(const char *dir, const char *id, const char *from, const char *const *rcpts,
              size_t n_rcpts, const char *msg, size_t len, long long arrival,
              char err[FS_ERROR_MAX])
{
    if (fs_mkdirs(dir, err) < 0)
        return -1;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s.eml", dir, id);
    if (fs_write_atomic(p, msg, len, err) < 0)
        return -1;
    struct queue_entry e = {.from = (char *)from, .rcpts = (char **)rcpts,
                            .n_rcpts = n_rcpts, .status = (char *)"queued",
                            .last_error = (char *)"", .size = len, .arrival = arrival};
    snprintf(e.id, sizeof e.id, "%s", id);
    if (write_envelope(dir, &e, err) < 0) {
        unlink(p);
        return -1;
    }
    return 0;
}

int queue_update(const char *dir, const struct queue_entry *e, char err[FS_ERROR_MAX])
{
    return write_envelope(dir, e, err);
}

static char *dup_string(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return strdup(s ? s : "");
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct queue_entry *)a)->id, ((const struct queue_entry *)b)->id);
}

int queue_list(const char *dir, struct queue_entry **out, size_t *n, char err[FS_ERROR_MAX])
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, FS_ERROR_MAX, "%s: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        json_t *env = json_load_file(p, 0, NULL);
        if (!env)
            continue;   /* unreadable envelopes stay on disk for a person to see */
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct queue_entry *v = realloc(*out, cap * sizeof *v);
            if (!v) {
                json_decref(env);
                break;
            }
            *out = v;
        }
        struct queue_entry *e = &(*out)[*n];
        memset(e, 0, sizeof *e);
        snprintf(e->id, sizeof e->id, "%.*s", (int)(l - 5), de->d_name);
        e->from = dup_string(env, "from");
        e->status = dup_string(env, "status");
        e->last_error = dup_string(env, "last_error");
        e->attempts = (int)json_integer_value(json_object_get(env, "attempts"));
        e->size = (size_t)json_integer_value(json_object_get(env, "size"));
        /* 0 in a queue written before arrivals were kept: the relay
         * starts the clock at its next look */
        e->arrival = (long long)json_integer_value(json_object_get(env, "arrival"));
        e->warned = json_is_true(json_object_get(env, "warned"));
        json_t *r = json_object_get(env, "rcpts");
        e->rcpts = calloc(json_array_size(r) + 1, sizeof *e->rcpts);
        for (size_t i = 0; e->rcpts && i < json_array_size(r); i++)
            e->rcpts[e->n_rcpts++] = strdup(json_string_value(json_array_get(r, i)) ?
                                            json_string_value(json_array_get(r, i)) : "");
        json_decref(env);
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof **out, by_id);
    return 0;
}

void queue_list_free(struct queue_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].from);
        free(e[i].status);
        free(e[i].last_error);
        for (size_t k = 0; k < e[i].n_rcpts; k++)
            free(e[i].rcpts[k]);
        free(e[i].rcpts);
    }
    free(e);
}

char *queue_message(const char *dir, const char *id, size_t *len, char err[FS_ERROR_MAX])
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s.eml", dir, id);
    char *m = fs_read_file(p, len);
    if (!m)
        snprintf(err, FS_ERROR_MAX, "%s: %s", p, strerror(errno));
    return m;
}

int queue_remove(const char *dir, const char *id, char err[FS_ERROR_MAX])
{
    char p[PATH_MAX];
    /* envelope first: without it the entry is gone even if the .eml stays */
    snprintf(p, sizeof p, "%s/%s.json", dir, id);
    if (unlink(p) < 0 && errno != ENOENT) {
        snprintf(err, FS_ERROR_MAX, "%s: %s", p, strerror(errno));
        return -1;
    }
    snprintf(p, sizeof p, "%s/%s.eml", dir, id);
    unlink(p);
    fs_sync_dir(dir);
    return 0;
}
