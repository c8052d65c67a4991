/* jsonout — see jsonout.h. */
#include "jsonout.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "utf8.h"

void jsonout_begin(struct jsonout *j)
{
    j->b.len = 0;
    jsonout_next(j);
}

void jsonout_next(struct jsonout *j)
{
    j->depth = 0;
    j->first[0] = true;
    j->after_key = false;
}

static void open(struct jsonout *j, char c, char closer)
{
    jsonout_separate(j);
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

/* A byte a string may hold as it is: printable ASCII but " and \. */
static inline bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Whether any of the 8 bytes at s is not plain: a byte under 0x20 or
 * past 0x7f, a " or a \ (the zero-byte test of "Bit Twiddling Hacks",
 * which finds one wherever there is one). Eight bytes a test: the plain
 * runs of a header's text are most of what --json writes. */
static inline bool needs_care(const unsigned char *s)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    uint64_t low = (x - ones * 0x20) & ~x;              /* a byte under 0x20 */
    uint64_t zq = (q - ones) & ~q, zbs = (bs - ones) & ~bs;
    return ((low | zq | zbs) & highs) | (x & highs);
}

#if defined(__SSE2__)
/* The bytes of the 16 at s that are not plain, a bit each (SSE2, which
 * every x86-64 has): a signed compare finds those under 0x20 and those
 * past 0x7f at once. */
static inline unsigned care16(const unsigned char *s)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i bad = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                               _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                            _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
    return (unsigned)_mm_movemask_epi8(bad);
}
#endif

/* Whether all of s[0..len) is plain, for len >= 8: each block tested, the
 * last one overlapping the ones before. */
static bool all_plain(const unsigned char *s, size_t len)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (len >= 16) {
        for (; i + 16 <= len; i += 16)
            if (care16(s + i))
                return false;
        return i == len || !care16(s + len - 16);
    }
#endif
    for (; i + 8 <= len; i += 8)
        if (needs_care(s + i))
            return false;
    return i == len || !needs_care(s + len - 8);
}

/* How many bytes from s[i] on are plain, up to len. */
static size_t plain_run(const unsigned char *s, size_t i, size_t len)
{
#if defined(__SSE2__)
    for (; i + 16 <= len; i += 16) {
        unsigned m = care16(s + i);
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i + 8 <= len && !needs_care(s + i))
        i += 8;
    while (i < len && plain(s[i]))
        i++;
    return i;
}

/* The escape of a byte that is no part of a string's text as it stands. */
static char *escaped(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    switch (c) {
    case '"': *o++ = '\\'; *o++ = '"'; break;
    case '\\': *o++ = '\\'; *o++ = '\\'; break;
    case '\n': *o++ = '\\'; *o++ = 'n'; break;
    case '\r': *o++ = '\\'; *o++ = 'r'; break;
    case '\t': *o++ = '\\'; *o++ = 't'; break;
    default:
        if (c < 0x20) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);          /* U+FFFD for a stray byte */
            o += 3;
        }
    }
    return o;
}

/* Written straight into the buffer, its room reserved once: every byte
 * of a mailbox's headers comes through here, most of them plain, and most
 * strings wholly so: those are copied at once. */
