/* host_maildrop — see host_maildrop.h. */
#include "host_maildrop.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "mail/maildrop.h"
#include "server.h"
#include "session.h"

#define MAILDROP_TYPE "tutor.maildrop"

struct maildrop_ud {
    struct maildrop *md;                /* NULL once closed */
};

static struct maildrop *check_open(lua_State *L)
{
    struct maildrop_ud *u = luaL_checkudata(L, 1, MAILDROP_TYPE);
    if (!u->md)
        luaL_error(L, "the maildrop is closed");
    return u->md;
}

/* A message number from the script: 1 to n, else an argument error. */
static size_t check_number(lua_State *L, const struct maildrop *md, int arg)
{
    lua_Integer n = luaL_checkinteger(L, arg);
    luaL_argcheck(L, n >= 1 && (size_t)n <= md->n, arg, "no such message");
    return (size_t)n - 1;
}

static int push_failure(lua_State *L, const char *why)
{
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
}

static int m_list(lua_State *L)
{
    struct maildrop *md = check_open(L);
    lua_createtable(L, md->n > 1000000 ? 0 : (int)md->n, 0);
    for (size_t i = 0; i < md->n; i++) {
        lua_createtable(L, 0, 2);
        lua_pushinteger(L, (lua_Integer)md->msgs[i].size);
        lua_setfield(L, -2, "size");
        lua_pushstring(L, md->msgs[i].uid);
        lua_setfield(L, -2, "uid");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int m_read(lua_State *L)
{
    struct maildrop *md = check_open(L);
    size_t i = check_number(L, md, 2), len;
    char err[FS_ERROR_MAX];
    char *text = maildrop_read(md, i, &len, err);
    if (!text)
        return push_failure(L, err);
    /* copy, free, then let Lua raise if it must: nothing malloc'd is held
     * across a call that can longjmp */
    luaL_Buffer b;
    char *dst = luaL_buffinitsize(L, &b, len);
    memcpy(dst, text, len);
    free(text);
    luaL_pushresultsize(&b, len);
    return 1;
}

static int m_seen(lua_State *L)
{
    struct maildrop *md = check_open(L);
    char err[FS_ERROR_MAX];
    if (maildrop_seen(md, check_number(L, md, 2), err) < 0)
        return push_failure(L, err);
    lua_pushboolean(L, 1);
    return 1;
}

static int m_commit(lua_State *L)
{
    struct maildrop *md = check_open(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
    luaL_argcheck(L, (size_t)n <= md->n, 2, "more numbers than messages");
    /* the index array is a userdata: freed by Lua even if a check raises */
    size_t *idx = lua_newuserdatauv(L, ((size_t)n + 1) * sizeof *idx, 0);
    for (lua_Integer k = 1; k <= n; k++) {
        lua_rawgeti(L, 2, k);
        idx[k - 1] = check_number(L, md, -1);
        lua_pop(L, 1);
    }
    char err[FS_ERROR_MAX];
    if (maildrop_commit(md, idx, (size_t)n, err) < 0)
        return push_failure(L, err);
    lua_pushboolean(L, 1);
    return 1;
}

static int m_close(lua_State *L)
{
    struct maildrop_ud *u = luaL_checkudata(L, 1, MAILDROP_TYPE);
    maildrop_close(u->md);
    u->md = NULL;
    return 0;
}

int host_maildrop_open(lua_State *L)
{
    struct vserver *srv = srv_of(L);
    const char *address = luaL_checkstring(L, 2);
    const struct world_user *u = world_user(srv_runtime(srv)->world, address);
    if (!u || !srv_has_user(srv, u))
        return push_failure(L, "no such user");
    /* stack: s address */
    struct maildrop_ud *ud = lua_newuserdatauv(L, sizeof *ud, 0);
    ud->md = NULL;
    luaL_setmetatable(L, MAILDROP_TYPE);
    /* stack: s address ud — adopted before the lock is taken, so that from
     * the moment it is held, the session's end releases it */
    session_adopt(L, 1, -1);
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    rt_mailbox_dir(srv_runtime(srv), u->address, dir);
    enum maildrop_status st = maildrop_open(dir, &ud->md, err);
    if (st == MAILDROP_IN_USE)
        return push_failure(L, "in-use");
    if (st != MAILDROP_OK) {
        rt_notice(srv_runtime(srv), "error", "%s: %s", srv_script(srv), err);
        return push_failure(L, err);
    }
    return 1;
}

void host_maildrop_register(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"list", m_list}, {"read", m_read}, {"seen", m_seen},
        {"commit", m_commit}, {"close", m_close},
        {NULL, NULL},
    };
    luaL_newmetatable(L, MAILDROP_TYPE);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, m_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, m_close);
    lua_setfield(L, -2, "__close");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}
