#!/bin/sh
# The tutor as a shell command: one command from argv, as the shell gave
# its words; --help and -h show a command's help and do nothing else; an
# unknown option is a usage error (exit 2) and changes nothing.
# Usage: run.sh [TUTOR_BINARY]
bin=$(realpath "${1:-build/tutor}")
pass=0 fail=0
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
export XDG_STATE_HOME="$state" LC_ALL=C NO_COLOR=1

ok() { pass=$((pass + 1)); echo "ok      $1"; }
bad() { fail=$((fail + 1)); echo "FAILED  $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/        | /'; }

# Runs the tutor with the given words; its exit status in $rc, what it
# printed (stdout and stderr) in $out.
run() {
    out=$("$bin" "$@" 2>&1)
    rc=$?
}

# expect NAME STATUS TEXT WORDS...: exit STATUS, output containing TEXT.
expect() {
    name=$1 want=$2 text=$3
    shift 3
    run "$@"
    if [ "$rc" = "$want" ] && printf '%s' "$out" | grep -qF -- "$text"; then
        ok "$name"
    else
        bad "$name (exit $rc, expected $want; wanted \"$text\")" "$out"
    fi
}

# Words reach the command as they are: an apostrophe stays one.
run send -s "it's fine" -m "Bob's mail" bob@b.example
expect "the subject arrives intact" 0 "it's fine" mailbox bob
expect "the text arrives intact" 0 "Bob's mail" mailbox bob 1

# --help and -h: the command's help, and nothing done.
expect "reset --help shows reset's help" 0 "reset [--yes]" reset --help
expect "reset -h shows it too" 0 "reset [--yes]" reset -h
expect "and bob's mail is still there" 0 "1 message" mailbox bob
expect "reset --dry-run is an unknown option" 2 "reset: unknown option --dry-run" reset --dry-run
expect "and still nothing is lost" 0 "1 message" mailbox bob
expect "help after other words" 0 "send [OPTIONS] [TO...]" send bob@b.example --help
expect "an option's value is not an option" 0 "-h" send -s "-h" -m "dash" bob@b.example

# Every command answers --help with its own line, exit 0.
for c in $("$bin" help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p; s/^  \([a-z][a-z]*\)$/\1/p'); do
    run "$c" --help
    if [ "$rc" = 0 ] && printf '%s\n' "$out" | head -n 1 | grep -q "^  $c\b"; then
        ok "$c --help"
    else
        bad "$c --help (exit $rc)" "$out"
    fi
done

# Spellings students bring: Windows' ipconfig/all and winipcfg, getopt's
# -c1, and a typo answered with the nearest commands.
expect "ipconfig/all is ipconfig /all" 0 "Node in the world" ipconfig/all
expect "winipcfg is ipconfig /all" 0 "Node in the world" winipcfg
expect "ping -c1 takes the count on the flag" 0 "1 packets transmitted" ping -c1 mail.b.example
expect "a typo gets the nearest commands" 1 "did you mean hosts?" hots

# mailbox lists subjects decoded, as a mail client shows them, and a
# decoded control character is shown, never obeyed.
run send -s "こんにちは" -m hi bob@b.example
expect "mailbox decodes an encoded subject" 0 "こんにちは" mailbox bob
printf 'telnet mail.b.example smtp\nHELO pc1\nMAIL FROM:<x@a.example>\nRCPT TO:<bob@b.example>\nDATA
Subject: =?UTF-8?B?G1sySg==?=\n\nhi\n.\nQUIT\n' | "$bin" >/dev/null 2>&1
run mailbox bob
if printf '%s' "$out" | grep -qF '^[[2J' && ! printf '%s' "$out" | grep -q "$(printf '\033')"; then
    ok "a decoded escape is shown, not sent to the terminal"
else
    bad "a decoded escape reached the terminal" "$out"
fi

# Usage errors are 2; a command that fails is 1.
expect "an unknown option of hosts" 2 "hosts: unknown option --bogus" hosts --bogus
expect "an option without its value" 2 "ping: -c needs a value" ping -c
expect "traceroute's own option still works" 0 "traceroute to" traceroute -n mail.b.example
expect "too many words is a usage error" 2 "usage: inbox [--delete]" inbox one two
expect "dig without a name is one too" 2 "usage: dig" dig
expect "a command that fails" 1 "no such user" mailbox nosuch
expect "reset --yes resets" 0 "The world starts afresh" reset --yes
expect "and bob's mailbox is empty" 0 "No messages for bob@b.example." mailbox bob

# Output that cannot be written is a failure, said on stderr.
out=$("$bin" hosts 2>&1 >/dev/full); rc=$?
if [ "$rc" = 1 ] && [ "$out" = "tutor: cannot write the output" ]; then
    ok "hosts > /dev/full fails with a message"
else
    bad "hosts > /dev/full (exit $rc)" "$out"
fi
out=$("$bin" --help 2>&1 >/dev/full); rc=$?
[ "$rc" = 1 ] && ok "--help > /dev/full fails too" || bad "--help > /dev/full (exit $rc)" "$out"

# send with nothing to read says why.
out=$("$bin" send </dev/null 2>&1); rc=$?
if [ "$rc" = 1 ] && printf '%s' "$out" | grep -qF "the input ended before a recipient was given"; then
    ok "send </dev/null says why it fails"
else
    bad "send </dev/null (exit $rc)" "$out"
fi
# only the To line is given: the address is judged before the input runs out
out=$(printf 'nobody-at-all\n' | "$bin" send 2>&1); rc=$?
if [ "$rc" = 1 ] && printf '%s' "$out" | grep -qF '"nobody-at-all" is not a mail address'; then
    ok "send checks the recipient before asking for the rest"
else
    bad "send checks the recipient first (exit $rc)" "$out"
fi

# LANGUAGE outranks the locale, as in GNU gettext programs, but not C's.
lang_of() { env -u LC_ALL "$@" "$bin" help 2>&1 | sed -n 2p; }
for e in "LANG=ja_JP.UTF-8:ja" "LANG=ja_JP.UTF-8 LANGUAGE=en:en" "LANG=en_US.UTF-8 LANGUAGE=fr:ja:ja" \
         "LANG=C LANGUAGE=ja:en" "LANG=de_DE.UTF-8 LANGUAGE=de:en"; do
    vars=${e%:*} want=${e##*:}
    # shellcheck disable=SC2086
    line=$(lang_of $vars)
    case $want in
        ja) printf '%s' "$line" | grep -q 'コマンド' ;;
        en) printf '%s' "$line" | grep -q 'list the commands' ;;
    esac && ok "$vars speaks $want" || bad "$vars should speak $want" "$line"
done

# reset of one part: one mailbox, the others kept
run send -s "for alice" -m kept alice@a.example
run send -s "for bob" -m gone bob@b.example
expect "reset mailbox bob empties bob's" 0 "bob@b.example's mailbox is empty." reset mailbox bob
expect "and keeps alice's" 0 "for alice" mailbox alice
expect "bob's is empty" 0 "No messages for bob@b.example." mailbox bob
expect "reset queues" 0 "Every relay queue is empty" reset queues
expect "reset of a part there is not: usage" 2 "usage: reset [--yes] [mailbox USER | queues | links]" reset mail
expect "reset mailbox of nobody fails" 1 "no such user" reset mailbox nosuch

# Mail to a domain outside the world waits, as Postfix defers a refused lookup
expect "sending outside the world says it is offline" 0 "gmail.com is outside this world" send -s out -m out someone@gmail.com
expect "and the mail waits in the queue" 0 "type=MX: Host not found, try again" mailq
run reset queues

# Piped output never goes through the pager, whatever PAGER says.
out=$(PAGER="echo PAGED; cat >/dev/null" TUTOR_PAGER= "$bin" help 2>&1)
case $out in
    *PAGED*) bad "piped help is not paged" "$out" ;;
    *"Inside telnet"*) ok "piped help is not paged" ;;
    *) bad "piped help is not paged (help is missing)" "$out" ;;
