/*
 * route — see route.h.
 *
 * The shortest-path search runs from both ends, the node that asks and
 * every node on the destination network, and stops when the two meet on
 * a shortest path; the next hop of every node on that path is what the
 * cache keeps.
 */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include "topo_index.h"

/* Path cost: delay in the high bits, hop count in the low 16, so equal
 * delays prefer fewer hops. */
#define HOP_BITS 16

struct cached {
    int link;
    int next_node;
    int64_t cost;               /* packed delay and hops */
};

struct heap_item {
    int64_t cost;
    int node;
};

struct heap {
    struct heap_item *items;
    size_t n, cap;
};

/* One direction of the two-sided search. */
struct side {
    int64_t *dist;
    int *link;                  /* the link it was reached over */
    int *from;                  /* the node it was reached from */
    unsigned *mark;             /* == epoch: dist/link/from are this search's */
    struct heap heap;
};

struct router {
    struct topo *t;
    /* adjacency, compressed: node i's links are adj[start[i] .. start[i+1]) */
    int *start;
    int *adj_link;
    int *adj_to;
    struct side fwd, bwd;       /* from the source; from the destination network */
    unsigned epoch;
    /* the path the last search found: path_node[0] is the source */
    int *path_node, *path_link;
    int64_t *path_left;         /* packed cost from there to the network */
    size_t path_len;
    /* cache: (node, segment) -> entries[] */
    struct imap cache;
    struct cached *entries;
    size_t n_entries, cap_entries;
    long searches;
};

static bool side_init(struct side *s, size_t n)
{
    s->dist = malloc((n + 1) * sizeof *s->dist);
    s->link = malloc((n + 1) * sizeof *s->link);
    s->from = malloc((n + 1) * sizeof *s->from);
    s->mark = calloc(n + 1, sizeof *s->mark);
    return s->dist && s->link && s->from && s->mark;
}

static void side_free(struct side *s)
{
    free(s->dist);
    free(s->link);
    free(s->from);
    free(s->mark);
    free(s->heap.items);
}

struct router *router_new(struct topo *t)
{
    struct router *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->t = t;
    size_t n = t->n_nodes, m = t->n_links;
    r->start = calloc(n + 1, sizeof *r->start);
    r->adj_link = malloc((2 * m + 1) * sizeof *r->adj_link);
    r->adj_to = malloc((2 * m + 1) * sizeof *r->adj_to);
    r->path_node = malloc((n + 1) * sizeof *r->path_node);
    r->path_link = malloc((n + 1) * sizeof *r->path_link);
    r->path_left = malloc((n + 1) * sizeof *r->path_left);
    bool sides = side_init(&r->fwd, n) & side_init(&r->bwd, n);
    if (!r->start || !r->adj_link || !r->adj_to || !sides || !r->path_node || !r->path_link ||
        !r->path_left) {
        router_free(r);
        return NULL;
    }
    for (size_t li = 0; li < m; li++) {
        r->start[t->links[li].end[0].node + 1]++;
        r->start[t->links[li].end[1].node + 1]++;
    }
    for (size_t i = 0; i < n; i++)
        r->start[i + 1] += r->start[i];
    int *fill = calloc(n + 1, sizeof *fill);
    if (!fill) {
        router_free(r);
        return NULL;
    }
    for (size_t li = 0; li < m; li++)
        for (int k = 0; k < 2; k++) {
            int a = t->links[li].end[k].node, b = t->links[li].end[!k].node;
            int at = r->start[a] + fill[a]++;
            r->adj_link[at] = (int)li;
            r->adj_to[at] = b;
        }
    free(fill);
    return r;
}

void router_free(struct router *r)
{
    if (!r)
        return;
    free(r->start);
    free(r->adj_link);
    free(r->adj_to);
    side_free(&r->fwd);
    side_free(&r->bwd);
    free(r->path_node);
    free(r->path_link);
    free(r->path_left);
    imap_free(&r->cache);
    free(r->entries);
    free(r);
}

void router_invalidate(struct router *r)
{
    imap_clear(&r->cache);
    r->n_entries = 0;
}

struct router_stats router_stats(const struct router *r)
{
    return (struct router_stats){r->searches, (long)r->n_entries};
}

/* ------------------------------------------------------------------------
 * The search: Dijkstra from both ends at once (binary heaps, lazy
 * deletion), which on networks of thousands of routers visits a small
 * part of what a one-sided search would.
 */
