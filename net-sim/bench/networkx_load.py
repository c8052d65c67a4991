#!/usr/bin/env python3
"""Load a gen_topology.py topology as NetworkX users do: json.load, then
an nx.Graph with every node's and link's attributes. The yardstick for
net-sim's topo_load_file (netsim_load.c); one load per process, so the
peak memory is the load's own. Prints one JSON line."""
import json
import resource
import sys
import time

import networkx as nx


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: networkx_load.py TOPOLOGY")
    t0 = time.perf_counter()
    with open(sys.argv[1]) as f:
        topo = json.load(f)
    G = nx.Graph()
    G.add_nodes_from(topo["nodes"].items())
    for link in topo["links"]:
        u, v = link["endpoints"]
        G.add_edge(u, v, **{k: w for k, w in link.items() if k != "endpoints"})
    ms = (time.perf_counter() - t0) * 1000
    print(json.dumps({"tool": "networkx", "version": nx.__version__,
                      "nodes": G.number_of_nodes(), "links": G.number_of_edges(),
                      "load_ms": round(ms, 1),
                      "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


main()
