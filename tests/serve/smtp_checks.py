"""SMTP through Python's smtplib (a real client library) and through a raw
socket where the library would hide what is checked: exact reply texts,
pipelined commands, timeouts, connection limits, lines without end and
bytes that are no text.
"""
import os
import smtplib
import socket
import struct
import threading
import time

from serve_lib import (SLOW, QUICK, Line, Serve, check, fail, finish, maildir, new_state,
                       stop_and_check, wait_for)

BANNER_HOST = "220 mail.a.example "


def new_files(state, address):
    d = os.path.join(maildir(state, address), "new")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def read_new(state, address):
    d = os.path.join(maildir(state, address), "new")
    return [open(os.path.join(d, f), "rb").read() for f in new_files(state, address)]


def smtplib_checks():
    state = new_state("smtp")
    with Serve(state, "--smtp", "0") as srv:
        addr = srv.addr("smtp")
        s = smtplib.SMTP(addr[0], addr[1], local_hostname="pc1.a.example", timeout=10 * SLOW)
        # smtplib keeps the banner only as the connect() reply; ask again raw
        c = Line(addr)
        code, banner = c.reply()
        c.close()
        check(code == 220 and banner[0].startswith(BANNER_HOST) and "a simulation" in banner[0],
              "banner: 220 mail.a.example ..., says it is a simulation", banner)

        code, _ = s.ehlo()
        f = s.esmtp_features
        auth = f.get("auth", "").split()
        check(code == 250 and "pipelining" in f and f.get("size") == "10240000"
              and "8bitmime" in f and "enhancedstatuscodes" in f
              and "PLAIN" in auth and "LOGIN" in auth,
              "EHLO lists PIPELINING, SIZE 10240000, 8BITMIME, ENHANCEDSTATUSCODES, AUTH PLAIN LOGIN",
              f)

        # Without AUTH: local mail yes, relay no.
        code, text = s.mail("someone@elsewhere.example")
        code2, text2 = s.rcpt("alice@a.example")
        code3, text3 = s.rcpt("bob@b.example")
        check(code == 250 and code2 == 250, "without AUTH, mail for alice@a.example is accepted",
              (code, text, code2, text2))
        check(code3 == 554 and text3 == b"5.7.1 <bob@b.example>: Relay access denied",
              "without AUTH, RCPT bob@b.example: 554 5.7.1 <bob@b.example>: Relay access denied",
              (code3, text3))
        s.rset()

        # SIZE (RFC 1870): the declared size is judged at MAIL.
        code, text = s.mail("alice@a.example", ["SIZE=20000000"])
        check(code == 552 and text.startswith(b"5.3.4"),
              "MAIL FROM with SIZE=20000000: 552 5.3.4", (code, text))
        s.rset()

        # A wrong password, then both mechanisms right.
        try:
            s.login("alice", "not-her-password")
            fail("wrong password: 535", "login succeeded")
        except smtplib.SMTPAuthenticationError as e:
            check(e.smtp_code == 535 and e.smtp_error.startswith(b"5.7.8"),
                  "wrong password: 535 5.7.8", (e.smtp_code, e.smtp_error))
        s.close()

        for mech, user in (("PLAIN", "alice"), ("LOGIN", "alice@a.example")):
            s = smtplib.SMTP(addr[0], addr[1], local_hostname="pc1.a.example", timeout=10 * SLOW)
            s.ehlo()
            s.user, s.password = user, "alice-pw"
            try:
                code, text = s.auth(mech, getattr(s, "auth_" + mech.lower()))
            except smtplib.SMTPException as e:
                code, text = None, repr(e)
            check(code == 235 and text.startswith(b"2.7.0"),
                  "AUTH %s as %s: 235 2.7.0" % (mech, user), (code, text))
            if mech == "PLAIN":
                refused = s.sendmail("alice@a.example", ["bob@b.example"],
                                     "Subject: relayed\r\nMessage-ID: <relayed@test.example>\r\n\r\n"
                                     "through two servers\r\n")
                check(refused == {}, "after AUTH, mail for bob@b.example is accepted", refused)
                s.quit()
                got = wait_for(lambda: read_new(state, "bob@b.example"), timeout=3)
                msg = got[0].decode("utf-8", "replace") if got else ""
                received = [l for l in msg.split("\n") if l.startswith("Received:")]
                check(len(got) == 1 and len(received) == 2 and "by mail.b.example" in msg
                      and "by mail.a.example" in msg and "through two servers" in msg,
                      "relayed to bob's Maildir on QUIT, with two Received lines", msg[:800])
            else:
                # The relay also runs about a second after mail is queued,
                # without waiting for the client to leave.
                s.sendmail("alice@a.example", ["bob@b.example"],
                           "Subject: no quit\r\nMessage-ID: <noquit@test.example>\r\n\r\nhi\r\n")
                t0 = time.monotonic()
                n = wait_for(lambda: len(new_files(state, "bob@b.example")) == 2, timeout=3)
                check(n, "relayed within ~1 s while the client stays connected (%.1f s)"
                      % (time.monotonic() - t0), "bob has %d" % len(new_files(state, "bob@b.example")))
                s.quit()

        # Durability as the client sees it: once it has the 250, the message
        # is already a whole file in new/, before QUIT.
        s = smtplib.SMTP(addr[0], addr[1], timeout=10 * SLOW)
        before = len(new_files(state, "alice@a.example"))
        s.sendmail("x@elsewhere.example", ["alice@a.example"],
                   "Subject: durable\r\n\r\ndurable body END\r\n")
        now = read_new(state, "alice@a.example")
        check(len(now) == before + 1 and any(m.rstrip().endswith(b"durable body END") for m in now),
              "the 250 after DATA comes when the message is in new/ (before QUIT)",
              "%d files before, %d after" % (before, len(now)))
        s.quit()

        if not QUICK:
            big_message(addr, state)
        stop_and_check(srv, "smtplib checks")


