/* cmd_dns — names and numbers at the prompt: dig, host, nslookup, in the
 * layouts of the real tools (BIND 9.18's dig; its record and header lines
 * are digview.c's), against the world's DNS servers. Queries leave from
 * the node the prompt is on (the student's PC unless "ssh" moved it); the
 * resolver they use is the one ipconfig shows there. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldns/ldns.h>

#include "dns/digview.h"
#include "dns/dns_wire.h"
#include "host/dns_client.h"
#include "dns/dnsview.h"
#include "clients/resolve.h"
#include "util/i18n.h"
#include "util/idn.h"
#include "repl.h"
#include "util/term.h"

#define DIG_VERSION "9.18 (tutor)"
#define TRACE_STEPS_MAX 16          /* referrals dig +trace follows */

struct dig_opts {
    const char *server;             /* @SERVER as typed, or NULL */
    const char *name;
    const char *type;
    bool trace, recurse, shortform, wire, reverse, edns;
};

/* ------------------------------------------------------------------------
 * Printing what dig prints besides the message itself (digview.h).
 */
/* The tutor's own line under an answer that is not a plain success: what
 * the status means, in the student's language. */
static void explain(const ldns_pkt *p, const char *name)
{
    switch (ldns_pkt_get_rcode(p)) {
    case LDNS_RCODE_NXDOMAIN:
        term_info(_("NXDOMAIN: the name %1$s does not exist (the SOA in AUTHORITY says how long to remember that)"), name);
        break;
    case LDNS_RCODE_SERVFAIL:
        term_info(_("SERVFAIL: the server could not find the answer (a server on the way failed or did not answer)"));
        break;
    case LDNS_RCODE_REFUSED:
        term_info(_("REFUSED: this server does not answer for %1$s"), name);
        break;
    case LDNS_RCODE_FORMERR:
        term_info(_("FORMERR: the server could not read the question"));
        break;
    case LDNS_RCODE_NOERROR:
        if (ldns_pkt_ancount(p) == 0 && ldns_pkt_nscount(p) > 0 &&
            ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_authority(p), 0)) == LDNS_RR_TYPE_SOA)
            term_info(_("NODATA: %1$s exists, but has no record of that type (the SOA in AUTHORITY says how long to remember that)"), name);
        else if (ldns_pkt_ancount(p) == 0 && ldns_pkt_nscount(p) > 0)
            term_info(_("a referral: this server does not know, but names the servers that do (AUTHORITY)"));
        break;
    default:
        break;
    }
}

/* dig's WHEN is the time the query was sent. */
static void print_when(struct runtime *rt, long long t)
{
    char date[40];
    rt_format_date(rt, t, date);
    /* dig's ctime-like layout, from the RFC 5322 date "Wed, 29 May 2002 10:00:00 +0900" */
    char wd[4], mon[4], tz[8];
    int day, year, hh, mm, ss;
    if (sscanf(date, "%3s, %d %3s %d %d:%d:%d %7s", wd, &day, mon, &year, &hh, &mm, &ss, tz) == 8)
        printf(";; WHEN: %s %s %02d %02d:%02d:%02d %s %d\n", wd, mon, day, hh, mm, ss, tz, year);
}

/* ------------------------------------------------------------------------
 * Asking.
 */
struct asked {
    ldns_pkt *resp;
    size_t bytes;
    int rtt;
    bool tcp;
    long long sent;             /* the simulated time the query left */
};

static void say_truncated(void *ud)
{
    (void)ud;
    printf(";; Truncated, retrying in TCP mode.\n");
}

/* For a lesson's checks: the question, the server asked, and the answer's
 * status and records (presentation form, a line each); no answer is
 * rcode -1. */
static void note_dns(struct runtime *rt, const ldns_rdf *name, ldns_rr_type type, uint32_t server,
                     const ldns_pkt *resp)
{
    if (!rt->transcript)
        return;
    char *qname = ldns_rdf2str(name), *qtype = ldns_rr_type2str(type);
    char *records = resp ? ldns_rr_list2str(ldns_pkt_answer(resp)) : NULL;
    char a4[ADDR_IPV4_STRLEN];
    addr_format_ipv4(server, a4);
    if (qname && qtype)
        transcript_add(rt->transcript, TS_DNS, 0, resp ? (int)ldns_pkt_get_rcode(resp) : -1, qtype,
                       a4, qname, strlen(qname), records ? records : "");
    free(qname);
    free(qtype);
    free(records);
}

