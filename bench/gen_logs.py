#!/usr/bin/env python3
"""Makes the benchmark corpus: N stream files of log lines replayed from the loghub samples, with
their numbers, times and ids varied so that the data does not repeat verbatim.

usage: gen_logs.py OUT_DIR [--total-mib 1100] [--streams 50]
"""
import argparse
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "tests", "data", "loghub")
DIGITS = re.compile(rb"[0-9]+")
HEX = re.compile(rb"\b[0-9a-f]{8,}\b")


def variants(line, rng, n):
    """n copies of `line` whose digit runs and hex ids are redrawn (same lengths, same format)."""
    out = []
    for _ in range(n):
        v = DIGITS.sub(lambda m: bytes(rng.choice(b"0123456789") for _ in m.group(0))
                       if rng.random() < 0.6 else m.group(0), line)
        v = HEX.sub(lambda m: bytes(rng.choice(b"0123456789abcdef") for _ in m.group(0)), v)
        out.append(v)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--total-mib", type=int, default=1100)
    p.add_argument("--streams", type=int, default=50)
    a = p.parse_args()
    rng = random.Random(42)
    samples = sorted(f for f in os.listdir(SAMPLES) if f.endswith(".log"))
    pools = {}
    for name in samples:
        with open(os.path.join(SAMPLES, name), "rb") as f:
            lines = [l for l in f.read().split(b"\n") if l]
        # 16 passes over the sample, each with freshly varied numbers, in the sample's order.
        per_line = [variants(l, rng, 16) for l in lines]
        pools[name] = [per_line[j][k] for k in range(16) for j in range(len(lines))]
    os.makedirs(a.out, exist_ok=True)
    per_stream = a.total_mib * 1024 * 1024 // a.streams
    for i in range(a.streams):
        pool = pools[samples[i % len(samples)]]
        path = os.path.join(a.out, f"stream{i:02d}.log")
        written = 0
        with open(path, "wb", buffering=1 << 22) as f:
            # Runs of consecutive variants keep the sample's local structure (sessions, traces).
            while written < per_stream:
                start = rng.randrange(len(pool))
                chunk = b"\n".join(pool[start:start + 2000]) + b"\n"
                f.write(chunk)
                written += len(chunk)
        sys.stderr.write(f"\rgenerated {i + 1}/{a.streams} streams "
                         f"({(i + 1) * per_stream / 2**30:.2f} GiB)")
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
