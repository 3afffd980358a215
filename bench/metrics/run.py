#!/usr/bin/env python3
"""The metrics benchmark: vigied beside Prometheus 2.42 and VictoriaMetrics 1.79 (Debian's
`prometheus` and `victoria-metrics`, see scripts/setup.sh), each receiving the same remote_write
stream in the same run (build/bench/remote_write_load: node_exporter-like, 500 series per
instance, one sample per series per scrape interval). For a steady workload and a churn variant
(10% of the instances replaced every 10 minutes), measures per receiver: ingest samples/s and CPU
seconds per million samples, RSS per active series, bytes per sample on disk after a flush, and
range-query latency (median and worst of --runs). Writes the Metrics section of bench/RESULTS.md.

usage: bench/metrics/run.py [--instances 200] [--hours 2] [--runs 5] [--only-references]
                            [--only-vigied] [--steady-only] [--build DIR]

--only-references leaves vigied out (for a vigied without the metrics pipeline); --only-vigied
leaves the references out (interim runs of vigied alone); --steady-only skips the churn variant;
--build takes vigied and the load generator from another build tree (to compare two versions). Every process
it starts listens on a free loopback port with its data under --work, and is stopped at the end.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import splice_section  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")  # --build

# Range queries over the whole simulated span at a 60 s step.
QUERIES = [
    ("selective", 'node_memory_field3_bytes{instance="host-2-g0"}'),
    ("aggregate over all series", 'count({job="node"})'),
    ("rate of counters", "sum by (instance) (rate(node_cpu_seconds_total[5m]))"),
    ("histogram_quantile",
     "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"),
    ("regex over many series",
     'sum by (device) (rate(node_network_receive_bytes_total{instance=~"host-1.*",'
     'device=~"eth.*|docker.*"}[5m]))'),
]


def log(msg):
    print(f"[metrics bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, data=None, timeout=300):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=timeout) as r:
        return r.read()


def wait_http(url, proc, what):
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            http(url, timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {url}")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def du(path, skip=()):
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d not in skip]
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in filenames
                     if os.path.isfile(os.path.join(dirpath, f)))
    return total


class Receiver:
    """A receiver process: name, address, remote_write path, and how it flushes to disk."""

    def __init__(self, name, work):
        self.name, self.dir = name, os.path.join(work, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.logfile = open(os.path.join(self.dir, "log"), "w")

    def spawn(self, argv):
        self.proc = subprocess.Popen(argv, stdout=self.logfile, stderr=subprocess.STDOUT)

    def query_range(self, query, start, end, step):
        t = time.perf_counter()
        body = http(f"http://{self.address}/api/v1/query_range",
                    {"query": query, "start": start, "end": end, "step": step})
        elapsed = time.perf_counter() - t
        answer = json.loads(body)
        if answer.get("status") != "success":
            raise RuntimeError(f"{self.name}: {query}: {answer}")
        return elapsed, len(answer["data"]["result"])

    def make_searchable(self):
        """Makes everything received visible to queries (VictoriaMetrics buffers rows)."""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Vigied(Receiver):
    flushed = "clean stop (SIGTERM: memtables flushed, WAL emptied), then du of the data directory"

    def __init__(self, work):
        super().__init__("vigied", work)
        ready = os.path.join(self.dir, "ready.json")
        self.spawn([os.path.join(BUILD, "server", "vigied"), "--data-dir",
                    os.path.join(self.dir, "data"), "--grpc-listen", "127.0.0.1:0",
                    "--http-listen", self.address, "--ready-file", ready,
                    "--self-metrics-interval", "0", "--log-level", "warn"])
        wait_http(f"http://{self.address}/readyz", self.proc, "vigied")

    def settle(self):
        self.stop()
        return du(os.path.join(self.dir, "data"))


class Prometheus(Receiver):
    flushed = ("TSDB snapshot through the admin API (the head is written out as a block), "
               "then du of the snapshot")

    def __init__(self, work):
        super().__init__("Prometheus 2.42", work)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global: {scrape_interval: 15s}\n")
        self.spawn(["/usr/bin/prometheus", f"--config.file={config}",
                    f"--storage.tsdb.path={self.dir}/tsdb", f"--web.listen-address={self.address}",
                    "--web.enable-remote-write-receiver", "--web.enable-admin-api",
                    "--log.level=warn"])
        wait_http(f"http://{self.address}/-/ready", self.proc, "prometheus")

    def settle(self):
        name = json.loads(http(f"http://{self.address}/api/v1/admin/tsdb/snapshot", {}))
        size = du(os.path.join(self.dir, "tsdb", "snapshots", name["data"]["name"]))
        self.stop()
        return size


class VictoriaMetrics(Receiver):
    flushed = ("/internal/force_flush, 10 s for background merges, then du of the storage "
               "directory without snapshots/ and tmp/")

    def __init__(self, work):
        super().__init__("VictoriaMetrics 1.79", work)
        # No result cache and no hidden last 30 s, so that every run reads the data.
        self.spawn(["/usr/bin/victoria-metrics", f"-storageDataPath={self.dir}/data",
                    f"-httpListenAddr={self.address}", "-retentionPeriod=1y",
                    "-search.disableCache", "-search.latencyOffset=0s", "-loggerLevel=ERROR"])
        wait_http(f"http://{self.address}/health", self.proc, "victoria-metrics")

    def make_searchable(self):
        http(f"http://{self.address}/internal/force_flush")
        time.sleep(2)

    def settle(self):
        http(f"http://{self.address}/internal/force_flush")
        time.sleep(10)
        size = du(os.path.join(self.dir, "data"), skip=("snapshots", "tmp"))
        self.stop()
        return size


def run_variant(name, churn, args, work):
    receivers = []
    try:
        if not args.only_references:
            receivers.append(Vigied(work))
        if not args.only_vigied:
            receivers += [Prometheus(work), VictoriaMetrics(work)]
        argv = [os.path.join(BUILD, "bench", "remote_write_load"), "--instances",
                str(args.instances), "--hours", str(args.hours),
                "--churn-percent", str(churn)]
        for r in receivers:
            argv += ["--target", f"http://{r.address}/api/v1/write={r.proc.pid}"]
            r.idle_rss = rss_bytes(r.proc.pid)  # Ready and empty: code, libraries, buffers.
        log(f"{name}: sending to {', '.join(r.name for r in receivers)}")
        out = subprocess.run(argv, stdout=subprocess.PIPE, check=True, text=True).stdout
        ingest = [json.loads(line) for line in out.splitlines()]
        step = 15
        end = int(time.time()) // step * step
        start = end - int(args.hours * 3600)
        for r in receivers:
            r.make_searchable()
        queries = {}
        for label, query in QUERIES:
            for r in receivers:
                times, series = [], None
                for _ in range(args.runs):
                    t, series = r.query_range(query, start, end, 60)
                    times.append(t)
                queries[(label, r.name)] = (statistics.median(times), max(times), series)
            log(f"{name}: {label}: " + ", ".join(
                f"{r.name} {queries[(label, r.name)][0]:.3f} s" for r in receivers))
        disk = {r.name: r.settle() for r in receivers}
        return receivers, ingest, disk, queries
    finally:
        for r in receivers:
            r.stop()


def report(variants, args):
    lines = ["## Metrics (remote_write in, PromQL range queries out)", "",
             f"- date: {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC",
             f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"Linux {platform.release()}",
             f"- command: `bench/metrics/run.py --instances {args.instances} --hours {args.hours} "
             f"--runs {args.runs}`",
             f"- workload: {args.instances} node_exporter-like instances x 500 series = "
             f"{args.instances * 500} active series, one sample per series every 15 s over "
             f"{args.hours} simulated hours, 2,000 samples per request, 4 connections; sent to "
             "each receiver in turn (the others idle), so each has both cores but for the "
             "sender's", ""]
    for name, (receivers, ingest, disk, queries) in variants.items():
        lines += [f"### {name}", "",
                  "| receiver | samples | wall s | samples/s | CPU s | CPU s per 1M samples | "
                  "RSS MiB idle / after ingest | RSS bytes per active series (above idle) | "
                  "disk bytes per sample | failed requests |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r, m in zip(receivers, ingest):
            lines.append(
                f"| {r.name} | {m['samples']} | {m['seconds']:.1f} | "
                f"{m['samples'] / m['seconds']:,.0f} | {m['cpu_seconds']:.1f} | "
                f"{m['cpu_seconds'] / m['samples'] * 1e6:.2f} | "
                f"{r.idle_rss / 2**20:.0f} / {m['rss_bytes'] / 2**20:.0f} | "
                f"{m['rss_bytes'] / m['active_series']:.0f} "
                f"({(m['rss_bytes'] - r.idle_rss) / m['active_series']:.0f}) | "
                f"{disk[r.name] / m['samples']:.2f} | {m['rejected_requests']} |")
        lines += ["", f"Series created in all: {ingest[0]['series_created']}.", "",
                  f"| range query ({args.hours:g} h, 60 s step) | " +
                  " | ".join(f"{r.name} median / worst s (series)" for r in receivers) + " |",
                  "|---|" + "---|" * len(receivers)]
        for label, query in QUERIES:
            cells = []
            for r in receivers:
                median, worst, series = queries[(label, r.name)]
                cells.append(f"{median:.3f} / {worst:.3f} ({series})")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["How each was flushed before measuring its disk use:"]
    for r in next(iter(variants.values()))[0]:
        lines.append(f"- {r.name}: {r.flushed}.")
    lines += ["", "Queries: " + "; ".join(f"{label}: `{q}`" for label, q in QUERIES)]
    return "\n".join(lines) + "\n"


def main():
    global BUILD
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instances", type=int, default=200, help="500 series each (default 200)")
    p.add_argument("--hours", type=float, default=2, help="simulated span (default 2)")
    p.add_argument("--runs", type=int, default=5, help="runs of each query (default 5)")
    p.add_argument("--only-references", action="store_true",
                   help="Prometheus and VictoriaMetrics only, without vigied")
    p.add_argument("--only-vigied", action="store_true",
                   help="vigied only, without Prometheus and VictoriaMetrics")
    p.add_argument("--steady-only", action="store_true",
                   help="the steady variant only, without the churn variant")
    p.add_argument("--build", default=os.path.join(ROOT, "build"),
                   help="build tree holding server/vigied and bench/remote_write_load "
                        "(default build/)")
    p.add_argument("--work", default=os.path.join(ROOT, "bench", "work", "metrics"),
                   help="data directories (default bench/work/metrics)")
    p.add_argument("--no-results", action="store_true",
                   help="print the section instead of writing bench/RESULTS.md")
    args = p.parse_args()
    if args.only_vigied and args.only_references:
        sys.exit("--only-vigied and --only-references leave nothing to measure: give one")
    BUILD = os.path.abspath(args.build)
    load = os.path.join(BUILD, "bench", "remote_write_load")
    if not os.path.exists(load):
        sys.exit(f"{load} is missing: build it first (./scripts/build.sh)")
    variants = {}
    chosen = [("Steady series", 0), ("Churn: 10% of the series replaced every 10 min", 10)]
    for name, churn in chosen[:1] if args.steady_only else chosen:
        variants[name] = run_variant(name, churn, args, os.path.join(args.work, f"churn{churn}"))
        # Written after each variant, so that a long run interrupted later keeps what it measured.
        text = report(variants, args)
        if args.no_results:
            print(text)
            continue
        out = os.path.join(ROOT, "bench", "RESULTS-metrics.md")
        with open(out, "w") as f:
            f.write(text)
        splice_section.splice("metrics", text)
        log(f"wrote {out} and the metrics section of bench/RESULTS.md")


if __name__ == "__main__":
    main()
