/* resolve — see resolve.h. */
#include "resolve.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "host/dns_client.h"
#include "util/i18n.h"
#include "util/idn.h"
#include "util/term.h"

/* The first A record of the answer section, whatever its owner: the
 * resolver puts the CNAMEs on the way first. */
static int first_address(const ldns_pkt *p, uint32_t *addr)
{
    const ldns_rr_list *ans = ldns_pkt_answer(p);
    for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ans, i);
        const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && rd && ldns_rdf_size(rd) == 4) {
            const uint8_t *b = ldns_rdf_data(rd);
            *addr = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
            return 0;
        }
    }
    return -1;
}

/* The world's host list: a node's name or host name, with an address. */
static enum resolve_status from_host_list(const struct world *w, const char *name, uint32_t *addr)
{
    const struct world_node *n = world_host_by_name(w, name);
    if (!n)
        n = world_node(w, name);
    if (!n || !world_node_addr(n))
        return RESOLVE_NONAME;
    *addr = world_node_addr(n);
    return RESOLVE_OK;
}

enum resolve_status resolve_host(struct runtime *rt, const struct world_node *from,
                                 const char *name, uint32_t *addr)
{
    if (addr_parse_ipv4(name, addr) == 0)
        return RESOLVE_OK;
    if (strcasecmp(name, "localhost") == 0 || strcasecmp(name, "localhost.") == 0) {
        *addr = RESOLVE_LOOPBACK;
        return RESOLVE_OK;
    }
    /* a Japanese name is asked as its A-label, as getaddrinfo's AI_IDN */
    char ascii[IDN_NAME_MAX], ierr[IDN_ERROR_MAX];
    if (idn_to_ascii(name, ascii, sizeof ascii, ierr) < 0)
        return RESOLVE_NONAME;
    name = ascii;
    if (!from->n_dns)
        return from_host_list(rt->world, name, addr);
    ldns_pkt *p = NULL;
    char err[RT_ERROR_MAX];
    enum dns_outcome out = dns_ask(rt, world_node_addr(from), from->dns[0], name, "A", &p, err);
    if (out != DNS_OK) {
        /* the name itself may be no DNS name ("a b"): that is no host */
        ldns_rdf *d = ldns_dname_new_frm_str(name);
        ldns_rdf_deep_free(d);
        return d ? RESOLVE_AGAIN : from_host_list(rt->world, name, addr);
    }
    enum resolve_status st = RESOLVE_AGAIN;
    ldns_pkt_rcode rcode = ldns_pkt_get_rcode(p);
    if (rcode == LDNS_RCODE_NOERROR && first_address(p, addr) == 0)
        st = RESOLVE_OK;
    else if (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN)
        st = from_host_list(rt->world, name, addr);
    else if (rcode == LDNS_RCODE_REFUSED && from_host_list(rt->world, name, addr) == RESOLVE_OK)
        st = RESOLVE_OK;        /* a node name ("r1"), outside the DNS's names */
    ldns_pkt_free(p);
    return st;
}

const char *resolve_error(enum resolve_status st)
{
    switch (st) {
    case RESOLVE_OK:
        return "";
    case RESOLVE_NONAME:
        return _("Name or service not known");
    case RESOLVE_AGAIN:
        break;
    }
    return _("Temporary failure in name resolution");
}

/* The last label of a name, without a final dot, in [*tld, *tld + *len). */
static void last_label(const char *name, const char **tld, size_t *len)
{
    size_t n = strlen(name);
    if (n && name[n - 1] == '.')
        n--;
    size_t start = n;
    while (start > 0 && name[start - 1] != '.')
        start--;
    *tld = name + start;
    *len = n - start;
}

static bool same_tld(const char *a, const char *b)
{
    const char *ta, *tb;
    size_t la, lb;
    last_label(a, &ta, &la);
    last_label(b, &tb, &lb);
    return la == lb && la > 0 && strncasecmp(ta, tb, la) == 0;
}

bool resolve_outside_world(const struct world *w, const char *name)
{
    const char *tld;
    size_t len;
    last_label(name, &tld, &len);
    if (len == 0 || same_tld(name, "in-addr.arpa"))
        return false;
    for (size_t i = 0; i < w->n_nodes; i++)
        if (w->nodes[i].hostname && same_tld(name, w->nodes[i].hostname))
            return false;
    for (size_t i = 0; i < w->n_users; i++)
        if (same_tld(name, w->users[i].domain))
            return false;
    return true;
}

void resolve_say_offline(const struct world *w, const char *name)
{
    if (!resolve_outside_world(w, name))
        return;
    /* the world's top-level domains, each once: ".example" */
    char tlds[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < w->n_nodes; i++) {
        const char *h = w->nodes[i].hostname, *tld;
        size_t len;
        if (!h)
            continue;
        last_label(h, &tld, &len);
        char one[72];
        snprintf(one, sizeof one, ".%.*s", (int)(len < 64 ? len : 64), tld);
        bool seen = false;
        for (const char *p = strstr(tlds, one); p && !seen; p = strstr(p + 1, one))
            seen = (p[strlen(one)] == ' ' || !p[strlen(one)]) && (p == tlds || p[-1] == ' ');
        if (!seen && used + strlen(one) + 2 < sizeof tlds)
            used += (size_t)snprintf(tlds + used, sizeof tlds - used, "%s%s", used ? " " : "", one);
    }
    term_info(_("%1$s is outside this world: the world is offline, and its root knows only "
                "its own names (%2$s), so its resolvers refuse the rest."),
              name, tlds);
}
