#!/bin/sh
# tutor present as an instructor meets it, in real pseudo-terminals
# (tmux): the lecture's SMTP demo (lessons/demos/smtp-by-hand.demo) typed
# a key at a time, Enter running each line; replies held for the room to
# predict (250, 503, 354) and shown by the next key; a deliberate mistake
# undone with Ctrl-B (the world afresh, the steps before typed again);
# taking over and giving back; the notes following in a second terminal;
# the projector theme at 160x48 in Japanese, and a resize; --cast's
# asciicast checked field by field (and by asciinema where it is
# installed); a lesson presented; bad demo scripts refused with file and
# line.
# Usage: present.sh [TUTOR_BINARY]
bin=$(realpath "${1:-build/tutor}")
cd "$(dirname "$0")/../.." || exit 2
demo=$(pwd)/lessons/demos/smtp-by-hand.demo
pass=0 fail=0
tmp=$(mktemp -d)
sock="tutor-present-$$"
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); echo "ok      $1"; }
bad() {
    fail=$((fail + 1))
    echo "FAILED  $1"
    tm capture-pane -t "${2:-p}" -p 2>/dev/null | sed 's/^/        | /'
}

# screen WINDOW: what it shows now
screen() { tm capture-pane -t "$1" -p; }
# wait_re WINDOW RE [TENTHS]: until the screen matches the extended RE
wait_re() {
    i=0
    while [ $i -lt "${3:-60}" ]; do
        screen "$1" | grep -qE -- "$2" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
check() { if wait_re "$2" "$3" "$4"; then ok "$1"; else bad "$1: screen lacks /$3/" "$2"; fi; }
check_not() {
    sleep 0.5
    if screen "$2" | grep -qE -- "$3"; then bad "$1: screen shows /$3/" "$2"; else ok "$1"; fi
}
keys() { w=$1; shift; tm send-keys -t "$w" "$@"; sleep 0.15; }

# golden NAME WINDOW WHAT: the screen as tests/present/screens/NAME.txt
# has it (tmux's way: capture-pane against a saved screen), the trailing
# blank lines aside. REGEN=1 writes the file instead.
golden() {
    sleep 0.3
    screen "$2" | sed -e 's/[[:space:]]*$//' | awk '{ l[NR] = $0 } $0 != "" { n = NR } END { for (i = 1; i <= n; i++) print l[i] }' >"$tmp/$1.txt"
    if [ "${REGEN:-}" = 1 ]; then
        cp "$tmp/$1.txt" "tests/present/screens/$1.txt"
        ok "$3 (screen $1 written)"
    elif diff -u "tests/present/screens/$1.txt" "$tmp/$1.txt" >"$tmp/$1.diff"; then
        ok "$3 (screen $1)"
    else
        fail=$((fail + 1))
        echo "FAILED  $3: the screen differs from tests/present/screens/$1.txt"
        sed 's/^/        /' "$tmp/$1.diff" | head -40
    fi
}

# start NAME COLSxROWS ARGS...: the tutor in a tmux session of its own
# (NAME, the target of the checks); the shell around it notes the exit
# status and whether the terminal came back as it was
start() {
    w=$1 size=$2
    shift 2
    tm kill-session -t "$w" 2>/dev/null
    tm new-session -d -s "$w" -x "${size%x*}" -y "${size#*x}" \
        "env XDG_STATE_HOME=$tmp/state TERM=xterm-256color LANG=C.UTF-8 sh -c 'before=\$(stty -g); \
$bin \"\$@\"; s=\$?; [ \"\$(stty -g)\" = \"\$before\" ] && r=restored || r=changed; \
echo \"after: status \$s, tty \$r\"; sleep 60' sh $*"
}

# ------------------------------------------------------------------------
# 80x24, English
start p 80x24 --lang en present "$demo"
check "the status line: step 1 of 13, its heading" p '^ 1/13 Connect to mail server 2'
keys p a b c
check "three keys type three characters" p '^tutor> tel$'
keys p Enter
check "Enter types the rest and runs it: mail server 2 greets" p '^220 mail.b.example'
keys p Enter
check "HELO's reply is held: the question instead" p 'What will mail server 2 answer to HELO\?'
check_not "the 250 is not shown before the key" p '^250 mail.b.example'
golden en-80x24-predict p "80x24: the question where the reply will be, the status line"
keys p x
check "a key shows the held reply" p '^250 mail.b.example'
check_not "and the question is gone" p 'What will mail server 2'
golden en-80x24-revealed p "80x24: the reply in the question's place"
keys p Enter
check "the deliberate mistake is held too" p 'RCPT before MAIL: what will it say\?'
keys p x
check "then shown: 503" p '^503 5.5.1 Error: need MAIL command'

# the notes, in a second terminal
start n 80x24 --lang en present --notes "$demo"
check "the notes follow: step 4's heading, the next command" n 'Step 4 of 13: The envelope'
check "the notes name the command to type" n 'Types: +MAIL FROM:<alice@a.example>'

keys p C-b
check "Ctrl-B: back to step 3, the world afresh" p '^ 3/13 A deliberate mistake'
check_not "the 503 is undone" p '^503'
check "the steps before are typed again: HELO's 250 is back" p '^250 mail.b.example'
check "the notes follow back" n 'Step 3 of 13: A deliberate mistake'
check "and show the step's trap" n 'try "back"'
golden en-80x24-back p "80x24: back at step 3, the 503 undone"
golden en-80x24-notes n "80x24: the notes of step 3"
keys p C-n
check "Ctrl-N skips the mistake" p '^ 4/13 The envelope'
keys p Enter
keys p x
check "MAIL first: 250" p '^250 2.1.0 Ok'
keys p Enter
check "RCPT now: 250" p '^250 2.1.5 Ok'
keys p Enter
check "DATA's reply held" p 'What will it answer to DATA\?'
keys p x
check "354" p '^354 End data'

# taking over: the instructor types a line of the letter
keys p C-t
check "Ctrl-T: the instructor types" p 'you type; \^T gives the demo back'
keys p 'X-Demo: typed by hand' Enter
check "what the instructor typed went to the server" p 'X-Demo: typed by hand'
keys p C-t
check "Ctrl-T again: the demo's next step" p '^ 7/13'
i=0
while [ $i -lt 4 ]; do keys p Enter; i=$((i + 1)); done
keys p x
check "the dot: queued, the same ID as every run of the world (its clock)" p '^250 2.0.0 Ok: queued as 4281D00001'
keys p Enter Enter Enter
check "the pause, then bob's mailbox holds the mail, its header added" p 'Received: from pc1.a.example'
check "the end of the demo" p '13/13 the end'
keys p C-q
check "Ctrl-Q ends it, the terminal as it was" p 'after: status 0, tty restored'
check "the notes see the end" n 'the presentation has ended'

# ------------------------------------------------------------------------
# 160x48, Japanese, the projector theme, recorded
start j 160x48 --lang ja present --theme projector --cast "$tmp/demo.cast" "$demo"
check "Japanese: the status line and the heading" j '^ 1/13 メールサーバ2につなぐ'
keys j Enter
check "the greeting" j '^220 mail.b.example'
keys j Enter
check "the question in Japanese" j 'HELO にメールサーバ2は何と答える'
golden ja-160x48-predict j "160x48 in Japanese: the question, the status line on row 48"
keys j x
check "the reply" j '^250 mail.b.example'
if tm capture-pane -t j -p -e | grep -q '1;92m\|92;1m\|\[1m.*\[92m'; then
    ok "the projector theme: the server's lines bold bright green"
else
    bad "the projector theme: no bold bright green in the screen's attributes" j
fi
if tm capture-pane -t j -p -e | grep -q '\[2m'; then
    bad "the projector theme: something dim on the screen" j
else
    ok "the projector theme: nothing dim"
fi
tm resize-window -t j -x 120 -y 40 2>/dev/null || tm refresh-client -t j -C 120,40
check "a resize: the status line on the new last row" j '^ 3/13'
rows=$(screen j | wc -l)
last=$(screen j | sed -n '40p')
case $last in *3/13*) ok "the status line is row 40 of $rows" ;; *) bad "the status line is not on row 40" j ;; esac
keys j C-q
check "the presentation ends" j 'after: status 0, tty restored'

