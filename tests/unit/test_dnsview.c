/*
 * test_dnsview — a DNS message's bytes as the student sees them (dig
 * +wire): whole dumps compared with a saved result for the messages of the
 * lessons (a query, answers with compression pointers, MX with glue,
 * NXDOMAIN with the SOA, TXT, AAAA, EDNS), then each way a message from a
 * script or the network can be malformed, each with its "*** offset N"
 * line, and the limits at their edges.
 *
 * Messages are built here byte by byte (the builders below), not with
 * ldns's packet writer, which compresses names its own way: here every
 * pointer is where the lesson wants it. The well-formed ones were checked
 * once with ldns_wire2pkt, which reads them as dig would show them.
 *
 * Every dump, good or bad, goes through run(), which also checks that no
 * line is wider than DNSVIEW_WIDTH and that nothing but printable ASCII
 * reaches the terminal. Inputs that tests/fuzz/fuzz_dnsview.c finds go
 * at the end, under "Fuzz findings".
 */
#include "unit.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsview.h"

#define MSG_MAX 70000               /* room for one message over 65535 */

enum { QR = 0x8000, AA = 0x0400, RD = 0x0100, RA = 0x0080, AD = 0x0020 };
enum {
    T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_MX = 15, T_TXT = 16, T_AAAA = 28, T_OPT = 41,
};
enum { C_IN = 1, C_CH = 3 };

struct fx {
    unsigned char msg[MSG_MAX];
    size_t n;                       /* bytes in msg */
    char *out;                      /* what the last run wrote */
    size_t out_len;
    int rc;
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
    free(f->out);
    free(f);
    return 0;
}

/* ------------------------------------------------------------------------
 * Builders: each appends to f->msg.
 */
static void put(struct fx *f, const void *p, size_t n)
{
    assert_true(n <= MSG_MAX - f->n);
    memcpy(f->msg + f->n, p, n);
    f->n += n;
}

static void u8(struct fx *f, unsigned v)
{
    unsigned char b = (unsigned char)v;
    put(f, &b, 1);
}

static void u16(struct fx *f, unsigned v)
{
    u8(f, v >> 8);
    u8(f, v);
}

static void u32(struct fx *f, unsigned long v)
{
    u16(f, (unsigned)(v >> 16));
    u16(f, (unsigned)(v & 0xffff));
}

static void header(struct fx *f, unsigned id, unsigned flags, unsigned qd, unsigned an,
                   unsigned ns, unsigned ar)
{
    u16(f, id);
    u16(f, flags);
    u16(f, qd);
    u16(f, an);
    u16(f, ns);
    u16(f, ar);
}

/* "mail.b.example." as labels and the root; "" for labels alone, to be
 * ended by a pointer. No escapes: the tests' names are plain. */
static void labels(struct fx *f, const char *name)
{
    while (*name && strcmp(name, ".") != 0) {
        size_t n = strcspn(name, ".");
        u8(f, (unsigned)n);
        put(f, name, n);
        name += n;
        if (*name == '.')
            name++;
    }
}

static void name(struct fx *f, const char *dotted)
{
    labels(f, dotted);
    u8(f, 0);
}

static void pointer(struct fx *f, unsigned to)
{
    u16(f, 0xc000 | to);
}

/* A label of n copies of c. */
static void label_of(struct fx *f, size_t n, char c)
{
    char b[64];
    assert_true(n < sizeof b);
    memset(b, c, n);
    u8(f, (unsigned)n);
    put(f, b, n);
}

static void question(struct fx *f, const char *qname, unsigned type)
{
    name(f, qname);
    u16(f, type);
    u16(f, C_IN);
}

/* TYPE, CLASS, TTL and an RDLENGTH that rr_end fills in. */
static size_t rr_begin(struct fx *f, unsigned type, unsigned class, unsigned long ttl)
{
    u16(f, type);
    u16(f, class);
    u32(f, ttl);
    u16(f, 0);
    return f->n;
}

static void rr_end(struct fx *f, size_t rdata)
{
    size_t n = f->n - rdata;
    f->msg[rdata - 2] = (unsigned char)(n >> 8);
    f->msg[rdata - 1] = (unsigned char)n;
}

/* A <character-string>. */
static void string(struct fx *f, const char *s, size_t n)
{
    u8(f, (unsigned)n);
    put(f, s, n);
}

#define STRING(f, lit) string(f, lit, sizeof lit - 1)

/* ------------------------------------------------------------------------
 * Running and reading the dump.
 */

/* Fails the test with why and the whole dump (cmocka's own messages are
 * cut short, too short for a dump). */
static void fail_with(const char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n--- the dump:\n%s---\n", out);
    fail();
}

/* Dumps f->msg and returns what was written (borrowed, until the next run);
 * every line must fit and be printable. */
static const char *run(struct fx *f)
{
    free(f->out);
    f->out = NULL;
    FILE *s = open_memstream(&f->out, &f->out_len);
    assert_non_null(s);
    f->rc = dnsview_print(s, f->msg, f->n);
    assert_int_equal(fclose(s), 0);
    assert_non_null(f->out);
    for (const char *line = f->out; *line;) {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if (nl - line > DNSVIEW_WIDTH)
            fail_with(f->out, "line wider than %d: %.*s", DNSVIEW_WIDTH, (int)(nl - line), line);
        for (const char *c = line; c < nl; c++)
            if (*c < 0x20 || *c > 0x7e)
                fail_with(f->out, "byte 0x%02x in: %.*s", (unsigned char)*c,
                          (int)(nl - line), line);
        line = nl + 1;
    }
    return f->out;
}

static const char *run_ok(struct fx *f)
{
    const char *out = run(f);
    if (f->rc != 0)
        fail_with(out, "dnsview_print returned %d", f->rc);
    return out;
}

/* The dump's last line, without its newline (a static copy). */
static const char *last_line(const char *out)
{
    static char line[256];
    size_t n = strlen(out);
    assert_true(n > 0 && out[n - 1] == '\n');
    size_t start = n - 1;
    while (start > 0 && out[start - 1] != '\n')
        start--;
    snprintf(line, sizeof line, "%.*s", (int)(n - 1 - start), out + start);
    return line;
}

/* Dumps f->msg, which must be refused with the error line want; the
 * dump (borrowed) is returned for more checks. */
