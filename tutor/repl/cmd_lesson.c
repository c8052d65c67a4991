/*
 * cmd_lesson — lessons at the prompt: lesson (the list, or start or resume
 * one), next, back, hint, verify; after every line the student types the
 * current step is judged, and when it passes the tutor says so and shows
 * the next, as rustlings' watch mode does.
 *
 * A lesson runs in a world of its own (STATE/lessons/ID/), so the
 * student's other mail is not touched, and everything typed in it is
 * recorded (STATE/lessons/ID/recording.jsonl). The recording is the
 * truth: a lesson is resumed by replaying it into a fresh world, exactly
 * as `tutor grade` replays a submission, so the live checks and the grade
 * cannot differ.
 */
#include "repl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson/lesson.h"
#include "lesson/lesson_run.h"
#include "lesson/progress.h"
#include "lesson/record.h"
#include "lesson/transfer.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/mdtext.h"
#include "util/pager.h"
#include "util/term.h"
#include "lesson_session.h"

#ifndef TUTOR_VERSION
#define TUTOR_VERSION "0"
#endif


/* The lessons' folder: $TUTOR_LESSONS (a teacher's own), else DATADIR/lessons. */
static void lessons_root(const struct repl *r, char out[PATH_MAX])
{
    const char *env = getenv("TUTOR_LESSONS");
    if (env && *env)
        snprintf(out, PATH_MAX, "%s", env);
    else
        snprintf(out, PATH_MAX, "%s/lessons", r->datadir ? r->datadir : ".");
}

/* The session, with the shelf of lessons read; NULL (said) when there are
 * none to read. */
static struct lesson_session *session_of(struct repl *r)
{
    if (r->lesson)
        return r->lesson;
    struct lesson_session *ls = calloc(1, sizeof *ls);
    if (!ls) {
        term_error(_("out of memory"));
        return NULL;
    }
    char root[PATH_MAX], err[LESSON_ERROR_MAX];
    lessons_root(r, root);
    if (lesson_list(root, &ls->all, &ls->n_all, err) < 0) {
        term_error("%s", err);
        free(ls);
        return NULL;
    }
    if (err[0])
        term_error(_("a lesson could not be read: %1$s"), err);
    snprintf(ls->shelf_error, sizeof ls->shelf_error, "%s", err);
    snprintf(ls->progress, sizeof ls->progress, "%s/lessons/progress.json",
             r->state_root ? r->state_root : ".");
    r->lesson = ls;
    return ls;
}

/* ------------------------------------------------------------------------
 * What the student sees.
 */

static void show_step(struct lesson_session *ls)
{
    if (ls->quiet)
        return;
    const struct lesson *l = ls->lesson;
    size_t i = ls->run.step;
    if (i >= l->n_steps)
        return;
    const struct lesson_step *s = &l->steps[i];
    bool paged = pager_begin();
    putchar('\n');
    term_say(_("[Lesson %1$d, step %2$zu of %3$zu] %4$s"), l->number, i + 1, l->n_steps,
             lesson_step_title(s));
    md_print(stdout, s->text[lesson_lang()]);
    putchar('\n');
    term_say(_("To do: %1$s"), lesson_step_do(s));
    bool checked = json_array_size(json_object_get(s->spec, "checks")) > 0;
    term_info("%s", checked ? _("the tutor checks as you type; \"hint\" helps, \"verify\" shows "
                                "what is still missing, \"next\" skips")
                            : _("nothing to check here: \"next\" goes on when you are ready"));
    if (paged)
        pager_end();
}

static const struct lesson *next_lesson(const struct lesson_session *ls)
{
    for (size_t i = 0; i + 1 < ls->n_all; i++)
        if (strcmp(ls->all[i]->id, ls->lesson->id) == 0)
            return ls->all[i + 1];
    return NULL;
}

