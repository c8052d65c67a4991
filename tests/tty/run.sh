#!/bin/sh
# Terminal tests: the tutor in a real pseudo-terminal (tmux, 80x24), typed
# at with send-keys, its screen read with capture-pane. Checks what only a
# terminal shows: Tab completion of commands, hosts and verbs, Ctrl-C
# clearing the line, Ctrl-] leaving a dialogue, colour, Ctrl-D leaving;
# and the mail client's prompts and Japanese columns.
# Usage: run.sh [TUTOR_BINARY]
bin=$(realpath "${1:-build/tutor}")
pass=0 fail=0
sock="tutor-tty-$$"
state=$(mktemp -d)
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$state"' EXIT

# Waits up to 5 s for the screen to contain $1.
wait_for() {
    i=0
    while [ $i -lt 50 ]; do
        tm capture-pane -t t -p | grep -qF -- "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

check() {
    if wait_for "$2"; then
        pass=$((pass + 1))
        echo "ok      $1"
    else
        fail=$((fail + 1))
        echo "FAILED  $1: screen lacks \"$2\""
        tm capture-pane -t t -p | sed 's/^/        | /'
    fi
}

# start STATE_DIR [VAR=VALUE | -VAR ...] -- [TUTOR_ARGS...]: the tutor in
# session t at 80x24, colourless unless told otherwise; -VAR unsets VAR.
start() {
    dir=$1
    shift
    sets="" unsets=""
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        case $1 in
            -*) unsets="$unsets -u ${1#-}" ;;
            *) sets="$sets $1" ;;
        esac
        shift
    done
    [ "$1" = -- ] && shift
    tm new-session -d -s t -x 80 -y 24 \
        "env$unsets XDG_STATE_HOME=$dir TERM=xterm-256color NO_COLOR=1 LANG=C.UTF-8$sets $bin $*"
}
# quits the tutor and waits (3 s at most) for its session to end
stop() {
    tm send-keys -t t 'quit' Enter
    i=0
    while tm has-session -t t 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
}

start "$state" NO_COLOR= -- --lang en
check "welcome banner" "Type \"help\" for the commands"
tm send-keys -t t 'tel' Tab
check "Tab completes a command" "tutor> telnet"
tm send-keys -t t 'mail.a' Tab
check "Tab completes a host name" "telnet mail.a.example"
tm send-keys -t t 'smtp' Enter
check "the server greets" "220 mail.a.example ESMTP"
tm send-keys -t t 'EH' Tab 'pc1' Enter
check "Tab completes a protocol verb" "250-PIPELINING"
tm send-keys -t t 'half typed' C-c
tm send-keys -t t 'NOOP' Enter
check "Ctrl-C clears the line" "250 2.0.0 Ok"
tm send-keys -t t C-]
check "Ctrl-] leaves the dialogue" "Connection closed."
tm send-keys -t t 'mailbox bob@' Tab
check "Tab completes a user, @ and all" "mailbox bob@b.example"
tm send-keys -t t C-u 'send --sub' Tab
check "Tab completes an option" "send --subject"
tm send-keys -t t C-u 'dig mail.b.example +sh' Tab
check "Tab completes dig's +options" "dig mail.b.example +short"
tm send-keys -t t C-u
if tm capture-pane -t t -p -e | grep -q "$(printf '\033')\[32m220 mail.a.example"; then
    pass=$((pass + 1)); echo "ok      server lines are coloured"
else
    fail=$((fail + 1)); echo "FAILED  server lines are coloured"
fi
tm send-keys -t t C-d
i=0
while tm has-session -t t 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if tm has-session -t t 2>/dev/null; then
    fail=$((fail + 1)); echo "FAILED  Ctrl-D leaves the tutor"
else
    pass=$((pass + 1)); echo "ok      Ctrl-D leaves the tutor"
fi
[ -s "$state/tutor/history" ] && { pass=$((pass + 1)); echo "ok      history is kept"; } \
    || { fail=$((fail + 1)); echo "FAILED  history is kept"; }

# Ctrl-C ends a server script that is running, at once, in a world that
# gives its scripts a minute: the session ends, the prompt comes back.
start "$state" -- --lang en --world "$(dirname "$0")/../worlds/patient.json"
check "a world with patient scripts" "tutor>"
tm send-keys -t t 'telnet attack.a.example smtp' Enter
check "its server greets" "220 attack ready"
tm send-keys -t t 'spin' Enter
sleep 0.5
tm send-keys -t t C-c
check "Ctrl-C interrupts the running script" "attack.lua:7: interrupted"
check "and the prompt is back" "Connection closed by foreign host."
stop

