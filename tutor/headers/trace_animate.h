/*
 * trace_animate — a mail's path replayed as the bucket relay (views/):
 * each machine the Received: lines name, oldest first, is a node in a
 * row, and a message is passed from the first to the last, node to node,
 * as the servers passed the mail on. A picture of the path, not of the
 * network between the servers: each server is drawn as one step.
 */
#ifndef TUTOR_TRACE_ANIMATE_H
#define TUTOR_TRACE_ANIMATE_H

#include <stdbool.h>

#include "mail/trace.h"

/* Animates on a terminal that can (with `draw`), else prints the relay's
 * trace, a line an event. 0 when the message got through, 1 when not, 2
 * when there is no path to draw (said on stderr). */
int trace_animate(const struct trace *t, bool draw);

#endif
