/*
 * dns_wire — a packet to wire format, names compressed (RFC 1035 4.1.4),
 * and wire format read back with one check ldns 1.8.3 lacks.
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

/* As ldns_wire2pkt, for bytes from anyone: a message whose TSIG record is
 * not its last record (RFC 8945 5.1: FORMERR) is refused with
 * LDNS_STATUS_WIRE_RDATA_ERR before ldns reads it, because ldns keeps the
 * last of several TSIGs in the additional section and loses the others'
 * memory. */
ldns_status dns_wire_decode(ldns_pkt **pkt, const uint8_t *wire, size_t len);

#endif
