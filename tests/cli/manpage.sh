#!/bin/sh
# The man page covers what --help shows: every command "help" lists and
# every option a command takes (its .opts in tutor/repl/cmd_*.c).
# Usage: manpage.sh [TUTOR_BINARY]
bin=${1:-build/tutor}
man=$(dirname "$0")/../../tutor/tutor.1
src=$(dirname "$0")/../../tutor/repl
pass=0 fail=0
for c in $(LC_ALL=C "$bin" --lang en help | sed -n 's/^  \([a-z][a-z]*\).*/\1/p'); do
    if grep -qE "^\.(B|BR) (.*[ \"])?$c([ \"]|$)" "$man"; then
        pass=$((pass + 1)); echo "ok      command $c"
    else
        fail=$((fail + 1)); echo "FAILED  command $c is not in tutor.1"
    fi
done
# the command tables must be where this looks, or it checks nothing
ls "$src"/cmd_*.c >/dev/null || { echo "FAILED  no command tables in $src"; exit 1; }
for o in $(sed -n 's/.*\.opts = "\([^"]*\)".*/\1/p' "$src"/cmd_*.c | tr ' ' '\n' | tr -d '=' | sort -u); do
    # groff writes a hyphen as \-
    if grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$man"; then
        pass=$((pass + 1)); echo "ok      option $o"
    else
        fail=$((fail + 1)); echo "FAILED  option $o is not in tutor.1"
    fi
done
# the program's own options and its commands outside the prompt, as
# `tutor --help` lists them
for o in $(LC_ALL=C "$bin" --lang en --help | grep -oE '^  --[a-z-]+' | sort -u); do
    if grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$man"; then
        pass=$((pass + 1)); echo "ok      option $o of tutor itself"
    else
        fail=$((fail + 1)); echo "FAILED  option $o of tutor itself is not in tutor.1"
    fi
done
for c in $(LC_ALL=C "$bin" --lang en --help | sed -n '/^Outside the prompt:/,$s/^  \([a-z][a-z]*\) .*/\1/p'); do
    if grep -qE "^\.B tutor $c" "$man"; then
        pass=$((pass + 1)); echo "ok      tutor $c has its synopsis"
    else
        fail=$((fail + 1)); echo "FAILED  tutor $c has no synopsis in tutor.1"
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
