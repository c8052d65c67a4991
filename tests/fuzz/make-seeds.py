#!/usr/bin/env python3
"""Writes the fuzz harnesses' seed corpora under tests/fuzz/seeds/.

    python3 tests/fuzz/make-seeds.py [build/tutor]

Each seed is what its harness reads (the harness's header comment says
how the first byte is used). The SMTP, POP3, MIME, zone, topology and
world seeds come from the dialogues and files below and the tree's own
worlds, zones and topologies; the DNS responses for fuzz_dnsview are real
answers of `tutor serve`, asked the questions of seeds/exchange.
Re-run it when a format changes; the seeds are committed, so make test
does not need it.
"""
import glob
import os
import re
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEEDS = os.path.join(HERE, "seeds")


def write(harness, name, data):
    d = os.path.join(SEEDS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def crlf(*lines):
    return "".join(l + "\r\n" for l in lines).encode()


SMTP = {
    # first byte: bit 0 a real client at 127.0.0.1, bit 1 mail.b.example
    "local-mail": (0, crlf("EHLO pc1.a.example", "MAIL FROM:<alice@a.example>",
                           "RCPT TO:<bob@b.example>", "DATA", "From: alice@a.example",
                           "Subject: hi", "", "hello", "..dot", ".", "QUIT")),
    "auth-plain": (1, crlf("EHLO x", "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3",
                           "MAIL FROM:<alice@a.example> SIZE=100 BODY=8BITMIME",
                           "RCPT TO:<alice@a.example>", "DATA", "x", ".", "QUIT")),
    "auth-login": (1, crlf("EHLO x", "AUTH LOGIN", "YWxpY2U=", "YWxpY2UtcHc=", "QUIT")),
    "auth-bad": (1, crlf("EHLO x", "AUTH PLAIN", "AGFsaWNlAHdyb25n", "AUTH CRAM-MD5", "*")),
    "relay-denied": (3, crlf("HELO evil", "MAIL FROM:<x@evil.example>",
                             "RCPT TO:<carol@c.example>", "RSET", "NOOP", "QUIT")),
    "inbound": (2, crlf("EHLO mail.a.example", "MAIL FROM:<alice@a.example>",
                        "RCPT TO:<bob@b.example>", "RCPT TO:<nobody@b.example>", "DATA",
                        "Received: from x", "", "body", ".", "QUIT")),
    "commands": (0, crlf("HELP", "VRFY bob", "EXPN staff", "ETRN a", "STARTTLS",
                         "BDAT 10", "helo", "MAIL FROM:<>", "RCPT TO:<postmaster>",
                         "MAIL FROM:<a@b>", "DATA", "RSET", "QUIT")),
    "smuggling": (1, b"EHLO x\r\nMAIL FROM:<alice@a.example>\r\nRCPT TO:<bob@b.example>\r\n"
                     b"DATA\r\nhi\n.\nMAIL FROM:<admin@a.example>\r\n.\r\nQUIT\r\n"),
    "bare-lf": (1, b"HELO x\nMAIL FROM:<a@a.example>\nNOOP\n"),
    "pipelining": (1, crlf("EHLO x", "MAIL FROM:<alice@a.example>", "RCPT TO:<bob@b.example>",
                           "DATA") + b"line\r\n.\r\nQUIT\r\n"),
    "binary": (0, b"EHLO \x00\xff\xfe\r\nMAIL FROM:<\xe3\x81\x82@a.example>\r\n" + b"A" * 1100 + b"\r\n"),
    "params": (1, crlf("EHLO x", "MAIL FROM:<alice@a.example> SIZE=99999999",
                       "MAIL FROM:<alice@a.example> FOO=BAR", "MAIL FROM:alice@a.example",
                       "RCPT TO:<@relay.example:bob@b.example>", "RCPT TO:<\"quoted name\"@b.example>")),
}

POP3 = {
    # first byte: bit 0 a real client at 127.0.0.1
    "retr": (0, crlf("USER bob", "PASS bob-pw", "STAT", "LIST", "UIDL", "RETR 1", "TOP 2 0",
                     "LIST 2", "UIDL 1", "NOOP", "QUIT")),
    "dele": (1, crlf("CAPA", "USER bob", "PASS bob-pw", "DELE 1", "RETR 1", "RSET", "DELE 2",
                     "QUIT")),
    "auth-plain": (1, crlf("AUTH PLAIN AGJvYgBib2ItcHc=", "STAT", "QUIT")),
    "auth-cont": (1, crlf("AUTH PLAIN", "AGJvYgBib2ItcHc=", "LAST", "QUIT")),
    "apop": (0, crlf("APOP bob 0123456789abcdef0123456789abcdef", "USER bob", "PASS wrong",
                     "PASS bob-pw")),
    "errors": (1, crlf("RETR 1", "USER", "PASS", "USER bob", "USER carol", "STLS", "TOP 1",
                       "TOP x y", "LIST 99999999999999999999", "DELE -1", "UTF8", "QUIT")),
    "binary": (0, b"USER \x00bob\r\nPASS \xff\r\n" + b"X" * 600 + b"\nQUIT"),
}

MIME = {
    # first byte: bits 0-2 the function, bits 3-6 the charset
    "decode-b": (0, b"=?UTF-8?B?44GT44KT44Gr44Gh44Gv?= world"),
    "decode-q": (0, b"=?ISO-8859-1?Q?Andr=E9?= =?iso-2022-jp?B?GyRCJDMkcyRLJEEkTxsoQg==?="),
    "decode-2231": (1, b"=?UTF-8*ja?Q?=E3=81=82?= and =?x-unknown?B?AAAA?= =?utf-8?q?a_b?="),
    "decode-raw-jis": (0, b"\x1b$B$3$s$K$A$O\x1b(B friends"),
    "body-plain": (2, b"Subject: x\n\nhello\n"),
    "body-multipart": (3, b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                          b"--b1\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n"
                          b"\x1b$B$3$s\x1b(B\r\n--b1\r\nContent-Type: application/pdf; name=a.pdf\r\n"
                          b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b1\r\n"
                          b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nin\r\n--b1--\r\n"),
    "body-alternative": (2, b"Content-Type: multipart/alternative; boundary=z\n\n--z\n"
                            b"Content-Type: text/html\n\n<p>x</p>\n--z\nContent-Type: text/plain;"
                            b" charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable\n\n"
                            b"caf=C3=A9 =\nsoft\n--z--\n"),
    "body-sjis": (2, b"Content-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: 8bit\n\n"
                     b"\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\n"),
    "body-dsn": (3, b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n"
                    b"--r\n\nbounced\n--r\nContent-Type: message/delivery-status\n\n"
                    b"Reporting-MTA: dns; mail.a.example\n\nFinal-Recipient: rfc822; x@y\n"
                    b"Action: failed\n--r\nContent-Type: text/rfc822-headers\n\nSubject: s\n--r--\n"),
    "to-utf8-sjis": (4 | (2 << 3), b"\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x00\xff"),
    "to-utf8-eucjp": (4 | (3 << 3), b"\xa4\xb3\xa4\xf3\xa4\xcb\xa4\xc1\xa4\xcf"),
    "to-utf8-jis": (4 | (1 << 3), b"\x1b$B$3$s$K$A$O\x1b(B\n\x1b$B$\""),
    "encode-jis": (6 | (3 << 3), "件名: こんにちは、世界 and some ASCII words".encode()),
    "encode-utf8": (5 | (2 << 3), "Re: 日本語の件名がとても長い場合にはきちんと折り返されるべきです".encode()),
    "encode-ascii": (5, b"plain ascii subject with =?looks like a word?= inside"),
    "from-utf8": (7, "こんにちは\n世界\nhello ①\n".encode()),
}


def from_files(harness, pattern, first=None):
    for p in sorted(glob.glob(os.path.join(ROOT, pattern))):
        with open(p, "rb") as f:
            data = f.read()
        if len(data) > 16384:
            continue
        name = os.path.basename(p)
        write(harness, name, (bytes([first(name)]) if first else b"") + data)


def zone_origin(name):
    # fuzz_zone's first byte: a.example, the root, 2.0.192.in-addr.arpa, b.example
    return {"a.example.zone": 0, "root.zone": 1, "2.0.192.in-addr.arpa.zone": 2,
            "b.example.zone": 3}.get(name, 0)


def dns_answers(tutor):
    """Real responses of tutor serve to the exchange seeds' questions."""
    proc = subprocess.Popen([tutor, "serve", "--dns", "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, XDG_STATE_HOME="/tmp/tutor-seeds-state"))
    try:
        port = None
        for line in proc.stdout:
            m = re.search(r"ready: dns [0-9.]+:([0-9]+)", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            sys.exit("make-seeds.py: tutor serve did not say it was ready")
        for q in sorted(glob.glob(os.path.join(SEEDS, "exchange", "q-*"))):
            with open(q, "rb") as f:
                raw = f.read()
            if raw[0] & 0x80:           # TCP seeds: the UDP answer will do
                continue
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(3)
            s.sendto(raw[1:], ("127.0.0.1", port))
            try:
                write("dnsview", "r" + os.path.basename(q)[1:], s.recv(4096))
            except socket.timeout:
                pass
            s.close()
    finally:
        proc.terminate()
        proc.wait()


def lessons():
    """fuzz_lesson reads lesson.json, en.md, ja.md and checks.lua cut at
    lines "=====", as its header says; fuzz_record a recording."""
    for d in sorted(glob.glob(os.path.join(ROOT, "lessons", "[0-9]*"))):
        parts = []
        for name in ("lesson.json", "en.md", "ja.md", "checks.lua"):
            p = os.path.join(d, name)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    parts.append(f.read())
        # the folder is "01-f" to the harness: the id must say so
        parts[0] = re.sub(rb'"id": "[0-9]{2}-[a-z0-9-]+"', b'"id": "01-f"', parts[0], count=1)
        write("lesson", os.path.basename(d), b"\n=====".join(parts))
    head = b'{"tutor":"recording","version":1,"tutor_version":"0.1.0","lesson":"01-mail-by-hand",' \
        b'"student":"s1","seed":20020529}\n'
    write("record", "dialogue.jsonl", head + b"".join(
        b'{"step":"connect","line":"%s"}\n' % l for l in
        (b"telnet mail.a.example smtp", b"EHLO pc1.a.example", b"QUIT")))
    write("record", "resumed.jsonl", head + b'{"step":null,"line":"hosts"}\n{"resumed":true}\n'
          b'{"step":"x","line":"\\u00e9\\u0000","bytes":true,"reply":"250"}\n')
    write("record", "header-only.jsonl", head)


def headers():
    """fuzz_headers reads a file as `tutor headers` does: the lecture's
    three samples as messages, and a small mbox in the bench's dialects."""
    for p in sorted(glob.glob(os.path.join(ROOT, "lessons", "samples", "*.eml"))):
        with open(p, "rb") as f:
            write("headers", os.path.basename(p), f.read())
    out = os.path.join(SEEDS, "headers", "dialects.mbox")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "bench", "gen-mbox.py"), "6", out],
                   check=True)


def main():
    for name, (first, data) in SMTP.items():
        write("smtp", name, bytes([first]) + data)
    for name, (first, data) in POP3.items():
        write("pop3", name, bytes([first]) + data)
    for name, (first, data) in MIME.items():
        write("mime", name, bytes([first]) + data)
    from_files("zone", "tutor/world/zones/*.zone", zone_origin)
    from_files("zone", "tests/worlds/dns/*.zone", zone_origin)
    from_files("topology", "tests/netsim/topologies/*.json")
    from_files("world", "tutor/world/*.json")
    from_files("world", "tests/worlds/*.json")
    lessons()
    headers()
    tutor = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "tutor")
    dns_answers(tutor)


main()
