#!/bin/sh
# `tutor serve` against real clients: curl (smtp:// and pop3://), dig,
# swaks and fetchmail here; Python's smtplib and poplib and raw sockets in
# the *_checks.py beside this file (load, SIGKILL, limits, logs, signals,
# and what `tutor watch` and --verbose show of it: watch_checks.py).
# Every server listens on port 0 and is found through its ready line, so
# runs never collide; every group of checks has its own XDG_STATE_HOME.
#
# Usage: run.sh [TUTOR_BINARY] [quick]
#   quick (or SERVE_QUICK=1): 50 clients at once instead of 200 and no
#   10 MB message, to keep the sanitizer build's run short.
# Prints "ok   ..." or "FAIL ..." a check and ends with "N passed, N failed".
bin=$(realpath "${1:-build/tutor}")
[ "$2" = quick ] && SERVE_QUICK=1
export SERVE_QUICK
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
# the checks import each other: no __pycache__ left in the source tree
export PYTHONDONTWRITEBYTECODE=1
work=$(mktemp -d)
mkdir -p "$work/pids"
pass=0 fail=0

# Servers are killed by pid (each one's file in $work/pids, the Python
# checks' ones too), whatever way this script ends.
py_pid=""
cleanup() {
    [ -n "$py_pid" ] && kill -9 "$py_pid" 2>/dev/null
    for f in "$work"/pids/*; do
        [ -e "$f" ] && kill -9 "${f##*/}" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
    fail=$((fail + 1))
    echo "FAIL $1"
    [ -n "$2" ] && printf '%s\n' "$2" | head -n 15 | sed 's/^/       | /'
}
# check NAME COMMAND...: ok when the command succeeds
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}

# ASan runs start and answer slower: waits are stretched.
slow=1
case $bin in */asan/*) slow=2 ;; esac

# start_serve NAME ARGS...: a server with its own state folder; sets
# $state, $srv_pid and $smtp, $pop3, $dns (the ports of its ready line).
start_serve() {
    state="$work/$1"
    shift
    mkdir -p "$state"
    # a plain command, not a function: $! must be tutor itself
    XDG_STATE_HOME="$state" LANG=C.UTF-8 NO_COLOR=1 "$bin" --lang en serve "$@" \
        >"$state/out" 2>"$state/err" &
    srv_pid=$!
    : >"$work/pids/$srv_pid"
    i=0
    while ! grep -q 'ready:' "$state/out" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt $((200 * slow)) ] || ! kill -0 "$srv_pid" 2>/dev/null; then
            bad "tutor serve $* starts" "$(cat "$state/err")"
            return 1
        fi
        sleep 0.05
    done
    ready=$(head -n 1 "$state/out")
    smtp=$(printf '%s\n' "$ready" | sed -n -E 's/.* smtp [0-9.]+:([0-9]+) .*/\1/p')
    pop3=$(printf '%s\n' "$ready" | sed -n -E 's/.* pop3 [0-9.]+:([0-9]+) .*/\1/p')
    dns=$(printf '%s\n' "$ready" | sed -n -E 's/.* dns [0-9.]+:([0-9]+) .*/\1/p')
    http=$(printf '%s\n' "$ready" | sed -n -E 's/.* http [0-9.]+:([0-9]+) .*/\1/p')
}

# stop_serve LABEL: SIGTERM; one check that it exits 0 with no sanitizer
# report on stderr.
stop_serve() {
    kill -TERM "$srv_pid"
    wait "$srv_pid"
    rc=$?
    rm -f "$work/pids/$srv_pid"
    if [ "$rc" = 0 ] && ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$state/err"; then
        ok "$1: server exits 0 on SIGTERM, no sanitizer report"
    else
        bad "$1: server exits 0 on SIGTERM, no sanitizer report" "status $rc: $(tail -n 20 "$state/err")"
    fi
}

# Runs one of the Python check files; its lines are counted like ours.
python_checks() {
    out="$work/py.out"
    # in the background, so that a signal to this script reaches the trap
    # at once and the trap can end the checks too
    $py "$here/$1" "$bin" "$work" >"$out" 2>&1 &
    py_pid=$!
    wait "$py_pid"
    status=$?
    py_pid=""
    cat "$out"
    p=$(grep -c '^ok   ' "$out")
    f=$(grep -c '^FAIL ' "$out")
    pass=$((pass + p))
    fail=$((fail + f))
    if [ "$status" != 0 ] && [ "$f" = 0 ]; then
        bad "$1 ended with status $status without a failed check"
    fi
}

