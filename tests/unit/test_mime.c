/*
 * test_mime — MIME as the person at the terminal meets it: subjects
 * written for the wire (encoded-words, folded) and read back, bodies in
 * their transfer encodings and charsets, multipart mail such as a bounce,
 * and hostile messages (deep nesting, 10 MB bodies, no closing delimiter)
 * that must come back quickly and safely.
 *
 * Expected outputs are what a user would see, byte for byte. ISO-2022-JP
 * bytes are written with their escapes: "\x1b$B$3$s$K$A$O\x1b(B" is
 * こんにちは. Beware "??=" in a literal, which C17 reads as a trigraph.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/mime.h"

#define SUBJECT_LEN 9           /* strlen("Subject: ") */
#define BIG_BODY (10u << 20)    /* the size of the "10 MB" messages */
/* What "quickly" means for one of them: well under it in a normal build.
 * The sanitizers make this code 3 to 5 times slower; the bound is there to
 * catch a quadratic blowup, which would take minutes. */
#if defined(__SANITIZE_ADDRESS__)
#define BIG_SECONDS 3.0
#else
#define BIG_SECONDS 1.0
#endif

/* ------------------------------------------------------------------------
 * Helpers.
 */

/* The value as a reader unfolds it (RFC 5322 2.2.3): new string. */
static char *unfold(const char *s)
{
    char *u = malloc(strlen(s) + 1);
    assert_non_null(u);
    size_t o = 0;
    for (; *s; s++)
        if (*s != '\n' && *s != '\r')
            u[o++] = *s;
    u[o] = '\0';
    return u;
}

