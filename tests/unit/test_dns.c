/*
 * test_dns — DNS through the C host (host_dns.h): queries built and
 * responses read with ldns, as a client would, sent with dns_exchange() to
 * the default world's servers and to the small servers of
 * tests/worlds/dns.json, whose scripts (tests/worlds/dns/) misbehave one
 * way each: silent, failing, answering twice, raw bytes, a forged ID, a
 * bad record, big answers, asking themselves, a ring of servers asking
 * each other. The Lua API (s:answer, tutor.query, tutor.lookup,
 * tutor.hints) is driven from those scripts, and each script reports what
 * it saw in a TXT record or through tutor.log.
 *
 * Memory: squeeze.lua runs each host call with the state's nth allocation
 * failing, n = 1, 2, ..., and a test does the same around a whole
 * exchange; in the asan build, LeakSanitizer then finds any C memory that
 * a Lua error left behind. Every test has a fresh state folder.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>
#include <ldns/ldns.h>

#include "host/host_dns.h"
#include "dns/dns_wire.h"
#include "host/runtime.h"
#include "host/sandbox.h"
#include "host/server.h"
#include "host/world.h"

#define DEFAULT_WORLD "tutor/world/default.json"
#define TEST_WORLD "tests/worlds/dns.json"
#define NOTICES_MAX 16384

struct fx {
    struct world *w;
    struct runtime rt;
    bool rt_opened;
    char root[64];
    uint32_t pc;                        /* where the queries come from */
    char notices[NOTICES_MAX];          /* "kind: text\n", each notice */
};

static void collect(void *ctx, const char *kind, const char *text)
{
    struct fx *f = ctx;
    size_t n = strlen(f->notices);
    snprintf(f->notices + n, sizeof f->notices - n, "%s: %s\n", kind, text);
}

static int setup_world(void **state, const char *file)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    char err[RT_ERROR_MAX];
    if (!(f->w = world_load(file, err))) {
        fprintf(stderr, "world_load: %s\n", err);
        return -1;
    }
    snprintf(f->root, sizeof f->root, "/tmp/tutor-test-dns-XXXXXX");
    if (!mkdtemp(f->root)) {
        f->root[0] = '\0';
        return -1;
    }
    if (rt_open(&f->rt, f->w, ".", f->root, err) < 0) {
        fprintf(stderr, "rt_open: %s\n", err);
        return -1;
    }
    f->rt_opened = true;
    f->rt.notice = collect;
    f->rt.notice_ctx = f;
    const struct world_node *pc = world_node(f->w, "pc1");
    f->pc = pc ? world_node_addr(pc) : 0;
    return f->pc ? 0 : -1;
}

static int setup_default(void **state) { return setup_world(state, DEFAULT_WORLD); }
static int setup_test(void **state) { return setup_world(state, TEST_WORLD); }

static void squeeze_restore(void);

static int teardown(void **state)
{
    struct fx *f = *state;
    squeeze_restore();
    if (f->rt_opened)
        rt_close(&f->rt);
    world_free(f->w);
    char ferr[FS_ERROR_MAX];
    if (f->root[0])
        fs_remove_tree(f->root, ferr);
    free(f);
    return 0;
}

/* ------------------------------------------------------------------------
 * Queries and responses, as a client sees them.
 */
struct qopt {
    const char *name, *type;
    uint16_t id;
    bool rd, cd, dnssec_ok;
    int edns;                           /* the OPT's UDP size; 0: no OPT */
    int version;                        /* the OPT's EDNS version */
};

/* The query's wire form, new (free it). */
static uint8_t *make_query(const struct qopt *o, size_t *len)
{
    ldns_rdf *name = ldns_dname_new_frm_str(o->name);
    ldns_rr_type type = ldns_get_rr_type_by_name(o->type ? o->type : "A");
    assert_non_null(name);
    ldns_pkt *q = ldns_pkt_query_new(name, type, LDNS_RR_CLASS_IN, o->rd ? LDNS_RD : 0);
    assert_non_null(q);
    ldns_pkt_set_id(q, o->id);
    ldns_pkt_set_cd(q, o->cd);
    if (o->edns) {
        ldns_pkt_set_edns_udp_size(q, (uint16_t)o->edns);
        ldns_pkt_set_edns_version(q, (uint8_t)o->version);
        ldns_pkt_set_edns_do(q, o->dnssec_ok);
    }
    uint8_t *wire = NULL;
    assert_int_equal(ldns_pkt2wire(&wire, q, len), LDNS_STATUS_OK);
    ldns_pkt_free(q);
    return wire;
}

struct reply {
    enum dns_outcome out;
    uint8_t *wire;                      /* the response's bytes */
    size_t len;
    int rtt;
    char err[RT_ERROR_MAX];
    ldns_pkt *pkt;                      /* decoded, when it could be */
};

static void reply_free(struct reply *r)
{
    free(r->wire);
    ldns_pkt_free(r->pkt);
    memset(r, 0, sizeof *r);
}

static uint32_t addr(const char *s)
{
    uint32_t a;
    assert_int_equal(addr_parse_ipv4(s, &a), 0);
    return a;
}

/* Sends q_len bytes to `to` from the student's PC. */
static enum dns_outcome send_bytes(struct fx *f, const char *to, const void *q, size_t q_len,
                                   int tcp, struct reply *r)
{
    memset(r, 0, sizeof *r);
    r->out = dns_exchange(&f->rt, f->pc, addr(to), q, q_len, tcp, &r->wire, &r->len, &r->rtt,
                          r->err);
    if (r->out == DNS_OK && dns_wire_decode(&r->pkt, r->wire, r->len) != LDNS_STATUS_OK)
        r->pkt = NULL;
    return r->out;
}

/* Asks `to` and requires a response that decodes. */
static void ask(struct fx *f, const char *to, const struct qopt *o, int tcp, struct reply *r)
{
    size_t q_len;
    uint8_t *q = make_query(o, &q_len);
    if (send_bytes(f, to, q, q_len, tcp, r) != DNS_OK)
        fail_msg("%s %s to %s: no response (%s)\nnotices:\n%s", o->name, o->type, to, r->err,
                 f->notices);
    free(q);
    if (!r->pkt)
        fail_msg("%s %s to %s: the response does not decode", o->name, o->type, to);
}

/* The header, from the bytes (RFC 1035 4.1.1). */
static unsigned hdr_id(const struct reply *r) { return (unsigned)r->wire[0] << 8 | r->wire[1]; }
static bool hdr_qr(const struct reply *r) { return r->wire[2] & 0x80; }
static bool hdr_aa(const struct reply *r) { return r->wire[2] & 0x04; }
static bool hdr_tc(const struct reply *r) { return r->wire[2] & 0x02; }
static bool hdr_rd(const struct reply *r) { return r->wire[2] & 0x01; }
static bool hdr_ra(const struct reply *r) { return r->wire[3] & 0x80; }
static bool hdr_cd(const struct reply *r) { return r->wire[3] & 0x10; }
static unsigned hdr_rcode(const struct reply *r) { return r->wire[3] & 0x0f; }
static unsigned hdr_count(const struct reply *r, int i)    /* 0 QD, 1 AN, 2 NS, 3 AR */
{
    return (unsigned)r->wire[4 + 2 * i] << 8 | r->wire[5 + 2 * i];
}

