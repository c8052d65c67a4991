/*
 * dns_wire — a packet to wire format, names compressed (RFC 1035 4.1.4).
 *
 * The same bytes as ldns_pkt2wire, sooner: ldns keeps the names already
 * written in a tree ordered by ldns_dname_compare, the canonical DNSSEC
 * order (label by label from the right), which made up a fifth of the
 * work of every answer tutor serve sent. Compression needs only equality,
 * so here the tree is ordered by length, then bytes without case.
 */
#ifndef TUTOR_DNS_WIRE_H
#define TUTOR_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/* As ldns_pkt2wire: *wire new (caller frees) of *len bytes. */
ldns_status dns_wire_encode(const ldns_pkt *pkt, uint8_t **wire, size_t *len);

#endif
