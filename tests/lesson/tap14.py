#!/usr/bin/python3
"""A strict reader of TAP version 14 (https://testanything.org/tap-version-14-specification.html),
for the output of tutor grade --format tap: the version line first, one plan
(first or last) per level, test points numbered in order and as many as the
plan says, subtests indented four spaces and closed by their parent's test
point, YAML diagnostics between "  ---" and "  ..." after a test point.
Exits 0 when the stream is valid, 1 with the reason otherwise. Prints the
counts: "points P, failed F, subtests S".

    tap14.py FILE
"""
import re
import sys

POINT = re.compile(r"^(not ok|ok)(?: (\d+))?(?: -)?(?: ([^#]*))?(?:#\s*(SKIP|TODO)\b.*)?$")
PLAN = re.compile(r"^1\.\.(\d+)(?:\s*#.*)?$")


def fail(n, why):
    print(f"line {n}: {why}")
    sys.exit(1)


def parse(lines, start, indent, counts):
    """Reads one level from lines[start]; returns the index after it and
    whether every point passed."""
    pad = " " * indent
    plan = None
    seen = 0
    ok_all = True
    i = start
    pending_subtest = False
    while i < len(lines):
        n, raw = lines[i]
        if not raw.startswith(pad) and raw.strip():
            break
        line = raw[indent:]
        if line.startswith("    "):
            # a subtest: its plan or points, four more spaces in
            sub_start = i
            counts["subtests"] += 1
            i, sub_ok = parse(lines, i, indent + 4, counts)
            if i >= len(lines):
                fail(lines[sub_start][0], "a subtest without its parent's test point")
            pending_subtest = sub_ok
            nxt = lines[i][1][indent:]
            if not POINT.match(nxt):
                fail(lines[i][0], "a subtest must be followed by its test point")
            continue
        if line.startswith("# Subtest"):
            i += 1
            continue
        if line.startswith("#") or not line.strip():
            i += 1
            continue
        m = PLAN.match(line)
        if m:
            if plan is not None:
                fail(n, "a second plan")
            if seen and i + 1 < len(lines) and lines[i + 1][1].startswith(pad) and lines[i + 1][1][indent:].strip():
                fail(n, "a plan in the middle")
            plan = int(m.group(1))
            i += 1
            continue
        m = POINT.match(line)
        if m:
            seen += 1
            counts["points"] += 1
            if m.group(2) is not None and int(m.group(2)) != seen:
                fail(n, f"test point {m.group(2)} where {seen} was due")
            if m.group(1) == "not ok":
                ok_all = False
                counts["failed"] += 1
            i += 1
            # YAML diagnostics, two spaces in
            if i < len(lines) and lines[i][1] == pad + "  ---":
                i += 1
                while i < len(lines) and lines[i][1] != pad + "  ...":
                    if not lines[i][1].startswith(pad + "  "):
                        fail(lines[i][0], "a YAML block not indented two spaces, or not closed")
                    i += 1
                if i == len(lines):
                    fail(lines[-1][0], "a YAML block not closed by ...")
                i += 1
            pending_subtest = False
            continue
        if line.startswith("Bail out!"):
            fail(n, "bailed out")
        fail(n, f"not TAP: {line!r}")
    if plan is None:
        fail(lines[start][0] if start < len(lines) else 0, "no plan")
    if plan != seen:
        fail(lines[start][0], f"plan 1..{plan} but {seen} test points")
    return i, ok_all


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    lines = [(k + 1, l) for k, l in enumerate(text.split("\n"))]
    if lines and lines[-1][1] == "":
        lines.pop()
    if not lines or lines[0][1] != "TAP version 14":
        fail(1, "the first line must be \"TAP version 14\"")
    counts = {"points": 0, "failed": 0, "subtests": 0}
    i, _ = parse(lines, 1, 0, counts)
    if i != len(lines):
        fail(lines[i][0], "text after the stream")
    print(f"points {counts['points']}, failed {counts['failed']}, subtests {counts['subtests']}")


main()
