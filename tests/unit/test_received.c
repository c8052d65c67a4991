/*
 * test_received — Received: fields read as hops, in the dialects real
 * mail carries: the lecture's three examples (the spam's four sendmail
 * hops, the virus mail's "(may be forged)" and "(envelope-from ...)", the
 * free mail's qmail, Exchange and HTTP hops; their names and addresses
 * moved to .example and the documentation ranges), the tutor's own
 * Postfix-like lines, Exim, and what is not a hop at all.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "mail/received.h"

static void parse(const char *v, struct received_hop *h)
{
    received_parse(v, strlen(v), h);
}

/* The spam's ④ and ③: sendmail, folded over lines, "(JST)" after the date. */
static void test_sendmail_relay(void **state)
{
    (void)state;
    struct received_hop h;
    parse(" from mail.kyushu-u.example (mail.kyushu-u.example [198.51.100.5])\n"
          "\tby mail.saga-u.example (8.9.1a/3.7W) with ESMTP id PAA01308\n"
          "\tfor <user@saga-u.example>; Fri, 19 Apr 2002 15:29:24 +0900 (JST)",
          &h);
    assert_true(h.parsed);
    assert_string_equal(h.from, "mail.kyushu-u.example");
    assert_string_equal(h.helo, "mail.kyushu-u.example");
    assert_string_equal(h.rdns, "mail.kyushu-u.example");
    assert_string_equal(h.ip, "198.51.100.5");
    assert_string_equal(h.by, "mail.saga-u.example");
    assert_string_equal(h.with, "ESMTP");
    assert_string_equal(h.id, "PAA01308");
    assert_string_equal(h.for_, "user@saga-u.example");
    assert_true(h.has_date);
    assert_int_equal(h.when, 1019197764);        /* 2002-04-19 06:29:24 UTC */
    assert_false(h.authenticated);
    assert_false(h.may_be_forged);

    /* ③: the TCP-info folded inside its parentheses, the id before a ";" */
    parse(" from galaxy.freehosting.example (galaxy.freehosting.example\n"
          " [203.0.113.16])\n by relay.kyushu-u.example\n"
          " (8.8.8+2.7Wbeta7/3.7W/rc[01.01.27.13]) with ESMTP id\n PAA09089;\n"
          " Fri, 19 Apr 2002 15:29:24 +0900 (JST)",
          &h);
    assert_string_equal(h.rdns, "galaxy.freehosting.example");
    assert_string_equal(h.ip, "203.0.113.16");
    assert_string_equal(h.by, "relay.kyushu-u.example");
    assert_string_equal(h.id, "PAA09089");
    assert_int_equal(h.when, 1019197764);
}

/* ② and ①: the ident in the TCP-info, and a local submission. */
static void test_sendmail_local(void **state)
{
    (void)state;
    struct received_hop h;
    parse(" from galaxy.freehosting.example (user@galaxy.freehosting.example [127.0.0.1])\n"
          " by galaxy.freehosting.example (8.12.1/8.12.1) with ESMTP id g3J6NXkS021277;\n"
          " Fri, 19 Apr 2002 15:23:33 +0900 (JST)",
          &h);
    assert_string_equal(h.rdns, "galaxy.freehosting.example");
    assert_string_equal(h.ip, "127.0.0.1");
    assert_string_equal(h.id, "g3J6NXkS021277");

    parse(" (from user@localhost)\n by galaxy.freehosting.example (8.12.1/8.12.1/Submit)"
          " id g3J6Lv4V020235;\n Fri, 19 Apr 2002 15:21:57 +0900 (JST)",
          &h);
    assert_true(h.parsed);
    assert_string_equal(h.from, "user@localhost");
    assert_string_equal(h.by, "galaxy.freehosting.example");
    assert_string_equal(h.id, "g3J6Lv4V020235");
    assert_int_equal(h.when, 1019197317);
}

/* The virus mail: "(may be forged)" nested in the TCP-info, the envelope
 * after the date, and a hop without TCP-info whose "by" has no comment. */
