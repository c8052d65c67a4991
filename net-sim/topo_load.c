/*
 * topo_load — reading and checking a topology file (see topo.h and
 * net-sim/README.md for the format).
 *
 * The checker walks the document once, keeping a JSON path for messages,
 * and stops at the first problem: one clear message is more use to a
 * student than forty that follow from it. Unknown keys are errors, because
 * a misspelt "dealy_ms" would otherwise be a default nobody asked for.
 */
#include "topo.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo_index.h"
#include "topo_scan.h"

#define PATH_MAX_LEN 256
#define IFACES_MAX 255          /* an interface index fits in 8 bits */

struct loader {
    struct topo *t;
    char *err;
    bool failed;
    const struct topo_extra_keys *extra;
    /* link defaults from "defaults" */
    struct topo_link defaults;
    /* Per node, the N of the next "ethN" for a bare endpoint, and whether
     * the file itself names any "eth<digits>" interface there. Without
     * such a name, eth<next_eth> is free by construction: the counter
     * made every ethN below it. */
    int *next_eth;
    bool *eth_named;
    /* room that lists left when they grew, by kind and log2 of capacity */
    void *spare[2][8 * sizeof(size_t)];
    /* a file read member by member (topo_scan.h), or NULL for a tree */
    const struct topo_scan *scan;
    bool reparse;               /* the scan met what only jansson can name */
};

void topo_escape_controls(char *s, size_t size)
{
    char out[TOPO_ERROR_MAX * 2];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 7 < sizeof out; p++) {
        if (*p == '\n')
            n += (size_t)snprintf(out + n, sizeof out - n, "\\n");
        else if (*p == '\t')
            n += (size_t)snprintf(out + n, sizeof out - n, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            n += (size_t)snprintf(out + n, sizeof out - n, "\\u%04x", *p);
        else
            out[n++] = (char)*p;
    }
    out[n] = '\0';
    snprintf(s, size, "%s", out);
}

static void fail(struct loader *ld, const char *path, const char *fmt, ...)
{
    if (ld->failed)
        return;
    ld->failed = true;
    char what[TOPO_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(ld->err, TOPO_ERROR_MAX, "%s: %s: %s", ld->t->file, path, what);
    topo_escape_controls(ld->err, TOPO_ERROR_MAX);
}

/* ------------------------------------------------------------------------
 * The strings a topology keeps (names, labels) are copied into blocks it
 * owns, so that the parsed JSON can go as soon as the file is read: the
 * tree costs ten times the strings it holds. Its nodes' interface lists
 * and its interfaces' link lists live there too: they grow one at a time
 * as links are read, which from malloc meant a realloc for every other
 * interface and a 32-byte chunk for each 4-byte list of one link.
 */
#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN 8           /* enough for every struct a topology has */

struct topo_arena {
    struct topo_arena *next;
    size_t used, size;
    char bytes[];               /* at offset 24: aligned to ARENA_ALIGN */
};

/* `n` bytes from the topology's blocks, or NULL when out of memory. */
static void *arena_alloc(struct loader *ld, size_t n, size_t align)
{
    struct topo_arena *a = ld->t->arena;
    size_t at = a ? (a->used + align - 1) & ~(align - 1) : 0;
    if (!a || at > a->size || a->size - at < n) {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        struct topo_arena *b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        *b = (struct topo_arena){.next = a, .size = size};
        ld->t->arena = a = b;
        at = 0;
    }
    a->used = at + n;
    return a->bytes + at;
}

static const char *keep(struct loader *ld, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *copy = arena_alloc(ld, n, 1);
    if (!copy) {
        fail(ld, "$", "out of memory");
        return NULL;
    }
    memcpy(copy, s, n);
    return copy;
}

/* Room for one more in a list that grows by doubling: its capacity is the
 * power of two at or above `n`, so it need not be stored. A list that
 * moves leaves its old room to the next list of that kind and capacity
 * (ld->spare), so the blocks hold about what the lists use. */
enum { SPARE_IFACES, SPARE_LINKS };

static int log2_of(size_t pow2)
{
    int k = 0;
    while (pow2 >>= 1)
        k++;
    return k;
}

static void *grow_list(struct loader *ld, int kind, void *v, size_t n, size_t size)
{
    size_t first = kind == SPARE_IFACES ? 4 : 1;
    if (n < first ? n != 0 : (n & (n - 1)) != 0)
        return v;               /* room is left */
    size_t cap = n ? 2 * n : first;
    void **spare = &ld->spare[kind][log2_of(cap)];
    void *moved = *spare;
    if (moved)
        *spare = *(void **)moved;
    else if (!(moved = arena_alloc(ld, cap * size, ARENA_ALIGN)))
        return NULL;
    if (n) {
        memcpy(moved, v, n * size);
        if (n * size >= sizeof(void *)) {
            void **old = &ld->spare[kind][log2_of(n)];
            *(void **)v = *old;
            *old = v;
        }
    }
    return moved;
}

static bool in_list(const char *const *list, const char *key)
{
    for (; list && *list; list++)
        if (strcmp(*list, key) == 0)
            return true;
    return false;
}

static void check_keys(struct loader *ld, const char *path, json_t *obj,
                       const char *const *allowed, const char *const *extra)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
        if (!in_list(allowed, key) && !in_list(extra, key)) {
            fail(ld, path, "unknown key \"%s\"", key);
            return;
        }
}

