/*
 * test_smtp — scripts/smtp.lua driven through the C host, as the REPL's
 * telnet drives it: the default world is loaded, mail.a.example's smtp
 * service is started by the runtime, and a session from pc1 (192.0.2.10)
 * sends lines and takes the replies. Every test has a fresh state folder,
 * so Maildirs and the relay queue start empty.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mail/maildir.h"
#include "mail/message.h"
#include "mail/queue.h"
#include "clients/relay.h"
#include "host/runtime.h"
#include "host/server.h"
#include "host/session.h"
#include "host/world.h"

#define WORLD_FILE "tutor/world/default.json"

/* base64("\0alice\0alice-pw"), base64("alice"), base64("alice-pw") */
#define PLAIN_ALICE "AGFsaWNlAGFsaWNlLXB3"
#define LOGIN_ALICE "YWxpY2U="
#define LOGIN_ALICE_PW "YWxpY2UtcHc="

#define EHLO_REPLY "250-mail.a.example\n250-PIPELINING\n250-SIZE 10240000\n" \
                   "250-8BITMIME\n250-ENHANCEDSTATUSCODES\n250-AUTH PLAIN LOGIN\n250 HELP"

struct fx {
    struct world *w;
    struct runtime rt;
    bool rt_opened;
    char root[64];
    const struct world_node *node;      /* mail-a */
    struct vserver *srv;
    struct session *s;
    char *buf;                          /* the replies to the last line, joined */
    size_t cap;
    char notices[16384];                /* what scripts logged */
    size_t notices_len;
};

static void on_notice(void *ctx, const char *kind, const char *text)
{
    struct fx *f = ctx;
    int n = snprintf(f->notices + f->notices_len, sizeof f->notices - f->notices_len,
                     "%s: %s\n", kind, text);
    if (n > 0 && f->notices_len + (size_t)n < sizeof f->notices)
        f->notices_len += (size_t)n;
}

/* Takes every waiting output line of the session into f->buf, joined by
 * "\n" (no trailing newline); "" when the server said nothing. */
static const char *drain(struct fx *f)
{
    size_t len = 0;
    char *l;
    if (!f->buf) {
        f->cap = 1024;
        f->buf = malloc(f->cap);
        assert_non_null(f->buf);
    }
    f->buf[0] = '\0';
    while ((l = session_pop(f->s))) {
        size_t n = strlen(l);
        if (len + n + 2 > f->cap) {
            size_t cap = (len + n + 2) * 2;
            char *b = realloc(f->buf, cap);
            if (!b)
                free(l);
            assert_non_null(b);
            f->buf = b;
            f->cap = cap;
        }
        if (len)
            f->buf[len++] = '\n';
        memcpy(f->buf + len, l, n + 1);
        len += n;
        free(l);
    }
    return f->buf;
}

/* Sends one line (len bytes, any octets) and returns all reply lines. */
static const char *say_n(struct fx *f, const char *line, size_t len)
{
    if (session_input(f->s, line, len) < 0)
        fail_msg("the script failed: %s", session_failed(f->s));
    return drain(f);
}

static const char *say(struct fx *f, const char *line)
{
    return say_n(f, line, strlen(line));
}

