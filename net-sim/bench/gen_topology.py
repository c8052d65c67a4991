#!/usr/bin/env python3
"""Write a random connected net-sim topology and a list of node pairs.

A benchmark input, not a realistic network: every node is a router and
every link is a point-to-point link with a random delay. The same seed
always gives the same files, so runs can be compared.
"""
import argparse
import json
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--links", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--count", type=int, default=1000)
    a = ap.parse_args()
    n, m = a.nodes, a.links
    if n < 2 or not n - 1 <= m <= n * (n - 1) // 2:
        ap.error("need at least 2 nodes and n-1 <= links <= n(n-1)/2")

    rng = random.Random(a.seed)
    # A spanning tree first, so the graph is connected whatever comes next.
    links = [(rng.randrange(i), i) for i in range(1, n)]
    # Pairs are kept as one integer (low*n + high): far cheaper than tuples
    # when checking 400,000 links for duplicates.
    seen = {lo * n + hi for lo, hi in links}
    while len(links) < m:
        u, v = rng.randrange(n), rng.randrange(n)
        if u == v:
            continue
        lo, hi = min(u, v), max(u, v)
        key = lo * n + hi
        if key in seen:
            continue
        seen.add(key)
        links.append((lo, hi))

    # Written by hand rather than with json.dump: one link per line keeps
    # the file readable with head/grep, and it is faster for big graphs.
    with open(a.out, "w") as f:
        f.write('{"schema": "tutor-topology/1", "name": %s, "nodes": {'
                % json.dumps("bench-%d" % n))
        f.write(", ".join('"n%d": {"kind": "router"}' % i for i in range(n)))
        f.write('},\n"links": [\n')
        f.write(",\n".join('{"endpoints": ["n%d", "n%d"], "delay_ms": %d}'
                           % (u, v, rng.randint(1, 20)) for u, v in links))
        f.write("\n]}\n")

    pairs = []
    while len(pairs) < a.count:
        s, t = rng.randrange(n), rng.randrange(n)
        if s != t:
            pairs.append(["n%d" % s, "n%d" % t])
    with open(a.pairs, "w") as f:
        json.dump(pairs, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
