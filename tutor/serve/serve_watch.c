/*
 * serve_watch — `tutor serve`'s side of `tutor watch`: the socket beside
 * the state (watch_proto.h), and the events of every session, as JSON
 * lines, to each watcher attached, after a snapshot of the live sessions.
 *
 * A watcher must never slow or stop the server. Nothing is ever written
 * to one with a wait: an event is formatted once, added to each
 * watcher's buffer and written when the socket takes it (at the end of
 * the loop's turn, or at once past WATCH_SEND_AT). A watcher that does
 * not read falls behind; past WATCH_BACKLOG_MAX unread bytes it is
 * dropped with a note on stderr, and the loop never noticed it. With no
 * watcher attached nothing is formatted at all. (Rejected: a thread per
 * watcher, which would need the sessions locked; and dropping old events
 * instead of the watcher, which would show a dialogue with holes in it
 * as if it were whole.)
 *
 * The socket is made with umask 0177, before the store's worker thread
 * exists, so that it is the owner's alone from the first instant; the
 * peer's uid is checked all the same. One left by a serve that was killed
 * (nothing answers on it) is replaced; one a live serve answers on is
 * left to it, and this serve goes on without watchers.
 */
#define _GNU_SOURCE     /* accept4, SO_PEERCRED */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "serve_internal.h"
#include "util/i18n.h"
#include "watch_proto.h"

/* A backlog this long is written at once rather than at the turn's end:
 * one turn of a thousand busy sessions must not look like a stalled
 * watcher. */
#define WATCH_SEND_AT (64u << 10)
#define WATCH_ACCEPT_PAUSE_MS 100       /* rest of the socket when out of descriptors */

bool swatch_on(const struct serve *sv)
{
    return sv->watch.n > 0;
}

/* ------------------------------------------------------------------------
 * The watchers' buffers.
 */
static size_t pending(const struct watcher *w)
{
    return w->len - w->off;
}