/* The i-th answer record's first RDATA field as ldns prints it. */
static const char *rdata(const struct reply *r, size_t i, char out[512])
{
    out[0] = '\0';
    const ldns_rr_list *a = ldns_pkt_answer(r->pkt);
    if (!a || i >= ldns_rr_list_rr_count(a))
        return out;
    char *s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(a, i), 0));
    snprintf(out, 512, "%s", s ? s : "");
    free(s);
    return out;
}

/* The text of the i-th answer record, a TXT record's first string. */
static const char *txt(const struct reply *r, size_t i, char out[512])
{
    out[0] = '\0';
    const ldns_rr_list *a = ldns_pkt_answer(r->pkt);
    if (!a || i >= ldns_rr_list_rr_count(a))
        return out;
    const ldns_rr *rr = ldns_rr_list_rr(a, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT || ldns_rr_rd_count(rr) < 1)
        return out;
    const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
    const uint8_t *d = ldns_rdf_data(rd);
    size_t n = ldns_rdf_size(rd) > 0 ? ldns_rdf_size(rd) - 1 : 0;
    if (n > d[0])
        n = d[0];
    memcpy(out, d + 1, n);
    out[n] = '\0';
    return out;
}

static size_t n_answers(const struct reply *r)
{
    return ldns_rr_list_rr_count(ldns_pkt_answer(r->pkt));
}

/* The response's question is the query's, byte for byte (RFC 1035 4.1.2):
 * the first name of a message cannot be compressed, so it is copied. */
static void assert_question_echoed(const struct reply *r, const struct qopt *o)
{
    size_t q_len;
    uint8_t *q = make_query(o, &q_len);
    size_t qsize = q_len - 12 - (o->edns ? 11 : 0);
    assert_int_equal(hdr_count(r, 0), 1);
    assert_true(r->len >= 12 + qsize);
    assert_memory_equal(r->wire + 12, q + 12, qsize);
    free(q);
}

/* The OPT record at the end of the response, if it is the last record:
 * what RFC 6891 6.1.2 puts in its fields. */
struct opt {
    bool present;
    unsigned size, ext_rcode, version;
    bool dnssec_ok;
};

static struct opt last_opt(const struct reply *r)
{
    struct opt o = {0};
    const uint8_t *w = r->wire + r->len - 11;      /* root owner, no options */
    if (r->len < 12 + 11 || hdr_count(r, 3) == 0 || w[0] != 0 || w[1] != 0 || w[2] != 41)
        return o;
    o.present = true;
    o.size = (unsigned)w[3] << 8 | w[4];
    o.ext_rcode = w[5];
    o.version = w[6];
    o.dnssec_ok = w[7] & 0x80;
    return o;
}

static bool noticed(const struct fx *f, const char *text)
{
    return strstr(f->notices, text) != NULL;
}

/* ------------------------------------------------------------------------
 * The default world: the resolver and an authoritative server.
 */
static void test_resolver_recurses(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "mail.b.example.", .type = "A", .id = 0x1234, .rd = true};
    struct reply r;
    char buf[512];
    ask(f, "192.0.2.53", &o, 0, &r);
    assert_int_equal(hdr_id(&r), 0x1234);
    assert_true(hdr_qr(&r));
    assert_true(hdr_rd(&r));
    assert_true(hdr_ra(&r));
    assert_false(hdr_aa(&r));
    assert_false(hdr_tc(&r));
    assert_int_equal(hdr_rcode(&r), LDNS_RCODE_NOERROR);
    assert_question_echoed(&r, &o);
    assert_int_equal(n_answers(&r), 1);
    const ldns_rr *a = ldns_rr_list_rr(ldns_pkt_answer(r.pkt), 0);
    assert_int_equal(ldns_rr_get_type(a), LDNS_RR_TYPE_A);
    char *owner = ldns_rdf2str(ldns_rr_owner(a));
    assert_string_equal(owner, "mail.b.example.");
    free(owner);
    assert_string_equal(rdata(&r, 0, buf), "198.51.100.25");
    /* no EDNS asked, none given (RFC 6891 7) */
    assert_int_equal(hdr_count(&r, 3), 0);
    assert_false(ldns_pkt_edns(r.pkt));
    reply_free(&r);
}

static void test_authoritative_has_aa(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "mail.b.example.", .type = "A", .id = 0x0b0b, .rd = true};
    struct reply r;
    char buf[512];
    ask(f, "198.51.100.53", &o, 0, &r);
    assert_int_equal(hdr_id(&r), 0x0b0b);
    assert_true(hdr_aa(&r));
    assert_true(hdr_rd(&r));
    assert_int_equal(hdr_rcode(&r), LDNS_RCODE_NOERROR);
    assert_question_echoed(&r, &o);
    assert_int_equal(n_answers(&r), 1);
    assert_string_equal(rdata(&r, 0, buf), "198.51.100.25");
    reply_free(&r);
    /* the resolver of a.example is no authority for b.example, even
     * with the answer in its cache now */
    ask(f, "192.0.2.53", &o, 0, &r);
    assert_false(hdr_aa(&r));
    reply_free(&r);
}

static void test_edns_gets_opt(void **state)
{
    struct fx *f = *state;
    struct reply r;
    struct qopt o = {.name = "mail.a.example.", .type = "A", .id = 7, .rd = true,
                     .edns = 4096, .dnssec_ok = true};
    ask(f, "192.0.2.53", &o, 0, &r);
    struct opt opt = last_opt(&r);
    assert_true(opt.present);
    assert_int_equal(hdr_count(&r, 3), 1);
    assert_int_equal(opt.size, DNS_EDNS_SIZE);
    assert_int_equal(opt.version, 0);
    assert_int_equal(opt.ext_rcode, 0);
    assert_true(opt.dnssec_ok);                 /* DO copied (RFC 3225 3) */
    assert_true(ldns_pkt_edns(r.pkt));
    assert_question_echoed(&r, &o);
    reply_free(&r);

    o.dnssec_ok = false;
    o.edns = 512;
    ask(f, "192.0.2.53", &o, 0, &r);
    opt = last_opt(&r);
    assert_true(opt.present);
    assert_false(opt.dnssec_ok);
    reply_free(&r);

    o.edns = 0;
    ask(f, "192.0.2.53", &o, 0, &r);
    assert_false(last_opt(&r).present);
    assert_int_equal(hdr_count(&r, 3), 0);
    reply_free(&r);
}

static void test_id_and_rd_copied(void **state)
{
    struct fx *f = *state;
    static const uint16_t ids[] = {0, 1, 0x8000, 0xffff};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        for (int rd = 0; rd < 2; rd++) {
            struct qopt o = {.name = "ns.a.example.", .type = "A", .id = ids[i], .rd = rd,
                             .cd = i % 2};
            struct reply r;
            ask(f, "192.0.2.53", &o, 0, &r);
            assert_int_equal(hdr_id(&r), ids[i]);
            assert_int_equal(hdr_rd(&r), rd);
            assert_int_equal(hdr_cd(&r), i % 2);
            assert_true(hdr_qr(&r));
            assert_true(hdr_aa(&r));            /* its own zone */
            assert_question_echoed(&r, &o);
            reply_free(&r);
        }
    }
}

