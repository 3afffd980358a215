#!/usr/bin/env python3
"""The end-to-end benchmark: ingest, storage size and search, each beside the reference tools
(ripgrep, gzip, zstd, ClickHouse 18.16 when installed) measured in the same run. Writes its
section of bench/RESULTS.md (between <!-- log begin --> and <!-- log end -->).

usage: bench/run.py [--mib 1100] [--work bench/work] [--reps 3] [--search-only [--rows REGEX]]
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

import clickhouse_peer
import splice_section

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, "build")
VIGIED = os.path.join(BUILD, "server", "vigied")
VIGIE = os.path.join(BUILD, "cli", "vigie")


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def timed(cmd, **kw):
    t = time.perf_counter()
    r = subprocess.run(cmd, shell=isinstance(cmd, str), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, **kw)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"{cmd} failed: {r.stderr.decode()[-2000:]}")
    return time.perf_counter() - t, r.stdout


def best_of(n, cmd):
    times, out = [], b""
    for _ in range(n):
        t, out = timed(cmd)
        times.append(t)
    return min(times), out


def proc_stats(pid):
    """Peak RSS (MiB) and CPU seconds of a running process."""
    with open(f"/proc/{pid}/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return hwm, (int(fields[11]) + int(fields[12])) / ticks


class Server:
    def __init__(self, data):
        self.data = data
        ready = data + ".ready.json"
        if os.path.exists(ready):
            os.remove(ready)
        self.proc = subprocess.Popen([VIGIED, "--data-dir", data, "--grpc-listen", "127.0.0.1:0",
                                      "--http-listen", "127.0.0.1:0", "--ready-file", ready,
                                      "--retention", "0", "--log-level", "warn"])
        for _ in range(3000):
            if os.path.exists(ready):
                self.addr = json.load(open(ready))["grpc"]
                return
            time.sleep(0.01)
        raise RuntimeError("vigied did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def du(path):
    return int(subprocess.run(["du", "-sb", path], stdout=subprocess.PIPE).stdout.split()[0])


def mib(n):
    return n / 2**20


def app_of(path):
    """The loghub sample gen_logs.py replayed into a stream file (its `app` label)."""
    samples = sorted(f for f in os.listdir(os.path.join(ROOT, "tests", "data", "loghub"))
                     if f.endswith(".log"))
    index = int(os.path.basename(path)[len("stream"):-len(".log")])
    return samples[index % len(samples)].split("_")[0].lower()


def push(server, groups, extra=()):
    """Runs one `vigie push` per group of files at once; the wall time until all are acked."""
    t = time.perf_counter()
    procs = [subprocess.Popen([VIGIE, "--server", server.addr, "push", "--label", "bench=corpus",
                               *extra(g), *g], stderr=subprocess.PIPE) for g in groups]
    for pr in procs:
        if pr.wait() != 0:
            raise RuntimeError(pr.stderr.read().decode())
    return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--total-mib", "--mib", dest="total_mib", type=int, default=1100,
                   help="corpus size; another size than 1100 works in WORK-MIB")
    p.add_argument("--work", default=os.path.join(ROOT, "bench", "work"))
    p.add_argument("--reps", type=int, default=3, help="rounds of every search")
    p.add_argument("--search-only", action="store_true",
                   help="reuse the last run's data directories and ingest figures")
    p.add_argument("--rows", metavar="REGEX",
                   help="with --search-only: measure only the search rows whose name matches "
                   "(re.search) and replace their lines in RESULTS.md, leaving the rest as it is")
    a = p.parse_args()
    if a.rows and not a.search_only:
        p.error("--rows needs --search-only (the other rows come from the last run)")
    if a.total_mib != 1100:
        a.work += f"-{a.total_mib}"
    corpus = os.path.join(a.work, "corpus")
    files = sorted(glob.glob(os.path.join(corpus, "*.log")))
    if len(files) != 50 or abs(sum(map(os.path.getsize, files)) / 2**20 / a.total_mib - 1) > 0.01:
        log(f"generating {a.total_mib} MiB of log lines in {corpus}")
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(os.path.join(a.work, "corpus-zst"), ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_logs.py"), corpus,
                        "--total-mib", str(a.total_mib)], check=True)
        files = sorted(glob.glob(os.path.join(corpus, "*.log")))
    raw = sum(map(os.path.getsize, files))
    lines = int(subprocess.run(f"cat {corpus}/*.log | wc -l", shell=True,
                               stdout=subprocess.PIPE).stdout)
    log(f"corpus: {len(files)} files, {mib(raw):.0f} MiB, {lines} lines")
    saved = os.path.join(a.work, "results.json")
    if a.search_only:
        results = json.load(open(saved))
    else:
        results = {"raw": raw, "lines": lines}
        ingest(a, files, raw, results)
    zst_dir = os.path.join(a.work, "corpus-zst")
    if not os.path.isdir(zst_dir):
        os.makedirs(zst_dir)
        for f in files:
            subprocess.run(["zstd", "-q", "-3", f, "-o",
                            os.path.join(zst_dir, os.path.basename(f) + ".zst")], check=True)
    results["decompress"] = decompression_floor(zst_dir, raw)
    measured = {row["name"]: row for row in search(a, files, corpus, zst_dir, raw)}
    if a.rows:
        results["search"] = [measured.get(row["name"], row) for row in results["search"]]
    else:
        results["search"] = list(measured.values())
    results["reps"] = a.reps
    json.dump(results, open(saved, "w"), indent=1)
    if a.rows:
        update_rows(list(measured.values()))
    else:
        write_results(results, a.total_mib)


def ingest(a, files, raw, results):
    """One agent, four at once, then one per file (50 at once), each into a fresh data directory;
    the last one, whose streams overlap in time as on a real server, is kept for the searches."""
    for agents in (1, 4, 50):
        data = os.path.join(a.work, f"data-{agents}")
        shutil.rmtree(data, ignore_errors=True)
        server = Server(data)
        log(f"ingest with {agents} agent(s)")
        elapsed = push(server, [files[i::agents] for i in range(agents)],
                       lambda g: ["--label", f"app={app_of(g[0])}"] if len(g) == 1 else [])
        rss, cpu = proc_stats(server.proc.pid)
        results[f"ingest{agents}"] = {"seconds": elapsed, "rss_mib": rss, "server_cpu": cpu}
        log(f"  {mib(raw) / elapsed:.1f} MiB/s, vigied peak RSS {rss:.0f} MiB, {cpu:.1f} CPU s")
        if agents == 4:
            server.stop()
            shutil.rmtree(data)
            continue
        time.sleep(12)  # One pass of the small-block merger.
        server.stop()
        results[f"stored{agents}"] = du(data)
        if agents == 1:
            shutil.rmtree(data)
    # Reference compressors over the same bytes.
    cat = f"cat {a.work}/corpus/*.log"
    for name, cmd in (("gzip6", f"{cat} | gzip -6 | wc -c"), ("zstd3", f"{cat} | zstd -3 -T1 | wc -c")):
        t, out = timed(cmd)
        results[name] = {"bytes": int(out), "seconds": t}
        log(f"{name}: {mib(int(out)):.0f} MiB in {t:.1f} s")


def decompression_floor(zst_dir, raw):
    """zstd's decompression speed on this corpus on one core (best of 3), and what it makes of a
    full scan on every core: the least time any search that must read every block can take."""
    t, _ = best_of(3, f"zstd -d -c {zst_dir}/*.zst > /dev/null")
    speed = raw / t
    log(f"zstd -d: {mib(speed):.0f} MiB/s on one core; floor {raw / speed / os.cpu_count():.3f} s")
    return {"seconds_one_core": t, "speed": speed, "floor": raw / speed / os.cpu_count()}


# The search rows: name, LogQL, how rg matches it, how ClickHouse does, and whether it reads one
# stream (then every peer reads that stream's file alone). Counts of matching lines; the metric
# row sums its points, which tile the time range ([1m] windows, 1m step).
COUNT_ROWS = [
    ("`|= \"INFO\"`", '{bench="corpus"} |= "INFO"', "-F INFO", "position(line, 'INFO') > 0"),
    ("`|= \"error\"`", '{bench="corpus"} |= "error"', "-F error", "position(line, 'error') > 0"),
    ("`|~ \"(?i)error\"`", '{bench="corpus"} |~ "(?i)error"', "'(?i)error'",
     "match(line, '(?i)(error)')"),
    ("`|= \"173.234.31.186\"` (one IP)", '{bench="corpus"} |= "173.234.31.186"',
     "-F 173.234.31.186", "position(line, '173.234.31.186') > 0"),
    ("`|~ \"[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+\"`",
     '{bench="corpus"} |~ `[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+`',
     "'[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+'",
     "match(line, '[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+')"),
    ("one stream of 50, `|= \"INFO\"`", '{file="%(one)s"} |= "INFO"', "-F INFO",
     "file = '%(one)s' AND position(line, 'INFO') > 0"),
    ("`sum by (app) (count_over_time(… |= \"INFO\" [1m]))`",
     'sum by (app) (count_over_time({bench="corpus"} |= "INFO" [1m]))', "-F INFO", None),
    ("literal `Failed password for invalid user`",
     '{bench="corpus"} |= "Failed password for invalid user"',
     "-F 'Failed password for invalid user'",
     "position(line, 'Failed password for invalid user') > 0"),
    ("regex with a literal (`PacketResponder … terminating`)",
     '{bench="corpus"} |~ "PacketResponder [0-9]+ for block blk_-[0-9]+ terminating"',
     "'PacketResponder [0-9]+ for block blk_-[0-9]+ terminating'",
     "match(line, 'PacketResponder [0-9]+ for block blk_-[0-9]+ terminating')"),
    ("regex without a literal (`ip:port`)",
     '{bench="corpus"} |~ `[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}:[0-9]{5}`',
     "'[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}:[0-9]{5}'",
     "match(line, '[0-9]{3}\\\\.[0-9]{3}\\\\.[0-9]{3}\\\\.[0-9]{3}:[0-9]{5}')"),
]
# The interactive rows: the newest 100 matches, as someone looking at the latest errors asks.
# rg and zstdcat | rg have no time order across files: theirs is every match, the last 100 kept.
NEWEST_ROWS = [
    ("newest 100 `|= \"INFO\"`", '{bench="corpus"} |= "INFO"', "-F INFO", "position(line, 'INFO') > 0"),
    ("newest 100 `|= \"error\"`", '{bench="corpus"} |= "error"', "-F error",
     "position(line, 'error') > 0"),
    ("newest 100 `|~ \"(?i)error\"`", '{bench="corpus"} |~ "(?i)error"', "'(?i)error'",
     "match(line, '(?i)(error)')"),
]


def sum_field(out, field):
    return int(round(sum(json.loads(l)[field] for l in out.splitlines() if l.strip())))


def sum_ints(out):
    return sum(int(l) for l in out.split())


def search(a, files, corpus, zst_dir, raw):
    """Every search, each tool once per round, rounds repeated: min and median of each."""
    server = Server(os.path.join(a.work, "data-50"))
    ch = None
    if not clickhouse_peer.available():
        log("ClickHouse: clickhouse-server/clickhouse-client are not installed "
            "(scripts/setup.sh installs Debian's 18.16); its column is left empty")
    else:
        log("ClickHouse: starting on loopback and loading the corpus")
        try:
            ch = clickhouse_peer.ClickHouse(a.work, os.cpu_count())
            t0 = time.perf_counter()
            ch.load(files, {f: app_of(f) for f in files}, 600 * 10**9, 1_765_000_000 * 10**9)
            log(f"ClickHouse: loaded in {time.perf_counter() - t0:.0f} s")
        except (RuntimeError, subprocess.CalledProcessError) as e:
            log(f"ClickHouse: left out ({e})")
            if ch:
                ch.stop()
            ch = None
    one = files[7]
    q = shlex.quote
    vigie = f"{q(VIGIE)} --server {server.addr} grep"
    rows = []
    try:
        for name, logql, rg_pat, ch_where in COUNT_ROWS + NEWEST_ROWS:
            if a.rows and not re.search(a.rows, name):
                continue
            newest = (name, logql, rg_pat, ch_where) in NEWEST_ROWS
            logql %= {"one": one}
            single = "file=" in logql
            raw_glob = q(one) if single else f"{corpus}/*.log"
            zst_glob = q(os.path.join(zst_dir, os.path.basename(one) + ".zst")) if single \
                else f"{zst_dir}/*.zst"
            metric = logql.startswith("sum")
            tools = {}
            if newest:
                tools["vigie"] = (f"{vigie} {q(logql)} --since 24h --limit 100",
                                  lambda o: o.count(b"\n"))
                tail = "| tail -n 100"
                lines = lambda o: o.count(b"\n")
                tools["rg"] = (f"rg -j2 -N --no-filename {rg_pat} {raw_glob} {tail}", lines)
                tools["rg_j1"] = (f"rg -j1 -N --no-filename {rg_pat} {raw_glob} {tail}", lines)
                tools["zstdcat_rg"] = (f"zstdcat {zst_glob} | rg -N {rg_pat} {tail}", lines)
                if ch:
                    sql = (f"SELECT line FROM logs WHERE {ch_where % {'one': one}} "
                           "ORDER BY ts_ns DESC LIMIT 100")
                    tools["clickhouse"] = (" ".join(map(q, ch.client_cmd(sql))),
                                           lambda o: o.count(b"\n"))
            else:
                if metric:
                    tools["vigie"] = (f"{vigie} {q(logql)} --since 24h --step 1m -o jsonl",
                                      lambda o: sum_field(o, "value"))
                else:
                    tools["vigie"] = (f"{vigie} {q(logql)} --since 24h --count -o jsonl",
                                      lambda o: sum_field(o, "count"))
                tools["rg"] = (f"rg -j2 -c --no-filename {rg_pat} {raw_glob}", sum_ints)
                tools["rg_j1"] = (f"rg -j1 -c --no-filename {rg_pat} {raw_glob}", sum_ints)
                tools["zstdcat_rg"] = (f"zstdcat {zst_glob} | rg -c {rg_pat}", sum_ints)
                if ch:
                    sql = ("SELECT app, toStartOfMinute(ts) AS m, count() FROM logs WHERE "
                           "position(line, 'INFO') > 0 GROUP BY app, m" if metric else
                           f"SELECT count() FROM logs WHERE {ch_where % {'one': one}}")
                    count = (lambda o: sum(int(l.split(b"\t")[-1]) for l in o.splitlines())) \
                        if metric else sum_ints
                    tools["clickhouse"] = (" ".join(map(q, ch.client_cmd(sql))), count)
            times = {t: [] for t in tools}
            counts = {}
            for _ in range(a.reps):
                for tool, (cmd, count) in tools.items():
                    if tool in counts and counts[tool] is None:
                        continue  # It failed in an earlier round.
                    try:
                        t, out = timed(cmd)
                    except RuntimeError as e:
                        log(f"{name}: {tool} failed: {e}")
                        counts[tool] = None
                        continue
                    times[tool].append(t)
                    counts[tool] = count(out)
            for tool in [t for t, c in counts.items() if c is None]:
                del counts[tool], times[tool]
            agree = len(set(counts.values())) == 1
            row = {"name": name, "query": logql, "newest": newest,
                   "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
                   "bytes": os.path.getsize(one) if single else raw, "counts": counts,
                   "agree": agree,
                   "min": {t: min(v) for t, v in times.items()},
                   "median": {t: statistics.median(v) for t, v in times.items()}}
            rows.append(row)
            log(f"{name}: " + ", ".join(f"{t} {row['min'][t]:.3f}s ({counts[t]})" for t in counts)
                + ("" if agree else "  COUNTS DIFFER"))
    finally:
        server.stop()
        if ch:
            ch.stop()
    return rows


def cell(text):
    """Markdown table cell text: pipes escaped, even inside code."""
    return text.replace("|", "\\|")


def code(text):
    """A code span that may hold backticks."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def fmt_time(row, tool):
    if tool not in row["min"]:
        return "—"
    return f"{row['min'][tool]:.3f} ({row['median'][tool]:.3f})"


