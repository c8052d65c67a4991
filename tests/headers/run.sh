#!/bin/sh
# tutor headers as a student and a grader meet it: the lecture's three
# samples read to their origin (the spam's four hops and the real sending
# site, the free mail's X-Originating-IP, the virus mail's forged From),
# in English and Japanese; --json valid against lessons/headers.schema.json;
# --redact hiding every address of a real-looking message while keeping
# its hops; an mbox, a Maildir and standard input; real-world headers of
# public test suites against their golden hop tables (corpus/README.md);
# bad input refused.
#   sh tests/headers/run.sh [TUTOR_BINARY]
bin=${1:-build/tutor}
cd "$(dirname "$0")/../.." || exit 2
pass=0 fail=0
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); echo "ok      $1"; }
bad() { fail=$((fail + 1)); echo "FAILED  $1"; [ -n "$2" ] && sed 's/^/        /' "$2" | head -40; }
check() { if eval "$2"; then ok "$1"; else bad "$1" "$3"; fi; }
export LC_ALL=C NO_COLOR=1
h() { "$bin" headers "$@"; }

h --lang en --sample spam >"$tmp/spam" 2>&1
check "spam: four hops, oldest first (the local submission is hop 1)" \
    "grep -c '^  [ 0-9][0-9] 2002-04-19' '$tmp/spam' | grep -qx 4 && grep -A1 '^   1 ' '$tmp/spam' | grep -q 'user@localhost'" "$tmp/spam"
check "spam: the delays between hops (+1 min 36 s, +5 min 51 s)" \
    "grep -q '+1 min 36 s' '$tmp/spam' && grep -q '+5 min 51 s' '$tmp/spam'" "$tmp/spam"
tr '\n' ' ' <"$tmp/spam" | tr -s ' ' >"$tmp/spam.flat"
check "spam: the probable origin is the real sending site, with its reasoning" \
    "grep -q '^Probable origin: galaxy.freehosting.example \\[203.0.113.16\\]' '$tmp/spam' && grep -q 'Hops 1 and 2 happened inside that host' '$tmp/spam.flat'" "$tmp/spam"
check "spam: X-Scriptname names the CGI, and the From is called forged" \
    "grep -q 'X-Scriptname: www.idol.example/pmail/pmail.cgi: a script (CGI)' '$tmp/spam.flat' && grep -q 'probably forged' '$tmp/spam.flat'" "$tmp/spam"

h --lang ja --sample spam >"$tmp/spam-ja" 2>&1
check "spam in Japanese: the origin named, the reasoning in Japanese" \
    "grep -q '^推定される発信元: galaxy.freehosting.example \\[203.0.113.16\\]' '$tmp/spam-ja' && grep -q 'ホップ3' '$tmp/spam-ja'" "$tmp/spam-ja"

h --lang en --sample freemail >"$tmp/free" 2>&1
check "free mail: the origin is the terminal X-Originating-IP names" \
    "grep -q '^Probable origin: the terminal \[203.0.113.222\]' '$tmp/free' && grep -q 'X-Originating-IP says the same' '$tmp/free'" "$tmp/free"
h --lang en --sample virus >"$tmp/virus" 2>&1
check "virus: the forged From is called out, the infected PC is the origin" \
    "grep -q 'From: kenji@mail.ybb.example: the mail never passed through' '$tmp/virus' && grep -q '^Probable origin: \[203.0.113.77\]' '$tmp/virus' && grep -q 'may be forged' '$tmp/virus'" "$tmp/virus"

# --json, each sample, against the schema; the origin a grader reads
for s in spam virus freemail; do h --json --sample $s; done >"$tmp/all.jsonl" 2>&1
/usr/bin/python3 - "$tmp/all.jsonl" >"$tmp/schema.out" 2>&1 <<'PY'
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open("lessons/headers.schema.json"))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema)
rows = [json.loads(l) for l in open(sys.argv[1])]
bad = [e.message for r in rows for e in v.iter_errors(r)]
print(bad)
assert not bad and len(rows) == 3
assert [r["origin"]["ip"] for r in rows] == ["203.0.113.16", "203.0.113.77", "203.0.113.222"], rows
assert [h["date"] for h in rows[0]["hops"]][0] == "2002-04-19T06:21:57Z"
assert [h["delay_s"] for h in rows[0]["hops"]] == [None, 96, 351, 0]
assert any(h["kind"] == "forged-from" for h in rows[1]["hints"])
PY
check "--json: valid against headers.schema.json, origins and delays as a grader reads them" "[ $? = 0 ]" "$tmp/schema.out"

