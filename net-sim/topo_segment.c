/*
 * topo_segment — interfaces joined by links become network segments; the
 * addresses a file leaves out are assigned; static routes are checked
 * against the networks. Part of loading a topology (topo_load.c).
 *
 * Assigned networks come from 10.0.0.0/8: a file that gives no addresses
 * is a private network, and 16 million addresses leave room for the
 * largest generated topologies. Networks the file uses are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_index.h"

#define POOL_START 0x0a000000u  /* 10.0.0.0 */
#define POOL_END   0x0b000000u  /* 11.0.0.0, not included */

int topo_segments_build(struct topo *t, char *err);
int topo_routes_check(struct topo *t, char *err);

static int seg_fail(struct topo *t, char *err, const struct topo_end *e, const char *fmt,
                    const char *a, const char *b)
{
    char what[TOPO_ERROR_MAX];
    snprintf(what, sizeof what, fmt, a, b);
    if (e)
        snprintf(err, TOPO_ERROR_MAX, "%s: $.nodes.%s.interfaces.%s.ipv4: %s", t->file,
                 t->nodes[e->node].name, t->nodes[e->node].ifaces[e->iface].name, what);
    else
        snprintf(err, TOPO_ERROR_MAX, "%s: %s", t->file, what);
    return -1;
}