static bool heap_push(struct heap *h, int64_t cost, int node)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        struct heap_item *items = realloc(h->items, cap * sizeof *items);
        if (!items)
            return false;
        h->items = items;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->items[p].cost <= cost)
            break;
        h->items[i] = h->items[p];
        i = p;
    }
    h->items[i] = (struct heap_item){cost, node};
    return true;
}

static struct heap_item heap_pop(struct heap *h)
{
    struct heap_item top = h->items[0], last = h->items[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && h->items[c + 1].cost < h->items[c].cost)
            c++;
        if (h->items[c].cost >= last.cost)
            break;
        h->items[i] = h->items[c];
        i = c;
    }
    if (n)
        h->items[i] = last;
    return top;
}

static bool reached(const struct router *r, const struct side *s, int node)
{
    return s->mark[node] == r->epoch;
}

static bool reach(struct router *r, struct side *s, int node, int64_t cost, int link, int from)
{
    if (reached(r, s, node) && s->dist[node] <= cost)
        return true;
    s->mark[node] = r->epoch;
    s->dist[node] = cost;
    s->link[node] = link;
    s->from[node] = from;
    return heap_push(&s->heap, cost, node);
}

/* Drops stale heap entries; the smallest live cost, or INT64_MAX. */
static int64_t heap_top(const struct router *r, struct side *s)
{
    while (s->heap.n) {
        struct heap_item it = s->heap.items[0];
        if (reached(r, s, it.node) && s->dist[it.node] == it.cost)
            return it.cost;
        heap_pop(&s->heap);
    }
    return INT64_MAX;
}

/* A path may pass through routers only: the source sends, the network's
 * own nodes deliver, and every node between passes packets on. */
static bool forwards(const struct topo *t, int node, int src)
{
    return node == src || t->nodes[node].kind == TOPO_ROUTER;
}

/* Finds a shortest path from `src` to segment `seg` and leaves it in
 * path_node/path_link/path_left. false when there is none. */
static bool search(struct router *r, int src, int seg)
{
    const struct topo *t = r->t;
    r->searches++;
    if (++r->epoch == 0) {      /* wrapped: old marks could look current */
        memset(r->fwd.mark, 0, t->n_nodes * sizeof *r->fwd.mark);
        memset(r->bwd.mark, 0, t->n_nodes * sizeof *r->bwd.mark);
        r->epoch = 1;
    }
    r->fwd.heap.n = r->bwd.heap.n = 0;
    const struct topo_segment *sg = &t->segments[seg];
    for (size_t m = 0; m < sg->n_members; m++)
        if (!reach(r, &r->bwd, sg->members[m].node, 0, -1, -1))
            return false;
    if (!reach(r, &r->fwd, src, 0, -1, -1))
        return false;
    /* best: the shortest whole path seen so far, through edge a -> b */
    int64_t best = reached(r, &r->bwd, src) ? 0 : INT64_MAX;
    int best_a = best == 0 ? src : -1, best_b = -1, best_link = -1;
    for (;;) {
        int64_t tf = heap_top(r, &r->fwd), tb = heap_top(r, &r->bwd);
        if (tf == INT64_MAX || tb == INT64_MAX || tf + tb >= best)
            break;
        bool forward = r->fwd.heap.n <= r->bwd.heap.n;
        struct side *s = forward ? &r->fwd : &r->bwd, *o = forward ? &r->bwd : &r->fwd;
        struct heap_item it = heap_pop(&s->heap);
        int v = it.node;
        /* forward: v sends on, so it must be the source or a router;
         * backward: v was reached as a sender, checked when reached */
        if (forward && !forwards(t, v, src))
            continue;
        if (!forward && s->dist[v] > 0 && !forwards(t, v, src))
            continue;
        for (int e = r->start[v]; e < r->start[v + 1]; e++) {
            const struct topo_link *l = &t->links[r->adj_link[e]];
            if (!l->up)
                continue;
            int u = r->adj_to[e];
            int64_t c = it.cost + (l->delay_us << HOP_BITS) + 1;
            /* backward, u would send to v: only the source and routers do */
            if (!forward && !forwards(t, u, src))
                continue;
            if (!reach(r, s, u, c, r->adj_link[e], v))
                return false;
            if (reached(r, o, u) && c + o->dist[u] < best) {
                /* forward: src..v -> u..seg; backward: src..u -> v..seg */
                if (forward && o->dist[u] > 0 && !forwards(t, u, src))
                    continue;
                best = c + o->dist[u];
                best_a = forward ? v : u;
                best_b = forward ? u : v;
                best_link = r->adj_link[e];
            }
        }
    }
    if (best == INT64_MAX)
        return false;
    /* src .. best_a from the forward side, reversed; then best_b .. seg */
    size_t n = 0;
    for (int v = best_a; v >= 0; v = r->fwd.from[v])
        r->path_node[n++] = v;
    for (size_t i = 0; i < n / 2; i++) {
        int tmp = r->path_node[i];
        r->path_node[i] = r->path_node[n - 1 - i];
        r->path_node[n - 1 - i] = tmp;
    }
    for (size_t i = 0; i + 1 < n; i++)
        r->path_link[i] = r->fwd.link[r->path_node[i + 1]];
    if (best_b >= 0) {
        r->path_link[n - 1] = best_link;
        for (int v = best_b; v >= 0; v = r->bwd.from[v]) {
            r->path_node[n] = v;
            r->path_link[n] = r->bwd.from[v] >= 0 ? r->bwd.link[v] : -1;
            n++;
        }
    } else {
        r->path_link[n - 1] = -1;
    }
    r->path_len = n;
    /* cost left at each node: walk back from the end */
    int64_t left = 0;
    for (size_t i = n; i-- > 0;) {
        r->path_left[i] = left;
        if (i > 0) {
            const struct topo_link *l = &t->links[r->path_link[i - 1]];
            left += (l->delay_us << HOP_BITS) + 1;
        }
    }
    return true;
}