def big_message(addr, state):
    """A message over SIZE sent without declaring it: refused after the
    final dot (RFC 1870 6.3), the session goes on, nothing is delivered."""
    before = len(new_files(state, "alice@a.example"))
    c = Line(addr, timeout=30)
    c.reply()
    c.cmd("EHLO big.example")
    c.reply()
    c.cmd("MAIL FROM:<big@elsewhere.example>")
    c.reply()
    c.cmd("RCPT TO:<alice@a.example>")
    c.reply()
    c.cmd("DATA")
    c.reply()
    line = b"x" * 998 + b"\r\n"
    c.send(b"Subject: big\r\n\r\n" + line * 10500 + b".\r\n")
    code, text = c.reply()
    c.cmd("NOOP")
    code2, _ = c.reply()
    check(code == 552 and text[0].startswith("552 5.3.4") and code2 == 250
          and len(new_files(state, "alice@a.example")) == before,
          "10.5 MB message without SIZE=: 552 5.3.4 after the dot, not delivered, session goes on",
          (code, text, code2))
    c.close()


def raw_checks():
    state = new_state("raw")
    with Serve(state, "--smtp", "0") as srv:
        addr = srv.addr("smtp")

        # PIPELINING (RFC 2920): a whole transaction in one write.
        c = Line(addr)
        c.reply()
        c.send("EHLO pipe.example\r\nMAIL FROM:<p@elsewhere.example>\r\n"
               "RCPT TO:<alice@a.example>\r\nDATA\r\n")
        codes = [c.reply()[0] for _ in range(4)]
        c.send("Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n")
        codes += [c.reply()[0], c.reply()[0], c.line()]
        check(codes == [250, 250, 250, 354, 250, 221, None],
              "pipelined EHLO MAIL RCPT DATA, then message and QUIT: 250 250 250 354 250 221",
              codes)
        c.close()

        # A line with no end: the reply comes once the limit is passed, the
        # rest of the line is dropped, and the next command is answered.
        c = Line(addr)
        c.reply()
        c.send("N" * 10000)
        code, text = c.reply()
        check(code == 500 and text[0].startswith("500 5.5.2"),
              "10000 bytes without newline: 500 5.5.2 before the newline", text)
        c.send("\r\nNOOP\r\n")
        code, text = c.reply()
        check(code == 250, "then NOOP: 250, nothing more for the dropped rest", text)

        # Bytes that are no text, in a command (no LF among them).
        c.send(bytes(b for b in range(256) if b not in (10, 13)) + b"\r\n")
        code, text = c.reply()
        c.send(b"\x00\xff\xfe\x1b[2J\r\n")
        code2, text2 = c.reply()
        c.cmd("NOOP")
        code3, _ = c.reply()
        check(code == 500 and code2 == 500 and code3 == 250,
              "binary bytes as a command: 500, and the session goes on", (text, text2, code3))

        # 8-bit bytes in a message body arrive as they were sent (8BITMIME).
        octets = bytes(b for b in range(1, 256) if b not in (10, 13))
        c.cmd("EHLO octets.example")
        c.reply()
        before = len(new_files(state, "alice@a.example"))
        c.cmd("MAIL FROM:<bin@elsewhere.example> BODY=8BITMIME")
        c.reply()
        c.cmd("RCPT TO:<alice@a.example>")
        c.reply()
        c.cmd("DATA")
        c.reply()
        c.send(b"Subject: octets\r\n\r\n" + octets + b"\r\n.\r\n")
        code, text = c.reply()
        got = read_new(state, "alice@a.example")
        check(code == 250 and len(got) == before + 1 and got[-1].endswith(b"\n\n" + octets + b"\n"),
              "octets 0x01-0xFF in a body are stored unchanged", (code, got[-1][-300:] if got else None))

        # A text line over 1000 octets in DATA: the message is refused at the
        # dot (never stored cut short), the session goes on.
        c.cmd("MAIL FROM:<long@elsewhere.example>")
        c.reply()
        c.cmd("RCPT TO:<alice@a.example>")
        c.reply()
        c.cmd("DATA")
        c.reply()
        c.send(b"Subject: long\r\n\r\n" + b"L" * 5000 + b"\r\nafter\r\n.\r\n")
        code, text = c.reply()
        c.cmd("NOOP")
        code2, _ = c.reply()
        check(code == 500 and code2 == 250 and len(new_files(state, "alice@a.example")) == before + 1,
              "a 5000-byte line in DATA: 500 at the dot, nothing stored, session goes on",
              (text, code2))
        c.cmd("QUIT")
        c.close()

        # `nc -N` style: the whole dialogue, then the sending side shut
        # (half-close); the replies must still all come back.
        c = Line(addr)
        c.send("EHLO half.example\r\nMAIL FROM:<h@elsewhere.example>\r\n"
               "RCPT TO:<alice@a.example>\r\nDATA\r\nSubject: half\r\n\r\nhalf-closed\r\n.\r\n"
               "QUIT\r\n")
        c.s.shutdown(socket.SHUT_WR)
        codes = [c.reply()[0] for _ in range(6)]
        check(codes == [220, 250, 250, 250, 354, 250] and c.reply()[0] == 221,
              "a client that half-closes after pipelining everything gets every reply", codes)
        c.close()

        # Back-pressure: 20000 commands sent without reading a reply; every
        # reply arrives, in order, once the client reads.
        n = 20000
        c = Line(addr, timeout=30)
        c.reply()
        sender = threading.Thread(target=c.send, args=("NOOP\r\n" * n,), daemon=True)
        sender.start()
        time.sleep(0.3)
        got = 0
        for _ in range(n):
            if c.line() != "250 2.0.0 Ok":
                break
            got += 1
        sender.join(10)
        check(got == n, "%d NOOPs sent without reading: %d replies 250, in order" % (n, n), got)
        c.close()

        # Clients that connect and reset at once do no harm.
        for _ in range(50):
            r = socket.create_connection(addr)
            r.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            r.close()
        c = Line(addr)
        check(c.reply()[0] == 220, "after 50 clients that reset at once, the next is greeted")
        c.close()
        stop_and_check(srv, "raw SMTP checks")


