/*
 * cast_write — a session recorded as asciicast v2, the format asciinema
 * plays (https://docs.asciinema.org/manual/asciicast/v2/): a header line
 * (version, width, height, timestamp, title, env), then one event a line,
 * [seconds since the start, "o" output | "m" marker | "r" resize, data].
 *
 * What the terminal was sent, as it was sent: `tutor present` marks each
 * step with a marker, so `asciinema play` and `tutor replay` can go from
 * step to step. Output cut in the middle of a UTF-8 character is held
 * until the rest comes (a JSON string holds characters, not bytes); a byte
 * that starts no character is written as U+FFFD, as asciinema does. Every
 * event is flushed as it is written: a session that ends badly keeps
 * what was recorded up to then.
 */
#ifndef TUTOR_CAST_WRITE_H
#define TUTOR_CAST_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "util/jsonout.h"

#define CAST_WRITE_ERROR_MAX 512

struct cast_writer {
    FILE *f;                            /* NULL: not recording */
    char path[4096];
    struct timespec start;              /* CLOCK_MONOTONIC at the header */
    unsigned char held[4];              /* the start of a character cut short */
    size_t nheld;
    struct jsonout line;                /* an event's line, its memory kept */
    bool failed;                        /* a write failed: said once, at cast_close */
    int saved_errno;
};

/* Creates (or replaces) path and writes the header of a cols x rows
 * terminal. 0, or -1 with err. */
int cast_open(struct cast_writer *w, const char *path, int cols, int rows, const char *title,
              char err[CAST_WRITE_ERROR_MAX]);

void cast_output(struct cast_writer *w, const void *s, size_t n);
void cast_marker(struct cast_writer *w, const char *label);
void cast_resize(struct cast_writer *w, int cols, int rows);

/* Writes what is held, closes the file. 0, or -1 with err when any write
 * failed (the disk full: the recording is cut short). Nothing is done,
 * 0 returned, when w is not recording. */
int cast_close(struct cast_writer *w, char err[CAST_WRITE_ERROR_MAX]);

#endif
