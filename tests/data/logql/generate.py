#!/usr/bin/env python3
"""Writes the LogQL test corpus beside this script, deterministically (same bytes every run).

The lines are realistic rather than random noise: what an API written in Go (JSON), a job
runner (logfmt), nginx (combined format) and a Java service (multi-line stack traces) print,
with a few deliberately malformed lines in each. tests/logql/dataset.py gives every line its
stream labels and timestamp; run this script again only to change the corpus on purpose.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(9)

ROUTES = ["/api/orders", "/api/orders/{id}", "/api/users", "/api/cart", "/healthz", "/api/search"]
METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank"]
REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"]


def pick(seq):
    return seq[rng.randrange(len(seq))]


def status():
    r = rng.random()
    if r < 0.70:
        return 200
    if r < 0.78:
        return 201
    if r < 0.86:
        return 404
    if r < 0.92:
        return 400
    if r < 0.97:
        return 500
    return 503


def duration_text(ms):
    if ms >= 1000:
        return f"{ms / 1000:.2f}s".replace(".00s", "s")
    return f"{ms}ms"


def size_text(n):
    if n >= 1024 * 1024:
        return f"{n // (1024 * 1024)}MB"
    if n >= 1024:
        return f"{n // 1024}KiB"
    return f"{n}B"


def json_lines(count):
    lines = []
    for i in range(count):
        st = status()
        ms = int(rng.lognormvariate(4.5, 1.1))
        level = "error" if st >= 500 else ("warn" if st >= 400 else pick(["info", "info", "debug"]))
        doc = {
            "level": level,
            "msg": "request failed" if st >= 500 else "request served",
            "method": pick(METHODS),
            "route": pick(ROUTES),
            "status": st,
            "latency_ms": ms,
            "duration": duration_text(ms),
            "size": size_text(rng.randrange(200, 3 * 1024 * 1024)),
            "user": {"name": pick(USERS), "id": rng.randrange(1000, 1100),
                     "geo": {"region": pick(REGIONS)}},
            "tags": ["web", pick(["canary", "stable"])],
            "ok": st < 400,
        }
        if i % 7 == 0:
            doc["trace_id"] = f"{rng.getrandbits(64):016x}"
        if i % 11 == 0:
            doc["service"] = "api-gateway"  # collides with the stream label service
        if i % 13 == 0:
            doc["error"] = {"code": st, "message": "upstream \"db\" timed out"}
        if i % 17 == 0:
            doc["ratio"] = round(rng.random(), 3)
        if i % 19 == 0:
            doc["note"] = None
        if i % 23 == 0:
            doc["user-agent"] = "curl/8.4.0"  # sanitised to user_agent
        if i % 29 == 0:
            doc["items"] = [{"sku": "A1", "qty": 2}, {"sku": "B7", "qty": 1}]
        line = json.dumps(doc, separators=(",", ":"))
        if i % 53 == 5:
            line = line[: len(line) // 2]  # truncated by a crash
        elif i % 61 == 7:
            line = "panic: runtime error: index out of range [3] with length 3"
        lines.append(line)
    return lines


def logfmt_value(v):
    if v == "" or any(c in v for c in ' ="'):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return v


def logfmt_lines(count):
    lines = []
    jobs = ["resize-images", "send-emails", "rebuild-index", "sync-billing"]
    for i in range(count):
        ms = int(rng.lognormvariate(5.5, 1.3))
        failed = rng.random() < 0.12
        pairs = [
            ("level", "error" if failed else pick(["info", "info", "debug", "warn"])),
            ("job", pick(jobs)),
            ("msg", "job failed: connection reset" if failed else "job done"),
            ("duration", duration_text(ms)),
            ("attempt", str(rng.randrange(1, 4))),
            ("bytes", size_text(rng.randrange(10, 50 * 1024 * 1024))),
            ("queue_depth", str(rng.randrange(0, 300))),
        ]
        if i % 9 == 0:
            pairs.append(("host", "runner-" + str(rng.randrange(1, 4))))  # collides
        if i % 10 == 3:
            pairs.append(("user", ""))  # empty value
        if i % 15 == 0:
            pairs.append(("error", "timeout after 30s"))
        text = " ".join(f"{k}={logfmt_value(v)}" for k, v in pairs)
        if i % 8 == 1:
            text += " retry"  # a bare key
        if i % 41 == 4:
            text = text.replace("msg=", 'msg="unterminated ', 1).replace(' attempt', '\\" attempt')
            text = text[: text.index("attempt")] + "attempt=1 =bad queue_depth=2"
        elif i % 43 == 6:
            text = 'level=warn msg="caught "quoted" word" code=7'
        lines.append(text)
    return lines


def nginx_lines(count):
    lines = []
    agents = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0", "curl/8.4.0",
              "Go-http-client/1.1", "kube-probe/1.29"]
    for i in range(count):
        ip = pick(["10.0.%d.%d" % (rng.randrange(0, 4), rng.randrange(1, 255)),
                   "192.168.1.%d" % rng.randrange(1, 255),
                   "203.0.113.%d" % rng.randrange(1, 255)])
        st = status()
        path = pick(["/", "/index.html", "/static/app.js", "/api/orders?page=%d" % rng.randrange(1, 9),
                     "/login", "/favicon.ico"])
        size = 0 if st in (304,) else rng.randrange(120, 90000)
        day = 1 + i * 30 // count
        lines.append(
            f'{ip} - {pick(["-", "-", "alice", "bob"])} [01/May/2024:10:{day:02d}:{i % 60:02d} +0000] '
            f'"{pick(METHODS)} {path} HTTP/1.1" {st} {size} "-" "{pick(agents)}" '
            f'{rng.randrange(1, 3000) / 1000:.3f}')
    return lines


def java_entries(count):
    entries = []
    classes = ["com.example.billing.InvoiceService", "com.example.billing.PaymentClient",
               "com.example.billing.web.InvoiceController"]
    for i in range(count):
        ts = f"2024-05-01 10:{i * 30 // count:02d}:{i % 60:02d},{rng.randrange(0, 1000):03d}"
        thread = f"http-nio-8080-exec-{rng.randrange(1, 9)}"
        if rng.random() < 0.3:
            exc = pick(["java.lang.IllegalStateException: payment provider returned 502",
                        "java.net.SocketTimeoutException: Read timed out",
                        "java.lang.NullPointerException"])
            trace = [f"{ts} ERROR [{thread}] {pick(classes)} - Invoice {rng.randrange(5000, 6000)} failed",
                     exc,
                     "\tat com.example.billing.PaymentClient.charge(PaymentClient.java:88)",
                     "\tat com.example.billing.InvoiceService.settle(InvoiceService.java:141)"]
            if rng.random() < 0.5:
                trace += ["Caused by: java.io.IOException: Connection reset by peer",
                          "\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:323)",
                          "\t... 12 more"]
            entries.append("\n".join(trace))
        else:
            level = pick(["INFO ", "INFO ", "DEBUG", "WARN "])
            entries.append(f"{ts} {level} [{thread}] {pick(classes)} - "
                           f"{pick(['Invoice settled', 'Cache refreshed', 'Retrying payment'])} "
                           f"in {rng.randrange(3, 900)} ms")
    return entries


def color_lines(count):
    colors = {"INFO": "\x1b[32m", "WARN": "\x1b[33m", "ERROR": "\x1b[1;31m"}
    lines = []
    for i in range(count):
        level = pick(list(colors))
        lines.append(f"{colors[level]}{level}\x1b[0m deploy step {i} \x1b[36mservice=cart\x1b[0m "
                     f"took {rng.randrange(1, 90)}s")
    return lines


def packed_lines(count, sources):
    """What Promtail's pack stage ships: the original line under _entry, beside the labels it
    packed."""
    lines = []
    for i in range(count):
        doc = {"container": pick(["nginx", "sidecar"]), "pod": "web-%d" % rng.randrange(1, 4)}
        if i % 5 == 0:
            doc["job"] = "ingress"  # collides with the stream label job
        doc["_entry"] = sources[i % len(sources)]
        if i % 9 == 4:
            doc["restarts"] = rng.randrange(0, 3)  # not a string: unpack skips it
        lines.append(json.dumps(doc, separators=(",", ":")))
    return lines


def write(name, lines, sep="\n"):
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="") as f:
        for line in lines:
            f.write(line + sep)


if __name__ == "__main__":
    write("app.json.log", json_lines(900))
    write("worker.logfmt.log", logfmt_lines(600))
    nginx = nginx_lines(600)
    write("nginx.access.log", nginx)
    # A plain log file; tests/logql/dataset.py joins a trace's lines into one entry, as the
    # collector's multiline start pattern (^\d{4}-\d{2}-\d{2}) ships them.
    write("billing.java.log", java_entries(150))
    write("deploy.color.log", color_lines(60))
    write("packed.json.log", packed_lines(80, nginx[::7]))
