/*
 * queue — a mail server's relay queue: messages accepted for other domains,
 * waiting to be handed to the next server. One folder per server node;
 * each entry is ID.eml (the message) and ID.json (the envelope and its
 * delivery history). The .json is written last, atomically: an entry
 * without one was never acknowledged and is not shown.
 */
#ifndef TUTOR_QUEUE_H
#define TUTOR_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/fsutil.h"

#define QUEUE_ID_MAX 32
#define QUEUE_RCPTS_MAX 1000

struct queue_entry {
    char id[QUEUE_ID_MAX];
    char *from;
    char **rcpts;
    size_t n_rcpts;
    int attempts;
    char *status;               /* "queued", "deferred", "failed" */
    char *last_error;           /* "" when none */
    size_t size;                /* bytes of the message */
    long long arrival;          /* when it was queued, on the world's clock */
    bool warned;                /* the sender was told it is delayed */
};

/* Adds a message, queued at `arrival` (the world's clock). 0, or -1 with err. */
int queue_add(const char *dir, const char *id, const char *from, const char *const *rcpts,
              size_t n_rcpts, const char *msg, size_t len, long long arrival,
              char err[FS_ERROR_MAX]);

/* The entries of a queue folder, oldest first. `*out` is new (free with
 * queue_list_free). A missing folder is an empty queue. */
int queue_list(const char *dir, struct queue_entry **out, size_t *n, char err[FS_ERROR_MAX]);
void queue_list_free(struct queue_entry *e, size_t n);

/* The message of an entry: new buffer, caller frees; NULL with err. */
char *queue_message(const char *dir, const char *id, size_t *len, char err[FS_ERROR_MAX]);

/* Rewrites an entry's envelope (after an attempt). 0, or -1 with err. */
int queue_update(const char *dir, const struct queue_entry *e, char err[FS_ERROR_MAX]);

/* Removes an entry (delivered). 0, or -1 with err. */
int queue_remove(const char *dir, const char *id, char err[FS_ERROR_MAX]);

#endif
