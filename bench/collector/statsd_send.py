#!/usr/bin/env python3
"""Sends StatsD lines as fast as the receiver takes them (TCP) or as fast as this process can
(UDP), for bench/collector/statsd_run.sh.

The mix, over --names distinct names: 60% counters (a tenth sampled at @0.5), 20% timers, 15%
gauges (a third as +/- changes), 5% sets; one line in ten has DogStatsD tags. Lines are built
once and sent again and again: the cost measured is the receiver's. UDP datagrams hold up to
1,400 bytes (what clients fill on an Ethernet MTU); --rate paces them (UDP has no flow control:
what the receiver's socket buffer cannot hold is dropped). Prints {"metrics": n, "seconds": s}.
"""
import argparse
import json
import random
import socket
import time


def lines(names, count):
    rng = random.Random(1)
    out = []
    for i in range(count):
        n = rng.randrange(names)
        name = "app.service%d.metric%d" % (n % 50, n)
        kind = rng.random()
        if kind < 0.6:
            line = "%s:1|c" % name + ("|@0.5" if rng.random() < 0.1 else "")
        elif kind < 0.8:
            line = "%s.time:%.1f|ms" % (name, rng.random() * 500)
        elif kind < 0.95:
            line = "%s.level:%s%d|g" % (name, rng.choice(["", "", "+", "-"]), rng.randrange(100))
        else:
            line = "%s.users:user%d|s" % (name, rng.randrange(1000))
        if rng.random() < 0.1:
            line += "|#env:prod,route:r%d" % rng.randrange(20)
        out.append(line)
    return out


def datagrams(all_lines, size):
    out, current = [], []
    length = 0
    for line in all_lines:
        if current and length + len(line) + 1 > size:
            out.append(("\n".join(current) + "\n").encode())
            current, length = [], 0
        current.append(line)
        length += len(line) + 1
    if current:
        out.append(("\n".join(current) + "\n").encode())
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--proto", choices=["tcp", "udp"], default="tcp")
    parser.add_argument("--metrics", type=int, default=10_000_000)
    parser.add_argument("--names", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=0, help="metrics/s (UDP; 0: unpaced)")
    args = parser.parse_args()
    block = lines(args.names, 100_000)
    packets = datagrams(block, 1400 if args.proto == "udp" else 256 * 1024)
    rounds = max(1, args.metrics // len(block))
    if args.proto == "tcp":
        sock = socket.create_connection(("127.0.0.1", args.port))
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.connect(("127.0.0.1", args.port))
    per_packet = len(block) / len(packets)
    start = time.monotonic()
    sent = 0
    for _ in range(rounds):
        for packet in packets:
            sock.send(packet) if args.proto == "udp" else sock.sendall(packet)
            sent += 1
            if args.rate and sent % 64 == 0:
                ahead = sent * per_packet / args.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    sock.close()
    print(json.dumps({"metrics": rounds * len(block), "seconds": time.monotonic() - start}))


if __name__ == "__main__":
    main()
