#!/usr/bin/python3
# A long training in the Syne Tune style: one "[tune-metric]" line every
# --sleep seconds, a checkpoint per epoch to resume from. It forks a sleeper
# of its own, as a data loader would, and appends "<its pid> <the sleeper's>"
# to <trial>/pids. With --ignore_sigterm both ignore SIGTERM: only SIGKILL
# ends them.
import argparse
import json
import os
import signal
import subprocess
import time

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=1000)
parser.add_argument("--learning_rate", type=float, default=0.1)
parser.add_argument("--x", type=float, default=0.5)
parser.add_argument("--sleep", type=float, default=0.01)
parser.add_argument("--ignore_sigterm", action="store_true")
parser.add_argument("--st_checkpoint_dir", type=str, required=True)
args = parser.parse_args()
if args.ignore_sigterm:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # inherited by the sleeper through exec

os.makedirs(args.st_checkpoint_dir, exist_ok=True)
sleeper = subprocess.Popen(["sleep", "300"])
with open(os.path.join(os.path.dirname(args.st_checkpoint_dir), "pids"), "a") as file:
    file.write("%d %d\n" % (os.getpid(), sleeper.pid))

checkpoint = os.path.join(args.st_checkpoint_dir, "last_epoch")
first_epoch = 1
if os.path.exists(checkpoint):
    with open(checkpoint) as file:
        first_epoch = int(file.read()) + 1
for epoch in range(first_epoch, args.epochs + 1):
    with open(checkpoint + ".tmp", "w") as file:
        file.write(str(epoch))
    os.replace(checkpoint + ".tmp", checkpoint)
    print("[tune-metric]: " + json.dumps({"epoch": epoch, "loss": (args.x + args.learning_rate) / epoch}), flush=True)
    time.sleep(args.sleep)
sleeper.kill()
sleeper.wait()
