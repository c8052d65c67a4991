/*
 * mime_charset — see mime_charset.h (internal to the mime module) and
 * mime.h's mime_to_utf8, which is here.
 *
 * iconv (glibc's gconv) does every charset but UTF-8, which is only
 * checked. Reading is forgiving, since a person must see what was sent:
 * bytes a charset does not define become U+FFFD, and the Japanese labels
 * get a second try with Microsoft's supersets. (Writing, in mime.c, is
 * strict: what it makes goes on the wire.)
 *
 * Control characters other than NUL are passed through: showing them
 * safely is term_text's job, and it does so visibly (^[) where U+FFFD
 * would hide what the message held. NUL becomes U+FFFD because the
 * results are C strings.
 */
#include "mime_charset.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

#define REPLACEMENT "\xEF\xBF\xBD"                  /* U+FFFD, in UTF-8 */

/* ------------------------------------------------------------------------
 * UTF-8.
 */

/* The bounds of the second byte are narrowed for E0, ED, F0 and F4: that
 * is how overlong forms, surrogates and code points past U+10FFFF are
 * refused (Unicode's table 3-7), with no decoding first. */
size_t mime_utf8_char(const char *s, size_t n, uint32_t *cp)
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

size_t mime_utf8_check(const char *s, size_t n)
{
    uint32_t cp;
    size_t i = 0, k;
    while (i < n && (k = mime_utf8_char(s + i, n - i, &cp)) > 0)
        i += k;
    return i;
}

/* Good runs are copied whole, not byte by byte. */
void mime_add_utf8(struct textbuf *b, const char *s, size_t n)
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
        size_t k = s[i] ? mime_utf8_char(s + i, n - i, &cp) : 0;
        if (k > 0) {
            i += k;
            continue;
        }
        textbuf_add(b, s + start, i - start);
        textbuf_add(b, REPLACEMENT, 3);
        start = ++i;
    }
    textbuf_add(b, s + start, i - start);
}

void mime_describe_char(const char *s, size_t n, char out[MIME_CHAR_NAME_MAX])
{
    uint32_t cp;
    size_t k = mime_utf8_char(s, n, &cp);
    if (k == 0)
        snprintf(out, MIME_CHAR_NAME_MAX, "byte 0x%02X", (unsigned char)s[0]);
    else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        snprintf(out, MIME_CHAR_NAME_MAX, "U+%04X", (unsigned)cp);
    else
        snprintf(out, MIME_CHAR_NAME_MAX, "\"%.*s\" (U+%04X)", (int)k, s, (unsigned)cp);
}

/* ------------------------------------------------------------------------
 * Charsets.
 */

/* Only letters, digits and "-_.:+" pass: iconv_open also reads
 * "//IGNORE"-like suffixes, which a message must not choose. */
bool mime_charset_name(const char *s, size_t n, char out[MIME_CHARSET_NAME_MAX + 1])
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
    if (n == 0 || n > MIME_CHARSET_NAME_MAX)
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
bool mime_charset_is_utf8(const char *cs)
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

const char *mime_charset_lookup(const char *cs, bool always)
{
    for (size_t i = 0; i < sizeof charset_meant / sizeof charset_meant[0]; i++)
        if (charset_meant[i].always == always && strcmp(cs, charset_meant[i].label) == 0)
            return charset_meant[i].meant;
    return NULL;
}

iconv_t mime_open_from(const char *cs)
{
    const char *meant = mime_charset_lookup(cs, true);
    return iconv_open("UTF-8", meant ? meant : cs);
}

/* ------------------------------------------------------------------------
 * Descriptors kept open, a few a thread: opening one (glibc reads its
 * gconv modules for it) costs more than decoding the Subject it is for,
 * and a mailbox's messages ask for the same few charsets again and again.
 * A thread's cache is closed when the thread ends; the main thread's is
 * still pointed to from its thread-local variable when it exits.
 */
#define KEPT_MAX 4

struct kept {
    struct {
        char cs[MIME_CHARSET_NAME_MAX + 1];
        iconv_t cd;
    } slot[KEPT_MAX];
    unsigned next;                      /* the slot given up next when all are used */
};

static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;
static _Thread_local struct kept *kept_here;

static void kept_close(void *p)
{
    struct kept *k = p;
    for (size_t i = 0; i < KEPT_MAX; i++)
        if (k->slot[i].cs[0])
            iconv_close(k->slot[i].cd);
    free(k);
}

static void kept_key_make(void)
{
    if (pthread_key_create(&kept_key, kept_close) != 0)
        kept_key = (pthread_key_t)-1;
}

static struct kept *kept_get(void)
{
    if (kept_here)
        return kept_here;
    pthread_once(&kept_once, kept_key_make);
    struct kept *k = calloc(1, sizeof *k);
    if (k && (kept_key == (pthread_key_t)-1 || pthread_setspecific(kept_key, k) != 0)) {
        free(k);
        k = NULL;
    }
    return kept_here = k;
}

iconv_t mime_reader_take(const char *cs)
{
    struct kept *k = kept_get();
    for (size_t i = 0; k && i < KEPT_MAX; i++) {
        if (k->slot[i].cs[0] && strcmp(k->slot[i].cs, cs) == 0) {
            iconv_t cd = k->slot[i].cd;
            k->slot[i].cs[0] = '\0';
            iconv(cd, NULL, NULL, NULL, NULL);  /* its initial shift state */
            return cd;
        }
    }
    return mime_open_from(cs);
}

