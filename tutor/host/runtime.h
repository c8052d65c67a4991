/*
 * runtime — a world brought to life: where its scripts and state live, its
 * simulated clock, its queue IDs, and its virtual servers (created the first
 * time something connects to them).
 *
 * State lives under STATE_ROOT/worlds/NAME/: mail/ADDRESS/ (Maildirs),
 * queue/NODE/ (the relay queues), client/ (the student's mail client:
 * who is logged in, and each user's fetched mail), clock (the simulated time and the next
 * queue number). Everything is written atomically, so a crash at any point
 * leaves the last complete state.
 */
#ifndef TUTOR_RUNTIME_H
#define TUTOR_RUNTIME_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "util/fsutil.h"
#include "mail/maildir.h"
#include "mail/maildir_batch.h"
#include "transcript.h"
#include "world.h"

#define RT_ERROR_MAX 512
#define RT_ID_BLOCK 1024        /* counter values saved ahead (take_id in runtime.c) */

struct vserver;

/* Where the tutor's messages go: the REPL prints them, tests collect them.
 * `kind` is "log" (a script's tutor.log) or "error". */
typedef void (*rt_notice_fn)(void *ctx, const char *kind, const char *text);

struct runtime {
    struct world *world;                /* borrowed */
    char datadir[PATH_MAX];             /* holds scripts/ */
    char state[PATH_MAX];               /* this world's state folder */
    long long clock;                    /* simulated now, seconds since 1970 */
    unsigned long next_id;              /* queue IDs and Maildir names */
    unsigned long ids_saved_up_to;      /* the counter on disk: crash-safe up to here */
    struct vserver **servers;
    size_t n_servers;
    unsigned next_session;
    unsigned next_query;                /* DNS query IDs, from a counter: replays repeat */
    rt_notice_fn notice;
    void *notice_ctx;
    /* queues of the world's network kept full by "congest": link * 2 + the
     * direction (0: from the link's first end) */
    int *congested;
    size_t n_congested;
    bool net_trace;                     /* "trace on": dialogues show their hops */
    int net_tap;                        /* "tap NODE": the node, -1 for none */
    /* when set, the servers' deliveries join this batch (tutor serve's
     * group commit) on behalf of `batch_owner`; else each is stored at once */
    struct maildir_batch *batch;
    void *batch_owner;
    unsigned long queued;               /* messages the servers put in a relay queue */
    FILE *log;                          /* server.log, opened at its first line */
    long log_size;
    bool log_held;                      /* lines wait for rt_flush_log (tutor serve) */
    bool clock_unsaved;                 /* the clock file could not be written: said once */
    char mua_address[256];              /* the mail client's user, for this run (login) */
    /* rt_follow_real_time: the clock at `real_origin` (CLOCK_MONOTONIC) */
    bool real_time;
    long long real_base;
    struct timespec real_origin;
    /* the node the prompt's commands run on ("ssh" moves it); NULL: the
     * student's PC, where the mail client is */
    const struct world_node *here;
    /* what the student's commands did, for a lesson's checks; NULL when
     * no lesson runs (borrowed) */
    struct transcript *transcript;
};

/* Opens the runtime of world `w`: state under `state_root` (created), the
 * clock and ID counter restored from it. 0, or -1 with err. */
int rt_open(struct runtime *rt, struct world *w, const char *datadir,
            const char *state_root, char err[RT_ERROR_MAX]);
void rt_close(struct runtime *rt);

/* The node the prompt's commands run on: rt->here, else the student's PC. */
const struct world_node *rt_here(const struct runtime *rt);

/* Forgets the world's mail, queue and clock: a fresh classroom. Servers are
 * closed too (their scripts start afresh). 0, or -1 with err. */
int rt_reset(struct runtime *rt, char err[RT_ERROR_MAX]);
/* One part of it: the server mailbox of one address (the mail client's
 * copies and the rest stay), or every relay queue with the last relay's
 * dialogue. 0, or -1 with err. */
int rt_reset_mailbox(struct runtime *rt, const char *address, char err[RT_ERROR_MAX]);
int rt_reset_queues(struct runtime *rt, char err[RT_ERROR_MAX]);

