/*
 * topo — a network as net-sim sees it: nodes with interfaces and routes,
 * links with delay, bandwidth, loss, queue and MTU, and timed events.
 *
 * topo_load() reads the JSON format of net-sim/README.md (and of
 * net-sim/topology.schema.json), checks all of it, assigns the addresses
 * the file leaves out and groups interfaces into network segments. A file
 * with one problem is refused as a whole, with a message naming the file
 * and the JSON path. A loaded topology is read-only except for link states.
 */
#ifndef NETSIM_TOPO_H
#define NETSIM_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "addr.h"

#define TOPO_ERROR_MAX 512
#define TOPO_NAME_MAX 63

enum topo_kind { TOPO_HOST, TOPO_ROUTER, TOPO_SERVER };

struct topo_iface {
    const char *name;           /* "eth0" */
    struct ipv4_prefix ipv4;    /* len -1: not on any link, no address */
    int node;                   /* the node it belongs to */
    int segment;                /* -1 when no link joins it */
    int *links;                 /* links attached here (several: a hub) */
    size_t n_links;
};

struct topo_route {
    bool is_default;
    struct ipv4_prefix dst;     /* masked; len 0 for default */
    bool has_gateway;
    uint32_t gateway;
    int iface;                  /* index into the node's interfaces */
    int metric;
};

struct topo_node {
    const char *name;           /* the key in "nodes" */
    enum topo_kind kind;
    const char *hostname;       /* or NULL */
    const char *label_en, *label_ja;
    struct topo_iface *ifaces;
    size_t n_ifaces;
    struct topo_route *routes;  /* as written in the file */
    size_t n_routes;
    bool static_routes;         /* "routes" given: no computed ones */
    bool has_layout;
    int col, row;               /* grid position from "layout" */
};

/* One end of a link: node and interface indexes. */
struct topo_end {
    int node, iface;
};

struct topo_link {
    struct topo_end end[2];
    int64_t delay_us;
    double bandwidth_kbps;
    double loss_pct;
    int queue;                  /* packets that may wait, per direction */
    int mtu;
    bool up;
    bool up_in_file;            /* its state as the file gives it */
};

struct topo_event {
    int64_t at_us;
    /* The links it changes, borrowed: an interface's own list when the
     * event names "node:iface", else `one`. Never a copy, so that many
     * events on a hub of many links cost nothing each. */
    const int *links;
    size_t n_links;
    int one;                    /* the link between the two endpoints it names */
    bool up;
};

/* Interfaces joined by links: one IPv4 network. */
struct topo_segment {
    struct ipv4_prefix net;     /* masked */
    struct topo_end *members;
    size_t n_members;
};

struct topo {
    char *file;
    struct topo_arena *arena;   /* owns every string of the topology */
    const char *name;
    const char *message_en, *message_ja;
    struct topo_node *nodes;
    size_t n_nodes;
    struct topo_link *links;
    size_t n_links;
    struct topo_event *events;
    size_t n_events;
    struct topo_segment *segments;
    size_t n_segments;
    struct topo_end *segment_members;   /* every segment's members, one block */
    size_t n_segment_members;
    struct topo_index *index;   /* name and address look-ups (topo_index.c) */
    bool any_layout;
};

/* Keys a caller adds to the format: a world's hosts have services, users
 * and so on, which net-sim does not read but must not refuse. NULL-
 * terminated lists; either may be NULL. */
struct topo_extra_keys {
    const char *const *top;
    const char *const *node;
};

/* Reads and checks a topology file. NULL with the reason in `err`. */
struct topo *topo_load_file(const char *path, const struct topo_extra_keys *extra,
                            char err[TOPO_ERROR_MAX]);
/* The same for a parsed document; takes a reference to `doc`. `file`
 * names it in messages. */
struct topo *topo_load_doc(json_t *doc, const char *file,
                           const struct topo_extra_keys *extra, char err[TOPO_ERROR_MAX]);
void topo_free(struct topo *t);

/* How much of a file topo_json_load() reads. */
struct topo_json_limits {
    size_t bytes_max;
    size_t values_max;          /* arrays, objects and their members */
    const char *what;           /* "a topology": for the message */
};

/* A topology's limits: the 100,000-router benchmark file (make bench) is
 * 24 MB and 2.2 million values, a classroom's a few KB; these let a
 * network three times that size in and refuse a file that would take
 * gigabytes to parse. */
#define TOPO_FILE_MAX ((size_t)256 << 20)
#define TOPO_VALUES_MAX ((size_t)8000000)
extern const struct topo_json_limits topo_json_limits;

/* Reads the JSON file `path` (duplicate keys refused) when it is within
 * `lim`: a new tree (json_decref it), or NULL with err naming the file
 * and, where it applies, the line and column. */
json_t *topo_json_load(const char *path, const struct topo_json_limits *lim,
                       char err[TOPO_ERROR_MAX]);
/* Its two halves: the file's text when within `lim` (a new string of
 * *len bytes, not NUL-terminated; free it), and that text parsed. */
char *topo_json_read(const char *path, const struct topo_json_limits *lim, size_t *len,
                     char err[TOPO_ERROR_MAX]);
json_t *topo_json_parse(const char *path, const char *text, size_t len, char err[TOPO_ERROR_MAX]);

/* Rewrites the control characters of message `s` (a file's own keys and
 * names quoted in it) as JSON escapes, "\n" or "\u0001", so the message
 * stays one line and shows what the file holds. */
void topo_escape_controls(char *s, size_t size);

/* Look-ups, -1 when there is none. */
int topo_node_index(const struct topo *t, const char *name);
/* The node and interface that own an address. */
int topo_addr_owner(const struct topo *t, uint32_t addr, int *iface);
/* A node by name, host name (without case, trailing dot ignored) or
 * dotted quad of one of its addresses. */
int topo_find_node(const struct topo *t, const char *what);
/* The segment whose network holds `addr` with the longest prefix. */
int topo_segment_of(const struct topo *t, uint32_t addr);
/* The node's first address; 0 when it has none. */
uint32_t topo_node_addr(const struct topo *t, int node);
/* The link between two ends, -1 if none. */
int topo_link_between(const struct topo *t, int node_a, int node_b);
/* "r1:eth1" */
const char *topo_end_name(const struct topo *t, struct topo_end e, char *buf, size_t size);

#endif
