/*
 * mime — see mime.h. This file holds the charsets and the encoded-words of
 * header fields; mime_body.c renders bodies with mime_to_utf8.
 *
 * iconv (glibc's gconv) does every charset but UTF-8, which is only
 * checked. Reading is forgiving, since a person must see what was sent:
 * bytes a charset does not define become U+FFFD, and the Japanese labels
 * get a second try with Microsoft's supersets. Writing is strict, since
 * what leaves here goes on the wire: a character the charset cannot hold
 * is an error that names it.
 *
 * Control characters other than NUL are passed through: showing them
 * safely is term_text's job, and it does so visibly (^[) where U+FFFD
 * would hide what the message held. NUL becomes U+FFFD because the
 * results are C strings.
 */
#include "mime.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHARSET_NAME_MAX 40     /* longer names are no charset iconv knows */
#define REPLACEMENT "\xEF\xBF\xBD"                  /* U+FFFD, in UTF-8 */
#define NO_ICONV ((iconv_t)-1)

/* ------------------------------------------------------------------------
 * A growing buffer. Out of memory is sticky, so a long run of appends
 * checks once, at the end.
 */
struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

/* Room for `more` bytes and a NUL after them. */
static bool buf_reserve(struct buf *b, size_t more)
{
    if (b->oom)
        return false;
    if (b->cap - b->len > more)
        return true;
    size_t cap = b->cap ? b->cap : 64;
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

static void buf_add(struct buf *b, const void *s, size_t n)
{
    if (n == 0 || !buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void buf_addc(struct buf *b, char c)
{
    if (buf_reserve(b, 1))
        b->p[b->len++] = c;
}

/* The text with a NUL after it: new string (caller frees), or NULL (and
 * the buffer freed) when memory ran out. */
static char *buf_finish(struct buf *b, size_t *len)
{
    if (!buf_reserve(b, 0)) {
        free(b->p);
        return NULL;
    }
    b->p[b->len] = '\0';
    if (len)
        *len = b->len;
    return b->p;
}

/* ------------------------------------------------------------------------
 * UTF-8.
 */

/* Length (1 to 4) of the well-formed UTF-8 character at s, its code point
 * in *cp; 0 for anything else: overlong forms, surrogates, past U+10FFFF,
 * cut short. */
static size_t utf8_char(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t len;
    uint32_t v;
    unsigned lo = 0x80, hi = 0xBF;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        len = 2;
        v = u[0] & 0x1F;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        len = 3;
        v = u[0] & 0x0F;
        lo = u[0] == 0xE0 ? 0xA0 : 0x80;
        hi = u[0] == 0xED ? 0x9F : 0xBF;
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        len = 4;
        v = u[0] & 0x07;
        lo = u[0] == 0xF0 ? 0x90 : 0x80;
        hi = u[0] == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if (u[k] < lo || u[k] > hi)
            return 0;
        lo = 0x80;
        hi = 0xBF;
        v = v << 6 | (u[k] & 0x3F);
    }
    *cp = v;
    return len;
}

/* Offset of the first byte that does not start a well-formed character;
 * n when there is none. */
static size_t utf8_check(const char *s, size_t n)
{
    uint32_t cp;
    size_t i = 0, k;
    while (i < n && (k = utf8_char(s + i, n - i, &cp)) > 0)
        i += k;
    return i;
}

/* Appends s as UTF-8: each byte that does not fit, and each NUL, becomes
 * U+FFFD. */
static void add_utf8(struct buf *b, const char *s, size_t n)
{
    size_t start = 0, i = 0;
    uint32_t cp;
    if (n == 0)
        return;                         /* s may be NULL then */
    while (i < n) {
        if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x80) {
            i++;                                /* the common case, quickly */
            continue;
        }
        size_t k = s[i] ? utf8_char(s + i, n - i, &cp) : 0;
        if (k > 0) {
            i += k;
            continue;
        }
        buf_add(b, s + start, i - start);
        buf_add(b, REPLACEMENT, 3);
        start = ++i;
    }
    buf_add(b, s + start, i - start);
}

/* "é" (U+00E9) for an error message; the bare code point for a control. */
static void describe_char(const char *s, size_t n, char out[32])
{
    uint32_t cp;
    size_t k = utf8_char(s, n, &cp);
    if (k == 0)
        snprintf(out, 32, "byte 0x%02X", (unsigned char)s[0]);
    else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        snprintf(out, 32, "U+%04X", (unsigned)cp);
    else
        snprintf(out, 32, "\"%.*s\" (U+%04X)", (int)k, s, (unsigned)cp);
}

/* ------------------------------------------------------------------------
 * Charsets.
 */

/* A charset label as iconv spells it, in upper case, with RFC 2231's
 * "*language" dropped. False for what cannot be a label: iconv_open
 * also reads "//IGNORE"-like suffixes, which a message must not choose. */
static bool charset_name(const char *s, size_t n, char out[CHARSET_NAME_MAX + 1])
{
    const char *star = memchr(s, '*', n);
    if (star)
        n = (size_t)(star - s);
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n > CHARSET_NAME_MAX)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = s[k];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                   c == '.' || c == ':' || c == '+'))
            return false;
        out[k] = c;
    }
    out[n] = '\0';
    return true;
}

