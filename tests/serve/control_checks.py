"""Starting and stopping: the ready line, signals, refusals to start (exit
2), the choice of host and world, --reset; what the instructor sees
(--verbose, --log); and IPv6 when the machine has ::1.
"""
import json
import os
import poplib
import re
import select
import shutil
import signal
import smtplib
import socket
import subprocess

from dns_checks import query
from serve_lib import (BIN, SLOW, Line, Serve, check, die_with_parent, fail, finish, maildir,
                       new_state, stop_and_check, wait_for)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_serve(state, *args, timeout=10):
    """A serve that is expected not to start: (status, stdout, stderr)."""
    env = dict(os.environ, XDG_STATE_HOME=state)
    try:
        r = subprocess.run([BIN, "--lang", "en", "serve"] + list(args), env=env,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout * SLOW)
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return "still running after %ds" % timeout, "", ""


def start_and_stop():
    state = new_state("ctl")
    srv = Serve(state, "--smtp", "0", "--pop3", "0", "--dns", "0")
    check(re.fullmatch(r"tutor serve: ready: smtp 127\.0\.0\.1:\d+ \(mail\.a\.example\), "
                       r"pop3 127\.0\.0\.1:\d+ \(mail\.a\.example, every user of the world\), "
                       r"dns 127\.0\.0\.1:\d+ \(ns\.a\.example, UDP\+TCP\)", srv.ready_line)
          and srv.stdout() == srv.ready_line + "\n",
          "one ready line, flushed to a file, naming the three listeners and their hosts",
          srv.stdout())
    check(len(set(srv.ports.values())) == 3 and 0 not in srv.ports.values(),
          "port 0 gave three real, distinct ports", srv.ports)

    # A port in use: the second server says so and exits 2.
    rc, out, err = run_serve(state, "--smtp", "127.0.0.1:%d" % srv.ports["smtp"])
    check(rc == 2 and "ready" not in out and "in use" in err,
          "--smtp on a port in use: exit 2, 'Address already in use' on stderr", (rc, err))
    # DNS needs UDP too: a port whose UDP side alone is taken. The port is
    # the kernel's pick for UDP; its TCP side may be some other client's
    # at that moment (then the error names TCP): another pick, up to five
    for _ in range(5):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        rc, out, err = run_serve(state, "--dns", "127.0.0.1:%d" % u.getsockname()[1])
        u.close()
        if "UDP" in err or "in use" not in err:
            break
    check(rc == 2 and "ready" not in out and "UDP" in err,
          "--dns on a port whose UDP side is taken: exit 2", (rc, err))

    # SIGTERM with clients in the middle of their sessions
    c = Line(srv.addr("smtp"))
    c.reply()
    c.cmd("EHLO stop.example")
    c.reply()
    c.cmd("MAIL FROM:<x@elsewhere.example>")
    c.reply()
    p = Line(srv.addr("pop3"))
    p.line()
    p.cmd("USER alice")
    p.line()
    # and one half way through a message, which must not be stored
    h = Line(srv.addr("smtp"))
    h.reply()
    h.send("EHLO half.example\r\nMAIL FROM:<h@elsewhere.example>\r\nRCPT TO:<alice@a.example>\r\n"
           "DATA\r\nSubject: half\r\n\r\nthe first half\r\n")
    hcodes = [h.reply()[0] for _ in range(4)]
    rc = srv.stop(signal.SIGTERM)
    code, text = c.reply()
    eof = c.line()
    pline = p.line()
    check(code == 421 and text[0].startswith("421 4.3.2 mail.a.example") and eof is None,
          "SIGTERM: a connected SMTP client gets 421 4.3.2 mail.a.example ..., then EOF",
          (text, eof))
    check((pline or "").startswith("-ERR") and p.line() is None,
          "SIGTERM: a connected POP3 client gets -ERR, then EOF", pline)
    check(rc == 0 and not srv.sanitizer_report(), "SIGTERM: exit 0",
          (rc, srv.sanitizer_report() or srv.stderr()[-800:]))
    hcode, htext = h.reply()
    stored = [f for sub in ("new", "cur") for f in os.listdir(os.path.join(
        maildir(state, "alice@a.example"), sub))] if os.path.isdir(maildir(state, "alice@a.example")) else []
    check(hcodes == [250, 250, 250, 354] and hcode == 421 and not stored,
          "SIGTERM in the middle of DATA: 421, and no half message is stored",
          (hcodes, htext, stored))
    c.close()
    p.close()
    h.close()

    # Mail for bob accepted just before the stop is relayed on the way out.
    state2 = new_state("ctl-relay")
    srv = Serve(state2, "--smtp", "0")
    s = smtplib.SMTP(*srv.addr("smtp"), timeout=10 * SLOW)
    s.login("alice", "alice-pw")
    s.sendmail("alice@a.example", ["bob@b.example"], "Subject: at the stop\r\n\r\nx\r\n")
    rc = srv.stop(signal.SIGTERM)
    s.close()
    bob_new = os.path.join(maildir(state2, "bob@b.example"), "new")
    check(rc == 0 and os.path.isdir(bob_new) and len(os.listdir(bob_new)) == 1,
          "mail for bob accepted right before SIGTERM is relayed before the exit",
          os.listdir(bob_new) if os.path.isdir(bob_new) else "no Maildir")

    # Through a pipe the ready line must come at once, not at exit.
    env = dict(os.environ, XDG_STATE_HOME=state)
    pp = subprocess.Popen([BIN, "serve", "--smtp", "0", "--verbose"], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
    try:
        ready, _, _ = select.select([pp.stdout], [], [], 10 * SLOW)
        line = pp.stdout.readline().decode() if ready else ""
        check(line.startswith("tutor serve: ready: smtp 127.0.0.1:"),
              "stdout a pipe: the ready line arrives while the server runs", line)
    finally:
        pp.terminate()
        pp.wait(10)

    srv = Serve(state, "--smtp", "0")
    rc = srv.stop(signal.SIGINT)
    check(rc == 0 and not srv.sanitizer_report(), "SIGINT: exit 0", (rc, srv.stderr()[-800:]))

    # Refusals to start: a message on stderr, exit 2, no ready line.
    for args, what in ((["--smtp", "999.1.1.1:25"], "--smtp 999.1.1.1:25"),
                       (["--smtp", "127.0.0.1:99999"], "--smtp 127.0.0.1:99999"),
                       (["--smtp", "127.0.0.1:"], "--smtp 127.0.0.1: (no port)"),
                       (["--pop3", "[::1:0"], "--pop3 [::1:0"),
                       (["--dns", "nosuch.example=127.0.0.1:0"], "--dns with a host not in the world"),
                       (["--world", "/nonexistent.json", "--smtp", "0"], "--world /nonexistent.json"),
                       ([], "no listener"),
                       (["--smtp", "0", "--smtp-timeout", "0"], "--smtp-timeout 0"),
                       (["--smtp", "0", "--max-per-client", "x"], "--max-per-client x"),
                       (["--smtp", "0", "--no-such-option"], "an unknown option"),
                       (["--smtp", "0", "extra"], "a stray argument")):
        rc, out, err = run_serve(state, *args)
        check(rc == 2 and "ready" not in out and err.strip(),
              "%s: exit 2 with a message on stderr" % what, (rc, out[:200], err[:300]))
    rc, out, err = run_serve(state, "--help")
    check(rc == 0 and "--max-per-client" in out, "--help: exit 0, the options on stdout", rc)


def hosts_world_reset():
    state = new_state("hosts")
    # HOST= picks the host a listener plays; POP3 with HOST= takes only its users.
    with Serve(state, "--smtp", "mail.b.example=127.0.0.1:0",
               "--pop3", "mail.b.example=127.0.0.1:0") as srv:
        check("smtp 127.0.0.1:%d (mail.b.example)" % srv.ports["smtp"] in srv.ready_line
              and "pop3 127.0.0.1:%d (mail.b.example)," not in srv.ready_line
              and "every user" not in srv.ready_line,
              "--smtp/--pop3 mail.b.example=...: the ready line names mail.b.example",
              srv.ready_line)
        c = Line(srv.addr("smtp"))
        code, text = c.reply()
        check(code == 220 and text[0].startswith("220 mail.b.example "),
              "SMTP as mail.b.example greets as mail.b.example", text)
        c.close()
        ok_bob = ok_alice = None
        try:
            p = poplib.POP3(*srv.addr("pop3"), timeout=10 * SLOW)
            p.user("bob")
            ok_bob = p.pass_("bob-pw")
            p.quit()
            p = poplib.POP3(*srv.addr("pop3"), timeout=10 * SLOW)
            p.user("alice")
            ok_alice = p.pass_("alice-pw")
            p.quit()
        except poplib.error_proto as e:
            ok_alice = ok_alice or e
        check(ok_bob and isinstance(ok_alice, Exception),
              "POP3 as mail.b.example: bob logs in, alice does not", (ok_bob, ok_alice))
        stop_and_check(srv, "HOST= listeners")

    # --world: a copy of the built-in world where alice has another password
    wdir = os.path.join(state, "world")
    shutil.copytree(os.path.join(REPO, "tutor", "world"), wdir)
    wfile = os.path.join(wdir, "default.json")
    w = json.load(open(wfile))
    for u in w["users"]:
        if u["address"] == "alice@a.example":
            u["password"] = "other-pw"
    json.dump(w, open(wfile, "w"))
    with Serve(state, "--world", wfile, "--smtp", "0") as srv:
        s = smtplib.SMTP(*srv.addr("smtp"), timeout=10 * SLOW)
        try:
            code = s.login("alice", "other-pw")[0]
        except smtplib.SMTPException as e:
            code = e
        check(code == 235, "--world FILE: its users and passwords are the ones served", code)
        s.sendmail("x@elsewhere.example", ["alice@a.example"], "Subject: kept\r\n\r\nx\r\n")
        s.quit()
        stop_and_check(srv, "--world")

    # --reset: the world starts afresh. Alice has the one message the
    # --world check above delivered: kept by a restart, gone after --reset.
    with Serve(state, "--pop3", "0") as srv:
        p = poplib.POP3(*srv.addr("pop3"), timeout=10 * SLOW)
        p.user("alice")
        p.pass_("alice-pw")
        before = p.stat()[0]
        p.quit()
        srv.stop()
    with Serve(state, "--pop3", "0", "--reset") as srv:
        p = poplib.POP3(*srv.addr("pop3"), timeout=10 * SLOW)
        p.user("alice")
        p.pass_("alice-pw")
        after = p.stat()[0]
        p.quit()
        check(before == 1 and after == 0, "--reset: mail of before is gone; without it, it stays",
              (before, after))
        stop_and_check(srv, "--reset")


def verbose_and_log():
    state = new_state("log")
    log = os.path.join(state, "dialogues.jsonl")
    with Serve(state, "--smtp", "0", "--dns", "0", "--verbose", "--log", log) as srv:
        c = Line(srv.addr("smtp"))
        cport = c.s.getsockname()[1]
        c.reply()
        c.cmd("EHLO x")
        c.reply()
        c.send(b"NOOP \xff\xfe \x1b[2J\r\n")      # no UTF-8, and a terminal escape
        c.reply()
        c.cmd("QUIT")
        c.reply()
        c.close()
        r = query(srv.addr("dns"), "mail.b.example", 1)
        check(r is not None, "the DNS listener answers while logging")
        out = wait_for(lambda: "QUIT" in srv.stdout() and "dns udp" in srv.stdout() and srv.stdout(),
                       timeout=2) or srv.stdout()
        m = re.search(r"^#(\d+) smtp 127\.0\.0\.1:%d connected to mail\.a\.example" % cport,
                      out, re.M)
        check(m, "--verbose: '#N smtp 127.0.0.1:PORT connected to ...' once a session",
              out[-1500:])
        who = "#%s " % (m.group(1) if m else "?")
        check(re.search("^" + who + r" -> EHLO x$", out, re.M),
              "--verbose: '#N  -> EHLO x' (the client's line)", out[-1500:])
        check(re.search("^" + who + r"<-  250-mail\.a\.example$", out, re.M),
              "--verbose: '#N <-  250-mail.a.example' (the server's line)")
        check(re.search(r"^dns udp 127\.0\.0\.1:\d+  -> mail\.b\.example\. A", out, re.M),
              "--verbose: 'dns udp 127.0.0.1:PORT  -> mail.b.example. A'")
        check("\x1b" not in out, "--verbose: a client's escape bytes never reach the terminal raw",
              repr([l for l in out.split("\n") if "NOOP" in l]))
        stop_and_check(srv, "--verbose --log")

    entries, bad = [], []
    for line in open(log, "rb").read().decode("utf-8", "replace").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            bad.append(line)
    check(entries and not bad, "--log: every line is one JSON object (%d lines)" % len(entries),
          bad[:3])
    keys = {"time", "session", "service", "host", "client", "event", "state", "line"}
    smtp = [e for e in entries if e.get("service") == "smtp"]
    check(smtp and all({"time", "session", "service", "client", "event"} <= set(e)
                        and set(e) <= keys for e in smtp),
          "--log: SMTP entries carry time, session, service, host, client, event, state, line",
          smtp[:2])
    check(any(e.get("event") == "client" and e.get("line") == "EHLO x" for e in smtp)
          and any(e.get("event") == "server" and e.get("line", "").startswith("250-mail.a.example")
                  for e in smtp),
          "--log: the client's 'EHLO x' and the server's '250-mail.a.example'")
    check(any(e.get("event") == "client" and "NOOP" in e.get("line", "") for e in smtp),
          "--log: a line that is not UTF-8 is logged, as valid JSON")
    check(any(e.get("service") == "dns" for e in entries), "--log: the DNS query is logged")


def ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
    except OSError:
        print("skip IPv6: this machine has no ::1")
        return
    state = new_state("v6")
    with Serve(state, "--smtp", "[::1]:0", "--pop3", "[::1]:0", "--dns", "[::1]:0") as srv:
        check(re.search(r"smtp \[::1\]:\d+ .*pop3 \[::1\]:\d+ .*dns \[::1\]:\d+", srv.ready_line),
              "[::1]:0 listeners: the ready line shows [::1]:PORT", srv.ready_line)
        s = smtplib.SMTP("::1", srv.ports["smtp"], timeout=10 * SLOW)
        refused = s.sendmail("x@elsewhere.example", ["alice@a.example"],
                             "Subject: over IPv6\r\n\r\nv6 body\r\n")
        s.quit()
        p = poplib.POP3("::1", srv.ports["pop3"], timeout=10 * SLOW)
        p.user("alice")
        p.pass_("alice-pw")
        msg = b"\n".join(p.retr(1)[1]).decode()
        p.quit()
        check(refused == {} and "v6 body" in msg and "::1" in msg,
              "IPv6: SMTP delivers, POP3 retrieves, the Received line names ::1", msg[:400])
        check(query(("::1", srv.ports["dns"]), "mail.b.example", 1) is not None,
              "IPv6: the DNS listener answers over UDP")
        stop_and_check(srv, "IPv6")

    # "localhost" is both loopbacks, on one port, as /etc/hosts has it
    state = new_state("lh")
    with Serve(state, "--smtp", "localhost:0", "--dns", "localhost:0") as srv:
        m = re.search(r"smtp 127\.0\.0\.1:(\d+) .*smtp \[::1\]:(\d+) .*"
                      r"dns 127\.0\.0\.1:(\d+) .*dns \[::1\]:(\d+)", srv.ready_line)
        check(m and m.group(1) == m.group(2) and m.group(3) == m.group(4),
              "--smtp localhost:0: 127.0.0.1 and [::1] on the same port", srv.ready_line)
        port = int(m.group(1)) if m else 0
        greetings = []
        for host in ("::1", "127.0.0.1"):
            with socket.create_connection((host, port), timeout=10 * SLOW) as c:
                greetings.append(c.recv(200).decode(errors="replace"))
        check(all(g.startswith("220 mail.a.example") for g in greetings),
              "a client of localhost is greeted over ::1 and over 127.0.0.1", greetings)
        stop_and_check(srv, "localhost")


def real_clock():
    """tutor serve's clock follows real seconds from the world's date: 200
    lines do not move it 200 seconds (the prompt's deterministic clock
    would), two seconds of waiting move it two."""
    import email.utils
    import time
    state = new_state("clock")
    with Serve(state, "--smtp", "0", "--pop3", "0") as srv:
        s = smtplib.SMTP("127.0.0.1", srv.ports["smtp"], timeout=10 * SLOW)
        for _ in range(200):
            s.noop()
        s.sendmail("x@elsewhere.example", ["alice@a.example"], "Subject: first\r\n\r\none\r\n")
        time.sleep(2.5)
        s.sendmail("x@elsewhere.example", ["alice@a.example"], "Subject: second\r\n\r\ntwo\r\n")
        s.quit()
        p = poplib.POP3("127.0.0.1", srv.ports["pop3"], timeout=10 * SLOW)
        p.user("alice")
        p.pass_("alice-pw")
        dates = []
        for i in (1, 2):
            msg = b"\n".join(p.retr(i)[1]).decode()
            m = re.search(r"^Date: (.*)$", msg, re.M)
            dates.append(email.utils.parsedate_to_datetime(m.group(1)) if m else None)
        p.quit()
        start = email.utils.parsedate_to_datetime("Wed, 29 May 2002 10:00:00 +0900")
        ok_dates = all(dates)
        check(ok_dates and 0 <= (dates[0] - start).total_seconds() < 30,
              "the first message is dated at the world's start, not 200 lines later", dates)
        check(ok_dates and 2 <= (dates[1] - dates[0]).total_seconds() <= 4.5,
              "2.5 real seconds later the clock is 2 to 4.5 seconds on", dates)
        stop_and_check(srv, "real clock")


if __name__ == "__main__":
    for group in (start_and_stop, hosts_world_reset, verbose_and_log, ipv6, real_clock):
        try:
            group()
        except Exception:
            import traceback
            fail(group.__name__, traceback.format_exc(limit=4))
    finish()
