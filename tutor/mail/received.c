/* received — see received.h. */
#include "received.h"

#include "message.h"
#include "util/ascii.h"

#include <ctype.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Dates (RFC 5322 3.3, with 4.3's obsolete forms).
 */
static long long days_from_civil(long long y, int m, int d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01 of a Gregorian date */
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The offset of a zone, in minutes east of UTC; false when it is none. */
static bool zone_offset(const char *z, int *minutes)
{
    if (z[0] == '+' || z[0] == '-') {
        for (int i = 1; i <= 4; i++)
            if (z[i] < '0' || z[i] > '9')
                return false;
        if (z[5])
            return false;
        int h = (z[1] - '0') * 10 + (z[2] - '0'), m = (z[3] - '0') * 10 + (z[4] - '0');
        *minutes = (z[0] == '-' ? -1 : 1) * (h * 60 + m);
        return true;
    }
    static const struct {
        const char *name;
        int hours;
    } zones[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},    {"EST", -5},
                 {"EDT", -4}, {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6},
                 {"PST", -8}, {"PDT", -7}, {"JST", 9}};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (ascii_eq(z, zones[i].name)) {
            *minutes = zones[i].hours * 60;
            return true;
        }
    }
    /* military zones are "-0000", unknown (RFC 5322 4.3) */
    if (strlen(z) == 1 && isalpha((unsigned char)z[0])) {
        *minutes = 0;
        return true;
    }
    return false;
}

/* The words of a date, its comments ("(JST)") and commas read as white
 * space: at most `max`, each cut out of s (up to its first 255 bytes). */
enum { D_WORD, D_GAP, D_OPEN, D_CLOSE, D_END };
static const unsigned char date_class[256] = {
    ['\0'] = D_END, [' '] = D_GAP,   ['\t'] = D_GAP,   ['\r'] = D_GAP,
    ['\n'] = D_GAP, [','] = D_GAP,   ['('] = D_OPEN,   [')'] = D_CLOSE,
};

static int date_words(const char *s, const char *w[], size_t wlen[], int max)
{
    int n = 0, depth = 0;
    const char *start = NULL;
    for (size_t i = 0;; i++) {
        unsigned char c = i < RECEIVED_TEXT_MAX - 1 ? (unsigned char)s[i] : '\0';
        unsigned cls = date_class[c];
        if (depth == 0 && (cls == D_WORD || cls == D_CLOSE)) {  /* a stray ")" is a word's */
            if (!start)
                start = s + i;
            continue;
        }
        if (cls == D_OPEN)
            depth++;
        else if (cls == D_CLOSE)
            depth--;
        if (start) {
            w[n] = start;
            wlen[n] = (size_t)(s + i - start);
            start = NULL;
            if (++n == max)
                return n;
        }
        if (cls == D_END)
            return n;
    }
}

/* A number of 1 to `most` digits, all of the word: false otherwise. */
static bool digits(const char *w, size_t len, size_t most, long *out)
{
    if (len == 0 || len > most)
        return false;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (w[i] < '0' || w[i] > '9')
            return false;
        v = v * 10 + (w[i] - '0');
    }
    *out = v;
    return true;
}

/* The leading digits of w (at most len), as atoi reads them; past 99 the
 * value stays 100, out of every range checked. */
static long leading_number(const char *w, size_t len, size_t *used)
{
    long v = 0;
    size_t i = 0;
    for (; i < len && w[i] >= '0' && w[i] <= '9'; i++)
        v = v < 100 ? v * 10 + (w[i] - '0') : 100;
    *used = i;
    return v;
}

/* hh:mm[:ss], digits and colons only, at most 8 characters: a sign or a
 * long number is no time (and "-558038586:00" overflowed the arithmetic
 * once). What follows the seconds is not read. */
