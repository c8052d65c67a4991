#!/bin/sh
# Builds a trial Debian package of the committed tree (git archive HEAD)
# with packaging/debian/, without network (unshare -n, where it works),
# then runs lintian on it. Fails when the build fails or lintian reports a
# hardening tag (hardening-no-pie, -relro, -bindnow, -fortify-functions)
# or any error. The .deb and lintian's report are left in OUT_DIR.
#   sh packaging/build-deb.sh [OUT_DIR]        (make deb: build/deb)
cd "$(dirname "$0")/.." || exit 2
out=$(realpath -m "${1:-build/deb}")
for tool in dpkg-buildpackage dh lintian git; do
    command -v $tool >/dev/null || { echo "build-deb.sh: $tool is missing (apt-get install debhelper lintian git)" >&2; exit 2; }
done
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out" "$tmp/tutor-0.1.0"
git archive HEAD | tar -x -C "$tmp/tutor-0.1.0" || exit 1
cp -r packaging/debian "$tmp/tutor-0.1.0/debian"
dpkg-checkbuilddeps "$tmp/tutor-0.1.0/debian/control" || exit 2
# no network: a packager's build has none
offline=""
unshare -n true 2>/dev/null && offline="unshare -n"
( cd "$tmp/tutor-0.1.0" && $offline dpkg-buildpackage -us -uc -b ) >"$out/build.log" 2>&1
status=$?
if [ $status != 0 ]; then
    tail -n 30 "$out/build.log"
    echo "build-deb.sh: dpkg-buildpackage failed ($out/build.log)" >&2
    exit 1
fi
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
cp "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$out/"
deb=$(ls "$out"/tutor_*_*.deb | grep -v dbgsym | tail -n 1)
lintian --info --display-info --allow-root "$out"/tutor_*.changes >"$out/lintian.txt" 2>&1
echo "built $deb ${offline:+(offline)}; lintian says:"
cat "$out/lintian.txt"
if grep -q '^E: \|hardening-no-' "$out/lintian.txt"; then
    echo "build-deb.sh: lintian reports an error or a hardening tag" >&2
    exit 1
fi
echo "no lintian errors, no hardening tags"
