/*
 * lua_json — a JSON value (jansson) as a Lua value: objects and arrays as
 * tables, null as nil. The servers' settings and a lesson's steps reach
 * their scripts this way.
 */
#ifndef TUTOR_LUA_JSON_H
#define TUTOR_LUA_JSON_H

#include <jansson.h>
#include <lua.h>

/* Deeper than this, a value arrives as nil: a script never recurses
 * through a hostile document's nesting. */
#define LUA_JSON_DEPTH_MAX 16

/* Pushes `v` (borrowed; NULL is nil). May raise (memory): call from protected code. */
void lua_json_push(lua_State *L, const json_t *v);

#endif
