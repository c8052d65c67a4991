#!/bin/sh
# `tutor headers` benchmark: an mbox of 100,000 messages (gen-mbox.py:
# 2 to 6 Received: fields each, in the dialects of sendmail, Postfix, Exim,
# qmail, Exchange and webmail), read by `tutor headers --json` and by
# Python's standard email parser doing the same reading (headers-peer.py:
# BytesHeaderParser, compat32, parsedate_to_datetime on each Received:
# date). Goals: tutor at least 20x faster than the peer, and its memory
# independent of the mbox size: its peak RSS on the 100,000 messages within
# 1.5x, or 8 MiB, of its peak on 10,000.
#   sh tests/bench/headers-bench.sh [TUTOR_BINARY]     (default build/tutor)
# Run from the repository root. Unlike the other benchmarks here, this one
# is a gate: it exits 1 when a goal is missed (or tutor's output is not a
# JSON line a message), 2 when there is nothing to measure (no binary, or
# no `headers --json` in it yet), 0 when both goals are met.
# PYTHON picks the interpreter of the generator and the peer (default
# /usr/bin/python3, the distribution's, as `make bench` uses; the peer's
# time depends on the Python version, so the table names it).
# Peak RSS comes from GNU time (/usr/bin/time -f %M, Debian package
# `time`: apt-get install time); without it, from the program's VmHWM in
# /proc, read every millisecond while it runs (a peak in its last one
# would be missed), and the table says so.

