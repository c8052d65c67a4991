/* relay — see relay.h. */
#include "relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "queue.h"
#include "server.h"
#include "session.h"

/* A growing text: the dialogue as it happens. */
struct text {
    char *s;
    size_t len, cap;
};

static void text_add(struct text *t, const char *prefix, const char *line)
{
    size_t need = strlen(prefix) + strlen(line) + 2;
    if (t->len + need >= t->cap) {
        size_t cap = (t->cap + need) * 2;
        char *s = realloc(t->s, cap);
        if (!s)
            return;         /* the dialogue log is a view; the relay goes on */
        t->s = s;
        t->cap = cap;
    }
    t->len += (size_t)snprintf(t->s + t->len, t->cap - t->len, "%s%s\n", prefix, line);
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

/* Passes lines between the two ends until the client finishes, either end
 * closes or fails, or nothing more is said. */
static void pump(struct session *cli, struct session *srv, struct text *log)
{
    for (int lines = 0; lines < RELAY_LINES_MAX; ) {
        bool moved = false;
        char *l;
        while ((l = session_pop(srv)) && lines++ < RELAY_LINES_MAX) {
            text_add(log, "<-  ", l);
            moved = true;
            if (!session_over(cli))
                session_input(cli, l, strlen(l));
            free(l);
        }
        free(l);
        while ((l = session_pop(cli)) && lines++ < RELAY_LINES_MAX) {
            text_add(log, " -> ", l);
            moved = true;
            if (!session_over(srv))
                session_input(srv, l, strlen(l));
            free(l);
        }
        free(l);
        if (!moved || session_over(cli))
            break;
    }
    /* the server's last words (221 after QUIT) belong in the log too */
    char *l;
    while ((l = session_pop(srv))) {
        text_add(log, "<-  ", l);
        free(l);
    }
}

/* One attempt for the recipients of `e` that `target` serves. */
static void attempt(struct runtime *rt, const struct world_node *origin,
                    const struct world_node *target, struct queue_entry *e,
                    const char *const *rcpts, size_t n, const char *msg, size_t len,
                    struct text *log, struct relay_stats *st)
{
    char err[RT_ERROR_MAX], a[ADDR_IPV4_STRLEN];
    const struct world_service *smtp = world_service(target, "smtp");
    struct vserver *srv = smtp ? rt_server(rt, target, smtp, err) : NULL;
    struct vserver *cli = srv ? rt_server(rt, origin, NULL, err) : NULL;
    if (!smtp)
        snprintf(err, sizeof err, "%s runs no SMTP server", target->hostname);
    if (!cli) {
        text_add(log, "*** ", err);
        free(e->last_error);
        e->last_error = strdup(err);
        free(e->status);
        e->status = strdup("deferred");
        st->deferred++;
        return;
    }
    struct session_endpoint from = {world_node_addr(origin), 25, origin->hostname};
    struct session_endpoint to = {world_node_addr(target), smtp->port, target->hostname};
    char info[512];
    snprintf(info, sizeof info, "%s relays %s to %s [%s]", origin->hostname, e->id,
             target->hostname, addr_format_ipv4(to.addr, a));
    text_add(log, "=== ", info);

    struct session_job job = {e->id, e->from, origin->hostname, rcpts, n, msg, len};
    struct session *server = session_open(srv, &from, &to);
    struct session *client = server ? session_open_client(cli, &from, &to, &job) : NULL;
    if (client)
        pump(client, server, log);

    const char *why = NULL;
    const struct session_result *r = client ? session_result(client) : NULL;
    if (!client)
        why = "out of memory";
    else if (session_failed(server))
        why = session_failed(server);
    else if (session_failed(client))
        why = session_failed(client);
    else if (!r->finished)
        why = "the dialogue ended before the client finished";
    if (why)
        text_add(log, "*** ", why);

    free(e->last_error);
    if (!why && strcmp(r->status, "sent") == 0) {
        e->last_error = strdup("");
        st->sent++;
    } else if (!why && strcmp(r->status, "failed") == 0) {
        snprintf(info, sizeof info, "%d %s", r->code, r->text);
        e->last_error = strdup(info);
        free(e->status);
        e->status = strdup("failed");
        st->failed++;
    } else {
        if (!why)
            snprintf(info, sizeof info, "%d %s", r->code, r->text);
        e->last_error = strdup(why ? why : info);
        free(e->status);
        e->status = strdup("deferred");
        st->deferred++;
    }
    session_end(client);
    session_end(server);
}

static const char *domain_of(const char *rcpt)
{
    const char *at = strrchr(rcpt, '@');
    return at ? at + 1 : "";
}

static void relay_entry(struct runtime *rt, const struct world_node *origin, const char *dir,
                        struct queue_entry *e, struct text *log, struct relay_stats *st)
{
    char ferr[FS_ERROR_MAX];
    size_t len;
    char *msg = queue_message(dir, e->id, &len, ferr);
    if (!msg) {
        text_add(log, "*** ", ferr);
        return;
    }
    e->attempts++;
    int sent_before = st->sent;
    int targets = 0;
    /* One dialogue per destination server, with all its recipients. */
    bool *done = calloc(e->n_rcpts + 1, sizeof *done);
    const char **group = calloc(e->n_rcpts + 1, sizeof *group);
    for (size_t i = 0; done && group && i < e->n_rcpts; i++) {
        if (done[i])
            continue;
        const struct world_node *target = world_mail_host(rt->world, domain_of(e->rcpts[i]));
        size_t n = 0;
        for (size_t k = i; k < e->n_rcpts; k++) {
            if (!done[k] && world_mail_host(rt->world, domain_of(e->rcpts[k])) == target) {
                group[n++] = e->rcpts[k];
                done[k] = true;
            }
        }
        targets++;
        if (!target) {
            char why[512];
            snprintf(why, sizeof why, "no mail server for %s", domain_of(e->rcpts[i]));
            text_add(log, "*** ", why);
            free(e->last_error);
            e->last_error = strdup(why);
            free(e->status);
            e->status = strdup("failed");
            st->failed++;
            continue;
        }
        attempt(rt, origin, target, e, group, n, msg, len, log, st);
    }
    free(done);
    free(group);
    free(msg);
    if (st->sent - sent_before == targets)
        queue_remove(dir, e->id, ferr);
    else
        queue_update(dir, e, ferr);
}

int relay_run(struct runtime *rt, struct relay_stats *st, char err[RT_ERROR_MAX])
{
    memset(st, 0, sizeof *st);
    struct text log = {0};
    for (size_t i = 0; i < rt->world->n_nodes; i++) {
        const struct world_node *origin = &rt->world->nodes[i];
        char dir[PATH_MAX], ferr[FS_ERROR_MAX];
        rt_queue_dir(rt, origin->name, dir);
        struct queue_entry *es;
        size_t n;
        if (queue_list(dir, &es, &n, ferr) < 0) {
            snprintf(err, RT_ERROR_MAX, "%s", ferr);
            free(log.s);
            return -1;
        }
        for (size_t k = 0; k < n; k++)
            /* failed entries wait for a person (or, later, a bounce) */
            if (strcmp(es[k].status, "failed") != 0)
                relay_entry(rt, origin, dir, &es[k], &log, st);
        queue_list_free(es, n);
    }
    if (log.len) {
        char p[PATH_MAX], ferr[FS_ERROR_MAX];
        last_path(rt, p);
        if (fs_write_atomic(p, log.s, log.len, ferr) < 0)
            rt_notice(rt, "error", "%s", ferr);
    }
    free(log.s);
    return 0;
}
