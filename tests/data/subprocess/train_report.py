#!/usr/bin/python3
# A Syne Tune training script in miniature: hyperparameters as --name value
# (or a JSON file), one "[tune-metric]: {...}" line per epoch as
# syne_tune.Reporter prints it, a checkpoint per epoch to resume from. It
# trains to --epochs (Syne Tune's max_resource_attr, set to the rung level
# of a promoted run) and records in its trial directory every SIGTERM it gets.
import argparse
import json
import os
import signal
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--learning_rate", type=float, default=0.1)
parser.add_argument("--label", type=str, default="")
parser.add_argument("--sleep", type=float, default=0.0)
parser.add_argument("--st_checkpoint_dir", type=str, required=True)
parser.add_argument("--st_config_json_filename", type=str)
parser.add_argument("--metric_key", type=str, default="loss")  # what the metric is called
parser.add_argument("--extra_key", type=str, default="")  # one more metric, reported as 1.0
parser.add_argument("--linger", type=float, default=0.0)  # seconds after the last epoch (a slow final save)
parser.add_argument("--ignore_epochs", type=int, default=0)  # > 0: train this far whatever --epochs says
args, _ = parser.parse_known_args()  # list and object constants come as --name JSON
config = vars(args)
if args.st_config_json_filename:
    with open(args.st_config_json_filename) as file:
        config.update(json.load(file))


def record_sigterm(signum, frame):
    with open(os.path.join(config["st_checkpoint_dir"], "..", "sigterm.log"), "a") as file:
        file.write("SIGTERM\n")
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


signal.signal(signal.SIGTERM, record_sigterm)
print("argv: " + json.dumps(sys.argv[1:]), flush=True)
print("visible devices: " + os.environ.get("CUDA_VISIBLE_DEVICES", "unset"), flush=True)

checkpoint = os.path.join(config["st_checkpoint_dir"], "last_epoch")
first_epoch = 1
if os.path.exists(checkpoint):
    with open(checkpoint) as file:
        first_epoch = int(file.read()) + 1
started = time.time()
last_epoch = args.ignore_epochs if args.ignore_epochs > 0 else int(config["epochs"])
for iteration, epoch in enumerate(range(first_epoch, last_epoch + 1)):
    report = {"epoch": epoch, args.metric_key: float(config["learning_rate"]) / epoch,
              "st_worker_timestamp": time.time(), "st_worker_time": time.time() - started,
              "st_worker_iter": iteration}
    if args.extra_key:
        report[args.extra_key] = 1.0
    # Saved before reporting (a pause may follow at once), atomically (a
    # SIGTERM may come in the middle).
    with open(checkpoint + ".tmp", "w") as file:
        file.write(str(epoch))
    os.replace(checkpoint + ".tmp", checkpoint)
    print("[tune-metric]: " + json.dumps(report), flush=True)
    time.sleep(float(config["sleep"]))
time.sleep(args.linger)
