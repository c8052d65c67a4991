/* relay — see relay.h. */
#include "relay.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "mail/bounce.h"
#include "util/i18n.h"
#include "mail/maildir.h"
#include "mx.h"
#include "host/netsim_rt.h"
#include "mail/queue.h"
#include "host/server.h"
#include "host/session.h"
#include "util/textbuf.h"

/* One line of the dialogue log, as it happens. Out of memory is not
 * checked: the log is a view, and the relay goes on. (textbuf's flag is
 * sticky, so the log stops there rather than missing a line.) */
static void log_add(struct textbuf *log, const char *prefix, const char *line)
{
    textbuf_printf(log, "%s%s\n", prefix, line);
}

static void last_path(const struct runtime *rt, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/last-relay.txt", rt->state);
}

char *relay_last_dialogue(const struct runtime *rt)
{
    char p[PATH_MAX];
    last_path(rt, p);
    return fs_read_file(p, NULL);
}

static void log_line(void *ud, bool from_client, const char *line)
{
    log_add(ud, from_client ? " -> " : "<-  ", line);
}

/* What became of one recipient of a queued message. */
enum outcome { OUTCOME_PENDING, OUTCOME_SENT, OUTCOME_DEFERRED, OUTCOME_FAILED };

struct rcpt_state {
    const char *address;        /* borrowed from the queue entry */
    enum outcome outcome;
    char remote[300];           /* "mail.b.example[198.51.100.25]", or "" */
    char why[512];              /* the reply or reason, when not sent */
};

static void settle(struct rcpt_state *r, enum outcome o, const char *remote, const char *why)
{
    r->outcome = o;
    snprintf(r->remote, sizeof r->remote, "%s", remote ? remote : "");
    snprintf(r->why, sizeof r->why, "%s", why ? why : "");
}

/* The client's answer for `rcpt` among its "rcpt code text" lines. */
static bool rcpt_reply(const char *lines, const char *rcpt, int *code, char text[512])
{
    size_t n = strlen(rcpt);
    for (const char *l = lines; *l; ) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        if (len > n && strncmp(l, rcpt, n) == 0 && l[n] == ' ') {
            char *end;
            *code = (int)strtol(l + n + 1, &end, 10);
            int rest = (int)(len - (size_t)(end - l));
            snprintf(text, 512, "%.*s", rest > 0 ? rest - 1 : 0, rest > 0 ? end + 1 : end);
            return true;
        }
        l += len + (nl ? 1 : 0);
    }
    return false;
}

/* The lines a dialogue that carries this message may exchange: the
 * message's own (a long one folded, at worst, every 998 octets) on top of
 * RELAY_LINES_MAX for the commands and replies. Whatever a server
 * accepted, its relay can send. */
static int relay_lines_max(const char *msg, size_t len)
{
    size_t lines = 1;
    for (const char *p = msg; (p = memchr(p, '\n', len - (size_t)(p - msg))); p++)
        lines++;
    size_t max = RELAY_LINES_MAX + lines + len / 998 + 1;
    return max > INT_MAX ? INT_MAX : (int)max;
}

/* One dialogue with `target` for the recipients in `group` (indexes into
 * `rs`), which it settles: 2xx sent, 5xx failed (bounced), anything else
 * deferred, to be tried again. */
