/*
 * net-sim: loading and checking topologies, address assignment, routing
 * (longest prefix, computed shortest paths, link down) and the bucket
 * relay itself (delivery, TTL, queue overflow, loss, retransmission).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "route.h"
#include "sim.h"
#include "topo.h"

static struct topo *load(const char *text, char err[TOPO_ERROR_MAX])
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc) {
        snprintf(err, TOPO_ERROR_MAX, "%d:%d: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    struct topo *t = topo_load_doc(doc, "t.json", NULL, err);
    json_decref(doc);
    return t;
}

static void refused(const char *text, const char *want)
{
    char err[TOPO_ERROR_MAX] = "";
    struct topo *t = load(text, err);
    if (t || !strstr(err, want))
        fail_msg("wanted an error with \"%s\", got \"%s\"", want, t ? "(loaded)" : err);
    topo_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    refused("{\"nodes\": {\"a\": {}}, \"links\": [{\"endpoints\": [\"a\", \"r9\"]}]}",
            "t.json: $.links[0].endpoints[1]: no node is called \"r9\"");
    refused("{\"nodes\": {\"a\": {}, \"b\": {}}, \"links\": [{\"endpoints\": [\"a\", \"b\"], "
            "\"delay_ms\": -5}]}", "$.links[0]: \"delay_ms\" must be a number from 0");
    refused("{\"nodes\": {\"r1\": {\"adress\": 1}}}", "$.nodes.r1: unknown key \"adress\"");
    /* out of range far past an int: refused, never converted (fuzz_topology) */
    refused("{\"nodes\": {\"a\": {}}, \"links\": [{\"mtu\": 5555555555555555555555.5}]}",
            "$.links[0]: \"mtu\" must be a whole number from 68 to 65535, not 5.5555555555555557e21");
    refused("{\"nodes\": {\"a\": {}}, \"defaults\": {\"link\": {\"queue\": -1e300}}}",
            "\"queue\" must be a whole number from 1 to 1000000, not -1.0000000000000001e300");
    /* a file's control characters are shown escaped: a message is one line */
    refused("{\"nodes\": {\"a\": {}}, \"links\": [{\"\\ndpoints\": [\"a\", \"b\"]}]}",
            "$.links[0]: unknown key \"\\ndpoints\"");
    refused("{\"nodes\": {\"a\": {}}, \"links\": [{\"endpoints\": [\"a\", \"l\\u0001\\t\"]}]}",
            "$.links[0].endpoints[1]: no node is called \"l\\u0001\\t\"");
    refused("{\"nodes\": {\"a\": {\"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.1/24\"}}},"
            " \"b\": {\"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.1/24\"}}}},"
            " \"links\": [{\"endpoints\": [\"a:eth0\", \"b:eth0\"]}]}",
            "address 192.0.2.1 is already used by a:eth0");
    refused("{\"nodes\": {\"a\": {\"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.1\"}}}}}",
            "$.nodes.a.interfaces.eth0: \"ipv4\" must be an address with a prefix length");
    refused("{\"nodes\": {\"a\": {\"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.1/24\"}},"
            " \"routes\": [{\"dst\": \"default\", \"gateway\": \"192.0.2.99\"}]},"
            " \"b\": {\"interfaces\": {\"eth0\": {\"ipv4\": \"198.51.100.1/24\"}}}},"
            " \"links\": [{\"endpoints\": [\"a:eth0\", \"b:eth0\"]}]}",
            "must be on one network");
    refused("{\"nodes\": {\"a\": {\"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.1/24\"}},"
            " \"routes\": [{\"dst\": \"default\", \"gateway\": \"198.51.100.9\"}]}}}",
            "$.nodes.a.routes[0].gateway: 198.51.100.9 is not on any network of a");
    refused("{\"nodes\": {\"a\": {\"kind\": \"switch\"}}}", "\"kind\" must be host, router or server");
    refused("{\"nodes\": {}}", "a network needs at least one node");
    refused("{\"nodes\": {\"a\": {}, \"b\": {}}, \"links\": [{\"endpoints\": [\"a\"]}]}",
            "\"endpoints\" must be a list of two");
    refused("{\"nodes\": {\"a\": {}, \"b\": {}}, \"links\": [{\"endpoints\": [\"a\", \"b\"]}],"
            " \"events\": [{\"link\": \"a:eth0\", \"state\": \"down\"}]}",
            "$.events[0]: \"at_ms\" is missing");
}

