/*
 * fuzz_mime — libFuzzer harness for mime.c, mime_body.c and
 * mime_charset.c: RFC 2047 words, charsets through iconv and whole message
 * bodies, any bytes, as a stranger's mail brings them.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_mime -max_len=16384 CORPUS tests/fuzz/seeds/mime
 *
 * The first byte picks the function (bits 0-2) and, where one is needed,
 * the charset or the field name's length (bits 3-6); the rest is its
 * input. Besides what ASan and UBSan catch, the harness aborts when a
 * promise of mime.h is broken:
 * - mime_decode_header, mime_render_body and mime_to_utf8 give valid
 *   UTF-8 (a bad byte is U+FFFD), mime_to_utf8 without NUL, and a
 *   rendered body ends in LF;
 * - mime_encode_header gives printable ASCII lines folded with LF SPACE,
 *   none longer than MIME_LINE_MAX (the first after the field name) unless
 *   it is one word no line could hold, that unfold and decode back to the
 *   value (but for the spaces it starts with); or an error saying why;
 * - mime_from_utf8 into ISO-2022-JP reads back as the text it was given.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const charsets[16] = {
    "UTF-8", "ISO-2022-JP", "Shift_JIS", "EUC-JP", "ISO-8859-1", "US-ASCII", "CP932",
    "windows-1252", "UTF-16", "x-unknown", "iso-2022-jp", "utf8", "EUC-JP-MS", "KOI8-R",
    "", "UTF-7",
};

static void broken(const char *why, const char *in, size_t in_len, const char *out)
{
    fprintf(stderr, "fuzz_mime: %s\n--- input (%zu bytes): %.*s\n--- output: %s\n", why,
            in_len, (int)(in_len < 400 ? in_len : 400), in, out ? out : "(none)");
    abort();
}

/* Is s[0..len) well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF)? */
static bool utf8_valid(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        size_t n;
        unsigned lo = 0x80, hi = 0xbf;  /* the bounds of the second byte */
        if (c < 0x80)
            n = 0;
        else if (c >= 0xc2 && c <= 0xdf)
            n = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else
            return false;
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if (s[i + k] < lo || s[i + k] > hi)
                return false;
            lo = 0x80, hi = 0xbf;
        }
        i += n + 1;
    }
    return true;
}

static void check_utf8(const char *what, const char *in, size_t in_len, const char *out,
                       size_t out_len)
{
    if (!utf8_valid((const unsigned char *)out, out_len))
        broken(what, in, in_len, out);
}

/* An encoded header value: ASCII lines folded with LF SPACE, none longer
 * than MIME_LINE_MAX (the first sharing its line with the field name)
 * unless it is one word that no line could hold. */
static void check_encoded(const char *value, size_t name_len, const char *out)
{
    size_t col = name_len;
    bool spaced = false;                /* a space to fold at, on this line */
    for (const char *p = out;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n' || c == '\0') {
            if (col > MIME_LINE_MAX && spaced)
                broken("a header line longer than MIME_LINE_MAX", value, strlen(value), out);
            if (c == '\0')
                return;
            if (p[1] != ' ')
                broken("a fold without a space after it", value, strlen(value), out);
            p++;                        /* the fold's own space starts the line */
            col = 1;
            spaced = false;
            continue;
        }
        if (c < 0x20 || c > 0x7e)
            broken("a byte that is not printable ASCII", value, strlen(value), out);
        if (c == ' ')
            spaced = true;
        col++;
    }
}

/* Undoes the folds (RFC 5322 2.2.3: the line end goes, the space stays);
 * a value that starts with a fold has its first word on a line of its
 * own, and that fold's space is the one after the field name's colon. */
static char *unfold(const char *s)
{
    char *u = malloc(strlen(s) + 1), *q = u;
    if (!u)
        return NULL;
    if (s[0] == '\n' && s[1] == ' ')
        s += 2;
    for (; *s; s++)
        if (*s != '\n')
            *q++ = *s;
    *q = '\0';
    return u;
}

static void encode(const char *value, size_t len, size_t name_len, const char *charset)
{
    char err[MIME_ERROR_MAX] = "";
    char *out = mime_encode_header(value, charset, name_len, err);
    if (!out) {
        if (!err[0])
            broken("mime_encode_header: NULL without a reason", value, len, NULL);
        return;
    }
    check_encoded(value, name_len, out);
    char *u = unfold(out);
    char *back = u ? mime_decode_header(u) : NULL;
    /* a reader drops the white space that starts a field's body (a fold
     * there takes the place of a first space), so it is not compared */
    if (back && strcmp(back + strspn(back, " "), value + strspn(value, " ")) != 0)
        broken("mime_encode_header: the value does not decode back", value, len, back);
    free(u);
    free(back);
    free(out);
}

static void from_utf8(const char *text, size_t len)
{
    char err[MIME_ERROR_MAX] = "";
    size_t out_len, back_len;
    char *out = mime_from_utf8(text, len, "ISO-2022-JP", &out_len, err);
    if (!out) {
        if (!err[0])
            broken("mime_from_utf8: NULL without a reason", text, len, NULL);
        return;
    }
    char *back = mime_to_utf8(out, out_len, "ISO-2022-JP", &back_len);
    if (back && (back_len != len || memcmp(back, text, len) != 0))
        broken("mime_from_utf8: ISO-2022-JP does not read back", text, len, back);
    free(back);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned high = (data[0] >> 3) & 15;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    char *z = malloc(len + 1);          /* for the functions that take a C string */
    if (!z)
        return 0;
    memcpy(z, in, len);
    z[len] = '\0';
    /* the text-for-the-wire functions take UTF-8 by contract */
    bool text = strlen(z) == len && utf8_valid((const unsigned char *)z, len);
    size_t out_len = 0;
    char *out = NULL;
    switch (data[0] & 7) {
    case 0:
    case 1:
        if ((out = mime_decode_header(z)))
            check_utf8("mime_decode_header: not UTF-8", in, len, out, strlen(out));
        break;
    case 2:
    case 3:
        if ((out = mime_render_body(in, len))) {
            out_len = strlen(out);
            check_utf8("mime_render_body: not UTF-8", in, len, out, out_len);
            if (out_len && out[out_len - 1] != '\n')
                broken("mime_render_body: the last line does not end in LF", in, len, out);
        }
        break;
    case 4:
        if ((out = mime_to_utf8(in, len, charsets[high], &out_len))) {
            check_utf8("mime_to_utf8: not UTF-8", in, len, out, out_len);
            if (memchr(out, '\0', out_len))
                broken("mime_to_utf8: a NUL kept", in, len, out);
        }
        break;
    case 5:
    case 6:
        if (text)
            encode(z, len, high * 4, data[0] & 1 ? "UTF-8" : "ISO-2022-JP");
        break;
    case 7:
        if (text)
            from_utf8(z, len);
        break;
    }
    free(out);
    free(z);
    return 0;
}
