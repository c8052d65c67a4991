#!/bin/sh
# net-sim benchmark: route computation and simulation on random topologies
# of 1,000 to 100,000 routers, with NetworkX as the yardstick for routes.
# Run by `make bench` from the repository root:  sh net-sim/bench/run.sh BUILD_DIR
# It is a report: goals that are missed print FAIL but exit 0; only a
# program that cannot run makes it exit 1.  PYTHON picks the interpreter.

[ $# -eq 1 ] || { echo "usage: sh net-sim/bench/run.sh BUILD_DIR" >&2; exit 2; }
bench=$1/netsim-bench
here=$(dirname "$0")
py=${PYTHON:-python3}

if [ ! -x "$bench" ] || [ ! -x "$1/netsim-load" ]; then
    echo "run.sh: $bench or $1/netsim-load does not exist: the C benchmarks were not built" >&2
    exit 1
fi

fail() { echo "run.sh: $*" >&2; exit 1; }
# Catch bad output at once rather than after the slow NetworkX runs.
check_json() {
    "$py" -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null ||
        fail "$2 did not print one JSON line: $(head -c 200 "$1")"
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP      # through the EXIT trap, so tmp goes too

for n in 1000 10000 100000; do
    echo "== $n nodes" >&2
    topo=$tmp/topo-$n.json pairs=$tmp/pairs-$n.json
    "$py" "$here/gen_topology.py" --nodes $n --links $((4 * n)) --seed 42 \
        --count 1000 --out "$topo" --pairs "$pairs" ||
        fail "gen_topology.py failed for $n nodes"
    "$bench" "$topo" "$pairs" >"$tmp/netsim-$n" ||
        fail "$bench failed on $n nodes"
    check_json "$tmp/netsim-$n" "$bench"
    # NetworkX is pure Python: 100,000 nodes take it tens of seconds.
    [ $n -ge 100000 ] && echo "   (networkx on $n nodes: expect half a minute or more)" >&2
    "$py" "$here/networkx_paths.py" "$topo" "$pairs" >"$tmp/networkx-$n" ||
        fail "networkx_paths.py failed on $n nodes"
    check_json "$tmp/networkx-$n" networkx_paths.py
    # loading alone, one process each, so each peak is the load's own
    "$1/netsim-load" "$topo" >"$tmp/load-netsim-$n" || fail "netsim-load failed on $n nodes"
    check_json "$tmp/load-netsim-$n" netsim-load
    "$py" "$here/networkx_load.py" "$topo" >"$tmp/load-networkx-$n" ||
        fail "networkx_load.py failed on $n nodes"
    check_json "$tmp/load-networkx-$n" networkx_load.py
done

"$py" - "$tmp" <<'PYEOF' || exit 1
import json, sys

def load(path):
    # Both programs promise exactly one JSON line; anything else is a failure.
    try:
        with open(path) as f:
            return json.loads(f.read())
    except (OSError, ValueError) as e:
        sys.exit("run.sh: bad output in %s: %s" % (path, e))

tmp = sys.argv[1]
rows = [(load("%s/netsim-%d" % (tmp, n)), load("%s/networkx-%d" % (tmp, n)))
        for n in (1000, 10000, 100000)]

def ratio(ns, nx):
    return nx["paths_ms"] / ns["paths_ms"] if ns["paths_ms"] > 0 else float("inf")

print()
print("net-sim vs NetworkX %s, 1000 shortest paths per topology (times in ms)"
      % rows[0][1]["version"])
fmt = "%8s %8s %9s %9s %10s %7s %9s %9s %8s"
print(fmt % ("nodes", "links", "load", "paths", "nx paths", "ratio",
             "sim", "total", "RSS MiB"))
for ns, nx in rows:
    print(fmt % (ns["nodes"], ns["links"], "%.1f" % ns["load_ms"],
                 "%.1f" % ns["paths_ms"], "%.1f" % nx["paths_ms"],
                 "%.1f" % ratio(ns, nx), "%.1f" % ns["sim_ms"],
                 "%.1f" % ns["total_ms"], "%.1f" % (ns["peak_rss_kib"] / 1024)))

# Hop counts need not match (net-sim routes to the destination's network,
# and equal-cost ties may break differently) but should be close.
print()
print("sanity: hops_total net-sim / networkx, messages delivered")
for ns, nx in rows:
    diff = 100.0 * (ns["hops_total"] - nx["hops_total"]) / max(nx["hops_total"], 1)
    same = (ns["nodes"], ns["links"], ns["pairs"]) == (nx["nodes"], nx["links"], nx["pairs"])
    print("%8d %9d / %-9d (%+.1f%%)  delivered %d/%d%s"
          % (ns["nodes"], ns["hops_total"], nx["hops_total"], diff,
             ns["delivered"], ns["pairs"],
             "" if same else "  (node/link/pair counts differ!)"))

loads = [(load("%s/load-netsim-%d" % (tmp, n)), load("%s/load-networkx-%d" % (tmp, n)))
         for n in (1000, 10000, 100000)]
print()
print("loading a topology: net-sim's topo_load_file vs json.load + nx.Graph, "
      "one process each (ms, peak RSS MiB)")
fmt = "%8s %10s %10s %7s %10s %10s %7s"
print(fmt % ("nodes", "net-sim", "networkx", "ratio", "RSS n-s", "RSS nx", "ratio"))
for ns, nx in loads:
    print(fmt % (ns["nodes"], "%.1f" % ns["load_ms"], "%.1f" % nx["load_ms"],
                 "%.2f" % (nx["load_ms"] / max(ns["load_ms"], 0.1)),
                 "%.1f" % (ns["peak_rss_kib"] / 1024), "%.1f" % (nx["peak_rss_kib"] / 1024),
                 "%.2f" % (nx["peak_rss_kib"] / max(ns["peak_rss_kib"], 1))))

ns, nx = loads[2]
speed = nx["load_ms"] / max(ns["load_ms"], 0.1)
print()
print("load goals at %d nodes:" % ns["nodes"])
for ok, text in ((speed >= 3, "load networkx/net-sim %.2f (goal >= 3)" % speed),
                 (ns["peak_rss_kib"] < nx["peak_rss_kib"],
                  "peak RSS %.1f MiB, networkx %.1f MiB (goal: below networkx)"
                  % (ns["peak_rss_kib"] / 1024, nx["peak_rss_kib"] / 1024))):
    print("  %s  %s" % ("PASS" if ok else "FAIL", text))

ns, nx = rows[1]
print()
print("goals at %d nodes:" % ns["nodes"])
for ok, text in ((ratio(ns, nx) >= 30, "paths ratio networkx/net-sim %.1f (goal >= 30)" % ratio(ns, nx)),
                 (ns["total_ms"] < 2000, "total %.0f ms (goal < 2000 ms)" % ns["total_ms"]),
                 (ns["peak_rss_kib"] / 1024 < 200,
                  "peak RSS %.1f MiB (goal < 200 MiB)" % (ns["peak_rss_kib"] / 1024))):
    print("  %s  %s" % ("PASS" if ok else "FAIL", text))
PYEOF
