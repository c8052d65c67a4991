/* lesson_replay — a lesson's world, replays into it, and the lessons'
 * self-test (lesson --check-all); see lesson_session.h. */
#include "lesson_session.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repl.h"
#include "util/fsutil.h"
#include "util/i18n.h"

struct world *lesson_world_load(const struct lesson *l, const char *datadir,
                                const char *default_world, char err[LESSON_ERROR_MAX])
{
    char werr[WORLD_ERROR_MAX], named[PATH_MAX];
    const char *path = l->world[0] ? l->world : default_world;
    if (l->world_name[0]) {
        /* where the default world is: the source tree's tutor/world/, or world/ installed */
        snprintf(named, sizeof named, "%s/tutor/world/%s.json", datadir, l->world_name);
        if (access(named, R_OK) != 0)
            snprintf(named, sizeof named, "%s/world/%s.json", datadir, l->world_name);
        path = named;
    }
    struct world *w = world_load(path, werr);
    if (!w)
        snprintf(err, LESSON_ERROR_MAX, _("lesson %1$s: %2$s"), l->id, werr);
    return w;
}

void lesson_world_hash(const struct world *w, char out[80])
{
    record_hash_file(w->path, out);
}

int lesson_session_open_world(struct lesson_session *ls, const char *datadir, const char *state,
                              char err[LESSON_ERROR_MAX])
{
    char path[PATH_MAX + 16], ferr[FS_ERROR_MAX], rterr[RT_ERROR_MAX];
    /* a fresh world every time: a resumed lesson is its recording replayed */
    snprintf(path, sizeof path, "%s/worlds", state);
    if (fs_remove_tree(path, ferr) < 0) {
        snprintf(err, LESSON_ERROR_MAX, "%s", ferr);
        return -1;
    }
    if (rt_open(&ls->rt, ls->world, datadir, state, rterr) < 0) {
        snprintf(err, LESSON_ERROR_MAX, "%s", rterr);
        return -1;
    }
    if (lrun_open(&ls->run, ls->lesson, datadir, err) < 0) {
        rt_close(&ls->rt);
        return -1;
    }
    ls->rt.transcript = &ls->run.t;
    return 0;
}

/* Output of a replay goes nowhere; what was there comes back after. */
struct silence {
    int out, err;
};

static void silence_begin(struct silence *s)
{
    fflush(stdout);
    fflush(stderr);
    s->out = dup(STDOUT_FILENO);
    s->err = dup(STDERR_FILENO);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
}

static void silence_end(struct silence *s)
{
    fflush(stdout);
    fflush(stderr);
    if (s->out >= 0) {
        dup2(s->out, STDOUT_FILENO);
        close(s->out);
    }
    if (s->err >= 0) {
        dup2(s->err, STDERR_FILENO);
        close(s->err);
    }
}

void lesson_session_replay(struct lesson_session *ls, const char *datadir, char *const *lines,
                           const size_t *lens, size_t n)
{
    struct repl rr;
    repl_open_replay(&rr, &ls->rt, lines, lens, n);
    rr.datadir = datadir;
    rr.lesson = ls;
    bool quiet = ls->quiet;
    ls->quiet = true;
    struct silence s;
    silence_begin(&s);
    fs_set_durable(false);
    repl_loop(&rr);
    fs_set_durable(true);
    silence_end(&s);
    ls->quiet = quiet;
    rr.lesson = NULL;               /* the caller's, not the replay's, to end */
    repl_close(&rr);
    ls->rt.here = NULL;             /* the student comes back to their PC */
}

/* ------------------------------------------------------------------------
 * lesson --check-all
 */
struct tally {
    int pass, fail;
};

