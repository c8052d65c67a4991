/*
 * lesson_run — a lesson being taken: which step is current, which steps
 * have passed, how many hints each took, which mistakes were already
 * pointed out, and the transcript the checks read. The same run serves a
 * student at the prompt and the grader replaying a recording, so the two
 * cannot judge differently.
 */
#ifndef TUTOR_LESSON_RUN_H
#define TUTOR_LESSON_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "host/runtime.h"
#include "host/transcript.h"
#include "lesson.h"
#include "lesson_checks.h"

struct lesson_run {
    const struct lesson *lesson;        /* borrowed */
    struct lesson_checker *checker;
    struct transcript t;
    size_t step;                        /* the current step; n_steps when all are behind */
    size_t reached;                     /* the furthest step the student has come to */
    bool *passed;                       /* a step a flag: its checks held */
    int *hints;                         /* hints shown, a step a count */
    uint32_t *mistakes_said;            /* a step a bit a mistake already pointed out */
    uint32_t *lesson_mistakes_said;     /* the same for the lesson's own list, on each step */
    bool failed;                        /* a check's script failed: said once */
    bool has_mistakes;                  /* some step lists mistakes to look for */
};

/* 0, or -1 with err (the checks do not load). */
int lrun_open(struct lesson_run *r, const struct lesson *l, const char *datadir,
              char err[LESSON_ERROR_MAX]);
void lrun_close(struct lesson_run *r);

/* What judging the current step after a line found. */
struct lrun_outcome {
    bool judged;                        /* there was a step with checks to judge */
    bool step_done;                     /* it passed now: the run moved to the next */
    size_t done_step;                   /* which one passed */
    struct lcheck_mistake mistakes[LCHECK_MISTAKES_MAX];  /* newly recognised */
    size_t n_mistakes;
    char error[LESSON_ERROR_MAX];       /* a check's script failed ("" when not) */
};

/* Judges the current step on what has happened in `rt`; when it passes,
 * marks it and moves on. `res` (may be NULL) receives the checks' detail
 * (free with lcheck_result_free). */
void lrun_judge(struct lesson_run *r, struct runtime *rt, struct lrun_outcome *out,
                struct lcheck_result *res);

/* Moves to step `i` (next, back, or a resumed position). */
void lrun_go(struct lesson_run *r, size_t i);

/* The next hint of the current step: its 0-based index (the ladder stops
 * at the last), or -1 when the step has none. Counted, and noted in the
 * transcript. */
int lrun_hint(struct lesson_run *r);

/* Judges by another variant of the lesson (a submission's student's).
 * 0, or -1 with err. */
int lrun_set_lesson(struct lesson_run *r, const struct lesson *l, char err[LESSON_ERROR_MAX]);

bool lrun_finished(const struct lesson_run *r);
/* Steps passed, of the steps that have checks (lrun_checked_count): a
 * step to read is left with "next" and neither passes nor fails. */
size_t lrun_passed_count(const struct lesson_run *r);
size_t lrun_checked_count(const struct lesson_run *r);
int lrun_hints_total(const struct lesson_run *r);

#endif
