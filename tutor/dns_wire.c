/* dns_wire — see dns_wire.h. */
#include "dns_wire.h"

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
