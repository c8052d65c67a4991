/*
 * lesson_checks — judging a step: the checks of lesson.json (through
 * scripts/lesson_checks.lua) and the lesson's own checks.lua, run in a
 * sandbox of their own with a read-only view of the transcript and the
 * world (mailboxes, the mail client's copies, relay queues), and nothing
 * else: no files, no OS, a budget per call, as the servers have.
 */
#ifndef TUTOR_LESSON_CHECKS_H
#define TUTOR_LESSON_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "host/runtime.h"
#include "host/transcript.h"
#include "lesson.h"

/* A step's checks see at most this many of the latest events of their
 * scope, so a session of endless lines cannot make each check slower
 * than the last. */
#define LCHECK_EVENTS_MAX 5000
#define LCHECK_TEXT_MAX 600             /* bytes of an expected or actual text */
#define LCHECK_MISTAKES_MAX 32

struct lcheck_item {
    bool ok;
    char expect[LCHECK_TEXT_MAX];
    char actual[LCHECK_TEXT_MAX];
    char rule[160];
};

struct lcheck_result {
    struct lcheck_item *items;          /* one a check, in the step's order */
    size_t n;
    bool passed;                        /* every check holds (a step without any: false) */
    /* the mistakes recognised now: the step's own, or (lesson_wide) of
     * the lesson's list that holds on every step; which of the list */
    struct lcheck_mistake {
        bool lesson_wide;
        int mistake;                    /* 0-based */
    } mistakes[LCHECK_MISTAKES_MAX];
    size_t n_mistakes;
};

struct lesson_checker;

/* A sandbox with the check library (DATADIR/scripts/lesson_checks.lua)
 * and the lesson's checks.lua loaded. New (free with lcheck_free), or NULL
 * with err naming the script and line. */
struct lesson_checker *lcheck_new(const struct lesson *l, const char *datadir,
                                  char err[LESSON_ERROR_MAX]);
void lcheck_free(struct lesson_checker *c);

/* Judges by another variant of the same lesson from now on (the same
 * steps, other values: lesson_load_variant). Borrowed. 0, or -1 with err. */
int lcheck_set_lesson(struct lesson_checker *c, const struct lesson *l, char err[LESSON_ERROR_MAX]);

/* Judges step `step` of the lesson on the events of transcript `t` (those
 * stamped with the step, and all of them for checks of the lesson's
 * scope) and the world of `rt`, and looks for the step's mistakes and the
 * lesson's own in the same events. 0 with *out filled (free its items with
 * lcheck_result_free), or -1 with err (a check's script failed: the
 * failure names checks.lua and the line). */
int lcheck_step(struct lesson_checker *c, int step, const struct transcript *t,
                struct runtime *rt, struct lcheck_result *out, char err[LESSON_ERROR_MAX]);
void lcheck_result_free(struct lcheck_result *r);

#endif
