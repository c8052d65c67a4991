/* dns_client — see dns_client.h. */
#include "dns_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "dns/dns_wire.h"

int dns_query_wire(struct runtime *rt, const ldns_rdf *name, uint16_t type, bool rd, bool edns,
                   uint8_t **wire, size_t *len)
{
    *wire = NULL;
    *len = 0;
    ldns_rdf *owner = ldns_rdf_clone(name);
    ldns_pkt *q = NULL;
    if (owner)
        q = ldns_pkt_query_new(owner, (ldns_rr_type)type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
    if (!q) {
        ldns_rdf_deep_free(owner);      /* ldns takes it only on success */
        return -1;
    }
    /* ldns asks for A when given type 0; a student may ask for TYPE0 */
    if (type == 0)
        ldns_rr_set_type(ldns_rr_list_rr(ldns_pkt_question(q), 0), 0);
    ldns_pkt_set_id(q, (uint16_t)(++rt->next_query * 2654435761u >> 16));
    if (edns)
        ldns_pkt_set_edns_udp_size(q, DNS_EDNS_SIZE);
    ldns_status st = dns_wire_encode(q, wire, len);
    ldns_pkt_free(q);
    if (st != LDNS_STATUS_OK || !*wire) {
        free(*wire);
        *wire = NULL;
        return -1;
    }
    return 0;
}

enum dns_outcome dns_send(struct runtime *rt, uint32_t from, uint32_t to, const uint8_t *q,
                          size_t q_len, dns_retry_fn on_retry, void *ud, struct dns_reply *r,
                          char err[RT_ERROR_MAX])
{
    memset(r, 0, sizeof *r);
    enum dns_outcome out = DNS_TIMEOUT;
    for (int tcp = 0; tcp < 2; tcp++) {
        int rtt = 0;
        out = dns_exchange(rt, from, to, q, q_len, tcp, &r->wire, &r->len, &rtt, err);
        r->rtt_ms = rtt;
        r->total_ms += rtt;
        r->tcp = tcp;
        /* a truncated answer (TC, in the third byte) is asked again over TCP */
        if (out != DNS_OK || tcp || r->len < 3 || !(r->wire[2] & 0x02))
            break;
        free(r->wire);
        r->wire = NULL;
        r->len = 0;
        if (on_retry)
            on_retry(ud);
    }
    return out;
}

int dns_type_code(const char *name)
{
    if (strncasecmp(name, "TYPE", 4) == 0 && name[4] >= '0' && name[4] <= '9') {
        char *end;
        long n = strtol(name + 4, &end, 10);
        return *end || n > 65535 ? -1 : (int)n;
    }
    ldns_rr_type t = ldns_get_rr_type_by_name(name);
    return t ? (int)t : -1;
}

enum dns_outcome dns_ask(struct runtime *rt, uint32_t from, uint32_t server, const char *name,
                         const char *type, ldns_pkt **resp, char err[RT_ERROR_MAX])
{
    *resp = NULL;
    ldns_rdf *dname = ldns_dname_new_frm_str(name);
    ldns_rr_type t = ldns_get_rr_type_by_name(type);
    if (!dname || !t) {
        ldns_rdf_deep_free(dname);
        snprintf(err, RT_ERROR_MAX, "%s %s: not a valid question", name, type);
        return DNS_TIMEOUT;
    }
    uint8_t *wire = NULL;
    size_t wire_len = 0;
    int rc = dns_query_wire(rt, dname, t, true, true, &wire, &wire_len);
    ldns_rdf_deep_free(dname);
    if (rc < 0) {
        snprintf(err, RT_ERROR_MAX, "out of memory");
        return DNS_TIMEOUT;
    }
    struct dns_reply r;
    enum dns_outcome out = dns_send(rt, from, server, wire, wire_len, NULL, NULL, &r, err);
    free(wire);
    if (out == DNS_OK && dns_wire_decode(resp, r.wire, r.len) != LDNS_STATUS_OK) {
        snprintf(err, RT_ERROR_MAX, "a malformed response");
        out = DNS_TIMEOUT;
    }
    free(r.wire);
    return out;
}

void dns_first_name(const ldns_pkt *r, char *out, size_t size)
{
    out[0] = '\0';
    const ldns_rr_list *ans = r ? ldns_pkt_answer(r) : NULL;
    for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ans, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_PTR)
            continue;
        char *s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
        if (s) {
            size_t n = strlen(s);
            if (n > 1 && s[n - 1] == '.')
                s[n - 1] = '\0';
            snprintf(out, size, "%s", s);
        }
        free(s);
        return;
    }
}

void dns_pkt_free(ldns_pkt *r)
{
    ldns_pkt_free(r);
}
