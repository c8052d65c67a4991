/*
 * relayanim — the bucket relay drawn on a terminal: the topology from its
 * layout (or, without one, the path the packets take), packets moving along
 * the links as labelled buckets, and at each node a speech bubble with the
 * lecture's words and its routing decision.
 *
 * Keys: space pauses and then steps from event to event, Enter goes on,
 * + and - change the speed, q ends. Only what changed is redrawn; the
 * terminal is restored on exit and on signals. Aligned art uses no
 * ambiguous-width characters, so it lines up in Japanese terminals too.
 */
#ifndef TUTOR_RELAYANIM_H
#define TUTOR_RELAYANIM_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

struct relayanim_opts {
    double speed;               /* 1: one simulated millisecond takes ~100 ms */
};

/* Can stdin and stdout animate (both terminals, at least 80x24, TERM not
 * dumb)? When not, callers show the trace instead. */
bool relayanim_possible(void);

/* Sends the message from `src_node` to `dst` on `s` and animates the run
 * until it ends or the user presses q. 0 when the message was delivered,
 * 1 when it was not, -1 on an error (printed). */
int relayanim_run(struct sim *s, int src_node, uint32_t dst, const struct sim_message_opts *mo,
                  const struct relayanim_opts *o);

#endif