static void quoted(struct textbuf *b, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    /* the most a byte can become is an escape of six ("\u001f") */
    if (len > (SIZE_MAX - 2) / 6 || !textbuf_reserve(b, len * 6 + 2))
        return;
    char *o = b->p + b->len;
    *o++ = '"';
    if (len >= 8 && all_plain(s, len)) {
        memcpy(o, s, len);
        o[len] = '"';
        b->len = (size_t)(o + len + 1 - b->p);
        return;
    }
    for (size_t i = 0; i < len;) {
        size_t run = plain_run(s, i, len);
        memcpy(o, s + i, run - i);
        o += run - i;
        if ((i = run) == len)
            break;
        unsigned char c = s[i];
        size_t n = c >= 0x80 ? utf8_seq_len(s + i, len - i) : 0;
        if (n) {
            memcpy(o, s + i, n);
            o += n;
            i += n;
            continue;
        }
        o = escaped(o, c);
        i++;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

static bool white(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* One pass that does what writing the one-line text and then quoting it
 * would do in two: a mailbox's every Received: field is written so. The
 * text is counted (k) before its escapes, as the cut is. */
void jsonout_oneline(struct jsonout *j, const char *str, size_t len, size_t max)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t cap = max ? max - 1 : 0, k = 0, i = 0;
    jsonout_separate(j);
    /* at most cap bytes of text, each at most six, and a block's store
     * past the end */
    if (cap > (SIZE_MAX - 32) / 6 || !textbuf_reserve(&j->b, cap * 6 + 32))
        return;
    char *o = j->b.p + j->b.len, *first = o;
    *o++ = '"';
    bool after_space = true;            /* at the start too: a space there is dropped */
    while (i < len && k < cap) {
#if defined(__SSE2__)
        while (i + 16 <= len && k + 16 <= cap) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            _mm_storeu_si128((__m128i *)(void *)o, x);
            unsigned spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
            unsigned stop = care16(s + i) | (spaces & ((spaces << 1) | after_space));
            size_t n = stop ? (size_t)__builtin_ctz(stop) : 16;
            i += n;
            k += n;
            o += n;
            if (n)
                after_space = s[i - 1] == ' ';
            if (stop)
                break;
        }
#endif
        if (i == len || k == cap)
            break;
        unsigned char c = s[i];
        if (c == '\0')
            break;                      /* the end of the text, as in a C string */
        if (white(c)) {
            while (++i < len && white(s[i]))
                ;
            if (!after_space) {
                *o++ = ' ';
                k++;
                after_space = true;
            }
            continue;
        }
        after_space = false;
        size_t n = c >= 0x80 ? utf8_seq_len(s + i, len - i) : 0;
        if (n && k + n <= cap) {
            memcpy(o, s + i, n);
            o += n;
        } else if (plain(c)) {
            *o++ = (char)c;
            n = 1;
        } else {
            /* an escape, or a stray byte (or a sequence the cut goes
             * through: each of its bytes is one) */
            o = escaped(o, c);
            n = 1;
        }
        k += n;
        i += n;
    }
    if (k > 0 && after_space) {
        o--;                            /* the space the end or the cut left */
        k--;
    }
    if (k == 0) {
        j->b.len = (size_t)(first - j->b.p);
        textbuf_add(&j->b, "null", 4);
        return;
    }
    *o++ = '"';
    j->b.len = (size_t)(o - j->b.p);
}

void jsonout_key(struct jsonout *j, const char *key) { jsonout_keyn(j, key, strlen(key)); }

void jsonout_string(struct jsonout *j, const char *s)
{
    if (!s || !s[0]) {
        jsonout_null(j);
        return;
    }
    jsonout_separate(j);
    quoted(&j->b, s, strlen(s));
}

void jsonout_stringn(struct jsonout *j, const char *s, size_t len)
{
    jsonout_separate(j);
    quoted(&j->b, s, len);
}

void jsonout_int(struct jsonout *j, long long v)
{
    jsonout_separate(j);
    char n[24], *e = n + sizeof n, *d = e;
    /* as unsigned: -LLONG_MIN is none */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        *--d = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--d = '-';
    textbuf_add(&j->b, d, (size_t)(e - d));
}

void jsonout_raw(struct jsonout *j, const char *text, size_t len)
{
    jsonout_separate(j);
    textbuf_add(&j->b, text, len);
}

void jsonout_bool(struct jsonout *j, bool v)
{
    jsonout_separate(j);
    textbuf_add(&j->b, v ? "true" : "false", v ? 4 : 5);
}

void jsonout_null(struct jsonout *j)
{
    jsonout_separate(j);
    textbuf_add(&j->b, "null", 4);
}
