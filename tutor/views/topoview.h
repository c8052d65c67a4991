/*
 * topoview — a network described without running it: `topo` prints its
 * nodes, interfaces, links and routes as text, or as Graphviz DOT for
 * slides (`topo --dot | dot -Tsvg > net.svg`).
 */
#ifndef TUTOR_TOPOVIEW_H
#define TUTOR_TOPOVIEW_H

#include <stdio.h>

#include "route.h"
#include "topo.h"

/* `source` says where the network comes from: a file name, "the world". */
void topoview_text(FILE *f, const struct topo *t, const char *source);
void topoview_dot(FILE *f, const struct topo *t);

#endif