/* Writes what the socket takes now: -1 when the watcher has gone. */
static int try_send(struct watcher *w)
{
    while (w->off < w->len) {
        ssize_t n = send(w->fd, w->buf + w->off, w->len - w->off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
        w->off += (size_t)n;
    }
    w->off = w->len = 0;
    return 0;
}

/* `why`: why serve drops it, said on stderr; NULL when it left. */
static void detach(struct serve *sv, struct watcher *w, const char *why)
{
    if (why)
        fprintf(stderr, _("tutor serve: watcher %1$u dropped: %2$s\n"), w->id, why);
    else if (sv->log.verbose)
        printf(_("tutor serve: watcher %1$u left\n"), w->id);
    fflush(stdout);
    close(w->fd);
    free(w->buf);
    *w = (struct watcher){.fd = -1};
    sv->watch.n--;
}

enum add_result { ADDED, BEHIND, GONE };

static enum add_result add(struct watcher *w, const char *p, size_t n)
{
    if (pending(w) >= WATCH_SEND_AT && try_send(w) < 0)
        return GONE;
    if (pending(w) + n > WATCH_BACKLOG_MAX)
        return BEHIND;
    if (w->off > 0 && w->len + n > w->cap) {
        memmove(w->buf, w->buf + w->off, w->len - w->off);
        w->len -= w->off;
        w->off = 0;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n)
            cap *= 2;
        char *b = realloc(w->buf, cap);
        if (!b)
            return BEHIND;
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    return ADDED;
}

/* The event in sv->watch.j, a line, to `only` or (NULL) to every watcher. */
static void deliver(struct serve *sv, struct watcher *only)
{
    struct serve_watch *wt = &sv->watch;
    jsonout_end(&wt->j);
    textbuf_addc(&wt->j.b, '\n');
    if (wt->j.b.oom) {
        wt->j.b.oom = false;    /* this event is lost; the next may fit */
        return;
    }
    for (size_t i = 0; i < WATCH_MAX; i++) {
        struct watcher *w = &wt->w[i];
        if (w->fd < 0 || (only && w != only))
            continue;
        switch (add(w, wt->j.b.p, wt->j.b.len)) {
        case ADDED: break;
        case GONE: detach(sv, w, NULL); break;
        case BEHIND: {
            char why[128];
            snprintf(why, sizeof why, _("it fell behind by more than %1$u MiB"),
                     WATCH_BACKLOG_MAX >> 20);
            detach(sv, w, why);
            break;
        }
        }
    }
}

/* ------------------------------------------------------------------------
 * The events.
 */
static struct jsonout *begin(struct serve *sv, const char *event)
{
    struct jsonout *j = &sv->watch.j;
    jsonout_begin(j);
    jsonout_object(j);
    jsonout_key(j, "event");
    jsonout_string(j, event);
    return j;
}

static void put_str(struct jsonout *j, const char *key, const char *v)
{
    jsonout_key(j, key);
    jsonout_string(j, v);
}

static void put_int(struct jsonout *j, const char *key, long long v)
{
    jsonout_key(j, key);
    jsonout_int(j, v);
}

static void put_session(struct jsonout *j, const struct conn *c)
{
    put_int(j, "session", c->id);
    put_str(j, "service", c->l->proto);
    put_str(j, "client", c->peer);
    put_str(j, "host", c->l->node->hostname ? c->l->node->hostname : c->l->node->name);
}

static bool live_session(const struct conn *c)
{
    return !c->closed && c->s && c->l->kind != SERVE_DNS;
}

/* The greeting and the snapshot, to a watcher that has just come. */
static void hello(struct serve *sv, struct watcher *w)
{
    unsigned long live = 0;
    for (size_t i = 0; i < sv->n_conns; i++)
        live += live_session(sv->conns[i]);
    struct jsonout *j = begin(sv, "hello");
    put_int(j, "version", WATCH_PROTO_VERSION);
    put_int(j, "pid", (long long)getpid());
    put_int(j, "live", (long long)live);
    put_int(j, "total", (long long)sv->sessions_total);
    put_int(j, "stored", (long long)sv->stored);
    put_int(j, "dns", (long long)sv->dns_queries);
    put_int(j, "last_id", sv->next_conn);
    jsonout_key(j, "listeners");
    jsonout_array(j);
    for (size_t i = 0; i < sv->n_ls; i++) {
        const struct listener *l = &sv->ls[i];
        jsonout_object(j);
        put_str(j, "service", l->proto);
        put_str(j, "address", l->where);
        put_str(j, "host", l->node->hostname ? l->node->hostname : l->node->name);
        jsonout_end(j);
    }
    jsonout_end(j);
    deliver(sv, w);
    long long now = serve_now_ms();
    for (size_t i = 0; i < sv->n_conns && w->fd >= 0; i++) {
        struct conn *c = sv->conns[i];
        if (!live_session(c))
            continue;
        /* what no one looked at before is not told as a change now */
        char st[32];
        snprintf(c->state, sizeof c->state, "%s", session_state(c->s, st));
        j = begin(sv, "session");
        put_session(j, c);
        put_str(j, "state", c->state);
        put_str(j, "user", c->user);
        put_int(j, "lines", (long long)c->lines);
        put_str(j, "last", c->last);
        put_str(j, "from", c->last_from_client ? "client" : "server");
        put_int(j, "age", (now - c->opened_ms) / 1000);
        deliver(sv, w);
    }
}

void swatch_open(struct serve *sv, const struct conn *c)
{
    if (!swatch_on(sv))
        return;
    struct jsonout *j = begin(sv, "open");
    put_session(j, c);
    put_str(j, "state", c->state);
    deliver(sv, NULL);
}

void swatch_line(struct serve *sv, const struct conn *c, bool from_client, const char *line,
                 size_t len)
{
    if (!swatch_on(sv))
        return;
    /* jsonout takes a C string: a NUL is written as term_text shows it */
    static char text[2 * SERVE_LINE_BUF + 1];
    size_t o = 0;
    for (size_t i = 0; i < len && o + 2 < sizeof text; i++) {
        if (line[i] == '\0') {
            text[o++] = '^';
            text[o++] = '@';
        } else {
            text[o++] = line[i];
        }
    }
    text[o] = '\0';
    struct jsonout *j = begin(sv, "line");
    put_int(j, "session", c->id);
    put_str(j, "from", from_client ? "client" : "server");
    jsonout_key(j, "text");
    jsonout_stringn(j, text, o);        /* an empty line is "", not null */
    if (len > SRV_LINE_CAP) {
        jsonout_key(j, "cut");
        jsonout_bool(j, true);
    }
    deliver(sv, NULL);
}

void swatch_state(struct serve *sv, const struct conn *c)
{
    if (!swatch_on(sv))
        return;
    struct jsonout *j = begin(sv, "state");
    put_int(j, "session", c->id);
    put_str(j, "state", c->state);
    deliver(sv, NULL);
}

void swatch_user(struct serve *sv, const struct conn *c)
{
    if (!swatch_on(sv))
        return;
    struct jsonout *j = begin(sv, "user");
    put_int(j, "session", c->id);
    put_str(j, "user", c->user);
    deliver(sv, NULL);
}

void swatch_note(struct serve *sv, const struct conn *c, const char *event, const char *text)
{
    if (!swatch_on(sv))
        return;
    bool refused = strcmp(event, "busy") == 0;
    struct jsonout *j = begin(sv, refused ? "refused" : "note");
    if (refused)
        put_session(j, c);
    else
        put_int(j, "session", c->id);
    put_str(j, "text", text);
    deliver(sv, NULL);
}

void swatch_close(struct serve *sv, const struct conn *c, const char *event, const char *text)
{
    if (!swatch_on(sv))
        return;
    struct jsonout *j = begin(sv, "close");
    put_int(j, "session", c->id);
    put_str(j, "why", event);
    put_str(j, "text", text);
    put_int(j, "lines", (long long)c->lines);
    deliver(sv, NULL);
}

void swatch_stored(struct serve *sv, const struct conn *c, size_t n, const char *where)
{
    if (!swatch_on(sv))
        return;
    struct jsonout *j = begin(sv, "stored");
    put_int(j, "session", c->id);
    put_int(j, "count", (long long)n);
    put_str(j, "where", where);
    deliver(sv, NULL);
}

void swatch_dns(struct serve *sv, const char *transport, const char *peer, const char *question,
                const char *answer)
{
    if (!swatch_on(sv))
        return;
    struct jsonout *j = begin(sv, "dns");
    put_str(j, "transport", transport);
    put_str(j, "client", peer);
    put_str(j, "question", question);
    put_str(j, "answer", answer);
    deliver(sv, NULL);
}

void swatch_info(struct serve *sv, const char *text)
{
    if (!swatch_on(sv))
        return;
    struct jsonout *j = begin(sv, "info");
    put_str(j, "text", text);
    deliver(sv, NULL);
}

/* ------------------------------------------------------------------------
 * The socket.
 */
static void accept_watchers(struct serve *sv)
{
    struct serve_watch *wt = &sv->watch;
    for (;;) {
        int fd = accept4(wt->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            /* the watcher waits in the backlog; the socket stays readable:
             * rest a while rather than spin (as serve.c's listeners do) */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                wt->paused_until_ms = serve_now_ms() + WATCH_ACCEPT_PAUSE_MS;
            return;
        }
        /* the socket's mode lets no one else in; root may look too */
        struct ucred cr;
        socklen_t crlen = sizeof cr;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0 && cr.uid != getuid() &&
            cr.uid != 0) {
            close(fd);
            continue;
        }
        struct watcher *w = NULL;
        for (size_t i = 0; i < WATCH_MAX && !w; i++)
            if (wt->w[i].fd < 0)
                w = &wt->w[i];
        if (!w) {
            char line[96];
            int n = snprintf(line, sizeof line, "{\"event\":\"full\",\"max\":%d}\n", WATCH_MAX);
            /* a fresh socket's buffer takes a line this short */
            if (send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                /* it has gone already: nothing to tell it */
            }
            close(fd);
            fprintf(stderr, _("tutor serve: a watcher was turned away: %1$d watch already, the most "
                              "it takes\n"), WATCH_MAX);
            continue;
        }
        *w = (struct watcher){.fd = fd, .id = ++wt->next_id};
        wt->n++;
        if (sv->log.verbose) {
            printf(_("tutor serve: watcher %1$u attached\n"), w->id);
            fflush(stdout);
        }
        hello(sv, w);
        if (w->fd >= 0 && try_send(w) < 0)
            detach(sv, w, NULL);
    }
}

