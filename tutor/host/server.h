/*
 * server — a virtual server: one service of one world node, run by a Lua
 * script in its own sandbox, with the host API of scripts/README.md (the
 * `tutor` and `server` tables). Sessions (session.h) are its connections.
 *
 * A node also plays clients: the relay client of a mail server, the mail
 * client of the student's PC. A client is a vserver with no service,
 * running a client script (scripts/smtp_client.lua, pop3_client.lua).
 */
#ifndef TUTOR_SERVER_H
#define TUTOR_SERVER_H

#include "runtime.h"
#include "sandbox.h"

#define SRV_LINE_CAP 4096       /* longest line passed to a script whole */
#define SRV_VERBS_MAX 64

struct vserver;

/* Starts the script of `svc` on `node`, or with svc NULL the client script
 * `client` (a name in DATADIR/scripts, e.g. "smtp_client.lua"). NULL with
 * err naming the script and line when it does not load. Caller frees with
 * srv_free() (the runtime does, for servers it made). */
struct vserver *srv_new(struct runtime *rt, const struct world_node *node,
                        const struct world_service *svc, const char *client,
                        char err[RT_ERROR_MAX]);
void srv_free(struct vserver *srv);

/* All borrowed. */
const struct world_node *srv_node(const struct vserver *srv);
const struct world_service *srv_service(const struct vserver *srv);
struct sandbox *srv_sandbox(struct vserver *srv);
struct runtime *srv_runtime(struct vserver *srv);
const char *srv_script(const struct vserver *srv);     /* "smtp.lua" */
/* The script's VERBS for completion, NULL-terminated (maybe empty). */
const char *const *srv_verbs(const struct vserver *srv);

/* A DNS server's zones and hints (host_dns.h); NULL for other servers. */
struct dns_data;
const struct dns_data *srv_dns(const struct vserver *srv);
struct dns_cache;
/* The server's message cache (dns_cache.h), made at its first use; NULL
 * when memory is short. It goes with the server (reset: a fresh start). */
struct dns_cache *srv_dns_cache(struct vserver *srv);

/* Lets the server log in the users of every domain of the world, as a
 * provider's POP3 server that hosts several domains does (tutor serve's
 * one POP3 listener for the whole world). */
void srv_login_anywhere(struct vserver *srv);
/* Does `u` log in and keep a maildrop here? */
struct world_user;
bool srv_has_user(const struct vserver *srv, const struct world_user *u);

/* The vserver a Lua state belongs to. */
struct vserver *srv_of(lua_State *L);

#endif