/* UTF-8 needs no iconv. US-ASCII is read as UTF-8 too: 8-bit text under
 * that label (or under none) is in practice UTF-8 from a client that
 * forgot to say so, and plain ASCII reads the same either way. */
static bool charset_is_utf8(const char *cs)
{
    static const char *const names[] = {"UTF-8", "UTF8", "US-ASCII", "ASCII", "ANSI_X3.4-1968",
                                        "US", "ISO646-US"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(cs, names[i]) == 0)
            return true;
    return false;
}

/* What a label means in practice. `always` replaces it outright: Latin-1
 * text is really Windows-1252 (the WHATWG Encoding Standard does the
 * same; they differ only where Latin-1 has C1 controls). The others are a
 * second try after the label failed: Japanese clients of the lecture's era
 * wrote Microsoft's extensions (①, ㈱, half-width kana) under the standard
 * labels. Only after a failure, because the supersets map a few characters
 * differently (WAVE DASH 〜 becomes FULLWIDTH TILDE ～ in CP932). */
static const struct {
    const char *label, *meant;
    bool always;
} charset_meant[] = {
    {"ISO-8859-1", "CP1252", true},
    {"LATIN1", "CP1252", true},
    {"ISO_8859-1", "CP1252", true},
    {"ISO-2022-JP", "EUC-JP-MS", false},        /* after jis_to_euc */
    {"SHIFT_JIS", "CP932", false},
    {"SHIFT-JIS", "CP932", false},
    {"SJIS", "CP932", false},
    {"X-SJIS", "CP932", false},
    {"EUC-JP", "EUC-JP-MS", false},
    {"X-EUC-JP", "EUC-JP-MS", false},
    {"GB2312", "GB18030", false},
    {"GBK", "GB18030", false},
    {"KS_C_5601-1987", "CP949", true},          /* Microsoft's label, unknown to glibc */
};

static const char *charset_lookup(const char *cs, bool always)
{
    for (size_t i = 0; i < sizeof charset_meant / sizeof charset_meant[0]; i++)
        if (charset_meant[i].always == always && strcmp(cs, charset_meant[i].label) == 0)
            return charset_meant[i].meant;
    return NULL;
}

static iconv_t open_from(const char *cs)
{
    const char *meant = charset_lookup(cs, true);
    return iconv_open("UTF-8", meant ? meant : cs);
}

/* ISO-2022-JP rewritten as EUC-JP, byte for byte, so that EUC-JP-MS (which
 * holds NEC's and IBM's rows, as Microsoft's CP50221 does) can read what
 * glibc's strict ISO-2022-JP refuses: row 13 after ESC $ B, half-width
 * kana after ESC ( I or SO. Bytes no mode explains are copied. */