static void test_may_be_forged(void **state)
{
    (void)state;
    struct received_hop h;
    parse(" from rcpt-expgw.provider.example (rcpt-expgw.provider.example [192.0.2.143]\n"
          " (may be forged))\n by mail.addr.example (8.11.6/8.9.1) with ESMTP id g4JA5Jo32468\n"
          " for <me@addr.example>; Sun, 19 May 2002 03:05:19 -0700 (PDT)\n"
          " (envelope-from someone@provider.example)(envelope-to <me@addr.example>)",
          &h);
    assert_true(h.may_be_forged);
    assert_string_equal(h.ip, "192.0.2.143");
    assert_string_equal(h.envelope_from, "someone@provider.example");
    assert_int_equal(h.when, 1021802719);        /* 10:05:19 UTC */

    parse(" from Xhyhyhazq (203.0.113.77 [203.0.113.77]) by smtp-gw.provider.example\n"
          " id TADJC0A8263C; Sun, 19 May 2002 19:04:49 +0900 (JST)",
          &h);
    assert_string_equal(h.from, "Xhyhyhazq");
    assert_string_equal(h.helo, "Xhyhyhazq");
    assert_string_equal(h.rdns, "203.0.113.77");
    assert_string_equal(h.ip, "203.0.113.77");
    assert_string_equal(h.by, "smtp-gw.provider.example");
    assert_string_equal(h.id, "TADJC0A8263C");
}

/* The free mail: qmail's HELO and bare address, Exchange's pickup, the
 * web hop with HTTP and a GMT date. */
static void test_free_mail(void **state)
{
    (void)state;
    struct received_hop h;
    parse(" from unknown (HELO hotmail.example) (198.51.100.122)\n"
          " by ml1.freeml.example with SMTP; 18 Mar 2002 05:02:10 -0000",
          &h);
    assert_string_equal(h.from, "unknown");
    assert_string_equal(h.helo, "hotmail.example");
    assert_string_equal(h.ip, "198.51.100.122");
    assert_string_equal(h.with, "SMTP");
    assert_int_equal(h.when, 1016427730);

    parse(" from mail pickup service by hotmail.example with Microsoft SMTPSVC;\n"
          " Sun, 17 Mar 2002 21:02:09 -0800",
          &h);
    assert_string_equal(h.from, "mail pickup service");
    assert_string_equal(h.by, "hotmail.example");
    assert_string_equal(h.with, "Microsoft SMTPSVC");
    assert_int_equal(h.when, 1016427729);

    parse(" from 203.0.113.222 by lw15fd.law15.hotmail.example with\n HTTP;\n"
          " Mon, 18 Mar 2002 05:02:09 GMT",
          &h);
    assert_string_equal(h.from, "203.0.113.222");
    assert_string_equal(h.with, "HTTP");
    assert_int_equal(h.when, 1016427729);
}

/* The tutor's own servers (Postfix's form), authenticated; Exim with
 * TLS and its helo=; an address literal as the from name. */
static void test_postfix_exim(void **state)
{
    (void)state;
    struct received_hop h;
    parse(" from pc1.a.example (pc1.a.example [192.0.2.10])\n\tby mail.a.example (Postfix)"
          " with ESMTPA id 4281D00001\n\tfor <bob@b.example>; Wed, 29 May 2002 10:00:13 +0900",
          &h);
    assert_true(h.authenticated);
    assert_false(h.tls);
    assert_string_equal(h.for_, "bob@b.example");
    assert_string_equal(h.id, "4281D00001");

    parse(" from [192.0.2.1] (helo=laptop.example)\n\tby mx.b.example with esmtpsa"
          " (TLS1.3) (Exim 4.96)\n\t(envelope-from <x@a.example>)\n\tid 1rabc-0001-XY\n"
          "\tfor bob@b.example; Tue, 03 Dec 2024 09:15:00 +0000",
          &h);
    assert_string_equal(h.from, "[192.0.2.1]");
    assert_string_equal(h.ip, "192.0.2.1");
    assert_string_equal(h.helo, "laptop.example");
    assert_true(h.authenticated);
    assert_true(h.tls);
    assert_string_equal(h.envelope_from, "x@a.example");
    assert_string_equal(h.id, "1rabc-0001-XY");
    assert_string_equal(h.for_, "bob@b.example");
}

