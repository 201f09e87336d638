#!/usr/bin/python3
"""rung-tune under SIGTERM, SIGINT twice and SIGKILL, as a person or Slurm
sends them, and resumed afterwards with the command it printed:

    rung_tune_signals.py RUNG_TUNE PYTHON WORK_DIR sigterm|sigint_twice|sigkill

Trials run long_train.py, which forks a sleeper as a data loader would. This
script is a child subreaper, so whatever rung-tune leaves behind when it dies
becomes its child: after each scenario it must have no child left, and no
process a trial started may still exist."""
import ctypes
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

RUNG_TUNE, PYTHON, WORK_DIR, SCENARIO = sys.argv[1:5]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(WORK_DIR, "experiments")
EXPERIMENT = os.path.join(ROOT, SCENARIO)
PR_SET_CHILD_SUBREAPER = 36


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def wait_until(condition, what, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            fail("timed out after %g s waiting for %s" % (seconds, what))
        time.sleep(0.01)


def read(path):
    try:
        with open(path, errors="replace") as file:
            return file.read()
    except FileNotFoundError:
        return ""


def alive(pid):
    """Not gone and not a zombie."""
    stat = read("/proc/%d/stat" % pid)
    return stat != "" and stat[stat.rfind(")") + 2] not in "ZX"


def my_children():
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read("/proc/%s/stat" % entry)
            if stat and int(stat[stat.rfind(")") + 2:].split()[1]) == os.getpid():
                children.append(int(entry))
    return children


def trial_pids():
    """Every process a trial started: the trainers and their sleepers."""
    pids = []
    trials = os.path.join(EXPERIMENT, "trials")
    for trial in os.listdir(trials) if os.path.isdir(trials) else []:
        pids += [int(word) for word in read(os.path.join(trials, trial, "pids")).split()]
    return pids


def reported(trial):
    return "[tune-metric]" in read(os.path.join(EXPERIMENT, "trials", str(trial), "std.out"))


def nothing_left():
    """Reaps what was adopted, then checks that nothing of the run is left."""
    def clean():
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
        return not my_children() and not any(alive(pid) for pid in trial_pids())
    wait_until(clean, "every process of the run to end (left: children %s, trial processes %s)" % (
        my_children(), [pid for pid in trial_pids() if alive(pid)]), 10.0)


def write_settings(epochs, grace_period):
    path = os.path.join(WORK_DIR, SCENARIO + ".json")
    with open(path, "w") as file:
        file.write('{"config_space": {"x": {"type": "uniform", "lower": 0, "upper": 1}, "epochs": %d},\n'
                   ' "scheduler": {"name": "fifo", "metric": "loss"}, "searcher": {"seed": 1},\n'
                   ' "tuner": {"n_workers": 2, "max_num_trials_started": 4, "print_update_interval": 0},\n'
                   ' "trial": {"stop_grace_period": %g}}\n' % (epochs, grace_period))
    return path


def start(settings, *train_arguments):
    command = [RUNG_TUNE, "--config", settings, "--experiment-root", ROOT, "--name", SCENARIO, "--",
               PYTHON, os.path.join(HERE, "long_train.py")] + list(train_arguments)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def ended(process, signal_number):
    try:
        output = process.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        fail("rung-tune still runs 20 s after %s" % signal.Signals(signal_number).name)
    if process.returncode != 128 + signal_number:
        fail("exit status %d, expected %d; output:\n%s" % (process.returncode, 128 + signal_number, output))
    name = signal.Signals(signal_number).name
    for expected in ["rung: tuning stopped early: interrupted by " + name, "rung-tune: to go on: rung-tune --resume"]:
        if expected not in output:
            fail("no '%s' in the output:\n%s" % (expected, output))
    return output


def events(kind):
    return read(os.path.join(EXPERIMENT, "journal.jsonl")).count('"event":"%s"' % kind)


def check_results_flushed():
    rows = read(os.path.join(EXPERIMENT, "results.csv")).count("\n") - 1
    if rows != events("report"):
        fail("results.csv has %d rows for %d reports in the journal" % (rows, events("report")))


def resume(command):
    """Runs the resume command rung-tune printed, to the end of the budget."""
    finished = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    if finished.returncode != 0:
        fail("the resume '%s' ended with %d:\n%s" % (shlex.join(command), finished.returncode, finished.stdout))
    if events("trial_started") != 4:
        fail("%d trials started in all, expected 4:\n%s" % (events("trial_started"), finished.stdout))
    check_results_flushed()
    nothing_left()


def carried_on(trial):
    """A trial the signal cut short goes on after the resume and ends by itself."""
    lines = [json.loads(line) for line in read(os.path.join(EXPERIMENT, "journal.jsonl")).splitlines()]
    resumed_at = max(i for i, line in enumerate(lines) if line["event"] == "tuning_started")
    mine = [line for line in lines[resumed_at:] if line.get("trial_id") == trial]
    if not any(line["event"] == "report" for line in mine):
        fail("trial %d, cut short by the signal, does not go on after the resume" % trial)
    if mine[-1]["event"] != "trial_finished" or mine[-1]["status"] != "Completed" or "cut" in mine[-1]:
        fail("trial %d ends with %s after the resume, expected it to complete" % (trial, mine[-1]))


def resume_command(output):
    line = re.search(r"rung-tune: to go on: (rung-tune --resume .*?) \(", output).group(1)
    return [RUNG_TUNE] + shlex.split(line)[1:]


ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
subprocess.run(["rm", "-rf", EXPERIMENT], check=True)
os.makedirs(WORK_DIR, exist_ok=True)

if SCENARIO == "sigterm":
    # An epoch every 50 ms, 20 epochs: stopped mid-trial, then resumed from the checkpoints.
    tuning = start(write_settings(20, 5), "--sleep", "0.05")
    wait_until(lambda: reported(0) and reported(1), "both trials to report")
    tuning.send_signal(signal.SIGTERM)
    output = ended(tuning, signal.SIGTERM)
    check_results_flushed()
    nothing_left()
    resume(resume_command(output))
    carried_on(0)
    carried_on(1)
elif SCENARIO == "sigint_twice":
    # Trials that ignore SIGTERM, with a minute's grace: the second Ctrl-C kills them.
    tuning = start(write_settings(1000, 60), "--sleep", "0.01", "--ignore_sigterm")
    wait_until(lambda: reported(0) and reported(1), "both trials to report")
    tuning.send_signal(signal.SIGINT)
    time.sleep(0.2)  # the first has been taken: the trials were sent SIGTERM, which they ignore
    started = time.monotonic()
    tuning.send_signal(signal.SIGINT)
    ended(tuning, signal.SIGINT)
    if time.monotonic() - started > 5:
        fail("the second SIGINT took %.1f s to end the tuning" % (time.monotonic() - started))
    check_results_flushed()
    nothing_left()
elif SCENARIO == "sigkill":
    # kill -9: rung-tune cannot act, its guardian kills every trial's process group.
    tuning = start(write_settings(20, 5), "--sleep", "0.05")
    wait_until(lambda: reported(0) and reported(1) and len(trial_pids()) == 4, "both trials and their sleepers")
    tuning.kill()
    tuning.wait()
    nothing_left()
    resume([RUNG_TUNE, "--resume", SCENARIO, "--experiment-root", ROOT])
else:
    fail("unknown scenario " + SCENARIO)
print("ok: " + SCENARIO)