static bool clock_time(const char *w, size_t len, int *secs)
{
    if (len > 8 || strspn(w, "0123456789:") < len)
        return false;
    size_t i, d;
    long hh = leading_number(w, len, &d), mm, ss = 0;
    if (d == 0 || d >= len || w[d] != ':')
        return false;
    i = d + 1;
    mm = leading_number(w + i, len - i, &d);
    if (d == 0)
        return false;
    i += d;
    if (i < len && w[i] == ':')
        ss = leading_number(w + i + 1, len - i - 1, &d);
    if (hh > 23 || mm > 59 || ss > 60)
        return false;
    *secs = (int)(hh * 3600 + mm * 60 + ss);
    return true;
}

int received_date(const char *s, long long *out)
{
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    const char *w[8];
    size_t wl[8];
    int n = date_words(s, w, wl, 8);
    int i = 0;
    if (i < n && isalpha((unsigned char)w[i][0]) && wl[i] == 3)
        i++;                            /* Fri */
    if (n - i < 4)
        return -1;
    size_t used;
    long day = leading_number(w[i], wl[i], &used), year;
    int mon = -1;
    if (wl[i + 1] >= 3) {
        char m3[3] = {(char)(w[i + 1][0] | 0x20), (char)(w[i + 1][1] | 0x20),
                      (char)(w[i + 1][2] | 0x20)};
        for (int m = 0; m < 12 && mon < 0; m++)
            if (memcmp(m3, months[m], 3) == 0)
                mon = m + 1;
    }
    /* a year of at most four digits: anything longer is not a date (and
     * would overflow the arithmetic below) */
    if (!digits(w[i + 2], wl[i + 2], 4, &year) || mon < 0 || day < 1 || day > 31)
        return -1;
    if (wl[i + 2] <= 2)
        year += year < 50 ? 2000 : 1900;
    else if (wl[i + 2] == 3)
        year += 1900;
    int secs;
    if (!clock_time(w[i + 3], wl[i + 3], &secs))
        return -1;
    int zone = 0;
    if (i + 4 < n) {
        char z[8];
        if (wl[i + 4] >= sizeof z)
            return -1;
        memcpy(z, w[i + 4], wl[i + 4]);
        z[wl[i + 4]] = '\0';
        if (!zone_offset(z, &zone))
            return -1;
    }
    *out = days_from_civil(year, mon, (int)day) * 86400 + secs - zone * 60LL;
    return 0;
}

/* ------------------------------------------------------------------------
 * The lexer.
 */
enum tok_kind { TOK_ATOM, TOK_COMMENT, TOK_LITERAL, TOK_PATH };

struct tok {
    enum tok_kind kind;
    const char *s;                      /* its text, without the ( ) [ ] < > around it */
    size_t len;
};

#define RECEIVED_TOKENS_MAX 64

/* What a byte is to the lexer: a table, not isspace() and strchr() on
 * every byte of every line of a mailbox. */
enum { CH_SPACE = 1, CH_SPECIAL = 2 };
static const unsigned char ch_class[256] = {
    [' '] = CH_SPACE,   ['\t'] = CH_SPACE,   ['\n'] = CH_SPACE, ['\v'] = CH_SPACE,
    ['\f'] = CH_SPACE,  ['\r'] = CH_SPACE,   ['('] = CH_SPECIAL, [')'] = CH_SPECIAL,
    ['['] = CH_SPECIAL, [']'] = CH_SPECIAL, ['<'] = CH_SPECIAL, ['>'] = CH_SPECIAL,
};
#define IS_SPACE(c) (ch_class[(unsigned char)(c)] == CH_SPACE)

/* What ends a run of a comment's text: its nesting and its escapes. */
static const unsigned char in_comment[256] = {['('] = 1, [')'] = 1, ['\\'] = 1};

/* Where the run of bytes from s that no `class` table marks ends: the
 * end of an atom, or of a comment's plain text. Sixteen bytes at a time
 * first, with SSE2: a block goes on to the byte loop at the first byte
 * that may end the run (for an atom also a control character, which the
 * byte loop then reads as the atom's). */
