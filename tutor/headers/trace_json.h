/*
 * trace_json — a trace for graders, in the shape headers.schema.json
 * publishes: {"source", "from", "subject", "message_id", "hops": [...]
 * oldest first, "origin", "hints"}, null where a field is absent; hops are
 * numbered from 1, as the plain report numbers them.
 */
#ifndef TUTOR_TRACE_JSON_H
#define TUTOR_TRACE_JSON_H

#include <stddef.h>

#include "mail/trace.h"
#include "util/jsonout.h"

/* The object, compact, into j (one record: jsonout_begin first). `where`
 * and `index` say which message of which file it is. */
void trace_json(struct jsonout *j, const struct trace *t, const char *where, size_t index);

#endif
