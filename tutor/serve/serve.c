/*
 * serve — see serve.h. This file reads the options, binds the listeners,
 * and runs the loop: accepting clients within the limits, handing ready
 * sockets to serve_stream.c and serve_dns.c, ending idle sessions, relaying
 * queued mail between the world's servers, and stopping cleanly on a
 * signal.
 */
#define _GNU_SOURCE     /* accept4 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util/i18n.h"
#include "clients/relay.h"
#include "serve_internal.h"
#include "util/term.h"
#include "host/world.h"

/* Idle timeouts: RFC 5321 4.5.3.2.7 (a server waits 5 minutes for a
 * command), RFC 1939 3 (at least 10 minutes), and a DNS client's TCP
 * connection is closed after a short wait (RFC 7766 6.2.3). */
#define SMTP_IDLE_S 300
#define POP3_IDLE_S 600
#define HTTP_IDLE_S 60                  /* Apache's Timeout is 60 s */
#define DNS_TCP_IDLE_S 10
#define MAX_SESSIONS 1000
#define MAX_PER_CLIENT 50           /* Postfix's smtpd_client_connection_count_limit */
#define ACCEPT_BATCH 64
#define ACCEPT_PAUSE_MS 100         /* rest of a listener out of descriptors */
#define RELAY_RETRY_MS 60000        /* deferred mail is tried again a minute later */

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int e = errno;
    unsigned char b = (unsigned char)sig;
    if (write(signal_pipe[1], &b, 1) < 0) {
        /* the pipe is full: a stop is already on its way */
    }
    errno = e;
}

long long serve_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void usage(FILE *f)
{
    fprintf(f, "%s", _("Usage: tutor serve [OPTION]... --smtp ADDR:PORT --pop3 ADDR:PORT --dns ADDR:PORT\n"
                       "Puts the world's virtual servers on real sockets, so that real clients\n"
                       "(telnet, nc, curl, swaks, fetchmail, Thunderbird, dig) talk to the same\n"
                       "Lua scripts as the prompt's telnet and dig. Each listener is optional.\n\n"
                       "  --smtp [HOST=]ADDR:PORT  SMTP, as HOST (default: the student's mail\n"
                       "                           server, mail.a.example in the built-in world)\n"
                       "  --pop3 [HOST=]ADDR:PORT  POP3: every user of the world logs in here,\n"
                       "                           or only HOST's users when HOST= is given\n"
                       "  --dns [HOST=]ADDR:PORT   DNS over UDP and TCP (default: the student's\n"
                       "                           resolver)\n"
                       "  --http [HOST=]ADDR:PORT  HTTP, as HOST (default: the first host with a\n"
                       "                           web server: the nuisance world's free mail)\n"
                       "  ADDR is 127.0.0.1 when left out; [::1] for IPv6; localhost is both\n"
                       "  127.0.0.1 and ::1 (as /etc/hosts has it); port 0 picks a free one\n\n"
                       "  --world FILE             serve this world instead of the built-in one\n"
                       "  --verbose                show every dialogue as it happens\n"
                       "  --log FILE               write every dialogue to FILE, as JSON lines\n"
                       "  --smtp-timeout SECONDS   idle time before an SMTP client is cut off (300)\n"
                       "  --pop3-timeout SECONDS   the same for POP3 (600)\n"
                       "  --max-sessions N         clients at once, of each listener (1000)\n"
                       "  --max-per-client N       clients at once from one address, of each\n"
                       "                           listener (50)\n"
                       "  --reset                  start the world afresh first\n"
                       "  --help                   show this help and exit\n\n"
                       "One line with \"ready\" is printed once every listener is bound.\n"
                       "SIGTERM or SIGINT (Ctrl-C) closes the sessions and exits with 0.\n"
                       "AUTH is offered without TLS: this is a simulation, and passwords travel\n"
                       "in the clear, as the lecture warns.\n"
                       "tutor watch, in another terminal, shows the sessions live (tutor watch --help).\n"));
}

static int positive(const char *opt, const char *v, int max)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 1 || n > max) {
        fprintf(stderr, _("tutor serve: %1$s takes a number from 1 to %2$d, not \"%3$s\"\n"), opt,
                max, v);
        return -1;
    }
    return (int)n;
}

