"""DNS on the wire where dig will not go: datagrams that are no query,
several queries on one TCP connection, a TCP client that sends a byte at
a time. (The ordinary lookups are dig's, in run.sh.)
"""
import random
import socket
import struct
import time

from serve_lib import SLOW, Serve, check, fail, finish, new_state, stop_and_check

MAIL_B = bytes([198, 51, 100, 25])      # mail.b.example's A record in the world


def make_query(name, qtype=1, qid=0x1234, flags=0x0100, edns=False):
    out = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    for part in name.rstrip(".").split("."):
        out += bytes([len(part)]) + part.encode()
    out += b"\0" + struct.pack(">HH", qtype, 1)
    if edns:
        out += b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
    return out


def header(resp):
    """(id, flags, rcode, qd, an, ns, ar)."""
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", resp[:12])
    return qid, flags, flags & 15, qd, an, ns, ar


def udp_exchange(addr, data, wait=0.5):
    fam = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.settimeout(wait * SLOW)
    try:
        u.sendto(data, addr)
        return u.recvfrom(65535)[0]
    except socket.timeout:
        return None
    finally:
        u.close()


def query(addr, name, qtype=1):
    """A good query over UDP: the answer's bytes, or None."""
    return udp_exchange(addr, make_query(name, qtype, qid=random.randrange(65536)), wait=2)


def answers_mail_b(resp, qid=None):
    if not resp or len(resp) < 12:
        return False
    h = header(resp)
    return (qid is None or h[0] == qid) and h[1] & 0x8000 and h[2] == 0 and h[4] >= 1 \
        and MAIL_B in resp


def tcp_messages(sock, n):
    """n length-prefixed messages from a TCP stream (fewer at EOF)."""
    buf, out = b"", []
    while len(out) < n:
        while len(buf) >= 2 and len(buf) >= 2 + (buf[0] << 8 | buf[1]):
            ln = buf[0] << 8 | buf[1]
            out.append(buf[2:2 + ln])
            buf = buf[2 + ln:]
        if len(out) >= n:
            break
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return out


def dns_checks():
    state = new_state("dns")
    with Serve(state, "--dns", "0") as srv:
        addr = srv.addr("dns")

        # Datagrams of random bytes: at most a FORMERR each, and the server
        # still answers the good query that follows every one.
        seed = int(time.time())
        rnd = random.Random(seed)
        bad, missed = [], []
        for i in range(40):
            junk = bytes(rnd.randrange(256) for _ in range(rnd.choice((0, 1, 5, 12, 13, 40, 300, 1400))))
            r = udp_exchange(addr, junk, wait=0.2)
            if r is not None and (len(r) < 12 or header(r)[2] != 1 or not header(r)[1] & 0x8000):
                bad.append((junk[:16].hex(), r[:16].hex()))
            qid = rnd.randrange(65536)
            if not answers_mail_b(udp_exchange(addr, make_query("mail.b.example", qid=qid), 2), qid):
                missed.append(i)
        check(not bad, "40 datagrams of random bytes (seed %d): nothing or FORMERR each" % seed, bad[:3])
        check(not missed, "a good query after each random datagram is answered (198.51.100.25)",
              missed[:5])

        # A datagram that is itself a response (QR=1) is no question: a server
        # that answers it can be made to ping-pong with another server.
        r = udp_exchange(addr, make_query("mail.b.example", flags=0x8180), wait=0.5)
        check(r is None, "a DNS response (QR=1) sent to the server gets no reply",
              "got %d bytes, flags %04x" % (len(r), header(r)[1]) if r else "")

        # TCP (RFC 7766 6.2.1): several queries in one write, answers in order
        t = socket.create_connection(addr, timeout=5 * SLOW)
        q1, q2 = make_query("mail.b.example", qid=101), make_query("b.example", 15, qid=102)
        t.sendall(struct.pack(">H", len(q1)) + q1 + struct.pack(">H", len(q2)) + q2)
        got = tcp_messages(t, 2)
        check(len(got) == 2 and answers_mail_b(got[0], 101) and header(got[1])[0] == 102
              and header(got[1])[4] >= 1,
              "TCP: two pipelined queries on one connection get both answers, by ID",
              [g[:12].hex() for g in got])
        t.close()

        # TCP: queries, then the client's half-close: the answers still come
        t = socket.create_connection(addr, timeout=5 * SLOW)
        q1, q2 = make_query("mail.b.example", qid=111), make_query("b.example", 15, qid=112)
        t.sendall(struct.pack(">H", len(q1)) + q1 + struct.pack(">H", len(q2)) + q2)
        t.shutdown(socket.SHUT_WR)
        got = tcp_messages(t, 3)
        check(len(got) == 2 and answers_mail_b(got[0], 111) and header(got[1])[0] == 112,
              "TCP: two queries then a half-close: both answers, then the server closes",
              [g[:12].hex() for g in got])
        t.close()

        # TCP, one byte at a time: the length prefix and query reassembled
        t = socket.create_connection(addr, timeout=5 * SLOW)
        t.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        q = make_query("mail.b.example", qid=103)
        for b in struct.pack(">H", len(q)) + q:
            t.send(bytes([b]))
            time.sleep(0.002)
        got = tcp_messages(t, 1)
        check(got and answers_mail_b(got[0], 103), "TCP: a query sent a byte at a time is answered")
        t.close()

        # TCP: random bytes with a length prefix, then a good query on a new
        # connection
        t = socket.create_connection(addr, timeout=5 * SLOW)
        junk = bytes(rnd.randrange(256) for _ in range(200))
        t.sendall(struct.pack(">H", len(junk)) + junk)
        t.shutdown(socket.SHUT_WR)
        got = tcp_messages(t, 1)
        t.close()
        t = socket.create_connection(addr, timeout=5 * SLOW)
        q = make_query("mail.b.example", qid=104)
        t.sendall(struct.pack(">H", len(q)) + q)
        good = tcp_messages(t, 1)
        t.close()
        check((not got or header(got[0])[2] == 1) and good and answers_mail_b(good[0], 104),
              "TCP: random bytes get nothing or FORMERR, the next client its answer")

        # EDNS (RFC 6891 7): the OPT record comes back
        r = udp_exchange(addr, make_query("mail.b.example", qid=105, edns=True), 2)
        check(r and answers_mail_b(r, 105) and header(r)[6] >= 1 and b"\x00\x00\x29" in r,
              "EDNS query: the answer carries an OPT record")
        stop_and_check(srv, "DNS checks")


if __name__ == "__main__":
    for group in (dns_checks,):
        try:
            group()
        except Exception:
            import traceback
            fail(group.__name__, traceback.format_exc(limit=4))
    finish()
