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
#include "util/textbuf.h"

#define SESSION_TYPE "tutor.session"

/* A message being read by the host (s:read_message): the lines after DATA
 * until the lone ".", unstuffed, with LF line ends, in C memory that only
 * this session holds. The script sees it once, whole, in on_message. */
struct reading {
    bool on;
    size_t size_max, line_max;
    struct textbuf text;
    size_t size;                /* octets as RFC 1870 counts them (CR LF each line) */
    size_t lines;
    unsigned bare_lf;           /* lines that ended in LF alone */
    bool lf_dot;                /* a "." line that did not end the message */
    bool too_big, line_too_long, no_room;
};

/* Bytes held by every session's reading at once: past this, a message
 * gets "insufficient storage" rather than the process more memory. */
static size_t reading_total;

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
    bool prev_bare_lf;          /* the last input line ended in LF alone */
    int pause_ms;               /* s:pause(): hold the replies this long */
    struct reading reading;
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

/* One reply line as RFC 5321 4.2 and 4.5.3.1.5 have it: "CODE TEXT" in at
 * most 512 octets with its CR LF, the text printable ASCII or HT. What a
 * script echoes of a client's line may hold anything: each other octet
 * becomes "?" and the rest is cut, as Postfix's printable() and its reply
 * limit do. */
static void queue_reply_line(lua_State *L, struct session *s, lua_Integer code, char sep,
                             const char *t, size_t len)
{
    char line[SESSION_REPLY_LINE_MAX + 1];
    int n = snprintf(line, sizeof line, "%d%c", (int)code, sep);
    for (size_t i = 0; i < len && (size_t)n < SESSION_REPLY_LINE_MAX; i++) {
        unsigned char c = (unsigned char)t[i];
        line[n++] = (c >= 0x20 && c <= 0x7e) || c == '\t' ? (char)c : '?';
    }
    line[n] = '\0';
    queue_line(L, s, line, (size_t)n);
}

static int m_reply(lua_State *L)
{
    struct session *s = check_session(L);
    lua_Integer code = luaL_checkinteger(L, 2);
    luaL_argcheck(L, code >= 200 && code <= 599, 2, "reply codes are 200 to 599");
    if (lua_type(L, 3) == LUA_TSTRING) {
        size_t len;
        const char *t = check_line(L, 3, &len);
        queue_reply_line(L, s, code, ' ', t, len);
        return 0;
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
        queue_reply_line(L, s, code, i < n ? '-' : ' ', t, len);
        lua_pop(L, 1);
    }
    return 0;
}

/* s:pause(seconds): the replies queued so far and later wait that long
 * before they go out, and the client's next lines meanwhile (a real
 * socket only; the REPL does not wait). */
static int m_pause(lua_State *L)
{
    struct session *s = check_session(L);
    lua_Number sec = luaL_checknumber(L, 2);
    luaL_argcheck(L, sec >= 0 && sec <= SESSION_PAUSE_MAX_S, 2, "0 to 60 seconds");
    int ms = (int)(sec * 1000);
    if (ms > s->pause_ms)
        s->pause_ms = ms;
    return 0;
}

