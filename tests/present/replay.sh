#!/bin/sh
# tutor replay as a class meets it: an instructor's recorded demo
# (asciicast v2, tests/present/casts/) written at once off a terminal,
# byte for byte the output events (and as `asciinema cat` writes it, where
# asciinema is installed); its markers listed with their times; every kind
# of malformed recording refused with its line and fault, and the limits
# (file size, line length, events) held at their edges; and on a real
# terminal (tmux, 80x24): the timing with long pauses shortened, n and b
# (and the arrows) jumping between the steps, pausing, the speed, the end
# of the recording waiting for q, a terminal too small for the recording
# said, Ctrl-C and q leaving the terminal as it was; and a recording of
# `tutor present --cast` read back and stepped through by its markers.
#   sh tests/present/replay.sh [TUTOR_BINARY]
bin=${1:+$(realpath "$1")}
cd "$(dirname "$0")/../.." || exit 2
bin=${bin:-$PWD/build/tutor}          # absolute: the shell in tmux runs it too
casts=tests/present/casts
pass=0 fail=0
tmp=$(mktemp -d) || exit 2
sock="tutor-replay-$$"
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); echo "ok      $1"; }
bad() { fail=$((fail + 1)); echo "FAILED  $1"; [ -n "$2" ] && sed 's/^/        /' "$2" | head -40; }
check() { if eval "$2"; then ok "$1"; else bad "$1" "$3"; fi; }
export LC_ALL=C NO_COLOR=1
r() { "$bin" replay "$@"; }
ms() { echo $(($(date +%s%N) / 1000000)); }

# What a cast's output events hold, concatenated: the oracle, read with
# Python's json rather than the tutor's reader.
output_of() {
    python3 - "$1" <<'PY'
import json, sys
out = sys.stdout.buffer
for n, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    if n and line.strip():
        t, code, data = json.loads(line)
        if code == "o":
            out.write(data.encode("utf-8", "surrogatepass"))
PY
}

# ------------------------------------------------------------------------
# Off a terminal: everything at once.
for c in demo idle; do
    output_of "$casts/$c.cast" >"$tmp/$c.want"
    t0=$(ms)
    r "$casts/$c.cast" >"$tmp/$c.out" 2>"$tmp/$c.err"; rc=$?
    took=$(($(ms) - t0))
    check "$c: off a terminal, the output events concatenated, byte for byte (${took} ms)" \
        "[ $rc = 0 ] && [ -s '$tmp/$c.want' ] && cmp -s '$tmp/$c.want' '$tmp/$c.out' && [ ! -s '$tmp/$c.err' ]" \
        "$tmp/$c.err"
done
check "idle: an hour's pause is not waited for off a terminal" "[ $took -lt 1000 ]"
printf '%s\n' '{"version": 2, "width": 80, "height": 24}' \
    '[0.1, "o", "a NUL \u0000 here, "]' '[0.2, "i", "typed, not shown"]' \
    '[0.3, "zz", "an unknown code, passed over"]' '[0.4, "r", "100x30"]' \
    '[0.5, "o", "\u00e9\u3042\ud83d\ude00 end"]' >"$tmp/nul.cast"
output_of "$tmp/nul.cast" >"$tmp/nul.want"
r "$tmp/nul.cast" >"$tmp/nul.out" 2>&1
check "a NUL in the data, UTF-8, input, resize and an unknown code: only the output, exact" \
    "cmp -s '$tmp/nul.want' '$tmp/nul.out' && [ \$(wc -c <'$tmp/nul.out') = 27 ]" "$tmp/nul.out"

# ------------------------------------------------------------------------
# --markers
r --markers "$casts/demo.cast" >"$tmp/markers" 2>&1; rc=$?
printf '0:01.0  Step 1: HELO, say who you are\n0:07.0  Step 2: MAIL FROM (送信者)\n' >"$tmp/markers.want"
check "--markers: each marker's time (M:SS.s) and label, one a line" \
    "[ $rc = 0 ] && cmp -s '$tmp/markers.want' '$tmp/markers'" "$tmp/markers"
r --markers "$casts/idle.cast" >"$tmp/markers2" 2>&1
check "--markers: an hour in is 60:00.3, the time in the recording" \
    "[ \"\$(cat '$tmp/markers2')\" = '60:00.3  after the pause' ]" "$tmp/markers2"