/* Sends (name, type) to `server` from the prompt's node; prints dig's
 * error lines when nothing comes back. 0 with a->resp, or -1. */
static int ask(struct runtime *rt, const struct dig_opts *o, uint32_t server, const ldns_rdf *name,
               ldns_rr_type type, bool rd, struct asked *a)
{
    memset(a, 0, sizeof *a);
    a->sent = rt_now(rt);
    const struct world_node *pc = rt_here(rt);
    uint8_t *wire = NULL;
    size_t wire_len = 0;
    if (dns_query_wire(rt, name, type, rd, o->edns, &wire, &wire_len) < 0)
        return -1;
    if (o->wire) {
        printf(";; Query (%zu bytes):\n", wire_len);
        dnsview_print(stdout, wire, wire_len);
        putchar('\n');
    }
    char a4[ADDR_IPV4_STRLEN], err[RT_ERROR_MAX];
    struct dns_reply r;
    enum dns_outcome out = dns_send(rt, world_node_addr(pc), server, wire, wire_len, say_truncated,
                                    NULL, &r, err);
    a->rtt = r.rtt_ms;
    a->tcp = r.tcp;
    free(wire);
    addr_format_ipv4(server, a4);
    if (out != DNS_OK) {
        printf(";; communications error to %s#53: %s\n", a4,
               out == DNS_REFUSED ? "connection refused" : "timed out");
        term_info("%s", err);
        note_dns(rt, name, type, server, NULL);
        return -1;
    }
    if (o->wire) {
        printf(";; Response (%zu bytes):\n", r.len);
        dnsview_print(stdout, r.wire, r.len);
        putchar('\n');
    }
    ldns_status st = dns_wire_decode(&a->resp, r.wire, r.len);
    a->bytes = r.len;
    free(r.wire);
    if (st != LDNS_STATUS_OK) {
        printf(";; Got bad packet: %s\n", ldns_get_errorstr_by_id(st));
        note_dns(rt, name, type, server, NULL);
        return -1;
    }
    note_dns(rt, name, type, server, a->resp);
    return 0;
}

/* The address of @SERVER: a world host by name or address. */
static int server_addr(struct runtime *rt, const char *what, uint32_t *out)
{
    if (addr_parse_ipv4(what, out) == 0)
        return 0;
    const struct world_node *n = world_find_host(rt->world, what);
    if (!n || !world_node_addr(n)) {
        printf("dig: couldn't get address for '%s': not found\n", what);
        return -1;
    }
    *out = world_node_addr(n);
    return 0;
}

/* NAME for -x: the in-addr.arpa (or ip6.arpa) name of an address. */
static ldns_rdf *reverse_name(const char *addr)
{
    ldns_rdf *a = ldns_rdf_new_frm_str(strchr(addr, ':') ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, addr);
    if (!a)
        return NULL;
    ldns_rdf *r = ldns_rdf_address_reverse(a);
    ldns_rdf_deep_free(a);
    return r;
}

static void print_short(const ldns_pkt *p)
{
    const ldns_rr_list *l = ldns_pkt_answer(p);
    for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
            char *d = ldns_rdf2str(ldns_rr_rdf(rr, k));
            printf("%s%s", k ? " " : "", d ? d : "");
            free(d);
        }
        putchar('\n');
    }
}

static void print_full(struct runtime *rt, const struct asked *a, uint32_t server, const char *name)
{
    char a4[ADDR_IPV4_STRLEN];
    printf(";; Got answer:\n");
    digview_header(a->resp);
    digview_section("QUESTION", ldns_pkt_question(a->resp), true);
    digview_section("ANSWER", ldns_pkt_answer(a->resp), false);
    digview_section("AUTHORITY", ldns_pkt_authority(a->resp), false);
    digview_section("ADDITIONAL", ldns_pkt_additional(a->resp), false);
    printf(";; Query time: %d msec\n", a->rtt);
    addr_format_ipv4(server, a4);
    printf(";; SERVER: %s#53(%s) (%s)\n", a4, a4, a->tcp ? "TCP" : "UDP");
    print_when(rt, a->sent);
    printf(";; MSG SIZE  rcvd: %zu\n\n", a->bytes);
    explain(a->resp, name);
}

