"""POP3 through Python's poplib: the commands a mail client uses, and
RFC 1939's rule that deletions happen only in the UPDATE state, after
QUIT: a client that is cut off keeps its mail.
"""
import poplib
import re
import smtplib
import socket
import time

from serve_lib import SLOW, Line, Serve, check, fail, finish, new_state, stop_and_check

# Lines that test the byte-stuffing both ways (SMTP in, POP3 out).
DOTTY = ["first line", ".starts with a dot", "..two dots", ".", "last line"]


def deliver(addr, n):
    s = smtplib.SMTP(addr[0], addr[1], timeout=10 * SLOW)
    for i in range(1, n + 1):
        body = "\r\n".join(DOTTY) if i == 1 else "body of message %d\r\nsecond line" % i
        s.sendmail("sender@elsewhere.example", ["alice@a.example"],
                   "Subject: pop %d\r\nMessage-ID: <pop-%d@test.example>\r\n\r\n%s\r\n" % (i, i, body))
    s.quit()


def login(addr, user="alice", pw="alice-pw"):
    """USER/PASS; a mailbox still [IN-USE] by a session whose close the
    server has not seen yet is tried again for a while."""
    end = time.monotonic() + 3 * SLOW
    while True:
        p = poplib.POP3(addr[0], addr[1], timeout=10 * SLOW)
        p.user(user)
        try:
            p.pass_(pw)
            return p
        except poplib.error_proto as e:
            p.close()
            if b"IN-USE" not in e.args[0] or time.monotonic() > end:
                raise
            time.sleep(0.05)


def uidls(p):
    return [l.decode().split(" ", 1)[1] for l in p.uidl()[1]]


def err_of(f, *args):
    """The -ERR text a command earned, or None when it succeeded."""
    try:
        f(*args)
        return None
    except poplib.error_proto as e:
        return str(e.args[0])


