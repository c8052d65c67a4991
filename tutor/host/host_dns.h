/*
 * host_dns — DNS in the host API (scripts/README.md, "A datagram server"):
 * a server's zones and root hints, read from its settings when it starts;
 * tutor.lookup, tutor.query and tutor.hints; and the registration of what
 * on_datagram(s, q) needs in a server's Lua state. The datagram session
 * and the exchange itself are dns_exchange.h's; C code that asks a DNS
 * server uses dns_client.h.
 *
 * Messages are encoded and decoded with ldns; records cross into Lua as
 * master-file strings, which is what students and instructors read.
 */
#ifndef TUTOR_HOST_DNS_H
#define TUTOR_HOST_DNS_H

#include <lua.h>

/* The exchange was declared here before it had a module of its own;
 * includers of this header (tests/unit/test_dns.c) still find it. */
#include "dns_exchange.h"
#include "runtime.h"

struct dns_data;

/* Reads the zones and hints named in the service's settings ("zones":
 * {"origin": "file"}, "hints": "file", paths relative to the world file).
 * *out is NULL when the service has neither. 0, or -1 with err naming the
 * file and line. Free with dns_data_free. */
int dns_data_load(struct runtime *rt, const struct world_service *svc, struct dns_data **out,
                  char err[RT_ERROR_MAX]);
void dns_data_free(struct dns_data *d);

/* The host API functions, for server.c's `tutor` table. */
int host_dns_lookup(lua_State *L);
int host_dns_query(lua_State *L);
int host_dns_hints(lua_State *L);
/* Registers the datagram session type (dns_exchange.h) and the box that
 * holds ldns memory while Lua may raise (dns_lua.h); from the server's
 * set-up. */
void host_dns_register(lua_State *L);

#endif