/* A new connection from pc1; returns the greeting. */
static const char *connect_pc1(struct fx *f)
{
    const struct world_node *pc1 = world_node(f->w, "pc1");
    assert_non_null(pc1);
    struct session_endpoint client = {
        .addr = world_node_addr(pc1),
        .port = 49152,
        .name = pc1->hostname,
    };
    struct session_endpoint server = {
        .addr = world_node_addr(f->node),
        .port = 25,
        .name = f->node->hostname,
    };
    if (f->s)
        session_end(f->s);
    f->s = session_open(f->srv, &client, &server);
    assert_non_null(f->s);
    if (session_failed(f->s))
        fail_msg("on_connect failed: %s", session_failed(f->s));
    return drain(f);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    char err[RT_ERROR_MAX];
    f->w = world_load(WORLD_FILE, err);
    if (!f->w) {
        fprintf(stderr, "world_load: %s\n", err);
        return -1;
    }
    snprintf(f->root, sizeof f->root, "/tmp/tutor-test-smtp-XXXXXX");
    if (!mkdtemp(f->root)) {
        perror("mkdtemp");
        f->root[0] = '\0';
        return -1;
    }
    if (rt_open(&f->rt, f->w, ".", f->root, err) < 0) {
        fprintf(stderr, "rt_open: %s\n", err);
        return -1;
    }
    f->rt_opened = true;
    f->rt.notice = on_notice;
    f->rt.notice_ctx = f;
    f->node = world_host_by_name(f->w, "mail.a.example");
    if (!f->node)
        return -1;
    f->srv = rt_server(&f->rt, f->node, world_service(f->node, "smtp"), err);
    if (!f->srv) {
        fprintf(stderr, "rt_server: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    if (f->s)
        session_end(f->s);
    if (f->rt_opened)
        rt_close(&f->rt);
    world_free(f->w);
    if (f->root[0]) {
        char ferr[FS_ERROR_MAX];
        if (fs_remove_tree(f->root, ferr) < 0)
            fprintf(stderr, "fs_remove_tree: %s\n", ferr);
    }
    free(f->buf);
    free(f);
    return 0;
}

/* Greeted and introduced with EHLO. */
static void ehlo(struct fx *f)
{
    assert_string_equal(connect_pc1(f), "220 mail.a.example ESMTP Postfix (tutor)");
    assert_string_equal(say(f, "EHLO client.example"), EHLO_REPLY);
}

static void auth_alice(struct fx *f)
{
    assert_string_equal(say(f, "AUTH PLAIN " PLAIN_ALICE), "235 2.7.0 Authentication successful");
}

/* How many messages a user's Maildir holds; the first one's text in *msg
 * (caller frees) when msg is not NULL and there is one. */
static size_t mailbox(struct fx *f, const char *address, char **msg, size_t *len)
{
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    struct maildir_entry *e;
    size_t n;
    rt_mailbox_dir(&f->rt, address, dir);
    if (maildir_list(dir, &e, &n, err) < 0)
        fail_msg("maildir_list %s: %s", dir, err);
    if (msg) {
        *msg = NULL;
        if (n) {
            *msg = fs_read_file(e[0].path, len);
            if (!*msg)
                maildir_list_free(e, n);
            assert_non_null(*msg);
        }
    }
    maildir_list_free(e, n);
    return n;
}

static size_t queue_count(struct fx *f)
{
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    struct queue_entry *e;
    size_t n;
    rt_queue_dir(&f->rt, "mail-a", dir);
    if (queue_list(dir, &e, &n, err) < 0)
        fail_msg("queue_list %s: %s", dir, err);
    queue_list_free(e, n);
    return n;
}

/* "250 2.0.0 Ok: queued as ID": ten upper-case hex digits. */
static void assert_queued(const char *reply)
{
    const char *prefix = "250 2.0.0 Ok: queued as ";
    size_t p = strlen(prefix);
    if (strncmp(reply, prefix, p) != 0 || strlen(reply) != p + 10 ||
        strspn(reply + p, "0123456789ABCDEF") != 10)
        fail_msg("expected \"%sID\", got \"%s\"", prefix, reply);
}

/* ------------------------------------------------------------------------
 * Greeting, HELO, EHLO.
 */
static void test_greeting(void **state)
{
    struct fx *f = *state;
    assert_string_equal(connect_pc1(f), "220 mail.a.example ESMTP Postfix (tutor)");
    assert_false(session_over(f->s));
}

static void test_ehlo_lists_extensions(void **state)
{
    struct fx *f = *state;
    connect_pc1(f);
    assert_string_equal(say(f, "EHLO client.example"), EHLO_REPLY);
    /* verbs are case-insensitive (RFC 5321 2.4) */
    assert_string_equal(say(f, "ehlo client.example"), EHLO_REPLY);
}

static void test_helo_lists_no_extensions(void **state)
{
    struct fx *f = *state;
    connect_pc1(f);
    assert_string_equal(say(f, "HELO client.example"), "250 mail.a.example");
    assert_string_equal(say(f, "HELO"), "501 Syntax: HELO hostname");
    assert_string_equal(say(f, "EHLO"), "501 Syntax: EHLO hostname");
}

/* ------------------------------------------------------------------------
 * Command order: 503.
 */
static void test_mail_before_helo(void **state)
{
    struct fx *f = *state;
    connect_pc1(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"),
                        "503 5.5.1 Error: send HELO/EHLO first");
    assert_string_equal(say(f, "AUTH PLAIN " PLAIN_ALICE), "503 5.5.1 Error: send HELO/EHLO first");
}

static void test_rcpt_before_mail(void **state)
{
    struct fx *f = *state;
    connect_pc1(f);
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "503 5.5.1 Error: need MAIL command");
    assert_string_equal(say(f, "HELO client.example"), "250 mail.a.example");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "503 5.5.1 Error: need MAIL command");
}

static void test_data_before_rcpt(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "DATA"), "503 5.5.1 Error: need MAIL command");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "DATA"), "503 5.5.1 Error: need RCPT command");
    /* a refused recipient does not open DATA either */
    assert_string_equal(say(f, "RCPT TO:<nobody@a.example>"),
                        "550 5.1.1 <nobody@a.example>: Recipient address rejected: "
                        "User unknown in local recipient table");
    assert_string_equal(say(f, "DATA"), "503 5.5.1 Error: need RCPT command");
}

static void test_nested_mail(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "503 5.5.1 Error: nested MAIL command");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "503 5.5.1 Error: nested MAIL command");
    assert_string_equal(say(f, "AUTH PLAIN " PLAIN_ALICE),
                        "503 5.5.1 Error: MAIL transaction in progress");
}

/* ------------------------------------------------------------------------
 * Syntax: 501, 500.
 */
static void test_bad_syntax(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "MAIL"), "501 5.5.4 Syntax: MAIL FROM:<address>");
    assert_string_equal(say(f, "MAIL FROM"), "501 5.5.4 Syntax: MAIL FROM:<address>");
    assert_string_equal(say(f, "MAIL TO:<carol@c.example>"), "501 5.5.4 Syntax: MAIL FROM:<address>");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example"), "501 5.1.7 Bad sender address syntax");
    assert_string_equal(say(f, "MAIL FROM:<carol@@c.example>"), "501 5.1.7 Bad sender address syntax");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example> SIZE=abc"),
                        "501 5.5.4 Bad message size syntax");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example> FOO=1"),
                        "555 5.5.4 Unsupported option: FOO");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT"), "501 5.5.4 Syntax: RCPT TO:<address>");
    assert_string_equal(say(f, "RCPT TO:<>"), "501 5.1.3 Bad recipient address syntax");
    assert_string_equal(say(f, "RCPT TO:<a..b@a.example>"), "501 5.1.3 Bad recipient address syntax");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA now"), "501 5.5.4 Syntax: DATA");
    assert_string_equal(say(f, "RSET now"), "501 5.5.4 Syntax: RSET");
    assert_string_equal(say(f, "AUTH"), "503 5.5.1 Error: MAIL transaction in progress");
}

static void test_unknown_command(void **state)
{
    struct fx *f = *state;
    connect_pc1(f);
    assert_string_equal(say(f, "FOO bar"), "500 5.5.2 Error: command not recognized");
    /* a typo without a blank after the colon is no header: 500, not 221 */
    assert_string_equal(say(f, "MAILFROM:<carol@c.example>"), "500 5.5.2 Error: command not recognized");
    assert_string_equal(say(f, ""), "500 5.5.2 Error: bad syntax");
    assert_string_equal(say(f, "   "), "500 5.5.2 Error: bad syntax");
    assert_false(session_over(f->s));
}

