/*
 * test_zone — master files and the authoritative lookup: the default
 * world's zones, loaded through the file names in default.json as the
 * servers load them, asked every kind of question with the exact records
 * expected (as ldns_rr2str prints them); small zones written to a fresh
 * temporary folder for wildcards, CNAME chains across zones, the limits;
 * and broken master files, each with its exact "FILE:LINE: what".
 */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/fsutil.h"
#include "dns/zone.h"

#define WORLD_DIR "tutor/world"
#define WORLD_FILE WORLD_DIR "/default.json"

/* The name servers of the default world, loaded once for the group. */
enum { ROOT_NS, TLD_NS, NS_A, NS_B, N_SERVERS };
static const char *const SERVER_NODES[N_SERVERS] = {"root-ns", "tld-ns", "ns-a", "ns-b"};
static struct zone_set *servers[N_SERVERS];

/* Loads into zs the zones that node's "dns" service lists in its settings,
 * paths relative to the world's folder. 0, or -1 with err. */
static int load_node_zones(json_t *doc, const char *node, struct zone_set *zs,
                           char err[ZONE_ERROR_MAX])
{
    json_t *svc = json_object_get(json_object_get(json_object_get(doc, "nodes"), node), "services");
    json_t *zones = json_object_get(json_object_get(json_object_get(svc, "dns"), "settings"),
                                    "zones");
    if (!json_is_object(zones) || json_object_size(zones) == 0) {
        snprintf(err, ZONE_ERROR_MAX, "%s: no zones in services.dns.settings", node);
        return -1;
    }
    const char *origin;
    json_t *file;
    json_object_foreach(zones, origin, file) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", WORLD_DIR, json_string_value(file));
        if (zone_set_load(zs, path, origin, err) < 0)
            return -1;
    }
    return 0;
}

static json_t *load_world(void)
{
    json_error_t jerr;
    json_t *doc = json_load_file(WORLD_FILE, 0, &jerr);
    if (!doc)
        fprintf(stderr, "%s:%d: %s\n", WORLD_FILE, jerr.line, jerr.text);
    return doc;
}

static int group_setup(void **state)
{
    (void)state;
    json_t *doc = load_world();
    if (!doc)
        return -1;
    char err[ZONE_ERROR_MAX];
    for (int i = 0; i < N_SERVERS; i++) {
        servers[i] = zone_set_new();
        if (!servers[i] || load_node_zones(doc, SERVER_NODES[i], servers[i], err) < 0) {
            fprintf(stderr, "%s\n", err);
            json_decref(doc);
            return -1;
        }
    }
    json_decref(doc);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < N_SERVERS; i++)
        zone_set_free(servers[i]);
    return 0;
}

/* A fresh folder for the zones a test writes. */
struct fx {
    char dir[64];
    char path[128];
    char err[ZONE_ERROR_MAX];
    char want[ZONE_ERROR_MAX + 256];
    struct zone_set *zs;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    snprintf(f->dir, sizeof f->dir, "/tmp/tutor-test-zone-XXXXXX");
    if (!mkdtemp(f->dir)) {
        perror("mkdtemp");
        f->dir[0] = '\0';
        return -1;
    }
    f->zs = zone_set_new();
    return f->zs ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    zone_set_free(f->zs);
    if (f->dir[0]) {
        char ferr[FS_ERROR_MAX];
        if (fs_remove_tree(f->dir, ferr) < 0)
            fprintf(stderr, "fs_remove_tree: %s\n", ferr);
    }
    free(f);
    return 0;
}

/* Writes text as DIR/name; the path is left in f->path. */
static void write_file(struct fx *f, const char *name, const char *text)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, fp) == n;
    ok = fclose(fp) == 0 && ok;
    assert_true(ok);
}

/* Writes and loads a zone that must load. */
static void load_ok(struct fx *f, const char *name, const char *origin, const char *text)
{
    write_file(f, name, text);
    if (zone_set_load(f->zs, f->path, origin, f->err) < 0)
        fail_msg("zone_set_load: %s", f->err);
}

/* Writes a zone that must not load, with the message "PATH:rest". */
static void load_bad(struct fx *f, const char *text, const char *rest)
{
    write_file(f, "bad.zone", text);
    struct zone_set *zs = zone_set_new();
    assert_non_null(zs);
    int rc = zone_set_load(zs, f->path, "a.example.", f->err);
    size_t n = zone_set_count(zs);
    zone_set_free(zs);
    if (rc == 0)
        fail_msg("the zone loaded, expected \"%s%s\"", f->path, rest);
    assert_int_equal(n, 0);
    snprintf(f->want, sizeof f->want, "%s%s", f->path, rest);
    assert_string_equal(f->err, f->want);
}

/* A list as ldns prints it, one record a line; new, free it. */
static char *list_str(const ldns_rr_list *l)
{
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    s[0] = '\0';
    for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
        char *r = ldns_rr2str(ldns_rr_list_rr(l, i));
        assert_non_null(r);
        size_t n = strlen(r);
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            s = realloc(s, cap);
            assert_non_null(s);
        }
        memcpy(s + len, r, n + 1);
        len += n;
        free(r);
    }
    return s;
}

static const char *const KIND[] = {"ANSWER", "REFERRAL", "NXDOMAIN", "NODATA", "REFUSED"};

/* Asks zs (name, type) and checks every part of the answer. */
static void expect(const struct zone_set *zs, const char *name, const char *type,
                   enum zone_kind kind, bool aa, const char *answer, const char *authority,
                   const char *additional)
{
    ldns_rdf *q = ldns_dname_new_frm_str(name);
    assert_non_null(q);
    ldns_rr_type t = ldns_get_rr_type_by_name(type);
    assert_int_not_equal(t, 0);
    struct zone_result r;
    assert_int_equal(zone_set_lookup(zs, q, t, &r), 0);
    ldns_rdf_deep_free(q);
    char *an = list_str(r.answer), *au = list_str(r.authority), *ad = list_str(r.additional);
    bool same = r.kind == kind && r.authoritative == aa && strcmp(an, answer) == 0 &&
                strcmp(au, authority) == 0 && strcmp(ad, additional) == 0;
    if (!same)
        fprintf(stderr, "%s %s: got %s%s\n;; answer\n%s;; authority\n%s;; additional\n%s",
                name, type, KIND[r.kind], r.authoritative ? " aa" : "", an, au, ad);
    zone_result_free(&r);
    free(an);
    free(au);
    free(ad);
    assert_true(same);
}

