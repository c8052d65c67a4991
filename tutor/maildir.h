/*
 * maildir — mailboxes in the Maildir format (tmp/, new/, cur/), which
 * real servers (Postfix, Dovecot) use because a message appears in new/
 * only once it is complete on disk: nothing half-written is ever seen.
 */
#ifndef TUTOR_MAILDIR_H
#define TUTOR_MAILDIR_H

#include <stddef.h>

#include "fsutil.h"

struct maildir_entry {
    char *path;         /* full path of the message file */
    size_t size;        /* bytes as stored */
    char *from;         /* header fields, unfolded; "" when absent */
    char *subject;
};

/* Makes dir/{tmp,new,cur}. 0, or -1 with err. */
int maildir_create(const char *dir, char err[FS_ERROR_MAX]);

/* Stores a message: written to tmp/, fsync'd, renamed into new/, the folder
 * fsync'd. Line ends are stored as LF. 0, or -1 with err. */
int maildir_deliver(const char *dir, const char *msg, size_t len, char err[FS_ERROR_MAX]);

/* The messages of new/ and cur/ in delivery order. `*out` is a new array
 * (free with maildir_list_free). A missing Maildir is an empty one.
 * 0, or -1 with err. */
int maildir_list(const char *dir, struct maildir_entry **out, size_t *n, char err[FS_ERROR_MAX]);
void maildir_list_free(struct maildir_entry *e, size_t n);

#endif