/* The smallest file: addresses are assigned, routes computed. */
static void test_smallest(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load("{\"nodes\": {\"a\": {}, \"b\": {}}, \"links\": [{\"endpoints\": "
                          "[\"a\", \"b\"]}]}", err);
    assert_non_null(t);
    char buf[ADDR_IPV4_STRLEN];
    assert_string_equal(addr_format_ipv4(topo_node_addr(t, 0), buf), "10.0.0.1");
    assert_string_equal(addr_format_ipv4(topo_node_addr(t, 1), buf), "10.0.0.2");
    assert_int_equal(t->nodes[0].ifaces[0].ipv4.len, 30);
    assert_string_equal(t->nodes[0].ifaces[0].name, "eth0");
    struct sim *s = sim_new(t, 1);
    struct sim_message_opts o = {.size = 3000};
    int id = sim_send(s, 0, topo_node_addr(t, 1), &o);
    sim_run(s, INT64_MAX);
    const struct sim_message *m = sim_message(s, id);
    assert_int_equal(m->total, 3);      /* 1460 + 1460 + 80 */
    assert_true(m->reassembled);
    assert_true(m->delivered);
    sim_free(s);
    topo_free(t);
}

static void shown_bytes(const struct sim_event *ev, void *arg)
{
    size_t *shown = arg;
    if (ev->type == SIM_DELIVER && ev->packet->kind == PKT_DATA)
        *shown += ev->packet->payload_len;
}

/* An empty message still travels, as one byte, and shows nothing: the
 * one byte is not read from the caller's (empty) buffer. The sanitizer
 * build catches a read past it. */
static void test_empty_message(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load("{\"nodes\": {\"a\": {}, \"b\": {}}, \"links\": [{\"endpoints\": "
                          "[\"a\", \"b\"]}]}", err);
    assert_non_null(t);
    struct sim *s = sim_new(t, 1);
    size_t shown = 0;
    sim_observe(s, shown_bytes, &shown);
    char *nothing = malloc(1);          /* a buffer with no byte to carry */
    assert_non_null(nothing);
    struct sim_message_opts o = {.size = 0, .payload = nothing + 1};
    int id = sim_send(s, 0, topo_node_addr(t, 1), &o);
    free(nothing);
    sim_run(s, INT64_MAX);
    const struct sim_message *m = sim_message(s, id);
    assert_int_equal(m->size, 1);
    assert_int_equal(m->total, 1);
    assert_true(m->delivered);
    assert_int_equal(shown, 0);
    sim_free(s);
    topo_free(t);
}

/* A diamond: a - r1 - r2 - b fast (1+1+1 ms), a - r3 - b slow (10+10). */
static const char diamond[] =
    "{\"nodes\": {\"a\": {}, \"b\": {}, \"r1\": {\"kind\": \"router\"},"
    " \"r2\": {\"kind\": \"router\"}, \"r3\": {\"kind\": \"router\"}},"
    " \"links\": [{\"endpoints\": [\"a\", \"r1\"]}, {\"endpoints\": [\"r1\", \"r2\"]},"
    " {\"endpoints\": [\"r2\", \"b\"]}, {\"endpoints\": [\"a\", \"r3\"], \"delay_ms\": 10},"
    " {\"endpoints\": [\"r3\", \"b\"], \"delay_ms\": 10}]}";

struct log {
    char text[8192];
    int delivered, dropped[8], dropped_at_0, forwards, retransmits, time_exceeded;
};

static void record(const struct sim_event *ev, void *arg)
{
    struct log *l = arg;
    if (ev->type == SIM_FORWARD && ev->packet->kind == PKT_DATA)
        l->forwards++;
    if (ev->type == SIM_DROP) {
        l->dropped[ev->reason]++;
        l->dropped_at_0 += ev->t_us == 0;
    }
    if (ev->type == SIM_RETRANSMIT)
        l->retransmits++;
    if (ev->type == SIM_DELIVER && ev->packet->kind == PKT_DATA)
        l->delivered++;
    if (ev->type == SIM_DELIVER && ev->packet->kind == PKT_TIME_EXCEEDED)
        l->time_exceeded++;
}

static void test_shortest_and_link_down(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load(diamond, err);
    assert_non_null(t);
    struct sim *s = sim_new(t, 1);
    int a = topo_node_index(t, "a"), b = topo_node_index(t, "b");
    struct route_choice rc;
    assert_int_equal(router_lookup(sim_router(s), a, topo_node_addr(t, b), &rc, NULL), 0);
    /* a's own routes are computed too: it has no "routes" */
    assert_int_equal(rc.kind, ROUTE_COMPUTED);
    assert_string_equal(t->nodes[rc.next_node].name, "r1");
    int64_t cost;
    assert_int_equal(router_search(sim_router(s), a, topo_node_addr(t, b), &cost), 2);
    assert_int_equal(cost, 2000);       /* to b's network: a-r1, r1-r2 */

    sim_set_link(s, topo_link_between(t, topo_node_index(t, "r1"), topo_node_index(t, "r2")),
                 false);
    assert_int_equal(router_lookup(sim_router(s), a, topo_node_addr(t, b), &rc, NULL), 0);
    assert_string_equal(t->nodes[rc.next_node].name, "r3");
    struct log l = {0};
    sim_observe(s, record, &l);
    struct sim_message_opts o = {.size = 100};
    int id = sim_send(s, a, topo_node_addr(t, b), &o);
    sim_run(s, INT64_MAX);
    assert_true(sim_message(s, id)->delivered);
    assert_int_equal(l.dropped[DROP_LINK_DOWN], 0);
    sim_free(s);
    topo_free(t);
}

