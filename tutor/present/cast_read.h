/*
 * cast_read — an asciicast v2 file (asciinema's recording format) read and
 * checked into memory, for `tutor replay`.
 *
 * The file is newline-delimited JSON: a header object on line 1,
 *   {"version": 2, "width": 80, "height": 24, "idle_time_limit": 2, ...}
 * then one event a line, [time, code, data]: time in seconds from the
 * start (a number, never less than the event before), code "o" (output),
 * "i" (input), "m" (a marker, data its label) or "r" (a resize, data
 * "COLSxROWS"), data a string. Blank lines are skipped. Codes this reader
 * does not know are kept, as CAST_OTHER, for the player to pass over:
 * a later asciinema may add some (it did add "m"), and a player that
 * refused them would refuse every new recording.
 *
 * Everything a recording holds is checked before a byte of it is played:
 * a refusal says the file, the line and what is wrong, so an instructor
 * can mend a hand-edited demo.
 */
#ifndef TUTOR_CAST_READ_H
#define TUTOR_CAST_READ_H

#include <stddef.h>

/* A message: the file's path (up to PATH_MAX) is its larger part. */
#define CAST_ERROR_MAX 4352
#define CAST_FILE_MAX (64u << 20)       /* bytes of a file: over an hour of a busy screen */
#define CAST_LINE_MAX (1u << 20)        /* bytes of one line (an event or the header) */
#define CAST_EVENTS_MAX 1000000u        /* events of one file */
#define CAST_WIDTH_MAX 1000             /* columns of the recorded terminal */
#define CAST_HEIGHT_MAX 1000            /* rows of the recorded terminal */
/* seconds an event may be from the start: a week, far past any lesson,
 * and small enough that times print and add up without overflow */
#define CAST_TIME_MAX 604800.0

enum cast_kind {
    CAST_OUTPUT,                        /* "o": what the terminal was sent */
    CAST_INPUT,                         /* "i": what was typed */
    CAST_MARKER,                        /* "m": a step of the demo; data is its label */
    CAST_RESIZE,                        /* "r": the terminal's new size, in cols, rows */
    CAST_OTHER,                         /* a code this reader does not know */
};

struct cast_event {
    double time;                        /* seconds from the start, >= the previous event's */
    enum cast_kind kind;
    const char *code;                   /* as in the file (for CAST_OTHER); NUL-terminated */
    const char *data;                   /* len bytes, NUL after them; may hold NULs (\u0000) */
    size_t len;
    int cols, rows;                     /* CAST_RESIZE: 1..CAST_WIDTH_MAX, 1..CAST_HEIGHT_MAX */
};

/* A recording read. Its strings live in one block it owns (`text`); the
 * events and title borrow from it until cast_free. */
struct cast {
    int width, height;                  /* 1..CAST_WIDTH_MAX, 1..CAST_HEIGHT_MAX */
    const char *title;                  /* NULL when the header has none */
    double idle_time_limit;             /* the header's; 0 when it has none */
    struct cast_event *ev;
    size_t n;
    char *text;                         /* cast_read's own */
};

/* Reads and checks the asciicast at `path`. 0, or -1 with err (one line,
 * starting with the path, then the line number where there is one, then
 * what is wrong); after -1 the cast is empty and needs no cast_free. */
int cast_read(const char *path, struct cast *out, char err[CAST_ERROR_MAX]);

/* Frees what cast_read gave the cast, and leaves it empty. */
void cast_free(struct cast *c);

#endif