/* The negative answers' SOA records: TTL min(86400, MINIMUM 3600). */
#define SOA_A "a.example.\t3600\tIN\tSOA\tns.a.example. hostmaster.a.example. " \
              "2002052901 10800 3600 604800 3600\n"
#define SOA_EXAMPLE "example.\t3600\tIN\tSOA\tns.example. hostmaster.example. " \
                    "2002052900 10800 3600 604800 3600\n"
#define SOA_ROOT ".\t3600\tIN\tSOA\ta.root-servers.example. hostmaster.root-servers.example. " \
                 "2002052900 1800 900 604800 3600\n"
#define GLUE_NS_EXAMPLE "ns.example.\t172800\tIN\tA\t203.0.113.153\n" \
                        "ns.example.\t172800\tIN\tAAAA\t2001:db8::153\n"
#define ADDR_MAIL_A "mail.a.example.\t86400\tIN\tA\t192.0.2.25\n" \
                    "mail.a.example.\t86400\tIN\tAAAA\t2001:db8:a::25\n"
#define ADDR_NS_A "ns.a.example.\t86400\tIN\tA\t192.0.2.53\n" \
                  "ns.a.example.\t86400\tIN\tAAAA\t2001:db8:a::53\n"

/* ------------------------------------------------------------------------
 * The default world.
 */
static void test_default_world_loads(void **state)
{
    (void)state;
    json_t *doc = load_world();
    assert_non_null(doc);
    /* every node that serves DNS, whatever it is called */
    const char *node;
    json_t *jn;
    size_t n_servers = 0, n_zones = 0;
    char err[ZONE_ERROR_MAX];
    json_object_foreach(json_object_get(doc, "nodes"), node, jn) {
        json_t *dns = json_object_get(json_object_get(jn, "services"), "dns");
        if (!dns)
            continue;
        assert_int_equal(json_integer_value(json_object_get(dns, "port")), 53);
        struct zone_set *zs = zone_set_new();
        assert_non_null(zs);
        if (load_node_zones(doc, node, zs, err) < 0)
            fail_msg("%s", err);
        n_servers++;
        n_zones += zone_set_count(zs);
        zone_set_free(zs);
    }
    json_decref(doc);
    assert_int_equal(n_servers, 4);
    assert_int_equal(n_zones, 10);

    /* who serves what */
    static const char *const origins[N_SERVERS][3] = {
        {".", "in-addr.arpa.", "ip6.arpa."},
        {"example.", "113.0.203.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."},
        {"a.example.", "2.0.192.in-addr.arpa.", NULL},
        {"b.example.", "100.51.198.in-addr.arpa.", NULL},
    };
    for (int s = 0; s < N_SERVERS; s++) {
        size_t want = origins[s][2] ? 3 : 2;
        assert_int_equal(zone_set_count(servers[s]), want);
        for (size_t i = 0; i < want; i++) {
            char *o = ldns_rdf2str(zone_set_origin(servers[s], i));
            assert_string_equal(o, origins[s][i]);
            free(o);
        }
        assert_null(zone_set_origin(servers[s], want));
    }
    assert_int_equal(zone_set_count(NULL), 0);
}

/* The resolvers' root hints name the server the root zone names, at the
 * address the root zone's glue gives. */
static void test_root_hints_match_root_zone(void **state)
{
    (void)state;
    FILE *fp = fopen(WORLD_DIR "/zones/root.hints", "r");
    assert_non_null(fp);
    ldns_zone *hz = NULL;
    int line = 0;
    ldns_rdf *root = ldns_dname_new_frm_str(".");
    ldns_status st = ldns_zone_new_frm_fp_l(&hz, fp, root, 3600, LDNS_RR_CLASS_IN, &line);
    ldns_rdf_deep_free(root);
    fclose(fp);
    if (st != LDNS_STATUS_OK)
        fail_msg("root.hints:%d: %s", line, ldns_get_errorstr_by_id(st));
    char *hints = list_str(ldns_zone_rrs(hz));
    ldns_zone_deep_free(hz);
    assert_string_equal(hints,
                        ".\t3600000\tIN\tNS\ta.root-servers.example.\n"
                        "a.root-servers.example.\t3600000\tIN\tA\t203.0.113.53\n"
                        "a.root-servers.example.\t3600000\tIN\tAAAA\t2001:db8::53\n");
    free(hints);
    expect(servers[ROOT_NS], ".", "NS", ZONE_ANSWER, true,
           ".\t518400\tIN\tNS\ta.root-servers.example.\n", "",
           "a.root-servers.example.\t518400\tIN\tA\t203.0.113.53\n"
           "a.root-servers.example.\t518400\tIN\tAAAA\t2001:db8::53\n");
}

static void test_a_and_aaaa(void **state)
{
    (void)state;
    expect(servers[NS_A], "mail.a.example.", "A", ZONE_ANSWER, true,
           "mail.a.example.\t86400\tIN\tA\t192.0.2.25\n", "", "");
    expect(servers[NS_A], "mail.a.example.", "AAAA", ZONE_ANSWER, true,
           "mail.a.example.\t86400\tIN\tAAAA\t2001:db8:a::25\n", "", "");
    expect(servers[NS_A], "pc1.a.example", "A", ZONE_ANSWER, true,
           "pc1.a.example.\t86400\tIN\tA\t192.0.2.10\n", "", "");
    /* a router: one A record for each interface, in the file's order */
    expect(servers[NS_A], "gw.a.example", "A", ZONE_ANSWER, true,
           "gw.a.example.\t86400\tIN\tA\t192.0.2.1\n"
           "gw.a.example.\t86400\tIN\tA\t203.0.113.1\n", "", "");
    expect(servers[TLD_NS], "r1.net.example", "A", ZONE_ANSWER, true,
           "r1.net.example.\t86400\tIN\tA\t203.0.113.2\n"
           "r1.net.example.\t86400\tIN\tA\t203.0.113.5\n"
           "r1.net.example.\t86400\tIN\tA\t203.0.113.49\n", "", "");
    expect(servers[NS_B], "mail.b.example", "A", ZONE_ANSWER, true,
           "mail.b.example.\t86400\tIN\tA\t198.51.100.25\n", "", "");
    expect(servers[NS_B], "ns.b.example", "AAAA", ZONE_ANSWER, true,
           "ns.b.example.\t86400\tIN\tAAAA\t2001:db8:b::53\n", "", "");
    expect(servers[TLD_NS], "a.root-servers.example", "A", ZONE_ANSWER, true,
           "a.root-servers.example.\t86400\tIN\tA\t203.0.113.53\n", "", "");
}

