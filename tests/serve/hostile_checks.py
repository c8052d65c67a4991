"""`tutor serve` against hostile scripts, packets and clients.

What a classroom server owes: one script, one packet or a few clients
never stop the others. Each construct of tests/worlds/hostile/attack.lua
(finalizers, message handlers, C loops, priced patterns, nested queries)
ends its own session within about its deadline, with the script's
message, while another client of the same server is answered at once and
SIGTERM is still obeyed. One NODATA answer does not break the resolver;
TYPE0 is answered; clients that dribble bytes are cut off by the
line's timeout; a thousand of them on DNS-over-TCP leave SMTP and POP3
open; the 20th error reply ends a session; failed AUTH answers later each
time; <LF>.<LF> does not end DATA; ten clients parked in DATA leave room
for a normal message, and a 9 MB message under SIZE is accepted.
"""
import os
import re
import resource
import smtplib
import socket
import struct
import subprocess
import threading
import time

from serve_lib import (SLOW, QUICK, Line, Serve, check, fail, finish, maildir, new_state,
                       ok, stop_and_check, wait_for)

HOSTILE_WORLD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "worlds",
                             "hostile.json")
ATTACKS = ["xpcall", "xpcall-error", "gc", "move", "move-many", "insert", "concat", "unpack",
           "find", "find-many", "gsub", "sub", "utf8", "log", "query"]


def script_attacks():
    state = new_state("attacks")
    srv = Serve(state, "--world", HOSTILE_WORLD, "--smtp", "attack.a.example=0",
                "--pop3", "mail.a.example=0", "--verbose")
    addr = srv.addr("smtp")
    bystander = Line(addr)
    bystander.reply()
    for name in ATTACKS:
        a = Line(addr, timeout=10)
        a.reply()
        a.cmd("ping")
        a.reply()
        t0 = time.monotonic()
        a.cmd(name)
        code, lines = a.reply()
        ended = a.line() is None
        took = time.monotonic() - t0
        a.close()
        check(code == 421 and ended and took < 1.5 * SLOW,
              "attack %s: its session ends in %.2f s with 421" % (name, took),
              "%s %s ended=%s" % (code, lines, ended))
        t1 = time.monotonic()
        bystander.cmd("ping")
        code, _ = bystander.reply()
        check(code == 250 and time.monotonic() - t1 < 0.5 * SLOW,
              "attack %s: another session is answered at once" % name)
    shown = srv.stdout()
    check(re.search(r"attack\.lua:\d+: setmetatable: __gc is not allowed", shown)
          and re.search(r"attack\.lua:\d+: too many elements for one call", shown),
          "attacks: the instructor sees the script, its line and what went wrong", shown[-800:])
    # an attack in flight does not keep SIGTERM waiting
    a = Line(addr)
    a.reply()
    a.cmd("sub")
    time.sleep(0.05)
    t0 = time.monotonic()
    rc = srv.stop()
    check(rc == 0 and time.monotonic() - t0 < 2 * SLOW,
          "attacks: SIGTERM during an attack ends the server in %.2f s" % (time.monotonic() - t0))
    a.close()
    bystander.close()


def dig(port, *args):
    out = subprocess.run(["dig", "-p", str(port), "@127.0.0.1", "+tries=1", "+time=3"]
                         + list(args), capture_output=True, text=True, timeout=20)
    return out.stdout


