#!/bin/sh
# Terminal test of the bucket relay's animation (relay --animate, the
# default on a terminal): in a real pseudo-terminal (tmux, 80x24) it draws
# the world's layout, moves labelled buckets, has the routers speak, ends
# with the receiver's "It's mine!" and the delivered line; q ends it early,
# SIGTERM too, and either way the terminal is as it was (cooked mode,
# cursor shown, no alternate screen) and what follows is visible. A
# topology without a layout is drawn as the path. The bubble's borders
# line up (same display width on every line) in English and Japanese.
# Usage: relay-anim.sh [TUTOR_BINARY]
bin=$(realpath "${1:-build/tutor}")
pass=0 fail=0 runs=0
state=$(mktemp -d)
# each run has a tmux server of its own: no waiting for the last to go
tm() { tmux -L "tutor-anim-$$-$runs" "$@"; }
cleanup() {
    while [ "$runs" -gt 0 ]; do tm kill-server 2>/dev/null; runs=$((runs - 1)); done
    rm -rf "$state"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok      $1"; }
not_ok() {
    fail=$((fail + 1))
    echo "FAILED  $1"
    tm capture-pane -t t -p | sed 's/^/        | /'
}

# Waits up to $2 tenths of a second (default 50) for the screen to match
# the extended regular expression $1.
wait_re() {
    i=0
    while [ $i -lt "${2:-50}" ]; do
        tm capture-pane -t t -p | grep -qE -- "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
check() { if wait_re "$2" "$3"; then ok "$1"; else not_ok "$1: screen lacks /$2/"; fi; }

# Runs the tutor with $@ in a fresh 80x24 session. A shell around it notes
# the exit status and whether the terminal's settings came back unchanged.
start() {
    tm kill-server 2>/dev/null
    runs=$((runs + 1))
    tm new-session -d -s t -x 80 -y 24 "env XDG_STATE_HOME=$state TERM=xterm-256color NO_COLOR=1 \
        LANG=C.UTF-8 sh -c 'before=\$(stty -g); $bin \"\$@\"; s=\$?; \
        [ \"\$(stty -g)\" = \"\$before\" ] && r=restored || r=changed; \
        echo \"after: status \$s, tty \$r\"; sleep 30' sh $*"
}

# The cursor is shown and the alternate screen is not on.
check_restored() {
    if [ "$(tm display -p -t t '#{cursor_flag} #{alternate_on}')" = "1 0" ]; then
        ok "$1: cursor shown, no alternate screen"
    else
        not_ok "$1: cursor shown, no alternate screen"
    fi
}

# Every line of the bubble, from its top border (.---^---.) to its bottom
# one ('-----'), ends in the same display column.
check_bubble() {
    widths=$(tm capture-pane -t t -p | sed 's/ *$//' |
             awk '/^ *\.-[-^]*\.$/ { on = 1 } on { print } /^ *\047-*\047$/ { on = 0 }' |
             while IFS= read -r line; do printf '%s\n' "$line" | LC_ALL=C.UTF-8 wc -L; done | sort -u | wc -l)
    if [ "$widths" = 1 ]; then ok "$1"; else not_ok "$1: bubble lines of $widths widths"; fi
}

# The tutor's process id, among the descendants of process $1.
find_tutor() {
    for p in $(pgrep -P "$1"); do
        [ "$(ps -o comm= -p "$p")" = tutor ] && { echo "$p"; return; }
        find_tutor "$p"
    done
}

# The world's relay, to the end.
start --lang en relay --speed 2 pc1 mail.b.example
check "the layout's nodes are drawn" '\(pc1\)-+<gw-a>.*<r1>.*<r2>.*<gw-b>.*\(mail-b\)'
check "the name servers are drawn too" '\(root-ns\).*\(tld-ns\)'
check "a bucket is on its way" '\[[1-3]/3\]'
check "a router speaks" 'r[12] \[[1-3]/3\]: Is it mine\? \.\.\.no\. For mail\.b\.example\. Let.s pass it on\.'
check "its routing decision is shown" '-> r2 by 198\.51\.100\.0/24 via 203\.0\.113\.6 dev eth1'
check_bubble "the bubble's borders line up"
check "the status line counts the pieces" 'delivered [0-3]/3'
check "the receiver has the message" 'delivered 3/3'
check "the sender hears \"It's mine!\" at last" "pc1 \\[ACK3\\]: It's mine!"
check "the run ends with the delivered line" 'Delivered: mail-b has all 3 pieces after 44\.745 ms'
check "what follows is visible; status 0; tty restored" 'after: status 0, tty restored'
check_restored "after the end"

# q ends it early: not delivered (status 1), the terminal as it was.
start --lang en relay --speed 0.5 pc1 mail.b.example
check "a slow run starts" '<r1>'
tm send-keys -t t ' '
check "space pauses" 'PAUSED'
tm send-keys -t t ' '
check "space steps to the next event" 'pc1 \[[1-3]/3\]|gw-a \[[1-3]/3\]'
tm send-keys -t t Enter '+'
check "enter goes on, + doubles the speed" 'speed x1  *delivered'
tm send-keys -t t q
check "q stops it and says where" 'Stopped at [0-9.]+ ms: 0 of 3 pieces had arrived\.'
check "status 1 after q; tty restored" 'after: status 1, tty restored'
check_restored "after q"

# SIGTERM: the terminal first, then the signal's usual end (143).
start --lang en relay --speed 0.5 pc1 mail.b.example
check "another run starts" '<r1>'
pid=$(find_tutor "$(tm display -p -t t '#{pane_pid}')" | head -n 1)
[ -n "$pid" ] && kill -TERM "$pid"
check "SIGTERM ends it with the terminal restored" 'after: status 143, tty restored'
check_restored "after SIGTERM"

# No layout: the nodes on the way, in a row.
printf '%s\n' '{"nodes": {"a": {}, "r": {"kind": "router"}, "b": {}},' \
    '"links": [{"endpoints": ["a", "r"]}, {"endpoints": ["r", "b"]}]}' >"$state/plain.json"
start --lang en relay --speed 0.5 --topology "$state/plain.json" a b
check "without a layout the path is drawn" '\(a\)-+.*<r>-*.*\(b\)'
check "... and its run ends delivered" 'Delivered: b has all 3 pieces'

# Japanese: the same run lines up (wide text only inside the bubble,
# the log and the status line).
start --lang ja relay --speed 2 pc1 mail.b.example
check "Japanese: the layout is drawn" '\(pc1\)-+<gw-a>'
check "Japanese: a router speaks" '^ *\| r[12] \[[1-3]/3\]: '
check_bubble "Japanese: the bubble's borders line up"
check "Japanese: the run ends, tty restored" 'after: status 0, tty restored' 100

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
