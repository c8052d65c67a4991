#!/usr/bin/env python3
"""The hop table of `tutor headers --json` (standard input), one message a
block: a line a hop (number, parsed, from, HELO, rDNS, address, by, with,
UTC date, delay), then the origin (kind, hop, address, host). The golden
tables of tests/headers/corpus/*.hops are these, checked by hand against
the messages' Received: lines."""
import json
import sys

for line in sys.stdin:
    o = json.loads(line)
    print("== %s" % o["source"]["file"].rsplit("/", 1)[-1])
    for h in o["hops"]:
        print("\t".join(str(h[k]) if h[k] is not None else "-" for k in
                        ("hop", "parsed", "from", "helo", "rdns", "ip", "by", "with", "date",
                         "delay_s")))
    g = o["origin"]
    print("origin\t%s\t%s\t%s\t%s" % (g["kind"], g["hop"], g["ip"], g["host"]))