/* Static routes pointing at each other: the TTL ends the loop. */
static void test_loop_caught_by_ttl(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load(
        "{\"nodes\": {"
        " \"r1\": {\"kind\": \"router\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.1/30\"}},"
        "  \"routes\": [{\"dst\": \"default\", \"gateway\": \"192.0.2.2\"}]},"
        " \"r2\": {\"kind\": \"router\", \"interfaces\": {\"eth0\": {\"ipv4\": \"192.0.2.2/30\"}},"
        "  \"routes\": [{\"dst\": \"default\", \"gateway\": \"192.0.2.1\"}]}},"
        " \"links\": [{\"endpoints\": [\"r1:eth0\", \"r2:eth0\"]}]}", err);
    assert_non_null(t);
    struct sim *s = sim_new(t, 1);
    struct log l = {0};
    sim_observe(s, record, &l);
    uint32_t far;
    addr_parse_ipv4("198.51.100.7", &far);
    sim_ping(s, 0, far, 5);
    sim_run(s, INT64_MAX);
    assert_int_equal(l.dropped[DROP_TTL], 1);
    sim_free(s);
    topo_free(t);
}

/* A lossy link: the same seed loses the same packets; retransmission
 * still gets the message through. */
static void test_loss_and_retransmit(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load("{\"nodes\": {\"a\": {}, \"b\": {}}, \"links\": [{\"endpoints\": "
                          "[\"a\", \"b\"], \"loss_pct\": 30}]}", err);
    assert_non_null(t);
    int lost[2], retrans[2];
    for (int run = 0; run < 2; run++) {
        struct sim *s = sim_new(t, 7);
        struct log l = {0};
        sim_observe(s, record, &l);
        struct sim_message_opts o = {.size = 20000, .tries = 10};
        int id = sim_send(s, 0, topo_node_addr(t, 1), &o);
        sim_run(s, INT64_MAX);
        assert_true(sim_message(s, id)->delivered);
        lost[run] = l.dropped[DROP_LOSS];
        retrans[run] = l.retransmits;
        sim_free(s);
    }
    assert_true(lost[0] > 0);
    assert_true(retrans[0] > 0);
    assert_int_equal(lost[0], lost[1]);
    assert_int_equal(retrans[0], retrans[1]);
    topo_free(t);
}

/* A queue of 2 on a slow link overflows when 16 packets leave at once. */
static void test_queue_overflow(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load("{\"nodes\": {\"a\": {}, \"b\": {}}, \"links\": [{\"endpoints\": "
                          "[\"a\", \"b\"], \"queue\": 2, \"bandwidth_kbps\": 64}]}", err);
    assert_non_null(t);
    struct sim *s = sim_new(t, 1);
    struct log l = {0};
    sim_observe(s, record, &l);
    struct sim_message_opts o = {.size = 16 * 1460, .tries = 10};
    int id = sim_send(s, 0, topo_node_addr(t, 1), &o);
    sim_run(s, INT64_MAX);
    /* the first burst: 1 sent, 2 wait, 13 dropped; the resent ones meet
     * the same queue again later */
    assert_int_equal(l.dropped_at_0, 13);
    assert_true(sim_message(s, id)->delivered);         /* resent later */
    sim_free(s);
    topo_free(t);
}

/* Longest prefix first; among equals, connected before others, then the
 * lower metric, then the order of the table. */
