/* mua — see mua.h. */
#include "mua.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/maildir.h"
#include "host/netsim_rt.h"
#include "host/server.h"

#define EPHEMERAL_PORT_BASE 49152

static void current_path(const struct runtime *rt, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/client/current", rt->state);
}

const struct world_user *mua_user(struct runtime *rt)
{
    /* this run's login first: it holds even when it could not be saved */
    if (rt->mua_address[0]) {
        const struct world_user *u = world_user(rt->world, rt->mua_address);
        if (u)
            return u;
    }
    char p[PATH_MAX];
    current_path(rt, p);
    char *text = fs_read_file(p, NULL);
    const struct world_user *u = NULL;
    if (text) {
        text[strcspn(text, "\n")] = '\0';
        u = world_user(rt->world, text);
        free(text);
    }
    /* a user the world no longer has falls back to the first */
    return u ? u : rt->world->n_users ? &rt->world->users[0] : NULL;
}

int mua_login(struct runtime *rt, const struct world_user *u, char err[RT_ERROR_MAX])
{
    char p[PATH_MAX], dir[PATH_MAX], line[300], ferr[FS_ERROR_MAX];
    snprintf(dir, sizeof dir, "%s/client", rt->state);
    current_path(rt, p);
    int n = snprintf(line, sizeof line, "%s\n", u->address);
    snprintf(rt->mua_address, sizeof rt->mua_address, "%s", u->address);
    if (fs_mkdirs(dir, ferr) < 0 || fs_write_atomic(p, line, (size_t)n, ferr) < 0) {
        snprintf(err, RT_ERROR_MAX, "%s", ferr);
        return -1;
    }
    return 0;
}

void mua_folder(const struct runtime *rt, const struct world_user *u, char out[PATH_MAX])
{
    rt_client_dir(rt, u->address, out);
}

int mua_route(struct runtime *rt, const struct world_user *u, const char *what,
              struct mua_route *out, char err[RT_ERROR_MAX])
{
    out->client = world_node(rt->world, rt->world->student);
    out->server = world_mail_host(rt->world, u->domain);
    out->svc = NULL;
    if (out->server && strcmp(what, "send") == 0) {
        /* RFC 6409: clients submit on 587; a server without it takes 25 */
        out->svc = world_service(out->server, "submission");
        if (!out->svc)
            out->svc = world_service(out->server, "smtp");
    } else if (out->server) {
        out->svc = world_service(out->server, "pop3");
    }
    if (!out->server || !out->svc || !out->client) {
        snprintf(err, RT_ERROR_MAX, "%s has no mail server offering %s", u->domain,
                 strcmp(what, "send") == 0 ? "SMTP" : "POP3");
        return -1;
    }
    return 0;
}

/* The mail client's dialogue as it goes: shown (hops, the caller's view),
 * and kept for a lesson's checks as lines the client, not the student,
 * typed. */
struct mua_watch {
    struct net_show net;
    const char *service;
    unsigned session;
};

static void watch(void *ud, bool from_client, const char *line)
{
    struct mua_watch *w = ud;
    transcript_add(w->net.rt->transcript, from_client ? TS_SENT : TS_REPLY, w->session, 0,
                   w->service, w->net.server->hostname, line, strlen(line), "client");
    netsim_rt_show(&w->net, from_client, line);
}

/* Connects the client script to the route's server and lets them talk. */
static int converse(struct runtime *rt, const struct mua_route *route, const char *script,
                    const struct session_job *job, session_show_fn show, void *ud,
                    struct mua_outcome *out)
{
    char err[RT_ERROR_MAX], a[ADDR_IPV4_STRLEN];
    struct vserver *srv = rt_server(rt, route->server, route->svc, err);
    struct vserver *cli = srv ? rt_client(rt, route->client, script, err) : NULL;
    if (!cli) {
        snprintf(out->text, sizeof out->text, "%s", err);
        return -1;
    }
    struct session_endpoint self = {
        .addr = world_node_addr(route->client),
        .port = EPHEMERAL_PORT_BASE + (int)(rt->next_session % 16000),
        .name = route->client->hostname,
    };
    struct session_endpoint to = {.addr = world_node_addr(route->server),
                                  .port = route->svc->port, .name = route->server->hostname};
    enum net_carry reach = netsim_rt_carry(rt, route->client, to.addr, NULL, 60, NULL);
    if (reach != NET_CARRIED) {
        snprintf(out->text, sizeof out->text, "connect to %s[%s]:%d: %s",
                 route->server->hostname ? route->server->hostname : route->server->name,
                 addr_format_ipv4(to.addr, a), to.port, netsim_rt_failure(reach));
        return -1;
    }
    struct session *server = session_open(srv, &self, &to);
    struct session *client = server ? session_open_client(cli, &self, &to, job) : NULL;
    if (!client) {
        session_end(server);
        snprintf(out->text, sizeof out->text, "out of memory");
        return -1;
    }
    struct mua_watch w = {.net = {.rt = rt, .client = route->client, .server = route->server,
                                  .inner = show, .inner_ud = ud},
                          .service = route->svc->name, .session = session_id(server)};
    session_pump(client, server, MUA_LINES_MAX, watch, &w);
    const struct session_result *r = session_result(client);
    if (session_failed(server))
        snprintf(out->text, sizeof out->text, "%s", session_failed(server));
    else if (session_failed(client))
        snprintf(out->text, sizeof out->text, "%s", session_failed(client));
    else if (!r->finished)
        snprintf(out->text, sizeof out->text, "the dialogue ended before the client finished");
    else if (r->code)
        snprintf(out->text, sizeof out->text, "%d %s", r->code, r->text);
    else
        snprintf(out->text, sizeof out->text, "%s", r->text);
    out->ok = !session_failed(server) && !session_failed(client) && r->finished &&
              (strcmp(r->status, "sent") == 0 || strcmp(r->status, "ok") == 0);
    session_end(client);
    session_end(server);
    return 0;
}

