/*
 * topo_index — the look-up tables of a topology: node names, addresses and
 * networks, as open-addressing hash tables, so that topologies of 100,000
 * nodes load and route without linear scans. Private to net-sim.
 */
#ifndef NETSIM_TOPO_INDEX_H
#define NETSIM_TOPO_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* uint64 key to int value; keys are never removed. Key and value share
 * a slot: a put into a table larger than the caches is one miss, not two. */
struct islot {
    uint64_t key;
    int val;
};

struct imap {
    struct islot *slots;
    size_t cap, used;           /* cap is a power of two; 0 before the first put */
};

/* false when out of memory. A key put twice keeps its first value and
 * returns true with *old set to it. */
bool imap_put(struct imap *m, uint64_t key, int val, int *old);
int imap_get(const struct imap *m, uint64_t key);   /* -1 if absent */
/* Room for `n` more keys without growing; false when out of memory. */
bool imap_reserve(struct imap *m, size_t n);
void imap_clear(struct imap *m);                    /* forgets every key */
void imap_free(struct imap *m);

struct topo;

/* Node names to node indexes; the names themselves stay in the topology.
 * A slot keeps the name's pointer and hash beside the index, so a probe
 * touches neither the node nor, unless the hashes agree, the name: a
 * topology's links look up two names each. */
struct nslot {
    const char *name;           /* NULL: an empty slot */
    uint32_t hash;
    int node;
};

struct nmap {
    struct nslot *slots;
    size_t cap, used;
};

/* Asks the memory for the slot where the node called name[0, len) would
 * be, ahead of topo_node_index: the loader does it for the links it is
 * about to read, so that their look-ups do not wait one after another on
 * a table bigger than the caches. */
void topo_node_prefetch(const struct topo *t, const char *name, size_t len);

struct topo_index {
    struct nmap names;
    struct imap addrs;          /* address -> node << 8 | iface */
    struct imap nets;           /* (network, length) -> segment */
    bool lens[33];              /* prefix lengths some segment has */
};

struct topo_index *topo_index_new(void);
void topo_index_free(struct topo_index *ix);
/* Adds node `i` under its name: 1 added, 0 the name is taken, -1 no memory. */
int topo_index_name(struct topo *t, int i);

#endif