static void save_progress(struct lesson_session *ls)
{
    if (ls->quiet || !ls->lesson)
        return;
    struct progress_entry e = {.step = ls->run.step, .steps = lrun_checked_count(&ls->run),
                               .passed = lrun_passed_count(&ls->run),
                               .hints = lrun_hints_total(&ls->run),
                               .finished = lrun_finished(&ls->run), .known = true};
    char err[FS_ERROR_MAX];
    if (progress_put(ls->progress, ls->lesson->id, &e, err) < 0)
        term_error(_("the progress could not be saved: %1$s"), err);
}

static void show_finished(struct lesson_session *ls)
{
    if (ls->quiet)
        return;
    const struct lesson *l = ls->lesson;
    putchar('\n');
    term_info(_("Lesson %1$d is finished: %2$s (%3$zu of %4$zu steps passed)"), l->number,
              lesson_title(l), lrun_passed_count(&ls->run), lrun_checked_count(&ls->run));
    term_say(_("What you have learnt: %1$s"), lesson_learnt(l));
    const struct lesson *n = next_lesson(ls);
    if (n)
        term_say(_("Next: lesson %1$d, %2$s (\"lesson %1$d\")"), n->number, lesson_title(n));
    else
        term_say("%s", _("That was the last lesson."));
}

/* The step the student is on, or the end of the lesson. */
static void show_where(struct lesson_session *ls)
{
    if (lrun_finished(&ls->run))
        show_finished(ls);
    else
        show_step(ls);
}

void repl_after_line(struct repl *r)
{
    struct lesson_session *ls = r->lesson;
    if (!ls || !ls->lesson || r->rt != &ls->rt)
        return;
    struct lrun_outcome o;
    bool was_finished = lrun_finished(&ls->run);
    lrun_judge(&ls->run, &ls->rt, &o, NULL);
    if (o.error[0] && !ls->run.failed) {
        ls->run.failed = true;          /* said once: the lesson's checks are broken */
        if (!ls->quiet)
            term_error(_("the lesson's checks failed: %1$s"), o.error);
    }
    const struct lesson_step *s = &ls->lesson->steps[o.step_done ? o.done_step : ls->run.step];
    for (size_t i = 0; i < o.n_mistakes && !ls->quiet; i++) {
        const json_t *list = o.mistakes[i].lesson_wide ? json_object_get(ls->lesson->doc, "mistakes")
                                                       : json_object_get(s->spec, "mistakes");
        json_t *m = json_array_get(list, (size_t)o.mistakes[i].mistake);
        term_info(_("Hint: %1$s"), lesson_say(json_object_get(m, "say")));
    }
    if (!o.step_done)
        return;
    if (!ls->quiet)
        term_info(_("Step %1$zu done: %2$s"), o.done_step + 1, lesson_step_title(s));
    save_progress(ls);
    if (lrun_finished(&ls->run) && !was_finished)
        show_finished(ls);
    else
        show_step(ls);
}

/* ------------------------------------------------------------------------
 * Recording.
 */
void repl_typed(struct repl *r, const char *line, size_t len)
{
    if (r->replay)
        return;
    if (r->prompt_line) {
        /* what only steers the tutor is not part of the work: a replay
         * must not leave, or switch lessons, halfway */
        char word[16] = "";
        sscanf(line, " %15s", word);
        if (strcmp(word, "quit") == 0 || strcmp(word, "lesson") == 0 ||
            (strcmp(word, "exit") == 0 && r->hops == 0))
            return;
    }
    const char *step = NULL;
    struct lesson_session *ls = r->lesson;
    if (ls && ls->lesson && ls->run.step < ls->lesson->n_steps)
        step = ls->lesson->steps[ls->run.step].id;
    if (r->record && record_line(r->record, step, line, len) < 0 && r->record->failed) {
        term_error("%s", _("--record: the recording could not be written; it stops here"));
        r->record = NULL;
    }
    if (ls && ls->lesson && ls->rec.f && record_line(&ls->rec, step, line, len) < 0) {
        term_error("%s", _("the lesson's recording could not be written; it stops here"));
        record_close(&ls->rec);
    }
}

