#!/usr/bin/python3
"""Runs a command and checks its exit status and output:

    expect_exit.py STATUS REGEX [--absent PATH] -- COMMAND [ARGUMENT...]

REGEX must match somewhere in stdout and stderr together; with --absent,
PATH must not exist afterwards (nothing written where it must not be)."""
import os
import re
import subprocess
import sys

separator = sys.argv.index("--")
status, pattern = int(sys.argv[1]), sys.argv[2]
options = sys.argv[3:separator]
absent = options[options.index("--absent") + 1] if "--absent" in options else None
finished = subprocess.run(sys.argv[separator + 1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120)
problems = []
if finished.returncode != status:
    problems.append("exit status %d, expected %d" % (finished.returncode, status))
if not re.search(pattern, finished.stdout, re.DOTALL):
    problems.append("no match for %r" % pattern)
if absent and os.path.exists(absent):
    problems.append(absent + " exists")
if problems:
    print("FAIL: " + "; ".join(problems) + "; output:\n" + finished.stdout)
    sys.exit(1)
print("ok")
