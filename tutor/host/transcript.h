/*
 * transcript — what really happened while a lesson ran: each command typed
 * at the prompt and how it ended, each line a student sent in a dialogue
 * and each line the server answered, each DNS question a tool asked and
 * its answer. The lesson's checks read it (never the screen, never a
 * recording's claims), so a step is judged on what the commands did.
 *
 * The runtime holds a pointer to one (rt->transcript, NULL when no lesson
 * runs); the places that see these things (the REPL, telnet, dig) add to
 * it. It knows nothing of lessons: `step` is a number its owner sets.
 */
#ifndef TUTOR_TRANSCRIPT_H
#define TUTOR_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

/* A hostile or endless session keeps the first this many events and
 * bytes; past them events are dropped and `overflow` says so. */
#define TRANSCRIPT_EVENTS_MAX 200000
#define TRANSCRIPT_BYTES_MAX  (32u << 20)
#define TRANSCRIPT_TEXT_MAX   4096          /* bytes kept of one line */

enum ts_kind {
    TS_COMMAND,     /* text: the line; host; rc: 0 ok, 1 failed (or unknown), 2 not run:
                       used wrongly, or only its --help shown */
    TS_CONNECT,     /* session, service, host (the server) */
    TS_SENT,        /* session, service, host, text: the student's line (extra
                       "client": a line the mail client sent for them) */
    TS_REPLY,       /* session, service, host, text: one line the server sent
                       (extra "client": in the mail client's dialogue) */
    TS_CLOSED,      /* session, service, host; rc 1 when the script failed */
    TS_DNS,         /* text: the name; service: the type; host: the server asked;
                       rc: the rcode (-1 no answer); extra: the answer's records */
    TS_HINT,        /* rc: the hint's number (from 1) */
    TS_RELAY,       /* text: "FROM TO" as typed; rc: 0 delivered, 1 not; extra: the
                       relay's events, a JSON object a line (relay --json) */
};

struct ts_event {
    enum ts_kind kind;
    int step;               /* the owner's step when it happened */
    unsigned session;
    int rc;
    char *service;          /* each string new, owned by the transcript; may be NULL */
    char *host;
    char *text;
    char *extra;
};

struct transcript {
    struct ts_event *ev;
    size_t n, cap;
    size_t bytes;
    int step;               /* stamped on each event added */
    bool overflow;
};

void transcript_init(struct transcript *t);
void transcript_free(struct transcript *t);
/* Forgets every event (a lesson started again). */
void transcript_clear(struct transcript *t);

/* Adds an event; strings are copied (text cut at TRANSCRIPT_TEXT_MAX).
 * Returns its index, or -1 when it was dropped (out of memory, or past the
 * limits). `t` may be NULL: nothing is kept. */
long transcript_add(struct transcript *t, enum ts_kind kind, unsigned session, int rc,
                    const char *service, const char *host, const char *text, size_t text_len,
                    const char *extra);

/* Sets the rc of event `i` (a command's, once it has ended). */
void transcript_set_rc(struct transcript *t, long i, int rc);

const char *transcript_kind_name(enum ts_kind k);

#endif