static void expect_decode(const char *in, const char *want)
{
    char *got = mime_decode_header(in);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void expect_encode(const char *in, const char *charset, size_t name_len, const char *want)
{
    char err[MIME_ERROR_MAX] = "";
    char *got = mime_encode_header(in, charset, name_len, err);
    if (!got)
        fail_msg("mime_encode_header: %s", err);
    assert_string_equal(got, want);
    free(got);
}

static void expect_encode_error(const char *in, const char *charset, const char *want)
{
    char err[MIME_ERROR_MAX] = "";
    char *got = mime_encode_header(in, charset, SUBJECT_LEN, err);
    if (got) {
        fail_msg("encoded as \"%s\", expected the error \"%s\"", got, want);
        free(got);
    }
    assert_string_equal(err, want);
}

static void expect_render(const char *msg, const char *want)
{
    char *got = mime_render_body(msg, strlen(msg));
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* Every line of a folded value fits MIME_LINE_MAX (the first after the
 * field name), every encoded-word MIME_WORD_MAX; each word decodes on its
 * own (ISO-2022-JP words end in ASCII) into a piece of `text`, and the
 * whole reads back as `text`. */
static void check_folded(const char *enc, size_t name_len, const char *text)
{
    size_t col = name_len, words = 0;
    for (const char *s = enc;; s++) {
        if (*s == '\n' || *s == '\0') {
            if (col > MIME_LINE_MAX)
                fail_msg("a line of %zu characters in \"%s\"", col, enc);
            if (*s == '\0')
                break;
            col = 0;
        } else {
            col++;
        }
    }
    char *flat = unfold(enc), *alone = calloc(1, strlen(text) * 4 + 1);
    assert_non_null(alone);
    for (char *w = strstr(flat, "=?"); w; w = strstr(w, "=?")) {
        char *b = strstr(w + 2, "?B?");
        assert_non_null(b);
        char *end = strstr(b + 3, "?=");
        assert_non_null(end);
        end += 2;
        size_t len = (size_t)(end - w);
        if (len > MIME_WORD_MAX)
            fail_msg("a word of %zu characters: %.*s", len, (int)len, w);
        char one[MIME_WORD_MAX + 1];
        snprintf(one, sizeof one, "%.*s", (int)len, w);
        char *d = mime_decode_header(one);
        assert_non_null(d);
        if (strstr(d, "\xEF\xBF\xBD") || strstr(d, "=?"))
            fail_msg("the word %s does not decode on its own: \"%s\"", one, d);
        strcat(alone, d);
        free(d);
        words++;
        w = end;
    }
    assert_true(words > 1);
    if (!strstr(text, alone))
        fail_msg("the words one by one give \"%s\", not part of \"%s\"", alone, text);
    /* as msg_header gives it: after "Name:", trimmed */
    char *back = mime_decode_header(flat + strspn(flat, " "));
    assert_string_equal(back, text);
    free(back);
    free(alone);
    free(flat);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Base64 in lines of 76, as a mail client writes it: new string. */
static char *base64_lines(const char *s, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(n / 57 * 78 + 80);
    assert_non_null(out);
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)u[i] << 16 | (i + 1 < n ? u[i + 1] << 8 : 0) | (i + 2 < n ? u[i + 2] : 0);
        out[o++] = a[v >> 18];
        out[o++] = a[v >> 12 & 63];
        out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? a[v & 63] : '=';
        if ((i / 3 + 1) % 19 == 0 || i + 3 >= n)
            out[o++] = '\n';
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------------------
 * Writing header fields.
 */
static void test_encode_ascii_passthrough(void **state)
{
    (void)state;
    expect_encode("Meeting at 10:00, room 3", "UTF-8", SUBJECT_LEN, "Meeting at 10:00, room 3");
    expect_encode("Meeting at 10:00, room 3", "ISO-2022-JP", SUBJECT_LEN, "Meeting at 10:00, room 3");
    expect_encode("", "UTF-8", SUBJECT_LEN, "");
    /* ASCII that a reader would take for an encoded-word must not stay */
    char err[MIME_ERROR_MAX];
    char *enc = mime_encode_header("see =?UTF-8?Q?x?= here", "UTF-8", SUBJECT_LEN, err);
    assert_non_null(enc);
    assert_string_equal(enc, "see =?UTF-8?B?PT9VVEYtOD9RP3g/PQ==?= here");
    char *back = mime_decode_header(enc);
    assert_string_equal(back, "see =?UTF-8?Q?x?= here");
    free(back);
    free(enc);
}

/* Long ASCII is folded at its spaces as the encoded kind is (found by
 * fuzz_mime): a first word that does not fit after the field name gets a
 * line of its own; a word no line can hold stays whole. */
static void test_encode_ascii_folds(void **state)
{
    (void)state;
    expect_encode("TG-8F-8?B?44GT44KT444Gh44G44G4Gv?= world", "UTF-8", 40,
                  "TG-8F-8?B?44GT44KT444Gh44G44G4Gv?=\n world");
    expect_encode("an-address-like-word-that-is-forty-long world", "UTF-8", 40,
                  "\n an-address-like-word-that-is-forty-long world");
    char word[100], in[100], want[100];
    memset(word, 'x', 90);
    word[90] = '\0';
    expect_encode(word, "UTF-8", SUBJECT_LEN, word);
    /* a run of spaces where the line is full folds too */
    word[70] = '\0';
    snprintf(in, sizeof in, "%s 1234567  x", word);
    snprintf(want, sizeof want, "%s 1234567\n  x", word);
    expect_encode(in, "UTF-8", 0, want);
}

static void test_encode_japanese_utf8(void **state)
{
    (void)state;
    expect_encode("こんにちは、世界", "UTF-8", SUBJECT_LEN, "=?UTF-8?B?44GT44KT44Gr44Gh44Gv44CB5LiW55WM?=");
    expect_encode("こんにちは、世界", "utf-8", SUBJECT_LEN, "=?UTF-8?B?44GT44KT44Gr44Gh44Gv44CB5LiW55WM?=");
    /* ASCII words around the Japanese stay as they are */
    expect_encode("Re: こんにちは 2002", "UTF-8", SUBJECT_LEN, "Re: =?UTF-8?B?44GT44KT44Gr44Gh44Gv?= 2002");
    expect_decode("Re: =?UTF-8?B?44GT44KT44Gr44Gh44Gv?= 2002", "Re: こんにちは 2002");
    expect_decode("=?UTF-8?B?44GT44KT44Gr44Gh44Gv44CB5LiW55WM?=", "こんにちは、世界");
}

static void test_encode_japanese_iso2022jp(void **state)
{
    (void)state;
    expect_encode("こんにちは", "ISO-2022-JP", SUBJECT_LEN, "=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=");
    expect_encode("こんにちは", "iso-2022-jp", SUBJECT_LEN, "=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=");
    expect_decode("=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは");
    expect_decode("=?iso-2022-jp?b?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは");
    /* the full-width and half-width marks mixed with ASCII, one word */
    const char *text = "【重要】会議の資料 (第2版)";
    char err[MIME_ERROR_MAX];
    char *enc = mime_encode_header(text, "ISO-2022-JP", SUBJECT_LEN, err);
    if (!enc)
        fail_msg("%s", err);
    char *back = mime_decode_header(enc);
    assert_string_equal(back, text);
    free(back);
    free(enc);
}

static void test_encode_folds_long_subjects(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "日本語の件名がとても長い場合にはいくつかの行に折り返されなければならないので"
        "このテストではそれを確かめますよろしくお願いします",
        "Re: [lecture-2002] 第3回の課題について: メールサーバの設定とSMTPの対話を"
        "手で打って確かめること、締め切りは来週の水曜日です",
        "ｱｲｳｴｵ半角カナと全角ｶﾅ　記号①も混ぜた件名ですが長いのでこれも折り返し",
    };
    static const char *const charsets[] = {"UTF-8", "ISO-2022-JP"};
    static const size_t names[] = {SUBJECT_LEN, 4 /* "To: " */, 40, 75};
    char err[MIME_ERROR_MAX];
    for (size_t c = 0; c < 2; c++)
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++)
            for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
                /* ① and half-width kana are not in ISO-2022-JP: only the first two */
                if (c == 1 && t == 2)
                    continue;
                char *enc = mime_encode_header(texts[t], charsets[c], names[k], err);
                if (!enc)
                    fail_msg("%s, text %zu: %s", charsets[c], t, err);
                check_folded(enc, names[k], texts[t]);
                free(enc);
            }
}

