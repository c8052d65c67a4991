#!/bin/sh
# Checks net-sim/topology.schema.json: the schema itself is valid draft
# 2020-12; the default world, the test worlds, the examples and test
# topologies validate; the JSON blocks of net-sim/README.md validate; and
# documents with one mistake each are rejected, at the JSON path of the
# mistake.  Needs python3 with jsonschema (Debian: python3-jsonschema).
#   sh tests/netsim/schema.sh
# One "ok - NAME" or "not ok - NAME" line per case, then "N passed, M failed";
# exit status 1 when anything failed.
cd "$(dirname "$0")/../.." || exit 2
schema=net-sim/topology.schema.json

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP      # through the EXIT trap, so tmp goes too

# The cases, one a line: good<TAB>NAME<TAB>FILE or bad<TAB>NAME<TAB>FILE<TAB>PATH,
# where PATH is the JSON path the schema must complain about.
cases=$tmp/cases
: >"$cases"
tab=$(printf '\t')
n=0

good_file() {
    printf 'good%s%s%s%s\n' "$tab" "$1" "$tab" "$1" >>"$cases"
}
# good NAME <<EOF ... EOF: a document written here that must validate.
good() {
    n=$((n + 1))
    cat >"$tmp/$n.json"
    printf 'good%s%s%s%s\n' "$tab" "$1" "$tab" "$tmp/$n.json" >>"$cases"
}
# bad NAME PATH <<EOF ... EOF: a document that must be rejected at PATH.
bad() {
    n=$((n + 1))
    cat >"$tmp/$n.json"
    printf 'bad%s%s%s%s%s%s\n' "$tab" "$1" "$tab" "$tmp/$n.json" "$tab" "$2" >>"$cases"
}

