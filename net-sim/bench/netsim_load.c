/*
 * netsim-load — loads one topology file and says what it cost (make
 * bench; net-sim/bench/run.sh sets it beside networkx_load.py).
 *
 *   netsim-load TOPOLOGY
 *
 * Prints one JSON line: nodes, links, the load's wall time and the
 * process's peak resident memory. One load per process, so the peak is
 * the load's own.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "topo.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: netsim-load TOPOLOGY\n");
        return 2;
    }
    double t0 = now_ms();
    char err[TOPO_ERROR_MAX];
    struct topo *t = topo_load_file(argv[1], NULL, err);
    if (!t) {
        fprintf(stderr, "netsim-load: %s\n", err);
        return 1;
    }
    double ms = now_ms() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"tool\": \"net-sim\", \"nodes\": %zu, \"links\": %zu, \"load_ms\": %.1f, "
           "\"peak_rss_kib\": %ld}\n", t->n_nodes, t->n_links, ms, ru.ru_maxrss);
    topo_free(t);
    return 0;
}
