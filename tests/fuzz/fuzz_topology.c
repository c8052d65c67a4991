/*
 * fuzz_topology — libFuzzer harness for net-sim's topology loader
 * (topo_load.c, topo_segment.c, topo_index.c) and, on what it accepts,
 * the router and the bucket relay: any bytes, as a topology file a
 * teacher might write.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_topology -max_len=16384 -dict=tests/fuzz/topology.dict \
 *         CORPUS tests/fuzz/seeds/topology
 *
 * Besides what ASan and UBSan catch, the harness aborts when a promise of
 * topo.h is broken: NULL exactly when err says why, err naming the file
 * and on one line; a loaded topology has at least one node, each found by
 * its name. A loaded topology then carries one message, of 0 to 3 packets
 * (0 bytes included: it still travels as one), from its first node to its
 * last, for at most a simulated minute.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"
#include "sim.h"
#include "topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *why, const char *err)
{
    fprintf(stderr, "fuzz_topology: %s\n--- err: %s\n", why, err);
    abort();
}

/* One message across the network; the payload is the file's own bytes. */
static void carry(struct topo *t, const uint8_t *data, size_t size)
{
    struct sim *s = sim_new(t, 1);
    if (!s)
        return;
    size_t len = size % 4000;
    struct sim_message_opts o = {.size = len, .payload = (const char *)data};
    sim_send(s, 0, topo_node_addr(t, (int)t->n_nodes - 1), &o);
    sim_run(s, 60 * 1000000LL);
    sim_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_scratch_file("fuzz_topology", data, size);
    char err[TOPO_ERROR_MAX] = "";
    struct topo *t = topo_load_file(path, NULL, err);
    if (!t) {
        fuzz_check_refusal("fuzz_topology", path, err);
        return 0;
    }
    if (err[0])
        broken("a loaded topology with a message", err);
    if (t->n_nodes == 0)
        broken("a loaded topology without nodes", err);
    for (size_t i = 0; i < t->n_nodes; i++)
        if (topo_node_index(t, t->nodes[i].name) != (int)i)
            broken("a node not found by its own name", t->nodes[i].name);
    carry(t, data, size);
    topo_free(t);
    return 0;
}
