#!/usr/bin/env python3
"""Accepts TCP connections and counts the syslog messages received until --lines have arrived.

Usage: count_receiver.py --lines N --ready PORTFILE
Writes the port it listens on to PORTFILE, exits once N messages were received. Messages are
counted by their final newline (RSYSLOG_SyslogProtocol23Format ends each with one), which
keeps the receiver far faster than the sender.
"""
import argparse
import selectors
import socket


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--ready", required=True)
    args = parser.parse_args()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    with open(args.ready, "w") as f:
        f.write(str(server.getsockname()[1]))
    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ)
    frames = 0
    while frames < args.lines:
        for key, _ in sel.select():
            if key.fileobj is server:
                conn, _ = server.accept()
                sel.register(conn, selectors.EVENT_READ)
                continue
            data = key.fileobj.recv(1 << 20)
            if not data:
                sel.unregister(key.fileobj)
                continue
            frames += data.count(b"\n")
    print(frames)


if __name__ == "__main__":
    main()