static void test_encode_unrepresentable(void **state)
{
    (void)state;
    expect_encode_error("café au lait", "ISO-2022-JP", "\"é\" (U+00E9) cannot be written in ISO-2022-JP");
    expect_encode_error("会議 😀 です", "ISO-2022-JP", "\"😀\" (U+1F600) cannot be written in ISO-2022-JP");
    expect_encode_error("ｱｲｳ", "ISO-2022-JP", "\"ｱ\" (U+FF71) cannot be written in ISO-2022-JP");
    /* the first one is named, even when it comes after many that fit */
    expect_encode_error("日本語の件名がとても長い場合にはいくつかの行に折り返されなければならないé😀",
                        "ISO-2022-JP", "\"é\" (U+00E9) cannot be written in ISO-2022-JP");
    /* ESC would switch the reader out of ASCII */
    expect_encode_error("日本\x1b(B語", "ISO-2022-JP", "U+001B cannot be written in ISO-2022-JP");
    expect_encode_error("ab\xff", "UTF-8", "not valid UTF-8 at byte 3");
    expect_encode_error("日本", "X-NO-SUCH", "unknown charset \"X-NO-SUCH\"");
    expect_encode_error("日本", "UTF-8//IGNORE", "unknown charset \"UTF-8//IGNORE\"");
    /* UTF-8 holds them all */
    expect_encode("café 😀", "UTF-8", SUBJECT_LEN, "=?UTF-8?B?Y2Fmw6kg8J+YgA==?=");
}

/* ------------------------------------------------------------------------
 * Reading header fields.
 */
static void test_decode_q(void **state)
{
    (void)state;
    expect_decode("=?iso-8859-1?q?caf=E9_au_lait?=", "café au lait");
    expect_decode("=?UTF-8?Q?=E3=81=93=e3=82=93?=", "こん");
    expect_decode("=?UTF-8?Q?a=3Db_c?=", "a=b c");
    expect_decode("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>");
}

/* RFC 2047 section 8's examples, and a character split between words. */
static void test_decode_adjacent_words(void **state)
{
    (void)state;
    expect_decode("(=?ISO-8859-1?Q?a?=)", "(a)");
    expect_decode("(=?ISO-8859-1?Q?a?= b)", "(a b)");
    expect_decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)");
    expect_decode("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)");
    expect_decode("(=?ISO-8859-1?Q?a?=\t =?ISO-8859-1?Q?b?=)", "(ab)");
    expect_decode("(=?ISO-8859-1?Q?a_b?=)", "(a b)");
    expect_decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)");
    expect_decode("=?UTF-8?B?44GT?= x =?UTF-8?B?44KT?=", "こ x ん");
    /* a broken client cut the euro sign in two */
    expect_decode("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=", "€");
    /* and one left kanji mode for the next word to close */
    expect_decode("=?ISO-2022-JP?B?GyRCJDMkcw==?= =?ISO-2022-JP?B?JEskQSRPGyhC?=", "こんにちは");
}

static void test_decode_malformed_left_alone(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "=?UTF-8?B?***?=",              /* not base64 */
        "=?UTF-8?B?QUJDR?=",            /* a lone last sextet */
        "=?UTF-8?X?abc?=",              /* no such encoding */
        "=?no-such-charset?Q?abc?=",    /* no such charset */
        "=?UTF-8//IGNORE?Q?abc?=",      /* not a charset name */
        "=?UTF-8?Q?=ZZ?=",              /* not an escape */
        "=?UTF-8?Q?abc",                /* not closed */
        "=?UTF-8?Q?a b?=",              /* a space inside */
        "=??Q?abc?=",                   /* no charset */
        "=?",
        "=",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_decode(bad[i], bad[i]);
    /* the space around a word left alone stays */
    expect_decode("=?UTF-8?Q?a?= =?UTF-8?B?*?= =?UTF-8?Q?b?=", "a =?UTF-8?B?*?= b");
    expect_decode("Re: =?UTF-8?Q?a?=?= x", "Re: a?= x");
}

