#!/usr/bin/python3
# Output a parser must survive: malformed metric lines, bytes that are not
# UTF-8, a metric line over 1 MB; then one good report.
import sys

out = sys.stdout.buffer
out.write(b"[tune-metric]: {not json\n")
out.write(b"[tune-metric]: [1, 2]\n")
out.write(b'[tune-metric]: {"loss": "low"}\n')
out.write(b"\xff\xfe not text at all \x80\n")
out.write(b'[tune-metric]: {"loss": 0.5, "note": "\xff"}\n')
out.write(b'[tune-metric]: {"loss": 0.1, "padding": "' + b"x" * (1536 * 1024) + b'"}\n')
out.write(b'[tune-metric]: {"epoch": 1, "loss": 0.25}\n')
out.flush()
