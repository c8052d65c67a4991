/*
 * test_term — text as the person at the terminal sees it: control
 * characters made visible, columns counted by display width (Japanese
 * characters take two), lines wrapped at spaces or between Japanese
 * characters without starting a line with 。、 or a small kana.
 *
 * Output goes to an open_memstream; the run is in C.UTF-8 so that
 * wcwidth knows Japanese.
 */
#include "unit.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/term.h"

struct fx {
    char *out;                  /* what the last call wrote */
    size_t len;
    FILE *f;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    if (f->f)
        fclose(f->f);
    free(f->out);
    free(f);
    return 0;
}

/* A fresh stream for the next call. */
static FILE *begin(struct fx *f)
{
    if (f->f)
        fclose(f->f);
    free(f->out);
    f->out = NULL;
    f->len = 0;
    f->f = open_memstream(&f->out, &f->len);
    assert_non_null(f->f);
    return f->f;
}

/* What was written since begin(). */
static const char *end(struct fx *f)
{
    assert_int_equal(fclose(f->f), 0);
    f->f = NULL;
    assert_non_null(f->out);
    return f->out;
}

static const char *text(struct fx *f, const char *s, size_t len)
{
    term_text(begin(f), s, len);
    return end(f);
}

static const char *fit(struct fx *f, const char *s, int width)
{
    term_fit(begin(f), s, width);
    return end(f);
}

static const char *wrap(struct fx *f, const char *s, int col, int indent, int width)
{
    term_wrap(begin(f), s, col, indent, width);
    return end(f);
}

#define TEXT(f, lit) text((f), (lit), sizeof(lit) - 1)

/* Every line of `out` is at most `width` columns, the first counted from
 * `col`; a line may pass it only by characters that cannot start a line. */
static void assert_lines_fit(const char *out, int col, int width)
{
    char line[1024];
    for (const char *p = out; *p; col = 0) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
        if (col + term_width(line) > width)
            fail_msg("line \"%s\" is %d columns from %d, over %d", line, term_width(line), col, width);
        p = nl + 1;
    }
}

/* ------------------------------------------------------------------------
 * term_text.
 */
static void test_text_controls(void **state)
{
    struct fx *f = *state;
    /* a message cannot recolour or clear the screen, or retitle it */
    assert_string_equal(TEXT(f, "a\033[31mred\033[0m"), "a^[[31mred^[[0m");
    assert_string_equal(TEXT(f, "\033]0;pwned\007"), "^[]0;pwned^G");
    assert_string_equal(TEXT(f, "del\177"), "del^?");
    assert_string_equal(TEXT(f, "cr\rlf\n"), "cr^Mlf^J");
    assert_string_equal(TEXT(f, "nul\0x"), "nul^@x");
    assert_string_equal(TEXT(f, "\037"), "^_");
    /* TAB stays, and so does everything printable */
    assert_string_equal(TEXT(f, "a\tb ~"), "a\tb ~");
    assert_string_equal(TEXT(f, ""), "");
}

static void test_text_utf8(void **state)
{
    struct fx *f = *state;
    assert_string_equal(TEXT(f, "日本語のテキスト"), "日本語のテキスト");
    assert_string_equal(TEXT(f, "caf\xc3\xa9 \xc2\xa0nbsp"), "caf\xc3\xa9 \xc2\xa0nbsp");
    /* C1 controls in UTF-8: U+009B is CSI to some terminals */
    assert_string_equal(TEXT(f, "a\xc2\x9b" "31mb"), "a?31mb");
    assert_string_equal(TEXT(f, "\xc2\x80\xc2\x9f"), "??");
    /* only `len` bytes */
    assert_string_equal(text(f, "abc\033", 3), "abc");
}

/* ------------------------------------------------------------------------
 * term_width, term_pad, term_fit.
 */
static void test_width(void **state)
{
    (void)state;
    assert_int_equal(term_width(""), 0);
    assert_int_equal(term_width("abc"), 3);
    assert_int_equal(term_width("caf\xc3\xa9"), 4);
    assert_int_equal(term_width("日本語"), 6);
    assert_int_equal(term_width("ｱｲｳ"), 3);          /* half-width kana */
    assert_int_equal(term_width("a日b"), 4);
}

static void test_pad(void **state)
{
    struct fx *f = *state;
    term_pad(begin(f), "日本", 6);
    assert_string_equal(end(f), "日本  ");
    term_pad(begin(f), "abc", 2);                   /* never cuts */
    assert_string_equal(end(f), "abc");
}

static void test_fit_ascii(void **state)
{
    struct fx *f = *state;
    assert_string_equal(fit(f, "abc", 5), "abc  ");
    assert_string_equal(fit(f, "abcde", 5), "abcde");
    assert_string_equal(fit(f, "abcdef", 5), "abc..");
    assert_string_equal(fit(f, "", 3), "   ");
    assert_string_equal(fit(f, "Re: Lunch tomorrow?", 10), "Re: Lunc..");
}

static void test_fit_japanese(void **state)
{
    struct fx *f = *state;
    /* 14 columns into 7: two characters, "..", one space */
    assert_string_equal(fit(f, "日本語テキスト", 7), "日本.. ");
    assert_int_equal(term_width(f->out), 7);
    assert_string_equal(fit(f, "日本語テキスト", 8), "日本語..");
    assert_string_equal(fit(f, "日本語", 6), "日本語");
    assert_string_equal(fit(f, "日本語", 7), "日本語 ");
    assert_string_equal(fit(f, "日本語", 5), "日.. ");
    assert_string_equal(fit(f, "a日本語", 6), "a日.. ");
    assert_int_equal(term_width(fit(f, "件名：会議の資料について", 15)), 15);
}

