/*
 * textbuf — a growing buffer, for building a string (or any bytes) piece
 * by piece. Running out of memory is sticky: the first append that cannot
 * get its room sets `oom`, and every later one does nothing, so a long run
 * of appends is checked once, at the end (textbuf_finish does it). Callers
 * that only show what they build (relay.c's dialogue log) may ignore it and
 * keep what was written before.
 *
 * Ownership: a struct textbuf starts as {0} and owns p; the caller frees it
 * with free(b.p), unless textbuf_finish has handed it over. The bytes are
 * p[0..len); no NUL is kept after them until textbuf_finish. Callers may
 * read p and len, drop what they appended by lowering len, and, after
 * textbuf_reserve, write into p[len..cap-1) themselves and advance len (as
 * iconv does): one byte past the room asked for is kept for the NUL.
 */
#ifndef TUTOR_TEXTBUF_H
#define TUTOR_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

/* Room for `more` bytes and a NUL after them. False (and oom set, if it
 * was not) when memory ran out. Inline when there is room already: it
 * runs for every value a --json line holds. */
bool textbuf_grow(struct textbuf *b, size_t more);
static inline bool textbuf_reserve(struct textbuf *b, size_t more)
{
    return (!b->oom && b->cap - b->len > more) || textbuf_grow(b, more);
}

/* Appends n bytes of s (borrowed; may be NULL when n is 0). */
void textbuf_add(struct textbuf *b, const void *s, size_t n);

static inline void textbuf_addc(struct textbuf *b, char c)
{
    if (textbuf_reserve(b, 1))
        b->p[b->len++] = c;
}

/* Appends printf's output, without its NUL. */
void textbuf_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text with a NUL after it: new string (caller frees; its length in
 * *len when len is not NULL), or NULL, the text freed, when memory ran out
 * at any point. Either way b is left empty, as {0}. */
char *textbuf_finish(struct textbuf *b, size_t *len);

#endif