static const char *get_string(struct loader *ld, const char *path, json_t *obj,
                              const char *key, bool required)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            fail(ld, path, "\"%s\" is missing", key);
        return NULL;
    }
    if (!json_is_string(v)) {
        fail(ld, path, "\"%s\" must be a string", key);
        return NULL;
    }
    return json_string_value(v);
}

static json_t *get_typed(struct loader *ld, const char *path, json_t *obj, const char *key,
                         bool want_object)
{
    json_t *v = json_object_get(obj, key);
    if (v && (want_object ? !json_is_object(v) : !json_is_array(v))) {
        fail(ld, path, "\"%s\" must be %s", key, want_object ? "an object" : "an array");
        return NULL;
    }
    return v;
}

static void get_label(struct loader *ld, const char *path, json_t *obj, const char *key,
                      const char **en, const char **ja)
{
    json_t *l = get_typed(ld, path, obj, key, true);
    if (!l)
        return;
    char lpath[PATH_MAX_LEN];
    snprintf(lpath, sizeof lpath, "%s.%s", path, key);
    static const char *const keys[] = {"ja", "en", NULL};
    check_keys(ld, lpath, l, keys, NULL);
    *en = keep(ld, get_string(ld, lpath, l, "en", false));
    *ja = keep(ld, get_string(ld, lpath, l, "ja", false));
}

/* Whether a value is a number in [lo, hi] (hi NAN: no upper bound), and
 * a whole one when `integer` asks (1.5 and 2.0 refused). */
static bool number_ok(double x, bool is_number, bool is_integer, double lo, double hi,
                      bool lo_open, bool integer)
{
    bool ok = integer ? is_integer : is_number;
    return ok && (lo_open ? x > lo : x >= lo) && (isnan(hi) || x <= hi);
}

/* A number in [lo, hi] (hi NAN: no upper bound); `integer` refuses 1.5. */
static double get_number(struct loader *ld, const char *path, json_t *obj, const char *key,
                         double dflt, double lo, double hi, bool lo_open, bool integer)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dflt;
    double x = json_number_value(v);
    if (!number_ok(x, json_is_number(v), json_is_integer(v), lo, hi, lo_open, integer)) {
        char range[64];
        if (isnan(hi))
            snprintf(range, sizeof range, "%s %s %.15g", integer ? "a whole number" : "a number",
                     lo_open ? ">" : "≥", lo);
        else
            snprintf(range, sizeof range, "%s from %.15g to %.15g",
                     integer ? "a whole number" : "a number", lo, hi);
        char *shown = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        fail(ld, path, "\"%s\" must be %s, not %s", key, range, shown ? shown : "that");
        free(shown);
        return dflt;            /* the load fails; x may not even fit the field */
    }
    return x;
}

/* ------------------------------------------------------------------------
 * Nodes and their interfaces.
 */
static bool valid_name(const char *s, size_t max, bool dots)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '-' || c == '_' || (dots && c == '.')));
        if (!ok)
            return false;
    }
    return true;
}

