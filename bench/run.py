#!/usr/bin/env python3
"""The end-to-end benchmark: ingest, storage size and search, each beside the reference tools
(ripgrep, gzip, zstd) measured in the same run. Writes bench/RESULTS.md.

usage: bench/run.py [--total-mib 1100] [--work bench/work]
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import time

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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--total-mib", type=int, default=1100)
    p.add_argument("--work", default=os.path.join(ROOT, "bench", "work"))
    a = p.parse_args()
    corpus = os.path.join(a.work, "corpus")
    files = sorted(glob.glob(os.path.join(corpus, "*.log")))
    if len(files) != 50 or sum(map(os.path.getsize, files)) < a.total_mib * 2**20 * 0.99:
        log(f"generating {a.total_mib} MiB of log lines in {corpus}")
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_logs.py"), corpus,
                        "--total-mib", str(a.total_mib)], check=True)
        files = sorted(glob.glob(os.path.join(corpus, "*.log")))
    raw = sum(map(os.path.getsize, files))
    lines = int(subprocess.run(f"cat {corpus}/*.log | wc -l", shell=True,
                               stdout=subprocess.PIPE).stdout)
    log(f"corpus: {len(files)} files, {mib(raw):.0f} MiB, {lines} lines")
    results = {"raw": raw, "lines": lines}

    # Ingest: one agent, then four agents at once, each into a fresh data directory.
    for agents in (1, 4):
        data = os.path.join(a.work, f"data-{agents}")
        shutil.rmtree(data, ignore_errors=True)
        server = Server(data)
        groups = [files[i::agents] for i in range(agents)]
        log(f"ingest with {agents} agent(s)")
        t = time.perf_counter()
        procs = [subprocess.Popen([VIGIE, "--server", server.addr, "push", "--label",
                                   "bench=corpus", *g], stderr=subprocess.PIPE) for g in groups]
        for pr in procs:
            if pr.wait() != 0:
                raise RuntimeError(pr.stderr.read().decode())
        elapsed = time.perf_counter() - t
        rss, cpu = proc_stats(server.proc.pid)
        results[f"ingest{agents}"] = {"seconds": elapsed, "rss_mib": rss, "server_cpu": cpu}
        log(f"  {mib(raw) / elapsed:.1f} MiB/s, vigied peak RSS {rss:.0f} MiB, {cpu:.1f} CPU s")
        if agents == 4:
            server.stop()
            shutil.rmtree(data)
            continue
        time.sleep(12)  # One pass of the small-block merger.
        server.stop()
        results["stored"] = du(data)

    # Reference compressors over the same bytes.
    cat = f"cat {corpus}/*.log"
    for name, cmd in (("gzip6", f"{cat} | gzip -6 | wc -c"), ("zstd3", f"{cat} | zstd -3 -T1 | wc -c")):
        t, out = timed(cmd)
        results[name] = {"bytes": int(out), "seconds": t}
        log(f"{name}: {mib(int(out)):.0f} MiB in {t:.1f} s")
    zst_dir = os.path.join(a.work, "corpus-zst")
    if not os.path.isdir(zst_dir):
        os.makedirs(zst_dir)
        for f in files:
            subprocess.run(["zstd", "-q", "-3", f, "-o",
                            os.path.join(zst_dir, os.path.basename(f) + ".zst")], check=True)

    # Searches, warm cache, best of 3; each beside rg on the raw files and zstdcat | rg.
    server = Server(os.path.join(a.work, "data-1"))
    one = files[7]
    searches = [
        ("literal", '{bench="corpus"} |= "Failed password for invalid user"',
         "-F 'Failed password for invalid user'", "*.log"),
        ("regex with a literal", '{bench="corpus"} |~ "PacketResponder [0-9]+ for block blk_-[0-9]+ terminating"',
         "'PacketResponder [0-9]+ for block blk_-[0-9]+ terminating'", "*.log"),
        ("regex without a literal", '{bench="corpus"} |~ "[0-9]{3}\\\\.[0-9]{3}\\\\.[0-9]{3}\\\\.[0-9]{3}:[0-9]{5}"',
         "'[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}\\.[0-9]{3}:[0-9]{5}'", "*.log"),
        ("one stream of fifty", '{file="%s"} |= "INFO"' % one, "-F INFO", os.path.basename(one)),
    ]
    results["search"] = []
    for name, q, rg_pattern, glob_pat in searches:
        t_v, out_v = best_of(3, [VIGIE, "--server", server.addr, "grep", q, "--since", "24h",
                                 "--limit", "0"])
        t_rg, out_rg = best_of(3, f"rg -N --no-filename {rg_pattern} {corpus}/{glob_pat}")
        t_rg1, _ = best_of(3, f"rg -j1 -N --no-filename {rg_pattern} {corpus}/{glob_pat}")
        t_z, _ = best_of(3, f"zstdcat {zst_dir}/{glob_pat}.zst | rg -N {rg_pattern}")
        scanned = raw if glob_pat == "*.log" else os.path.getsize(one)
        results["search"].append({"name": name, "query": q, "vigie": t_v, "rg": t_rg,
                                  "rg_j1": t_rg1, "zstdcat_rg": t_z, "bytes": scanned,
                                  "matches_vigie": out_v.count(b"\n"),
                                  "matches_rg": out_rg.count(b"\n")})
        log(f"{name}: vigie {t_v:.3f}s rg {t_rg:.3f}s rg -j1 {t_rg1:.3f}s zstdcat|rg {t_z:.3f}s")
    server.stop()
    write_results(results)


def write_results(r):
    raw = r["raw"]
    cpu = subprocess.run("lscpu | sed -n 's/^Model name: *//p'", shell=True,
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    out = [
        "# Benchmark results",
        "",
        f"- date: {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "- command: `bench/run.py` (after `./scripts/build.sh`)",
        f"- corpus: {mib(raw):.0f} MiB, {r['lines']} lines in 50 files replayed from the loghub "
        "samples with varied numbers and ids (`bench/gen_logs.py`)",
        "",
        "## Ingest (vigie push → vigied, durable acks: every batch fsync'ed before its ack)",
        "",
        "| agents | wall s | MiB/s | vigied CPU s | MiB/s per vigied CPU s | vigied peak RSS MiB |",
        "|---|---|---|---|---|---|",
    ]
    for n in (1, 4):
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
        f"| vigied data directory (du) | {mib(r['stored']):.0f} | {r['stored'] / raw:.3f} |",
        f"| gzip -6 | {mib(r['gzip6']['bytes']):.0f} | {r['gzip6']['bytes'] / raw:.3f} |",
        f"| zstd -3 | {mib(r['zstd3']['bytes']):.0f} | {r['zstd3']['bytes'] / raw:.3f} |",
        "",
        "## Search (warm page cache, best of 3, all matches printed)",
        "",
        "| search | bytes scanned | vigie s | vigie GB/s | rg s (2 threads) | rg -j1 s | zstdcat \\| rg s | matches vigie / rg |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in r["search"]:
        out.append(f"| {s['name']} | {mib(s['bytes']):.0f} MiB | {s['vigie']:.3f} | "
                   f"{s['bytes'] / s['vigie'] / 1e9:.2f} | {s['rg']:.3f} | {s['rg_j1']:.3f} | "
                   f"{s['zstdcat_rg']:.3f} | {s['matches_vigie']} / {s['matches_rg']} |")
    out.append("")
    out.append("Queries: " + "; ".join(f"{s['name']}: `{s['query']}`" for s in r["search"]))
    path = os.path.join(ROOT, "bench", "RESULTS.md")
    notes = os.path.join(ROOT, "bench", "NOTES.md")
    collector = os.path.join(ROOT, "bench", "RESULTS-collector.md")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
        if os.path.exists(notes):
            f.write("\n" + open(notes).read())
        if os.path.exists(collector):  # Written by bench/collector/run.sh.
            f.write("\n" + splice_section.section("collector", open(collector).read()))
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
