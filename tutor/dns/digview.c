/* digview — see digview.h. */
#include "digview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tab stops of dig's record lines: name, TTL, class, type, data. */
#define COL_TTL 24
#define COL_CLASS 32
#define COL_TYPE 40
#define COL_DATA 48

/* Moves from column col to the tab stop `target` (at least one tab, as
 * dig writes them); returns the new column. */
static int tab_to(int col, int target)
{
    if (col >= target) {
        putchar('\t');
        return (col / 8 + 1) * 8;
    }
    while (col < target) {
        putchar('\t');
        col = (col / 8 + 1) * 8;
    }
    return col;
}

static int put(const char *s)
{
    fputs(s, stdout);
    return (int)strlen(s);
}

/* One record: name, TTL, class, type, data, on dig's tab stops. */
void digview_rr(const ldns_rr *rr, bool question)
{
    char *owner = ldns_rdf2str(ldns_rr_owner(rr));
    char *cls = ldns_rr_class2str(ldns_rr_get_class(rr));
    char *type = ldns_rr_type2str(ldns_rr_get_type(rr));
    int col = 0;
    if (question)
        col += put(";");
    col += put(owner ? owner : "?");
    if (!question) {
        col = tab_to(col, COL_TTL);
        char ttl[16];
        snprintf(ttl, sizeof ttl, "%u", ldns_rr_ttl(rr));
        col += put(ttl);
        col = tab_to(col, COL_CLASS);
    } else {
        col = tab_to(col, COL_TYPE);
    }
    col += put(cls ? cls : "?");
    col = tab_to(col, question ? COL_DATA : COL_TYPE);
    col += put(type ? type : "?");
    if (!question) {
        putchar('\t');
        for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
            char *d = ldns_rdf2str(ldns_rr_rdf(rr, i));
            printf("%s%s", i ? " " : "", d ? d : "");
            free(d);
        }
    }
    putchar('\n');
    free(owner);
    free(cls);
    free(type);
}

void digview_section(const char *title, const ldns_rr_list *l, bool question)
{
    if (!l || ldns_rr_list_rr_count(l) == 0)
        return;
    printf(";; %s SECTION:\n", title);
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
        digview_rr(ldns_rr_list_rr(l, i), question);
    putchar('\n');
}

const char *digview_rcode(ldns_pkt_rcode rc)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP", "REFUSED"};
    return rc < sizeof names / sizeof names[0] ? names[rc] : "RESERVED";
}

void digview_header(const ldns_pkt *p)
{
    printf(";; ->>HEADER<<- opcode: QUERY, status: %s, id: %u\n",
           digview_rcode(ldns_pkt_get_rcode(p)), ldns_pkt_id(p));
    printf(";; flags:%s%s%s%s%s%s%s; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: %u\n",
           ldns_pkt_qr(p) ? " qr" : "", ldns_pkt_aa(p) ? " aa" : "", ldns_pkt_tc(p) ? " tc" : "",
           ldns_pkt_rd(p) ? " rd" : "", ldns_pkt_ra(p) ? " ra" : "", ldns_pkt_ad(p) ? " ad" : "",
           ldns_pkt_cd(p) ? " cd" : "", ldns_pkt_qdcount(p), ldns_pkt_ancount(p),
           ldns_pkt_nscount(p), ldns_pkt_arcount(p) + (ldns_pkt_edns(p) ? 1 : 0));
    if (ldns_pkt_rd(p) && !ldns_pkt_ra(p))
        printf(";; WARNING: recursion requested but not available\n");
    putchar('\n');
    if (ldns_pkt_edns(p)) {
        printf(";; OPT PSEUDOSECTION:\n; EDNS: version: %u, flags:%s; udp: %u\n",
               ldns_pkt_edns_version(p), ldns_pkt_edns_do(p) ? " do" : "",
               ldns_pkt_edns_udp_size(p));
    }
}
