#!/usr/bin/python3
"""The world's DNS data for the serve benchmark, read from its zone files.

    world_dns.py ZONE_DIR queries OUT    a dnsperf query file
    world_dns.py ZONE_DIR dnsmasq OUT    dnsmasq options, one a line

Both come from the same records, so that dnsperf asks tutor serve and
dnsmasq the same questions and both know the same answers. Only the record
types the benchmark asks for are read (A, AAAA, CNAME, MX, PTR): NS, SOA
and TXT make the world's delegations work but are not what is measured.

The parser knows the master-file syntax the world's zones use (RFC 1035
5.1): $ORIGIN, $TTL, '@', an owner left blank for the previous one,
optional TTL and class, parentheses over several lines, ';' comments.
"""
import ipaddress
import os
import sys

WANTED = {"A", "AAAA", "CNAME", "MX", "PTR"}
CLASSES = {"IN", "CH", "HS"}
# Names no zone has: the resolver and dnsmasq must both say NXDOMAIN.
MISSING = ["nosuch.a.example", "nosuch.b.example", "printer.a.example",
           "nosuch.example"]


def strip_comment(line):
    """The line without its comment; a ';' inside quotes is text."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return line[:i]
    return line


def logical_lines(text):
    """Yields (starts_blank, tokens): lines joined across parentheses."""
    pending, blank, depth = [], False, 0
    for raw in text.splitlines():
        line = strip_comment(raw)
        if depth == 0:
            if not line.strip():
                continue
            blank = line[0] in " \t"
        depth += line.count("(") - line.count(")")
        pending.extend(line.replace("(", " ").replace(")", " ").split())
        if depth == 0 and pending:
            yield blank, pending
            pending = []


def absolute(name, origin):
    if name == "@":
        return origin
    if name.endswith("."):
        return name
    return name + "." + origin if origin != "." else name + "."


def read_zone(path, origin):
    """(owner, type, rdata tokens) of one zone file, owners absolute."""
    records, owner = [], origin
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for blank, tok in logical_lines(text):
        if tok[0] == "$ORIGIN":
            origin = absolute(tok[1], origin)
            continue
        if tok[0].startswith("$"):
            continue            # $TTL: the benchmark does not look at TTLs
        if not blank:
            owner = absolute(tok.pop(0), origin)
        # optional TTL and class, in either order
        while tok and (tok[0].isdigit() or tok[0].upper() in CLASSES):
            tok.pop(0)
        rtype, rdata = tok[0].upper(), tok[1:]
        if rtype in ("CNAME", "PTR"):
            rdata = [absolute(rdata[0], origin)]
        elif rtype == "MX":
            rdata = [rdata[0], absolute(rdata[1], origin)]
        records.append((owner, rtype, rdata))
    return records


def read_world(zone_dir):
    records = []
    for fn in sorted(os.listdir(zone_dir)):
        if fn.endswith(".zone"):
            origin = fn[:-len(".zone")] + "."
            origin = "." if origin == "root." else origin
            records += read_zone(os.path.join(zone_dir, fn), origin)
    # the same record may sit in two zones (glue): keep one of each
    seen, out = set(), []
    for owner, rtype, rdata in records:
        key = (owner.lower(), rtype, tuple(rdata))
        if rtype in WANTED and key not in seen:
            seen.add(key)
            out.append((owner, rtype, rdata))
    return out


def bare(name):
    return name.rstrip(".")


def queries(records):
    """One question for each name and type the world answers, plus some
    for names it does not have."""
    qs, seen = [], set()
    for owner, rtype, _ in records:
        # a CNAME's name is asked for its address, as a mail client would
        qtype = "A" if rtype == "CNAME" else rtype
        if (owner, qtype) not in seen:
            seen.add((owner, qtype))
            qs.append("%s %s" % (bare(owner), qtype))
    qs += ["%s A" % n for n in MISSING]
    return qs


def reverse_name(addr):
    return ipaddress.ip_address(addr).reverse_pointer + "."


def dnsmasq_options(records):
    """dnsmasq's own words for the same records. host-record makes the A,
    AAAA and the PTR of each address; ptr-record adds the PTRs whose name
    is no host's (and would otherwise be answered twice)."""
    opts, implied = [], set()
    for owner, rtype, rdata in records:
        if rtype in ("A", "AAAA"):
            opts.append("host-record=%s,%s" % (bare(owner), rdata[0]))
            implied.add((reverse_name(rdata[0]), owner))
        elif rtype == "CNAME":
            opts.append("cname=%s,%s" % (bare(owner), bare(rdata[0])))
        elif rtype == "MX":
            opts.append("mx-host=%s,%s,%s" % (bare(owner), bare(rdata[1]), rdata[0]))
    for owner, rtype, rdata in records:
        if rtype == "PTR" and (owner, rdata[0]) not in implied:
            opts.append("ptr-record=%s,%s" % (bare(owner), bare(rdata[0])))
    # Names under these come from the records above or are NXDOMAIN, as in
    # the world: nothing is forwarded (there is nowhere to forward to).
    for zone in ("example", "in-addr.arpa", "ip6.arpa"):
        opts.append("local=/%s/" % zone)
    return opts


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("queries", "dnsmasq"):
        sys.exit("usage: world_dns.py ZONE_DIR queries|dnsmasq OUT")
    records = read_world(sys.argv[1])
    if not records:
        sys.exit("world_dns.py: no records in %s" % sys.argv[1])
    lines = queries(records) if sys.argv[2] == "queries" else dnsmasq_options(records)
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