/* ------------------------------------------------------------------------
 * Starting, resuming and ending a lesson.
 */
/* Closes the lesson being taken (kept where it is: its recording and
 * progress stay) and gives the prompt its own world back. */
static void close_lesson(struct repl *r, struct lesson_session *ls)
{
    if (!ls->lesson)
        return;
    save_progress(ls);
    record_close(&ls->rec);
    if (r->rt == &ls->rt)
        r->rt = ls->prompt_rt;
    r->hops = 0;
    lrun_close(&ls->run);
    rt_close(&ls->rt);
    world_free(ls->world);
    ls->world = NULL;
    lesson_free(ls->lesson);
    ls->lesson = NULL;
}

/* Opens lesson `l` in the session: its world afresh in its own state,
 * the recording replayed when there is one. 0, or -1 (said). */
static int open_lesson(struct repl *r, struct lesson_session *ls, struct lesson *l)
{
    char err[LESSON_ERROR_MAX];
    char recording[PATH_MAX + 32];
    snprintf(ls->dir, sizeof ls->dir, "%s/lessons/%s", r->state_root, l->id);
    snprintf(recording, sizeof recording, "%s/recording.jsonl", ls->dir);
    char ferr[FS_ERROR_MAX];
    if (fs_mkdirs(ls->dir, ferr) < 0) {
        term_error("%s", ferr);
        return -1;
    }
    struct record rec = {0};
    bool resume = access(recording, F_OK) == 0;
    if (resume && record_read(recording, &rec, err) < 0) {
        term_error(_("%1$s (\"lesson reset %2$d\" starts the lesson again)"), err, l->number);
        return -1;
    }
    /* the student's own variant of it: its words, hosts and ports. A
     * lesson goes on as the student it was started by: its recording is
     * graded as theirs */
    const char *student = resume ? rec.h.student : r->student;
    if (resume && r->student && strcmp(r->student, rec.h.student) != 0)
        term_info(_("lesson %1$d was started as student \"%2$s\" and goes on as that student "
                    "(\"lesson reset %1$d\" starts it again as \"%3$s\")"),
                  l->number, rec.h.student, r->student);
    if (!(ls->lesson = lesson_load_variant(l->dir, student, err)) ||
        !(ls->world = lesson_world_load(l, r->datadir, r->world_path, err))) {
        term_error("%s", err);
        lesson_free(ls->lesson);
        ls->lesson = NULL;
        record_free(&rec);
        return -1;
    }
    if (lesson_session_open_world(ls, r->datadir, ls->dir, err) < 0) {
        term_error("%s", err);
        world_free(ls->world);
        ls->world = NULL;
        lesson_free(ls->lesson);
        ls->lesson = NULL;
        record_free(&rec);
        return -1;
    }
    rt_notices_to_screen(&ls->rt);
    if (resume) {
        /* the student's lines again, in a fresh world, unseen */
        lesson_session_replay(ls, r->datadir, rec.lines, rec.lens, rec.n);
    }
    record_free(&rec);
    ls->prompt_rt = r->rt;
    r->rt = &ls->rt;
    r->hops = 0;
    struct record_header h = {.seed = SBX_RANDOM_SEED};
    snprintf(h.student, sizeof h.student, "%s", ls->lesson->student);
    snprintf(h.lesson, sizeof h.lesson, "%s", l->id);
    snprintf(h.lesson_hash, sizeof h.lesson_hash, "%s", l->hash);
    snprintf(h.tutor_version, sizeof h.tutor_version, "%s", TUTOR_VERSION);
    lesson_world_hash(ls->world, h.world_hash);
    if (record_open(&ls->rec, recording, &h, err) < 0)
        term_error(_("the lesson is not recorded: %1$s"), err);
    else if (resume)
        record_break(&ls->rec);
    return 0;
}