/* RFC 5321 4.5.3.1.4: 512 octets with CRLF; the host strips CRLF, so a
 * command of 510 octets is the longest allowed. */
static void test_long_command_line(void **state)
{
    struct fx *f = *state;
    char line[700];
    ehlo(f);

    memcpy(line, "NOOP ", 5);
    memset(line + 5, 'x', 505);
    line[510] = '\0';
    assert_string_equal(say(f, line), "250 2.0.0 Ok");
    line[510] = 'x';
    line[511] = '\0';
    assert_string_equal(say(f, line), "500 5.5.2 Error: line too long");

    memset(line + 5, 'x', 595);
    line[600] = '\0';
    assert_string_equal(say(f, line), "500 5.5.2 Error: line too long");
    /* the session goes on */
    assert_false(session_over(f->s));
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
}

static void test_line_cut_by_host(void **state)
{
    struct fx *f = *state;
    static char line[5001];
    ehlo(f);
    memcpy(line, "NOOP ", 5);
    memset(line + 5, 'y', 4995);
    line[5000] = '\0';
    /* one reply for the whole line, not one per 4096-octet piece */
    assert_string_equal(say(f, line), "500 5.5.2 Error: line too long");
    /* an AUTH line may be longer than 512, but not longer than the host's cut */
    memcpy(line, "AUTH PLAIN ", 11);
    memset(line + 11, 'A', 4989);
    assert_string_equal(say(f, line), "500 5.5.2 Error: line too long");
    assert_false(session_over(f->s));
    assert_string_equal(say(f, "NOOP"), "250 2.0.0 Ok");
}

static void test_control_octets_in_command(void **state)
{
    struct fx *f = *state;
    static const char *const bad = "500 5.5.2 Error: command contains invalid characters";
    ehlo(f);
    assert_string_equal(say_n(f, "NOOP\0x", 6), bad);
    assert_string_equal(say_n(f, "MAIL FROM:<carol@c.example>\0", 28), bad);
    assert_string_equal(say_n(f, "\0\0\0\0", 4), bad);
    assert_string_equal(say(f, "HELO \x1b[31mred"), bad);
    assert_string_equal(say(f, "NOOP \x7f"), bad);
    assert_string_equal(say(f, "NOOP a\rb"), bad);
    /* TAB is a separator, not a control */
    assert_string_equal(say(f, "NOOP\tx"), "250 2.0.0 Ok");
    /* binary garbage without control octets is no command */
    assert_string_equal(say(f, "\x80\xff\xfe"), "500 5.5.2 Error: command not recognized");
    assert_false(session_over(f->s));
    /* no transaction was opened by any of them */
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
}

/* ------------------------------------------------------------------------
 * DATA.
 */
static void test_data_line_too_long(void **state)
{
    struct fx *f = *state;
    char line[1201];
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: long"), "");
    assert_string_equal(say(f, ""), "");
    memset(line, 'z', 1200);
    line[1200] = '\0';
    /* nothing is answered before the final dot (RFC 5321 4.2.5) */
    assert_string_equal(say(f, line), "");
    assert_string_equal(say(f, "after"), "");
    assert_string_equal(say(f, "."), "500 5.5.2 Error: text line too long");
    assert_int_equal(mailbox(f, "alice@a.example", NULL, NULL), 0);
    assert_int_equal(queue_count(f), 0);
    /* the transaction is over; a new one may start */
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
}

/* 1000 octets with CRLF (RFC 5321 4.5.3.1.6): 998 are fine, 999 are not. */
static void test_data_line_limit_boundary(void **state)
{
    struct fx *f = *state;
    char line[1000];
    char *msg;
    size_t len;
    ehlo(f);
    memset(line, 'q', 998);
    line[998] = '\0';
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: 998"), "");
    assert_string_equal(say(f, ""), "");
    assert_string_equal(say(f, line), "");
    assert_queued(say(f, "."));
    assert_int_equal(mailbox(f, "alice@a.example", &msg, &len), 1);
    bool found = strstr(msg, line) != NULL;
    free(msg);
    assert_true(found);

    line[998] = 'q';
    line[999] = '\0';
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, line), "");
    assert_string_equal(say(f, "."), "500 5.5.2 Error: text line too long");
    assert_int_equal(mailbox(f, "alice@a.example", NULL, NULL), 1);
}

static void test_dot_stuffing(void **state)
{
    struct fx *f = *state;
    char *msg;
    size_t len;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: dots"), "");
    assert_string_equal(say(f, ""), "");
    assert_string_equal(say(f, "..x"), "");
    assert_string_equal(say(f, ".."), "");
    assert_string_equal(say(f, "...y"), "");
    assert_string_equal(say(f, "end"), "");
    assert_queued(say(f, "."));
    assert_int_equal(mailbox(f, "alice@a.example", &msg, &len), 1);
    bool ok = strstr(msg, "\n\n.x\n.\n..y\nend\n") != NULL;
    bool stuffed = strstr(msg, "..x") != NULL;
    if (!ok || stuffed)
        fprintf(stderr, "stored message:\n%s\n", msg);
    free(msg);
    assert_true(ok);
    assert_false(stuffed);
}

/* One line that ended in LF alone, as nc sends it. */
static const char *say_lf(struct fx *f, const char *line)
{
    if (session_input_line(f->s, line, strlen(line), true) < 0)
        fail_msg("the script failed: %s", session_failed(f->s));
    return drain(f);
}

/* SMTP smuggling: a client ends DATA with <LF>.<LF> and goes on with a
 * second transaction that a server which does not see the end would take
 * as text. Only <CR><LF>.<CR><LF> ends the message. */
