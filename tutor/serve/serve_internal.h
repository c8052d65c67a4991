/*
 * serve_internal — what the parts of `tutor serve` share: its listeners,
 * its connections and the loop that owns them. serve.c runs the loop,
 * serve_stream.c the SMTP and POP3 connections, serve_dns.c DNS over UDP
 * and TCP, serve_log.c what the instructor sees, serve_who.c who each
 * client says it is, serve_watch.c the watchers of `tutor watch`.
 */
#ifndef TUTOR_SERVE_INTERNAL_H
#define TUTOR_SERVE_INTERNAL_H

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "mail/maildir_batch.h"
#include "util/jsonout.h"
#include "host/runtime.h"
#include "serve_addr.h"
#include "host/server.h"
#include "host/session.h"

/* Input is kept up to one line the scripts take whole (and one more byte,
 * which tells session_input that the line was cut), never more: a client
 * that sends without end waits until its lines are read. */
#define SERVE_LINE_BUF (SRV_LINE_CAP + 2)
/* A DNS message over TCP: two bytes of length and up to 65535 (RFC 1035 4.2.2). */
#define SERVE_DNS_TCP_BUF (2 + 65535)
/* Output waiting for a slow reader: past this, the session's next lines
 * stay in its queue and the client's next commands are not read. */
#define SERVE_OUT_HIGH (64u << 10)

/* What the instructor's views keep of each session for a watcher that
 * attaches later: the start of its last line (a row of the list shows
 * no more) and who the client says it is. */
#define SERVE_LAST_MAX 200
#define SERVE_USER_MAX 128

enum serve_kind { SERVE_SMTP, SERVE_POP3, SERVE_DNS, SERVE_HTTP };
#define SERVE_KINDS 4

struct listener {
    enum serve_kind kind;
    const char *proto;                  /* "smtp", "pop3", "dns", "http" */
    struct listen_spec spec;
    char where[SERVE_ADDR_TEXT_MAX];    /* what it is bound to, port 0 resolved */
    int fd;                             /* TCP */
    int udp_fd;                         /* DNS; -1 otherwise */
    const struct world_node *node;      /* the host it plays */
    const struct world_service *svc;
    struct vserver *srv;                /* SMTP, POP3 */
    int idle_s;                         /* idle timeout of its connections */
    long long paused_until_ms;          /* out of descriptors: accept again then */
    bool starved;                       /* said so already */
};

struct conn {
    int fd;
    unsigned id;                        /* shown in the log: #id */
    struct listener *l;
    struct session *s;                  /* SMTP, POP3 */
    char addr[INET6_ADDRSTRLEN];        /* the client's address */
    char peer[SERVE_ADDR_TEXT_MAX];     /* and port */
    int port;
    uint32_t addr4;                     /* IPv4 in host order, 0 for IPv6 */
    char *in;                           /* up to SERVE_LINE_BUF or SERVE_DNS_TCP_BUF bytes */
    size_t in_len, in_cap;
    bool skipping;                      /* the rest of a cut line */
    char *out;
    size_t out_len, out_off, out_cap;
    long long idle_until_ms;            /* a whole line or query must come by then */
    long long paused_until_ms;          /* the script's s:pause; 0 when none */
    bool draining;                      /* nothing more is read: close once written */
    bool eof;                           /* the client's input ended: answer it, then close */
    bool closed;                        /* to be freed by the loop */
    bool held;                          /* replies wait for the mail they acknowledge */
    unsigned held_gen;                  /* in the batch of this number */
    bool store_failed;                  /* and that mail could not be stored */
    size_t delivered;                   /* copies in that batch, told once stored */
    /* what serve_log.c has shown of the session */
    bool introduced;                    /* its service and client, once */
    unsigned long lines;                /* dialogue lines, both ways */
    char state[32];                     /* the script's state as last told */
    char last[SERVE_LAST_MAX];          /* its last line, cut; NUL shown as ^@ */
    bool last_from_client;
    long long opened_ms;
    /* serve_who.c: who the client says it is ("" until it says) */
    char user[SERVE_USER_MAX];
    bool user_from_auth;                /* AUTH or USER said it, not MAIL FROM */
    unsigned char who_next;             /* what its next line holds */
};