void repl_lesson_end(struct repl *r)
{
    struct lesson_session *ls = r->lesson;
    if (!ls)
        return;
    close_lesson(r, ls);
    lesson_list_free(ls->all, ls->n_all);
    free(ls);
    r->lesson = NULL;
}

/* ------------------------------------------------------------------------
 * The commands.
 */
static void print_list(struct lesson_session *ls)
{
    term_say("%s", _("Lessons (\"lesson N\" starts or resumes one):"));
    for (size_t i = 0; i < ls->n_all; i++) {
        const struct lesson *l = ls->all[i];
        struct progress_entry e;
        progress_get(ls->progress, l->id, &e);
        char state[96];
        if (!e.known)
            snprintf(state, sizeof state, "%s", _("not started"));
        else if (e.finished)
            snprintf(state, sizeof state, _("finished, %1$zu of %2$zu steps passed"), e.passed,
                     e.steps);
        else
            snprintf(state, sizeof state, _("at step %1$zu of %2$zu"), e.step + 1, l->n_steps);
        bool current = ls->lesson && strcmp(ls->lesson->id, l->id) == 0;
        printf("%s %2d  ", current ? "*" : " ", l->number);
        term_pad(stdout, lesson_title(l), 36);
        printf(" %s\n", state);
    }
}

static int lesson_reset(struct repl *r, struct lesson_session *ls, const char *what)
{
    struct lesson *l = what ? lesson_find(ls->all, ls->n_all, what) : ls->lesson;
    if (!l) {
        term_error(what ? _("lesson reset: no lesson \"%1$s\" (\"lesson\" lists them)")
                        : _("lesson reset: which lesson? (lesson reset N)"),
                   what);
        return 1;
    }
    char q[256];
    snprintf(q, sizeof q, _("Start lesson %1$d again, forgetting its progress and recording? [y/N] "),
             l->number);
    if (!repl_confirm(r, q)) {
        term_info("%s", _("nothing was changed"));
        return 1;
    }
    bool was_current = ls->lesson && strcmp(ls->lesson->id, l->id) == 0;
    if (was_current)
        close_lesson(r, ls);
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    snprintf(dir, sizeof dir, "%s/lessons/%s", r->state_root, l->id);
    if (fs_remove_tree(dir, err) < 0 || progress_put(ls->progress, l->id, NULL, err) < 0) {
        term_error("%s", err);
        return 1;
    }
    term_info(_("lesson %1$d starts afresh"), l->number);
    if (was_current && open_lesson(r, ls, l) == 0)
        show_step(ls);
    return 0;
}

