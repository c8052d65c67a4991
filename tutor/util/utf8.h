/*
 * utf8 — well-formed UTF-8 (RFC 3629 section 4): no overlong form, no
 * surrogate, nothing past U+10FFFF, no sequence cut short.
 */
#ifndef TUTOR_UTF8_H
#define TUTOR_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length (1 to 4) of the well-formed sequence at s, of the `left`
 * bytes there; 0 when the byte there starts none. */
size_t utf8_seq_len(const unsigned char *s, size_t left);

/* Whether s[0..len) is all well-formed UTF-8. */
bool utf8_valid(const char *s, size_t len);

#endif
