"""The LogQL test corpus as streams: each file of tests/data/logql (and two loghub samples)
split into labelled streams, every entry with a fixed timestamp.

Both the reference (reference.py) and the runner (run_cases.py, which pushes the same entries
to vigied) read the corpus through load(), so they see the same bytes at the same times.
"""
import os
import re

# 2024-05-01T10:00:00Z: the corpus spans the 30 minutes after it.
T0_NS = 1714557600 * 10**9
SPAN_MS = 30 * 60 * 1000
JAVA_ENTRY_START = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _timestamps(count):
    """Increasing, distinct times over SPAN_MS; every 50th entry falls on a whole minute, so
    that the (t - range, t] window boundaries are exercised."""
    spacing = SPAN_MS // count
    out = []
    for i in range(count):
        ms = i * spacing + (i * 7919) % spacing
        if i % 50 == 0:
            ms -= ms % 60000
        out.append(T0_NS + ms * 10**6)
    return out


def _read_lines(path, limit=None):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines[:limit] if limit else lines


def _java_entries(lines):
    entries = []
    for line in lines:
        if JAVA_ENTRY_START.match(line) or not entries:
            entries.append(line)
        else:
            entries[-1] += "\n" + line
    return entries


def _assign(entries, label_for_index):
    """{labels-tuple: [(ts_ns, line)]} with labels chosen per entry index."""
    streams = {}
    for i, (ts, line) in enumerate(zip(_timestamps(len(entries)), entries)):
        labels = tuple(sorted(label_for_index(i).items()))
        streams.setdefault(labels, []).append((ts, line))
    return streams


def load(data_dir):
    """[(labels dict, [(ts_ns, line), ...] in time order)] for the whole corpus.

    data_dir is tests/data; the corpus is data_dir/logql plus two loghub samples.
    """
    logql = os.path.join(data_dir, "logql")
    loghub = os.path.join(data_dir, "loghub")
    services = ["api", "checkout", "auth"]
    parts = [
        _assign(_read_lines(os.path.join(logql, "app.json.log")),
                lambda i: {"job": "app", "service": services[i % 3],
                           "env": "staging" if i % 4 == 0 else "prod"}),
        _assign(_read_lines(os.path.join(logql, "worker.logfmt.log")),
                lambda i: {"job": "worker", "host": "runner-%d" % (i % 2 + 1)}),
        _assign(_read_lines(os.path.join(logql, "nginx.access.log")),
                lambda i: {"job": "nginx", "host": "web%d" % (i % 2 + 1)}),
        _assign(_java_entries(_read_lines(os.path.join(logql, "billing.java.log"))),
                lambda i: {"job": "billing", "lang": "java"}),
        _assign(_read_lines(os.path.join(logql, "deploy.color.log")),
                lambda i: {"job": "deploy"}),
        _assign(_read_lines(os.path.join(logql, "packed.json.log")),
                lambda i: {"job": "packed"}),
        _assign(_read_lines(os.path.join(loghub, "OpenSSH_2k.log"), 500),
                lambda i: {"job": "loghub", "source": "openssh"}),
        _assign(_read_lines(os.path.join(loghub, "HDFS_2k.log"), 400),
                lambda i: {"job": "loghub", "source": "hdfs"}),
    ]
    out = []
    for part in parts:
        for labels, entries in sorted(part.items()):
            out.append((dict(labels), sorted(entries)))
    return out