# The mail client in Japanese: send asks for what it is not given, inbox
# lists the Japanese subject in its column, read --headers shows the trace.
start "$state" -- --lang ja
check "Japanese welcome" "tutor>"
tm send-keys -t t 'send' Enter
check "send asks for To" "To:"
tm send-keys -t t 'bob@b.example' Enter
check "send asks for Subject" "Subject:"
tm send-keys -t t 'こんにちは' Enter 'secret body line' Enter '.' Enter
check "the message is sent" "250 2.0.0 Ok: queued as"
tm send-keys -t t 'clear' Enter 'login bob' Enter 'inbox' Enter
check "inbox lists the Japanese subject" "Alice <alice@a.example>    こんにちは"
tm send-keys -t t 'clear' Enter 'read 1 --headers' Enter
check "read --headers shows the Received lines" "Received: from pc1.a.example"
tm send-keys -t t 'quit' Enter
sleep 0.3
if grep -q 'secret body line' "$state/tutor/history"; then
    fail=$((fail + 1)); echo "FAILED  a message's text stays out of history"
else
    pass=$((pass + 1)); echo "ok      a message's text stays out of history"
fi

# reset on a terminal asks first: "n" (or Enter) keeps every mailbox.
start "$state" -- --lang en
check "a session to reset in" "tutor>"
tm send-keys -t t 'clear' Enter 'reset' Enter
check "reset asks first" "bring every link up? [y/N]"
tm send-keys -t t 'n' Enter
check "a no keeps everything" "Nothing was reset."
tm send-keys -t t 'clear' Enter 'mailbox bob' Enter
check "bob's mail is still there" "Mailbox of bob@b.example: 1 message"
tm send-keys -t t 'clear' Enter 'reset' Enter 'y' Enter
check "a yes resets" "The world starts afresh"
tm send-keys -t t 'clear' Enter 'mailbox bob' Enter
check "and the mailbox is empty" "No messages for bob@b.example."
tm send-keys -t t 'clear' Enter 'send -s one -m one bob@b.example' Enter 'clear' Enter 'reset mailbox bob' Enter
check "reset of one mailbox asks first" "Empty bob@b.example's mailbox on the server? [y/N]"
tm send-keys -t t 'n' Enter
check "a no keeps it" "Nothing was reset."
stop

