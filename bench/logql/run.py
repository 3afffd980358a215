#!/usr/bin/env python3
"""The LogQL parser benchmark: `| json`, `| logfmt`, `| pattern` with label filters, an unwrapped
quantile_over_time and a regex without a literal, each timed in vigied beside the jq/rg/awk
pipeline that does the same job over the same raw files in the same run. Writes the "logql"
section of bench/RESULTS.md (or prints it with --no-results).

usage: bench/logql/run.py [--json-mib 512] [--logfmt-mib 512] [--nginx-mib 256] [--work DIR]
                          [--build DIR] [--only TEXT] [--no-results]

Per query: wall seconds (best of --runs), CPU seconds of that run (vigied's from /proc; the
pipeline's from its processes' rusage) and GB/s of raw log per CPU second, the issue's "per core"
figure. From vigied's own statistics of that run (docs/logql.md, "Query statistics"): the parser
stage's rate (its input bytes over its CPU seconds) and the share of vigied's CPU that went to
decompressing the blocks. The logs come from gen_app_logs.py; vigie push stores them (one stream
per file).
"""
import argparse
import datetime
import glob
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import splice_section  # noqa: E402
import run as bench_run  # noqa: E402
from run import ROOT, VIGIE, Server, log, proc_stats  # noqa: E402

PATTERN = '<ip> - - [<_>] \\"<method> <uri> <_>\\" <status> <size> <_>'
# Regexes without a literal (docs/logql.md, "Regex pre-filter"), each beside rg: name, kind of
# log, the regex as re2 and rg read it. The IPv4 one as a fixed run of classes, as a group (the
# same lines; a fixed run still), the ways users write it with repetitions, a 32-hex id (no line
# holds one) and 4xx/5xx statuses.
REGEXES = [
    ("regex without a literal", "nginx", r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}\.[0-9]{3}"),
    ("regex without a literal, as a group", "nginx", r"[0-9]{3}(\.[0-9]{3}){3}"),
    ("regex \\d+ IPv4", "nginx", r"\d+\.\d+\.\d+\.\d+"),
    ("regex IPv4 with {1,3}", "nginx", r"(\d{1,3}\.){3}\d{1,3}"),
    ("regex 32-hex id", "nginx", r"[0-9a-f]{32}"),
    ("regex 4xx/5xx status", "nginx", r"[45]\d\d \d+"),
]


def regex_row(name, kind, regex):
    quoted = regex.replace("\\", "\\\\")  # A LogQL string doubles each backslash.
    return (name, kind, '{bench="%s"} |~ "%s"' % (kind, quoted),
            "rg -N --no-filename '%s' {files} | wc -l" % regex, "lines")


# name, kind of log, LogQL (a log query whose lines are counted, or an instant metric query),
# reference pipeline over the raw files ({files}), what the result is.
QUERIES = [
    ("json, status >= 500", "json", '{bench="json"} | json | status >= 500',
     "jq -c 'select(.status >= 500)' {files} | wc -l", "lines"),
    ("json via rg prefilter", "json", '{bench="json"} | json | status >= 500',
     "rg -N --no-filename '\"status\":5[0-9][0-9],' {files} | jq -c 'select(.status >= 500)' | wc -l",
     "lines"),
    ("logfmt, duration > 1s", "logfmt", '{bench="logfmt"} | logfmt | duration > 1s',
     "rg -N --no-filename 'duration=[0-9.]+s ' {files} | wc -l", "lines"),
    ("pattern, status = 404", "nginx", '{bench="nginx"} | pattern "%s" | status = "404"' % PATTERN,
     "awk '$9 == \"404\"' {files} | wc -l", "lines"),
    ("quantile_over_time(0.99) of unwrap", "json",
     'quantile_over_time(0.99, {bench="json"} | json latency_ms | unwrap latency_ms [1h]) by (bench)',
     "jq -r .latency_ms {files} | sort -g | awk '{v[NR]=$1} END {print v[int(NR*0.99)]}'",
     "value"),
] + [regex_row(*r) for r in REGEXES]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_reference(cmd):
    cpu, t = children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{cmd}: {out.stderr[-1000:]}")
    return time.perf_counter() - t, children_cpu() - cpu, out.stdout.strip()