static void test_bare_lf_dot_does_not_end_data(void **state)
{
    struct fx *f = *state;
    char *msg;
    size_t len;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: one"), "");
    assert_string_equal(say(f, ""), "");
    assert_string_equal(say_lf(f, "first"), "");
    assert_string_equal(say_lf(f, "."), "");               /* <LF>.<LF> */
    assert_string_equal(say(f, "MAIL FROM:<admin@a.example>"), "");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "");
    assert_string_equal(say_lf(f, "DATA"), "");
    assert_string_equal(say(f, "."), "");                  /* <LF>.<CR><LF> */
    assert_string_equal(say(f, "smuggled"), "");
    assert_queued(say(f, "."));                            /* <CR><LF>.<CR><LF> */
    assert_int_equal(mailbox(f, "alice@a.example", &msg, &len), 1);
    bool one = strstr(msg, "\nfirst\n\nMAIL FROM:<admin@a.example>\nRCPT TO:<alice@a.example>\n"
                           "DATA\n\nsmuggled\n") != NULL;
    if (!one)
        fprintf(stderr, "stored message:\n%s\n", msg);
    free(msg);
    assert_true(one);
    assert_non_null(strstr(f->notices, "bare <LF> received in DATA"));
}

static void test_bare_lf_in_commands_accepted(void **state)
{
    struct fx *f = *state;
    assert_string_equal(connect_pc1(f), "220 mail.a.example ESMTP Postfix (tutor)");
    assert_string_equal(say_lf(f, "HELO nc.example"), "250 mail.a.example");
    assert_string_equal(say_lf(f, "NOOP"), "250 2.0.0 Ok");
    assert_non_null(strstr(f->notices, "bare <LF> received from 192.0.2.10"));
    /* said once a session, not once a line */
    const char *first = strstr(f->notices, "bare <LF>");
    assert_null(strstr(first + 1, "bare <LF>"));
}

/* A message costs about its size, and none of it in the server's Lua
 * state while it is read: nine megabytes of one-character lines (three
 * million of them) under the advertised SIZE are accepted. */
static void test_large_message_of_short_lines(void **state)
{
    struct fx *f = *state;
    char *msg;
    size_t len;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example> SIZE=9000017"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: short lines"), "");
    size_t before = sbx_memory_used(srv_sandbox(f->srv));
    for (int i = 0; i < 3000000; i++)
        if (session_input(f->s, "x", 1) < 0)
            fail_msg("the script failed at line %d: %s", i, session_failed(f->s));
    size_t during = sbx_memory_used(srv_sandbox(f->srv));
    assert_string_equal(drain(f), "");
    assert_queued(say(f, "."));
    assert_int_equal(mailbox(f, "alice@a.example", &msg, &len), 1);
    free(msg);
    assert_true(len > 6000000);
    if (during > before + (64u << 10))
        fail_msg("the state grew by %zu bytes while the message was read", during - before);
}

/* Ten clients parked in DATA take nothing from a normal message. */
static void test_parked_clients_leave_room(void **state)
{
    struct fx *f = *state;
    const struct world_node *pc1 = world_node(f->w, "pc1");
    struct session_endpoint client = {.addr = world_node_addr(pc1), .port = 40000};
    struct session_endpoint server = {.addr = world_node_addr(f->node), .port = 25};
    struct session *parked[10];
    for (int i = 0; i < 10; i++) {
        parked[i] = session_open(f->srv, &client, &server);
        assert_non_null(parked[i]);
        static const char *const lines[] = {"EHLO parked.example", "MAIL FROM:<p@c.example>",
                                            "RCPT TO:<alice@a.example>", "DATA"};
        for (size_t k = 0; k < 4; k++)
            assert_int_equal(session_input(parked[i], lines[k], strlen(lines[k])), 0);
        for (int k = 0; k < 20000; k++)
            assert_int_equal(session_input(parked[i], "a", 1), 0);
        for (char *l; (l = session_pop(parked[i])); )
            free(l);
    }
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    for (int k = 0; k < 1000; k++)
        say(f, "a normal line of a normal message, some sixty octets long");
    assert_queued(say(f, "."));
    for (int i = 0; i < 10; i++)
        session_end(parked[i]);
}

/* Whatever a server accepts, its relay delivers: a message of more lines
 * than a dialogue's own RELAY_LINES_MAX reaches bob whole. */
static void test_relay_of_many_lines(void **state)
{
    struct fx *f = *state;
    char err[RT_ERROR_MAX], line[32];
    char *msg;
    size_t len;
    struct relay_stats st;
    ehlo(f);
    auth_alice(f);
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<bob@b.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: 12,000 lines"), "");
    assert_string_equal(say(f, ""), "");
    for (int i = 1; i <= 12000; i++) {
        snprintf(line, sizeof line, "line %d", i);
        say(f, line);
    }
    assert_queued(say(f, "."));
    if (relay_run(&f->rt, &st, err) < 0)
        fail_msg("relay_run: %s", err);
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.deferred, 0);
    assert_int_equal(mailbox(f, "bob@b.example", &msg, &len), 1);
    bool whole = strstr(msg, "\nline 1\nline 2\n") && strstr(msg, "\nline 12000\n");
    free(msg);
    assert_true(whole);
}

/* smtpd_hard_error_limit: the 20th error reply is followed by 421 and the
 * end of the session. */
static void test_hard_error_limit(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    for (int i = 1; i < 20; i++)
        assert_string_equal(say(f, "XYZZY"), "500 5.5.2 Error: command not recognized");
    assert_false(session_over(f->s));
    assert_string_equal(say(f, "XYZZY"), "500 5.5.2 Error: command not recognized\n"
                                         "421 4.7.0 mail.a.example Error: too many errors");
    assert_true(session_over(f->s));
}