void swatch_listen(struct serve *sv, const char *state_root)
{
    struct serve_watch *wt = &sv->watch;
    wt->fd = -1;
    for (size_t i = 0; i < WATCH_MAX; i++)
        wt->w[i] = (struct watcher){.fd = -1};
    wproto_path(state_root, wt->path);
    struct sockaddr_un sa;
    socklen_t salen;
    int dirfd;
    if (wproto_address(state_root, &sa, &salen, &dirfd) < 0) {
        fprintf(stderr, _("tutor serve: %1$s: %2$s; tutor watch cannot attach\n"), state_root,
                strerror(errno));
        return;
    }
    struct stat st;
    if (lstat(wt->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            fprintf(stderr, _("tutor serve: %1$s is not a socket: tutor watch cannot attach "
                              "(remove the file)\n"), wt->path);
            goto done;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int rc = probe < 0 ? -1 : connect(probe, (struct sockaddr *)&sa, salen);
        int e = errno;
        if (probe >= 0)
            close(probe);
        if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
            fprintf(stderr, _("tutor serve: another tutor serve is live on %1$s: tutor watch "
                              "attaches to that one, not to this one\n"), wt->path);
            goto done;
        }
        if (e != ECONNREFUSED) {
            fprintf(stderr, _("tutor serve: %1$s: %2$s; tutor watch cannot attach\n"), wt->path,
                    strerror(e));
            goto done;
        }
        /* left by a serve that was killed: nothing answers on it */
        unlink(wt->path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, _("tutor serve: %1$s: %2$s; tutor watch cannot attach\n"), wt->path,
                strerror(errno));
        goto done;
    }
    /* no thread runs yet: the umask is this thread's alone for the bind */
    mode_t old = umask(0177);
    int rc = bind(fd, (struct sockaddr *)&sa, salen);
    int e = errno;
    umask(old);
    if (rc == 0 && listen(fd, WATCH_MAX) == 0 && stat(wt->path, &st) == 0) {
        wt->fd = fd;
        wt->dev = st.st_dev;
        wt->ino = st.st_ino;
    } else {
        if (rc == 0)
            e = errno;
        if (e == EADDRINUSE)
            fprintf(stderr, _("tutor serve: another tutor serve is live on %1$s: tutor watch "
                              "attaches to that one, not to this one\n"), wt->path);
        else
            fprintf(stderr, _("tutor serve: %1$s: %2$s; tutor watch cannot attach\n"), wt->path,
                    strerror(e));
        close(fd);
        if (rc == 0)
            unlink(wt->path);
    }
done:
    if (dirfd >= 0)
        close(dirfd);
}