/* What is not a hop is said so, and nothing reads out of bounds. */
static void test_not_a_hop(void **state)
{
    (void)state;
    struct received_hop h;
    parse("", &h);
    assert_false(h.parsed);
    parse(" garbage ((( [ < ;;;", &h);
    assert_false(h.parsed);
    assert_false(h.has_date);
    parse(" from [unclosed", &h);
    assert_true(h.parsed);
    assert_string_equal(h.ip, "unclosed");
    long long t;
    assert_int_equal(received_date("Fri, 19 Apr 2002 15:29:24 +0900", &t), 0);
    assert_int_equal(t, 1019197764);
    assert_int_equal(received_date("19 Apr 02 15:29 EST", &t), 0);       /* a 2-digit year */
    assert_int_equal(t, 1019248140);
    assert_int_equal(received_date("not a date", &t), -1);
    assert_int_equal(received_date("32 Apr 2002 15:29:24 +0900", &t), -1);
    /* a year too long to be one is no date (it overflowed once) */
    assert_int_equal(received_date("18 Mar 888888888888882002 05:02:10 -0000", &t), -1);
    /* Exim: an address literal as the HELO, TLS and AUTH with words after */
    static const char exim[] = " from [192.0.2.9] (helo=[192.0.2.9]) by mx.b.example with esmtpsa"
                               " (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.96) id 1qX-000";
    received_parse(exim, sizeof exim - 1, &h);
    assert_string_equal(h.helo, "[192.0.2.9]");
    assert_string_equal(h.rdns, "");
    assert_true(h.authenticated);
    assert_true(h.tls);
    /* TLS without AUTH: the "A" of the cipher's name after the first
     * word ("TLS_AES_...") is no RFC 3848 letter (it was read as one) */
    static const char esmtps[] = " from mail5.maple.example ([203.0.113.48] helo=mail5.maple.example)"
                                 " by mail.bravo.ne.example with esmtps  (TLS1.3) tls"
                                 " TLS_AES_256_GCM_SHA384 (Exim 4.94.2) id 17rS5u-btvrTi-wk";
    received_parse(esmtps, sizeof esmtps - 1, &h);
    assert_false(h.authenticated);
    assert_true(h.tls);
    parse(" from a.example by b.example with ESMTPX id 1; 1 Jan 2020 00:00:00 +0000", &h);
    assert_false(h.authenticated);
    assert_false(h.tls);
    parse(" from a.example by b.example with LMTPSA id 1; 1 Jan 2020 00:00:00 +0000", &h);
    assert_true(h.authenticated);
    assert_true(h.tls);
    /* a negative hour is no time (it overflowed once, found by fuzz_received) */
    assert_int_equal(received_date("18 Mar 2002 -558038586:00 -0000", &t), -1);
    assert_int_equal(received_date("18 Mar 2002 99999999999:00 -0000", &t), -1);
}

/* The lecture's spam, whole: four hops, read bottom up, each later than
 * the one before (1 min 36 s, 5 min 51 s, then none: the clocks agree). */
