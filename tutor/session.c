/*
 * session — see session.h.
 *
 * In Lua a session is a full userdata holding only a pointer back to the C
 * session (cleared when the session ends, so a script that kept `s` in a
 * global gets "session is over", not a dangling pointer) and a user value:
 * the table of its fields (id, client, server, data). Its metatable is
 * locked; writes to fields raise.
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "server.h"

#define SESSION_TYPE "tutor.session"

struct session {
    unsigned id;
    struct vserver *srv;
    int ref;                    /* registry ref of the userdata */
    bool is_client;
    bool close_requested;
    bool failed;
    char error[SBX_ERROR_MAX];
    /* output lines, FIFO */
    char **out;
    size_t head, tail, cap, out_bytes;
    struct session_result result;
    session_store_fn store;
    void *store_ud;
};

struct session_ud {
    struct session *s;
};

unsigned session_id(const struct session *s) { return s->id; }
struct vserver *session_server(struct session *s) { return s->srv; }
bool session_over(const struct session *s) { return s->close_requested || s->failed || s->result.finished; }
const char *session_failed(const struct session *s) { return s->failed ? s->error : NULL; }
const struct session_result *session_result(const struct session *s) { return &s->result; }

const char *session_state(struct session *s, char out[32])
{
    out[0] = '\0';
    if (s->ref == LUA_NOREF || s->ref == LUA_REFNIL)
        return out;
    /* raw reads only: nothing of the script runs here */
    lua_State *L = sbx_state(srv_sandbox(s->srv));
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref);
    if (lua_getiuservalue(L, -1, 1) == LUA_TTABLE) {
        lua_pushliteral(L, "data");
        if (lua_rawget(L, -2) == LUA_TTABLE) {
            lua_pushliteral(L, "state");
            if (lua_rawget(L, -2) == LUA_TSTRING)
                snprintf(out, 32, "%s", lua_tostring(L, -1));
        }
    }
    lua_settop(L, top);
    return out;
}

/* ------------------------------------------------------------------------
 * Output queue.
 */
static int queue_line(lua_State *L, struct session *s, const char *text, size_t len)
{
    if (s->out_bytes + len > SESSION_OUTPUT_MAX)
        return luaL_error(L, "too much output waiting (over %d bytes)", (int)SESSION_OUTPUT_MAX);
    if (s->tail == s->cap) {
        /* compact before growing */
        if (s->head > 0) {
            memmove(s->out, s->out + s->head, (s->tail - s->head) * sizeof *s->out);
            s->tail -= s->head;
            s->head = 0;
        }
        if (s->tail == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            char **o = realloc(s->out, cap * sizeof *o);
            if (!o)
                return luaL_error(L, "not enough memory");
            s->out = o;
            s->cap = cap;
        }
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return luaL_error(L, "not enough memory");
    memcpy(copy, text, len);
    copy[len] = '\0';
    s->out[s->tail++] = copy;
    s->out_bytes += len;
    return 0;
}

char *session_pop(struct session *s)
{
    if (s->head == s->tail)
        return NULL;
    char *line = s->out[s->head++];
    s->out_bytes -= strlen(line);
    return line;
}

/* ------------------------------------------------------------------------
 * Methods.
 */
static struct session *check_session(lua_State *L)
{
    struct session_ud *ud = luaL_checkudata(L, 1, SESSION_TYPE);
    if (!ud->s)
        luaL_error(L, "session is over");
    return ud->s;
}

static const char *check_line(lua_State *L, int arg, size_t *len)
{
    const char *t = luaL_checklstring(L, arg, len);
    if (*len > SESSION_SEND_MAX)
        luaL_error(L, "line too long to send (%d bytes, at most %d)", (int)*len, SESSION_SEND_MAX);
    if (memchr(t, '\r', *len) || memchr(t, '\n', *len))
        luaL_error(L, "a line to send may not hold CR or LF; send each line by itself");
    return t;
}

static int m_send(lua_State *L)
{
    struct session *s = check_session(L);
    size_t len;
    const char *t = check_line(L, 2, &len);
    return queue_line(L, s, t, len);
}

static int m_reply(lua_State *L)
{
    struct session *s = check_session(L);
    lua_Integer code = luaL_checkinteger(L, 2);
    luaL_argcheck(L, code >= 200 && code <= 599, 2, "reply codes are 200 to 599");
    if (lua_type(L, 3) == LUA_TSTRING) {
        size_t len;
        const char *t = check_line(L, 3, &len);
        lua_pushfstring(L, "%d %s", (int)code, t);
        return queue_line(L, s, lua_tostring(L, -1), lua_rawlen(L, -1));
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 3);
    luaL_argcheck(L, n >= 1 && n <= SESSION_REPLY_LINES_MAX, 3, "a reply has 1 to 1000 lines");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 3, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "bad argument #3 to 'reply' (line %d is not a string)", (int)i);
        size_t len;
        const char *t = check_line(L, -1, &len);
        /* RFC 5321 4.2.1: "250-" on every line but the last */
        lua_pushfstring(L, "%d%c%s", (int)code, i < n ? '-' : ' ', t);
        queue_line(L, s, lua_tostring(L, -1), lua_rawlen(L, -1));
        lua_pop(L, 2);
    }
    return 0;
}