def dns_packets():
    state = new_state("dns-hostile")
    srv = Serve(state, "--smtp", "0", "--pop3", "0", "--dns", "0")
    port = srv.ports["dns"]
    out = dig(port, "mail.b.example", "NS")
    check("status: NOERROR" in out and "ANSWER: 0" in out, "dig mail.b.example NS: NODATA", out)
    out = dig(port, "+short", "mail.b.example")
    check(out.strip() == "198.51.100.25", "then dig mail.b.example: its address", out)
    out = dig(port, "b.example", "TYPE0")
    check("status: NOTIMP" in out, "dig b.example TYPE0: NOTIMP, not silence", out)
    out = dig(port, "b.example", "TYPE65000")
    check("status: NOERROR" in out, "dig b.example TYPE65000: NODATA", out)
    sm = smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=10 * SLOW)
    sm.login("alice", "alice-pw")
    sm.sendmail("alice@a.example", ["bob@b.example"],
                "From: alice@a.example\r\nTo: bob@b.example\r\nSubject: after NS\r\n\r\nhi\r\n")
    sm.quit()
    new = os.path.join(maildir(state, "bob@b.example"), "new")
    got = wait_for(lambda: os.path.isdir(new) and os.listdir(new), timeout=10)
    check(bool(got), "after the NODATA, mail to bob is relayed")
    check("script" not in srv.stderr(), "no script error on stderr", srv.stderr()[-500:])
    stop_and_check(srv, "dns packets")


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(soft, n), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def dribblers():
    n = 1000 if not QUICK else 300
    if raise_nofile(n + 100) < n + 100:
        fail("dribblers: the test cannot open %d descriptors" % n)
        return
    state = new_state("dribble")
    srv = Serve(state, "--smtp", "0", "--pop3", "0", "--dns", "0", "--smtp-timeout", "2",
                "--max-sessions", str(n), "--max-per-client", str(n + 10), max_fds=4 * n + 200)
    conns = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", srv.ports["dns"]), timeout=5)
            s.send(b"\x00")         # half a length prefix, never more
            conns.append(s)
        time.sleep(0.3)
        sm = Line(srv.addr("smtp"))
        code, _ = sm.reply()
        check(code == 220, "%d half-open DNS-over-TCP clients: SMTP still greets" % n)
        sm.close()
        p = Line(srv.addr("pop3"))
        check((p.line() or "").startswith("+OK"), "and POP3 still greets")
        p.close()
        extra = socket.create_connection(("127.0.0.1", srv.ports["dns"]), timeout=5)
        extra.settimeout(3 * SLOW)
        try:
            gone = extra.recv(1) == b""
        except OSError:
            gone = True
        check(gone, "the DNS listener's own limit refuses one more")
        extra.close()
    finally:
        for s in conns:
            s.close()
    # a byte every half second, never a whole line: cut by the 2 s timeout
    d = Line(srv.addr("smtp"), timeout=10)
    d.reply()
    t0 = time.monotonic()
    got = None
    try:
        for ch in "NOOOOOOOOOOOOOOOOOOOOOOOOP":
            d.send(ch)
            d.s.settimeout(0.5)
            try:
                got = d.line()
                break
            except socket.timeout:
                continue
    except OSError:
        pass
    took = time.monotonic() - t0
    check(got is not None and got.startswith("421 4.4.2") and took < 4 * SLOW,
          "a client dribbling one byte at a time is cut off at the line's timeout (%.1f s)" % took,
          repr(got))
    d.close()
    stop_and_check(srv, "dribblers")


def smtp_limits():
    state = new_state("smtp-limits")
    srv = Serve(state, "--smtp", "0")
    addr = srv.addr("smtp")
    c = Line(addr)
    c.reply()
    c.cmd("EHLO limits.example")
    c.reply()
    codes = []
    for _ in range(20):
        c.cmd("XYZZY")
        codes.append(c.reply()[0])
    last = c.reply()
    check(codes == [500] * 20 and last[0] == 421 and "too many errors" in last[1][0]
          and c.line() is None, "the 20th error reply is followed by 421 and the end",
          "%s %s" % (codes, last))
    c.close()
    # failed AUTH answers later each time: 1 s, then 2 s
    c = Line(addr, timeout=15)
    c.reply()
    c.cmd("EHLO guess.example")
    c.reply()
    waits = []
    for _ in range(2):
        t0 = time.monotonic()
        c.cmd("AUTH PLAIN AGFsaWNlAHdyb25n")       # alice / wrong
        code, _ = c.reply()
        waits.append((code, time.monotonic() - t0))
    check(waits[0][0] == 535 and 0.9 <= waits[0][1] and waits[1][0] == 535
          and 1.9 <= waits[1][1], "failed AUTH: 535 after %.1f s, then %.1f s"
          % (waits[0][1], waits[1][1]), str(waits))
    # while one client waits for its 535, another is served
    other = Line(addr)
    t0 = time.monotonic()
    other.reply()
    other.cmd("NOOP")
    check(other.reply()[0] == 250 and time.monotonic() - t0 < 0.5 * SLOW,
          "a client waiting out its AUTH delay holds up no one else")
    other.close()
    c.close()
    # SMTP smuggling: <LF>.<LF> is text; one message, one 250
    c = Line(addr)
    c.reply()
    c.send("EHLO smuggler.example\r\nMAIL FROM:<carol@c.example>\r\nRCPT TO:<alice@a.example>\r\n"
           "DATA\r\n")
    for _ in range(4):
        c.reply()
    c.send("Subject: one\r\n\r\nfirst\n.\nMAIL FROM:<admin@a.example>\r\n"
           "RCPT TO:<alice@a.example>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n")
    replies = [c.reply()[0], c.reply()[0]]
    c.close()
    new = os.path.join(maildir(state, "alice@a.example"), "new")
    files = wait_for(lambda: os.path.isdir(new) and os.listdir(new), timeout=5)
    text = open(os.path.join(new, files[0])).read() if files else ""
    check(replies == [250, 221] and len(files or []) == 1 and "\nMAIL FROM:<admin@a.example>\n" in text,
          "<LF>.<LF> does not end DATA: the smuggled commands are text", "%s %s" % (replies, files))
    stop_and_check(srv, "smtp limits")


