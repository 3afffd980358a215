#!/usr/bin/env python3
"""Waits until a counter on a /metrics page reaches a value.

    wait_metric.py HOST:PORT METRIC VALUE

One process polling every 20 ms: a curl per poll costs the machine under test a few percent of
its CPU (process start and dynamic linking), which a benchmark should not take from it.
"""
import sys
import time
import urllib.request

address, metric, target = sys.argv[1], sys.argv[2], float(sys.argv[3])
while True:
    with urllib.request.urlopen(f"http://{address}/metrics") as page:
        for line in page.read().decode().splitlines():
            fields = line.split()
            if len(fields) == 2 and fields[0] == metric and float(fields[1]) >= target:
                sys.exit(0)
    time.sleep(0.02)
