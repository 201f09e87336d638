#!/usr/bin/env python3
"""Optuna's TPESampler measured the way benchmarks/bench_searchers.cpp
measures rung's searchers: with N completed trials in the study, the time
of a suggestion (ask plus the six parameter draws, where TPE fits and
samples), each followed by an untimed tell. Same space (x uniform(-1, 1),
learning_rate loguniform(1e-4, 1), units randint(16, 256), batch_size
lograndint(8, 512), optimizer choice of 3, layers 1-4 as an integer: Optuna
has no ordinal) and objective. The N trials are random configurations added
with add_trials (feeding 10,000 through TPE itself would take hours); TPE's
cost depends on how many there are, not on where. Defaults (independent
TPE, 10 startup trials), in-memory storage, CPU time (time.process_time).
Prints one JSON line per N:

  {"benchmark":"bench_searchers","searcher":"optuna_tpe","observations":1000,"ms_per_suggest":...}

Run with /usr/bin/python3 (Debian's python3-optuna): /usr/bin/python3 scripts/bench_optuna_tpe.py [N ...]
"""

import json
import math
import random
import sys
import time

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

DEFAULT_OBSERVATIONS = (100, 1000, 10000)
OPTIMIZERS = ("sgd", "adam", "rmsprop")
DISTRIBUTIONS = {
    "x": FloatDistribution(-1.0, 1.0),
    "learning_rate": FloatDistribution(1e-4, 1.0, log=True),
    "units": IntDistribution(16, 256),
    "batch_size": IntDistribution(8, 512, log=True),
    "optimizer": CategoricalDistribution(OPTIMIZERS),
    "layers": IntDistribution(1, 4),
}


def objective(params):
    """bench_searchers.cpp's bowl."""
    lr = math.log10(params["learning_rate"]) + 2.0
    units = (params["units"] - 128.0) / 240.0
    batch = math.log2(params["batch_size"]) - 6.0
    x = params["x"] - 0.3
    optimizer = 0.0 if params["optimizer"] == "adam" else 0.5
    layers = params["layers"] - 2
    return x * x + 0.25 * lr * lr + units * units + 0.05 * batch * batch + optimizer + 0.1 * layers * layers


def random_params(rng):
    return {
        "x": rng.uniform(-1.0, 1.0),
        "learning_rate": math.exp(rng.uniform(math.log(1e-4), 0.0)),
        "units": rng.randint(16, 256),
        "batch_size": min(512, max(8, round(math.exp(rng.uniform(math.log(8), math.log(512)))))),
        "optimizer": rng.choice(OPTIMIZERS),
        "layers": rng.randint(1, 4),
    }


def suggest(trial):
    return {
        "x": trial.suggest_float("x", -1.0, 1.0),
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 1.0, log=True),
        "units": trial.suggest_int("units", 16, 256),
        "batch_size": trial.suggest_int("batch_size", 8, 512, log=True),
        "optimizer": trial.suggest_categorical("optimizer", OPTIMIZERS),
        "layers": trial.suggest_int("layers", 1, 4),
    }


def measure(observations):
    rng = random.Random(1)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
    trials = []
    for _ in range(observations):
        params = random_params(rng)
        trials.append(optuna.trial.create_trial(params=params, distributions=DISTRIBUTIONS, value=objective(params)))
    study.add_trials(trials)
    timed = 20 if observations >= 10000 else 100
    seconds = 0.0
    for _ in range(timed):
        start = time.process_time()
        trial = study.ask()
        params = suggest(trial)
        seconds += time.process_time() - start
        study.tell(trial, objective(params))
    print(json.dumps({"benchmark": "bench_searchers", "searcher": "optuna_tpe", "observations": observations,
                      "ms_per_suggest": round(1e3 * seconds / timed, 4)}, separators=(",", ":")), flush=True)


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for observations in [int(arg) for arg in sys.argv[1:]] or DEFAULT_OBSERVATIONS:
        measure(observations)


if __name__ == "__main__":
    main()