good_file tutor/world/default.json
for f in tests/worlds/*.json net-sim/examples/*.json tests/netsim/topologies/*.json; do
    [ -f "$f" ] && good_file "$f"
done

good "smallest valid file" <<'EOF'
{"nodes": {"pc1": {}}}
EOF

good "every topology key" <<'EOF'
{
  "schema": "tutor-topology/1",
  "name": "every key",
  "message": {"ja": "全部", "en": "everything"},
  "defaults": {"link": {"delay_ms": 2.5, "bandwidth_kbps": 0.5, "loss_pct": 100,
                        "queue": 1, "mtu": 68}},
  "nodes": {
    "pc1": {"kind": "host", "label": {"ja": "PC", "en": "PC"}, "hostname": "pc1.a.example",
            "interfaces": {"eth0": {"ipv4": "192.0.2.10/24"}},
            "routes": [{"dst": "default", "gateway": "192.0.2.1"},
                       {"dst": "10.0.0.0/8", "dev": "eth0", "metric": 5}]},
    "r1": {"kind": "router", "interfaces": {"eth0": {"ipv4": "192.0.2.1/24"}, "eth1": {}}},
    "srv.b_2-x": {"kind": "server"}
  },
  "links": [
    {"endpoints": ["pc1:eth0", "r1:eth0"], "delay_ms": 0, "bandwidth_kbps": 1000000,
     "loss_pct": 0, "queue": 1000, "mtu": 65535, "state": "up"},
    {"endpoints": ["r1:eth1", "srv.b_2-x"], "state": "down"}
  ],
  "events": [
    {"at_ms": 0, "link": "r1:eth1", "state": "up"},
    {"at_ms": 1500.5, "link": ["pc1:eth0", "r1"], "state": "down"}
  ],
  "layout": {"pc1": [0, 0], "r1": [19, 9], "srv.b_2-x": [40, 0]}
}
EOF

bad "unknown top-level key" '$' <<'EOF'
{"nodes": {"pc1": {}}, "colour": "red"}
EOF
bad "unknown node key" '$.nodes.r1' <<'EOF'
{"nodes": {"r1": {"kind": "router", "adress": "192.0.2.1/24"}}}
EOF
bad "kind switch" '$.nodes.sw1.kind' <<'EOF'
{"nodes": {"sw1": {"kind": "switch"}}}
EOF
bad "link with one endpoint" '$.links[0].endpoints' <<'EOF'
{"nodes": {"pc1": {}, "r1": {"kind": "router"}}, "links": [{"endpoints": ["pc1:eth0"]}]}
EOF
bad "negative delay_ms" '$.links[0].delay_ms' <<'EOF'
{"nodes": {"pc1": {}, "r1": {}}, "links": [{"endpoints": ["pc1", "r1"], "delay_ms": -5}]}
EOF
bad "loss_pct 150" '$.links[0].loss_pct' <<'EOF'
{"nodes": {"pc1": {}, "r1": {}}, "links": [{"endpoints": ["pc1", "r1"], "loss_pct": 150}]}
EOF
bad "state sideways" '$.links[0].state' <<'EOF'
{"nodes": {"pc1": {}, "r1": {}}, "links": [{"endpoints": ["pc1", "r1"], "state": "sideways"}]}
EOF
bad "route without dst" '$.nodes.pc1.routes[0]' <<'EOF'
{"nodes": {"pc1": {"interfaces": {"eth0": {"ipv4": "192.0.2.10/24"}},
                   "routes": [{"gateway": "192.0.2.1", "dev": "eth0"}]}}}
EOF
bad "route with neither gateway nor dev" '$.nodes.pc1.routes[0]' <<'EOF'
{"nodes": {"pc1": {"routes": [{"dst": "default", "metric": 1}]}}}
EOF
bad "ipv4 without prefix length" '$.nodes.pc1.interfaces.eth0.ipv4' <<'EOF'
{"nodes": {"pc1": {"interfaces": {"eth0": {"ipv4": "192.0.2.1"}}}}}
EOF
bad "layout with a negative coordinate" '$.layout.pc1[1]' <<'EOF'
{"nodes": {"pc1": {}}, "layout": {"pc1": [3, -1]}}
EOF
bad "event without at_ms" '$.events[0]' <<'EOF'
{"nodes": {"pc1": {}, "r1": {}}, "links": [{"endpoints": ["pc1:eth0", "r1:eth0"]}],
 "events": [{"link": "pc1:eth0", "state": "down"}]}
EOF
bad "endpoint in defaults.link" '$.defaults.link' <<'EOF'
{"defaults": {"link": {"endpoints": ["pc1", "r1"]}}, "nodes": {"pc1": {}}}
EOF
bad "world without name" '$' <<'EOF'
{"schema": "tutor-world/1", "student": "pc1", "nodes": {"pc1": {}}}
EOF
bad "no nodes" '$.nodes' <<'EOF'
{"nodes": {}}
EOF

"${PYTHON:-/usr/bin/python3}" - "$schema" "$cases" "net-sim/README.md" <<'EOF'
import json, os, re, sys

try:
    import jsonschema
except ImportError:
    print("not ok - import jsonschema (apt-get install python3-jsonschema)")
    print("0 passed, 1 failed")
    sys.exit(1)

schema_file, cases_file, readme = sys.argv[1:4]
passed = failed = 0


def report(ok, name, why=None):
    global passed, failed
    print("%s - %s" % ("ok" if ok else "not ok", name))
    if not ok and why:
        print("#   " + why)
    if ok:
        passed += 1
    else:
        failed += 1


def where(e):
    return "%s: %s" % (e.json_path, e.message)


try:
    with open(schema_file, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    report(True, "the schema is valid draft 2020-12")
except Exception as e:                  # noqa: BLE001 — any failure is one case
    report(False, "the schema is valid draft 2020-12", str(e).splitlines()[0])
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1)

cases = []
with open(cases_file, encoding="utf-8") as f:
    for line in f:
        cases.append(line.rstrip("\n").split("\t"))

# Every ```json block of the README is a whole document that must validate.
if os.path.exists(readme):
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    for i, block in enumerate(re.findall(r"^```json\n(.*?)^```", text, re.S | re.M)):
        cases.append(["good", "%s json block %d" % (readme, i + 1), None, block])

for case in cases:
    kind, name, path = case[0], case[1], case[2]
    try:
        if path is None:
            doc = json.loads(case[3])
        else:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
    except (OSError, ValueError) as e:
        report(False, name, "cannot read the document: %s" % e)
        continue
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if kind == "good":
        if errors:
            best = jsonschema.exceptions.best_match(errors)
            report(False, name, where(best))
        else:
            report(True, name)
    else:
        expected = case[3]
        if not errors:
            report(False, name, "accepted, but it should be rejected at %s" % expected)
        elif not any(e.json_path == expected for e in errors):
            report(False, name, "rejected at %s, not at %s" % (where(errors[0]), expected))
        else:
            report(True, name)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