/* dig +trace: dig itself walks from the root, as the real one does. */
static int trace(struct runtime *rt, const struct dig_opts *o, uint32_t resolver,
                 const ldns_rdf *name, ldns_rr_type type)
{
    struct asked a;
    ldns_rdf *root = ldns_dname_new_frm_str(".");
    int rc = ask(rt, o, resolver, root, LDNS_RR_TYPE_NS, true, &a);
    ldns_rdf_deep_free(root);
    if (rc < 0)
        return 1;
    char a4[ADDR_IPV4_STRLEN];
    const ldns_rr_list *ns = ldns_pkt_answer(a.resp);
    for (size_t i = 0; ns && i < ldns_rr_list_rr_count(ns); i++)
        digview_rr(ldns_rr_list_rr(ns, i), false);
    printf(";; Received %zu bytes from %s#53(%s) in %d ms\n\n", a.bytes,
           addr_format_ipv4(resolver, a4), a4, a.rtt);
    /* the servers to ask next: the NS names, their addresses from glue or,
     * failing that, from the resolver */
    ldns_pkt *cur = a.resp;
    for (int step = 0; step < TRACE_STEPS_MAX; step++) {
        const ldns_rr_list *auth = step == 0 ? ldns_pkt_answer(cur) : ldns_pkt_authority(cur);
        uint32_t next = 0;
        char host[256] = "";
        for (size_t i = 0; auth && i < ldns_rr_list_rr_count(auth) && !next; i++) {
            const ldns_rr *rr = ldns_rr_list_rr(auth, i);
            if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS)
                continue;
            char *target = ldns_rdf2str(ldns_rr_rdf(rr, 0));
            snprintf(host, sizeof host, "%s", target ? target : "");
            free(target);
            const ldns_rr_list *add = ldns_pkt_additional(cur);
            for (size_t k = 0; add && k < ldns_rr_list_rr_count(add); k++) {
                const ldns_rr *g = ldns_rr_list_rr(add, k);
                if (ldns_rr_get_type(g) == LDNS_RR_TYPE_A &&
                    ldns_dname_compare(ldns_rr_owner(g), ldns_rr_rdf(rr, 0)) == 0) {
                    char *s = ldns_rdf2str(ldns_rr_rdf(g, 0));
                    if (s)
                        addr_parse_ipv4(s, &next);
                    free(s);
                }
            }
            if (!next) {
                const struct world_node *n = world_host_by_name(rt->world, host);
                next = n ? world_node_addr(n) : 0;
            }
        }
        ldns_pkt_free(cur);
        cur = NULL;
        if (!next) {
            printf(";; no address for the next server\n");
            return 1;
        }
        if (ask(rt, o, next, name, type, false, &a) < 0)
            return 1;
        cur = a.resp;
        bool done = ldns_pkt_aa(cur) || ldns_pkt_ancount(cur) > 0 ||
                    ldns_pkt_get_rcode(cur) != LDNS_RCODE_NOERROR;
        const ldns_rr_list *show = ldns_pkt_ancount(cur) ? ldns_pkt_answer(cur) : ldns_pkt_authority(cur);
        for (size_t i = 0; show && i < ldns_rr_list_rr_count(show); i++)
            digview_rr(ldns_rr_list_rr(show, i), false);
        host[strcspn(host, "\n")] = '\0';
        size_t hl = strlen(host);
        if (hl > 1 && host[hl - 1] == '.')
            host[hl - 1] = '\0';
        printf(";; Received %zu bytes from %s#53(%s) in %d ms\n\n", a.bytes,
               addr_format_ipv4(next, a4), host, a.rtt);
        if (done) {
            ldns_pkt_free(cur);
            return 0;
        }
    }
    ldns_pkt_free(cur);
    printf(";; too many referrals\n");
    return 1;
}

static int parse_dig(int argc, char **argv, struct dig_opts *o)
{
    memset(o, 0, sizeof *o);
    o->recurse = true;
    o->edns = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '@')
            o->server = a + 1;
        else if (!strcmp(a, "+trace"))
            o->trace = true;
        else if (!strcmp(a, "+norecurse") || !strcmp(a, "+norec"))
            o->recurse = false;
        else if (!strcmp(a, "+recurse") || !strcmp(a, "+rec"))
            o->recurse = true;
        else if (!strcmp(a, "+short"))
            o->shortform = true;
        else if (!strcmp(a, "+wire"))
            o->wire = true;
        else if (!strcmp(a, "+noedns"))
            o->edns = false;
        else if (!strcmp(a, "-x") && i + 1 < argc) {
            o->reverse = true;
            o->name = argv[++i];
        } else if (a[0] == '+' || a[0] == '-') {
            term_error(_("dig: unknown option %1$s"), a);
            return -1;
        } else if (!o->type && dns_type_code(a) >= 0 && (o->name || i + 1 < argc)) {
            /* a record type wherever it stands, as BIND's dig takes it:
             * "dig mx b.example" and "dig b.example mx" ask the same */
            o->type = a;
        } else if (!o->name)
            o->name = a;
        else {
            term_error(_("dig: %1$s: a name was given already, and this is no record type"), a);
            return -1;
        }
    }
    if (!o->name) {
        term_error(_("usage: dig [@SERVER] NAME [TYPE] [+trace] [+norecurse] [+short] [+wire], or dig -x ADDRESS"));
        return -1;
    }
    return 0;
}

