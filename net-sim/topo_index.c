/* topo_index — see topo_index.h. Linear probing, tables at most half full. */
#include "topo_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "topo.h"

#define EMPTY_KEY UINT64_MAX    /* no address/network key can be this */

static uint64_t mix64(uint64_t x)
{
    /* splitmix64's finaliser: sequential addresses spread over the table */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Rehashes into a table of `cap` slots (a power of two, above used * 2). */
static bool imap_rehash(struct imap *m, size_t cap)
{
    struct islot *slots = malloc(cap * sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < cap; i++)
        slots[i].key = EMPTY_KEY;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key == EMPTY_KEY)
            continue;
        size_t h = mix64(m->slots[i].key) & (cap - 1);
        while (slots[h].key != EMPTY_KEY)
            h = (h + 1) & (cap - 1);
        slots[h] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return true;
}

static bool imap_grow(struct imap *m)
{
    return imap_rehash(m, m->cap ? m->cap * 2 : 64);
}

bool imap_reserve(struct imap *m, size_t n)
{
    size_t cap = m->cap ? m->cap : 64;
    while ((m->used + n + 1) * 2 > cap)
        cap *= 2;
    return cap == m->cap || imap_rehash(m, cap);
}

bool imap_put(struct imap *m, uint64_t key, int val, int *old)
{
    if ((m->used + 1) * 2 > m->cap && !imap_grow(m))
        return false;
    size_t h = mix64(key) & (m->cap - 1);
    while (m->slots[h].key != EMPTY_KEY) {
        if (m->slots[h].key == key) {
            if (old)
                *old = m->slots[h].val;
            return true;
        }
        h = (h + 1) & (m->cap - 1);
    }
    m->slots[h] = (struct islot){key, val};
    m->used++;
    if (old)
        *old = -1;
    return true;
}

int imap_get(const struct imap *m, uint64_t key)
{
    if (!m->cap)
        return -1;
    size_t h = mix64(key) & (m->cap - 1);
    while (m->slots[h].key != EMPTY_KEY) {
        if (m->slots[h].key == key)
            return m->slots[h].val;
        h = (h + 1) & (m->cap - 1);
    }
    return -1;
}

void imap_clear(struct imap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        m->slots[i].key = EMPTY_KEY;
    m->used = 0;
}

void imap_free(struct imap *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* FNV-1a: names are short and this is all the spreading they need. */
static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    /* FNV's low bits, which the mask keeps, hardly depend on the last
     * characters ("n12345", "n12346"): fold the high bits in (the
     * murmur3 finalizer), or such names crowd into a few slots */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_name(const char *s)
{
    return hash_bytes(s, strlen(s));
}

void topo_node_prefetch(const struct topo *t, const char *name, size_t len)
{
    const struct nmap *m = &t->index->names;
    if (m->cap) {
#if defined(__GNUC__)
        __builtin_prefetch(&m->slots[(uint32_t)hash_bytes(name, len) & (m->cap - 1)]);
#endif
    }
}

struct topo_index *topo_index_new(void)
{
    return calloc(1, sizeof(struct topo_index));
}

void topo_index_free(struct topo_index *ix)
{
    if (!ix)
        return;
    free(ix->names.slots);
    imap_free(&ix->addrs);
    imap_free(&ix->nets);
    free(ix);
}

static bool nmap_insert(struct nslot *slots, size_t cap, struct nslot in)
{
    size_t h = in.hash & (cap - 1);
    while (slots[h].name) {
        if (slots[h].hash == in.hash && strcmp(slots[h].name, in.name) == 0)
            return false;
        h = (h + 1) & (cap - 1);
    }
    slots[h] = in;
    return true;
}

int topo_index_name(struct topo *t, int i)
{
    struct nmap *m = &t->index->names;
    if ((m->used + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct nslot *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t k = 0; k < m->cap; k++)
            if (m->slots[k].name)
                nmap_insert(slots, cap, m->slots[k]);
        free(m->slots);
        m->slots = slots;
        m->cap = cap;
    }
    const char *name = t->nodes[i].name;
    if (!nmap_insert(m->slots, m->cap, (struct nslot){name, (uint32_t)hash_name(name), i}))
        return 0;
    m->used++;
    return 1;
}

int topo_node_index(const struct topo *t, const char *name)
{
    const struct nmap *m = &t->index->names;
    if (!m->cap)
        return -1;
    uint32_t hash = (uint32_t)hash_name(name);
    size_t h = hash & (m->cap - 1);
    while (m->slots[h].name) {
        if (m->slots[h].hash == hash && strcmp(m->slots[h].name, name) == 0)
            return m->slots[h].node;
        h = (h + 1) & (m->cap - 1);
    }
    return -1;
}

int topo_addr_owner(const struct topo *t, uint32_t addr, int *iface)
{
    int v = imap_get(&t->index->addrs, addr);
    if (v < 0)
        return -1;
    if (iface)
        *iface = v & 0xff;
    return v >> 8;
}

int topo_segment_of(const struct topo *t, uint32_t addr)
{
    for (int len = 32; len >= 0; len--) {
        if (!t->index->lens[len])
            continue;
        uint64_t key = (uint64_t)(addr & addr_mask(len)) << 6 | (uint64_t)len;
        int s = imap_get(&t->index->nets, key);
        if (s >= 0)
            return s;
    }
    return -1;
}

static bool same_host_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

int topo_find_node(const struct topo *t, const char *what)
{
    uint32_t a;
    if (addr_parse_ipv4(what, &a) == 0)
        return topo_addr_owner(t, a, NULL);
    int n = topo_node_index(t, what);
    if (n >= 0)
        return n;
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].hostname && same_host_name(t->nodes[i].hostname, what))
            return (int)i;
    return -1;
}

uint32_t topo_node_addr(const struct topo *t, int node)
{
    const struct topo_node *n = &t->nodes[node];
    for (size_t i = 0; i < n->n_ifaces; i++)
        if (n->ifaces[i].ipv4.len >= 0)
            return n->ifaces[i].ipv4.addr;
    return 0;
}

int topo_link_between(const struct topo *t, int a, int b)
{
    const struct topo_node *n = &t->nodes[a];
    for (size_t i = 0; i < n->n_ifaces; i++)
        for (size_t k = 0; k < n->ifaces[i].n_links; k++) {
            const struct topo_link *l = &t->links[n->ifaces[i].links[k]];
            if ((l->end[0].node == a && l->end[1].node == b) ||
                (l->end[1].node == a && l->end[0].node == b))
                return n->ifaces[i].links[k];
        }
    return -1;
}

const char *topo_end_name(const struct topo *t, struct topo_end e, char *buf, size_t size)
{
    const struct topo_node *n = &t->nodes[e.node];
    snprintf(buf, size, "%s:%s", n->name, n->ifaces[e.iface].name);
    return buf;
}