static void test_decode_charsets(void **state)
{
    (void)state;
    expect_decode("=?ISO-2022-JP*ja?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは");      /* RFC 2231 */
    expect_decode("=?Shift_JIS?B?gqA=?=", "あ");
    expect_decode("=?EUC-JP?B?pKI=?=", "あ");
    expect_decode("=?windows-1252?Q?=93quoted=94?=", "“quoted”");
    expect_decode("=?UTF-8?B?" "?= empty", " empty");
    /* raw text: bad bytes become U+FFFD, unencoded ISO-2022-JP is read */
    expect_decode("caf\xe9 ok", "caf\xEF\xBF\xBD ok");
    expect_decode("\x1b$B$3$s$K$A$O\x1b(B (raw)", "こんにちは (raw)");
    /* two charsets taking turns, many times: every word is read */
    char many[4096] = "", want[1024] = "";
    for (int k = 0; k < 100; k++) {
        strcat(many, k % 2 ? "=?iso-8859-2?q?=B1?= x " : "=?iso-8859-1?q?=E9?= x ");
        strcat(want, k % 2 ? "ą x " : "é x ");
    }
    expect_decode(many, want);
    /* a NUL would cut the string short */
    expect_decode("=?UTF-8?Q?a=00b?=", "a\xEF\xBF\xBD" "b");
}

/* ------------------------------------------------------------------------
 * Writing bodies.
 */
static void test_from_utf8(void **state)
{
    (void)state;
    char err[MIME_ERROR_MAX] = "";
    size_t len;
    const char *text = "Hi,\nこんにちは\nBye";
    char *out = mime_from_utf8(text, strlen(text), "ISO-2022-JP", &len, err);
    if (!out)
        fail_msg("%s", err);
    /* every line back in ASCII before its end, the last one included */
    const char want[] = "Hi,\n\x1b$B$3$s$K$A$O\x1b(B\nBye";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(out, want, len);
    free(out);

    text = "Hi,\nこんにちは";
    out = mime_from_utf8(text, strlen(text), "iso-2022-jp", &len, err);
    assert_non_null(out);
    assert_string_equal(out, "Hi,\n\x1b$B$3$s$K$A$O\x1b(B");
    free(out);

    out = mime_from_utf8(text, strlen(text), "UTF-8", &len, err);
    assert_non_null(out);
    assert_string_equal(out, text);
    free(out);

    text = "line one\n会議は\n明日 café です";
    assert_null(mime_from_utf8(text, strlen(text), "ISO-2022-JP", &len, err));
    assert_string_equal(err, "line 3, column 7: \"é\" (U+00E9) cannot be written in ISO-2022-JP");
    text = "ok\nab\x1b$B";
    assert_null(mime_from_utf8(text, strlen(text), "ISO-2022-JP", &len, err));
    assert_string_equal(err, "line 2, column 3: U+001B cannot be written in ISO-2022-JP");
    text = "ok\n\xe3\x81";
    assert_null(mime_from_utf8(text, strlen(text), "ISO-2022-JP", &len, err));
    assert_string_equal(err, "line 2, column 1: not valid UTF-8");
    assert_null(mime_from_utf8("x\n\xff", 3, "UTF-8", &len, err));
    assert_string_equal(err, "line 2, column 1: not valid UTF-8");
    assert_null(mime_from_utf8("x", 1, "X-NO-SUCH", &len, err));
    assert_string_equal(err, "unknown charset \"X-NO-SUCH\"");
}

/* ------------------------------------------------------------------------
 * Reading bodies.
 */
static void test_body_plain(void **state)
{
    (void)state;
    /* no Content-Type: text/plain; CR LF read as LF; a last LF added */
    expect_render("Subject: hi\r\n\r\nline one\r\nline two", "line one\nline two\n");
    expect_render("Subject: hi\n\nline one\n\nline two\n", "line one\n\nline two\n");
    expect_render("Subject: hi\n", "");
    expect_render("", "");
    /* 8-bit text under us-ascii is read as the UTF-8 it nearly always is */
    expect_render("Content-Type: text/plain; charset=us-ascii\n\ncaf\xc3\xa9 \xff\n",
                  "café \xEF\xBF\xBD\n");
    /* an unknown charset: shown as it is */
    expect_render("Content-Type: text/plain; charset=x-unknown\n\ncaf\xc3\xa9 \xff\n",
                  "café \xEF\xBF\xBD\n");
    expect_render("Content-Type: text/plain; charset=\"ISO-8859-1\"\n\ncaf\xe9\n", "café\n");
}

static void test_body_base64(void **state)
{
    (void)state;
    /* line breaks and junk in the base64 are skipped */
    expect_render("Content-Type: text/plain; charset=UTF-8\n"
                  "Content-Transfer-Encoding: base64\n\n"
                  "44GT44KT\r\n44Gr44Gh\n  *44Gv\n",
                  "こんにちは\n");
    /* the name, its value and the charset in any case; pieces glued after padding */
    expect_render("content-type: TEXT/PLAIN; CHARSET=utf-8\n"
                  "Content-Transfer-Encoding: BASE64\n\n"
                  "YQ==Yg==\n",
                  "ab\n");
}