/* Mail that can only be deferred: its sender is warned after
 * delay_warning, and it bounces after queue_lifetime (Postfix's
 * delay_warning_time and maximal_queue_lifetime), on the world's clock. */
static void test_queue_lifetime(void **state)
{
    struct fx *f = *state;
    char err[RT_ERROR_MAX], dir[PATH_MAX], ferr[FS_ERROR_MAX];
    struct relay_stats st;
    struct queue_entry *e;
    size_t n;
    json_t *a_set = world_service(f->node, "smtp")->settings;
    json_object_set_new(a_set, "queue_lifetime", json_integer(1000));
    json_object_set_new(a_set, "delay_warning", json_integer(100));
    /* mail.b.example answers every RCPT with 452: deferred, never sent */
    const struct world_node *b = world_host_by_name(f->w, "mail.b.example");
    json_object_set_new(world_service(b, "smtp")->settings, "max_recipients", json_integer(0));

    ehlo(f);
    auth_alice(f);
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<bob@b.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: slow"), "");
    assert_string_equal(say(f, ""), "");
    assert_string_equal(say(f, "hello"), "");
    assert_queued(say(f, "."));
    assert_int_equal(relay_run(&f->rt, &st, err), 0);
    assert_int_equal(st.deferred, 1);
    assert_int_equal(mailbox(f, "alice@a.example", NULL, NULL), 0);

    rt_tick(&f->rt, 150);
    assert_int_equal(relay_run(&f->rt, &st, err), 0);
    assert_int_equal(st.deferred, 1);
    char *msg;
    size_t len;
    assert_int_equal(mailbox(f, "alice@a.example", &msg, &len), 1);
    bool warning = strstr(msg, "Subject: Delayed Mail (still being retried)") &&
                   strstr(msg, "Action: delayed") && strstr(msg, "Will-Retry-Until: ") &&
                   strstr(msg, "452 4.5.3");
    free(msg);
    assert_true(warning);
    /* warned once, not at every retry */
    assert_int_equal(relay_run(&f->rt, &st, err), 0);
    assert_int_equal(mailbox(f, "alice@a.example", NULL, NULL), 1);

    rt_tick(&f->rt, 1000);
    assert_int_equal(relay_run(&f->rt, &st, err), 0);
    assert_int_equal(st.deferred, 0);
    assert_int_equal(st.bounced, 1);
    assert_int_equal(mailbox(f, "alice@a.example", NULL, NULL), 2);
    rt_queue_dir(&f->rt, "mail-a", dir);
    assert_int_equal(queue_list(dir, &e, &n, ferr), 0);
    queue_list_free(e, n);
    assert_int_equal(n, 0);
}

static void test_size_too_big(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example> SIZE=99999999"),
                        "552 5.3.4 Message size exceeds fixed limit");
    /* no transaction was opened */
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "503 5.5.1 Error: need MAIL command");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example> SIZE=10240000"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RSET"), "250 2.0.0 Ok");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example> SIZE=10240001"),
                        "552 5.3.4 Message size exceeds fixed limit");
    assert_string_equal(say(f, "mail from:<carol@c.example> size=100 body=8bitmime"), "250 2.1.0 Ok");
}

/* ------------------------------------------------------------------------
 * RCPT: limits, unknown users, relaying.
 */
static void test_too_many_recipients(void **state)
{
    struct fx *f = *state;
    char line[64];
    ehlo(f);
    auth_alice(f);
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    for (int i = 1; i <= 100; i++) {
        snprintf(line, sizeof line, "RCPT TO:<user%d@b.example>", i);
        const char *r = say(f, line);
        if (strcmp(r, "250 2.1.5 Ok") != 0)
            fail_msg("recipient %d: \"%s\"", i, r);
    }
    assert_string_equal(say(f, "RCPT TO:<user101@b.example>"), "452 4.5.3 Error: too many recipients");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "452 4.5.3 Error: too many recipients");
    assert_false(session_over(f->s));
    /* the 100 accepted recipients still get the message */
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: many"), "");
    assert_string_equal(say(f, ""), "");
    assert_string_equal(say(f, "hi all"), "");
    assert_queued(say(f, "."));

    char dir[PATH_MAX], err[FS_ERROR_MAX];
    struct queue_entry *e;
    size_t n;
    rt_queue_dir(&f->rt, "mail-a", dir);
    assert_int_equal(queue_list(dir, &e, &n, err), 0);
    size_t rcpts = n == 1 ? e[0].n_rcpts : 0;
    bool first = n == 1 && rcpts > 0 && strcmp(e[0].rcpts[0], "user1@b.example") == 0;
    queue_list_free(e, n);
    assert_int_equal(n, 1);
    assert_int_equal(rcpts, 100);
    assert_true(first);
}

static void test_unknown_local_user(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<nobody@a.example>"),
                        "550 5.1.1 <nobody@a.example>: Recipient address rejected: "
                        "User unknown in local recipient table");
    /* even when authenticated: a local domain is not relayed */
    assert_string_equal(say(f, "RSET"), "250 2.0.0 Ok");
    auth_alice(f);
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<nobody@A.EXAMPLE>"),
                        "550 5.1.1 <nobody@A.EXAMPLE>: Recipient address rejected: "
                        "User unknown in local recipient table");
    /* addresses compare without case */
    assert_string_equal(say(f, "RCPT TO:<Alice@A.Example>"), "250 2.1.5 Ok");
}

static void test_relay_denied_without_auth(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<bob@b.example>"),
                        "554 5.7.1 <bob@b.example>: Relay access denied");
    assert_string_equal(say(f, "DATA"), "503 5.5.1 Error: need RCPT command");
    assert_int_equal(queue_count(f), 0);
}