static void test_longest_prefix(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load(
        "{\"nodes\": {"
        " \"r\": {\"kind\": \"router\","
        "  \"interfaces\": {\"eth0\": {\"ipv4\": \"10.0.1.1/24\"}, \"eth1\": {\"ipv4\": \"10.0.2.1/24\"}},"
        "  \"routes\": [{\"dst\": \"default\", \"gateway\": \"10.0.1.2\"},"
        "             {\"dst\": \"198.51.100.0/24\", \"gateway\": \"10.0.1.2\", \"metric\": 5},"
        "             {\"dst\": \"198.51.100.0/24\", \"gateway\": \"10.0.2.2\", \"metric\": 1},"
        "             {\"dst\": \"198.51.100.128/25\", \"gateway\": \"10.0.1.2\"}]},"
        " \"x\": {\"kind\": \"router\", \"interfaces\": {\"eth0\": {\"ipv4\": \"10.0.1.2/24\"}}},"
        " \"y\": {\"kind\": \"router\", \"interfaces\": {\"eth0\": {\"ipv4\": \"10.0.2.2/24\"}}}},"
        " \"links\": [{\"endpoints\": [\"r:eth0\", \"x:eth0\"]}, {\"endpoints\": [\"r:eth1\", \"y:eth0\"]}]}",
        err);
    if (!t)
        fail_msg("%s", err);
    struct router *r = router_new(t);
    int node = topo_node_index(t, "r");
    struct route_choice m[8];
    uint32_t a;
    /* in the /25: it wins over both /24s and the default */
    addr_parse_ipv4("198.51.100.200", &a);
    assert_int_equal(router_matches(r, node, a, m, 8), 4);
    assert_int_equal(m[0].dst.len, 25);
    assert_int_equal(m[1].metric, 1);           /* then the /24 of metric 1 */
    assert_int_equal(m[2].metric, 5);
    assert_true(m[3].is_default);
    /* outside the /25: the lower metric of the two /24s, through y */
    addr_parse_ipv4("198.51.100.7", &a);
    struct route_choice rc;
    int n;
    assert_int_equal(router_lookup(r, node, a, &rc, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(t->nodes[rc.next_node].name, "y");
    /* its own network: the connected route, although the default matches too */
    addr_parse_ipv4("10.0.2.2", &a);
    assert_int_equal(router_lookup(r, node, a, &rc, &n), 0);
    assert_int_equal(rc.kind, ROUTE_CONNECTED);
    assert_int_equal(n, 2);
    router_free(r);
    topo_free(t);
}

/* A line a - r - b: with r - b down there is no other way, and the
 * message is not delivered; up again, it is. */
static void test_link_down_no_way_round(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load("{\"nodes\": {\"a\": {}, \"r\": {\"kind\": \"router\"}, \"b\": {}},"
                          " \"links\": [{\"endpoints\": [\"a\", \"r\"]}, {\"endpoints\": [\"r\", \"b\"]}]}",
                          err);
    assert_non_null(t);
    int a = topo_node_index(t, "a"), b = topo_node_index(t, "b");
    int rb = topo_link_between(t, topo_node_index(t, "r"), b);
    for (int up = 0; up < 2; up++) {
        struct sim *s = sim_new(t, 1);
        sim_set_link(s, rb, up);
        struct log l = {0};
        sim_observe(s, record, &l);
        struct sim_message_opts o = {.size = 100};
        int id = sim_send(s, a, topo_node_addr(t, b), &o);
        sim_run(s, INT64_MAX);
        assert_int_equal(sim_message(s, id)->delivered, up);
        assert_int_equal(sim_message(s, id)->given_up, !up);
        /* down: every try stops at r, at the link */
        assert_int_equal(l.dropped[DROP_LINK_DOWN], up ? 0 : SIM_TRIES_DEFAULT);
        sim_free(s);
    }
    topo_free(t);
}

/* A congested queue stays full: a burst finds one place at best, the
 * rest is dropped and sent again. */
static void test_congestion(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load("{\"nodes\": {\"a\": {}, \"r\": {\"kind\": \"router\"}, \"b\": {}},"
                          " \"links\": [{\"endpoints\": [\"a\", \"r\"]},"
                          " {\"endpoints\": [\"r\", \"b\"], \"queue\": 4}]}", err);
    assert_non_null(t);
    int a = topo_node_index(t, "a"), r = topo_node_index(t, "r"), b = topo_node_index(t, "b");
    struct sim *s = sim_new(t, 1);
    sim_congest(s, topo_link_between(t, r, b), r);
    struct log l = {0};
    sim_observe(s, record, &l);
    struct sim_message_opts o = {.size = 3 * 1460, .tries = 10};
    int id = sim_send(s, a, topo_node_addr(t, b), &o);
    sim_run(s, INT64_MAX);
    assert_true(sim_message(s, id)->delivered);
    assert_true(l.dropped[DROP_QUEUE] >= 2);
    assert_true(l.retransmits >= 2);
    sim_free(s);
    topo_free(t);
}

/* The lecture's world is a topology too: pc1's mail to mail-b passes
 * gw-a, r1, r2 and gw-b, and comes together there. */
struct hops {
    char path[256];
    int reassembled;
    const struct topo *t;
};

static void follow(const struct sim_event *ev, void *arg)
{
    struct hops *h = arg;
    if (ev->type == SIM_FORWARD && ev->packet->id == 1) {
        strcat(h->path, h->t->nodes[ev->next_node].name);
        strcat(h->path, " ");
    }
    if (ev->type == SIM_REASSEMBLE)
        h->reassembled++;
}

static void test_default_world(void **state)
{
    (void)state;
    static const char *const top[] = {"student", "clock", "timezone", "seed", "budget",
                                      "users", NULL};
    static const char *const node[] = {"dns", "services", "mail_domains", NULL};
    const struct topo_extra_keys world = {top, node};
    char err[TOPO_ERROR_MAX];
    struct topo *t = topo_load_file("tutor/world/default.json", &world, err);
    if (!t)
        fail_msg("%s", err);
    /* without the world's keys, a topology file may not have them */
    assert_null(topo_load_file("tutor/world/default.json", NULL, err));
    assert_non_null(strstr(err, "unknown key"));
    struct sim *s = sim_new(t, 1);
    struct hops h = {.t = t};
    sim_observe(s, follow, &h);
    struct sim_message_opts o = {.size = 3000};
    int id = sim_send(s, topo_find_node(t, "pc1"),
                      topo_node_addr(t, topo_find_node(t, "mail.b.example")), &o);
    sim_run(s, INT64_MAX);
    assert_string_equal(h.path, "gw-a r1 r2 gw-b mail-b ");
    assert_int_equal(h.reassembled, 1);
    const struct sim_message *m = sim_message(s, id);
    assert_true(m->delivered);
    assert_int_equal(m->total, 3);
    sim_free(s);
    topo_free(t);
}

/* An event names its links without copying them: one on a hub's
 * interface borrows the interface's list (a thousand events on a hub of
 * 400,000 links once took gigabytes), one on two endpoints holds its link. */
static void test_events_borrow_their_links(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX];
    struct topo *t = load("{\"nodes\": {\"h\": {}, \"a\": {}, \"b\": {}, \"c\": {}},"
                          " \"links\": [{\"endpoints\": [\"h:eth0\", \"a\"]},"
                          " {\"endpoints\": [\"h:eth0\", \"b\"]}, {\"endpoints\": [\"b\", \"c\"]}],"
                          " \"events\": [{\"at_ms\": 1, \"link\": \"h:eth0\", \"state\": \"down\"},"
                          " {\"at_ms\": 2, \"link\": [\"c\", \"b\"], \"state\": \"down\"},"
                          " {\"at_ms\": 3, \"link\": \"h:eth0\", \"state\": \"up\"}]}", err);
    if (!t)
        fail_msg("%s", err);
    const struct topo_iface *hub = &t->nodes[topo_node_index(t, "h")].ifaces[0];
    assert_int_equal(t->n_events, 3);
    assert_ptr_equal(t->events[0].links, hub->links);
    assert_ptr_equal(t->events[2].links, hub->links);
    assert_int_equal(t->events[0].n_links, 2);
    assert_int_equal(t->events[1].n_links, 1);
    assert_int_equal(t->events[1].links[0], 2);
    struct sim *s = sim_new(t, 1);
    sim_run(s, 2500);
    assert_false(t->links[0].up);
    assert_false(t->links[1].up);
    assert_false(t->links[2].up);
    sim_run(s, INT64_MAX);
    assert_true(t->links[0].up);
    assert_true(t->links[1].up);
    assert_false(t->links[2].up);
    sim_free(s);
    topo_free(t);
}

/* ------------------------------------------------------------------------
 * Files: read member by member (topo_scan.c), bounded before parsing.
 */
static char file_path[64];

static const char *write_file(const char *text)
{
    snprintf(file_path, sizeof file_path, "/tmp/tutor-test-topo-XXXXXX");
    int fd = mkstemp(file_path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return file_path;
}

static void file_refused(const char *text, const char *want)
{
    char err[TOPO_ERROR_MAX] = "";
    const char *path = write_file(text);
    struct topo *t = topo_load_file(path, NULL, err);
    unlink(path);
    if (t || !strstr(err, want) || strncmp(err, path, strlen(path)) != 0)
        fail_msg("wanted an error with \"%s\", got \"%s\"", want, t ? "(loaded)" : err);
    topo_free(t);
}

/* What jansson says of the whole text: ":LINE:COL: text". */
static const char *jansson_says(const char *text, char out[TOPO_ERROR_MAX])
{
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    assert_null(doc);
    snprintf(out, TOPO_ERROR_MAX, ":%d:%d: %s", jerr.line, jerr.column, jerr.text);
    return out;
}

/* A file is read member by member, but its syntax errors are named as
 * jansson names them reading it whole. */
static void test_file_messages_as_jansson_gives_them(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"nodes\": {\"a\": {}, \"a\": {}}}",
        "{\"nodes\": {\"a\": {}, \"b\": {}},\n \"links\": [{\"endpoints\": [\"a\" \"b\"]}]}",
        "{\"nodes\": {\"a\": {}}} x",
        "{\"nodes\": {\"a\": {\"kind\": \"router\", \"kind\": \"host\"}}}",
        "{\"nodes\": {\"a\": {}}, \"nodes\": {}}",
        "{\"nodes\": {\"a\": {}},\n\n \"links\": [{\"endpoints\": [\"a\", \"b\xff\"]}]}",
    };
    char want[TOPO_ERROR_MAX];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        file_refused(bad[i], jansson_says(bad[i], want));
    /* a NUL byte where a value goes once made the scan loop for ever (fuzz_topology) */
    static const char nul[] = "{\"nodes\": {\"a\": [\0]}}";
    const char *path = write_file("");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(nul, 1, sizeof nul - 1, f), sizeof nul - 1);
    fclose(f);
    char err[TOPO_ERROR_MAX];
    assert_null(topo_load_file(path, NULL, err));
    unlink(path);
    assert_non_null(strstr(err, ":1:18: "));
    /* jansson's own message may quote a line end: it is shown escaped (fuzz_topology) */
    file_refused("{\"nodes\": {\"l \\\n\": {}}}", ":2:0: invalid escape near '\"l \\\\n'");
    file_refused("{\"nodes\": {}}", "$: \"nodes\" is missing or empty");
    file_refused("{\"nodes\": {\"a\": {}}, \"links\": [{\"endpoints\": [\"a\", \"zz\"]}]}",
                 ": $.links[0].endpoints[1]: no node is called \"zz\"");
}

