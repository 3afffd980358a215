#!/usr/bin/env python3
"""Checks a running vigied against the LogQL reference (reference.py), query by query.

Pushes the corpus (dataset.py) through the Loki push API, runs every query of cases.txt
through /loki/api/v1/query_range (or /loki/api/v1/query for the lines marked `instant`), and
compares vigied's answer with the reference's: streams and lines for log queries, series and
values (within 1e-9 relative) for metric queries, an error for the queries Loki refuses. Prints
a diff per failing query and exits 1 if any query failed.

  run_cases.py --http 127.0.0.1:9470 [--data tests/data] [--cases tests/logql/cases.txt]
               [--no-push] [--match SUBSTRING] [--verbose]
"""
import argparse
import json
import math
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import dataset  # noqa: E402
import reference  # noqa: E402

STEP_NS = 60 * 10**9
RANGE_START = dataset.T0_NS
RANGE_END = dataset.T0_NS + 30 * 60 * 10**9           # metric queries: 31 steps
LOG_END = dataset.T0_NS + 31 * 60 * 10**9             # log queries: past every entry
INSTANT_AT = dataset.T0_NS + (17 * 60 + 30) * 10**9   # between two steps, on purpose
LOG_LIMIT = 5000


def read_cases(path):
    """[(line number, kind, query)]; kind is "range" or "instant"."""
    cases = []
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            text = text.strip()
            if not text or text.startswith("#"):
                continue
            kind = "range"
            if text.startswith("instant "):
                kind, text = "instant", text[len("instant "):].strip()
            cases.append((number, kind, text))
    return cases


def http(address, method, path, params=None, body=None, headers=None):
    url = "http://%s%s" % (address, path)
    if params:
        url += "?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def push(address, streams):
    body = {"streams": [{"stream": labels,
                         "values": [[str(ts), line] for ts, line in entries]}
                        for labels, entries in streams]}
    status, text = http(address, "POST", "/loki/api/v1/push", body=json.dumps(body).encode(),
                        headers={"Content-Type": "application/json"})
    if status not in (200, 204):
        sys.exit("push failed: HTTP %d: %s" % (status, text))


def wait_visible(address, count):
    """Waits until a query sees every pushed entry (the store may acknowledge before it
    serves)."""
    deadline = time.time() + 20
    while True:
        status, text = http(address, "GET", "/loki/api/v1/query_range", {
            "query": 'sum(count_over_time({job=~".+"}[1h]))', "start": str(LOG_END),
            "end": str(LOG_END), "step": "60"})
        seen = 0
        if status == 200:
            for series in json.loads(text)["data"]["result"]:
                seen = int(float(series["values"][-1][1]))
        if seen >= count or time.time() > deadline:
            return seen
        time.sleep(0.1)


def label_key(labels):
    labels = dict(labels)
    if labels.get("__error_details__"):
        labels["__error_details__"] = reference.ANY_DETAILS
    return tuple(sorted(labels.items()))


def normalize(status, text):
    """vigied's answer in the reference's form."""
    if status != 200:
        try:
            message = json.loads(text)["error"]
        except (ValueError, KeyError, TypeError):
            message = text.strip()
        return {"error": "HTTP %d" % status, "message": message}
    data = json.loads(text)["data"]
    kind = data["resultType"]
    if kind == "streams":
        out = {}
        for s in data["result"]:
            entries = out.setdefault(label_key(s["stream"]), [])
            entries.extend((int(ts), line) for ts, line in s["values"])
        return {"streams": {k: sorted(v) for k, v in out.items()}}
    if kind == "matrix":
        return {"matrix": {label_key(s["metric"]): [(round(float(t) * 1000) * 10**6, float(v))
                                                    for t, v in s["values"]]
                           for s in data["result"]}}
    if kind == "vector":
        return {"vector": [(label_key(s["metric"]), float(s["value"][1]))
                           for s in data["result"]]}
    if kind == "scalar":
        return {"scalar": float(data["result"][1])}
    return {"error": "unknown resultType " + kind}


def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def fmt_labels(k):
    return "{" + ", ".join('%s="%s"' % (n, v) for n, v in k) + "}"


def clip(text, n=160):
    text = repr(text)
    return text if len(text) <= n else text[:n] + "..."


