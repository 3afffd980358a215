#!/usr/bin/env python3
"""Scrape CPU: vigie-collector against Prometheus 2.42 and vmagent on the same exposition, and
host-metrics CPU against node_exporter scraped by Prometheus, in one run on this machine.

    flock /tmp/vigie-cpu.lock bench/collector/scrape_bench.py [--build build] [--seconds 40]

A Python HTTP server serves a generated exposition of 100,000 series (1,000 targets' worth of
100 series: 100 families x 1,000 label sets, text format 0.0.4, gzip when asked); each scraper in
turn scrapes it every second for --seconds. The figure is the scraper's CPU (user + system, from
/proc/<pid>/stat) per scrape, after a warm-up of 5 scrapes, divided by the samples of a scrape.
vigie-collector ships to a vigied (its CPU is reported apart); Prometheus stores in its TSDB;
vmagent remote-writes to vigied. Host metrics: the collector with only its host input at 1 s
against node_exporter plus a Prometheus scraping it every second (both processes' CPU).
Writes the section "scrape" of bench/RESULTS-collector.md.
"""
import argparse
import gzip
import http.server
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import splice_section  # noqa: E402

FAMILIES, LABEL_SETS = 100, 1000
TICKS = os.sysconf("SC_CLK_TCK")


def exposition():
    lines = []
    for f in range(FAMILIES):
        name = f"bench_requests_{f}_total"
        lines.append(f"# HELP {name} Requests of family {f}.\n# TYPE {name} counter\n")
        for s in range(LABEL_SETS):
            lines.append(f'{name}{{target="t{s % 1000}",path="/api/v1/items/{s}",code="200"}} '
                         f"{(f * 7919 + s * 104729) % 1000003}\n")
    return "".join(lines).encode()