static void test_mx_with_additional(void **state)
{
    (void)state;
    expect(servers[NS_A], "a.example.", "MX", ZONE_ANSWER, true,
           "a.example.\t86400\tIN\tMX\t10 mail.a.example.\n", "", ADDR_MAIL_A);
    expect(servers[NS_B], "b.example.", "MX", ZONE_ANSWER, true,
           "b.example.\t86400\tIN\tMX\t10 mail.b.example.\n", "",
           "mail.b.example.\t86400\tIN\tA\t198.51.100.25\n"
           "mail.b.example.\t86400\tIN\tAAAA\t2001:db8:b::25\n");
}

static void test_cname(void **state)
{
    (void)state;
    /* the alias, then the records of the name it stands for */
    expect(servers[NS_A], "www.a.example.", "A", ZONE_ANSWER, true,
           "www.a.example.\t86400\tIN\tCNAME\tmail.a.example.\n"
           "mail.a.example.\t86400\tIN\tA\t192.0.2.25\n", "", "");
    /* the target has no such type: NODATA after the CNAME */
    expect(servers[NS_B], "www.b.example.", "TXT", ZONE_NODATA, true,
           "www.b.example.\t86400\tIN\tCNAME\tmail.b.example.\n",
           "b.example.\t3600\tIN\tSOA\tns.b.example. hostmaster.b.example. "
           "2002052901 10800 3600 604800 3600\n", "");
    /* asked for the CNAME itself: not followed */
    expect(servers[NS_A], "www.a.example.", "CNAME", ZONE_ANSWER, true,
           "www.a.example.\t86400\tIN\tCNAME\tmail.a.example.\n", "", "");
    /* the SOA of a negative answer after a CNAME */
    expect(servers[NS_A], "www.a.example.", "MX", ZONE_NODATA, true,
           "www.a.example.\t86400\tIN\tCNAME\tmail.a.example.\n", SOA_A, "");
}

static void test_txt(void **state)
{
    (void)state;
    expect(servers[NS_A], "a.example.", "TXT", ZONE_ANSWER, true,
           "a.example.\t86400\tIN\tTXT\t\"v=spf1 mx -all\"\n"
           "a.example.\t86400\tIN\tTXT\t\"a.example: the sender's side of the lecture\"\n", "", "");
}

static void test_ptr(void **state)
{
    (void)state;
    expect(servers[NS_A], "25.2.0.192.in-addr.arpa.", "PTR", ZONE_ANSWER, true,
           "25.2.0.192.in-addr.arpa.\t86400\tIN\tPTR\tmail.a.example.\n", "", "");
    expect(servers[NS_B], "1.100.51.198.in-addr.arpa.", "PTR", ZONE_ANSWER, true,
           "1.100.51.198.in-addr.arpa.\t86400\tIN\tPTR\tgw.b.example.\n", "", "");
    /* the backbone: routers too */
    expect(servers[TLD_NS], "49.113.0.203.in-addr.arpa.", "PTR", ZONE_ANSWER, true,
           "49.113.0.203.in-addr.arpa.\t86400\tIN\tPTR\tr1.net.example.\n", "", "");
    /* IPv6, one label per hex digit: 2001:db8:a::25 */
    expect(servers[TLD_NS],
           "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "PTR",
           ZONE_ANSWER, true,
           "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.\t86400\tIN\tPTR"
           "\tmail.a.example.\n", "", "");
    expect(servers[TLD_NS],
           "3.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "PTR",
           ZONE_ANSWER, true,
           "3.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.\t86400\tIN\tPTR"
           "\ta.root-servers.example.\n", "", "");
}

/* Every address of every host in default.json has its PTR, naming the
 * node's host name, and that name has an A record with the address. */