/* A FORMERR from the host: 12 bytes, the ID (when there were two bytes),
 * QR, and the query's opcode and RD. */
static void expect_formerr(struct fx *f, const char *to, const uint8_t *q, size_t q_len)
{
    struct reply r;
    if (send_bytes(f, to, q, q_len, 0, &r) != DNS_OK)
        fail_msg("%zu bytes to %s: no response (%s)", q_len, to, r.err);
    assert_int_equal(r.len, 12);
    assert_int_equal(hdr_id(&r), q_len >= 2 ? (unsigned)q[0] << 8 | q[1] : 0);
    assert_true(hdr_qr(&r));
    assert_int_equal(hdr_rd(&r), q_len >= 3 && (q[2] & 1));
    assert_int_equal(hdr_rcode(&r), LDNS_RCODE_FORMERR);
    for (int i = 0; i < 4; i++)
        assert_int_equal(hdr_count(&r, i), 0);
    reply_free(&r);
}

/* Messages no server can read; the last three decode with ldns but
 * compress forwards, which RFC 1035 4.1.4 does not allow. */
static const uint8_t FIVE[] = {0xab, 0xcd, 0x01, 0x00, 0x00};
static const uint8_t HEADER_ONLY[] = {0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
static const uint8_t ONE[] = {0x42};
static const uint8_t POINTER_TO_ITSELF[] = {0x12, 0x01, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                            0xc0, 12, 0, 1, 0, 1};
static const uint8_t POINTER_LOOP[] = {0x12, 0x02, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                       1, 'a', 0xc0, 12, 0, 1, 0, 1};
static const uint8_t BAD_LABEL_TYPE[] = {0x12, 0x03, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                         0x41, 'a', 0, 0, 1, 0, 1};
static const uint8_t POINTER_FORWARD[] = {0x12, 0x04, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                          0xc0, 18, 0, 1, 0, 1, 4, 'm', 'a', 'i', 'l', 0};
/* the name is a pointer into its own QTYPE: the 0 there reads as the root */
static const uint8_t POINTER_INTO_QTYPE[] = {0x12, 0x05, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                             0xc0, 14, 0, 1, 0, 1};
/* a first question that is fine, then one whose suffix is a pointer to a
 * name after it */
static const uint8_t POINTER_FORWARD_LATER[] = {
    0x12, 0x06, 0x00, 0x00, 0, 2, 0, 0, 0, 0, 0, 0,
    4, 'm', 'a', 'i', 'l', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,       /* 12: mail.test. */
    3, 'w', 'w', 'w', 0xc0, 37, 0, 1, 0, 1,                             /* 27: www + ptr 37 */
    4, 't', 'e', 's', 't', 0};                                          /* 37: test. */

/* Three TSIG records, none of them last but one (RFC 8945 5.1: FORMERR):
 * ldns 1.8.3 keeps the last TSIG and lost the others' memory, 48 bytes a
 * query, found by tests/fuzz/fuzz_exchange.c. */
#define TSIG_RR 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0
static const uint8_t TSIGS[] = {0x12, 0x07, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 3,
                                0, 0, 1, 0, 1, TSIG_RR, TSIG_RR, TSIG_RR};
/* a TSIG first, then an ordinary record */
static const uint8_t TSIG_NOT_LAST[] = {0x12, 0x08, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 2,
                                        0, 0, 1, 0, 1, TSIG_RR, 0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0};
static const uint8_t TSIG_LAST[] = {0x12, 0x09, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
                                    0, 0, 1, 0, 1, TSIG_RR};

static void test_tsig_not_last(void **state)
{
    struct fx *f = *state;
    expect_formerr(f, "192.0.2.53", TSIGS, sizeof TSIGS);
    expect_formerr(f, "203.0.113.53", TSIG_NOT_LAST, sizeof TSIG_NOT_LAST);
    /* the same rule for answers, which scripts may send as raw bytes */
    ldns_pkt *p = NULL;
    assert_int_equal(dns_wire_decode(&p, TSIGS, sizeof TSIGS), LDNS_STATUS_WIRE_RDATA_ERR);
    assert_null(p);
    assert_int_equal(dns_wire_decode(&p, TSIG_LAST, sizeof TSIG_LAST), LDNS_STATUS_OK);
    assert_non_null(ldns_pkt_tsig(p));
    ldns_pkt_free(p);
    assert_string_equal(f->notices, "");
}

static void test_garbage_gets_formerr(void **state)
{
    struct fx *f = *state;
    expect_formerr(f, "192.0.2.53", FIVE, sizeof FIVE);
    expect_formerr(f, "192.0.2.53", HEADER_ONLY, sizeof HEADER_ONLY);
    expect_formerr(f, "192.0.2.53", ONE, sizeof ONE);
    expect_formerr(f, "192.0.2.53", NULL, 0);
    expect_formerr(f, "192.0.2.53", POINTER_TO_ITSELF, sizeof POINTER_TO_ITSELF);
    expect_formerr(f, "192.0.2.53", POINTER_LOOP, sizeof POINTER_LOOP);
    expect_formerr(f, "192.0.2.53", BAD_LABEL_TYPE, sizeof BAD_LABEL_TYPE);
    expect_formerr(f, "192.0.2.53", POINTER_FORWARD, sizeof POINTER_FORWARD);
    expect_formerr(f, "192.0.2.53", POINTER_INTO_QTYPE, sizeof POINTER_INTO_QTYPE);
    expect_formerr(f, "192.0.2.53", POINTER_FORWARD_LATER, sizeof POINTER_FORWARD_LATER);
    expect_formerr(f, "203.0.113.53", POINTER_FORWARD, sizeof POINTER_FORWARD);
    assert_string_equal(f->notices, "");
}

/* Six questions of 196 bytes each, found by tests/fuzz/fuzz_exchange.c:
 * the response echoes them all, so even the header and question did not
 * fit in 512 bytes and went out over UDP as they were, with TC set. Now
 * the header alone goes, with TC; the same for the host's BADVERS. */
static size_t many_questions(uint8_t *q, size_t size, uint16_t id, bool edns_v1)
{
    size_t n = 0;
    uint8_t header[12] = {id >> 8, id & 0xff, 0, 0, 0, 6, 0, 0, 0, 0, 0, edns_v1};
    memcpy(q, header, sizeof header);
    n = sizeof header;
    for (int i = 0; i < 6; i++) {
        for (int l = 0; l < 3; l++) {
            q[n++] = 60;
            memset(q + n, 'a' + i, 60);
            n += 60;
        }
        static const uint8_t rest[] = {1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
        memcpy(q + n, rest, sizeof rest);
        n += sizeof rest;
    }
    if (edns_v1) {
        static const uint8_t opt[] = {0, 0, 41, 0x02, 0x00, 0, 1, 0, 0, 0, 0};  /* 512, v1 */
        memcpy(q + n, opt, sizeof opt);
        n += sizeof opt;
    }
    assert_true(n <= size);
    return n;
}

static void test_many_questions_formerr(void **state)
{
    struct fx *f = *state;
    static const char *const servers[] = {"192.0.2.53", "198.51.100.53", "203.0.113.53"};
    for (int v1 = 0; v1 <= 1; v1++) {
        for (size_t i = 0; i < sizeof servers / sizeof *servers; i++) {
            uint8_t q[1300];
            size_t q_len = many_questions(q, sizeof q, 0x6a00 + (uint16_t)i, v1);
            struct reply r;
            assert_int_equal(send_bytes(f, servers[i], q, q_len, 0, &r), DNS_OK);
            assert_true(r.len <= DNS_UDP_MAX);
            assert_non_null(r.pkt);
            assert_int_equal(hdr_id(&r), 0x6a00 + i);
            assert_true(hdr_qr(&r));
            /* RFC 9619: FORMERR, with the first question, never a bare
             * header or a truncated answer to a hundred questions */
            assert_int_equal(hdr_rcode(&r), LDNS_RCODE_FORMERR);
            assert_false(hdr_tc(&r));
            assert_int_equal(hdr_count(&r, 0), 1);
            reply_free(&r);
        }
    }
}

/* Random damage to a good query: whatever comes of it, the server answers
 * (with the query's ID) or stays silent, and nothing crashes (the asan
 * build runs this too). The generator is fixed, so a failure repeats. */
static void test_damaged_queries(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "mail.b.example.", .type = "MX", .id = 0x5151, .rd = true,
                     .edns = 1232};
    size_t good_len;
    uint8_t *good = make_query(&o, &good_len);
    uint32_t seed = 20020529;
    int answered = 0, formerr = 0;
    for (int i = 0; i < 400; i++) {
        uint8_t q[64];
        size_t q_len = good_len;
        memcpy(q, good, good_len);
        int damage = 1 + i % 4;
        for (int d = 0; d < damage; d++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % good_len;
            uint8_t v = (uint8_t)(seed >> 20);
            switch ((seed >> 28) % 4) {
            case 0: q[at] = v; break;
            case 1: q[at] = 0xc0 | (v & 0x01); if (at + 1 < sizeof q) q[at + 1] = v; break;
            case 2: q_len = at; break;
            default: q[at] ^= 1u << (v % 8); break;
            }
        }
        if (i % 2 && q_len > 2)
            q[2] &= ~0x01;              /* RD clear half the time: fewer walks */
        struct reply r;
        enum dns_outcome out = send_bytes(f, "192.0.2.53", q, q_len, 0, &r);
        assert_int_not_equal(out, DNS_REFUSED);
        if (out == DNS_OK) {
            answered++;
            assert_true(r.len >= 12);
            assert_true(hdr_qr(&r));
            if (q_len >= 2)
                assert_int_equal(hdr_id(&r), (unsigned)q[0] << 8 | q[1]);
            formerr += hdr_rcode(&r) == LDNS_RCODE_FORMERR;
        }
        reply_free(&r);
    }
    free(good);
    assert_true(answered > 200);
    assert_true(formerr > 50);
}

static void test_nobody_there(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "mail.b.example.", .type = "A", .id = 9, .rd = true};
    size_t q_len;
    uint8_t *q = make_query(&o, &q_len);
    struct reply r;
    assert_int_equal(send_bytes(f, "192.0.2.99", q, q_len, 0, &r), DNS_TIMEOUT);
    assert_null(r.wire);
    assert_string_equal(r.err, "no host has the address 192.0.2.99");
    assert_int_equal(send_bytes(f, "192.0.2.25", q, q_len, 0, &r), DNS_REFUSED);
    assert_null(r.wire);
    assert_string_equal(r.err, "mail.a.example runs no DNS server");
    free(q);
}