def row_line(s):
    """A search row of the table."""
    ratio = lambda a, b: (f"{s['min'][a] / s['min'][b]:.2f}"  # noqa: E731
                          if a in s["min"] and b in s["min"] else "—")
    return (f"| {cell(s['name'])} | {s['counts'].get('vigie', 0):,} | {fmt_time(s, 'vigie')} | "
            f"{fmt_time(s, 'rg')} | {fmt_time(s, 'rg_j1')} | {fmt_time(s, 'zstdcat_rg')} | "
            f"{fmt_time(s, 'clickhouse')} | {ratio('clickhouse', 'vigie')} | "
            f"{ratio('vigie', 'rg')} | {'yes' if s['agree'] else 'NO: ' + str(s['counts'])} |")


LATER = "Rows measured again later (`--search-only --rows`), each tool in the same rounds: "


def update_rows(rows):
    """Replaces the table lines of `rows` in RESULTS.md's section, leaving every other figure as
    the last full run wrote it, and says when they were measured."""
    text = open(splice_section.RESULTS).read()
    section = text.split("<!-- log begin -->\n", 1)[1].split("<!-- log end -->", 1)[0]
    lines = section.rstrip("\n").split("\n")
    when = {}
    for line in lines:
        if line.startswith(LATER):
            when = dict(item.rsplit(" (", 1) for item in line[len(LATER):].rstrip(".").split("; "))
    lines = [l for l in lines if not l.startswith(LATER)]
    for s in rows:
        prefix = f"| {cell(s['name'])} |"
        lines = [row_line(s) if l.startswith(prefix) else l for l in lines]
        when[s["name"]] = s["date"] + ")"
    at = lines.index(next(l for l in lines if l.startswith("Queries: ")))
    lines[at:at] = [LATER + "; ".join(f"{n} ({d}" for n, d in when.items()) + ".", ""]
    splice_section.splice("log", "\n".join(lines))