static int m_close(lua_State *L)
{
    check_session(L)->close_requested = true;
    return 0;
}

static void copy_field(lua_State *L, int t, const char *key, char *dst, size_t n)
{
    if (lua_getfield(L, t, key) == LUA_TSTRING)
        snprintf(dst, n, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
}

static int m_finish(lua_State *L)
{
    struct session *s = check_session(L);
    if (!s->is_client)
        return luaL_error(L, "finish is for client scripts; a server uses close");
    luaL_checktype(L, 2, LUA_TTABLE);
    struct session_result *r = &s->result;
    copy_field(L, 2, "status", r->status, sizeof r->status);
    if (strcmp(r->status, "sent") && strcmp(r->status, "deferred") && strcmp(r->status, "failed") &&
        strcmp(r->status, "ok"))
        return luaL_error(L, "finish: status must be \"sent\", \"deferred\", \"failed\" or \"ok\"");
    lua_getfield(L, 2, "code");
    r->code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    copy_field(L, 2, "text", r->text, sizeof r->text);
    if (lua_getfield(L, 2, "rcpts") == LUA_TTABLE) {
        size_t used = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) == LUA_TSTRING && lua_istable(L, -1)) {
                lua_getfield(L, -1, "code");
                lua_getfield(L, -2, "text");
                int n = snprintf(r->rcpts + used, sizeof r->rcpts - used, "%s %d %s\n",
                                 lua_tostring(L, -4), (int)lua_tointeger(L, -2),
                                 lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
                if (n > 0 && used + (size_t)n < sizeof r->rcpts)
                    used += (size_t)n;
                lua_pop(L, 2);
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    r->finished = true;
    return 0;
}

static int m_store(lua_State *L)
{
    struct session *s = check_session(L);
    if (!s->is_client)
        return luaL_error(L, "store is for client scripts");
    const char *uid = luaL_optstring(L, 2, NULL);
    size_t len;
    const char *msg = luaL_checklstring(L, 3, &len);
    char err[SBX_ERROR_MAX] = "this client has nowhere to store mail";
    if (!s->store || s->store(s->store_ud, uid, msg, len, err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

int session_object_index(lua_State *L)
{
    /* methods first, from the metatable's method table */
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "methods");
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL)
        return 1;
    lua_pop(L, 3);
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int session_newindex(lua_State *L)
{
    return luaL_error(L, "session fields are read-only (keep your own values in s.data)");
}

void session_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"send", m_send}, {"reply", m_reply}, {"close", m_close}, {"finish", m_finish},
        {"store", m_store},
        {NULL, NULL},
    };
    luaL_newmetatable(L, SESSION_TYPE);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "methods");
    lua_pushcfunction(L, session_object_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, session_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* ------------------------------------------------------------------------
 * Creating sessions and calling their scripts.
 */
void session_push_endpoint(lua_State *L, const struct session_endpoint *e)
{
    char a[ADDR_IPV4_STRLEN];
    lua_createtable(L, 0, 4);
    lua_pushstring(L, e->addr_text ? e->addr_text : addr_format_ipv4(e->addr, a));
    lua_setfield(L, -2, "addr");
    lua_pushinteger(L, e->port);
    lua_setfield(L, -2, "port");
    if (e->name) {
        lua_pushstring(L, e->name);
        lua_setfield(L, -2, "name");
    }
    if (e->socket) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "socket");
    }
}

