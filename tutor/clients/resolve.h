/*
 * resolve — a host name to an address, as a program on a node of the
 * world finds it: what getaddrinfo does on a real PC, so that telnet,
 * ping, traceroute and ssh name hosts the way `host` and `dig` do.
 *
 * In order: a dotted address is itself; "localhost" is the node itself,
 * 127.0.0.1 (RFC 6761 6.3); a Japanese name becomes its A-label
 * (util/idn.h); then the node's resolver (the first DNS
 * server ipconfig shows) is asked for the A record, over the world's
 * network, so `tap` and `trace on` show the query; when it answers that
 * the name has no address, or refuses it (a node name such as "r1" is
 * outside the world's DNS), or the node has no resolver, the world's own
 * host list is looked in (node names such as "pc1" and host names, what
 * `hosts` prints: the lab's /etc/hosts). A resolver that does not answer
 * is a failure, not a reason to look elsewhere: a broken DNS is felt, as
 * on a real network.
 */
#ifndef TUTOR_RESOLVE_H
#define TUTOR_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#include "host/runtime.h"

#define RESOLVE_LOOPBACK 0x7f000001u    /* 127.0.0.1 */

enum resolve_status {
    RESOLVE_OK,
    RESOLVE_NONAME,         /* no such host: "Name or service not known" */
    RESOLVE_AGAIN,          /* no answer: "Temporary failure in name resolution" */
};

/* Resolves `name` for a program on `from`: RESOLVE_OK with *addr (in
 * 127.0.0.0/8 for the node itself). */
enum resolve_status resolve_host(struct runtime *rt, const struct world_node *from,
                                 const char *name, uint32_t *addr);

/* Is `name` outside the world, its top-level domain none of the world's
 * (the last labels of its host names and mail domains; in-addr.arpa is
 * the world's too)? Such names the world's resolvers refuse: the world is
 * offline. */
bool resolve_outside_world(const struct world *w, const char *name);

/* When `name` is outside the world, one line that says so, naming the
 * top-level domains the world's root knows. */
void resolve_say_offline(const struct world *w, const char *name);

/* getaddrinfo's words for a failure (gai_strerror), translated. */
const char *resolve_error(enum resolve_status st);

/* Is addr one of the node's own loopback addresses (127.0.0.0/8)? */
static inline int resolve_is_loopback(uint32_t addr)
{
    return (addr >> 24) == 127;
}

#endif