printf '%s\n' '{"version": 2, "width": 80, "height": 24}' '[59.96, "m", "\u001b[2Jwipe\nand a line"]' \
    '[61, "m", ""]' >"$tmp/evil.cast"
r --markers "$tmp/evil.cast" >"$tmp/markers3" 2>&1
check "--markers: control characters in a label shown as ^X, never sent; 59.96 s is 1:00.0" \
    "! grep -q \"\$(printf '\033')\" '$tmp/markers3' && grep -qxF '1:00.0  ^[[2Jwipe^Jand a line' '$tmp/markers3' && sed -n 2p '$tmp/markers3' | grep -qx '1:01.0'" \
    "$tmp/markers3"
r --markers "$casts/bad-version-1.cast" >/dev/null 2>&1; rc1=$?
printf '%s\n' '{"version": 2, "width": 80, "height": 24}' '[1, "o", "x"]' >"$tmp/plain.cast"
r --markers "$tmp/plain.cast" >"$tmp/none.out" 2>"$tmp/none.err"; rc=$?
check "--markers on a recording without any: said on stderr, exit 0; on a bad file, exit 2" \
    "[ $rc = 0 ] && [ ! -s '$tmp/none.out' ] && grep -q 'has no markers' '$tmp/none.err' && [ $rc1 = 2 ]" \
    "$tmp/none.err"

# ------------------------------------------------------------------------
# Malformed recordings: exit 2, nothing played, the file, line and fault.
# LINE "-" is a fault of the whole file.
while read -r name line what; do
    f=$casts/$name.cast
    r "$f" >"$tmp/$name.out" 2>"$tmp/$name.err"; rc=$?
    if [ "$line" = - ]; then want="tutor replay: $f: $what"; else want="tutor replay: $f:$line: $what"; fi
    if [ "$rc" = 2 ] && [ ! -s "$tmp/$name.out" ] && grep -qF -- "$want" "$tmp/$name.err" &&
        [ "$(wc -l <"$tmp/$name.err")" = 1 ]; then
        ok "$name: exit 2, line $line: $what"
    else
        bad "$name: exit 2 and \"$want\" (got $rc)" "$tmp/$name.err"
    fi
done <<'EOF'
bad-empty - empty: not an asciicast
bad-not-json 3 not JSON, at column 29: premature end of input
bad-header-array 1 the header is not a JSON object
bad-version-1 - asciicast version 1 (one JSON document): only version 2 is read
bad-version-3 1 asciicast version 3: only version 2 is read (asciinema 3 writes it with rec -f asciicast-v2)
bad-no-width 1 the header has no "width"
bad-zero-height 1 "height" is not a positive whole number
bad-huge-width 1 "width" is 5000, over the limit of 1000
bad-idle 1 "idle_time_limit" is not a positive number
bad-event-object 3 an event is an array of three, [time, code, data]
bad-event-four 2 an event is an array of three, [time, code, data]
bad-time-string 3 the time is not a number
bad-time-negative 2 the time is negative (-0.5)
bad-time-backwards 4 the time 1.5 is before the previous event's (2)
bad-time-week 3 the time 604800.000001 s is over the limit of 604800 s (a week)
bad-code-number 2 the code (the second value) is not a string
bad-data-null 3 the data (the third value) is not a string
bad-resize 3 a resize's data is "100 by 30", not COLSxROWS (as "80x24")
EOF
r "$tmp/none.cast" >/dev/null 2>"$tmp/missing"; rc=$?
check "a missing file: exit 2, named" "[ $rc = 2 ] && grep -q 'none.cast: No such file' '$tmp/missing'" "$tmp/missing"

# ------------------------------------------------------------------------
# The limits, at their edges: 64 MiB a file (on disk and through a pipe),
# 1 MiB a line, a million events.
truncate -s $((64 * 1024 * 1024 + 1)) "$tmp/big.cast"
r "$tmp/big.cast" >/dev/null 2>"$tmp/big.err"; rc=$?
check "a file over 64 MiB: refused before it is read, the limit said" \
    "[ $rc = 2 ] && grep -q 'big.cast: larger than 64 MiB, the limit of a recording' '$tmp/big.err'" "$tmp/big.err"
# shellcheck disable=SC2002 # a pipe on purpose: no size to fstat
cat "$tmp/big.cast" | r /dev/stdin >/dev/null 2>"$tmp/pipe.err"; rc=$?
check "over 64 MiB through a pipe: refused at the limit" \
    "[ $rc = 2 ] && grep -q 'larger than 64 MiB' '$tmp/pipe.err'" "$tmp/pipe.err"