/* A file past the size limit is refused by its size, unread (a sparse
 * file of 300 MiB takes no disk). */
static void test_file_too_large(void **state)
{
    (void)state;
    const char *path = write_file("{}");
    assert_int_equal(truncate(path, (off_t)300 << 20), 0);
    char err[TOPO_ERROR_MAX];
    struct topo *t = topo_load_file(path, NULL, err);
    unlink(path);
    assert_null(t);
    char want[TOPO_ERROR_MAX + 64];
    snprintf(want, sizeof want, "%s: 300.0 MiB is more than a topology file may hold (256 MiB)",
             path);
    assert_string_equal(err, want);
}

/* An array of more values than a topology may hold is refused before
 * jansson builds any of it, at the line and column where it passes. */
static void test_file_too_many_values(void **state)
{
    (void)state;
    size_t n = TOPO_VALUES_MAX + 10;
    char *text = malloc(2 * n + 64);
    assert_non_null(text);
    size_t k = (size_t)sprintf(text, "{\"nodes\": {\"a\": {}},\n\"layout\": [");
    for (size_t i = 0; i < n; i++) {
        text[k++] = '0';
        text[k++] = ',';
    }
    strcpy(text + k - 1, "]}");
    char err[TOPO_ERROR_MAX], want[TOPO_ERROR_MAX + 64];
    const char *path = write_file(text);
    free(text);
    struct topo *t = topo_load_file(path, NULL, err);
    unlink(path);
    assert_null(t);
    /* "{" "{" "{" on line 1, "[" and the commas on line 2 */
    snprintf(want, sizeof want, "%s:2:%zu: more than %zu JSON values: a topology file may "
             "hold no more", path, 11 + 2 * (TOPO_VALUES_MAX - 4), TOPO_VALUES_MAX);
    assert_string_equal(err, want);
}

