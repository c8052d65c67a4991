/*
 * server — see server.h. The host API lives here: every function a script
 * can call, each checking its arguments as untrusted input (types, ranges,
 * lengths) before anything reaches the file system.
 */
#include "server.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <md5.h>

#include "dns/dns_cache.h"
#include "dns_client.h"
#include "host_dns.h"
#include "host_maildrop.h"
#include "lua_json.h"
#include "mail/maildir.h"
#include "mail/queue.h"
#include "session.h"

#define SRV_MESSAGE_MAX (64u << 20)     /* deliver/enqueue refuse more */
/* tutor.log lines one callback may write: a loop of them would fill
 * server.log (and rotate the instructor's history away) in half a second */
#define SRV_LOG_LINES_MAX 100
/* What a log call past the cap costs: dropping it is cheap for the host,
 * but a script that keeps calling must run out of its instruction budget
 * in a few thousand calls, long before the wall-clock deadline, so a
 * runaway logger ends the same way on a fast machine and a slow one. */
#define SRV_LOG_DROPPED_COST 1000

struct vserver {
    struct runtime *rt;
    const struct world_node *node;
    const struct world_service *svc;
    struct sandbox *sbx;
    char script[PATH_MAX];
    char *verbs[SRV_VERBS_MAX + 1];
    struct dns_data *dns;               /* zones and hints, for a DNS server */
    struct dns_cache *msg_cache;        /* its answers the script let us keep */
    bool logins_anywhere;               /* srv_login_anywhere() */
    unsigned long log_call;             /* the callback log_lines counts in */
    int log_lines;
};

const struct world_node *srv_node(const struct vserver *srv) { return srv->node; }
const struct world_service *srv_service(const struct vserver *srv) { return srv->svc; }
struct sandbox *srv_sandbox(struct vserver *srv) { return srv->sbx; }
struct runtime *srv_runtime(struct vserver *srv) { return srv->rt; }
const char *const *srv_verbs(const struct vserver *srv) { return (const char *const *)srv->verbs; }
struct vserver *srv_of(lua_State *L) { return sbx_host(L); }
const struct dns_data *srv_dns(const struct vserver *srv) { return srv->dns; }

struct dns_cache *srv_dns_cache(struct vserver *srv)
{
    if (!srv->msg_cache)
        srv->msg_cache = dns_cache_new();
    return srv->msg_cache;
}

const char *srv_script(const struct vserver *srv)
{
    const char *slash = strrchr(srv->script, '/');
    return slash ? slash + 1 : srv->script;
}

/* ------------------------------------------------------------------------
 * The `tutor` table.
 */
static int api_now(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rt_now(srv_of(L)->rt));
    return 1;
}

static int api_date(lua_State *L)
{
    struct runtime *rt = srv_of(L)->rt;
    lua_Integer t = luaL_optinteger(L, 1, (lua_Integer)rt_now(rt));
    /* years 0 to 9999: what a four-digit RFC 5322 date can say */
    luaL_argcheck(L, t >= -62167219200LL && t <= 253402300799LL, 1, "date out of range");
    char buf[40];
    rt_format_date(rt, (long long)t, buf);
    lua_pushstring(L, buf);
    return 1;
}

static int api_new_id(lua_State *L)
{
    char id[16];
    rt_new_id(srv_of(L)->rt, id);
    lua_pushstring(L, id);
    return 1;
}

static void push_user(lua_State *L, const struct world_user *u)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, u->address);
    lua_setfield(L, -2, "address");
    lua_pushstring(L, u->name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, u->localpart);
    lua_setfield(L, -2, "localpart");
    lua_pushstring(L, u->domain);
    lua_setfield(L, -2, "domain");
}

static int api_user(lua_State *L)
{
    const char *a = luaL_checkstring(L, 1);
    const struct world_user *u = world_user(srv_of(L)->rt->world, a);
    if (u)
        push_user(L, u);
    else
        lua_pushnil(L);
    return 1;
}

void srv_login_anywhere(struct vserver *srv)
{
    srv->logins_anywhere = true;
}

bool srv_has_user(const struct vserver *srv, const struct world_user *u)
{
    return srv->logins_anywhere || world_node_serves(srv->node, u->domain);
}

/* `alice` anywhere in the world, when no other domain has an alice. */
static const struct world_user *unique_localpart(const struct world *w, const char *user)
{
    const struct world_user *found = NULL;
    for (size_t i = 0; i < w->n_users; i++) {
        if (strcmp(w->users[i].localpart, user) != 0)
            continue;
        if (found)
            return NULL;
        found = &w->users[i];
    }
    return found;
}

/* `alice@a.example`, or `alice` in one of this node's mail domains: a
 * server logs in its own users only, as a real one does, unless it stands
 * for every domain of the world (srv_login_anywhere). */
