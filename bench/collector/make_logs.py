#!/usr/bin/env python3
"""Writes log lines made by replaying the loghub samples with varied numbers, times and ids.

Usage: make_logs.py --mib 1024 --out input.log [--loghub DIR]
Each line is a loghub line with every run of digits replaced by another number of the same
width, so that lines keep their shape (and their compressibility stays realistic) but repeat
rarely. A block of varied lines is generated and then written again with a fresh numbering
prefix until the size is reached, which keeps generation fast.
"""
import argparse
import os
import random
import re

DIGITS = re.compile(rb"\d+")


def vary(line, rng):
    return DIGITS.sub(lambda m: str(rng.randrange(10 ** len(m.group()))).zfill(len(m.group())).encode(), line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--out", required=True)
    parser.add_argument("--loghub", default=os.path.join(os.path.dirname(__file__),
                                                        "../../../shared/data/loghub"))
    args = parser.parse_args()
    rng = random.Random(42)
    lines = []
    for name in sorted(os.listdir(args.loghub)):
        with open(os.path.join(args.loghub, name), "rb") as f:
            lines += [l.rstrip(b"\r\n") for l in f if l.strip()]
    block = [vary(rng.choice(lines), rng) for _ in range(200000)]
    target = args.mib << 20
    written = 0
    copy = 0
    with open(args.out, "wb") as out:
        while written < target:
            # A per-copy prefix keeps lines unique across copies of the block.
            prefix = b"c%d " % copy
            chunk = b"".join(prefix + line + b"\n" for line in block)
            out.write(chunk)
            written += len(chunk)
            copy += 1


if __name__ == "__main__":
    main()
