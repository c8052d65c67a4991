/*
 * fuzz_record — libFuzzer harness for the recording reader (record.c):
 * any bytes, as a submission a student hands in to `tutor grade`.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_record -max_len=16384 CORPUS tests/fuzz/seeds/record
 *
 * Besides what ASan and UBSan catch, the harness aborts when a promise of
 * record.h is broken: -1 exactly when err says why, naming the file, on
 * one line; a recording read has at most RECORD_LINES_MAX lines, each of
 * the length it claims (or the mark of a resumed session), none holding
 * a line end or a NUL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"
#include "lesson/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *why, const char *detail)
{
    fprintf(stderr, "fuzz_record: %s\n--- %s\n", why, detail);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_scratch_file("fuzz_record", data, size);
    char err[RECORD_ERROR_MAX] = "";
    struct record r;
    if (record_read(path, &r, err) < 0) {
        fuzz_check_refusal("fuzz_record", path, err);
        if (r.n || r.lines)
            broken("a refused recording that kept lines", err);
        return 0;
    }
    if (err[0])
        broken("a recording read with a message", err);
    if (r.n > RECORD_LINES_MAX)
        broken("more lines than RECORD_LINES_MAX", path);
    for (size_t i = 0; i < r.n; i++) {
        if (r.lens[i] == RECORD_BREAK) {
            if (r.lines[i][0])
                broken("a resumed mark with text", r.lines[i]);
            continue;
        }
        if (strlen(r.lines[i]) != r.lens[i])
            broken("a line whose length is not what it claims", r.lines[i]);
        if (strpbrk(r.lines[i], "\n"))
            broken("a line holding a line end", r.lines[i]);
    }
    record_free(&r);
    return 0;
}