struct serve_log {
    bool verbose;                       /* dialogues on stdout */
    FILE *json;                         /* --log FILE, or NULL */
    const char *json_path;              /* its name, for rotating it */
    long json_size;                     /* bytes in it */
};

/* serve_watch.c: the watchers of `tutor watch` (watch_proto.h). A
 * watcher never holds up the loop: what it has not read waits in its own
 * buffer, up to WATCH_BACKLOG_MAX bytes, and past that it is dropped. */
#define WATCH_MAX 8                     /* watchers at once */
#define WATCH_BACKLOG_MAX (4u << 20)    /* unread bytes before a watcher is dropped */

struct watcher {
    int fd;                             /* -1: a free slot */
    unsigned id;                        /* for serve's notes: watcher 3 */
    char *buf;                          /* what it has not read yet */
    size_t len, off, cap;
};

struct serve_watch {
    int fd;                             /* the listening socket; -1 when none */
    char path[PATH_MAX];
    dev_t dev;                          /* the socket file bound, removed at the */
    ino_t ino;                          /* end only if it is still that one */
    struct watcher w[WATCH_MAX];
    size_t n;                           /* slots in use */
    unsigned next_id;
    long long paused_until_ms;          /* out of descriptors: accept again then */
    struct jsonout j;                   /* the event being written */
};

/* serve_sync.c: the worker that stores a batch while the loop goes on. */
struct serve_sync {
    bool running;                       /* the worker thread exists */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct maildir_batch *job;          /* for the worker; NULL when it is idle */
    bool quit;
    int done_pipe[2];                   /* the worker's byte: the job is stored */
    struct maildir_batch flight;        /* the batch being stored */
    unsigned flight_gen;
    bool in_flight;
};

struct serve {
    struct runtime *rt;
    struct listener ls[6];              /* a "localhost" one is two: 127.0.0.1 and ::1 */
    size_t n_ls;
    struct conn **conns;
    size_t n_conns, cap_conns;
    unsigned next_conn;
    int max_sessions, max_per_client;
    struct serve_log log;
    bool relay_due;                     /* mail waits in a queue: relay it */
    long long relay_after_ms;
    unsigned long queued_seen;          /* rt->queued at the last relay */
    /* Mail delivered by the sessions' scripts while the batch before is
     * stored: stored for good in one commit before any of their replies
     * goes out. */
    struct maildir_batch batch;
    unsigned batch_gen;                 /* its number */
    struct serve_sync sync;
    struct serve_watch watch;
    /* for the watchers' summary */
    unsigned long sessions_total, stored, dns_queries;
};

long long serve_now_ms(void);

/* serve_stream.c: an SMTP or POP3 connection, from accept to close. */
void stream_open(struct serve *sv, struct conn *c);
void stream_readable(struct serve *sv, struct conn *c);
/* Hands over the lines that waited while a reply could not go out. */
void stream_resume(struct serve *sv, struct conn *c);
/* Writes what waits; takes more of the session's lines as room frees up. */
void stream_flush(struct serve *sv, struct conn *c);
/* `why`: a host line for the client ("421 4.4.2 ... timeout exceeded"),
 * written before closing; NULL closes without a word. */
void stream_close(struct serve *sv, struct conn *c, const char *event, const char *why);
/* The host's own lines, in the words of real servers of the protocol. */
enum stream_notice { NOTICE_TIMEOUT, NOTICE_BUSY, NOTICE_FULL, NOTICE_SHUTDOWN,
                     NOTICE_SCRIPT_FAILED, NOTICE_STORE_FAILED };
void stream_notice_text(const struct conn *c, enum stream_notice n, char out[256]);

/* Sends the replies that waited for batch `gen`, now stored; a session
 * whose mail could not be stored is told so and closed, its "250" never
 * sent. */
void stream_release(struct serve *sv, unsigned gen);

/* serve_sync.c */
void sync_start(struct serve *sv);
/* Hands the gathered batch to the worker unless one is in flight. */
void sync_turn_end(struct serve *sv);
/* To poll: readable when the batch in flight is stored; -1 when none is. */
int sync_fd(const struct serve *sv);
/* The batch in flight is stored: its replies go, the next batch leaves. */
void sync_done(struct serve *sv);
/* Stores everything that waits, then ends the worker. */
void sync_stop(struct serve *sv);