static inline const char *run_end(const char *s, const char *end, const unsigned char *class,
                                  bool atom)
{
#if defined(__SSE2__)
    while (end - s >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
        __m128i m;
        if (atom)
            m = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x),
                             _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('(')),
                                          _mm_cmpeq_epi8(x, _mm_set1_epi8(')')))),
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('[')),
                                          _mm_cmpeq_epi8(x, _mm_set1_epi8(']'))),
                             _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('<')),
                                          _mm_cmpeq_epi8(x, _mm_set1_epi8('>')))));
        else
            m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('(')),
                                          _mm_cmpeq_epi8(x, _mm_set1_epi8(')'))),
                             _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) {
            s += __builtin_ctz(bits);
            break;
        }
        s += 16;
    }
#else
    (void)atom;
#endif
    while (s < end && !class[(unsigned char)*s])
        s++;
    return s;
}

/* Cuts `s` (up to `end`) into tokens; a comment runs to its matching
 * ")" (nested, with \ escapes), an unclosed one to the end. */
static size_t lex(const char *s, const char *end, struct tok *t, size_t max)
{
    size_t n = 0;
    while (s < end && n < max) {
        if (IS_SPACE(*s)) {
            s++;
            continue;
        }
        const char *start = s;
        if (*s == '(') {
            int depth = 0;
            for (; s < end; s++) {
                s = run_end(s, end, in_comment, false);
                if (s == end)
                    break;
                if (*s == '\\' && s + 1 < end) {
                    s++;
                    continue;
                }
                if (*s == '(')
                    depth++;
                else if (*s == ')' && --depth == 0)
                    break;
            }
            t[n++] = (struct tok){TOK_COMMENT, start + 1, (size_t)(s - start - 1)};
            if (s < end)
                s++;
            continue;
        }
        if (*s == '[' || *s == '<') {
            char close = *s == '[' ? ']' : '>';
            const char *c = memchr(s, close, (size_t)(end - s));
            const char *stop = c ? c : end;
            t[n++] = (struct tok){*s == '[' ? TOK_LITERAL : TOK_PATH, s + 1,
                                  (size_t)(stop - s - 1)};
            s = c ? c + 1 : end;
            continue;
        }
        s = run_end(s, end, ch_class, true);
        if (s == start)
            s++;                        /* a stray ] or >: skipped */
        else
            t[n++] = (struct tok){TOK_ATOM, start, (size_t)(s - start)};
    }
    return n;
}

/* Tests of eight bytes at once (little-endian), from "Bit Twiddling
 * Hacks": each marks bytes by their high bits. bytes_below (hasless) is
 * exact for the first byte it marks, and may mark bytes after it too;
 * exact_zero_bytes marks exactly the zero bytes. Only the first mark of
 * the two together is used, and it is exact: a false mark comes after a
 * true one of the same test. */
#define ONES 0x0101010101010101u
#define HIGHS 0x8080808080808080u
static inline uint64_t bytes_below(uint64_t x, unsigned char n) { return (x - ONES * n) & ~x & HIGHS; }
static inline uint64_t exact_zero_bytes(uint64_t x)
{
    const uint64_t lows = ~HIGHS;
    return ~(((x & lows) + lows) | x | lows);
}

/* s[0..len) as one line into out[size]: trimmed, each run of white
 * space (a folded field's line ends too) one space, cut at size - 1 bytes
 * (a space the cut leaves at the end dropped). Its length.
 *
 * A hop's texts come through here, so the text is copied sixteen (SSE2)
 * or eight bytes at a time, to the next byte that asks for more than a
 * copy: white space other than one space after a word (a line end, a
 * tab, a second space) and a control character (copied as it is). */
