"""No line of the tool's own text is wider than 80 columns on an 80x24
terminal, in English or Japanese: the tutor runs in a pseudo-terminal of
80 columns (stdout a terminal, so its lines are wrapped as a student sees
them), through a list of commands and every command's help, and each line
it prints is measured in display columns (wide characters count two).
Lines a server or a message sent (the dialogue's "<-" and " ->" lines,
records with tabs) are data, not the tool's own, and are left out.
Usage: width.py TUTOR_BINARY. Prints "ok"/"FAILED" lines and a count."""
import os, pty, re, subprocess, sys, tempfile, unicodedata, select
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/tutor")
STATE = tempfile.mkdtemp(prefix="tutor-width-")
def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
def run(lang, cmds):
    m, s = pty.openpty()
    os.system("stty -F %s cols 80 rows 24" % os.ttyname(s))
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(STATE, lang), NO_COLOR="1", TERM="xterm", LANG="C.UTF-8", TUTOR_PAGER="cat")
    p = subprocess.Popen([BIN, "--lang", lang], stdin=subprocess.PIPE, stdout=s, stderr=s, env=env)
    os.close(s)
    p.stdin.write(("\n".join(cmds) + "\n").encode()); p.stdin.close()
    out = b""
    while True:
        r, _, _ = select.select([m], [], [], 20)
        if not r: break
        try: d = os.read(m, 65536)
        except OSError: break
        if not d: break
        out += d
    p.wait()
    return out.decode("utf-8", "replace")
cmds = ["help", "ipconfig /all", "hosts", "topo", "link", "mailq", "telnet localhost smtp", "ssh mail.a.example", "exit",
        "telnet nosuch.example", "dig www.wikipedia.org", "send -s hi -m hi someone@gmail.com", "inbox", "link down gw-a ns-a", "link up gw-a ns-a",
        "traceroute mail.b.example", "ping -c 1 mail.b.example", "relay pc1 mail-b", "mailbox bob", "reset --yes", "nosuch", "help send", "help dig", "help relay", "help ssh"]
for c in os.popen(BIN + " --lang en help").read().split("\n"):
    m_ = re.match(r"^  ([a-z]+)", c)
    if m_: cmds.append("help " + m_.group(1))
passed = failed = 0
for lang in ("en", "ja"):
    text = run(lang, cmds)
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", l) for l in text.replace("\r", "").split("\n")]
    own = [l for l in lines if not l.startswith(("<-", " ->")) and "\t" not in l]
    wide = [l for l in own if width(l) > 80]
    if len(own) > 200 and not wide:
        passed += 1
        print("ok      %s: %d lines, none wider than 80 columns" % (lang, len(own)))
    else:
        failed += 1
        print("FAILED  %s: %d lines, %d wider than 80 columns" % (lang, len(own), len(wide)))
        for l in wide[:10]:
            print("        | %d: %s" % (width(l), l))
subprocess.call(["rm", "-rf", STATE])
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
