#!/usr/bin/python3
"""The peer of `tutor headers --json`: Python's standard email parser
reading the same headers, as a script of a few lines would.

    headers-peer.py MBOX

Reads MBOX a message at a time, in binary, splitting at every line that
starts with "From " (mboxrd, as gen-mbox.py writes it: such a line in a
body has been escaped as ">From "), so its memory is that of one header,
whatever the size of the file. The body is read past, not parsed: tutor
headers looks at headers only, and so does this. Each header goes to
email.parser.BytesHeaderParser with the compat32 policy (the default, and
the fast one: the email.policy.default policy builds header objects and is
several times slower). For every Received: field, the text after its last
';' goes to email.utils.parsedate_to_datetime and, parsed, is normalised
to UTC, the work tutor does for a hop's date. Prints

    MESSAGES RECEIVED DATES

on one line: the messages, their Received: fields, and the dates among
those that parsed (the others raised, and were counted out).
"""
import email.parser
import email.policy
import email.utils
import sys
from datetime import timezone

if len(sys.argv) != 2:
    sys.exit("usage: headers-peer.py MBOX")


def headers(f):
    """Each message's header lines, joined, up to its empty line."""
    lines = None            # None: before the first "From " line
    in_header = False
    for line in f:
        if line.startswith(b"From "):
            if lines is not None:
                yield b"".join(lines)
            lines = []
            in_header = True
        elif in_header:
            if line == b"\n" or line == b"\r\n":
                in_header = False
            else:
                lines.append(line)
    if lines is not None:
        yield b"".join(lines)


parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
utc = timezone.utc
messages = received = dates = 0
with open(sys.argv[1], "rb") as f:
    for raw in headers(f):
        messages += 1
        for value in parser.parsebytes(raw).get_all("Received", ()):
            received += 1
            # str(): compat32 gives a Header object, not a str, for a
            # value with undecodable bytes
            _, semicolon, text = str(value).rpartition(";")
            if not semicolon:
                continue
            try:
                dt = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError, OverflowError):
                continue
            # "-0000" (qmail's): UTC, with no zone said; parsed as naive
            dt = dt.astimezone(utc) if dt.tzinfo else dt.replace(tzinfo=utc)
            dates += 1
print(messages, received, dates)
