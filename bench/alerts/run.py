#!/usr/bin/env python3
"""The alerting benchmark: vigied's rule engine and notifications beside Prometheus 2.42 and
Alertmanager 0.25 (Debian's `prometheus` and `prometheus-alertmanager`), in the same run.

1. Rule evaluation: both receive the same 100,000 node_exporter-like series over remote_write
   (build/bench/remote_write_load); then both load the same 1,000 rules (20 groups of 50, every
   15 s) by a reload. Measured: each process's CPU seconds per evaluation round (CPU over four
   rounds, less what the process used over the same time before the rules were loaded), and the
   p99 of the groups' evaluation times (from /api/v1/rules, polled every second).
2. Condition to POST: 100 alerts (`bench_trigger{n="..."} > 0`, for 0s, group_by [alertname, n],
   group_wait 0s, evaluated every 15 s) are made true one by one at random moments by a
   remote_write of the same sample to both; the time from that write to the POST at a webhook
   receiver (this script's HTTP server): vigied directly, Prometheus through Alertmanager.

Writes the Alerting section of bench/RESULTS.md.

usage: bench/alerts/run.py [--instances 200] [--alerts 100]
"""
import argparse
import datetime
import http.server
import importlib.util
import json
import os
import platform
import random
import signal
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import splice_section  # noqa: E402

_spec = importlib.util.spec_from_file_location("metrics_run", os.path.join(HERE, "..", "metrics",
                                                                           "run.py"))
peers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peers)

INTERVAL = 15
GROUPS, RULES_PER_GROUP = 20, 50


def log(msg):
    print(f"[alerts bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- remote_write without dependencies: protobuf by hand, snappy as literals only -------------

def _varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number, payload):  # A length-delimited field.
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def write_request(series):
    """series: [(labels dict, [(ts_ms, value)])] -> a prometheus.WriteRequest."""
    out = b""
    for labels, samples in series:
        ts = b"".join(_field(1, _field(1, k.encode()) + _field(2, v.encode()))
                      for k, v in sorted(labels.items()))
        for t, v in samples:
            ts += _field(2, b"\x09" + struct.pack("<d", v) + b"\x10" + _varint(t))
        out += _field(1, ts)
    return out


def snappy_literals(data):
    """A valid snappy block holding `data` as literals (no compression needed to be read)."""
    out = bytearray(_varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2]) + struct.pack("<H", n)
        out += chunk
    return bytes(out)


def remote_write(address, series):
    body = snappy_literals(write_request(series))
    req = urllib.request.Request(f"http://{address}/api/v1/write", data=body, headers={
        "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
        "X-Prometheus-Remote-Write-Version": "0.1.0"})
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


# --- the configuration both sides load --------------------------------------------------------

def evaluation_rules(instances):
    """1,000 rules over the node series: per-instance alerts and recording rules."""
    templates = [
        ("record", "instance:cpu:rate5m", 'sum by (instance) (rate(node_cpu_seconds_total{{'
         'instance="{i}"}}[5m]))'),
        ("alert", "HighMemory", 'node_memory_field3_bytes{{instance="{i}"}} > 1e15'),
        ("alert", "NetworkFlood", 'sum by (instance) (rate(node_network_receive_bytes_total{{'
         'instance="{i}"}}[5m])) > 1e12'),
        ("alert", "SlowRequests", 'histogram_quantile(0.99, sum by (le) (rate('
         'http_request_duration_seconds_bucket{{instance="{i}"}}[5m]))) > 100'),
        ("alert", "CpuBusy", 'sum by (instance) (rate(node_cpu_seconds_total{{instance="{i}",'
         'mode!="idle"}}[5m])) > 1000'),
    ]
    names = [f"host-{h}-g0" for h in range(instances)]
    rules = [(kind, name, expr.format(i=names[k % len(names)]))
             for k in range(GROUPS * RULES_PER_GROUP)
             for kind, name, expr in [templates[k % len(templates)]]]
    lines = ["groups:"]
    for g in range(GROUPS):
        lines += [f"  - name: eval-{g}", f"    interval: {INTERVAL}s", "    rules:"]
        for kind, name, expr in rules[g * RULES_PER_GROUP:(g + 1) * RULES_PER_GROUP]:
            lines += [f"      - {kind}: {name}", f"        expr: '{expr}'"]
            if kind == "alert":
                lines += ["        for: 1m", "        labels: {severity: ticket}"]
    return "\n".join(lines) + "\n"


TRIGGER_RULES = f"""groups:
  - name: trigger
    interval: {INTERVAL}s
    rules:
      - alert: BenchTrigger
        expr: bench_trigger > 0
        labels: {{severity: page}}
"""


def notify_config(receiver_url):
    return f"""route:
  receiver: bench
  group_by: [alertname, n]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: bench
    webhook_configs: [{{url: "{receiver_url}", send_resolved: false}}]
"""


