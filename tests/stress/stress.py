"""make stress: tutor serve under the attacks of the hardening issue, on
loopback, while a normal client checks it is served within a second.

Attackers (each from its own loopback address, 127.0.0.2 and up, so that
the per-address limit does not simply turn them away as it would on a
real network):
  - ten clients parked in DATA, each sending a short line now and then;
  - a thousand half-open DNS-over-TCP clients (two bytes of length, never
    the query), from twenty addresses;
  - SMTP clients dribbling a byte a second, cut off by the line timeout
    and coming back;
  - clients sending garbage until the error limit throws them out, again
    and again;
  - AUTH guessers;
  - two clients sending 9 MB messages of one-character lines in turn.
The prober, from 127.0.0.1, every half second: a whole SMTP transaction,
a POP3 login with STAT, and a DNS query over UDP. Each must be done
within PROBE_LIMIT_S. Prints the latencies and ends with "N passed, N
failed".

Usage: python3 tests/stress/stress.py [TUTOR_BINARY] [SECONDS]
"""
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/tutor"
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
PROBE_LIMIT_S = 1.0
DNS_TCP_CLIENTS = 1000
passed = failed = 0


def result(ok, name, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name, flush=True)
    else:
        failed += 1
        print("FAIL " + name + (": " + why if why else ""), flush=True)


def connect(port, src, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_reply(f):
    """An SMTP reply's code from a file object, or None at EOF."""
    while True:
        line = f.readline()
        if not line:
            return None
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3]) if line[:3].isdigit() else None


def start_server(state):
    limit = DNS_TCP_CLIENTS * 3 + 500
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    env = dict(os.environ, XDG_STATE_HOME=state, LANG="C.UTF-8", NO_COLOR="1")
    out = open(os.path.join(state, "serve.out"), "w")
    p = subprocess.Popen([BIN, "--lang", "en", "serve", "--smtp", "0", "--pop3", "0", "--dns", "0",
                          "--smtp-timeout", "10"], stdout=out, stderr=subprocess.STDOUT, env=env)
    ports = {}
    end = time.monotonic() + 20
    while time.monotonic() < end and not ports:
        with open(os.path.join(state, "serve.out")) as f:
            first = f.readline()
        if "ready:" in first:
            for proto in ("smtp", "pop3", "dns"):
                ports[proto] = int(first.split(proto + " 127.0.0.1:")[1].split(" ")[0])
        time.sleep(0.05)
    if not ports:
        p.kill()
        sys.exit("tutor serve did not start")
    return p, ports


class Attack(threading.Thread):
    def __init__(self, name, fn, stop):
        super().__init__(daemon=True)
        self.name, self.fn, self.stop, self.rounds, self.errors = name, fn, stop, 0, 0

    def run(self):
        while not self.stop.is_set():
            try:
                self.fn(self)
                self.rounds += 1
            except OSError:
                self.errors += 1
                time.sleep(0.05)


def parked_in_data(ports, stop):
    def fn(a):
        s = connect(ports["smtp"], "127.0.0.2")
        s.sendall(b"EHLO parked.example\r\nMAIL FROM:<p@c.example>\r\nRCPT TO:<alice@a.example>\r\n"
                  b"DATA\r\n")
        while not stop.is_set():
            s.sendall(b"a line of a message that never ends\r\n")
            time.sleep(0.2)
        s.close()
    return [Attack("parked %d" % i, fn, stop) for i in range(10)]