static int find_root(int *parent, int x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static struct topo_iface *iface_of(struct topo *t, struct topo_end e)
{
    return &t->nodes[e.node].ifaces[e.iface];
}

#define AHEAD 8     /* members fetched ahead; about a cache miss's worth of work */

/* Members are visited in link order, which at 100,000 nodes makes each
 * interface a cache miss, and its node before it: the node of the member
 * 2 * AHEAD on and the interface of the one AHEAD on (whose node came
 * AHEAD members ago) are fetched while this one is worked on. Always
 * inlined: GCC 12 finds a function of prefetches alone "pure", and so
 * drops every call of it whose result (none) is unused. */
static inline __attribute__((always_inline)) void prefetch_member(const struct topo *t, const struct topo_end *m, size_t i, size_t n)
{
    if (i + 2 * AHEAD < n)
        __builtin_prefetch(&t->nodes[m[i + 2 * AHEAD].node]);
    if (i + AHEAD < n)
        __builtin_prefetch(&t->nodes[m[i + AHEAD].node].ifaces[m[i + AHEAD].iface]);
}

/* Members in the order links list them, then addressed interfaces that no
 * link joins (each a segment of its own). */
static int collect_members(struct topo *t, const size_t *base, int *parent, int *seg_of_root,
                           size_t total, bool **any_addressed, char *err)
{
    struct topo_end *order = malloc((total + 1) * sizeof *order);
    int *seg = malloc((total + 1) * sizeof *seg);     /* order[i]'s segment */
    size_t *count = NULL;
    bool *seen = calloc(total + 1, sizeof *seen);
    size_t n_order = 0;
    if (!order || !seg || !seen)
        goto oom;
    for (size_t li = 0; li < t->n_links; li++)
        for (int k = 0; k < 2; k++) {
            struct topo_end e = t->links[li].end[k];
            size_t g = base[e.node] + (size_t)e.iface;
            if (!seen[g]) {
                seen[g] = true;
                order[n_order++] = e;
            }
        }
    for (size_t ni = 0; ni < t->n_nodes; ni++)
        for (size_t fi = 0; fi < t->nodes[ni].n_ifaces; fi++)
            if (!seen[base[ni] + fi] && t->nodes[ni].ifaces[fi].ipv4.len >= 0) {
                seen[base[ni] + fi] = true;
                order[n_order++] = (struct topo_end){(int)ni, (int)fi};
            }
    /* each member's root looked up once: parent[] is as long as all the
     * interfaces, and every look a cache miss */
    for (size_t i = 0; i < n_order; i++) {
        int r = find_root(parent, (int)(base[order[i].node] + (size_t)order[i].iface));
        if (seg_of_root[r] < 0)
            seg_of_root[r] = (int)t->n_segments++;
        seg[i] = seg_of_root[r];
    }
    t->segments = calloc(t->n_segments + 1, sizeof *t->segments);
    count = calloc(t->n_segments + 1, sizeof *count);
    *any_addressed = calloc(t->n_segments + 1, sizeof **any_addressed);
    t->segment_members = malloc((n_order + 1) * sizeof *t->segment_members);
    if (!t->segments || !count || !*any_addressed || !t->segment_members)
        goto oom;
    t->n_segment_members = n_order;
    for (size_t i = 0; i < n_order; i++)
        count[seg[i]]++;
    size_t start = 0;
    for (size_t s = 0; s < t->n_segments; s++) {
        t->segments[s].members = t->segment_members + start;
        start += count[s];
    }
    for (size_t i = 0; i < n_order; i++) {
        prefetch_member(t, order, i, n_order);
        int s = seg[i];
        struct topo_segment *sg = &t->segments[s];
        sg->members[sg->n_members++] = order[i];
        struct topo_iface *f = iface_of(t, order[i]);
        f->segment = s;
        (*any_addressed)[s] |= f->ipv4.len >= 0;
    }
    free(order);
    free(seg);
    free(count);
    free(seen);
    return 0;
oom:
    free(order);
    free(seg);
    free(count);
    free(seen);
    snprintf(err, TOPO_ERROR_MAX, "%s: out of memory", t->file);
    return -1;
}

/* Every addressed member of a segment must be on one network. */
static int check_one_network(struct topo *t, struct topo_segment *sg, char *err)
{
    const struct topo_end *first = NULL;
    for (size_t m = 0; m < sg->n_members; m++) {
        const struct topo_iface *f = iface_of(t, sg->members[m]);
        if (f->ipv4.len < 0)
            continue;
        if (!first) {
            first = &sg->members[m];
            sg->net.addr = f->ipv4.addr & addr_mask(f->ipv4.len);
            sg->net.len = f->ipv4.len;
            continue;
        }
        if (f->ipv4.len != sg->net.len ||
            (f->ipv4.addr & addr_mask(f->ipv4.len)) != sg->net.addr) {
            char a[ADDR_PREFIX_STRLEN], other[2 * TOPO_NAME_MAX];
            char net[ADDR_IPV4_STRLEN];
            snprintf(a, sizeof a, "%s/%d", addr_format_ipv4(sg->net.addr, net), sg->net.len);
            topo_end_name(t, *first, other, sizeof other);
            return seg_fail(t, err, &sg->members[m],
                            "a link joins it to %s, which is on network %s: the ends of "
                            "a link must be on one network", other, a);
        }
    }
    return first ? 1 : 0;
}

static bool overlaps(uint32_t a, int alen, uint32_t b, int blen)
{
    int len = alen < blen ? alen : blen;
    return ((a ^ b) & addr_mask(len)) == 0;
}

/* The next free block of the pool big enough for `members` hosts. */
static int pick_network(uint32_t *cursor, size_t members,
                        const struct ipv4_prefix *used, size_t n_used, struct ipv4_prefix *out)
{
    int len = 30;
    while (len > 8 && ((1u << (32 - len)) - 2) < members)
        len--;
    uint32_t size = 1u << (32 - len);
    uint32_t c = (*cursor + size - 1) & ~(size - 1);
    for (;;) {
        if (c < *cursor || (uint64_t)c + size > POOL_END)
            return -1;
        bool clash = false;
        for (size_t i = 0; i < n_used && !clash; i++)
            clash = overlaps(c, len, used[i].addr, used[i].len);
        if (!clash)
            break;
        c += size;
    }
    out->addr = c;
    out->len = len;
    *cursor = c + size;
    return 0;
}

static int index_address(struct topo *t, struct topo_end e, char *err)
{
    struct topo_iface *f = iface_of(t, e);
    int old;
    if (!imap_put(&t->index->addrs, f->ipv4.addr, e.node << 8 | e.iface, &old)) {
        snprintf(err, TOPO_ERROR_MAX, "%s: out of memory", t->file);
        return -1;
    }
    if (old >= 0) {
        char a[ADDR_IPV4_STRLEN], other[2 * TOPO_NAME_MAX];
        topo_end_name(t, (struct topo_end){old >> 8, old & 0xff}, other, sizeof other);
        return seg_fail(t, err, &e, "address %s is already used by %s",
                        addr_format_ipv4(f->ipv4.addr, a), other);
    }
    return 0;
}

/* Unaddressed members of a segment get its lowest free hosts. `fresh`:
 * the network was just picked from the pool, clear of every address the
 * file gives, so no host of it can be taken yet. */
static int fill_segment(struct topo *t, struct topo_segment *sg, bool fresh, char *err)
{
    uint32_t next = sg->net.addr + 1;
    uint32_t last = sg->net.len >= 31 ? (sg->net.addr | ~addr_mask(sg->net.len))
                                      : (sg->net.addr | ~addr_mask(sg->net.len)) - 1;
    if (sg->net.len >= 31)
        next = sg->net.addr;
    size_t first = (size_t)(sg->members - t->segment_members);
    for (size_t m = 0; m < sg->n_members; m++) {
        prefetch_member(t, t->segment_members, first + m, t->n_segment_members);
        struct topo_iface *f = iface_of(t, sg->members[m]);
        if (f->ipv4.len >= 0)
            continue;
        while (!fresh && next <= last && imap_get(&t->index->addrs, next) >= 0)
            next++;
        if (next > last || next == 0) {
            char a[ADDR_IPV4_STRLEN], net[ADDR_PREFIX_STRLEN];
            snprintf(net, sizeof net, "%s/%d", addr_format_ipv4(sg->net.addr, a), sg->net.len);
            return seg_fail(t, err, &sg->members[m],
                            "network %s has no address left for this interface%s", net, "");
        }
        f->ipv4.addr = next++;
        f->ipv4.len = sg->net.len;
        if (index_address(t, sg->members[m], err) < 0)
            return -1;
    }
    return 0;
}

int topo_segments_build(struct topo *t, char *err)
{
    size_t *base = calloc(t->n_nodes + 1, sizeof *base), total = 0;
    if (!base) {
        snprintf(err, TOPO_ERROR_MAX, "%s: out of memory", t->file);
        return -1;
    }
    for (size_t i = 0; i < t->n_nodes; i++) {
        base[i] = total;
        total += t->nodes[i].n_ifaces;
    }
    int *parent = malloc((total + 1) * sizeof *parent);
    int *seg_of_root = malloc((total + 1) * sizeof *seg_of_root);
    /* per segment: some member has an address the file gives (its
     * interfaces are visited once here, for a topology of 100,000
     * nodes a cache miss each, so not again by check_one_network) */
    bool *addressed = NULL;
    struct ipv4_prefix *used = NULL;
    int rc = -1;
    /* every interface on a link gets an address: room for them at once,
     * rather than rehashing the table twenty times on the way */
    if (!parent || !seg_of_root || !imap_reserve(&t->index->addrs, total))
        goto oom;
    for (size_t i = 0; i < total; i++) {
        parent[i] = (int)i;
        seg_of_root[i] = -1;
    }
    for (size_t li = 0; li < t->n_links; li++) {
        const struct topo_link *l = &t->links[li];
        int a = find_root(parent, (int)(base[l->end[0].node] + (size_t)l->end[0].iface));
        int b = find_root(parent, (int)(base[l->end[1].node] + (size_t)l->end[1].iface));
        parent[a] = b;
    }
    if (collect_members(t, base, parent, seg_of_root, total, &addressed, err) < 0)
        goto out;
    if (!imap_reserve(&t->index->nets, t->n_segments))
        goto oom;

    /* Addresses the file gives first, so that assigned ones avoid them. */
    used = calloc(t->n_segments + 1, sizeof *used);
    size_t n_used = 0;
    if (!used)
        goto oom;
    for (size_t s = 0; s < t->n_segments; s++) {
        if (!addressed[s])
            continue;
        int r = check_one_network(t, &t->segments[s], err);
        if (r < 0)
            goto out;
        if ((addressed[s] = r == 1))
            used[n_used++] = t->segments[s].net;
    }
    for (size_t s = 0; s < t->n_segments; s++)
        for (size_t m = 0; addressed[s] && m < t->segments[s].n_members; m++)
            if (iface_of(t, t->segments[s].members[m])->ipv4.len >= 0 &&
                index_address(t, t->segments[s].members[m], err) < 0)
                goto out;
    uint32_t cursor = POOL_START;
    for (size_t s = 0; s < t->n_segments; s++) {
        struct topo_segment *sg = &t->segments[s];
        if (!addressed[s] &&
            pick_network(&cursor, sg->n_members, used, n_used, &sg->net) < 0) {
            snprintf(err, TOPO_ERROR_MAX, "%s: $.links: 10.0.0.0/8 has no room left for the "
                     "networks of this topology; give some interfaces addresses", t->file);
            goto out;
        }
        if (fill_segment(t, sg, !addressed[s], err) < 0)
            goto out;
        int old;
        uint64_t key = (uint64_t)sg->net.addr << 6 | (uint64_t)sg->net.len;
        if (!imap_put(&t->index->nets, key, (int)s, &old))
            goto oom;
        if (old >= 0) {
            char a[ADDR_IPV4_STRLEN], net[ADDR_PREFIX_STRLEN], other[2 * TOPO_NAME_MAX];
            snprintf(net, sizeof net, "%s/%d", addr_format_ipv4(sg->net.addr, a), sg->net.len);
            topo_end_name(t, t->segments[old].members[0], other, sizeof other);
            seg_fail(t, err, &sg->members[0], "network %s is also used by %s, but no links "
                     "join the two: one network must be one segment", net, other);
            goto out;
        }
        t->index->lens[sg->net.len] = true;
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, TOPO_ERROR_MAX, "%s: out of memory", t->file);
out:
    free(base);
    free(parent);
    free(seg_of_root);
    free(addressed);
    free(used);
    return rc;
}

int topo_routes_check(struct topo *t, char *err)
{
    for (size_t ni = 0; ni < t->n_nodes; ni++) {
        struct topo_node *n = &t->nodes[ni];
        for (size_t ri = 0; ri < n->n_routes; ri++) {
            struct topo_route *r = &n->routes[ri];
            if (!r->has_gateway)
                continue;
            int found = -1;
            for (size_t fi = 0; fi < n->n_ifaces && found < 0; fi++) {
                const struct topo_iface *f = &n->ifaces[fi];
                if (f->ipv4.len >= 0 && (r->iface < 0 || r->iface == (int)fi) &&
                    addr_in_prefix(r->gateway, &f->ipv4))
                    found = (int)fi;
            }
            if (found < 0) {
                char a[ADDR_IPV4_STRLEN], whose[TOPO_NAME_MAX + 32];
                if (r->iface >= 0)
                    snprintf(whose, sizeof whose, "%s's interface %s", n->name,
                             n->ifaces[r->iface].name);
                else
                    snprintf(whose, sizeof whose, "%s", n->name);
                snprintf(err, TOPO_ERROR_MAX, "%s: $.nodes.%s.routes[%zu].gateway: %s is not "
                         "on any network of %s", t->file, n->name, ri,
                         addr_format_ipv4(r->gateway, a), whose);
                return -1;
            }
            r->iface = found;
        }
    }
    return 0;
}
