/*
 * serve_stream — an SMTP or POP3 client on a real socket, joined to a
 * session of the world's script. Lines go through session_input() and
 * replies come from session_pop(), exactly as for the REPL's telnet: a
 * lesson tried in the REPL behaves the same for a real mail client.
 *
 * Lines end in CR LF or a bare LF (nc), and the script is told which: a
 * "." ended by LF alone does not end DATA (session.h). A line longer than the scripts take
 * whole is handed over cut, flagged as such, and the rest of it dropped
 * unread into any buffer, so a client that never sends an end of line
 * costs one line's memory. While a reply waits for a slow reader, the
 * client's next commands stay unread (back-pressure).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_internal.h"
#include "util/i18n.h"

int conn_queue_out(struct conn *c, const void *p, size_t n)
{
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (c->out_len + n > c->out_cap && c->out_off > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap * 2 : 4096;
        while (cap < c->out_len + n)
            cap *= 2;
        char *b = realloc(c->out, cap);
        if (!b)
            return -1;
        c->out = b;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return 0;
}

int conn_write(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
        c->out_off += (size_t)n;
        /* a client reading a long reply is busy, not idle */
        c->idle_until_ms = serve_now_ms() + c->l->idle_s * 1000LL;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

bool conn_wants_input(const struct conn *c)
{
    return !c->draining && !c->closed && !c->paused_until_ms &&
           c->out_len - c->out_off < SERVE_OUT_HIGH;
}

void stream_notice_text(const struct conn *c, enum stream_notice n, char out[256])
{
    const char *host = c->l->node->hostname ? c->l->node->hostname : c->l->node->name;
    if (c->l->kind == SERVE_SMTP) {
        /* Postfix's words where Postfix has them; RFC 5321 3.8's otherwise */
        switch (n) {
        case NOTICE_TIMEOUT: snprintf(out, 256, "421 4.4.2 %s Error: timeout exceeded", host); break;
        case NOTICE_BUSY:
            snprintf(out, 256, "421 4.7.0 %s Error: too many connections from %s", host, c->addr);
            break;
        case NOTICE_FULL:
            snprintf(out, 256, "421 4.3.2 %s Error: too many clients; try again later", host);
            break;
        case NOTICE_SHUTDOWN:
            snprintf(out, 256, "421 4.3.2 %s Service not available, closing transmission channel", host);
            break;
        case NOTICE_SCRIPT_FAILED:
            snprintf(out, 256, "421 4.3.0 %s Error: the server's script failed, closing transmission channel", host);
            break;
        case NOTICE_STORE_FAILED:
            snprintf(out, 256, "421 4.3.0 %s Error: queue file write error, closing transmission channel", host);
            break;
        }
        return;
    }
    if (c->l->kind == SERVE_HTTP) {
        /* a status line and nothing more: a request that is not read gets
         * no header, and the connection's end ends the answer */
        switch (n) {
        case NOTICE_TIMEOUT: snprintf(out, 256, "HTTP/1.0 408 Request Timeout"); break;
        case NOTICE_BUSY:
        case NOTICE_FULL: snprintf(out, 256, "HTTP/1.0 503 Service Unavailable"); break;
        case NOTICE_SHUTDOWN: snprintf(out, 256, "HTTP/1.0 503 Service Unavailable"); break;
        case NOTICE_SCRIPT_FAILED:
        case NOTICE_STORE_FAILED: snprintf(out, 256, "HTTP/1.0 500 Internal Server Error"); break;
        }
        return;
    }
    /* Dovecot's words, with RFC 3206's response codes */
    switch (n) {
    case NOTICE_TIMEOUT: snprintf(out, 256, "-ERR Disconnected for inactivity."); break;
    case NOTICE_BUSY: snprintf(out, 256, "-ERR [SYS/TEMP] Too many connections from %s", c->addr); break;
    case NOTICE_FULL: snprintf(out, 256, "-ERR [SYS/TEMP] Too many clients; try again later."); break;
    case NOTICE_SHUTDOWN: snprintf(out, 256, "-ERR [SYS/TEMP] Server shutting down."); break;
    case NOTICE_SCRIPT_FAILED:
        snprintf(out, 256, "-ERR [SYS/TEMP] Internal error: the server's script failed.");
        break;
    case NOTICE_STORE_FAILED:
        snprintf(out, 256, "-ERR [SYS/TEMP] Internal error: the mailbox could not be written.");
        break;
    }
}