static void test_every_address_has_ptr(void **state)
{
    (void)state;
    json_t *doc = load_world();
    assert_non_null(doc);
    /* a set that serves the whole world's data */
    struct zone_set *all = zone_set_new();
    assert_non_null(all);
    char err[ZONE_ERROR_MAX];
    for (int s = 0; s < N_SERVERS; s++)
        if (load_node_zones(doc, SERVER_NODES[s], all, err) < 0)
            fail_msg("%s", err);
    const char *node;
    json_t *jn;
    size_t n_addr = 0;
    json_object_foreach(json_object_get(doc, "nodes"), node, jn) {
        const char *host = json_string_value(json_object_get(jn, "hostname"));
        const char *ifname;
        json_t *ji;
        json_object_foreach(json_object_get(jn, "interfaces"), ifname, ji) {
            char addr[64], rev[128], want[256];
            snprintf(addr, sizeof addr, "%s", json_string_value(json_object_get(ji, "ipv4")));
            *strchr(addr, '/') = '\0';
            unsigned a, b, c, d;
            assert_int_equal(sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
            snprintf(rev, sizeof rev, "%u.%u.%u.%u.in-addr.arpa.", d, c, b, a);
            snprintf(want, sizeof want, "%s\t86400\tIN\tPTR\t%s.\n", rev, host);
            expect(all, rev, "PTR", ZONE_ANSWER, true, want, "", "");
            /* forward: the address is among the name's A records */
            ldns_rdf *q = ldns_dname_new_frm_str(host);
            struct zone_result r;
            assert_int_equal(zone_set_lookup(all, q, LDNS_RR_TYPE_A, &r), 0);
            ldns_rdf_deep_free(q);
            char *an = list_str(r.answer);
            snprintf(want, sizeof want, "\tA\t%s\n", addr);
            if (r.kind != ZONE_ANSWER || !strstr(an, want))
                fail_msg("%s (%s): no A record %s", host, node, addr);
            free(an);
            zone_result_free(&r);
            n_addr++;
        }
    }
    assert_int_equal(n_addr, 18);
    zone_set_free(all);
    json_decref(doc);
}

static void test_ns_at_apex(void **state)
{
    (void)state;
    /* at its own apex a server answers, with authority */
    expect(servers[NS_A], "a.example.", "NS", ZONE_ANSWER, true,
           "a.example.\t86400\tIN\tNS\tns.a.example.\n", "", ADDR_NS_A);
    expect(servers[TLD_NS], "example.", "NS", ZONE_ANSWER, true,
           "example.\t86400\tIN\tNS\tns.example.\n", "",
           "ns.example.\t86400\tIN\tA\t203.0.113.153\n"
           "ns.example.\t86400\tIN\tAAAA\t2001:db8::153\n");
    expect(servers[NS_A], "a.example.", "SOA", ZONE_ANSWER, true,
           "a.example.\t86400\tIN\tSOA\tns.a.example. hostmaster.a.example. "
           "2002052901 10800 3600 604800 3600\n", "", "");
}

static void test_referrals(void **state)
{
    (void)state;
    /* the root knows only who serves example. */
    expect(servers[ROOT_NS], "mail.b.example.", "A", ZONE_REFERRAL, false, "",
           "example.\t172800\tIN\tNS\tns.example.\n", GLUE_NS_EXAMPLE);
    /* the parent's NS at the cut is a referral too (not authoritative) */
    expect(servers[ROOT_NS], "example.", "NS", ZONE_REFERRAL, false, "",
           "example.\t172800\tIN\tNS\tns.example.\n", GLUE_NS_EXAMPLE);
    /* example. sends on to the domain's server, with glue */
    expect(servers[TLD_NS], "mail.b.example.", "A", ZONE_REFERRAL, false, "",
           "b.example.\t172800\tIN\tNS\tns.b.example.\n",
           "ns.b.example.\t172800\tIN\tA\t198.51.100.53\n"
           "ns.b.example.\t172800\tIN\tAAAA\t2001:db8:b::53\n");
    expect(servers[TLD_NS], "a.example.", "MX", ZONE_REFERRAL, false, "",
           "a.example.\t172800\tIN\tNS\tns.a.example.\n",
           "ns.a.example.\t172800\tIN\tA\t192.0.2.53\n"
           "ns.a.example.\t172800\tIN\tAAAA\t2001:db8:a::53\n");
    /* glue is not an answer: its name lies below the cut */
    expect(servers[TLD_NS], "ns.a.example.", "A", ZONE_REFERRAL, false, "",
           "a.example.\t172800\tIN\tNS\tns.a.example.\n",
           "ns.a.example.\t172800\tIN\tA\t192.0.2.53\n"
           "ns.a.example.\t172800\tIN\tAAAA\t2001:db8:a::53\n");
    /* reverse: the root server answers from in-addr.arpa., the nearest of
     * its zones; the delegation has no glue (the name is not in the zone) */
    expect(servers[ROOT_NS], "25.2.0.192.in-addr.arpa.", "PTR", ZONE_REFERRAL, false, "",
           "2.0.192.in-addr.arpa.\t86400\tIN\tNS\tns.a.example.\n", "");
    /* ...but the root zone's glue for ns.example serves as additional data */
    expect(servers[ROOT_NS], "10.113.0.203.in-addr.arpa.", "PTR", ZONE_REFERRAL, false, "",
           "113.0.203.in-addr.arpa.\t86400\tIN\tNS\tns.example.\n", GLUE_NS_EXAMPLE);
    expect(servers[ROOT_NS],
           "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "PTR",
           ZONE_REFERRAL, false, "", "8.b.d.0.1.0.0.2.ip6.arpa.\t86400\tIN\tNS\tns.example.\n",
           GLUE_NS_EXAMPLE);
    /* a DS record belongs to the parent's side of the cut (RFC 4035) */
    expect(servers[TLD_NS], "a.example.", "DS", ZONE_NODATA, true, "", SOA_EXAMPLE, "");
}

static void test_nxdomain_and_nodata(void **state)
{
    (void)state;
    expect(servers[NS_A], "nosuch.a.example.", "A", ZONE_NXDOMAIN, true, "", SOA_A, "");
    expect(servers[NS_A], "deeper.nosuch.a.example.", "MX", ZONE_NXDOMAIN, true, "", SOA_A, "");
    expect(servers[NS_A], "mail.a.example.", "TXT", ZONE_NODATA, true, "", SOA_A, "");
    expect(servers[NS_A], "a.example.", "A", ZONE_NODATA, true, "", SOA_A, "");
    /* the root answers for names under no top-level domain */
    expect(servers[ROOT_NS], "nosuch.", "A", ZONE_NXDOMAIN, true, "", SOA_ROOT, "");
    expect(servers[ROOT_NS], "www.nosuch.", "A", ZONE_NXDOMAIN, true, "", SOA_ROOT, "");
}

/* A name with nothing of its own but names below it exists: NODATA. */
static void test_empty_non_terminal(void **state)
{
    (void)state;
    expect(servers[TLD_NS], "net.example.", "A", ZONE_NODATA, true, "", SOA_EXAMPLE, "");
    expect(servers[TLD_NS], "root-servers.example.", "NS", ZONE_NODATA, true, "", SOA_EXAMPLE, "");
    expect(servers[TLD_NS], "nosuch.net.example.", "A", ZONE_NXDOMAIN, true, "", SOA_EXAMPLE, "");
    expect(servers[ROOT_NS], "arpa.", "NS", ZONE_NODATA, true, "", SOA_ROOT, "");
    expect(servers[NS_A], "0.192.in-addr.arpa.", "PTR", ZONE_REFUSED, false, "", "", "");
}

static void test_refused(void **state)
{
    (void)state;
    expect(servers[NS_A], "mail.b.example.", "A", ZONE_REFUSED, false, "", "", "");
    /* the parent of a zone is not in it */
    expect(servers[NS_A], "example.", "SOA", ZONE_REFUSED, false, "", "", "");
    expect(servers[NS_B], "25.2.0.192.in-addr.arpa.", "PTR", ZONE_REFUSED, false, "", "", "");
    expect(servers[TLD_NS], "nosuch.", "A", ZONE_REFUSED, false, "", "", "");
    /* zone transfers are not given */
    expect(servers[NS_A], "a.example.", "AXFR", ZONE_REFUSED, false, "", "", "");
    /* an empty set */
    struct zone_set *none = zone_set_new();
    expect(none, "a.example.", "A", ZONE_REFUSED, false, "", "", "");
    zone_set_free(none);
}

/* Names compare without case; the answer's owner is the name as asked. */
static void test_case_insensitive(void **state)
{
    (void)state;
    expect(servers[NS_A], "MAIL.A.Example.", "A", ZONE_ANSWER, true,
           "MAIL.A.Example.\t86400\tIN\tA\t192.0.2.25\n", "", "");
    expect(servers[NS_A], "WWW.A.EXAMPLE.", "A", ZONE_ANSWER, true,
           "WWW.A.EXAMPLE.\t86400\tIN\tCNAME\tmail.a.example.\n"
           "mail.a.example.\t86400\tIN\tA\t192.0.2.25\n", "", "");
    expect(servers[NS_A], "NoSuch.A.EXAMPLE.", "A", ZONE_NXDOMAIN, true, "", SOA_A, "");
    expect(servers[TLD_NS], "Mail.B.Example.", "A", ZONE_REFERRAL, false, "",
           "b.example.\t172800\tIN\tNS\tns.b.example.\n",
           "ns.b.example.\t172800\tIN\tA\t198.51.100.53\n"
           "ns.b.example.\t172800\tIN\tAAAA\t2001:db8:b::53\n");
    expect(servers[TLD_NS], "NET.example.", "A", ZONE_NODATA, true, "", SOA_EXAMPLE, "");
    expect(servers[NS_B], "25.100.51.198.IN-ADDR.ARPA.", "PTR", ZONE_ANSWER, true,
           "25.100.51.198.IN-ADDR.ARPA.\t86400\tIN\tPTR\tmail.b.example.\n", "", "");
}

/* ANY is answered with every RRset of the name (types in numeric order),
 * not followed through a CNAME. */
static void test_any(void **state)
{
    (void)state;
    expect(servers[NS_A], "a.example.", "ANY", ZONE_ANSWER, true,
           "a.example.\t86400\tIN\tNS\tns.a.example.\n"
           "a.example.\t86400\tIN\tSOA\tns.a.example. hostmaster.a.example. "
           "2002052901 10800 3600 604800 3600\n"
           "a.example.\t86400\tIN\tMX\t10 mail.a.example.\n"
           "a.example.\t86400\tIN\tTXT\t\"v=spf1 mx -all\"\n"
           "a.example.\t86400\tIN\tTXT\t\"a.example: the sender's side of the lecture\"\n",
           "", ADDR_NS_A ADDR_MAIL_A);
    expect(servers[NS_A], "www.a.example.", "ANY", ZONE_ANSWER, true,
           "www.a.example.\t86400\tIN\tCNAME\tmail.a.example.\n", "", "");
    expect(servers[TLD_NS], "net.example.", "ANY", ZONE_NODATA, true, "", SOA_EXAMPLE, "");
}

/* ------------------------------------------------------------------------
 * Small zones.
 */
#define C_ZONE \
    "$TTL 3600\n" \
    "@       SOA ns.c.example. hostmaster.c.example. 1 7200 900 86400 600\n" \
    "        NS  ns\n" \
    "ns      A   192.0.2.99\n" \
    "alias   CNAME www.a.example.\n" \
    "out     CNAME www.b.example.\n" \
    "dangle  CNAME nosuch.a.example.\n" \
    "deleg   CNAME mail.sub.c.example.\n" \
    "sub     NS  ns.sub\n" \
    "ns.sub  A   192.0.2.98\n" \
    "l1      CNAME l2\n" \
    "l2      CNAME l1\n" \
    "mx      MX  10 mail.a.example.\n" \
    "mx      MX  20 ns\n" \
    "dup     A   192.0.2.7\n" \
    "dup     A   192.0.2.7\n"

#define SOA_C "c.example.\t600\tIN\tSOA\tns.c.example. hostmaster.c.example. 1 7200 900 86400 600\n"

static void load_c_and_a(struct fx *f)
{
    load_ok(f, "c.zone", "c.example", C_ZONE);
    char err[ZONE_ERROR_MAX];
    if (zone_set_load(f->zs, WORLD_DIR "/zones/a.example.zone", "a.example.", err) < 0)
        fail_msg("%s", err);
}

static void test_cname_chain_across_zones(void **state)
{
    struct fx *f = *state;
    load_c_and_a(f);
    /* two aliases, two zones of the set */
    expect(f->zs, "alias.c.example.", "A", ZONE_ANSWER, true,
           "alias.c.example.\t3600\tIN\tCNAME\twww.a.example.\n"
           "www.a.example.\t86400\tIN\tCNAME\tmail.a.example.\n"
           "mail.a.example.\t86400\tIN\tA\t192.0.2.25\n", "", "");
    /* a target in none of our zones: the resolver follows it */
    expect(f->zs, "out.c.example.", "A", ZONE_ANSWER, true,
           "out.c.example.\t3600\tIN\tCNAME\twww.b.example.\n", "", "");
    /* a target that does not exist: NXDOMAIN, the CNAME kept, the SOA of
     * the zone where the chain ended */
    expect(f->zs, "dangle.c.example.", "A", ZONE_NXDOMAIN, true,
           "dangle.c.example.\t3600\tIN\tCNAME\tnosuch.a.example.\n", SOA_A, "");
    /* a target below a delegation: the CNAME, then the referral */
    expect(f->zs, "deleg.c.example.", "A", ZONE_ANSWER, true,
           "deleg.c.example.\t3600\tIN\tCNAME\tmail.sub.c.example.\n",
           "sub.c.example.\t3600\tIN\tNS\tns.sub.c.example.\n",
           "ns.sub.c.example.\t3600\tIN\tA\t192.0.2.98\n");
}

static void test_cname_loop(void **state)
{
    struct fx *f = *state;
    load_c_and_a(f);
    char want[2048] = "";
    for (int i = 0; i < ZONE_CNAME_CHAIN_MAX; i++)
        strcat(want, i % 2 ? "l2.c.example.\t3600\tIN\tCNAME\tl1.c.example.\n"
                           : "l1.c.example.\t3600\tIN\tCNAME\tl2.c.example.\n");
    expect(f->zs, "l1.c.example.", "A", ZONE_ANSWER, true, want, "", "");
}

static void test_mx_additional_across_zones(void **state)
{
    struct fx *f = *state;
    load_c_and_a(f);
    expect(f->zs, "mx.c.example.", "MX", ZONE_ANSWER, true,
           "mx.c.example.\t3600\tIN\tMX\t10 mail.a.example.\n"
           "mx.c.example.\t3600\tIN\tMX\t20 ns.c.example.\n", "",
           ADDR_MAIL_A "ns.c.example.\t3600\tIN\tA\t192.0.2.99\n");
    /* a record written twice is served once (RFC 2181 5) */
    expect(f->zs, "dup.c.example.", "A", ZONE_ANSWER, true,
           "dup.c.example.\t3600\tIN\tA\t192.0.2.7\n", "", "");
    /* the negative TTL is MINIMUM when it is below the SOA's TTL */
    expect(f->zs, "nosuch.c.example.", "A", ZONE_NXDOMAIN, true, "", SOA_C, "");
}

/* With a zone and its parent in one set, the nearest zone answers. */
static void test_nearest_zone(void **state)
{
    struct fx *f = *state;
    char err[ZONE_ERROR_MAX];
    assert_int_equal(zone_set_load(f->zs, WORLD_DIR "/zones/example.zone", "example.", err), 0);
    assert_int_equal(zone_set_load(f->zs, WORLD_DIR "/zones/a.example.zone", "a.example.", err), 0);
    expect(f->zs, "mail.a.example.", "A", ZONE_ANSWER, true,
           "mail.a.example.\t86400\tIN\tA\t192.0.2.25\n", "", "");
    expect(f->zs, "a.example.", "NS", ZONE_ANSWER, true,
           "a.example.\t86400\tIN\tNS\tns.a.example.\n", "", ADDR_NS_A);
    expect(f->zs, "mail.b.example.", "A", ZONE_REFERRAL, false, "",
           "b.example.\t172800\tIN\tNS\tns.b.example.\n",
           "ns.b.example.\t172800\tIN\tA\t198.51.100.53\n"
           "ns.b.example.\t172800\tIN\tAAAA\t2001:db8:b::53\n");
    /* the same zone twice */
    assert_int_equal(zone_set_load(f->zs, WORLD_DIR "/zones/a.example.zone", "A.Example", err), -1);
    assert_string_equal(err, WORLD_DIR "/zones/a.example.zone: zone a.example. is loaded already, "
                        "from " WORLD_DIR "/zones/a.example.zone");
    assert_int_equal(zone_set_count(f->zs), 2);
}

/* RFC 4592: "*" stands for names that do not exist, below an encloser. */
static void test_wildcards(void **state)
{
    struct fx *f = *state;
    load_ok(f, "w.zone", "w.example.",
            "$TTL 300\n"
            "@        SOA ns hm 1 2 3 4 300\n"
            "         NS  ns\n"
            "ns       A   192.0.2.1\n"
            "*        MX  10 ns\n"
            "*.sub    A   192.0.2.2\n"
            "host.sub A   192.0.2.3\n"
            "z.ent    TXT \"z\"\n"
            "*.alias  CNAME ns\n");
#define SOA_W "w.example.\t300\tIN\tSOA\tns.w.example. hm.w.example. 1 2 3 4 300\n"
    expect(f->zs, "x.sub.w.example.", "A", ZONE_ANSWER, true,
           "x.sub.w.example.\t300\tIN\tA\t192.0.2.2\n", "", "");
    expect(f->zs, "a.b.sub.w.example.", "A", ZONE_ANSWER, true,
           "a.b.sub.w.example.\t300\tIN\tA\t192.0.2.2\n", "", "");
    /* a name that exists is not covered by the wildcard */
    expect(f->zs, "host.sub.w.example.", "A", ZONE_ANSWER, true,
           "host.sub.w.example.\t300\tIN\tA\t192.0.2.3\n", "", "");
    expect(f->zs, "host.sub.w.example.", "MX", ZONE_NODATA, true, "", SOA_W, "");
    /* the wildcard has no such type: NODATA */
    expect(f->zs, "x.sub.w.example.", "TXT", ZONE_NODATA, true, "", SOA_W, "");
    /* the top wildcard, with additional processing */
    expect(f->zs, "anything.w.example.", "MX", ZONE_ANSWER, true,
           "anything.w.example.\t300\tIN\tMX\t10 ns.w.example.\n", "",
           "ns.w.example.\t300\tIN\tA\t192.0.2.1\n");
    /* an empty non-terminal is a closest encloser without "*": NXDOMAIN */
    expect(f->zs, "q.ent.w.example.", "MX", ZONE_NXDOMAIN, true, "", SOA_W, "");
    expect(f->zs, "ent.w.example.", "MX", ZONE_NODATA, true, "", SOA_W, "");
    /* a wildcard CNAME is followed */
    expect(f->zs, "web.alias.w.example.", "A", ZONE_ANSWER, true,
           "web.alias.w.example.\t300\tIN\tCNAME\tns.w.example.\n"
           "ns.w.example.\t300\tIN\tA\t192.0.2.1\n", "", "");
    /* "*" asked for by name */
    expect(f->zs, "*.sub.w.example.", "A", ZONE_ANSWER, true,
           "*.sub.w.example.\t300\tIN\tA\t192.0.2.2\n", "", "");
}

/* The master-file syntax: $ORIGIN, $TTL, relative names, @, a blank owner,
 * parentheses over lines, comments, units in TTLs, TTL and class in the
 * order RFC 1035 5.1 writes them. */
static void test_syntax(void **state)
{
    struct fx *f = *state;
    load_ok(f, "s.zone", "s.example",
            "; a comment line\n"
            "$TTL 1h ; an hour\n"
            "@ IN SOA ( ns.s.example.   ; MNAME\n"
            "           hm.s.example.   ; RNAME\n"
            "           1 2 3 4 5 )\n"
            "  IN NS ns\n"
            "\n"
            "ns 1d IN A 192.0.2.1\n"
            "   1d IN AAAA 2001:db8::1\n"
            "$ORIGIN sub.s.example.\n"
            "x  TXT \"a; not a comment\" \"two\" ; a comment\n"
            "$TTL 2m\n"
            "y  A 192.0.2.2\r\n");
    expect(f->zs, "ns.s.example.", "AAAA", ZONE_ANSWER, true,
           "ns.s.example.\t86400\tIN\tAAAA\t2001:db8::1\n", "", "");
    expect(f->zs, "x.sub.s.example.", "TXT", ZONE_ANSWER, true,
           "x.sub.s.example.\t3600\tIN\tTXT\t\"a; not a comment\" \"two\"\n", "", "");
    expect(f->zs, "y.sub.s.example.", "A", ZONE_ANSWER, true,
           "y.sub.s.example.\t120\tIN\tA\t192.0.2.2\n", "", "");
    expect(f->zs, "s.example.", "SOA", ZONE_ANSWER, true,
           "s.example.\t3600\tIN\tSOA\tns.s.example. hm.s.example. 1 2 3 4 5\n", "", "");
    /* without $TTL, a record without TTL takes the last one written */
    load_ok(f, "t.zone", "t.example.",
            "@ 600 SOA ns hm 1 2 3 4 5\n"
            "  NS ns\n"
            "ns A 192.0.2.1\n");
    expect(f->zs, "ns.t.example.", "A", ZONE_ANSWER, true,
           "ns.t.example.\t600\tIN\tA\t192.0.2.1\n", "", "");
    /* the root zone's origin is "." */
    load_ok(f, "root.zone", ".",
            "$TTL 1h\n. SOA a.root. hm. 1 2 3 4 5\n. NS a.root.\na.root. A 192.0.2.1\n");
    assert_int_equal(zone_set_count(f->zs), 3);
}

/* A zone of ZONE_RECORDS_MAX records loads; one more does not. */
static void test_records_limit(void **state)
{
    struct fx *f = *state;
    size_t cap = (size_t)ZONE_RECORDS_MAX * 32 + 256;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "$TTL 1h\n@ SOA ns hm 1 2 3 4 5\n NS ns\n");
    for (int i = 0; i < ZONE_RECORDS_MAX - 2; i++)
        len += (size_t)snprintf(text + len, cap - len, "h%d A 192.0.2.%d\n", i, i % 256);
    load_ok(f, "big.zone", "big.example.", text);
    expect(f->zs, "h99997.big.example.", "A", ZONE_ANSWER, true,
           "h99997.big.example.\t3600\tIN\tA\t192.0.2.157\n", "", "");
    snprintf(text + len, cap - len, "one.more A 192.0.2.1\n");
    write_file(f, "bigger.zone", text);
    free(text);
    struct zone_set *zs = zone_set_new();
    assert_int_equal(zone_set_load(zs, f->path, "big.example.", f->err), -1);
    zone_set_free(zs);
    snprintf(f->want, sizeof f->want, "%s:%d: more than %d records in one zone", f->path,
             ZONE_RECORDS_MAX + 2, ZONE_RECORDS_MAX);
    assert_string_equal(f->err, f->want);
}