static const struct world_user *find_login(struct vserver *srv, const char *user)
{
    const struct world *w = srv->rt->world;
    if (strchr(user, '@')) {
        const struct world_user *u = world_user(w, user);
        return u && srv_has_user(srv, u) ? u : NULL;
    }
    if (srv->logins_anywhere)
        return unique_localpart(w, user);
    for (size_t i = 0; i < srv->node->n_mail_domains; i++) {
        char addr[512];
        snprintf(addr, sizeof addr, "%s@%s", user, srv->node->mail_domains[i]);
        const struct world_user *u = world_user(w, addr);
        if (u)
            return u;
    }
    return NULL;
}

static int api_authenticate(lua_State *L)
{
    size_t ulen, plen;
    const char *user = luaL_checklstring(L, 1, &ulen);
    const char *pass = luaL_checklstring(L, 2, &plen);
    const struct world_user *u = ulen < 256 ? find_login(srv_of(L), user) : NULL;
    /* strlen(pass) == plen refuses a NUL smuggled inside the password */
    if (u && strlen(pass) == plen && strcmp(u->password, pass) == 0)
        lua_pushstring(L, u->address);
    else
        lua_pushnil(L);
    return 1;
}

/* APOP (RFC 1939 7): MD5 of the greeting's timestamp and the password,
 * computed by libmd rather than by hand. */
static int api_apop(lua_State *L)
{
    size_t ulen, tlen, dlen;
    const char *user = luaL_checklstring(L, 1, &ulen);
    const char *stamp = luaL_checklstring(L, 2, &tlen);
    const char *digest = luaL_checklstring(L, 3, &dlen);
    const struct world_user *u = ulen < 256 ? find_login(srv_of(L), user) : NULL;
    char hex[MD5_DIGEST_STRING_LENGTH];
    if (u && dlen == MD5_DIGEST_STRING_LENGTH - 1) {
        MD5_CTX c;
        MD5Init(&c);
        MD5Update(&c, (const unsigned char *)stamp, tlen);
        MD5Update(&c, (const unsigned char *)u->password, strlen(u->password));
        MD5End(&c, hex);
        if (strncasecmp(hex, digest, dlen) == 0) {
            lua_pushstring(L, u->address);
            return 1;
        }
    }
    lua_pushnil(L);
    return 1;
}

static int push_failure(lua_State *L, const char *why)
{
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
}

/* The message of deliver and enqueue: the strings from argument `first`
 * on, joined (a script passes its Received line and the text it read
 * apart, rather than building a second 10 MB string in its state). Sets
 * *joined to a new buffer the caller frees when there is more than one
 * part (NULL otherwise); raises only before allocating. */
static const char *message_parts(lua_State *L, int first, size_t *len, char **joined)
{
    int top = lua_gettop(L);
    *len = 0;
    *joined = NULL;
    luaL_checkstring(L, first);
    for (int i = first; i <= top; i++) {
        size_t n;
        luaL_checklstring(L, i, &n);
        *len += n;
        if (*len > SRV_MESSAGE_MAX)
            return NULL;
    }
    if (top == first)
        return lua_tostring(L, first);
    char *buf = malloc(*len ? *len : 1);
    if (!buf)
        return NULL;
    size_t o = 0;
    for (int i = first; i <= top; i++) {
        size_t n;
        const char *p = lua_tolstring(L, i, &n);
        memcpy(buf + o, p, n);
        o += n;
    }
    *joined = buf;
    return buf;
}

static int api_deliver(lua_State *L)
{
    struct vserver *srv = srv_of(L);
    const char *addr = luaL_checkstring(L, 1);
    const struct world_user *u = world_user(srv->rt->world, addr);
    size_t len;
    char *joined;
    const char *msg = message_parts(L, 2, &len, &joined);
    if (!msg)
        return push_failure(L, len > SRV_MESSAGE_MAX ? "message too large" : "out of memory");
    if (!u) {
        free(joined);
        return push_failure(L, "no such user");
    }
    char dir[PATH_MAX], err[FS_ERROR_MAX], name[MAILDIR_NAME_MAX];
    rt_mailbox_dir(srv->rt, u->address, dir);
    rt_unique_name(srv->rt, srv->node->hostname ? srv->node->hostname : srv->node->name, name);
    int rc = srv->rt->batch ? maildir_batch_add(srv->rt->batch, dir, name, msg, len,
                                                srv->rt->batch_owner, err)
                            : maildir_deliver(dir, name, msg, len, err);
    free(joined);
    if (rc < 0) {
        rt_notice(srv->rt, "error", "%s: delivery to %s failed: %s", srv_script(srv), u->address, err);
        return push_failure(L, err);
    }
    lua_pushboolean(L, 1);
    return 1;
}

