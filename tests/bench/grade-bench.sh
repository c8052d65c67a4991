#!/bin/sh
# Grading benchmark (make bench): 1,000 recorded submissions of a
# 30-command session (the lecture's SMTP dialogue, a POP3 retrieval, two
# digs, a relay), each a little different, graded against lesson 1 in one
# `tutor grade` run, side by side with the loop a teacher would write
# without it: one `tutor --reset` a submission, its lines piped in, two at
# a time (xargs -P2), the grade read off the output. Both in the same run,
# so the ratio holds on a noisy machine. Goal: grade under 10 s, and at
# least 4x faster than the loop. A report: a missed goal prints FAIL and
# still exits 0.
#   sh tests/bench/grade-bench.sh BUILD_DIR [N]
bin=$1/tutor
n=${2:-1000}
[ -x "$bin" ] || { echo "grade-bench.sh: $bin is not built" >&2; exit 1; }
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# The submissions: what `tutor --record` writes. Lesson 1 wants the
# student's own word in the letter: these are recordings without a
# student id, whose word is the one of nobody in particular.
word=$(XDG_STATE_HOME="$tmp/state" "$bin" lesson --solution 1 | sed -n 's/^Hi Bob, my word is \(.*\)\.$/\1/p')
/usr/bin/python3 - "$tmp/subs" "$n" "$word" <<'EOF'
import json, os, sys
out, n, word = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out)
for i in range(n):
    lines = [
        "next",
        "ipconfig /all",
        "hosts",
        "telnet mail.a.example smtp",
        "EHLO pc1.a.example",
        "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3",
        "MAIL FROM:<alice@a.example>",
        "RCPT TO:<bob@b.example>",
        "DATA",
        "From: alice@a.example",
        "To: bob@b.example",
        f"Subject: hello from student {i}",
        "",
        f"Hi Bob, this is submission {i}, my word is {word}.",
        "..a line with a dot",
        ".",
        "QUIT",
        "mailbox bob 1",
        "mailq",
        "telnet mail.b.example pop3",
        "USER bob",
        "PASS bob-pw",
        "STAT",
        "LIST",
        "RETR 1",
        "QUIT",
        "dig mail.b.example",
        "dig b.example MX",
        "relay --trace pc1 mail.b.example",
        "hosts",
    ]
    assert len(lines) == 30
    with open(os.path.join(out, f"s{i:04d}.jsonl"), "w") as f:
        f.write(json.dumps({"tutor": "recording", "version": 1, "tutor_version": "bench",
                            "lesson": None, "student": None, "seed": 20020529}) + "\n")
        for l in lines:
            f.write(json.dumps({"step": None, "line": l}) + "\n")
EOF

now() { date +%s.%N; }

t0=$(now)
"$bin" grade --format csv 1 "$tmp/subs" >"$tmp/grade.csv" 2>"$tmp/grade.err"
t1=$(now)
rows=$(($(wc -l <"$tmp/grade.csv") - 1))

# The naive loop: a process a submission, the typed lines piped in; the
# "grade" is whether the mail arrived and the POP3 login worked.
cat >"$tmp/naive.sh" <<EOF
#!/bin/sh
f=\$1
state=\$(mktemp -d)
/usr/bin/python3 -c 'import json,sys
for i,l in enumerate(open(sys.argv[1])):
    if i: print(json.loads(l)["line"])' "\$f" |
    XDG_STATE_HOME=\$state "$bin" --reset >"\$state/out" 2>&1
if grep -q "250 2.0.0 Ok: queued" "\$state/out" && grep -q "^<-  +OK Logged in" "\$state/out"; then
    echo "\$(basename "\$f") pass"
else
    echo "\$(basename "\$f") fail"
fi
rm -rf "\$state"
EOF
t2=$(now)
ls "$tmp"/subs/*.jsonl | xargs -P2 -n1 sh "$tmp/naive.sh" >"$tmp/naive.out"
t3=$(now)

/usr/bin/python3 - "$t0" "$t1" "$t2" "$t3" "$rows" "$n" "$tmp/grade.csv" "$tmp/naive.out" <<'EOF'
import csv, sys
t0, t1, t2, t3 = map(float, sys.argv[1:5])
rows, n = int(sys.argv[5]), int(sys.argv[6])
graded = list(csv.DictReader(open(sys.argv[7], newline="")))
passed = sum(r["status"] != "error" for r in graded)
steps = sorted(set(r["steps_passed"] for r in graded))
naive_pass = sum(l.endswith(" pass") for l in open(sys.argv[8]).read().splitlines())
g, v = t1 - t0, t3 - t2
print(f"== grading {n} recorded 30-command submissions on this machine")
print(f"tutor grade (one run, a child a submission): {g:7.2f} s  ({rows} rows, {passed} graded, steps passed: {', '.join(steps)})")
print(f"naive loop (tutor --reset a submission, xargs -P2): {v:7.2f} s  ({naive_pass} passed its grep)")
print(f"ratio naive / grade: {v / g:.2f}x")
ok1, ok2 = g < 10, v / g >= 4
print(f"{'ok  ' if ok1 else 'FAIL'} grade under 10 s ({g:.2f} s)")
print(f"{'ok  ' if ok2 else 'FAIL'} at least 4x the naive loop ({v / g:.2f}x)")
EOF