# --- the webhook receiver ---------------------------------------------------------------------

class Arrivals:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = {}  # (sender, n) -> first arrival

    def server(self):
        arrivals = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                now = time.time()
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                sender = self.path.strip("/")
                with arrivals.lock:
                    for alert in body.get("alerts", []):
                        n = alert.get("labels", {}).get("n")
                        if n is not None:
                            arrivals.times.setdefault((sender, n), now)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return srv


# --- the processes ----------------------------------------------------------------------------

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Vigied(peers.Receiver):
    def __init__(self, work, rules, notify):
        super().__init__("vigied", work)
        self.rules = rules
        self.spawn([os.path.join(peers.BUILD, "server", "vigied"), "--data-dir",
                    os.path.join(self.dir, "data"), "--grpc-listen", "127.0.0.1:0",
                    "--http-listen", self.address, "--self-metrics-interval", "0",
                    "--log-level", "warn", "--rules", rules, "--notify", notify])
        peers.wait_http(f"http://{self.address}/readyz", self.proc, "vigied")

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)


class Prometheus(peers.Receiver):
    def __init__(self, work, rules, alertmanager):
        super().__init__("Prometheus 2.42", work)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"global: {{evaluation_interval: {INTERVAL}s}}\n"
                    f"rule_files: ['{rules}']\n"
                    f"alerting: {{alertmanagers: [{{static_configs: [{{targets: "
                    f"['{alertmanager}']}}]}}]}}\n")
        self.spawn(["/usr/bin/prometheus", f"--config.file={config}",
                    f"--storage.tsdb.path={self.dir}/tsdb", f"--web.listen-address={self.address}",
                    "--web.enable-remote-write-receiver", "--log.level=warn"])
        peers.wait_http(f"http://{self.address}/-/ready", self.proc, "prometheus")

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)


class Alertmanager(peers.Receiver):
    def __init__(self, work, notify):
        super().__init__("Alertmanager 0.25", work)
        self.spawn(["/usr/bin/prometheus-alertmanager", f"--config.file={notify}",
                    f"--storage.path={self.dir}/data", f"--web.listen-address={self.address}",
                    "--cluster.listen-address=", "--log.level=warn"])
        peers.wait_http(f"http://{self.address}/-/ready", self.proc, "alertmanager")


def group_times(server):
    """{(group, lastEvaluation): evaluationTime} of the eval-* groups now."""
    body = json.loads(peers.http(f"http://{server.address}/api/v1/rules"))
    return {(g["name"], g["lastEvaluation"]): g["evaluationTime"]
            for g in body["data"]["groups"] if g["name"].startswith("eval-")}


def measure_evaluation(servers, rules_text, rules_files):
    idle_window = 2 * INTERVAL
    before = {s.name: cpu_seconds(s.proc.pid) for s in servers}
    time.sleep(idle_window)
    idle = {s.name: (cpu_seconds(s.proc.pid) - before[s.name]) / idle_window for s in servers}
    for path in rules_files:
        with open(path, "w") as f:
            f.write(rules_text + TRIGGER_RULES.split("groups:\n", 1)[1])
    for s in servers:
        s.reload()
    time.sleep(INTERVAL + 2)  # One round for the rules to start on both.
    rounds = 4
    before = {s.name: cpu_seconds(s.proc.pid) for s in servers}
    started = time.time()
    durations = {s.name: {} for s in servers}
    while time.time() - started < rounds * INTERVAL:
        for s in servers:
            durations[s.name].update(group_times(s))
        time.sleep(1)
    elapsed = time.time() - started
    out = {}
    for s in servers:
        cpu = cpu_seconds(s.proc.pid) - before[s.name] - idle[s.name] * elapsed
        times = sorted(durations[s.name].values())
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))] if times else float("nan")
        out[s.name] = {"cpu_per_round": cpu / (elapsed / INTERVAL), "p99_group_seconds": p99,
                       "evaluations": len(times), "idle_cpu_per_s": idle[s.name]}
        log(f"{s.name}: {out[s.name]}")
    return out


def measure_latency(servers, arrivals, alerts):
    """Writes bench_trigger{n} = 1 to every server at once, at random moments, and waits for
    each server's POST."""
    senders = {"vigied": "vigied", "Prometheus 2.42": "alertmanager"}
    written = {}
    batch = 10
    for first in range(0, alerts, batch):
        ns = [str(n) for n in range(first, min(alerts, first + batch))]
        for n in ns:
            time.sleep(random.uniform(0, INTERVAL / batch * 2))
            t = time.time()
            for s in servers:
                remote_write(s.address, [({"__name__": "bench_trigger", "n": n, "job": "bench"},
                                          [(int(t * 1000), 1.0)])])
            written[n] = t
        deadline = time.time() + 4 * INTERVAL
        while time.time() < deadline:
            with arrivals.lock:
                missing = [(senders[s.name], n) for s in servers for n in ns
                           if (senders[s.name], n) not in arrivals.times]
            if not missing:
                break
            time.sleep(0.2)
        log(f"alerts {ns[0]}..{ns[-1]}: {len(missing)} POSTs missing")
    out = {}
    for s in servers:
        lat = [arrivals.times[(senders[s.name], n)] - written[n] for n in written
               if (senders[s.name], n) in arrivals.times]
        out[s.name] = {"median": statistics.median(lat) if lat else float("nan"),
                       "worst": max(lat) if lat else float("nan"), "arrived": len(lat),
                       "sent": len(written)}
        log(f"{s.name}: {out[s.name]}")
    return out


