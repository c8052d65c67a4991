/*
 * progress — how far a student is in each lesson, for the list that
 * `lesson` shows: STATE/lessons/progress.json, written atomically
 *   {"version": 1, "lessons": {"01-mail-by-hand": {"step": 3, "steps": 7,
 *    "passed": 2, "hints": 1, "finished": false}}}
 * ("step" the step the student is on, from 0; "steps" those with checks,
 * of which "passed" passed).
 * The truth is each lesson's recording (STATE/lessons/ID/recording.jsonl),
 * which a resumed lesson replays; this file only saves replaying every
 * lesson to draw the list.
 */
#ifndef TUTOR_PROGRESS_H
#define TUTOR_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/fsutil.h"

struct progress_entry {
    size_t step, steps, passed;
    int hints;
    bool finished;
    bool known;                         /* the lesson has been started */
};

/* The entry of lesson `id` in the file at `path`; a missing file or
 * entry is an unknown one (known false). */
void progress_get(const char *path, const char *id, struct progress_entry *e);

/* Sets the entry (e NULL: removes it). 0, or -1 with err. */
int progress_put(const char *path, const char *id, const struct progress_entry *e,
                 char err[FS_ERROR_MAX]);

#endif