static void jis_to_euc(const char *s, size_t n, struct buf *b)
{
    enum { ASCII, KANJI, KANA, HOJO } mode = ASCII;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        if (u[i] == 0x1B && n - i >= 3) {
            const unsigned char *e = u + i + 1;
            if ((e[0] == '$' && (e[1] == 'B' || e[1] == '@')) || (e[0] == '&' && e[1] == '@')) {
                mode = KANJI;
                i += 2;
                continue;
            }
            if (e[0] == '(' && (e[1] == 'B' || e[1] == 'J' || e[1] == 'I')) {
                mode = e[1] == 'I' ? KANA : ASCII;
                i += 2;
                continue;
            }
            if (n - i >= 4 && e[0] == '$' && e[1] == '(' && e[2] == 'D') {
                mode = HOJO;
                i += 3;
                continue;
            }
        }
        if (u[i] == 0x0E || u[i] == 0x0F) {
            mode = u[i] == 0x0E ? KANA : ASCII;
            continue;
        }
        bool pair = i + 1 < n && u[i] >= 0x21 && u[i] <= 0x7E && u[i + 1] >= 0x21 && u[i + 1] <= 0x7E;
        if ((mode == KANJI || mode == HOJO) && pair) {
            if (mode == HOJO)
                buf_addc(b, (char)0x8F);
            buf_addc(b, (char)(u[i] | 0x80));
            buf_addc(b, (char)(u[++i] | 0x80));
        } else if (mode == KANA && u[i] >= 0x21 && u[i] <= 0x5F) {
            buf_addc(b, (char)0x8E);
            buf_addc(b, (char)(u[i] | 0x80));
        } else {
            buf_addc(b, (char)u[i]);
        }
    }
}

/* Appends s[0..n) converted by cd (to UTF-8), from the initial state; each
 * byte cd cannot read becomes U+FFFD. How many did. */
static size_t iconv_into(iconv_t cd, const char *s, size_t n, struct buf *b)
{
    iconv(cd, NULL, NULL, NULL, NULL);
    char *ip = (char *)s;
    size_t il = n, bad = 0, room = n + n / 2 + 16;
    bool flushed = false;
    while (!flushed) {
        if (!buf_reserve(b, room))
            return bad;
        char *op = b->p + b->len;
        size_t ol = b->cap - b->len - 1;
        bool flushing = il == 0;
        size_t r = flushing ? iconv(cd, NULL, NULL, &op, &ol) : iconv(cd, &ip, &il, &op, &ol);
        int e = errno;
        b->len = (size_t)(op - b->p);
        if (r != (size_t)-1) {
            flushed = flushing;
            continue;
        }
        if (e == E2BIG) {
            room = (b->cap - b->len) * 2 + 16;
        } else if (!flushing) {         /* EILSEQ, or EINVAL: cut short at the end */
            buf_add(b, REPLACEMENT, 3);
            bad++;
            ip++;
            il--;
        } else {
            return bad;
        }
    }
    return bad;
}

/* The second try for a Japanese label (charset_meant): kept in b when it
 * reads better than the first, which left `bad` bytes unread. */
static void second_try(struct buf *b, const char *s, size_t n, const char *cs, size_t bad)
{
    const char *meant = charset_lookup(cs, false);
    iconv_t cd = meant ? iconv_open("UTF-8", meant) : NO_ICONV;
    if (cd == NO_ICONV)
        return;
    struct buf euc = {0}, b2 = {0};
    if (strcmp(cs, "ISO-2022-JP") == 0) {
        jis_to_euc(s, n, &euc);
        s = euc.p ? euc.p : "";
        n = euc.len;
    }
    size_t bad2 = iconv_into(cd, s, n, &b2);
    iconv_close(cd);
    if (bad2 < bad && !b2.oom && !euc.oom) {
        free(b->p);
        *b = b2;
    } else {
        free(b2.p);
    }
    free(euc.p);
}

char *mime_to_utf8(const char *s, size_t len, const char *charset, size_t *out_len)
{
    char cs[CHARSET_NAME_MAX + 1];
    struct buf b = {0};
    iconv_t cd = NO_ICONV;
    if (len == 0)
        s = "";
    if (charset && charset_name(charset, strlen(charset), cs) && !charset_is_utf8(cs))
        cd = open_from(cs);
    if (cd == NO_ICONV) {
        add_utf8(&b, s, len);
        return buf_finish(&b, out_len);
    }
    size_t bad = iconv_into(cd, s, len, &b);
    iconv_close(cd);
    if (bad > 0)
        second_try(&b, s, len, cs, bad);
    /* iconv writes NUL for NUL: U+FFFD, as add_utf8 makes it */
    if (!b.oom && b.len > 0 && memchr(b.p, '\0', b.len)) {
        struct buf c = {0};
        add_utf8(&c, b.p, b.len);
        free(b.p);
        b = c;
    }
    return buf_finish(&b, out_len);
}