def report(args, evaluation, latency):
    names = list(evaluation)
    lines = ["## Alerting (rule evaluation, condition to notification)", "",
             f"- date: {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC",
             f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
             f"Linux {platform.release()}",
             f"- command: `bench/alerts/run.py --instances {args.instances} --alerts "
             f"{args.alerts}`",
             f"- evaluation: {args.instances * 500:,} series (remote_write_load, "
             f"{args.instances} instances), {GROUPS * RULES_PER_GROUP} rules in {GROUPS} groups "
             f"every {INTERVAL} s (per-instance recording rules and alerts: rate, "
             "histogram_quantile, thresholds); CPU over 4 rounds less the idle CPU before the "
             "rules were loaded", f"- condition to POST: {args.alerts} alerts, for 0s, "
             f"group_wait 0s, evaluated every {INTERVAL} s; vigied posts itself, Prometheus "
             "through Alertmanager 0.25", "",
             "| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names),
             "| CPU s per evaluation round | " + " | ".join(
                 f"{evaluation[n]['cpu_per_round']:.2f}" for n in names) + " |",
             "| p99 group evaluation time, s | " + " | ".join(
                 f"{evaluation[n]['p99_group_seconds']:.3f}" for n in names) + " |",
             "| condition → POST, median s | " + " | ".join(
                 f"{latency[n]['median']:.2f}" for n in names) + " |",
             "| condition → POST, worst s | " + " | ".join(
                 f"{latency[n]['worst']:.2f}" for n in names) + " |",
             "| POSTs arrived / alerts | " + " | ".join(
                 f"{latency[n]['arrived']} / {latency[n]['sent']}" for n in names) + " |", "",
             "Reading: a condition becomes true at a random moment of the 15 s interval, so "
             "condition → POST is mostly the wait for the next evaluation (7.5 s on average, "
             "15 s at worst); what each side adds after it is the difference from those. The "
             "targets are rule CPU no more than Prometheus's and condition → POST within the "
             "interval + 2 s (17 s) and faster than Prometheus + Alertmanager.", ""]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instances", type=int, default=200, help="500 series each (default 200)")
    p.add_argument("--alerts", type=int, default=100, help="alerts timed (default 100)")
    p.add_argument("--work", default=os.path.join(peers.ROOT, "bench", "work", "alerts"),
                   help="data directories (default bench/work/alerts)")
    p.add_argument("--no-results", action="store_true",
                   help="print the section instead of writing bench/RESULTS.md")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    arrivals = Arrivals()
    hook = arrivals.server()
    hook_url = f"http://127.0.0.1:{hook.server_address[1]}"
    servers, am = [], None
    try:
        files = {}
        for who in ("vigied", "alertmanager", "prometheus"):
            files[who] = os.path.join(args.work, f"{who}-notify.yml")
            with open(files[who], "w") as f:
                f.write(notify_config(f"{hook_url}/{who}"))
        rules = {who: os.path.join(args.work, f"{who}-rules.yml") for who in ("vigied", "prom")}
        for path in rules.values():
            with open(path, "w") as f:
                f.write(TRIGGER_RULES)
        am = Alertmanager(args.work, files["alertmanager"])
        servers = [Vigied(args.work, rules["vigied"], files["vigied"]),
                   Prometheus(args.work, rules["prom"], am.address)]
        argv = [os.path.join(peers.BUILD, "bench", "remote_write_load"), "--instances",
                str(args.instances), "--hours", "0.25"]
        for s in servers:
            argv += ["--target", f"http://{s.address}/api/v1/write={s.proc.pid}"]
        log(f"loading {args.instances * 500} series into " + ", ".join(s.name for s in servers))
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        evaluation = measure_evaluation(servers, evaluation_rules(args.instances),
                                        rules.values())
        latency = measure_latency(servers, arrivals, args.alerts)
        text = report(args, evaluation, latency)
        if args.no_results:
            print(text)
        else:
            splice_section.splice("alerts", text)
            log("wrote the alerts section of bench/RESULTS.md")
    finally:
        for s in servers + ([am] if am else []):
            s.stop()
        hook.shutdown()


if __name__ == "__main__":
    main()
