#!/usr/bin/env python3
"""Optuna's SuccessiveHalvingPruner on the synthetic workload, fed the way
benchmarks/bench_scheduler.cpp feeds rung's ASHA: N trials one after another
(one worker), each reporting its error at epochs 1, 2, ... until the pruner
prunes it or it reaches 81 epochs. min_resource=1, reduction_factor=3 (rungs
1, 3, 9, 27, 81), random sampling, in-memory storage. Prints one JSON line
per N in bench_scheduler's shape:

  {"benchmark":"bench_scheduler","scheduler":"optuna_successive_halving",
   "trials":1000,"reports":...,"us_per_report":...,"best_error":...}

The time is the process's CPU time (time.process_time), as bench_scheduler
counts its thread's, and covers everything per report: ask, the parameter
draws, the workload's error, report, should_prune, tell.

Run with /usr/bin/python3 (Optuna 3.1): /usr/bin/python3 scripts/bench_optuna_asha.py [N ...]
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import optuna  # noqa: E402
import synthetic_workload as lc  # noqa: E402  (needs the path above)

DEFAULT_TRIALS = (1000, 2000, 10000)


def suggest_config(trial):
    """The synthetic workload's space, drawn through an Optuna trial."""
    return {
        "lr": trial.suggest_float("lr", *lc.LR_BOUNDS, log=True),
        "width": trial.suggest_int("width", *lc.WIDTH_BOUNDS),
        "dropout": trial.suggest_float("dropout", *lc.DROPOUT_BOUNDS),
        "optimizer": trial.suggest_categorical("optimizer", lc.OPTIMIZERS),
    }


def run_trial(study, epochs_left):
    """One trial of the synthetic workload: asks the study for a
    configuration and reports its error per epoch until the pruner prunes
    it, it reaches 81 epochs, or epochs_left run out (then it counts as
    pruned). Returns (epochs run, best error reported)."""
    trial = study.ask()
    config = suggest_config(trial)
    best = float("inf")
    error = None
    last = min(lc.MAX_RESOURCE, epochs_left)
    for epoch in range(1, last + 1):
        error = lc.error_of(config, epoch)
        best = min(best, error)
        trial.report(error, epoch)
        if trial.should_prune() or (epoch == last and last < lc.MAX_RESOURCE):
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            return epoch, best
    study.tell(trial, error)
    return lc.MAX_RESOURCE, best


def feed(trials, seed=1):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="minimize",
        sampler=optuna.samplers.RandomSampler(seed=seed),
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
    )
    reports = 0
    best_error = float("inf")
    start = time.process_time()
    for _ in range(trials):
        used, best = run_trial(study, lc.MAX_RESOURCE)
        reports += used
        best_error = min(best_error, best)
    seconds = time.process_time() - start
    return reports, seconds, best_error


def main():
    counts = [int(arg) for arg in sys.argv[1:]] or list(DEFAULT_TRIALS)
    for trials in counts:
        reports, seconds, best_error = feed(trials)
        line = {
            "benchmark": "bench_scheduler",
            "scheduler": "optuna_successive_halving",
            "trials": trials,
            "reports": reports,
            "us_per_report": round(seconds / reports * 1e6, 4),
            "best_error": round(best_error, 6),
        }
        print(json.dumps(line, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