int router_search(struct router *r, int src, uint32_t dst, int64_t *cost_us)
{
    int seg = topo_segment_of(r->t, dst);
    if (seg < 0 || !search(r, src, seg))
        return -1;
    if (cost_us)
        *cost_us = r->path_left[0] >> HOP_BITS;
    return (int)(r->path_left[0] & ((1 << HOP_BITS) - 1));
}

static const struct cached *cache_get(struct router *r, int node, int seg)
{
    int i = imap_get(&r->cache, (uint64_t)node * r->t->n_segments + (uint64_t)seg);
    return i < 0 ? NULL : &r->entries[i];
}

/* Keeps the next hop of every node on the path just found: each part of
 * a shortest path is a shortest path too. */
static void cache_path(struct router *r, int seg)
{
    for (size_t i = 0; i + 1 < r->path_len; i++) {
        if (r->n_entries == r->cap_entries) {
            size_t cap = r->cap_entries ? r->cap_entries * 2 : 256;
            struct cached *e = realloc(r->entries, cap * sizeof *e);
            if (!e)
                return;         /* not cached: searched again next time */
            r->entries = e;
            r->cap_entries = cap;
        }
        int old;
        uint64_t key = (uint64_t)r->path_node[i] * r->t->n_segments + (uint64_t)seg;
        if (!imap_put(&r->cache, key, (int)r->n_entries, &old))
            return;
        if (old >= 0)
            continue;
        r->entries[r->n_entries++] =
            (struct cached){r->path_link[i], r->path_node[i + 1], r->path_left[i]};
    }
}

/* ------------------------------------------------------------------------
 * Choosing a route.
 */

/* The link out of `iface` that reaches `to`: the link joining them, or
 * else the one to the segment's hub (an interface with several links). */
static int link_toward(const struct topo *t, int node, int iface, int to)
{
    const struct topo_iface *f = &t->nodes[node].ifaces[iface];
    for (size_t k = 0; k < f->n_links; k++) {
        const struct topo_link *l = &t->links[f->links[k]];
        int other = l->end[0].node == node && l->end[0].iface == iface ? 1 : 0;
        if (l->end[other].node == to)
            return f->links[k];
    }
    for (size_t k = 0; k < f->n_links; k++) {
        const struct topo_link *l = &t->links[f->links[k]];
        int other = l->end[0].node == node && l->end[0].iface == iface ? 1 : 0;
        if (t->nodes[l->end[other].node].ifaces[l->end[other].iface].n_links > 1)
            return f->links[k];
    }
    return f->n_links == 1 ? f->links[0] : -1;
}

static int other_node(const struct topo *t, int link, int node)
{
    const struct topo_link *l = &t->links[link];
    return l->end[0].node == node ? l->end[1].node : l->end[0].node;
}