static void test_body_quoted_printable(void **state)
{
    (void)state;
    expect_render("Content-Type: text/plain; charset=utf-8\n"
                  "Content-Transfer-Encoding: quoted-printable\n\n"
                  "caf=C3=A9 au =\r\n"
                  "lait=20\r\n"
                  "trailing space dropped   \r\n"
                  "soft break with padding=  \n"
                  "x=3Dy =e3=81=82 and = alone\n",
                  "café au lait \n"
                  "trailing space dropped\n"
                  "soft break with paddingx=y あ and = alone\n");
}

static void test_body_japanese(void **state)
{
    (void)state;
    expect_render("Content-Type: text/plain; charset=ISO-2022-JP\n"
                  "Content-Transfer-Encoding: 7bit\n\n"
                  "\x1b$B$3$s$K$A$O\x1b(B\n"
                  "Hello\n",
                  "こんにちは\nHello\n");
    expect_render("Content-Type: text/plain; charset=shift_jis\n\n\x82\xa0\x82\xa2\n", "あい\n");
    expect_render("Content-Type: text/plain; charset=euc-jp\n\n\xa4\xa2\xa4\xa4\n", "あい\n");
    /* what Windows clients of 2002 sent under the standard label: ① is
     * NEC's row 13, and half-width kana; read through CP50221's eyes */
    expect_render("Content-Type: text/plain; charset=iso-2022-jp\n\n"
                  "\x1b$B-!$3\x1b(B \x1b(I1\x1b(B\n",
                  "①こ ｱ\n");
    expect_render("Content-Type: text/plain; charset=Shift_JIS\n\n\x87\x40\n", "①\n");
}

#define BOUNCE \
    "Return-Path: <>\r\n" \
    "From: MAILER-DAEMON@mail.b.example (Mail Delivery System)\r\n" \
    "To: alice@a.example\r\n" \
    "Subject: Undelivered Mail Returned to Sender\r\n" \
    "MIME-Version: 1.0\r\n" \
    "Content-Type: multipart/report; report-type=delivery-status;\r\n" \
    "\tboundary=\"8D2E1C0A.1022634000/mail.b.example\"\r\n" \
    "\r\n" \
    "This is a MIME-encapsulated message.\r\n" \
    "\r\n" \
    "--8D2E1C0A.1022634000/mail.b.example\r\n" \
    "Content-Description: Notification\r\n" \
    "Content-Type: text/plain; charset=us-ascii\r\n" \
    "\r\n" \
    "I'm sorry to have to inform you that your message could not\r\n" \
    "be delivered to one or more recipients.\r\n" \
    "\r\n" \
    "<nobody@b.example>: unknown user: \"nobody\"\r\n" \
    "\r\n" \
    "--8D2E1C0A.1022634000/mail.b.example\r\n" \
    "Content-Description: Delivery report\r\n" \
    "Content-Type: message/delivery-status\r\n" \
    "\r\n" \
    "Reporting-MTA: dns; mail.b.example\r\n" \
    "\r\n" \
    "Final-Recipient: rfc822; nobody@b.example\r\n" \
    "Action: failed\r\n" \
    "Status: 5.1.1\r\n" \
    "Diagnostic-Code: X-Postfix; unknown user: \"nobody\"\r\n" \
    "\r\n" \
    "--8D2E1C0A.1022634000/mail.b.example\r\n" \
    "Content-Description: Undelivered Message Headers\r\n" \
    "Content-Type: text/rfc822-headers\r\n" \
    "\r\n" \
    "From: alice@a.example\r\n" \
    "To: nobody@b.example\r\n" \
    "Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\n" \
    "\r\n" \
    "--8D2E1C0A.1022634000/mail.b.example--\r\n"

static void test_body_bounce(void **state)
{
    (void)state;
    expect_render(BOUNCE,
                  "I'm sorry to have to inform you that your message could not\n"
                  "be delivered to one or more recipients.\n"
                  "\n"
                  "<nobody@b.example>: unknown user: \"nobody\"\n"
                  "\n"
                  "Reporting-MTA: dns; mail.b.example\n"
                  "\n"
                  "Final-Recipient: rfc822; nobody@b.example\n"
                  "Action: failed\n"
                  "Status: 5.1.1\n"
                  "Diagnostic-Code: X-Postfix; unknown user: \"nobody\"\n"
                  "\n"
                  "From: alice@a.example\n"
                  "To: nobody@b.example\n"
                  "Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\n");
}

/* A whole message returned: its header as read (a line break in a word
 * must not make a field of its own), then its body. */
