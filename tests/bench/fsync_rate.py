#!/usr/bin/python3
"""How fast this disk can store messages durably, for the serve benchmark.

    fsync_rate.py DIR COUNT OUT.json

Does what a Maildir delivery must do for each of COUNT small messages in
DIR (a scratch directory on the disk that holds tutor's state): write the
file in tmp/, fsync it, link it into new/, unlink tmp/, fsync new/. Once
one message after the other, as a single-threaded server must, and once
from 20 threads at a time, as a server with overlapping deliveries could.
The first is the ceiling of a server that stores one message at a time;
smtp-sink stores nothing and has no such ceiling.
"""
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

BODY = b"x" * 600


def deliver(d, name):
    tmp, new = os.path.join(d, "tmp", name), os.path.join(d, "new", name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, BODY)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.link(tmp, new)
    os.unlink(tmp)
    dfd = os.open(os.path.join(d, "new"), os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: fsync_rate.py DIR COUNT OUT.json")
    d, count = sys.argv[1], int(sys.argv[2])
    for sub in ("tmp", "new"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    t0 = time.perf_counter()
    for i in range(count):
        deliver(d, "s%d" % i)
    serial = count / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        list(pool.map(lambda i: deliver(d, "p%d" % i), range(count)))
    parallel = count / (time.perf_counter() - t0)
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        json.dump({"serial": serial, "threads20": parallel}, f)


if __name__ == "__main__":
    main()
