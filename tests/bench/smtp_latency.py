#!/usr/bin/python3
"""SMTP load with a stopwatch on every message, for the serve benchmark.

    smtp_latency.py PORT SESSIONS MESSAGES SIZE OUT.json

Postfix's smtp-source gives the rate but no latencies, so this client
repeats its dialogue: SESSIONS connections at once on 127.0.0.1:PORT, one
message per connection (smtp-source without -d), HELO, MAIL FROM, RCPT TO,
DATA, a message of SIZE body bytes, QUIT, until MESSAGES were sent. It
runs the same way against tutor serve and against smtp-sink, so the two
sets of numbers differ only by the server.

Two times per message, from time.perf_counter():
  message  connect() to the 250 after the final "." (what a sender waits
           for one message to be taken over), and
  commit   the final "." to its 250 (the server's storing of the message:
           for tutor serve the Maildir write and fsyncs).

It is one Python process with non-blocking sockets and a selector, not
threads: a thread per session would spend its time fighting for the GIL.
Its own CPU use goes into the output ("client_cpu"): near 1.0 means the
client, not the server, set the pace, and the latencies carry the
client's queueing too.
"""
import json
import resource
import selectors
import socket
import sys
import time

HELO = "client.c.example"
SENDER = "x@c.example"
RECIPIENT = "alice@a.example"


def make_message(size):
    """Headers like smtp-source's and a body of SIZE bytes in lines."""
    head = ("From: <%s>\r\nTo: <%s>\r\nSubject: serve benchmark\r\n\r\n"
            % (SENDER, RECIPIENT))
    line = "La La La La La La La La La La La La La La La La La La La La La La\r\n"
    body = (line * (size // len(line) + 1))[:size]
    if not body.endswith("\r\n"):
        body = body[:-2] + "\r\n" if len(body) >= 2 else "\r\n"
    return (head + body + ".\r\n").encode()


class Session:
    """One connection: the step of the dialogue it is at (an index into
    the steps of run()), what it has read of the reply, its watches."""

    def __init__(self):
        self.sock = None
        self.buf = b""
        self.step = None
        self.t_connect = self.t_dot = 0.0


def percentiles(values):
    """p50, p90, p99 and the maximum, in milliseconds (nearest rank)."""
    if not values:
        return None
    v = sorted(values)

    def rank(p):
        return v[min(len(v) - 1, max(0, int(-(-p * len(v) // 100)) - 1))] * 1000.0

    return {"p50": rank(50), "p90": rank(90), "p99": rank(99), "max": v[-1] * 1000.0}


def run(port, sessions, messages, size):
    data = make_message(size)
    # Each step: (what to send on entering it, the reply code that ends it).
    steps = [
        ("banner", None, b"220"),
        ("helo", b"HELO " + HELO.encode() + b"\r\n", b"250"),
        ("mail", b"MAIL FROM:<" + SENDER.encode() + b">\r\n", b"250"),
        ("rcpt", b"RCPT TO:<" + RECIPIENT.encode() + b">\r\n", b"250"),
        ("data", b"DATA\r\n", b"354"),
        ("dot", data, b"250"),
        ("quit", b"QUIT\r\n", b"221"),
    ]
    sel = selectors.DefaultSelector()
    started = 0
    done = {"ok": 0, "failed": 0}
    errors = []
    msg_times, commit_times = [], []

    def start(s):
        nonlocal started
        started += 1
        s.buf = b""
        s.step = 0
        s.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sock.setblocking(False)
        s.t_connect = time.perf_counter()
        s.sock.connect_ex(("127.0.0.1", port))
        sel.register(s.sock, selectors.EVENT_READ, s)

    def finish(s, error=None):
        sel.unregister(s.sock)
        s.sock.close()
        if error:
            done["failed"] += 1
            if len(errors) < 5:
                errors.append(error)
        if started < messages:
            start(s)

    def reply_complete(s):
        """The first whole reply in the buffer (the last line of a
        multi-line one has a space after the code), or None."""
        lines = s.buf.split(b"\r\n")
        for i, line in enumerate(lines[:-1]):
            if len(line) < 4 or line[3:4] != b"-":
                s.buf = b"\r\n".join(lines[i + 1:])
                return line
        return None

    def readable(s):
        try:
            chunk = s.sock.recv(65536)
        except (ConnectionError, OSError) as e:
            finish(s, "step %s: %s" % (steps[s.step][0], e))
            return
        if not chunk:
            finish(s, "step %s: the server closed the connection" % steps[s.step][0])
            return
        s.buf += chunk
        while True:
            line = reply_complete(s)
            if line is None:
                return
            name, _, want = steps[s.step]
            if not line.startswith(want):
                finish(s, "step %s: %r" % (name, line[:120]))
                return
            now = time.perf_counter()
            if name == "dot":
                # the message is the server's now: stop both watches
                msg_times.append(now - s.t_connect)
                commit_times.append(now - s.t_dot)
                done["ok"] += 1
            if name == "quit":
                finish(s)
                return
            s.step += 1
            name, out, _ = steps[s.step]
            if name == "dot":
                s.t_dot = time.perf_counter()
            try:
                # lines are small: the socket buffer always takes them whole
                s.sock.sendall(out)
            except OSError as e:
                finish(s, "step %s: %s" % (steps[s.step][0], e))
                return

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for _ in range(min(sessions, messages)):
        start(Session())
    while sel.get_map():
        for key, _ in sel.select(timeout=30):
            readable(key.data)
        if time.perf_counter() - t0 > 600:
            errors.append("gave up after 600 s")
            break
    wall = time.perf_counter() - t0
    return {
        "sessions": sessions, "messages": messages, "size": size,
        "ok": done["ok"], "failed": done["failed"], "errors": errors,
        "seconds": wall, "rate": done["ok"] / wall if wall > 0 else 0.0,
        "client_cpu": (time.process_time() - cpu0) / wall if wall > 0 else 0.0,
        "message_ms": percentiles(msg_times), "commit_ms": percentiles(commit_times),
    }


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: smtp_latency.py PORT SESSIONS MESSAGES SIZE OUT.json")
    port, sessions, messages, size = (int(a) for a in sys.argv[1:5])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < sessions + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, sessions + 64), hard))
    result = run(port, sessions, messages, size)
    with open(sys.argv[5], "w", encoding="utf-8") as f:
        json.dump(result, f)
    if result["errors"]:
        print("smtp_latency.py: %d failed, e.g. %s" % (result["failed"], result["errors"][0]),
              file=sys.stderr)


if __name__ == "__main__":
    main()
