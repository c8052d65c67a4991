#!/bin/sh
# Transcript tests: each tests/transcripts/NAME.in is piped into the tutor
# (a fresh state folder, the built-in world, LC_ALL=C NO_COLOR=1) and what
# it prints, stdout and stderr together, must equal NAME.out. The exit
# status must be NAME.status's number when that file exists, else 0.
# NAME.args, when present, holds extra arguments (e.g. --lang ja).
# NAME.setup, when present, is run first with the world's state folder as
# its argument (to break it, say); that folder is shown as $STATE.
# NAME.sed, when present, is a sed script applied to what was printed,
# for the little a machine's speed may change (it says why in comments).
# The world's simulated clock and queue IDs are deterministic, so nothing
# else needs masking. Usage: run-transcripts.sh [TUTOR_BINARY]
bin=${1:-build/tutor}
dir=$(dirname "$0")/transcripts
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for in in "$dir"/*.in; do
    name=$(basename "$in" .in)
    want="$dir/$name.out"
    args=""
    [ -f "$dir/$name.args" ] && args=$(cat "$dir/$name.args")
    rm -rf "$tmp/state"
    [ -f "$dir/$name.setup" ] && sh "$dir/$name.setup" "$tmp/state/tutor/worlds/lecture"
    # shellcheck disable=SC2086
    XDG_STATE_HOME="$tmp/state" LC_ALL=C NO_COLOR=1 "$bin" $args <"$in" >"$tmp/raw" 2>&1
    status=$?
    sed "s|$tmp/state/tutor/worlds/lecture|\$STATE|g" "$tmp/raw" >"$tmp/got"
    if [ -f "$dir/$name.sed" ]; then
        sed -f "$dir/$name.sed" "$tmp/got" >"$tmp/got.sed" && mv "$tmp/got.sed" "$tmp/got"
    fi
    expect=0
    [ -f "$dir/$name.status" ] && expect=$(cat "$dir/$name.status")
    if [ "$status" = "$expect" ] && cmp -s "$want" "$tmp/got"; then
        pass=$((pass + 1))
        echo "ok      $name"
    else
        fail=$((fail + 1))
        echo "FAILED  $name (exit $status, expected $expect)"
        diff -u "$want" "$tmp/got" | head -40
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
