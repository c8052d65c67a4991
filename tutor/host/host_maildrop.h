/*
 * host_maildrop — the maildrop object of the host API (scripts/README.md,
 * "A maildrop"): tutor.maildrop(s, address) and its methods, over
 * maildrop.h. The object belongs to session `s`, which closes it when it
 * ends, so a script that fails or forgets cannot keep a mailbox locked.
 */
#ifndef TUTOR_HOST_MAILDROP_H
#define TUTOR_HOST_MAILDROP_H

#include <lua.h>

/* tutor.maildrop(s, address) */
int host_maildrop_open(lua_State *L);

/* Registers the object's metatable; from the server's set-up. */
void host_maildrop_register(lua_State *L);

#endif
