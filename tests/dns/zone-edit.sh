#!/bin/sh
# Zones are data: a copy of the default world with an edited zone file
# sends mail elsewhere, and a broken one is reported with its file and
# line. Usage: zone-edit.sh [TUTOR_BINARY]
bin=$(realpath "${1:-build/tutor}")
cd "$(dirname "$0")/../.." || exit 2
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() {      # expect NAME FILE TEXT
    if grep -qF -- "$3" "$2"; then
        pass=$((pass + 1)); echo "ok      $1"
    else
        fail=$((fail + 1)); echo "FAILED  $1: no \"$3\" in"; sed 's/^/        | /' "$2"
    fi
}

run() {         # run WORLD_DIR INPUT > OUT
    rm -rf "$tmp/state"
    printf '%b' "$2" | XDG_STATE_HOME="$tmp/state" LC_ALL=C NO_COLOR=1 "$bin" --world "$1/default.json" 2>&1
}

# b.example's MX now names the receiver's PC, where no mail server listens
cp -r tutor/world "$tmp/mx"
sed -i 's/^    IN  MX      10 mail.b.example.$/    IN  MX      10 pc2.b.example./' "$tmp/mx/zones/b.example.zone"
run "$tmp/mx" 'dig b.example MX +short\nsend -s x -m y bob@b.example\nmailq\n' >"$tmp/out"
expect "dig sees the edited MX" "$tmp/out" "10 pc2.b.example."
expect "relay follows it and waits" "$tmp/out" "connect to pc2.b.example[198.51.100.10]:25: Connection refused"
expect "the mail waits in the queue" "$tmp/out" "deferred"

# a mistake in a zone file names the file and the line
cp -r tutor/world "$tmp/bad"
sed -i 's/^mail    IN  A       198.51.100.25$/mail    IN  A       198.51.100.300/' "$tmp/bad/zones/b.example.zone"
run "$tmp/bad" 'dig mail.b.example\n' >"$tmp/out"
expect "a broken zone names file and line" "$tmp/out" "zones/b.example.zone:17: bad IPv4 address \"198.51.100.300\""
expect "its server fails, so the resolver does" "$tmp/out" "status: SERVFAIL"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