static int find_iface(const struct topo_node *n, const char *name)
{
    for (size_t i = 0; i < n->n_ifaces; i++)
        if (strcmp(n->ifaces[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* "eth" and digits: a name the ethN counter might make. */
static bool eth_like(const char *name)
{
    if (strncmp(name, "eth", 3) != 0 || !name[3])
        return false;
    for (const char *p = name + 3; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/* Adds an interface to node `ni`; its index, or -1 (with the reason set).
 * `counted`: the name is one of eth_names, from the counter of resolve_end. */
static int add_iface(struct loader *ld, const char *path, int ni, const char *name,
                     bool counted)
{
    struct topo_node *n = &ld->t->nodes[ni];
    if (n->n_ifaces >= IFACES_MAX) {
        fail(ld, path, "node \"%s\" has more than %d interfaces", n->name, IFACES_MAX);
        return -1;
    }
    struct topo_iface *grown = grow_list(ld, SPARE_IFACES, n->ifaces, n->n_ifaces, sizeof *grown);
    if (!grown) {
        fail(ld, path, "out of memory");
        return -1;
    }
    n->ifaces = grown;
    if (!counted && eth_like(name))
        ld->eth_named[ni] = true;
    struct topo_iface *f = &n->ifaces[n->n_ifaces];
    memset(f, 0, sizeof *f);
    if (!(f->name = counted ? name : keep(ld, name)))
        return -1;
    f->ipv4.len = -1;
    f->node = ni;
    f->segment = -1;
    return (int)n->n_ifaces++;
}

static void load_interfaces(struct loader *ld, const char *path, json_t *ifs, int ni)
{
    const char *iname;
    json_t *ji;
    json_object_foreach(ifs, iname, ji) {
        char ipath[PATH_MAX_LEN];
        snprintf(ipath, sizeof ipath, "%s.interfaces.%s", path, iname);
        if (!valid_name(iname, 15, true)) {
            fail(ld, ipath, "an interface name is 1 to 15 letters, digits, '.', '-' or '_'");
            return;
        }
        if (!json_is_object(ji)) {
            fail(ld, ipath, "an interface must be an object, like {\"ipv4\": \"192.0.2.10/24\"}");
            return;
        }
        static const char *const keys[] = {"ipv4", NULL};
        check_keys(ld, ipath, ji, keys, NULL);
        int fi = add_iface(ld, ipath, ni, iname, false);
        const char *p = get_string(ld, ipath, ji, "ipv4", false);
        if (fi < 0 || ld->failed)
            return;
        struct topo_iface *f = &ld->t->nodes[ni].ifaces[fi];
        if (p && addr_parse_prefix(p, &f->ipv4) < 0) {
            f->ipv4.len = -1;
            fail(ld, ipath, "\"ipv4\" must be an address with a prefix length, "
                 "like \"192.0.2.10/24\", not \"%s\"", p);
        } else if (p && f->ipv4.len < 32 && (f->ipv4.addr & ~addr_mask(f->ipv4.len)) == 0) {
            fail(ld, ipath, "%s is the network's own address, not one a host can have", p);
        } else if (p && f->ipv4.len < 31 &&
                   (f->ipv4.addr | addr_mask(f->ipv4.len)) == 0xffffffffu) {
            fail(ld, ipath, "%s is the network's broadcast address, not one a host can have", p);
        }
    }
}

/* Routes are read here and checked against the networks later
 * (check_routes), once every address is known. */
static void load_routes(struct loader *ld, const char *path, json_t *routes, int ni)
{
    struct topo_node *n = &ld->t->nodes[ni];
    n->static_routes = true;
    n->routes = calloc(json_array_size(routes) + 1, sizeof *n->routes);
    if (!n->routes) {
        fail(ld, path, "out of memory");
        return;
    }
    size_t ri;
    json_t *jr;
    json_array_foreach(routes, ri, jr) {
        char rpath[PATH_MAX_LEN];
        snprintf(rpath, sizeof rpath, "%s.routes[%zu]", path, ri);
        if (!json_is_object(jr)) {
            fail(ld, rpath, "a route must be an object, like "
                 "{\"dst\": \"default\", \"gateway\": \"192.0.2.1\"}");
            return;
        }
        static const char *const keys[] = {"dst", "gateway", "dev", "metric", NULL};
        check_keys(ld, rpath, jr, keys, NULL);
        struct topo_route *r = &n->routes[n->n_routes++];
        r->iface = -1;
        const char *dst = get_string(ld, rpath, jr, "dst", true);
        const char *gw = get_string(ld, rpath, jr, "gateway", false);
        const char *dev = get_string(ld, rpath, jr, "dev", false);
        r->metric = (int)get_number(ld, rpath, jr, "metric", 0, 0, 1e9, false, true);
        if (ld->failed)
            return;
        if (strcmp(dst, "default") == 0) {
            r->is_default = true;
            r->dst.addr = 0;
            r->dst.len = 0;
        } else if (addr_parse_prefix(dst, &r->dst) < 0) {
            fail(ld, rpath, "\"dst\" must be \"default\" or a network like "
                 "\"198.51.100.0/24\", not \"%s\"", dst);
            return;
        } else {
            r->dst.addr &= addr_mask(r->dst.len);
        }
        if (!gw && !dev) {
            fail(ld, rpath, "a route needs a \"gateway\", a \"dev\" or both");
            return;
        }
        if (gw && addr_parse_ipv4(gw, &r->gateway) < 0) {
            fail(ld, rpath, "\"gateway\" must be an IPv4 address, not \"%s\"", gw);
            return;
        }
        r->has_gateway = gw != NULL;
        if (dev && (r->iface = find_iface(n, dev)) < 0) {
            char dpath[PATH_MAX_LEN];
            snprintf(dpath, sizeof dpath, "%s.dev", rpath);
            fail(ld, dpath, "node \"%s\" has no interface \"%s\"", n->name, dev);
            return;
        }
    }
}

static void load_node(struct loader *ld, int ni, const char *name, json_t *jn)
{
    struct topo_node *n = &ld->t->nodes[ni];
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof path, "$.nodes.%s", name);
    n->name = keep(ld, name);
    if (!valid_name(name, TOPO_NAME_MAX, true)) {
        fail(ld, path, "a node name is 1 to %d letters, digits, '.', '-' or '_', "
             "starting with a letter or digit", TOPO_NAME_MAX);
        return;
    }
    if (!json_is_object(jn)) {
        fail(ld, path, "a node must be an object, like {\"kind\": \"router\"}");
        return;
    }
    static const char *const keys[] = {"kind", "label", "hostname", "interfaces", "routes", NULL};
    check_keys(ld, path, jn, keys, ld->extra ? ld->extra->node : NULL);
    const char *kind = get_string(ld, path, jn, "kind", false);
    if (!kind || strcmp(kind, "host") == 0)
        n->kind = TOPO_HOST;
    else if (strcmp(kind, "router") == 0)
        n->kind = TOPO_ROUTER;
    else if (strcmp(kind, "server") == 0)
        n->kind = TOPO_SERVER;
    else
        fail(ld, path, "\"kind\" must be host, router or server, not \"%s\"", kind);
    n->hostname = keep(ld, get_string(ld, path, jn, "hostname", false));
    get_label(ld, path, jn, "label", &n->label_en, &n->label_ja);
    json_t *ifs = get_typed(ld, path, jn, "interfaces", true);
    if (ifs && !ld->failed)
        load_interfaces(ld, path, ifs, ni);
    json_t *routes = get_typed(ld, path, jn, "routes", false);
    if (routes && !ld->failed)
        load_routes(ld, path, routes, ni);
}

/* ------------------------------------------------------------------------
 * Links.
 */

/* The names a bare endpoint's interfaces get, eth0 to eth254: shared by
 * every topology rather than copied 800,000 times into the arena of a
 * large one. */
#define ETH_TEN(d) "eth" #d "0", "eth" #d "1", "eth" #d "2", "eth" #d "3", "eth" #d "4", \
                   "eth" #d "5", "eth" #d "6", "eth" #d "7", "eth" #d "8", "eth" #d "9"
static const char *const eth_names[IFACES_MAX] = {
    "eth0", "eth1", "eth2", "eth3", "eth4", "eth5", "eth6", "eth7", "eth8", "eth9",
    ETH_TEN(1), ETH_TEN(2), ETH_TEN(3), ETH_TEN(4), ETH_TEN(5), ETH_TEN(6), ETH_TEN(7),
    ETH_TEN(8), ETH_TEN(9), ETH_TEN(10), ETH_TEN(11), ETH_TEN(12), ETH_TEN(13), ETH_TEN(14),
    ETH_TEN(15), ETH_TEN(16), ETH_TEN(17), ETH_TEN(18), ETH_TEN(19), ETH_TEN(20), ETH_TEN(21),
    ETH_TEN(22), ETH_TEN(23), ETH_TEN(24), "eth250", "eth251", "eth252", "eth253", "eth254",
};

/* "node" or "node:iface" to an end; a bare node gets a new interface. */
static bool resolve_end(struct loader *ld, const char *path, const char *s, struct topo_end *e)
{
    char node[TOPO_NAME_MAX + 1];
    const char *colon = strchr(s, ':');
    size_t nlen = colon ? (size_t)(colon - s) : strlen(s);
    if (nlen == 0 || nlen > TOPO_NAME_MAX) {
        fail(ld, path, "\"%s\" is not \"node\" or \"node:interface\"", s);
        return false;
    }
    memcpy(node, s, nlen);
    node[nlen] = '\0';
    e->node = topo_node_index(ld->t, node);
    if (e->node < 0) {
        fail(ld, path, "no node is called \"%s\"", node);
        return false;
    }
    struct topo_node *n = &ld->t->nodes[e->node];
    if (colon) {
        if (!valid_name(colon + 1, 15, true)) {
            fail(ld, path, "\"%s\" is not a valid interface name", colon + 1);
            return false;
        }
        e->iface = find_iface(n, colon + 1);
        if (e->iface >= 0)
            return true;
        /* an interface the node did not list: made here, addressed later */
        e->iface = add_iface(ld, path, e->node, colon + 1, false);
        return e->iface >= 0;
    }
    /* The first free ethN, from a counter per node: names are only ever
     * added, so it never goes back. Only a node whose file names some
     * ethN itself needs its names checked, and then only from where the
     * counter stands (at most IFACES_MAX names, each checked once). */
    int *k = &ld->next_eth[e->node];
    while (*k < IFACES_MAX && ld->eth_named[e->node] && find_iface(n, eth_names[*k]) >= 0)
        ++*k;
    if (*k >= IFACES_MAX) {
        fail(ld, path, "node \"%s\" has more than %d interfaces", n->name, IFACES_MAX);
        return false;
    }
    e->iface = add_iface(ld, path, e->node, eth_names[(*k)++], true);
    return e->iface >= 0;
}

static bool attach(struct loader *ld, const char *path, struct topo_end e, int li)
{
    struct topo_iface *f = &ld->t->nodes[e.node].ifaces[e.iface];
    int *grown = grow_list(ld, SPARE_LINKS, f->links, f->n_links, sizeof *grown);
    if (!grown) {
        fail(ld, path, "out of memory");
        return false;
    }
    f->links = grown;
    f->links[f->n_links++] = li;
    return true;
}

/* The keys a link and "defaults.link" share, with their ranges. */
static const struct link_param {
    const char *key;
    double lo, hi;
    bool lo_open, integer;
} link_params[] = {
    {"delay_ms", 0, 3.6e6, false, false},
    {"bandwidth_kbps", 0, 1e9, true, false},
    {"loss_pct", 0, 100, false, false},
    {"queue", 1, 1e6, false, true},
    {"mtu", 68, 65535, false, true},
};
#define LINK_PARAMS (sizeof link_params / sizeof link_params[0])

/* Parameter k of `l` as a number, and set from one. */
static double link_param(const struct topo_link *l, size_t k)
{
    switch (k) {
    case 0: return (double)l->delay_us / 1000.0;
    case 1: return l->bandwidth_kbps;
    case 2: return l->loss_pct;
    case 3: return l->queue;
    default: return l->mtu;
    }
}

static void set_link_param(struct topo_link *l, size_t k, double x)
{
    switch (k) {
    case 0: l->delay_us = (int64_t)llround(x * 1000.0); break;
    case 1: l->bandwidth_kbps = x; break;
    case 2: l->loss_pct = x; break;
    case 3: l->queue = (int)x; break;
    default: l->mtu = (int)x; break;
    }
}

/* The keys a link and "defaults.link" share, read over `l`'s values. */
static void load_link_params(struct loader *ld, const char *path, json_t *jl, struct topo_link *l)
{
    for (size_t k = 0; k < LINK_PARAMS; k++) {
        const struct link_param *p = &link_params[k];
        set_link_param(l, k, get_number(ld, path, jl, p->key, link_param(l, k), p->lo, p->hi,
                                        p->lo_open, p->integer));
    }
}

static bool get_state(struct loader *ld, const char *path, json_t *obj, bool dflt, bool required)
{
    const char *s = get_string(ld, path, obj, "state", required);
    if (!s)
        return dflt;
    if (strcmp(s, "up") == 0)
        return true;
    if (strcmp(s, "down") != 0)
        fail(ld, path, "\"state\" must be \"up\" or \"down\", not \"%s\"", s);
    return false;
}

static bool alloc_links(struct loader *ld, size_t n)
{
    ld->t->links = calloc(n + 1, sizeof *ld->t->links);
    if (!ld->t->links)
        fail(ld, "$.links", "out of memory");
    return ld->t->links != NULL;
}

/* "$.links[12]" and, when `end` >= 0, ".endpoints[1]" after it: made for
 * every link, so by hand rather than by snprintf. */
static void link_path(char *buf, size_t li, int end)
{
    char digits[24];
    int n = 0;
    do
        digits[n++] = (char)('0' + li % 10);
    while ((li /= 10) > 0);
    memcpy(buf, "$.links[", 8);
    buf += 8;
    while (n > 0)
        *buf++ = digits[--n];
    *buf++ = ']';
    if (end >= 0) {
        memcpy(buf, ".endpoints[", 11);
        buf += 11;
        *buf++ = (char)('0' + end);
        *buf++ = ']';
    }
    *buf = '\0';
}

/* The rest of link `li` once its parameters are read into `l`
 * (t->links[t->n_links]): its two ends (NULL: not a string), joined. */
static void finish_link(struct loader *ld, size_t li, struct topo_link *l,
                        const char *const ends[2])
{
    struct topo *t = ld->t;
    for (int k = 0; k < 2 && !ld->failed; k++) {
        char epath[PATH_MAX_LEN];
        link_path(epath, li, k);
        if (!ends[k])
            fail(ld, epath, "an endpoint must be a string, \"node\" or \"node:interface\"");
        else
            resolve_end(ld, epath, ends[k], &l->end[k]);
    }
    if (ld->failed)
        return;
    char path[PATH_MAX_LEN];
    link_path(path, li, -1);
    if (l->end[0].node == l->end[1].node) {
        fail(ld, path, "a link must join two different nodes, not \"%s\" to itself",
             t->nodes[l->end[0].node].name);
        return;
    }
    if (!attach(ld, path, l->end[0], (int)li) || !attach(ld, path, l->end[1], (int)li))
        return;
    t->n_links++;
}

static void load_link(struct loader *ld, size_t li, json_t *jl)
{
    struct topo *t = ld->t;
    char path[PATH_MAX_LEN];
    link_path(path, li, -1);
    if (!json_is_object(jl)) {
        fail(ld, path, "a link must be an object, like {\"endpoints\": [\"a\", \"b\"]}");
        return;
    }
    static const char *const keys[] = {"endpoints", "delay_ms", "bandwidth_kbps",
                                       "loss_pct", "queue", "mtu", "state", NULL};
    check_keys(ld, path, jl, keys, NULL);
    struct topo_link *l = &t->links[t->n_links];
    *l = ld->defaults;
    load_link_params(ld, path, jl, l);
    l->up = l->up_in_file = get_state(ld, path, jl, true, false);
    json_t *ends = json_object_get(jl, "endpoints");
    if (!ld->failed && (!json_is_array(ends) || json_array_size(ends) != 2)) {
        fail(ld, path, "\"endpoints\" must be a list of two, like [\"pc1:eth0\", \"r1\"]");
        return;
    }
    if (ld->failed)
        return;
    const char *names[2] = {json_string_value(json_array_get(ends, 0)),
                            json_string_value(json_array_get(ends, 1))};
    finish_link(ld, li, l, names);
}

static bool flat_key_is(const struct topo_flat_member *m, const char *key)
{
    return strlen(key) == m->key_len && memcmp(m->key, key, m->key_len) == 0;
}

/* A link read from the text (topo_scan_flat): false, having changed
 * nothing, when it is not one load_link would take without a word; the
 * caller then lets jansson and load_link read it, and say what is wrong. */
static bool load_link_flat(struct loader *ld, size_t li, const struct topo_flat *f)
{
    struct topo_link *l = &ld->t->links[ld->t->n_links];
    struct topo_link read = ld->defaults;
    double given[LINK_PARAMS];
    bool has[LINK_PARAMS] = {false};
    char ends[2][TOPO_NAME_MAX + 20];
    bool has_ends = false;
    read.up = true;
    for (size_t i = 0; i < f->n; i++) {
        const struct topo_flat_member *m = &f->m[i];
        size_t k = 0;
        while (k < LINK_PARAMS && !flat_key_is(m, link_params[k].key))
            k++;
        if (k < LINK_PARAMS) {
            const struct link_param *p = &link_params[k];
            if (m->kind != TOPO_FLAT_NUMBER ||
                !number_ok(m->number, true, m->integer, p->lo, p->hi, p->lo_open, p->integer))
                return false;
            given[k] = m->number;
            has[k] = true;
        } else if (flat_key_is(m, "state")) {
            if (m->kind != TOPO_FLAT_STRING)
                return false;
            if (m->str_len[0] == 2 && memcmp(m->str[0], "up", 2) == 0)
                read.up = true;
            else if (m->str_len[0] == 4 && memcmp(m->str[0], "down", 4) == 0)
                read.up = false;
            else
                return false;
        } else if (flat_key_is(m, "endpoints") && m->kind == TOPO_FLAT_PAIR) {
            for (int e = 0; e < 2; e++) {
                if (m->str_len[e] >= sizeof ends[e])
                    return false;
                memcpy(ends[e], m->str[e], m->str_len[e]);
                ends[e][m->str_len[e]] = '\0';
            }
            has_ends = true;
        } else {
            return false;
        }
    }
    if (!has_ends)
        return false;
    /* as load_link_params does it: a default passes through the number too */
    for (size_t k = 0; k < LINK_PARAMS; k++)
        set_link_param(&read, k, has[k] ? given[k] : link_param(&read, k));
    read.up_in_file = read.up;
    *l = read;
    const char *names[2] = {ends[0], ends[1]};
    finish_link(ld, li, l, names);
    return true;
}

static void load_links(struct loader *ld, json_t *links)
{
    if (!alloc_links(ld, json_array_size(links)))
        return;
    size_t li;
    json_t *jl;
    json_array_foreach(links, li, jl) {
        load_link(ld, li, jl);
        if (ld->failed)
            return;
    }
}

/* The links of a scanned file: each read from the text when it has the
 * usual flat shape, else parsed by jansson, loaded and let go. */
#define LINKS_AHEAD 8            /* links scanned before they are loaded */

/* Scans link li into *f (false: not flat) and prefetches its ends' slots
 * in the name table (topo_node_prefetch). */
static bool scan_ahead(struct loader *ld, size_t li, struct topo_flat *f)
{
    if (topo_scan_flat(ld->scan, &ld->scan->links[li], f) < 0)
        return false;
    for (size_t i = 0; i < f->n; i++)
        if (f->m[i].kind == TOPO_FLAT_PAIR)
            for (int e = 0; e < 2; e++) {
                const char *colon = memchr(f->m[i].str[e], ':', f->m[i].str_len[e]);
                topo_node_prefetch(ld->t, f->m[i].str[e],
                                   colon ? (size_t)(colon - f->m[i].str[e]) : f->m[i].str_len[e]);
            }
    return true;
}

/* The nodes link f joins, asked of the memory: their slots were
 * prefetched LINKS_AHEAD / 2 links ago, so the look-up is quick, and
 * add_iface then finds the node in the cache. */
static void warm_nodes(struct loader *ld, const struct topo_flat *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->m[i].kind == TOPO_FLAT_PAIR)
            for (int e = 0; e < 2; e++) {
                char node[TOPO_NAME_MAX + 1];
                const char *colon = memchr(f->m[i].str[e], ':', f->m[i].str_len[e]);
                size_t n = colon ? (size_t)(colon - f->m[i].str[e]) : f->m[i].str_len[e];
                if (n > TOPO_NAME_MAX)
                    continue;
                memcpy(node, f->m[i].str[e], n);
                node[n] = '\0';
                int ni = topo_node_index(ld->t, node);
#if defined(__GNUC__)
                if (ni >= 0)
                    __builtin_prefetch(&ld->t->nodes[ni]);
#endif
            }
}

static void load_links_scanned(struct loader *ld)
{
    const struct topo_scan *sc = ld->scan;
    if (!alloc_links(ld, sc->n_links))
        return;
    struct topo_flat ahead[LINKS_AHEAD];
    bool flat_ahead[LINKS_AHEAD];
    for (size_t li = 0; li < LINKS_AHEAD && li < sc->n_links; li++)
        flat_ahead[li] = scan_ahead(ld, li, &ahead[li]);
    for (size_t li = 0; li < sc->n_links && !ld->failed; li++) {
        size_t k = li % LINKS_AHEAD;
        bool loaded = flat_ahead[k] && load_link_flat(ld, li, &ahead[k]);
        if (li + LINKS_AHEAD < sc->n_links)
            flat_ahead[k] = scan_ahead(ld, li + LINKS_AHEAD, &ahead[k]);
        size_t half = (li + LINKS_AHEAD / 2) % LINKS_AHEAD;
        if (li + LINKS_AHEAD / 2 < sc->n_links && flat_ahead[half])
            warm_nodes(ld, &ahead[half]);
        if (loaded)
            continue;
        json_t *jl = topo_scan_value(sc, &sc->links[li]);
        if (!jl) {
            ld->reparse = ld->failed = true;
            return;
        }
        load_link(ld, li, jl);
        json_decref(jl);
    }
}

/* "node:iface" names every link on that interface; a pair of endpoints
 * names the link between them. */
static void load_event_target(struct loader *ld, const char *path, json_t *target,
                              struct topo_event *ev)
{
    struct topo *t = ld->t;
    if (json_is_string(target)) {
        const char *s = json_string_value(target);
        const char *colon = strchr(s, ':');
        char node[TOPO_NAME_MAX + 1];
        size_t nlen = colon ? (size_t)(colon - s) : 0;
        int ni = -1, fi = -1;
        if (colon && nlen <= TOPO_NAME_MAX) {
            memcpy(node, s, nlen);
            node[nlen] = '\0';
            if ((ni = topo_node_index(t, node)) >= 0)
                fi = find_iface(&t->nodes[ni], colon + 1);
        }
        if (fi < 0 || t->nodes[ni].ifaces[fi].n_links == 0) {
            fail(ld, path, "\"%s\" is not an interface with a link (write \"node:interface\", "
                 "or the two endpoints of the link)", s);
            return;
        }
        /* the interface's list is complete: every link is loaded by now */
        const struct topo_iface *f = &t->nodes[ni].ifaces[fi];
        ev->links = f->links;
        ev->n_links = f->n_links;
        return;
    }
    if (!json_is_array(target) || json_array_size(target) != 2 ||
        !json_is_string(json_array_get(target, 0)) || !json_is_string(json_array_get(target, 1))) {
        fail(ld, path, "\"link\" must be \"node:interface\" or a list of two endpoints");
        return;
    }
    int ends[2];
    for (int k = 0; k < 2; k++) {
        const char *s = json_string_value(json_array_get(target, (size_t)k));
        char node[TOPO_NAME_MAX + 1];
        size_t nlen = strcspn(s, ":");
        if (nlen > TOPO_NAME_MAX || (memcpy(node, s, nlen), node[nlen] = '\0',
                                     (ends[k] = topo_node_index(t, node)) < 0)) {
            fail(ld, path, "no node is called \"%.*s\"", (int)(nlen > 63 ? 63 : nlen), s);
            return;
        }
    }
    int li = topo_link_between(t, ends[0], ends[1]);
    if (li < 0) {
        fail(ld, path, "no link joins \"%s\" and \"%s\"", t->nodes[ends[0]].name,
             t->nodes[ends[1]].name);
        return;
    }
    ev->one = li;
    ev->links = &ev->one;
    ev->n_links = 1;
}

static void load_events(struct loader *ld, json_t *events)
{
    struct topo *t = ld->t;
    t->events = calloc(json_array_size(events) + 1, sizeof *t->events);
    if (!t->events) {
        fail(ld, "$.events", "out of memory");
        return;
    }
    size_t ei;
    json_t *je;
    json_array_foreach(events, ei, je) {
        char path[PATH_MAX_LEN];
        snprintf(path, sizeof path, "$.events[%zu]", ei);
        if (!json_is_object(je)) {
            fail(ld, path, "an event must be an object, like "
                 "{\"at_ms\": 5000, \"link\": \"r1:eth1\", \"state\": \"down\"}");
            return;
        }
        static const char *const keys[] = {"at_ms", "link", "state", NULL};
        check_keys(ld, path, je, keys, NULL);
        struct topo_event *ev = &t->events[t->n_events++];
        if (!json_object_get(je, "at_ms"))
            fail(ld, path, "\"at_ms\" is missing");
        double at = get_number(ld, path, je, "at_ms", 0, 0, NAN, false, false);
        ev->at_us = (int64_t)llround(at * 1000.0);
        ev->up = get_state(ld, path, je, true, true);
        json_t *target = json_object_get(je, "link");
        if (!target)
            fail(ld, path, "\"link\" is missing");
        if (ld->failed)
            return;
        char lpath[PATH_MAX_LEN];
        snprintf(lpath, sizeof lpath, "%s.link", path);
        load_event_target(ld, lpath, target, ev);
    }
}

static void load_layout(struct loader *ld, json_t *layout)
{
    const char *name;
    json_t *pos;
    json_object_foreach(layout, name, pos) {
        char path[PATH_MAX_LEN];
        snprintf(path, sizeof path, "$.layout.%s", name);
        int ni = topo_node_index(ld->t, name);
        if (ni < 0) {
            fail(ld, path, "no node is called \"%s\"", name);
            return;
        }
        json_t *c = json_array_get(pos, 0), *r = json_array_get(pos, 1);
        if (!json_is_array(pos) || json_array_size(pos) != 2 || !json_is_integer(c) ||
            !json_is_integer(r) || json_integer_value(c) < 0 || json_integer_value(r) < 0 ||
            json_integer_value(c) > 1000 || json_integer_value(r) > 1000) {
            fail(ld, path, "a position is [column, row], two whole numbers from 0 to 1000");
            return;
        }
        struct topo_node *n = &ld->t->nodes[ni];
        n->has_layout = true;
        n->col = (int)json_integer_value(c);
        n->row = (int)json_integer_value(r);
        ld->t->any_layout = true;
    }
}

/* ------------------------------------------------------------------------
 * The nodes, from a tree or member by member.
 */
static bool alloc_nodes(struct loader *ld, size_t n)
{
    if (n == 0) {
        fail(ld, "$", "\"nodes\" is missing or empty: a network needs at least one node");
        return false;
    }
    ld->t->nodes = calloc(n, sizeof *ld->t->nodes);
    ld->next_eth = calloc(n, sizeof *ld->next_eth);
    ld->eth_named = calloc(n, sizeof *ld->eth_named);
    if (!ld->t->nodes || !ld->next_eth || !ld->eth_named) {
        fail(ld, "$.nodes", "out of memory");
        return false;
    }
    return true;
}

/* 1 loaded, 0 failed, -1 its name is taken (a duplicate key). */
static int load_one_node(struct loader *ld, const char *name, json_t *jn)
{
    int ni = (int)ld->t->n_nodes++;
    load_node(ld, ni, name, jn);
    if (ld->failed)
        return 0;
    int added = topo_index_name(ld->t, ni);
    if (added < 0)
        fail(ld, "$.nodes", "out of memory");
    return added > 0 ? 1 : added == 0 ? -1 : 0;
}

static void load_nodes(struct loader *ld, json_t *nodes)
{
    if (!alloc_nodes(ld, json_object_size(nodes)))
        return;
    const char *name;
    json_t *jn;
    json_object_foreach(nodes, name, jn) {
        if (load_one_node(ld, name, jn) <= 0)
            return;             /* a tree has no duplicate keys */
    }
}

static void load_nodes_scanned(struct loader *ld)
{
    const struct topo_scan *sc = ld->scan;
    if (!alloc_nodes(ld, sc->n_nodes))
        return;
    for (size_t i = 0; i < sc->n_nodes; i++) {
        const struct topo_span *sp = &sc->nodes[i];
        char name[TOPO_NAME_MAX + 2];
        json_t *jn = sp->key_len < sizeof name ? topo_scan_value(sc, sp) : NULL;
        if (!jn) {
            /* a name too long for any node: let the tree's loader say so */
            ld->reparse = ld->failed = true;
            return;
        }
        memcpy(name, sc->text + sp->key, sp->key_len);
        name[sp->key_len] = '\0';
        int r = load_one_node(ld, name, jn);
        json_decref(jn);
        if (r < 0)
            ld->reparse = ld->failed = true;   /* jansson names the duplicate */
        if (r <= 0)
            return;
    }
}

/* ------------------------------------------------------------------------
 * Top level.
 */
int topo_segments_build(struct topo *t, char *err);   /* topo_segment.c */
int topo_routes_check(struct topo *t, char *err);     /* topo_segment.c */

static void load_top(struct loader *ld, json_t *doc)
{
    struct topo *t = ld->t;
    if (!json_is_object(doc)) {
        fail(ld, "$", "a topology must be a JSON object with \"nodes\" and \"links\"");
        return;
    }
    static const char *const keys[] = {"schema", "name", "message", "defaults", "nodes",
                                       "links", "events", "layout", NULL};
    check_keys(ld, "$", doc, keys, ld->extra ? ld->extra->top : NULL);
    const char *schema = get_string(ld, "$", doc, "schema", false);
    if (schema && strcmp(schema, "tutor-topology/1") != 0 && strcmp(schema, "tutor-world/1") != 0)
        fail(ld, "$.schema", "unknown schema \"%s\" (this program reads \"tutor-topology/1\" "
             "and \"tutor-world/1\")", schema);
    t->name = keep(ld, get_string(ld, "$", doc, "name", false));
    get_label(ld, "$", doc, "message", &t->message_en, &t->message_ja);

    ld->defaults.delay_us = 1000;
    ld->defaults.bandwidth_kbps = 100000;
    ld->defaults.loss_pct = 0;
    ld->defaults.queue = 64;
    ld->defaults.mtu = 1500;
    ld->defaults.up = true;
    json_t *defaults = get_typed(ld, "$", doc, "defaults", true);
    if (defaults) {
        static const char *const dkeys[] = {"link", NULL};
        check_keys(ld, "$.defaults", defaults, dkeys, NULL);
        json_t *dl = get_typed(ld, "$.defaults", defaults, "link", true);
        if (dl) {
            static const char *const lkeys[] = {"delay_ms", "bandwidth_kbps", "loss_pct",
                                                "queue", "mtu", NULL};
            check_keys(ld, "$.defaults.link", dl, lkeys, NULL);
            load_link_params(ld, "$.defaults.link", dl, &ld->defaults);
        }
    }
    if (ld->failed)
        return;

    if (ld->scan && ld->scan->nodes)
        load_nodes_scanned(ld);
    else
        load_nodes(ld, get_typed(ld, "$", doc, "nodes", true));
    if (ld->failed)
        return;
    if (ld->scan && ld->scan->links) {
        load_links_scanned(ld);
    } else {
        json_t *links = get_typed(ld, "$", doc, "links", false);
        if (links)
            load_links(ld, links);
    }
    if (ld->failed || topo_segments_build(t, ld->err) < 0 || topo_routes_check(t, ld->err) < 0) {
        ld->failed = true;
        return;
    }
    json_t *events = get_typed(ld, "$", doc, "events", false);
    if (events)
        load_events(ld, events);
    json_t *layout = get_typed(ld, "$", doc, "layout", true);
    if (layout && !ld->failed)
        load_layout(ld, layout);
}

static struct topo *load(json_t *doc, const struct topo_scan *scan, const char *file,
                         const struct topo_extra_keys *extra, char err[TOPO_ERROR_MAX],
                         bool *reparse)
{
    struct topo *t = calloc(1, sizeof *t);
    if (!t || !(t->file = strdup(file)) || !(t->index = topo_index_new())) {
        snprintf(err, TOPO_ERROR_MAX, "%s: out of memory", file);
        topo_free(t);
        return NULL;
    }
    struct loader ld = {.t = t, .err = err, .extra = extra, .scan = scan};
    load_top(&ld, doc);
    free(ld.next_eth);
    free(ld.eth_named);
    if (reparse)
        *reparse = ld.reparse;
    if (ld.failed) {
        topo_free(t);
        return NULL;
    }
    return t;
}

struct topo *topo_load_doc(json_t *doc, const char *file, const struct topo_extra_keys *extra,
                           char err[TOPO_ERROR_MAX])
{
    return load(doc, NULL, file, extra, err, NULL);
}

/* A file is scanned and read member by member, its tree never whole;
 * what the scan cannot read, jansson parses whole, for its messages. */
struct topo *topo_load_file(const char *path, const struct topo_extra_keys *extra,
                            char err[TOPO_ERROR_MAX])
{
    size_t len;
    char *text = topo_json_read(path, &topo_json_limits, &len, err);
    if (!text)
        return NULL;
    struct topo *t = NULL;
    struct topo_scan sc;
    bool reparse = true;
    if (topo_scan(&sc, text, len) == 0) {
        t = load(sc.rest, &sc, path, extra, err, &reparse);
        topo_scan_free(&sc);
    }
    if (!t && reparse) {
        json_t *doc = topo_json_parse(path, text, len, err);
        if (doc)
            t = topo_load_doc(doc, path, extra, err);
        json_decref(doc);
    }
    free(text);
    return t;
}

void topo_free(struct topo *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_nodes; i++)
        free(t->nodes[i].routes);   /* interfaces and their links are in the arena */
    free(t->nodes);
    free(t->links);
    free(t->events);
    free(t->segment_members);
    free(t->segments);
    while (t->arena) {
        struct topo_arena *next = t->arena->next;
        free(t->arena);
        t->arena = next;
    }
    topo_index_free(t->index);
    free(t->file);
    free(t);
}
