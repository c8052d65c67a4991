/* jsonout — see jsonout.h. */
#include "jsonout.h"

#include <stdio.h>
#include <string.h>

void jsonout_begin(struct jsonout *j)
{
    j->b.len = 0;
    j->depth = 0;
    j->first[0] = true;
    j->after_key = false;
}

/* The comma before a value, unless it is the first or a member's. */
static void separate(struct jsonout *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (!j->first[j->depth])
        textbuf_addc(&j->b, ',');
    j->first[j->depth] = false;
}

static void open(struct jsonout *j, char c, char closer)
{
    separate(j);
    textbuf_addc(&j->b, c);
    if (j->depth + 1 < JSONOUT_DEPTH_MAX) {
        j->depth++;
        j->first[j->depth] = true;
        j->closer[j->depth] = closer;
    }
}

void jsonout_object(struct jsonout *j) { open(j, '{', '}'); }
void jsonout_array(struct jsonout *j) { open(j, '[', ']'); }

void jsonout_end(struct jsonout *j)
{
    if (j->depth > 0)
        textbuf_addc(&j->b, j->closer[j->depth--]);
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629 4), 0 when
 * the byte there starts none. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;         /* the bounds of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;                          /* no overlong form */
        else if (c == 0xed)
            hi = 0x9f;                          /* no surrogate */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;                          /* nothing past U+10FFFF */
    } else
        return 0;
    if (left < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

static void quoted(struct textbuf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t len = strlen(str);
    textbuf_addc(b, '"');
    size_t run = 0;                             /* bytes to copy as they are */
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            run++;
            i++;
            continue;
        }
        size_t n = c >= 0x80 ? utf8_seq(s + i, len - i) : 0;
        if (n) {
            run += n;
            i += n;
            continue;
        }
        textbuf_add(b, s + i - run, run);
        run = 0;
        char esc[8];
        switch (c) {
        case '"': textbuf_add(b, "\\\"", 2); break;
        case '\\': textbuf_add(b, "\\\\", 2); break;
        case '\n': textbuf_add(b, "\\n", 2); break;
        case '\r': textbuf_add(b, "\\r", 2); break;
        case '\t': textbuf_add(b, "\\t", 2); break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                textbuf_add(b, esc, 6);
            } else {
                textbuf_add(b, "\xef\xbf\xbd", 3);      /* U+FFFD for a stray byte */
            }
        }
        i++;
    }
    textbuf_add(b, s + len - run, run);
    textbuf_addc(b, '"');
}

void jsonout_key(struct jsonout *j, const char *key)
{
    separate(j);
    quoted(&j->b, key);
    textbuf_addc(&j->b, ':');
    j->after_key = true;
}

void jsonout_string(struct jsonout *j, const char *s)
{
    if (!s || !s[0]) {
        jsonout_null(j);
        return;
    }
    separate(j);
    quoted(&j->b, s);
}

void jsonout_int(struct jsonout *j, long long v)
{
    separate(j);
    char n[24];
    int len = snprintf(n, sizeof n, "%lld", v);
    textbuf_add(&j->b, n, (size_t)len);
}

void jsonout_bool(struct jsonout *j, bool v)
{
    separate(j);
    textbuf_add(&j->b, v ? "true" : "false", v ? 4 : 5);
}

void jsonout_null(struct jsonout *j)
{
    separate(j);
    textbuf_add(&j->b, "null", 4);
}