/* ------------------------------------------------------------------------
 * Base64 (RFC 2045 6.8), strict: an encoded-word either is one or is left
 * alone. Bodies have their own, forgiving reader in mime_body.c.
 */
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static void b64_encode(struct buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)u[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)u[i + 1] << 8;
        if (i + 2 < n)
            v |= u[i + 2];
        char q[4] = {B64[v >> 18], B64[v >> 12 & 63], i + 1 < n ? B64[v >> 6 & 63] : '=',
                     i + 2 < n ? B64[v & 63] : '='};
        buf_add(b, q, 4);
    }
}

/* Missing padding is forgiven (clients drop it); a stray character, data
 * after the padding or a lone last sextet is not. */
static bool b64_decode(const char *s, size_t n, struct buf *b)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0, data = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=') {
            pad++;
            continue;
        }
        int v = b64_value(s[i]);
        if (v < 0 || pad > 0)
            return false;
        data++;
        acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_addc(b, (char)(acc >> bits & 0xFF));
        }
    }
    return data % 4 != 1 && pad <= 2;
}

/* ------------------------------------------------------------------------
 * Decoding encoded-words (RFC 2047).
 */
struct word {
    const char *cs;             /* the charset as written, "*language" included */
    size_t cs_len;
    char enc;                   /* 'B' or 'Q' */
    const char *text;
    size_t text_len;
    size_t len;                 /* of the whole word, "=?" to "?=" */
};

