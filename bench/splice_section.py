#!/usr/bin/env python3
"""Keeps a benchmark's section in bench/RESULTS.md current.

    splice_section.py NAME FILE

Replaces the text between <!-- NAME begin --> and <!-- NAME end --> in bench/RESULTS.md with the
contents of FILE, or appends it with those markers when they are absent. bench/run.py writes the
log pipeline's figures and bench/collector/run.sh the collector's; each reruns alone.
"""
import os
import sys

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")


def section(name, text):
    return f"<!-- {name} begin -->\n{text.rstrip()}\n<!-- {name} end -->\n"


def splice(name, text, results=RESULTS):
    old = open(results).read() if os.path.exists(results) else ""
    begin, end = f"<!-- {name} begin -->", f"<!-- {name} end -->"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        new = head + section(name, text) + tail
    else:
        new = old.rstrip("\n") + "\n\n" + section(name, text)
    with open(results, "w") as f:
        f.write(new)


if __name__ == "__main__":
    splice(sys.argv[1], open(sys.argv[2]).read())