static bool id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= QUEUE_ID_MAX)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
            return false;
    return true;
}

static int api_enqueue(lua_State *L)
{
    struct vserver *srv = srv_of(L);
    const char *id = luaL_checkstring(L, 1);
    const char *from = luaL_checkstring(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    luaL_checkstring(L, 4);
    luaL_argcheck(L, id_ok(id), 1, "a queue ID is 1 to 31 letters and digits");
    lua_Integer n = (lua_Integer)lua_rawlen(L, 3);
    luaL_argcheck(L, n >= 1 && n <= QUEUE_RCPTS_MAX, 3, "1 to 1000 recipients");
    /* Strings stay in the table (anchored) while C points at them; the
     * array is a userdata in the state, so an error frees it. */
    const char **rcpts = lua_newuserdatauv(L, (size_t)n * sizeof *rcpts, 0);
    lua_insert(L, 4);                               /* id from rcpts array parts... */
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, 3, i) != LUA_TSTRING)
            return luaL_error(L, "bad argument #3 to 'enqueue' (recipient %d is not a string)", (int)i);
        rcpts[i - 1] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    size_t len;
    char *joined;
    const char *msg = message_parts(L, 5, &len, &joined);
    if (!msg)
        return push_failure(L, len > SRV_MESSAGE_MAX ? "message too large" : "out of memory");
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    rt_queue_dir(srv->rt, srv->node->name, dir);
    int rc = queue_add(dir, id, from, rcpts, (size_t)n, msg, len, rt_now(srv->rt), err);
    free(joined);
    if (rc < 0) {
        rt_notice(srv->rt, "error", "%s: queueing %s failed: %s", srv_script(srv), id, err);
        return push_failure(L, err);
    }
    srv->rt->queued++;
    lua_pushboolean(L, 1);
    return 1;
}

static int api_resolve(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const struct world_node *n = world_host_by_name(srv_of(L)->rt->world, name);
    char a[ADDR_IPV4_STRLEN];
    if (n && world_node_addr(n))
        lua_pushstring(L, addr_format_ipv4(world_node_addr(n), a));
    else
        lua_pushnil(L);
    return 1;
}

/* The name of an address, as a mail server learns it for its Received
 * lines: a PTR lookup through the node's resolver; a world without DNS
 * answers from its host list. */
static int api_ptr(lua_State *L)
{
    struct vserver *srv = srv_of(L);
    const char *s = luaL_checkstring(L, 1);
    uint32_t a;
    if (addr_parse_ipv4(s, &a) < 0) {
        lua_pushnil(L);
        return 1;
    }
    if (a >> 24 == 127) {
        /* the host's own loopback, named by its /etc/hosts (RFC 6761 6.3) */
        lua_pushstring(L, "localhost");
        return 1;
    }
    if (srv->node->n_dns == 0) {
        const struct world_node *n = world_host_by_addr(srv->rt->world, a);
        if (n && n->hostname)
            lua_pushstring(L, n->hostname);
        else
            lua_pushnil(L);
        return 1;
    }
    char rev[64], err[RT_ERROR_MAX], name[256] = "";
    snprintf(rev, sizeof rev, "%u.%u.%u.%u.in-addr.arpa.", a & 0xff, a >> 8 & 0xff,
             a >> 16 & 0xff, a >> 24);
    struct ldns_struct_pkt *r = NULL;
    if (dns_ask(srv->rt, world_node_addr(srv->node), srv->node->dns[0], rev, "PTR", &r, err) ==
        DNS_OK)
        dns_first_name(r, name, sizeof name);
    dns_pkt_free(r);
    if (name[0])
        lua_pushstring(L, name);
    else
        lua_pushnil(L);
    return 1;
}

static int api_log(lua_State *L)
{
    struct vserver *srv = srv_of(L);
    unsigned long call = sbx_call_number(srv->sbx);
    if (srv->log_call != call) {
        srv->log_call = call;
        srv->log_lines = 0;
    }
    if (++srv->log_lines > SRV_LOG_LINES_MAX) {
        sbx_charge(L, SRV_LOG_DROPPED_COST);
        if (srv->log_lines == SRV_LOG_LINES_MAX + 1)
            rt_notice(srv->rt, "log", "%s: more log lines of this call are dropped "
                      "(at most %d a call)", srv_script(srv), SRV_LOG_LINES_MAX);
        return 0;
    }
    luaL_Buffer b;
    int n = lua_gettop(L);
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    /* keep a runaway logger from flooding the screen */
    rt_notice(srv->rt, "log", "%s: %.400s", srv_script(srv), lua_tostring(L, -1));
    return 0;
}

/* ------------------------------------------------------------------------
 * The `server` table, with the service's settings converted from JSON.
 */
