/* dnsline — see dnsline.h. */
#include "dnsline.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns_wire.h"

/* tcpdump's words for the status */
static const char *status_word(ldns_pkt_rcode rc)
{
    static const char *const words[] = {"", "FormErr", "ServFail", "NXDomain", "NotImp",
                                        "Refused"};
    return rc < sizeof words / sizeof words[0] ? words[rc] : "Rcode?";
}

struct line {
    char *out;
    size_t size, used;
};

static void add(struct line *l, const char *fmt, ...)
{
    if (l->used + 1 >= l->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->out + l->used, l->size - l->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->used = l->used + (size_t)n < l->size ? l->used + (size_t)n : l->size - 1;
}

/* ldns's text of an rdf or a type, freed here; "?" when it has none */
static void add_text(struct line *l, char *text)
{
    add(l, "%s", text ? text : "?");
    free(text);
}

static void add_answer(struct line *l, const ldns_rr *rr)
{
    add_text(l, ldns_rr_type2str(ldns_rr_get_type(rr)));
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        add(l, " ");
        add_text(l, ldns_rdf2str(ldns_rr_rdf(rr, i)));
    }
}

void dnsline_format(const uint8_t *msg, size_t len, char *out, size_t size)
{
    struct line l = {out, size, 0};
    if (size)
        out[0] = '\0';
    ldns_pkt *p = NULL;
    if (dns_wire_decode(&p, msg, len) != LDNS_STATUS_OK) {
        add(&l, "%zu bytes that are no DNS message", len);
        ldns_pkt_free(p);
        return;
    }
    const ldns_rr_list *q = ldns_pkt_question(p);
    const ldns_rr *first = q && ldns_rr_list_rr_count(q) ? ldns_rr_list_rr(q, 0) : NULL;
    add(&l, "%u", ldns_pkt_id(p));
    if (!ldns_pkt_qr(p)) {
        add(&l, "%s", ldns_pkt_rd(p) ? "+" : "");
        if (first) {
            add(&l, " ");
            add_text(&l, ldns_rr_type2str(ldns_rr_get_type(first)));
            add(&l, "? ");
            add_text(&l, ldns_rdf2str(ldns_rr_owner(first)));
        }
    } else {
        const char *st = status_word(ldns_pkt_get_rcode(p));
        add(&l, "%s%s%s%s %u/%u/%u", st[0] ? " " : "", st, ldns_pkt_aa(p) ? "*" : "",
            ldns_pkt_tc(p) ? "|" : "", ldns_pkt_ancount(p), ldns_pkt_nscount(p),
            ldns_pkt_arcount(p) + (ldns_pkt_edns(p) ? 1u : 0u));
        const ldns_rr_list *an = ldns_pkt_answer(p);
        size_t n = an ? ldns_rr_list_rr_count(an) : 0;
        for (size_t i = 0; i < n && i < DNSLINE_ANSWERS; i++) {
            add(&l, i ? ", " : " ");
            add_answer(&l, ldns_rr_list_rr(an, i));
        }
        if (n > DNSLINE_ANSWERS)
            add(&l, ", ...");
    }
    add(&l, " (%zu)", len);
    ldns_pkt_free(p);
}