rm -f "$tmp/big.cast"
# exactly 64 MiB: the header and lines of 1 MiB, the output's size known
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
head, left, out, lines = '{"version": 2, "width": 80, "height": 24}\n', 64 << 20, 0, []
left -= len(head)
while left > 0:
    n = min(left, (1 << 20) + 1)
    pad = n - 1 - len('[0, "o", ""]')
    lines.append('[0, "o", "' + "a" * pad + '"]\n')
    out += pad
    left -= n
open(f"{d}/exact.cast", "w").write(head + "".join(lines))
open(f"{d}/exact.size", "w").write(f"{out}\n")
PY
r "$tmp/exact.cast" 2>"$tmp/exact.err" | wc -c >"$tmp/exact.got"
check "a file of exactly 64 MiB is read, all of it" \
    "[ \$(wc -c <'$tmp/exact.cast') = $((64 * 1024 * 1024)) ] && cmp -s '$tmp/exact.size' '$tmp/exact.got'" "$tmp/exact.err"
rm -f "$tmp/exact.cast"
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
head = '{"version": 2, "width": 80, "height": 24}\n'
for name, size in (("line-max", 1 << 20), ("line-over", (1 << 20) + 1)):
    pad = size - len('[0, "o", ""]')
    open(f"{d}/{name}.cast", "w").write(head + '[0, "o", "' + "a" * pad + '"]\n')
for name, n in (("events-max", 1000000), ("events-over", 1000001)):
    open(f"{d}/{name}.cast", "w").write(head + '[0,"o",""]\n' * n)
PY
r "$tmp/line-max.cast" >"$tmp/line-max.out" 2>&1; rc=$?
r "$tmp/line-over.cast" >/dev/null 2>"$tmp/line-over.err"; rc2=$?
check "a line of 1 MiB is read; one byte more is refused, line and limit said" \
    "[ $rc = 0 ] && [ \$(wc -c <'$tmp/line-max.out') = $(((1 << 20) - 12)) ] && [ $rc2 = 2 ] && grep -q 'line-over.cast:2: a line longer than 1048576 bytes, the limit' '$tmp/line-over.err'" \
    "$tmp/line-over.err"
r "$tmp/events-max.cast" >/dev/null 2>"$tmp/events-max.err"; rc=$?
r "$tmp/events-over.cast" >/dev/null 2>"$tmp/events-over.err"; rc2=$?
check "a million events are read; one more is refused, at its line" \
    "[ $rc = 0 ] && [ $rc2 = 2 ] && grep -q 'events-over.cast:1000002: more than 1000000 events, the limit' '$tmp/events-over.err'" \
    "$tmp/events-over.err"
rm -f "$tmp"/events-*.cast "$tmp"/line-*.cast

# ------------------------------------------------------------------------
# The command line
r --help >"$tmp/help" 2>&1; rc=$?
check "--help: exit 0, the usage, every key and option" \
    "[ $rc = 0 ] && grep -q '^Usage: tutor replay' '$tmp/help' && grep -q -- '--idle-time-limit' '$tmp/help' && grep -q '^  n, Right' '$tmp/help'" "$tmp/help"
# display width, Japanese counted as two columns where it is translated
cols_ok() {
    python3 -c '
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
sys.exit(max(w(l) for l in open(sys.argv[1], encoding="utf-8").read().splitlines()) > 80)' "$1"
}
check "--help keeps to 80 columns" "cols_ok '$tmp/help'" "$tmp/help"
"$bin" --lang ja replay --help >"$tmp/help-ja" 2>&1
if cmp -s "$tmp/help" "$tmp/help-ja"; then
    echo "skip    --help in Japanese keeps to 80 columns (not translated yet)"
else
    check "--help in Japanese keeps to 80 columns" "cols_ok '$tmp/help-ja'" "$tmp/help-ja"
fi
r --bogus "$casts/demo.cast" >"$tmp/bogus.out" 2>"$tmp/bogus.err"; rc=$?
check "an unknown option: exit 2, the usage on stderr" \
    "[ $rc = 2 ] && [ ! -s '$tmp/bogus.out' ] && grep -q '^Usage: tutor replay' '$tmp/bogus.err'" "$tmp/bogus.err"
