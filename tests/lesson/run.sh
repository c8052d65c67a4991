#!/bin/sh
# Lessons and grading, as a student, a teacher and a grading script meet
# them: a lesson walked through a pipe with steps announced as they pass,
# progress kept across a restart, the recording graded by `tutor grade` to
# the same result as the live checks, a recording with forged replies
# graded by what its lines really do, every output format valid (JSON
# Schema, a TAP 14 reader, a JUnit XSD, RFC 4180 CSV), the exit statuses,
# broken lessons refused with file, path and what is wrong, hostile checks
# ending with a message, export and import.
#   sh tests/lesson/run.sh [TUTOR_BINARY]
bin=${1:-build/tutor}
cd "$(dirname "$0")/../.." || exit 2
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
here=tests/lesson
pass=0 fail=0
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); echo "ok      $1"; }
bad() { fail=$((fail + 1)); echo "FAILED  $1"; [ -n "$2" ] && sed 's/^/        /' "$2" | head -40; }
check() { if eval "$2"; then ok "$1"; else bad "$1" "$3"; fi; }

export LC_ALL=C NO_COLOR=1
tutor() { XDG_STATE_HOME="$tmp/state" "$bin" --lang en "$@"; }

# The model solution of lesson 1 (its first N steps), one line each, as
# the tutor prints it for the student (none: the variant of nobody).
solution() {
    tutor lesson --solution 1 >"$tmp/all-sol"
    [ -z "$1" ] && { cat "$tmp/all-sol"; return; }
    /usr/bin/python3 - "$1" "$tmp/all-sol" <<'EOF'
import json, sys
d = json.load(open("lessons/01-mail-by-hand/lesson.json"))
n = sum(len(s.get("solution", [])) + (0 if s.get("checks") else 1) for s in d["steps"][:int(sys.argv[1])])
print("".join(open(sys.argv[2]).readlines()[:n]), end="")
EOF
}

# ------------------------------------------------------------------------
# The schemas themselves, and every lesson against lesson.schema.json.
/usr/bin/python3 - >"$tmp/schema.out" 2>&1 <<'EOF'
import glob, json, sys
from jsonschema import Draft202012Validator
ok = True
for s in ("lessons/lesson.schema.json", "lessons/results.schema.json"):
    Draft202012Validator.check_schema(json.load(open(s)))
v = Draft202012Validator(json.load(open("lessons/lesson.schema.json")))
for f in sorted(glob.glob("lessons/*/lesson.json")):
    for e in v.iter_errors(json.load(open(f))):
        ok = False
        print(f, "/".join(map(str, e.absolute_path)), e.message)
# one mistake each, refused
bad = [{"id": "01-x", "title": {"en": "t"}, "learnt": {"en": "l", "ja": "l"}, "steps": [{"id": "a", "title": {"en": "t", "ja": "t"}, "do": {"en": "d", "ja": "d"}}]},
       {"id": "01-x", "title": {"en": "t", "ja": "t"}, "learnt": {"en": "l", "ja": "l"}, "steps": [{"id": "a", "title": {"en": "t", "ja": "t"}, "do": {"en": "d", "ja": "d"}, "checks": [{"sent": "^HELO"}]}]},
       {"id": "01-x", "title": {"en": "t", "ja": "t"}, "learnt": {"en": "l", "ja": "l"}, "steps": [{"id": "a", "title": {"en": "t", "ja": "t"}, "do": {"en": "d", "ja": "d"}, "checks": [{"sen": "^HELO"}], "solution": []}]}]
for b in bad:
    if v.is_valid(b):
        ok = False
        print("accepted:", json.dumps(b))
sys.exit(0 if ok else 1)
EOF
check "the schemas are valid draft 2020-12, every lesson.json validates, broken ones do not" \
    '[ $? = 0 ]' "$tmp/schema.out"

