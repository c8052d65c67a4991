"""Shared by the Python checks of `tutor serve` (tests/serve/*_checks.py).

Each checks script is run by tests/serve/run.sh as
    /usr/bin/python3 tests/serve/X_checks.py TUTOR_BINARY WORK_DIR
and prints one "ok   ..." or "FAIL ..." line per check; run.sh counts them.
WORK_DIR is run.sh's scratch folder: every server started here writes its
pid to WORK_DIR/pids/ so that run.sh's trap can end it even if this Python
process dies, and each group of checks makes its own XDG_STATE_HOME under
it (a restarted server shares its group's, on purpose).
"""
import ctypes
import os
import poplib
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/tutor"
WORK = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="tutor-serve-")
# ASan builds start and answer slower: stretch the waits.
SLOW = 2.0 if "/asan/" in BIN else 1.0
QUICK = os.environ.get("SERVE_QUICK") == "1"

_passed = 0
_failed = 0


def ok(name):
    global _passed
    _passed += 1
    print("ok   " + name, flush=True)


def fail(name, why=""):
    global _failed
    _failed += 1
    why = str(why).replace("\n", "\n       | ")
    print("FAIL " + name + (": " + why if why else ""), flush=True)


def check(cond, name, why=""):
    if cond:
        ok(name)
    else:
        fail(name, why)
    return bool(cond)


def finish():
    """Exit status for run.sh: 1 when any check failed."""
    sys.exit(1 if _failed else 0)


def new_state(tag):
    """A fresh XDG_STATE_HOME for one group of checks."""
    d = os.path.join(WORK, "state-%s-%d" % (tag, time.monotonic_ns()))
    os.makedirs(d)
    return d


def maildir(state, address):
    return os.path.join(state, "tutor", "worlds", "lecture", "mail", address)


def die_with_parent():
    # PR_SET_PDEATHSIG: if this Python process is killed, so is the server
    # (run.sh's trap covers the rest through the pid files).
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except Exception:
        pass


READY_RE = re.compile(r"(smtp|pop3|dns) (\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+) \(")


class Serve:
    """One `tutor serve` process, its ready line parsed into ports."""

    def __init__(self, state, *args, name="serve", max_fds=None):
        self.state = state
        self.args = list(args)
        self.out_path = os.path.join(state, "%s-%d.out" % (name, time.monotonic_ns()))
        self.err_path = self.out_path[:-4] + ".err"
        env = dict(os.environ, XDG_STATE_HOME=state, LANG="C.UTF-8", NO_COLOR="1")
        env.pop("LC_ALL", None)

        def child_setup():
            die_with_parent()
            if max_fds:
                resource.setrlimit(resource.RLIMIT_NOFILE, (max_fds, max_fds))
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.p = subprocess.Popen([BIN, "--lang", "en", "serve"] + self.args,
                                      stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                      env=env, preexec_fn=child_setup)
        os.makedirs(os.path.join(WORK, "pids"), exist_ok=True)
        with open(os.path.join(WORK, "pids", str(self.p.pid)), "w"):
            pass
        self.ports = {}
        self.hosts = {}
        self.ready_line = None
        self.wait_ready()

    def wait_ready(self, timeout=10.0):
        end = time.monotonic() + timeout * SLOW
        while time.monotonic() < end:
            first = self.stdout().split("\n", 1)
            if len(first) == 2 and "ready:" in first[0]:
                self.ready_line = first[0]
                for proto, addr, port in READY_RE.findall(first[0]):
                    self.ports[proto] = int(port)
                    self.hosts[proto] = addr.strip("[]")
                return True
            if self.p.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError("tutor serve %s gave no ready line (status %s): %s %s" % (
            " ".join(self.args), self.p.poll(), self.stdout()[:500], self.stderr()[:1500]))

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def addr(self, proto):
        return (self.hosts[proto], self.ports[proto])

    def _forget(self):
        try:
            os.unlink(os.path.join(WORK, "pids", str(self.p.pid)))
        except OSError:
            pass

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signals the server; its exit status (None if it had to be killed)."""
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            rc = None
        self._forget()
        return rc

    def cpu_seconds(self):
        """User + system CPU time the server has used so far."""
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill9(self):
        self.p.kill()
        self.p.wait()
        self._forget()

    def sanitizer_report(self):
        """ASan/UBSan/LSan text in stderr, or ''."""
        err = self.stderr()
        m = re.search(r"(==\d+==ERROR|runtime error:|SUMMARY: \w+Sanitizer).*", err, re.S)
        return m.group(0)[:3000] if m else ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.poll() is None:
            self.stop()
        return False


def stop_and_check(srv, name):
    """SIGTERM, then one check: exit 0 and no sanitizer report."""
    rc = srv.stop()
    rep = srv.sanitizer_report()
    check(rc == 0 and not rep, name + ": server exits 0 on SIGTERM, no sanitizer report",
          "status %s\n%s" % (rc, rep or srv.stderr()[-1500:]))


class Line:
    """A raw CRLF line client (what telnet and nc do), for what the
    libraries hide: exact replies, timing, bytes that are no protocol."""

    def __init__(self, addr, timeout=5.0, rcvbuf=None):
        fam = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        if rcvbuf:
            # before connect: it also caps the TCP window the server sees
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(timeout * SLOW)
        self.s.connect(addr)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)

    def cmd(self, line):
        self.send(line + "\r\n")

    def line(self):
        """The next line without CRLF, or None at EOF."""
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)      # socket.timeout propagates
            if not chunk:
                if self.buf:
                    out, self.buf = self.buf, b""
                    return out.decode("utf-8", "replace")
                return None
            self.buf += chunk
        out, self.buf = self.buf.split(b"\n", 1)
        return out.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        """An SMTP reply: (code, [lines])."""
        lines = []
        while True:
            l = self.line()
            if l is None:
                return (None, lines)
            lines.append(l)
            if len(l) < 4 or l[3] != "-":
                return (int(l[:3]) if l[:3].isdigit() else None, lines)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def wait_for(pred, timeout=5.0, step=0.05, stretch=True):
    """pred's first true value within timeout (stretched for ASan unless
    stretch is False: for waits that bound a promised delay), or its last."""
    end = time.monotonic() + timeout * (SLOW if stretch else 1.0)
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


def pop3_login(addr, user, pw, timeout=5.0):
    p = poplib.POP3(addr[0], addr[1], timeout=timeout * SLOW)
    p.user(user)
    p.pass_(pw)
    return p
