/* dns_lua — see dns_lua.h. */
#include "dns_lua.h"

#include <stdlib.h>
#include <strings.h>

#include <lauxlib.h>
#include <ldns/ldns.h>

#define OWNED_TYPE "tutor.owned"

static int owned_gc(lua_State *L)
{
    struct dns_owned *o = luaL_checkudata(L, 1, OWNED_TYPE);
    if (o->p && o->free_fn)
        o->free_fn(o->p);
    o->p = NULL;
    return 0;
}

void dns_lua_register(lua_State *L)
{
    luaL_newmetatable(L, OWNED_TYPE);               /* mt */
    lua_pushcfunction(L, owned_gc);
    lua_setfield(L, -2, "__gc");
    dns_lua_set_bool(L, "__metatable", false);
    lua_pop(L, 1);
}

struct dns_owned *dns_lua_own(lua_State *L, void (*free_fn)(void *))
{
    struct dns_owned *o = lua_newuserdatauv(L, sizeof *o, 0);
    o->p = NULL;
    o->free_fn = free_fn;
    luaL_setmetatable(L, OWNED_TYPE);
    return o;
}

void dns_lua_push_boxed(lua_State *L, struct dns_owned *box)
{
    lua_pushstring(L, box->p ? (const char *)box->p : "");
    free(box->p);
    box->p = NULL;
}

void dns_lua_free_pkt(void *p) { ldns_pkt_free(p); }
void dns_lua_free_rdf(void *p) { ldns_rdf_deep_free(p); }

static const char *const RCODES[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
                                     "REFUSED"};

const char *dns_lua_rcode_name(unsigned rcode)
{
    return rcode < sizeof RCODES / sizeof RCODES[0] ? RCODES[rcode] : "RCODE?";
}

int dns_lua_rcode_of(const char *name)
{
    for (size_t i = 0; i < sizeof RCODES / sizeof RCODES[0]; i++)
        if (strcasecmp(RCODES[i], name) == 0)
            return (int)i;
    return -1;
}

bool dns_lua_opt_bool(lua_State *L, int t, const char *key, bool dflt)
{
    int type = lua_getfield(L, t, key);
    bool v = type == LUA_TNIL ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

void dns_lua_set_int(lua_State *L, const char *key, lua_Integer v)
{
    lua_pushinteger(L, v);                      /* t v */
    lua_setfield(L, -2, key);                   /* t */
}

void dns_lua_set_bool(lua_State *L, const char *key, bool v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, key);
}

void dns_lua_set_str(lua_State *L, const char *key, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, key);
}
