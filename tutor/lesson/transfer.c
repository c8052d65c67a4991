/* transfer — see transfer.h. */
#include "transfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "progress.h"
#include "record.h"
#include "util/fsutil.h"
#include "util/i18n.h"

static void recording_path(const char *state_root, const char *id, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/lessons/%s/recording.jsonl", state_root, id);
}

int lesson_export(const char *state_root, struct lesson **all, size_t n, const char *file,
                  char err[LESSON_ERROR_MAX])
{
    json_t *lessons = json_object();
    json_t *doc = json_pack("{s:s,s:i,s:o}", "tutor", "progress", "version", 1, "lessons", lessons);
    for (size_t i = 0; doc && i < n; i++) {
        char path[PATH_MAX];
        recording_path(state_root, all[i]->id, path);
        size_t len;
        char *text = fs_read_file(path, &len);
        if (!text)
            continue;                   /* not started */
        json_t *s = json_stringn(text, len);
        free(text);
        if (s)
            json_object_set_new(lessons, all[i]->id, json_pack("{s:o}", "recording", s));
    }
    char *out = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    char ferr[FS_ERROR_MAX];
    int rc = out ? fs_write_atomic(file, out, strlen(out), ferr) : -1;
    if (rc < 0)
        snprintf(err, LESSON_ERROR_MAX, "%s", out ? ferr : strerror(ENOMEM));
    free(out);
    return rc;
}

int lesson_import(const char *state_root, struct lesson **all, size_t n, const char *file,
                  char err[LESSON_ERROR_MAX])
{
    json_error_t je;
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        for (char *c = je.text; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';               /* the bytes jansson quotes: one line */
        snprintf(err, LESSON_ERROR_MAX, "%s:%d:%d: %s", file, je.line, je.column, je.text);
        return -1;
    }
    const char *kind = json_string_value(json_object_get(doc, "tutor"));
    json_t *lessons = json_object_get(doc, "lessons");
    if (!kind || strcmp(kind, "progress") != 0 || !json_is_object(lessons)) {
        snprintf(err, LESSON_ERROR_MAX,
                 _("%1$s: not a tutor progress file (lesson --export writes one)"), file);
        json_decref(doc);
        return -1;
    }
    int rc = 0;
    err[0] = '\0';
    const char *id;
    json_t *v;
    json_object_foreach(lessons, id, v) {
        struct lesson *l = lesson_find(all, n, id);
        const json_t *recording = json_object_get(v, "recording");
        if (!l || strcmp(l->id, id) != 0 || !json_is_string(recording)) {
            if (!err[0])
                snprintf(err, LESSON_ERROR_MAX,
                         l ? _("%1$s: $.lessons.%2$s: no \"recording\" (a string)")
                           : _("%1$s: $.lessons.%2$s: this tutor has no such lesson"),
                         file, id);
            rc = -1;
            continue;
        }
        char dir[PATH_MAX], path[PATH_MAX], ferr[FS_ERROR_MAX];
        snprintf(dir, sizeof dir, "%s/lessons/%s", state_root, id);
        recording_path(state_root, id, path);
        if (fs_mkdirs(dir, ferr) < 0 ||
            fs_write_atomic(path, json_string_value(recording), json_string_length(recording),
                            ferr) < 0) {
            snprintf(err, LESSON_ERROR_MAX, "%s", ferr);
            rc = -1;
            continue;
        }
        /* the list shows it as started; the numbers come when it resumes */
        char progress[PATH_MAX];
        snprintf(progress, sizeof progress, "%s/lessons/progress.json", state_root);
        struct progress_entry e = {.steps = l->n_steps, .known = true};
        struct record rec;
        char rerr[RECORD_ERROR_MAX];
        if (record_read(path, &rec, rerr) < 0) {
            /* a damaged recording is not kept: the lesson would not resume */
            remove(path);
            snprintf(err, LESSON_ERROR_MAX, "%s: $.lessons.%s.recording: %s", file, id, rerr);
            rc = -1;
            continue;
        }
        record_free(&rec);
        progress_put(progress, id, &e, ferr);
    }
    json_decref(doc);
    return rc;
}