int session_take_pause(struct session *s)
{
    int ms = s->pause_ms;
    s->pause_ms = 0;
    return ms;
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

/* ------------------------------------------------------------------------
 * Message text in bulk: read by the host after DATA, sent by the host for
 * RETR and the relay. A script looping over a 10 MB message of short
 * lines would spend its budget many times over, and holding it as a table
 * of Lua strings would cost ten times its size in the server's memory,
 * shared by every session.
 */

/* s:read_message{size_max = N, line_max = N}: the next lines are the
 * message, up to the lone "." of <CR><LF>.<CR><LF>; then on_message(s,
 * text, info) is called. */
static int m_read_message(lua_State *L)
{
    struct session *s = check_session(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    if (s->reading.on)
        return luaL_error(L, "read_message: a message is being read already");
    lua_getfield(L, 2, "size_max");
    lua_Integer size_max = luaL_optinteger(L, -1, 0);
    lua_getfield(L, 2, "line_max");
    lua_Integer line_max = luaL_optinteger(L, -1, SESSION_TEXT_LINE_MAX);
    lua_pop(L, 2);
    luaL_argcheck(L, size_max >= 0, 2, "size_max is 0 (the host's limit) or more");
    luaL_argcheck(L, line_max >= 3, 2, "line_max is 3 or more");
    if (sbx_get_global(L, "on_message") != LUA_TFUNCTION)
        return luaL_error(L, "read_message needs a function on_message(s, text, info)");
    lua_pop(L, 1);
    struct reading *r = &s->reading;
    *r = (struct reading){.on = true};
    r->size_max = size_max == 0 || (uint64_t)size_max > SESSION_MESSAGE_MAX ? SESSION_MESSAGE_MAX
                                                                           : (size_t)size_max;
    r->line_max = (size_t)line_max;
    return 0;
}

static void reading_release(struct reading *r)
{
    reading_total -= r->text.cap;
    free(r->text.p);
    r->text = (struct textbuf){0};
}

/* One line of the message. */
static void reading_add(struct reading *r, const char *line, size_t len, bool bare_lf)
{
    if (bare_lf)
        r->bare_lf++;
    if (len == 1 && line[0] == '.')
        r->lf_dot = true;       /* <LF>.<LF>: text, or SMTP smuggling */
    r->lines++;
    if (len + 2 > r->line_max)
        r->line_too_long = true;
    /* transparency (RFC 5321 4.5.2): a leading dot is removed */
    if (len > 0 && line[0] == '.') {
        line++;
        len--;
    }
    r->size += len + 2;
    if (r->size > r->size_max)
        r->too_big = true;
    if (r->too_big || r->line_too_long || r->no_room) {
        reading_release(r);     /* refused at the end: keep nothing */
        return;
    }
    size_t cap = r->text.cap;
    if (r->text.len + len + 1 >= cap && reading_total + cap > SESSION_READING_TOTAL_MAX) {
        r->no_room = true;
        reading_release(r);
        return;
    }
    textbuf_add(&r->text, line, len);
    textbuf_addc(&r->text, '\n');
    reading_total += r->text.cap - cap;
    if (r->text.oom) {
        r->no_room = true;
        reading_release(r);
    }
}

struct message_args {
    struct session *s;
    struct reading *r;
};

static void set_flag(lua_State *L, const char *key, bool v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, key);
}

static int push_message(lua_State *L, void *ud)
{
    struct message_args *a = ud;
    struct reading *r = a->r;
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->s->ref);
    lua_pushlstring(L, r->text.p ? r->text.p : "", r->text.len);
    reading_release(r);         /* the script has its own copy now */
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, (lua_Integer)r->size);
    lua_setfield(L, -2, "size");
    lua_pushinteger(L, (lua_Integer)r->lines);
    lua_setfield(L, -2, "lines");
    lua_pushinteger(L, r->bare_lf);
    lua_setfield(L, -2, "bare_lf");
    set_flag(L, "lf_dot", r->lf_dot);
    set_flag(L, "too_big", r->too_big);
    set_flag(L, "line_too_long", r->line_too_long);
    set_flag(L, "no_room", r->no_room);
    return 3;
}

/* Queues one line of text, cut to fit s:send when longer: at `fold` with
 * CR LF SPACE after it (SMTP; MIME readers take it as folding), else in
 * pieces never inside a UTF-8 sequence; each piece dot-stuffed. */
static void send_text_line(lua_State *L, struct session *s, const char *p, size_t n, size_t fold)
{
    char buf[SESSION_SEND_MAX];
    bool first = true;
    do {
        /* what goes before the piece: the folding space, or a stuffing
         * dot (RFC 5321 4.5.2, RFC 1939 3) */
        char lead = !first && fold ? ' ' : n > 0 && p[0] == '.' ? '.' : 0;
        size_t room = (fold ? fold : SESSION_SEND_MAX) - (lead ? 1 : 0);
        size_t take = n <= room ? n : room;
        if (!fold && take < n)
            while (take > 1 && ((unsigned char)p[take] & 0xC0) == 0x80)
                take--;
        size_t o = 0;
        if (lead)
            buf[o++] = lead;
        memcpy(buf + o, p, take);
        queue_line(L, s, buf, o + take);
        p += take;
        n -= take;
        first = false;
    } while (n > 0);
}

/* s:send_text(text [, {stop = N, fold = N}]): the lines of `text` (LF or
 * CR LF ends) up to octet `stop`, dot-stuffed, without the final ".". A
 * bare CR may not travel inside a line (RFC 5321 2.3.8): it is dropped. */