/* ------------------------------------------------------------------------
 * The test world: scripts that misbehave.
 */
static void test_silent_times_out(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "x.test.", .type = "A", .id = 1};
    size_t q_len;
    uint8_t *q = make_query(&o, &q_len);
    struct reply r;
    assert_int_equal(send_bytes(f, "192.0.2.101", q, q_len, 0, &r), DNS_TIMEOUT);
    assert_null(r.wire);
    assert_string_equal(r.err, "the server did not answer");
    assert_string_equal(f->notices, "log: silent.lua: heard x.test.\n");
    free(q);
}

static void test_raise_times_out(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "x.test.", .type = "A", .id = 1};
    size_t q_len;
    uint8_t *q = make_query(&o, &q_len);
    struct reply r;
    assert_int_equal(send_bytes(f, "192.0.2.102", q, q_len, 0, &r), DNS_TIMEOUT);
    assert_string_equal(r.err, "the server's script failed");
    assert_string_equal(f->notices, "error: ./dns/raise.lua:4: no answer from raise.test\n");
    free(q);
}

static void test_second_answer_raises(void **state)
{
    struct fx *f = *state;
    struct reply r;
    char buf[512];
    /* caught: the error says why, the first answer is the one sent */
    struct qopt o = {.name = "caught.test.", .type = "A", .id = 0x7777};
    ask(f, "192.0.2.103", &o, 0, &r);
    assert_int_equal(hdr_id(&r), 0x7777);
    assert_int_equal(n_answers(&r), 1);
    assert_string_equal(rdata(&r, 0, buf), "192.0.2.1");
    assert_string_equal(f->notices, "log: twice.lua: second answer: false "
                                    "the query is already answered\n");
    reply_free(&r);

    /* not caught: the script fails, but what it sent has left */
    f->notices[0] = '\0';
    o.name = "plain.test.";
    ask(f, "192.0.2.103", &o, 0, &r);
    assert_int_equal(n_answers(&r), 1);
    assert_string_equal(rdata(&r, 0, buf), "192.0.2.1");
    assert_string_equal(f->notices,
                        "error: ./dns/twice.lua:20: the query is already answered\n");
    reply_free(&r);

    /* answered while the host read the answer's table: that first answer
     * stands, and the outer s:answer raises (in the asan build: without
     * leaking the first answer's bytes) */
    f->notices[0] = '\0';
    o.name = "meta.test.";
    size_t q_len;
    uint8_t *q = make_query(&o, &q_len);
    assert_int_equal(send_bytes(f, "192.0.2.103", q, q_len, 0, &r), DNS_OK);
    assert_int_equal(r.len, 7);
    assert_memory_equal(r.wire, "\1\2early", 7);
    assert_string_equal(f->notices, "log: twice.lua: answer from __index: false "
                                    "the query is already answered\n");
    reply_free(&r);
    free(q);
}