static void attempt(struct runtime *rt, const struct world_node *origin,
                    const struct mx_route *route, struct queue_entry *e,
                    struct rcpt_state *rs, const size_t *group, size_t n,
                    const char *msg, size_t len, struct textbuf *log)
{
    char err[RT_ERROR_MAX], a[ADDR_IPV4_STRLEN], remote[300], info[600];
    const struct world_node *target = route->host;
    const struct world_service *smtp = world_service(target, "smtp");
    struct vserver *srv = smtp ? rt_server(rt, target, smtp, err) : NULL;
    struct vserver *cli = srv ? rt_client(rt, origin, "smtp_client.lua", err) : NULL;
    if (!smtp)
        snprintf(err, sizeof err, "connect to %s: Connection refused (no SMTP server)",
                 route->name);
    if (!cli) {
        log_add(log, "*** ", err);
        for (size_t i = 0; i < n; i++)
            settle(&rs[group[i]], OUTCOME_DEFERRED, NULL, err);
        return;
    }
    struct session_endpoint from = {.addr = world_node_addr(origin), .port = 25, .name = origin->hostname};
    struct session_endpoint to = {.addr = route->addr, .port = smtp->port, .name = target->hostname};
    snprintf(remote, sizeof remote, "%s[%s]", route->name, addr_format_ipv4(to.addr, a));
    snprintf(info, sizeof info, _("%1$s relays %2$s to %3$s"), origin->hostname, e->id, remote);
    log_add(log, "=== ", info);

    const char **rcpts = calloc(n + 1, sizeof *rcpts);
    for (size_t i = 0; rcpts && i < n; i++)
        rcpts[i] = rs[group[i]].address;
    struct session_job job = {.id = e->id, .from = e->from, .helo = origin->hostname,
                              .rcpts = rcpts, .n_rcpts = n, .message = msg, .len = len};
    /* Postfix's words when the network does not carry the connection */
    enum net_carry reach = netsim_rt_carry(rt, origin, to.addr, NULL, 60, NULL);
    char unreachable[400];
    snprintf(unreachable, sizeof unreachable, "connect to %s:%d: %s", remote, to.port,
             netsim_rt_failure(reach));
    struct session *server = rcpts && reach == NET_CARRIED ? session_open(srv, &from, &to) : NULL;
    struct session *client = server ? session_open_client(cli, &from, &to, &job) : NULL;
    struct net_show net = {.rt = rt, .client = origin, .server = target, .inner = log_line, .inner_ud = log};
    if (client)
        session_pump(client, server, relay_lines_max(msg, len), netsim_rt_show, &net);

    const char *why = NULL;
    const struct session_result *r = client ? session_result(client) : NULL;
    if (reach != NET_CARRIED)
        why = unreachable;
    else if (!client)
        why = "out of memory";
    else if (session_failed(server))
        why = session_failed(server);
    else if (session_failed(client))
        why = session_failed(client);
    else if (!r->finished)
        why = "the dialogue ended before the client finished";
    if (why)
        log_add(log, "*** ", why);
    for (size_t i = 0; i < n; i++) {
        struct rcpt_state *st = &rs[group[i]];
        int code = 0;
        char text[512];
        if (why) {
            settle(st, OUTCOME_DEFERRED, remote, why);
            continue;
        }
        if (!rcpt_reply(r->rcpts, st->address, &code, text)) {
            code = r->code;
            snprintf(text, sizeof text, "%s", r->text);
        }
        char reply[600];
        snprintf(reply, sizeof reply, "%d %s", code, text);
        settle(st, code / 100 == 2 ? OUTCOME_SENT : code / 100 == 5 ? OUTCOME_FAILED
                                                                     : OUTCOME_DEFERRED,
               remote, reply);
    }
    free(rcpts);
    session_end(client);
    session_end(server);
}

static const char *domain_of(const char *rcpt)
{
    const char *at = strrchr(rcpt, '@');
    return at ? at + 1 : "";
}

/* How long deferred mail is kept, and when its sender is told it is
 * delayed: the sending server's smtp settings "queue_lifetime" and
 * "delay_warning", in seconds of the world's clock, else Postfix's
 * maximal_queue_lifetime (5 days) and the delay_warning_time its
 * documentation suggests (4 hours; 0 turns the warning off). */
static long long queue_setting(const struct world_node *origin, const char *key, long long dflt)
{
    const struct world_service *smtp = world_service(origin, "smtp");
    json_t *v = smtp && smtp->settings ? json_object_get(smtp->settings, key) : NULL;
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (long long)json_integer_value(v) : dflt;
}

/* Sends the sender a delivery status notification for the recipients that
 * failed (or, with `retry_until`, a warning for those still deferred):
 * into the Maildir when the sender is one of this server's users,
 * otherwise queued for relay with the null sender. A bounce is never
 * bounced (RFC 5321 6.1): a failed report with the null sender is dropped. */
