/*
 * lesson_session — a lesson being taken at a prompt: the lesson, its run
 * (lesson/lesson_run.h), its own world and state, its recording. The
 * prompt's commands (cmd_lesson.c) keep one; the grader and `lesson
 * --check-all` make quiet ones, and every one of them is judged after
 * each line by the same repl_after_line, so a student, a replay and a
 * grade see the same steps pass.
 */
#ifndef TUTOR_LESSON_SESSION_H
#define TUTOR_LESSON_SESSION_H

#include <limits.h>
#include <stdbool.h>

#include "host/runtime.h"
#include "host/world.h"
#include "lesson/lesson.h"
#include "lesson/lesson_run.h"
#include "lesson/record.h"

struct lesson_session {
    struct lesson **all;                /* the shelf (the prompt's session only) */
    size_t n_all;
    char shelf_error[LESSON_ERROR_MAX]; /* a lesson that did not load ("" when all did) */
    struct lesson *lesson;              /* the one being taken, or NULL */
    struct lesson_run run;
    /* its world: the prompt's session owns it (close frees it); a trial
     * borrows its caller's, loaded once for many replays */
    struct world *world;
    struct runtime rt;
    struct runtime *prompt_rt;          /* the prompt's own world, given back at the end */
    struct record_writer rec;
    char dir[PATH_MAX];                 /* its state: STATE/lessons/ID */
    char progress[PATH_MAX];            /* STATE/lessons/progress.json */
    bool quiet;                         /* a replay: judge, say nothing */
};

/* The world lesson `l` runs in (its own file, a world of the tutor's
 * named by it and found in `datadir` as the default one is, else
 * `default_world`), loaded. New (world_free), or NULL with err. */
struct world *lesson_world_load(const struct lesson *l, const char *datadir,
                                const char *default_world, char err[LESSON_ERROR_MAX]);

/* "sha256:..." of the world's file, for a recording's header. */
void lesson_world_hash(const struct world *w, char out[80]);

/* Opens ls->rt over world `w` in a fresh state under `state` (any world
 * state there is removed first; the recording beside it is not), with
 * the run attached: ls->lesson, ls->run, ls->world and ls->dir must be
 * set. 0, or -1 with err. */
int lesson_session_open_world(struct lesson_session *ls, const char *datadir, const char *state,
                              char err[LESSON_ERROR_MAX]);

/* Feeds `lines` (a recording's) to a prompt of its own over ls->rt, as
 * if typed, with the output thrown away and nothing written durably:
 * steps pass as they would have live. */
void lesson_session_replay(struct lesson_session *ls, const char *datadir, char *const *lines,
                           const size_t *lens, size_t n);

/* A quiet session of lesson `l` over world `w` (borrowed) in a scratch
 * state (removed by lesson_trial_end), `n` lines replayed into it: what
 * `lesson --check-all` and `tutor grade` judge. `lens` may be NULL (the
 * lines' own lengths). 0, or -1 with err. */
int lesson_trial(struct lesson_session *ls, struct lesson *l, struct world *w, const char *datadir,
                 char *const *lines, const size_t *lens, size_t n, char err[LESSON_ERROR_MAX]);
void lesson_trial_end(struct lesson_session *ls);

/* A new scratch folder for a replay's world: in memory where there is a
 * tmpfs (/dev/shm), else under $TMPDIR. 0 with its path, or -1 with err. */
int lesson_scratch_dir(char out[PATH_MAX], char err[LESSON_ERROR_MAX]);

/* The lines a student who knows the answers types up to (not including)
 * step `until`: each step's solution, and "next" after a step the tutor
 * does not check. New array of borrowed strings (NULL when out of
 * memory); *n its length. */
const char **lesson_solution_lines(const struct lesson *l, size_t until, size_t *n);

/* lesson --check-all [N...]: each lesson tests itself (its solution
 * passes every step, a fresh start passes none, every hint is reached,
 * each wrong answer fails as it should, with its "says" among the English
 * texts it shows; in Japanese, with texts); a lesson that did not load
 * (`shelf_error`, "" when none) is a failure. Prints a line a test and
 * "N passed, N failed"; 0 when all passed. */
int lesson_check_all(const char *datadir, const char *default_world, struct lesson **all,
                     size_t n, const char *shelf_error, int argc, char **argv);

#endif