def pop3_checks():
    state = new_state("pop3")
    with Serve(state, "--smtp", "0", "--pop3", "0") as srv:
        deliver(srv.addr("smtp"), 3)
        addr = srv.addr("pop3")

        p = poplib.POP3(addr[0], addr[1], timeout=10 * SLOW)
        welcome = p.getwelcome().decode()
        check(re.match(r"\+OK .*<[^<>@]+@[^<>]+>$", welcome),
              "greeting: +OK with an APOP timestamp <...@...>", welcome)
        capa = p.capa()
        check({"TOP", "UIDL", "USER"} <= set(capa), "CAPA lists TOP, UIDL, USER", capa)
        check(err_of(p.stat) is not None, "STAT before login: -ERR")
        p.user("alice")
        check(err_of(p.pass_, "wrong") is not None, "wrong password: -ERR")
        p.close()

        p = login(addr)
        count, total = p.stat()
        resp, listing, _ = p.list()
        sizes = {int(a): int(b) for a, b in (l.split() for l in listing)}
        check(count == 3 and sorted(sizes) == [1, 2, 3] and total == sum(sizes.values()),
              "STAT 3 and LIST 1..3, the sizes adding up to STAT's", (count, total, sizes))

        retr = {n: p.retr(n)[1] for n in (1, 2, 3)}
        # RFC 1939 11: sizes count CRLF line ends; byte-stuffing is not counted
        wire = {n: sum(len(l) + 2 for l in retr[n]) for n in retr}
        check(wire == sizes, "LIST sizes equal the octets RETR gives (CRLF counted)",
              (sizes, wire))
        body1 = [l.decode() for l in retr[1]]
        body1 = body1[body1.index("") + 1:]
        check(body1 == DOTTY, "RETR un-stuffs dots: lines '.x', '..x' and '.' arrive as sent",
              body1)

        u = uidls(p)
        check(len(u) == 3 and len(set(u)) == 3
              and all(re.fullmatch(r"[\x21-\x7e]{1,70}", x) for x in u),
              "UIDL: 3 distinct ids of 1-70 printable characters", u)
        one = p.uidl(2).decode().split()
        check(one[:2] == ["+OK", "2"] and one[2] == u[1], "UIDL 2 gives message 2's id", one)

        top0 = [l.decode() for l in p.top(1, 0)[1]]
        top2 = [l.decode() for l in p.top(1, 2)[1]]
        check(top0 and top0[-1] == "" and "Subject: pop 1" in top0 and DOTTY[0] not in top0,
              "TOP 1 0: the header and the blank line only", top0)
        check(top2[:len(top0)] == top0 and top2[len(top0):] == DOTTY[:2],
              "TOP 1 2: the header and the body's first 2 lines", top2[len(top0):])

        # DELE marks; RSET unmarks; numbers stay stable within the session
        p.dele(1)
        count, _ = p.stat()
        check(count == 2 and err_of(p.retr, 1) and err_of(p.list, 1) and err_of(p.dele, 1),
              "after DELE 1: STAT 2, and RETR/LIST/DELE 1 give -ERR", count)
        check(p.list(3).startswith(b"+OK 3 "),
              "after DELE 1, message 3 keeps its number")
        p.rset()
        check(p.stat()[0] == 3, "RSET brings the deleted message back")

        # deleted, then cut off without QUIT: nothing is deleted
        p.dele(2)
        p.close()               # no QUIT: the connection just ends
        p = login(addr)
        check(p.stat()[0] == 3 and uidls(p) == u,
              "DELE then disconnect without QUIT: all 3 messages stay", uidls(p))
        p.dele(2)
        resp = p.quit()
        p = login(addr)
        check(resp.startswith(b"+OK") and p.stat()[0] == 2 and uidls(p) == [u[0], u[2]],
              "DELE 2 then QUIT: message 2 is gone, the other UIDLs unchanged", uidls(p))

        # one session a mailbox at a time (RFC 1939 8, [IN-USE] of RFC 2449)
        q = poplib.POP3(addr[0], addr[1], timeout=10 * SLOW)
        q.user("alice")
        e = err_of(q.pass_, "alice-pw")
        check(e and "IN-USE" in e, "a second session of alice's mailbox: -ERR [IN-USE]", e)
        q.close()
        p.quit()

        # APOP (RFC 1939 7), with the greeting's timestamp
        p = poplib.POP3(addr[0], addr[1], timeout=10 * SLOW)
        check(p.apop("alice", "alice-pw").startswith(b"+OK") and p.stat()[0] == 2,
              "APOP alice with the right digest: +OK")
        p.quit()
        p = poplib.POP3(addr[0], addr[1], timeout=10 * SLOW)
        check(err_of(p.apop, "alice", "wrong") is not None, "APOP with a wrong digest: -ERR")
        p.close()

        # every user of the world logs in at this listener, by either name
        for user in ("bob", "bob@b.example"):
            try:
                p = login(addr, user, "bob-pw")
                check(p.stat()[0] == 0, "USER %s logs in at the every-user listener" % user)
                p.quit()
            except poplib.error_proto as e:
                fail("USER %s logs in at the every-user listener" % user, e)

        # A message bigger than the server's output buffer (64 KB): RETR
        # must not stop half way waiting for the client to say something.
        s = smtplib.SMTP(*srv.addr("smtp"), timeout=10 * SLOW)
        big = "".join("big line %05d %s\r\n" % (n, "z" * 80) for n in range(3000))
        s.sendmail("sender@elsewhere.example", ["alice@a.example"],
                   "Subject: big\r\nMessage-ID: <big@test.example>\r\n\r\n" + big)
        s.quit()
        p = login(addr)
        n, _ = p.stat()
        p.sock.settimeout(2 * SLOW)     # a stall shows as a timeout
        try:
            lines = p.retr(n)[1]
            got = "\r\n".join(l.decode() for l in lines[lines.index(b"") + 1:]) + "\r\n"
            why = "%d octets of the body, %d expected" % (len(got), len(big))
        except Exception as e:
            got, why = None, repr(e)
        check(got == big, "RETR of a 280 KB message: all of it, without a stall", why)
        p.close()

        # PIPELINING, as CAPA advertises (RFC 2449 6.6): several RETRs in one
        # write, read through a small window. Commands already read while
        # the replies wait must be answered once the replies have gone.
        c = Line(addr, timeout=2, rcvbuf=16384)
        c.line()
        c.send("USER alice\r\nPASS alice-pw\r\nRETR %d\r\nRETR %d\r\nRETR %d\r\nQUIT\r\n"
               % (n, n, n))
        c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        replies, octets = [], 0
        try:
            while True:
                l = c.line()
                if l is None:
                    break
                if l.startswith(("+OK", "-ERR")):
                    replies.append(l.split(" ")[0])
                else:
                    octets += len(l) + 2
        except socket.timeout:
            replies.append("(stalled)")
        check(replies == ["+OK"] * 6 and octets > 3 * len(big),
              "POP3 pipelined USER, PASS, 3 x RETR of 280 KB, QUIT: every reply, in full",
              "%s, %d octets" % (replies, octets))
        c.close()

        # a raw client: reply lines, and a command line that never ends
        c = Line(addr)
        c.line()
        c.send("X" * 10000)
        first = c.line()
        c.send("\r\nUSER alice\r\n")
        nxt = c.line()
        check((first or "").startswith("-ERR") and (nxt or "").startswith("+OK"),
              "POP3: 10000 bytes without newline: -ERR, then USER alice: +OK", (first, nxt))
        c.cmd("QUIT")
        c.close()
        stop_and_check(srv, "POP3 checks")


if __name__ == "__main__":
    for group in (pop3_checks,):
        try:
            group()
        except Exception:
            import traceback
            fail(group.__name__, traceback.format_exc(limit=4))
    finish()
