#!/usr/bin/python3
# A Syne Tune training script in miniature: hyperparameters as --name value
# (or a JSON file), one "[tune-metric]: {...}" line per epoch as
# syne_tune.Reporter prints it, a checkpoint per epoch to resume from.
import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--learning_rate", type=float, default=0.1)
parser.add_argument("--label", type=str, default="")
parser.add_argument("--sleep", type=float, default=0.0)
parser.add_argument("--st_checkpoint_dir", type=str, required=True)
parser.add_argument("--st_config_json_filename", type=str)
args = parser.parse_args()
config = vars(args)
if args.st_config_json_filename:
    with open(args.st_config_json_filename) as file:
        config.update(json.load(file))
print("argv: " + json.dumps(sys.argv[1:]), flush=True)
print("visible devices: " + os.environ.get("CUDA_VISIBLE_DEVICES", "unset"), flush=True)

checkpoint = os.path.join(config["st_checkpoint_dir"], "last_epoch")
first_epoch = 1
if os.path.exists(checkpoint):
    with open(checkpoint) as file:
        first_epoch = int(file.read()) + 1
started = time.time()
for iteration, epoch in enumerate(range(first_epoch, int(config["epochs"]) + 1)):
    report = {"epoch": epoch, "loss": float(config["learning_rate"]) / epoch,
              "st_worker_timestamp": time.time(), "st_worker_time": time.time() - started,
              "st_worker_iter": iteration}
    # Saved before reporting (a pause may follow at once), atomically (a
    # SIGTERM may come in the middle).
    with open(checkpoint + ".tmp", "w") as file:
        file.write(str(epoch))
    os.replace(checkpoint + ".tmp", checkpoint)
    print("[tune-metric]: " + json.dumps(report), flush=True)
    time.sleep(float(config["sleep"]))
