/* maildir_batch — Maildir deliveries made durable together (group commit).
 *
 * A server answering many clients at once would otherwise spend most of
 * its time waiting on two fsyncs per message. Here the messages of a batch
 * are written to tmp/ as they come, then committed at once: one syncfs(2)
 * per file system makes every file durable, each is linked into new/, and
 * each new/ folder is fsync'd once. The caller holds back its "250" until
 * the commit: the promise of maildir_deliver (a message acknowledged is on
 * disk, a message on view is whole) is kept for every message of the batch.
 */
#ifndef TUTOR_MAILDIR_BATCH_H
#define TUTOR_MAILDIR_BATCH_H

#include <stddef.h>

#include "util/fsutil.h"

/* Past this many waiting messages a delivery commits the batch itself. */
#define MAILDIR_BATCH_MAX 256

struct maildir_batch_entry;

struct maildir_batch {
    struct maildir_batch_entry *v;
    size_t n, cap;
    /* who gets told when a message of the batch could not be stored */
    void (*failed)(void *owner, const char *err, void *ctx);
    void *ctx;
};

/* As maildir_deliver, but the message is on disk and in new/ only once
 * the batch is committed. `owner` is handed back to b->failed for the
 * messages the commit cannot store. 0, or -1 with err (nothing stored). */
int maildir_batch_add(struct maildir_batch *b, const char *dir, const char *name,
                      const char *msg, size_t len, void *owner, char err[FS_ERROR_MAX]);

/* Stores every message of the batch for good and empties it, telling
 * b->failed of each one it could not store: maildir_batch_store, then
 * maildir_batch_finish. */
void maildir_batch_commit(struct maildir_batch *b);

/* The two halves of a commit. maildir_batch_store does the file work
 * and calls nothing back, so it may run in another thread while the
 * caller leaves the batch alone; maildir_batch_finish then tells
 * b->failed and empties the batch. */
void maildir_batch_store(struct maildir_batch *b);
void maildir_batch_finish(struct maildir_batch *b);

/* Commits what waits and frees the batch's memory. */
void maildir_batch_free(struct maildir_batch *b);

#endif
