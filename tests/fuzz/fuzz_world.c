/*
 * fuzz_world — libFuzzer harness for the world loader (world.c, with the
 * topology loader under it): any bytes, as a world file a teacher might
 * write.
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_world -max_len=16384 -dict=tests/fuzz/topology.dict \
 *         CORPUS tests/fuzz/seeds/world
 *
 * Besides what ASan and UBSan catch, the harness aborts when a promise of
 * world.h is broken: NULL exactly when err says why, err naming the file
 * and on one line; in a loaded world every node is found by its name,
 * every host by its host name, and every service by its name and port.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_host.h"
#include "host/world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *why, const char *err)
{
    fprintf(stderr, "fuzz_world: %s\n--- err: %s\n", why, err);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_scratch_file("fuzz_world", data, size);
    char err[WORLD_ERROR_MAX] = "";
    struct world *w = world_load(path, err);
    if (!w) {
        fuzz_check_refusal("fuzz_world", path, err);
        return 0;
    }
    if (err[0])
        broken("a loaded world with a message", err);
    for (size_t i = 0; i < w->n_nodes; i++) {
        const struct world_node *n = &w->nodes[i];
        if (world_node(w, n->name) != n)
            broken("a node not found by its own name", n->name);
        if (n->hostname && !world_host_by_name(w, n->hostname))
            broken("a host not found by its host name", n->hostname);
        for (size_t k = 0; k < n->n_services; k++)
            if (!world_service(n, n->services[k].name) ||
                !world_service_by_port(n, n->services[k].port))
                broken("a service not found by its name or port", n->services[k].name);
    }
    world_free(w);
    return 0;
}