def parked_in_data():
    state = new_state("parked")
    srv = Serve(state, "--smtp", "0")
    addr = srv.addr("smtp")
    parked = []
    for i in range(10):
        c = Line(addr)
        c.reply()
        c.send("EHLO parked%d.example\r\nMAIL FROM:<p@c.example>\r\nRCPT TO:<alice@a.example>\r\n"
               "DATA\r\n" % i)
        for _ in range(4):
            c.reply()
        c.send("x\r\n" * 50000)
        parked.append(c)
    time.sleep(0.5)
    body = "".join("line %04d of a normal message\r\n" % i for i in range(1000))
    t0 = time.monotonic()
    sm = smtplib.SMTP(addr[0], addr[1], timeout=20 * SLOW)
    refused = sm.sendmail("carol@c.example", ["alice@a.example"],
                          "Subject: normal\r\n\r\n" + body)
    sm.quit()
    check(refused == {} and time.monotonic() - t0 < 3 * SLOW,
          "ten clients parked in DATA: a 1,000-line message is accepted in %.2f s"
          % (time.monotonic() - t0))
    for c in parked:
        c.close()
    if not QUICK:
        # 9 MB of one-character lines, under the advertised SIZE
        big = "Subject: big\r\n\r\n" + "x\r\n" * 3000000
        sm = smtplib.SMTP(addr[0], addr[1], timeout=60 * SLOW)
        try:
            refused = sm.sendmail("carol@c.example", ["alice@a.example"], big)
            check(refused == {}, "a 9 MB message of one-character lines is accepted")
        except smtplib.SMTPException as e:
            fail("a 9 MB message of one-character lines is accepted", repr(e))
        sm.quit()
    stop_and_check(srv, "parked in DATA")


def log_rotates():
    state = new_state("log-rotate")
    path = os.path.join(state, "dialogues.jsonl")
    srv = Serve(state, "--smtp", "0", "--log", path)
    c = Line(srv.addr("smtp"), timeout=30)
    c.reply()
    c.send("EHLO talker.example\r\nMAIL FROM:<t@c.example>\r\nRCPT TO:<alice@a.example>\r\n"
           "DATA\r\n")
    for _ in range(4):
        c.reply()
    line = "y" * 3998 + "\r\n"
    for _ in range(45):
        c.send(line * 100)      # 18 MB of lines, each logged
    c.send(".\r\n")
    code, _ = c.reply()
    c.close()
    size = os.path.getsize(path)
    check(code == 500 and os.path.exists(path + ".1") and size < 17 * 2 ** 20,
          "--log FILE moves to FILE.1 past 16 MiB (now %d bytes)" % size, str(code))
    stop_and_check(srv, "log rotates")


script_attacks()
dns_packets()
dribblers()
smtp_limits()
parked_in_data()
log_rotates()
finish()