r >/dev/null 2>"$tmp/nofile.err"; rc=$?
r "$casts/demo.cast" "$casts/idle.cast" >/dev/null 2>>"$tmp/nofile.err"; rc2=$?
check "no FILE, or two: exit 2, said" \
    "[ $rc = 2 ] && [ $rc2 = 2 ] && [ \$(grep -c 'give one FILE.cast' '$tmp/nofile.err') = 2 ]" "$tmp/nofile.err"
for s in 0.2 17 fast 1,5 ''; do
    r --speed "$s" "$casts/demo.cast" >/dev/null 2>>"$tmp/speed.err" && echo "accepted $s" >>"$tmp/speed.err"
done
r --idle-time-limit 0 "$casts/demo.cast" >/dev/null 2>>"$tmp/speed.err" && echo "accepted idle 0" >>"$tmp/speed.err"
r --speed 0.25 --idle-time-limit .5 "$casts/demo.cast" >/dev/null 2>>"$tmp/speed.err"; rc=$?
r --speed 16 "$casts/demo.cast" >/dev/null 2>>"$tmp/speed.err"; rc2=$?
check "--speed from 0.25 to 16 and --idle-time-limit over 0, else exit 2, said" \
    "[ $rc = 0 ] && [ $rc2 = 0 ] && ! grep -q accepted '$tmp/speed.err' && [ \$(grep -c 'takes a factor from 0.25 to 16' '$tmp/speed.err') = 5 ] && grep -q 'idle-time-limit takes seconds' '$tmp/speed.err'" \
    "$tmp/speed.err"