/* The mail server of the student's own domain, as the student's mail
 * client would use it; else the first host with the service. */
static const struct world_node *default_host(const struct world *w, const char *service)
{
    const struct world_node *pc = world_node(w, w->student);
    const char *dot = pc && pc->hostname ? strchr(pc->hostname, '.') : NULL;
    const struct world_node *n = dot ? world_mail_host(w, dot + 1) : NULL;
    if (n && world_service(n, service))
        return n;
    for (size_t i = 0; i < w->n_nodes; i++)
        if (world_service(&w->nodes[i], service))
            return &w->nodes[i];
    return NULL;
}

static const struct world_node *default_resolver(const struct world *w)
{
    const struct world_node *pc = world_node(w, w->student);
    return pc && pc->n_dns ? world_host_by_addr(w, pc->dns[0]) : NULL;
}

/* Finds the host a listener plays and starts its script. 0, or -1 after
 * saying why. */
static int choose_host(struct serve *sv, struct listener *l)
{
    const struct world *w = sv->rt->world;
    const char *svc = l->kind == SERVE_DNS ? "dns" : l->proto;
    if (l->spec.host[0]) {
        l->node = world_find_host(w, l->spec.host);
        if (!l->node) {
            fprintf(stderr, _("tutor serve: --%1$s: the world has no host \"%2$s\"\n"), l->proto,
                    l->spec.host);
            return -1;
        }
    } else {
        l->node = l->kind == SERVE_DNS ? default_resolver(w) : default_host(w, svc);
        if (!l->node) {
            fprintf(stderr, _("tutor serve: --%1$s: no host of this world runs %2$s\n"), l->proto, svc);
            return -1;
        }
    }
    l->svc = l->kind == SERVE_DNS ? world_service_by_port(l->node, 53) : world_service(l->node, svc);
    const char *name = l->node->hostname ? l->node->hostname : l->node->name;
    if (!l->svc) {
        fprintf(stderr, _("tutor serve: --%1$s: %2$s runs no %3$s server\n"), l->proto, name, svc);
        return -1;
    }
    if (l->kind == SERVE_DNS)
        return 0;       /* dns_exchange starts the server on the first query */
    char err[RT_ERROR_MAX];
    l->srv = rt_server(sv->rt, l->node, l->svc, err);
    if (!l->srv) {
        fprintf(stderr, "tutor serve: %s\n", err);
        return -1;
    }
    if (l->kind == SERVE_POP3 && !l->spec.host[0])
        srv_login_anywhere(l->srv);
    return 0;
}

static int bind_one(struct listener *l, int type, struct sockaddr_storage *sa, socklen_t len)
{
    int fd = socket(sa->ss_family, type, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    if (type == SOCK_STREAM)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)sa, len) < 0 || set_nonblocking(fd) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || (type == SOCK_STREAM && listen(fd, 511) < 0)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    (void)l;
    return fd;
}