# A closed terminal (SIGHUP) keeps the history, as bash does; a half-typed
# line is neither run nor kept.
hup_state=$(mktemp -d)
start "$hup_state" -- --lang en
check "a session to hang up" "tutor>"
tm send-keys -t t 'hosts' Enter
check "a command before the hangup" "pc1.a.example"
tm send-keys -t t 'half typed'
sleep 0.2
tm kill-session -t t
i=0
while [ ! -s "$hup_state/tutor/history" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(cat "$hup_state/tutor/history" 2>/dev/null)" = "hosts" ]; then
    pass=$((pass + 1)); echo "ok      the history survives a closed terminal"
else
    fail=$((fail + 1)); echo "FAILED  the history after SIGHUP: $(cat "$hup_state/tutor/history" 2>&1)"
fi
rm -rf "$hup_state"

# Long output goes through the pager (less, LESS=FRX as git sets it) on a
# terminal; q gives the prompt back. --no-pager prints it all.
last_line() { tm capture-pane -t t -p | grep -v '^ *$' | tail -n 1; }
expect_last() {
    i=0
    while [ "$(last_line)" != "$2" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if [ "$(last_line)" = "$2" ]; then
        pass=$((pass + 1)); echo "ok      $1"
    else
        fail=$((fail + 1)); echo "FAILED  $1: last line \"$(last_line)\", not \"$2\""
        tm capture-pane -t t -p | sed 's/^/        | /'
    fi
}
pager_state=$(mktemp -d)
start "$pager_state" -PAGER -TUTOR_PAGER -LESS -- --lang en
check "a session to page in" "tutor>"
tm send-keys -t t 'help' Enter
expect_last "help waits in less, at its prompt" ":"
tm send-keys -t t 'q'
expect_last "q gives the prompt back" "tutor>"
tm send-keys -t t 'clear' Enter 'hosts' Enter
check "short output is not held" "ns.example"
# ssh moves the prompt to the host, exit brings it back
tm send-keys -t t 'clear' Enter 'ssh mail.a.example' Enter
expect_last "ssh names the host in the prompt" "tutor@mail.a.example>"
tm send-keys -t t 'exit' Enter
expect_last "exit comes back to the PC" "tutor>"
stop
start "$pager_state" -- --lang en --no-pager
check "a session without the pager" "tutor>"
tm send-keys -t t 'help' Enter
expect_last "--no-pager prints help to the end" "tutor>"
stop

# Typing a message after DATA: Tab at the start of a line is a Tab (a
# folded header), the empty line before the body shows, and in the first
# word Tab still completes a verb.
start "$pager_state" -- --lang en
check "a session to write in" "tutor>"
tm send-keys -t t 'telnet mail.b.example smtp' Enter
check "the server greets" "220 mail.b.example"
tm send-keys -t t 'EH' Tab ' pc1' Enter
check "Tab completes EH to EHLO" "250-mail.b.example"
tm send-keys -t t 'MAIL FROM:<alice@a.example>' Enter 'RCPT TO:<bob@b.example>' Enter 'DATA' Enter
check "DATA is taken" "354 End data"
tm send-keys -t t 'Subject: typed' Enter Tab 'and folded' Enter
sleep 0.2
tm send-keys -t t Enter
sleep 0.2
tm send-keys -t t 'the body' Enter
check "the body line shows" "the body"
if tm capture-pane -t t -p | grep -A2 -F '        and folded' | sed -n 2p | grep -q '^$'; then
    pass=$((pass + 1)); echo "ok      the empty line after the header shows"
else
    fail=$((fail + 1)); echo "FAILED  the empty line after the header shows"
    tm capture-pane -t t -p | sed 's/^/        | /'
fi
tm send-keys -t t '.' Enter 'QUIT' Enter
check "the message is queued" "Connection closed by foreign host."
if grep -rqF "$(printf '\tand folded')" "$pager_state/tutor"; then
    pass=$((pass + 1)); echo "ok      the folded line is stored with its Tab"
else
    fail=$((fail + 1)); echo "FAILED  the folded line is stored with its Tab"
fi
tm send-keys -t t 'quit' Enter
rm -rf "$pager_state"

# A lesson at 80x24, as a student meets it: the introduction and the first
# step in the pager, steps announced as they pass, a mistake pointed out
# inside the dialogue, a hint at the prompt; the same in Japanese; and
# after a restart the lesson resumes at its step.
lesson_state=$(mktemp -d)
for lang in en ja; do
    rm -rf "$lesson_state"/*
    start "$lesson_state" -PAGER -TUTOR_PAGER -LESS -- --lang $lang
    check "$lang: a session for a lesson" "tutor>"
    tm send-keys -t t 'lesson 1' Enter
    if [ $lang = en ]; then
        check "en: the lesson opens in the pager" "Lesson 1: A mail, by hand"
        tm send-keys -t t 'G'
        check "en: its first step, to its end" 'To do: Read the picture, then type "next".'
    else
        check "ja: the lesson opens in the pager" "レッスン 1: 手で送るメール"
        tm send-keys -t t 'G'
        check "ja: its first step, to its end" "やること: 図を読んだら「next」と打ちましょう。"
    fi
    tm send-keys -t t 'q'
    expect_last "$lang: q gives the prompt back" "tutor>"
    tm send-keys -t t 'clear' Enter 'next' Enter
    tm send-keys -t t 'q'
    tm send-keys -t t 'clear' Enter 'ipconfig /all' Enter
    [ $lang = en ] && check "en: a step passes as it is typed" "Step 2 done: Your computer's address"
    [ $lang = ja ] && check "ja: a step passes as it is typed" "ステップ 2 完了: 自分のコンピュータの住所"
    tm send-keys -t t 'q'
    tm send-keys -t t 'clear' Enter 'hosts' Enter
    tm send-keys -t t 'q'
    tm send-keys -t t 'clear' Enter 'telnet mail.a.example smtp' Enter
    check "$lang: the dialogue opens" "220 mail.a.example"
    tm send-keys -t t 'RCPT TO:<bob@b.example>' Enter
    [ $lang = en ] && check "en: RCPT before MAIL is pointed out in the dialogue" "503: RCPT came before MAIL"
    [ $lang = ja ] && check "ja: RCPT before MAIL is pointed out in the dialogue" "503: MAIL より先に RCPT を送りました"
    tm send-keys -t t 'QUIT' Enter
    tm send-keys -t t 'clear' Enter 'hint' Enter
    [ $lang = en ] && check "en: hint at the prompt" "Hint 1 of 2: The lecture typed"
    [ $lang = ja ] && check "ja: hint at the prompt" "ヒント 1/2: 講義では「telnet localhost smtp」"
    stop
    start "$lesson_state" -PAGER -TUTOR_PAGER -LESS -- --lang $lang
    check "$lang: after a restart" "tutor>"
    tm send-keys -t t 'clear' Enter 'lesson' Enter
    [ $lang = en ] && check "en: the list shows where the lesson is" "at step 4 of 13"
    [ $lang = ja ] && check "ja: the list shows where the lesson is" "ステップ 4/13"
    tm send-keys -t t 'clear' Enter 'lesson 1' Enter 'q'
    [ $lang = en ] && check "en: it resumes at its step" "[Lesson 1, step 4 of 13] Talking to mail server 1"
    [ $lang = ja ] && check "ja: it resumes at its step" "[レッスン 1、ステップ 4/13] メールサーバ1とおしゃべり"
    stop
done
rm -rf "$lesson_state"

# Chain mail grows a generation at a time until a key is pressed; then
# it ends there, and the terminal is as it was (a typed command echoes).
chain_state=$(mktemp -d)
start "$chain_state" -- --lang en
check "a session for chain mail" "tutor>"
tm send-keys -t t 'chain' Enter
check "chain mail grows: 5, then 25" "   2            25"
tm send-keys -t t 'x'
check "a key stops it" "stopped"
check "and it says where it ended" "Stopped after generation"
if tm capture-pane -t t -p | grep -q "9,765,625 "; then
    fail=$((fail + 1)); echo "FAILED  the stopped chain never reaches 9,765,625"
else
    pass=$((pass + 1)); echo "ok      the stopped chain never reaches 9,765,625"
fi
tm send-keys -t t 'clear' Enter 'ipconfig' Enter
check "the terminal echoes again after it" "tutor> ipconfig"
stop
rm -rf "$chain_state"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
