/*
 * fuzz_cast — libFuzzer harness for the asciicast reader (cast_read.c):
 * any bytes, as a recording an instructor hands a class for `tutor
 * replay`.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_cast -max_len=16384 CORPUS tests/fuzz/seeds/cast
 *
 * Besides what ASan and UBSan catch, the harness aborts when a promise of
 * cast_read.h is broken: -1 exactly when err says why, naming the file,
 * on one line, the cast left empty; a cast read has its size within
 * CAST_WIDTH_MAX x CAST_HEIGHT_MAX, at most CAST_EVENTS_MAX events whose
 * times are from 0 to CAST_TIME_MAX and never go back, each resize's size
 * within the caps too, each kind the one its code names, and every string
 * NUL-terminated inside the one block the cast owns, which is no larger
 * than the file and a byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"
#include "present/cast_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *why, size_t event)
{
    fprintf(stderr, "fuzz_cast: %s (event %zu)\n", why, event);
    abort();
}

/* `s` and the NUL after its `len` bytes inside the cast's block. */
static int inside(const struct cast *c, size_t size, const char *s, size_t len)
{
    return s >= c->text && s + len < c->text + size + 1 && s[len] == '\0';
}

static enum cast_kind kind_named(const char *code)
{
    if (!code[0] || code[1])
        return CAST_OTHER;
    switch (code[0]) {
    case 'o': return CAST_OUTPUT;
    case 'i': return CAST_INPUT;
    case 'm': return CAST_MARKER;
    case 'r': return CAST_RESIZE;
    default: return CAST_OTHER;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_scratch_file("fuzz_cast", data, size);
    char err[CAST_ERROR_MAX] = "x";
    struct cast c;
    if (cast_read(path, &c, err) < 0) {
        fuzz_check_refusal("fuzz_cast", path, err);
        if (c.n || c.ev || c.text || c.title)
            broken("a refused recording that kept something", 0);
        return 0;
    }
    if (err[0])
        broken("a recording read with a message", 0);
    if (c.width < 1 || c.width > CAST_WIDTH_MAX || c.height < 1 || c.height > CAST_HEIGHT_MAX)
        broken("a size outside the caps", 0);
    if (c.idle_time_limit < 0 || c.idle_time_limit > CAST_TIME_MAX)
        broken("an idle time limit outside 0..CAST_TIME_MAX", 0);
    if (c.title && !inside(&c, size, c.title, strlen(c.title)))
        broken("a title outside the cast's block", 0);
    if (c.n > CAST_EVENTS_MAX)
        broken("more events than CAST_EVENTS_MAX", c.n);
    for (size_t i = 0; i < c.n; i++) {
        const struct cast_event *e = &c.ev[i];
        if (!(e->time >= 0) || e->time > CAST_TIME_MAX)
            broken("a time outside 0..CAST_TIME_MAX", i);
        if (i > 0 && e->time < c.ev[i - 1].time)
            broken("a time before the previous event's", i);
        if (!inside(&c, size, e->code, strlen(e->code)) || !inside(&c, size, e->data, e->len))
            broken("a string outside the cast's block, or not NUL-terminated", i);
        /* the other way needs the code's length: "o\u0000" is no "o" */
        if (e->kind != CAST_OTHER && e->kind != kind_named(e->code))
            broken("a kind its code does not name", i);
        if (e->kind == CAST_RESIZE ? e->cols < 1 || e->cols > CAST_WIDTH_MAX || e->rows < 1 ||
                                         e->rows > CAST_HEIGHT_MAX
                                   : e->cols || e->rows)
            broken("a resize outside the caps, or a size on another event", i);
    }
    cast_free(&c);
    return 0;
}
