#!/usr/bin/env python3
"""A webhook receiver for the notification tests: records every request it gets and answers as
the test tells it.

  recording_receiver.py --record FILE [--port N] [--port-file FILE] [--answers 429:2,503,200]

Listens on 127.0.0.1 (port N, or any free port when 0), writes the port to --port-file once
listening, and appends one JSON line per request to --record: {"t": arrival time in Unix seconds,
"method", "path", "headers": {...}, "body": text, "status": what it answered}. --answers is the
sequence of answers to give, one per request, as STATUS or STATUS:RETRY_AFTER (a Retry-After
value in seconds or an HTTP date); once it is used up, every request gets 200 "ok" (what Slack's
incoming webhooks answer).
"""
import argparse
import http.server
import json
import os
import threading
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--record", required=True, help="file the requests are appended to")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--port-file", default="", help="file the port is written to")
    parser.add_argument("--answers", default="", help="STATUS[:RETRY_AFTER],... then 200")
    args = parser.parse_args()

    answers = []
    for item in filter(None, args.answers.split(",")):
        status, _, retry_after = item.partition(":")
        answers.append((int(status), retry_after))
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8", "replace")
            with lock:
                status, retry_after = answers.pop(0) if answers else (200, "")
                record = {"t": time.time(), "method": self.command, "path": self.path,
                          "headers": dict(self.headers.items()), "body": body, "status": status}
                with open(args.record, "a", encoding="utf-8") as out:
                    out.write(json.dumps(record) + "\n")
                    out.flush()
                    os.fsync(out.fileno())
            reply = b"ok" if status < 300 else b"refused by the test"
            self.send_response(status)
            if retry_after:
                self.send_header("Retry-After", retry_after)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_PUT = do_POST

        def log_message(self, *unused):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(str(server.server_address[1]))
        os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