static void bounce(struct runtime *rt, const struct world_node *origin, const struct queue_entry *e,
                   const struct rcpt_state *rs, size_t n, const char *msg, size_t len,
                   const char *retry_until, struct textbuf *log, struct relay_stats *st)
{
    char info[600];
    enum outcome which = retry_until ? OUTCOME_DEFERRED : OUTCOME_FAILED;
    if (!e->from[0] && retry_until)
        return;                 /* nobody to warn */
    if (!e->from[0]) {
        snprintf(info, sizeof info, _("%1$s drops undeliverable report %2$s (a bounce is never bounced)"),
                 origin->hostname, e->id);
        log_add(log, "*** ", info);
        return;
    }
    struct bounce_rcpt *br = calloc(n + 1, sizeof *br);
    if (!br)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (rs[i].outcome == which)
            br[k++] = (struct bounce_rcpt){rs[i].address, rs[i].remote[0] ? rs[i].remote : NULL,
                                           rs[i].why};
    char id[16], date[40];
    rt_new_id(rt, id);
    rt_format_date(rt, rt_now(rt), date);
    struct bounce_info bi = {origin->hostname, e->id, id, e->from, date, retry_until,
                             (double)(rt_now(rt) - e->arrival) / 3600.0};
    char *report = bounce_message(&bi, br, k, msg, len);
    free(br);
    if (!report)
        return;
    if (retry_until)
        snprintf(info, sizeof info, _("%1$s tells %2$s that %3$s is delayed: report %4$s"),
                 origin->hostname, e->from, e->id, id);
    else
        snprintf(info, sizeof info, _("%1$s returns %2$s to %3$s: report %4$s"), origin->hostname,
                 e->id, e->from, id);
    log_add(log, "=== ", info);

    char err[FS_ERROR_MAX], dir[PATH_MAX];
    const struct world_user *u = world_user(rt->world, e->from);
    int rc;
    if (u && world_node_serves(origin, u->domain)) {
        /* what local delivery adds: the null sender, and the one hop */
        char *full = NULL;
        size_t flen = 0;
        FILE *f = open_memstream(&full, &flen);
        if (!f) {
            free(report);
            return;
        }
        fprintf(f, "Return-Path: <>\nReceived: by %s (Postfix)\n\tid %s; %s\n%s",
                origin->hostname, id, date, report);
        fclose(f);
        char name[MAILDIR_NAME_MAX];
        rt_mailbox_dir(rt, u->address, dir);
        rt_unique_name(rt, origin->hostname, name);
        rc = full ? maildir_deliver(dir, name, full, flen, err) : -1;
        free(full);
    } else {
        const char *to[] = {e->from};
        rt_queue_dir(rt, origin->name, dir);
        rc = queue_add(dir, id, "", to, 1, report, strlen(report), rt_now(rt), err);
    }
    if (rc < 0)
        log_add(log, "*** ", err);
    else if (!retry_until)
        st->bounced++;
    free(report);
}

static void relay_entry(struct runtime *rt, const struct world_node *origin, const char *dir,
                        struct queue_entry *e, struct textbuf *log, struct relay_stats *st)
{
    char ferr[FS_ERROR_MAX];
    size_t len;
    char *msg = queue_message(dir, e->id, &len, ferr);
    if (!msg) {
        log_add(log, "*** ", ferr);
        return;
    }
    e->attempts++;
    struct rcpt_state *rs = calloc(e->n_rcpts + 1, sizeof *rs);
    size_t *group = calloc(e->n_rcpts + 1, sizeof *group);
    if (!rs || !group) {
        free(rs);
        free(group);
        free(msg);
        return;
    }
    for (size_t i = 0; i < e->n_rcpts; i++)
        rs[i].address = e->rcpts[i];
    /* One dialogue per destination server, with all its recipients. */
    bool delivered = false;
    for (size_t i = 0; i < e->n_rcpts; i++) {
        if (rs[i].outcome != OUTCOME_PENDING)
            continue;
        const char *domain = domain_of(rs[i].address);
        struct mx_route route;
        char why[512];
        enum mx_status found = mx_route(rt, origin, domain, &route, why);
        log_add(log, found == MX_FOUND ? "=== " : "*** ", why);
        size_t n = 0;
        for (size_t k = i; k < e->n_rcpts; k++)
            if (rs[k].outcome == OUTCOME_PENDING && strcasecmp(domain_of(rs[k].address), domain) == 0)
                group[n++] = k;
        if (found != MX_FOUND) {
            /* no such domain bounces; a name server that fails is waited for */
            for (size_t k = 0; k < n; k++)
                settle(&rs[group[k]], found == MX_FAIL ? OUTCOME_FAILED : OUTCOME_DEFERRED, NULL, why);
            continue;
        }
        attempt(rt, origin, &route, e, rs, group, n, msg, len, log);
        for (size_t k = 0; k < n; k++)
            delivered |= rs[group[k]].outcome == OUTCOME_SENT;
    }
    if (delivered)
        st->sent++;

