#!/bin/sh
# Runs every suite and sums them into one closing line, "N passed, N failed".
# The cmocka units, the transcripts and `tutor serve` with real clients run
# once in the normal build and once under ASan + UBSan.
cd "$(dirname "$0")/.." || exit 2
total_pass=0 total_fail=0

# Adds the counts of a suite's output (its last "N passed, N failed" line,
# or cmocka's PASSED/FAILED lines).
count() {
    out=$1
    p=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1 | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1 | sed -E 's/.* ([0-9]+) failed.*/\1/')
    if [ -z "$p" ]; then
        p=$(sed -n -E 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' "$out" | tail -n 1)
        f=$(sed -n -E 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' "$out" | tail -n 1)
    fi
    total_pass=$((total_pass + ${p:-0}))
    total_fail=$((total_fail + ${f:-0}))
}

suite() {
    label=$1
    shift
    echo "== $label"
    out=$(mktemp)
    "$@" >"$out" 2>&1
    status=$?
    cat "$out"
    before=$total_fail
    count "$out"
    # a suite that died without reporting still counts as a failure
    if [ "$status" != 0 ] && [ "$total_fail" = "$before" ]; then
        echo "   ($label exited with status $status)"
        total_fail=$((total_fail + 1))
    fi
    rm -f "$out"
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

suite "Lua SMTP script tests" lua5.4 tests/lua/test_smtp_script.lua
suite "Lua POP3 script tests" lua5.4 tests/lua/test_pop3_script.lua
suite "Lua DNS script tests" lua5.4 tests/lua/test_dns_script.lua
for t in build/tests/test_*; do
    [ -x "$t" ] && suite "unit $(basename "$t")" env XDG_STATE_HOME=/nonexistent "$t"
done
for t in build/asan/tests/test_*; do
    [ -x "$t" ] && suite "unit $(basename "$t") (sanitizers)" "$t"
done
suite "transcripts" sh tests/run-transcripts.sh build/tutor
suite "transcripts (sanitizers)" sh tests/run-transcripts.sh build/asan/tutor
suite "tutor headers (samples, --json, --redact, mbox, Maildir)" sh tests/headers/run.sh build/tutor
suite "tutor headers (sanitizers)" sh tests/headers/run.sh build/asan/tutor
suite "the shell command (argv, --help, exit status)" sh tests/cli/run.sh build/tutor
suite "the man page covers every command and option" sh tests/cli/manpage.sh build/tutor
suite "the tree laid out by concern (folder READMEs)" sh tests/layout.sh
suite "bash completion (a real bash, Tab pressed)" sh tests/cli/completion.sh build/tutor
suite "DNS zones as data" sh tests/dns/zone-edit.sh build/tutor
suite "topology schema" sh tests/netsim/schema.sh
suite "relay views (--trace and --json)" sh tests/netsim/views.sh build/tutor
suite "lessons and grading" sh tests/lesson/run.sh build/tutor
suite "lessons and grading (sanitizers)" sh tests/lesson/run.sh build/asan/tutor
suite "every lesson tests itself (lesson --check-all)" env XDG_STATE_HOME=/nonexistent LC_ALL=C build/tutor --lang en lesson --check-all
suite "every lesson tests itself, in Japanese" env XDG_STATE_HOME=/nonexistent LC_ALL=C build/tutor --lang ja lesson --check-all
suite "terminal (tmux)" sh tests/tty/run.sh build/tutor
suite "80 columns at 80x24, en and ja (a pseudo-terminal)" /usr/bin/python3 tests/tty/width.py build/tutor
suite "relay animation (tmux)" sh tests/tty/relay-anim.sh build/tutor
suite "tutor present: a demo on a projector (tmux)" sh tests/present/present.sh build/tutor
suite "tutor present (sanitizers)" sh tests/present/present.sh build/asan/tutor
suite "tutor replay: recordings played, checked, refused" sh tests/present/replay.sh build/tutor
suite "tutor replay (sanitizers)" sh tests/present/replay.sh build/asan/tutor
suite "tutor serve with real clients" sh tests/serve/run.sh build/tutor
# fewer clients at once and no 10 MB message: the same paths, sooner
suite "tutor serve with real clients (sanitizers)" sh tests/serve/run.sh build/asan/tutor quick

# every libFuzzer harness for a few seconds from its seeds (make fuzz-build)
suite "fuzz harnesses (smoke run)" sh tests/fuzz/run.sh build/fuzz smoke

echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