[ $# -le 1 ] || { echo "usage: sh tests/bench/headers-bench.sh [TUTOR_BINARY]" >&2; exit 2; }
tutor=${1:-build/tutor}
here=$(dirname "$0")
py=${PYTHON:-/usr/bin/python3}
[ -x "$py" ] || command -v "$py" >/dev/null 2>&1 || py=python3

N=100000                # messages timed
N_SMALL=10000           # the size memory must not depend on
ROUNDS=3                # runs of each, alternating; the best time counts
GOAL_RATIO=20

fail() { echo "headers-bench: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

[ -x "$tutor" ] || { echo "headers-bench: $tutor is not built: run make first" >&2; exit 2; }
command -v "$py" >/dev/null 2>&1 || { echo "headers-bench: no $py" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/headers-bench.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM HUP      # through the EXIT trap; an interrupted run is no verdict

# The same locale for every run, and one in which tutor's messages are
# the English ones matched below. C.UTF-8, not C: the headers hold UTF-8.
LC_ALL=C.UTF-8
export LC_ALL

# measure NAME OUT CMD...: runs CMD, its stdout to OUT and its stderr to
# $tmp/NAME.err; appends "NAME SECONDS PEAK_KIB STATUS" to $tmp/runs and
# leaves STATUS in rc.
if [ -x /usr/bin/time ]; then
    rss_from="GNU time"
    measure() {
        name=$1 out=$2
        shift 2
        t0=$(date +%s.%N)
        /usr/bin/time -f %M -o "$tmp/rss" "$@" >"$out" 2>>"$tmp/$name.err"
        rc=$?
        t1=$(date +%s.%N)
        # on a non-zero status GNU time writes a line of its own first
        kib=$(tail -n 1 "$tmp/rss")
        echo "$name $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $kib $rc" >>"$tmp/runs"
    }
else
    rss_from="VmHWM, read every ms (no /usr/bin/time)"
    measure() {
        name=$1 out=$2
        shift 2
        # Not Python's getrusage(): a child forked from Python starts with
        # Python's peak (10 MiB), and keeps it through exec. The peak of
        # the exec'd program alone is its VmHWM, readable until it exits;
        # the clock runs in the wrapper, Python's start-up is not timed.
        r=$("$py" -c 'import subprocess, sys, time
def hwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
with open(sys.argv[1], "wb") as out:
    t = time.perf_counter()
    p = subprocess.Popen(sys.argv[2:], stdout=out)
    peak = 0
    while p.poll() is None:
        peak = max(peak, hwm(p.pid))
        time.sleep(0.001)
    t = time.perf_counter() - t
print("%.3f %d %d" % (t, peak, p.returncode))' "$out" "$@" 2>>"$tmp/$name.err")
        rc=${r##* }
        echo "$name $r" >>"$tmp/runs"
    }
fi

# check_json: reads tutor's output on stdin; prints "LINES OBJECTS HOPS
# DATES": its lines, those that are JSON objects, and in those the hops
# (items of a "hops" or "received" list) and the hops with a "date"
# string. The last two are asides, beside the peer's Received: fields and
# dates: tutor's format is its own, and the two may rightly differ on a
# date Python's parser refuses or takes.
check_json() {
    "$py" -c 'import json, sys
lines = objects = hops = dates = 0
for line in sys.stdin.buffer:
    lines += 1
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if isinstance(o, dict):
        objects += 1
        h = o.get("hops", o.get("received"))
        if isinstance(h, list):
            hops += len(h)
            dates += sum(isinstance(x, dict) and isinstance(x.get("date"), str) for x in h)
print(lines, objects, hops, dates)'
}

# ------------------------------------------------------------------------
# Is there a `tutor headers --json` to measure? A few messages first, so
# that a tutor without it is told in a second, not after the generator.
"$py" "$here/gen-mbox.py" 20 "$tmp/probe.mbox" || fail "gen-mbox.py failed"
{ "$tutor" headers --json "$tmp/probe.mbox"; echo $? >"$tmp/probe.rc"; } 2>"$tmp/probe.err" |
    check_json >"$tmp/probe.json"
rc=$(cat "$tmp/probe.rc")
if [ "$rc" = 2 ] || grep -qi 'unknown command\|unknown option' "$tmp/probe.err"; then
    # 2 is tutor's status for a command line it does not understand
    echo "headers-bench: $tutor has no \`headers --json FILE\` yet (exit status $rc):" >&2
    sed 's/^/    /' "$tmp/probe.err" | head -5 >&2
    exit 2
fi
[ "$rc" = 0 ] || fail "tutor headers --json failed on 20 messages (exit status $rc): $(head -5 "$tmp/probe.err")"
read -r lines objects hops dates <"$tmp/probe.json"
if [ "$lines" != 20 ] || [ "$objects" != 20 ]; then
    fail "tutor headers --json on 20 messages: $lines line(s), $objects of them JSON objects (want 20, a message each)"
fi

# ------------------------------------------------------------------------
say "generating $N messages"
t0=$(date +%s.%N)
"$py" "$here/gen-mbox.py" $N "$tmp/big.mbox" || fail "gen-mbox.py failed"
gen_secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# A run of each before the timed ones, to check their counts: it also
# leaves the mbox in the page cache, so that every timed run reads it from
# memory, the peer's first as much as tutor's.
say "checking both read all $N messages"
"$py" "$here/headers-peer.py" "$tmp/big.mbox" >"$tmp/peer.check" 2>"$tmp/peer.err" ||
    fail "headers-peer.py failed: $(tail -3 "$tmp/peer.err")"
read -r p_msgs p_recv p_dates <"$tmp/peer.check"
[ "$p_msgs" = $N ] || fail "headers-peer.py counted $p_msgs messages in an mbox of $N"
{ "$tutor" headers --json "$tmp/big.mbox"; echo $? >"$tmp/check.rc"; } 2>"$tmp/check.err" |
    check_json >"$tmp/check.json"
rc=$(cat "$tmp/check.rc")
[ "$rc" = 0 ] || fail "tutor headers --json failed on $N messages (exit status $rc): $(head -5 "$tmp/check.err")"
read -r lines objects hops dates <"$tmp/check.json"
[ "$lines" = $N ] || fail "tutor headers --json wrote $lines lines for $N messages (want a line a message)"
[ "$objects" = $N ] || fail "tutor headers --json: $((N - objects)) of its $N lines are not JSON objects"

# Alternating, in the same run: a machine that gets busier or quieter
# for a while slows or speeds both alike.
say "timing: $ROUNDS runs of each, alternating"
for _ in $(seq $ROUNDS); do
    measure peer "$tmp/peer.out" "$py" "$here/headers-peer.py" "$tmp/big.mbox"
    [ "$rc" = 0 ] || fail "headers-peer.py failed (exit status $rc): $(tail -3 "$tmp/peer.err")"
    cmp -s "$tmp/peer.out" "$tmp/peer.check" || fail "headers-peer.py counted differently: $(cat "$tmp/peer.out")"
    measure tutor /dev/null "$tutor" headers --json "$tmp/big.mbox"
    [ "$rc" = 0 ] || fail "tutor headers --json failed (exit status $rc): $(head -5 "$tmp/tutor.err")"
done

# The same program on a tenth of the mail: a reader that keeps what it has
# read, or maps the whole file, peaks ten times higher on the big one.
say "memory: tutor on $N_SMALL messages"
"$py" "$here/gen-mbox.py" $N_SMALL "$tmp/small.mbox" || fail "gen-mbox.py failed"
cat "$tmp/small.mbox" >/dev/null
for _ in $(seq $ROUNDS); do
    measure tutor-small /dev/null "$tutor" headers --json "$tmp/small.mbox"
    [ "$rc" = 0 ] || fail "tutor headers --json failed on $N_SMALL messages (exit status $rc): $(head -5 "$tmp/tutor-small.err")"
done

"$py" - "$tmp/runs" $N $N_SMALL "$(wc -c <"$tmp/big.mbox")" "$gen_secs" "$p_recv" "$p_dates" \
    "$hops" "$dates" $GOAL_RATIO "$rss_from" "$("$py" -c 'import platform; print(platform.python_version())')" <<'EOF'
import sys
runs_file, n, n_small, size, gen_secs, p_recv, p_dates, hops, dates, goal, rss_from, pyver = \
    sys.argv[1:]
n, n_small, size, hops, goal = int(n), int(n_small), int(size), int(hops), float(goal)
runs = {}
for line in open(runs_file):
    name, secs, kib, _ = line.split()
    runs.setdefault(name, []).append((float(secs), int(kib)))
peer_t = min(s for s, _ in runs["peer"])
tutor_t = min(s for s, _ in runs["tutor"])
peer_rss = max(k for _, k in runs["peer"]) / 1024
tutor_rss = max(k for _, k in runs["tutor"]) / 1024
small_rss = max(k for _, k in runs["tutor-small"]) / 1024
ratio = peer_t / tutor_t if tutor_t > 0 else float("inf")
mb = size / 1e6

print(f"== {n} messages ({mb:.0f} MB mbox, {p_recv} Received: fields, {p_dates} dates "
      f"Python could read; generated in {gen_secs} s), {len(runs['tutor'])} runs each, alternating")
print(f"{'':34} {'best time':>10} {'MB/s':>7} {'peak RSS':>10}")
print(f"{'Python ' + pyver + ' email (compat32)':34} {peer_t:8.2f} s {mb / peer_t:7.1f} {peer_rss:6.1f} MiB")
print(f"{'tutor headers --json':34} {tutor_t:8.2f} s {mb / tutor_t:7.1f} {tutor_rss:6.1f} MiB")
print(f"{'tutor headers --json, ' + str(n_small) + ' messages':34} {'':10} {'':7} {small_rss:6.1f} MiB")
print(f"ratio Python / tutor: {ratio:.1f}x")
print("runs (s): Python " + " ".join(f"{s:.2f}" for s, _ in runs["peer"]) +
      ", tutor " + " ".join(f"{s:.2f}" for s, _ in runs["tutor"]))
if hops:
    print(f"in tutor's JSON: {hops} hops, {dates} with a date "
          f"(Python: {p_recv} Received: fields, {p_dates} dates)")
print(f"peak RSS from {rss_from}")
fast = ratio >= goal
# 0: every run ended before /proc was first read (only without GNU time)
flat = small_rss > 0 and (tutor_rss <= 1.5 * small_rss or tutor_rss - small_rss <= 8)
print(f"{'ok    ' if fast else 'FAILED'} at least {goal:.0f}x faster than Python's email parser ({ratio:.1f}x)")
print(f"{'ok    ' if flat else 'FAILED'} memory independent of the mbox size ({tutor_rss:.1f} MiB at {n} "
      f"messages, {small_rss:.1f} MiB at {n_small}: within 1.5x or 8 MiB)")
sys.exit(0 if fast and flat else 1)
EOF
