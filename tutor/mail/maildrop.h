/*
 * maildrop — a user's Maildir as one POP3 session sees it (RFC 1939): a
 * locked snapshot of the messages, numbered from 1, each with its size as
 * POP3 counts it and a UIDL that stays the same across sessions.
 *
 * The lock is flock(2) on a file in the Maildir: two sessions, in one
 * process or in two (the REPL and `tutor serve`), never open the same
 * maildrop, and a crash releases it. Delivery needs no lock: Maildir makes
 * a message appear whole, and a session sees only its snapshot.
 */
#ifndef TUTOR_MAILDROP_H
#define TUTOR_MAILDROP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/fsutil.h"

#define MAILDROP_UID_MAX 70             /* RFC 1939 7: 1 to 70 octets, 0x21-0x7E */
#define MAILDROP_LOCK_FILE "tutor-pop3.lock"

enum maildrop_status {
    MAILDROP_OK = 0,
    MAILDROP_ERROR = -1,
    MAILDROP_IN_USE = -2,
};

struct maildrop_msg {
    char *path;                         /* where it is now (moves when seen) */
    size_t size;                        /* with CR LF line ends */
    char uid[MAILDROP_UID_MAX + 1];
};

struct maildrop {
    char dir[PATH_MAX];
    int lock_fd;
    struct maildrop_msg *msgs;
    size_t n;
};

/* Locks and lists the Maildir `dir` (created when missing). MAILDROP_OK
 * with *out a new maildrop (free with maildrop_close), MAILDROP_IN_USE when
 * another session holds it, MAILDROP_ERROR with err. */
enum maildrop_status maildrop_open(const char *dir, struct maildrop **out,
                                   char err[FS_ERROR_MAX]);

/* Message i (0-based) as stored: new string and its length, caller frees;
 * NULL with err. */
char *maildrop_read(const struct maildrop *md, size_t i, size_t *len, char err[FS_ERROR_MAX]);

/* Marks message i read: new/NAME becomes cur/NAME:2,S (flags kept sorted,
 * as the Maildir spec asks). 0, or -1 with err. */
int maildrop_seen(struct maildrop *md, size_t i, char err[FS_ERROR_MAX]);

/* Removes the messages whose indexes (0-based) are listed; the folder is
 * fsync'd. All are tried; 0, or -1 with err naming the first failure. */
int maildrop_commit(struct maildrop *md, const size_t *idx, size_t n, char err[FS_ERROR_MAX]);

/* Unlocks and frees; NULL is fine. Deletes nothing. */
void maildrop_close(struct maildrop *md);

#endif