/* A reply that echoes the client's bytes stays a reply (found by
 * fuzz_smtp): other octets become "?", a line is cut at 512 octets. */
static void test_echoed_bytes_stay_printable(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<@relay.ex\xa7\xe3mple:bob@b.example>"),
                        "554 5.7.1 <@relay.ex??mple:bob@b.example>: Relay access denied");
    char line[512], want[16];
    snprintf(line, sizeof line, "RCPT TO:<%0480d@b.example>", 0);
    const char *got = say(f, line);
    assert_int_equal(strlen(got), 510);
    snprintf(want, sizeof want, "554 5.7.1 <000");
    assert_memory_equal(got, want, strlen(want));
}

/* ------------------------------------------------------------------------
 * AUTH.
 */
static void test_auth_plain_allows_relay(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    auth_alice(f);
    assert_string_equal(say(f, "AUTH PLAIN " PLAIN_ALICE), "503 5.5.1 Error: already authenticated");
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<bob@b.example>"), "250 2.1.5 Ok");
}

static void test_auth_plain_challenge(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "AUTH PLAIN"), "334 ");
    assert_string_equal(say(f, PLAIN_ALICE), "235 2.7.0 Authentication successful");
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<bob@b.example>"), "250 2.1.5 Ok");
}

static void test_auth_login_bare_name(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "AUTH LOGIN"), "334 VXNlcm5hbWU6");
    assert_string_equal(say(f, LOGIN_ALICE), "334 UGFzc3dvcmQ6");
    assert_string_equal(say(f, LOGIN_ALICE_PW), "235 2.7.0 Authentication successful");
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<bob@b.example>"), "250 2.1.5 Ok");
}

static void test_auth_wrong_password(void **state)
{
    struct fx *f = *state;
    static const char *const refused = "535 5.7.8 Error: authentication failed: authentication failure";
    ehlo(f);
    /* base64("\0alice\0wrong") */
    assert_string_equal(say(f, "AUTH PLAIN AGFsaWNlAHdyb25n"), refused);
    assert_string_equal(say(f, "AUTH LOGIN"), "334 VXNlcm5hbWU6");
    assert_string_equal(say(f, LOGIN_ALICE), "334 UGFzc3dvcmQ6");
    assert_string_equal(say(f, "d3JvbmctcHc="), refused);    /* "wrong-pw" */
    assert_string_equal(say(f, "AUTH CRAM-MD5"),
                        "535 5.7.8 Error: authentication failed: Invalid authentication mechanism");
    assert_string_equal(say(f, "AUTH PLAIN"), "334 ");
    assert_string_equal(say(f, "*"), "501 5.7.0 Authentication aborted");
    assert_string_equal(say(f, "AUTH PLAIN"), "334 ");
    assert_string_equal(say(f, "not base64!"), "501 5.5.2 Cannot decode response");
    /* still not authenticated: relaying is refused */
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<bob@b.example>"),
                        "554 5.7.1 <bob@b.example>: Relay access denied");
    assert_false(session_over(f->s));
}

/* ------------------------------------------------------------------------
 * VRFY, EXPN, HELP, RSET, NOOP, QUIT.
 */
static void test_vrfy_expn_disabled(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "VRFY alice"), "502 5.5.1 VRFY command is disabled");
    assert_string_equal(say(f, "VRFY"), "502 5.5.1 VRFY command is disabled");
    assert_string_equal(say(f, "EXPN staff"), "502 5.5.1 EXPN command is disabled");
}

static void test_help(void **state)
{
    struct fx *f = *state;
    connect_pc1(f);
    const char *r = say(f, "HELP");
    /* every line but the last is "214-", the last "214 2.0.0 End of HELP info" */
    const char *last = strrchr(r, '\n');
    assert_non_null(last);
    assert_string_equal(last + 1, "214 2.0.0 End of HELP info");
    int lines = 0;
    for (const char *p = r; p <= last; p = strchr(p, '\n') + 1) {
        if (strncmp(p, "214-2.0.0 ", 10) != 0)
            fail_msg("HELP line %d is not \"214-2.0.0 ...\": %s", lines + 1, p);
        lines++;
    }
    assert_true(lines >= 2);
    static const char first[] = "214-2.0.0 This is the tutor's mail server (mail.a.example)\n";
    assert_true(strncmp(r, first, sizeof first - 1) == 0);
    assert_non_null(strstr(r, "\n214-2.0.0 Topics:\n"));

    assert_string_equal(say(f, "HELP rset"),
                        "214-2.0.0 RSET\n214-2.0.0     Resets the system.\n214 2.0.0 End of HELP info");
    assert_string_equal(say(f, "HELP BOGUS"), "504 5.3.0 HELP topic \"BOGUS\" unknown");
}

static void test_rset(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "RSET"), "250 2.0.0 Ok");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "RSET"), "250 2.0.0 Ok");
    /* the transaction is gone */
    assert_string_equal(say(f, "DATA"), "503 5.5.1 Error: need MAIL command");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "503 5.5.1 Error: need MAIL command");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    /* RSET before HELO does not count as one */
    connect_pc1(f);
    assert_string_equal(say(f, "RSET"), "250 2.0.0 Ok");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"),
                        "503 5.5.1 Error: send HELO/EHLO first");
}

static void test_noop(void **state)
{
    struct fx *f = *state;
    connect_pc1(f);
    assert_string_equal(say(f, "NOOP"), "250 2.0.0 Ok");
    assert_string_equal(say(f, "noop whatever"), "250 2.0.0 Ok");
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "NOOP"), "250 2.0.0 Ok");
    /* NOOP leaves the transaction alone */
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
}

static void test_quit(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_false(session_over(f->s));
    assert_string_equal(say(f, "QUIT"), "221 2.0.0 Bye");
    assert_true(session_over(f->s));
    assert_null(session_failed(f->s));
    /* whatever follows is not answered */
    assert_string_equal(say(f, "NOOP"), "");
}

