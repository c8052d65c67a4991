/*
 * ascii — case-insensitive comparison of ASCII, as protocols compare
 * their words ("HELO", "ESMTPSA", a host name): a letter's case folded,
 * every other byte as it is. Not strcasecmp, which folds as the locale
 * says and costs a call and a locale lookup for each of the many words
 * of a mailbox's Received: lines. Inline: they are a few instructions.
 */
#ifndef TUTOR_ASCII_H
#define TUTOR_ASCII_H

#include <stdbool.h>
#include <stddef.h>

static inline unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Whether s[0..n) is `lower` (in lower case, n bytes long) in any case. */
static inline bool ascii_eqn(const char *s, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower((unsigned char)s[i]) != (unsigned char)lower[i])
            return false;
    return true;
}

/* Whether the strings a and b are the same in any case. */
static inline bool ascii_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = ascii_lower((unsigned char)*a), y = ascii_lower((unsigned char)*b);
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

#endif