int mua_send(struct runtime *rt, const struct world_user *u, const char *const *rcpts,
             size_t n, const char *msg, size_t len, session_show_fn show, void *ud,
             struct mua_outcome *out)
{
    memset(out, 0, sizeof *out);
    struct mua_route route;
    if (mua_route(rt, u, "send", &route, out->text) < 0)
        return -1;
    struct session_job job = {.from = u->address, .helo = route.client->hostname,
                              .rcpts = rcpts, .n_rcpts = n, .message = msg, .len = len,
                              .user = u->address, .password = u->password};
    return converse(rt, &route, "smtp_client.lua", &job, show, ud, out);
}

/* ------------------------------------------------------------------------
 * Fetching: the UIDs the client has are a file of lines beside its folder.
 */
struct fetch {
    struct runtime *rt;
    char folder[PATH_MAX];
    char uidl[PATH_MAX];
    char **uids;
    size_t n_uids;
    size_t stored;
};

static void load_uids(struct fetch *f)
{
    char *text = fs_read_file(f->uidl, NULL);
    if (!text)
        return;
    size_t lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    f->uids = calloc(lines, sizeof *f->uids);
    for (char *line = strtok(text, "\n"); f->uids && line; line = strtok(NULL, "\n"))
        if (f->n_uids < MUA_UIDS_MAX && (f->uids[f->n_uids] = strdup(line)))
            f->n_uids++;
    free(text);
}

static int save_uids(struct fetch *f, char err[SBX_ERROR_MAX])
{
    size_t size = 0;
    char *text = NULL;
    FILE *m = open_memstream(&text, &size);
    if (!m)
        return -1;
    for (size_t i = 0; i < f->n_uids; i++)
        fprintf(m, "%s\n", f->uids[i]);
    fclose(m);
    char ferr[FS_ERROR_MAX];
    int rc = text ? fs_write_atomic(f->uidl, text, size, ferr) : -1;
    if (rc < 0)
        snprintf(err, SBX_ERROR_MAX, "%s", text ? ferr : "out of memory");
    free(text);
    return rc;
}

/* c:store(uid, message) of pop3_client.lua */
static int store(void *ud, const char *uid, const char *msg, size_t len, char err[SBX_ERROR_MAX])
{
    struct fetch *f = ud;
    char name[MAILDIR_NAME_MAX], ferr[FS_ERROR_MAX];
    const struct world_node *pc = world_node(f->rt->world, f->rt->world->student);
    rt_unique_name(f->rt, pc && pc->hostname ? pc->hostname : "client", name);
    if (maildir_deliver(f->folder, name, msg, len, ferr) < 0) {
        snprintf(err, SBX_ERROR_MAX, "%s", ferr);
        return -1;
    }
    f->stored++;
    if (!uid || f->n_uids >= MUA_UIDS_MAX)
        return 0;
    char **v = realloc(f->uids, (f->n_uids + 1) * sizeof *v);
    if (!v || !(v[f->n_uids] = strdup(uid))) {
        if (v)
            f->uids = v;
        snprintf(err, SBX_ERROR_MAX, "out of memory");
        return -1;
    }
    f->uids = v;
    f->n_uids++;
    /* saved at once: a crash later costs a second copy, never a lost one */
    return save_uids(f, err);
}

int mua_fetch(struct runtime *rt, const struct world_user *u, bool delete, session_show_fn show,
              void *ud, struct mua_outcome *out)
{
    memset(out, 0, sizeof *out);
    struct mua_route route;
    if (mua_route(rt, u, "fetch", &route, out->text) < 0)
        return -1;
    struct fetch f = {.rt = rt};
    char ferr[FS_ERROR_MAX];
    mua_folder(rt, u, f.folder);
    snprintf(f.uidl, sizeof f.uidl, "%s/uidl", f.folder);
    if (maildir_create(f.folder, ferr) < 0) {
        snprintf(out->text, sizeof out->text, "%s", ferr);
        return -1;
    }
    load_uids(&f);
    struct session_job job = {.user = u->localpart, .password = u->password, .delete = delete,
                              .known = (const char *const *)f.uids, .n_known = f.n_uids,
                              .store = store, .store_ud = &f};
    int rc = converse(rt, &route, "pop3_client.lua", &job, show, ud, out);
    out->fetched = f.stored;
    for (size_t i = 0; i < f.n_uids; i++)
        free(f.uids[i]);
    free(f.uids);
    return rc;
}
