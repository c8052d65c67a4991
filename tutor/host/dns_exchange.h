/*
 * dns_exchange — the one way a DNS query travels from one world address
 * to a DNS server and back (scripts/README.md, "A datagram server"): the
 * server's on_datagram(s, q) is called with a datagram session, and
 * s:answer(r) gives at most one answer, cut to the size the transport
 * allows (TC set when it does not fit). The host answers for the script
 * what a script need not know: FORMERR to bytes that are no DNS message
 * (RFC 1035 4.1.1), BADVERS to an EDNS version above 0 (RFC 6891 6.1.3).
 *
 * It owns the datagram session type and the bookkeeping of servers asking
 * servers: the list of servers waiting for an answer themselves, the
 * depth guard, and the simulated time a server spends waiting. Clients
 * (dig, resolvers, mail servers) send through dns_client.h, which retries
 * over TCP after TC.
 */
#ifndef TUTOR_DNS_EXCHANGE_H
#define TUTOR_DNS_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "runtime.h"

#define DNS_PORT 53
#define DNS_UDP_MAX 512             /* without EDNS (RFC 1035 4.2.1) */
#define DNS_EDNS_SIZE 1232          /* what our servers and dig offer (DNS flag day 2020) */
#define DNS_DEPTH_MAX 8             /* servers asking servers, nested */
#define DNS_RECORDS_MAX 1000        /* records in one answer from a script */

/* How a query went. */
enum dns_outcome {
    DNS_OK,             /* a response, in *resp */
    DNS_REFUSED,        /* nothing listens on port 53 there (ICMP port unreachable) */
    DNS_TIMEOUT,        /* no such address, or the server did not answer */
};

/* Sends the query q (wire format) from `from` to the DNS server at `to`
 * and waits for the response. With `tcp`, no size limit applies (a retry
 * after TC). DNS_OK with *resp a new buffer (caller frees) of *resp_len
 * bytes; otherwise err says why. *rtt_ms, the simulated round trip, is
 * set whatever the outcome. */
enum dns_outcome dns_exchange(struct runtime *rt, uint32_t from, uint32_t to, const uint8_t *q,
                              size_t q_len, int tcp, uint8_t **resp, size_t *resp_len, int *rtt_ms,
                              char err[RT_ERROR_MAX]);

/* The same for a query from outside the world (tutor serve's listener):
 * `client` is the real client, with `socket` set; no network is crossed
 * on the way in or out. */
struct session_endpoint;
enum dns_outcome dns_exchange_outside(struct runtime *rt, const struct session_endpoint *client,
                                      uint32_t to, const uint8_t *q, size_t q_len, int tcp,
                                      uint8_t **resp, size_t *resp_len, char err[RT_ERROR_MAX]);

/* The server now in on_datagram has waited `ms` for a server it asked
 * (tutor.query): its own answer comes that much later, which dig's
 * "Query time" shows. */
void dns_exchange_wait(int ms);

/* Registers the datagram session type in a server's Lua state; once,
 * before the first dns_exchange to that server. */
void dns_exchange_register(lua_State *L);

#endif