# ------------------------------------------------------------------------
# A student walks lesson 1 through a pipe.
solution >"$tmp/sol"
{ echo "lesson 1"; cat "$tmp/sol"; } | tutor >"$tmp/walk" 2>&1
steps=$(grep -c '^=== Step [0-9]* done' "$tmp/walk")
check "lesson 1's solution passes its 12 checked steps as they are typed" '[ "$steps" = 12 ]' "$tmp/walk"
check "the finished lesson says what was learnt and names the next" \
    'grep -q "^=== Lesson 1 is finished: A mail, by hand (12 of 12 steps passed)" "$tmp/walk" &&
     grep -q "^What you have learnt: a mail travels" "$tmp/walk"' "$tmp/walk"
check "the student's other world is not touched (no mail in the prompt's own bob)" \
    '[ ! -d "$tmp/state/tutor/worlds/lecture/mail/bob@b.example/new" ] ||
     [ -z "$(ls "$tmp/state/tutor/worlds/lecture/mail/bob@b.example/new")" ]'
echo lesson | tutor >"$tmp/list" 2>&1
check "the list after a restart shows lesson 1 finished" \
    'grep -q "1  A mail, by hand *finished, 12 of 12 steps passed" "$tmp/list"' "$tmp/list"
rec=$tmp/state/tutor/lessons/01-mail-by-hand/recording.jsonl
check "the session was recorded: a header and every typed line" \
    '[ "$(($(wc -l <"$rec") - 1))" = "$(wc -l <"$tmp/sol")" ] &&
     head -1 "$rec" | grep -q "\"lesson\":\"01-mail-by-hand\""' "$rec"

# resuming halfway: the lesson comes back at the step where it was left
rm -rf "$tmp/state"
{ echo "lesson 1"; solution 5; echo "MAIL FROM:<alice@a.example>"; } | tutor >/dev/null 2>&1
printf 'lesson 1\nverify\n' | tutor >"$tmp/resume" 2>&1
check "a lesson left mid-dialogue resumes at its step, the work before kept" \
    'grep -q "Step 6 of 13: The envelope" "$tmp/resume" &&
     grep -q "PASS  MAIL FROM:<alice@a.example>, answered 250" "$tmp/resume"' "$tmp/resume"
printf 'lesson 1\nMAIL FROM:<alice@a.example>\n' | tutor >/dev/null 2>&1
check "the recording marks where the later session began" \
    'grep -q "{\"resumed\":true}" "$rec"' "$rec"

# hints: a ladder, and a recognised mistake said as it happens
rm -rf "$tmp/state"
printf 'lesson 1\nnext\nhint\nhint\nhint\n' | tutor >"$tmp/hints" 2>&1
check "hint climbs the ladder and stays at its top" \
    '[ "$(grep -c "^=== Hint 1 of 2" "$tmp/hints")" = 1 ] &&
     [ "$(grep -c "^=== Hint 2 of 2: Type: ipconfig /all" "$tmp/hints")" = 2 ]' "$tmp/hints"
{ echo "lesson 1"; solution 5; echo "RCPT TO:<bob@b.example>"; } | tutor >"$tmp/mistake" 2>&1
check "RCPT before MAIL is pointed out at once, in the dialogue" \
    'grep -q "^=== Hint: 503: RCPT came before MAIL" "$tmp/mistake"' "$tmp/mistake"
rm -rf "$tmp/state"
{ echo "lesson 1"; solution 5; echo "RCPT TO:<bob@b.example>"; } |
    XDG_STATE_HOME="$tmp/state" "$bin" --lang ja >"$tmp/mistake.ja" 2>&1
check "... and in Japanese" \
    'grep -q "503: MAIL より先に RCPT を送りました" "$tmp/mistake.ja"' "$tmp/mistake.ja"

# ------------------------------------------------------------------------
# Grading.
rm -rf "$tmp/state"
{ echo "lesson 1"; cat "$tmp/sol"; } | tutor >/dev/null 2>&1
cp "$rec" "$tmp/full.jsonl"
rm -rf "$tmp/state"
{ echo "lesson 1"; solution 6; } | tutor >"$tmp/live6" 2>&1
cp "$rec" "$tmp/half.jsonl"
"$bin" --lang en grade 1 "$tmp/full.jsonl" >"$tmp/g.full" 2>&1
check "the whole recording grades 12 of 12, exit 0" \
    '[ $? = 0 ] && grep -q "12 of 12 steps passed" "$tmp/g.full" && tail -1 "$tmp/g.full" | grep -qx "1 passed, 0 failed"' \
    "$tmp/g.full"
