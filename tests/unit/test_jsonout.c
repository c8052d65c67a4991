/*
 * test_jsonout — the streaming JSON writer: commas where a value follows
 * another, null for an absent string, and strings that are valid UTF-8
 * and valid JSON whatever bytes they held (a mail header's Shift_JIS, a
 * stray 0xff, a control character, an overlong or surrogate sequence).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonout.h"

static const char *text(struct jsonout *j)
{
    textbuf_addc(&j->b, '\0');
    return j->b.p;
}

/* An object holding every kind of value, an array and an empty one. */
static void test_shape(void **state)
{
    (void)state;
    struct jsonout j = {0};
    jsonout_begin(&j);
    jsonout_object(&j);
    jsonout_key(&j, "a");
    jsonout_int(&j, -3);
    jsonout_key(&j, "b");
    jsonout_array(&j);
    jsonout_bool(&j, true);
    jsonout_bool(&j, false);
    jsonout_null(&j);
    jsonout_string(&j, "x");
    jsonout_string(&j, "");
    jsonout_string(&j, NULL);
    jsonout_object(&j);
    jsonout_end(&j);
    jsonout_end(&j);
    jsonout_key(&j, "c");
    jsonout_array(&j);
    jsonout_end(&j);
    jsonout_end(&j);
    assert_string_equal(text(&j), "{\"a\":-3,\"b\":[true,false,null,\"x\",null,null,{}],\"c\":[]}");

    /* a second record in the same memory starts afresh */
    jsonout_begin(&j);
    jsonout_array(&j);
    jsonout_int(&j, 1);
    jsonout_end(&j);
    assert_string_equal(text(&j), "[1]");
    free(j.b.p);
}

static void one_string(const char *in, const char *want)
{
    struct jsonout j = {0};
    jsonout_begin(&j);
    jsonout_string(&j, in);
    assert_string_equal(text(&j), want);
    free(j.b.p);
}

/* What JSON must escape, and what is no UTF-8 at all. */
static void test_strings(void **state)
{
    (void)state;
    one_string("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\"");
    one_string("a\tb\r\nc\x01\x1f", "\"a\\tb\\r\\nc\\u0001\\u001f\"");
    one_string("日本語 ok", "\"日本語 ok\"");
    one_string("U+10FFFF \xf4\x8f\xbf\xbf", "\"U+10FFFF \xf4\x8f\xbf\xbf\"");
    /* Shift_JIS "日本" (93 fa 96 7b): bytes that start nothing */
    one_string("\x93\xfa\x96\x7b", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd{\"");
    one_string("\xff", "\"\xef\xbf\xbd\"");
    one_string("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");            /* overlong "/" */
    one_string("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  /* a surrogate */
    one_string("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    one_string("cut \xe6\x97", "\"cut \xef\xbf\xbd\xef\xbf\xbd\"");     /* a sequence cut short */
}

/* A character to escape at every place of plain strings of 1 to 40
 * bytes: the writer reads plain text sixteen and eight bytes at a time,
 * the last block overlapping the one before, and must find one at any
 * place in a block, and past the last whole one. */
static void test_every_place(void **state)
{
    (void)state;
    static const struct {
        char c;
        const char *as;
    } specials[] = {{'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\x01', "\\u0001"},
                    {'\x1f', "\\u001f"}, {'\x80', "\xef\xbf\xbd"}};
    for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
        for (size_t n = 1; n <= 40; n++) {
            for (size_t at = 0; at < n; at++) {
                char in[41], want[64];
                memset(in, 'a' + (char)(at % 26), n);
                in[n] = '\0';
                in[at] = specials[k].c;
                snprintf(want, sizeof want, "\"%.*s%s%s\"", (int)at, in, specials[k].as,
                         in + at + 1);
                one_string(in, want);
            }
        }
    }
}

/* jsonout_oneline against its definition, on random texts: the line made
 * first (up to a NUL, trimmed, white space runs one space, cut at max - 1
 * bytes, a space the cut leaves dropped), then written by jsonout_stringn
 * (null when empty). The one-pass writer reads sixteen bytes at a time, and
 * must agree at every place a block can end, a cut can fall (inside a
 * UTF-8 sequence too) or an escape can stand. */
static bool white_ref(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void test_oneline(void **state)
{
    (void)state;
    static const char *const pieces[] = {" ", "  ", "\t", "\r\n\t", "\n ", "\"", "\\", "\x01",
                                         "", "abc", "mail.example", "\xe6\x97\xa5",
                                         "\xf0\x9f\x93\xa7", "\xc3\xa9", "\xff", "\x97",
                                         "abcdefghijklmnopqrstuvwxyz0123456789"};
    static const size_t maxes[] = {1, 2, 3, 5, 16, 17, 31, 40, 1000};
    unsigned seed = 17;
    char in[2048], line[2048];
    for (int round = 0; round < 30000; round++) {
        size_t len = 0, n = (size_t)(rand_r(&seed) % 40);
        for (size_t p = 0; p < n; p++) {
            const char *piece = pieces[(size_t)rand_r(&seed) % (sizeof pieces / sizeof pieces[0])];
            /* "" stands for a NUL, which a header may hold too */
            size_t l = piece[0] ? strlen(piece) : 1;
            memcpy(in + len, piece, l);
            len += l;
        }
        size_t max = maxes[(size_t)rand_r(&seed) % (sizeof maxes / sizeof maxes[0])];
        const char *nul = memchr(in, '\0', len);
        if (nul)
            len = (size_t)(nul - in);   /* the text ends there */
        size_t k = 0;
        bool gap = false;
        for (size_t i = 0; i < len; i++) {
            if (white_ref(in[i])) {
                gap = k > 0;
                continue;
            }
            if (gap && k < max - 1)
                line[k++] = ' ';
            gap = false;
            if (k < max - 1)
                line[k++] = in[i];
        }
        if (k > 0 && line[k - 1] == ' ')
            k--;
        struct jsonout a = {0}, b = {0};
        jsonout_begin(&a);
        jsonout_begin(&b);
        jsonout_oneline(&a, in, len, max);
        if (k)
            jsonout_stringn(&b, line, k);
        else
            jsonout_null(&b);
        assert_string_equal(text(&a), text(&b));
        free(a.b.p);
        free(b.b.p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_every_place),
        cmocka_unit_test(test_oneline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