/* `name` as it goes on the wire: a Japanese name as its A-label (idn.h).
 * NULL, after the tool's message, for one IDNA does not allow. */
static const char *wire_name(const char *tool, const char *name, char buf[IDN_NAME_MAX])
{
    char err[IDN_ERROR_MAX];
    if (idn_to_ascii(name, buf, IDN_NAME_MAX, err) == 0)
        return buf;
    term_error(_("%1$s: %2$s is not a name IDNA allows (%3$s)"), tool, name, err);
    return NULL;
}

static int cmd_dig(struct repl *r, int argc, char **argv)
{
    struct runtime *rt = r->rt;
    struct dig_opts o;
    if (parse_dig(argc, argv, &o) < 0)
        return 2;          /* used wrongly: a usage error */
    const struct world_node *pc = rt_here(rt);
    uint32_t server = pc && pc->n_dns ? pc->dns[0] : 0;
    if (o.server && server_addr(rt, o.server, &server) < 0)
        return 1;
    char ascii[IDN_NAME_MAX];
    if (!o.reverse && !(o.name = wire_name("dig", o.name, ascii)))
        return 1;
    ldns_rdf *name = o.reverse ? reverse_name(o.name) : ldns_dname_new_frm_str(o.name);
    if (!name) {
        term_error(o.reverse ? _("dig: %1$s is not an IP address") : _("dig: %1$s is not a domain name"),
                   o.name);
        return 1;
    }
    if (!ldns_dname_str_absolute(o.name) && !o.reverse) {
        /* dig takes every name as absolute, and so do we */
        ldns_rdf *root = ldns_dname_new_frm_str(".");
        ldns_dname_cat(name, root);
        ldns_rdf_deep_free(root);
    }
    ldns_rr_type type = o.reverse ? LDNS_RR_TYPE_PTR
                                  : o.type ? (ldns_rr_type)dns_type_code(o.type) : LDNS_RR_TYPE_A;
    char *shown = ldns_rdf2str(name);
    int rc = 0;
    if (!o.shortform) {
        printf("\n; <<>> DiG %s <<>>", DIG_VERSION);
        for (int i = 1; i < argc; i++)
            printf(" %s", argv[i]);
        printf("\n");
        if (o.server)
            printf("; (1 server found)\n");
        printf(";; global options: +cmd\n");
    }
    if (o.trace) {
        rc = trace(rt, &o, server, name, type);
    } else {
        struct asked a;
        if (ask(rt, &o, server, name, type, o.recurse, &a) < 0) {
            printf(";; no servers could be reached\n");
            rc = 1;
        } else {
            if (o.shortform)
                print_short(a.resp);
            else
                print_full(rt, &a, server, shown ? shown : o.name);
            if (ldns_pkt_get_rcode(a.resp) == LDNS_RCODE_REFUSED)
                resolve_say_offline(rt->world, o.name);
            ldns_pkt_free(a.resp);
        }
    }
    free(shown);
    ldns_rdf_deep_free(name);
    return rc;
}

/* ------------------------------------------------------------------------
 * host and nslookup: the short forms of textbooks.
 */

/* A record's owner without its final dot, as host prints it. */
static char *plain_name(const ldns_rdf *d)
{
    char *s = ldns_rdf2str(d);
    size_t n = s ? strlen(s) : 0;
    if (n > 1 && s[n - 1] == '.')
        s[n - 1] = '\0';
    return s;
}