static int cmd_lesson(struct repl *r, int argc, char **argv)
{
    struct lesson_session *ls = session_of(r);
    if (!ls)
        return 1;
    if (argc == 1) {
        print_list(ls);
        return 0;
    }
    if (strcmp(argv[1], "--check-all") == 0)
        return lesson_check_all(r->datadir, r->world_path, ls->all, ls->n_all, ls->shelf_error,
                                argc - 2, argv + 2);
    if (strcmp(argv[1], "--solution") == 0) {
        struct lesson *l = argc == 3 ? lesson_find(ls->all, ls->n_all, argv[2]) : NULL;
        if (!l) {
            term_error(argc == 3 ? _("lesson: no lesson \"%1$s\" (\"lesson\" lists them)")
                                 : _("usage: lesson --solution N"),
                       argc == 3 ? argv[2] : "");
            return argc == 3 ? 1 : 2;
        }
        /* the model answer for --student's variant: for a teacher's demo,
         * and for tests */
        char err[LESSON_ERROR_MAX];
        struct lesson *v = lesson_load_variant(l->dir, r->student, err);
        size_t n = 0;
        const char **lines = v ? lesson_solution_lines(v, v->n_steps, &n) : NULL;
        if (!lines) {
            term_error("%s", v ? _("out of memory") : err);
            lesson_free(v);
            return 1;
        }
        for (size_t i = 0; i < n; i++)
            printf("%s\n", lines[i]);
        free(lines);
        lesson_free(v);
        return 0;
    }
    if (strcmp(argv[1], "--export") == 0 || strcmp(argv[1], "--import") == 0) {
        if (argc != 3) {
            term_error(_("usage: lesson %1$s FILE"), argv[1]);
            return 2;
        }
        if (ls->lesson)
            save_progress(ls);
        bool exporting = argv[1][2] == 'e';
        char err[LESSON_ERROR_MAX];
        int rc = exporting ? lesson_export(r->state_root, ls->all, ls->n_all, argv[2], err)
                           : lesson_import(r->state_root, ls->all, ls->n_all, argv[2], err);
        if (rc < 0) {
            term_error("%s", err);
            return 1;
        }
        term_info(exporting ? _("the progress of every lesson is in %1$s") : _("progress imported from %1$s; \"lesson\" shows it"),
                  argv[2]);
        return 0;
    }
    if (strcmp(argv[1], "reset") == 0)
        return lesson_reset(r, ls, argc > 2 ? argv[2] : NULL);
    if (strcmp(argv[1], "stop") == 0) {
        if (!ls->lesson) {
            term_info("%s", _("no lesson is running"));
            return 0;
        }
        int n = ls->lesson->number;
        repl_lesson_end(r);
        term_info(_("lesson %1$d is kept where you left it (\"lesson %1$d\" resumes); the prompt "
                    "has its own world back"),
                  n);
        return 0;
    }
    struct lesson *l = lesson_find(ls->all, ls->n_all, argv[1]);
    if (!l) {
        term_error(_("lesson: no lesson \"%1$s\" (\"lesson\" lists them)"), argv[1]);
        return 1;
    }
    if (!ls->lesson || strcmp(ls->lesson->id, l->id) != 0) {
        close_lesson(r, ls);    /* one lesson for another: the first is kept */
        if (open_lesson(r, ls, l) < 0)
            return 1;
        /* the introduction and the first step are read together: one pager */
        bool paged = pager_begin();
        putchar('\n');
        term_say(_("Lesson %1$d: %2$s"), l->number, lesson_title(ls->lesson));
        md_print(stdout, ls->lesson->intro[lesson_lang()]);
        show_where(ls);
        if (paged)
            pager_end();
        save_progress(ls);
        return 0;
    }
    show_where(ls);
    save_progress(ls);
    return 0;
}

static struct lesson_session *running(struct repl *r, const char *cmd)
{
    struct lesson_session *ls = r->lesson;
    if (ls && ls->lesson)
        return ls;
    term_error(_("%1$s: no lesson is running (\"lesson\" lists them, \"lesson 1\" starts the first)"),
               cmd);
    return NULL;
}

/* next and back: a step on (a step skipped is not passed), or back. */
static int step_by(struct repl *r, const char *cmd, bool on)
{
    struct lesson_session *ls = running(r, cmd);
    if (!ls)
        return 1;
    if (on && lrun_finished(&ls->run)) {
        show_finished(ls);
        return 0;
    }
    if (!on && ls->run.step == 0) {
        if (!ls->quiet)
            term_info("%s", _("this is the first step"));
        show_step(ls);
        return 0;
    }
    lrun_go(&ls->run, on ? ls->run.step + 1 : ls->run.step - 1);
    save_progress(ls);
    show_where(ls);
    return 0;
}

static int cmd_next(struct repl *r, int argc, char **argv)
{
    (void)argc;
    return step_by(r, argv[0], true);
}

static int cmd_back(struct repl *r, int argc, char **argv)
{
    (void)argc;
    return step_by(r, argv[0], false);
}

