/*
 * test_trace — where a mail came from, as mail/trace.h promises to read
 * it: the believed chain from the top down, the probable origin, and the
 * hints. The hardest case first: a spammer who writes Received: lines of
 * his own below the real ones, to send the reader to an innocent site.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/trace.h"

static void read_header(const char *h, struct trace *t)
{
    assert_int_equal(trace_message(h, strlen(h), t), 0);
}

/* The hint of that kind (for that hop, or any hop with -2), or NULL. */
static const struct trace_hint *hint_of(const struct trace *t, enum trace_hint_kind k, int hop)
{
    for (size_t i = 0; i < t->nhints; i++)
        if (t->hints[i].kind == k && (hop == -2 || t->hints[i].hop == hop))
            return &t->hints[i];
    return NULL;
}

/* Two forged lines below the real two: the chain is believed down to the
 * line mx.b.example wrote about 203.0.113.66; the lines below it name a
 * bank that never saw the mail, and the trust ends there. */
static void test_forged_lines_below(void **state)
{
    (void)state;
    struct trace t;
    read_header(
        "Received: from relay.isp.example (relay.isp.example [198.51.100.20])\n"
        "\tby mx.b.example with ESMTP id A1; Fri, 19 Apr 2002 15:30:00 +0900\n"
        "Received: from pc66.dsl.example (pc66.dsl.example [203.0.113.66])\n"
        "\tby relay.isp.example with SMTP id B2; Fri, 19 Apr 2002 15:29:00 +0900\n"
        "Received: from mail.bigbank.example (mail.bigbank.example [192.0.2.9])\n"
        "\tby mx.bigbank.example with ESMTP id C3; Fri, 19 Apr 2002 15:28:00 +0900\n"
        "Received: from intranet.bigbank.example ([10.1.1.1])\n"
        "\tby mail.bigbank.example with ESMTP id D4; Fri, 19 Apr 2002 15:27:00 +0900\n"
        "From: security@bigbank.example\n"
        "Subject: your account\n\nbody\n",
        &t);
    assert_int_equal(t.n, 4);
    /* oldest first: the invented intranet line is hop 1 */
    assert_string_equal(t.hops[0].by, "mail.bigbank.example");
    assert_string_equal(t.hops[3].by, "mx.b.example");
    assert_int_equal(t.believed_from, 2);
    const struct trace_hint *end = hint_of(&t, HINT_TRUST_ENDS, -2);
    assert_non_null(end);
    assert_int_equal(end->hop, 1);
    assert_string_equal(end->a, "mx.bigbank.example");        /* what the forged line says */
    assert_string_equal(end->b, "pc66.dsl.example");          /* where the mail really came from */
    assert_int_equal(t.origin.kind, ORIGIN_HOP);
    assert_int_equal(t.origin.hop, 2);
    assert_string_equal(t.origin.ip, "203.0.113.66");
    assert_string_equal(t.origin.host, "pc66.dsl.example");
    trace_free(&t);
}

/* The limit of the rule, said as it is: a forged line whose "by" names a
 * host of the organisation the line above got the mail from is believed,
 * since that is all a reader can check. The origin moves one line down,
 * to the address the forger wrote; the organisation is still his. */
static void test_forgery_the_rule_cannot_see(void **state)
{
    (void)state;
    struct trace t;
    read_header(
        "Received: from pc66.dsl.example (pc66.dsl.example [203.0.113.66])\n"
        "\tby mx.b.example with SMTP; Fri, 19 Apr 2002 15:29:00 +0900\n"
        "Received: from elsewhere.example ([198.51.100.99])\n"
        "\tby gw.dsl.example with SMTP; Fri, 19 Apr 2002 15:28:00 +0900\n"
        "\n",
        &t);
    assert_int_equal(t.believed_from, 0);
    assert_null(hint_of(&t, HINT_TRUST_ENDS, -2));
    assert_string_equal(t.origin.ip, "198.51.100.99");
    trace_free(&t);
}

