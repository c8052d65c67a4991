#!/usr/bin/python3
"""An mbox of N messages for the `tutor headers` benchmark, always the same.

    gen-mbox.py N OUT [SEED]

mboxrd: each message starts with a "From sender@host.example Fri Apr 19
15:21:57 2002" line and ends with an empty line; a body line that starts
with "From " (or ">From ", ">>From "...) gets one more ">". So a reader
that splits at every line starting with "From " and one that also wants
an empty line before it find the same messages.

The headers are what `tutor headers` is for: 2 to 6 Received: fields a
message, bottom (oldest) to top as the message travelled, each written by
its receiving host in that MTA's dialect (sendmail with "(may be forged)",
Postfix with and without TLS, Exim, qmail, Exchange's SMTPSVC and Exchange
Online, webmail over HTTP), folded over lines as those MTAs fold them, the
date after the last ';' in the host's own zone: numeric zones with or
without a "(JST)"-style comment, qmail's weekday-less -0000, sometimes a
bare GMT, rarely no seconds, and about one field in 500 with a date no
parser can take (hour 27, or cut short), as real mail has. Around them
From, To, Subject (plain, RFC 2047 UTF-8 Q and B, ISO-2022-JP, rarely
raw UTF-8), Date, Message-ID, and sometimes Return-Path, Delivered-To,
X-Mailer, X-Originating-IP, Errors-To, MIME headers; a body of a few
lines. Addresses are documentation ones only (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24), names under .example.

Only random.random() draws from the seeded generator: its sequence is the
same in every Python 3, where choice() and randrange() have changed.
Standard library only; 100,000 messages in a few seconds.
"""
import base64
import random
import sys
import time

if len(sys.argv) not in (3, 4):
    sys.exit("usage: gen-mbox.py N OUT [SEED]")
N = int(sys.argv[1])
OUT = sys.argv[2]
SEED = int(sys.argv[3]) if len(sys.argv) == 4 else 20020419

rng = random.Random(SEED)
r = rng.random


def pick(seq):
    return seq[int(r() * len(seq))]


def num(lo, hi):
    """An integer in [lo, hi]."""
    return lo + int(r() * (hi - lo + 1))


def chance(p):
    return r() < p


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPHEX = "0123456789ABCDEF"


def chars(alphabet, n):
    return "".join([alphabet[int(r() * len(alphabet))] for _ in range(n)])


NETS = ("192.0.2.", "198.51.100.", "203.0.113.")


def ip():
    return pick(NETS) + str(num(1, 254))


WDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MON = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# (offset in minutes, the comment some MTAs add); the weights lean to
# Japan, where ISO-2022-JP subjects come from.
ZONES = [(540, "JST")] * 5 + [
    (-420, "PDT"), (-480, "PST"), (-240, "EDT"), (-300, "EST"), (-300, "CDT"),
    (60, "CET"), (120, "CEST"), (60, "BST"), (0, "UTC"), (0, "GMT"),
    (330, "IST"), (600, "AEST"), (480, "CST"), (-180, "BRT"), (345, "NPT"),
]


