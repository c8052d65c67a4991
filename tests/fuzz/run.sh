#!/bin/sh
# Runs every libFuzzer harness of tests/fuzz/ from its seed corpus.
#
#   sh tests/fuzz/run.sh FUZZ_DIR smoke    # make test: 8 s a harness
#   sh tests/fuzz/run.sh FUZZ_DIR RUNS     # make fuzz: RUNS executions each
#
# FUZZ_DIR holds the harnesses (build/fuzz, from make fuzz-build). Each
# works on a copy of tests/fuzz/seeds/NAME in FUZZ_DIR/corpus/NAME, so the
# tree stays as it is and a long run goes on from what earlier runs found;
# a finding is kept as FUZZ_DIR/findings/NAME-crash-*. The last line
# counts harnesses: "N passed, N failed". A long run prints, for each
# harness, its executions, speed, coverage (libFuzzer's cov: edges and
# ft: features) and the corpus size. FUZZERS (names, space-separated)
# picks harnesses; FUZZ_SECONDS caps a long run's time per harness.
cd "$(dirname "$0")/../.." || exit 2
[ $# -eq 2 ] || { echo "usage: sh tests/fuzz/run.sh FUZZ_DIR smoke|RUNS" >&2; exit 2; }
dir=$1 mode=$2
harnesses=${FUZZERS:-dnsview exchange smtp pop3 zone topology world mime record lesson received headers demo cast}

# The longest input each harness takes: a DNS message, a dialogue, a file.
max_len() {
    case $1 in
        dnsview|exchange) echo 1500 ;;
        smtp|pop3|received) echo 4096 ;;
        *) echo 16384 ;;
    esac
}
# The harnesses that keep a Lua runtime between inputs: its heap is large,
# and libFuzzer's leak check (a LeakSanitizer scan of the whole heap after
# each input that allocates more than it frees, which the garbage
# collector makes most of them) takes 15 of every 16 seconds. A long run
# of these goes without it, then runs every input of the corpus it made
# once more with the check on.
stateful() {
    case $1 in
        exchange|smtp|pop3) return 0 ;;
        *) return 1 ;;
    esac
}
dict() {
    [ -f "tests/fuzz/$1.dict" ] && echo "-dict=tests/fuzz/$1.dict"
}

if [ "$mode" = smoke ]; then
    limit="-max_total_time=8"
else
    limit="-runs=$mode${FUZZ_SECONDS:+ -max_total_time=$FUZZ_SECONDS}"
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
pass=0 fail=0
mkdir -p "$dir/findings"
for h in $harnesses; do
    bin=$dir/fuzz_$h
    if [ ! -x "$bin" ]; then
        echo "FAIL $h: $bin was not built (make fuzz-build)"
        fail=$((fail + 1))
        continue
    fi
    corpus=$dir/corpus/$h
    mkdir -p "$corpus"
    cp tests/fuzz/seeds/$h/* "$corpus/"
    log=$dir/fuzz_$h.log
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a leak
    leaks=1
    [ "$mode" != smoke ] && stateful $h && leaks=0
    "$bin" $limit -detect_leaks=$leaks -max_len=$(max_len $h) $(dict $h) -timeout=10 \
        -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$dir/findings/$h-" \
        "$corpus" >"$log" 2>&1
    status=$?
    if [ "$status" = 0 ] && [ "$leaks" = 0 ]; then
        "$bin" -runs=0 -detect_leaks=1 -max_len=$(max_len $h) -timeout=10 -rss_limit_mb=2560 \
            -artifact_prefix="$dir/findings/$h-" "$corpus" >"$log.leaks" 2>&1
        status=$?
        [ "$status" = 0 ] || cat "$log.leaks" >>"$log"
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [0-9]+\/[^ ]+).*/\1/')
    if [ "$status" = 0 ]; then
        echo "ok   $h: ${execs:-?} executions, ${speed:-?}/s, $cov"
        pass=$((pass + 1))
    else
        echo "FAIL $h (status $status): ${execs:-?} executions; the end of $log:"
        grep -v '^#[0-9]' "$log" | tail -n 25 | sed 's/^/     /'
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