static void test_message_hops(void **state)
{
    (void)state;
    static const char msg[] =
        "Received: from mail.kyushu-u.example (mail.kyushu-u.example [198.51.100.5])\r\n"
        "\tby mail.saga-u.example (8.9.1a/3.7W) with ESMTP id PAA01308\r\n"
        "\tfor <user@saga-u.example>; Fri, 19 Apr 2002 15:29:24 +0900 (JST)\r\n"
        "Received: from galaxy.freehosting.example (galaxy.freehosting.example\r\n"
        "\t[203.0.113.16])\r\n\tby relay.kyushu-u.example (8.8.8+2.7Wbeta7/3.7W) with ESMTP id\r\n"
        "\tPAA09089; Fri, 19 Apr 2002 15:29:24 +0900 (JST)\r\n"
        "Received: from galaxy.freehosting.example (user@galaxy.freehosting.example [127.0.0.1])\r\n"
        "\tby galaxy.freehosting.example (8.12.1/8.12.1) with ESMTP id g3J6NXkS021277;\r\n"
        "\tFri, 19 Apr 2002 15:23:33 +0900 (JST)\r\n"
        "Received: (from user@localhost)\r\n"
        "\tby galaxy.freehosting.example (8.12.1/8.12.1/Submit) id g3J6Lv4V020235;\r\n"
        "\tFri, 19 Apr 2002 15:21:57 +0900 (JST)\r\n"
        "Message-Id: <200204190621.g3J6Lv4V020235@galaxy.freehosting.example>\r\n"
        "X-Scriptname: www.idol.example/pmail/pmail.cgi\r\n"
        "Subject: hello\r\n"
        "\r\n"
        "Received: a body line is no hop\r\n";
    size_t n;
    struct received_hop *h = received_hops(msg, sizeof msg - 1, &n);
    assert_non_null(h);
    assert_int_equal(n, 4);
    assert_string_equal(h[0].from, "user@localhost");
    assert_string_equal(h[1].ip, "127.0.0.1");
    assert_string_equal(h[2].ip, "203.0.113.16");
    assert_string_equal(h[3].by, "mail.saga-u.example");
    assert_int_equal(h[1].when - h[0].when, 96);
    assert_int_equal(h[2].when - h[1].when, 351);
    assert_int_equal(h[3].when - h[2].when, 0);
    free(h);
    static const char none[] = "Subject: none\r\n\r\nbody";
    assert_null(received_hops(none, sizeof none - 1, &n));
    assert_int_equal(n, 0);
}

/* The field as one line, and where its date starts, against a plain
 * reading of the same rule a byte at a time, on random fields: the parser
 * reads 16 and 8 bytes at a time, and must stop at a line end, a tab, a
 * second space, a control character, ( ) or ; wherever it falls in a
 * block, and cut a long field as the rule says. */
static bool ref_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void ref_collapse(const char *s, size_t len, char *out, size_t size)
{
    size_t k = 0;
    bool gap = false;
    for (size_t i = 0; i < len; i++) {
        if (ref_space(s[i])) {
            gap = k > 0;
            continue;
        }
        if (gap && k < size - 1)
            out[k++] = ' ';
        gap = false;
        if (k < size - 1)
            out[k++] = s[i];
    }
    if (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

static void test_one_line(void **state)
{
    (void)state;
    static const char *const pieces[] = {"from", "by", " ", "  ", "\t", "\r\n\t", "\n ", "(",
                                         ")", ";", "mail.example", "[192.0.2.1]", "x\x01y",
                                         "\xe6\x97\xa5", "Fri, 19 Apr 2002 15:29:24 +0900",
                                         "abcdefghijklmnopqrstuvwxyz0123456789"};
    static char field[4096], want[RECEIVED_RAW_MAX], date[RECEIVED_TEXT_MAX];
    static struct received_hop h;
    unsigned seed = 20021;
    for (int round = 0; round < 20000; round++) {
        size_t len = 0, n = (size_t)(rand_r(&seed) % (round % 10 == 0 ? 120 : 30));
        for (size_t p = 0; p < n; p++) {
            const char *piece = pieces[rand_r(&seed) % (sizeof pieces / sizeof pieces[0])];
            size_t l = strlen(piece);
            if (len + l >= sizeof field)
                break;
            memcpy(field + len, piece, l);
            len += l;
        }
        received_parse(field, len, &h);
        ref_collapse(field, len, want, sizeof want);
        char text[RECEIVED_RAW_MAX];
        received_text(&h, text);
        assert_string_equal(text, want);
        const char *semi = NULL;
        int depth = 0;
        for (size_t i = 0; i < len; i++) {
            if (field[i] == '(')
                depth++;
            else if (field[i] == ')' && depth > 0)
                depth--;
            else if (field[i] == ';' && depth == 0)
                semi = field + i;
        }
        if (semi)
            ref_collapse(semi + 1, (size_t)(field + len - semi - 1), date, sizeof date);
        else
            date[0] = '\0';
        assert_string_equal(h.date, date);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sendmail_relay), cmocka_unit_test(test_sendmail_local),
        cmocka_unit_test(test_may_be_forged),  cmocka_unit_test(test_free_mail),
        cmocka_unit_test(test_postfix_exim),   cmocka_unit_test(test_not_a_hop),
        cmocka_unit_test(test_message_hops),    cmocka_unit_test(test_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