/* A line that is no hop names no host: the chain goes on past it. */
static void test_unparsed_line_transparent(void **state)
{
    (void)state;
    struct trace t;
    read_header(
        "Received: from a.isp.example (a.isp.example [198.51.100.1])\n"
        "\tby mx.b.example; Fri, 19 Apr 2002 15:29:00 +0900\n"
        "Received: (qmail 4242 invoked by uid 89); 19 Apr 2002 06:28:30 -0000\n"
        "Received: from pc.home.example (pc.home.example [203.0.113.7])\n"
        "\tby a.isp.example; Fri, 19 Apr 2002 15:28:00 +0900\n"
        "\n",
        &t);
    assert_int_equal(t.n, 3);
    assert_false(t.hops[1].parsed);
    assert_non_null(hint_of(&t, HINT_UNPARSED, 1));
    assert_int_equal(t.believed_from, 0);
    assert_string_equal(t.origin.ip, "203.0.113.7");
    trace_free(&t);
}

/* Private and loopback addresses are where a hop happened, never the
 * origin; a later hop dated earlier is clock skew, with its seconds. */
static void test_private_loopback_skew(void **state)
{
    (void)state;
    struct trace t;
    read_header(
        "Received: from gw.corp.example (gw.corp.example [203.0.113.50])\n"
        "\tby mx.b.example; Fri, 19 Apr 2002 15:20:00 +0900\n"
        "Received: from ws12.corp.example ([10.1.2.3])\n"
        "\tby gw.corp.example; Fri, 19 Apr 2002 15:28:00 +0900\n"
        "Received: from localhost ([127.0.0.1])\n"
        "\tby ws12.corp.example; Fri, 19 Apr 2002 15:27:59 +0900\n"
        "\n",
        &t);
    assert_string_equal(t.origin.ip, "203.0.113.50");
    assert_int_equal(t.origin.hop, 2);
    assert_non_null(hint_of(&t, HINT_PRIVATE, 1));
    assert_non_null(hint_of(&t, HINT_LOOPBACK, 0));
    const struct trace_hint *skew = hint_of(&t, HINT_CLOCK_SKEW, 2);
    assert_non_null(skew);
    assert_string_equal(skew->a, "-480");
    long long d;
    assert_true(trace_delay(&t, 2, &d));
    assert_int_equal(d, -480);
    assert_false(trace_delay(&t, 0, &d));
    trace_free(&t);
}

/* The lecture's spam: four hops, made inside the web host, the CGI named. */
static void test_lecture_spam(void **state)
{
    (void)state;
    struct trace t;
    read_header(
        "Received: from mail.kyushu-u.example (mail.kyushu-u.example [198.51.100.5])\n"
        "\tby mail.saga-u.example (8.9.1a/3.7W) with ESMTP id PAA01308\n"
        "\tfor <student@saga-u.example>; Fri, 19 Apr 2002 15:29:24 +0900 (JST)\n"
        "Received: from galaxy.freehosting.example (galaxy.freehosting.example\n"
        "\t[203.0.113.16])\n"
        "\tby relay.kyushu-u.example\n"
        "\t(8.8.8+2.7Wbeta7/3.7W/rc[01.01.27.13]) with ESMTP id\n"
        "\tPAA09089;\n"
        "\tFri, 19 Apr 2002 15:29:24 +0900 (JST)\n"
        "Received: from galaxy.freehosting.example (user@galaxy.freehosting.example "
        "[127.0.0.1])\n"
        "\tby galaxy.freehosting.example (8.12.1/8.12.1) with ESMTP id g3J6NXkS021277;\n"
        "\tFri, 19 Apr 2002 15:23:33 +0900 (JST)\n"
        "Received: (from user@localhost)\n"
        "\tby galaxy.freehosting.example (8.12.1/8.12.1/Submit) id g3J6Lv4V020235;\n"
        "\tFri, 19 Apr 2002 15:21:57 +0900 (JST)\n"
        "Message-Id: <200204190621.g3J6Lv4V020235@galaxy.freehosting.example>\n"
        "X-Scriptname: www.idol.example/pmail/pmail.cgi\n"
        "From: idol-info@freemail.example\n"
        "\n",
        &t);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.believed_from, 0);
    assert_int_equal(t.origin.kind, ORIGIN_HOP);
    assert_int_equal(t.origin.hop, 2);
    assert_string_equal(t.origin.ip, "203.0.113.16");
    assert_string_equal(t.origin.host, "galaxy.freehosting.example");
    assert_int_equal(t.origin.inside_from, 0);
    assert_int_equal(t.origin.inside_to, 1);
    assert_non_null(hint_of(&t, HINT_LOCAL, 0));
    assert_non_null(hint_of(&t, HINT_LOOPBACK, 1));
    const struct trace_hint *cgi = hint_of(&t, HINT_SCRIPT, -1);
    assert_non_null(cgi);
    assert_string_equal(cgi->b, "www.idol.example/pmail/pmail.cgi");
    const struct trace_hint *forged = hint_of(&t, HINT_FORGED_FROM, -1);
    assert_non_null(forged);
    assert_string_equal(forged->b, "freemail.example");
    trace_free(&t);
}