class Exporter(http.server.ThreadingHTTPServer):
    """Serves the body and counts the scrapes."""

    def __init__(self, body):
        self.body, self.gzipped, self.scrapes = body, gzip.compress(body, 1), 0
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                exporter.scrapes += 1
                use_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
                data = exporter.gzipped if use_gzip else exporter.body
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                if use_gzip:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request, client_address):
        pass  # A scraper closing its kept-alive connection is not an error here.

    @property
    def address(self):
        return f"127.0.0.1:{self.server_address[1]}"


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(path, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            time.sleep(0.1)
            return json.load(open(path))
        time.sleep(0.1)
    raise RuntimeError(f"{path} never appeared")


def measure(exporter, pids, seconds, warmup=5):
    """CPU of `pids` per scrape of `exporter` once `warmup` scrapes are done."""
    deadline = time.time() + 60
    while exporter.scrapes < warmup:
        if time.time() > deadline:
            raise RuntimeError("the scraper never scraped")
        time.sleep(0.05)
    start_scrapes, start_cpu = exporter.scrapes, [cpu_seconds(p) for p in pids]
    time.sleep(seconds)
    scrapes = exporter.scrapes - start_scrapes
    return scrapes, [(cpu_seconds(p) - c) / max(scrapes, 1) for p, c in zip(pids, start_cpu)]


def start(argv, log):
    return subprocess.Popen(argv, stdout=open(log, "w"), stderr=subprocess.STDOUT)


def stop(*procs):
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def vigied(build, work):
    ready = f"{work}/vigied.json"
    proc = start([f"{build}/server/vigied", "--data-dir", f"{work}/data", "--grpc-listen",
                  "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--ready-file", ready,
                  "--log-level", "warn"], f"{work}/vigied.log")
    return proc, wait_ready(ready)


def collector(build, work, server, inputs):
    ready = f"{work}/collector.json"
    with open(f"{work}/collector.yaml", "w") as f:
        f.write(f"server: {server}\ninputs:\n{inputs}")
    proc = start([f"{build}/collector/vigie-collector", "--config", f"{work}/collector.yaml",
                  "--state-dir", f"{work}/state", "--metrics-listen", "127.0.0.1:0",
                  "--ready-file", ready, "--log-level", "warn"], f"{work}/collector.log")
    wait_ready(ready)
    return proc


def prometheus(work, targets):
    port = free_port()
    with open(f"{work}/prometheus.yml", "w") as f:
        f.write("global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n"
                f"  - job_name: bench\n    static_configs: [{{targets: ['{targets}']}}]\n")
    return start(["/usr/bin/prometheus", f"--config.file={work}/prometheus.yml",
                  f"--storage.tsdb.path={work}/tsdb", f"--web.listen-address=127.0.0.1:{port}",
                  "--log.level=warn"], f"{work}/prometheus.log")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--seconds", type=int, default=40)
    args = parser.parse_args()
    samples = FAMILIES * LABEL_SETS
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        body = exposition()
        # vigie-collector -> vigied.
        work = f"{tmp}/collector"
        os.makedirs(work)
        exporter = Exporter(body)
        server, ready = vigied(args.build, work)
        coll = collector(args.build, work, ready["grpc"],
                         "  - {type: host, enabled: false}\n  - type: scrape\n    interval: 1s\n"
                         f"    timeout: 1s\n    targets: [{{url: 'http://{exporter.address}/metrics'}}]\n")
        scrapes, (coll_cpu, vigied_cpu) = measure(exporter, [coll.pid, server.pid], args.seconds)
        stop(coll, server)
        exporter.shutdown()
        rows.append(("vigie-collector (ships to vigied)", scrapes, coll_cpu,
                     f"vigied {vigied_cpu * 1000:.0f} ms/scrape"))
        # Prometheus 2.42.
        work = f"{tmp}/prometheus"
        os.makedirs(work)
        exporter = Exporter(body)
        prom = prometheus(work, exporter.address)
        scrapes, (prom_cpu,) = measure(exporter, [prom.pid], args.seconds)
        stop(prom)
        exporter.shutdown()
        rows.append(("Prometheus 2.42 (TSDB head)", scrapes, prom_cpu, ""))
        # vmagent, remote-writing to vigied.
        work = f"{tmp}/vmagent"
        os.makedirs(work)
        exporter = Exporter(body)
        server, ready = vigied(args.build, work)
        with open(f"{work}/scrape.yml", "w") as f:
            f.write("scrape_configs:\n  - job_name: bench\n    scrape_interval: 1s\n"
                    f"    static_configs: [{{targets: ['{exporter.address}']}}]\n")
        vmagent = start(["/usr/bin/vmagent", f"-promscrape.config={work}/scrape.yml",
                         f"-remoteWrite.url=http://{ready['http']}/api/v1/write",
                         f"-remoteWrite.tmpDataPath={work}/vmagent-data",
                         f"-httpListenAddr=127.0.0.1:{free_port()}", "-loggerLevel=ERROR"],
                        f"{work}/vmagent.log")
        scrapes, (vm_cpu,) = measure(exporter, [vmagent.pid], args.seconds)
        stop(vmagent, server)
        exporter.shutdown()
        rows.append(("vmagent (VictoriaMetrics 1.79, remote-writes to vigied)", scrapes, vm_cpu, ""))
        # Host metrics: the collector's host input against node_exporter + Prometheus.
        work = f"{tmp}/host"
        os.makedirs(work)
        server, ready = vigied(args.build, work)
        coll = collector(args.build, work, ready["grpc"], "  - {type: host, interval: 1s}\n")
        c0, t0 = cpu_seconds(coll.pid), time.time()
        time.sleep(args.seconds)
        host_cpu = (cpu_seconds(coll.pid) - c0) / (time.time() - t0)
        stop(coll, server)
        node_port = free_port()
        node = start(["/usr/bin/prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{node_port}"],
                     f"{work}/node_exporter.log")
        prom = prometheus(work, f"127.0.0.1:{node_port}")
        time.sleep(5)
        n0, p0, t0 = cpu_seconds(node.pid), cpu_seconds(prom.pid), time.time()
        time.sleep(args.seconds)
        elapsed = time.time() - t0
        node_cpu, prom_cpu_host = (cpu_seconds(node.pid) - n0) / elapsed, (cpu_seconds(prom.pid) - p0) / elapsed
        stop(prom, node)

    out = [
        "## Scrape and host metrics (`bench/collector/scrape_bench.py`)",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {os.cpu_count()} cores, "
        f"{platform.machine()}, Linux {platform.release()}",
        f"- command: `flock /tmp/vigie-cpu.lock bench/collector/scrape_bench.py --seconds {args.seconds}`",
        f"- exposition: {samples} series ({len(body) / 1e6:.1f} MB, text 0.0.4; served gzip'ed when asked), "
        "scraped every second by one scraper at a time",
        "",
        "| scraper | scrapes measured | CPU ms / scrape | CPU µs / sample | besides |",
        "|---|---|---|---|---|",
    ]
    for name, scrapes, cpu, besides in rows:
        out.append(f"| {name} | {scrapes} | {cpu * 1000:.0f} | {cpu * 1e6 / samples:.2f} | {besides} |")
    out += [
        "",
        "Host metrics, one collection per second, CPU seconds per second (= per collection):",
        "",
        "| | CPU ms / collection |",
        "|---|---|",
        f"| vigie-collector host input (ships to vigied) | {host_cpu * 1000:.1f} |",
        f"| node_exporter 1.5 + Prometheus 2.42 scraping it | {(node_cpu + prom_cpu_host) * 1000:.1f} "
        f"({node_cpu * 1000:.1f} + {prom_cpu_host * 1000:.1f}) |",
        "",
    ]
    text = "\n".join(out)
    print(text)
    splice_section.splice("scrape", text, os.path.join(ROOT, "bench", "RESULTS-collector.md"))


if __name__ == "__main__":
    main()
