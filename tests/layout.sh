#!/bin/sh
# The house keeps its layout: every source of tutor/ lives in a folder
# with a README.md, and each #include of another folder's header is one
# that folder's README allows on its "May use:" line ("every other
# folder" allows all). So dependencies between folders run one way, and
# the READMEs say how. Usage: layout.sh
cd "$(dirname "$0")/.." || exit 2
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok      $1"; }
bad() { fail=$((fail + 1)); echo "FAILED  $1"; }

loose=$(find tutor -maxdepth 1 -name '*.[ch]' ! -name main.c)
[ -z "$loose" ] && ok "no source but main.c at the top of tutor/" ||
    bad "sources at the top of tutor/: $loose"

for dir in tutor/*/; do
    dir=${dir%/}
    name=${dir#tutor/}
    ls "$dir"/*.[ch] >/dev/null 2>&1 || continue     # po/, world/: data
    readme=$dir/README.md
    if [ ! -f "$readme" ]; then
        bad "$name has no README.md"
        continue
    fi
    allowed=$(sed -n 's/^May use: *//p' "$readme")
    if [ -z "$allowed" ]; then
        bad "$name/README.md has no \"May use:\" line"
        continue
    fi
    wrong=""
    for f in "$dir"/*.[ch]; do
        for used in $(sed -n 's|^#include "\([a-z]*\)/[a-z0-9_]*\.h".*|\1|p' "$f" | sort -u); do
            [ "$used" = "$name" ] && continue
            case $allowed in
                *"every other folder"*) ;;
                *"\`$used/\`"*) ;;
                *) wrong="$wrong $f:$used" ;;
            esac
        done
    done
    [ -z "$wrong" ] && ok "$name uses only what its README allows ($allowed)" ||
        bad "$name includes what its README does not allow:$wrong"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