    /* Deferred past the queue's lifetime: given up, and bounced with the
     * last reason (Postfix's maximal_queue_lifetime). */
    long long now = rt_now(rt);
    if (!e->arrival)
        e->arrival = now;
    long long lifetime = queue_setting(origin, "queue_lifetime", RELAY_QUEUE_LIFETIME_S);
    long long warning = queue_setting(origin, "delay_warning", RELAY_DELAY_WARNING_S);
    bool expired = now - e->arrival >= lifetime;
    for (size_t i = 0; expired && i < e->n_rcpts; i++) {
        if (rs[i].outcome != OUTCOME_DEFERRED)
            continue;
        char why[sizeof rs[i].why];
        snprintf(why, sizeof why, "%s (delivery gave up: the message was %.1f days in the queue, "
                 "the most it may stay)", rs[i].why, (double)(now - e->arrival) / 86400.0);
        snprintf(rs[i].why, sizeof rs[i].why, "%s", why);
        rs[i].outcome = OUTCOME_FAILED;
    }

    bool failed = false;
    size_t waiting = 0;
    const char *reason = "";
    for (size_t i = 0; i < e->n_rcpts; i++) {
        failed |= rs[i].outcome == OUTCOME_FAILED;
        if (rs[i].outcome == OUTCOME_DEFERRED) {
            if (!waiting)
                reason = rs[i].why;
            e->rcpts[waiting++] = e->rcpts[i];  /* keeps only those left */
        }
    }
    if (failed)
        bounce(rt, origin, e, rs, e->n_rcpts, msg, len, NULL, log, st);
    if (waiting && !e->warned && warning > 0 && now - e->arrival >= warning) {
        char until[40];
        rt_format_date(rt, e->arrival + lifetime, until);
        bounce(rt, origin, e, rs, e->n_rcpts, msg, len, until, log, st);
        e->warned = true;
    }
    if (waiting) {
        /* the entry keeps only the recipients still to be tried */
        for (size_t i = 0; i < e->n_rcpts; i++)
            if (rs[i].outcome != OUTCOME_DEFERRED)
                free((char *)rs[i].address);
        e->n_rcpts = waiting;
        free(e->last_error);
        e->last_error = strdup(reason);
        free(e->status);
        e->status = strdup("deferred");
        st->deferred++;
        queue_update(dir, e, ferr);
    } else {
        queue_remove(dir, e->id, ferr);
    }
    free(rs);
    free(group);
    free(msg);
}

/* One pass over every node's queue; with `fresh_only`, only entries never
 * tried (bounces queued by an earlier pass). How many were tried, or -1. */
static int relay_pass(struct runtime *rt, bool fresh_only, struct textbuf *log,
                      struct relay_stats *st, char err[RT_ERROR_MAX])
{
    int tried = 0;
    for (size_t i = 0; i < rt->world->n_nodes; i++) {
        const struct world_node *origin = &rt->world->nodes[i];
        char dir[PATH_MAX], ferr[FS_ERROR_MAX];
        rt_queue_dir(rt, origin->name, dir);
        struct queue_entry *es;
        size_t n;
        if (queue_list(dir, &es, &n, ferr) < 0) {
            snprintf(err, RT_ERROR_MAX, "%s", ferr);
            return -1;
        }
        for (size_t k = 0; k < n; k++) {
            if (fresh_only && es[k].attempts > 0)
                continue;
            relay_entry(rt, origin, dir, &es[k], log, st);
            tried++;
        }
        queue_list_free(es, n);
    }
    return tried;
}

int relay_run(struct runtime *rt, struct relay_stats *st, char err[RT_ERROR_MAX])
{
    memset(st, 0, sizeof *st);
    struct textbuf log = {0};
    /* A bounce for a sender on another server is queued during a pass; it
     * goes out in the same run, as a real queue manager sends it at once.
     * Bounces of bounces are dropped, so this ends; the cap is a guard. */
    int rc = 0;
    for (int pass = 0; pass < RELAY_PASSES_MAX; pass++) {
        int bounced = st->bounced;
        rc = relay_pass(rt, pass > 0, &log, st, err);
        if (rc < 0 || st->bounced == bounced)
            break;
    }
    if (log.len) {
        char p[PATH_MAX], ferr[FS_ERROR_MAX];
        last_path(rt, p);
        if (fs_write_atomic(p, log.p, log.len, ferr) < 0)
            rt_notice(rt, "error", "%s", ferr);
    }
    free(log.p);
    return rc < 0 ? -1 : 0;
}