static void host_line(const ldns_rr *rr)
{
    char *owner = plain_name(ldns_rr_owner(rr));
    char *data = ldns_rr_rd_count(rr) ? ldns_rdf2str(ldns_rr_rdf(rr, ldns_rr_rd_count(rr) - 1)) : NULL;
    switch (ldns_rr_get_type(rr)) {
    case LDNS_RR_TYPE_A:
        printf("%s has address %s\n", owner, data);
        break;
    case LDNS_RR_TYPE_AAAA:
        printf("%s has IPv6 address %s\n", owner, data);
        break;
    case LDNS_RR_TYPE_CNAME:
        printf("%s is an alias for %s\n", owner, data);
        break;
    case LDNS_RR_TYPE_PTR:
        printf("%s domain name pointer %s\n", owner, data);
        break;
    case LDNS_RR_TYPE_MX: {
        char *pref = ldns_rdf2str(ldns_rr_rdf(rr, 0));
        printf("%s mail is handled by %s %s\n", owner, pref, data);
        free(pref);
        break;
    }
    default: {
        char *type = ldns_rr_type2str(ldns_rr_get_type(rr));
        printf("%s has %s record", owner, type);
        for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
            char *d = ldns_rdf2str(ldns_rr_rdf(rr, i));
            printf(" %s", d);
            free(d);
        }
        putchar('\n');
        free(type);
    }
    }
    free(owner);
    free(data);
}

/* The resolver of the prompt's node. */
static uint32_t default_resolver(struct runtime *rt)
{
    const struct world_node *pc = rt_here(rt);
    return pc && pc->n_dns ? pc->dns[0] : 0;
}

/* How host and nslookup ask: the PC's resolver, with RD and EDNS. The
 * answer when its status is NOERROR (new: free with ldns_pkt_free);
 * otherwise NULL, with *rcode the status, or -1 when nothing came back
 * (ask() has then printed dig's lines). Each tool words the failure its
 * own way. */
static ldns_pkt *ask_resolver(struct runtime *rt, const ldns_rdf *name, ldns_rr_type type,
                              int *rcode)
{
    static const struct dig_opts o = {.edns = true, .recurse = true};
    struct asked a;
    *rcode = -1;
    if (ask(rt, &o, default_resolver(rt), name, type, true, &a) < 0)
        return NULL;
    *rcode = (int)ldns_pkt_get_rcode(a.resp);
    if (*rcode == LDNS_RCODE_NOERROR)
        return a.resp;
    ldns_pkt_free(a.resp);
    return NULL;
}

static int cmd_host(struct repl *r, int argc, char **argv)
{
    struct runtime *rt = r->rt;
    const char *name = NULL, *type = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-t") && i + 1 < argc)
            type = argv[++i];
        else if (!name)
            name = argv[i];
        else {
            name = NULL;
            break;
        }
    }
    if (!name || (type && !ldns_get_rr_type_by_name(type))) {
        term_error(_("usage: host [-t TYPE] NAME|ADDRESS"));
        return 2;
    }
    uint32_t a4;
    bool reverse = addr_parse_ipv4(name, &a4) == 0 || strchr(name, ':');
    char ascii[IDN_NAME_MAX];
    if (!reverse && !(name = wire_name("host", name, ascii)))
        return 1;
    ldns_rdf *dname = reverse ? reverse_name(name) : ldns_dname_new_frm_str(name);
    if (!dname) {
        term_error(_("host: %1$s is not a domain name"), name);
        return 1;
    }
    static const ldns_rr_type plain[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_MX};
    ldns_rr_type one[1] = {reverse ? LDNS_RR_TYPE_PTR : type ? ldns_get_rr_type_by_name(type) : 0};
    const ldns_rr_type *types = one[0] ? one : plain;
    size_t n_types = one[0] ? 1 : 3;
    int rc = 0;
    for (size_t t = 0; t < n_types; t++) {
        int rcode;
        ldns_pkt *p = ask_resolver(rt, dname, types[t], &rcode);
        if (!p) {
            if (rcode >= 0)
                printf("Host %s not found: %d(%s)\n", name, rcode, digview_rcode(rcode));
            if (rcode == LDNS_RCODE_REFUSED)
                resolve_say_offline(rt->world, name);
            rc = 1;
            break;
        }
        const ldns_rr_list *ans = ldns_pkt_answer(p);
        for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); i++) {
            /* the CNAME on the way is told once, with the first type */
            const ldns_rr *rr = ldns_rr_list_rr(ans, i);
            if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || t == 0)
                host_line(rr);
        }
        if (one[0] && (!ans || ldns_rr_list_rr_count(ans) == 0)) {
            char *tn = ldns_rr_type2str(types[t]);
            printf("%s has no %s record\n", name, tn);
            free(tn);
        }
        ldns_pkt_free(p);
    }
    ldns_rdf_deep_free(dname);
    return rc;
}