"$bin" --lang en grade 1 "$tmp/half.jsonl" >"$tmp/g.half" 2>&1
st=$?
live=$(grep -c '^=== Step [0-9]* done' "$tmp/live6")
graded=$(grep -c '^  PASS' "$tmp/g.half")
check "a half-done recording grades what the live checks passed ($live steps), exit 1" \
    '[ "$st" = 1 ] && [ "$graded" = "$live" ]' "$tmp/g.half"

# forged replies: a file claiming 250s for lines that never earned them
/usr/bin/python3 - "$tmp/half.jsonl" "$tmp/forged.jsonl" <<'EOF'
import json, sys
out = open(sys.argv[2], "w")
for i, line in enumerate(open(sys.argv[1])):
    o = json.loads(line)
    if i and o.get("line") == "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3":
        o["line"] = "AUTH PLAIN bm90AGFsaWNlAHdyb25n"       # a wrong password
        o["reply"] = "235 2.7.0 Authentication successful"  # and a lie about it
    out.write(json.dumps(o) + "\n")
out.write(json.dumps({"step": "data", "line": "DATA", "reply": "354 go ahead"}) + "\n")
out.write(json.dumps({"step": "data", "line": ".", "reply": "250 2.0.0 Ok: queued"}) + "\n")
EOF
"$bin" --lang en grade 1 "$tmp/forged.jsonl" >"$tmp/g.forged" 2>&1
check "forged replies change nothing: the wrong AUTH fails, with what the server said" \
    'grep -q "FAIL  auth" "$tmp/g.forged" && grep -q "FAIL  data" "$tmp/g.forged" &&
     grep -q "ACTUAL: it answered: \"535" "$tmp/g.forged"' "$tmp/g.forged"

# formats
"$bin" grade --format json 1 "$tmp/full.jsonl" "$tmp/half.jsonl" "$tmp/forged.jsonl" >"$tmp/g.json"
/usr/bin/python3 - "$tmp/g.json" >"$tmp/json.out" 2>&1 <<'EOF'
import json, sys
from jsonschema import Draft202012Validator
v = Draft202012Validator(json.load(open("lessons/results.schema.json")))
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 3, lines
for l in lines:
    o = json.loads(l)
    for e in v.iter_errors(o):
        print("/".join(map(str, e.absolute_path)), e.message); sys.exit(1)
    assert o["score"] == sum(t["score"] for t in o["tests"]), o
    assert o["status"] == ("pass" if o["score"] == o["max_score"] else "fail"), o
print([json.loads(l)["status"] for l in lines])
EOF
check "--format json: a results.json a line, valid against results.schema.json, scores from status" \
    '[ $? = 0 ] && grep -q "\[.pass., .fail., .fail.\]" "$tmp/json.out"' "$tmp/json.out"
"$bin" grade --format tap 1 "$tmp/full.jsonl" "$tmp/half.jsonl" >"$tmp/g.tap"
/usr/bin/python3 $here/tap14.py "$tmp/g.tap" >"$tmp/tap.out" 2>&1
check "--format tap: valid TAP 14, a subtest a submission" \
    '[ $? = 0 ] && grep -q "points 26, failed 8, subtests 2" "$tmp/tap.out"' "$tmp/tap.out"
"$bin" grade --format junit 1 "$tmp/full.jsonl" "$tmp/half.jsonl" >"$tmp/g.xml"
xmllint --noout --schema $here/junit.xsd "$tmp/g.xml" >"$tmp/xml.out" 2>&1
check "--format junit: valid against the JUnit XSD" \
    '[ $? = 0 ] && grep -q "<testsuites name=\"01-mail-by-hand\" tests=\"24\" failures=\"7\"" "$tmp/g.xml"' \
    "$tmp/xml.out"
