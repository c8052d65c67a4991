#!/bin/sh
# Installs what building and testing tutor need, from the distribution
# (Debian 12 / Ubuntu 22.04 or newer), only when something is missing.
# Used by `make run` and `make test`; uses sudo when not root.
set -e

need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
have_cmd() { command -v "$1" >/dev/null 2>&1; }

have_cmd cc || need="$need gcc"
have_cmd make || need="$need make"
have_cmd pkg-config || need="$need pkg-config"
have_pc readline || need="$need libreadline-dev"
have_pc lua5.4 || need="$need liblua5.4-dev"
have_pc jansson || need="$need libjansson-dev"
have_pc libmd || need="$need libmd-dev"
have_pc ldns || need="$need libldns-dev"
have_pc libidn2 || need="$need libidn2-dev"
have_pc cmocka || need="$need libcmocka-dev"
have_cmd msgfmt || need="$need gettext"
have_cmd lua5.4 || need="$need lua5.4"
have_cmd tmux || need="$need tmux"
have_cmd less || need="$need less"
have_cmd python3 || need="$need python3"
# the fuzz harnesses (make fuzz-build, smoke-run by make test) are libFuzzer's
have_cmd clang || need="$need clang"
# the topology schema test validates with Debian's jsonschema
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || need="$need python3-jsonschema"
# the grading tests validate JUnit XML with xmllint
have_cmd xmllint || need="$need libxml2-utils"
# `make bench` compares net-sim with Debian's NetworkX
[ "$1" = bench ] && ! /usr/bin/python3 -c 'import networkx' 2>/dev/null && need="$need python3-networkx"
# tests/serve/run.sh talks to `tutor serve` with real clients
have_cmd curl || need="$need curl"
have_cmd dig || need="$need dnsutils"
have_cmd swaks || need="$need swaks"
have_cmd fetchmail || need="$need fetchmail"
# tests/present plays the recordings of --cast with the real asciinema
have_cmd asciinema || need="$need asciinema"
# the C.UTF-8 locale gettext and wcwidth rely on ships with libc-bin
[ -e /usr/lib/locale/C.utf8 ] || [ -e /usr/lib/locale/C.UTF-8 ] || need="$need libc-bin"

[ -z "$need" ] && exit 0

if ! have_cmd apt-get; then
    echo "tutor: please install:$need (this script knows only apt-get)" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "tutor: installing$need" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