def stalled_reader():
    """One client that asks for a big message and reads none of it must not
    hold up the others: the loop never blocks on a write."""
    state = new_state("stall")
    with Serve(state, "--smtp", "0", "--pop3", "0") as srv:
        s = smtplib.SMTP(*srv.addr("smtp"), timeout=10 * SLOW)
        s.sendmail("x@elsewhere.example", ["alice@a.example"],
                   "Subject: big\r\n\r\n" + ("y" * 900 + "\r\n") * 4000)
        s.quit()
        # a small window, so that the server's writes really would block
        p = Line(srv.addr("pop3"), timeout=2, rcvbuf=16384)
        p.line()
        p.cmd("USER alice")
        p.line()
        p.cmd("PASS alice-pw")
        p.line()
        p.cmd("RETR 1")                 # 3.6 MB, of which nothing is read
        time.sleep(0.3)
        t0 = time.monotonic()
        s = smtplib.SMTP(*srv.addr("smtp"), timeout=5 * SLOW)
        refused = s.sendmail("x@elsewhere.example", ["alice@a.example"], "Subject: meanwhile\r\n\r\nx\r\n")
        s.quit()
        took = time.monotonic() - t0
        check(refused == {} and took < 2 * SLOW,
              "while a POP3 client stalls in a 3.6 MB RETR, another client is served (%.2f s)" % took)
        # and the stalled one still gets its whole message when it reads
        p.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        size, l = 0, None
        try:
            while True:
                l = p.line()
                if l is None or l == ".":
                    break
                size += len(l) + 2
        except socket.timeout:
            l = "timed out"
        check(l == "." and size > 3600000, "the stalled client then reads the whole message",
              "%s after %d octets" % (l, size))
        p.close()
        stop_and_check(srv, "stalled reader")