struct open_args {
    struct session *s;
    const struct session_endpoint *client, *server;
    const struct session_job *job;
};

/* Makes the userdata, anchors it in the registry, pushes it (and the job
 * for a client). Runs protected. */
static int push_new_session(lua_State *L, void *ud)
{
    struct open_args *a = ud;
    /* user values: 1 the fields, 2 the objects it owns (session_adopt) */
    struct session_ud *u = lua_newuserdatauv(L, sizeof *u, 2);
    u->s = NULL;
    luaL_setmetatable(L, SESSION_TYPE);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, a->s->id);
    lua_setfield(L, -2, "id");
    session_push_endpoint(L, a->client);
    lua_setfield(L, -2, "client");
    session_push_endpoint(L, a->server);
    lua_setfield(L, -2, "server");
    lua_newtable(L);
    lua_setfield(L, -2, "data");
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    a->s->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    u->s = a->s;            /* only now: everything that could fail is done */
    return 1;
}

static void set_string(lua_State *L, const char *key, const char *value)
{
    if (value) {
        lua_pushstring(L, value);
        lua_setfield(L, -2, key);
    }
}

static void set_list(lua_State *L, const char *key, const char *const *v, size_t n)
{
    luaL_checkstack(L, 2, "job");
    lua_createtable(L, n > 100000 ? 0 : (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, v[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, key);
}

static void push_job(lua_State *L, const struct session_job *j)
{
    lua_createtable(L, 0, 9);
    set_string(L, "id", j->id);
    set_string(L, "from", j->from);
    set_string(L, "helo", j->helo);
    set_string(L, "user", j->user);
    set_string(L, "password", j->password);
    if (j->message) {
        lua_pushlstring(L, j->message, j->len);
        lua_setfield(L, -2, "message");
    }
    set_list(L, "rcpts", j->rcpts, j->n_rcpts);
    set_list(L, "known", j->known, j->n_known);
    lua_pushboolean(L, j->delete);
    lua_setfield(L, -2, "delete");
}

static int push_session(lua_State *L, void *ud)
{
    struct session *s = ud;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref);
    return 1;
}

struct line_args {
    struct session *s;
    const char *line;
    size_t len;
    bool cut;
};

static int push_line(lua_State *L, void *ud)
{
    struct line_args *a = ud;
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->s->ref);
    lua_pushlstring(L, a->line, a->len);
    lua_pushboolean(L, a->cut);
    return 3;
}

static void session_fail(struct session *s)
{
    s->failed = true;
    snprintf(s->error, sizeof s->error, "%s", sbx_error(srv_sandbox(s->srv)));
}

static struct session *session_alloc(struct vserver *srv, bool is_client)
{
    struct session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->srv = srv;
    s->is_client = is_client;
    s->ref = LUA_NOREF;
    s->id = ++srv_runtime(srv)->next_session;
    return s;
}

/* Makes the session object first (protected, no script code runs), then
 * calls the script's `callback` with what `push` pushes. */
static struct session *session_start(struct vserver *srv, bool is_client,
                                     struct open_args *a, const char *callback,
                                     sbx_push_fn push, void *push_ud)
{
    struct session *s = session_alloc(srv, is_client);
    if (!s)
        return NULL;
    a->s = s;
    if (a->job) {
        s->store = a->job->store;
        s->store_ud = a->job->store_ud;
    }
    struct sandbox *sbx = srv_sandbox(srv);
    if (sbx_protect(sbx, push_new_session, a) < 0 || s->ref == LUA_NOREF) {
        session_fail(s);
        return s;
    }
    if (sbx_call(sbx, callback, push, push_ud ? push_ud : s) < 0)
        session_fail(s);
    return s;
}

