/*
 * maildir — mailboxes in the Maildir format (tmp/, new/, cur/), which
 * real servers (Postfix, Dovecot) use because a message appears in new/
 * only once it is complete on disk: nothing half-written is ever seen.
 */
#ifndef TUTOR_MAILDIR_H
#define TUTOR_MAILDIR_H

#include <limits.h>
#include <stddef.h>

#include "util/fsutil.h"

#define MAILDIR_NAME_MAX 128   /* a unique name, before ":2,FLAGS" */

struct maildir_entry {
    char *path;         /* full path of the message file */
    const char *name;   /* its file name, inside path */
    size_t size;        /* bytes as stored */
    size_t wire_size;   /* bytes with CR LF line ends, as POP3 counts them */
    char *from;         /* header fields, unfolded; "" when absent */
    char *subject;
};

/* Makes dir/{tmp,new,cur}. 0, or -1 with err. */
int maildir_create(const char *dir, char err[FS_ERROR_MAX]);

/* Stores a message as new/NAME: written to tmp/, fsync'd, linked into new/
 * (a link, unlike a rename, never replaces a message already there), the
 * folder fsync'd. `name` is the caller's unique name (rt_unique_name): the
 * tutor makes it from the simulated clock, so replays repeat, and POP3 uses
 * it as the message's UIDL; its counter never repeats within a state (see
 * rt_start_clock), which is what keeps a name already in cur/ from being
 * given again. Line ends are stored as LF. 0, or -1 with err. */
int maildir_deliver(const char *dir, const char *name, const char *msg, size_t len,
                    char err[FS_ERROR_MAX]);

/* The first half of a delivery: the message written to dir/tmp/NAME (its
 * path in `tmp`), not yet fsync'd. The open file, or -1 with err (nothing
 * left behind). maildir_deliver and maildir_batch finish it. */
int maildir_write_tmp(const char *dir, const char *name, const char *msg, size_t len,
                      char tmp[PATH_MAX], char err[FS_ERROR_MAX]);

/* The size of `text` sent with CR LF line ends, a last line without one
 * counted as if it had it (RFC 1939 11, RFC 1870). */
size_t maildir_wire_size(const char *text, size_t len);

/* The messages of new/ and cur/ in delivery order. `*out` is a new array
 * (free with maildir_list_free). A missing Maildir is an empty one.
 * 0, or -1 with err. */
int maildir_list(const char *dir, struct maildir_entry **out, size_t *n, char err[FS_ERROR_MAX]);
void maildir_list_free(struct maildir_entry *e, size_t n);

#endif