static size_t collapse(char *out, size_t size, const char *s, size_t len)
{
    size_t cap = size - 1, k = 0, i = 0;
    while (i < len && k < cap) {
#if defined(__SSE2__)
        while (i + 16 <= len && k + 16 <= cap) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            _mm_storeu_si128((__m128i *)(void *)(out + k), x);
            unsigned spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
            /* under 0x20: unchanged by min(x, 0x1f) */
            unsigned low = (unsigned)_mm_movemask_epi8(
                _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x));
            unsigned after_space = k == 0 || out[k - 1] == ' ';
            unsigned stop = low | (spaces & ((spaces << 1) | after_space));
            if (stop) {
                size_t n = (size_t)__builtin_ctz(stop);
                i += n;
                k += n;
                break;
            }
            i += 16;
            k += 16;
        }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        while (i + 8 <= len && k + 8 <= cap) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            memcpy(out + k, &x, 8);             /* past where it stops too: overwritten */
            uint64_t spaces = exact_zero_bytes(x ^ (ONES * ' '));
            /* a space is a second one after a space, or one at the start */
            uint64_t after_space = k == 0 || out[k - 1] == ' ' ? 0x80u : 0;
            uint64_t stop = bytes_below(x, ' ') | (spaces & ((spaces << 8) | after_space));
            if (stop) {
                size_t n = (size_t)__builtin_ctzll(stop) / 8;
                i += n;
                k += n;
                break;
            }
            i += 8;
            k += 8;
        }
#endif
        if (i == len || k == cap)
            break;
        unsigned char c = (unsigned char)s[i++];
        if (IS_SPACE(c)) {
            while (i < len && IS_SPACE(s[i]))
                i++;                    /* a folded line's CR LF TAB, at once */
            if (k > 0 && out[k - 1] != ' ')
                out[k++] = ' ';
            continue;
        }
        out[k++] = (char)c;
    }
    if (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
    return k;
}

/* Where a field's date starts: after its last ";" outside comments (an
 * unmatched ")" closes none); NULL when there is none. The bytes between
 * are looked at sixteen at a time, with SSE2, for the three that count. */
static const char *date_start(const char *s, size_t len)
{
    const char *semi = NULL;
    int depth = 0;
    for (size_t i = 0; i < len;) {
#if defined(__SSE2__)
        while (i + 16 <= len) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('(')),
                                          _mm_cmpeq_epi8(x, _mm_set1_epi8(')'))),
                             _mm_cmpeq_epi8(x, _mm_set1_epi8(';'))));
            if (m) {
                i += (size_t)__builtin_ctz(m);
                break;
            }
            i += 16;
        }
        if (i == len)
            break;
#endif
        char c = s[i++];
        if (c == '(')
            depth++;
        else if (c == ')' && depth > 0)
            depth--;
        else if (c == ';' && depth == 0)
            semi = s + i - 1;
    }
    return semi;
}

void received_text(const struct received_hop *h, char out[RECEIVED_RAW_MAX])
{
    collapse(out, RECEIVED_RAW_MAX, h->field ? h->field : "", h->field ? h->field_len : 0);
}

static void put(char *dst, size_t size, const char *s, size_t len)
{
    collapse(dst, size, s, len);
}

static void append(char *dst, size_t size, const char *s, size_t len)
{
    size_t used = strlen(dst);
    if (used && used + 1 < size)
        dst[used++] = ' ';
    dst[used] = '\0';
    put(dst + used, size - used, s, len);
}

/* A token appended to a clause: an atom holds no white space, so it is
 * copied as it is (most of a field's words are atoms). */
static void append_token(char *dst, size_t size, const struct tok *x)
{
    if (x->kind != TOK_ATOM) {
        append(dst, size, x->s, x->len);
        return;
    }
    size_t used = strlen(dst);
    if (used && used + 1 < size)
        dst[used++] = ' ';
    size_t n = x->len < size - 1 - used ? x->len : size - 1 - used;
    memcpy(dst + used, x->s, n);
    dst[used + n] = '\0';
}

/* "[" s "]", s cut to its first 200 bytes: an address literal as written,
 * into lit[RECEIVED_TEXT_MAX]. Its length. */
static size_t bracketed(char *lit, const char *s, size_t len)
{
    if (len > 200)
        len = 200;
    lit[0] = '[';
    memcpy(lit + 1, s, len);
    lit[len + 1] = ']';
    lit[len + 2] = '\0';
    return len + 2;
}