/* How many times the notices hold `what`. */
static int times(const char *notices, const char *what)
{
    int n = 0;
    for (const char *p = strstr(notices, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* The first answer record's TTL. */
static uint32_t first_ttl(const struct reply *r)
{
    const ldns_rr_list *an = ldns_pkt_answer(r->pkt);
    assert_true(an && ldns_rr_list_rr_count(an) > 0);
    return ldns_rr_ttl(ldns_rr_list_rr(an, 0));
}

/* s:answer{cache = ...}: the host answers a question asked again without
 * the script, with the new query's ID, "ttl" TTLs counted down, "zone"
 * ones kept; only what may be kept is, for no longer than its TTL. */
static void test_message_cache(void **state)
{
    struct fx *f = *state;
    struct reply r;
    struct qopt o = {.name = "www.kept.test.", .type = "A", .id = 1, .rd = true};
    ask(f, "192.0.2.114", &o, 0, &r);
    assert_int_equal(first_ttl(&r), 300);
    reply_free(&r);
    o.id = 2;
    ask(f, "192.0.2.114", &o, 0, &r);
    assert_int_equal(times(f->notices, "asked www.kept.test."), 1);    /* from the cache */
    assert_int_equal(hdr_id(&r), 2);
    assert_true(first_ttl(&r) < 300 && first_ttl(&r) >= 290);          /* a second a datagram */
    assert_true(hdr_rd(&r));
    reply_free(&r);
    /* another case, flags, EDNS or transport is another question */
    struct qopt other[] = {
        {.name = "WWW.kept.test.", .type = "A", .id = 3, .rd = true},
        {.name = "www.kept.test.", .type = "A", .id = 4, .rd = false},
        {.name = "www.kept.test.", .type = "A", .id = 5, .rd = true, .edns = 1232},
        {.name = "www.kept.test.", .type = "A", .id = 6, .rd = true, .edns = 1232, .dnssec_ok = true},
        {.name = "www.kept.test.", .type = "AAAA", .id = 7, .rd = true},
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        ask(f, "192.0.2.114", &other[i], 0, &r);
        assert_int_equal(hdr_id(&r), other[i].id);
        reply_free(&r);
    }
    ask(f, "192.0.2.114", &o, 1, &r);                                 /* TCP */
    reply_free(&r);
    assert_int_equal(times(f->notices, "asked www.kept.test."), 6);     /* 4 + AAAA + TCP */
    assert_int_equal(times(f->notices, "asked WWW.kept.test."), 1);
    /* "zone": the TTL as the zone has it */
    struct qopt zone = {.name = "zone.kept.test.", .type = "A", .id = 8, .rd = true};
    for (int i = 0; i < 3; i++) {
        ask(f, "192.0.2.114", &zone, 0, &r);
        assert_int_equal(first_ttl(&r), 300);
        reply_free(&r);
    }
    assert_int_equal(times(f->notices, "asked zone.kept.test."), 1);
    /* never kept: SERVFAIL, a TTL of 0; kept no longer than the TTL */
    const char *again[] = {"fail.kept.test.", "zero.kept.test.", "short.kept.test."};
    for (size_t i = 0; i < 3; i++) {
        struct qopt q = {.name = again[i], .type = "A", .id = 9, .rd = true};
        for (int k = 0; k < 3; k++) {
            ask(f, "192.0.2.114", &q, 0, &r);     /* a second a datagram: */
            reply_free(&r);                         /* short's 2 s end at the third */
        }
    }
    assert_int_equal(times(f->notices, "asked fail.kept.test."), 3);
    assert_int_equal(times(f->notices, "asked zero.kept.test."), 3);
    assert_int_equal(times(f->notices, "asked short.kept.test."), 2);
    /* a cache value there is not is the script's error */
    struct qopt bad = {.name = "bad.kept.test.", .type = "A", .id = 10, .rd = true};
    struct reply br;
    size_t q_len;
    uint8_t *q = make_query(&bad, &q_len);
    assert_int_equal(send_bytes(f, "192.0.2.114", q, q_len, 0, &br), DNS_TIMEOUT);
    free(q);
    reply_free(&br);
    assert_non_null(strstr(f->notices, "answer: cache must be \"ttl\" or \"zone\""));
    /* a fresh start forgets: the servers are closed */
    char err[RT_ERROR_MAX];
    assert_int_equal(rt_reset(&f->rt, err), 0);
    ask(f, "192.0.2.114", &o, 0, &r);
    assert_int_equal(first_ttl(&r), 300);
    reply_free(&r);
    assert_int_equal(times(f->notices, "asked www.kept.test."), 7);
}

/* The default world's resolver lets the host keep what its own cache and
 * zones would give again; the answers are the same, from either. */
static void test_resolver_kept_answers(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "mail.b.example.", .type = "A", .id = 1, .rd = true};
    struct reply r[3];
    for (int i = 0; i < 3; i++) {
        o.id = (uint16_t)(100 + i);
        ask(f, "192.0.2.53", &o, 0, &r[i]);
    }
    /* the walk, then the script's cache, then the host's: TTLs go down a
     * second a datagram either way */
    assert_int_equal(first_ttl(&r[1]) - first_ttl(&r[2]), 1);
    assert_int_equal(ldns_pkt_ancount(r[1].pkt), ldns_pkt_ancount(r[2].pkt));
    assert_int_equal(r[1].len, r[2].len);
    assert_int_equal(hdr_id(&r[2]), 102);
    for (int i = 0; i < 3; i++)
        reply_free(&r[i]);
}

static void test_raw_bytes_arrive(void **state)
{
    struct fx *f = *state;
    static const uint8_t want[] = "\x12\x34\0raw\xff\0bytes\n";
    /* over UDP without EDNS, and over TCP: no limit, no TC, no OPT */
    for (int tcp = 0; tcp < 2; tcp++) {
        struct qopt o = {.name = "x.test.", .type = "A", .id = 0x4242, .edns = 1232 * tcp};
        size_t q_len;
        uint8_t *q = make_query(&o, &q_len);
        struct reply r;
        assert_int_equal(send_bytes(f, "192.0.2.104", q, q_len, tcp, &r), DNS_OK);
        assert_int_equal(r.len, sizeof want - 1);
        assert_memory_equal(r.wire, want, sizeof want - 1);
        assert_null(r.pkt);                     /* it is no DNS message */
        reply_free(&r);
        free(q);
    }
}

static void test_forged_id(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "www.test.", .type = "A", .id = 0x2222, .rd = true};
    struct reply r;
    char buf[512];
    ask(f, "192.0.2.105", &o, 0, &r);
    assert_int_equal(hdr_id(&r), 4711);
    assert_true(hdr_aa(&r));
    assert_true(hdr_rd(&r));
    assert_question_echoed(&r, &o);
    assert_string_equal(rdata(&r, 0, buf), "192.0.2.66");
    reply_free(&r);
}

/* badrec.lua: s:answer refuses what is not an answer, and says what. */
static void test_bad_answer_named(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *name, *error;
    } cases[] = {
        {"record.test.", "error: ./dns/badrec.lua:19: answer: answer record 1: "},
        {"number.test.", "error: ./dns/badrec.lua:19: answer: authority record 2 is not a string\n"},
        {"rcode3.test.", "error: ./dns/badrec.lua:19: answer: unknown rcode \"3\"\n"},
        {"unknown.test.", "error: ./dns/badrec.lua:19: answer: unknown rcode "
                          "\"NOPEPEPEPEPEPEPEPEPEPEPEPEPEPEPEPEPEPEPEPE\"\n"},
        {"id.test.", "error: ./dns/badrec.lua:19: bad argument #1 to 'answer' "
                     "(id must be 0 to 65535)\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct qopt o = {.name = cases[i].name, .type = "A", .id = 1};
        size_t q_len;
        uint8_t *q = make_query(&o, &q_len);
        struct reply r;
        f->notices[0] = '\0';
        assert_int_equal(send_bytes(f, "192.0.2.106", q, q_len, 0, &r), DNS_TIMEOUT);
        if (strncmp(f->notices, cases[i].error, strlen(cases[i].error)) != 0)
            fail_msg("%s: got \"%s\"", cases[i].name, f->notices);
        free(q);
        /* the record itself is quoted, so the script's author can find it */
        if (i == 0)
            assert_true(noticed(f, "\"record.test. 60 IN A 192.0.2.1.5\"\n"));
    }
}

/* big.lua: "nN.big.test." has N TXT records of 113 bytes on the wire. */
static void test_truncation(void **state)
{
    struct fx *f = *state;
    struct reply r;
    char buf[512];

    /* 8 records, over 512 bytes: without EDNS, TC and the question alone */
    struct qopt o = {.name = "n8.big.test.", .type = "TXT", .id = 0x0808, .rd = true};
    ask(f, "192.0.2.107", &o, 0, &r);
    assert_true(hdr_tc(&r));
    assert_true(hdr_aa(&r));
    assert_true(hdr_rd(&r));
    assert_int_equal(hdr_id(&r), 0x0808);
    assert_true(r.len <= DNS_UDP_MAX);
    for (int i = 1; i < 4; i++)
        assert_int_equal(hdr_count(&r, i), 0);
    assert_question_echoed(&r, &o);
    reply_free(&r);

    /* the same over TCP: all of it */
    ask(f, "192.0.2.107", &o, 1, &r);
    assert_false(hdr_tc(&r));
    assert_int_equal(n_answers(&r), 8);
    assert_true(r.len > DNS_UDP_MAX && r.len < DNS_EDNS_SIZE);
    char want[128];
    snprintf(want, sizeof want, "008%097d", 0);
    memset(want + 3, 'x', 97);
    assert_string_equal(txt(&r, 7, buf), want);
    size_t tcp_len = r.len;
    reply_free(&r);

    /* with EDNS 1232 it fits in UDP, OPT and all */
    o.edns = DNS_EDNS_SIZE;
    ask(f, "192.0.2.107", &o, 0, &r);
    assert_false(hdr_tc(&r));
    assert_int_equal(n_answers(&r), 8);
    assert_int_equal(r.len, tcp_len + 11);
    assert_true(last_opt(&r).present);
    reply_free(&r);

    /* EDNS 600 is less than the answer: TC, and still the OPT (RFC 6891 7) */
    o.edns = 600;
    ask(f, "192.0.2.107", &o, 0, &r);
    assert_true(hdr_tc(&r));
    assert_int_equal(hdr_count(&r, 1), 0);
    assert_true(last_opt(&r).present);
    assert_int_equal(hdr_count(&r, 3), 1);
    reply_free(&r);

    /* a size under 512 counts as 512 (RFC 6891 6.2.5) */
    o.edns = 256;
    o.name = "n4.big.test.";
    ask(f, "192.0.2.107", &o, 0, &r);
    assert_false(hdr_tc(&r));
    assert_int_equal(n_answers(&r), 4);
    assert_true(r.len > 256 && r.len <= DNS_UDP_MAX);
    reply_free(&r);

    /* 4096 offered, but our servers send at most DNS_EDNS_SIZE */
    o.edns = 4096;
    o.name = "n11.big.test.";
    ask(f, "192.0.2.107", &o, 0, &r);
    assert_true(hdr_tc(&r));
    assert_int_equal(hdr_count(&r, 1), 0);
    reply_free(&r);
    ask(f, "192.0.2.107", &o, 1, &r);
    assert_false(hdr_tc(&r));
    assert_int_equal(n_answers(&r), 11);
    assert_true(r.len > DNS_EDNS_SIZE);
    reply_free(&r);
}

/* The edges: DNS_RECORDS_MAX records in a section, and TCP's 65535 bytes. */
static void test_answer_limits(void **state)
{
    struct fx *f = *state;
    struct reply r;
    char name[64];
    snprintf(name, sizeof name, "a%d.big.test.", DNS_RECORDS_MAX);
    struct qopt o = {.name = name, .type = "A", .id = 0x1000};
    ask(f, "192.0.2.107", &o, 1, &r);
    assert_false(hdr_tc(&r));
    assert_int_equal(n_answers(&r), DNS_RECORDS_MAX);
    reply_free(&r);
    assert_string_equal(f->notices, "");

    snprintf(name, sizeof name, "a%d.big.test.", DNS_RECORDS_MAX + 1);
    size_t q_len;
    uint8_t *q = make_query(&o, &q_len);
    assert_int_equal(send_bytes(f, "192.0.2.107", q, q_len, 1, &r), DNS_TIMEOUT);
    snprintf(name, sizeof name, "answer has more than %d records\n", DNS_RECORDS_MAX);
    assert_true(noticed(f, name));
    free(q);

    /* 600 records of 113 bytes: more than TCP's 65535, so TC even there */
    o.name = "n600.big.test.";
    o.type = "TXT";
    ask(f, "192.0.2.107", &o, 1, &r);
    assert_true(hdr_tc(&r));
    assert_int_equal(hdr_count(&r, 1), 0);
    reply_free(&r);
    o.name = "n579.big.test.";                  /* 12 + 19 + 579 * 113 = 65458 */
    ask(f, "192.0.2.107", &o, 1, &r);
    assert_false(hdr_tc(&r));
    assert_int_equal(n_answers(&r), 579);
    assert_int_equal(r.len, 65458);
    reply_free(&r);
}

/* probe.lua asks through tutor.query and answers what it got. */
static const char *probe(struct fx *f, const char *name, const char *type, char out[512])
{
    struct qopt o = {.name = name, .type = type, .id = 0x0101};
    struct reply r;
    ask(f, "192.0.2.109", &o, 0, &r);
    txt(&r, 0, out);
    reply_free(&r);
    return out;
}

static void test_tutor_query(void **state)
{
    struct fx *f = *state;
    char buf[512];
    /* The IDs are the world's counter's (a replay asks the same
     * questions), so they are known here. A truncated answer is asked
     * again over TCP: 20 records arrive, in two round trips. A round trip
     * crosses the test world's LAN router: 1 ms a link, 4 ms there and
     * back. */
    assert_string_equal(probe(f, "192-0-2-107.n20.big.test.", "TXT", buf),
                        "rcode=NOERROR id=40503 aa=true ra=false tc=false n=20 bytes=2301 rtt=8");
    assert_string_equal(probe(f, "192-0-2-107.n3.big.test.", "TXT", buf),
                        "rcode=NOERROR id=15470 aa=true ra=false tc=false n=3 bytes=379 rtt=4");
    assert_string_equal(probe(f, "192-0-2-105.www.test.", "A", buf),
                        "rcode=NOERROR id=4711 aa=true ra=false tc=false n=1 bytes=53 rtt=4");
    assert_string_equal(probe(f, "192-0-2-104.x.test.", "A", buf), "nil malformed response");
    assert_string_equal(probe(f, "192-0-2-101.x.test.", "A", buf), "nil timeout");
    assert_string_equal(probe(f, "192-0-2-102.x.test.", "A", buf), "nil timeout");
    assert_string_equal(probe(f, "192-0-2-99.x.test.", "A", buf), "nil timeout");
    assert_string_equal(probe(f, "192-0-2-25.x.test.", "A", buf), "nil refused");
    assert_string_equal(f->notices, "log: silent.lua: heard x.test.\n"
                                    "error: ./dns/raise.lua:4: no answer from raise.test\n");
}

static void test_query_to_itself(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "me.test.", .type = "A", .id = 3, .rd = true};
    struct reply r;
    char buf[512];
    ask(f, "192.0.2.110", &o, 0, &r);
    assert_string_equal(txt(&r, 0, buf), "timeout timeout timeout");
    assert_string_equal(f->notices, "");
    reply_free(&r);
}