"$bin" grade --format csv 1 "$tmp/full.jsonl" "$tmp/half.jsonl" >"$tmp/g.csv"
/usr/bin/python3 - "$tmp/g.csv" >"$tmp/csv.out" 2>&1 <<'EOF'
import csv, sys
raw = open(sys.argv[1], newline="").read()
assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", ""), "CR LF line ends"
rows = list(csv.DictReader(raw.splitlines()))
assert [r["steps_passed"] for r in rows] == ["12", "5"], rows
assert all(r["lesson"] == "01-mail-by-hand" for r in rows)
EOF
check "--format csv: RFC 4180, a row a submission" '[ $? = 0 ]' "$tmp/csv.out"

# a folder of submissions, graded in parallel, in name order
mkdir "$tmp/class"
for s in alice bob carol dave; do cp "$tmp/half.jsonl" "$tmp/class/$s.jsonl"; done
cp "$tmp/full.jsonl" "$tmp/class/erin.jsonl"
"$bin" grade --jobs 2 --format csv 1 "$tmp/class" >"$tmp/g.class"
check "a folder is a class: five rows, in order, one run" \
    '[ "$(cut -d, -f9 "$tmp/g.class" | tail -n +2 | tr -d "\r" | xargs -n1 basename | tr "\n" " ")" = "alice.jsonl bob.jsonl carol.jsonl dave.jsonl erin.jsonl " ]' \
    "$tmp/g.class"

# what cannot be graded: exit 2, and the others are still graded
printf 'not json\n' >"$tmp/junk.jsonl"
printf '{"tutor":"recording","version":99}\n' >"$tmp/newer.jsonl"
sed '1s/01-mail-by-hand/02-the-receivers-side/' "$tmp/full.jsonl" >"$tmp/other.jsonl"
"$bin" --lang en grade 1 "$tmp/full.jsonl" "$tmp/junk.jsonl" "$tmp/newer.jsonl" \
    "$tmp/other.jsonl" "$tmp/missing.jsonl" >"$tmp/g.bad" 2>&1
check "unreadable, newer, another lesson's, missing: exit 2, each said, the good one graded" \
    '[ $? = 2 ] && grep -q "junk.jsonl:1: not a JSON object" "$tmp/g.bad" &&
     grep -q "a recording of version 99, and this tutor replays versions 1 to 1" "$tmp/g.bad" &&
     grep -q "a recording of lesson 02-the-receivers-side, not of 01-mail-by-hand" "$tmp/g.bad" &&
     grep -q "missing.jsonl: No such file" "$tmp/g.bad" &&
     tail -1 "$tmp/g.bad" | grep -qx "1 passed, 0 failed, 4 could not be graded"' "$tmp/g.bad"
"$bin" grade 1 >/dev/null 2>&1
check "grade without a submission is a usage error (2)" '[ $? = 2 ]'
"$bin" grade --format xml 1 "$tmp/full.jsonl" >/dev/null 2>&1
check "an unknown --format is a usage error (2)" '[ $? = 2 ]'

# per-student variants: another student's answer (their word) fails
rm -rf "$tmp/state"
solution | XDG_STATE_HOME="$tmp/state" "$bin" --record "$tmp/copied.jsonl" --student s042 >/dev/null 2>&1
"$bin" --lang en grade 1 "$tmp/copied.jsonl" >"$tmp/g.copied" 2>&1
st=$?
word=$(tutor --student s042 lesson --solution 1 | sed -n 's/^Hi Bob, my word is \(.*\)\.$/\1/p')
check "a copied answer fails for a student whose variant differs (the word $word)" \
    '[ "$st" = 1 ] && [ -n "$word" ] && grep -q "EXPECTED: your mail, with your word $word, in bob" "$tmp/g.copied"' \
    "$tmp/g.copied"