size_t swatch_poll_fill(const struct serve *sv, struct pollfd *pf)
{
    /* only descriptors in use: poll() refuses more entries than the
     * descriptor limit, however many are -1 */
    const struct serve_watch *wt = &sv->watch;
    size_t n = 0;
    if (wt->fd >= 0 && serve_now_ms() >= wt->paused_until_ms)
        pf[n++] = (struct pollfd){.fd = wt->fd, .events = POLLIN};
    for (size_t i = 0; i < WATCH_MAX && wt->n > 0; i++) {
        const struct watcher *w = &wt->w[i];
        if (w->fd >= 0)
            pf[n++] = (struct pollfd){.fd = w->fd,
                                      .events = (short)(POLLIN | (pending(w) ? POLLOUT : 0))};
    }
    return n;
}

static struct watcher *by_fd(struct serve_watch *wt, int fd)
{
    for (size_t i = 0; i < WATCH_MAX; i++)
        if (wt->w[i].fd == fd)
            return &wt->w[i];
    return NULL;
}

void swatch_polled(struct serve *sv, const struct pollfd *pf, size_t n)
{
    struct serve_watch *wt = &sv->watch;
    bool incoming = false;
    for (size_t i = 0; i < n; i++) {
        short ev = pf[i].revents;
        if (!ev)
            continue;
        if (pf[i].fd == wt->fd) {
            incoming = ev & POLLIN;     /* accepted last: a slot freed now is reused then */
            continue;
        }
        struct watcher *w = by_fd(wt, pf[i].fd);
        if (!w)
            continue;
        if (ev & (POLLERR | POLLHUP | POLLNVAL)) {
            detach(sv, w, NULL);
            continue;
        }
        if (ev & POLLIN) {
            /* a watcher has nothing to say: whatever comes is dropped, and
             * its end is the watcher leaving */
            char b[512];
            ssize_t got = recv(w->fd, b, sizeof b, MSG_DONTWAIT);
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                detach(sv, w, NULL);
                continue;
            }
        }
        if ((ev & POLLOUT) && try_send(w) < 0)
            detach(sv, w, NULL);
    }
    if (incoming && wt->fd >= 0)
        accept_watchers(sv);
}

void swatch_flush(struct serve *sv)
{
    struct serve_watch *wt = &sv->watch;
    for (size_t i = 0; i < WATCH_MAX && wt->n > 0; i++) {
        struct watcher *w = &wt->w[i];
        if (w->fd >= 0 && pending(w) && try_send(w) < 0)
            detach(sv, w, NULL);
    }
}

void swatch_stop(struct serve *sv)
{
    struct serve_watch *wt = &sv->watch;
    if (wt->n > 0) {
        begin(sv, "stop");
        deliver(sv, NULL);
        for (size_t i = 0; i < WATCH_MAX; i++) {
            struct watcher *w = &wt->w[i];
            if (w->fd < 0)
                continue;
            try_send(w);        /* what it takes now; a watcher behind loses the rest */
            close(w->fd);
            free(w->buf);
            *w = (struct watcher){.fd = -1};
        }
        wt->n = 0;
    }
    if (wt->fd >= 0) {
        close(wt->fd);
        wt->fd = -1;
        /* only the file this serve made: another may have replaced it */
        struct stat st;
        if (stat(wt->path, &st) == 0 && st.st_dev == wt->dev && st.st_ino == wt->ino)
            unlink(wt->path);
    }
    free(wt->j.b.p);
    wt->j.b = (struct textbuf){0};
}