static void test_body_message_rfc822(void **state)
{
    (void)state;
    expect_render("Content-Type: multipart/mixed; boundary=\"b\"\n\n"
                  "--b\n\nSee below.\n"
                  "--b\n"
                  "Content-Type: message/rfc822\n\n"
                  "From: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?= <alice@a.example>\n"
                  "Subject: =?UTF-8?B?44GT44KT?=\n"
                  " =?UTF-8?B?44Gr44Gh44Gv?=\n"
                  "X-Spoof: =?UTF-8?Q?hi=0D=0AFrom:_boss?=\n"
                  "Content-Type: text/plain; charset=ISO-2022-JP\n\n"
                  "\x1b$B$3$s$K$A$O\x1b(B\n"
                  "--b--\n",
                  "See below.\n"
                  "\n"
                  "From: こんにちは <alice@a.example>\n"
                  "Subject: こんにちは\n"
                  "X-Spoof: hi  From: boss\n"
                  "Content-Type: text/plain; charset=ISO-2022-JP\n"
                  "\n"
                  "こんにちは\n");
}

static void test_body_attachment_note(void **state)
{
    (void)state;
    expect_render("Content-Type: multipart/mixed; boundary=XyZ\n\n"
                  "preamble, not shown\n"
                  "--XyZ\n"
                  "Content-Type: text/plain\n\n"
                  "Photo attached.\n"
                  "--XyZ\n"
                  "Content-Type: image/PNG; name=\"photo 1.png\"\n"
                  "Content-Transfer-Encoding: base64\n"
                  "Content-Disposition: attachment; filename=\"photo 1.png\"\n\n"
                  "iVBORw0KGgo=\n"
                  "--XyZ\n"
                  "Content-Type: application/pdf; name=\"=?UTF-8?B?5Lya6K2w44Gu6LOH5paZ?=.pdf\"\n\n"
                  "%PDF\n"
                  "--XyZ\n"
                  "Content-Type: application/octet-stream\n"
                  "Content-Disposition: attachment;\n"
                  " filename*=UTF-8''%E8%B3%87%E6%96%99.bin\n\n"
                  "x\n"
                  "--XyZ\n"
                  "Content-Type: application/zip\n"
                  "Content-Disposition: attachment; filename*0=\"a\"; filename*1=\"b.zip\"\n\n"
                  "\n"
                  "--XyZ--\n"
                  "epilogue, not shown\n",
                  "Photo attached.\n"
                  "\n"
                  "[attachment: image/png, photo 1.png, 8 bytes]\n"
                  "\n"
                  "[attachment: application/pdf, 会議の資料.pdf, 4 bytes]\n"
                  "\n"
                  "[attachment: application/octet-stream, 資料.bin, 1 byte]\n"
                  "\n"
                  "[attachment: application/zip, ab.zip, 0 bytes]\n");
    expect_render("Content-Type: image/gif\nContent-Transfer-Encoding: base64\n\nR0lGODlh\n",
                  "[attachment: image/gif, 6 bytes]\n");
}

static void test_body_alternative(void **state)
{
    (void)state;
    expect_render("Content-Type: multipart/alternative; boundary=a\n\n"
                  "--a\nContent-Type: text/html\n\n<p>Hello</p>\n"
                  "--a\nContent-Type: text/plain; charset=utf-8\n\nHello\n"
                  "--a--\n",
                  "Hello\n");
    /* no plain text version: the first one */
    expect_render("Content-Type: multipart/alternative; boundary=a\n\n"
                  "--a\nContent-Type: text/html\n\n<p>Hello</p>\n"
                  "--a\nContent-Type: text/enriched\n\n<bold>Hello</bold>\n"
                  "--a--\n",
                  "<p>Hello</p>\n");
    /* inside a mixed, next to an attachment */
    expect_render("Content-Type: multipart/mixed; boundary=m\n\n"
                  "--m\nContent-Type: multipart/alternative; boundary=a\n\n"
                  "--a\nContent-Type: text/plain\n\nHello\n"
                  "--a\nContent-Type: text/html\n\n<p>Hello</p>\n"
                  "--a--\n"
                  "--m\nContent-Type: application/pdf\n\n%PDF\n"
                  "--m--\n",
                  "Hello\n\n[attachment: application/pdf, 4 bytes]\n");
}

static void test_body_multipart_malformed(void **state)
{
    (void)state;
    /* no closing delimiter: the last part runs to the end */
    expect_render("Content-Type: multipart/mixed; boundary=b\n\n"
                  "--b\nContent-Type: text/plain\n\nfirst\n"
                  "--b\n\nsecond\nstill second\n",
                  "first\n\nsecond\nstill second\n");
    /* a part with no empty line after its header, a part with no header */
    expect_render("Content-Type: multipart/mixed; boundary=b\n\n"
                  "--b\nContent-Type: text/plain\nbody without the empty line\n"
                  "--b\njust text\n"
                  "--b--\n",
                  "body without the empty line\n\njust text\n");
    /* lines that only start like the delimiter are text */
    expect_render("Content-Type: multipart/mixed; boundary=b\n\n"
                  "--b\n\n--bb\n--b x\n"
                  "--b--  \n",
                  "--bb\n--b x\n");
    /* no delimiter at all, and no boundary: the body as it is */
    expect_render("Content-Type: multipart/mixed; boundary=b\n\nno parts here\n", "no parts here\n");
    expect_render("Content-Type: multipart/mixed\n\nno boundary\n", "no boundary\n");
    /* empty parts leave no blank lines behind */
    expect_render("Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n\nx\n--b\n--b--\n", "x\n");
}