def dns_half_open(ports, stop):
    held = []

    def fn(a):
        if len(held) >= DNS_TCP_CLIENTS:
            time.sleep(0.2)
            return
        src = "127.0.1.%d" % (len(held) // 50 + 1)
        s = connect(ports["dns"], src)
        s.sendall(b"\x00")
        held.append(s)
    return [Attack("dns half-open", fn, stop)], held


def dribbler(ports, stop):
    def fn(a):
        s = connect(ports["smtp"], "127.0.0.3", timeout=30)
        s.recv(512)
        for ch in b"NOOOOOOOOOOOOOOOOOOOOOOOOOOOOP":
            if stop.is_set():
                break
            s.sendall(bytes([ch]))
            time.sleep(1)
        s.close()
    return [Attack("dribbler %d" % i, fn, stop) for i in range(20)]


def garbage(ports, stop):
    def fn(a):
        s = connect(ports["smtp"], "127.0.0.4")
        s.sendall(b"XYZZY\r\n" * 30)
        while s.recv(65536):
            pass
        s.close()
    return [Attack("garbage %d" % i, fn, stop) for i in range(3)]


def guesser(ports, stop):
    def fn(a):
        s = connect(ports["smtp"], "127.0.0.5", timeout=30)
        f = s.makefile("rb")
        read_reply(f)
        s.sendall(b"EHLO guess.example\r\n")
        read_reply(f)
        for _ in range(5):
            if stop.is_set():
                break
            s.sendall(b"AUTH PLAIN AGFsaWNlAHdyb25n\r\n")
            if read_reply(f) is None:
                break
        s.close()
    return [Attack("guesser %d" % i, fn, stop) for i in range(5)]


def big_sender(ports, stop):
    body = b"Subject: big\r\n\r\n" + b"x\r\n" * 3000000 + b".\r\n"

    def fn(a):
        s = connect(ports["smtp"], "127.0.0.6", timeout=120)
        f = s.makefile("rb")
        read_reply(f)
        s.sendall(b"EHLO big.example\r\nMAIL FROM:<big@c.example>\r\nRCPT TO:<alice@a.example>\r\n"
                  b"DATA\r\n")
        for _ in range(4):
            read_reply(f)
        s.sendall(body)
        code = read_reply(f)
        if code != 250:
            a.errors += 1
        s.close()
    return [Attack("big %d" % i, fn, stop) for i in range(2)]


def probe(ports):
    """One round of the normal client: seconds for SMTP, POP3 and DNS."""
    times = {}
    t0 = time.monotonic()
    s = connect(ports["smtp"], "127.0.0.1")
    f = s.makefile("rb")
    codes = [read_reply(f)]
    s.sendall(b"EHLO probe.example\r\nMAIL FROM:<probe@c.example>\r\nRCPT TO:<alice@a.example>\r\n"
              b"DATA\r\n")
    codes += [read_reply(f) for _ in range(4)]
    s.sendall(b"Subject: probe\r\n\r\nstill served\r\n.\r\nQUIT\r\n")
    codes += [read_reply(f), read_reply(f)]
    s.close()
    times["smtp"] = (time.monotonic() - t0, codes == [220, 250, 250, 250, 354, 250, 221])
    t0 = time.monotonic()
    s = connect(ports["pop3"], "127.0.0.1")
    f = s.makefile("rb")
    lines = [f.readline()]
    s.sendall(b"USER bob\r\nPASS bob-pw\r\nSTAT\r\nQUIT\r\n")
    lines += [f.readline() for _ in range(4)]
    s.close()
    times["pop3"] = (time.monotonic() - t0, all(l.startswith(b"+OK") for l in lines))
    t0 = time.monotonic()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(PROBE_LIMIT_S * 2)
    q = struct.pack(">HHHHHH", 0x5151, 0x0100, 1, 0, 0, 0) + \
        b"\x04mail\x01b\x07example\x00" + struct.pack(">HH", 1, 1)
    u.sendto(q, ("127.0.0.1", ports["dns"]))
    try:
        r, _ = u.recvfrom(4096)
        good = r[:2] == b"\x51\x51" and (r[3] & 0x0f) == 0
    except socket.timeout:
        good = False
    u.close()
    times["dns"] = (time.monotonic() - t0, good)
    return times


def main():
    state = tempfile.mkdtemp(prefix="tutor-stress-")
    srv, ports = start_server(state)
    stop = threading.Event()
    attacks = []
    attacks += parked_in_data(ports, stop)
    dns_attacks, held = dns_half_open(ports, stop)
    attacks += dns_attacks + dribbler(ports, stop) + garbage(ports, stop) + guesser(ports, stop)
    attacks += big_sender(ports, stop)
    for a in attacks:
        a.start()
    print("stress: %d s of attacks on tutor serve (%s)" % (SECONDS, BIN), flush=True)
    worst = {"smtp": 0.0, "pop3": 0.0, "dns": 0.0}
    late, wrong, rounds = [], [], 0
    all_times = {"smtp": [], "pop3": [], "dns": []}
    end = time.monotonic() + SECONDS
    time.sleep(2)       # let the attacks take hold
    while time.monotonic() < end:
        try:
            times = probe(ports)
        except OSError as e:
            wrong.append("round %d: %r" % (rounds, e))
            times = {}
        for k, (t, good) in times.items():
            all_times[k].append(t)
            worst[k] = max(worst[k], t)
            if t > PROBE_LIMIT_S:
                late.append("%s %.2f s" % (k, t))
            if not good:
                wrong.append("round %d: %s answered wrongly" % (rounds, k))
        rounds += 1
        time.sleep(0.5)
    rss_kb = 0
    with open("/proc/%d/status" % srv.pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                rss_kb = int(line.split()[1])
    stop.set()
    for k, ts in all_times.items():
        ts.sort()
        p99 = ts[int(len(ts) * 0.99) - 1] if ts else 0
        print("   %-4s  rounds %d  median %.3f s  p99 %.3f s  worst %.3f s"
              % (k, len(ts), ts[len(ts) // 2] if ts else 0, p99, worst[k]))
    print("   half-open DNS clients held: %d; server peak RSS %.1f MiB" % (len(held), rss_kb / 1024))
    for a in attacks[:1] + attacks[10:11] + attacks[-2:]:
        print("   %s: %d rounds, %d socket errors" % (a.name, a.rounds, a.errors))
    result(rounds >= SECONDS / 2, "the prober ran %d rounds" % rounds)
    result(not late, "every probe done within %.1f s (worst: smtp %.2f, pop3 %.2f, dns %.2f)"
           % (PROBE_LIMIT_S, worst["smtp"], worst["pop3"], worst["dns"]), "; ".join(late[:10]))
    result(not wrong, "every probe answered rightly", "; ".join(wrong[:10]))
    result(srv.poll() is None, "the server is still running")
    srv.send_signal(signal.SIGTERM)
    try:
        rc = srv.wait(10)
    except subprocess.TimeoutExpired:
        srv.kill()
        rc = None
    result(rc == 0, "the server exits 0 on SIGTERM after the attacks", str(rc))
    for s in held:
        s.close()
    shutil.rmtree(state, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
