/*
 * fuzz_demo — libFuzzer harness for the demo script reader (present/
 * demo.c): any bytes, as a demo script a teacher might write, read in
 * English and in Japanese.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_demo -max_len=16384 CORPUS tests/fuzz/seeds/demo
 *
 * Besides what ASan and UBSan catch, the harness aborts when a promise of
 * demo.h is broken: -1 exactly when err says why, naming the file; a demo
 * read has at least one step and at most DEMO_STEPS_MAX, every string
 * set, a command of one line that is no longer than a line may be, no
 * control character in what is typed, notes and traps within their size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "present/demo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *why, const char *err)
{
    fprintf(stderr, "fuzz_demo: %s\n--- err: %s\n", why, err ? err : "");
    abort();
}

static void check(const char *path, const char *lang)
{
    struct demo d;
    char err[DEMO_ERROR_MAX] = "";
    int rc = demo_load(path, lang, &d, err);
    if (rc < 0) {
        if (!err[0] || !strstr(err, path) || strchr(err, '\n'))
            broken("refused without one line naming the file", err);
        if (d.n || d.steps)
            broken("refused, but steps kept", err);
        return;
    }
    if (rc != 0 || d.n == 0 || d.n > DEMO_STEPS_MAX)
        broken("read, but not 1 to DEMO_STEPS_MAX steps", err);
    for (size_t i = 0; i < d.n; i++) {
        const struct demo_step *s = &d.steps[i];
        if (!s->command || !s->heading || !s->notes || !s->traps)
            broken("a step's string missing", NULL);
        if (strlen(s->command) > DEMO_LINE_MAX + 16 || strpbrk(s->command, "\n\r\033\177"))
            broken("a command no line to type", s->command);
        if (strlen(s->notes) >= DEMO_TEXT_MAX || strlen(s->traps) >= DEMO_TEXT_MAX)
            broken("notes or traps past DEMO_TEXT_MAX", NULL);
        if (s->kind == DEMO_PAUSE && s->command[0])
            broken("a pause with a command", s->command);
    }
    demo_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/fuzz_demo.%d.demo", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    check(path, "en");
    check(path, "ja");
    return 0;
}
