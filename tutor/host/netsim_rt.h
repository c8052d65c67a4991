/*
 * netsim_rt — net-sim brought into the tutor: a simulation over the
 * world's network (with the links "link down" cut and the queues
 * "congest" filled) or over a topology file, and the look-ups every
 * network command needs, with their error messages.
 */
#ifndef TUTOR_NETSIM_RT_H
#define TUTOR_NETSIM_RT_H

#include <stdint.h>

#include "runtime.h"
#include "sim.h"

struct netsim_rt {
    struct topo *topo;          /* the world's (borrowed) or `owned` */
    struct topo *owned;         /* a topology file's, or NULL */
    struct sim *sim;
    struct router *router;      /* the sim's */
    struct runtime *rt;
};

/* A fresh simulation of the world's network (`file` NULL) or of a topology
 * or world file. `seed` -1: the world's seed (1 for a file). 0, or -1
 * with the message printed. */
int netsim_rt_open(struct netsim_rt *n, struct runtime *rt, const char *file, long seed);
void netsim_rt_close(struct netsim_rt *n);

/* A node by name, host name or address; -1 with a message naming `cmd`. */
int netsim_rt_node(struct netsim_rt *n, const char *cmd, const char *what);
/* An address: a dotted quad as it is, a node's or host's first address.
 * 0, or -1 with a message. */
int netsim_rt_address(struct netsim_rt *n, const char *cmd, const char *what, uint32_t *out);

/* What became of bytes sent across the world's network. */
enum net_carry {
    NET_CARRIED,
    NET_NO_ROUTE,               /* a router on the way had no route: "No route to host" */
    NET_TIMED_OUT,              /* lost on the way every time: "Connection timed out" */
};

/* Carries `len` bytes (`bytes` may be NULL: a connection's first packet)
 * from the world's node `from` to address `dst` over the world's network as
 * it is now: links cut, queues congested. With "trace on" one line shows
 * the hops and the time; with "tap NODE" on the way, the bytes as that node
 * sees them. The one-way time goes to `us` (may be NULL). */
enum net_carry netsim_rt_carry(struct runtime *rt, const struct world_node *from, uint32_t dst,
                               const char *bytes, size_t len, int64_t *us);
/* The same for a DNS message: the tap shows it as one line (dnsline.h). */
enum net_carry netsim_rt_carry_dns(struct runtime *rt, const struct world_node *from, uint32_t dst,
                                   const uint8_t *msg, size_t len, int64_t *us);
/* The words a client prints for a failure: "No route to host". */
const char *netsim_rt_failure(enum net_carry c);

/* A session_pump() show function that first carries each line across the
 * network (netsim_rt_carry), then hands it to `inner`. A loopback
 * dialogue (client and server on one node, 127.0.0.1) crosses nothing. */
struct net_show {
    struct runtime *rt;
    const struct world_node *client, *server;
    bool loopback;
    void (*inner)(void *ud, bool from_client, const char *line);
    void *inner_ud;
};
void netsim_rt_show(void *net_show, bool from_client, const char *line);

/* The queue from `node` across `link` of the world's network stays full
 * ("congest") or is emptied again. */
void netsim_rt_congest(struct runtime *rt, int link, int node, bool on);
/* Empties every congested queue. */
void netsim_rt_clear(struct runtime *rt);

#endif