esac
expect "--no-pager is an option" 0 "pc1.a.example" --no-pager hosts

# Host names: DNS first, localhost is the host itself, a PC has no mail server.
expect "telnet asks the DNS (an alias)" 0 "Connected to mail.b.example." telnet www.b.example smtp
expect "telnet localhost smtp on the PC is refused" 1 "Connection refused" telnet localhost smtp
expect "with the lecture's hint" 1 "ssh mail.a.example" telnet localhost smtp
expect "an unknown name, in getaddrinfo's words" 1 "Name or service not known" ping nosuch.example
expect "ssh takes one host" 2 "usage: ssh HOST" ssh

# The hosts table keeps to the 80 columns of a screen, in both languages,
# also for the nuisance world's long descriptions.
world=$(dirname "$0")/../../tutor/world/nuisance.json
for lang in en ja; do
    out=$(LC_ALL=C.UTF-8 "$bin" --lang $lang --world "$world" hosts 2>&1)
    wide=$(printf '%s\n' "$out" | LC_ALL=C.UTF-8 python3 -c '
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
print(sum(1 for line in sys.stdin.read().splitlines() if w(line) > 80))')
    if [ "$wide" = 0 ] && printf '%s' "$out" | grep -q "galaxy.freehosting.example"; then
        ok "hosts of the nuisance world within 80 columns ($lang)"
    else
        bad "hosts of the nuisance world within 80 columns ($lang): $wide lines wider" "$out"
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
