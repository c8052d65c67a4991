#!/bin/sh
# tutor serve benchmark: the world's SMTP and DNS servers on real sockets,
# each measured side by side with a real server on the same machine, in the
# same run, with the same client:
#   SMTP  Postfix's smtp-source against tutor serve and against Postfix's
#         smtp-sink (which stores nothing; tutor fsyncs every message);
#         latencies from smtp_latency.py, run the same way against both
#   DNS   dnsperf against tutor serve and against dnsmasq answering the
#         same names, generated from the world's zone files
#   RSS   tutor serve's peak resident size with 500 idle SMTP sessions
# Run by `make bench` from the repository root:
#   sh tests/bench/serve-bench.sh BUILD_DIR
# Like net-sim/bench/run.sh it is a report: a missed goal prints FAIL and
# the script still exits 0; only a program that cannot run makes it exit 1.
# PYTHON picks the interpreter of the helpers (default /usr/bin/python3).
# It installs what it lacks (postfix for smtp-source and smtp-sink, dnsperf,
# dnsmasq-base, bind9-dnsutils for dig) and starts no daemon: every server
# it starts is its own child, stopped on the way out.

[ $# -eq 1 ] || { echo "usage: sh tests/bench/serve-bench.sh BUILD_DIR" >&2; exit 2; }
tutor=$1/tutor
here=$(dirname "$0")
zones=$here/../../tutor/world/zones
py=${PYTHON:-/usr/bin/python3}

# The workload. smtp-source's defaults otherwise: one message per
# connection, HELO, no pipelining.
SMTP_SESSIONS=20        # concurrent sessions (-s)
SMTP_MESSAGES=2000      # messages per round (-m)
SMTP_SIZE=300           # body bytes (-l): small messages
SMTP_ROUNDS=3           # rounds per server, interleaved; the median counts
SMTP_WARMUP=500         # messages to each server first, not counted: both
                        # start their measured rounds warm (page cache, heap)
LAT_SINGLE=300          # messages for the one-session (unloaded) latency
DNS_SECONDS=10          # dnsperf -l
DNS_CLIENTS=4           # dnsperf -c (sockets; -q 100 outstanding, its default)
IDLE_SESSIONS=500

fail() { echo "serve-bench: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

[ -x "$tutor" ] || fail "$tutor does not exist: run make first"
[ -d "$zones" ] || fail "$zones: the world's zone files are missing"

# ------------------------------------------------------------------------
# What the benchmark needs, installed only when missing.
need=""
command -v smtp-source >/dev/null 2>&1 || [ -x /usr/sbin/smtp-source ] || need="$need postfix"
command -v dnsperf >/dev/null 2>&1 || need="$need dnsperf"
# dnsmasq-base is the program alone: the dnsmasq package would also
# install and start a system resolver on port 53.
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || need="$need dnsmasq-base"
command -v dig >/dev/null 2>&1 || need="$need bind9-dnsutils"
if [ -n "$need" ]; then
    command -v apt-get >/dev/null 2>&1 ||
        fail "please install:$need (this script knows only apt-get)"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing$need"
    # Postfix is wanted for its test programs only: no configuration, so
    # no MTA answers on port 25 afterwards.
    echo "postfix postfix/main_mailer_type select No configuration" |
        $sudo debconf-set-selections
    # Keep any service the packages bring from starting (policy-rc.d
    # exit 101: "action forbidden"), unless the machine has its own rule.
    own_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null &&
            $sudo chmod 755 /usr/sbin/policy-rc.d && own_policy=yes
    fi
    $sudo apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
    rc=$?
    [ -n "$own_policy" ] && $sudo rm -f /usr/sbin/policy-rc.d
    [ $rc -eq 0 ] || fail "apt-get install$need failed"
fi
PATH=$PATH:/usr/sbin
export PATH

# ------------------------------------------------------------------------
# ext4 without a journal (as on some virtual machines) does not reuse an
# inode for up to 300 s after it was freed, and checks every such inode
# one by one when it makes a file: right after a run deleted its thousands
# of messages, tutor serve creates files several times slower. A run that
# follows another one waits that out; `make test` deletes as many files.
ended=${TMPDIR:-/tmp}/tutor-serve-bench.ended
if [ -f "$ended" ]; then
    left=$((300 - ($(date +%s) - $(cat "$ended" 2>/dev/null || echo 0))))
    if [ "$left" -gt 0 ]; then
        say "waiting ${left} s: the last run's files were deleted less than 300 s ago"
        sleep "$left"
    fi
fi

# Every process started here is remembered, and stopped on any way out.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/serve-bench.XXXXXX") || exit 1
pids=""
# Running, not a zombie: a child that has exited stays in /proc, state Z,
# until the shell waits for it.
alive() {
    st=$(sed 's/.*) //; s/ .*//' /proc/$1/stat 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ]
}
cleanup() {
    for p in $pids; do
        alive "$p" && kill -TERM "$p" 2>/dev/null
    done
    for p in $pids; do
        n=0
        while alive "$p" && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
        alive "$p" && kill -KILL "$p" 2>/dev/null
    done
    rm -rf "$tmp"
    date +%s >"$ended" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP      # through the EXIT trap

forget() {      # PID: no longer ours to stop
    rest=""
    for p in $pids; do [ "$p" = "$1" ] || rest="$rest $p"; done
    pids=$rest
}

since() {        # seconds from $(date +%s.%N) T0 to now
    awk -v t0="$1" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.3f", t1 - t0 }'
}

# Stops PID with SIGTERM and waits up to 10 s; sets `stopped` to its exit
# status and the seconds it took (tutor serve promises exit 0 on SIGTERM).
stop() {
    t0=$(date +%s.%N)
    kill -TERM "$1" 2>/dev/null
    n=0
    while alive "$1" && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
    if alive "$1"; then
        kill -KILL "$1" 2>/dev/null
        wait "$1" 2>/dev/null
        stopped="killed 10"
    else
        wait "$1"
        stopped="$? $(since $t0)"
    fi
    forget "$1"
}

free_port() {   # a port the system has free now, for TCP and UDP alike
    "$py" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
print(p)'
}

wait_port() {   # PORT: until something accepts TCP there, at most 10 s
    "$py" -c 'import socket, sys, time
end = time.monotonic() + 10
while time.monotonic() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)' "$1"
}

# Starts tutor serve on a fresh state directory NAME; sets tutor_pid,
# smtp_port, dns_port and state.
start_tutor() {
    state=$tmp/state-$1
    mkdir -p "$state"
    XDG_STATE_HOME=$state "$tutor" serve --smtp 127.0.0.1:0 --pop3 127.0.0.1:0 \
        --dns 127.0.0.1:0 --max-per-client 1000 >"$tmp/tutor-$1.out" 2>"$tmp/tutor-$1.err" &
    tutor_pid=$!
    pids="$pids $tutor_pid"
    n=0
    until grep -q 'ready:' "$tmp/tutor-$1.out" 2>/dev/null; do
        alive $tutor_pid || fail "tutor serve did not start: $(cat "$tmp/tutor-$1.err")"
        [ $n -lt 200 ] || fail "tutor serve printed no ready line in 10 s"
        sleep 0.05
        n=$((n + 1))
    done
    smtp_port=$(sed -n 's/.* smtp 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/tutor-$1.out")
    dns_port=$(sed -n 's/.* dns 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/tutor-$1.out")
    [ -n "$smtp_port" ] && [ -n "$dns_port" ] ||
        fail "cannot read the ports from: $(head -1 "$tmp/tutor-$1.out")"
}

# smtp-sink needs an unprivileged user when started as root.
start_sink() {  # sets sink_pid, sink_port
    sink_port=$(free_port)
    as=""
    [ "$(id -u)" = 0 ] && as="-u nobody"
    # -m: room for the idle sessions (the default is 256 at once)
    smtp-sink $as -m $((IDLE_SESSIONS + 100)) 127.0.0.1:$sink_port 511 \
        >>"$tmp/sink.log" 2>&1 &
    sink_pid=$!
    pids="$pids $sink_pid"
    wait_port $sink_port || fail "smtp-sink did not start: $(cat "$tmp/sink.log")"
}

info() { echo "$1=$2" >>"$tmp/info"; }
# CPU time PID has used, user and system, in clock ticks (/proc/PID/stat
# fields 14 and 15; cut after the command's closing parenthesis first).
cpu() { sed 's/.*) //' /proc/$1/stat | awk '{ print $12 + $13 }'; }
info cpus "$(nproc)"
info clk_tck "$(getconf CLK_TCK)"
info state_fs "$(df --output=fstype "$tmp" | tail -1)"
# a journal shows in /proc/fs/jbd2 as DEVICE-INODE
dev=$(basename "$(df --output=source "$tmp" | tail -1)")
if ls /proc/fs/jbd2 2>/dev/null | grep -q "^$dev-"; then info state_journal yes; else info state_journal no; fi
info smtp_params "-s $SMTP_SESSIONS -m $SMTP_MESSAGES -l $SMTP_SIZE"
info smtp_rounds $SMTP_ROUNDS
info smtp_warmup $SMTP_WARMUP
info dns_params "-l $DNS_SECONDS -c $DNS_CLIENTS"
info idle_sessions $IDLE_SESSIONS

# ------------------------------------------------------------------------
say "SMTP: smtp-source against tutor serve and smtp-sink, $SMTP_ROUNDS rounds"
# One message per connection, and 500 idle ones later: room for the
# clients' descriptors (and smtp-sink's; tutor serve raises its own).
# Not POSIX, but dash and bash both have it.
# shellcheck disable=SC3045
ulimit -n 4096 2>/dev/null
start_tutor load
start_sink
sent=0
for port in $smtp_port $sink_port; do
    smtp-source -s $SMTP_SESSIONS -m $SMTP_WARMUP -l $SMTP_SIZE -M client.c.example \
        -f x@c.example -t alice@a.example 127.0.0.1:$port 2>>"$tmp/smtp-source-warmup.err"
done
sent=$((sent + SMTP_WARMUP))
cpu_tutor=$(cpu $tutor_pid) cpu_sink=$(cpu $sink_pid)
for round in $(seq $SMTP_ROUNDS); do
    for target in tutor sink; do
        port=$smtp_port
        [ $target = sink ] && port=$sink_port
        t0=$(date +%s.%N)
        smtp-source -s $SMTP_SESSIONS -m $SMTP_MESSAGES -l $SMTP_SIZE -M client.c.example \
            -f x@c.example -t alice@a.example 127.0.0.1:$port 2>>"$tmp/smtp-source-$target.err"
        rc=$?
        echo "$target $round $(since $t0) $rc" >>"$tmp/smtp-source"
        [ $target = tutor ] && sent=$((sent + SMTP_MESSAGES))
    done
done
# Each server is idle during the other's rounds: its CPU time over the
# wall time of its own rounds says how busy it was.
info smtp_cpu_tutor $(($(cpu $tutor_pid) - cpu_tutor))
info smtp_cpu_sink $(($(cpu $sink_pid) - cpu_sink))

# What this disk allows: the fsyncs of a Maildir delivery, one message at a
# time and 20 at a time, on the file system of tutor's state, now.
"$py" "$here/fsync_rate.py" "$tmp/fsync" 500 "$tmp/fsync.json" || fail "fsync_rate.py failed"
rm -rf "$tmp/fsync"

say "SMTP: latency of each message (smtp_latency.py)"
for target in tutor sink; do
    port=$smtp_port
    [ $target = sink ] && port=$sink_port
    "$py" "$here/smtp_latency.py" $port $SMTP_SESSIONS $SMTP_MESSAGES $SMTP_SIZE \
        "$tmp/lat-$target-loaded.json" || fail "smtp_latency.py failed"
    "$py" "$here/smtp_latency.py" $port 1 $LAT_SINGLE $SMTP_SIZE \
        "$tmp/lat-$target-single.json" || fail "smtp_latency.py failed"
done
# Every message tutor acknowledged must be a file in alice's Maildir:
# smtp-source's and the latency client's. (smtp-source stops at its first
# error without saying how many went through: a failed round shows here as
# a shortfall too.)
for f in loaded single; do
    sent=$((sent + $("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["ok"])' \
        "$tmp/lat-tutor-$f.json")))
done
box=$state/tutor/worlds/lecture/mail/alice@a.example
info maildir_expected $sent
info maildir_new "$(ls "$box/new" 2>/dev/null | wc -l)"
info maildir_cur "$(ls "$box/cur" 2>/dev/null | wc -l)"
info maildir_tmp "$(ls "$box/tmp" 2>/dev/null | wc -l)"

# ------------------------------------------------------------------------
say "DNS: dnsperf against tutor serve and dnsmasq, ${DNS_SECONDS} s each"
"$py" "$here/world_dns.py" "$zones" queries "$tmp/queries" || fail "world_dns.py failed"
"$py" "$here/world_dns.py" "$zones" dnsmasq "$tmp/dnsmasq.conf" || fail "world_dns.py failed"
dm_port=$(free_port)
# In the foreground (-k), with no configuration but the world's records:
# not /etc/dnsmasq.conf, /etc/hosts or /etc/resolv.conf, and on loopback
# only. Started as root, it gives root up as it would as a daemon.
dnsmasq -k -C "$tmp/dnsmasq.conf" --no-resolv --no-hosts --no-poll --bind-interfaces \
    --listen-address=127.0.0.1 --port=$dm_port --pid-file= --log-facility=- \
    >"$tmp/dnsmasq.log" 2>&1 &
dm_pid=$!
pids="$pids $dm_pid"
wait_port $dm_port || fail "dnsmasq did not start: $(cat "$tmp/dnsmasq.log")"

# Both must give the same answers, or the rates compare different work.
same=0 differ=0
while read -r name type; do
    a=$(dig +short +tries=1 +time=2 -p $dns_port @127.0.0.1 "$name" "$type" | sort | tr '\n' ' ')
    b=$(dig +short +tries=1 +time=2 -p $dm_port @127.0.0.1 "$name" "$type" | sort | tr '\n' ' ')
    if [ "$a" = "$b" ]; then
        same=$((same + 1))
    else
        differ=$((differ + 1))
        echo "$name $type: tutor [$a] dnsmasq [$b]" >>"$tmp/dns-differ"
    fi
done <"$tmp/queries"
info dns_same $same
info dns_differ $differ

c0=$(cpu $tutor_pid)
dnsperf -s 127.0.0.1 -p $dns_port -d "$tmp/queries" -l $DNS_SECONDS -c $DNS_CLIENTS \
    >"$tmp/dnsperf-tutor" 2>&1 || fail "dnsperf failed: $(tail -3 "$tmp/dnsperf-tutor")"
info dns_cpu_tutor $(($(cpu $tutor_pid) - c0))
c0=$(cpu $dm_pid)
dnsperf -s 127.0.0.1 -p $dm_port -d "$tmp/queries" -l $DNS_SECONDS -c $DNS_CLIENTS \
    >"$tmp/dnsperf-dnsmasq" 2>&1 || fail "dnsperf failed: $(tail -3 "$tmp/dnsperf-dnsmasq")"
info dns_cpu_dnsmasq $(($(cpu $dm_pid) - c0))

# The loaded server's peak, for the record (the goal is measured below on
# a fresh one, since VmHWM never goes down).
info loaded_vmhwm_kb "$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' /proc/$tutor_pid/status)"
# The scripts' tutor.log() lines go to the world's server.log, one per
# query and more per message: how much it grew under the load.
info server_log_bytes "$(wc -c <"$state/tutor/worlds/lecture/server.log" 2>/dev/null || echo 0)"
stop $tutor_pid
info load_stop "$stopped"
stop $dm_pid
stop $sink_pid

# ------------------------------------------------------------------------
say "memory: $IDLE_SESSIONS idle SMTP sessions"
start_tutor idle
start_sink
"$py" "$here/idle_sessions.py" $smtp_port $IDLE_SESSIONS $tutor_pid "$tmp/idle-tutor.json" ||
    fail "idle_sessions.py failed"
"$py" "$here/idle_sessions.py" $sink_port $IDLE_SESSIONS $sink_pid "$tmp/idle-sink.json" ||
    fail "idle_sessions.py failed"
stop $tutor_pid
info idle_stop "$stopped"
stop $sink_pid

"$py" "$here/report.py" "$tmp" || exit 1
