/*
 * record — a session's typed lines as JSON lines, for grading by replay.
 *
 * The first line is a header:
 *   {"tutor": "recording", "version": 1, "tutor_version": "0.4",
 *    "lesson": "01-mail-by-hand" or null, "lesson_hash": "sha256:..." or null,
 *    "world_hash": "sha256:...", "seed": 20020529, "student": "ID" or null,
 *    "started": "2026-12-07T15:00:00Z"}
 * then one line per line the student typed, at the prompt or in a
 * dialogue:
 *   {"step": "helo" or null, "line": "HELO pc1.a.example"}
 * and, where a later session of the same lesson began (the tutor was
 * left and the lesson resumed):
 *   {"resumed": true}
 * which a replay reads as the end of the input at that point (a dialogue
 * left open closes) and a fresh login on the student's PC.
 * Members a reader does not know ("reply", "output") are ignored: a
 * replay re-runs the lines, so nothing but them counts.
 */
#ifndef TUTOR_RECORD_H
#define TUTOR_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define RECORD_VERSION 1
#define RECORD_ERROR_MAX 768
#define RECORD_LINES_MAX 100000         /* lines of one recording */
#define RECORD_LINE_MAX (64u << 10)     /* bytes of one JSON line */
#define RECORD_STUDENT_MAX 128
#define RECORD_BREAK ((size_t)-1)

struct record_header {
    char lesson[64];                    /* "" for a session outside lessons */
    char lesson_hash[80];
    char world_hash[80];
    char student[RECORD_STUDENT_MAX];   /* "" when not given */
    char tutor_version[32];
    long long seed;
    int version;
};

/* A writer: lines go out as they are typed, each flushed (not fsync'd:
 * a crash loses at most what the kernel had not written). */
struct record_writer {
    FILE *f;
    bool failed;                        /* a write failed: said once */
};

/* Opens `path` for appending; writes the header when the file is new or
 * empty. 0, or -1 with err. */
int record_open(struct record_writer *w, const char *path, const struct record_header *h,
                char err[RECORD_ERROR_MAX]);
/* One typed line (`len` bytes, may hold any byte: it is escaped), with
 * the step it belongs to (NULL: none). 0, or -1 once writing failed. */
int record_line(struct record_writer *w, const char *step, const char *line, size_t len);
/* The mark of a resumed session. 0, or -1 once writing failed. */
int record_break(struct record_writer *w);
void record_close(struct record_writer *w);

/* A recording read back. */
struct record {
    struct record_header h;
    char **lines;                       /* each new, NUL-terminated (a NUL inside is cut) */
    size_t *lens;                       /* RECORD_BREAK: a resumed session's mark ("") */
    size_t n;
};

/* Reads a recording. 0, or -1 with err naming the file, the line and
 * what is wrong (not JSON, no header, a newer version, too many lines). */
int record_read(const char *path, struct record *out, char err[RECORD_ERROR_MAX]);
void record_free(struct record *r);

/* "sha256:" and the digest of `len` bytes, or of a file's bytes ("" when
 * it cannot be read). */
void record_hash(const void *data, size_t len, char out[80]);
void record_hash_file(const char *path, char out[80]);

#endif
