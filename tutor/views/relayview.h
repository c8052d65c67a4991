/*
 * relayview — the bucket relay written down: every event of a net-sim run
 * as one line of plain text (--trace, in the interface's language, the
 * decision at each hop spelled out) or one JSON object (--json, for
 * graders). Both read the same observer events, so they describe the same
 * run; the animation (relayanim.h) reads them too.
 */
#ifndef TUTOR_RELAYVIEW_H
#define TUTOR_RELAYVIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim.h"

enum relayview_mode { RELAYVIEW_TRACE, RELAYVIEW_JSON };

struct relayview {
    FILE *out;
    enum relayview_mode mode;
    struct sim *sim;
    int64_t t0_us;              /* times are shown from here */
    int announced;              /* the last message relayview_begin() showed */
    int tap;                    /* a node whose passing payloads are shown; -1 none */
    bool wrap;                  /* lines wrapped to the screen: stdout is a terminal */
};

/* Starts a view of `sim` from now. */
void relayview_init(struct relayview *v, FILE *out, enum relayview_mode mode, struct sim *sim);

/* The sim observer (sim_observe(sim, relayview_observe, v)). */
void relayview_observe(const struct sim_event *ev, void *v);

/* The first line: what is sent from where to where, cut how. The
 * observer calls it at a message's first event. */
void relayview_begin(struct relayview *v, int msg);
/* The last line: delivered in how long, or not. */
void relayview_end(struct relayview *v, int msg);

/* One route as "198.51.100.0/24 via 203.0.113.2 dev eth1". */
void relayview_route(FILE *f, const struct topo *t, int node, const struct route_choice *rc);

/* Why `chosen` wins over `other` (the next one in the order of preference):
 * a translated phrase. */
const char *relayview_why(const struct route_choice *chosen, const struct route_choice *other);

/* The packet's kind, "data 2/3", "ACK 1/3", "echo request", ... */
void relayview_packet(FILE *f, const struct sim_packet *p);

#endif
