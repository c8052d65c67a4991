/*
 * mime — see mime.h. This file holds the encoded-words of header fields
 * (RFC 2047), read and written, and mime_from_utf8; the charsets they go
 * through are in mime_charset.c, and mime_body.c renders bodies.
 *
 * Reading is forgiving, since a person must see what was sent: a word
 * that is malformed or in an unknown charset is left as it is. Writing is
 * strict, since what leaves here goes on the wire: a character the
 * charset cannot hold is an error that names it.
 */
#include "mime.h"

#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_charset.h"
#include "util/textbuf.h"

/* ------------------------------------------------------------------------
 * Digits of the transfer encodings: Q and B here, quoted-printable, base64
 * and RFC 2231's percent-encoding in mime_body.c (mime_charset.h).
 */
int mime_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int mime_b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* ------------------------------------------------------------------------
 * Base64 (RFC 2045 6.8), strict: an encoded-word either is one or is left
 * alone. Bodies have their own, forgiving reader in mime_body.c.
 */
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(struct textbuf *b, const char *s, size_t n)
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
        textbuf_add(b, q, 4);
    }
}

/* Missing padding is forgiven (clients drop it); a stray character, data
 * after the padding or a lone last sextet is not. */
static bool b64_decode(const char *s, size_t n, struct textbuf *b)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0, data = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=') {
            pad++;
            continue;
        }
        int v = mime_b64_value(s[i]);
        if (v < 0 || pad > 0)
            return false;
        data++;
        acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            textbuf_addc(b, (char)(acc >> bits & 0xFF));
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

/* The word's bytes, in its charset, appended to b; false (b as it was)
 * when the text is not B or Q as it claims. */