# --redact on a real-looking message: no name or public address left, hops kept
cat >"$tmp/real.eml" <<'MSG'
Return-Path: <taro.yamada@gakuen-mail.jp>
Received: from mx1.univ.ac.jp (mx1.univ.ac.jp [133.9.4.11])
	by imap.univ.ac.jp (Postfix) with ESMTPS id 4Q8xYz1abc
	for <hanako@univ.ac.jp>; Mon, 7 Dec 2026 10:02:11 +0900 (JST)
Received: from mail-sor-f41.gakuen-mail.jp (mail-sor-f41.gakuen-mail.jp [209.85.220.41])
	by mx1.univ.ac.jp (Postfix) with ESMTPS id 9F1E2C0001
	for <hanako@univ.ac.jp>; Mon, 7 Dec 2026 10:02:10 +0900 (JST)
Received: from [192.168.1.23] (p1234-ipngn.tokyo.ocn.ne.jp. [153.200.12.34])
	by smtp.gakuen-mail.jp with ESMTPSA id x5sm123456pgq.11
	for <hanako@univ.ac.jp>; Sun, 06 Dec 2026 17:02:07 -0800 (PST)
From: "Taro Yamada" <taro.yamada@gakuen-mail.jp>
To: Hanako Sato <hanako@univ.ac.jp>
Subject: =?UTF-8?B?44K844Of44Gu6LOH5paZ?=
Date: Mon, 7 Dec 2026 10:02:05 +0900
Message-ID: <CAF3x9-abc123@mail.gakuen-mail.jp>

body
MSG
h --lang en --redact "$tmp/real.eml" >"$tmp/red" 2>&1
check "--redact: no name, address or person of the message is left" \
    "! grep -Ei 'gakuen|univ|ocn|taro|hanako|yamada|sato|133\.9|209\.85|153\.200' '$tmp/red'" "$tmp/red"
check "--redact: the three hops stay, private addresses kept, the same host masked the same" \
    "grep -c '^  [ 0-9][0-9] 2026-12-0' '$tmp/red' | grep -qx 3 && grep -q '\[192.168.1.23\]' '$tmp/red' && [ \$(grep -c 'h1.org2.example' '$tmp/red') -ge 3 ]" "$tmp/red"
h --lang en --redact "$tmp/real.eml" >"$tmp/red2" 2>&1
check "--redact: the same input gives the same masks" "cmp -s '$tmp/red' '$tmp/red2'"

# an mbox, a Maildir, standard input
{ cat lessons/samples/spam.eml; echo; cat lessons/samples/freemail.eml; } >"$tmp/box.mbox"
h --json "$tmp/box.mbox" >"$tmp/mbox.out" 2>&1
check "an mbox: a JSON line a message" "[ \$(wc -l <'$tmp/mbox.out') = 2 ] && grep -q '\"file\":\"[^\"]*box.mbox:1' '$tmp/mbox.out'" "$tmp/mbox.out"
mkdir -p "$tmp/Maildir/new" "$tmp/Maildir/cur" "$tmp/Maildir/tmp"
tail -n +2 lessons/samples/virus.eml >"$tmp/Maildir/cur/1020000000.1.host:2,S"
tail -n +2 lessons/samples/spam.eml >"$tmp/Maildir/new/1010000000.1.host"
h --json "$tmp/Maildir" >"$tmp/md.out" 2>&1
check "a Maildir: its messages in the order of their names" \
    "[ \$(wc -l <'$tmp/md.out') = 2 ] && head -1 '$tmp/md.out' | grep -q '203.0.113.16'" "$tmp/md.out"
