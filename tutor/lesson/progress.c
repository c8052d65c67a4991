/* progress — see progress.h. */
#include "progress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static json_t *load(const char *path)
{
    json_t *doc = json_load_file(path, 0, NULL);
    if (!json_is_object(doc) || !json_is_object(json_object_get(doc, "lessons"))) {
        /* a damaged file is started again: the recordings still hold
         * the truth, and the list is redrawn from them as lessons resume */
        json_decref(doc);
        doc = json_pack("{s:i,s:{}}", "version", 1, "lessons");
    }
    return doc;
}

void progress_get(const char *path, const char *id, struct progress_entry *e)
{
    memset(e, 0, sizeof *e);
    json_t *doc = load(path);
    json_t *o = json_object_get(json_object_get(doc, "lessons"), id);
    if (json_is_object(o)) {
        e->known = true;
        e->step = (size_t)json_integer_value(json_object_get(o, "step"));
        e->steps = (size_t)json_integer_value(json_object_get(o, "steps"));
        e->passed = (size_t)json_integer_value(json_object_get(o, "passed"));
        e->hints = (int)json_integer_value(json_object_get(o, "hints"));
        e->finished = json_is_true(json_object_get(o, "finished"));
    }
    json_decref(doc);
}

int progress_put(const char *path, const char *id, const struct progress_entry *e,
                 char err[FS_ERROR_MAX])
{
    json_t *doc = load(path);
    if (!doc) {
        snprintf(err, FS_ERROR_MAX, "%s", strerror(ENOMEM));
        return -1;
    }
    json_t *lessons = json_object_get(doc, "lessons");
    if (e)
        json_object_set_new(lessons, id,
                            json_pack("{s:I,s:I,s:I,s:i,s:b}", "step", (json_int_t)e->step, "steps",
                                      (json_int_t)e->steps, "passed", (json_int_t)e->passed,
                                      "hints", e->hints, "finished", e->finished));
    else
        json_object_del(lessons, id);
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(doc);
    if (!text) {
        snprintf(err, FS_ERROR_MAX, "%s", strerror(ENOMEM));
        return -1;
    }
    int rc = fs_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}
