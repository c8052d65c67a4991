#!/bin/sh
# Bash completion as a person meets it: a real bash in a pseudo-terminal
# (tmux), the script `tutor completion bash` writes sourced, words typed
# and Tab pressed twice (one completion, or the list of them). Checks the
# command line or the list shown after each. Also: the script is valid
# bash and zsh's wrapper of it starts with #compdef.
# Usage: completion.sh [TUTOR_BINARY]
bin=$(realpath "${1:-build/tutor}")
pass=0 fail=0
sock="tutor-comp-$$"
tmp=$(mktemp -d)
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok      $1"; }
bad() { fail=$((fail + 1)); echo "FAILED  $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/        | /'; }

mkdir -p "$tmp/bin"
ln -s "$bin" "$tmp/bin/tutor"
"$bin" completion bash >"$tmp/tutor.bash" || bad "tutor completion bash runs"
bash -n "$tmp/tutor.bash" && ok "the script is valid bash" || bad "the script is valid bash"
"$bin" completion zsh | head -n 1 | grep -qx '#compdef tutor' && ok "the zsh script starts with #compdef" ||
    bad "the zsh script starts with #compdef"
out=$("$bin" completion fish 2>&1)
[ $? = 2 ] && ok "an unknown shell is a usage error" || bad "an unknown shell is a usage error" "$out"
out=$("$bin" completion words nosuch 2>&1)
[ $? = 2 ] && ok "an unknown kind is a usage error" || bad "an unknown kind is a usage error" "$out"

tm new-session -d -s c -x 120 -y 30 \
    "env -i PATH=$tmp/bin:/usr/bin:/bin HOME=$tmp XDG_STATE_HOME=$tmp/state TERM=xterm LANG=C.UTF-8 bash --norc --noprofile"
sleep 0.3
tm send-keys -t c "source $tmp/tutor.bash; PS1='$ '" Enter

# complete WORDS TEXT: typed WORDS and Tab Tab, the screen shows TEXT
complete() {
    tm send-keys -t c C-u "$1" Tab Tab
    i=0
    while [ $i -lt 30 ]; do
        tm capture-pane -t c -p | grep -qF -- "$2" && { ok "$1<Tab> gives $2"; break; }
        sleep 0.1
        i=$((i + 1))
    done
    [ $i -lt 30 ] || bad "$1<Tab> gives $2" "$(tm capture-pane -t c -p)"
    tm send-keys -t c C-c
    sleep 0.1
    tm send-keys -t c clear Enter
    sleep 0.2
}

complete "tutor tel" '$ tutor telnet'
complete "tutor telnet mail.a" '$ tutor telnet mail.a.example'
complete "tutor telnet mail.a.example s" 'smtp        submission'
complete "tutor mailbox bo" '$ tutor mailbox bob@b.example'
complete "tutor mailbox bob@" '$ tutor mailbox bob@b.example'
complete "tutor dig mail.b.example M" '$ tutor dig mail.b.example MX'
complete "tutor dig mail.b.example +tr" '$ tutor dig mail.b.example +trace'
complete "tutor send --su" '$ tutor send --subject'
complete "tutor send -s hi a" '$ tutor send -s hi alice@a.example'
complete "tutor --lang " 'en  ja'
complete "tutor --no-p" '$ tutor --no-pager'
complete "tutor link d" '$ tutor link down'
complete "tutor link down gw-" 'gw-a  gw-b'
complete "tutor host -t " 'CNAME'
complete "tutor help rel" '$ tutor help relay'
complete "tutor serve --sm" '$ tutor serve --smtp'
complete "tutor --world $(pwd)/tests/worlds/hostile.json telnet att" 'telnet attack.a.example'
complete "tutor reset --y" '$ tutor reset --yes'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