/* A web mail: the lines end inside the service, X-Originating-IP names
 * the terminal; with no line about a machine at all, it is the origin. */
static void test_originating_ip(void **state)
{
    (void)state;
    struct trace t;
    read_header(
        "Received: from web.free.example (web.free.example [198.51.100.80])\n"
        "\tby mx.b.example; Fri, 19 Apr 2002 15:29:00 +0900\n"
        "Received: from mail pickup service by web.free.example with Microsoft SMTPSVC;\n"
        "\tFri, 19 Apr 2002 15:28:00 +0900\n"
        "X-Originating-IP: [203.0.113.222]\n"
        "From: someone@free.example\n"
        "\n",
        &t);
    assert_int_equal(t.origin.kind, ORIGIN_ORIGINATING_IP);
    assert_string_equal(t.origin.ip, "203.0.113.222");
    assert_non_null(hint_of(&t, HINT_ORIGINATING_IP, -1));
    assert_null(hint_of(&t, HINT_FORGED_FROM, -1));
    trace_free(&t);
}

/* The fields around the hops, and a header with no hop at all. */
static void test_fields_and_no_hops(void **state)
{
    (void)state;
    struct trace t;
    read_header("Message-Id: <1@spamhaus.example>\n"
                "Errors-To: bounce@list.example\n"
                "Return-Path: <envelope@other.example>\n"
                "X-Mailer: Mass Mailer 3\n"
                "From: Boss <boss@corp.example>\n"
                "\n",
                &t);
    assert_int_equal(t.n, 0);
    assert_int_equal(t.origin.kind, ORIGIN_NONE);
    assert_non_null(hint_of(&t, HINT_NO_HOPS, -1));
    const struct trace_hint *h = hint_of(&t, HINT_MESSAGE_ID, -1);
    assert_non_null(h);
    assert_string_equal(h->a, "spamhaus.example");
    assert_string_equal(h->b, "corp.example");
    assert_non_null(h = hint_of(&t, HINT_ERRORS_TO, -1));
    assert_string_equal(h->a, "bounce@list.example");
    assert_non_null(h = hint_of(&t, HINT_RETURN_PATH, -1));
    assert_string_equal(h->a, "envelope@other.example");
    assert_non_null(h = hint_of(&t, HINT_MAILER, -1));
    assert_string_equal(h->b, "Mass Mailer 3");
    assert_string_equal(t.from, "boss@corp.example");
    trace_free(&t);

    read_header("", &t);
    assert_int_equal(t.n, 0);
    assert_int_equal(t.origin.kind, ORIGIN_NONE);
    trace_free(&t);
}

/* CR LF reads as LF does; more than RECEIVED_HOPS_MAX lines are cut
 * there; a folded line of 100 KB is one hop, cut to its fields' sizes. */