sed 's/$/\r/' lessons/samples/freemail.eml | h --json - >"$tmp/stdin.out" 2>&1
check "standard input, CR LF line ends" "grep -q '\"ip\":\"203.0.113.222\"' '$tmp/stdin.out'" "$tmp/stdin.out"

# --animate off a terminal: the path's relay as a trace, server to server
h --animate --sample spam >"$tmp/anim" 2>&1; rc=$?
check "--animate: the spam's path relayed galaxy, relay, mail, delivered" \
    "[ $rc = 0 ] && head -1 '$tmp/anim' | grep -q '^galaxy (10.0.0.1) -> mail' && grep -q ' relay  *forward' '$tmp/anim' && tail -1 '$tmp/anim' | grep -q '^Delivered: mail has all 3 pieces'" "$tmp/anim"
printf 'Subject: no hops\n\nx\n' | h --animate - >"$tmp/anim2" 2>&1; rc=$?
check "--animate with no path to draw: exit 2, said" \
    "[ $rc = 2 ] && grep -q 'names no two machines' '$tmp/anim2'" "$tmp/anim2"

# real-world headers from public test suites, against their hop tables
for m in tests/headers/corpus/*.txt; do
    name=$(basename "$m" .txt)
    h --json "$m" | python3 tests/headers/hops.py >"$tmp/$name.hops" 2>&1
    check "$name: the hops and the origin of its golden table" \
        "diff -u 'tests/headers/corpus/$name.hops' '$tmp/$name.hops' >'$tmp/$name.diff'" "$tmp/$name.diff"
done

# --json on every core writes the lines in the messages' order: the same
# bytes as on one core (taskset), whichever worker finishes first; an mbox
# of 3000 (a dozen batches) and three files after one another
python3 tests/bench/gen-mbox.py 3000 "$tmp/many.mbox"
h --json "$tmp/many.mbox" lessons/samples/spam.eml "$tmp/many.mbox" >"$tmp/many.all" 2>&1
taskset -c 0 "$bin" headers --json "$tmp/many.mbox" lessons/samples/spam.eml "$tmp/many.mbox" >"$tmp/many.one" 2>&1
check "--json on every core: the same lines, in order, as on one" \
    "[ \$(wc -l <'$tmp/many.all') = 6001 ] && cmp -s '$tmp/many.all' '$tmp/many.one' && sed -n '3001p' '$tmp/many.all' | grep -q '\"message\":1}.*203.0.113.16' && sed -n '6001p' '$tmp/many.all' | grep -q '\"message\":3000}'" "$tmp/many.all"
h --json "$tmp/many.mbox" >/dev/full 2>"$tmp/full"; rc=$?
check "--json to a full disk: an error status, said" \
    "[ $rc != 0 ] && grep -q 'No space left on device' '$tmp/full'" "$tmp/full"

# bad input
h "$tmp/none" >"$tmp/e1" 2>&1; rc=$?
check "a missing file: exit 2, named" "[ $rc = 2 ] && grep -q 'none: No such file' '$tmp/e1'" "$tmp/e1"
: >"$tmp/empty"; h "$tmp/empty" >"$tmp/e2" 2>&1; rc=$?
check "an empty file: exit 2, said" "[ $rc = 2 ] && grep -q 'empty' '$tmp/e2'" "$tmp/e2"
mkdir "$tmp/plain"; h "$tmp/plain" >"$tmp/e3" 2>&1; rc=$?
check "a folder that is no Maildir: exit 2, said" "[ $rc = 2 ] && grep -q 'no Maildir' '$tmp/e3'" "$tmp/e3"
h --sample ham >"$tmp/e4" 2>&1; rc=$?
check "an unknown sample: exit 2, the three named" "[ $rc = 2 ] && grep -q 'spam, virus or freemail' '$tmp/e4'" "$tmp/e4"
printf 'Received: \033]0;pwned\007from x\nSubject: \033[2J\n\nb\n' | h - >"$tmp/e5" 2>&1
check "control characters in a header are shown, never sent to the terminal" \
    "! grep -q \"\$(printf '\033')\" '$tmp/e5' && grep -q '\^\[' '$tmp/e5'" "$tmp/e5"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