/* The values are counted as the file is read, a piece at a time, and a
 * string's commas are not values even when an escape straddles two
 * pieces: here a backslash ends the first MiB and the quote after it
 * opens nine million commas inside the label. */
static void test_file_values_counted_across_pieces(void **state)
{
    (void)state;
    size_t commas = TOPO_VALUES_MAX + 1000000, k = 0, start;
    char *text = malloc(((size_t)1 << 20) + commas + 64);
    assert_non_null(text);
    k = start = (size_t)sprintf(text, "{\"nodes\": {\"a\": {\"label\": {\"en\": \"");
    while (k < ((size_t)1 << 20) - 1)
        text[k++] = 'x';
    text[k++] = '\\';
    text[k++] = '"';
    memset(text + k, ',', commas);
    strcpy(text + k + commas, "\"}}}}");
    const char *path = write_file(text);
    free(text);
    char err[TOPO_ERROR_MAX];
    struct topo *t = topo_load_file(path, NULL, err);
    unlink(path);
    if (!t)
        fail_msg("%s", err);
    /* the x's, the escaped quote, the commas */
    assert_int_equal(strlen(t->nodes[0].label_en), ((size_t)1 << 20) - 1 - start + 1 + commas);
    topo_free(t);
}

/* A link of the usual flat shape is read from the text rather than by
 * jansson (topo_scan_flat): whatever it holds, the file must load exactly
 * as its parsed tree does, or be refused with the same message. */