void mime_reader_give(const char *cs, iconv_t cd)
{
    if (cd == MIME_NO_ICONV)
        return;
    struct kept *k = kept_get();
    if (!k || strlen(cs) > MIME_CHARSET_NAME_MAX) {
        iconv_close(cd);
        return;
    }
    size_t at = KEPT_MAX;
    for (size_t i = 0; i < KEPT_MAX && at == KEPT_MAX; i++)
        if (!k->slot[i].cs[0])
            at = i;
    if (at == KEPT_MAX) {
        at = k->next;
        k->next = (k->next + 1) % KEPT_MAX;
        iconv_close(k->slot[at].cd);
    }
    strcpy(k->slot[at].cs, cs);
    k->slot[at].cd = cd;
}

/* ISO-2022-JP rewritten as EUC-JP, byte for byte, so that EUC-JP-MS (which
 * holds NEC's and IBM's rows, as Microsoft's CP50221 does) can read what
 * glibc's strict ISO-2022-JP refuses: row 13 after ESC $ B, half-width
 * kana after ESC ( I or SO. Bytes no mode explains are copied. */
static void jis_to_euc(const char *s, size_t n, struct textbuf *b)
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
        bool pair = i + 1 < n && u[i] >= 0x21 && u[i] <= 0x7E && u[i + 1] >= 0x21 &&
                    u[i + 1] <= 0x7E;
        if ((mode == KANJI || mode == HOJO) && pair) {
            if (mode == HOJO)
                textbuf_addc(b, (char)0x8F);
            textbuf_addc(b, (char)(u[i] | 0x80));
            textbuf_addc(b, (char)(u[++i] | 0x80));
        } else if (mode == KANA && u[i] >= 0x21 && u[i] <= 0x5F) {
            textbuf_addc(b, (char)0x8E);
            textbuf_addc(b, (char)(u[i] | 0x80));
        } else {
            textbuf_addc(b, (char)u[i]);
        }
    }
}

/* The room first asked for is a guess; on E2BIG the loop asks for more
 * and iconv goes on where it stopped. */
int mime_iconv_append(iconv_t cd, char **in, size_t *left, size_t room, struct textbuf *b)
{
    for (;;) {
        if (!textbuf_reserve(b, room))
            return -1;
        char *op = b->p + b->len;
        size_t ol = b->cap - b->len - 1;
        bool flushing = *left == 0;
        size_t r = flushing ? iconv(cd, NULL, NULL, &op, &ol) : iconv(cd, in, left, &op, &ol);
        int e = errno;
        b->len = (size_t)(op - b->p);
        if (r != (size_t)-1 && flushing)
            return 0;
        if (r == (size_t)-1 && e != E2BIG)
            return -1;
        if (r == (size_t)-1)
            room = (b->cap - b->len) * 2 + 16;
    }
}

/* A byte iconv stops at (EILSEQ, or EINVAL: cut short at the end) is
 * replaced and skipped, and the conversion goes on from the next; a
 * failed flush (*left is 0 then) ends it. */
size_t mime_iconv_into(iconv_t cd, const char *s, size_t n, struct textbuf *b)
{
    iconv(cd, NULL, NULL, NULL, NULL);
    char *ip = (char *)s;
    size_t il = n, bad = 0;
    while (mime_iconv_append(cd, &ip, &il, n + n / 2 + 16, b) < 0 && !b->oom && il > 0) {
        textbuf_add(b, REPLACEMENT, 3);
        bad++;
        ip++;
        il--;
    }
    return bad;
}

/* The second try for a Japanese label (charset_meant): kept in b when it
 * reads better than the first, which left `bad` bytes unread. */
static void second_try(struct textbuf *b, const char *s, size_t n, const char *cs, size_t bad)
{
    const char *meant = mime_charset_lookup(cs, false);
    iconv_t cd = meant ? iconv_open("UTF-8", meant) : MIME_NO_ICONV;
    if (cd == MIME_NO_ICONV)
        return;
    struct textbuf euc = {0}, b2 = {0};
    if (strcmp(cs, "ISO-2022-JP") == 0) {
        jis_to_euc(s, n, &euc);
        s = euc.p ? euc.p : "";
        n = euc.len;
    }
    size_t bad2 = mime_iconv_into(cd, s, n, &b2);
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
    char cs[MIME_CHARSET_NAME_MAX + 1];
    struct textbuf b = {0};
    iconv_t cd = MIME_NO_ICONV;
    if (len == 0)
        s = "";
    if (charset && mime_charset_name(charset, strlen(charset), cs) && !mime_charset_is_utf8(cs))
        cd = mime_open_from(cs);
    if (cd == MIME_NO_ICONV) {
        mime_add_utf8(&b, s, len);
        return textbuf_finish(&b, out_len);
    }
    size_t bad = mime_iconv_into(cd, s, len, &b);
    iconv_close(cd);
    if (bad > 0)
        second_try(&b, s, len, cs, bad);
    /* iconv writes NUL for NUL: U+FFFD, as mime_add_utf8 makes it */
    if (!b.oom && b.len > 0 && memchr(b.p, '\0', b.len)) {
        struct textbuf c = {0};
        mime_add_utf8(&c, b.p, b.len);
        free(b.p);
        b = c;
    }
    return textbuf_finish(&b, out_len);
}