/* Moves the session's waiting lines to the socket's output, as far as the
 * output has room: 1 when none is left, 0 when some wait for room, -1 when
 * out of memory. */
static int take_output(struct serve *sv, struct conn *c)
{
    while (c->out_len - c->out_off < SERVE_OUT_HIGH) {
        char *l = session_pop(c->s);
        if (!l)
            return 1;
        size_t n = strlen(l);
        slog_line(sv, c, false, l, n);
        int rc = conn_queue_out(c, l, n) < 0 || conn_queue_out(c, "\r\n", 2) < 0 ? -1 : 0;
        free(l);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* After the client's end of input: closed once every line it sent is
 * answered and every reply is out. */
static void close_after_eof(struct serve *sv, struct conn *c)
{
    if (c->eof && !c->closed && !c->held && c->out_len == c->out_off &&
        !memchr(c->in, '\n', c->in_len))
        stream_close(sv, c, "gone", NULL);
}

void stream_flush(struct serve *sv, struct conn *c)
{
    if (c->closed || c->held || c->paused_until_ms)
        return;
    int all_out;
    /* a long reply (RETR of a big message) goes out in rounds of
     * SERVE_OUT_HIGH; while the socket takes each round whole there is no
     * POLLOUT to come back on, so go round here */
    while ((all_out = take_output(sv, c)) == 0) {
        if (conn_write(c) < 0) {
            stream_close(sv, c, "gone", NULL);
            return;
        }
        if (c->out_len > c->out_off)
            break;
    }
    if (all_out < 0) {
        stream_close(sv, c, "error", NULL);
        return;
    }
    if (all_out && session_failed(c->s) && !c->draining) {
        slog_event(sv, c, "error", session_failed(c->s));
        char why[256];
        stream_notice_text(c, NOTICE_SCRIPT_FAILED, why);
        slog_line(sv, c, false, why, strlen(why));
        if (conn_queue_out(c, why, strlen(why)) < 0 || conn_queue_out(c, "\r\n", 2) < 0) {
            stream_close(sv, c, "error", NULL);
            return;
        }
        c->draining = true;
    } else if (all_out && session_over(c->s)) {
        c->draining = true;
    }
    if (conn_write(c) < 0) {
        stream_close(sv, c, "gone", NULL);
        return;
    }
    /* the session is over once its last line has gone out */
    if (c->draining && c->out_len == c->out_off)
        stream_close(sv, c, "close", NULL);
    else
        close_after_eof(sv, c);
}

void stream_open(struct serve *sv, struct conn *c)
{
    struct listener *l = c->l;
    struct session_endpoint client = {.addr = c->addr4, .port = c->port, .addr_text = c->addr,
                                      .socket = true};
    struct session_endpoint server = {.addr = world_node_addr(l->node), .port = l->svc->port,
                                      .name = l->node->hostname};
    c->s = session_open(l->srv, &client, &server);
    if (!c->s) {
        stream_close(sv, c, "error", NULL);
        return;
    }
    slog_open(sv, c, l->node->hostname ? l->node->hostname : l->node->name, srv_script(l->srv));
    stream_flush(sv, c);
}

static void feed(struct serve *sv, struct conn *c, const char *line, size_t len, bool bare_lf)
{
    slog_line(sv, c, true, line, len);
    /* the script's deliveries join the turn's batch, its replies wait */
    size_t waiting = sv->batch.n;
    unsigned long queued = sv->rt->queued;
    sv->rt->batch = &sv->batch;
    sv->rt->batch_owner = c;
    session_input_line(c->s, line, len, bare_lf);
    sv->rt->batch = NULL;
    if (sv->batch.n != waiting) {
        c->held = true;
        c->held_gen = sv->batch_gen;
        /* a full batch commits itself (MAILDIR_BATCH_MAX) in the middle of
         * a line at most once: a message has fewer recipients */
        c->delivered += sv->batch.n > waiting ? sv->batch.n - waiting
                                              : sv->batch.n + MAILDIR_BATCH_MAX - waiting;
    }
    slog_state(sv, c);
    if (sv->rt->queued != queued)      /* a relay queue's file is durable at once */
        slog_stored(sv, c, sv->rt->queued - queued, "queue");
    int pause = session_take_pause(c->s);
    if (pause > 0)
        c->paused_until_ms = serve_now_ms() + pause;
    if (sv->rt->queued != sv->queued_seen && !sv->relay_due) {
        /* mail was queued: relay it soon, in one run for many */
        sv->relay_due = true;
        sv->relay_after_ms = serve_now_ms() + 1000;
    }
    stream_flush(sv, c);
}

/* Hands over every whole line that waits, as long as the replies find room. */
static void take_lines(struct serve *sv, struct conn *c)
{
    size_t start = 0;
    while (!c->closed && conn_wants_input(c)) {
        char *p = c->in + start;
        char *nl = memchr(p, '\n', c->in_len - start);
        if (!nl) {
            if (start == 0 && c->in_len == c->in_cap) {
                /* a line too long: the scripts see it cut, the rest is dropped */
                if (!c->skipping)
                    feed(sv, c, c->in, SRV_LINE_CAP + 1, false);
                c->skipping = true;
                c->in_len = 0;
            }
            break;
        }
        size_t len = (size_t)(nl - p);
        start += len + 1;
        if (c->skipping) {
            c->skipping = false;
            continue;
        }
        /* only a whole line is activity: a client that sends a byte now
         * and then is idle all the same (Postfix's smtpd_timeout is for
         * the line, not each byte) */
        c->idle_until_ms = serve_now_ms() + c->l->idle_s * 1000LL;
        bool bare_lf = !(len > 0 && p[len - 1] == '\r');
        if (!bare_lf)
            len--;
        feed(sv, c, p, len, bare_lf);
    }
    if (c->closed)
        return;
    if (start > 0) {
        memmove(c->in, c->in + start, c->in_len - start);
        c->in_len -= start;
    }
}

void stream_release(struct serve *sv, unsigned gen)
{
    for (size_t i = 0; i < sv->n_conns; i++) {
        struct conn *c = sv->conns[i];
        if (!c->held || c->held_gen != gen)
            continue;
        c->held = false;
        if (c->delivered && !c->store_failed)
            slog_stored(sv, c, c->delivered, "mailbox");
        c->delivered = 0;
        if (c->closed)
            continue;
        if (c->store_failed) {
            /* the replies acknowledge mail that is not there: none goes */
            for (char *l; (l = session_pop(c->s)); )
                free(l);
            char why[256];
            stream_notice_text(c, NOTICE_STORE_FAILED, why);
            stream_close(sv, c, "error", why);
            continue;
        }
        stream_flush(sv, c);
        stream_resume(sv, c);
    }
}

void stream_resume(struct serve *sv, struct conn *c)
{
    if (!c->closed && c->in_len > 0 && conn_wants_input(c))
        take_lines(sv, c);
}

void stream_readable(struct serve *sv, struct conn *c)
{
    if (c->eof) {
        /* not read since its end: here on POLLHUP or POLLERR, the client
         * is gone both ways and no reply can reach it */
        stream_close(sv, c, "gone", NULL);
        return;
    }
    if (c->in_len < c->in_cap) {
        ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n == 0) {
            /* maybe a half-close after pipelining: the client has said all
             * it will, and still reads the replies */
            c->eof = true;
            take_lines(sv, c);
            close_after_eof(sv, c);
            return;
        }
        if ((n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            stream_close(sv, c, "gone", NULL);
            return;
        }
        if (n < 0)
            return;
        c->in_len += (size_t)n;
    }
    take_lines(sv, c);
}

void stream_close(struct serve *sv, struct conn *c, const char *event, const char *why)
{
    if (c->closed)
        return;
    if (why) {
        slog_line(sv, c, false, why, strlen(why));
        if (conn_queue_out(c, why, strlen(why)) == 0 && conn_queue_out(c, "\r\n", 2) == 0)
            conn_write(c);
    }
    static const struct {
        const char *event, *text;
    } says[] = {
        /* English in the log; the instructor's language on the screens */
        {"close", N_("closed")},
        {"gone", N_("the client went away")},
        {"timeout", N_("idle too long: closed")},
        {"shutdown", N_("the server is stopping: closed")},
        {"error", N_("closed after an error")},
    };
    const char *text = event;
    for (size_t i = 0; i < sizeof says / sizeof says[0]; i++)
        if (strcmp(says[i].event, event) == 0)
            text = says[i].text;
    slog_close(sv, c, event, text);
    if (c->s) {
        session_end(c->s);
        c->s = NULL;
    }
    close(c->fd);
    c->fd = -1;
    c->closed = true;
    if (sv->rt->queued != sv->queued_seen) {
        /* a client that queued mail and said QUIT may look for it next:
         * relay now */
        sv->relay_due = true;
        sv->relay_after_ms = 0;
    }
}
