/* grade — see grade.h. */
#include "grade.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grade_report.h"
#include "lesson/record.h"
#include "repl/lesson_session.h"
#include "util/fsutil.h"
#include "util/i18n.h"

static void usage(FILE *f)
{
    fprintf(f, "%s", _("Usage: tutor grade [OPTION]... LESSON SUBMISSION...\n"
                       "Replays each recorded session (a file \"tutor --record\" or a lesson\n"
                       "wrote; a folder stands for the *.jsonl files in it) against a fresh world\n"
                       "and judges it by the lesson's checks. What the file claims the servers\n"
                       "answered is ignored: only the typed lines count.\n\n"
                       "LESSON is a lesson's number or name (\"1\", \"mail-by-hand\") or its folder.\n\n"
                       "Options:\n"
                       "  --format F      plain (default), json (Exercism v3 results.json with\n"
                       "                  Gradescope scores, a line a submission), tap (TAP 14),\n"
                       "                  junit (JUnit XML), csv (a row a submission)\n"
                       "  --jobs N        submissions graded at once (default: the CPUs)\n"
                       "  --lang ja|en    language of the report\n"
                       "  --help          show this help and exit\n\n"
                       "Exit status: 0 all passed, 1 some failed, 2 a submission could not be\n"
                       "graded (unreadable, another lesson's, a newer recording format).\n"));
}

/* ------------------------------------------------------------------------
 * Finding things.
 */
static struct lesson *find_lesson(const char *datadir, const char *what, char err[LESSON_ERROR_MAX])
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/lesson.json", what);
    if (access(path, F_OK) == 0)
        return lesson_load(what, err);
    char root[PATH_MAX];
    const char *env = getenv("TUTOR_LESSONS");
    snprintf(root, sizeof root, "%s", env && *env ? env : "");
    if (!root[0])
        snprintf(root, sizeof root, "%s/lessons", datadir);
    struct lesson **all;
    size_t n;
    if (lesson_list(root, &all, &n, err) < 0)
        return NULL;
    struct lesson *l = lesson_find(all, n, what);
    struct lesson *mine = l ? lesson_load(l->dir, err) : NULL;
    if (!l)
        snprintf(err, LESSON_ERROR_MAX, _("no lesson \"%1$s\" (in %2$s)"), what, root);
    lesson_list_free(all, n);
    return mine;
}

struct files {
    char **v;
    size_t n, cap;
};

static int add_file(struct files *f, const char *path)
{
    if (f->n == GRADE_SUBMISSIONS_MAX)
        return -1;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        char **v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return -1;
        f->v = v;
        f->cap = cap;
    }
    return (f->v[f->n] = strdup(path)) ? (int)f->n++ : -1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder stands for its *.jsonl files, in name order. */
static int add_submission(struct files *f, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return add_file(f, path) < 0 ? -1 : 0;
    DIR *d = opendir(path);
    if (!d)
        return add_file(f, path) < 0 ? -1 : 0;      /* its error comes when graded */
    size_t first = f->n;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 7 || strcmp(e->d_name + len - 6, ".jsonl") != 0)
            continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        if (add_file(f, p) < 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    qsort(f->v + first, f->n - first, sizeof *f->v, by_name);
    return 0;
}

/* ------------------------------------------------------------------------
 * Grading one submission (in a child).
 */
static json_t *error_result(const char *file, const char *student, const char *message)
{
    return json_pack("{s:s,s:o,s:s,s:s,s:i,s:[]}", "submission", file, "student",
                     student && *student ? json_string(student) : json_null(), "status", "error",
                     "message", message, "hints", 0, "steps");
}

/* Grades `file` in a copy of the template session `tpl` (this process is
 * a forked child: the template's servers are already running). */