need_tools() {
    for t in "$@"; do
        if ! command -v "$t" >/dev/null 2>&1; then
            bad "$t is installed (tests/deps.sh installs it)"
            return 1
        fi
    done
}

# ---------------------------------------------------------------- curl
# curl escapes a leading dot only in CRLF text: the message is written so.
curl_checks() {
    need_tools curl || return
    start_serve curl --smtp 0 --pop3 0 || return
    crlf() { sed 's/$/\r/'; }
    printf '%s\n' '.a line that starts with a dot' '..two dots' '.' 'end of body' |
        crlf >"$state/body"
    { printf '%s\n' 'From: alice@a.example' 'To: bob@b.example' 'Subject: curl to bob' '' | crlf
      cat "$state/body"; } >"$state/msg"
    out=$(curl -sS --max-time 10 "smtp://127.0.0.1:$smtp/pc1.a.example" -u alice:alice-pw \
        --mail-from alice@a.example --mail-rcpt bob@b.example -T "$state/msg" 2>&1)
    check "curl smtp:// with AUTH sends alice's mail to bob" [ $? = 0 ]
    out=$(curl -sS --max-time 10 "smtp://127.0.0.1:$smtp/pc1.a.example" \
        --mail-from alice@a.example --mail-rcpt bob@b.example -T "$state/msg" 2>&1)
    case $out in
    *554*) ok "curl smtp:// without AUTH: refused with 554 at RCPT" ;;
    *) bad "curl smtp:// without AUTH: refused with 554 at RCPT" "$out" ;;
    esac

    # the relay runs when the session closes; give it a moment
    i=0
    list=""
    while [ $i -lt $((30 * slow)) ]; do
        list=$(curl -sS --max-time 10 "pop3://127.0.0.1:$pop3/" -u bob:bob-pw 2>&1)
        case $list in 1\ *) break ;; esac
        sleep 0.1
        i=$((i + 1))
    done
    size=$(printf '%s\n' "$list" | sed -n -E 's/^1 ([0-9]+)\r?$/\1/p')
    check "curl pop3:// LIST as bob: one message, with its size" [ -n "$size" ]
    curl -sS --max-time 10 "pop3://127.0.0.1:$pop3/1" -u bob:bob-pw >"$state/got" 2>&1
    check "curl pop3:// RETR 1: as many octets as LIST said ($size)" \
        [ "$(wc -c <"$state/got")" = "$size" ]
    # the body after the header's blank line, byte for byte
    sed '1,/^\r$/d' "$state/got" >"$state/got-body"
    if cmp -s "$state/body" "$state/got-body"; then
        ok "dot lines ('.x', '..x', '.') arrive as sent, un-doubled"
    else
        bad "dot lines ('.x', '..x', '.') arrive as sent, un-doubled" "$(od -c "$state/got-body" | head)"
    fi
    check "the retrieved message has two Received lines (mail.a.example, mail.b.example)" \
        [ "$(grep -c '^Received: ' "$state/got")" = 2 ]
    # more than the server's 64 KB output buffer: RETR must not stall
    $py -c 'import sys; sys.stdout.write("Subject: big\r\n\r\n" + "".join(
        "line %05d %s\r\n" % (n, "b" * 80) for n in range(2500)))' >"$state/big"
    curl -sS --max-time 10 "smtp://127.0.0.1:$smtp/pc1.a.example" \
        --mail-from x@elsewhere.example --mail-rcpt alice@a.example -T "$state/big" >/dev/null 2>&1
    curl -sS --max-time $((2 * slow)) "pop3://127.0.0.1:$pop3/1" -u alice:alice-pw \
        >"$state/big-got" 2>"$state/big-err"
    st=$?
    sed '1,/^\r$/d' "$state/big-got" >"$state/big-body"
    if [ "$st" = 0 ] && sed '1,/^\r$/d' "$state/big" | cmp -s - "$state/big-body"; then
        ok "curl pop3:// RETR of a 230 KB message: all of it"
    else
        bad "curl pop3:// RETR of a 230 KB message: all of it" \
            "curl status $st, $(wc -c <"$state/big-got") octets: $(cat "$state/big-err")"
    fi
    curl -sS --max-time 10 "pop3://127.0.0.1:$pop3/" -u bob@b.example:wrong >/dev/null 2>&1
    check "curl pop3:// with a wrong password fails to log in (curl exit 67)" [ $? = 67 ]
    stop_serve curl
}