# ------------------------------------------------------------------------
# On a terminal: tmux, a shell at 80x24 (and 60x20 for the warning).
screen() { tm capture-pane -t "$1" -p; }
title() { tm display -p -t "$1" '#{pane_title}'; }
# waits up to 5 s until the screen of session $1 has (or, with -v, lacks) $2
wait_screen() {
    s=$1 neg=""
    [ "$2" = -v ] && { neg=1; shift; }
    i=0
    while [ $i -lt 50 ]; do
        if screen "$s" | grep -qF -- "$2"; then [ -z "$neg" ] && return 0; else [ -n "$neg" ] && return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
wait_title() {
    i=0
    while [ $i -lt 50 ]; do
        title "$1" | grep -qF -- "$2" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
show() { { echo "--- screen:"; screen "$1"; echo "--- title: $(title "$1")"; } >"$tmp/screen"; }
see() { if wait_screen "$1" "$3"; then ok "$2"; else show "$1"; bad "$2: the screen lacks \"$3\"" "$tmp/screen"; fi; }
lacks() { if ! screen "$1" | grep -qF -- "$3"; then ok "$2"; else show "$1"; bad "$2: the screen shows \"$3\"" "$tmp/screen"; fi; }
titled() { if wait_title "$1" "$3"; then ok "$2"; else show "$1"; bad "$2: the title is not \"$3\"" "$tmp/screen"; fi; }
# runs `tutor replay ARGS` at the prompt of session $1, the terminal's
# settings kept before and after in $tmp/stty.before and .after
run() {
    s=$1
    shift
    rm -f "$tmp/stty.before" "$tmp/stty.after"
    tm send-keys -t "$s" "clear; stty -g >$tmp/stty.before; $bin replay $*; echo rc=\$?; stty -g >$tmp/stty.after" Enter
    # the last run's screen is cleared once the file is there: what is
    # seen next is this run's
    i=0
    while [ ! -e "$tmp/stty.before" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
sane() {
    i=0
    while [ ! -s "$tmp/stty.after" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
    if cmp -s "$tmp/stty.before" "$tmp/stty.after" &&
        [ "$(tm display -p -t "$1" '#{cursor_flag}#{alternate_on}')" = 10 ]; then
        ok "$2"
    else
        show "$1"
        bad "$2: stty or the cursor changed (cursor, alternate screen: $(tm display -p -t "$1" '#{cursor_flag} #{alternate_on}'))" "$tmp/screen"
    fi
}

# The sessions stay until the end: a server left without any exits, and
# the next new-session would race with it. The shell traps SIGINT, so
# that a Ctrl-C ends the replay and not the command list.
tm new-session -d -s t -x 80 -y 24 -c "$PWD" "env PS1='\$ ' sh"
tm send-keys -t t "trap ':' INT" Enter
run t "$casts/demo.cast"
see t "the demo plays with its timing" "220 mail.a.example ESMTP ready"
tm send-keys -t t n
titled t "n: paused at the first marker, said in the title with its label" \
    "tutor replay: Step 1: HELO, say who you are, paused (space plays on)"
lacks t "n: the screen stops at the first marker, nothing of step 1 yet" "HELO pc1"
tm send-keys -t t n
see t "n again: step 1 written at once" "250 mail.a.example, hello pc1.a.example"
lacks t "n again: paused at the second marker, step 2 not shown" "MAIL FROM:<alice"
tm send-keys -t t b
if wait_screen t -v "HELO pc1"; then ok "b: back at the first marker, step 1 gone"; else show t; bad "b: back at the first marker, step 1 gone" "$tmp/screen"; fi
see t "b: the screen as it was at the first marker" "220 mail.a.example ESMTP ready"
titled t "b: paused there, the title says so" "Step 1: HELO, say who you are, paused"
tm send-keys -t t Right
see t "Right: on to the second marker" "250 mail.a.example, hello pc1.a.example"
tm send-keys -t t Left Left
if wait_screen t -v "telnet"; then ok "Left twice: back before the first marker, the start: a clear screen"; else show t; bad "Left twice: the start" "$tmp/screen"; fi
sleep 1
lacks t "at the start, paused: nothing plays for a second" "telnet"
tm send-keys -t t Space
see t "space: plays from the start" "220 mail.a.example ESMTP ready"
tm send-keys -t t +
titled t "+: twice as fast, in the title" "x2"
tm send-keys -t t - -
titled t "- twice: half the speed" "x0.5"
tm send-keys -t t - - -
titled t "- below 0.25: 0.25 stays" "x0.25"
tm send-keys -t t n n n
see t "n after the last marker: the rest, and the end waits for q" "end of the recording: q quits, b goes back"
screen t | grep -v '^$' | tail -n 2 >"$tmp/end"
check "the end line comes after the recording's last output" \
    "[ \"\$(cat '$tmp/end')\" = \"\$(printf '\$\nend of the recording: q quits, b goes back')\" ]" "$tmp/end"
tm send-keys -t t b
if wait_screen t -v "end of the recording"; then ok "b at the end: back to the last marker"; else show t; bad "b at the end: back to the last marker" "$tmp/screen"; fi
lacks t "b at the end: step 2 is gone again" "MAIL FROM:<alice"
tm send-keys -t t q
see t "q: the shell's prompt is back, exit 0" "rc=0"
sane t "q: the terminal as it was (stty, the cursor shown, the main screen)"
if title t | grep -q 'tutor replay'; then show t; bad "q: the title is the replay's no more" "$tmp/screen"; else ok "q: the title is the replay's no more"; fi

# pauses: an hour cut to the default 2 s, to the header's, to the option's
run t "$casts/idle.cast"
see t "idle: the first line" "the instructor went for coffee"
t0=$(ms)
wait_screen t "back after an hour"
took=$(($(ms) - t0))
check "idle: an hour's pause lasts 2 s, the default limit (${took} ms)" "[ $took -ge 1500 ] && [ $took -le 4000 ]"
tm send-keys -t t q
see t "idle: q" "rc=0"
sed 's/"title": "a coffee break"/"idle_time_limit": 0.3/' "$casts/idle.cast" >"$tmp/idle-header.cast"
run t "$tmp/idle-header.cast"
see t "idle_time_limit 0.3 in the header: the first line" "the instructor went for coffee"
t0=$(ms)
wait_screen t "back after an hour"
took=$(($(ms) - t0))
check "the header's idle_time_limit, 0.3 s (${took} ms)" "[ $took -le 1200 ]"
tm send-keys -t t q
see t "q again" "rc=0"
run t --idle-time-limit 3 --speed 2 "$tmp/idle-header.cast"
see t "--idle-time-limit 3 --speed 2: the first line" "the instructor went for coffee"
t0=$(ms)
wait_screen t "back after an hour"
took=$(($(ms) - t0))
check "--idle-time-limit over the header's, scaled by --speed: 1.5 s (${took} ms)" "[ $took -ge 1100 ] && [ $took -le 3000 ]"
tm send-keys -t t q
see t "q once more" "rc=0"

# Ctrl-C in the middle of a pause
run t "$casts/idle.cast"
see t "Ctrl-C: the replay runs" "the instructor went for coffee"
tm send-keys -t t C-c
see t "Ctrl-C: the replay ends by the signal" "rc=130"
sane t "Ctrl-C: the terminal as it was"

# a terminal smaller than the recording, keys from /dev/tty (stdin is not one)
tm new-session -d -s s -x 60 -y 20 -c "$PWD" "env PS1='\$ ' sh"
run s "$casts/demo.cast" "</dev/null"
see s "60x20: the recording's size and the terminal's said" "the recording is 80x24, this terminal 60x20"
see s "60x20: then it plays on" "220 mail.a.example ESMTP ready"
tm send-keys -t s n
titled s "60x20, stdin not a terminal: the keys come from /dev/tty" "Step 1: HELO, say who you are, paused"
tm send-keys -t s q
see s "60x20: q" "rc=0"
sane s "60x20: the terminal as it was"

# ------------------------------------------------------------------------
# What the tutor records is what it replays: `tutor present --cast` on
# the lecture's SMTP demo, two steps shown, then read back.
tm new-session -d -s rec -x 80 -y 24 -c "$PWD" \
    "env XDG_STATE_HOME=$tmp/state $bin --lang en present --cast $tmp/rec.cast lessons/demos/smtp-by-hand.demo; sleep 60"
see rec "a demo presented and recorded" " 1/13 Connect to mail server 2"
tm send-keys -t rec Enter
see rec "its first step runs" "220 mail.b.example"
tm send-keys -t rec Enter
sleep 0.5
tm send-keys -t rec x
see rec "its second step runs" "250 mail.b.example"
tm send-keys -t rec C-q
i=0
while [ ! -s "$tmp/rec.cast" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
r --markers "$tmp/rec.cast" >"$tmp/rec.markers" 2>&1; rc=$?
check "--markers on tutor present's recording: a marker a step, in order" \
    "[ $rc = 0 ] && head -1 '$tmp/rec.markers' | grep -q '^0:0[0-9]\.[0-9]  1/13 ' && grep -q '  2/13 ' '$tmp/rec.markers'" \
    "$tmp/rec.markers"
output_of "$tmp/rec.cast" >"$tmp/rec.want"
r "$tmp/rec.cast" >"$tmp/rec.out" 2>&1; rc=$?
check "tutor present's recording written back at once, byte for byte" \
    "[ $rc = 0 ] && grep -q '250 mail.b.example' '$tmp/rec.out' && cmp -s '$tmp/rec.want' '$tmp/rec.out'" "$tmp/rec.out"
# its first marker comes at once: b, however far it has played, goes
# back towards the start, and at the start stays there
run t "$tmp/rec.cast"
tm send-keys -t t b b b b
titled t "tutor present's recording played, b: back at the start, paused" \
    "tutor replay: The lecture's SMTP dialogue, by hand, paused"
tm send-keys -t t n
titled t "n: at its first step" "tutor replay: 1/13 Connect to mail server 2"
tm send-keys -t t n
titled t "n: at its second step" "tutor replay: 2/13 "
see t "the first step's reply on the screen" "220 mail.b.example"
lacks t "the second step's reply not yet" "250 mail.b.example"
tm send-keys -t t n
see t "n: the second step's reply" "250 mail.b.example"
tm send-keys -t t q
see t "q once more" "rc=0"

# ------------------------------------------------------------------------
# asciinema's own reading of the fixtures, where it is installed. Its cat
# opens /dev/tty, so it runs in tmux too.
if command -v asciinema >/dev/null 2>&1; then
    for c in demo idle; do
        rm -f "$tmp/a.rc"
        tm new-session -d -s "a-$c" -x 80 -y 24 -c "$PWD" \
            "LC_ALL=C.UTF-8 asciinema cat $casts/$c.cast >$tmp/$c.asciinema 2>$tmp/$c.asciinema-err; echo \$? >$tmp/a.rc"
        i=0
        while [ ! -s "$tmp/a.rc" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        check "$c: asciinema cat gives the same bytes as the replay off a terminal" \
            "[ \"\$(cat '$tmp/a.rc' 2>/dev/null)\" = 0 ] && cmp -s '$tmp/$c.asciinema' '$tmp/$c.out'" \
            "$tmp/$c.asciinema-err"
    done
else
    echo "skip    asciinema cat gives the same bytes (asciinema is not installed)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