/* Nine servers in a ring, each asking the next: the host stops the
 * chain DNS_DEPTH_MAX deep, and every server on the way answers. */
static void test_ring_depth_guard(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "ring.test.", .type = "TXT", .id = 0x0909};
    struct reply r;
    char buf[512], want[64];
    ask(f, "192.0.2.121", &o, 0, &r);
    assert_int_equal(hdr_id(&r), 0x0909);
    assert_int_equal(n_answers(&r), DNS_DEPTH_MAX);
    for (int i = 0; i < DNS_DEPTH_MAX; i++) {
        snprintf(want, sizeof want, "chain%d %s", i + 1, i + 1 < DNS_DEPTH_MAX ? "asked" : "timeout");
        assert_string_equal(txt(&r, (size_t)i, buf), want);
    }
    assert_string_equal(f->notices, "");
    reply_free(&r);
    /* the host's state is whole again: the next query goes as deep */
    ask(f, "192.0.2.125", &o, 0, &r);
    assert_int_equal(n_answers(&r), DNS_DEPTH_MAX);
    assert_string_equal(txt(&r, 0, buf), "chain5 asked");
    reply_free(&r);
}

static void test_lookup_and_hints(void **state)
{
    struct fx *f = *state;
    struct reply r;
    char buf[512];
    /* no zones, no hints: refused, and an empty list */
    struct qopt o = {.name = "mail.b.example.", .type = "A", .id = 1};
    ask(f, "192.0.2.111", &o, 0, &r);
    assert_string_equal(txt(&r, 0, buf),
                        "kind=refused aa=false answer=0 authority=0 additional=0 hints=0");
    reply_free(&r);
    assert_string_equal(f->notices,
                        "log: lookup.lua: bad type: ./dns/lookup.lua:9: bad argument #2 to "
                        "'lookup' (unknown record type \"TYPE0\")\n"
                        "log: lookup.lua: bad name: ./dns/lookup.lua:10: bad argument #1 to "
                        "'lookup' (\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        ".example.\" is not a domain name)\n");

    /* the same script with b.example's zone and the root hints */
    ask(f, "192.0.2.112", &o, 0, &r);
    assert_string_equal(txt(&r, 0, buf),
                        "kind=answer aa=true answer=1 authority=0 additional=0 hints=3");
    reply_free(&r);
    o.name = "nothing.b.example.";
    ask(f, "192.0.2.112", &o, 0, &r);
    assert_string_equal(txt(&r, 0, buf),
                        "kind=nxdomain aa=true answer=0 authority=1 additional=0 hints=3");
    reply_free(&r);
    o.name = "MAIL.B.Example.";
    ask(f, "192.0.2.112", &o, 0, &r);
    assert_string_equal(txt(&r, 0, buf),
                        "kind=answer aa=true answer=1 authority=0 additional=0 hints=3");
    reply_free(&r);
}

