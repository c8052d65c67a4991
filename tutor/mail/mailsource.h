/*
 * mailsource — the messages a file or folder holds, one header at a time:
 * a single RFC 5322 message, an mbox (messages after "From " lines), or a
 * Maildir (cur/ and new/, in name order); "-" is standard input. Only the
 * header of each is read into memory, at most MAILSOURCE_HEADER_MAX bytes,
 * so a mailbox of any size takes the same memory.
 */
#ifndef TUTOR_MAILSOURCE_H
#define TUTOR_MAILSOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define MAILSOURCE_HEADER_MAX (1u << 20)
#define MAILSOURCE_ERROR_MAX 512

struct mail_item {
    const char *header;         /* the header section, its line ends as written */
    size_t len;
    size_t index;               /* 1 for the first message */
    const char *where;          /* "FILE", "FILE:LINE" of an mbox's From line, a Maildir file */
    bool cut;                   /* the header was longer than MAILSOURCE_HEADER_MAX */
};

/* Returns nonzero to stop; mailsource_each returns that value. */
typedef int (*mail_item_fn)(const struct mail_item *m, void *ud);

/* Calls fn for each message at path. 0 when all were read (or fn's
 * nonzero value); -1 with err naming the path and what went wrong (no such
 * file, a folder that is no Maildir, a read error, a file that is empty). */
int mailsource_each(const char *path, mail_item_fn fn, void *ud, char err[MAILSOURCE_ERROR_MAX]);

/* The same for an open stream (a message, or an mbox when it starts with
 * a "From " line), `name` naming it in `where` and in err. */
int mailsource_stream(FILE *f, const char *name, mail_item_fn fn, void *ud,
                      char err[MAILSOURCE_ERROR_MAX]);

#endif