static void test_header_trap(void **state)
{
    struct fx *f = *state;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "Subject: hi"), "221 2.7.0 Error: I can break rules, too. Goodbye.");
    assert_true(session_over(f->s));
    assert_null(session_failed(f->s));
    assert_string_equal(say(f, "DATA"), "");
    assert_int_equal(mailbox(f, "alice@a.example", NULL, NULL), 0);

    /* before any HELO, too */
    assert_string_equal(connect_pc1(f), "220 mail.a.example ESMTP Postfix (tutor)");
    assert_string_equal(say(f, "From: carol@c.example"),
                        "221 2.7.0 Error: I can break rules, too. Goodbye.");
    assert_true(session_over(f->s));
}

/* ------------------------------------------------------------------------
 * Delivery and relay.
 */
static void test_local_delivery(void **state)
{
    struct fx *f = *state;
    char *msg;
    size_t len;
    assert_string_equal(connect_pc1(f), "220 mail.a.example ESMTP Postfix (tutor)");
    assert_string_equal(say(f, "HELO student-pc"), "250 mail.a.example");
    assert_string_equal(say(f, "MAIL FROM:<carol@c.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: hello"), "");
    assert_string_equal(say(f, ""), "");
    assert_string_equal(say(f, "Hi Alice."), "");
    const char *r = say(f, ".");
    assert_queued(r);
    char id[16];
    snprintf(id, sizeof id, "%s", r + strlen("250 2.0.0 Ok: queued as "));
    assert_string_equal(say(f, "QUIT"), "221 2.0.0 Bye");

    assert_int_equal(queue_count(f), 0);
    assert_int_equal(mailbox(f, "alice@a.example", &msg, &len), 1);
    bool rp_first = strncmp(msg, "Return-Path: <carol@c.example>\n", 31) == 0;
    int n_rp = msg_header_count(msg, len, "Return-Path");
    int n_received = msg_header_count(msg, len, "Received");
    char *received = msg_header(msg, len, "Received");
    char *subject = msg_header(msg, len, "Subject");
    char *date = msg_header(msg, len, "Date");
    char *message_id = msg_header(msg, len, "Message-ID");
    bool body = strstr(msg, "\n\nHi Alice.\n") != NULL;
    bool has_from = received && strstr(received, "from student-pc (pc1.a.example [192.0.2.10])");
    bool has_by = received && strstr(received, "by mail.a.example");
    bool has_with = received && strstr(received, "with SMTP id ");
    bool has_id = received && strstr(received, id);
    bool has_for = received && strstr(received, "for <alice@a.example>;");
    bool date_ok = date && strncmp(date, "Wed, 29 May 2002 10:0", 21) == 0 &&
                   strstr(date, "+0900");
    char want_mid[64];
    snprintf(want_mid, sizeof want_mid, "<%s@mail.a.example>", id);
    bool mid_ok = message_id && strcmp(message_id, want_mid) == 0;
    bool subject_ok = subject && strcmp(subject, "hello") == 0;
    if (!(rp_first && has_from && has_by && has_with && has_id && has_for && date_ok && mid_ok && body))
        fprintf(stderr, "stored message:\n%s\n", msg);
    free(received);
    free(subject);
    free(date);
    free(message_id);
    free(msg);
    assert_true(rp_first);
    assert_int_equal(n_rp, 1);
    assert_int_equal(n_received, 1);
    assert_true(has_from);
    assert_true(has_by);
    assert_true(has_with);
    assert_true(has_id);
    assert_true(has_for);
    assert_true(date_ok);
    assert_true(mid_ok);
    assert_true(subject_ok);
    assert_true(body);
    /* nothing for bob, and mail-a logged the delivery */
    assert_int_equal(mailbox(f, "bob@b.example", NULL, NULL), 0);
    assert_non_null(strstr(f->notices, "from=<carol@c.example>"));
}

static void test_duplicate_recipient_delivered_once(void **state)
{
    struct fx *f = *state;
    char *msg;
    size_t len;
    ehlo(f);
    assert_string_equal(say(f, "MAIL FROM:<>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<alice@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "RCPT TO:<ALICE@a.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "Subject: twice"), "");
    assert_queued(say(f, "."));
    assert_int_equal(mailbox(f, "alice@a.example", &msg, &len), 1);
    /* the null sender of a bounce (RFC 5321 4.5.5) */
    bool rp = strncmp(msg, "Return-Path: <>\n", 16) == 0;
    char *received = msg_header(msg, len, "Received");
    bool esmtp = received && strstr(received, "with ESMTP id ");
    free(received);
    free(msg);
    assert_true(rp);
    assert_true(esmtp);
}