static bool word_bytes(const struct word *w, struct textbuf *b)
{
    size_t mark = b->len;
    bool ok = true;
    if (w->enc == 'B') {
        ok = b64_decode(w->text, w->text_len, b);
    } else {
        for (size_t i = 0; ok && i < w->text_len; i++) {
            char c = w->text[i];
            if (c == '_') {
                textbuf_addc(b, ' ');
            } else if (c != '=') {
                textbuf_addc(b, c);
            } else if (w->text_len - i >= 3 && mime_hex_value(w->text[i + 1]) >= 0 &&
                       mime_hex_value(w->text[i + 2]) >= 0) {
                textbuf_addc(b, (char)(mime_hex_value(w->text[i + 1]) << 4 |
                                       mime_hex_value(w->text[i + 2])));
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
 * least recently used given up first. A slot with MIME_NO_ICONV remembers
 * a charset iconv does not know. The opens are counted: a hostile header
 * of a million words in ever-changing charsets must not cost a million
 * iconv_open calls, so past READERS_OPENS_MAX a word in a charset not
 * open is left as it is, like a word in an unknown one. */
#define READERS_MAX 8           /* real headers mix two charsets at most */
#define READERS_OPENS_MAX 64

struct readers {
    struct {
        char cs[MIME_CHARSET_NAME_MAX + 1];
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
        return MIME_NO_ICONV;
    r->opens++;
    if (r->slot[old].cs[0])
        mime_reader_give(r->slot[old].cs, r->slot[old].cd);
    strcpy(r->slot[old].cs, cs);
    r->slot[old].used = r->clock;
    return r->slot[old].cd = mime_reader_take(cs);
}

static void readers_close(struct readers *r)
{
    for (size_t k = 0; k < READERS_MAX; k++)
        if (r->slot[k].cs[0])
            mime_reader_give(r->slot[k].cs, r->slot[k].cd);
}

/* Appends s[0..n), in the charset cs, as UTF-8; cs was asked for lately,
 * so its descriptor is still open. */
static void readers_add(struct readers *r, struct textbuf *out, const char *s, size_t n,
                        const char *cs)
{
    if (n == 0)
        return;
    iconv_t cd = mime_charset_is_utf8(cs) ? MIME_NO_ICONV : readers_get(r, cs);
    if (cd == MIME_NO_ICONV) {
        mime_add_utf8(out, s, n);
        return;
    }
    size_t mark = out->len, bad = mime_iconv_into(cd, s, n, out);
    if (out->oom)
        return;
    bool retry = bad > 0 && mime_charset_lookup(cs, false) && r->opens + 2 <= READERS_OPENS_MAX;
    if (retry || memchr(out->p + mark, '\0', out->len - mark)) {
        /* the rare case: again through mime_to_utf8, for its second try */
        r->opens += 2;
        out->len = mark;
        size_t len;
        char *u = mime_to_utf8(s, n, cs, &len);
        if (u)
            textbuf_add(out, u, len);
        else
            out->oom = true;
        free(u);
    }
}

/* Whether UTF-8 text holds a C1 control (U+0080..U+009F): glibc's EUC-JP
 * reads Shift_JIS's lead bytes 0x81-0x9F as those, so a text that gives
 * them was no EUC-JP. */
static bool has_c1(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if ((unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F)
            return true;
    return false;
}

/* Text outside encoded-words. Old Japanese clients put ISO-2022-JP there
 * unencoded (it is 7-bit, so it went through); its escapes give it away.
 * 8-bit text that is not UTF-8 is the Japanese of Unix mail (EUC-JP) or of
 * Windows (Shift_JIS), whichever reads it whole: EUC-JP first, since
 * Shift_JIS reads nearly any EUC-JP text as half-width katakana, while
 * Shift_JIS's lead bytes 0x81-0x9F are no EUC-JP text (glibc reads them
 * as C1 controls: has_c1). */
static void add_raw(struct readers *r, struct textbuf *out, const char *s, size_t n)
{
    bool jis = false;
    for (const char *e = s; !jis && (e = memchr(e, 0x1B, n - (size_t)(e - s))) != NULL; e++)
        jis = n - (size_t)(e - s) >= 3 && e[1] == '$' && (e[2] == 'B' || e[2] == '@');
    if (jis) {
        readers_add(r, out, s, n, "ISO-2022-JP");
        return;
    }
    if (mime_utf8_check(s, n) < n) {
        static const char *const guesses[] = {"EUC-JP", "CP932"};
        for (size_t g = 0; g < sizeof guesses / sizeof guesses[0]; g++) {
            iconv_t cd = readers_get(r, guesses[g]);
            if (cd == MIME_NO_ICONV)
                continue;
            size_t mark = out->len;
            if (mime_iconv_into(cd, s, n, out) == 0 && !out->oom &&
                !memchr(out->p + mark, '\0', out->len - mark) &&
                !has_c1(out->p + mark, out->len - mark))
                return;
            out->len = mark;
        }
    }
    mime_add_utf8(out, s, n);
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
/* Whether a value is what decoding it gives: printable ASCII (no ESC of
 * ISO-2022-JP, no 8-bit text to guess at) with no "=?" to start an
 * encoded-word. Most of a mailbox's fields are. */
static bool decodes_to_itself(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x80 || (s[0] == '=' && s[1] == '?'))
            return false;
    return true;
}

char *mime_decode_header(const char *value)
{
    if (decodes_to_itself(value))
        return strdup(value);
    size_t n = strlen(value), raw = 0, i = 0;
    struct textbuf out = {0}, run = {0}, word = {0};
    char run_cs[MIME_CHARSET_NAME_MAX + 1] = "", cs[MIME_CHARSET_NAME_MAX + 1];
    struct readers rd = {0};
    bool in_run = false;
    while (n - i >= 2) {
        const char *at = memchr(value + i, '=', n - i - 1);
        if (!at)
            break;
        i = (size_t)(at - value);
        struct word w;
        word.len = 0;
        if (at[1] != '?' || !word_parse(at, n - i, &w) || !mime_charset_name(w.cs, w.cs_len, cs) ||
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
        if (!mime_charset_is_utf8(cs) && readers_get(&rd, cs) == MIME_NO_ICONV) {
            i++;
            continue;
        }
        if (!adjacent)
            add_raw(&rd, &out, value + raw, i - raw);
        textbuf_add(&run, word.p, word.len);
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
    return textbuf_finish(&out, NULL);
}

/* ------------------------------------------------------------------------
 * Writing: UTF-8 to a charset, for the wire.
 */

/* s[0..n) (UTF-8) converted by cd (from UTF-8) and appended to b as a
 * self-contained string: from the initial shift state and back to it, so
 * that ISO-2022-JP ends in ASCII. 0, or -1 with *bad at the offset of the
 * character cd cannot write (SIZE_MAX when memory ran out). */
static int convert_out(iconv_t cd, const char *s, size_t n, struct textbuf *b, size_t *bad)
{
    iconv(cd, NULL, NULL, NULL, NULL);
    char *ip = (char *)s;
    size_t il = n;
    if (mime_iconv_append(cd, &ip, &il, 2 * n + 16, b) == 0)
        return 0;
    *bad = b->oom ? SIZE_MAX : (size_t)(ip - s);
    return -1;
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
    struct textbuf out;
    size_t col;                 /* columns used on the current line */
    bool sep;                   /* a space (or a fold) is due before the next item */
    bool fresh;                 /* just folded: nothing on this line yet */
    iconv_t cd;                 /* MIME_NO_ICONV for UTF-8, which needs no converting */
    char cs[MIME_CHARSET_NAME_MAX + 1];
    struct textbuf chunk;           /* one word's text in the charset */
    char *err;
};

/* Folding inserts LF before a space (RFC 5322 2.2.3), which unfolding
 * takes out again: the space is the separator. */
static void enc_fold(struct enc *e)
{
    textbuf_add(&e->out, "\n ", 2);
    e->col = 1;
    e->sep = false;
    e->fresh = true;
}

static void enc_separate(struct enc *e)
{
    if (e->sep) {
        textbuf_addc(&e->out, ' ');
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
        /* an empty word too: a run of spaces may not push a line past the end */
        if (e->sep && e->col + 1 + k > MIME_LINE_MAX)
            enc_fold(e);
        /* the value's first word, too long to follow the field name, gets
         * a line of its own when that is long enough for it */
        else if (!e->sep && e->out.len == 0 && e->col + k > MIME_LINE_MAX &&
                 1 + k <= MIME_LINE_MAX)
            enc_fold(e);
        enc_separate(e);
        textbuf_add(&e->out, s, k);
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
    if (e->cd == MIME_NO_ICONV) {
        textbuf_add(&e->chunk, s, n);
        return e->chunk.oom ? -1 : 0;
    }
    size_t bad = shift_char(e->cs, s, n);
    if (bad == n && convert_out(e->cd, s, n, &e->chunk, &bad) == 0)
        return 0;
    if (bad == SIZE_MAX) {
        snprintf(e->err, MIME_ERROR_MAX, "out of memory");
    } else {
        char what[MIME_CHAR_NAME_MAX];
        mime_describe_char(s + bad, n - bad, what);
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
        size_t k = mime_utf8_char(s + take, end - take, &cp);
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
    textbuf_add(&e->out, "=?", 2);
    textbuf_add(&e->out, e->cs, strlen(e->cs));
    textbuf_add(&e->out, "?B?", 3);
    b64_encode(&e->out, e->chunk.p, e->chunk.len);
    textbuf_add(&e->out, "?=", 2);
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
        /* plain text stays as it is, folded where its lines would be long */
        struct enc e = {.col = name_len};
        enc_plain(&e, value, n);
        char *s = e.out.oom ? NULL : textbuf_finish(&e.out, NULL);
        if (!s) {
            free(e.out.p);
            snprintf(err, MIME_ERROR_MAX, "out of memory");
        }
        return s;
    }
    size_t bad = mime_utf8_check(value, n);
    if (bad < n) {
        snprintf(err, MIME_ERROR_MAX, "not valid UTF-8 at byte %zu", bad + 1);
        return NULL;
    }
    struct enc e = {.col = name_len, .cd = MIME_NO_ICONV, .err = err};
    if (!mime_charset_name(charset, strlen(charset), e.cs) ||
        (!mime_charset_is_utf8(e.cs) && (e.cd = iconv_open(e.cs, "UTF-8")) == MIME_NO_ICONV)) {
        snprintf(err, MIME_ERROR_MAX, "unknown charset \"%s\"", charset);
        return NULL;
    }
    if (mime_charset_is_utf8(e.cs))
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
    if (e.cd != MIME_NO_ICONV)
        iconv_close(e.cd);
    free(e.chunk.p);
    if (rc < 0 || e.out.oom || e.chunk.oom) {
        if (rc == 0)
            snprintf(err, MIME_ERROR_MAX, "out of memory");
        free(e.out.p);
        return NULL;
    }
    return textbuf_finish(&e.out, NULL);
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
        size_t k = mime_utf8_char(text + start, at - start, &cp);
        start += k ? k : 1;
    }
}

/* Line by line, each converted on its own, so a stateful charset is back
 * in its initial state (ASCII, for ISO-2022-JP) at every line end. */
char *mime_from_utf8(const char *text, size_t len, const char *charset, size_t *out_len,
                     char err[MIME_ERROR_MAX])
{
    char cs[MIME_CHARSET_NAME_MAX + 1];
    iconv_t cd = MIME_NO_ICONV;
    if (!mime_charset_name(charset, strlen(charset), cs) ||
        (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "UTF8") != 0 &&
         (cd = iconv_open(cs, "UTF-8")) == MIME_NO_ICONV)) {
        snprintf(err, MIME_ERROR_MAX, "unknown charset \"%s\"", charset);
        return NULL;
    }
    /* convert the well-formed part, so that the first problem is the one told */
    struct textbuf b = {0};
    size_t valid = mime_utf8_check(text, len), stop = shift_char(cs, text, valid), at = stop, bad;
    if (cd == MIME_NO_ICONV) {
        textbuf_add(&b, text, valid);
    } else {
        for (size_t i = 0; i < stop;) {
            const char *nl = memchr(text + i, '\n', stop - i);
            size_t k = nl ? (size_t)(nl - text) - i : stop - i;
            if (convert_out(cd, text + i, k, &b, &bad) < 0) {
                at = bad == SIZE_MAX ? SIZE_MAX : i + bad;
                break;
            }
            if (nl)
                textbuf_addc(&b, '\n');
            i += k + (nl ? 1 : 0);
        }
        iconv_close(cd);
    }
    if (at == len && !b.oom)
        return textbuf_finish(&b, out_len);
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
        char what[MIME_CHAR_NAME_MAX];
        mime_describe_char(text + at, len - at, what);
        snprintf(err, MIME_ERROR_MAX, "line %zu, column %zu: %s cannot be written in %s", line,
                 col, what, cs);
    }
    return NULL;
}
