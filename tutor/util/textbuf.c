/*
 * textbuf — see textbuf.h.
 *
 * The capacity doubles, so n appends cost O(n) copies in all; a first
 * allocation of 64 bytes holds most header fields and log lines whole.
 */
#include "textbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXTBUF_FIRST_CAP 64

bool textbuf_grow(struct textbuf *b, size_t more)
{
    if (b->oom)
        return false;
    if (b->cap - b->len > more)
        return true;
    size_t cap = b->cap ? b->cap : TEXTBUF_FIRST_CAP;
    while (cap - b->len <= more) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void textbuf_add(struct textbuf *b, const void *s, size_t n)
{
    if (n == 0 || !textbuf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* Measured first, then written in place: no second buffer to free. */
void textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !textbuf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *textbuf_finish(struct textbuf *b, size_t *len)
{
    char *s = NULL;
    if (textbuf_reserve(b, 0)) {
        s = b->p;
        s[b->len] = '\0';
        if (len)
            *len = b->len;
    } else {
        free(b->p);
    }
    *b = (struct textbuf){0};
    return s;
}
