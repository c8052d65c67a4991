/*
 * jsonout — JSON written as it goes, compact, into a textbuf: for output
 * that is a line a record and many records (`tutor headers --json` on a
 * mailbox of 100,000 messages), where building a jansson tree for each
 * and dumping it costs more than everything else together.
 *
 * The writer puts the commas: a value after another in an object or an
 * array gets one. Strings are written as valid UTF-8 whatever they hold:
 * a byte that is no part of a well-formed sequence (RFC 3629) becomes
 * U+FFFD, control characters are escaped. Running out of memory is the
 * textbuf's sticky `oom`.
 */
#ifndef TUTOR_JSONOUT_H
#define TUTOR_JSONOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "textbuf.h"

#define JSONOUT_DEPTH_MAX 16            /* objects and arrays open at once, less one */

struct jsonout {
    struct textbuf b;
    int depth;
    bool first[JSONOUT_DEPTH_MAX];      /* no value written yet at this depth */
    char closer[JSONOUT_DEPTH_MAX];     /* what ends the one open at this depth */
    bool after_key;                     /* the next value is a member's */
};

void jsonout_begin(struct jsonout *j);  /* an empty buffer, depth 0 */
void jsonout_next(struct jsonout *j);   /* depth 0, after what the buffer holds: the next record */
void jsonout_object(struct jsonout *j);
void jsonout_array(struct jsonout *j);
void jsonout_end(struct jsonout *j);    /* of the innermost object or array */
void jsonout_key(struct jsonout *j, const char *key);       /* plain ASCII: written unescaped */
/* a key that is a literal, its length counted by the compiler */
#define JSONOUT_KEY(j, literal) jsonout_keyn((j), "" literal, sizeof literal - 1)
void jsonout_string(struct jsonout *j, const char *s);       /* NULL or "" writes null */
/* len bytes of s as a string, "" included; a NUL byte is escaped (\u0000) */
void jsonout_stringn(struct jsonout *j, const char *s, size_t len);
/* A header's folded text as one line, as a string: up to a NUL if it
 * holds one (as a C string ends there; JSON readers such as jansson
 * refuse a \u0000), trimmed, each run of white space one space, cut at
 * max - 1 bytes of that text (a space the cut leaves at the end dropped),
 * written as jsonout_string writes it (null when nothing is left): the
 * same as writing the line first, in one pass. */
void jsonout_oneline(struct jsonout *j, const char *s, size_t len, size_t max);
void jsonout_int(struct jsonout *j, long long v);
void jsonout_bool(struct jsonout *j, bool v);
/* a value the caller wrote as JSON (a number with a fraction: "1.250000") */
void jsonout_raw(struct jsonout *j, const char *text, size_t len);
void jsonout_null(struct jsonout *j);

/* The comma before a value, unless it is the first or a member's. */
static inline void jsonout_separate(struct jsonout *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (!j->first[j->depth])
        textbuf_addc(&j->b, ',');
    j->first[j->depth] = false;
}

/* A key of n bytes. Inline: with JSONOUT_KEY's literal, the copy is a few
 * stores, and a --json line of a mailbox has a hundred keys. */
static inline void jsonout_keyn(struct jsonout *j, const char *key, size_t n)
{
    jsonout_separate(j);
    /* a key is the program's own word: nothing in it to escape */
    if (textbuf_reserve(&j->b, n + 3)) {
        char *o = j->b.p + j->b.len;
        o[0] = '"';
        memcpy(o + 1, key, n);
        o[n + 1] = '"';
        o[n + 2] = ':';
        j->b.len += n + 3;
    }
    j->after_key = true;
}

#endif
