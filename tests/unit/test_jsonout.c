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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_every_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
