"""Many clients at once, and SIGKILL in the middle of them.

What a real server owes here: every client that got "250" after DATA has
its message in the Maildir, whole, even if the server is killed the next
instant (the message file was fsync'd before the 250); nothing half
written is ever visible in new/ or cur/; and a server restarted on the
same state goes on delivering without reusing a Maildir name.
"""
import os
import poplib
import random
import select
import smtplib
import socket
import threading
import time

from serve_lib import (SLOW, QUICK, Serve, check, fail, finish, maildir, new_state,
                       pop3_login, stop_and_check, wait_for)

N_CLIENTS = 50 if QUICK else 200
ALICE = "alice@a.example"
MARK = "END-OF-BODY"


def message(tag, i, lines):
    """A message whose last body line names it: a file that lacks that
    line was cut short."""
    body = "".join("%s line %04d of client %d: the quick brown fox jumps over the lazy dog\r\n"
                   % (tag, n, i) for n in range(lines))
    return ("From: load%d@test.example\r\nTo: %s\r\nSubject: %s %d\r\n"
            "Message-ID: <%s-%d@test.example>\r\n\r\n%s%s %s-%d\r\n"
            % (i, ALICE, tag, i, tag, i, body, MARK, tag, i))


def deliver_all(addr, tag, n, lines, acked, errors, barrier=None, stop=None, spread=0.0):
    """n clients, each in its own thread: connect and EHLO, wait for the
    others (so the server holds them all at once), then one message each,
    client i after i/n of `spread` seconds. acked gets i for every 250
    after DATA."""
    lock = threading.Lock()

    def client(i):
        try:
            s = smtplib.SMTP(addr[0], addr[1], local_hostname="load%d.test" % i,
                             timeout=30 * SLOW)
        except Exception as e:
            with lock:
                errors.append("client %d connect: %r" % (i, e))
            if barrier:
                barrier.abort()
            return
        try:
            s.ehlo()
            if barrier:
                barrier.wait(timeout=30 * SLOW)
            if spread:
                time.sleep(spread * i / n)
            if stop is not None and stop.is_set():
                return
            s.mail("load%d@test.example" % i)
            s.rcpt(ALICE)
            code, text = s.data(message(tag, i, lines))
            if code == 250:
                with lock:
                    acked.add(i)
            else:
                with lock:
                    errors.append("client %d: DATA got %d %r" % (i, code, text))
            s.quit()
        except Exception as e:
            with lock:
                errors.append("client %d: %r" % (i, e))
        finally:
            try:
                s.close()
            except Exception:
                pass

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    return threads


def pop3_ids(addr, user, pw):
    """{Message-ID: whole message text} of a mailbox, over POP3."""
    p = pop3_login(addr, user, pw, timeout=20)
    count, _ = p.stat()
    out = {}
    for n in range(1, count + 1):
        lines = p.retr(n)[1]
        text = b"\n".join(lines).decode("utf-8", "replace")
        mid = next((l.split(":", 1)[1].strip() for l in text.split("\n")
                    if l.lower().startswith("message-id:")), "?%d" % n)
        out[mid] = text
    p.quit()
    return count, out


def files_in(state, sub):
    d = os.path.join(maildir(state, ALICE), sub)
    return [os.path.join(d, f) for f in os.listdir(d)] if os.path.isdir(d) else []


def whole(text, tag_i):
    return text.rstrip().endswith("%s %s" % (MARK, tag_i))


# ------------------------------------------------------------------ many at once
def concurrency():
    state = new_state("load")
    with Serve(state, "--smtp", "0", "--pop3", "0", "--max-per-client", "300") as srv:
        acked, errors = set(), []
        barrier = threading.Barrier(N_CLIENTS)
        t0 = time.monotonic()
        threads = deliver_all(srv.addr("smtp"), "load", N_CLIENTS, 5, acked, errors, barrier)
        for t in threads:
            t.join(60 * SLOW)
        check(len(acked) == N_CLIENTS and not errors,
              "%d SMTP clients at once each get 250 after DATA (%.1f s)"
              % (N_CLIENTS, time.monotonic() - t0),
              "%d acked; %s" % (len(acked), "; ".join(errors[:5])))
        count, got = pop3_ids(srv.addr("pop3"), "alice", "alice-pw")
        want = {"<load-%d@test.example>" % i for i in range(N_CLIENTS)}
        check(count == N_CLIENTS, "POP3 STAT as alice counts all %d messages" % N_CLIENTS,
              "STAT says %d" % count)
        missing = sorted(want - set(got))
        cut = [m for m, t in got.items() if not whole(t, m.strip("<>").split("@")[0])]
        check(not missing and not cut, "each of the %d Message-IDs is there, whole" % N_CLIENTS,
              "missing %s; cut %s" % (missing[:5], cut[:5]))
        stop_and_check(srv, "after %d clients" % N_CLIENTS)