static void same_as_tree(const char *links)
{
    char text[2048], err_file[TOPO_ERROR_MAX] = "", err_tree[TOPO_ERROR_MAX] = "";
    snprintf(text, sizeof text, "{\"nodes\": {\"a\": {}, \"b\": {}, \"c\": {\"interfaces\": "
             "{\"eth0\": {\"ipv4\": \"192.0.2.1/24\"}}}}, \"links\": [%s]}", links);
    const char *path = write_file(text);
    struct topo *f = topo_load_file(path, NULL, err_file);
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    struct topo *t = doc ? topo_load_doc(doc, path, NULL, err_tree) : NULL;
    if (!doc)
        snprintf(err_tree, sizeof err_tree, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                 jerr.text);
    json_decref(doc);
    unlink(path);
    if (!f || !t) {
        if (f || t || strcmp(err_file, err_tree) != 0)
            fail_msg("%s: read from the text: \"%s\", from the tree: \"%s\"", links,
                     f ? "(loaded)" : err_file, t ? "(loaded)" : err_tree);
        return;
    }
    assert_int_equal(f->n_links, t->n_links);
    for (size_t i = 0; i < f->n_links; i++) {
        const struct topo_link *x = &f->links[i], *y = &t->links[i];
        if (x->delay_us != y->delay_us || x->bandwidth_kbps != y->bandwidth_kbps ||
            x->loss_pct != y->loss_pct || x->queue != y->queue || x->mtu != y->mtu ||
            x->up != y->up || x->up_in_file != y->up_in_file ||
            memcmp(x->end, y->end, sizeof x->end) != 0)
            fail_msg("%s: link %zu differs", links, i);
    }
    for (size_t n = 0; n < f->n_nodes; n++) {
        assert_int_equal(f->nodes[n].n_ifaces, t->nodes[n].n_ifaces);
        for (size_t k = 0; k < f->nodes[n].n_ifaces; k++) {
            assert_string_equal(f->nodes[n].ifaces[k].name, t->nodes[n].ifaces[k].name);
            assert_int_equal(f->nodes[n].ifaces[k].ipv4.addr, t->nodes[n].ifaces[k].ipv4.addr);
        }
    }
    topo_free(f);
    topo_free(t);
}

static void test_flat_links_read_as_jansson_reads_them(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "{\"endpoints\": [\"a\", \"b\"]}",
        "{\"endpoints\":[\"a\",\"b\"],\"delay_ms\":5}, {\"endpoints\": [\"b\", \"c:eth0\"]}",
        " {\n\t\"delay_ms\" : 0.5 ,\r\n \"endpoints\" : [ \"a\" , \"b:eth7\" ] } ",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 1e3, \"loss_pct\": 2.5E-1}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": -0, \"bandwidth_kbps\": 0.001}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 0.0001234, \"queue\": 1000000}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 3600000, \"mtu\": 68, \"state\": \"down\"}",
        "{\"endpoints\": [\"a\", \"b\"], \"queue\": 2.0}",
        "{\"endpoints\": [\"a\", \"b\"], \"queue\": 0}",
        "{\"endpoints\": [\"a\", \"b\"], \"mtu\": 67}",
        "{\"endpoints\": [\"a\", \"b\"], \"mtu\": 65536}",
        "{\"endpoints\": [\"a\", \"b\"], \"bandwidth_kbps\": 0}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": -1}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 3600000.5}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 1234567890123456789}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 12345678901234567890}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 1e400}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 1e-400}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 01}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 1.}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": .5}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": \"5\"}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": true}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": null}",
        "{\"endpoints\": [\"a\", \"b\"], \"state\": \"Up\"}",
        "{\"endpoints\": [\"a\", \"b\"], \"state\": 1}",
        "{\"endpoints\": [\"a\", \"b\"], \"dealy_ms\": 1}",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 1, \"delay_ms\": 2}",
        "{\"endpoints\": [\"a\", \"b\"], \"endpoints\": [\"a\", \"c\"]}",
        "{\"endpoints\": [\"a\", \"\\u0062\"]}",
        "{\"endpoints\": [\"a\", \"b\\u0000\"]}",
        "{\"endpoints\": [\"a\", \"b\"], \"state\": \"d\\u006fwn\"}",
        "{\"endpoints\": [\"a\", \"a\"]}",
        "{\"endpoints\": [\"a\", \"r9\"]}",
        "{\"endpoints\": [\"a\", \"b:\"]}",
        "{\"endpoints\": [\"a\", \":eth0\"]}",
        "{\"endpoints\": [\"a\", \"b:eth0:1\"]}",
        "{\"endpoints\": [\"a\", \"b:0123456789abcdef\"]}",
        "{\"endpoints\": [\"a\", \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"]}",
        "{\"endpoints\": [\"a\", \"b\", \"c\"]}",
        "{\"endpoints\": [\"a\"]}",
        "{\"endpoints\": []}",
        "{\"endpoints\": [\"a\", 5]}",
        "{\"endpoints\": \"a\"}",
        "{\"endpoints\": [\"a\", [\"b\"]]}",
        "{\"delay_ms\": 5}",
        "{}",
        "[\"a\", \"b\"]",
        "\"a\"",
        "{\"endpoints\": [\"a\", \"b\"], \"delay_ms\": 1, \"bandwidth_kbps\": 2, \"loss_pct\": 3,"
        " \"queue\": 4, \"mtu\": 1500, \"state\": \"up\", \"x\": 1, \"y\": 2}",
        "{\"endpoints\": [\"a\", \"c\"]}, {\"endpoints\": [\"b\", \"c:eth0\"], \"mtu\": 9000}",
        "{\"endpoints\": [\"a\", \"b\"]} , {\"endpoints\" : [\"b\",\"a\"] , \"loss_pct\" : 100}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        same_as_tree(cases[i]);
}

/* Bare endpoints take the first free ethN, around the names the file
 * gives: a has eth0 and eth2, so its three bare links get eth1, eth3, eth4. */
