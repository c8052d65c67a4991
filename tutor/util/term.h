/*
 * term — how the tutor writes to the person in front of it: dialogues with
 * the client's and the server's lines told apart (colour on a terminal,
 * swaks' markers otherwise), and text aligned by display width, so that
 * Japanese lines up.
 */
#ifndef TUTOR_TERM_H
#define TUTOR_TERM_H

#include <stdbool.h>
#include <stdio.h>

/* Colour only on a terminal, with NO_COLOR unset or empty and TERM not
 * dumb; `force` 1 or 0 overrides (--color / --no-color), -1 decides. */
void term_init(int force);
bool term_color(void);
/* The projector theme (TUTOR_THEME=projector, which --theme sets): high
 * contrast, bold, no dim colours, for the back row of a lecture hall. */
bool term_projector(void);

/* Dialogue lines, control characters shown as with term_text. `echo` is
 * false when the line is already on the screen (readline showed what was
 * typed). A client's line is `len` bytes, NUL bytes included. */
void term_client(const char *line, size_t len, bool echo);
void term_server(const char *line);
/* The width the tool's own lines keep to on a terminal: an 80-column
 * screen, the last column left free. */
#define TERM_LINE_WIDTH 79

/* The tool's own information ("=== ") and errors ("*** ", on stderr). */
void term_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void term_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Was stdout a terminal when the program started (it still is one to the
 * reader while a pager sits between)? */
bool term_stdout_tty(void);
/* A sentence of the tool's own on stdout, without a marker: wrapped to an
 * 80-column screen on a terminal, one line in a pipe (as term_info). */
void term_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Text from the outside (a message, a header) on one line: control
 * characters other than TAB are shown as ^X, so that a message cannot move
 * the cursor, change colours or retitle the terminal. No newline added. */
void term_text(FILE *f, const char *s, size_t len);

/* `s` cut to at most `width` display columns (a cut ends in "..") and
 * padded with spaces to exactly `width`; term_cut does not pad (for the
 * last column). Both show control characters as term_text does. */
void term_fit(FILE *f, const char *s, int width);
void term_cut(FILE *f, const char *s, int width);

/* Text of many lines (LF), each shown with term_text and ended. */
void term_lines(FILE *f, const char *s, size_t len);

/* Writes `s` from column `col` (where the cursor already is), wrapped to
 * `width` columns: lines break at spaces, or anywhere between characters in
 * text without spaces (Japanese), and go on at column `indent`. Ends with
 * a newline. */
void term_wrap(FILE *f, const char *s, int col, int indent, int width);

/* Under `tutor present` (TUTOR_PRESENT set in the environment), marks for
 * the presenter, which takes them out of the output: "ready" when the
 * prompt waits for a line (typing may start), "keys" when a command reads
 * keys itself (the relay's animation, chain: the instructor's keys go to
 * it). Private OSC sequences, which a terminal that ever got one ignores.
 * Nothing is written otherwise. */
#define TERM_MARK_PREFIX "\033]7777;tutor-"
#define TERM_MARK_END '\007'
#define TERM_MARK_MAX 32                /* bytes of a whole mark */
void term_mark_ready(void);
void term_mark_keys(void);

/* Display width of UTF-8 text (wcwidth), never bytes. */
int term_width(const char *s);
/* Prints `s` padded with spaces to `width` columns. */
void term_pad(FILE *f, const char *s, int width);

#endif