/* The simulated clock: the world's start time, moved on by what happens
 * (one second for each line a server reads), kept across restarts, so a
 * replay repeats its dates. Worlds without a "clock" follow the wall
 * clock. */
long long rt_now(const struct runtime *rt);
void rt_tick(struct runtime *rt, int seconds);

/* From now on the clock follows real elapsed time from where it stands,
 * and lines no longer move it (tutor serve: a class's dates and TTLs go
 * at the pace of the class). */
void rt_follow_real_time(struct runtime *rt);

/* An RFC 5322 date for `t` in the world's zone: "Wed, 29 May 2002 10:00:00 +0900". */
void rt_format_date(const struct runtime *rt, long long t, char out[40]);

/* A fresh queue ID, Postfix-like: ten upper-case hex digits. */
void rt_new_id(struct runtime *rt, char out[16]);

/* A fresh unique name for a Maildir message delivered on `host`
 * (maildir_deliver): printable ASCII, at most 70 characters for a host
 * name of up to 40, so it serves as the POP3 UIDL as it is. */
void rt_unique_name(struct runtime *rt, const char *host, char out[MAILDIR_NAME_MAX]);

/* Saves clock and counter. 0, or -1 with err. */
int rt_save(struct runtime *rt, char err[RT_ERROR_MAX]);

/* Folders of the state: a user's Maildir on the server, the mail client's
 * own folder for a user (what `inbox` fetched), a node's relay queue. */
void rt_mailbox_dir(const struct runtime *rt, const char *address, char out[PATH_MAX]);
void rt_client_dir(const struct runtime *rt, const char *address, char out[PATH_MAX]);
void rt_queue_dir(const struct runtime *rt, const char *node, char out[PATH_MAX]);

/* A file named in the world (a zone file): relative to the world file's
 * folder unless absolute. */
void rt_world_path(const struct runtime *rt, const char *name, char out[PATH_MAX]);

/* The path of a script named in the world: a bare name is one of ours
 * (DATADIR/scripts/NAME); anything with a '/' is the instructor's, relative
 * to the world file. */
void rt_script_path(const struct runtime *rt, const char *script, char out[PATH_MAX]);

/* The virtual server running `svc` on `node`, started on first use; NULL
 * with err when its script does not load. Borrowed: the runtime owns it. */
struct vserver *rt_server(struct runtime *rt, const struct world_node *node,
                          const struct world_service *svc, char err[RT_ERROR_MAX]);
/* The same for a client script of `node` (DATADIR/scripts/`script`). */
struct vserver *rt_client(struct runtime *rt, const struct world_node *node,
                          const char *script, char err[RT_ERROR_MAX]);

/* Starts every server of the world and the client scripts its nodes use
 * (relay, mail client), before anything has happened: a replay's
 * template, forked for each submission, so that no child compiles a
 * script again. 0, or -1 with err (a script that does not load). */
int rt_start_all(struct runtime *rt, char err[RT_ERROR_MAX]);

/* Points a runtime at the state under another root, as rt_open would
 * have; for a template's copy in a forked child, before anything is
 * stored: the servers already started keep running, over the new
 * folder. 0, or -1 with err. */
int rt_rebase(struct runtime *rt, const char *state_root, char err[RT_ERROR_MAX]);

/* Appends a line to STATE/server.log, the world's maillog: where the
 * scripts' tutor.log lines go, so they do not interrupt a dialogue. Past
 * RT_LOG_MAX bytes the log moves to server.log.1 (the one before is
 * dropped) and starts again, as logrotate would keep a busy server's. */
#define RT_LOG_MAX (16L * 1024 * 1024)
void rt_append_log(struct runtime *rt, const char *text);
/* Each line is written at once, unless rt->log_held: then the lines wait
 * for this, which tutor serve calls once a turn of its loop (a write per
 * DNS query was a twentieth of the cost of answering it). */
void rt_flush_log(struct runtime *rt);

void rt_notice(struct runtime *rt, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The prompt's way with notices: a script's tutor.log lines go to the
 * world's server.log (as a real server's maillog, so they do not
 * interrupt a dialogue), errors to the screen. */
void rt_notices_to_screen(struct runtime *rt);

#endif