# ---------------------------------------------------------------- dig
dig_checks() {
    need_tools dig || return
    start_serve dig --dns 0 || return
    d() { dig @127.0.0.1 -p "$dns" +time=$((2 * slow)) +tries=1 "$@" 2>&1; }
    for t in "" +tcp; do
        via=${t:-+udp}
        check "dig $via mail.b.example: 198.51.100.25" [ "$(d $t +short mail.b.example)" = 198.51.100.25 ]
        check "dig $via b.example MX: 10 mail.b.example." [ "$(d $t +short b.example MX)" = "10 mail.b.example." ]
        check "dig $via -x 198.51.100.25: mail.b.example." [ "$(d $t +short -x 198.51.100.25)" = mail.b.example. ]
        out=$(d $t nosuch.a.example)
        case $out in
        *"status: NXDOMAIN"*"AUTHORITY SECTION:"*SOA*) ok "dig $via nosuch.a.example: NXDOMAIN with the SOA" ;;
        *) bad "dig $via nosuch.a.example: NXDOMAIN with the SOA" "$out" ;;
        esac
        out=$(d $t www.google.com)
        case $out in
        *"status: REFUSED"*) ok "dig $via www.google.com: REFUSED (not the world's)" ;;
        *) bad "dig $via www.google.com: REFUSED (not the world's)" "$out" ;;
        esac
    done
    out=$(d +tcp mail.b.example)
    case $out in
    *"(TCP)"*) ok "dig +tcp really went over TCP" ;;
    *) bad "dig +tcp really went over TCP" "$out" ;;
    esac
    out=$(d mail.b.example)
    case $out in
    *"OPT PSEUDOSECTION"*"EDNS: version: 0"*) ok "dig with EDNS: the OPT record is echoed" ;;
    *) bad "dig with EDNS: the OPT record is echoed" "$out" ;;
    esac
    out=$(d +noedns mail.b.example)
    case $out in
    *"OPT PSEUDOSECTION"*) bad "dig +noedns: no OPT record in the answer" "$out" ;;
    *198.51.100.25*) ok "dig +noedns: no OPT record in the answer" ;;
    *) bad "dig +noedns: no OPT record in the answer" "$out" ;;
    esac
    out=$(d +edns=1 +noednsneg mail.b.example)
    case $out in
    *"status: BADVERS"*) ok "dig +edns=1: BADVERS (RFC 6891 6.1.3)" ;;
    *) bad "dig +edns=1: BADVERS (RFC 6891 6.1.3)" "$out" ;;
    esac
    # garbage then a good query: the Python side sends the garbage
    $py - "$dns" <<'EOF'
import os, socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(os.urandom(100), ("127.0.0.1", int(sys.argv[1])))
EOF
    check "dig right after a datagram of random bytes still gets its answer" \
        [ "$(d +short mail.b.example)" = 198.51.100.25 ]
    stop_serve dig
}

