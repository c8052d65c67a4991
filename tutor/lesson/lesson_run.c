/* lesson_run — see lesson_run.h. */
#include "lesson_run.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"

int lrun_open(struct lesson_run *r, const struct lesson *l, const char *datadir,
              char err[LESSON_ERROR_MAX])
{
    memset(r, 0, sizeof *r);
    r->lesson = l;
    transcript_init(&r->t);
    r->passed = calloc(l->n_steps, sizeof *r->passed);
    r->hints = calloc(l->n_steps, sizeof *r->hints);
    r->mistakes_said = calloc(l->n_steps, sizeof *r->mistakes_said);
    r->lesson_mistakes_said = calloc(l->n_steps, sizeof *r->lesson_mistakes_said);
    if (!r->passed || !r->hints || !r->mistakes_said || !r->lesson_mistakes_said) {
        snprintf(err, LESSON_ERROR_MAX, "%s", _("out of memory"));
        lrun_close(r);
        return -1;
    }
    if (!(r->checker = lcheck_new(l, datadir, err))) {
        lrun_close(r);
        return -1;
    }
    r->has_mistakes = json_array_size(json_object_get(l->doc, "mistakes")) > 0;
    for (size_t i = 0; i < l->n_steps; i++)
        r->has_mistakes = r->has_mistakes ||
                          json_array_size(json_object_get(l->steps[i].spec, "mistakes")) > 0;
    return 0;
}

void lrun_close(struct lesson_run *r)
{
    lcheck_free(r->checker);
    transcript_free(&r->t);
    free(r->passed);
    free(r->hints);
    free(r->mistakes_said);
    free(r->lesson_mistakes_said);
    memset(r, 0, sizeof *r);
}

void lrun_go(struct lesson_run *r, size_t i)
{
    r->step = i < r->lesson->n_steps ? i : r->lesson->n_steps;
    r->t.step = (int)r->step;
    if (r->step > r->reached)
        r->reached = r->step;
}

void lrun_judge(struct lesson_run *r, struct runtime *rt, struct lrun_outcome *out,
                struct lcheck_result *res)
{
    memset(out, 0, sizeof *out);
    struct lcheck_result mine;
    if (!res)
        res = &mine;
    memset(res, 0, sizeof *res);
    if (r->step >= r->lesson->n_steps)
        return;
    const struct lesson_step *s = &r->lesson->steps[r->step];
    if (json_array_size(json_object_get(s->spec, "checks")) == 0 && !r->has_mistakes)
        return;
    out->judged = true;
    if (lcheck_step(r->checker, (int)r->step, &r->t, rt, res, out->error) < 0)
        return;
    /* each said once a step */
    for (size_t i = 0; i < res->n_mistakes && out->n_mistakes < LCHECK_MISTAKES_MAX; i++) {
        const struct lcheck_mistake *m = &res->mistakes[i];
        uint32_t *said = m->lesson_wide ? &r->lesson_mistakes_said[r->step]
                                        : &r->mistakes_said[r->step];
        if (m->mistake < 32 && !(*said & (1u << m->mistake))) {
            *said |= 1u << m->mistake;
            out->mistakes[out->n_mistakes++] = *m;
        }
    }
    if (res->passed) {
        r->passed[r->step] = true;
        out->step_done = true;
        out->done_step = r->step;
        lrun_go(r, r->step + 1);
    }
    if (res == &mine)
        lcheck_result_free(&mine);
}

int lrun_hint(struct lesson_run *r)
{
    if (r->step >= r->lesson->n_steps)
        return -1;
    size_t n = r->lesson->steps[r->step].n_hints;
    if (n == 0)
        return -1;
    int i = r->hints[r->step] < (int)n ? r->hints[r->step] : (int)n - 1;
    if (r->hints[r->step] < (int)n)
        r->hints[r->step]++;
    transcript_add(&r->t, TS_HINT, 0, i + 1, NULL, NULL, NULL, 0, NULL);
    return i;
}

int lrun_set_lesson(struct lesson_run *r, const struct lesson *l, char err[LESSON_ERROR_MAX])
{
    r->lesson = l;
    return lcheck_set_lesson(r->checker, l, err);
}

bool lrun_finished(const struct lesson_run *r)
{
    return r->step >= r->lesson->n_steps;
}

size_t lrun_passed_count(const struct lesson_run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->lesson->n_steps; i++)
        n += r->passed[i];
    return n;
}

size_t lrun_checked_count(const struct lesson_run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->lesson->n_steps; i++)
        n += json_array_size(json_object_get(r->lesson->steps[i].spec, "checks")) > 0;
    return n;
}

int lrun_hints_total(const struct lesson_run *r)
{
    int n = 0;
    for (size_t i = 0; i < r->lesson->n_steps; i++)
        n += r->hints[i];
    return n;
}