static int m_send_text(lua_State *L)
{
    struct session *s = check_session(L);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    lua_Integer stop = (lua_Integer)len, fold = 0;
    if (lua_istable(L, 3)) {
        lua_getfield(L, 3, "stop");
        stop = luaL_optinteger(L, -1, stop);
        lua_getfield(L, 3, "fold");
        fold = luaL_optinteger(L, -1, 0);
        lua_pop(L, 2);
    }
    luaL_argcheck(L, stop >= 0 && (size_t)stop <= len, 3, "stop is an octet of the text");
    luaL_argcheck(L, fold == 0 || (fold >= 2 && fold < SESSION_SEND_MAX), 3, "fold is 2 to 65535");
    /* C work the hook does not see: about an instruction for 16 bytes */
    sbx_charge(L, (double)stop / 16);
    char *clean = NULL;         /* a userdata on the stack: freed however this ends */
    for (size_t pos = 0; pos < (size_t)stop; ) {
        const char *nl = memchr(text + pos, '\n', (size_t)stop - pos);
        size_t end = nl ? (size_t)(nl - text) : (size_t)stop;
        size_t n = end - pos;
        const char *line = text + pos;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (memchr(line, '\r', n)) {
            if (!clean)
                clean = lua_newuserdatauv(L, SESSION_LINE_SCRATCH, 0);
            /* copy without CRs, a scratch buffer's worth at a time */
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                if (line[i] == '\r')
                    continue;
                clean[k++] = line[i];
                if (k == SESSION_LINE_SCRATCH) {
                    send_text_line(L, s, clean, k, (size_t)fold);
                    k = 0;
                }
            }
            send_text_line(L, s, clean, k, (size_t)fold);
        } else {
            send_text_line(L, s, line, n, (size_t)fold);
        }
        pos = end + 1;
    }
    return 0;
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
        {"store", m_store}, {"read_message", m_read_message}, {"send_text", m_send_text},
        {"pause", m_pause},
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
        /* what a client script needs to know of the whole message,
         * counted here rather than by a Lua loop over 10 MB */
        size_t size = 0, lines = 0;
        bool eight_bit = false;
        for (size_t i = 0; i < j->len; i++) {
            unsigned char c = (unsigned char)j->message[i];
            eight_bit |= c >= 0x80;
            if (c == '\n') {
                lines++;
                size += i > 0 && j->message[i - 1] == '\r' ? 1 : 2;
            } else {
                size++;
            }
        }
        if (j->len > 0 && j->message[j->len - 1] != '\n')
            size += 2;          /* RFC 1870: the last line gains its CR LF */
        lua_pushinteger(L, (lua_Integer)size);
        lua_setfield(L, -2, "size");
        lua_pushboolean(L, eight_bit);
        lua_setfield(L, -2, "eight_bit");
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
    bool bare_lf;
};

/* on_line(s, line, cut, bare_lf) */
static int push_line(lua_State *L, void *ud)
{
    struct line_args *a = ud;
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->s->ref);
    lua_pushlstring(L, a->line, a->len);
    lua_pushboolean(L, a->cut);
    lua_pushboolean(L, a->bare_lf);
    return 4;
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

/* The end of the message: <CR><LF>.<CR><LF> only. A "." after or before a
 * bare LF is text: a client cannot end DATA with <LF>.<LF> and smuggle a
 * second transaction past a server that would not (Postfix's
 * smtpd_forbid_bare_newline = normalize). */
static int reading_line(struct session *s, const char *line, size_t len, bool bare_lf)
{
    struct reading *r = &s->reading;
    if (!(len == 1 && line[0] == '.' && !bare_lf && !s->prev_bare_lf)) {
        reading_add(r, line, len, bare_lf);
        return 0;
    }
    r->on = false;
    struct message_args a = {s, r};
    struct sandbox *sbx = srv_sandbox(s->srv);
    int rc = sbx_call(sbx, "on_message", push_message, &a);
    reading_release(r);
    if (rc < 0) {
        session_fail(s);
        return -1;
    }
    /* the message's copy in the state is garbage now: a 10 MB one should
     * not wait for the collector's own pace while the next one arrives */
    if (r->size > SESSION_COLLECT_AFTER)
        lua_gc(sbx_state(sbx), LUA_GCCOLLECT);
    return 0;
}

int session_input_line(struct session *s, const char *line, size_t len, bool bare_lf)
{
    if (s->failed)
        return -1;
    rt_tick(srv_runtime(s->srv), 1);
    if (s->reading.on) {
        int rc = reading_line(s, line, len, bare_lf);
        s->prev_bare_lf = bare_lf;
        return rc;
    }
    s->prev_bare_lf = bare_lf;
    struct line_args a = {s, line, len, false, bare_lf};
    size_t cap = s->is_client ? SESSION_SEND_MAX : SRV_LINE_CAP;
    if (len > cap) {
        a.len = cap;
        a.cut = true;
    }
    if (sbx_call(srv_sandbox(s->srv), "on_line", push_line, &a) < 0) {
        session_fail(s);
        return -1;
    }
    return 0;
}

int session_input(struct session *s, const char *line, size_t len)
{
    return session_input_line(s, line, len, false);
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
    reading_release(&s->reading);
    for (size_t i = s->head; i < s->tail; i++)
        free(s->out[i]);
    free(s->out);
    free(s);
}