static bool looks_like_ip(const char *s, size_t len)
{
    if (len == 0 || len > 45)
        return false;
    bool digit = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (isdigit((unsigned char)c))
            digit = true;
        else if (!(c == '.' || c == ':' || isxdigit((unsigned char)c) || c == 'x' || c == 'X'))
            return false;
    }
    return digit;
}

/* The TCP-info comment of a from clause: "name [ip]", "[ip]", "ip",
 * "user@name [ip]" (ident), "HELO x" (qmail), "helo=x" (Exim), with
 * "(may be forged)" inside (sendmail). */
static bool helo_word(const struct tok *t)
{
    return t->kind == TOK_ATOM && ((t->len == 4 && ascii_eqn(t->s, "helo", 4)) ||
                                   (t->len >= 5 && ascii_eqn(t->s, "helo=", 5)));
}

static void tcp_info(struct received_hop *h, const char *s, size_t len)
{
    struct tok t[16];
    size_t n = lex(s, s + len, t, 16);
    /* A TCP-info names one host; words of prose ("(SquirrelMail
     * authenticated user k-sato)") name none. */
    size_t words = 0;
    for (size_t i = 0; i < n; i++) {
        if (helo_word(&t[i]))
            i += t[i].len == 4 || t[i].len == 5;        /* and the name after it */
        else
            words += t[i].kind == TOK_ATOM;
    }
    for (size_t i = 0; i < n; i++) {
        if (t[i].kind == TOK_COMMENT) {
            char inner[RECEIVED_TEXT_MAX];
            put(inner, sizeof inner, t[i].s, t[i].len);
            if (ascii_eq(inner, "may be forged"))
                h->may_be_forged = true;
            continue;
        }
        if (t[i].kind == TOK_LITERAL) {
            const char *a = t[i].s;
            size_t l = t[i].len;
            if (l > 5 && ascii_eqn(a, "ipv6:", 5)) {
                a += 5;
                l -= 5;
            }
            put(h->ip, sizeof h->ip, a, l);
            continue;
        }
        if (t[i].kind != TOK_ATOM)
            continue;
        if (t[i].len == 4 && ascii_eqn(t[i].s, "helo", 4) && i + 1 < n) {
            put(h->helo, sizeof h->helo, t[i + 1].s, t[i + 1].len);
            i++;
        } else if (t[i].len > 5 && ascii_eqn(t[i].s, "helo=", 5)) {
            put(h->helo, sizeof h->helo, t[i].s + 5, t[i].len - 5);
        } else if (t[i].len == 5 && ascii_eqn(t[i].s, "helo=", 5)) {
            /* Exim's "(helo=[192.0.2.1])": the name given was an address literal */
            if (i + 1 < n && t[i + 1].kind == TOK_LITERAL) {
                char lit[RECEIVED_TEXT_MAX];
                size_t l = bracketed(lit, t[i + 1].s, t[i + 1].len);
                put(h->helo, sizeof h->helo, lit, l);
                i++;
            }
        } else if (looks_like_ip(t[i].s, t[i].len) && !h->ip[0] && n == 1) {
            put(h->ip, sizeof h->ip, t[i].s, t[i].len);
        } else if (!h->rdns[0] && words == 1) {
            /* "user@name": the ident's user is not the host's name */
            const char *at = memchr(t[i].s, '@', t[i].len);
            const char *name = at ? at + 1 : t[i].s;
            put(h->rdns, sizeof h->rdns, name, t[i].len - (size_t)(name - t[i].s));
        }
    }
}

/* A comment anywhere may be "envelope-from <a@b>" (Exim, the lecture's
 * mail server). */
static bool envelope(struct received_hop *h, const char *s, size_t len)
{
    if (len < 14 || !ascii_eqn(s, "envelope-from", 13))
        return false;
    const char *v = s + 13;
    size_t l = len - 13;
    while (l && (isspace((unsigned char)*v) || *v == '<')) {
        v++;
        l--;
    }
    while (l && v[l - 1] == '>')
        l--;
    put(h->envelope_from, sizeof h->envelope_from, v, l);
    return true;
}