static void report(struct tally *t, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(struct tally *t, bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%-7s ", ok ? "ok" : "FAILED");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    if (ok)
        t->pass++;
    else
        t->fail++;
}

const char **lesson_solution_lines(const struct lesson *l, size_t until, size_t *n)
{
    size_t cap = 16, k = 0;
    const char **out = malloc(cap * sizeof *out);
    for (size_t i = 0; out && i < until && i < l->n_steps; i++) {
        const json_t *spec = l->steps[i].spec;
        const json_t *sol = json_object_get(spec, "solution");
        size_t need = json_array_size(sol) + 1;
        if (k + need > cap) {
            while (k + need > cap)
                cap *= 2;
            const char **grown = realloc(out, cap * sizeof *out);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
        }
        for (size_t j = 0; j < json_array_size(sol); j++)
            out[k++] = json_string_value(json_array_get(sol, j));
        if (json_array_size(json_object_get(spec, "checks")) == 0)
            out[k++] = "next";
    }
    *n = k;
    return out;
}

int lesson_scratch_dir(char out[PATH_MAX], char err[LESSON_ERROR_MAX])
{
    const char *tmp = getenv("TMPDIR");
    if (access("/dev/shm", W_OK) == 0)
        tmp = "/dev/shm";               /* a replay then needs no disk at all */
    snprintf(out, PATH_MAX, "%s/tutor-replay-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(out))
        return 0;
    snprintf(err, LESSON_ERROR_MAX, "mkdtemp %s: %s", out, strerror(errno));
    return -1;
}

int lesson_trial(struct lesson_session *ls, struct lesson *l, struct world *w, const char *datadir,
                 char *const *lines, const size_t *lens, size_t n, char err[LESSON_ERROR_MAX])
{
    memset(ls, 0, sizeof *ls);
    ls->lesson = l;
    ls->world = w;
    ls->quiet = true;
    if (lesson_scratch_dir(ls->dir, err) < 0)
        return -1;
    if (lesson_session_open_world(ls, datadir, ls->dir, err) < 0) {
        char ferr[FS_ERROR_MAX];
        fs_remove_tree(ls->dir, ferr);
        return -1;
    }
    size_t *own = NULL;
    if (!lens) {
        own = malloc((n ? n : 1) * sizeof *own);
        for (size_t i = 0; own && i < n; i++)
            own[i] = strlen(lines[i]);
        lens = own;
    }
    lesson_session_replay(ls, datadir, lines, lens, lens ? n : 0);
    free(own);
    return 0;
}

void lesson_trial_end(struct lesson_session *ls)
{
    char ferr[FS_ERROR_MAX];
    lrun_close(&ls->run);
    rt_close(&ls->rt);
    fs_remove_tree(ls->dir, ferr);
}

/* Every text a step showed: its checks' expected and actual when judged
 * now, and the mistakes pointed out while the lines were replayed. New
 * string. */
static char *said_now(struct lesson_session *ls, size_t step)
{
    struct lcheck_result res;
    char err[LESSON_ERROR_MAX];
    if (lcheck_step(ls->run.checker, (int)step, &ls->run.t, &ls->rt, &res, err) < 0)
        return strdup(err);
    const json_t *mistakes = json_object_get(ls->lesson->steps[step].spec, "mistakes");
    uint32_t said = ls->run.mistakes_said[step];
    size_t cap = 1;
    for (size_t i = 0; i < res.n; i++)
        cap += strlen(res.items[i].expect) + strlen(res.items[i].actual) + 2;
    for (size_t i = 0; i < json_array_size(mistakes) && i < 32; i++)
        if (said & (1u << i))
            cap += strlen(lesson_say(json_object_get(json_array_get(mistakes, i), "say"))) + 1;
    char *out = calloc(1, cap);
    for (size_t i = 0; out && i < res.n; i++) {
        if (res.items[i].ok)
            continue;
        strcat(out, res.items[i].expect);
        strcat(out, "\n");
        strcat(out, res.items[i].actual);
        strcat(out, "\n");
    }
    for (size_t i = 0; out && i < json_array_size(mistakes) && i < 32; i++) {
        if (!(said & (1u << i)))
            continue;
        strcat(out, lesson_say(json_object_get(json_array_get(mistakes, i), "say")));
        strcat(out, "\n");
    }
    /* and the lesson's own, said on this step */
    const json_t *wide = json_object_get(ls->lesson->doc, "mistakes");
    uint32_t wsaid = ls->run.lesson_mistakes_said[step];
    for (size_t i = 0; out && i < json_array_size(wide) && i < 32; i++) {
        if (!(wsaid & (1u << i)))
            continue;
        const char *say = lesson_say(json_object_get(json_array_get(wide, i), "say"));
        char *grown = realloc(out, strlen(out) + strlen(say) + 2);
        if (!grown)
            break;
        out = grown;
        strcat(out, say);
        strcat(out, "\n");
    }
    lcheck_result_free(&res);
    return out;
}

/* Each hint of each step can be reached: the solution up to the step
 * brings the student to it, and "hint" there climbs the whole ladder. */
static void check_hints(struct tally *t, struct lesson *l, struct world *w, const char *datadir)
{
    size_t total = 0, reached = 0;
    for (size_t i = 0; i < l->n_steps; i++) {
        size_t nh = l->steps[i].n_hints;
        if (nh == 0)
            continue;
        total += nh;
        size_t n;
        char err[LESSON_ERROR_MAX];
        const char **lines = lesson_solution_lines(l, i, &n);
        struct lesson_session ls;
        if (!lines || lesson_trial(&ls, l, w, datadir, (char *const *)lines, NULL, n, err) < 0) {
            report(t, false, "%s: step %s: %s", l->id, l->steps[i].id, lines ? err : "memory");
            free(lines);
            continue;
        }
        size_t got = 0;
        if (ls.run.step == i) {
            for (size_t h = 0; h < nh; h++)
                got += lrun_hint(&ls.run) == (int)h && *lesson_step_hint(&l->steps[i], h);
        }
        if (got != nh)
            report(t, false, "%s: step %s: %zu of its %zu hints reached%s", l->id,
                   l->steps[i].id, got, nh, ls.run.step == i ? "" : " (the solution before it "
                                                                    "does not lead there)");
        reached += got;
        lesson_trial_end(&ls);
        free(lines);
    }
    report(t, reached == total, "%s: each of its %zu hints is reached", l->id, total);
}

/* A lesson with variable parts: another student's variant does not pass
 * with the first one's answers (a copied recording fails), and passes
 * with its own. */
static void check_variants(struct tally *t, struct lesson *l, struct world *w, const char *datadir)
{
    char err[LESSON_ERROR_MAX];
    size_t n, m;
    const char **mine = lesson_solution_lines(l, l->n_steps, &n);
    struct lesson *other = NULL;
    const char **theirs = NULL;
    char who[16] = "";
    for (int k = 1; k <= 50 && mine; k++) {
        snprintf(who, sizeof who, "s%02d", k);
        other = lesson_load_variant(l->dir, who, err);
        theirs = other ? lesson_solution_lines(other, other->n_steps, &m) : NULL;
        bool same = theirs && m == n;
        for (size_t i = 0; same && i < n; i++)
            same = strcmp(mine[i], theirs[i]) == 0;
        if (other && !same)
            break;
        lesson_free(other);
        free(theirs);
        other = NULL;
        theirs = NULL;
    }
    if (!other) {
        report(t, false, "%s: no student among s01..s50 gets another variant", l->id);
        free(mine);
        return;
    }
    struct lesson_session ls;
    if (lesson_trial(&ls, other, w, datadir, (char *const *)mine, NULL, n, err) == 0) {
        report(t, !lrun_finished(&ls.run) || lrun_passed_count(&ls.run) < other->n_steps,
               "%s: student %s's variant fails with another student's answers (%zu steps pass)",
               l->id, who, lrun_passed_count(&ls.run));
        lesson_trial_end(&ls);
    }
    if (lesson_trial(&ls, other, w, datadir, (char *const *)theirs, NULL, m, err) == 0) {
        size_t checked = 0;
        for (size_t i = 0; i < other->n_steps; i++)
            checked += json_array_size(json_object_get(other->steps[i].spec, "checks")) > 0;
        report(t, lrun_passed_count(&ls.run) == checked,
               "%s: student %s's variant passes with its own solution", l->id, who);
        lesson_trial_end(&ls);
    }
    lesson_free(other);
    free(mine);
    free(theirs);
}

static void check_one(struct tally *t, struct lesson *shelf, const char *datadir,
                      const char *default_world)
{
    char err[LESSON_ERROR_MAX];
    /* the variant of nobody in particular: its {{words}} filled in */
    struct lesson *l = lesson_load_variant(shelf->dir, "", err);
    struct world *w = l ? lesson_world_load(l, datadir, default_world, err) : NULL;
    if (!w) {
        report(t, false, "%s: %s", shelf->id, err);
        lesson_free(l);
        return;
    }
    struct lesson_session ls;
    size_t checked = 0;
    for (size_t i = 0; i < l->n_steps; i++) {
        checked += json_array_size(json_object_get(l->steps[i].spec, "checks")) > 0;
    }

    /* a fresh start passes none */
    if (lesson_trial(&ls, l, w, datadir, NULL, NULL, 0, err) < 0) {
        report(t, false, "%s: %s", l->id, err);
        world_free(w);
        lesson_free(l);
        return;
    }
    size_t passing = 0;
    for (size_t i = 0; i < l->n_steps; i++) {
        struct lcheck_result res;
        if (lcheck_step(ls.run.checker, (int)i, &ls.run.t, &ls.rt, &res, err) == 0) {
            if (res.passed) {
                passing++;
                report(t, false, "%s: step %s passes in a fresh world, before anything is done",
                       l->id, l->steps[i].id);
            }
            lcheck_result_free(&res);
        } else {
            report(t, false, "%s: step %s: %s", l->id, l->steps[i].id, err);
        }
    }
    lesson_trial_end(&ls);
    if (passing == 0)
        report(t, true, "%s: a fresh start passes none of its %zu checked steps", l->id, checked);

    /* the model solution passes every step */
    size_t n;
    const char **lines = lesson_solution_lines(l, l->n_steps, &n);
    if (lines && lesson_trial(&ls, l, w, datadir, (char *const *)lines, NULL, n, err) == 0) {
        size_t passed = lrun_passed_count(&ls.run);
        bool all = lrun_finished(&ls.run) && passed == checked;
        report(t, all, "%s: its solution passes %zu of %zu checked steps%s", l->id, passed, checked,
               all ? "" : lrun_finished(&ls.run) ? "" : " and stops before the end");
        for (size_t i = 0; !all && i < l->n_steps; i++) {
            if (json_array_size(json_object_get(l->steps[i].spec, "checks")) && !ls.run.passed[i]) {
                char *why = said_now(&ls, i);
                printf("        step %s:\n%s", l->steps[i].id, why ? why : "");
                free(why);
                break;
            }
        }
        if (ls.run.failed)
            report(t, false, "%s: a check's script failed during the solution", l->id);
        lesson_trial_end(&ls);
    } else {
        report(t, false, "%s: the solution could not be replayed: %s", l->id, lines ? err : "memory");
    }
    free(lines);
    check_hints(t, l, w, datadir);

    /* each typical wrong answer fails with the intended message */
    for (size_t i = 0; i < l->n_steps; i++) {
        const json_t *wrong = json_object_get(l->steps[i].spec, "wrong");
        for (size_t k = 0; k < json_array_size(wrong); k++) {
            const json_t *wr = json_array_get(wrong, k);
            const json_t *typed = json_object_get(wr, "typed");
            const char *says = json_string_value(json_object_get(wr, "says"));
            size_t before;
            const char **pre = lesson_solution_lines(l, i, &before);
            size_t m = before + json_array_size(typed);
            const char **all = pre ? realloc(pre, (m ? m : 1) * sizeof *all) : NULL;
            if (!all) {
                free(pre);
                report(t, false, "%s: out of memory", l->id);
                continue;
            }
            for (size_t j = 0; j < json_array_size(typed); j++)
                all[before + j] = json_string_value(json_array_get(typed, j));
            if (lesson_trial(&ls, l, w, datadir, (char *const *)all, NULL, m, err) < 0) {
                report(t, false, "%s: %s", l->id, err);
                free(all);
                continue;
            }
            bool stayed = !ls.run.passed[i] && ls.run.step == i;
            char *text = said_now(&ls, i);
            /* "says" quotes the English texts: in Japanese only the
             * failing is compared (the texts are checked to exist) */
            bool said = text && (lesson_lang() != 0 ? text[0] != '\0' : strstr(text, says) != NULL);
            report(t, stayed && said, "%s: step %s, wrong answer %zu fails saying \"%s\"", l->id,
                   l->steps[i].id, k + 1, says);
            if (!(stayed && said))
                printf("        %s\n%s", stayed ? "it said:" : "the step passed", text ? text : "");
            free(text);
            lesson_trial_end(&ls);
            free(all);
        }
    }
    if (lesson_varies(l))
        check_variants(t, l, w, datadir);
    world_free(w);
    lesson_free(l);
}

int lesson_check_all(const char *datadir, const char *default_world, struct lesson **all,
                     size_t n, const char *shelf_error, int argc, char **argv)
{
    struct tally t = {0};
    if (shelf_error[0] && argc == 0)
        report(&t, false, "%s", shelf_error);   /* asked for all: a broken one fails */
    for (size_t i = 0; i < n; i++) {
        bool wanted = argc == 0;
        for (int a = 0; a < argc && !wanted; a++)
            wanted = lesson_find(all + i, 1, argv[a]) != NULL;
        if (wanted)
            check_one(&t, all[i], datadir, default_world);
    }
    printf("%d passed, %d failed\n", t.pass, t.fail);
    fflush(stdout);
    return t.fail ? 1 : 0;
}
