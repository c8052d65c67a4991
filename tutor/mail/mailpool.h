/*
 * mailpool — the messages of a mailsource rendered on every core, and
 * written in their order: `tutor headers --json` on a mailbox of 100,000
 * messages, where reading one header is cheap and tracing it is not.
 *
 * The caller hands over each mail_item as mailsource gives it; the pool
 * copies it into a batch (a few hundred messages), and worker threads
 * render the batches, each message with `render` into its own textbuf.
 * Finished batches are written to `out` in the order they were read, so
 * the output is byte for byte what one thread would have written. The
 * batches in flight are bounded, so the memory is that of a few batches
 * whatever the mailbox's size.
 *
 * `render` runs in a worker, never two at once on one message: it must
 * touch no shared state (a trace and its JSON are a message's own). It
 * returns 0, or nonzero (after saying why on stderr) to stop the run: the
 * messages before the failing one are written, none after.
 */
#ifndef TUTOR_MAILPOOL_H
#define TUTOR_MAILPOOL_H

#include <stdio.h>

#include "mailsource.h"
#include "util/textbuf.h"

typedef int (*mailpool_render_fn)(const struct mail_item *m, struct textbuf *out, void *ud);

struct mailpool;

/* A pool of `workers` threads (at least 1) writing to out; `who` ("tutor
 * headers") starts the pool's own messages. NULL when memory or threads
 * ran short: the caller renders on its own then. */
struct mailpool *mailpool_new(int workers, mailpool_render_fn render, void *ud, FILE *out,
                              const char *who);

/* The threads worth starting here: the cores this process may use, at
 * most 8; 1 when there is one (a pool is no gain then). */
int mailpool_workers(void);

/* Queues a copy of m. 0, or the run's nonzero status once it has failed
 * (a render's, or 2 for memory or a write error, said on stderr): stop
 * reading then. A mail_item_fn's contract, so mailsource can call it. */
int mailpool_add(struct mailpool *p, const struct mail_item *m);

/* Waits for every queued message, writes what is left, ends the threads
 * and frees the pool. The run's status: 0, or its first failure's. */
int mailpool_finish(struct mailpool *p);

#endif