static const char *run_error(struct fx *f, const char *want)
{
    const char *out = run(f);
    if (f->rc != -1)
        fail_with(out, "dnsview_print returned %d, not -1", f->rc);
    assert_string_equal(last_line(out), want);
    /* the error line comes once, at the end */
    assert_true(strstr(out, "***") == out + strlen(out) - strlen(want) - 1);
    return out;
}

/* Whether the dump has this line. */
static bool has_line(const char *out, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = out; (p = strstr(p, line)) != NULL; p++)
        if ((p == out || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

#define assert_line(out, line) \
    do { \
        if (!has_line(out, line)) \
            fail_with(out, "no line \"%s\"", line); \
    } while (0)

/* ------------------------------------------------------------------------
 * The lessons' messages, whole.
 */
static const char query_dump[] =
    "header\n"
    "0000  12 34                    ID 4660\n"
    "0002  01 00                    flags\n"
    "                                 0... .... .... .... QR 0: query\n"
    "                                 .000 0... .... .... opcode 0: QUERY\n"
    "                                 .... .0.. .... .... AA 0: not authoritative\n"
    "                                 .... ..0. .... .... TC 0: not truncated\n"
    "                                 .... ...1 .... .... RD 1: recursion desired\n"
    "                                 .... .... 0... .... RA 0: recursion unavailable\n"
    "                                 .... .... .0.. .... Z 0: reserved\n"
    "                                 .... .... ..0. .... AD 0: not authenticated\n"
    "                                 .... .... ...0 .... CD 0: checking enabled\n"
    "                                 .... .... .... 0000 RCODE 0: NOERROR\n"
    "0004  00 01                    QDCOUNT 1 (questions)\n"
    "0006  00 00                    ANCOUNT 0 (answers)\n"
    "0008  00 00                    NSCOUNT 0 (authority records)\n"
    "000a  00 00                    ARCOUNT 0 (additional records)\n"
    "question 1\n"
    "                               QNAME mail.b.example.\n"
    "000c  04 6d 61 69 6c             label 4: \"mail\"\n"
    "0011  01 62                      label 1: \"b\"\n"
    "0013  07 65 78 61 6d 70 6c 65    label 7: \"example\"\n"
    "001b  00                         label 0: the root\n"
    "001c  00 01                    QTYPE 1 A\n"
    "001e  00 01                    QCLASS 1 IN\n"
    "0020                           end of the message, 32 bytes\n";

static void build_query(struct fx *f)
{
    header(f, 0x1234, RD, 1, 0, 0, 0);
    question(f, "mail.b.example.", T_A);
}

static void test_query(void **state)
{
    struct fx *f = *state;
    build_query(f);
    assert_string_equal(run_ok(f), query_dump);
}

static const char answer_a_dump[] =
    "header\n"
    "0000  12 34                    ID 4660\n"
    "0002  81 80                    flags\n"
    "                                 1... .... .... .... QR 1: response\n"
    "                                 .000 0... .... .... opcode 0: QUERY\n"
    "                                 .... .0.. .... .... AA 0: not authoritative\n"
    "                                 .... ..0. .... .... TC 0: not truncated\n"
    "                                 .... ...1 .... .... RD 1: recursion desired\n"
    "                                 .... .... 1... .... RA 1: recursion available\n"
    "                                 .... .... .0.. .... Z 0: reserved\n"
    "                                 .... .... ..0. .... AD 0: not authenticated\n"
    "                                 .... .... ...0 .... CD 0: checking enabled\n"
    "                                 .... .... .... 0000 RCODE 0: NOERROR\n"
    "0004  00 01                    QDCOUNT 1 (questions)\n"
    "0006  00 01                    ANCOUNT 1 (answers)\n"
    "0008  00 00                    NSCOUNT 0 (authority records)\n"
    "000a  00 00                    ARCOUNT 0 (additional records)\n"
    "question 1\n"
    "                               QNAME mail.b.example.\n"
    "000c  04 6d 61 69 6c             label 4: \"mail\"\n"
    "0011  01 62                      label 1: \"b\"\n"
    "0013  07 65 78 61 6d 70 6c 65    label 7: \"example\"\n"
    "001b  00                         label 0: the root\n"
    "001c  00 01                    QTYPE 1 A\n"
    "001e  00 01                    QCLASS 1 IN\n"
    "answer 1\n"
    "                               NAME mail.b.example.\n"
    "0020  c0 0c                      pointer to 0x000c: mail.b.example.\n"
    "0022  00 01                    TYPE 1 A\n"
    "0024  00 01                    CLASS 1 IN\n"
    "0026  00 00 0e 10              TTL 3600 seconds (1h)\n"
    "002a  00 04                    RDLENGTH 4\n"
    "002c  c0 00 02 19              ADDRESS 192.0.2.25\n"
    "0030                           end of the message, 48 bytes\n";

static void test_answer_a_pointer(void **state)
{
    struct fx *f = *state;
    header(f, 0x1234, QR | RD | RA, 1, 1, 0, 0);
    question(f, "mail.b.example.", T_A);
    pointer(f, 0x0c);
    size_t rd = rr_begin(f, T_A, C_IN, 3600);
    put(f, "\xc0\x00\x02\x19", 4);
    rr_end(f, rd);
    assert_string_equal(run_ok(f), answer_a_dump);
}

/* The additional A's name points into the MX's RDATA, at "mail", whose
 * own pointer leads on to b.example in the question. */
static const char mx_dump[] =
    "header\n"
    "0000  be ef                    ID 48879\n"
    "0002  85 00                    flags\n"
    "                                 1... .... .... .... QR 1: response\n"
    "                                 .000 0... .... .... opcode 0: QUERY\n"
    "                                 .... .1.. .... .... AA 1: authoritative answer\n"
    "                                 .... ..0. .... .... TC 0: not truncated\n"
    "                                 .... ...1 .... .... RD 1: recursion desired\n"
    "                                 .... .... 0... .... RA 0: recursion unavailable\n"
    "                                 .... .... .0.. .... Z 0: reserved\n"
    "                                 .... .... ..0. .... AD 0: not authenticated\n"
    "                                 .... .... ...0 .... CD 0: checking enabled\n"
    "                                 .... .... .... 0000 RCODE 0: NOERROR\n"
    "0004  00 01                    QDCOUNT 1 (questions)\n"
    "0006  00 01                    ANCOUNT 1 (answers)\n"
    "0008  00 00                    NSCOUNT 0 (authority records)\n"
    "000a  00 01                    ARCOUNT 1 (additional records)\n"
    "question 1\n"
    "                               QNAME b.example.\n"
    "000c  01 62                      label 1: \"b\"\n"
    "000e  07 65 78 61 6d 70 6c 65    label 7: \"example\"\n"
    "0016  00                         label 0: the root\n"
    "0017  00 0f                    QTYPE 15 MX\n"
    "0019  00 01                    QCLASS 1 IN\n"
    "answer 1\n"
    "                               NAME b.example.\n"
    "001b  c0 0c                      pointer to 0x000c: b.example.\n"
    "001d  00 0f                    TYPE 15 MX\n"
    "001f  00 01                    CLASS 1 IN\n"
    "0021  00 00 0e 10              TTL 3600 seconds (1h)\n"
    "0025  00 09                    RDLENGTH 9\n"
    "0027  00 0a                    PREFERENCE 10\n"
    "                               EXCHANGE mail.b.example.\n"
    "0029  04 6d 61 69 6c             label 4: \"mail\"\n"
    "002e  c0 0c                      pointer to 0x000c: b.example.\n"
    "additional 1\n"
    "                               NAME mail.b.example.\n"
    "0030  c0 29                      pointer to 0x0029: mail.b.example.\n"
    "0032  00 01                    TYPE 1 A\n"
    "0034  00 01                    CLASS 1 IN\n"
    "0036  00 00 0e 10              TTL 3600 seconds (1h)\n"
    "003a  00 04                    RDLENGTH 4\n"
    "003c  c0 00 02 19              ADDRESS 192.0.2.25\n"
    "0040                           end of the message, 64 bytes\n";

static void test_mx_with_additional(void **state)
{
    struct fx *f = *state;
    header(f, 0xbeef, QR | AA | RD, 1, 1, 0, 1);
    question(f, "b.example.", T_MX);
    pointer(f, 0x0c);
    size_t rd = rr_begin(f, T_MX, C_IN, 3600);
    u16(f, 10);
    assert_int_equal(f->n, 0x29);
    labels(f, "mail");
    pointer(f, 0x0c);
    rr_end(f, rd);
    pointer(f, 0x29);
    rd = rr_begin(f, T_A, C_IN, 3600);
    put(f, "\xc0\x00\x02\x19", 4);
    rr_end(f, rd);
    assert_string_equal(run_ok(f), mx_dump);
}

static const char nxdomain_dump[] =
    "header\n"
    "0000  00 42                    ID 66\n"
    "0002  85 03                    flags\n"
    "                                 1... .... .... .... QR 1: response\n"
    "                                 .000 0... .... .... opcode 0: QUERY\n"
    "                                 .... .1.. .... .... AA 1: authoritative answer\n"
    "                                 .... ..0. .... .... TC 0: not truncated\n"
    "                                 .... ...1 .... .... RD 1: recursion desired\n"
    "                                 .... .... 0... .... RA 0: recursion unavailable\n"
    "                                 .... .... .0.. .... Z 0: reserved\n"
    "                                 .... .... ..0. .... AD 0: not authenticated\n"
    "                                 .... .... ...0 .... CD 0: checking enabled\n"
    "                                 .... .... .... 0011 RCODE 3: NXDOMAIN\n"
    "0004  00 01                    QDCOUNT 1 (questions)\n"
    "0006  00 00                    ANCOUNT 0 (answers)\n"
    "0008  00 01                    NSCOUNT 1 (authority records)\n"
    "000a  00 00                    ARCOUNT 0 (additional records)\n"
    "question 1\n"
    "                               QNAME nope.b.example.\n"
    "000c  04 6e 6f 70 65             label 4: \"nope\"\n"
    "0011  01 62                      label 1: \"b\"\n"
    "0013  07 65 78 61 6d 70 6c 65    label 7: \"example\"\n"
    "001b  00                         label 0: the root\n"
    "001c  00 01                    QTYPE 1 A\n"
    "001e  00 01                    QCLASS 1 IN\n"
    "authority 1\n"
    "                               NAME b.example.\n"
    "0020  c0 11                      pointer to 0x0011: b.example.\n"
    "0022  00 06                    TYPE 6 SOA\n"
    "0024  00 01                    CLASS 1 IN\n"
    "0026  00 00 0e 10              TTL 3600 seconds (1h)\n"
    "002a  00 27                    RDLENGTH 39\n"
    "                               MNAME ns1.b.example.\n"
    "002c  03 6e 73 31                label 3: \"ns1\"\n"
    "0030  c0 11                      pointer to 0x0011: b.example.\n"
    "                               RNAME hostmaster.b.example.\n"
    "0032  0a 68 6f 73 74 6d 61 73    label 10: \"hostmaster\"\n"
    "003a  74 65 72\n"
    "003d  c0 11                      pointer to 0x0011: b.example.\n"
    "003f  78 a3 f1 75              SERIAL 2024010101\n"
    "0043  00 00 1c 20              REFRESH 7200 seconds (2h)\n"
    "0047  00 00 0e 10              RETRY 3600 seconds (1h)\n"
    "004b  00 12 75 00              EXPIRE 1209600 seconds (2w)\n"
    "004f  00 00 01 2c              MINIMUM 300 seconds (5m)\n"
    "0053                           end of the message, 83 bytes\n";

static void test_nxdomain_soa(void **state)
{
    struct fx *f = *state;
    header(f, 0x0042, QR | AA | RD | 3, 1, 0, 1, 0);
    question(f, "nope.b.example.", T_A);
    pointer(f, 0x11);                   /* b.example. */
    size_t rd = rr_begin(f, T_SOA, C_IN, 3600);
    labels(f, "ns1");
    pointer(f, 0x11);
    labels(f, "hostmaster");
    pointer(f, 0x11);
    u32(f, 2024010101);
    u32(f, 7200);
    u32(f, 3600);
    u32(f, 1209600);
    u32(f, 300);
    rr_end(f, rd);
    assert_string_equal(run_ok(f), nxdomain_dump);
}

/* The second string has what must be escaped: quotes, a backslash, a
 * control byte and DEL; its space stays a space. */
static const char txt_dump[] =
    "header\n"
    "0000  00 07                    ID 7\n"
    "0002  85 00                    flags\n"
    "                                 1... .... .... .... QR 1: response\n"
    "                                 .000 0... .... .... opcode 0: QUERY\n"
    "                                 .... .1.. .... .... AA 1: authoritative answer\n"
    "                                 .... ..0. .... .... TC 0: not truncated\n"
    "                                 .... ...1 .... .... RD 1: recursion desired\n"
    "                                 .... .... 0... .... RA 0: recursion unavailable\n"
    "                                 .... .... .0.. .... Z 0: reserved\n"
    "                                 .... .... ..0. .... AD 0: not authenticated\n"
    "                                 .... .... ...0 .... CD 0: checking enabled\n"
    "                                 .... .... .... 0000 RCODE 0: NOERROR\n"
    "0004  00 01                    QDCOUNT 1 (questions)\n"
    "0006  00 01                    ANCOUNT 1 (answers)\n"
    "0008  00 00                    NSCOUNT 0 (authority records)\n"
    "000a  00 00                    ARCOUNT 0 (additional records)\n"
    "question 1\n"
    "                               QNAME b.example.\n"
    "000c  01 62                      label 1: \"b\"\n"
    "000e  07 65 78 61 6d 70 6c 65    label 7: \"example\"\n"
    "0016  00                         label 0: the root\n"
    "0017  00 10                    QTYPE 16 TXT\n"
    "0019  00 01                    QCLASS 1 IN\n"
    "answer 1\n"
    "                               NAME b.example.\n"
    "001b  c0 0c                      pointer to 0x000c: b.example.\n"
    "001d  00 10                    TYPE 16 TXT\n"
    "001f  00 01                    CLASS 1 IN\n"
    "0021  00 00 01 2c              TTL 300 seconds (5m)\n"
    "0025  00 1c                    RDLENGTH 28\n"
    "0027  0b 76 3d 73 70 66 31 20  string 11: \"v=spf1 -all\"\n"
    "002f  2d 61 6c 6c\n"
    "0033  0f 73 61 79 20 22 68 69  string 15: \"say \\\"hi\\\"\\\\\\001\\127 end\"\n"
    "003b  22 5c 01 7f 20 65 6e 64\n"
    "0043                           end of the message, 67 bytes\n";

static void test_txt_two_strings(void **state)
{
    struct fx *f = *state;
    header(f, 7, QR | AA | RD, 1, 1, 0, 0);
    question(f, "b.example.", T_TXT);
    pointer(f, 0x0c);
    size_t rd = rr_begin(f, T_TXT, C_IN, 300);
    STRING(f, "v=spf1 -all");
    STRING(f, "say \"hi\"\\\x01\x7f end");
    rr_end(f, rd);
    assert_string_equal(run_ok(f), txt_dump);
}

static const char aaaa_dump[] =
    "header\n"
    "0000  00 08                    ID 8\n"
    "0002  81 80                    flags\n"
    "                                 1... .... .... .... QR 1: response\n"
    "                                 .000 0... .... .... opcode 0: QUERY\n"
    "                                 .... .0.. .... .... AA 0: not authoritative\n"
    "                                 .... ..0. .... .... TC 0: not truncated\n"
    "                                 .... ...1 .... .... RD 1: recursion desired\n"
    "                                 .... .... 1... .... RA 1: recursion available\n"
    "                                 .... .... .0.. .... Z 0: reserved\n"
    "                                 .... .... ..0. .... AD 0: not authenticated\n"
    "                                 .... .... ...0 .... CD 0: checking enabled\n"
    "                                 .... .... .... 0000 RCODE 0: NOERROR\n"
    "0004  00 01                    QDCOUNT 1 (questions)\n"
    "0006  00 01                    ANCOUNT 1 (answers)\n"
    "0008  00 00                    NSCOUNT 0 (authority records)\n"
    "000a  00 00                    ARCOUNT 0 (additional records)\n"
    "question 1\n"
    "                               QNAME mail.b.example.\n"
    "000c  04 6d 61 69 6c             label 4: \"mail\"\n"
    "0011  01 62                      label 1: \"b\"\n"
    "0013  07 65 78 61 6d 70 6c 65    label 7: \"example\"\n"
    "001b  00                         label 0: the root\n"
    "001c  00 1c                    QTYPE 28 AAAA\n"
    "001e  00 01                    QCLASS 1 IN\n"
    "answer 1\n"
    "                               NAME mail.b.example.\n"
    "0020  c0 0c                      pointer to 0x000c: mail.b.example.\n"
    "0022  00 1c                    TYPE 28 AAAA\n"
    "0024  00 01                    CLASS 1 IN\n"
    "0026  00 01 51 80              TTL 86400 seconds (1d)\n"
    "002a  00 10                    RDLENGTH 16\n"
    "002c  20 01 0d b8 00 00 00 00  ADDRESS 2001:db8::25\n"
    "0034  00 00 00 00 00 00 00 25\n"
    "003c                           end of the message, 60 bytes\n";

static void test_aaaa(void **state)
{
    struct fx *f = *state;
    header(f, 8, QR | RD | RA, 1, 1, 0, 0);
    question(f, "mail.b.example.", T_AAAA);
    pointer(f, 0x0c);
    size_t rd = rr_begin(f, T_AAAA, C_IN, 86400);
    put(f, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x25", 16);
    rr_end(f, rd);
    assert_string_equal(run_ok(f), aaaa_dump);
}

/* A query as dig +dnssec +cookie sends it: OPT with DO and a COOKIE. */
static const char opt_dump[] =
    "header\n"
    "0000  12 34                    ID 4660\n"
    "0002  01 20                    flags\n"
    "                                 0... .... .... .... QR 0: query\n"
    "                                 .000 0... .... .... opcode 0: QUERY\n"
    "                                 .... .0.. .... .... AA 0: not authoritative\n"
    "                                 .... ..0. .... .... TC 0: not truncated\n"
    "                                 .... ...1 .... .... RD 1: recursion desired\n"
    "                                 .... .... 0... .... RA 0: recursion unavailable\n"
    "                                 .... .... .0.. .... Z 0: reserved\n"
    "                                 .... .... ..1. .... AD 1: authentic data\n"
    "                                 .... .... ...0 .... CD 0: checking enabled\n"
    "                                 .... .... .... 0000 RCODE 0: NOERROR\n"
    "0004  00 01                    QDCOUNT 1 (questions)\n"
    "0006  00 00                    ANCOUNT 0 (answers)\n"
    "0008  00 00                    NSCOUNT 0 (authority records)\n"
    "000a  00 01                    ARCOUNT 1 (additional records)\n"
    "question 1\n"
    "                               QNAME mail.b.example.\n"
    "000c  04 6d 61 69 6c             label 4: \"mail\"\n"
    "0011  01 62                      label 1: \"b\"\n"
    "0013  07 65 78 61 6d 70 6c 65    label 7: \"example\"\n"
    "001b  00                         label 0: the root\n"
    "001c  00 01                    QTYPE 1 A\n"
    "001e  00 01                    QCLASS 1 IN\n"
    "additional 1\n"
    "                               NAME .\n"
    "0020  00                         label 0: the root\n"
    "0021  00 29                    TYPE 41 OPT\n"
    "0023  04 d0                    CLASS 1232: in OPT, the UDP payload size\n"
    "0025  00                       TTL in OPT: EXTENDED-RCODE 0 (RCODE 0 NOERROR)\n"
    "0026  00                       VERSION 0\n"
    "0027  80 00                    flags\n"
    "                                 1... .... .... .... DO 1: DNSSEC OK\n"
    "                                 .000 0000 0000 0000 Z 0\n"
    "0029  00 0c                    RDLENGTH 12\n"
    "002b  00 0a                    OPTION-CODE 10 COOKIE\n"
    "002d  00 08                    OPTION-LENGTH 8\n"
    "002f  01 23 45 67 89 ab cd ef  OPTION-DATA\n"
    "0037                           end of the message, 55 bytes\n";

static void test_opt(void **state)
{
    struct fx *f = *state;
    header(f, 0x1234, RD | AD, 1, 0, 0, 1);
    question(f, "mail.b.example.", T_A);
    name(f, ".");
    size_t rd = rr_begin(f, T_OPT, 1232, 0x00008000);
    u16(f, 10);
    u16(f, 8);
    put(f, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
    rr_end(f, rd);
    assert_string_equal(run_ok(f), opt_dump);
}

/* ------------------------------------------------------------------------
 * Fields in detail.
 */

/* RFC 5952 4.2 and 5: the longest zero run, the first of equal ones, never
 * a single zero group, and IPv4-mapped addresses dotted. */
static void test_aaaa_text(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *bytes, *text;
    } cases[] = {
        {"\x20\x01\x0d\xb8\0\0\0\0\0\x01\0\0\0\0\0\x01", "ADDRESS 2001:db8::1:0:0:1"},
        {"\x20\x01\x0d\xb8\0\0\0\x01\0\x01\0\x01\0\x01\0\x01", "ADDRESS 2001:db8:0:1:1:1:1:1"},
        {"\x20\x01\x0d\xb8\0\0\0\0\0\x01\0\0\0\0\0\0", "ADDRESS 2001:db8:0:0:1::"},
        {"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "ADDRESS ::"},
        {"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", "ADDRESS ::1"},
        {"\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "ADDRESS 1::"},
        {"\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\0\x02\x01", "ADDRESS ::ffff:192.0.2.1"},
        {"\xfe\x80\0\0\0\0\0\0\x02\x1a\x2b\xff\xfe\x3c\x4d\x5e",
         "ADDRESS fe80::21a:2bff:fe3c:4d5e"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        f->n = 0;
        header(f, 1, QR, 0, 1, 0, 0);
        name(f, "b.example.");
        size_t rd = rr_begin(f, T_AAAA, C_IN, 60);
        put(f, cases[i].bytes, 16);
        rr_end(f, rd);
        const char *out = run_ok(f);
        char want[128];
        snprintf(want, sizeof want, "0021  %02x %02x %02x %02x %02x %02x %02x %02x  %s",
                 f->msg[33], f->msg[34], f->msg[35], f->msg[36], f->msg[37], f->msg[38],
                 f->msg[39], f->msg[40], cases[i].text);
        assert_line(out, want);
    }
}

/* OPT's 8 bits above the header's RCODE (RFC 6891 6.1.3): 1 and 0 make 16,
 * BADVERS; a VERSION and Z bits are shown as they are. */
static void test_opt_extended_rcode(void **state)
{
    struct fx *f = *state;
    header(f, 1, QR, 0, 0, 0, 1);
    name(f, ".");
    size_t rd = rr_begin(f, T_OPT, 4096, 0x01017fffUL);
    rr_end(f, rd);
    const char *out = run_ok(f);
    assert_line(out, "0011  01                       "
                     "TTL in OPT: EXTENDED-RCODE 1 (RCODE 16 BADVERS)");
    assert_line(out, "0012  01                       VERSION 1");
    assert_line(out, "                                 "
                     "0... .... .... .... DO 0: no DNSSEC records");
    assert_line(out, "                                 .111 1111 1111 1111 Z 32767: must be 0");
    assert_line(out, "0015  00 00                    RDLENGTH 0");
}

/* Types without a mnemonic are TYPEnnn and their RDATA bytes; an A outside
 * IN is not decoded (its format is per class); a TTL with the top bit set
 * is read as 0 (RFC 2181 8). */
static void test_undecoded(void **state)
{
    struct fx *f = *state;
    header(f, 1, QR, 0, 2, 0, 0);
    name(f, "b.example.");
    size_t rd = rr_begin(f, 99, C_IN, 0x80000000UL);
    put(f, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09", 10);
    rr_end(f, rd);
    pointer(f, 0x0c);
    rd = rr_begin(f, T_A, C_CH, 0);
    put(f, "\x12\x34\x56", 3);
    rr_end(f, rd);
    const char *out = run_ok(f);
    static const char want[] =
        "answer 1\n"
        "                               NAME b.example.\n"
        "000c  01 62                      label 1: \"b\"\n"
        "000e  07 65 78 61 6d 70 6c 65    label 7: \"example\"\n"
        "0016  00                         label 0: the root\n"
        "0017  00 63                    TYPE 99 TYPE99\n"
        "0019  00 01                    CLASS 1 IN\n"
        "001b  80 00 00 00              TTL 2147483648: more than 2^31-1, read as 0\n"
        "001f  00 0a                    RDLENGTH 10\n"
        "0021  00 01 02 03 04 05 06 07  RDATA of IN TYPE99, not decoded\n"
        "0029  08 09\n"
        "answer 2\n"
        "                               NAME b.example.\n"
        "002b  c0 0c                      pointer to 0x000c: b.example.\n"
        "002d  00 01                    TYPE 1 A\n"
        "002f  00 03                    CLASS 3 CLASS3\n"
        "0031  00 00 00 00              TTL 0 seconds\n"
        "0035  00 03                    RDLENGTH 3\n"
        "0037  12 34 56                 RDATA of CLASS3 A, not decoded\n"
        "003a                           end of the message, 58 bytes\n";
    const char *at = strstr(out, "answer 1\n");
    assert_non_null(at);
    assert_string_equal(at, want);
}

/* The header's other bits and numbers: every flag set, an opcode and an
 * RCODE without a name. */
static void test_header_bits(void **state)
{
    struct fx *f = *state;
    header(f, 0xffff, 0xffff, 0, 0, 0, 0);
    const char *out = run_ok(f);
    static const char want[] =
        "header\n"
        "0000  ff ff                    ID 65535\n"
        "0002  ff ff                    flags\n"
        "                                 1... .... .... .... QR 1: response\n"
        "                                 .111 1... .... .... opcode 15: unassigned\n"
        "                                 .... .1.. .... .... AA 1: authoritative answer\n"
        "                                 .... ..1. .... .... TC 1: truncated\n"
        "                                 .... ...1 .... .... RD 1: recursion desired\n"
        "                                 .... .... 1... .... RA 1: recursion available\n"
        "                                 .... .... .1.. .... Z 1: reserved, must be 0\n"
        "                                 .... .... ..1. .... AD 1: authentic data\n"
        "                                 .... .... ...1 .... CD 1: checking disabled\n"
        "                                 .... .... .... 1111 RCODE 15: unassigned\n"
        "0004  00 00                    QDCOUNT 0 (questions)\n"
        "0006  00 00                    ANCOUNT 0 (answers)\n"
        "0008  00 00                    NSCOUNT 0 (authority records)\n"
        "000a  00 00                    ARCOUNT 0 (additional records)\n"
        "000c                           end of the message, 12 bytes\n";
    assert_string_equal(out, want);
    f->n = 0;
    header(f, 1, (5 << 11) | 5, 0, 0, 0, 0);
    out = run_ok(f);
    assert_line(out, "                                 .010 1... .... .... opcode 5: UPDATE");
    assert_line(out, "                                 .... .... .... 0101 RCODE 5: REFUSED");
}

/* A 63-octet label takes eight rows of hex and its text wraps beside them;
 * bytes a terminal should not get in a label are \DDD, a dot in one \. */
static void test_long_label_wraps(void **state)
{
    struct fx *f = *state;
    header(f, 1, 0, 1, 0, 0, 0);
    label_of(f, 63, 'x');
    put(f, "\x03" "a.\x07", 4);
    name(f, "example.");
    u16(f, T_A);
    u16(f, C_IN);
    const char *out = run_ok(f);
    static const char want[] =
        "question 1\n"
        "                               QNAME xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
        "                               xxxxxxxxxxxxxxxxxxxx.a\\.\\007.example.\n"
        "000c  3f 78 78 78 78 78 78 78    label 63: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
        "0014  78 78 78 78 78 78 78 78    xxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n"
        "001c  78 78 78 78 78 78 78 78\n"
        "0024  78 78 78 78 78 78 78 78\n"
        "002c  78 78 78 78 78 78 78 78\n"
        "0034  78 78 78 78 78 78 78 78\n"
        "003c  78 78 78 78 78 78 78 78\n"
        "0044  78 78 78 78 78 78 78 78\n"
        "004c  03 61 2e 07                label 3: \"a\\.\\007\"\n"
        "0050  07 65 78 61 6d 70 6c 65    label 7: \"example\"\n"
        "0058  00                         label 0: the root\n"
        "0059  00 01                    QTYPE 1 A\n"
        "005b  00 01                    QCLASS 1 IN\n"
        "005d                           end of the message, 93 bytes\n";
    const char *at = strstr(out, "question 1\n");
    assert_non_null(at);
    assert_string_equal(at, want);
}

/* ------------------------------------------------------------------------
 * Malformed messages: what could be read, then the error.
 */
static const char short_header_dump[] =
    "header\n"
    "0000  12 34                    ID 4660\n"
    "0002  01 00                    flags\n"
    "                                 0... .... .... .... QR 0: query\n"
    "                                 .000 0... .... .... opcode 0: QUERY\n"
    "                                 .... .0.. .... .... AA 0: not authoritative\n"
    "                                 .... ..0. .... .... TC 0: not truncated\n"
    "                                 .... ...1 .... .... RD 1: recursion desired\n"
    "                                 .... .... 0... .... RA 0: recursion unavailable\n"
    "                                 .... .... .0.. .... Z 0: reserved\n"
    "                                 .... .... ..0. .... AD 0: not authenticated\n"
    "                                 .... .... ...0 .... CD 0: checking enabled\n"
    "                                 .... .... .... 0000 RCODE 0: NOERROR\n"
    "*** offset 4: QDCOUNT needs 2 bytes, 1 left in the message\n";

static void test_truncated_header(void **state)
{
    struct fx *f = *state;
    put(f, "\x12\x34\x01\x00\x00", 5);
    assert_string_equal(run_error(f, "*** offset 4: QDCOUNT needs 2 bytes, 1 left in the message"),
                        short_header_dump);
    f->n = 0;
    run_error(f, "*** offset 0: ID needs 2 bytes, 0 left in the message");
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    assert_int_equal(dnsview_print(null, NULL, 0), -1);   /* never read */
    fclose(null);
    build_query(f);
    f->n = 11;
    run_error(f, "*** offset 10: ARCOUNT needs 2 bytes, 1 left in the message");
}

static void test_truncated_question(void **state)
{
    struct fx *f = *state;
    build_query(f);
    f->n -= 3;                          /* one byte of QTYPE left */
    const char *out = run_error(f, "*** offset 28: QTYPE needs 2 bytes, 1 left in the message");
    assert_line(out, "001b  00                         label 0: the root");

    f->n = 20;                          /* inside "example" */
    out = run_error(f, "*** offset 19: a label of 7 bytes runs past the end of the message");
    assert_true(strstr(out, "question 1\n"
                            "                               QNAME\n"
                            "000c  04 6d 61 69 6c             label 4: \"mail\"\n"
                            "0011  01 62                      label 1: \"b\"\n"
                            "*** offset 19:") != NULL);

    f->n = 27;                          /* the root is missing */
    run_error(f, "*** offset 27: the name runs past the end of the message");
}

static void test_pointer_forward(void **state)
{
    struct fx *f = *state;
    header(f, 1, RD, 1, 0, 0, 0);
    pointer(f, 0x12);                   /* to the QTYPE after it */
    u16(f, T_A);
    u16(f, C_IN);
    const char *out = run_error(f, "*** offset 12: pointer to 0x0012 does not point backwards");
    assert_true(strstr(out, "question 1\n"
                            "                               QNAME\n"
                            "*** offset 12:") != NULL);
}

static void test_pointer_to_itself(void **state)
{
    struct fx *f = *state;
    header(f, 1, RD, 1, 0, 0, 0);
    pointer(f, 0x0c);
    u16(f, T_A);
    u16(f, C_IN);
    run_error(f, "*** offset 12: pointer to 0x000c points to itself");
}

/* A pointer that does point backwards, but into the labels of the very
 * name it ends: the label at 0x0c swallows 0x0d and 0x0e, the pointer at
 * 0x0f leads to 0x0d, read as a label that ends at 0x0f again. A decoder
 * that only asks "before the pointer?" loops here for ever. */
static void test_pointer_loop(void **state)
{
    struct fx *f = *state;
    header(f, 1, RD, 1, 0, 0, 0);
    put(f, "\x02\x01\x41", 3);
    pointer(f, 0x0d);
    u16(f, T_A);
    u16(f, C_IN);
    const char *out =
        run_error(f, "*** offset 15: pointer to 0x000d is inside its own name (a loop)");
    assert_line(out, "000c  02 01 41                   label 2: \"\\001A\"");

    /* the first pointer of a name is fine, and leads to a label (the
     * QCLASS's 01) that covers a byte and comes back to the pointer */
    f->n = 0;
    header(f, 1, QR, 1, 1, 0, 0);
    name(f, "b.example.");
    u16(f, T_A);
    u16(f, 256);                        /* 0x19: 01 00 */
    pointer(f, 0x19);                   /* 0x1b */
    out = run_error(f, "*** offset 27: pointer to 0x0019 is inside its own name (a loop)");
    assert_true(strstr(out, "answer 1\n"
                            "                               NAME\n"
                            "001b  c0 19                      pointer to 0x0019\n"
                            "*** offset 27:") != NULL);
}

static void test_label_types(void **state)
{
    struct fx *f = *state;
    header(f, 1, RD, 1, 0, 0, 0);
    labels(f, "mail");
    u8(f, 0x40);                        /* extended label type, RFC 6891 5 */
    run_error(f, "*** offset 17: length byte 0x40: labels are 0-63, pointers 0xc0-0xff");
    f->n = 12;
    u8(f, 0x80);
    u8(f, 0);
    run_error(f, "*** offset 12: length byte 0x80: labels are 0-63, pointers 0xc0-0xff");
    f->n = 12;
    u8(f, 0xbf);
    u8(f, 0);
    run_error(f, "*** offset 12: length byte 0xbf: labels are 0-63, pointers 0xc0-0xff");
}

/* 255 octets on the wire is the most (RFC 1035 3.1); the root counts. */
static void test_name_length(void **state)
{
    struct fx *f = *state;
    header(f, 1, RD, 1, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        label_of(f, 63, 'a');           /* 192 octets */
    label_of(f, 61, 'b');               /* 254 */
    u8(f, 0);                           /* 255 */
    u16(f, T_A);
    u16(f, C_IN);
    run_ok(f);

    f->n = 12;
    for (int i = 0; i < 3; i++)
        label_of(f, 63, 'a');
    label_of(f, 62, 'b');               /* 255, and the root would be 256 */
    u8(f, 0);
    u16(f, T_A);
    u16(f, C_IN);
    run_error(f, "*** offset 204: the name is longer than 255 octets");
}

/* Too long only once a pointer adds the rest: the error is where the walk
 * crossed 255, in the name pointed to. */
static void test_name_length_through_pointer(void **state)
{
    struct fx *f = *state;
    header(f, 1, QR, 1, 1, 0, 0);
    for (int i = 0; i < 3; i++)
        label_of(f, 63, 'a');           /* 0x0c, 0x4c, 0x8c */
    u8(f, 0);
    u16(f, T_A);
    u16(f, C_IN);
    label_of(f, 63, 'b');               /* 64 + 193 = 257 */
    pointer(f, 0x0c);
    const char *out = run_error(f, "*** offset 140: the name is longer than 255 octets");
    assert_line(out, "0111  c0 0c                      pointer to 0x000c");
}

static void test_pointer_truncated(void **state)
{
    struct fx *f = *state;
    header(f, 1, RD, 1, 0, 0, 0);
    u8(f, 0xc0);
    run_error(f, "*** offset 12: a pointer needs 2 bytes, 1 left in the message");
}

/* DNSVIEW_POINTERS_MAX (127) pointers make a name; one more is refused,
 * so that a chain costs at most that many steps for each name. The chain
 * lives in the RDATA of a type not decoded, where any bytes may be: each
 * pointer names the one before it, the first names b.example. */
static void test_pointer_chain_limit(void **state)
{
    struct fx *f = *state;
    for (int n = 126; n <= 127; n++) {
        f->n = 0;
        header(f, 1, QR, 0, 2, 0, 0);
        name(f, "b.example.");          /* 0x0c */
        size_t rd = rr_begin(f, 99, C_IN, 60);
        assert_int_equal(rd, 33);
        unsigned prev = 0x0c;
        for (int i = 0; i < n; i++) {
            unsigned here = (unsigned)f->n;
            pointer(f, prev);
            prev = here;
        }
        rr_end(f, rd);
        pointer(f, prev);               /* answer 2's name: n + 1 pointers */
        rr_begin(f, T_A, C_IN, 60);
        f->msg[f->n - 1] = 4;
        put(f, "\xc0\x00\x02\x01", 4);
        if (n == 126)
            assert_line(run_ok(f), "                               NAME b.example.");
        else
            run_error(f, "*** offset 33: more than 127 pointers in one name");
    }
}

static void test_rdlength_past_end(void **state)
{
    struct fx *f = *state;
    header(f, 1, QR | RD | RA, 1, 1, 0, 0);
    question(f, "mail.b.example.", T_A);
    pointer(f, 0x0c);
    rr_begin(f, T_A, C_IN, 60);
    f->msg[f->n - 1] = 100;
    put(f, "\xc0\x00\x02\x01", 4);
    const char *out = run_error(f, "*** offset 42: RDLENGTH 100, but 4 bytes are left");
    assert_line(out, "002a  00 64                    RDLENGTH 100");
}

/* RDLENGTH must be what the RDATA's fields take: 5 for an A is one too
 * many, 3 too few. */
static void test_rdlength_mismatch(void **state)
{
    struct fx *f = *state;
    header(f, 1, QR | RD | RA, 1, 1, 0, 0);
    question(f, "mail.b.example.", T_A);
    pointer(f, 0x0c);
    size_t rd = rr_begin(f, T_A, C_IN, 60);
    put(f, "\xc0\x00\x02\x01\x09", 5);
    rr_end(f, rd);
    const char *out = run_error(f, "*** offset 48: RDLENGTH 5, but the A RDATA ends after 4 bytes");
    assert_line(out, "002c  c0 00 02 01              ADDRESS 192.0.2.1");

    f->n = rd;
    put(f, "\xc0\x00\x02", 3);
    rr_end(f, rd);
    run_error(f, "*** offset 44: ADDRESS needs 4 bytes, 3 left in the RDATA");

    /* a name in RDATA may not run past RDLENGTH either */
    f->msg[rd - 9] = T_CNAME;
    f->n = rd;
    labels(f, "www");
    pointer(f, 0x0c);
    f->msg[rd - 1] = 4;
    run_error(f, "*** offset 48: the name runs past the end of the RDATA");

    /* and a CNAME shorter than RDLENGTH leaves bytes over */
    f->msg[rd - 1] = 7;
    u8(f, 0);
    run_error(f, "*** offset 50: RDLENGTH 7, but the CNAME RDATA ends after 6 bytes");
}

static void test_txt_errors(void **state)
{
    struct fx *f = *state;
    header(f, 1, QR, 0, 1, 0, 0);
    name(f, "b.example.");
    size_t rd = rr_begin(f, T_TXT, C_IN, 60);
    put(f, "\x05" "abc", 4);
    rr_end(f, rd);
    u8(f, 0);                           /* a byte after the RDATA, not part of it */
    run_error(f, "*** offset 33: a string of 5 bytes runs past the end of the RDATA");

    f->n = rd;
    rr_end(f, rd);
    run_error(f, "*** offset 33: a TXT RDATA holds one or more strings, this none");
}

static void test_opt_errors(void **state)
{
    struct fx *f = *state;
    header(f, 1, 0, 0, 0, 0, 1);
    name(f, ".");
    size_t rd = rr_begin(f, T_OPT, 1232, 0);
    u16(f, 10);
    u16(f, 8);
    put(f, "\x01\x02\x03\x04", 4);
    rr_end(f, rd);
    run_error(f, "*** offset 27: OPTION-DATA needs 8 bytes, 4 left in the RDATA");

    f->n = rd;
    u16(f, 10);
    u8(f, 0);
    rr_end(f, rd);
    run_error(f, "*** offset 25: OPTION-LENGTH needs 2 bytes, 1 left in the RDATA");
}

static void test_trailing_bytes(void **state)
{
    struct fx *f = *state;
    build_query(f);
    put(f, "\xde\xad\xbe", 3);
    const char *out = run_error(f, "*** offset 32: 3 bytes after the last record");
    assert_line(out, "0020                           end of the last record, 35 bytes in all");
    f->n--;
    f->n--;
    run_error(f, "*** offset 32: 1 byte after the last record");
}

/* Counts promise more records than there are: the error is where the
 * bytes run out. */
static void test_counts_too_large(void **state)
{
    struct fx *f = *state;
    header(f, 1, QR, 1, 2, 0, 0);
    question(f, "mail.b.example.", T_A);
    pointer(f, 0x0c);
    size_t rd = rr_begin(f, T_A, C_IN, 60);
    put(f, "\xc0\x00\x02\x01", 4);
    rr_end(f, rd);
    run_error(f, "*** offset 48: the message ends before answer 2 of 2");

    f->n = 0;
    header(f, 1, 0, 65535, 65535, 65535, 65535);
    run_error(f, "*** offset 12: the message ends before question 1 of 65535");

    /* a record cut in its fixed fields */
    f->n = 0;
    header(f, 1, QR, 0, 0, 1, 0);
    name(f, ".");
    u16(f, T_NS);
    u16(f, C_IN);
    u16(f, 0);
    run_error(f, "*** offset 17: TTL needs 4 bytes, 2 left in the message");
}

/* What TCP's two-byte length can carry, and no more. */
static void test_message_size_limit(void **state)
{
    struct fx *f = *state;
    header(f, 1, 0, 0, 0, 0, 0);
    f->n = 65536;
    const char *out = run_error(f, "*** offset 0: 65536 bytes, more than a DNS message's 65535");
    assert_string_equal(out, "*** offset 0: 65536 bytes, more than a DNS message's 65535\n");
    f->n = 65535;
    out = run_error(f, "*** offset 12: 65523 bytes after the last record");
    assert_line(out, "000c                           end of the last record, 65535 bytes in all");
}

/* ------------------------------------------------------------------------
 * Fuzz findings (tests/fuzz/fuzz_dnsview.c).
 */
/* None so far: the first runs (17 minutes, 4.6 million inputs of up to
 * 8 KB, 98% of dnsview.c's lines reached) found no crash, no read past the
 * buffer and no broken promise of the dump. Each finding lands here as a
 * test of its bytes and its error line. */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_query),
        T(test_answer_a_pointer),
        T(test_mx_with_additional),
        T(test_nxdomain_soa),
        T(test_txt_two_strings),
        T(test_aaaa),
        T(test_opt),
        T(test_aaaa_text),
        T(test_opt_extended_rcode),
        T(test_undecoded),
        T(test_header_bits),
        T(test_long_label_wraps),
        T(test_truncated_header),
        T(test_truncated_question),
        T(test_pointer_forward),
        T(test_pointer_to_itself),
        T(test_pointer_loop),
        T(test_label_types),
        T(test_name_length),
        T(test_name_length_through_pointer),
        T(test_pointer_truncated),
        T(test_pointer_chain_limit),
        T(test_rdlength_past_end),
        T(test_rdlength_mismatch),
        T(test_txt_errors),
        T(test_opt_errors),
        T(test_trailing_bytes),
        T(test_counts_too_large),
        T(test_message_size_limit),
    };
    return cmocka_run_group_tests_name("dnsview", tests, NULL, NULL);
}