/* What a "with" says of the session (RFC 3848): (E)SMTP, LMTP or UTF8SMTP,
 * then S for TLS and A for AUTH, in its first word only (Exim goes on
 * "esmtpsa (TLS1.3) tls TLS_AES_..."). */
/* Whether s..end may hold an "(envelope-from": a "(" with it after. Most
 * dates have only a zone's name in a comment, and need no lexing. */
static bool envelope_after(const char *s, const char *end)
{
    for (const char *p = s; (p = memchr(p, '(', (size_t)(end - p))); p++)
        if ((size_t)(end - p) > 14 && ascii_eqn(p + 1, "envelope-from", 13))
            return true;
    return false;
}

static void with_flags(const char *with, bool *authenticated, bool *tls)
{
    size_t base;
    if (ascii_eqn(with, "esmtp", 5))
        base = 5;
    else if (ascii_eqn(with, "lmtp", 4) || ascii_eqn(with, "smtp", 4))
        base = 4;
    else if (ascii_eqn(with, "utf8smtp", 8))
        base = 8;
    else
        return;
    bool a = false, s = false;
    for (const char *c = with + base; *c && *c != ' '; c++) {
        unsigned char l = ascii_lower((unsigned char)*c);
        if (l == 'a')
            a = true;
        else if (l == 's')
            s = true;
        else
            return;                     /* "ESMTPX": no word of RFC 3848 */
    }
    *authenticated = a;
    *tls = s;
}

/* ------------------------------------------------------------------------
 * The hop.
 */
enum clause { C_NONE, C_FROM, C_BY, C_VIA, C_WITH, C_ID, C_FOR };

/* The clause a word opens. By length first: this runs on every word of
 * every line of a mailbox. */
static enum clause keyword(const struct tok *t)
{
    if (t->kind != TOK_ATOM || t->len < 2 || t->len > 4)
        return C_NONE;
    char w[4];
    for (size_t i = 0; i < t->len; i++)
        w[i] = (char)(t->s[i] | 0x20);          /* ASCII letters lower-cased; a match is letters */
    switch (t->len) {
    case 2: return memcmp(w, "by", 2) == 0 ? C_BY : memcmp(w, "id", 2) == 0 ? C_ID : C_NONE;
    case 3: return memcmp(w, "via", 3) == 0 ? C_VIA : memcmp(w, "for", 3) == 0 ? C_FOR : C_NONE;
    default: return memcmp(w, "from", 4) == 0 ? C_FROM : memcmp(w, "with", 4) == 0 ? C_WITH : C_NONE;
    }
}

/* An empty hop: every text "", every flag false. Not memset: the texts are
 * 2.4 KB a hop, and a mailbox has hundreds of thousands. */
static void clear(struct received_hop *h)
{
    h->from[0] = h->helo[0] = h->rdns[0] = h->ip[0] = h->by[0] = h->via[0] = h->with[0] = '\0';
    h->id[0] = h->for_[0] = h->envelope_from[0] = h->date[0] = '\0';
    h->when = 0;
    h->has_date = h->may_be_forged = h->authenticated = h->tls = h->parsed = false;
}