static json_t *grade_one(const struct grade_env *env, struct lesson_session *tpl,
                         const char *file)
{
    struct lesson *l = tpl->lesson;
    struct record rec;
    char err[LESSON_ERROR_MAX] = "", rterr[RT_ERROR_MAX] = "", dir[PATH_MAX];
    if (record_read(file, &rec, err) < 0)
        return error_result(file, NULL, err);
    if (rec.h.lesson[0] && strcmp(rec.h.lesson, l->id) != 0) {
        snprintf(err, sizeof err, _("%1$s: a recording of lesson %2$s, not of %3$s"), file,
                 rec.h.lesson, l->id);
        json_t *r = error_result(file, rec.h.student, err);
        record_free(&rec);
        return r;
    }
    if (lesson_scratch_dir(dir, err) < 0 || rt_rebase(&tpl->rt, dir, rterr) < 0) {
        json_t *r = error_result(file, rec.h.student, err[0] ? err : rterr);
        record_free(&rec);
        return r;
    }
    struct lesson_session *ls = tpl;    /* this child's own, by fork */
    struct lesson *variant = NULL;
    if (lesson_varies(l)) {
        /* the words, hosts and ports of this submission's student */
        if (!(variant = lesson_variant(l, rec.h.student, err))) {
            json_t *r = error_result(file, rec.h.student, err);
            record_free(&rec);
            return r;
        }
        l = ls->lesson = variant;
        if (lrun_set_lesson(&ls->run, variant, err) < 0) {
            json_t *r = error_result(file, rec.h.student, err);
            record_free(&rec);
            return r;
        }
    }
    lesson_session_replay(ls, env->datadir, rec.lines, rec.lens, rec.n);
    json_t *steps = json_array();
    bool all = true;
    for (size_t i = 0; i < l->n_steps; i++) {
        const struct lesson_step *s = &l->steps[i];
        if (json_array_size(json_object_get(s->spec, "checks")) == 0)
            continue;
        json_t *checks = json_array();
        bool reached = i <= ls->run.reached;
        if (!ls->run.passed[i] && reached) {
            /* what is missing, judged on the step's own lines and the
             * world as the replay left it */
            struct lcheck_result res;
            if (lcheck_step(ls->run.checker, (int)i, &ls->run.t, &ls->rt, &res, err) == 0) {
                for (size_t k = 0; k < res.n; k++)
                    json_array_append_new(
                        checks, json_pack("{s:b,s:s,s:s,s:s}", "ok", res.items[k].ok, "expect",
                                          res.items[k].expect, "actual", res.items[k].actual,
                                          "rule", res.items[k].rule));
                lcheck_result_free(&res);
            } else {
                json_array_append_new(checks, json_pack("{s:b,s:s,s:s,s:s}", "ok", 0, "expect", "",
                                                        "actual", err, "rule", ""));
            }
        }
        all = all && ls->run.passed[i];
        json_array_append_new(steps, json_pack("{s:s,s:s,s:b,s:b,s:i,s:o}", "id", s->id, "title",
                                               lesson_step_title(s), "passed", ls->run.passed[i],
                                               "reached", reached, "hints", ls->run.hints[i],
                                               "checks", checks));
    }
    json_t *r = json_pack("{s:s,s:o,s:s,s:o,s:i,s:o}", "submission", file, "student",
                          rec.h.student[0] ? json_string(rec.h.student) : json_null(), "status",
                          all ? "pass" : "fail", "message", json_null(), "hints",
                          lrun_hints_total(&ls->run), "steps", steps);
    if (ls->run.failed)
        json_object_set_new(r, "message", json_string(_("a check of the lesson failed while "
                                                         "replaying")));
    char ferr[FS_ERROR_MAX];
    fs_remove_tree(dir, ferr);
    record_free(&rec);
    return r;
}

/* ------------------------------------------------------------------------
 * The pool: a child a submission, `jobs` at a time.
 */
struct child {
    pid_t pid;
    int fd;
    size_t index;
    char *buf;
    size_t len, cap;
    time_t started;
};

static void child_main(const struct grade_env *env, struct lesson_session *tpl, const char *file,
                       int fd)
{
    json_t *r = grade_one(env, tpl, file);
    char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
    size_t len = text ? strlen(text) : 0, off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    _exit(text ? 0 : 1);
}

static void reap(struct child *c, json_t *results, char *const *files)
{
    int status = 0;
    waitpid(c->pid, &status, 0);
    close(c->fd);
    json_t *r = NULL;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && c->len) {
        json_error_t je;
        r = json_loadb(c->buf, c->len, 0, &je);
    }
    if (!r) {
        char why[128];
        if (WIFSIGNALED(status))
            snprintf(why, sizeof why, _("the replay ended by signal %1$d"), WTERMSIG(status));
        else
            snprintf(why, sizeof why, "%s", _("the replay gave no result"));
        r = error_result(files[c->index], NULL, why);
    }
    json_array_set_new(results, c->index, r);
    free(c->buf);
    memset(c, 0, sizeof *c);
    c->pid = 0;
}

/* A child a submission, `jobs` at a time, each forked from one template:
 * the lesson's world opened and every server started once, here, so that
 * a child only replays. */