static void test_crlf_and_sizes(void **state)
{
    (void)state;
    const char *lf = "Received: from a.example (a.example [203.0.113.1])\n"
                     "\tby b.example; Fri, 19 Apr 2002 15:29:00 +0900\n\n";
    char crlf[256];
    size_t k = 0;
    for (const char *p = lf; *p; p++) {
        if (*p == '\n')
            crlf[k++] = '\r';
        crlf[k++] = *p;
    }
    crlf[k] = '\0';
    struct trace a, b;
    read_header(lf, &a);
    read_header(crlf, &b);
    assert_int_equal(a.n, 1);
    assert_int_equal(b.n, 1);
    assert_string_equal(a.hops[0].by, b.hops[0].by);
    assert_string_equal(a.origin.ip, b.origin.ip);
    assert_int_equal(a.hops[0].when, b.hops[0].when);
    trace_free(&a);
    trace_free(&b);

    size_t cap = 200 * 80 + 1;
    char *many = malloc(cap), *p = many;
    for (int i = 0; i < 200; i++)
        p += sprintf(p, "Received: from h%d.example ([198.51.100.%d]) by h%d.example\n", i + 1,
                     i % 250 + 1, i);
    *p = '\0';
    struct trace t;
    read_header(many, &t);
    assert_int_equal(t.n, RECEIVED_HOPS_MAX);
    trace_free(&t);
    free(many);

    size_t big = 100 * 1024;
    char *one = malloc(big + 64);
    p = one + sprintf(one, "Received: from x.example by y.example");
    while ((size_t)(p - one) < big)
        p += sprintf(p, "\n\t(comment %06d)", (int)(p - one));
    strcpy(p, "\n\n");
    read_header(one, &t);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.hops[0].by, "y.example");
    assert_true(strlen(t.hops[0].raw) < RECEIVED_RAW_MAX);
    trace_free(&t);
    free(one);
}

/* Organisations and addresses. */
static void test_names_and_addresses(void **state)
{
    (void)state;
    assert_string_equal(trace_org_domain("mail.kyushu-u.example"), "kyushu-u.example");
    assert_string_equal(trace_org_domain("mail.saga-u.ac.jp"), "saga-u.ac.jp");
    assert_string_equal(trace_org_domain("ac.jp"), "ac.jp");
    assert_string_equal(trace_org_domain("example"), "example");
    assert_int_equal(trace_addr_kind("203.0.113.5"), ADDR_PUBLIC);
    assert_int_equal(trace_addr_kind("127.0.0.1"), ADDR_LOOPBACK);
    assert_int_equal(trace_addr_kind("::1"), ADDR_LOOPBACK);
    assert_int_equal(trace_addr_kind("10.0.0.1"), ADDR_PRIVATE);
    assert_int_equal(trace_addr_kind("172.16.0.1"), ADDR_PRIVATE);
    assert_int_equal(trace_addr_kind("172.32.0.1"), ADDR_PUBLIC);
    assert_int_equal(trace_addr_kind("192.168.1.1"), ADDR_PRIVATE);
    assert_int_equal(trace_addr_kind("fe80::1"), ADDR_PRIVATE);
    assert_int_equal(trace_addr_kind("fd00::1"), ADDR_PRIVATE);
    assert_int_equal(trace_addr_kind("::ffff:10.0.0.1"), ADDR_PRIVATE);
    assert_int_equal(trace_addr_kind("2001:db8::1"), ADDR_PUBLIC);
    assert_int_equal(trace_addr_kind("mail.example"), ADDR_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forged_lines_below),
        cmocka_unit_test(test_forgery_the_rule_cannot_see),
        cmocka_unit_test(test_unparsed_line_transparent),
        cmocka_unit_test(test_private_loopback_skew),
        cmocka_unit_test(test_lecture_spam),
        cmocka_unit_test(test_originating_ip),
        cmocka_unit_test(test_fields_and_no_hops),
        cmocka_unit_test(test_crlf_and_sizes),
        cmocka_unit_test(test_names_and_addresses),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
