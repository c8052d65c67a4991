/*
 * world — one JSON document holding everything a classroom needs: the
 * network (net-sim's topology format, loaded by net-sim), each host's
 * services, resolvers and mail domains, the mail users, the clock and the
 * script budgets.
 *
 * world_load() checks the whole file before anything uses it and names the
 * file, JSON path (and line and column, for syntax errors) of the first
 * problem. A loaded world is read-only; what changes while the tutor runs
 * (mailboxes, queue) lives in the state directory, not here.
 */
#ifndef TUTOR_WORLD_H
#define TUTOR_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "addr.h"
#include "sandbox.h"
#include "topo.h"

#define WORLD_ERROR_MAX 512
#define WORLD_FILE_MAX ((size_t)16 << 20)      /* bytes of a world file */
#define WORLD_VALUES_MAX ((size_t)1000000)     /* its JSON values, at most */

struct world_service {
    const char *name;           /* "smtp" */
    int port;                   /* 25 */
    const char *script;         /* "smtp.lua", or a path of the instructor's */
    json_t *settings;           /* borrowed from the document; an object */
};

struct world_iface {
    const char *name;           /* "eth0" */
    struct ipv4_prefix ipv4;
};

struct world_node {
    const char *name;           /* the node's key: "mail-a" */
    const char *kind;           /* host, router, server */
    const char *hostname;       /* "mail.a.example", or NULL */
    const char *label_en, *label_ja;
    struct world_iface *ifaces;
    size_t n_ifaces;
    bool has_gateway;
    uint32_t gateway;           /* the default route's gateway */
    uint32_t *dns;              /* resolvers this host asks */
    size_t n_dns;
    struct world_service *services;
    size_t n_services;
    const char **mail_domains;  /* domains this host is final destination for */
    size_t n_mail_domains;
};

struct world_user {
    const char *address;        /* "alice@a.example" */
    const char *password;
    const char *name;           /* "Alice" */
    const char *localpart;      /* "alice", owned by the world */
    const char *domain;         /* "a.example" */
};

struct world {
    char *path;                 /* the file it came from */
    const char *name;           /* short name, names the state directory */
    json_t *doc;                /* owns every string above */
    struct topo *net;           /* the network, as net-sim loaded it */
    struct world_node *nodes;   /* in the same order as net->nodes */
    size_t n_nodes;
    struct world_user *users;
    size_t n_users;
    const char *student;        /* node name of the student's PC */
    long long clock_start;      /* seconds since 1970; -1: the wall clock */
    int tz_minutes;             /* offset east of UTC, for dates */
    unsigned long seed;
    struct sandbox_limits limits;
};

/* The keys a world adds to net-sim's topology format, for reading a world
 * file as a topology. */
extern const struct topo_extra_keys world_topo_keys;

/* Loads and checks a world file. Returns a new world (free with
 * world_free()), or NULL with the reason in `err`, naming the file and the
 * JSON path ("world.json: $.nodes.pc1.interfaces.eth0.ipv4: ..."). */
struct world *world_load(const char *path, char err[WORLD_ERROR_MAX]);
void world_free(struct world *w);

/* Look-ups; all borrowed, NULL when there is none. Names compare without
 * case and without a trailing dot, as DNS names do. */
const struct world_node *world_node(const struct world *w, const char *name);
const struct world_node *world_host_by_name(const struct world *w, const char *hostname);
const struct world_node *world_host_by_addr(const struct world *w, uint32_t addr);
/* A node by node name, host name or dotted-quad address. */
const struct world_node *world_find_host(const struct world *w, const char *what);
const struct world_service *world_service(const struct world_node *n, const char *name);
const struct world_service *world_service_by_port(const struct world_node *n, int port);
const struct world_user *world_user(const struct world *w, const char *address);
/* Is `n` the final destination for mail to `domain`? */
bool world_node_serves(const struct world_node *n, const char *domain);
/* The mail server node that is final destination for `domain`. */
const struct world_node *world_mail_host(const struct world *w, const char *domain);
/* The node's first address, 0 when it has none. */
uint32_t world_node_addr(const struct world_node *n);

/* Well-known ports of the services the tutor knows by name. -1 if unknown. */
int world_port_of(const char *service);

#endif