/* Fills where a packet for `target` (an address on iface's network) goes. */
static void aim(const struct topo *t, int node, struct route_choice *c, uint32_t target)
{
    int owner = topo_addr_owner(t, target, NULL);
    c->next_node = -1;
    c->link = -1;
    if (owner < 0 || owner == node)
        return;
    c->link = link_toward(t, node, c->iface, owner);
    if (c->link >= 0)
        c->next_node = other_node(t, c->link, node);
}

static size_t add_match(struct route_choice *out, size_t n, size_t max, struct route_choice c)
{
    if (n < max)
        out[n] = c;
    return n + 1;
}

/* Is `a` preferred to `b`? */
static bool better(const struct route_choice *a, const struct route_choice *b)
{
    if (a->dst.len != b->dst.len)
        return a->dst.len > b->dst.len;
    if ((a->kind == ROUTE_CONNECTED) != (b->kind == ROUTE_CONNECTED))
        return a->kind == ROUTE_CONNECTED;
    if (a->metric != b->metric)
        return a->metric < b->metric;
    return a->static_index < b->static_index;
}

static size_t collect(struct router *r, int node, uint32_t dst, struct route_choice *out,
                      size_t max)
{
    const struct topo *t = r->t;
    const struct topo_node *n = &t->nodes[node];
    size_t count = 0;
    bool connected_seg = false;
    int dseg = topo_segment_of(t, dst);
    for (size_t fi = 0; fi < n->n_ifaces; fi++) {
        const struct topo_iface *f = &n->ifaces[fi];
        if (f->ipv4.len < 0 || !addr_in_prefix(dst, &f->ipv4))
            continue;
        struct route_choice c = {.kind = ROUTE_CONNECTED, .iface = (int)fi, .static_index = -1};
        c.dst.addr = f->ipv4.addr & addr_mask(f->ipv4.len);
        c.dst.len = f->ipv4.len;
        aim(t, node, &c, dst);
        count = add_match(out, count, max, c);
        if (f->segment == dseg)
            connected_seg = true;
    }
    if (n->static_routes) {
        for (size_t ri = 0; ri < n->n_routes; ri++) {
            const struct topo_route *sr = &n->routes[ri];
            if (!sr->is_default && !addr_in_prefix(dst, &sr->dst))
                continue;
            struct route_choice c = {
                .kind = ROUTE_STATIC, .dst = sr->dst, .is_default = sr->is_default,
                .has_gateway = sr->has_gateway, .gateway = sr->gateway, .iface = sr->iface,
                .metric = sr->metric, .static_index = (int)ri,
            };
            aim(t, node, &c, sr->has_gateway ? sr->gateway : dst);
            count = add_match(out, count, max, c);
        }
    } else if (dseg >= 0 && !connected_seg) {
        const struct cached *e = cache_get(r, node, dseg);
        if (!e && search(r, node, dseg)) {
            cache_path(r, dseg);
            e = cache_get(r, node, dseg);
        }
        if (e) {
            const struct topo_link *l = &t->links[e->link];
            int k = l->end[0].node == node ? 0 : 1;
            struct route_choice c = {
                .kind = ROUTE_COMPUTED, .dst = t->segments[dseg].net, .has_gateway = true,
                .iface = l->end[k].iface, .static_index = -1,
                .cost_us = e->cost >> HOP_BITS, .hops = (int)(e->cost & ((1 << HOP_BITS) - 1)),
                .next_node = e->next_node, .link = e->link,
            };
            const struct topo_end far = l->end[!k];
            c.gateway = t->nodes[far.node].ifaces[far.iface].ipv4.addr;
            count = add_match(out, count, max, c);
        }
    }
    /* order of preference: a few entries, so insertion sort */
    size_t kept = count < max ? count : max;
    for (size_t i = 1; i < kept; i++)
        for (size_t j = i; j > 0 && better(&out[j], &out[j - 1]); j--) {
            struct route_choice tmp = out[j];
            out[j] = out[j - 1];
            out[j - 1] = tmp;
        }
    return count;
}

size_t router_matches(struct router *r, int node, uint32_t dst, struct route_choice *out,
                      size_t max)
{
    size_t n = collect(r, node, dst, out, max);
    return n < max ? n : max;
}

int router_lookup(struct router *r, int node, uint32_t dst, struct route_choice *out,
                  int *n_matched)
{
    struct route_choice all[ROUTE_MATCHES_MAX];
    size_t n = collect(r, node, dst, all, ROUTE_MATCHES_MAX);
    if (n_matched)
        *n_matched = (int)n;
    if (n == 0)
        return -1;
    *out = all[0];
    return 0;
}