static void test_result_free(void **state)
{
    (void)state;
    struct zone_result r = {0};
    zone_result_free(&r);
    zone_result_free(NULL);
    zone_set_free(NULL);
}

/* ------------------------------------------------------------------------
 * Broken master files: the exact messages.
 */
#define HEAD "$TTL 86400\n" \
             "@    IN SOA ns hostmaster 1 10800 3600 604800 3600\n" \
             "     IN NS  ns\n" \
             "ns   IN A   192.0.2.53\n"

static void test_bad_records(void **state)
{
    struct fx *f = *state;
    load_bad(f, HEAD "mail IN A 192.0.2.300\n", ":5: bad IPv4 address \"192.0.2.300\"");
    load_bad(f, HEAD "mail IN AAAA 2001:db8::zz\n", ":5: bad IPv6 address \"2001:db8::zz\"");
    load_bad(f, HEAD "mail IN FOO 1.2.3.4\n", ":5: unknown record type \"FOO\"");
    /* ldns alone would take this one as TYPE0 */
    load_bad(f, HEAD "mail bar\n", ":5: unknown record type \"bar\"");
    load_bad(f, HEAD "mail IN\n", ":5: the record has no type");
    load_bad(f, HEAD "mail IN A\n",
             ":5: A record without data (A takes an IPv4 address, like 192.0.2.1)");
    load_bad(f, HEAD "@ IN MX mail\n",
             ":5: bad MX data \"mail\" (MX takes a preference and a host name, like 10 mail.a.example.)");
    /* ldns alone would store 99999 as 34463 */
    load_bad(f, HEAD "@ IN MX 99999 ns\n",
             ":5: 99999 is too big for this field of MX (at most 65535)");
    load_bad(f, HEAD "mail IN A 192.0.2.25 192.0.2.26\n",
             ":5: extra text after the A data: \"192.0.2.26\"");
    load_bad(f, HEAD "x..y IN A 192.0.2.1\n", ":5: bad name \"x..y\"");
    load_bad(f, HEAD "x CH A 192.0.2.1\n", ":5: class CH: these servers serve class IN only");
    load_bad(f, HEAD "x IN 300 A 192.0.2.1\n",
             ":5: write the TTL before the class (\"300 IN\", not \"IN 300\")");
    load_bad(f, HEAD "x 5x IN A 192.0.2.1\n", ":5: bad TTL \"5x\"");
    /* ldns refuses these itself but leaks the field it read (fuzz_zone);
     * a number is cut to 16 bits there, so 65536 and -0 are 0 too */
    load_bad(f, HEAD "x IN CERT 0 1 1 AAAA\n",
             ":5: bad CERT type \"0\" (a number 1-65535 or a name like PKIX; 0 is reserved, "
             "RFC 4398 2.1)");
    load_bad(f, HEAD "x 300 CERT ( 65536 1 1\n AAAA )\n",
             ":5: bad CERT type \"65536\" (a number 1-65535 or a name like PKIX; 0 is reserved, "
             "RFC 4398 2.1)");
    load_bad(f, HEAD "x IN TYPE37 -0 1 1 AAAA\n",
             ":5: bad CERT type \"-0\" (a number 1-65535 or a name like PKIX; 0 is reserved, "
             "RFC 4398 2.1)");
    load_bad(f, HEAD "\r \n\rab\rCERT\r\r0\n",
             ":6: bad CERT type \"0\" (a number 1-65535 or a name like PKIX; 0 is reserved, "
             "RFC 4398 2.1)");
    load_ok(f, "cert.zone", "a.example.",
            HEAD "x IN CERT PKIX 1 1 AAAA\n; CERT 0\ncert 0 IN A 192.0.2.9\n"
                 "t IN TXT cert 0\n");
    /* a field holding an escaped line end is quoted on one line (fuzz_zone) */
    load_bad(f, HEAD "x 5\\\nx IN A 192.0.2.1\n", ":5: bad TTL \"5\\\\nx\"");
}