void received_parse(const char *value, size_t len, struct received_hop *h)
{
    clear(h);
    const char *end = value + len;
    h->field = value;
    h->field_len = len;
    const char *semi = date_start(value, len);
    struct tok t[RECEIVED_TOKENS_MAX];
    size_t n = lex(value, semi ? semi : end, t, RECEIVED_TOKENS_MAX);
    enum clause at = C_NONE;
    bool seen_from = false, seen_by = false;
    for (size_t i = 0; i < n; i++) {
        enum clause k = keyword(&t[i]);
        /* "id" and "for" are words in a from clause's value too ("mail
         * pickup service"): a keyword counts once its clause is new */
        if (k != C_NONE && !(k == at)) {
            at = k;
            seen_from = seen_from || k == C_FROM;
            seen_by = seen_by || k == C_BY;
            continue;
        }
        const struct tok *x = &t[i];
        if (x->kind == TOK_COMMENT) {
            if (envelope(h, x->s, x->len))
                continue;
            if (at == C_FROM) {
                tcp_info(h, x->s, x->len);
            } else if (at == C_NONE && x->len > 5 && ascii_eqn(x->s, "from ", 5)) {
                /* sendmail's local submission: "(from user@host) by ..." */
                put(h->from, sizeof h->from, x->s + 5, x->len - 5);
                seen_from = true;
            }
            continue;
        }
        switch (at) {
        case C_FROM:
            if (x->kind == TOK_LITERAL) {
                /* "from [192.0.2.1]": a name that is an address */
                char lit[RECEIVED_TEXT_MAX];
                size_t l = bracketed(lit, x->s, x->len);
                if (!h->ip[0])
                    put(h->ip, sizeof h->ip, x->s, x->len);
                append(h->from, sizeof h->from, lit, l);
            } else {
                append_token(h->from, sizeof h->from, x);
            }
            break;
        case C_BY: append_token(h->by, sizeof h->by, x); break;
        case C_VIA: append_token(h->via, sizeof h->via, x); break;
        case C_WITH: append_token(h->with, sizeof h->with, x); break;
        case C_ID: append_token(h->id, sizeof h->id, x); break;
        case C_FOR: append_token(h->for_, sizeof h->for_, x); break;
        case C_NONE: break;
        }
    }
    /* "ocn.ne.jp." is the DNS's absolute form of "ocn.ne.jp" */
    char *names[] = {h->from, h->helo, h->rdns, h->by};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t l = strlen(names[i]);
        if (l > 1 && names[i][l - 1] == '.')
            names[i][l - 1] = '\0';
    }
    /* no HELO said apart: the from name is it (an address literal too) */
    if (!h->helo[0] && h->from[0])
        memcpy(h->helo, h->from, strlen(h->from) + 1);      /* the same size */
    with_flags(h->with, &h->authenticated, &h->tls);
    h->parsed = seen_from || seen_by;
    if (semi) {
        /* the date, and an "(envelope-from ...)" written after it */
        if (envelope_after(semi + 1, end)) {
            struct tok d[8];
            size_t nd = lex(semi + 1, end, d, 8);
            for (size_t i = 0; i < nd; i++)
                if (d[i].kind == TOK_COMMENT)
                    envelope(h, d[i].s, d[i].len);
        }
        put(h->date, sizeof h->date, semi + 1, (size_t)(end - semi - 1));
        long long when;
        if (received_date(h->date, &when) == 0) {
            h->when = when;
            h->has_date = true;
        }
    }
}

/* ------------------------------------------------------------------------
 * A message's hops.
 */
struct received_hop *received_hops_from(const struct received_field *fields, size_t n)
{
    if (n == 0)
        return NULL;
    struct received_hop *hops = malloc(n * sizeof *hops);
    if (!hops)
        return NULL;
    /* the top field is the last hop: filled from the end, oldest first */
    for (size_t i = 0; i < n; i++)
        received_parse(fields[i].value, fields[i].len, &hops[n - 1 - i]);
    return hops;
}

struct gather {
    struct received_field f[RECEIVED_HOPS_MAX];
    size_t n;
};

static bool take_field(const char *v, size_t len, void *ud)
{
    struct gather *g = ud;
    g->f[g->n++] = (struct received_field){v, len};
    return g->n == RECEIVED_HOPS_MAX;
}

struct received_hop *received_hops(const char *msg, size_t len, size_t *n)
{
    struct gather g;
    g.n = 0;
    msg_each_field(msg, len, "Received", take_field, &g);
    struct received_hop *hops = received_hops_from(g.f, g.n);
    *n = hops ? g.n : 0;
    return hops;
}