struct session *session_open(struct vserver *srv, const struct session_endpoint *client,
                             const struct session_endpoint *server)
{
    struct open_args a = {NULL, client, server, NULL};
    return session_start(srv, false, &a, "on_connect", push_session, NULL);
}

static int push_client_start(lua_State *L, void *ud)
{
    struct open_args *a = ud;
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->s->ref);
    push_job(L, a->job);
    return 2;
}

struct session *session_open_client(struct vserver *cli, const struct session_endpoint *self,
                                    const struct session_endpoint *server,
                                    const struct session_job *job)
{
    struct open_args a = {NULL, self, server, job};
    return session_start(cli, true, &a, "on_start", push_client_start, &a);
}

void session_pump(struct session *cli, struct session *srv, int max_lines,
                  session_show_fn show, void *ud)
{
    for (int lines = 0; lines < max_lines; ) {
        bool moved = false;
        char *l;
        while ((l = session_pop(srv)) && lines++ < max_lines) {
            if (show)
                show(ud, false, l);
            moved = true;
            if (!session_over(cli))
                session_input(cli, l, strlen(l));
            free(l);
        }
        free(l);
        while ((l = session_pop(cli)) && lines++ < max_lines) {
            if (show)
                show(ud, true, l);
            moved = true;
            if (!session_over(srv))
                session_input(srv, l, strlen(l));
            free(l);
        }
        free(l);
        if (!moved || session_over(cli))
            break;
    }
    /* the server's last words (221 after QUIT) belong in the dialogue too */
    char *l;
    while ((l = session_pop(srv))) {
        if (show)
            show(ud, false, l);
        free(l);
    }
}

int session_input(struct session *s, const char *line, size_t len)
{
    if (s->failed)
        return -1;
    struct line_args a = {s, line, len, false};
    size_t cap = s->is_client ? SESSION_SEND_MAX : SRV_LINE_CAP;
    if (len > cap) {
        a.len = cap;
        a.cut = true;
    }
    rt_tick(srv_runtime(s->srv), 1);
    if (sbx_call(srv_sandbox(s->srv), "on_line", push_line, &a) < 0) {
        session_fail(s);
        return -1;
    }
    return 0;
}

void session_adopt(lua_State *L, int sess, int obj)
{
    sess = lua_absindex(L, sess);
    obj = lua_absindex(L, obj);
    struct session_ud *u = luaL_checkudata(L, sess, SESSION_TYPE);
    if (!u->s)
        luaL_error(L, "session is over");
    /* stack: ... owned */
    if (lua_getiuservalue(L, sess, 2) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, sess, 2);
    }
    lua_pushvalue(L, obj);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
}

/* Closes what the session owns, newest first. Runs protected. */
static int close_owned(lua_State *L, void *ud)
{
    struct session *s = ud;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref);
    if (lua_getiuservalue(L, -1, 2) == LUA_TTABLE) {
        for (lua_Integer i = (lua_Integer)lua_rawlen(L, -1); i >= 1; i--) {
            lua_rawgeti(L, -1, i);
            if (luaL_callmeta(L, -1, "__close"))
                lua_pop(L, 1);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 2);
    return 0;
}

void session_end(struct session *s)
{
    if (!s)
        return;
    struct sandbox *sbx = srv_sandbox(s->srv);
    if (s->ref != LUA_NOREF) {
        if (!s->failed && !s->is_client)
            sbx_call(sbx, "on_close", push_session, s);
        sbx_protect(sbx, close_owned, s);
        /* detach the Lua object so a kept reference cannot reach freed memory */
        lua_State *L = sbx_state(sbx);
        lua_rawgeti(L, LUA_REGISTRYINDEX, s->ref);
        struct session_ud *u = lua_touserdata(L, -1);
        if (u)
            u->s = NULL;
        lua_pop(L, 1);
        luaL_unref(L, LUA_REGISTRYINDEX, s->ref);
    }
    for (size_t i = s->head; i < s->tail; i++)
        free(s->out[i]);
    free(s->out);
    free(s);
}