/* The encoded-word at s ("=?" already seen), if s starts with one. */
static bool word_parse(const char *s, size_t n, struct word *w)
{
    size_t i = 2;
    while (i < n && s[i] > ' ' && s[i] < 0x7F && s[i] != '?')
        i++;
    w->cs = s + 2;
    w->cs_len = i - 2;
    if (w->cs_len == 0 || n - i < 3 || s[i] != '?' || s[i + 2] != '?')
        return false;
    w->enc = s[i + 1] == 'b' ? 'B' : s[i + 1] == 'q' ? 'Q' : s[i + 1];
    if (w->enc != 'B' && w->enc != 'Q')
        return false;
    i += 3;
    w->text = s + i;
    while (i < n && s[i] > ' ' && s[i] < 0x7F && s[i] != '?')
        i++;
    if (n - i < 2 || s[i] != '?' || s[i + 1] != '=')
        return false;
    w->text_len = (size_t)(s + i - w->text);
    w->len = i + 2;
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The word's bytes, in its charset, appended to b; false (b as it was)
 * when the text is not B or Q as it claims. */
static bool word_bytes(const struct word *w, struct buf *b)
{
    size_t mark = b->len;
    bool ok = true;
    if (w->enc == 'B') {
        ok = b64_decode(w->text, w->text_len, b);
    } else {
        for (size_t i = 0; ok && i < w->text_len; i++) {
            char c = w->text[i];
            if (c == '_') {
                buf_addc(b, ' ');
            } else if (c != '=') {
                buf_addc(b, c);
            } else if (w->text_len - i >= 3 && hex_value(w->text[i + 1]) >= 0 &&
                       hex_value(w->text[i + 2]) >= 0) {
                buf_addc(b, (char)(hex_value(w->text[i + 1]) << 4 | hex_value(w->text[i + 2])));
                i += 2;
            } else {
                ok = false;
            }
        }
    }
    if (!ok)
        b->len = mark;
    return ok;
}

/* The charsets of one header's words, each opened once and kept, the
 * least recently used given up first. A slot with NO_ICONV remembers a
 * charset iconv does not know. The opens are counted: a hostile header
 * of a million words in ever-changing charsets must not cost a million
 * iconv_open calls, so past READERS_OPENS_MAX a word in a charset not
 * open is left as it is, like a word in an unknown one. */
#define READERS_MAX 8           /* real headers mix two charsets at most */
#define READERS_OPENS_MAX 64

struct readers {
    struct {
        char cs[CHARSET_NAME_MAX + 1];
        iconv_t cd;
        unsigned long used;     /* when last asked for */
    } slot[READERS_MAX];
    unsigned long clock;
    unsigned opens;
};

static iconv_t readers_get(struct readers *r, const char *cs)
{
    size_t old = 0;
    r->clock++;
    for (size_t k = 0; k < READERS_MAX; k++) {
        if (strcmp(r->slot[k].cs, cs) == 0) {
            r->slot[k].used = r->clock;
            return r->slot[k].cd;
        }
        if (r->slot[k].used < r->slot[old].used)
            old = k;
    }
    if (r->opens >= READERS_OPENS_MAX)
        return NO_ICONV;
    r->opens++;
    if (r->slot[old].cs[0] && r->slot[old].cd != NO_ICONV)
        iconv_close(r->slot[old].cd);
    strcpy(r->slot[old].cs, cs);
    r->slot[old].used = r->clock;
    return r->slot[old].cd = open_from(cs);
}

static void readers_close(struct readers *r)
{
    for (size_t k = 0; k < READERS_MAX; k++)
        if (r->slot[k].cs[0] && r->slot[k].cd != NO_ICONV)
            iconv_close(r->slot[k].cd);
}

/* Appends s[0..n), in the charset cs, as UTF-8; cs was asked for lately,
 * so its descriptor is still open. */
static void readers_add(struct readers *r, struct buf *out, const char *s, size_t n, const char *cs)
{
    if (n == 0)
        return;
    iconv_t cd = charset_is_utf8(cs) ? NO_ICONV : readers_get(r, cs);
    if (cd == NO_ICONV) {
        add_utf8(out, s, n);
        return;
    }
    size_t mark = out->len, bad = iconv_into(cd, s, n, out);
    if (out->oom)
        return;
    bool retry = bad > 0 && charset_lookup(cs, false) && r->opens + 2 <= READERS_OPENS_MAX;
    if (retry || memchr(out->p + mark, '\0', out->len - mark)) {
        /* the rare case: again through mime_to_utf8, for its second try */
        r->opens += 2;
        out->len = mark;
        size_t len;
        char *u = mime_to_utf8(s, n, cs, &len);
        if (u)
            buf_add(out, u, len);
        else
            out->oom = true;
        free(u);
    }
}

/* Text outside encoded-words. Old Japanese clients put ISO-2022-JP there
 * unencoded (it is 7-bit, so it went through); its escapes give it away. */
static void add_raw(struct readers *r, struct buf *out, const char *s, size_t n)
{
    bool jis = false;
    for (const char *e = s; !jis && (e = memchr(e, 0x1B, n - (size_t)(e - s))) != NULL; e++)
        jis = n - (size_t)(e - s) >= 3 && e[1] == '$' && (e[2] == 'B' || e[2] == '@');
    if (jis)
        readers_add(r, out, s, n, "ISO-2022-JP");
    else
        add_utf8(out, s, n);
}

static bool all_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Adjacent words in one charset are converted together: broken clients
 * split a character across two words, or leave an ISO-2022-JP word in
 * kanji mode for the next one to finish. */
char *mime_decode_header(const char *value)
{
    size_t n = strlen(value), raw = 0, i = 0;
    struct buf out = {0}, run = {0}, word = {0};
    char run_cs[CHARSET_NAME_MAX + 1] = "", cs[CHARSET_NAME_MAX + 1];
    struct readers rd = {0};
    bool in_run = false;
    while (n - i >= 2) {
        const char *at = memchr(value + i, '=', n - i - 1);
        if (!at)
            break;
        i = (size_t)(at - value);
        struct word w;
        word.len = 0;
        if (at[1] != '?' || !word_parse(at, n - i, &w) || !charset_name(w.cs, w.cs_len, cs) ||
            !word_bytes(&w, &word)) {
            i++;
            continue;
        }
        /* the run first, while its charset is the one open */
        bool adjacent = in_run && all_space(value + raw, i - raw);
        if (in_run && (!adjacent || strcmp(cs, run_cs) != 0)) {
            readers_add(&rd, &out, run.p, run.len, run_cs);
            run.len = 0;
            in_run = false;
        }
        if (!charset_is_utf8(cs) && readers_get(&rd, cs) == NO_ICONV) {
            i++;
            continue;
        }
        if (!adjacent)
            add_raw(&rd, &out, value + raw, i - raw);
        buf_add(&run, word.p, word.len);
        strcpy(run_cs, cs);
        in_run = true;
        raw = i = i + w.len;
    }
    if (in_run)
        readers_add(&rd, &out, run.p, run.len, run_cs);
    add_raw(&rd, &out, value + raw, n - raw);
    readers_close(&rd);
    free(run.p);
    free(word.p);
    if (run.oom || word.oom)
        out.oom = true;
    return buf_finish(&out, NULL);
}

/* ------------------------------------------------------------------------
 * Writing: UTF-8 to a charset, for the wire.
 */

/* s[0..n) (UTF-8) converted by cd (from UTF-8) and appended to b as a
 * self-contained string: from the initial shift state and back to it, so
 * that ISO-2022-JP ends in ASCII. 0, or -1 with *bad at the offset of the
 * character cd cannot write (SIZE_MAX when memory ran out). */
static int convert_out(iconv_t cd, const char *s, size_t n, struct buf *b, size_t *bad)
{
    iconv(cd, NULL, NULL, NULL, NULL);
    char *ip = (char *)s;
    size_t il = n, room = 2 * n + 16;
    for (;;) {
        if (!buf_reserve(b, room)) {
            *bad = SIZE_MAX;
            return -1;
        }
        char *op = b->p + b->len;
        size_t ol = b->cap - b->len - 1;
        bool flushing = il == 0;
        size_t r = flushing ? iconv(cd, NULL, NULL, &op, &ol) : iconv(cd, &ip, &il, &op, &ol);
        int e = errno;
        b->len = (size_t)(op - b->p);
        if (r != (size_t)-1 && flushing)
            return 0;
        if (r == (size_t)-1 && e == E2BIG)
            room = (b->cap - b->len) * 2 + 16;
        else if (r == (size_t)-1) {
            *bad = (size_t)(ip - s);
            return -1;
        }
    }
}

/* ISO-2022 text changes charsets with ESC, SO and SI, so as characters
 * they would change the reader's: they cannot be written (glibc lets them
 * through). The offset of the first in s[0..n), n when none. */
static size_t shift_char(const char *cs, const char *s, size_t n)
{
    if (strncmp(cs, "ISO-2022", 8) != 0)
        return n;
    for (size_t i = 0; i < n; i++)
        if (s[i] == 0x1B || s[i] == 0x0E || s[i] == 0x0F)
            return i;
    return n;
}

static bool token_plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7E || (s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
            return false;
    return true;
}

/* The header field being written: where its line has got to. */
struct enc {
    struct buf out;
    size_t col;                 /* columns used on the current line */
    bool sep;                   /* a space (or a fold) is due before the next item */
    bool fresh;                 /* just folded: nothing on this line yet */
    iconv_t cd;                 /* NO_ICONV for UTF-8, which needs no converting */
    char cs[CHARSET_NAME_MAX + 1];
    struct buf chunk;           /* one word's text in the charset */
    char *err;
};

/* Folding inserts LF before a space (RFC 5322 2.2.3), which unfolding
 * takes out again: the space is the separator. */
static void enc_fold(struct enc *e)
{
    buf_add(&e->out, "\n ", 2);
    e->col = 1;
    e->sep = false;
    e->fresh = true;
}

static void enc_separate(struct enc *e)
{
    if (e->sep) {
        buf_addc(&e->out, ' ');
        e->col++;
    }
    e->sep = true;
    e->fresh = false;
}

/* s[0..n), words of printable ASCII separated by single spaces (so empty
 * words are runs of spaces), each folded onto a new line if it would pass
 * MIME_LINE_MAX. */
static void enc_plain(struct enc *e, const char *s, size_t n)
{
    for (;;) {
        const char *sp = memchr(s, ' ', n);
        size_t k = sp ? (size_t)(sp - s) : n;
        if (e->sep && k > 0 && e->col + 1 + k > MIME_LINE_MAX)
            enc_fold(e);
        enc_separate(e);
        buf_add(&e->out, s, k);
        e->col += k;
        if (!sp)
            return;
        s += k + 1;
        n -= k + 1;
    }
}

/* s[0..n) in the charset into e->chunk; -1 with e->err set when a
 * character does not fit (s is where the caller's text starts). */
static int enc_chunk(struct enc *e, const char *s, size_t n)
{
    e->chunk.len = 0;
    if (e->cd == NO_ICONV) {
        buf_add(&e->chunk, s, n);
        return e->chunk.oom ? -1 : 0;
    }
    size_t bad = shift_char(e->cs, s, n);
    if (bad == n && convert_out(e->cd, s, n, &e->chunk, &bad) == 0)
        return 0;
    if (bad == SIZE_MAX) {
        snprintf(e->err, MIME_ERROR_MAX, "out of memory");
    } else {
        char what[32];
        describe_char(s + bad, n - bad, what);
        snprintf(e->err, MIME_ERROR_MAX, "%s cannot be written in %s", what, e->cs);
    }
    return -1;
}

/* One encoded-word of at most `limit` columns (its separator included),
 * holding as many whole characters from s[*pos..end) as fit. 1 when
 * written, 0 when not even one character fits, -1 on error. */
static int enc_word(struct enc *e, const char *s, size_t *pos, size_t end, size_t limit)
{
    size_t over = strlen(e->cs) + 7 + (e->sep ? 1 : 0);     /* "=?" cs "?B?" "?=" */
    size_t take = *pos;
    uint32_t cp;
    while (take < end) {
        size_t k = utf8_char(s + take, end - take, &cp);
        if (enc_chunk(e, s + *pos, take + k - *pos) < 0)
            return -1;
        if (over + (e->chunk.len + 2) / 3 * 4 > limit)
            break;
        take += k;
    }
    if (take == *pos)
        return 0;
    /* the loop's last try may have been one character too many */
    if (enc_chunk(e, s + *pos, take - *pos) < 0)
        return -1;
    enc_separate(e);
    size_t before = e->out.len;
    buf_add(&e->out, "=?", 2);
    buf_add(&e->out, e->cs, strlen(e->cs));
    buf_add(&e->out, "?B?", 3);
    b64_encode(&e->out, e->chunk.p, e->chunk.len);
    buf_add(&e->out, "?=", 2);
    e->col += e->out.len - before;
    *pos = take;
    return 1;
}

/* Only the span from the first token that cannot stay plain to the last
 * is encoded, so "Re: " and ASCII words around it stay readable; the
 * tokens in between are encoded too, since white space between two
 * encoded-words is dropped when read (RFC 2047 6.2). */
char *mime_encode_header(const char *value, const char *charset, size_t name_len,
                         char err[MIME_ERROR_MAX])
{
    size_t n = strlen(value);
    if (token_plain(value, n)) {
        char *s = strdup(value);
        if (!s)
            snprintf(err, MIME_ERROR_MAX, "out of memory");
        return s;
    }
    size_t bad = utf8_check(value, n);
    if (bad < n) {
        snprintf(err, MIME_ERROR_MAX, "not valid UTF-8 at byte %zu", bad + 1);
        return NULL;
    }
    struct enc e = {.col = name_len, .cd = NO_ICONV, .err = err};
    if (!charset_name(charset, strlen(charset), e.cs) ||
        (!charset_is_utf8(e.cs) && (e.cd = iconv_open(e.cs, "UTF-8")) == NO_ICONV)) {
        snprintf(err, MIME_ERROR_MAX, "unknown charset \"%s\"", charset);
        return NULL;
    }
    if (charset_is_utf8(e.cs))
        strcpy(e.cs, "UTF-8");          /* US-ASCII cannot carry what is left */

    size_t first = n, last = 0;
    for (size_t i = 0;;) {
        const char *sp = memchr(value + i, ' ', n - i);
        size_t j = sp ? (size_t)(sp - value) : n;
        if (!token_plain(value + i, j - i)) {
            first = first < n ? first : i;
            last = j;
        }
        if (!sp)
            break;
        i = j + 1;
    }
    int rc = 0;
    if (first > 0)
        enc_plain(&e, value, first - 1);
    for (size_t pos = first; rc == 0 && pos < last;) {
        size_t with_sep = MIME_WORD_MAX + (e.sep ? 1 : 0);
        size_t limit = e.col < MIME_LINE_MAX ? MIME_LINE_MAX - e.col : 0;
        rc = enc_word(&e, value, &pos, last, limit < with_sep ? limit : with_sep);
        if (rc == 0 && e.fresh) {
            snprintf(err, MIME_ERROR_MAX, "charset name \"%s\" too long for a word", e.cs);
            rc = -1;
        } else if (rc == 0) {
            enc_fold(&e);
        } else if (rc == 1) {
            rc = 0;
        }
    }
    if (rc == 0 && last < n)
        enc_plain(&e, value + last + 1, n - last - 1);
    if (e.cd != NO_ICONV)
        iconv_close(e.cd);
    free(e.chunk.p);
    if (rc < 0 || e.out.oom || e.chunk.oom) {
        if (rc == 0)
            snprintf(err, MIME_ERROR_MAX, "out of memory");
        free(e.out.p);
        return NULL;
    }
    return buf_finish(&e.out, NULL);
}

/* The line and column (in characters, from 1) of text[at]. */
static void line_col(const char *text, size_t at, size_t *line, size_t *col)
{
    size_t start = 0;
    *line = 1;
    for (const char *nl = text; (nl = memchr(nl, '\n', at - (size_t)(nl - text))) != NULL; nl++) {
        ++*line;
        start = (size_t)(nl - text) + 1;
    }
    uint32_t cp;
    for (*col = 1; start < at; ++*col) {
        size_t k = utf8_char(text + start, at - start, &cp);
        start += k ? k : 1;
    }
}

/* Line by line, each converted on its own, so a stateful charset is back
 * in its initial state (ASCII, for ISO-2022-JP) at every line end. */
char *mime_from_utf8(const char *text, size_t len, const char *charset, size_t *out_len,
                     char err[MIME_ERROR_MAX])
{
    char cs[CHARSET_NAME_MAX + 1];
    iconv_t cd = NO_ICONV;
    if (!charset_name(charset, strlen(charset), cs) ||
        (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "UTF8") != 0 &&
         (cd = iconv_open(cs, "UTF-8")) == NO_ICONV)) {
        snprintf(err, MIME_ERROR_MAX, "unknown charset \"%s\"", charset);
        return NULL;
    }
    /* convert the well-formed part, so that the first problem is the one told */
    struct buf b = {0};
    size_t valid = utf8_check(text, len), stop = shift_char(cs, text, valid), at = stop, bad;
    if (cd == NO_ICONV) {
        buf_add(&b, text, valid);
    } else {
        for (size_t i = 0; i < stop;) {
            const char *nl = memchr(text + i, '\n', stop - i);
            size_t k = nl ? (size_t)(nl - text) - i : stop - i;
            if (convert_out(cd, text + i, k, &b, &bad) < 0) {
                at = bad == SIZE_MAX ? SIZE_MAX : i + bad;
                break;
            }
            if (nl)
                buf_addc(&b, '\n');
            i += k + (nl ? 1 : 0);
        }
        iconv_close(cd);
    }
    if (at == len && !b.oom)
        return buf_finish(&b, out_len);
    free(b.p);
    if (at == SIZE_MAX || b.oom) {
        snprintf(err, MIME_ERROR_MAX, "out of memory");
        return NULL;
    }
    size_t line, col;
    line_col(text, at, &line, &col);
    if (at == valid) {
        snprintf(err, MIME_ERROR_MAX, "line %zu, column %zu: not valid UTF-8", line, col);
    } else {
        char what[32];
        describe_char(text + at, len - at, what);
        snprintf(err, MIME_ERROR_MAX, "line %zu, column %zu: %s cannot be written in %s", line,
                 col, what, cs);
    }
    return NULL;
}