/* Binds TCP (and UDP for DNS, on the same port). 0, or -1 after saying why. */
static int bind_listener(struct listener *l)
{
    char addr[INET6_ADDRSTRLEN];
    int port;
    sockaddr_describe((struct sockaddr *)&l->spec.sa, addr, &port, l->where);
    l->fd = bind_one(l, SOCK_STREAM, &l->spec.sa, l->spec.sa_len);
    if (l->fd < 0) {
        fprintf(stderr, "tutor serve: --%s %s: %s\n", l->proto, l->where, strerror(errno));
        return -1;
    }
    /* port 0: the system chose one; UDP takes the same */
    struct sockaddr_storage got;
    socklen_t glen = sizeof got;
    getsockname(l->fd, (struct sockaddr *)&got, &glen);
    sockaddr_describe((struct sockaddr *)&got, addr, &port, l->where);
    if (l->kind == SERVE_DNS) {
        l->udp_fd = bind_one(l, SOCK_DGRAM, &got, glen);
        if (l->udp_fd < 0) {
            fprintf(stderr, "tutor serve: --%s %s (UDP): %s\n", l->proto, l->where, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* The ::1 twin of a "localhost" listener l, on the port l got. A machine
 * without IPv6 has only 127.0.0.1, and says nothing of it. 0, or -1 after
 * saying why. */
static int bind_ipv6_loopback(struct serve *sv, const struct listener *l)
{
    struct sockaddr_storage got;
    socklen_t glen = sizeof got;
    if (getsockname(l->fd, (struct sockaddr *)&got, &glen) < 0)
        return 0;
    struct listener *six = &sv->ls[sv->n_ls];
    *six = *l;
    six->fd = six->udp_fd = -1;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&six->spec.sa;
    memset(&six->spec.sa, 0, sizeof six->spec.sa);
    s6->sin6_family = AF_INET6;
    s6->sin6_addr = in6addr_loopback;
    s6->sin6_port = ((struct sockaddr_in *)&got)->sin_port;
    six->spec.sa_len = sizeof *s6;
    six->spec.localhost = false;
    /* is there a ::1 at all? (no IPv6, or none on lo) */
    struct sockaddr_in6 probe = {.sin6_family = AF_INET6, .sin6_addr = in6addr_loopback};
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    bool has_v6 = fd >= 0 && bind(fd, (struct sockaddr *)&probe, sizeof probe) == 0;
    if (fd >= 0)
        close(fd);
    if (!has_v6)
        return 0;
    if (bind_listener(six) < 0)
        return -1;
    sv->n_ls++;
    return 0;
}

/* Room for many clients: the soft limit of open files up to the hard one. */
static void raise_fd_limit(int want)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < (rlim_t)want) {
        r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max > (rlim_t)want ? (rlim_t)want : r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

/* ------------------------------------------------------------------------
 * Clients.
 */
/* The limits are each listener's own: a thousand DNS-over-TCP clients
 * that never finish a query fill the DNS listener, not the SMTP one, and
 * one address's clients of one listener leave its other listeners alone.
 * (O(n) a client accepted; n is at most a few thousand.) */
static void count_clients(const struct serve *sv, const struct listener *l, const char *addr,
                          size_t *on_listener, size_t *from_addr)
{
    *on_listener = *from_addr = 0;
    for (size_t i = 0; i < sv->n_conns; i++) {
        const struct conn *c = sv->conns[i];
        if (c->closed || c->l != l)
            continue;
        (*on_listener)++;
        if (strcmp(c->addr, addr) == 0)
            (*from_addr)++;
    }
}

/* Says why, in the protocol's words, and which limit it was. */
static void refuse(struct serve *sv, struct conn *c, enum stream_notice n)
{
    if (c->l->kind != SERVE_DNS) {
        char why[256];
        stream_notice_text(c, n, why);
        slog_line(sv, c, false, why, strlen(why));
        dprintf(c->fd, "%s\r\n", why);
    }
    slog_event(sv, c, "busy", n == NOTICE_BUSY ? N_("too many clients from this address: refused")
                                                : N_("too many clients of this listener: refused"));
    close(c->fd);
}

static void accept_clients(struct serve *sv, struct listener *l)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        /* non-blocking and close-on-exec from the start: three system
         * calls fewer for every client */
        int fd = accept4(l->fd, (struct sockaddr *)&from, &flen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* the pending client stays in the backlog and the listener
                 * stays readable: rest a while instead of spinning */
                l->paused_until_ms = serve_now_ms() + ACCEPT_PAUSE_MS;
                if (!l->starved)
                    fprintf(stderr, _("tutor serve: %1$s: cannot accept a client (%2$s); new clients wait\n"),
                            l->proto, strerror(errno));
                l->starved = true;
            }
            return;
        }
        l->starved = false;
        struct conn probe = {.fd = fd, .l = l, .id = ++sv->next_conn};
        probe.addr4 = (uint32_t)sockaddr_describe((struct sockaddr *)&from, probe.addr, &probe.port,
                                                  probe.peer);
        size_t on_listener, from_addr;
        count_clients(sv, l, probe.addr, &on_listener, &from_addr);
        if (on_listener >= (size_t)sv->max_sessions || from_addr >= (size_t)sv->max_per_client) {
            refuse(sv, &probe, from_addr >= (size_t)sv->max_per_client ? NOTICE_BUSY : NOTICE_FULL);
            continue;
        }
        struct conn *c = malloc(sizeof *c);
        size_t cap = l->kind == SERVE_DNS ? 512 : SERVE_LINE_BUF;
        char *in = malloc(cap);
        if (sv->n_conns == sv->cap_conns) {
            size_t ncap = sv->cap_conns ? sv->cap_conns * 2 : 64;
            struct conn **grown = realloc(sv->conns, ncap * sizeof *grown);
            if (grown) {
                sv->conns = grown;
                sv->cap_conns = ncap;
            }
        }
        if (!c || !in || sv->n_conns == sv->cap_conns) {
            free(c);
            free(in);
            close(fd);
            continue;
        }
        *c = probe;
        c->in = in;
        c->in_cap = cap;
        c->idle_until_ms = serve_now_ms() + l->idle_s * 1000LL;
        sv->conns[sv->n_conns++] = c;
        if (l->kind != SERVE_DNS)
            stream_open(sv, c);
    }
}

static void conn_readable(struct serve *sv, struct conn *c)
{
    if (c->l->kind == SERVE_DNS)
        dns_tcp_readable(sv, c);
    else
        stream_readable(sv, c);
}

static void conn_flush(struct serve *sv, struct conn *c)
{
    if (c->closed)
        return;
    if (c->l->kind != SERVE_DNS) {
        stream_flush(sv, c);
        stream_resume(sv, c);
        return;
    }
    if (conn_write(c) < 0 || (c->draining && c->out_len == c->out_off))
        dns_tcp_close(c);
}

static void conn_end(struct serve *sv, struct conn *c, const char *event, enum stream_notice n)
{
    if (c->l->kind == SERVE_DNS) {
        dns_tcp_close(c);
        return;
    }
    char why[256];
    stream_notice_text(c, n, why);
    stream_close(sv, c, event, why);
}

static void expire_idle(struct serve *sv, long long now)
{
    for (size_t i = 0; i < sv->n_conns; i++) {
        struct conn *c = sv->conns[i];
        if (!c->closed && now >= c->idle_until_ms)
            conn_end(sv, c, "timeout", NOTICE_TIMEOUT);
    }
}

/* Replies a script held back (s:pause) go out when their time comes. */
static void end_pauses(struct serve *sv, long long now)
{
    for (size_t i = 0; i < sv->n_conns; i++) {
        struct conn *c = sv->conns[i];
        if (!c->closed && c->paused_until_ms && now >= c->paused_until_ms) {
            c->paused_until_ms = 0;
            conn_flush(sv, c);
        }
    }
}

static void free_closed(struct serve *sv)
{
    size_t k = 0;
    for (size_t i = 0; i < sv->n_conns; i++) {
        struct conn *c = sv->conns[i];
        if (c->closed && !c->held) {  /* a batch in flight still names it */
            free(c->in);
            free(c->out);
            free(c);
        } else {
            sv->conns[k++] = c;
        }
    }
    sv->n_conns = k;
}

/* Mail queued for other domains goes on between the world's servers, as
 * the REPL does after each command. */
static void run_relay(struct serve *sv)
{
    struct relay_stats st;
    char err[RT_ERROR_MAX], text[256];
    sv->relay_due = false;
    sv->queued_seen = sv->rt->queued;
    if (relay_run(sv->rt, &st, err) < 0) {
        fprintf(stderr, "tutor serve: %s\n", err);
        return;
    }
    if (st.sent || st.deferred || st.bounced) {
        snprintf(text, sizeof text, _("relay between the world's servers: %1$d sent, %2$d waiting, %3$d returned to the sender"),
                 st.sent, st.deferred, st.bounced);
        slog_info(sv, text);
        if (sv->log.verbose) {
            char *d = relay_last_dialogue(sv->rt);
            if (d) {
                term_lines(stdout, d, strlen(d));
                fflush(stdout);
                free(d);
            }
        }
    }
    if (st.deferred) {
        sv->relay_due = true;
        sv->relay_after_ms = serve_now_ms() + RELAY_RETRY_MS;
    }
}

/* ------------------------------------------------------------------------
 * The loop.
 */
static int poll_timeout(const struct serve *sv, long long now)
{
    long long next = now + 60000;
    for (size_t i = 0; i < sv->n_conns; i++) {
        const struct conn *c = sv->conns[i];
        if (c->idle_until_ms < next)
            next = c->idle_until_ms;
        if (c->paused_until_ms && c->paused_until_ms < next)
            next = c->paused_until_ms;
    }
    if (sv->relay_due && sv->relay_after_ms < next)
        next = sv->relay_after_ms;
    if (sv->watch.paused_until_ms > now && sv->watch.paused_until_ms < next)
        next = sv->watch.paused_until_ms;
    for (size_t i = 0; i < sv->n_ls; i++)
        if (sv->ls[i].paused_until_ms > now && sv->ls[i].paused_until_ms < next)
            next = sv->ls[i].paused_until_ms;
    return next <= now ? 0 : (int)(next - now);
}

static void loop(struct serve *sv)
{
    size_t cap = 0;
    struct pollfd *pf = NULL;
    struct conn **polled = NULL;
    for (;;) {
        size_t need = 1 + 2 * sv->n_ls + 1 + SWATCH_POLLFDS + sv->n_conns;
        if (need > cap) {
            cap = need * 2;
            struct pollfd *p2 = realloc(pf, cap * sizeof *pf);
            struct conn **c2 = p2 ? realloc(polled, cap * sizeof *c2) : NULL;
            if (p2)
                pf = p2;
            if (!c2) {
                fprintf(stderr, "tutor serve: out of memory\n");
                break;
            }
            polled = c2;
        }
        size_t n = 0;
        pf[n++] = (struct pollfd){.fd = signal_pipe[0], .events = POLLIN};
        for (size_t i = 0; i < sv->n_ls; i++) {
            bool paused = sv->ls[i].paused_until_ms > serve_now_ms();
            pf[n++] = (struct pollfd){.fd = sv->ls[i].fd, .events = paused ? 0 : POLLIN};
            pf[n++] = (struct pollfd){.fd = sv->ls[i].udp_fd, .events = POLLIN};
        }
        /* the worker's "stored" byte; a descriptor of -1 is not polled */
        pf[n++] = (struct pollfd){.fd = sync_fd(sv), .events = POLLIN};
        size_t n_fixed = n;
        /* the watchers' socket and the watchers */
        size_t first_watch = n, n_watch = swatch_poll_fill(sv, pf + n);
        n += n_watch;
        size_t first_conn = n;
        for (size_t i = 0; i < sv->n_conns; i++) {
            struct conn *c = sv->conns[i];
            short ev = conn_wants_input(c) && !c->eof ? POLLIN : 0;
            if (c->out_len > c->out_off)
                ev |= POLLOUT;
            polled[n] = c;
            pf[n++] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        long long now = serve_now_ms();
        int rc = poll(pf, n, poll_timeout(sv, now));
        if (rc < 0 && errno != EINTR) {
            fprintf(stderr, "tutor serve: poll: %s\n", strerror(errno));
            break;
        }
        if (rc > 0 && pf[0].revents)
            break;      /* SIGTERM or SIGINT */
        if (rc > 0)
            swatch_polled(sv, pf + first_watch, n_watch);
        for (size_t i = 0; rc > 0 && i < sv->n_ls; i++) {
            if (pf[1 + 2 * i].revents & POLLIN)
                accept_clients(sv, &sv->ls[i]);
            if (pf[2 + 2 * i].revents & POLLIN)
                dns_udp_readable(sv, &sv->ls[i]);
        }
        for (size_t i = first_conn; rc > 0 && i < n; i++) {
            struct conn *c = polled[i];
            if (c->closed)
                continue;
            if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
                conn_readable(sv, c);
            if (pf[i].revents & POLLOUT || (c->draining && !c->closed))
                conn_flush(sv, c);
        }
        if (rc > 0 && sync_fd(sv) >= 0 && pf[n_fixed - 1].revents)
            sync_done(sv);
        sync_turn_end(sv);
        rt_flush_log(sv->rt);
        now = serve_now_ms();
        end_pauses(sv, now);
        expire_idle(sv, now);
        free_closed(sv);
        if (sv->relay_due && now >= sv->relay_after_ms)
            run_relay(sv);
        swatch_flush(sv);
    }
    free(pf);
    free(polled);
}

static void shut_down(struct serve *sv)
{
    /* mail acknowledged is stored, and its replies go out */
    sync_stop(sv);
    for (size_t i = 0; i < sv->n_conns; i++)
        if (!sv->conns[i]->closed)
            conn_end(sv, sv->conns[i], "shutdown", NOTICE_SHUTDOWN);
    free_closed(sv);
    free(sv->conns);
    for (size_t i = 0; i < sv->n_ls; i++) {
        if (sv->ls[i].fd >= 0)
            close(sv->ls[i].fd);
        if (sv->ls[i].udp_fd >= 0)
            close(sv->ls[i].udp_fd);
    }
    /* mail accepted just before the stop still goes on its way */
    if (sv->relay_due)
        run_relay(sv);
    swatch_stop(sv);
}

/* A message of the turn's batch could not be stored: its session is told
 * so instead of the "250" its script gave. */
static void store_failed(void *owner, const char *err, void *ctx)
{
    struct conn *c = owner;
    struct serve *sv = ctx;
    c->store_failed = true;
    fprintf(stderr, _("tutor serve: a message could not be stored: %1$s\n"), err);
    slog_event(sv, c, "error", err);
}

static void on_notice(void *ctx, const char *kind, const char *text)
{
    if (strcmp(kind, "log") == 0)
        rt_append_log(ctx, text);
    else
        fprintf(stderr, "tutor serve: %s\n", text);
}

static int setup_signals(void)
{
    if (pipe(signal_pipe) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        set_nonblocking(signal_pipe[i]);
        fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, NULL);
    return 0;
}

/* The line the caller waits for: every listener bound, and where. */
static void say_ready(const struct serve *sv)
{
    printf("tutor serve: ready:");
    for (size_t i = 0; i < sv->n_ls; i++) {
        const struct listener *l = &sv->ls[i];
        printf("%s %s %s (%s%s)", i ? "," : "", l->proto, l->where,
               l->node->hostname ? l->node->hostname : l->node->name,
               l->kind == SERVE_POP3 && !l->spec.host[0] ? _(", every user of the world") :
               l->kind == SERVE_DNS ? ", UDP+TCP" : "");
    }
    putchar('\n');
    fflush(stdout);
}

const struct option serve_options[] = {
    {"smtp", required_argument, NULL, 's'}, {"pop3", required_argument, NULL, 'p'},
    {"dns", required_argument, NULL, 'd'}, {"http", required_argument, NULL, 'H'},
    {"world", required_argument, NULL, 'w'},
    {"verbose", no_argument, NULL, 'v'}, {"log", required_argument, NULL, 'L'},
    {"smtp-timeout", required_argument, NULL, 'S'}, {"pop3-timeout", required_argument, NULL, 'P'},
    {"max-sessions", required_argument, NULL, 'm'}, {"max-per-client", required_argument, NULL, 'M'},
    {"reset", no_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
    {"lang", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0},
};

int serve_main(const struct serve_env *env, int argc, char **argv)
{
    struct serve sv = {.max_sessions = MAX_SESSIONS, .max_per_client = MAX_PER_CLIENT,
                       .sync = {.done_pipe = {-1, -1}}, .watch = {.fd = -1}};
    const char *world_path = env->world, *log_path = NULL;
    int idle[SERVE_KINDS] = {SMTP_IDLE_S, POP3_IDLE_S, DNS_TCP_IDLE_S, HTTP_IDLE_S};
    bool reset = env->reset;
    struct listen_spec specs[SERVE_KINDS];
    bool given[SERVE_KINDS] = {false, false, false, false};
    static const char *const protos[SERVE_KINDS] = {"smtp", "pop3", "dns", "http"};
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "hv", serve_options, NULL)) != -1) {
        char err[256];
        int k = o == 's' ? SERVE_SMTP : o == 'p' ? SERVE_POP3 : o == 'd' ? SERVE_DNS
              : o == 'H' ? SERVE_HTTP : -1;
        if (k >= 0) {
            if (listen_spec_parse(optarg, &specs[k], err) < 0) {
                fprintf(stderr, "tutor serve: --%s: %s\n", protos[k], err);
                return 2;
            }
            given[k] = true;
            continue;
        }
        switch (o) {
        case 'w': world_path = optarg; break;
        case 'v': sv.log.verbose = true; break;
        case 'L': log_path = optarg; break;
        case 'r': reset = true; break;
        case 'l': break;        /* main has read it */
        case 'h': usage(stdout); return 0;
        case 'S': if ((idle[0] = positive("--smtp-timeout", optarg, 86400)) < 0) return 2; break;
        case 'P': if ((idle[1] = positive("--pop3-timeout", optarg, 86400)) < 0) return 2; break;
        case 'm': if ((sv.max_sessions = positive("--max-sessions", optarg, 100000)) < 0) return 2; break;
        case 'M': if ((sv.max_per_client = positive("--max-per-client", optarg, 100000)) < 0) return 2; break;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, _("tutor serve: unexpected argument \"%1$s\" (see tutor serve --help)\n"),
                argv[optind]);
        return 2;
    }
    if (!given[0] && !given[1] && !given[2] && !given[3]) {
        fprintf(stderr, "%s", _("tutor serve: give at least one of --smtp, --pop3, --dns and --http\n"
                                "  e.g. tutor serve --smtp 127.0.0.1:2525 --pop3 127.0.0.1:1110 --dns 127.0.0.1:5300\n"));
        return 2;
    }

    char err[WORLD_ERROR_MAX];
    struct world *w = world_load(world_path, err);
    if (!w) {
        fprintf(stderr, "tutor serve: %s\n", err);
        return 2;
    }
    struct runtime rt;
    char rterr[RT_ERROR_MAX];
    if (rt_open(&rt, w, env->datadir, env->state_root, rterr) < 0 ||
        (reset && rt_reset(&rt, rterr) < 0)) {
        fprintf(stderr, "tutor serve: %s\n", rterr);
        world_free(w);
        return 2;
    }
    rt.notice = on_notice;
    rt.notice_ctx = &rt;
    /* a class's clock: real seconds from the world's date on, however
     * many lines its clients send */
    rt_follow_real_time(&rt);
    sv.rt = &rt;
    rt.log_held = true;
    sv.batch.failed = store_failed;
    sv.batch.ctx = &sv;
    int status = 2;
    for (int k = 0; k < SERVE_KINDS; k++) {
        if (!given[k])
            continue;
        struct listener *l = &sv.ls[sv.n_ls++];
        *l = (struct listener){.kind = (enum serve_kind)k, .proto = protos[k], .spec = specs[k],
                               .fd = -1, .udp_fd = -1, .idle_s = idle[k]};
        if (choose_host(&sv, l) < 0 || bind_listener(l) < 0)
            goto out;
        if (l->spec.localhost && bind_ipv6_loopback(&sv, l) < 0)
            goto out;
    }
    if (log_path) {
        sv.log.json = fopen(log_path, "a");
        sv.log.json_path = log_path;
        if (sv.log.json && fseek(sv.log.json, 0, SEEK_END) == 0)
            sv.log.json_size = ftell(sv.log.json);
        if (!sv.log.json) {
            fprintf(stderr, "tutor serve: --log %s: %s\n", log_path, strerror(errno));
            goto out;
        }
    }
    raise_fd_limit(sv.max_sessions * (int)sv.n_ls + 64);
    if (setup_signals() < 0) {
        fprintf(stderr, "tutor serve: %s\n", strerror(errno));
        goto out;
    }
    /* before the worker thread: the socket's umask is for this thread alone */
    swatch_listen(&sv, env->state_root);
    sync_start(&sv);
    say_ready(&sv);
    /* mail a stopped or killed server left in its queue goes on now */
    sv.relay_due = true;
    sv.relay_after_ms = 0;
    loop(&sv);
    status = 0;
out:
    shut_down(&sv);
    if (status == 0) {
        printf("tutor serve: stopped\n");
        fflush(stdout);
    }
    if (sv.log.json)
        fclose(sv.log.json);
    rt_close(&rt);
    world_free(w);
    return status;
}