static void test_bare_endpoints_named_in_order(void **state)
{
    (void)state;
    char err[TOPO_ERROR_MAX] = "";
    const char *path = write_file(
        "{\"nodes\": {\"a\": {\"interfaces\": {\"eth0\": {}, \"eth2\": {}}},"
        " \"b\": {}, \"c\": {}, \"d\": {}, \"e\": {}},"
        " \"links\": [{\"endpoints\": [\"a\", \"b\"]}, {\"endpoints\": [\"a:eth0\", \"c\"]},"
        " {\"endpoints\": [\"a\", \"d\"]}, {\"endpoints\": [\"e\", \"a\"]}]}");
    struct topo *t = topo_load_file(path, NULL, err);
    unlink(path);
    if (!t)
        fail_msg("%s", err);
    const struct topo_node *a = &t->nodes[topo_node_index(t, "a")];
    const char *want[] = {"eth0", "eth2", "eth1", "eth3", "eth4"};
    assert_int_equal(a->n_ifaces, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(a->ifaces[i].name, want[i]);
    assert_string_equal(t->links[3].end[1].iface == 4 ? "eth4" : "?", "eth4");
    topo_free(t);

    /* A name that a link gives after the counter has started is avoided
     * too, and "eth01" is not "eth1": a gets eth0, then eth2 is named by
     * a link, then eth1, eth3; b has eth01 and gets eth0, eth1. */
    path = write_file(
        "{\"nodes\": {\"a\": {}, \"b\": {\"interfaces\": {\"eth01\": {}}},"
        " \"c\": {}, \"d\": {}, \"e\": {}},"
        " \"links\": [{\"endpoints\": [\"a\", \"c\"]}, {\"endpoints\": [\"a:eth2\", \"d\"]},"
        " {\"endpoints\": [\"a\", \"b\"]}, {\"endpoints\": [\"e\", \"a\"]},"
        " {\"endpoints\": [\"b\", \"d\"]}]}");
    t = topo_load_file(path, NULL, err);
    unlink(path);
    if (!t)
        fail_msg("%s", err);
    a = &t->nodes[topo_node_index(t, "a")];
    const char *want_a[] = {"eth0", "eth2", "eth1", "eth3"};
    assert_int_equal(a->n_ifaces, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(a->ifaces[i].name, want_a[i]);
    const struct topo_node *b = &t->nodes[topo_node_index(t, "b")];
    const char *want_b[] = {"eth01", "eth0", "eth1"};
    assert_int_equal(b->n_ifaces, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(b->ifaces[i].name, want_b[i]);
    topo_free(t);

    /* A node of many bare links: eth0 to eth254, and the 256th is refused. */
    char *text = malloc(64 * 1024);
    assert_non_null(text);
    for (int links = 255; links <= 256; links++) {
        size_t k = (size_t)sprintf(text, "{\"nodes\": {\"hub\": {}");
        for (int i = 0; i < links; i++)
            k += (size_t)sprintf(text + k, ", \"n%d\": {}", i);
        k += (size_t)sprintf(text + k, "}, \"links\": [");
        for (int i = 0; i < links; i++)
            k += (size_t)sprintf(text + k, "%s{\"endpoints\": [\"n%d\", \"hub\"]}",
                                 i ? ", " : "", i);
        strcpy(text + k, "]}");
        path = write_file(text);
        t = topo_load_file(path, NULL, err);
        unlink(path);
        if (links == 256) {
            assert_null(t);
            assert_non_null(strstr(err, ": $.links[255].endpoints[1]: node \"hub\" has more "
                                        "than 255 interfaces"));
            break;
        }
        if (!t)
            fail_msg("%s", err);
        const struct topo_node *hub = &t->nodes[0];
        assert_int_equal(hub->n_ifaces, 255);
        char name[16];
        for (int i = 0; i < 255; i++) {
            snprintf(name, sizeof name, "eth%d", i);
            assert_string_equal(hub->ifaces[i].name, name);
        }
        topo_free(t);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_smallest),
        cmocka_unit_test(test_empty_message),
        cmocka_unit_test(test_shortest_and_link_down),
        cmocka_unit_test(test_loop_caught_by_ttl),
        cmocka_unit_test(test_loss_and_retransmit),
        cmocka_unit_test(test_queue_overflow),
        cmocka_unit_test(test_longest_prefix),
        cmocka_unit_test(test_link_down_no_way_round),
        cmocka_unit_test(test_congestion),
        cmocka_unit_test(test_default_world),
        cmocka_unit_test(test_events_borrow_their_links),
        cmocka_unit_test(test_file_messages_as_jansson_gives_them),
        cmocka_unit_test(test_file_too_large),
        cmocka_unit_test(test_file_too_many_values),
        cmocka_unit_test(test_file_values_counted_across_pieces),
        cmocka_unit_test(test_flat_links_read_as_jansson_reads_them),
        cmocka_unit_test(test_bare_endpoints_named_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