/* mime_body.c shows 1000 parts of a multipart (MIME_PARTS_MAX) and counts
 * the rest. */
static void test_body_parts_limit(void **state)
{
    (void)state;
    static const char head[] = "Content-Type: multipart/mixed; boundary=b\n\n";
    static const char part[] = "--b\n\nx\n";
    size_t cap = sizeof head + 1002 * (sizeof part - 1) + 16;
    char *msg = malloc(cap), *want = malloc(1002 * 3 + 64);
    assert_non_null(msg);
    assert_non_null(want);
    for (size_t n = 1000; n <= 1002; n++) {
        size_t o = (size_t)snprintf(msg, cap, "%s", head), w = 0;
        for (size_t k = 0; k < n; k++)
            o += (size_t)snprintf(msg + o, cap - o, "%s", part);
        snprintf(msg + o, cap - o, "--b--\n");
        for (size_t k = 0; k < 1000; k++)
            w += (size_t)sprintf(want + w, k ? "\nx\n" : "x\n");
        if (n == 1001)
            sprintf(want + w, "\n[1 more part not shown]\n");
        else if (n == 1002)
            sprintf(want + w, "\n[2 more parts not shown]\n");
        expect_render(msg, want);
    }
    free(want);
    free(msg);
}

/* MIME_DEPTH_MAX multiparts, one inside the other, around a text part. */
static char *nested(int levels)
{
    size_t cap = (size_t)levels * 80 + 64, o = 0;
    char *m = malloc(cap);
    assert_non_null(m);
    for (int k = 0; k < levels; k++)
        o += (size_t)snprintf(m + o, cap - o, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", k, k);
    o += (size_t)snprintf(m + o, cap - o, "Content-Type: text/plain\n\ndeep\n");
    for (int k = levels - 1; k >= 0; k--)
        o += (size_t)snprintf(m + o, cap - o, "--b%d--\n", k);
    return m;
}

static void test_body_nesting_limit(void **state)
{
    (void)state;
    char *m = nested(MIME_DEPTH_MAX);
    expect_render(m, "deep\n");
    free(m);
    m = nested(MIME_DEPTH_MAX + 1);
    expect_render(m, "[multipart/mixed nested more than 8 deep: not shown]\n");
    free(m);
    /* far deeper, and messages inside messages: stops as safely, and fast */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    m = nested(100000);
    expect_render(m, "[multipart/mixed nested more than 8 deep: not shown]\n");
    free(m);
    static const char unit[] = "Content-Type: message/rfc822\n\n";
    size_t levels = 100000, ulen = sizeof unit - 1;
    m = malloc(levels * ulen + 8);
    assert_non_null(m);
    for (size_t k = 0; k < levels; k++)
        memcpy(m + k * ulen, unit, ulen);
    strcpy(m + levels * ulen, "deep\n");
    char *got = mime_render_body(m, strlen(m));
    assert_non_null(got);
    assert_non_null(strstr(got, "[message/rfc822 nested more than 8 deep: not shown]\n"));
    assert_null(strstr(got, "deep\n"));
    free(got);
    free(m);
    if (seconds_since(&t0) > BIG_SECONDS)
        fail_msg("deep nesting took %.2f s", seconds_since(&t0));
}

static void test_body_big_base64(void **state)
{
    (void)state;
    /* 7.5 MB of text is 10 MB of base64 */
    size_t n = BIG_BODY / 4 * 3;
    char *text = malloc(n + 1);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    text[n - 1] = '\n';
    text[n] = '\0';
    char *b64 = base64_lines(text, n);
    size_t blen = strlen(b64);
    assert_true(blen >= BIG_BODY);
    static const char *const heads[] = {
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n",
        "Content-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n",
    };
    for (size_t h = 0; h < 2; h++) {
        size_t hlen = strlen(heads[h]);
        char *msg = malloc(hlen + blen + 1);
        assert_non_null(msg);
        memcpy(msg, heads[h], hlen);
        memcpy(msg + hlen, b64, blen + 1);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        char *got = mime_render_body(msg, hlen + blen);
        double took = seconds_since(&t0);
        assert_non_null(got);
        if (h == 0) {
            assert_int_equal(strlen(got), n);
            assert_true(memcmp(got, text, n) == 0);
        } else {
            /* as an attachment: only counted */
            char want[64];
            snprintf(want, sizeof want, "[attachment: image/jpeg, %zu bytes]\n", n);
            assert_string_equal(got, want);
        }
        free(got);
        free(msg);
        if (took > BIG_SECONDS)
            fail_msg("a 10 MB base64 body (%s) took %.2f s", h ? "attachment" : "text", took);
    }
    free(b64);
    free(text);
}

/* 10 MB shapes that would be quadratic in a careless reader. */
static void test_body_hostile_shapes(void **state)
{
    (void)state;
    static const char *const units[] = {
        "--b\n",                                        /* millions of empty parts */
        "--b\nContent-Type: text/plain; charset=iso-8859-1\n\nx\n",  /* many small ones */
        "--",                                           /* one long line, nearly a delimiter */
        "=?UTF-8?Q?",                                   /* a body of near-words */
        "=?iso-8859-1?q?a?= x ",                        /* words, each to convert */
        "=?x-no-such?q?a?= ",                           /* words in no charset */
        "=?shift_jis?b?/w==?= x ",                      /* words for the second try */
        "=?iso-8859-1?q?a?= =?iso-8859-2?q?a?= =?iso-8859-3?q?a?= =?iso-8859-4?q?a?= "
        "=?iso-8859-5?q?a?= =?iso-8859-6?q?a?= =?iso-8859-7?q?a?= =?iso-8859-8?q?a?= "
        "=?iso-8859-9?q?a?= ",                          /* more charsets than kept open */
    };
    static const char head[] = "Content-Type: multipart/mixed; boundary=b\n\n";
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t ulen = strlen(units[u]), count = BIG_BODY / ulen;
        char *msg = malloc(sizeof head + count * ulen);
        assert_non_null(msg);
        memcpy(msg, head, sizeof head - 1);
        for (size_t k = 0; k < count; k++)
            memcpy(msg + sizeof head - 1 + k * ulen, units[u], ulen);
        size_t len = sizeof head - 1 + count * ulen;
        msg[len] = '\0';
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        char *got = mime_render_body(msg, len);
        double took = seconds_since(&t0);
        bool ok = got != NULL;
        free(got);
        /* the same bytes as a header field to decode */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        got = mime_decode_header(msg + sizeof head - 1);
        double took_header = seconds_since(&t0);
        ok = ok && got != NULL;
        free(got);
        free(msg);
        assert_true(ok);
        if (took > BIG_SECONDS)
            fail_msg("a 10 MB body of \"%s\" took %.2f s", units[u], took);
        if (took_header > BIG_SECONDS)
            fail_msg("a 10 MB header of \"%s\" took %.2f s", units[u], took_header);
    }
}