def zone_text(off):
    sign = "+" if off >= 0 else "-"
    off = abs(off)
    return "%s%02d%02d" % (sign, off // 60, off % 60)


def rfc_date(ts, off, comment, style):
    """ts (UTC seconds) as host-local RFC 5322 date text. style: "comment"
    (+0900 (JST)), "plain" (+0900), "gmt" (bare GMT, UTC time), "qmail"
    (no weekday, -0000, UTC time), "pad" (two-digit day, +0900)."""
    if style == "gmt" or style == "qmail":
        off = 0
    t = time.gmtime(ts + off * 60)
    day = "%02d" % t.tm_mday if style == "pad" else str(t.tm_mday)
    x = r()
    if x < 0.002:       # about one in 500: what no parser can read
        if x < 0.001:
            hms = "%d:%02d:%02d" % (t.tm_hour + 24, t.tm_min, t.tm_sec)
        else:
            return ("%s, %s %s %d" % (WDAY[t.tm_wday], day, MON[t.tm_mon - 1], t.tm_year))[:-2]
    elif x < 0.007:     # seconds are optional
        hms = "%02d:%02d" % (t.tm_hour, t.tm_min)
    else:
        hms = "%02d:%02d:%02d" % (t.tm_hour, t.tm_min, t.tm_sec)
    date = "%s %s %d %s" % (day, MON[t.tm_mon - 1], t.tm_year, hms)
    if style == "qmail":
        return date + " -0000"
    date = WDAY[t.tm_wday] + ", " + date
    if style == "gmt":
        return date + " GMT"
    if style == "comment":
        return date + " " + zone_text(off) + " (" + comment + ")"
    return date + " " + zone_text(off)


# ------------------------------------------------------------------------
# Names and hosts, made once.
WORDS = ("alpha", "bravo", "kyoto", "osaka", "nagoya", "sapporo", "sendai", "kobe", "fukuoka",
         "north", "south", "lab", "net", "isp", "corp", "univ", "mx", "relay", "post", "air",
         "sakura", "hikari", "aozora", "tsubasa", "midori", "river", "stone", "cedar", "maple")
TLD2 = ("", "", "", "co.", "ac.", "ne.", "or.")


def domain():
    return "%s%s.%sexample" % (pick(WORDS), pick(("", "", "-" + pick(WORDS), str(num(1, 99)))),
                               pick(TLD2))


DOMAINS = [domain() for _ in range(120)]
USERS = ("alice", "bob", "carol", "dave", "taro", "hanako", "yamada", "suzuki", "tanaka",
         "info", "support", "noreply", "admin", "k-sato", "m.ito", "webmaster", "list-owner",
         "j.smith", "postmaster", "sales")


def address():
    return "%s@%s" % (pick(USERS), pick(DOMAINS))


SENDMAIL_VERSIONS = ("8.9.3/8.9.3", "8.11.6/8.11.6", "8.12.10/8.12.10", "8.12.11/8.12.11",
                     "8.13.8/8.13.8", "8.14.4/8.14.4", "8.15.2/8.15.2/Debian-22",
                     "8.17.1.9/8.17.1.9")
EXIM_VERSIONS = ("4.69", "4.80", "4.92", "4.94.2", "4.96", "4.97.1")
SMTPSVC = ("5.0.2195.6713", "6.0.3790.1830", "6.0.3790.4675")
EXO = ("15.20.7452.28", "15.20.7472.44", "15.1.2507.37", "15.2.1544.9")
TLS_CIPHERS = ("TLS_AES_256_GCM_SHA384 (256/256 bits)", "TLS_AES_128_GCM_SHA256 (128/128 bits)",
               "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)")
MTAS = ("sendmail",) * 3 + ("postfix",) * 4 + ("exim",) * 3 + ("qmail",) * 2 + \
       ("exchange", "exo")


class Host:
    __slots__ = ("name", "ip", "off", "comment", "mta", "version", "style")

    def __init__(self, prefix, mta):
        d = pick(DOMAINS)
        self.name = "%s%s.%s" % (prefix, pick(("", "", str(num(1, 9)), "0" + str(num(1, 9)))), d)
        self.ip = ip()
        self.off, self.comment = pick(ZONES)
        self.mta = mta
        if mta == "sendmail":
            self.version = pick(SENDMAIL_VERSIONS)
            self.style = "comment" if chance(0.8) else pick(("plain", "gmt"))
        elif mta == "postfix":
            self.version = ""
            self.style = "comment" if chance(0.85) else "plain"
        elif mta == "exim":
            self.version = pick(EXIM_VERSIONS)
            self.style = "plain" if chance(0.8) else pick(("gmt", "comment"))
        elif mta == "qmail":
            self.version = ""
            self.style = "qmail"
        elif mta == "exchange":
            self.version = pick(SMTPSVC)
            self.style = "plain"
        elif mta == "exo":
            self.version = pick(EXO)
            self.off, self.comment = 0, "UTC"
            self.style = "pad"
        else:                   # webmail
            self.version = pick(("", "(Horde MIME library)", "(SquirrelMail)", "(Roundcube)"))
            self.style = "comment" if chance(0.5) else "plain"


RELAYS = [Host(pick(("mx", "mail", "smtp", "relay", "mta", "gw", "ns")), pick(MTAS))
          for _ in range(240)]
SUBMIT = [Host(pick(("smtp", "mail", "submit", "auth")), pick(("sendmail", "postfix", "postfix",
                                                                   "exim", "qmail")))
          for _ in range(60)]
WEBMAIL = [Host("webmail", "webmail") for _ in range(20)]
EXCHANGE = [Host(pick(("exch", "EXCH", "owa", "MAIL")), "exchange") for _ in range(20)]
QMAIL_LOCAL = [Host(pick(("mail", "www", "shell")), "qmail") for _ in range(20)]
PC_HELO = ("pc%d.home.%s", "note%d.%s", "DESKTOP-%d", "USER-PC%d", "ws%d.lab.%s", "laptop%d.%s")


def pc():
    """A client machine: (helo, rdns or None, ip)."""
    f = pick(PC_HELO)
    n = num(1, 99)
    helo = f % (n, pick(DOMAINS)) if "%s" in f else f % n
    a = ip()
    if chance(0.3):
        return "[" + a + "]", None, a
    rdns = None if chance(0.3) else "%s-%s.dyn.%s" % (pick(("p", "ppp", "dsl", "fttx")),
                                                        a.replace(".", "-"), pick(DOMAINS))
    return helo, rdns, a


def sendmail_id():
    return chars(ALNUM, 8) + "%06d" % num(0, 999999)


def postfix_id():
    return chars(UPHEX, num(9, 12)) if chance(0.6) else chars(ALNUM, 12).replace("0", "z")


def exim_id():
    if chance(0.7):
        return "1%s-%s-%s" % (chars(ALNUM, 5), chars(ALNUM, 6), chars(ALNUM, 2))
    return "1%s-%s-%s" % (chars(ALNUM, 5), "0000000" + chars(ALNUM, 4), chars(ALNUM, 4))


def received(by, helo, rdns, a, rcpt, sender, date, auth):
    """The Received: field `by` writes for a message from (helo, rdns, a)."""
    m = by.mta
    if m == "sendmail":
        if rdns is None:
            frm = "%s ([%s])" % (helo, a)
        elif chance(0.25):
            frm = "%s (%s [%s] (may be forged))" % (helo, rdns, a)
        else:
            frm = "%s (%s [%s])" % (helo, rdns, a)
        if auth:
            frm += "\n\t(authenticated bits=0)"
        proto = "ESMTPSA" if auth else pick(("ESMTP", "ESMTP", "SMTP"))
        tail = "\n\tfor <%s>; %s" % (rcpt, date) if chance(0.8) else "; " + date
        return "from %s\n\tby %s (%s) with %s id %s%s" % (
            frm, by.name, by.version, proto, sendmail_id(), tail)
    if m == "postfix":
        frm = "%s (%s [%s])" % (helo, rdns or "unknown", a)
        tls = chance(0.5)
        if tls:
            frm += "\n\t(using TLSv1.3 with cipher %s)\n\t(No client certificate requested)" % \
                pick(TLS_CIPHERS)
        if auth:
            frm += "\n\t(Authenticated sender: %s)" % sender.split("@")[0]
        proto = "ESMTP" + ("S" if tls else "") + ("A" if auth else "")
        return "from %s\n\tby %s (Postfix) with %s id %s\n\tfor <%s>; %s" % (
            frm, by.name, proto, postfix_id(), rcpt, date)
    if m == "exim":
        frm = "[%s] (helo=%s)" % (a, helo) if rdns is None or chance(0.4) else \
            "%s ([%s] helo=%s)" % (rdns, a, helo)
        if chance(0.6):
            proto = "esmtps  (TLS1.3) tls TLS_AES_256_GCM_SHA384" if by.version >= "4.9" else \
                "esmtps (TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256)"
        else:
            proto = "esmtp"
        if auth:
            proto = proto.replace("esmtps", "esmtpsa").replace("esmtp ", "esmtpa ")
        return "from %s\n\tby %s with %s\n\t(Exim %s)\n\t(envelope-from <%s>)\n\tid %s\n\tfor %s; %s" % (
            frm, by.name, proto, by.version, sender, exim_id(), rcpt, date)
    if m == "qmail":
        frm = "%s (HELO %s) (%s)" % (rdns or "unknown", helo.strip("[]"), a)
        return "from %s\n  by %s with SMTP; %s" % (frm, by.name, date)
    if m == "exchange":
        return "from %s ([%s]) by %s with Microsoft SMTPSVC(%s);\n\t %s" % (
            helo.strip("[]"), a, by.name, by.version, date)
    if m == "exo":
        return ("from %s (%s) by %s\n (%s) with Microsoft SMTP Server (version=TLS1_2,\n"
                " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id %s; %s") % (
            helo.strip("[]"), a, by.name, by.ip, by.version, date)
    raise ValueError(m)


def b64word(charset, data):
    return "=?%s?B?%s?=" % (charset, base64.b64encode(data).decode("ascii"))


def qword(text):
    out = []
    for b in text.encode("utf-8"):
        c = chr(b)
        if c == " ":
            out.append("_")
        elif b < 128 and (c.isalnum() or c in "!*+-/"):
            out.append(c)
        else:
            out.append("=%02X" % b)
    return "=?UTF-8?Q?%s?=" % "".join(out)


def jp_words(text):
    """ISO-2022-JP encoded-words for text, each short enough for a line,
    folded: each word its own ESC $ B ... ESC ( B run."""
    words, i = [], 0
    while i < len(text):
        words.append(b64word("ISO-2022-JP", text[i:i + 10].encode("iso-2022-jp")))
        i += 10
    return "\n ".join(words)


ASCII_SUBJECTS = ("Re: meeting on Thursday", "Quarterly report", "question about MX records",
                  "Fwd: your order has shipped", "lunch?", "Re: Re: the DNS lab",
                  "minutes of the 3rd meeting", "[info] server maintenance tonight",
                  "Re: patch for the relay bug", "hello from the other side of the network",
                  "Your account statement", "Call for papers: mail and the internet")
JP_TEXT = ("会議の議事録について", "お世話になっております", "来週の打ち合わせの件",
           "【重要】サーバメンテナンスのお知らせ", "Re: 見積書送付のお願い",
           "新年のご挨拶", "メールの配送が遅れている件について調査しました",
           "ご注文ありがとうございます", "研究室の忘年会", "DNSの設定変更について")
UTF8_TEXT = ("Café au lait à trois heures", "Grüße aus München", "naïve résumé review",
             "Ärger mit dem Mailserver", "¿Dónde está la reunión?", "Økonomi – rapport",
             "Привет из Москвы", "会議の議事録について")
SUBJECTS_JP = [jp_words(t) for t in JP_TEXT]
SUBJECTS_Q = [qword(t) for t in UTF8_TEXT]
SUBJECTS_B = [b64word("UTF-8", t.encode("utf-8")) for t in UTF8_TEXT]
JP_NAMES = [b64word("ISO-2022-JP", t.encode("iso-2022-jp")) for t in
            ("山田太郎", "鈴木花子", "田中一郎", "佐藤健", "伊藤真理")]
ASCII_NAMES = ("Alice Example", "Bob Example", '"Smith, John"', "Carol Q. Public",
               "The Mail Team", "Dave")
MAILERS = ("Microsoft Outlook Express 6.00.2800.1106", "Becky! ver. 2.05.10",
           "Mew version 3.3 on Emacs 21.3 / Mule 5.0", "Sylpheed version 0.8.2 (GTK+ 1.2.10)",
           "Microsoft Office Outlook 12.0", "Apple Mail (2.1084)", "iPhone Mail (21E236)",
           "Thunderbird 115.9.1", "Datula version 1.51.09 for Windows")
JP_BODY = ["こんにちは。".encode("iso-2022-jp").decode("ascii"),
           "よろしくお願いいたします。".encode("iso-2022-jp").decode("ascii"),
           "資料を添付します。".encode("iso-2022-jp").decode("ascii")]
BODY = ("Hi,", "Thanks for the note; see you then.", "The relay is back up since this morning.",
        "Please find the figures below.", "--", "Regards,", "  1. check the MX record",
        "  2. look at the Received: lines", "> quoted text from the last mail")
FROM_LINES = ("From the minutes of the last meeting:", "From now on, use the new relay.",
              "From: a forwarded header line")
T_START, T_SPAN = 1009843200, 725328000      # 2002-01-01 .. 2024-12-31, UTC


def person(jp):
    a = address()
    x = r()
    if jp and x < 0.6:
        return "%s <%s>" % (pick(JP_NAMES), a), a
    if x < 0.3:
        return a, a
    if x < 0.4:
        return "%s (%s)" % (a, pick(ASCII_NAMES).strip('"')), a
    if x < 0.5:
        return "%s <%s>" % (pick(SUBJECTS_Q if chance(0.5) else SUBJECTS_B), a), a
    return "%s <%s>" % (pick(ASCII_NAMES), a), a


def message():
    jp = chance(0.3)
    from_hdr, sender = person(jp)
    to_hdr, rcpt = person(jp)
    t = T_START + int(r() * T_SPAN)
    date_hdr = t - num(0, 90)
    hops = []           # Received: field values, oldest first
    extra = []          # header fields that go with the origin
    nhops = num(2, 6)

    # The origin: the first hop and what sends on from there.
    x = r()
    if x < 0.2:                                 # webmail over HTTP
        w = pick(WEBMAIL)
        client = ip()
        if w.version == "(SquirrelMail)":
            v = "from %s\n        (SquirrelMail authenticated user %s)\n        by %s with HTTP;\n        %s" % (
                client, sender.split("@")[0], w.name, rfc_date(t, w.off, w.comment, w.style))
        else:
            v = "from %s by %s %swith HTTP; %s" % (
                pick((client, "[" + client + "]")), w.name, w.version + " " if w.version else "",
                rfc_date(t, w.off, w.comment, w.style))
        hops.append(v)
        extra.append("X-Originating-IP: [%s]" % client)
        prev = (w.name, w.name, w.ip)
        auth = False
    elif x < 0.3:                               # Exchange pickup directory
        e = pick(EXCHANGE)
        hops.append("from mail pickup service by %s with Microsoft SMTPSVC;\n\t %s" % (
            e.name, rfc_date(t, e.off, e.comment, e.style)))
        prev = (e.name, e.name, e.ip)
        auth = False
    elif x < 0.4:                               # qmail, sent by a local program
        q = pick(QMAIL_LOCAL)
        hops.append("(qmail %d invoked by uid %d); %s" % (
            num(100, 99999), pick((0, 33, 1000, 1001, 48)), rfc_date(t, 0, "", "qmail")))
        prev = (q.name, q.name, q.ip)
        auth = False
    else:                                       # a PC submits by SMTP
        s = pick(SUBMIT)
        helo, rdns, a = pc()
        auth = chance(0.6)
        hops.append(received(s, helo, rdns, a, rcpt, sender,
                             rfc_date(t, s.off, s.comment, s.style), auth))
        prev = (s.name, s.name, s.ip)
        auth = False
    while len(hops) < nhops:
        h = pick(RELAYS)
        # seconds on the way, at times a queue's hours, and now and then
        # a clock that is behind
        y = r()
        t += num(0, 40) if y < 0.9 else (num(600, 14400) if y < 0.97 else -num(1, 120))
        helo, rdns, a = prev
        if chance(0.1):
            rdns = None
        hops.append(received(h, helo, rdns, a, rcpt, sender,
                             rfc_date(t, h.off, h.comment, h.style), auth))
        # qmail-queue's own line, above qmail-smtpd's, as often as not
        if h.mta == "qmail" and len(hops) < nhops and chance(0.5):
            hops.append("(qmail %d invoked from network); %s" % (
                num(100, 99999), rfc_date(t, 0, "", "qmail")))
        prev = (h.name, h.name, h.ip)

    head = []
    if chance(0.7):
        head.append("Return-Path: <%s>" % sender)
    if chance(0.3):
        head.append("Delivered-To: %s" % rcpt)
    for v in reversed(hops):
        head.append("Received: " + v)
    head.extend(extra)
    off, comment = pick(ZONES)
    head.append("Date: " + rfc_date(date_hdr, off, comment, "plain" if chance(0.7) else "comment"))
    head.append("From: " + from_hdr)
    head.append("To: " + to_hdr)
    x = r()
    if jp or x < 0.1:
        subject = pick(SUBJECTS_JP)
    elif x < 0.2:
        subject = pick(SUBJECTS_Q)
    elif x < 0.25:
        subject = pick(SUBJECTS_B)
    elif x < 0.26:
        subject = pick(UTF8_TEXT)               # raw 8-bit, as some mailers send
    else:
        subject = pick(ASCII_SUBJECTS)
    if chance(0.2):
        subject = "Re: " + subject
    head.append("Subject: " + subject)
    dom = sender.split("@")[1]
    y = r()
    if y < 0.3:
        mid = "<%s.%s@%s>" % (time.strftime("%Y%m%d%H%M%S", time.gmtime(date_hdr)),
                             "GA" + str(num(1000, 99999)), dom)
    elif y < 0.6:
        mid = "<%s$%s$%s@%s>" % (chars(UPHEX, 12).lower(), chars(UPHEX, 8).lower(),
                                chars(UPHEX, 8).lower(), dom)
    else:
        mid = "<%s@%s>" % (chars(ALNUM, 24), dom)
    head.append("Message-ID: " + mid)
    if chance(0.5):
        head.append("X-Mailer: " + pick(MAILERS))
    if chance(0.1):
        head.append("Errors-To: " + address())
    if jp:
        head.append("MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\n"
                    "Content-Transfer-Encoding: 7bit")
        body = [pick(JP_BODY) for _ in range(num(2, 5))]
    else:
        if chance(0.5):
            head.append("MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii")
        body = [pick(BODY) for _ in range(num(2, 6))]
    if chance(0.08):
        # mboxrd: "From " gains a ">", and so does a ">From " already there
        body.insert(num(0, len(body)), ">" + pick(FROM_LINES))
        if chance(0.2):
            body.append(">>From an earlier quote")
    g = time.gmtime(t)
    sep = "From %s %s %s %2d %02d:%02d:%02d %d" % (
        sender, WDAY[g.tm_wday], MON[g.tm_mon - 1], g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec,
        g.tm_year)
    return "%s\n%s\n\n%s\n\n" % (sep, "\n".join(head), "\n".join(body))


with open(OUT, "w", encoding="utf-8", newline="") as f:
    batch = []
    for i in range(N):
        batch.append(message())
        if len(batch) == 2000:
            f.write("".join(batch))
            batch = []
    f.write("".join(batch))