# --record on a session outside lessons, graded against lesson 1
rm -rf "$tmp/state"
tutor --student s042 lesson --solution 1 >"$tmp/sol42"
XDG_STATE_HOME="$tmp/state" "$bin" --record "$tmp/free.jsonl" --student s042 <"$tmp/sol42" >/dev/null 2>&1
"$bin" --lang en grade 1 "$tmp/free.jsonl" >"$tmp/g.free" 2>&1
check "tutor --record FILE records any session; graded against lesson 1 it passes" \
    '[ $? = 0 ] && grep -q "^s042: lesson 01-mail-by-hand, 12 of 12" "$tmp/g.free" &&
     head -1 "$tmp/free.jsonl" | grep -q "\"student\":\"s042\""' "$tmp/g.free"

# ------------------------------------------------------------------------
# Export and import.
rm -rf "$tmp/state"
{ echo "lesson 1"; solution 6; } | tutor >/dev/null 2>&1
echo "lesson --export $tmp/progress.json" | tutor >"$tmp/exp" 2>&1
rm -rf "$tmp/state"
printf 'lesson --import %s\nlesson 1\nverify\n' "$tmp/progress.json" | tutor >"$tmp/imp" 2>&1
check "lesson --export then --import on a fresh machine: the lesson resumes where it was" \
    'grep -q "Step 7 of 13: The letter" "$tmp/imp"' "$tmp/imp"

# ------------------------------------------------------------------------
# Broken lessons: file, path, what is wrong; the others still load.
mk() {   # mk NAME: a copy of lesson 1 under $tmp/lessons/NAME
    rm -rf "$tmp/lessons"
    mkdir -p "$tmp/lessons"
    cp -r lessons/01-mail-by-hand "$tmp/lessons/$1"
    sed -i "s/\"id\": \"01-mail-by-hand\"/\"id\": \"$1\"/" "$tmp/lessons/$1/lesson.json"
}
broken() {   # broken LABEL EXPECTED-TEXT: `lesson` must say it
    echo lesson | TUTOR_LESSONS="$tmp/lessons" tutor >"$tmp/broken" 2>&1
    want=$2
    check "$1" 'grep -qF -- "$want" "$tmp/broken"' "$tmp/broken"
}
edit() {   # edit PYTHON: change lesson 01-x's lesson.json (d is the document)
    /usr/bin/python3 -c "import json; f='$tmp/lessons/01-x/lesson.json'; d=json.load(open(f)); $1; json.dump(d, open(f, 'w'))"
}
mk 01-x
sed -i '3s/.*/  "title": {"en": "A", "ja": },/' "$tmp/lessons/01-x/lesson.json"
broken "a JSON syntax error is named by file, line and column" "01-x/lesson.json:3:"
mk 01-x
edit 'd["steps"][2]["checks"][0]["comand"] = d["steps"][2]["checks"][0].pop("command")'
broken "an unknown kind of check is named by its JSON path" \
    '01-x/lesson.json: $.steps[2].checks[0]: no kind of check'
mk 01-x
edit 'del d["steps"][0]["do"]["ja"]'
broken "a text missing in Japanese is refused" '$.steps[0].do: needs a non-empty "ja" text'
mk 01-x
sed -i 's/^<!-- step: hosts -->$//' "$tmp/lessons/01-x/ja.md"
broken "a step without its section in ja.md is named" 'ja.md: step "hosts" has no section'
mk 01-x
sed -i 's/<!-- step: hosts -->/<!-- step: hots -->/' "$tmp/lessons/01-x/en.md"
broken "a mark naming no step gives the file and line" 'en.md:'
mk 01-x
rm "$tmp/lessons/01-x/checks.lua"
broken "a lua check without checks.lua is refused" 'a "lua" check, and there is no checks.lua'

# hostile checks: a loop ends its own judging only, with a message
mk 01-x
cat >"$tmp/lessons/01-x/checks.lua" <<'EOF'
function checks.quit_inside_data(ctx)
  while true do local s = string.rep("x", 1000) .. "y" end