static int setup_host_tables(lua_State *L, void *ud)
{
    struct vserver *srv = ud;
    static const luaL_Reg api[] = {
        {"now", api_now}, {"date", api_date}, {"new_id", api_new_id},
        {"user", api_user}, {"authenticate", api_authenticate}, {"apop", api_apop},
        {"maildrop", host_maildrop_open},
        {"lookup", host_dns_lookup}, {"query", host_dns_query}, {"hints", host_dns_hints},
        {"deliver", api_deliver}, {"enqueue", api_enqueue},
        {"resolve", api_resolve}, {"ptr", api_ptr}, {"log", api_log},
        {NULL, NULL},
    };
    luaL_newlib(L, api);
    lua_pushinteger(L, SRV_LINE_CAP);
    lua_setfield(L, -2, "LINE_CAP");
    sbx_set_global(L, "tutor");

    lua_createtable(L, 0, 5);
    lua_pushstring(L, srv->node->hostname ? srv->node->hostname : srv->node->name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, srv->node->name);
    lua_setfield(L, -2, "node");
    lua_pushstring(L, srv->svc ? srv->svc->name : "client");
    lua_setfield(L, -2, "service");
    lua_createtable(L, (int)srv->node->n_mail_domains, 0);
    for (size_t i = 0; i < srv->node->n_mail_domains; i++) {
        lua_pushstring(L, srv->node->mail_domains[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "domains");
    /* the resolvers the host asks, for a script that looks names up as a
     * real server does (sendmail's check of a client's reverse name) */
    lua_createtable(L, (int)srv->node->n_dns, 0);
    for (size_t i = 0; i < srv->node->n_dns; i++) {
        char text[ADDR_IPV4_STRLEN];
        lua_pushstring(L, addr_format_ipv4(srv->node->dns[i], text));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "dns");
    if (srv->svc && srv->svc->settings)
        lua_json_push(L, srv->svc->settings);
    else
        lua_newtable(L);
    lua_setfield(L, -2, "settings");
    sbx_set_global(L, "server");

    /* the world's seed, so two worlds draw differently but each repeats */
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, (lua_Integer)srv->rt->world->seed);
    lua_call(L, 1, 0);
    lua_pop(L, 1);

    session_register(L);
    host_maildrop_register(L);
    host_dns_register(L);
    return 0;
}

/* Copies the script's VERBS (strings only, at most SRV_VERBS_MAX). */
static int collect_verbs(lua_State *L, void *ud)
{
    struct vserver *srv = ud;
    size_t n = 0;
    if (sbx_get_global(L, "VERBS") == LUA_TTABLE) {
        for (lua_Integer i = 1; n < SRV_VERBS_MAX; i++) {
            if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
                lua_pop(L, 1);
                break;
            }
            srv->verbs[n] = strdup(lua_tostring(L, -1));
            if (srv->verbs[n])
                n++;
            lua_pop(L, 1);
        }
    }
    srv->verbs[n] = NULL;
    return 0;
}

struct vserver *srv_new(struct runtime *rt, const struct world_node *node,
                        const struct world_service *svc, const char *client,
                        char err[RT_ERROR_MAX])
{
    struct vserver *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, RT_ERROR_MAX, "out of memory");
        return NULL;
    }
    srv->rt = rt;
    srv->node = node;
    srv->svc = svc;
    rt_script_path(rt, svc ? svc->script : client, srv->script);
    srv->sbx = sbx_new(srv_script(srv), &rt->world->limits);
    if (!srv->sbx) {
        snprintf(err, RT_ERROR_MAX, "out of memory");
        free(srv);
        return NULL;
    }
    sbx_set_host(srv->sbx, srv);
    /* a zone file with a mistake stops the server, naming file and line */
    if (svc && dns_data_load(rt, svc, &srv->dns, err) < 0) {
        srv_free(srv);
        return NULL;
    }
    if (sbx_protect(srv->sbx, setup_host_tables, srv) < 0 ||
        sbx_load_file(srv->sbx, srv->script,
                      svc && strchr(svc->script, '/') ? svc->script : srv_script(srv)) < 0) {
        snprintf(err, RT_ERROR_MAX, "%s", sbx_error(srv->sbx));
        srv_free(srv);
        return NULL;
    }
    if (sbx_protect(srv->sbx, collect_verbs, srv) < 0) {
        snprintf(err, RT_ERROR_MAX, "%s", sbx_error(srv->sbx));
        srv_free(srv);
        return NULL;
    }
    return srv;
}

void srv_free(struct vserver *srv)
{
    if (!srv)
        return;
    for (size_t i = 0; srv->verbs[i]; i++)
        free(srv->verbs[i]);
    sbx_free(srv->sbx);
    dns_data_free(srv->dns);
    dns_cache_free(srv->msg_cache);
    free(srv);
}
