#!/usr/bin/env python3
"""Time NetworkX shortest paths on a gen_topology.py topology.

The reference point for net-sim's route computation: same graph, same
pairs, weight delay_ms. Only the path loop is timed for paths_ms; reading
the file and building the graph is reported apart as load_ms.
"""
import json
import sys
import time

import networkx as nx


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: networkx_paths.py TOPOLOGY PAIRS")
    t0 = time.perf_counter()
    with open(sys.argv[1]) as f:
        topo = json.load(f)
    G = nx.Graph()
    G.add_nodes_from(topo["nodes"])
    for link in topo["links"]:
        u, v = link["endpoints"]
        G.add_edge(u, v, delay_ms=link["delay_ms"])
    load_ms = (time.perf_counter() - t0) * 1000
    with open(sys.argv[2]) as f:
        pairs = json.load(f)

    hops = 0
    t0 = time.perf_counter()
    for s, t in pairs:
        hops += len(nx.shortest_path(G, s, t, weight="delay_ms")) - 1
    paths_ms = (time.perf_counter() - t0) * 1000

    print(json.dumps({"tool": "networkx", "version": nx.__version__,
                      "nodes": G.number_of_nodes(),
                      "links": G.number_of_edges(), "pairs": len(pairs),
                      "paths_ms": round(paths_ms, 3),
                      "load_ms": round(load_ms, 3), "hops_total": hops}))


if __name__ == "__main__":
    main()
