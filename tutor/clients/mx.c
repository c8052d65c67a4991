/* mx — see mx.h. */
#include "mx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "host/dns_client.h"
#include "util/i18n.h"

struct mx_choice {
    unsigned pref;
    char name[256];
};

static int by_pref(const void *a, const void *b)
{
    const struct mx_choice *x = a, *y = b;
    return (x->pref > y->pref) - (x->pref < y->pref);
}

/* The address of `name`: from the response's additional section when the
 * server sent it, else asked for. 0 when there is none. */
static uint32_t address_of(struct runtime *rt, const struct world_node *origin, const ldns_pkt *p,
                           const char *name)
{
    char fqdn[260];
    snprintf(fqdn, sizeof fqdn, "%s%s", name, name[0] && name[strlen(name) - 1] == '.' ? "" : ".");
    name = fqdn;
    ldns_rdf *want = ldns_dname_new_frm_str(name);
    uint32_t addr = 0;
    const ldns_rr_list *add = p ? ldns_pkt_additional(p) : NULL;
    for (size_t i = 0; want && add && i < ldns_rr_list_rr_count(add) && !addr; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(add, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_dname_compare(ldns_rr_owner(rr), want) == 0) {
            char *s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
            if (s)
                addr_parse_ipv4(s, &addr);
            free(s);
        }
    }
    ldns_rdf_deep_free(want);
    if (addr)
        return addr;
    ldns_pkt *r = NULL;
    char err[RT_ERROR_MAX];
    if (dns_ask(rt, world_node_addr(origin), origin->dns[0], name, "A", &r, err) == DNS_OK) {
        const ldns_rr_list *ans = ldns_pkt_answer(r);
        for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans) && !addr; i++) {
            const ldns_rr *rr = ldns_rr_list_rr(ans, i);
            if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A)
                continue;       /* the CNAMEs on the way */
            char *s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
            if (s)
                addr_parse_ipv4(s, &addr);
            free(s);
        }
    }
    ldns_pkt_free(r);
    return addr;
}

/* Route to the host at `addr`, if it is a mail server and not ourselves. */
static enum mx_status route_to(struct runtime *rt, const struct world_node *origin, const char *name,
                               uint32_t addr, struct mx_route *out, char why[512])
{
    const struct world_node *n = addr ? world_host_by_addr(rt->world, addr) : NULL;
    if (n == origin) {
        snprintf(why, 512, "mail for %s loops back to myself", name);
        return MX_FAIL;
    }
    if (!n || !world_service(n, "smtp")) {
        /* Postfix's words when nothing listens, or no host answers */
        char a[ADDR_IPV4_STRLEN];
        snprintf(why, 512, "connect to %s[%s]:25: %s", name, addr_format_ipv4(addr, a),
                 n ? "Connection refused" : "Connection timed out");
        return MX_TEMPFAIL;
    }
    out->host = n;
    out->addr = addr;
    snprintf(out->name, sizeof out->name, "%s", name);
    return MX_FOUND;
}

enum mx_status mx_route(struct runtime *rt, const struct world_node *origin, const char *domain,
                        struct mx_route *out, char why[512])
{
    memset(out, 0, sizeof *out);
    char a[ADDR_IPV4_STRLEN];
    if (origin->n_dns == 0) {
        out->host = world_mail_host(rt->world, domain);
        if (!out->host) {
            snprintf(why, 512, "Host or domain name not found. Name service error for "
                     "name=%s type=MX: Host not found", domain);
            return MX_FAIL;
        }
        out->addr = world_node_addr(out->host);
        snprintf(out->name, sizeof out->name, "%s", out->host->hostname ? out->host->hostname : domain);
        snprintf(why, 512, _("%1$s has no resolver: the world's mail_domains name %2$s"),
                 origin->hostname, out->name);
        return MX_FOUND;
    }
    ldns_pkt *r = NULL;
    char err[RT_ERROR_MAX];
    enum dns_outcome o = dns_ask(rt, world_node_addr(origin), origin->dns[0], domain, "MX", &r, err);
    /* REFUSED: a name outside the offline world; Postfix defers, as for
     * any answer that is not a verdict on the name */
    if (o != DNS_OK || ldns_pkt_get_rcode(r) == LDNS_RCODE_SERVFAIL ||
        ldns_pkt_get_rcode(r) == LDNS_RCODE_REFUSED) {
        ldns_pkt_free(r);
        snprintf(why, 512, "Host or domain name not found. Name service error for name=%s "
                 "type=MX: Host not found, try again", domain);
        return MX_TEMPFAIL;
    }
    if (ldns_pkt_get_rcode(r) == LDNS_RCODE_NXDOMAIN) {
        ldns_pkt_free(r);
        snprintf(why, 512, "Host or domain name not found. Name service error for name=%s "
                 "type=MX: Host not found", domain);
        return MX_FAIL;
    }
    struct mx_choice mx[MX_RECORDS_MAX];
    size_t n = 0;
    const ldns_rr_list *ans = ldns_pkt_answer(r);
    for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans) && n < MX_RECORDS_MAX; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ans, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_MX || ldns_rr_rd_count(rr) < 2)
            continue;
        char *target = ldns_rdf2str(ldns_rr_rdf(rr, 1));
        mx[n].pref = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
        snprintf(mx[n].name, sizeof mx[n].name, "%s", target ? target : "");
        free(target);
        /* a name ends with its root dot in DNS; Postfix's messages and a
         * Received line do without */
        size_t len = strlen(mx[n].name);
        if (len > 1 && mx[n].name[len - 1] == '.')
            mx[n].name[len - 1] = '\0';
        n++;
    }
    enum mx_status st = MX_TEMPFAIL;
    if (n == 0) {
        /* RFC 5321 5.1: no MX, so the domain itself is the mail host */
        uint32_t addr = address_of(rt, origin, NULL, domain);
        if (!addr) {
            snprintf(why, 512, "Host or domain name not found. Name service error for name=%s "
                     "type=A: Host found but no data record of requested type", domain);
            ldns_pkt_free(r);
            return MX_FAIL;
        }
        st = route_to(rt, origin, domain, addr, out, why);
        if (st == MX_FOUND)
            snprintf(why, 512, _("no MX for %1$s: its own address %2$s (the implicit MX)"), domain,
                     addr_format_ipv4(addr, a));
    } else {
        qsort(mx, n, sizeof *mx, by_pref);
        for (size_t i = 0; i < n && st == MX_TEMPFAIL; i++) {
            uint32_t addr = address_of(rt, origin, r, mx[i].name);
            if (!addr) {
                /* Postfix's words; never a connection to 0.0.0.0 */
                snprintf(why, 512, "Host or domain name not found. Name service error for "
                         "name=%s type=A: Host not found, try again", mx[i].name);
                continue;
            }
            st = route_to(rt, origin, mx[i].name, addr, out, why);
            if (st == MX_FOUND)
                snprintf(why, 512, _("MX of %1$s: %2$u %3$s [%4$s]"), domain, mx[i].pref,
                         mx[i].name, addr_format_ipv4(addr, a));
        }

    }
    ldns_pkt_free(r);
    return st;
}
