/* dns_wire — see dns_wire.h. */
#include "dns_wire.h"

#include <stdbool.h>
#include <stdlib.h>

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Names as ldns_rdf, wire form: a total order whose equal names are the
 * ones ldns_dname_compare calls equal. */
static int name_order(const void *a, const void *b)
{
    const ldns_rdf *x = a, *y = b;
    size_t nx = ldns_rdf_size(x), ny = ldns_rdf_size(y);
    if (nx != ny)
        return nx < ny ? -1 : 1;
    const uint8_t *p = ldns_rdf_data(x), *q = ldns_rdf_data(y);
    for (size_t i = 0; i < nx; i++)
        if (lower(p[i]) != lower(q[i]))
            return lower(p[i]) < lower(q[i]) ? -1 : 1;
    return 0;
}

/* The tree's nodes and keys are made by ldns while it writes. */
static void free_node(ldns_rbnode_t *node, void *arg)
{
    (void)arg;
    ldns_rdf_deep_free((ldns_rdf *)node->key);
    free(node);
}

ldns_status dns_wire_encode(const ldns_pkt *pkt, uint8_t **wire, size_t *len)
{
    *wire = NULL;
    *len = 0;
    ldns_buffer *b = ldns_buffer_new(LDNS_MAX_PACKETLEN);
    ldns_rbtree_t *names = ldns_rbtree_create(name_order);
    ldns_status st = LDNS_STATUS_MEM_ERR;
    if (b && names)
        st = ldns_pkt2buffer_wire_compress(b, pkt, names);
    if (names) {
        ldns_traverse_postorder(names, free_node, NULL);
        ldns_rbtree_free(names);
    }
    if (st == LDNS_STATUS_OK) {
        *len = ldns_buffer_position(b);
        *wire = ldns_buffer_export(b);
        if (!*wire)
            st = LDNS_STATUS_MEM_ERR;
    }
    ldns_buffer_free(b);
    return st;
}

/* Skips the name at *pos: labels up to a root label or a pointer, each
 * length byte taken as a length, more leniently than ldns reads them, so
 * every name ldns reads is skipped here too. false past the end. */
static bool skip_name(const uint8_t *m, size_t len, size_t *pos)
{
    for (size_t p = *pos; p < len;) {
        uint8_t l = m[p];
        if ((l & 0xc0) == 0xc0) {
            *pos = p + 2;
            return *pos <= len;
        }
        if (l == 0) {
            *pos = p + 1;
            return true;
        }
        p += 1 + (size_t)l;
    }
    return false;
}

/* Is there a record after a TSIG record? Records are walked in the order
 * ldns reads them; where the bytes end the walk stops, as ldns does. */
static bool tsig_before_record(const uint8_t *m, size_t len)
{
    if (len < 12)
        return false;
    size_t pos = 12;
    unsigned qd = (unsigned)m[4] << 8 | m[5];
    unsigned rrs = ((unsigned)m[6] << 8 | m[7]) + ((unsigned)m[8] << 8 | m[9]) +
                   ((unsigned)m[10] << 8 | m[11]);
    for (unsigned i = 0; i < qd; i++) {
        if (!skip_name(m, len, &pos) || len - pos < 4)
            return false;
        pos += 4;                               /* QTYPE, QCLASS */
    }
    bool tsig_seen = false;
    for (unsigned i = 0; i < rrs; i++) {
        if (tsig_seen)
            return true;
        if (!skip_name(m, len, &pos) || len - pos < 10)
            return false;
        tsig_seen = ((unsigned)m[pos] << 8 | m[pos + 1]) == LDNS_RR_TYPE_TSIG;
        size_t rdlength = (size_t)m[pos + 8] << 8 | m[pos + 9];
        if (len - pos - 10 < rdlength)
            return false;
        pos += 10 + rdlength;                   /* TYPE CLASS TTL RDLENGTH RDATA */
    }
    return false;
}

ldns_status dns_wire_decode(ldns_pkt **pkt, const uint8_t *wire, size_t len)
{
    *pkt = NULL;
    if (tsig_before_record(wire, len))
        return LDNS_STATUS_WIRE_RDATA_ERR;
    return ldns_wire2pkt(pkt, wire, len);
}