/* Control characters are shown as two columns (^[): the padding must
 * count what is shown, so that the columns after it line up. */
static void test_fit_controls(void **state)
{
    struct fx *f = *state;
    assert_string_equal(fit(f, "a\033[2Jb", 10), "a^[[2Jb   ");
    assert_string_equal(fit(f, "x\xc2\x9by", 5), "x?y  ");
    assert_string_equal(fit(f, "\033\033\033\033", 5), "^[.. ");
}

/* ------------------------------------------------------------------------
 * term_wrap.
 */
static void test_wrap_english(void **state)
{
    struct fx *f = *state;
    const char *s = "the quick brown fox jumps over the lazy dog";
    assert_string_equal(wrap(f, s, 0, 2, 20),
                        "the quick brown fox\n"
                        "  jumps over the\n"
                        "  lazy dog\n");
    /* a line of exactly the width stays whole */
    assert_string_equal(wrap(f, s, 0, 0, 19),
                        "the quick brown fox\n"
                        "jumps over the lazy\n"
                        "dog\n");
    /* starting after a label */
    assert_string_equal(wrap(f, s, 9, 9, 30),
                        "the quick brown fox\n"
                        "         jumps over the lazy\n"
                        "         dog\n");
    assert_string_equal(wrap(f, "short", 0, 4, 40), "short\n");
    assert_string_equal(wrap(f, "", 0, 4, 40), "\n");
}

static void test_wrap_japanese(void **state)
{
    struct fx *f = *state;
    /* fifteen characters, two columns each: five to a line of ten */
    const char *s = "日本語のテキストを折り返します";
    assert_string_equal(wrap(f, s, 0, 0, 10),
                        "日本語のテ\n"
                        "キストを折\n"
                        "り返します\n");
    assert_string_equal(wrap(f, s, 2, 2, 10),
                        "日本語の\n"
                        "  テキスト\n"
                        "  を折り返\n"
                        "  します\n");
    /* an odd width: a character that would pass it goes to the next line */
    assert_string_equal(wrap(f, s, 0, 0, 11),
                        "日本語のテ\n"
                        "キストを折\n"
                        "り返します\n");
    assert_lines_fit(wrap(f, "件名：明日の会議の資料について確認させてください", 6, 6, 24), 6, 24);
}

/* Kinsoku: 。、 and small kana never begin a line, and never pass the
 * margin either: the character before them goes on to the next line with
 * them (oidashi). */
static void test_wrap_kinsoku(void **state)
{
    struct fx *f = *state;
    assert_string_equal(wrap(f, "あいうえ。かきくけこ", 0, 0, 8),
                        "あいう\n"
                        "え。かき\n"
                        "くけこ\n");
    assert_string_equal(wrap(f, "あいうえ、かきくけこ", 0, 0, 8),
                        "あいう\n"
                        "え、かき\n"
                        "くけこ\n");
    assert_string_equal(wrap(f, "あいうえっかきく", 0, 0, 8),
                        "あいう\n"
                        "えっかき\n"
                        "く\n");
    assert_string_equal(wrap(f, "アイウエャカキク", 2, 2, 10),
                        "アイウ\n"
                        "  エャカキ\n"
                        "  ク\n");
    /* two in a row go on together too */
    assert_string_equal(wrap(f, "あいうえ。」かき", 0, 0, 8),
                        "あいう\n"
                        "え。」か\n"
                        "き\n");
    assert_string_equal(wrap(f, "あいうえ。」かき", 0, 0, 10),
                        "あいう\n"
                        "え。」かき\n");
    /* no line of any width starts with one, or is wider than the width */
    const char *s = "今日は、晴れ。明日は、雨。ちょっと寒い。";
    for (int w = 6; w <= 24; w++) {
        const char *out = wrap(f, s, 0, 0, w);
        assert_lines_fit(out, 0, w);
        for (const char *p = out; (p = strchr(p, '\n')) && p[1]; p++) {
            static const char *const never[] = {"、", "。", "ょ", "っ"};
            for (size_t k = 0; k < 4; k++)
                if (strncmp(p + 1, never[k], strlen(never[k])) == 0)
                    fail_msg("width %d: a line starts with %s:\n%s", w, never[k], out);
        }
    }
}

static void test_wrap_mixed(void **state)
{
    struct fx *f = *state;
    /* English words break at spaces, the Japanese between characters */
    const char *out = wrap(f, "Subject is 日本語のテキスト in ISO-2022-JP", 0, 0, 16);
    assert_lines_fit(out, 0, 16);
    /* nothing lost but the spaces at the breaks */
    char joined[256] = "";
    for (const char *p = out; *p; p++)
        if (*p != '\n' && *p != ' ')
            strncat(joined, p, 1);
    assert_string_equal(joined, "Subjectis日本語のテキストinISO-2022-JP");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8")) {
        fprintf(stderr, "test_term: the C.UTF-8 locale is missing\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        T(test_text_controls),
        T(test_text_utf8),
        T(test_width),
        T(test_pad),
        T(test_fit_ascii),
        T(test_fit_japanese),
        T(test_fit_controls),
        T(test_wrap_english),
        T(test_wrap_japanese),
        T(test_wrap_kinsoku),
        T(test_wrap_mixed),
    };
    return cmocka_run_group_tests_name("term", tests, NULL, NULL);
}