/usr/bin/python3 - "$tmp/demo.cast" >"$tmp/cast.out" 2>&1 <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
h = json.loads(lines[0])
assert h["version"] == 2 and h["width"] == 160 and h["height"] == 48, h
assert isinstance(h["timestamp"], int) and h["title"].startswith("講義"), h
events = [json.loads(l) for l in lines[1:]]
last = 0.0
for e in events:
    assert isinstance(e, list) and len(e) == 3, e
    assert isinstance(e[0], float) and e[0] >= last, e
    last = e[0]
    assert e[1] in ("o", "m", "r") and isinstance(e[2], str), e
markers = [e[2] for e in events if e[1] == "m"]
assert markers[:3] == ["1/13 メールサーバ2につなぐ: telnet mail.b.example smtp",
                       "2/13 名乗る: HELO pc1.a.example",
                       "3/13 わざと間違える: 宛先を先に: RCPT TO:<bob@b.example>"] or \
    markers[:2] == ["1/13 メールサーバ2につなぐ: telnet mail.b.example smtp",
                    "2/13 名乗る: HELO pc1.a.example"], markers
assert ["r", "120x40"] in [e[1:] for e in events], "no resize event"
out = "".join(e[2] for e in events if e[1] == "o")
assert "250 mail.b.example" in out and "7777" not in out, "the ready marks leaked"
print("ok", len(events), "events", len(markers), "markers")
PY
if [ $? = 0 ]; then ok "--cast: an asciicast v2, its header, events, markers a step, the resize ($(cat "$tmp/cast.out"))"
else bad "--cast: $(cat "$tmp/cast.out")"; fi
"$bin" replay --markers "$tmp/demo.cast" >"$tmp/markers" 2>&1
"$bin" replay "$tmp/demo.cast" >"$tmp/replayed" 2>&1
if grep -q '名乗る: HELO pc1.a.example' "$tmp/markers" && grep -q '250 mail.b.example' "$tmp/replayed"; then
    ok "tutor replay plays the recording: its markers, its output"
