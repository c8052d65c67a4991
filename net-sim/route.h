/*
 * route — "is it mine? no: which way?": the routing decision at a node.
 *
 * A node's table is its connected networks plus either the static routes
 * its file gives (used exactly as written) or, when it gives none,
 * computed routes: the shortest path by delay (fewer hops when equal) to
 * the destination's network, over links that are up, through routers only.
 * Computed routes are found when a packet first needs them and cached
 * along the path found, so memory follows the routes actually used.
 */
#ifndef NETSIM_ROUTE_H
#define NETSIM_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo.h"

/* Routes considered per decision: a node's connected networks and static
 * routes that match one address; more are ignored. */
#define ROUTE_MATCHES_MAX 64

enum route_kind { ROUTE_CONNECTED, ROUTE_STATIC, ROUTE_COMPUTED };

struct route_choice {
    enum route_kind kind;
    struct ipv4_prefix dst;     /* the network it matches; len 0: default */
    bool is_default;
    bool has_gateway;
    uint32_t gateway;           /* next router's address (computed: its end of the link) */
    int iface;                  /* the way out */
    int metric;
    int static_index;           /* ROUTE_STATIC: index in the node's routes */
    int64_t cost_us;            /* ROUTE_COMPUTED: delay left to the network */
    int hops;                   /* ROUTE_COMPUTED: routers left to the network */
    /* where the packet goes: -1 when nobody answers there (no such
     * address on a connected network, a gateway nobody has) */
    int next_node;
    int link;
};

struct router;

struct router *router_new(struct topo *t);
void router_free(struct router *r);
/* Forget computed routes: a link went up or down. */
void router_invalidate(struct router *r);

/* The route `node` uses for `dst` (longest prefix; then connected before
 * others; then lower metric; then file order). 0, or -1 when nothing
 * matches. `n_matched` (may be NULL) gets how many routes matched. */
int router_lookup(struct router *r, int node, uint32_t dst, struct route_choice *out,
                  int *n_matched);

/* Every route of `node` that matches `dst`, the chosen one first, then in
 * the order of preference; at most `max`. Returns how many. */
size_t router_matches(struct router *r, int node, uint32_t dst, struct route_choice *out,
                      size_t max);

/* One shortest-path search from `src` to dst's network, ignoring and not
 * filling the cache: what the benchmark compares. Returns the hop count
 * to the network, -1 when unreachable. */
int router_search(struct router *r, int src, uint32_t dst, int64_t *cost_us);

/* Counters, for the benchmark and tests. */
struct router_stats {
    long searches;              /* shortest-path searches run */
    long cached;                /* cached entries now */
};
struct router_stats router_stats(const struct router *r);

#endif