# A phase's row in `vigie grep --stats`: name, CPU s, share, lines in, lines out, MB in, MB out.
PHASE_ROW = re.compile(r"^  (.+?) +([0-9.]+) +[0-9.]+% +(\d+) +(\d+) +([0-9.]+) +([0-9.]+) +\d+$",
                       re.M)


def grep_phases(stderr):
    """The phases of `vigie grep --stats` as {name, cpu (s), bytes_in}, in order."""
    return [{"name": m[1], "cpu": float(m[2]), "bytes_in": float(m[5]) * 1e6}
            for m in PHASE_ROW.finditer(stderr)]


def loki_phases(body):
    """The phases of a Loki API answer's stats.vigie.scan, as grep_phases gives them."""
    scan = body["data"]["stats"].get("vigie", {}).get("scan", {})
    return [{"name": p["name"], "cpu": p["cpuTime"], "bytes_in": p["bytesIn"]}
            for p in scan.get("phases", [])]


def run_vigie(server, http, query, result):
    _, cpu = proc_stats(server.proc.pid)
    t = time.perf_counter()
    if result == "lines":
        # Every matching line printed (as rg does), counted here: `grep -c` answers one count per
        # label set, and after a parser nearly every line has its own.
        out = subprocess.run([VIGIE, "--server", server.addr, "grep", "--limit", "0",
                              "--since", "6h", "--stats", query], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        if out.returncode != 0:
            raise RuntimeError(f"vigie grep {query}: {out.stderr.decode()[-1000:]}")
        value = str(out.stdout.count(b"\n"))
        phases = grep_phases(out.stderr.decode())
    else:
        url = f"http://{http}/loki/api/v1/query?" + urllib.parse.urlencode({"query": query})
        body = json.load(urllib.request.urlopen(url, timeout=600))
        value = ",".join(r["value"][1] for r in body["data"]["result"])
        phases = loki_phases(body)
    wall = time.perf_counter() - t
    _, cpu_after = proc_stats(server.proc.pid)
    return wall, cpu_after - cpu, value, phases


def parser_rate(phases):
    """GB/s of the first pipeline stage (the parser) over its own CPU seconds; None without one."""
    names = [p["name"] for p in phases]
    if "line filter" not in names or names.index("line filter") + 1 >= len(names):
        return None
    stage = phases[names.index("line filter") + 1]
    if not stage["name"].startswith("| ") or stage["cpu"] <= 0:
        return None
    return stage["bytes_in"] / stage["cpu"] / 1e9


def phase_cpu(phases, name):
    return sum(p["cpu"] for p in phases if p["name"] == name)


def best(runs, fn):
    results = [fn() for _ in range(runs)]
    return min(results, key=lambda r: r[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json-mib", type=int, default=512)
    p.add_argument("--logfmt-mib", type=int, default=512)
    p.add_argument("--nginx-mib", type=int, default=256)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--work", default=os.path.join(ROOT, "bench", "work", "logql"))
    p.add_argument("--no-results", action="store_true", help="print the section only")
    p.add_argument("--build", help="the build whose vigied and vigie run (another tree's, to "
                   "compare; default: this tree's build/)")
    p.add_argument("--only", help="run the queries whose name holds this text (implies "
                   "--no-results)")
    a = p.parse_args()
    global VIGIE
    if a.build:
        bench_run.VIGIED = os.path.join(a.build, "server", "vigied")
        VIGIE = os.path.join(a.build, "cli", "vigie")
    queries = [q for q in QUERIES if a.only is None or a.only in q[0]]
    a.no_results = a.no_results or a.only is not None
    logs = os.path.join(a.work, "logs")
    sizes = {"json": a.json_mib, "logfmt": a.logfmt_mib, "nginx": a.nginx_mib}
    files = {k: sorted(glob.glob(os.path.join(logs, k, "*.log"))) for k in sizes}
    raw = {k: sum(map(os.path.getsize, v)) for k, v in files.items()}
    if any(abs(raw[k] - sizes[k] * 2**20) > 2**20 for k in sizes):
        log(f"generating the logs in {logs}")
        shutil.rmtree(logs, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_app_logs.py"), logs,
                        "--json-mib", str(a.json_mib), "--logfmt-mib", str(a.logfmt_mib),
                        "--nginx-mib", str(a.nginx_mib)], check=True)
        files = {k: sorted(glob.glob(os.path.join(logs, k, "*.log"))) for k in sizes}
        raw = {k: sum(map(os.path.getsize, v)) for k, v in files.items()}
    data = os.path.join(a.work, "data")
    shutil.rmtree(data, ignore_errors=True)
    server = Server(data)
    http = json.load(open(data + ".ready.json"))["http"]
    for kind, paths in files.items():
        if kind not in {q[1] for q in queries}:
            continue
        log(f"storing {raw[kind] / 2**20:.0f} MiB of {kind} logs")
        subprocess.run([VIGIE, "--server", server.addr, "push", "--label", f"bench={kind}", *paths],
                       check=True)
    rows = []
    try:
        for name, kind, query, reference, result in queries:
            ref_cmd = reference.replace("{files}", " ".join(files[kind]))
            v = best(a.runs, lambda: run_vigie(server, http, query, result))
            r = best(a.runs, lambda: run_reference(ref_cmd))
            rows.append((name, kind, query, reference, v, r))
            log(f"{name}: vigied {v[0]:.2f} s ({v[1]:.2f} CPU s) -> {v[2]}; "
                f"reference {r[0]:.2f} s ({r[1]:.2f} CPU s) -> {r[2]}; phases "
                + ", ".join(f"{p['name'][:20]} {p['cpu']:.3f}" for p in v[3]))
    finally:
        server.stop()
    section = render(rows, raw, a)
    if a.no_results:
        print(section)
    else:
        splice_section.splice("logql", section)
        log("wrote the logql section of bench/RESULTS.md")


def render(rows, raw, a):
    gbs = lambda kind, s: raw[kind] / s / 1e9 if s > 0 else float("inf")  # noqa: E731
    out = [
        "## LogQL parsers (`bench/logql/run.py`)",
        "",
        f"- date: {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')}; "
        f"{os.cpu_count()} cores; best of {a.runs} runs",
        f"- logs: {raw['json'] / 2**20:.0f} MiB JSON, {raw['logfmt'] / 2**20:.0f} MiB logfmt, "
        f"{raw['nginx'] / 2**20:.0f} MiB nginx combined (`bench/logql/gen_app_logs.py`), "
        "stored by `vigie push`, page cache warm for the references",
        "- GB/s per core: raw bytes of the logs the query reads over the CPU seconds spent "
        "(vigied's; the pipeline's processes' for the reference)",
        "- parser stage GB/s per core: from vigied's statistics of the same run (docs/logql.md, "
        "\"Query statistics\"), the bytes of the lines that reach the parser over its own CPU "
        "seconds; zstd share: the CPU seconds decompressing blocks over vigied's",
        "",
        "| query | vigied s | vigied CPU s | vigied GB/s per core | parser stage GB/s per core "
        "| zstd share | reference s | reference CPU s | reference GB/s per core "
        "| result vigied / reference |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, kind, _, _, v, r in rows:
        rate = parser_rate(v[3])
        zstd = phase_cpu(v[3], "decompress") / v[1] if v[1] > 0 and v[3] else None
        out.append(f"| {name} | {v[0]:.2f} | {v[1]:.2f} | {gbs(kind, v[1]):.2f} | "
                   f"{'—' if rate is None else f'{rate:.2f}'} | "
                   f"{'—' if zstd is None else f'{100 * zstd:.0f}%'} | {r[0]:.2f} | "
                   f"{r[1]:.2f} | {gbs(kind, r[1]):.2f} | {v[2]} / {r[2]} |")
    out += ["", "Queries and references:", ""]
    for name, _, query, reference, _, _ in rows:
        out.append(f"- {name}: `{query}` beside `{reference.replace('{files}', 'FILES')}`")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
