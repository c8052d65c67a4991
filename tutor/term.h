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

/* Dialogue lines. `echo` is false when the line is already on the screen
 * (readline showed what was typed). */
void term_client(const char *line, bool echo);
void term_server(const char *line);
/* The tool's own information ("=== ") and errors ("*** ", on stderr). */
void term_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void term_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Display width of UTF-8 text (wcwidth), never bytes. */
int term_width(const char *s);
/* Prints `s` padded with spaces to `width` columns. */
void term_pad(FILE *f, const char *s, int width);

#endif
