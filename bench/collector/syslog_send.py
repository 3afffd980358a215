#!/usr/bin/env python3
"""Sends syslog messages over TCP with octet counting (RFC 6587), as fast as it can.

Usage: syslog_send.py --port P --messages N --input FILE
Message texts are the lines of FILE, in RFC 5424 form; the frames are built ahead of time so
that the sender is not the bottleneck.
"""
import argparse
import socket


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--input", required=True)
    args = parser.parse_args()
    frames = []
    with open(args.input, "rb") as f:
        for i, line in enumerate(f):
            if i == 100000:
                break
            msg = b"<14>1 2024-05-01T12:00:00.000000Z benchhost bench - - - " + line.rstrip(b"\n")
            frames.append(b"%d %s" % (len(msg), msg))
    chunk = b"".join(frames)
    sock = socket.create_connection(("127.0.0.1", args.port))
    sent = 0
    while sent + len(frames) <= args.messages:
        sock.sendall(chunk)
        sent += len(frames)
    if sent < args.messages:
        sock.sendall(b"".join(frames[: args.messages - sent]))
    sock.close()


if __name__ == "__main__":
    main()