static int cmd_hint(struct repl *r, int argc, char **argv)
{
    (void)argc;
    struct lesson_session *ls = running(r, argv[0]);
    if (!ls)
        return 1;
    bool at_top = !lrun_finished(&ls->run) &&
                  ls->run.hints[ls->run.step] >= (int)ls->lesson->steps[ls->run.step].n_hints;
    int h = lrun_hint(&ls->run);
    save_progress(ls);
    if (ls->quiet)
        return 0;
    if (h < 0) {
        term_info("%s", lrun_finished(&ls->run) ? _("the lesson is finished: no hints left")
                                                : _("this step has no hints"));
        return 0;
    }
    const struct lesson_step *s = &ls->lesson->steps[ls->run.step];
    term_info(_("Hint %1$d of %2$zu: %3$s"), h + 1, s->n_hints, lesson_step_hint(s, (size_t)h));
    if (at_top)
        term_info("%s", _("that was the last hint of this step: \"verify\" shows what is still "
                          "missing"));
    return 0;
}

static void print_item(const struct lcheck_item *it)
{
    printf("  %s  ", it->ok ? _("PASS") : _("FAIL"));
    term_wrap(stdout, it->expect, 8, 8, TERM_LINE_WIDTH);
    if (it->ok)
        return;
    char line[LCHECK_TEXT_MAX + 64];
    snprintf(line, sizeof line, _("actual: %1$s"), it->actual);
    printf("        ");
    term_wrap(stdout, line, 8, 13, TERM_LINE_WIDTH);
    if (it->rule[0]) {
        printf("        ");
        term_wrap(stdout, it->rule, 8, 8, TERM_LINE_WIDTH);
    }
}

static int cmd_verify(struct repl *r, int argc, char **argv)
{
    (void)argc;
    struct lesson_session *ls = running(r, argv[0]);
    if (!ls)
        return 1;
    if (lrun_finished(&ls->run)) {
        show_finished(ls);
        return 0;
    }
    size_t at = ls->run.step;
    const struct lesson_step *s = &ls->lesson->steps[at];
    struct lcheck_result res;
    char err[LESSON_ERROR_MAX];
    if (lcheck_step(ls->run.checker, (int)at, &ls->run.t, &ls->rt, &res, err) < 0) {
        term_error(_("the lesson's checks failed: %1$s"), err);
        return 1;
    }
    if (!ls->quiet) {
        term_say(_("Step %1$zu of %2$zu: %3$s"), at + 1, ls->lesson->n_steps, lesson_step_title(s));
        if (res.n == 0)
            term_info("%s", _("nothing to check here: \"next\" goes on"));
        for (size_t i = 0; i < res.n; i++)
            print_item(&res.items[i]);
    }
    bool passed = res.passed;
    lcheck_result_free(&res);
    /* a pass found now counts as the watch would have counted it */
    if (passed)
        repl_after_line(r);
    return passed || res.n == 0 ? 0 : 1;
}

const struct command lesson_commands[] = {
    {.name = "lesson", .steers = true, .args = "[N|reset [N]|stop|--export FILE|--import FILE]",
     .opts = "--export= --import= --check-all --solution", .complete = "reset|stop",
     .help = N_("the lessons and your progress; \"lesson N\" starts or resumes lesson N"),
     .more = N_("Each lesson runs in a world of its own, so your other mail is not touched, and "
                "is recorded as you type (the file \"tutor grade\" grades). lesson reset [N] "
                "starts one again (asks first); lesson stop gives the prompt its world back; "
                "lesson --export FILE and --import FILE move your progress to another "
                "machine; lesson --solution N prints a lesson's model answer (for --student's variant); lesson --check-all [N] tests the lessons themselves."),
     .run = cmd_lesson},
    {.name = "next", .steers = true, .help = N_("lesson: go on to the next step (a step skipped is not passed)"),
     .run = cmd_next},
    {.name = "back", .steers = true, .help = N_("lesson: go back to the step before"), .run = cmd_back},
    {.name = "hint", .steers = true, .help = N_("lesson: a hint for this step, a little more each time"),
     .run = cmd_hint},
    {.name = "verify", .steers = true, .help = N_("lesson: check this step now and show what is still missing"),
     .run = cmd_verify},
    {NULL},
};
