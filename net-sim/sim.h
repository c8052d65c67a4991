/*
 * sim — the bucket relay: a discrete-event simulation of packets passed
 * from node to node over a topology.
 *
 * A message is cut into packets no larger than the path's MTU, each
 * labelled with source, destination, TTL and sequence number. Every node
 * asks "is it mine?"; if not, a router takes one from the TTL (dropping the
 * packet at 0 and telling the sender "time exceeded"), finds the route
 * (route.h) and queues the packet on the link, which sends it after the
 * packets ahead of it (bandwidth), carries it (delay), may lose it (loss)
 * and carries nothing while it is down. The receiver acknowledges each
 * packet and puts the message together; the sender sends again when no
 * acknowledgement comes in time and gives up after a few tries.
 *
 * Events are kept in a binary heap ordered by time and then by the order
 * they were made in, and loss draws from a seeded generator, so a run is
 * the same every time. Each step is reported to an observer (renderers:
 * trace, JSON, animation); the simulator itself prints nothing.
 */
#ifndef NETSIM_SIM_H
#define NETSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "route.h"
#include "topo.h"

#define SIM_HEADER_BYTES 40     /* IPv4 and TCP headers, without options */
#define SIM_TTL_DEFAULT 64
#define SIM_RTO_US 1000000      /* first retransmission timeout: RFC 6298's 1 s */
#define SIM_TRIES_DEFAULT 4     /* the first send and three more */
#define SIM_WINDOW_DEFAULT 16   /* packets in flight before waiting for ACKs */

enum sim_packet_kind {
    PKT_DATA,
    PKT_ACK,
    PKT_TIME_EXCEEDED,          /* ICMP: the TTL ran out at a router */
    PKT_UNREACHABLE,            /* ICMP: a router had no route */
    PKT_ECHO_REQUEST,           /* ICMP: ping */
    PKT_ECHO_REPLY,
};

struct sim_packet {
    long id;                    /* 1, 2, ... in the order they were made */
    enum sim_packet_kind kind;
    uint32_t src, dst;
    int ttl;
    int seq, total;             /* DATA and ACK: piece seq of total (1-based) */
    int size;                   /* bytes on the wire, headers included */
    int msg;                    /* the message it belongs to, -1 for none */
    int try_no;                 /* DATA: 1 for the first send */
    const char *payload;        /* DATA: its bytes (borrowed), or NULL */
    size_t payload_len;
    long about;                 /* ICMP errors: the packet they report on */
    int origin;                 /* the node that made it */
    int64_t made_us;
};

enum sim_event_type {
    SIM_SEND,                   /* a node made a packet */
    SIM_FORWARD,                /* a node chose where a packet goes next */
    SIM_QUEUE,                  /* it waits behind others on a link */
    SIM_DROP,                   /* it is lost; `reason` says why */
    SIM_DELIVER,                /* it reached the node it was for */
    SIM_ACK,                    /* the sender learnt a piece arrived */
    SIM_RETRANSMIT,             /* no ACK in time: the sender tries again */
    SIM_REASSEMBLE,             /* the receiver has every piece */
    SIM_GIVE_UP,                /* the sender stops trying */
    SIM_LINK,                   /* a link went up or down */
};

enum sim_drop {
    DROP_TTL,                   /* time exceeded */
    DROP_QUEUE,                 /* the link's queue was full */
    DROP_LINK_DOWN,
    DROP_LOSS,                  /* the link lost it (loss_pct) */
    DROP_NO_ROUTE,
    DROP_NOT_ROUTER,            /* a host got a packet for someone else */
    DROP_MTU,                   /* larger than the next link carries */
};

struct sim_event {
    int64_t t_us;
    enum sim_event_type type;
    int node;
    const struct sim_packet *packet;    /* valid during the call only */
    int next_node;              /* FORWARD, and DROP on a link: the far end */
    int link;                   /* FORWARD, QUEUE, DROP, LINK; -1 for none */
    int in_link;                /* FORWARD: the link it came in on; -1: made here */
    enum sim_drop reason;       /* DROP */
    const struct route_choice *route;   /* FORWARD */
    int n_matched;              /* FORWARD: routes that matched */
    int queued;                 /* QUEUE: packets waiting, this one included */
    int msg;                    /* message events; -1 otherwise */
    bool up;                    /* LINK */
};

typedef void sim_observer(const struct sim_event *ev, void *arg);

struct sim_message_opts {
    size_t size;                /* bytes to carry */
    const char *payload;        /* its bytes, copied; NULL: not shown */
    int mtu;                    /* 0: the path MTU */
    int ttl;                    /* 0: SIM_TTL_DEFAULT */
    int tries;                  /* 0: SIM_TRIES_DEFAULT */
    int window;                 /* 0: SIM_WINDOW_DEFAULT */
};

struct sim_message {
    int id;
    int src_node;
    uint32_t src, dst;
    size_t size;
    int total;                  /* packets */
    int piece;                  /* payload bytes per packet */
    int mtu;                    /* the packet size it was cut for */
    bool delivered;             /* every piece acknowledged */
    bool reassembled;           /* the receiver has every piece */
    bool given_up;
    int64_t start_us, done_us;
    int retransmits;
};

struct sim;

struct sim *sim_new(struct topo *t, uint64_t seed);
void sim_free(struct sim *s);
void sim_observe(struct sim *s, sim_observer *fn, void *arg);
struct router *sim_router(struct sim *s);
struct topo *sim_topo(struct sim *s);
int64_t sim_now(const struct sim *s);

/* Starts sending a message from `src_node` to `dst` now. Its id, or -1
 * when the node has no address to send from. */
int sim_send(struct sim *s, int src_node, uint32_t dst, const struct sim_message_opts *o);
const struct sim_message *sim_message(const struct sim *s, int id);

/* Sends one ICMP echo request with `ttl` (0: default) now; its packet id. */
long sim_ping(struct sim *s, int src_node, uint32_t dst, int ttl);

/* Takes a link down or up now (the topology's timed events do the same). */
void sim_set_link(struct sim *s, int link, bool up);

/* Congests the queue from `node` across `link`, as steady heavy traffic
 * would: it is full now, and stays so; the packets that come later take
 * turns with the other traffic for the place each sent packet frees, so
 * every other one is dropped and the rest wait behind a full queue. */
void sim_congest(struct sim *s, int link, int node);

/* Runs events until none are left or the next is after `until_us`
 * (INT64_MAX: until none are left). The number of events run. */
long sim_run(struct sim *s, int64_t until_us);

/* The path MTU from `src_node` to `dst` along the current routes, the
 * first link's when the way is not known. */
int sim_path_mtu(struct sim *s, int src_node, uint32_t dst);

#endif
