#!/usr/bin/python3
"""The serve benchmark's table, from the files serve-bench.sh left in DIR.

    report.py DIR

Every row puts tutor serve beside its peer from the same run, with the
ratio and, where the issue set one, the goal and PASS or FAIL. Rows
without a goal say "info". Exits 0 whatever the results (a report), 1
only when a result file is missing or unreadable.
"""
import json
import os
import re
import statistics
import sys

D = sys.argv[1] if len(sys.argv) == 2 else sys.exit("usage: report.py DIR")


def path(name):
    return os.path.join(D, name)


def load_json(name):
    try:
        with open(path(name), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("report.py: %s: %s" % (name, e))


def read_info():
    info = {}
    with open(path("info"), encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            info[key] = value
    return info


def smtp_source_rates():
    """Median messages per second of each target's smtp-source rounds, the
    rates themselves, the rounds that failed and the seconds of all."""
    rates, failed = {"tutor": [], "sink": []}, {"tutor": 0, "sink": 0}
    wall = {"tutor": 0.0, "sink": 0.0}
    with open(path("smtp-source"), encoding="utf-8") as f:
        for line in f:
            target, _, seconds, rc = line.split()
            wall[target] += float(seconds)
            if rc != "0":
                failed[target] += 1
            else:
                rates[target].append(MESSAGES / float(seconds))
    return ({t: statistics.median(r) if r else 0.0 for t, r in rates.items()}, rates, failed,
            wall)


def cpu_cell(ticks, items, wall, unit):
    """CPU time per item (unit 1e3: ms, 1e6: us) and how busy that kept
    the server over `wall` seconds."""
    cpu = ticks / float(info["clk_tck"])
    return "%.0f (%.0f%%)" % (cpu / items * unit, 100 * cpu / wall) if items and wall else "n/a"


def dnsperf(name):
    """dnsperf's statistics: sent, completed, lost, qps, latency, rcodes."""
    try:
        with open(path(name), encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        sys.exit("report.py: %s" % e)

    def num(label):
        m = re.search(r"^\s*%s:\s*([0-9.]+)" % re.escape(label), text, re.M)
        if not m:
            sys.exit("report.py: no \"%s\" in %s" % (label, name))
        return float(m.group(1))

    codes = re.search(r"Response codes:\s*(.*)", text)
    size = re.search(r"Average packet size:.*response\s+([0-9.]+)", text)
    return {"sent": num("Queries sent"), "completed": num("Queries completed"),
            "lost": num("Queries lost"), "qps": num("Queries per second"),
            "latency_ms": num("Average Latency (s)") * 1000,
            "codes": codes.group(1).strip() if codes else "?",
            "response_bytes": float(size.group(1)) if size else 0.0}


info = read_info()
MESSAGES = int(info["smtp_params"].split()[3])
rows = []


def row(measure, tutor, peer, ratio, goal, result):
    rows.append((measure, tutor, peer, ratio, goal, result))


def verdict(ok):
    return "PASS" if ok else "FAIL"


# --- SMTP rate -----------------------------------------------------------
median, rates, failed, wall = smtp_source_rates()
r = median["tutor"] / median["sink"] if median["sink"] else 0.0
ok = r >= 0.25 and not failed["tutor"]
row("SMTP msg/s, smtp-source (median)", "%.0f" % median["tutor"],
    "%.0f smtp-sink" % median["sink"], "%.3f" % r, ">= 0.25", verdict(ok))
row("  each round", " ".join("%.0f" % x for x in rates["tutor"]),
    " ".join("%.0f" % x for x in rates["sink"]), "", "", "info")
rounds = int(info["smtp_rounds"])
ct, cs = int(info["smtp_cpu_tutor"]), int(info["smtp_cpu_sink"])
row("  server CPU us per message (busy)",
    cpu_cell(ct, rounds * MESSAGES, wall["tutor"], 1e6),
    cpu_cell(cs, rounds * MESSAGES, wall["sink"], 1e6),
    "%.1fx" % (ct / cs) if cs else "", "", "info")
fs = load_json("fsync.json")
row("  disk: Maildir fsyncs alone, msg/s", "%.0f serial" % fs["serial"],
    "%.0f, 20 threads" % fs["threads20"], "%.3f" % (median["tutor"] / fs["serial"]), "",
    "info")
if failed["tutor"] or failed["sink"]:
    row("  rounds that failed", str(failed["tutor"]), str(failed["sink"]), "", "0",
        verdict(not failed["tutor"]))
stored = int(info["maildir_new"]) + int(info["maildir_cur"])
expected = int(info["maildir_expected"])
row("SMTP messages in alice's Maildir", "%d of %d" % (stored, expected), "(stores none)",
    "", "= sent", verdict(stored == expected and info["maildir_tmp"] == "0"))

# --- SMTP latency ---------------------------------------------------------
for load, label in (("loaded", "%s sessions" % info["smtp_params"].split()[1]),
                    ("single", "1 session")):
    t, s = load_json("lat-tutor-%s.json" % load), load_json("lat-sink-%s.json" % load)
    for what, name in (("message_ms", "connect->250"), ("commit_ms", "'.'->250")):
        measure = "SMTP ms %s p50/90/99, %s" % (name, label)
        if not t[what] or not s[what]:
            row(measure, "n/a", "n/a", "", "", "info")
            continue
        ps = ("p50", "p90", "p99")
        row(measure, "/".join("%.2f" % t[what][p] for p in ps),
            "/".join("%.2f" % s[what][p] for p in ps),
            "/".join("%.1f" % (t[what][p] / s[what][p]) if s[what][p] else "-" for p in ps),
            "", "info")
    row("  client msg/s (client CPU)", "%.0f (%.0f%%)" % (t["rate"], 100 * t["client_cpu"]),
        "%.0f (%.0f%%)" % (s["rate"], 100 * s["client_cpu"]),
        "%.3f" % (t["rate"] / s["rate"]) if s["rate"] else "", "", "info")
    if t["failed"] or s["failed"]:
        row("  messages refused or lost", str(t["failed"]), str(s["failed"]), "", "0",
            verdict(not t["failed"]))

# --- DNS ------------------------------------------------------------------
# The goal is dnsmasq's own rate (>= 1.0): a question asked again is the
# host's message cache's (tutor/dns/dns_cache.h), not a Lua call.
dt, dd = dnsperf("dnsperf-tutor"), dnsperf("dnsperf-dnsmasq")
r = dt["qps"] / dd["qps"] if dd["qps"] else 0.0
row("DNS queries/s, dnsperf", "%.0f" % dt["qps"], "%.0f dnsmasq" % dd["qps"], "%.3f" % r,
    ">= 1.0", verdict(r >= 1.0))


def answered(d):
    return 100.0 * d["completed"] / d["sent"] if d["sent"] else 0.0


seconds = float(info["dns_params"].split()[1])
ct, cd = int(info["dns_cpu_tutor"]), int(info["dns_cpu_dnsmasq"])
row("  server CPU us per query (busy)", cpu_cell(ct, dt["completed"], seconds, 1e6),
    cpu_cell(cd, dd["completed"], seconds, 1e6),
    "%.1fx" % ((ct / dt["completed"]) / (cd / dd["completed"]))
    if cd and dt["completed"] and dd["completed"] else "", "", "info")
row("DNS answered % (lost)", "%.2f (%d)" % (answered(dt), dt["lost"]),
    "%.2f (%d)" % (answered(dd), dd["lost"]), "", "", "info")
row("DNS average response bytes", "%.0f" % dt["response_bytes"], "%.0f" % dd["response_bytes"],
    "", "", "info")
row("DNS average latency ms", "%.2f" % dt["latency_ms"], "%.2f" % dd["latency_ms"],
    "%.1fx" % (dt["latency_ms"] / dd["latency_ms"]) if dd["latency_ms"] else "", "", "info")


def shares(codes):
    """"NOERROR 100 (92.00%), NXDOMAIN 8 (8.00%)" -> {"NOERROR": 92.0, ...}"""
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"([A-Z]+) [0-9]+ \(([0-9.]+)%\)", codes)}


# The query file asks the same names of both: a resolver that fails under
# load (SERVFAIL where dnsmasq answers) shows here, not in the one-by-one
# comparison below.
st, sd = shares(dt["codes"]), shares(dd["codes"])
row("DNS under load: response codes as dnsmasq's",
    " ".join("%s %.0f%%" % kv for kv in sorted(st.items())),
    " ".join("%s %.0f%%" % kv for kv in sorted(sd.items())), "", "same",
    verdict(st.keys() == sd.keys() and all(abs(st[k] - sd[k]) < 0.5 for k in st)))
same, differ = int(info["dns_same"]), int(info["dns_differ"])
row("DNS same answers as dnsmasq (dig)", "%d of %d" % (same, same + differ), "", "",
    "all", verdict(differ == 0))

# --- memory ---------------------------------------------------------------
it, isk = load_json("idle-tutor.json"), load_json("idle-sink.json")
mib = it["vmhwm_kb"] / 1024.0
row("Peak RSS MiB, %d idle SMTP sessions" % it["count"], "%.1f" % mib,
    "%.1f smtp-sink" % (isk["vmhwm_kb"] / 1024.0),
    "%.2f" % (it["vmhwm_kb"] / isk["vmhwm_kb"]) if isk["vmhwm_kb"] else "", "< 64 MiB",
    verdict(mib < 64 and it["banners"] == it["count"]))
row("  sessions that got a banner", "%d of %d" % (it["banners"], it["count"]),
    "%d of %d" % (isk["banners"], isk["count"]), "", "all", verdict(it["banners"] == it["count"]))
row("Peak RSS MiB after the SMTP+DNS load", "%.1f" % (int(info["loaded_vmhwm_kb"]) / 1024.0),
    "", "", "", "info")
row("server.log after the load, MiB", "%.1f" % (int(info["server_log_bytes"]) / 1048576.0),
    "", "", "", "info")

# --- stopping -------------------------------------------------------------
for key, label in (("load_stop", "after the load"), ("idle_stop", "with idle sessions")):
    status, seconds = info[key].split()
    row("SIGTERM %s: exit, seconds" % label, "%s, %s" % (status, seconds), "", "",
        "exit 0", verdict(status == "0"))

# --- the table ------------------------------------------------------------
print()
print("tutor serve benchmark: %s CPUs, state on %s; smtp-source %s, %s rounds after %s "
      "warm-up messages; dnsperf %s" % (info["cpus"], info["state_fs"], info["smtp_params"],
                                        info["smtp_rounds"], info.get("smtp_warmup", "0"),
                                        info["dns_params"]))
head = ("measure", "tutor serve", "peer", "ratio", "goal", "result")
widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
fmt = "  ".join("%%-%ds" % w for w in widths)
print(fmt % head)
print("  ".join("-" * w for w in widths))
for r in rows:
    print((fmt % r).rstrip())
print()
print("ratio: tutor / peer (for latencies: how many times the peer's). Latencies are")
print("measured by smtp_latency.py, one client for both servers: connect->250 is one")
print("message from connect() to the 250 after its final '.', '.'->250 the storing of it.")
print("A client CPU near 100% means the client set the pace: the peer's latencies")
print("then include the client's own queueing. 'disk' is fsync_rate.py: the file and")
print("directory fsyncs of a Maildir delivery and nothing else; its ratio is tutor's")
print("rate over that serial ceiling.")
if info["state_fs"] == "ext4" and info.get("state_journal") == "no":
    print("NOTE: the state is on ext4 without a journal, which skips each inode freed in"
          " the last 300 s\nwhen it makes a file: run this at least 5 minutes after"
          " `make test`, which deletes\nthousands of messages.")
if info["state_fs"] in ("tmpfs", "ramfs"):
    print("WARNING: the state directory is on %s, where fsync costs nothing: the SMTP"
          " rate is not that of a disk." % info["state_fs"])
if differ:
    print()
    print("DNS answers that differ:")
    with open(path("dns-differ"), encoding="utf-8") as f:
        sys.stdout.write(f.read())
print("DNS response codes: tutor %s; dnsmasq %s" % (dt["codes"], dd["codes"]))
fails = [r[0].strip() for r in rows if r[5] == "FAIL"]
print("goals: %s" % ("all met" if not fails else "FAIL: " + "; ".join(fails)))