static json_t *grade_all(const struct grade_env *env, struct lesson *l, struct world *w,
                         char *const *files, size_t n, int jobs)
{
    json_t *results = json_array();
    struct lesson_session tpl;
    char err[LESSON_ERROR_MAX], rterr[RT_ERROR_MAX];
    if (lesson_trial(&tpl, l, w, env->datadir, NULL, NULL, 0, err) < 0) {
        for (size_t i = 0; i < n; i++)
            json_array_append_new(results, error_result(files[i], NULL, err));
        return results;
    }
    if (rt_start_all(&tpl.rt, rterr) < 0) {
        for (size_t i = 0; i < n; i++)
            json_array_append_new(results, error_result(files[i], NULL, rterr));
        lesson_trial_end(&tpl);
        return results;
    }
    for (size_t i = 0; i < n; i++)
        json_array_append_new(results, json_null());
    struct child kids[GRADE_JOBS_MAX];
    memset(kids, 0, sizeof kids);
    size_t next = 0, running = 0;
    fflush(stdout);
    fflush(stderr);
    while (next < n || running > 0) {
        while (next < n && running < (size_t)jobs) {
            int fd[2];
            if (pipe(fd) < 0)
                break;
            pid_t pid = fork();
            if (pid == 0) {
                close(fd[0]);
                child_main(env, &tpl, files[next], fd[1]);
            }
            close(fd[1]);
            if (pid < 0) {
                close(fd[0]);
                json_array_set_new(results, next,
                                   error_result(files[next], NULL, strerror(errno)));
                next++;
                continue;
            }
            for (int k = 0; k < jobs; k++) {
                if (!kids[k].pid) {
                    kids[k] = (struct child){.pid = pid, .fd = fd[0], .index = next,
                                             .started = time(NULL)};
                    break;
                }
            }
            next++;
            running++;
        }
        struct pollfd p[GRADE_JOBS_MAX];
        int slot[GRADE_JOBS_MAX], np = 0;
        for (int k = 0; k < jobs; k++) {
            if (kids[k].pid) {
                p[np] = (struct pollfd){.fd = kids[k].fd, .events = POLLIN};
                slot[np++] = k;
            }
        }
        if (np == 0)
            continue;
        poll(p, (nfds_t)np, 1000);
        for (int i = 0; i < np; i++) {
            struct child *c = &kids[slot[i]];
            if (time(NULL) - c->started > GRADE_TIMEOUT_S)
                kill(c->pid, SIGKILL);
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (c->len + 65536 > c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 65536;
                char *b = realloc(c->buf, cap);
                if (!b) {
                    kill(c->pid, SIGKILL);
                    continue;
                }
                c->buf = b;
                c->cap = cap;
            }
            ssize_t got = read(c->fd, c->buf + c->len, c->cap - c->len);
            if (got > 0) {
                c->len += (size_t)got;
            } else if (got == 0 || errno != EINTR) {
                reap(c, results, files);
                running--;
            }
        }
    }
    lesson_trial_end(&tpl);
    return results;
}

int grade_main(const struct grade_env *env, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"jobs", required_argument, NULL, 'j'},
        {"lang", required_argument, NULL, 'l'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum grade_format fmt = GRADE_PLAIN;
    long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'f':
            if (grade_format_parse(optarg, &fmt) < 0) {
                fprintf(stderr, _("tutor grade: --format takes plain, json, tap, junit or csv, "
                                  "not \"%1$s\"\n"),
                        optarg);
                return 2;
            }
            break;
        case 'j': {
            char *end;
            jobs = strtol(optarg, &end, 10);
            if (*end || jobs < 1 || jobs > GRADE_JOBS_MAX) {
                fprintf(stderr, _("tutor grade: --jobs takes a number from 1 to %1$d\n"),
                        GRADE_JOBS_MAX);
                return 2;
            }
            break;
        }
        case 'l': break;                /* main has read it */
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (jobs < 1)
        jobs = 1;
    if (jobs > GRADE_JOBS_MAX)
        jobs = GRADE_JOBS_MAX;
    if (argc - optind < 2) {
        fprintf(stderr, "%s", _("tutor grade: a lesson and at least one submission are needed\n"));
        usage(stderr);
        return 2;
    }
    char err[LESSON_ERROR_MAX];
    struct lesson *l = find_lesson(env->datadir, argv[optind], err);
    if (!l) {
        fprintf(stderr, "tutor grade: %s\n", err);
        return 2;
    }
    struct world *w = lesson_world_load(l, env->datadir, env->world_path, err);
    if (!w) {
        fprintf(stderr, "tutor grade: %s\n", err);
        lesson_free(l);
        return 2;
    }
    struct files f = {0};
    for (int i = optind + 1; i < argc; i++) {
        if (add_submission(&f, argv[i]) < 0) {
            fprintf(stderr, _("tutor grade: more than %1$d submissions\n"), GRADE_SUBMISSIONS_MAX);
            return 2;
        }
    }
    if (f.n == 0) {
        fprintf(stderr, "%s", _("tutor grade: no submission (*.jsonl) found\n"));
        return 2;
    }
    json_t *results = grade_all(env, l, w, f.v, f.n, (int)jobs);
    grade_report(stdout, fmt, l, results);
    int rc = 0;
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r) {
        const char *st = json_string_value(json_object_get(r, "status"));
        if (st && strcmp(st, "error") == 0)
            rc = 2;
        else if (rc == 0 && st && strcmp(st, "fail") == 0)
            rc = 1;
    }
    json_decref(results);
    for (size_t k = 0; k < f.n; k++)
        free(f.v[k]);
    free(f.v);
    world_free(w);
    lesson_free(l);
    return rc;
}