/* 8-bit Japanese outside encoded-words, as Unix (EUC-JP) and Windows
 * (Shift_JIS) mailers wrote it: read whole, whichever it is. "ソ" in
 * Shift_JIS ends in 0x5C, a backslash in ASCII. */
static void test_decode_raw_japanese(void **state)
{
    (void)state;
    char *euc = mime_decode_header("\xc6\xfc\xcb\xdc\xb8\xec\xa4\xce\xa5\xe1\xa1\xbc\xa5\xeb");
    assert_string_equal(euc, "日本語のメール");
    free(euc);
    char *sjis = mime_decode_header("Re: \x83\x5c\x81\x5b\x83\x58\x95\x5c\x8e\xa6");
    assert_string_equal(sjis, "Re: ソース表示");
    free(sjis);
    /* neither: each byte that is none a U+FFFD, as before */
    char *bad = mime_decode_header("a\xff\xfe");
    assert_string_equal(bad, "a\xef\xbf\xbd\xef\xbf\xbd");
    free(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_raw_japanese),
        cmocka_unit_test(test_encode_ascii_passthrough),
        cmocka_unit_test(test_encode_ascii_folds),
        cmocka_unit_test(test_encode_japanese_utf8),
        cmocka_unit_test(test_encode_japanese_iso2022jp),
        cmocka_unit_test(test_encode_folds_long_subjects),
        cmocka_unit_test(test_encode_unrepresentable),
        cmocka_unit_test(test_decode_q),
        cmocka_unit_test(test_decode_adjacent_words),
        cmocka_unit_test(test_decode_malformed_left_alone),
        cmocka_unit_test(test_decode_charsets),
        cmocka_unit_test(test_from_utf8),
        cmocka_unit_test(test_body_plain),
        cmocka_unit_test(test_body_base64),
        cmocka_unit_test(test_body_quoted_printable),
        cmocka_unit_test(test_body_japanese),
        cmocka_unit_test(test_body_bounce),
        cmocka_unit_test(test_body_message_rfc822),
        cmocka_unit_test(test_body_attachment_note),
        cmocka_unit_test(test_body_alternative),
        cmocka_unit_test(test_body_multipart_malformed),
        cmocka_unit_test(test_body_parts_limit),
        cmocka_unit_test(test_body_nesting_limit),
        cmocka_unit_test(test_body_big_base64),
        cmocka_unit_test(test_body_hostile_shapes),
    };
    return cmocka_run_group_tests_name("mime", tests, NULL, NULL);
}
