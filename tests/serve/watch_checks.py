"""What the instructor sees of a running `tutor serve`: the compact
--verbose form, and `tutor watch` attached through the socket beside the
state (off a terminal, one line per event; on a terminal, in tmux at
80x24, the live list and one session followed).

--verbose: a session's service and client once, its lines under "#N" with
swaks' arrows, its state only when it changes, "#N closed (K lines)";
a hostile client's control characters shown as ^X and a 10,000-byte line
in three rows at most, every row within 79 columns.
watch: the events of twenty concurrent SMTP clients; the snapshot of the
live sessions on attach; --client, --user and --follow; a watcher that
never reads neither slows serve nor stops it, and is dropped once far
behind; the watcher limit; no serve (or a stale socket) is exit 2 with
the socket's path; the socket is 0600, replaced when stale, left to a
live serve, removed at the end.
"""
import os
import re
import select
import shutil
import signal
import smtplib
import socket
import stat
import subprocess
import threading
import time
import unicodedata

from dns_checks import query
from serve_lib import (BIN, SLOW, Line, Serve, check, die_with_parent, fail, finish, new_state,
                       ok, stop_and_check, wait_for)

WATCH_MAX = 8                           # tutor/serve/serve_internal.h
BACKLOG_MAX = 4 << 20                   # WATCH_BACKLOG_MAX


def sock_path(state):
    return os.path.join(state, "tutor", "serve.sock")


def env_for(state, **extra):
    env = dict(os.environ, XDG_STATE_HOME=state, LANG="C.UTF-8", NO_COLOR="1")
    env.pop("LC_ALL", None)
    env.update(extra)
    return env