end
EOF
{ echo "lesson 1"; solution 7; echo "QUIT"; echo "hosts"; } |
    TUTOR_LESSONS="$tmp/lessons" tutor >"$tmp/hostile" 2>&1
check "a looping checks.lua ends with a message naming it, and the tutor goes on" \
    'grep -q "the lesson.s checks failed: 01-x/checks.lua:2: " "$tmp/hostile" &&
     grep -q "a.root-servers.example" "$tmp/hostile"' "$tmp/hostile"
cat >"$tmp/lessons/01-x/checks.lua" <<'EOF'
function checks.quit_inside_data(ctx)
  local f = io and io.open or os and os.execute or load("return 1", "x", "b")
  return f ~= nil, tostring(f)
end
EOF
{ echo "lesson 1"; solution 7; echo "QUIT"; echo verify; } |
    TUTOR_LESSONS="$tmp/lessons" tutor >"$tmp/hostile2" 2>&1
check "checks.lua has no io, no os, no binary load" \
    '! grep -q "Hint: QUIT inside the letter" "$tmp/hostile2"' "$tmp/hostile2"

# A teacher's own lesson (TUTOR_LESSONS), tested by --check-all: a relay
# check reads the packets' events whether the student saw a trace or an
# animation, and a relay that does not cross r2 fails it.
rm -rf "$tmp/lessons"
mkdir -p "$tmp/lessons/07-own"
cat >"$tmp/lessons/07-own/lesson.json" <<'EOF'
{"id": "07-own", "title": {"en": "Own", "ja": "自作"}, "learnt": {"en": "r2", "ja": "r2"},
 "steps": [{"id": "cross", "title": {"en": "Across r2", "ja": "r2 越え"},
            "do": {"en": "Relay from pc1 to mail.b.example.", "ja": "pc1 から mail.b.example へ relay。"},
            "checks": [{"relay": "\"node\":\"r2\"", "delivered": true,
                        "expect": {"en": "a relay through r2", "ja": "r2 を通る relay"}}],
            "hints": [{"en": "relay pc1 mail.b.example", "ja": "relay pc1 mail.b.example"}],
            "solution": ["relay --json pc1 mail.b.example"],
            "wrong": [{"typed": ["relay pc1 mail.a.example"], "says": "a relay through r2"}]},
           {"id": "client", "title": {"en": "The client types", "ja": "クライアントが打つ"},
            "do": {"en": "Send bob a mail with send.", "ja": "send で bob にメールを送る。"},
            "checks": [{"sent": "^AUTH PLAIN ", "service": "submission", "by": "client",
                        "expect": {"en": "the mail client logging in", "ja": "メールクライアントがログインする"}},
                       {"reply": "^250", "after": "^%.$", "by": "client",
                        "expect": {"en": "the mail client's letter taken", "ja": "手紙が受け付けられる"}}],
            "solution": ["send -s hi -m body bob@b.example"],
            "wrong": [{"typed": ["telnet mail.a.example submission", "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3", "QUIT"],
                       "says": "the mail client logging in"}]}]}
EOF
printf '<!-- step: cross -->\nAcross.\n<!-- step: client -->\nThe client.\n' >"$tmp/lessons/07-own/en.md"
printf '<!-- step: cross -->\n越える。\n<!-- step: client -->\nクライアント。\n' >"$tmp/lessons/07-own/ja.md"
TUTOR_LESSONS="$tmp/lessons" tutor lesson --check-all >"$tmp/own" 2>&1
check "a teacher's own lesson, with relay checks and the mail client's dialogue, passes --check-all" \
    '[ $? = 0 ] && [ "$(grep -c "wrong answer 1 fails saying" "$tmp/own")" = 2 ]' "$tmp/own"
printf 'lesson 7\nrelay pc1 mail.a.example\nverify\n' | TUTOR_LESSONS="$tmp/lessons" tutor >"$tmp/own2" 2>&1
check "a relay that does not cross r2 fails, saying which relay ran" \
    'grep -q "actual: you relayed: pc1 mail.a.example (delivered)" "$tmp/own2"' "$tmp/own2"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