# ------------------------------------------------------------------ SIGKILL under load
def kill9():
    state = new_state("kill")
    srv = Serve(state, "--smtp", "0", "--pop3", "0", "--max-per-client", "300")
    acked, errors = set(), []
    stop = threading.Event()
    barrier = threading.Barrier(N_CLIENTS)
    # ~30 KB a message, so that the kill finds many DATA transfers under
    # way; the clients start over 2 s, as the server stores many messages
    # in one commit and would otherwise answer all of them at once
    threads = deliver_all(srv.addr("smtp"), "crash", N_CLIENTS, 300, acked, errors, barrier, stop,
                          spread=2.0 * SLOW)
    # the kill comes once a part of the clients got their 250, at a
    # moment that differs between runs
    target = random.randint(N_CLIENTS // 5, N_CLIENTS // 2)
    wait_for(lambda: len(acked) >= target, timeout=30, step=0.001)
    srv.kill9()
    acked_at_kill = set(acked)      # a 250 read after the kill still counts
    stop.set()
    for t in threads:
        t.join(30 * SLOW)
    acked_now = set(acked)
    check(0 < len(acked_at_kill) < N_CLIENTS,
          "SIGKILL came mid-way (%d of %d clients had their 250)" % (len(acked_at_kill), N_CLIENTS),
          "acked %d" % len(acked_at_kill))

    # On disk, before any restart could tidy up: nothing partial in new/ or cur/.
    partial = []
    on_disk = set()
    for path in files_in(state, "new") + files_in(state, "cur"):
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        mid = next((l.split(":", 1)[1].strip() for l in text.split("\n")
                    if l.lower().startswith("message-id:")), None)
        tag_i = mid.strip("<>").split("@")[0] if mid else "?"
        if not mid or not whole(text, tag_i):
            partial.append(os.path.basename(path))
        else:
            on_disk.add(int(tag_i.split("-")[1]))
    check(not partial, "after SIGKILL no file in new/ or cur/ is a partial message",
          "partial: %s" % partial[:5])
    lost = sorted(acked_now - on_disk)
    check(not lost, "after SIGKILL every message that got its 250 is in the Maildir (%d acked, "
          "%d on disk)" % (len(acked_now), len(on_disk)), "lost clients %s" % lost[:10])

    # The restarted server, on the same state.
    srv = Serve(state, "--smtp", "0", "--pop3", "0", "--max-per-client", "300", name="restart")
    count, got = pop3_ids(srv.addr("pop3"), "alice", "alice-pw")
    missing = sorted(i for i in acked_now if "<crash-%d@test.example>" % i not in got)
    cut = [m for m, t in got.items() if not whole(t, m.strip("<>").split("@")[0])]
    check(not missing and not cut and count == len(on_disk),
          "restarted: POP3 gives every 250'd message whole (%d messages)" % count,
          "STAT %d, on disk %d; missing %s; cut %s" % (count, len(on_disk), missing[:10], cut[:5]))

    # New mail after the crash: Maildir names and queue IDs must not repeat
    # those handed out before the kill.
    acked2, errors2 = set(), []
    more = 20
    for t in deliver_all(srv.addr("smtp"), "after", more, 3, acked2, errors2):
        t.join(30 * SLOW)
    check(len(acked2) == more and not errors2,
          "restarted: %d new messages each get 250" % more,
          "%d acked; %s" % (len(acked2), "; ".join(errors2[:5])))
    count2, got2 = pop3_ids(srv.addr("pop3"), "alice", "alice-pw")
    new_ids = {"<after-%d@test.example>" % i for i in range(more)}
    check(count2 == count + more and new_ids <= set(got2) and set(got) <= set(got2),
          "restarted: the new mail is there beside the old (%d + %d)" % (count, more),
          "STAT %d; missing new %s" % (count2, sorted(new_ids - set(got2))[:5]))
    stop_and_check(srv, "restarted after SIGKILL")


# ------------------------------------------------------------------ SIGKILL, queue and lock
def kill9_queue_and_lock():
    """Mail for another domain that got its 250 is in the relay queue: a
    SIGKILL must not lose it, and the restarted server should pass it on.
    A POP3 session open at the kill must not lock the mailbox for ever."""
    state = new_state("killq")
    srv = Serve(state, "--smtp", "0", "--pop3", "0")
    s = smtplib.SMTP(*srv.addr("smtp"), timeout=10 * SLOW)
    s.login("alice", "alice-pw")
    s.sendmail("alice@a.example", ["bob@b.example"],
               "Subject: queued at the kill\r\nMessage-ID: <queued@test.example>\r\n\r\nhi\r\n")
    p = pop3_login(srv.addr("pop3"), "bob", "bob-pw")      # holds bob's mailbox
    srv.kill9()                     # before QUIT: the relay has not run yet
    s.close()
    p.close()

    srv = Serve(state, "--smtp", "0", "--pop3", "0", name="restart")

    def bob_count():
        try:
            p = pop3_login(srv.addr("pop3"), "bob", "bob-pw")
            n = p.stat()[0]
            p.quit()
            return n
        except poplib.error_proto:
            return None
    n = bob_count()
    check(n is not None, "restarted: bob logs in although a POP3 session of his was open at the kill",
          "login refused")
    # The relay runs within ~1 s of SMTP activity; a restarted server has
    # had none, yet the queue is its own.
    n = wait_for(bob_count, timeout=3, stretch=False)
    check(n == 1, "restarted: mail queued before SIGKILL reaches bob without a new SMTP client",
          "bob has %s messages after 3 s" % n)
    if n != 1:
        # is it at least still in the queue? a new SMTP session wakes the relay
        s = smtplib.SMTP(*srv.addr("smtp"), timeout=10 * SLOW)
        s.quit()
        n = wait_for(bob_count, timeout=3)
    check(n == 1, "mail queued before SIGKILL is not lost (reaches bob)", "bob has %s" % n)
    stop_and_check(srv, "restarted after SIGKILL with a queue")


# ------------------------------------------------------------------ out of descriptors
def out_of_fds():
    """More clients than file descriptors (a low `ulimit -n`): the ones
    that do not fit wait in the listen queue. The server must not spin on
    a listening socket it cannot accept from, and must greet the waiting
    clients once others leave."""
    state = new_state("fds")
    with Serve(state, "--smtp", "0", "--max-sessions", "1000", max_fds=40) as srv:
        socks = []
        for _ in range(60):
            s = socket.create_connection(srv.addr("smtp"))
            s.settimeout(0.3 * SLOW)
            socks.append(s)
        time.sleep(0.5)
        cpu0 = srv.cpu_seconds()
        time.sleep(1)
        busy = srv.cpu_seconds() - cpu0
        check(busy < 0.5, "out of file descriptors with clients waiting: no busy loop "
              "(%.2f s of CPU in 1 s)" % busy)

        def greeted(group, wait):
            """The sockets of group whose banner arrives within wait."""
            got, end = set(), time.monotonic() + wait * SLOW
            while len(got) < len(group) and time.monotonic() < end:
                ready, _, _ = select.select([s for s in group if s not in got], [], [], 0.05)
                for s in ready:
                    if s.recv(100).startswith(b"220"):
                        got.add(s)
            return got
        first = greeted(socks, 0.5)
        for s in first:
            s.close()
        rest = [s for s in socks if s not in first]
        late = greeted(rest, 2)
        first, late = len(first), len(late)
        check(0 < first < 60 and late == 60 - first,
              "the clients that waited for a descriptor are greeted once others leave",
              "%d greeted at first, %d of the other %d later" % (first, late, 60 - first))
        for s in socks:
            s.close()
        stop_and_check(srv, "out of file descriptors")


if __name__ == "__main__":
    for group in (concurrency, kill9, kill9_queue_and_lock, out_of_fds):
        try:
            group()
        except Exception:
            import traceback
            fail(group.__name__, traceback.format_exc(limit=3))
    finish()
