/*
 * fuzz_lesson — libFuzzer harness for the lesson loader (lesson.c) and the
 * checks (lesson_checks.c with scripts/lesson_checks.lua): any bytes, as a
 * lesson a teacher might write. The input is cut at each line "=====" into
 * lesson.json, en.md, ja.md and checks.lua (missing parts are empty
 * files; no fourth part, no checks.lua), written to a folder named as the
 * lesson's id must be ("01-f"). Run from the repository root.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_lesson -max_len=16384 CORPUS tests/fuzz/seeds/lesson
 *
 * Besides what ASan and UBSan catch, the harness aborts when a promise of
 * lesson.h is broken: NULL exactly when err says why, on one line, naming
 * a file of the lesson; a loaded lesson has its steps, each found by its
 * id, with a text in both languages. A loaded lesson's variant for a
 * student loads too, and every step is judged once on an empty
 * transcript against the default world: a check may fail, the judging
 * itself may not (a script error of the lesson's own checks.lua aside,
 * which is the teacher's to see).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_host.h"
#include "lesson/lesson.h"
#include "lesson/lesson_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[PATH_MAX];

static void broken(const char *why, const char *err)
{
    fprintf(stderr, "fuzz_lesson: %s\n--- err: %s\n", why, err);
    abort();
}

static void write_part(const char *name, const uint8_t *p, size_t n)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void cleanup(void)
{
    char path[PATH_MAX + 32];
    static const char *const names[] = {"lesson.json", "en.md", "ja.md", "checks.lua"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        rmdir(dir);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int opened;
    if (!opened) {
        fuzz_host_open("fuzz_lesson");
        char base[] = "/tmp/tutor-fuzz_lesson-XXXXXX";
        if (!mkdtemp(base)) {
            perror("mkdtemp");
            exit(1);
        }
        snprintf(dir, sizeof dir, "%s/01-f", base);
        mkdir(dir, 0700);
        atexit(cleanup);
        opened = 1;
    }
    static const char *const names[] = {"lesson.json", "en.md", "ja.md", "checks.lua"};
    const uint8_t *p = data, *end = data + size;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/checks.lua", dir);
    unlink(path);
    for (size_t part = 0; part < 4; part++) {
        const uint8_t *cut = NULL;
        for (const uint8_t *q = p; q + 6 <= end && !cut; q++)
            if (memcmp(q, "\n=====", 6) == 0)
                cut = q;
        size_t n = (size_t)((cut ? cut : end) - p);
        if (part < 3 || p < end)
            write_part(names[part], p, p <= end ? n : 0);
        p = cut ? cut + 6 : end;
    }
    char err[LESSON_ERROR_MAX] = "";
    struct lesson *l = lesson_load(dir, err);
    if (!l) {
        if (!err[0] || strchr(err, '\n') || !strstr(err, "01-f"))
            broken("a refusal without a one-line reason naming the lesson", err);
        return 0;
    }
    if (err[0])
        broken("a loaded lesson with a message", err);
    for (size_t i = 0; i < l->n_steps; i++) {
        if (lesson_step_index(l, l->steps[i].id) != (int)i)
            broken("a step not found by its id", l->steps[i].id);
        if (!l->steps[i].text[0] || !l->steps[i].text[1])
            broken("a step without its two texts", l->steps[i].id);
    }
    struct lesson *v = lesson_load_variant(dir, "student-7", err);
    if (!v)
        broken("a lesson that loads whose variant does not", err);
    struct lesson_checker *c = lcheck_new(v, ".", err);
    if (c) {
        struct transcript t;
        transcript_init(&t);
        for (size_t i = 0; i < v->n_steps; i++) {
            struct lcheck_result res;
            if (lcheck_step(c, (int)i, &t, &fuzz_rt, &res, err) == 0)
                lcheck_result_free(&res);
            else if (!l->checks_lua)
                broken("the declarative checks failed to judge", err);
        }
        transcript_free(&t);
        lcheck_free(c);
    } else if (!l->checks_lua) {
        broken("the check library did not load", err);
    }
    lesson_free(v);
    lesson_free(l);
    fuzz_host_tick();
    return 0;
}