def limits_checks():
    state = new_state("limits")
    with Serve(state, "--smtp", "0", "--pop3", "0", "--smtp-timeout", "1",
               "--pop3-timeout", "1", "--max-per-client", "2") as srv:
        addr = srv.addr("smtp")
        c = Line(addr)
        c.reply()
        t0 = time.monotonic()
        code, text = c.reply()
        took = time.monotonic() - t0
        eof = c.line()
        check(text == ["421 4.4.2 mail.a.example Error: timeout exceeded"] and eof is None
              and 0.8 < took < 3 * SLOW,
              "--smtp-timeout 1: an idle client gets 421 4.4.2 ... timeout exceeded, then EOF "
              "(%.1f s)" % took, (text, eof))
        c.close()

        # activity keeps a session alive past the timeout
        c = Line(addr)
        c.reply()
        codes = []
        for _ in range(4):
            time.sleep(0.5)
            c.cmd("NOOP")
            codes.append(c.reply()[0])
        check(codes == [250] * 4, "a client that keeps talking is not cut off after 2 s", codes)
        c.close()

        p = Line(srv.addr("pop3"))
        p.line()
        t0 = time.monotonic()
        text = p.line()
        check(text == "-ERR Disconnected for inactivity." and p.line() is None,
              "--pop3-timeout 1: -ERR Disconnected for inactivity., then EOF (%.1f s)"
              % (time.monotonic() - t0), text)
        p.close()

        # --max-per-client 2: the third at once is turned away
        time.sleep(0.2)
        a, b = Line(addr), Line(addr)
        ra, rb = a.reply()[0], b.reply()[0]
        d = Line(addr)
        code, text = d.reply()
        eof = d.line()
        check(ra == 220 and rb == 220 and code == 421
              and text == ["421 4.7.0 mail.a.example Error: too many connections from 127.0.0.1"]
              and eof is None,
              "--max-per-client 2: the third client gets 421 4.7.0 ... too many connections from "
              "127.0.0.1", (ra, rb, text, eof))
        d.close()
        # the limit is each listener's own: SMTP's clients leave POP3 open
        q = Line(srv.addr("pop3"))
        qtext = q.line()
        check((qtext or "").startswith("+OK"),
              "--max-per-client 2 with 2 SMTP sessions open: POP3 still greets", qtext)
        q.close()
        a.cmd("QUIT")
        a.reply()
        a.close()

        def third():
            e = Line(addr)
            code = e.reply()[0]
            e.close()
            return code == 220
        check(wait_for(third, timeout=2, step=0.1), "once one leaves, a new client is served")
        b.close()
        stop_and_check(srv, "limits")

    with Serve(state, "--smtp", "0", "--max-sessions", "1") as srv:
        a, b = Line(srv.addr("smtp")), Line(srv.addr("smtp"))
        ra, (rb, tb) = a.reply()[0], b.reply()
        check(ra == 220 and rb == 421 and b.line() is None,
              "--max-sessions 1: the second client gets 421, then EOF", tb)
        a.close()
        b.close()
        stop_and_check(srv, "--max-sessions")