else
    bad "tutor replay: $(head -3 "$tmp/markers") / $(head -c 300 "$tmp/replayed")"
fi
if command -v asciinema >/dev/null 2>&1; then
    # asciinema opens /dev/tty: script(1) gives it one
    if script -qec "asciinema cat '$tmp/demo.cast'" /dev/null >"$tmp/cat.out" 2>&1 &&
        grep -q '250 mail.b.example' "$tmp/cat.out"; then
        ok "asciinema reads the recording"
    else
        bad "asciinema cat failed: $(head -3 "$tmp/cat.out")"
    fi
else
    echo "skip    asciinema is not installed (apt-get install asciinema): the format is checked above"
fi

# ------------------------------------------------------------------------
# the bucket relay's demo: keys go to the animation while it reads them
start r 100x30 --lang en present "$(pwd)/lessons/demos/bucket-relay.demo"
check "the bucket relay's demo starts" r '^ 1/7 Names and numbers'
keys r Enter
check "dig's answer held, then" r 'Which number does the DNS give'
keys r x
check "shown" r '^198.51.100.25$'
keys r Enter
keys r x
check "the routers on the way" r '4  gw.b.example'
keys r Enter
check "the relay animates on the prompt's terminal" r 'space: pause, then step'
keys r q
check "q goes to the animation, which stops" r 'Stopped at [0-9.]+ ms'
check "and the demo goes on at step 4" r '^ 4/7 A weak point'
keys r C-q

# ------------------------------------------------------------------------
# a lesson, and bad input
start l 80x24 --lang en present 1
check "a lesson: its first step types \"lesson 1\"" l '^ 1/[0-9]+ A mail, by hand'
keys l Enter
check "the lesson opens" l 'Lesson 1'
keys l C-q
check "and ends" l 'after: status 0'

"$bin" present "$demo" </dev/null >"$tmp/e0" 2>&1; rc=$?
if [ $rc = 2 ] && grep -q 'a presentation needs a terminal' "$tmp/e0"; then ok "off a terminal: exit 2, said"
else bad "off a terminal: status $rc: $(cat "$tmp/e0")"; fi
# refuse TEXT MESSAGE FILE-CONTENT: a broken script, said before anything
refuse() {
    printf "$3" >"$tmp/bad.demo"
    "$bin" --lang en present "$tmp/bad.demo" </dev/null >"$tmp/e" 2>&1; rc=$?
    if [ $rc = 2 ] && grep -qF -- "$2" "$tmp/e"; then ok "$1"
    else bad "$1: status $rc: $(cat "$tmp/e")"; fi
}
refuse "an unknown directive: the file, the line, the directives named" \
    'bad.demo:2: unknown directive ":bogus"' ':title x\n:bogus y\nhosts\n'
refuse "a language that is neither: said with its line" 'bad.demo:1: ":note@fr": a directive' \
    ':note@fr bonjour\nhosts\n'
refuse "a demo without a command: said" 'no command in it' '# nothing\n:note only a note\n'
refuse "a control character in a line: said with its line" 'bad.demo:2: a control character' \
    'hosts\nipcon\033fig\n'
refuse "a NUL byte: said" 'bad.demo:1: a control character' 'hos\000ts\n'
refuse "bytes that are not UTF-8: said" 'bad.demo:1: not UTF-8' 'hosts \377\n'
refuse "a line of 1001 bytes: said" 'bad.demo:1: a line longer than 1000 bytes' "$(printf '%01001d' 0)\\n"
refuse "a directive without its text: said" 'bad.demo:1: ":heading" needs its text' ':heading\nhosts\n'
"$bin" --lang en present no-such-thing </dev/null >"$tmp/e" 2>&1; rc=$?
if [ $rc = 2 ] && grep -q 'no-such-thing: no such demo script, and no lesson' "$tmp/e"; then
    ok "neither a file nor a lesson: said"
else bad "neither a file nor a lesson: status $rc: $(cat "$tmp/e")"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