# ---------------------------------------------------------------- swaks, fetchmail
mua_checks() {
    need_tools swaks fetchmail || return
    start_serve mua --smtp 0 --pop3 0 || return
    sw() { swaks --server "127.0.0.1:$smtp" --timeout $((10 * slow)) --from alice@a.example "$@" 2>&1; }
    out=$(sw --to bob@b.example --auth LOGIN --auth-user alice --auth-password alice-pw \
        --header 'Subject: swaks one' --body 'first body')
    case $out in
    *"235 2.7.0"*"250 2.0.0 Ok: queued"*) ok "swaks AUTH LOGIN as alice, mail to bob: 235, then 250 queued" ;;
    *) bad "swaks AUTH LOGIN as alice, mail to bob: 235, then 250 queued" "$out" ;;
    esac
    out=$(sw --to bob@b.example --auth PLAIN --auth-user alice@a.example --auth-password alice-pw \
        --header 'Subject: swaks two' --body 'second body')
    check "swaks AUTH PLAIN as alice@a.example: mail to bob accepted" [ $? = 0 ]
    out=$(sw --to bob@b.example --auth PLAIN --auth-user alice --auth-password wrong)
    st=$?
    case $st/$out in
    28/*535*) ok "swaks with a wrong password: 535 (swaks exit 28)" ;;
    *) bad "swaks with a wrong password: 535 (swaks exit 28)" "status $st: $out" ;;
    esac
    out=$(sw --to bob@b.example)
    st=$?
    case $st/$out in
    24/*"554 5.7.1 <bob@b.example>: Relay access denied"*) ok "swaks without AUTH to bob: 554 5.7.1 Relay access denied" ;;
    *) bad "swaks without AUTH to bob: 554 5.7.1 Relay access denied" "status $st: $out" ;;
    esac

    # fetchmail wants its rc file private and a HOME for its id file
    home="$state/home"
    mkdir -p "$home"
    cat >"$home/.fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 protocol POP3 port $pop3 timeout $((10 * slow))
    user "bob" password "bob-pw" is "bob" here
    mda "/bin/sh -c 'cat >>$home/fetched'"
EOF
    chmod 600 "$home/.fetchmailrc"
    fm() { HOME=$home fetchmail -f "$home/.fetchmailrc" --nosslcertck "$@" >"$home/log" 2>&1; }
    i=0
    while [ $i -lt $((30 * slow)) ] && [ "$(curl -sS "pop3://127.0.0.1:$pop3/" -u bob:bob-pw | wc -l)" -lt 2 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    fm
    st=$?
    n=$(grep -c '^Subject: swaks' "$home/fetched" 2>/dev/null)
    if [ "$st" = 0 ] && [ "$n" = 2 ] && grep -q '^second body' "$home/fetched"; then
        ok "fetchmail retrieves bob's 2 messages into its MDA"
    else
        bad "fetchmail retrieves bob's 2 messages into its MDA" "status $st, $n messages: $(cat "$home/log")"
    fi
    fm
    check "fetchmail again: no mail (fetchmail deleted what it took, exit 1)" [ $? = 1 ]
    stop_serve swaks-fetchmail
}

# ---------------------------------------------------------------- web mail
# The nuisance world's free mail, by curl over HTTP: the mail it sends
# reaches bob with the web's trace in it, and what it refuses it refuses
# with the status a browser would show.
webmail_checks() {
    need_tools curl || return
    start_serve webmail --world tutor/world/nuisance.json --http 0 --pop3 0 || return
    web="http://127.0.0.1:$http"
    code=$(curl -sS --max-time 10 -o "$state/page" -w '%{http_code}' "$web/")
    check "curl http:// GET /: 200 and the form's help" \
        sh -c "[ '$code' = 200 ] && grep -q 'GET /send?user=carol' '$state/page'"
    code=$(curl -sS --max-time 10 -o "$state/sent" -w '%{http_code}' \
        "$web/send?user=carol&password=carol-pw&to=bob%40b.example&subject=by+curl&text=Hi+Bob")
    check "curl http:// GET /send as carol: 200, queued" \
        sh -c "[ '$code' = 200 ] && grep -q 'queued as' '$state/sent'"
    i=0
    while [ $i -lt $((30 * slow)) ] && [ "$(curl -sS "pop3://127.0.0.1:$pop3/" -u bob:bob-pw | wc -l)" -lt 1 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    curl -sS --max-time 10 "pop3://127.0.0.1:$pop3/1" -u bob:bob-pw >"$state/mail" 2>&1
    check "bob gets it with a 'with HTTP' hop and X-Originating-IP" \
        sh -c "grep -q 'by www.freemail.example with HTTP;' '$state/mail' && grep -q '^X-Originating-IP: \[127.0.0.1\]' '$state/mail'"
    code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$web/send?user=carol&password=no&to=bob%40b.example")
    check "a wrong password: 401" [ "$code" = 401 ]
    code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -d 'user=carol' "$web/send")
    check "POST: 501, the form is sent by GET" [ "$code" = 501 ]
    code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$web/$(head -c 5000 /dev/zero | tr '\0' a)")
    check "a 5000-octet request line: 414" [ "$code" = 414 ]
    code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'X-Junk: a' -H 'X-Junk: b' \
        $(i=0; while [ $i -lt 120 ]; do printf -- "-H X-Pad-%d:x " $i; i=$((i + 1)); done) "$web/")
    check "120 header lines: 431" [ "$code" = 431 ]
    stop_serve webmail
}

curl_checks
webmail_checks
dig_checks
mua_checks
python_checks smtp_checks.py
python_checks pop3_checks.py
python_checks dns_checks.py
python_checks load_checks.py
python_checks control_checks.py
python_checks hostile_checks.py
python_checks watch_checks.py

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