static void test_bad_structure(void **state)
{
    struct fx *f = *state;
    /* the line where the parenthesis opens, though the reader went on */
    load_bad(f, HEAD "@ IN MX ( 10\n  mail )\nx IN TXT ( \"a\"\n\ny IN A 192.0.2.1\n",
             ":7: unclosed parenthesis");
    load_bad(f, HEAD "x IN A 192.0.2.1 )\n", ":5: ')' without '('");
    load_bad(f, HEAD "x IN TXT \"abc\ny IN A 192.0.2.1\n", ":5: unclosed quote");
    load_bad(f, HEAD "x IN TXT \"a\001\"\n", ":5: a control character (0x01) in the text");
    load_bad(f, HEAD "$INCLUDE other.zone\n",
             ":5: $INCLUDE is not supported: put the records in this file");
    load_bad(f, HEAD "$GENERATE 1-9 h$ A 192.0.2.$\n",
             ":5: unknown directive $GENERATE (this reader knows $ORIGIN and $TTL)");
    load_bad(f, HEAD "$ORIGIN\n", ":5: $ORIGIN takes one value");
    load_bad(f, HEAD "$ORIGIN x..y\n", ":5: bad name \"x..y\"");
    load_bad(f, "@ IN SOA ns hm 1 2 3 4 5\n", ":1: no TTL for this record: begin the file with a $TTL line");
}

