/*
 * dns_lua — what the DNS code needs at the border between ldns and Lua,
 * shared by the datagram exchange (dns_exchange.c) and the host API
 * (host_dns.c): the "owned" box that keeps ldns's malloc'd memory safe
 * while Lua may raise, DNS rcodes by name, and a script's boolean
 * options.
 *
 * Why a box: ldns allocates with malloc, and Lua raises by longjmp.
 * Whatever C holds while calling something that can raise is put in a box
 * (a userdata); its __gc frees the contents if the raise comes. The box is
 * made empty *before* the memory it will own: making it can raise (the
 * state's memory cap), and a box made after would leak what it was to
 * hold.
 */
#ifndef TUTOR_DNS_LUA_H
#define TUTOR_DNS_LUA_H

#include <stdbool.h>

#include <lua.h>

struct dns_owned {
    void *p;                            /* owned; NULL when empty */
    void (*free_fn)(void *);
};

/* Registers the box's metatable; once per Lua state, before dns_lua_own. */
void dns_lua_register(lua_State *L);

/* Pushes an empty box whose contents will be freed with free_fn; returns
 * it (borrowed: the Lua stack owns it). Put the pointer in ->p as soon as
 * it is allocated, with no Lua call in between. */
struct dns_owned *dns_lua_own(lua_State *L, void (*free_fn)(void *));

/* Pushes the string a box holds (from ldns; "" when it has none) and
 * frees it, emptying the box: what ldns's *2str functions return crosses
 * into Lua this way. */
void dns_lua_push_boxed(lua_State *L, struct dns_owned *box);

/* free_fn for boxes of an ldns_pkt and of an ldns_rdf. */
void dns_lua_free_pkt(void *p);
void dns_lua_free_rdf(void *p);

/* The mnemonic of rcode 0-5 ("NOERROR" ... "REFUSED"; "RCODE?" past
 * them), and the rcode of a mnemonic, without case (-1 for none). */
const char *dns_lua_rcode_name(unsigned rcode);
int dns_lua_rcode_of(const char *name);

/* The truth of t[key] (t an absolute index), or dflt when it is nil. May
 * raise (t's __index). */
bool dns_lua_opt_bool(lua_State *L, int t, const char *key, bool dflt);

/* t[key] = v, t the table on top of the stack (the query and result
 * tables the host builds, which have no metatable). May raise (memory). */
void dns_lua_set_int(lua_State *L, const char *key, lua_Integer v);
void dns_lua_set_bool(lua_State *L, const char *key, bool v);
void dns_lua_set_str(lua_State *L, const char *key, const char *v);

#endif