/* serve_dns.c: DNS over UDP (one datagram, one answer) and over TCP. */
void dns_udp_readable(struct serve *sv, struct listener *l);
void dns_tcp_readable(struct serve *sv, struct conn *c);
void dns_tcp_close(struct conn *c);

/* Both: may the client's next bytes be read? Not while the last reply
 * waits for a slow reader, nor after the end. */
bool conn_wants_input(const struct conn *c);
/* Appends bytes to the connection's output. -1 when out of memory. */
int conn_queue_out(struct conn *c, const void *p, size_t n);
/* Writes what it can without waiting. -1 when the client has gone. */
int conn_write(struct conn *c);

/* serve_log.c: what the instructor sees of each session, on stdout
 * (--verbose), in the JSON log (--log) and by the watchers. */
/* Anyone looking: --verbose, --log or a watcher. */
bool slog_wanted(const struct serve *sv);
/* A session began: "connected to HOST (SCRIPT)". */
void slog_open(struct serve *sv, struct conn *c, const char *host, const char *script);
/* The tool's word about a session: "error", "busy" (a client refused). */
void slog_event(struct serve *sv, struct conn *c, const char *event, const char *text);
/* The session ended: `event` is close, gone, timeout, shutdown or error. */
void slog_close(struct serve *sv, struct conn *c, const char *event, const char *text);
void slog_line(struct serve *sv, struct conn *c, bool from_client, const char *line,
               size_t len);
/* After the script took a line: its state, told when it changed. */
void slog_state(struct serve *sv, struct conn *c);
/* `n` copies of a message of the session are on disk (`where`: "mailbox"
 * or "queue"). */
void slog_stored(struct serve *sv, struct conn *c, size_t n, const char *where);
/* A DNS exchange in one entry: the question and how it was answered. */
void slog_dns(struct serve *sv, const char *transport, const char *peer, const char *question,
              const char *answer);
void slog_info(struct serve *sv, const char *text);

/* serve_who.c: who the client says it is, from its lines (AUTH PLAIN and
 * LOGIN, POP3's USER and APOP, else the envelope's MAIL FROM; a web mail
 * form's user=), read before the script takes each one in the script's
 * `state`. True when c->user changed. */
bool who_line(struct conn *c, const char *state, const char *line, size_t len);

/* serve_watch.c */
/* Opens STATE/serve.sock (watch_proto.h); when it cannot, says why on
 * stderr and serve goes on without watchers. */
void swatch_listen(struct serve *sv, const char *state_root);
/* Tells the watchers serve stops, closes them and removes the socket. */
void swatch_stop(struct serve *sv);
/* Its descriptors for poll(), at most SWATCH_POLLFDS: how many it put
 * at pf; swatch_polled takes them back after poll(). */
#define SWATCH_POLLFDS (1 + WATCH_MAX)
size_t swatch_poll_fill(const struct serve *sv, struct pollfd *pf);
void swatch_polled(struct serve *sv, const struct pollfd *pf, size_t n);
/* Writes what waits, without waiting: at the end of each turn. */
void swatch_flush(struct serve *sv);
bool swatch_on(const struct serve *sv);
/* The events (watch_proto.h); nothing is done without a watcher. */
void swatch_open(struct serve *sv, const struct conn *c);
void swatch_line(struct serve *sv, const struct conn *c, bool from_client, const char *line,
                 size_t len);
void swatch_state(struct serve *sv, const struct conn *c);
void swatch_user(struct serve *sv, const struct conn *c);
void swatch_note(struct serve *sv, const struct conn *c, const char *event, const char *text);
void swatch_close(struct serve *sv, const struct conn *c, const char *event, const char *text);
void swatch_stored(struct serve *sv, const struct conn *c, size_t n, const char *where);
void swatch_dns(struct serve *sv, const char *transport, const char *peer, const char *question,
                const char *answer);
void swatch_info(struct serve *sv, const char *text);

#endif
