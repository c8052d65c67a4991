/*
 * test_fmt — fmt_snprintf gives snprintf's result, byte for byte and in
 * its return value: positioned and plain conversions, every kind it knows,
 * numbers at their limits, every size of buffer down to
 * none (cut short as snprintf cuts), and formats it leaves to vsnprintf.
 */
#include "unit.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "util/fmt.h"

/* Both at every size from none to room to spare. */
#define SAME(...)                                                                  \
    do {                                                                           \
        char want[256], got[256];                                                  \
        for (size_t size = 0; size < sizeof want; size++) {                        \
            memset(want, 'x', sizeof want);                                        \
            memset(got, 'x', sizeof got);                                          \
            int w = snprintf(want, size, __VA_ARGS__);                             \
            int g = fmt_snprintf(got, size, __VA_ARGS__);                          \
            assert_int_equal(g, w);                                                \
            assert_memory_equal(got, want, sizeof want);                           \
        }                                                                          \
    } while (0)

static void test_positions(void **state)
{
    (void)state;
    SAME("hop %1$d: %2$s is %3$s", 3, "mail.example", "[192.0.2.1]");
    SAME("%3$s, then %1$s and %2$s, %1$s again", "a", "bb", "ccc");
    SAME("%2$lld min %3$lld s%1$s", "!", 12LL, 34LL);
    SAME("%1$s%2$lld s", "-", LLONG_MIN);
    SAME("%1$d %2$d", INT_MIN, INT_MAX);
    SAME("%1$zu of %2$zu", (size_t)0, SIZE_MAX);
    SAME("100%% sure, %1$s", "yes");
    SAME("no conversion at all");
    SAME("%1$s", "");
    SAME("ホップ%1$dは%2$sです。", 2, "日本語の名前");
}

static void test_plain(void **state)
{
    (void)state;
    SAME("%s [%s]", "host.example", "203.0.113.5");
    SAME("%d%%%s%lld%zu", -7, "x", 9000000000LL, (size_t)42);
}

/* What it does not know goes to vsnprintf: the same result still. */
static void test_others(void **state)
{
    (void)state;
    SAME("%5d|%-4s|%.2s", 42, "ab", "abcdef");
    SAME("%x %c %u", 255u, 'q', 7u);
    SAME("%1$s %1$s", "twice");
    SAME("%2$s then %1$s", "second", "first");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