static void test_bad_ttl(void **state)
{
    struct fx *f = *state;
    load_bad(f, HEAD "x 2147483648 IN A 192.0.2.1\n",
             ":5: TTL 2147483648 is too big: at most 2147483647 (RFC 2181 8)");
    /* 2^32 would be 0 to ldns */
    load_bad(f, HEAD "x 4294967296 IN A 192.0.2.1\n",
             ":5: TTL 4294967296 is too big: at most 2147483647 (RFC 2181 8)");
    load_bad(f, HEAD "x 3551w IN A 192.0.2.1\n",
             ":5: TTL 3551w is too big: at most 2147483647 (RFC 2181 8)");
    load_bad(f, "$TTL 2147483648\n@ SOA ns hm 1 2 3 4 5\n",
             ":1: TTL 2147483648 is too big: at most 2147483647 (RFC 2181 8)");
    /* the edge itself is fine */
    load_ok(f, "edge.zone", "a.example.", HEAD "x 2147483647 IN A 192.0.2.1\n");
    load_bad(f, HEAD "x 300 IN A 192.0.2.1\nx 600 IN A 192.0.2.2\n",
             ":6: x.a.example. A: TTL 600 differs from TTL 300 on line 5: an RRset has one TTL "
             "(RFC 2181 5.2)");
}

