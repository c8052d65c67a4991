/*
 * dns_client — asking a world DNS server from C, as clients do: the
 * query with the world's IDs, sent through dns_exchange() and asked again
 * over TCP when the answer comes back truncated (TC). dig, host and
 * nslookup (cmd_dns.c), a script's tutor.query (host_dns.c) and a mail
 * server's own lookups (dns_ask, for mx.c and server.c) all send this
 * way, so the retry is written once.
 *
 * ldns stays out of this header (server.c does not use it): names and
 * packets are ldns's, declared here by their struct tags.
 */
#ifndef TUTOR_DNS_CLIENT_H
#define TUTOR_DNS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_exchange.h"
#include "runtime.h"

struct ldns_struct_pkt;
struct ldns_struct_rdf;

/* The query for (name, type, class IN) in wire form: RD when `rd`, an OPT
 * offering DNS_EDNS_SIZE when `edns`, the ID the next of the world's
 * counter (a replay asks the same questions). name is borrowed. 0 with
 * *wire new (caller frees) of *len bytes, or -1 when out of memory. */
int dns_query_wire(struct runtime *rt, const struct ldns_struct_rdf *name, uint16_t type, bool rd,
                   bool edns, uint8_t **wire, size_t *len);

/* What dns_send got back. */
struct dns_reply {
    uint8_t *wire;          /* the response, new (caller frees); NULL unless DNS_OK */
    size_t len;
    int rtt_ms;             /* the round trip of the last exchange */
    int total_ms;           /* of all the exchanges: the truncated one too */
    bool tcp;               /* the last exchange went over TCP */
};

/* Called after a truncated answer, before the retry over TCP (dig says
 * so on its screen). */
typedef void (*dns_retry_fn)(void *ud);

/* Sends the query q (wire format) from `from` to the server at `to` over
 * UDP and, when the answer has TC set, once more over TCP, as resolvers
 * do (RFC 2181 9); on_retry (may be NULL) is called in between with ud.
 * *r is filled in whatever the outcome (its times too); DNS_OK with
 * r->wire, otherwise err says why. */
enum dns_outcome dns_send(struct runtime *rt, uint32_t from, uint32_t to, const uint8_t *q,
                          size_t q_len, dns_retry_fn on_retry, void *ud, struct dns_reply *r,
                          char err[RT_ERROR_MAX]);

/* Asks the resolver at `server`, from the node at `from`, for (name, type)
 * with RD set, retrying over TCP after TC: what a mail server's own
 * lookups do. DNS_OK with *resp a new ldns_pkt (free with ldns_pkt_free,
 * or dns_pkt_free where ldns is not included); otherwise err says why. */
enum dns_outcome dns_ask(struct runtime *rt, uint32_t from, uint32_t server, const char *name,
                         const char *type, struct ldns_struct_pkt **resp, char err[RT_ERROR_MAX]);

/* The target of the first PTR record in r's answer, without
 * its final dot, into out; "" when there is none. */
void dns_first_name(const struct ldns_struct_pkt *r, char *out, size_t size);
void dns_pkt_free(struct ldns_struct_pkt *r);

/* The record type named `name` ("MX", "mx", "TYPE65000", also "TYPE0",
 * which ldns cannot tell from a failure): its code, or -1. */
int dns_type_code(const char *name);

#endif