def diff(want, got):
    """[str] describing how got differs from want; empty when they agree."""
    out = []
    if "error" in want:
        if "error" not in got:
            return ["expected an error (%s: %s), got a result" % (want["error"], want["message"])]
        if want["error"] != "parse" and want["error"] not in got["message"]:
            return ["expected an error naming %s, got: %s" % (want["error"], got["message"])]
        return []
    if "error" in got:
        return ["expected a result, got an error: %s %s" % (got["error"], got["message"])]
    kind = next(k for k in ("streams", "matrix", "vector", "scalar") if k in want)
    if kind not in got:
        return ["expected a %s result, got %s" % (kind, next(iter(got)))]
    if kind == "scalar":
        return [] if close(want["scalar"], got["scalar"]) else [
            "scalar: want %r, got %r" % (want["scalar"], got["scalar"])]
    if kind == "vector":
        w, g = want["vector"], got["vector"]
        if want.get("ordered") and [k for k, _ in w] != [k for k, _ in g]:
            out.append("order: want %s, got %s" % ([fmt_labels(k) for k, _ in w],
                                                   [fmt_labels(k) for k, _ in g]))
        w, g = dict(w), dict(g)
        for k in sorted(set(w) | set(g)):
            if k not in g:
                out.append("missing sample %s %r" % (fmt_labels(k), w[k]))
            elif k not in w:
                out.append("unexpected sample %s %r" % (fmt_labels(k), g[k]))
            elif not close(w[k], g[k]):
                out.append("%s: want %r, got %r" % (fmt_labels(k), w[k], g[k]))
        return out
    w, g = want[kind], got[kind]
    for k in sorted(set(w) | set(g)):
        if k not in g:
            out.append("missing %s %s (%d %s)" % ("stream" if kind == "streams" else "series",
                                                  fmt_labels(k), len(w[k]),
                                                  "entries" if kind == "streams" else "points"))
            continue
        if k not in w:
            out.append("unexpected %s %s (%d %s), first %s" % (
                "stream" if kind == "streams" else "series", fmt_labels(k), len(g[k]),
                "entries" if kind == "streams" else "points", clip(g[k][0])))
            continue
        a, b = w[k], g[k]
        if kind == "streams":
            if a != b:
                sa, sb = set(a), set(b)
                out.append("stream %s: %d entries, want %d; %d missing, %d unexpected" % (
                    fmt_labels(k), len(b), len(a), len(sa - sb), len(sb - sa)))
                for e in sorted(sa - sb)[:2]:
                    out.append("    missing    %d %s" % (e[0], clip(e[1])))
                for e in sorted(sb - sa)[:2]:
                    out.append("    unexpected %d %s" % (e[0], clip(e[1])))
        else:
            pa, pb = dict(a), dict(b)
            bad = [t for t in sorted(set(pa) | set(pb))
                   if t not in pa or t not in pb or not close(pa[t], pb[t])]
            if bad:
                t = bad[0]
                out.append("series %s: %d points differ; first at t=%ds: want %s, got %s" % (
                    fmt_labels(k), len(bad), (t - RANGE_START) // 10**9,
                    pa.get(t, "nothing"), pb.get(t, "nothing")))
    return out


def run_query(address, kind, query):
    if kind == "instant":
        return http(address, "GET", "/loki/api/v1/query",
                    {"query": query, "time": str(INSTANT_AT)})
    params = {"query": query, "start": str(RANGE_START), "step": "60"}
    params["end"] = str(RANGE_END)
    if not query.lstrip().startswith("{"):
        return http(address, "GET", "/loki/api/v1/query_range", params)
    params.update({"end": str(LOG_END), "limit": str(LOG_LIMIT), "direction": "forward"})
    return http(address, "GET", "/loki/api/v1/query_range", params)


def expected(query, kind, streams):
    if kind == "instant":
        return reference.evaluate(query, streams, "instant", INSTANT_AT, INSTANT_AT, STEP_NS)
    end = LOG_END - 1 if query.lstrip().startswith("{") else RANGE_END
    return reference.evaluate(query, streams, "range", RANGE_START, end, STEP_NS)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--http", required=True, help="vigied's HTTP address, host:port")
    parser.add_argument("--data", default=os.path.join(HERE, "..", "data"),
                        help="the tests/data directory (default: beside this script)")
    parser.add_argument("--cases", default=os.path.join(HERE, "cases.txt"),
                        help="the query table (default: cases.txt beside this script)")
    parser.add_argument("--no-push", action="store_true",
                        help="the corpus is already in vigied (default: push it)")
    parser.add_argument("--match", default="", help="run only queries containing this text")
    parser.add_argument("--verbose", action="store_true", help="print every query")
    args = parser.parse_args()

    streams = dataset.load(args.data)
    total = sum(len(e) for _, e in streams)
    if not args.no_push:
        push(args.http, streams)
        seen = wait_visible(args.http, total)
        if seen != total:
            sys.exit("vigied serves %d of the %d pushed entries" % (seen, total))
    cases = [c for c in read_cases(args.cases) if args.match in c[2]]
    failed = 0
    for number, kind, query in cases:
        want = expected(query, kind, streams)
        got = normalize(*run_query(args.http, kind, query))
        problems = diff(want, got)
        if problems:
            failed += 1
            print("FAIL cases.txt:%d %s%s" % (number, "[instant] " if kind == "instant" else "",
                                              query))
            for p in problems[:8]:
                print("    " + p)
            if len(problems) > 8:
                print("    ... %d more differences" % (len(problems) - 8))
        elif args.verbose:
            print("ok   cases.txt:%d %s" % (number, query))
    print("%d of %d LogQL queries agree with the reference (%d entries in %d streams)" % (
        len(cases) - failed, len(cases), total, len(streams)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