/* What the script is given for a query: echo.lua says it back. */
static void test_query_table(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "q.test.", .type = "MX", .id = 4711, .rd = true, .cd = true,
                     .edns = 1400, .dnssec_ok = true};
    struct reply r;
    char buf[512];
    ask(f, "192.0.2.108", &o, 0, &r);
    assert_string_equal(txt(&r, 0, buf),
                        "id=4711 opcode=QUERY rd=true cd=true edns=1400/0/true bytes=35 "
                        "client=192.0.2.10 server=192.0.2.108");
    assert_true(hdr_cd(&r));
    assert_string_equal(f->notices, "log: echo.lua: query q.test. MX\n");
    reply_free(&r);
    o.edns = 0;
    o.rd = o.cd = false;
    ask(f, "192.0.2.108", &o, 0, &r);
    assert_string_equal(txt(&r, 0, buf),
                        "id=4711 opcode=QUERY rd=false cd=false edns=none bytes=24 "
                        "client=192.0.2.10 server=192.0.2.108");
    reply_free(&r);
}

/* Bytes ldns reads but RFC 1035 does not allow reach no script. */
static void test_formerr_skips_script(void **state)
{
    struct fx *f = *state;
    expect_formerr(f, "192.0.2.108", POINTER_FORWARD, sizeof POINTER_FORWARD);
    expect_formerr(f, "192.0.2.108", POINTER_INTO_QTYPE, sizeof POINTER_INTO_QTYPE);
    expect_formerr(f, "192.0.2.108", POINTER_FORWARD_LATER, sizeof POINTER_FORWARD_LATER);
    assert_string_equal(f->notices, "");
    /* a pointer back is compression, and reaches the script (the second
     * name is an additional record's: a query asks one question) */
    static const uint8_t back[] = {
        0x12, 0x07, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
        4, 'm', 'a', 'i', 'l', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,   /* 12: mail.test. */
        3, 'w', 'w', 'w', 0xc0, 17, 0, 1, 0, 1,                        /* www + ptr to test. */
        0, 0, 0, 0, 0, 4, 192, 0, 2, 1};                               /* A, TTL 0 */
    struct reply r;
    assert_int_equal(send_bytes(f, "192.0.2.108", back, sizeof back, 0, &r), DNS_OK);
    assert_non_null(r.pkt);
    assert_int_equal(hdr_rcode(&r), LDNS_RCODE_NOERROR);
    assert_int_equal(hdr_count(&r, 0), 1);
    assert_string_equal(f->notices, "log: echo.lua: query mail.test. A\n");
    reply_free(&r);
}

/* RFC 6891 6.1.3: an EDNS version above ours (0) gets BADVERS (16: RCODE
 * 0 in the header, 1 in the OPT's extended-rcode) with an OPT of version
 * 0, from the host; the script is not asked. */
static void test_badvers(void **state)
{
    struct fx *f = *state;
    struct qopt o = {.name = "v.test.", .type = "A", .id = 0x6891, .rd = true, .cd = true,
                     .edns = 1232, .version = 1, .dnssec_ok = true};
    struct reply r;
    ask(f, "192.0.2.108", &o, 0, &r);
    assert_int_equal(hdr_id(&r), 0x6891);
    assert_true(hdr_qr(&r));
    assert_true(hdr_rd(&r));
    assert_true(hdr_cd(&r));
    assert_false(hdr_aa(&r));
    assert_int_equal(hdr_rcode(&r), 0);
    assert_int_equal(hdr_count(&r, 1), 0);
    assert_int_equal(hdr_count(&r, 2), 0);
    assert_int_equal(hdr_count(&r, 3), 1);
    assert_question_echoed(&r, &o);
    struct opt opt = last_opt(&r);
    assert_true(opt.present);
    assert_int_equal(opt.ext_rcode, 1);
    assert_int_equal(opt.version, 0);
    assert_int_equal(opt.size, DNS_EDNS_SIZE);
    assert_true(opt.dnssec_ok);
    /* ldns agrees: extended rcode 1 over header rcode 0 is 16 */
    assert_int_equal(ldns_pkt_edns_extended_rcode(r.pkt) << 4 | ldns_pkt_get_rcode(r.pkt), 16);
    assert_string_equal(f->notices, "");
    reply_free(&r);

    /* version 255 too, and to the default world's resolver as well */
    o.version = 255;
    ask(f, "192.0.2.108", &o, 1, &r);
    assert_int_equal(last_opt(&r).ext_rcode, 1);
    assert_string_equal(f->notices, "");
    reply_free(&r);

    /* version 0 is ours: the script answers */
    o.version = 0;
    ask(f, "192.0.2.108", &o, 0, &r);
    assert_int_equal(last_opt(&r).ext_rcode, 0);
    assert_int_equal(n_answers(&r), 1);
    assert_string_equal(f->notices, "log: echo.lua: query v.test. A\n");
    reply_free(&r);
}

