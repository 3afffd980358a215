#!/usr/bin/env python3
"""Makes the LogQL benchmark's application logs: JSON lines, logfmt lines and nginx access logs
(combined format), deterministic (seeded), a few files of each kind.

usage: gen_app_logs.py OUT_DIR [--json-mib 512] [--logfmt-mib 512] [--nginx-mib 256] [--files 4]

The values are drawn so that the reference pipelines of bench/logql/run.py select exactly what
the LogQL queries select: a JSON line's "status" is a number; a logfmt line's duration is either
"<n>ms" with n < 1000 or "<x>s" with x > 1 (never exactly 1s).
"""
import argparse
import json
import os
import random
import sys

ROUTES = ["/api/v1/orders", "/api/v1/users", "/api/v1/cart", "/login", "/search", "/health",
          "/api/v1/payments", "/static/app.js"]
METHODS = ["GET"] * 6 + ["POST"] * 3 + ["PUT", "DELETE"]
STATUSES = [200] * 80 + [201] * 5 + [204] * 3 + [301, 302, 304] + [400, 401, 403] + [404] * 4 + \
           [500, 502, 503]
LEVELS = ["info"] * 8 + ["debug", "warn", "error"]
SERVICES = ["front", "api", "checkout", "search"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
          "curl/8.4.0", "Go-http-client/1.1", "Prometheus/2.42.0",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148"]
MESSAGES = ["request served", "cache miss", "upstream slow", "retrying upstream",
            "user session refreshed", "payment authorised", "query planned", "rate limited"]


def duration(rng):
    if rng.random() < 0.85:
        return f"{rng.randrange(1, 1000)}ms"
    return f"{rng.uniform(1.001, 30):.3f}s"


def json_line(rng, i):
    status = rng.choice(STATUSES)
    doc = {"ts": f"2026-12-01T10:{(i // 60000) % 60:02d}:{(i // 1000) % 60:02d}.{i % 1000:03d}Z",
           "level": "error" if status >= 500 else rng.choice(LEVELS),
           "service": rng.choice(SERVICES), "msg": rng.choice(MESSAGES),
           "request": {"method": rng.choice(METHODS), "route": rng.choice(ROUTES),
                       "id": f"{rng.getrandbits(64):016x}"},
           "status": status, "latency_ms": round(rng.lognormvariate(3.5, 1.0), 2),
           "bytes": rng.randrange(100, 200000), "user": {"id": rng.randrange(1, 50000)},
           "tags": ["web", rng.choice(["eu", "us", "ap"])]}
    return json.dumps(doc, separators=(",", ":"))


def logfmt_line(rng, i):
    msg = rng.choice(MESSAGES)
    return (f'ts=2026-12-01T10:{(i // 60000) % 60:02d}:{(i // 1000) % 60:02d}.{i % 1000:03d}Z '
            f'level={rng.choice(LEVELS)} service={rng.choice(SERVICES)} msg="{msg}" '
            f'method={rng.choice(METHODS)} route={rng.choice(ROUTES)} '
            f'status={rng.choice(STATUSES)} duration={duration(rng)} '
            f'bytes={rng.randrange(100, 200000)} trace_id={rng.getrandbits(64):016x}')


def nginx_line(rng, i):
    ip = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    t = f"01/Dec/2026:10:{(i // 60000) % 60:02d}:{(i // 1000) % 60:02d} +0000"
    route = rng.choice(ROUTES) + (f"?page={rng.randrange(1, 50)}" if rng.random() < 0.3 else "")
    return (f'{ip} - - [{t}] "{rng.choice(METHODS)} {route} HTTP/1.1" {rng.choice(STATUSES)} '
            f'{rng.randrange(100, 200000)} "-" "{rng.choice(AGENTS)}"')


def write(out, kind, make, mib, files, rng):
    per_file = mib * 2**20 // files
    for f in range(files):
        path = os.path.join(out, kind, f"{kind}{f}.log")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        written, i, batch = 0, 0, []
        with open(path, "w", buffering=1 << 22) as fh:
            while written < per_file:
                line = make(rng, i) + "\n"
                batch.append(line)
                written += len(line)
                i += 1
                if len(batch) == 4096:
                    fh.write("".join(batch))
                    batch.clear()
            fh.write("".join(batch))
        sys.stderr.write(f"\r{kind}: {f + 1}/{files} files of {per_file / 2**20:.0f} MiB")
    sys.stderr.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--json-mib", type=int, default=512)
    p.add_argument("--logfmt-mib", type=int, default=512)
    p.add_argument("--nginx-mib", type=int, default=256)
    p.add_argument("--files", type=int, default=4)
    a = p.parse_args()
    rng = random.Random(9)
    write(a.out, "json", json_line, a.json_mib, a.files, rng)
    write(a.out, "logfmt", logfmt_line, a.logfmt_mib, a.files, rng)
    write(a.out, "nginx", nginx_line, a.nginx_mib, a.files, rng)


if __name__ == "__main__":
    main()