static int cmd_nslookup(struct repl *r, int argc, char **argv)
{
    struct runtime *rt = r->rt;
    if (argc != 2) {
        term_error(_("usage: nslookup NAME|ADDRESS"));
        return 2;
    }
    const char *name = argv[1];
    uint32_t a4, server = default_resolver(rt);
    bool reverse = addr_parse_ipv4(name, &a4) == 0;
    char ascii[IDN_NAME_MAX];
    if (!reverse && !(name = wire_name("nslookup", name, ascii)))
        return 1;
    ldns_rdf *dname = reverse ? reverse_name(name) : ldns_dname_new_frm_str(name);
    if (!dname) {
        term_error(_("nslookup: %1$s is not a domain name"), name);
        return 1;
    }
    char s4[ADDR_IPV4_STRLEN];
    addr_format_ipv4(server, s4);
    printf("Server:\t\t%s\nAddress:\t%s#53\n\n", s4, s4);
    static const ldns_rr_type fwd[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
    ldns_rr_type ptr[] = {LDNS_RR_TYPE_PTR};
    const ldns_rr_type *types = reverse ? ptr : fwd;
    int rc = 0;
    bool said_nonauth = false;
    for (size_t t = 0; t < (reverse ? 1u : 2u); t++) {
        int rcode;
        ldns_pkt *p = ask_resolver(rt, dname, types[t], &rcode);
        if (!p) {
            if (rcode < 0)
                printf(";; connection timed out; no servers could be reached\n");
            else
                printf("** server can't find %s: %s\n\n", name, digview_rcode(rcode));
            if (rcode == LDNS_RCODE_REFUSED)
                resolve_say_offline(rt->world, name);
            rc = 1;
            break;
        }
        const ldns_rr_list *ans = ldns_pkt_answer(p);
        for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(ans, i);
            if (!ldns_pkt_aa(p) && !said_nonauth) {
                printf("Non-authoritative answer:\n");
                said_nonauth = true;
            }
            char *owner = plain_name(ldns_rr_owner(rr));
            char *data = ldns_rdf2str(ldns_rr_rdf(rr, 0));
            ldns_rr_type rt_ = ldns_rr_get_type(rr);
            if (rt_ == LDNS_RR_TYPE_CNAME && t == 0)
                printf("%s\tcanonical name = %s\n", owner, data);
            else if (rt_ == LDNS_RR_TYPE_PTR)
                printf("%s\tname = %s\n", owner, data);
            else if (rt_ == LDNS_RR_TYPE_A || rt_ == LDNS_RR_TYPE_AAAA)
                printf("Name:\t%s\nAddress: %s\n", owner, data);
            free(owner);
            free(data);
        }
        ldns_pkt_free(p);
    }
    putchar('\n');
    ldns_rdf_deep_free(dname);
    return rc;
}

const struct command dns_commands[] = {
    {.name = "dig", .complete = "host|+trace|+norecurse|+short|+wire|+noedns type|+trace|+norecurse|+short|+wire|+noedns...", .paged = "", .opts = "-x=", .args = "[@SERVER] NAME [TYPE] [+OPTIONS]", .help = N_("ask a DNS server, as dig does (\"help dig\" for the options)"),
     .more = N_("dig NAME asks the resolver of this computer (ipconfig shows it) for NAME's A record; give a TYPE (MX, AAAA, NS, TXT, SOA, PTR, CNAME) for another.\n"
                "@SERVER asks that server instead, e.g. @a.root-servers.example. -x ADDRESS asks for the name of an address (PTR).\n"
                "+norecurse: ask without RD, so a server answers only from what it knows. +trace: dig itself walks from the root, one referral after another.\n"
                "+short: the answers only. +wire: the query's and the response's bytes, field by field."),
     .run = cmd_dig},
    {.name = "host", .complete = "host", .opts = "-t=", .args = "[-t TYPE] NAME|ADDRESS", .help = N_("look a name or an address up: one line an answer"), .run = cmd_host},
    {.name = "nslookup", .complete = "host", .args = "NAME|ADDRESS", .help = N_("look a name or an address up, as nslookup prints it"), .run = cmd_nslookup},
    {NULL},
};