def write_results(r, total_mib):
    raw = r["raw"]
    cpu = subprocess.run("lscpu | sed -n 's/^Model name: *//p'", shell=True,
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    command = "bench/run.py" + ("" if total_mib == 1100 else f" --mib {total_mib}")
    out = [
        "# Benchmark results",
        "",
        f"- date: {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- command: `{command}` (after `./scripts/build.sh`), holding the CPU lock",
        f"- corpus: {mib(raw):.0f} MiB, {r['lines']} lines in 50 files replayed from the loghub "
        "samples with varied numbers and ids (`bench/gen_logs.py`)",
        "",
        "## Ingest (vigie push → vigied, durable acks: every batch fsync'ed before its ack)",
        "",
        "| agents | wall s | MiB/s | vigied CPU s | MiB/s per vigied CPU s | vigied peak RSS MiB |",
        "|---|---|---|---|---|---|",
    ]
    for n in (1, 4, 50):
        i = r[f"ingest{n}"]
        out.append(f"| {n} | {i['seconds']:.1f} | {mib(raw) / i['seconds']:.1f} | "
                   f"{i['server_cpu']:.1f} | {mib(raw) / i['server_cpu']:.1f} | {i['rss_mib']:.0f} |")
    out += [
        "",
        "## Stored size",
        "",
        "| | MiB | ratio to raw |",
        "|---|---|---|",
        f"| raw | {mib(raw):.0f} | 1.00 |",
        f"| vigied data directory (du), 1 agent | {mib(r['stored1']):.0f} | {r['stored1'] / raw:.3f} |",
        f"| vigied data directory (du), 50 agents | {mib(r['stored50']):.0f} | {r['stored50'] / raw:.3f} |",
        f"| gzip -6 | {mib(r['gzip6']['bytes']):.0f} | {r['gzip6']['bytes'] / raw:.3f} |",
        f"| zstd -3 | {mib(r['zstd3']['bytes']):.0f} | {r['zstd3']['bytes'] / raw:.3f} |",
        "",
        "## Search (the 50 streams pushed at once, so that they overlap in time; warm page cache)",
        "",
        f"Each search ran {r['reps']} rounds, every tool once a round in turn; "
        "seconds are min (median). vigie counts with `vigie grep --count` (the metric row sums "
        "its points); rg with `-c`; ClickHouse with `count()`. Decompression floor: "
        f"`zstd -d` reads this corpus at {mib(r['decompress']['speed']):.0f} MiB/s on one core, "
        f"so a scan that decompresses every block takes at least {r['decompress']['floor']:.3f} s "
        f"on {os.cpu_count()} cores.",
        "",
        "| search | matches | vigie s | rg -j2 s | rg -j1 s | zstdcat \\| rg s | ClickHouse 18.16 s "
        "| ClickHouse / vigie | vigie / rg -j2 | counts agree |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    out += [row_line(s) for s in r["search"]]
    out.append("")
    out.append("Queries: " + "; ".join(f"{s['name']}: {code(s['query'])}" for s in r["search"]
                                       if not s["newest"]))
    splice_section.splice("log", "\n".join(out))
    log(f"wrote {splice_section.RESULTS}")


if __name__ == "__main__":
    main()
