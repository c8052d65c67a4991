/*
 * host_dns — DNS in the host API (scripts/README.md, "A datagram server"):
 * a server's zones and root hints, read from its settings when it starts;
 * on_datagram(s, q) with s:answer(r); tutor.lookup, tutor.query and
 * tutor.hints; and dns_exchange(), the one way a query travels from one
 * world address to a DNS server and back, for dig and for resolvers alike.
 *
 * Messages are encoded and decoded with ldns; records cross into Lua as
 * master-file strings, which is what students and instructors read.
 */
#ifndef TUTOR_HOST_DNS_H
#define TUTOR_HOST_DNS_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "runtime.h"

#define DNS_PORT 53
#define DNS_UDP_MAX 512             /* without EDNS (RFC 1035 4.2.1) */
#define DNS_EDNS_SIZE 1232          /* what our servers and dig offer (DNS flag day 2020) */
#define DNS_DEPTH_MAX 8             /* servers asking servers, nested */
#define DNS_RECORDS_MAX 1000        /* records in one answer from a script */

struct vserver;
struct dns_data;
struct ldns_struct_pkt;

/* Reads the zones and hints named in the service's settings ("zones":
 * {"origin": "file"}, "hints": "file", paths relative to the world file).
 * *out is NULL when the service has neither. 0, or -1 with err naming the
 * file and line. Free with dns_data_free. */
int dns_data_load(struct runtime *rt, const struct world_service *svc, struct dns_data **out,
                  char err[RT_ERROR_MAX]);
void dns_data_free(struct dns_data *d);

/* The host API functions, for server.c's `tutor` table. */
int host_dns_lookup(lua_State *L);
int host_dns_query(lua_State *L);
int host_dns_hints(lua_State *L);
/* Registers the datagram session type; from the server's set-up. */
void host_dns_register(lua_State *L);

/* How a query went. */
enum dns_outcome {
    DNS_OK,             /* a response, in *resp */
    DNS_REFUSED,        /* nothing listens on port 53 there (ICMP port unreachable) */
    DNS_TIMEOUT,        /* no such address, or the server did not answer */
};

/* Sends the query q (wire format) from `from` to the DNS server at `to`
 * and waits for the response. With `tcp`, no size limit applies (a retry
 * after TC). DNS_OK with *resp a new buffer (caller frees) of *resp_len
 * bytes and *rtt_ms the simulated round trip; otherwise err says why. */
enum dns_outcome dns_exchange(struct runtime *rt, uint32_t from, uint32_t to, const uint8_t *q,
                              size_t q_len, int tcp, uint8_t **resp, size_t *resp_len, int *rtt_ms,
                              char err[RT_ERROR_MAX]);

/* Asks the resolver at `server`, from the node at `from`, for (name, type)
 * with RD set, retrying over TCP after TC: what a mail server's own
 * lookups do. DNS_OK with *resp a new ldns_pkt (free with ldns_pkt_free);
 * otherwise err says why. */
enum dns_outcome dns_ask(struct runtime *rt, uint32_t from, uint32_t server, const char *name,
                         const char *type, struct ldns_struct_pkt **resp, char err[RT_ERROR_MAX]);

/* The target of the first PTR record in r's answer, without
 * its final dot, into out; "" when there is none. */
void dns_first_name(const struct ldns_struct_pkt *r, char *out, size_t size);
void dns_pkt_free(struct ldns_struct_pkt *r);

#endif