/* ------------------------------------------------------------------------
 * Memory: the nth allocation of one server's state fails, and every one
 * after it until disarmed (Lua retries a failed allocation once, after an
 * emergency collection). Shrinking never fails: Lua counts on that.
 */
static struct {
    lua_State *L;                       /* the state squeezed, NULL when none */
    lua_Alloc f;                        /* its own allocator (the sandbox's cap) */
    void *ud;
    long countdown;
    bool armed;
} sq;

static void *squeeze_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    if (sq.armed && nsize > (ptr ? osize : 0)) {
        if (sq.countdown <= 1)
            return NULL;
        sq.countdown--;
    }
    return sq.f(sq.ud, ptr, osize, nsize);
}

/* squeeze(n, f, ...): f(...) with the nth allocation failing; true when
 * it got through. */
static int l_squeeze(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    int nargs = lua_gettop(L) - 2;
    sq.countdown = (long)n;
    sq.armed = true;
    int st = lua_pcall(L, nargs, 0, 0);
    sq.armed = false;
    lua_pushboolean(L, st == LUA_OK);
    return 1;
}

static int install_squeeze(lua_State *L, void *ud)
{
    (void)ud;
    lua_pushcfunction(L, l_squeeze);
    sbx_set_global(L, "squeeze");
    return 0;
}

/* Starts the DNS server of `node` and puts squeeze_alloc under its state. */
static lua_State *squeeze_server(struct fx *f, const char *node)
{
    char err[RT_ERROR_MAX];
    const struct world_node *n = world_node(f->w, node);
    assert_non_null(n);
    struct vserver *srv = rt_server(&f->rt, n, world_service(n, "dns"), err);
    if (!srv)
        fail_msg("rt_server: %s", err);
    assert_int_equal(sbx_protect(srv_sandbox(srv), install_squeeze, NULL), 0);
    sq.L = sbx_state(srv_sandbox(srv));
    sq.f = lua_getallocf(sq.L, &sq.ud);
    sq.armed = false;
    lua_setallocf(sq.L, squeeze_alloc, NULL);
    return sq.L;
}

static void squeeze_restore(void)
{
    if (sq.L)
        lua_setallocf(sq.L, sq.f, sq.ud);
    memset(&sq, 0, sizeof sq);
}

/* squeeze.lua: tutor.lookup, tutor.hints, tutor.query and s:answer, each
 * failed at every allocation in turn before it gets through. */
static void test_memory_squeezed_calls(void **state)
{
    struct fx *f = *state;
    squeeze_server(f, "squeeze");
    struct qopt o = {.name = "squeeze.test.", .type = "TXT", .id = 0x5e5e};
    struct reply r;
    char buf[512];
    ask(f, "192.0.2.113", &o, 0, &r);
    txt(&r, 0, buf);
    int tries[7], n = 0;
    for (char *p = buf, *end; n < 7; p = end, n++) {
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        tries[n] = (int)v;
    }
    if (n != 6)
        fail_msg("squeeze.lua answered \"%s\"\nnotices:\n%s", buf, f->notices);
    /* each call met at least a few failures before it got through */
    for (int i = 0; i < n; i++)
        assert_true(tries[i] > 3);
    assert_int_equal(hdr_id(&r), 0x5e5e);
    reply_free(&r);
}

/* The whole exchange, the host's pushes included, with echo.lua's state
 * failing at its nth allocation: a timeout until it gets through, never
 * a crash or (asan) a leak. */
static void test_memory_squeezed_exchange(void **state)
{
    struct fx *f = *state;
    squeeze_server(f, "echo");
    struct qopt o = {.name = "mem.test.", .type = "A", .id = 0x0e0e, .rd = true, .edns = 1232};
    size_t q_len;
    uint8_t *q = make_query(&o, &q_len);
    int n;
    for (n = 1; n < 100000; n++) {
        struct reply r;
        f->notices[0] = '\0';
        sq.countdown = n;
        sq.armed = true;
        enum dns_outcome out = send_bytes(f, "192.0.2.108", q, q_len, 0, &r);
        sq.armed = false;
        bool done = out == DNS_OK;
        if (done) {
            assert_non_null(r.pkt);
            assert_int_equal(hdr_id(&r), 0x0e0e);
            assert_int_equal(n_answers(&r), 1);
        } else {
            assert_int_equal(out, DNS_TIMEOUT);
            assert_true(noticed(f, "error: "));
        }
        reply_free(&r);
        if (done)
            break;
    }
    free(q);
    assert_true(n > 10);
    /* and the server is fine afterwards */
    struct reply r;
    ask(f, "192.0.2.108", &o, 0, &r);
    assert_int_equal(n_answers(&r), 1);
    reply_free(&r);
}

int main(void)
{
#define T_DEFAULT(t) cmocka_unit_test_setup_teardown(t, setup_default, teardown)
#define T_TEST(t) cmocka_unit_test_setup_teardown(t, setup_test, teardown)
    const struct CMUnitTest tests[] = {
        T_DEFAULT(test_resolver_recurses),
        T_DEFAULT(test_authoritative_has_aa),
        T_DEFAULT(test_edns_gets_opt),
        T_DEFAULT(test_id_and_rd_copied),
        T_DEFAULT(test_garbage_gets_formerr),
        T_DEFAULT(test_tsig_not_last),
        T_TEST(test_message_cache),
        T_DEFAULT(test_resolver_kept_answers),
        T_DEFAULT(test_many_questions_formerr),
        T_DEFAULT(test_damaged_queries),
        T_DEFAULT(test_nobody_there),
        T_TEST(test_silent_times_out),
        T_TEST(test_raise_times_out),
        T_TEST(test_second_answer_raises),
        T_TEST(test_raw_bytes_arrive),
        T_TEST(test_forged_id),
        T_TEST(test_bad_answer_named),
        T_TEST(test_truncation),
        T_TEST(test_answer_limits),
        T_TEST(test_tutor_query),
        T_TEST(test_query_to_itself),
        T_TEST(test_ring_depth_guard),
        T_TEST(test_lookup_and_hints),
        T_TEST(test_query_table),
        T_TEST(test_formerr_skips_script),
        T_TEST(test_badvers),
        T_TEST(test_memory_squeezed_calls),
        T_TEST(test_memory_squeezed_exchange),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
