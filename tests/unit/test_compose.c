/*
 * test_compose — messages as the tutor's mail client writes them (header
 * fields, encoded-words, UTF-8 and ISO-2022-JP bodies, base64 for lines
 * too long for SMTP), the address lists a person types, and the delivery
 * status notification a server sends back (bounce.h).
 *
 * Expected bytes are written out by hand: ISO-2022-JP from the JIS X 0208
 * table (こ is 0x2433, so ESC $ B "$3"...), base64 as base64(1) gives it.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/bounce.h"
#include "mail/compose.h"
#include "mail/mime.h"

#define DATE "Wed, 29 May 2002 10:00:00 +0900"
#define MSGID "<20020529100000.000001@pc1.a.example>"

#define ESC "\033"
#define JIS_IN ESC "$B"             /* to JIS X 0208 */
#define JIS_OUT ESC "(B"            /* back to ASCII */

struct fx {
    char *msg;                      /* the last message made, freed at teardown */
    size_t len;
    char err[MIME_ERROR_MAX];
    char *addrs[COMPOSE_RCPTS_MAX];
    size_t n_addrs;
    void *kept[64];                 /* strings the tests made, freed at teardown */
    size_t n_kept;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static void free_addrs(struct fx *f)
{
    for (size_t i = 0; i < f->n_addrs; i++)
        free(f->addrs[i]);
    f->n_addrs = 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    free(f->msg);
    free_addrs(f);
    for (size_t i = 0; i < f->n_kept; i++)
        free(f->kept[i]);
    free(f);
    return 0;
}

/* Takes `p` (a new string) to be freed at teardown, so that a failed
 * assertion, which jumps out of the test, leaks nothing. */
static char *keep(struct fx *f, char *p)
{
    assert_non_null(p);
    assert_true(f->n_kept < sizeof f->kept / sizeof f->kept[0]);
    f->kept[f->n_kept++] = p;
    return p;
}

/* A draft from Alice to Bob; tests change what they are about. */
static struct draft draft(const char *charset, const char *subject, const char *body)
{
    return (struct draft){
        .from = "Alice <alice@a.example>",
        .to = "bob@b.example",
        .cc = NULL,
        .subject = subject,
        .body = body,
        .charset = charset,
        .date = DATE,
        .message_id = MSGID,
    };
}

/* Composes into f->msg; must succeed. */
static const char *compose(struct fx *f, const struct draft *d)
{
    free(f->msg);
    f->len = 0;
    f->err[0] = '\0';
    f->msg = compose_message(d, &f->len, f->err);
    if (!f->msg)
        fail_msg("compose_message: %s", f->err);
    assert_int_equal(f->len, strlen(f->msg));
    return f->msg;
}

/* Must fail; the error is in f->err. */
static void compose_fails(struct fx *f, const struct draft *d)
{
    free(f->msg);
    f->len = 0;
    f->err[0] = '\0';
    f->msg = compose_message(d, &f->len, f->err);
    if (f->msg)
        fail_msg("compose_message made a message:\n%s", f->msg);
    assert_string_not_equal(f->err, "");
}

/* The body: what follows the first empty line. */
static const char *body_of(const char *msg)
{
    const char *p = strstr(msg, "\n\n");
    assert_non_null(p);
    return p + 2;
}

/* The value of header field `name` (exact case), unfolded; kept. */
static const char *field(struct fx *f, const char *msg, const char *name)
{
    size_t nlen = strlen(name);
    const char *end = strstr(msg, "\n\n");
    assert_non_null(end);
    for (const char *p = msg; p < end; p = strchr(p, '\n') + 1) {
        if (strncmp(p, name, nlen) == 0 && p[nlen] == ':' && p[nlen + 1] == ' ') {
            const char *v = p + nlen + 2;
            char *out = keep(f, malloc(strlen(v) + 1));
            size_t o = 0;
            for (; *v; v++) {
                if (*v == '\n' && v[1] != ' ' && v[1] != '\t')
                    break;
                if (*v != '\n')
                    out[o++] = *v;
            }
            out[o] = '\0';
            return out;
        }
    }
    fail_msg("no \"%s\" field in\n%s", name, msg);
    return NULL;
}

/* No header line longer than MIME_LINE_MAX. */
static void assert_header_lines_fit(const char *msg)
{
    const char *end = strstr(msg, "\n\n");
    assert_non_null(end);
    for (const char *p = msg; p <= end; ) {
        const char *nl = strchr(p, '\n');
        if ((size_t)(nl - p) > MIME_LINE_MAX)
            fail_msg("header line of %zu characters: %.*s", (size_t)(nl - p), (int)(nl - p), p);
        p = nl + 1;
    }
}

/* A header value decodes back to `want`. */
static void assert_decodes(struct fx *f, const char *value, const char *want)
{
    assert_string_equal(keep(f, mime_decode_header(value)), want);
}

/* base64 decoding, for the test's own check (white space skipped). */
static char *unbase64(struct fx *f, const char *s, size_t *out_len)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = keep(f, malloc(strlen(s) + 1));
    unsigned v = 0;
    int bits = 0;
    size_t o = 0;
    for (; *s && *s != '='; s++) {
        if (*s == '\n' || *s == '\r' || *s == ' ')
            continue;
        const char *c = strchr(abc, *s);
        if (!c)
            fail_msg("not base64: '%c'", *s);
        v = v << 6 | (unsigned)(c - abc);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(v >> bits & 0xff);
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* ------------------------------------------------------------------------
 * compose_message.
 */
static void test_ascii_message(void **state)
{
    struct fx *f = *state;
    struct draft d = draft("UTF-8", "Lunch tomorrow?", "Hi Bob,\n\nNoon at the usual place?\n\nAlice\n");
    compose(f, &d);
    assert_string_equal(f->msg,
        "Date: " DATE "\n"
        "From: Alice <alice@a.example>\n"
        "To: bob@b.example\n"
        "Subject: Lunch tomorrow?\n"
        "Message-ID: " MSGID "\n"
        "User-Agent: tutor/" TUTOR_VERSION "\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=US-ASCII\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        "Hi Bob,\n\nNoon at the usual place?\n\nAlice\n");
}

static void test_ascii_message_with_cc(void **state)
{
    struct fx *f = *state;
    struct draft d = draft("UTF-8", "Hello", "Hi\n");
    d.to = "Bob <bob@b.example>, carol@b.example";
    d.cc = "dave@c.example";
    compose(f, &d);
    assert_string_equal(f->msg,
        "Date: " DATE "\n"
        "From: Alice <alice@a.example>\n"
        "To: Bob <bob@b.example>, carol@b.example\n"
        "Cc: dave@c.example\n"
        "Subject: Hello\n"
        "Message-ID: " MSGID "\n"
        "User-Agent: tutor/" TUTOR_VERSION "\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=US-ASCII\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        "Hi\n");
    /* an empty Cc is no Cc */
    d.cc = "";
    compose(f, &d);
    assert_null(strstr(f->msg, "Cc:"));
}

static void test_utf8_japanese(void **state)
{
    struct fx *f = *state;
    const char *subject = "日本語のテスト";
    const char *body = "山田さん\n\nこんにちは。元気ですか？\n";
    struct draft d = draft("UTF-8", subject, body);
    compose(f, &d);
    assert_header_lines_fit(f->msg);
    const char *s = field(f, f->msg, "Subject");
    if (strncmp(s, "=?UTF-8?B?", 10) != 0)
        fail_msg("Subject: %s", s);
    assert_decodes(f, s, subject);
    const char *ct = field(f, f->msg, "Content-Type");
    assert_string_equal(ct, "text/plain; charset=UTF-8");
    const char *cte = field(f, f->msg, "Content-Transfer-Encoding");
    assert_string_equal(cte, "8bit");
    assert_string_equal(body_of(f->msg), body);
    /* the rest of the header as for ASCII */
    assert_non_null(strstr(f->msg, "User-Agent: tutor/" TUTOR_VERSION "\nMIME-Version: 1.0\n"));
}

/* A subject long enough to need several encoded-words, folded. */
static void test_utf8_long_subject_folds(void **state)
{
    struct fx *f = *state;
    const char *subject = "Re: 明日の会議の資料について、もう一度ご確認いただけますでしょうか（至急）";
    struct draft d = draft("UTF-8", subject, "x\n");
    compose(f, &d);
    assert_header_lines_fit(f->msg);
    const char *s = field(f, f->msg, "Subject");
    assert_true(strncmp(s, "Re: =?UTF-8?B?", 14) == 0);
    assert_decodes(f, s, subject);
}

static void test_iso2022jp(void **state)
{
    struct fx *f = *state;
    const char *subject = "日本語のテスト";
    const char *body = "こんにちは。\n元気ですか？\n";
    struct draft d = draft("ISO-2022-JP", subject, body);
    compose(f, &d);
    for (size_t i = 0; i < f->len; i++)
        if ((unsigned char)f->msg[i] >= 0x80)
            fail_msg("byte 0x%02X at %zu in an ISO-2022-JP message", (unsigned char)f->msg[i], i);
    assert_header_lines_fit(f->msg);
    const char *ct = field(f, f->msg, "Content-Type");
    assert_string_equal(ct, "text/plain; charset=ISO-2022-JP");
    const char *cte = field(f, f->msg, "Content-Transfer-Encoding");
    assert_string_equal(cte, "7bit");
    const char *s = field(f, f->msg, "Subject");
    if (strncmp(s, "=?ISO-2022-JP?B?", 16) != 0)
        fail_msg("Subject: %s", s);
    assert_decodes(f, s, subject);
    /* JIS X 0208: こ 2433, ん 2473, に 244B, ち 2441, は 244F, 。 2123;
     * 元 3835 ("85"), 気 3524 ("5$"), で 2447, す 2439, か 242B, ？ 2129; each line back
     * in ASCII before its end */
    assert_string_equal(body_of(f->msg),
                        JIS_IN "$3$s$K$A$O!#" JIS_OUT "\n"
                        JIS_IN "855$$G$9$+!)" JIS_OUT "\n");
    /* and a reader gets the text back */
    assert_string_equal(keep(f, mime_render_body(f->msg, f->len)), body);
}

static void test_iso2022jp_ascii_stays_ascii(void **state)
{
    struct fx *f = *state;
    struct draft d = draft("iso-2022-jp", "Hello", "Hi Bob\n");
    compose(f, &d);
    const char *s = field(f, f->msg, "Subject");
    assert_string_equal(s, "Hello");
    assert_string_equal(body_of(f->msg), "Hi Bob\n");
    assert_null(strchr(f->msg, '\033'));
}

static void test_unknown_charset(void **state)
{
    struct fx *f = *state;
    struct draft d = draft("Shift_JIS", "Hello", "Hi\n");
    compose_fails(f, &d);
    if (!strstr(f->err, "Shift_JIS"))
        fail_msg("the error does not name the charset: %s", f->err);
}

/* An emoji has no place in JIS X 0208: the error names it, in the body
 * and in the subject alike. */
static void test_iso2022jp_cannot_hold(void **state)
{
    struct fx *f = *state;
    struct draft d = draft("ISO-2022-JP", "Hello", "こんにちは\nまた明日\xf0\x9f\x98\x80\n");
    compose_fails(f, &d);
    if (!strstr(f->err, "U+1F600") || !strstr(f->err, "\xf0\x9f\x98\x80"))
        fail_msg("the error does not name the emoji: %s", f->err);
    if (!strstr(f->err, "line 2"))
        fail_msg("the error does not name the line: %s", f->err);

    d = draft("ISO-2022-JP", "楽しい\xf0\x9f\x98\x80", "x\n");
    compose_fails(f, &d);
    if (!strstr(f->err, "U+1F600") || !strstr(f->err, "\xf0\x9f\x98\x80"))
        fail_msg("the error does not name the emoji: %s", f->err);

    d = draft("ISO-2022-JP", "Hello", "x\n");
    d.to = "\xf0\x9f\x98\x80 <bob@b.example>";
    compose_fails(f, &d);
    if (!strstr(f->err, "U+1F600"))
        fail_msg("the error does not name the emoji: %s", f->err);
}

static void test_empty_to(void **state)
{
    struct fx *f = *state;
    struct draft d = draft("UTF-8", "Hello", "Hi\n");
    d.to = "";
    compose_fails(f, &d);
}

/* RFC 5322 2.1.1: a line is at most 998 octets; a longer one goes in
 * base64, 998 still goes as it is. */
static void test_long_line_base64(void **state)
{
    struct fx *f = *state;
    char body[1200];
    memset(body, 'x', 998);
    strcpy(body + 998, "\n");
    struct draft d = draft("UTF-8", "Long", body);
    compose(f, &d);
    const char *cte = field(f, f->msg, "Content-Transfer-Encoding");
    assert_string_equal(cte, "7bit");
    assert_string_equal(body_of(f->msg), body);

    memset(body, 'x', 999);
    strcpy(body + 999, "\nend\n");
    compose(f, &d);
    cte = field(f, f->msg, "Content-Transfer-Encoding");
    assert_string_equal(cte, "base64");
    const char *b = body_of(f->msg);
    for (const char *p = b; *p; ) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        if (nl - p > 76)
            fail_msg("base64 line of %zu characters", (size_t)(nl - p));
        p = nl + 1;
    }
    size_t n;
    const char *plain = unbase64(f, b, &n);
    assert_int_equal(n, strlen(body));
    assert_memory_equal(plain, body, n);

    /* Japanese, 3 octets a character: 333 characters make 999 octets */
    body[0] = '\0';
    for (int i = 0; i < 333; i++)
        strcat(body, "あ");
    strcat(body, "\n");
    d = draft("UTF-8", "Long", body);
    compose(f, &d);
    cte = field(f, f->msg, "Content-Transfer-Encoding");
    assert_string_equal(cte, "base64");
    const char *ct = field(f, f->msg, "Content-Type");
    assert_string_equal(ct, "text/plain; charset=UTF-8");
    plain = unbase64(f, body_of(f->msg), &n);
    assert_int_equal(n, strlen(body));
    assert_memory_equal(plain, body, n);
}

static void test_final_newline_added(void **state)
{
    struct fx *f = *state;
    struct draft d = draft("UTF-8", "Hello", "Hi Bob");
    compose(f, &d);
    assert_string_equal(body_of(f->msg), "Hi Bob\n");
    d = draft("UTF-8", "Hello", "こんにちは");
    compose(f, &d);
    assert_string_equal(body_of(f->msg), "こんにちは\n");
    d = draft("ISO-2022-JP", "Hello", "こんにちは");
    compose(f, &d);
    assert_string_equal(body_of(f->msg), JIS_IN "$3$s$K$A$O" JIS_OUT "\n");
}

/* A display name in Japanese is encoded; the address stays readable, so
 * a server (and a person) can still find it. */
static void test_japanese_display_name(void **state)
{
    struct fx *f = *state;
    struct draft d = draft("UTF-8", "Hello", "Hi\n");
    d.to = "山田 <yamada@b.example>";
    compose(f, &d);
    const char *to = field(f, f->msg, "To");
    assert_string_equal(to, "=?UTF-8?B?5bGx55Sw?= <yamada@b.example>");      /* base64("山田") */
    assert_decodes(f, to, "山田 <yamada@b.example>");

    d = draft("ISO-2022-JP", "Hello", "Hi\n");
    d.to = "山田 <yamada@b.example>, carol@b.example";
    compose(f, &d);
    assert_header_lines_fit(f->msg);
    to = field(f, f->msg, "To");
    /* ESC $ B ";3ED" ESC ( B */
    assert_string_equal(to, "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@b.example>, carol@b.example");
    assert_decodes(f, to, "山田 <yamada@b.example>, carol@b.example");
    /* what the envelope is made from: the same addresses */
    assert_int_equal(compose_addresses(d.to, f->addrs, &f->n_addrs, f->err), 0);
    assert_int_equal(f->n_addrs, 2);
    assert_string_equal(f->addrs[0], "yamada@b.example");
    assert_string_equal(f->addrs[1], "carol@b.example");
}

/* Three or more mailboxes, some with Japanese names: each separated by
 * one comma, whatever its place in the list. */
static void test_japanese_list_of_three(void **state)
{
    struct fx *f = *state;
    const char *list = "山田 <yamada@b.example>, 佐藤 <sato@b.example>, 鈴木 <suzuki@b.example>, "
                       "carol@b.example";
    struct draft d = draft("UTF-8", "Hello", "Hi\n");
    d.to = list;
    compose(f, &d);
    assert_header_lines_fit(f->msg);
    const char *to = field(f, f->msg, "To");
    if (strstr(to, ",,"))
        fail_msg("To: %s", to);
    assert_string_equal(to, "=?UTF-8?B?5bGx55Sw?= <yamada@b.example>, "
                            "=?UTF-8?B?5L2Q6Jek?= <sato@b.example>, "
                            "=?UTF-8?B?6Yi05pyo?= <suzuki@b.example>, carol@b.example");
    assert_decodes(f, to, list);
}

static void test_japanese_from(void **state)
{
    struct fx *f = *state;
    struct draft d = draft("UTF-8", "Hello", "Hi\n");
    d.from = "山田 <yamada@b.example>";
    compose(f, &d);
    const char *from = field(f, f->msg, "From");
    assert_string_equal(from, "=?UTF-8?B?5bGx55Sw?= <yamada@b.example>");
}

/* ------------------------------------------------------------------------
 * compose_addresses and compose_addr_spec.
 */
static void expect_addresses(struct fx *f, const char *list, size_t n, const char *const *want)
{
    free_addrs(f);
    f->err[0] = '\0';
    if (compose_addresses(list, f->addrs, &f->n_addrs, f->err) < 0)
        fail_msg("compose_addresses(\"%s\"): %s", list, f->err);
    assert_int_equal(f->n_addrs, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(f->addrs[i], want[i]);
}

static void test_addresses(void **state)
{
    struct fx *f = *state;
    expect_addresses(f, "bob@b.example", 1, (const char *const[]){"bob@b.example"});
    expect_addresses(f, "Bob <bob@b.example>, carol@b.example", 2,
                     (const char *const[]){"bob@b.example", "carol@b.example"});
    expect_addresses(f, "\"Smith, J\" <j@b.example>", 1, (const char *const[]){"j@b.example"});
    expect_addresses(f, "\"Smith, J\" <j@b.example>, \"Doe, K\" <k@b.example>", 2,
                     (const char *const[]){"j@b.example", "k@b.example"});
    expect_addresses(f, "  bob@b.example  ", 1, (const char *const[]){"bob@b.example"});
    expect_addresses(f, "postmaster@localhost", 1, (const char *const[]){"postmaster@localhost"});
    expect_addresses(f, "山田 <yamada@b.example>", 1, (const char *const[]){"yamada@b.example"});
}

static void test_addresses_empty_entries(void **state)
{
    struct fx *f = *state;
    expect_addresses(f, "", 0, NULL);
    expect_addresses(f, " , ,", 0, NULL);
    expect_addresses(f, "bob@b.example,, ,carol@b.example,", 2,
                     (const char *const[]){"bob@b.example", "carol@b.example"});
}

/* Appended: a second call adds after the first's. */
static void test_addresses_append(void **state)
{
    struct fx *f = *state;
    assert_int_equal(compose_addresses("bob@b.example", f->addrs, &f->n_addrs, f->err), 0);
    assert_int_equal(compose_addresses("carol@b.example", f->addrs, &f->n_addrs, f->err), 0);
    assert_int_equal(f->n_addrs, 2);
    assert_string_equal(f->addrs[0], "bob@b.example");
    assert_string_equal(f->addrs[1], "carol@b.example");
}

static void expect_bad(struct fx *f, const char *list, const char *want)
{
    free_addrs(f);
    f->err[0] = '\0';
    if (compose_addresses(list, f->addrs, &f->n_addrs, f->err) == 0)
        fail_msg("compose_addresses(\"%s\") accepted it", list);
    assert_string_equal(f->err, want);
}

static void test_addresses_rejected(void **state)
{
    struct fx *f = *state;
    expect_bad(f, "not an address", "\"not an address\" is not a mail address");
    expect_bad(f, "bob", "\"bob\" is not a mail address");
    expect_bad(f, "bob@", "\"bob@\" is not a mail address");
    expect_bad(f, "@b.example", "\"@b.example\" is not a mail address");
    expect_bad(f, "bob@b@b.example", "\"bob@b@b.example\" is not a mail address");
    expect_bad(f, "Bob <>", "\"Bob <>\" is not a mail address");
    /* the entry as typed, without the blank after the comma */
    expect_bad(f, "bob@b.example, not an address", "\"not an address\" is not a mail address");
}

static void test_addresses_limit(void **state)
{
    struct fx *f = *state;
    char list[COMPOSE_RCPTS_MAX * 24 + 64] = "";
    for (int i = 0; i < COMPOSE_RCPTS_MAX; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%su%d@b.example", i ? ", " : "", i);
    }
    /* exactly COMPOSE_RCPTS_MAX: fine */
    assert_int_equal(compose_addresses(list, f->addrs, &f->n_addrs, f->err), 0);
    assert_int_equal(f->n_addrs, COMPOSE_RCPTS_MAX);
    assert_string_equal(f->addrs[COMPOSE_RCPTS_MAX - 1], "u99@b.example");
    /* one more, in this call or a later one: refused, nothing written past
     * the end */
    f->err[0] = '\0';
    assert_int_equal(compose_addresses("one@more.example", f->addrs, &f->n_addrs, f->err), -1);
    assert_int_equal(f->n_addrs, COMPOSE_RCPTS_MAX);
    assert_string_equal(f->err, "more than 100 recipients");
    free_addrs(f);
    strcat(list, ", one@more.example");
    f->err[0] = '\0';
    assert_int_equal(compose_addresses(list, f->addrs, &f->n_addrs, f->err), -1);
    assert_int_equal(f->n_addrs, COMPOSE_RCPTS_MAX);
    assert_string_equal(f->err, "more than 100 recipients");
}

/* COMPOSE_ADDRESS_MAX octets is the longest address; one more is none. */
static void test_address_length_limit(void **state)
{
    struct fx *f = *state;
    char addr[COMPOSE_ADDRESS_MAX + 2], list[COMPOSE_ADDRESS_MAX + 16];
    memset(addr, 'd', sizeof addr);
    memcpy(addr, "bob@", 4);
    addr[COMPOSE_ADDRESS_MAX] = '\0';
    snprintf(list, sizeof list, "Bob <%s>", addr);
    const char *const one[] = {addr};
    expect_addresses(f, list, 1, one);
    char spec[COMPOSE_ADDRESS_MAX + 1];
    compose_addr_spec(list, spec);
    assert_string_equal(spec, addr);

    addr[COMPOSE_ADDRESS_MAX] = 'd';
    addr[COMPOSE_ADDRESS_MAX + 1] = '\0';
    snprintf(list, sizeof list, "Bob <%s>", addr);
    compose_addr_spec(list, spec);
    assert_string_equal(spec, "");
    free_addrs(f);
    assert_int_equal(compose_addresses(addr, f->addrs, &f->n_addrs, f->err), -1);
    assert_int_equal(f->n_addrs, 0);
}

static void test_addr_spec(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Eve <eve@c.example>", "eve@c.example"},
        {"eve@c.example", "eve@c.example"},
        {"  eve@c.example\t", "eve@c.example"},
        {"<eve@c.example>", "eve@c.example"},
        {"\"Eve <the spy>\" <eve@c.example>", "eve@c.example"},
        {"Eve <eve@c.example> ", "eve@c.example"},
        {"山田 <yamada@b.example>", "yamada@b.example"},
        {"<>", ""},
        {"", ""},
        {"   ", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[COMPOSE_ADDRESS_MAX + 1];
        memset(out, 'X', sizeof out);
        compose_addr_spec(cases[i].in, out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("compose_addr_spec(\"%s\") = \"%s\", want \"%s\"", cases[i].in, out,
                     cases[i].want);
    }
}

/* ------------------------------------------------------------------------
 * bounce_message.
 */
#define ORIGINAL_CRLF \
    "Date: " DATE "\r\n" \
    "From: Alice <alice@a.example>\r\n" \
    "To: bob@b.example, carol@b.example, dave@c.example\r\n" \
    "Subject: Lunch\r\n" \
    "Message-ID: " MSGID "\r\n" \
    "\r\n" \
    "The secret body.\r\n"

#define BOUNDARY "5C3D2E1F00.4F2A1B0C9D/mail.a.example"

static const struct bounce_info BOUNCE_INFO = {
    .reporting_host = "mail.a.example",
    .queue_id = "4F2A1B0C9D",
    .bounce_id = "5C3D2E1F00",
    .sender = "alice@a.example",
    .date = "Wed, 29 May 2002 10:05:00 +0900",
};

static void test_bounce(void **state)
{
    struct fx *f = *state;
    const struct bounce_rcpt r[] = {
        {"bob@b.example", "mail.b.example[198.51.100.25]",
         "550 5.1.1 <bob@b.example>: Recipient address rejected: User unknown"},
        {"carol@b.example", "mail.b.example[198.51.100.25]", "550 Mailbox unavailable"},
        {"dave@c.example", NULL, "Host or domain name not found"},
    };
    const char *orig = ORIGINAL_CRLF;
    const char *m = keep(f, bounce_message(&BOUNCE_INFO, r, 3, orig, strlen(orig)));
    assert_string_equal(m,
        "From: Mail Delivery System <MAILER-DAEMON@mail.a.example>\n"
        "To: alice@a.example\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Date: Wed, 29 May 2002 10:05:00 +0900\n"
        "Message-Id: <5C3D2E1F00@mail.a.example>\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        "\tboundary=\"" BOUNDARY "\"\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        "This is a MIME-encapsulated message.\n"
        "\n"
        "--" BOUNDARY "\n"
        "Content-Description: Notification\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "This is the mail system at host mail.a.example.\n"
        "\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n"
        "\n"
        "For further assistance, please send mail to postmaster.\n"
        "\n"
        "If you do so, please include this problem report. You can\n"
        "delete your own text from the attached returned message.\n"
        "\n"
        "                   The mail system\n"
        "\n"
        "<bob@b.example>: host mail.b.example[198.51.100.25] said: "
        "550 5.1.1 <bob@b.example>: Recipient address rejected: User unknown\n"
        "\n"
        "<carol@b.example>: host mail.b.example[198.51.100.25] said: 550 Mailbox unavailable\n"
        "\n"
        "<dave@c.example>: Host or domain name not found\n"
        "\n"
        "--" BOUNDARY "\n"
        "Content-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mail.a.example\n"
        "X-Postfix-Queue-ID: 4F2A1B0C9D\n"
        "X-Postfix-Sender: rfc822; alice@a.example\n"
        "\n"
        "Final-Recipient: rfc822; bob@b.example\n"
        "Original-Recipient: rfc822;bob@b.example\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Remote-MTA: dns; mail.b.example\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <bob@b.example>: Recipient address rejected: User unknown\n"
        "\n"
        "Final-Recipient: rfc822; carol@b.example\n"
        "Original-Recipient: rfc822;carol@b.example\n"
        "Action: failed\n"
        "Status: 5.0.0\n"
        "Remote-MTA: dns; mail.b.example\n"
        "Diagnostic-Code: smtp; 550 Mailbox unavailable\n"
        "\n"
        "Final-Recipient: rfc822; dave@c.example\n"
        "Original-Recipient: rfc822;dave@c.example\n"
        "Action: failed\n"
        "Status: 5.4.4\n"
        "Diagnostic-Code: X-Postfix; Host or domain name not found\n"
        "\n"
        "--" BOUNDARY "\n"
        "Content-Description: Undelivered Message Headers\n"
        "Content-Type: text/rfc822-headers\n"
        "\n"
        "Date: " DATE "\n"
        "From: Alice <alice@a.example>\n"
        "To: bob@b.example, carol@b.example, dave@c.example\n"
        "Subject: Lunch\n"
        "Message-ID: " MSGID "\n"
        "\n"
        "--" BOUNDARY "--\n");
    assert_null(strchr(m, '\r'));
    assert_null(strstr(m, "secret"));
}

/* The status is the reply's enhanced code when it has one. */
static void test_bounce_status(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *reply, *status;
    } cases[] = {
        {"550 5.1.1 <bob@b.example>: Recipient address rejected", "5.1.1"},
        {"552 5.2.2 Mailbox full", "5.2.2"},
        {"554 5.7.1 Relay access denied", "5.7.1"},
        {"550 5.1.1", "5.1.1"},
        {"550 User unknown", "5.0.0"},
        {"550 5.1 not quite", "5.0.0"},
        {"554 Transaction failed", "5.0.0"},
        {"Host or domain name not found. Name service error", "5.4.4"},
        {"mail for b.example loops back to myself", "5.4.6"},
    };
    const char *orig = "Subject: x\n\nbody\n";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bounce_rcpt r = {"bob@b.example", "mail.b.example[198.51.100.25]", cases[i].reply};
        const char *m = keep(f, bounce_message(&BOUNCE_INFO, &r, 1, orig, strlen(orig)));
        char want[128];
        snprintf(want, sizeof want, "\nAction: failed\nStatus: %s\nRemote-MTA: ", cases[i].status);
        if (!strstr(m, want))
            fail_msg("reply \"%s\": no \"Status: %s\" in\n%s", cases[i].reply, cases[i].status, m);
    }
}

/* An original with LF line ends and no body at all: the whole of it is
 * its header. */
static void test_bounce_header_only_original(void **state)
{
    struct fx *f = *state;
    const struct bounce_rcpt r = {"bob@b.example", NULL, "mail for b.example loops back to myself"};
    const char *orig = "From: alice@a.example\nTo: bob@b.example\nSubject: hi";
    const char *m = keep(f, bounce_message(&BOUNCE_INFO, &r, 1, orig, strlen(orig)));
    const char *tail =
        "Content-Type: text/rfc822-headers\n"
        "\n"
        "From: alice@a.example\n"
        "To: bob@b.example\n"
        "Subject: hi\n"
        "\n"
        "--" BOUNDARY "--\n";
    size_t ml = strlen(m), tl = strlen(tail);
    assert_true(ml > tl);
    assert_string_equal(m + ml - tl, tail);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* Files sent along: multipart/mixed with the text first, each file in
 * base64 under its name (RFC 2231 for a Japanese one), a boundary no line
 * holds; read back, the reader's view notes each file, warns of a program,
 * and shows a text file's text. */
static void test_attachments(void **state)
{
    struct fx *f = *state;
    static const unsigned char bin[] = {'M', 'Z', 0, 1, 2, 0xff, '\n', 0x80};
    struct draft_attachment files[] = {
        {"card.pif", "application/octet-stream", bin, sizeof bin},
        {"写真.txt", "text/plain", (const unsigned char *)"hello\n", 6},
    };
    struct draft d = draft("UTF-8", "the card", "Open it!\n");
    d.attach = files;
    d.n_attach = 2;
    compose(f, &d);
    const char *b = strstr(f->msg, "boundary=\"");
    assert_non_null(b);
    char boundary[80];
    assert_int_equal(sscanf(b, "boundary=\"%79[^\"]\"", boundary), 1);
    char open[96], close[96];
    snprintf(open, sizeof open, "\n--%s\n", boundary);
    snprintf(close, sizeof close, "\n--%s--\n", boundary);
    assert_non_null(strstr(f->msg, "Content-Type: multipart/mixed;"));
    assert_non_null(strstr(f->msg, close));
    /* three parts: the text, the program, the Japanese file */
    int parts = 0;
    for (const char *p = f->msg; (p = strstr(p, open)); p++)
        parts++;
    assert_int_equal(parts, 3);
    assert_non_null(strstr(f->msg, "Content-Disposition: attachment; filename=\"card.pif\"\n"));
    assert_non_null(strstr(f->msg, "TVoAAQL/CoA=\n"));           /* the bytes in base64 */
    assert_non_null(strstr(f->msg, "filename*=UTF-8''%E5%86%99%E7%9C%9F.txt\n"));

    char *shown = mime_render_body(f->msg, strlen(f->msg));
    assert_non_null(shown);
    assert_non_null(strstr(shown, "Open it!\n"));
    assert_non_null(strstr(shown, "[attachment: application/octet-stream, card.pif, 8 bytes]\n"));
    assert_non_null(strstr(shown, "(a program: opened, it runs."));
    assert_non_null(strstr(shown, "[attachment: text/plain, 写真.txt, 6 bytes]\nhello\n"));
    free(shown);

    assert_string_equal(compose_type_of("PHOTO.JPG"), "image/jpeg");
    assert_string_equal(compose_type_of("notes"), "application/octet-stream");
    assert_true(compose_is_program("readme.EXE"));
    assert_false(compose_is_program("readme.txt"));
    assert_false(compose_is_program(".exe"));
}

/* A text that holds the boundary a message would take gets another. */
static void test_attachment_boundary_avoided(void **state)
{
    struct fx *f = *state;
    struct draft_attachment file = {"a.bin", "application/octet-stream",
                                    (const unsigned char *)"x", 1};
    struct draft d = draft("UTF-8", "s", "");
    d.attach = &file;
    d.n_attach = 1;
    compose(f, &d);
    char boundary[80];
    assert_int_equal(sscanf(strstr(f->msg, "boundary=\""), "boundary=\"%79[^\"]\"", boundary), 1);
    char body[200];
    snprintf(body, sizeof body, "a line\n--%s\nstill text\n", boundary);
    d.body = body;
    compose(f, &d);
    char again[80];
    assert_int_equal(sscanf(strstr(f->msg, "boundary=\""), "boundary=\"%79[^\"]\"", again), 1);
    assert_string_not_equal(boundary, again);
    assert_null(strstr(body, again));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_ascii_message),
        T(test_ascii_message_with_cc),
        T(test_utf8_japanese),
        T(test_utf8_long_subject_folds),
        T(test_iso2022jp),
        T(test_iso2022jp_ascii_stays_ascii),
        T(test_unknown_charset),
        T(test_iso2022jp_cannot_hold),
        T(test_empty_to),
        T(test_long_line_base64),
        T(test_final_newline_added),
        T(test_japanese_display_name),
        T(test_japanese_list_of_three),
        T(test_japanese_from),
        T(test_addresses),
        T(test_addresses_empty_entries),
        T(test_addresses_append),
        T(test_addresses_rejected),
        T(test_addresses_limit),
        T(test_address_length_limit),
        T(test_addr_spec),
        T(test_bounce),
        T(test_bounce_status),
        T(test_bounce_header_only_original),
        T(test_attachments),
        T(test_attachment_boundary_avoided),
    };
    return cmocka_run_group_tests_name("compose", tests, NULL, NULL);
}
