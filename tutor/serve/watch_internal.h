/*
 * watch_internal — what the parts of `tutor watch` share: the sessions as
 * the watcher knows them from serve's events. watch.c reads the events
 * into them (and, off a terminal, prints each one); watch_screen.c draws
 * them on the terminal and reads the keys.
 */
#ifndef TUTOR_WATCH_INTERNAL_H
#define TUTOR_WATCH_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define WATCH_HISTORY_MAX 400           /* lines of a session kept, for following it */
#define WATCH_CLOSED_KEEP 100           /* ended sessions still listed */
#define WATCH_LAST_MAX 512              /* the start of a session's last line, for its row */
#define WATCH_EVENT_MAX (1u << 20)      /* the longest event line taken from serve */

enum wline_kind { WL_CLIENT, WL_SERVER, WL_STATE, WL_NOTE };

struct wline {
    char *text;                         /* owned */
    enum wline_kind kind;
};

struct wsession {
    unsigned id;
    char service[8];
    char client[64];                    /* "127.0.0.1:50412", "[::1]:50412" */
    char host[256];
    char state[32];
    char user[128];
    char last[WATCH_LAST_MAX];
    bool last_from_client;
    unsigned long lines;
    bool live;
    char why[96];                       /* how it ended, in the user's language */
    unsigned long order;                /* when it opened, then when it ended */
    bool introduced;                    /* off a terminal: its service and client shown */
    /* its dialogue since the watcher came: a ring of WATCH_HISTORY_MAX */
    struct wline *hist;
    size_t hist_n, hist_cap, hist_head;
};

struct watch {
    int fd;                             /* serve's socket */
    char *in;                           /* what serve sent, not yet a whole line */
    size_t in_len, in_cap;
    /* the options */
    const char *client_only, *user_only;
    unsigned follow;                    /* 0: the list */
    char path[PATH_MAX];                /* the socket */
    /* serve, as its events tell it */
    long pid;
    unsigned long live, total, stored, dns, last_id;
    /* the sessions, by number (they open in order) */
    struct wsession **s;
    size_t n, cap;
    unsigned long order;
    bool screen;                        /* a terminal: watch_screen.c draws */
    bool serve_stopped;                 /* it said "stop" */
    int full;                           /* it said "full": the watchers it takes */
    bool follow_ended;                  /* off a terminal: the session followed is over */
};

/* watch.c */
struct wsession *watch_find(const struct watch *w, unsigned id);
/* Does the session pass --client and --user? */
bool watch_matches(const struct watch *w, const struct wsession *s);
/* Its history line i (0 the oldest kept). */
const struct wline *watch_history(const struct wsession *s, size_t i);

/* Reads what serve has sent and applies every whole event to the model
 * (printing each one off a terminal): 1; 0 at the end of the stream; -1
 * when the stream is broken (an event longer than WATCH_EVENT_MAX). */
int watch_read(struct watch *w);
/* "closed (14 lines)" and the like, for a session that ended. */
void watch_ended_text(const struct wsession *s, char *out, size_t size);

/* watch_screen.c: the full-screen view, while the terminal allows one. */
bool wscreen_possible(void);
/* Runs it until q, a signal or serve's end; the exit status. */
int wscreen_run(struct watch *w);

#endif
