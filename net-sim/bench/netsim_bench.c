/*
 * netsim-bench — times net-sim on a generated topology (make bench;
 * net-sim/bench/run.sh drives it and compares with NetworkX).
 *
 *   netsim-bench TOPOLOGY PAIRS
 *
 * PAIRS is a JSON list of [source, destination] node names. Prints one
 * JSON line: load time, the time of one cold shortest-path search per
 * pair, the time to simulate one 10-packet message per pair (with
 * acknowledgements), and the peak resident memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "route.h"
#include "sim.h"
#include "topo.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct counts {
    long data_delivered;
};

static void count(const struct sim_event *ev, void *arg)
{
    struct counts *c = arg;
    if (ev->type == SIM_DELIVER && ev->packet->kind == PKT_DATA)
        c->data_delivered++;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: netsim-bench TOPOLOGY PAIRS\n");
        return 2;
    }
    double t0 = now_ms();
    char err[TOPO_ERROR_MAX];
    struct topo *t = topo_load_file(argv[1], NULL, err);
    if (!t) {
        fprintf(stderr, "netsim-bench: %s\n", err);
        return 1;
    }
    double t_load = now_ms();

    json_error_t jerr;
    json_t *pairs = json_load_file(argv[2], 0, &jerr);
    size_t n_pairs = json_array_size(pairs);
    int *src = calloc(n_pairs + 1, sizeof *src), *dst = calloc(n_pairs + 1, sizeof *dst);
    if (!pairs || !src || !dst) {
        fprintf(stderr, "netsim-bench: %s: %s\n", argv[2], pairs ? "out of memory" : jerr.text);
        return 1;
    }
    for (size_t i = 0; i < n_pairs; i++) {
        json_t *p = json_array_get(pairs, i);
        const char *a = json_string_value(json_array_get(p, 0));
        const char *b = json_string_value(json_array_get(p, 1));
        src[i] = a ? topo_node_index(t, a) : -1;
        dst[i] = b ? topo_node_index(t, b) : -1;
        if (src[i] < 0 || dst[i] < 0) {
            fprintf(stderr, "netsim-bench: %s: pair %zu names a node that is not there\n",
                    argv[2], i);
            return 1;
        }
    }
    json_decref(pairs);

    /* One search per pair, as NetworkX's shortest_path does: nothing cached. */
    struct router *r = router_new(t);
    long hops_total = 0;
    double t_paths0 = now_ms();
    for (size_t i = 0; i < n_pairs; i++) {
        int hops = router_search(r, src[i], topo_node_addr(t, dst[i]), NULL);
        if (hops >= 0)
            hops_total += hops;
    }
    double t_paths = now_ms() - t_paths0;
    router_free(r);

    /* The bucket relay itself: 10 full packets a message. */
    struct sim *s = sim_new(t, 42);
    struct counts c = {0};
    sim_observe(s, count, &c);
    double t_sim0 = now_ms();
    for (size_t i = 0; i < n_pairs; i++) {
        struct sim_message_opts o = {.size = 10 * (1500 - SIM_HEADER_BYTES)};
        sim_send(s, src[i], topo_node_addr(t, dst[i]), &o);
    }
    long events = sim_run(s, INT64_MAX);
    double t_sim = now_ms() - t_sim0;
    long delivered = 0;
    for (size_t i = 0; i < n_pairs; i++) {
        const struct sim_message *m = sim_message(s, (int)i);
        if (m && m->delivered)
            delivered++;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"tool\": \"net-sim\", \"nodes\": %zu, \"links\": %zu, \"pairs\": %zu, "
           "\"load_ms\": %.1f, \"paths_ms\": %.1f, \"hops_total\": %ld, \"sim_ms\": %.1f, "
           "\"delivered\": %ld, \"packets\": %ld, \"events\": %ld, \"total_ms\": %.1f, "
           "\"peak_rss_kib\": %ld}\n",
           t->n_nodes, t->n_links, n_pairs, t_load - t0, t_paths, hops_total, t_sim, delivered,
           c.data_delivered, events, now_ms() - t0, ru.ru_maxrss);
    sim_free(s);
    topo_free(t);
    free(src);
    free(dst);
    return 0;
}
