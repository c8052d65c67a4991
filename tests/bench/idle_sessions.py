#!/usr/bin/python3
"""Idle SMTP sessions, and what they cost the server, for the serve benchmark.

    idle_sessions.py PORT COUNT PID OUT.json

Opens COUNT connections to 127.0.0.1:PORT, reads the 220 banner on each,
and keeps them all open, saying nothing more: the clients of a slow
network, or a mail client left open. Then reads the peak resident size
(VmHWM) and the current one (VmRSS) of process PID from /proc, and closes
the connections.

VmHWM is the peak over the process's whole life, so PID should be a
server that has done nothing else yet.
"""
import json
import resource
import selectors
import socket
import sys
import time


def proc_status(pid):
    """VmHWM and VmRSS of pid, in KiB."""
    out = {}
    with open("/proc/%d/status" % pid, encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
    return out


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: idle_sessions.py PORT COUNT PID OUT.json")
    port, count, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    # One descriptor per session, and the default soft limit may be 1024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))

    before = proc_status(pid)
    sel = selectors.DefaultSelector()
    socks, banners, errors = [], 0, []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sel.register(s, selectors.EVENT_READ, [b""])
        socks.append(s)
    # Read banners until each has its line, or 30 s pass.
    waiting = len(socks)
    deadline = time.monotonic() + 30
    while waiting and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            try:
                chunk = key.fileobj.recv(4096)
            except OSError as e:
                chunk, err = b"", str(e)
            else:
                err = "closed by the server"
            key.data[0] += chunk
            if b"\n" in key.data[0] or not chunk:
                sel.unregister(key.fileobj)
                waiting -= 1
                if key.data[0].startswith(b"220"):
                    banners += 1
                elif len(errors) < 3:
                    errors.append(key.data[0][:100].decode("ascii", "replace").strip() or err)
    if waiting:
        errors.append("%d sessions had no banner after 30 s" % waiting)
    # Give the server a moment to settle, then read its memory while all
    # the sessions are still open.
    time.sleep(0.5)
    after = proc_status(pid)
    for s in socks:
        s.close()
    result = {"count": count, "banners": banners, "errors": errors,
              "rss_before_kb": before.get("VmRSS", 0),
              "vmhwm_kb": after.get("VmHWM", 0), "vmrss_kb": after.get("VmRSS", 0)}
    with open(sys.argv[4], "w", encoding="utf-8") as f:
        json.dump(result, f)
    if errors:
        print("idle_sessions.py: %s" % "; ".join(errors), file=sys.stderr)


if __name__ == "__main__":
    main()