static void test_bad_zone(void **state)
{
    struct fx *f = *state;
    load_bad(f, "$TTL 1h\n\nns IN A 192.0.2.53\n@ IN NS ns\n",
             ":3: no SOA record: a zone begins with one at its origin a.example.");
    load_bad(f, "", ":1: no SOA record: a zone begins with one at its origin a.example.");
    load_bad(f, HEAD "@ IN SOA ns hm 2 3 4 5 6\n", ":5: a second SOA record (the first is on line 2)");
    load_bad(f, "$TTL 1h\nsub IN SOA ns hm 1 2 3 4 5\n",
             ":2: the SOA must be at the zone's origin a.example., not at sub.a.example.");
    load_bad(f, "$TTL 1h\n@ IN SOA ns hm 1 2 3 4 5\nns IN A 192.0.2.53\n",
             ":2: no NS record at the zone's origin a.example.");
    load_bad(f, HEAD "mail.b.example. IN A 198.51.100.25\n",
             ":5: mail.b.example. is out of zone a.example.");
    load_bad(f, HEAD "example. IN NS ns\n", ":5: example. is out of zone a.example.");
    load_bad(f, HEAD "www IN A 192.0.2.80\nwww IN CNAME ns\n",
             ":6: www.a.example. has a CNAME and other data (A on line 5, CNAME on line 6): "
             "a CNAME must stand alone (RFC 1034 3.6.2)");
    load_bad(f, HEAD "www IN CNAME ns\nx IN A 192.0.2.9\nwww IN TXT \"t\"\n",
             ":7: www.a.example. has a CNAME and other data (TXT on line 7, CNAME on line 5): "
             "a CNAME must stand alone (RFC 1034 3.6.2)");
    load_bad(f, HEAD "www IN CNAME ns\nwww IN CNAME mail\n",
             ":6: www.a.example. has a second CNAME record (the first is on line 5): "
             "an alias stands for one name");
    load_bad(f, HEAD "@ IN MX 10 www\nwww IN CNAME ns\n",
             ":5: MX points to www.a.example., which is a CNAME: MX must name a host, not an alias "
             "(RFC 2181 10.3)");
}

static void test_bad_files(void **state)
{
    struct fx *f = *state;
    char err[ZONE_ERROR_MAX], want[ZONE_ERROR_MAX + 128], path[128];
    struct zone_set *zs = zone_set_new();
    snprintf(path, sizeof path, "%s/nosuch.zone", f->dir);
    assert_int_equal(zone_set_load(zs, path, "a.example.", err), -1);
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    assert_string_equal(err, want);
    /* a folder is not a master file */
    assert_int_equal(zone_set_load(zs, f->dir, "a.example.", err), -1);
    snprintf(want, sizeof want, "%s: Is a directory", f->dir);
    assert_string_equal(err, want);
    write_file(f, "ok.zone", HEAD);
    assert_int_equal(zone_set_load(zs, f->path, "a..example", err), -1);
    snprintf(want, sizeof want, "%s: \"a..example\" is not a zone name", f->path);
    assert_string_equal(err, want);
    assert_int_equal(zone_set_count(zs), 0);
    zone_set_free(zs);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_default_world_loads),
        T(test_root_hints_match_root_zone),
        T(test_a_and_aaaa),
        T(test_mx_with_additional),
        T(test_cname),
        T(test_txt),
        T(test_ptr),
        T(test_every_address_has_ptr),
        T(test_ns_at_apex),
        T(test_referrals),
        T(test_nxdomain_and_nodata),
        T(test_empty_non_terminal),
        T(test_refused),
        T(test_case_insensitive),
        T(test_any),
        T(test_cname_chain_across_zones),
        T(test_cname_loop),
        T(test_mx_additional_across_zones),
        T(test_nearest_zone),
        T(test_wildcards),
        T(test_syntax),
        T(test_records_limit),
        T(test_result_free),
        T(test_bad_records),
        T(test_bad_structure),
        T(test_bad_ttl),
        T(test_bad_zone),
        T(test_bad_files),
    };
    return cmocka_run_group_tests_name("zone", tests, group_setup, group_teardown);
}