static void test_relay_to_bob(void **state)
{
    struct fx *f = *state;
    char dir[PATH_MAX], err[RT_ERROR_MAX], ferr[FS_ERROR_MAX];
    struct queue_entry *e;
    size_t n;
    ehlo(f);
    auth_alice(f);
    assert_string_equal(say(f, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    assert_string_equal(say(f, "RCPT TO:<bob@b.example>"), "250 2.1.5 Ok");
    assert_string_equal(say(f, "DATA"), "354 End data with <CR><LF>.<CR><LF>");
    assert_string_equal(say(f, "From: Alice <alice@a.example>"), "");
    assert_string_equal(say(f, "To: Bob <bob@b.example>"), "");
    assert_string_equal(say(f, "Subject: relay test"), "");
    assert_string_equal(say(f, ""), "");
    assert_string_equal(say(f, "Hello Bob."), "");
    assert_string_equal(say(f, ".."), "");                 /* a lone dot */
    assert_string_equal(say(f, "..leading dot"), "");
    assert_string_equal(say(f, "bye"), "");
    const char *r = say(f, ".");
    assert_queued(r);
    char id[16];
    snprintf(id, sizeof id, "%s", r + strlen("250 2.0.0 Ok: queued as "));
    assert_string_equal(say(f, "QUIT"), "221 2.0.0 Bye");
    session_end(f->s);
    f->s = NULL;

    /* queued at mail-a, not delivered */
    assert_int_equal(mailbox(f, "bob@b.example", NULL, NULL), 0);
    rt_queue_dir(&f->rt, "mail-a", dir);
    assert_int_equal(queue_list(dir, &e, &n, ferr), 0);
    bool entry_ok = n == 1 && strcmp(e[0].id, id) == 0 &&
                    strcmp(e[0].from, "alice@a.example") == 0 && e[0].n_rcpts == 1 &&
                    strcmp(e[0].rcpts[0], "bob@b.example") == 0 &&
                    strcmp(e[0].status, "queued") == 0 && e[0].attempts == 0;
    queue_list_free(e, n);
    assert_int_equal(n, 1);
    assert_true(entry_ok);
    size_t qlen;
    char *queued = queue_message(dir, id, &qlen, ferr);
    assert_non_null(queued);
    int q_received = msg_header_count(queued, qlen, "Received");
    int q_rp = msg_header_count(queued, qlen, "Return-Path");
    char *q_recv = msg_header(queued, qlen, "Received");
    bool esmtpa = q_recv && strstr(q_recv, "with ESMTPA id ");
    bool q_dots = strstr(queued, "\nHello Bob.\n.\n.leading dot\nbye\n") != NULL;
    free(q_recv);
    free(queued);
    assert_int_equal(q_received, 1);
    assert_int_equal(q_rp, 0);
    assert_true(esmtpa);
    assert_true(q_dots);

    struct relay_stats st;
    int rc = relay_run(&f->rt, &st, err);
    if (rc < 0)
        fail_msg("relay_run: %s", err);
    if (st.sent != 1) {
        char *dialogue = relay_last_dialogue(&f->rt);
        fprintf(stderr, "relay dialogue:\n%s\nnotices:\n%s\n", dialogue ? dialogue : "(none)",
                f->notices);
        free(dialogue);
    }
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.deferred, 0);
    assert_int_equal(st.bounced, 0);
    assert_int_equal(queue_count(f), 0);

    char *msg;
    size_t len;
    assert_int_equal(mailbox(f, "bob@b.example", &msg, &len), 1);
    int n_received = msg_header_count(msg, len, "Received");
    int n_rp = msg_header_count(msg, len, "Return-Path");
    char *rp = msg_header(msg, len, "Return-Path");
    char *top = msg_header(msg, len, "Received");
    char *subject = msg_header(msg, len, "Subject");
    bool rp_ok = rp && strcmp(rp, "<alice@a.example>") == 0;
    bool top_from = top && strstr(top, "from mail.a.example (mail.a.example [192.0.2.25])");
    bool top_by = top && strstr(top, "by mail.b.example");
    bool subject_ok = subject && strcmp(subject, "relay test") == 0;
    bool dots = strstr(msg, "\n\nHello Bob.\n.\n.leading dot\nbye\n") != NULL;
    bool first_hop = strstr(msg, "from client.example (pc1.a.example [192.0.2.10])") != NULL;
    if (!(n_received == 2 && rp_ok && top_from && top_by && dots && first_hop))
        fprintf(stderr, "bob's message:\n%s\n", msg);
    free(rp);
    free(top);
    free(subject);
    free(msg);
    assert_int_equal(n_received, 2);
    assert_int_equal(n_rp, 1);
    assert_true(rp_ok);
    assert_true(top_from);
    assert_true(top_by);
    assert_true(subject_ok);
    assert_true(dots);
    assert_true(first_hop);
    assert_int_equal(mailbox(f, "alice@a.example", NULL, NULL), 0);

    char *dialogue = relay_last_dialogue(&f->rt);
    assert_non_null(dialogue);
    bool quit = strstr(dialogue, " -> QUIT") != NULL;
    free(dialogue);
    assert_true(quit);

    /* nothing left to do */
    assert_int_equal(relay_run(&f->rt, &st, err), 0);
    assert_int_equal(st.sent + st.deferred + st.bounced, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_greeting),
        T(test_echoed_bytes_stay_printable),
        T(test_ehlo_lists_extensions),
        T(test_helo_lists_no_extensions),
        T(test_mail_before_helo),
        T(test_rcpt_before_mail),
        T(test_data_before_rcpt),
        T(test_nested_mail),
        T(test_bad_syntax),
        T(test_unknown_command),
        T(test_long_command_line),
        T(test_line_cut_by_host),
        T(test_control_octets_in_command),
        T(test_data_line_too_long),
        T(test_data_line_limit_boundary),
        T(test_dot_stuffing),
        T(test_bare_lf_dot_does_not_end_data),
        T(test_bare_lf_in_commands_accepted),
        T(test_large_message_of_short_lines),
        T(test_parked_clients_leave_room),
        T(test_relay_of_many_lines),
        T(test_hard_error_limit),
        T(test_queue_lifetime),
        T(test_size_too_big),
        T(test_too_many_recipients),
        T(test_unknown_local_user),
        T(test_relay_denied_without_auth),
        T(test_auth_plain_allows_relay),
        T(test_auth_plain_challenge),
        T(test_auth_login_bare_name),
        T(test_auth_wrong_password),
        T(test_vrfy_expn_disabled),
        T(test_help),
        T(test_rset),
        T(test_noop),
        T(test_quit),
        T(test_header_trap),
        T(test_local_delivery),
        T(test_duplicate_recipient_delivered_once),
        T(test_relay_to_bob),
    };
    return cmocka_run_group_tests_name("smtp", tests, NULL, NULL);
}