def columns(text):
    """Display width, as a terminal draws it."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else
               0 if unicodedata.combining(ch) else 1 for ch in text)


class Watch:
    """`tutor watch` off a terminal, its lines gathered by a thread."""

    def __init__(self, state, *args):
        self.p = subprocess.Popen([BIN, "--lang", "en", "watch"] + list(args),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env_for(state),
                                  preexec_fn=die_with_parent)
        self.lines = []
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for raw in self.p.stdout:
            with self.lock:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def text(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait(self, pattern, timeout=5.0):
        """The first match of the regex in what it printed, or None."""
        r = re.compile(pattern, re.M)
        return wait_for(lambda: r.search(self.text()), timeout=timeout)

    def end(self, timeout=5.0):
        """Its exit status once it exits by itself (None if it had to be
        killed); its stderr is then self.err."""
        try:
            rc = self.p.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            rc = None
        self.t.join(2)
        self.err = self.p.stderr.read().decode("utf-8", "replace")
        return rc

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        self.t.join(2)

    def sanitizer_report(self):
        m = re.search(r"(==\d+==ERROR|runtime error:|SUMMARY: \w+Sanitizer).*", self.err, re.S)
        return m.group(0)[:2000] if m else ""


class FarLine(Line):
    """A line client from 127.0.0.2: another machine of the class, to
    the --client filter."""

    def __init__(self, addr, timeout=5.0):
        self.s = socket.create_connection(addr, timeout=timeout * SLOW,
                                          source_address=("127.0.0.2", 0))
        self.buf = b""


def smtp_session(addr, i, login=False, to="alice@a.example", body_lines=3):
    s = smtplib.SMTP(addr[0], addr[1], local_hostname="w%d.test" % i, timeout=20 * SLOW)
    if login:
        s.login("alice", "alice-pw")
    body = "".join("line %d of client %d\r\n" % (n, i) for n in range(body_lines))
    s.sendmail("c%d@test.example" % i, [to], "Subject: watched %d\r\n\r\n%s" % (i, body))
    s.quit()


def twenty(addr, n=20):
    """n SMTP clients at once, each with a message for alice: seconds taken, errors."""
    errors, barrier = [], threading.Barrier(n)

    def one(i):
        try:
            barrier.wait(10 * SLOW)
            smtp_session(addr, i, login=i % 2 == 0, body_lines=40)
        except Exception as e:
            errors.append("client %d: %r" % (i, e))
    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60 * SLOW)
    return time.monotonic() - t0, errors


# ------------------------------------------------------------------ --verbose
def verbose_compact():
    state = new_state("verbose")
    srv = Serve(state, "--smtp", "0", "--verbose")
    a = Line(srv.addr("smtp"))
    aport = a.s.getsockname()[1]
    a.reply()
    for cmd in ("EHLO x", "MAIL FROM:<x@elsewhere.example>", "RCPT TO:<alice@a.example>", "DATA"):
        a.cmd(cmd)
        a.reply()
    a.send("Subject: compact\r\n\r\nbody\r\n.\r\n")
    a.reply()
    a.cmd("QUIT")
    a.reply()
    a.close()
    h = Line(srv.addr("smtp"))
    hport = h.s.getsockname()[1]
    h.reply()
    h.send(b"NOOP \x1b[2J\x07 \xc2\x9b\x1b]0;owned\x07\r\n")
    h.reply()
    h.send(b"A" * 10000 + b"\r\n")
    h.reply()
    h.cmd("QUIT")
    h.reply()
    h.close()
    out = wait_for(lambda: srv.stdout().count(" closed (") >= 2 and srv.stdout(), timeout=3) \
        or srv.stdout()
    m = re.search(r"^#(\d+) smtp 127\.0\.0\.1:%d connected to mail\.a\.example \(smtp\.lua\)$"
                  % aport, out, re.M)
    check(m, "--verbose: a session begins '#N smtp 127.0.0.1:PORT connected to mail.a.example "
          "(smtp.lua)'", out[:600])
    n = m.group(1) if m else "?"
    check(out.count("127.0.0.1:%d" % aport) == 1,
          "--verbose: the client's address is shown once a session, not on every line",
          out.count("127.0.0.1:%d" % aport))
    mine = [l for l in out.split("\n") if l.startswith("#%s " % n)]
    dialogue = [l for l in mine if l.startswith(("#%s  -> " % n, "#%s <-  " % n))]
    check("#%s  -> EHLO x" % n in mine and "#%s <-  250-mail.a.example" % n in mine,
          "--verbose: '#N  -> EHLO x' and '#N <-  250-mail.a.example', swaks' arrows",
          "\n".join(mine[:8]))
    states = [l[len("#%s = " % n):] for l in mine if l.startswith("#%s = " % n)]
    check(states == ["HELO", "MAIL", "RCPT", "DATA", "HELO", "QUIT"],
          "--verbose: the state shown only when it changes: HELO MAIL RCPT DATA HELO QUIT "
          "(%d state lines for %d dialogue lines)" % (len(states), len(dialogue)), states)
    check("#%s closed (%d lines)" % (n, len(dialogue)) in mine,
          "--verbose: '#N closed (%d lines)', the count of its dialogue lines" % len(dialogue),
          mine[-2:])
    check(not re.search(r"\[[A-Z_]+\]", "\n".join(mine)),
          "--verbose: no '[STATE]' prefix on the lines any more")
    hm = re.search(r"^#(\d+) smtp 127\.0\.0\.1:%d " % hport, out, re.M)
    hn = hm.group(1) if hm else "?"
    check("\x1b" not in out and "\x07" not in out and "\xc2\x9b" not in out
          and "\u009b" not in out,
          "--verbose: a hostile client's ESC, BEL and C1 bytes never reach the output raw")
    check("#%s  -> NOOP ^[[2J^G ?^[]0;owned^G" % hn in out,
          "--verbose: they are shown as ^[ ^G and ? instead",
          [l for l in out.split("\n") if "NOOP" in l])
    rows = out.split("\n")
    at = next((i for i, l in enumerate(rows) if l.startswith("#%s  -> AAAA" % hn)), None)
    long_rows = []
    if at is not None:
        long_rows = [rows[at]] + [r for r in rows[at + 1:at + 4] if r.startswith(" ")][:3]
    check(at is not None and 1 < len(long_rows) <= 3
          and long_rows[-1].endswith(".. (over 4096 bytes)"),
          "--verbose: a 10,000-byte line takes at most 3 rows, cut with its length said",
          long_rows)
    wide = [l for l in rows if l.startswith(("#", " ")) and columns(l) > 79]
    check(not wide, "--verbose: every row of every session within 79 columns", wide[:3])
    stop_and_check(srv, "--verbose compact")


# ------------------------------------------------------------------ twenty clients
def watch_twenty():
    state = new_state("watch20")
    srv = Serve(state, "--smtp", "0", "--dns", "0", "--max-per-client", "100")
    w = Watch(state)
    hello = w.wait(r"^tutor watch: attached to tutor serve \(pid (\d+)\) at (.*?); sessions: "
                   r"0 live, 0 in all")
    check(hello and int(hello.group(1)) == srv.p.pid and hello.group(2) == sock_path(state),
          "watch off a terminal: 'attached to tutor serve (pid N) at STATE/tutor/serve.sock'",
          w.text()[:300])
    took, errors = twenty(srv.addr("smtp"))
    check(not errors, "twenty SMTP clients at once, watched: all delivered (%.2f s)" % took, errors[:3])
    r = query(srv.addr("dns"), "mail.b.example", 1)
    w.wait(r"^dns udp ", timeout=3)
    wait_for(lambda: len(re.findall(r"^#\d+ closed \(", w.text(), re.M)) >= 20, timeout=5)
    text = w.text()
    opened = re.findall(r"^#(\d+) smtp 127\.0\.0\.1:\d+ connected to mail\.a\.example$", text, re.M)
    closed = re.findall(r"^#(\d+) closed \((\d+) lines\)$", text, re.M)
    stored = re.findall(r"^#(\d+) 1 message stored \(in a mailbox\)$", text, re.M)
    check(len(set(opened)) == 20 and set(opened) == {c for c, _ in closed},
          "watch: 20 sessions opened and closed, each with its own tag",
          "%d opened, %d closed" % (len(set(opened)), len(closed)))
    check(set(stored) == set(opened), "watch: each of the 20 has '1 message stored (in a mailbox)'",
          "%d stored" % len(stored))
    users = re.findall(r"^#(\d+) user (\S+)$", text, re.M)
    check(sum(1 for _, u in users if u == "alice") == 10,
          "watch: the 10 clients that logged in are 'user alice' (AUTH PLAIN)",
          users[:12])
    lines_ok = all(int(k) == len(re.findall(r"^#%s (?: ->|<- ) " % c, text, re.M))
                   for c, k in closed)
    check(lines_ok, "watch: each session's closing count matches the lines it showed")
    check(r is not None and re.search(r"^dns udp 127\.0\.0\.1:\d+ mail\.b\.example\. A.*: NOERROR",
                                      text, re.M),
          "watch: the DNS query answered, in one line", text[-400:])
    rc = srv.stop()
    wrc = w.end()
    check(rc == 0 and wrc == 0 and w.text().endswith("tutor watch: tutor serve stopped")
          and not w.sanitizer_report(),
          "serve's SIGTERM: watch says 'tutor serve stopped' and exits 0 (no sanitizer report)",
          (rc, wrc, w.text()[-200:], w.sanitizer_report()))
    check(not os.path.exists(sock_path(state)), "serve's end removes its socket")


# ------------------------------------------------------------------ snapshot, filters
def snapshot_and_filters():
    state = new_state("watch-filters")
    srv = Serve(state, "--smtp", "0", "--pop3", "0")
    p = Line(srv.addr("pop3"))
    p.line()
    p.cmd("USER bob")
    p.line()
    s2 = FarLine(srv.addr("smtp"))
    s2.reply()
    s2.cmd("EHLO far.example")
    s2.reply()
    s2.cmd("AUTH PLAIN AGFsaWNlAGFsaWNlLXB3")      # alice / alice-pw
    s2.reply()
    s3 = Line(srv.addr("smtp"))
    s3.reply()
    s3.cmd("EHLO near.example")
    s3.reply()
    s3.cmd("MAIL FROM:<carol@c.example>")
    s3.reply()
    time.sleep(0.2)

    w = Watch(state)
    snap = wait_for(lambda: len(re.findall(r"^#\d+ .* live", w.text(), re.M)) >= 3)
    text = w.text()
    check(snap and re.search(r"^#1 pop3 127\.0\.0\.1:\d+ live = AUTHORIZATION, user bob, 3 lines: "
                             r"<-  \+OK", text, re.M)
          and re.search(r"^#2 smtp 127\.0\.0\.2:\d+ live = HELO, user alice, \d+ lines: <-  235 ",
                        text, re.M)
          and re.search(r"^#3 smtp 127\.0\.0\.1:\d+ live = MAIL, user carol@c\.example, \d+ lines: "
                        r"<-  250 2\.1\.0 Ok", text, re.M),
          "snapshot on attach: the 3 live sessions with state, user and last line", text)
    w.kill()

    far_w = Watch(state, "--client", "127.0.0.2")
    bob_w = Watch(state, "--user", "bob")
    follow_w = Watch(state, "--follow", "3")
    for x in (far_w, bob_w, follow_w):
        x.wait(r"^tutor watch: attached")
    # new clients: one from each address, bob and alice over POP3
    n1 = Line(srv.addr("smtp"))
    n1.reply()
    n1.cmd("QUIT")
    n1.reply()
    n2 = socket.create_connection(srv.addr("smtp"), source_address=("127.0.0.2", 0))
    n2.recv(200)
    n2.sendall(b"QUIT\r\n")
    n2.recv(200)
    n2.close()
    for user in ("bob", "alice"):
        q = Line(srv.addr("pop3"))
        q.line()
        q.cmd("USER " + user)
        q.line()
        q.cmd("PASS %s-pw" % user)
        q.line()
        q.cmd("QUIT")
        q.line()
        q.close()
    s3.cmd("QUIT")
    s3.reply()
    frc = follow_w.end()
    far_w.wait(r"^#5 closed", timeout=3)
    bob_w.wait(r"^#6 closed", timeout=3)
    ftext, btext, ttext = far_w.text(), bob_w.text(), follow_w.text()
    tags = set(re.findall(r"^#(\d+) ", ftext, re.M))
    check(tags == {"2", "5"} and "127.0.0.2" in ftext and not re.search(r"127\.0\.0\.1:\d+", ftext),
          "--client 127.0.0.2: only the two sessions from 127.0.0.2 (#2 live, #5 new)",
          ftext)
    tags = set(re.findall(r"^#(\d+) ", btext, re.M))
    check(tags == {"1", "6"} and re.search(r"^#6 pop3 127\.0\.0\.1:\d+ user bob$", btext, re.M)
          and re.search(r"^#6  -> PASS bob-pw$", btext, re.M) and "alice" not in btext,
          "--user bob: bob's live session and the new one from its USER line on, not alice's",
          btext)
    tags = set(re.findall(r"^#(\d+) ", ttext, re.M))
    check(tags == {"3"} and re.search(r"^#3 closed \(\d+ lines\)$", ttext, re.M) and frc == 0,
          "--follow 3: only #3's lines, and exit 0 when it ends", (frc, ttext))
    far_w.kill()
    bob_w.kill()
    check(not follow_w.sanitizer_report(), "watch --follow: no sanitizer report",
          follow_w.sanitizer_report())
    w = Watch(state, "--follow", "3")
    rc = w.end()
    check(rc == 1 and "not live" in w.err, "--follow of a session that has ended: exit 1, "
          "'not live'", rc)
    for c in (p, s2):
        c.close()
    stop_and_check(srv, "watch filters")


# ------------------------------------------------------------------ a stalled watcher
def stalled_watcher():
    state = new_state("watch-stall")
    srv = Serve(state, "--smtp", "0", "--max-per-client", "100")
    baseline, errors = twenty(srv.addr("smtp"))
    check(not errors, "twenty SMTP clients at once, no watcher: %.2f s" % baseline, errors[:3])
    stalled = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(sock_path(state))
    time.sleep(0.1)
    t0 = time.monotonic()
    probe = Line(srv.addr("smtp"))
    probe.reply()
    probe.cmd("NOOP")
    code, _ = probe.reply()
    check(code == 250 and time.monotonic() - t0 < 0.5 * SLOW,
          "a watcher that never reads: serve greets and answers another client at once")
    # 2.5 MB of events it does not read: behind, not yet too far
    smtp_session_big(srv.addr("smtp"), "Subject: half\r\n\r\n" + ("y" * 998 + "\r\n") * 2500)
    time.sleep(0.1)
    check("dropped" not in srv.stderr(), "a stalled watcher 2.5 MB behind is still attached",
          srv.stderr()[-300:])
    took, errors = twenty(srv.addr("smtp"))
    check(not errors and took < max(3 * baseline, baseline + 2.0) * SLOW,
          "twenty clients at once with that stalled watcher: %.2f s (%.2f s unwatched)"
          % (took, baseline), errors[:3])
    # a 6 MB message: more events than the watcher's buffer holds
    big = "Subject: big\r\n\r\n" + ("x" * 998 + "\r\n") * 6000
    done = {}

    def send_big():
        t = time.monotonic()
        try:
            smtp_session_big(srv.addr("smtp"), big)
            done["ok"] = time.monotonic() - t
        except Exception as e:
            done["err"] = repr(e)
    th = threading.Thread(target=send_big, daemon=True)
    th.start()
    lat = []
    while th.is_alive() and len(lat) < 200:
        t = time.monotonic()
        probe.cmd("NOOP")
        probe.reply()
        lat.append(time.monotonic() - t)
        time.sleep(0.01)
    th.join(30 * SLOW)
    dropped = wait_for(lambda: re.search(r"tutor serve: watcher 1 dropped: it fell behind by more "
                                         r"than 4 MiB", srv.stderr()), timeout=3)
    check("ok" in done and dropped,
          "a 6 MB message while it is stalled: stored (%.2f s), and the watcher is dropped with "
          "a note on stderr" % done.get("ok", -1), (done, srv.stderr()[-300:]))
    check(lat and max(lat) < 0.5 * SLOW,
          "meanwhile another client's NOOP is answered within %.0f ms at worst (%d tries)"
          % (1000 * max(lat or [0]), len(lat)))
    # what it was sent, then the end: serve closed it
    stalled.settimeout(5)
    got, end = 0, False
    try:
        while True:
            b = stalled.recv(1 << 16)
            if not b:
                end = True
                break
            got += len(b)
    except socket.timeout:
        pass
    check(end and got <= BACKLOG_MAX + (1 << 20),
          "the dropped watcher reads what was waiting (%d KB), then the end" % (got >> 10))
    stalled.close()
    probe.close()
    w = Watch(state)
    check(w.wait(r"^tutor watch: attached"), "a new watcher attaches after the drop")
    w.kill()
    stop_and_check(srv, "stalled watcher")


def smtp_session_big(addr, msg):
    s = smtplib.SMTP(addr[0], addr[1], timeout=60 * SLOW)
    s.sendmail("big@test.example", ["alice@a.example"], msg)
    s.quit()


# ------------------------------------------------------------------ the limit, the socket
def limit_and_socket():
    state = new_state("watch-limit")
    # nothing there: exit 2, the path, how to start serve
    r = subprocess.run([BIN, "--lang", "en", "watch"], env=env_for(state),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=10 * SLOW)
    err = r.stderr.decode()
    check(r.returncode == 2 and sock_path(state) in err and "tutor serve --smtp" in err,
          "no serve running: exit 2, naming the socket it looked for and how to start serve",
          (r.returncode, err))
    # a socket file nothing answers on (a serve killed with -9)
    os.makedirs(os.path.dirname(sock_path(state)), exist_ok=True)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(sock_path(state))
    dead.close()
    r = subprocess.run([BIN, "--lang", "en", "watch"], env=env_for(state),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=10 * SLOW)
    check(r.returncode == 2 and "nothing answers at" in r.stderr.decode(),
          "a stale socket: the same exit 2", r.stderr.decode())
    srv = Serve(state, "--smtp", "0")
    st = os.lstat(sock_path(state))
    check(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600 and not srv.stderr(),
          "serve replaces the stale socket with its own, mode 0600",
          (oct(st.st_mode), srv.stderr()))
    other = Serve(state, "--smtp", "0", name="second")
    check("another tutor serve is live on %s" % sock_path(state) in other.stderr()
          and other.p.poll() is None,
          "a second serve on the same state: says another one is live there, and serves on",
          other.stderr())
    raw = []
    for _ in range(WATCH_MAX):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(sock_path(state))
        c.settimeout(5)
        raw.append(c)
    hellos = [c.recv(4096).startswith(b'{"event":"hello"') for c in raw]
    r = subprocess.run([BIN, "--lang", "en", "watch"], env=env_for(state),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=10 * SLOW)
    err = r.stderr.decode()
    check(all(hellos) and r.returncode == 2 and "has %d watchers already" % WATCH_MAX in err,
          "a ninth watcher: exit 2, 'has %d watchers already, the most it takes'" % WATCH_MAX,
          (r.returncode, err))
    check("a watcher was turned away: %d watch already" % WATCH_MAX in srv.stderr(),
          "serve notes the refusal on stderr", srv.stderr()[-300:])
    raw.pop().close()
    time.sleep(0.2)             # serve sees the end at its next turn
    w = Watch(state)
    m = w.wait(r"^tutor watch: attached to tutor serve \(pid (\d+)\)")
    check(m and int(m.group(1)) == srv.p.pid,
          "one watcher fewer: the next attaches, to the first serve", w.text())
    w.kill()
    for c in raw:
        c.close()
    stop_and_check(other, "second serve")
    check(os.path.exists(sock_path(state)), "the second serve's end leaves the first one's socket")
    stop_and_check(srv, "watcher limit")
    check(not os.path.exists(sock_path(state)), "the first serve's end removes it")


# ------------------------------------------------------------------ a terminal
class Tmux:
    def __init__(self):
        self.sock = "tutor-watch-%d" % os.getpid()

    def __call__(self, *args):
        return subprocess.run(["tmux", "-L", self.sock] + list(args), capture_output=True,
                              text=True, timeout=10)

    def screen(self):
        return self("capture-pane", "-t", "t", "-p").stdout

    def wait(self, pattern, timeout=5.0):
        r = re.compile(pattern, re.M)
        return wait_for(lambda: r.search(self.screen()), timeout=timeout)

    def kill(self):
        self("kill-server")


def on_a_terminal():
    if not shutil.which("tmux"):
        fail("tmux is installed (tests/deps.sh installs it)")
        return
    state = new_state("watch-tty")
    srv = Serve(state, "--smtp", "0", "--pop3", "0")
    p = Line(srv.addr("pop3"))
    p.line()
    p.cmd("USER bob")
    p.line()
    far = socket.create_connection(srv.addr("smtp"), source_address=("127.0.0.2", 0))
    far.recv(200)
    far.sendall(b"EHLO far.example\r\nMAIL FROM:<carol@c.example>\r\n")
    s = Line(srv.addr("smtp"))
    s.reply()
    s.cmd("EHLO near.example")
    s.reply()
    tm = Tmux()
    try:
        err = os.path.join(state, "watch-tty.err")
        cmd = ("env XDG_STATE_HOME=%s TERM=xterm-256color NO_COLOR=1 LANG=C.UTF-8 %s --lang en watch"
               " 2>%s; echo EXITED $?; sleep 30" % (state, BIN, err))
        tm("new-session", "-d", "-s", "t", "-x", "80", "-y", "24", cmd)
        got = tm.wait(r"sessions: 3 live, 3 in all; messages stored: 0; DNS queries: 0")
        scr = tm.screen()
        rows = scr.split("\n")
        check(got and rows[0].startswith("sessions: 3 live, 3 in all"),
              "watch at 80x24: the summary line on top", scr)
        check(re.search(r"^> #3 +127\.0\.0\.1:\d+ +smtp +HELO ", scr, re.M)
              and re.search(r"^  #2 +127\.0\.0\.2:\d+ +smtp +MAIL +carol@c\.example +<- 250 2\.1\.0 Ok",
                            scr, re.M)
              and re.search(r"^  #1 +127\.0\.0\.1:\d+ +pop3 +AUTHORIZATION +bob +<- \+OK", scr, re.M),
              "watch at 80x24: a row a session, newest first: tag, client, protocol, state, user, "
              "last line", scr)
        check(len(rows) >= 24 and "q: quit" in rows[23] and all(columns(r) <= 80 for r in rows),
              "watch at 80x24: the keys on the bottom line, nothing past column 80", rows[-3:])
        tm("send-keys", "-t", "t", "2", "Enter")
        got = tm.wait(r"^#2 smtp 127\.0\.0\.2:\d+ mail\.a\.example = MAIL")
        scr = tm.screen()
        check(got and " -> EHLO far.example" not in scr and "Esc: back to the list" in scr,
              "2 Enter: session #2 followed (its lines from the attach on)", scr)
        s.cmd("MAIL FROM:<dave@d.example>")
        s.reply()
        tm("send-keys", "-t", "t", "Escape")
        got = tm.wait(r"^> #2 ")
        tm("send-keys", "-t", "t", "k", "Enter")
        got = tm.wait(r" -> MAIL FROM:<dave@d\.example>") if got else None
        check(got and tm.wait(r"^#3 smtp .* = MAIL"),
              "Esc: back to the list; k Enter follows the row above, its new lines shown",
              tm.screen())
        tm("send-keys", "-t", "t", "Escape")
        tm("resize-window", "-t", "t", "-x", "100", "-y", "30")
        got = tm.wait(r"^sessions: 3 live")
        rows = tm.screen().split("\n")
        check(got and len(rows) >= 30 and "q: quit" in rows[29],
              "resized to 100x30: drawn again to the new size", rows[-3:])
        tm("send-keys", "-t", "t", "q")
        got = tm.wait(r"^EXITED 0$")
        cursor = tm("display", "-p", "-t", "t", "#{cursor_flag}").stdout.strip()
        report = open(err, errors="replace").read() if os.path.exists(err) else ""
        check(got and cursor == "1" and not re.search(r"Sanitizer|runtime error", report),
              "q: exit 0, the cursor shown again (the terminal restored), nothing on stderr",
              (cursor, tm.screen()[-300:], report[:1500]))
        tm("kill-session", "-t", "t")
        # in Japanese, SIGTERM: the same care
        cmd = ("env XDG_STATE_HOME=%s TERM=xterm-256color NO_COLOR=1 LANG=C.UTF-8 %s --lang ja watch;"
               " echo EXITED $?; sleep 30" % (state, BIN))
        tm("new-session", "-d", "-s", "t", "-x", "80", "-y", "24", cmd)
        got = tm.wait(r"#3 +127\.0\.0\.1")
        rows = tm.screen().split("\n")
        check(got and all(columns(r) <= 80 for r in rows),
              "--lang ja at 80x24: every row within 80 columns", rows[:3])
        pid = tm("display", "-p", "-t", "t", "#{pane_pid}").stdout.strip()
        kids = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split()
        for k in kids:
            os.kill(int(k), signal.SIGTERM)
        got = tm.wait(r"^EXITED 143$")
        cursor = tm("display", "-p", "-t", "t", "#{cursor_flag}").stdout.strip()
        check(got and cursor == "1" and kids, "SIGTERM: the terminal restored, then the signal's "
              "exit (143)", (kids, cursor, tm.screen()[-200:]))
    finally:
        tm.kill()
    for c in (p, s):
        c.close()
    far.close()
    stop_and_check(srv, "watch on a terminal")


if __name__ == "__main__":
    for group in (verbose_compact, watch_twenty, snapshot_and_filters, stalled_watcher,
                  limit_and_socket, on_a_terminal):
        t0 = time.monotonic()
        try:
            group()
        except Exception:
            import traceback
            fail(group.__name__, traceback.format_exc(limit=4))
        print("     (%s: %.1f s)" % (group.__name__, time.monotonic() - t0), flush=True)
    finish()