def store_failure():
    """A message the server cannot store: the client gets 421 4.3.0, never
    250; nothing is left in tmp/; other clients are served on. The failure
    is made with alice's new/ being a file, where the link into it fails
    (ENOTDIR) whoever runs the test, root included."""
    state = new_state("store")
    box = maildir(state, "alice@a.example")
    for sub in ("tmp", "cur"):
        os.makedirs(os.path.join(box, sub))
    with open(os.path.join(box, "new"), "w") as f:
        f.write("not a folder\n")
    with Serve(state, "--smtp", "0") as srv:
        addr = srv.addr("smtp")
        c = Line(addr)
        c.reply()
        for line in ("EHLO client.example", "MAIL FROM:<x@elsewhere.example>",
                     "RCPT TO:<alice@a.example>", "DATA"):
            c.cmd(line)
            c.reply()
        c.send(b"Subject: lost\r\n\r\nthis cannot be stored\r\n.\r\n")
        code, text = c.reply()
        eof = c.line()
        c.close()
        check(code == 421 and text == ["421 4.3.0 mail.a.example Error: queue file write error, "
                                       "closing transmission channel"] and eof is None,
              "a message that cannot be stored: 421 4.3.0 ... queue file write error, then EOF, "
              "no 250", text)
        check(os.listdir(os.path.join(box, "tmp")) == [], "nothing of it is left in tmp/",
              os.listdir(os.path.join(box, "tmp")))
        check("could not be stored" in srv.stderr() and "Not a directory" in srv.stderr(),
              "the server says on stderr what could not be stored, and why", srv.stderr()[-500:])
        try:
            s = smtplib.SMTP(addr[0], addr[1], timeout=10 * SLOW)
            s.sendmail("x@elsewhere.example", ["postmaster@a.example"],
                       "Subject: fine\r\n\r\nthis folder is fine\r\n")
            s.quit()
            fine = True
        except smtplib.SMTPException as e:
            fine = e
        check(fine is True and wait_for(lambda: len(new_files(state, "postmaster@a.example")) == 1),
              "the next client's mail to another user is accepted and stored", fine)
        stop_and_check(srv, "store failure")


if __name__ == "__main__":
    for group in (smtplib_checks, raw_checks, stalled_reader, limits_checks, store_failure):
        try:
            group()
        except Exception:
            import traceback
            fail(group.__name__, traceback.format_exc(limit=4))
    finish()
