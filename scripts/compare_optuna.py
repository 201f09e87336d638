#!/usr/bin/env python3
"""rung against Optuna on the synthetic workload at the same budget.

Both sides run one worker and stop after EPOCHS epochs in total (every
report is one epoch of training; a trial cut off by the budget counts the
epochs it ran), drawing configurations at random with each seed 1..SEEDS:

  rung    random search, ASHA (stopping), ASHA (promotion): bench_claims
          equal_epochs, the simulator driving rung's schedulers
  Optuna  RandomSampler without pruning, and with SuccessiveHalvingPruner
          (min_resource=1, reduction_factor=3: rungs 1, 3, 9, 27, 81, as rung's)

The best error each reached (the lowest reported at any epoch) is printed
per seed as JSON lines, then the medians side by side:

  /usr/bin/python3 scripts/compare_optuna.py [--epochs 5000] [--seeds 10] [--bench PATH]

PATH defaults to bench_claims in build-release/benchmarks (docs/simulator.md's
build) or build/release/benchmarks (scripts/test.sh with RUNG_TEST_BENCHMARKS=ON).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import optuna  # noqa: E402
import synthetic_workload as lc  # noqa: E402  (needs the path above)
from bench_optuna_asha import run_trial  # noqa: E402


def optuna_best_error(pruner, seed, epochs):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.RandomSampler(seed=seed),
                                pruner=pruner)
    spent = 0
    trials = 0
    best = float("inf")
    while spent < epochs:
        used, trial_best = run_trial(study, epochs - spent)
        spent += used
        trials += 1
        best = min(best, trial_best)
    return best, trials


def find_bench(path):
    if path:
        return path
    root = os.path.dirname(HERE)
    for candidate in ("build-release/benchmarks/bench_claims", "build/release/benchmarks/bench_claims"):
        full = os.path.join(root, candidate)
        if os.access(full, os.X_OK):
            return full
    sys.exit("compare_optuna: bench_claims not found; build it (docs/simulator.md says how) or pass --bench PATH")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--bench", default=None, help="path of bench_claims")
    options = parser.parse_args()
    if options.epochs < 1 or options.seeds < 1:
        sys.exit("compare_optuna: --epochs and --seeds must be at least 1")

    results = {}  # (library, method) -> [best error per seed]
    output = subprocess.run([find_bench(options.bench), "equal_epochs", str(options.epochs), str(options.seeds)],
                            check=True, capture_output=True, text=True).stdout
    for line in output.splitlines():
        record = json.loads(line)
        results.setdefault(("rung", record["method"]), []).append(record["best_error"])
        print(line, flush=True)

    pruners = {
        "random_search": lambda: optuna.pruners.NopPruner(),
        "asha_stopping": lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
    }
    for method, make_pruner in pruners.items():
        for seed in range(1, options.seeds + 1):
            best, trials = optuna_best_error(make_pruner(), seed, options.epochs)
            results.setdefault(("optuna", method), []).append(best)
            print(json.dumps({"claim": "equal_epochs", "library": "optuna", "method": method, "seed": seed,
                              "epochs": options.epochs, "trials": trials, "best_error": round(best, 6)},
                             separators=(",", ":")), flush=True)

    print("\nbest error after %d epochs, median over %d seeds [quartiles]" % (options.epochs, options.seeds))
    print("%-16s %-28s %-28s" % ("method", "rung", "Optuna"))
    for method in ("random_search", "asha_stopping", "asha_promotion"):
        cells = []
        for library in ("rung", "optuna"):
            values = results.get((library, method))
            if not values:
                cells.append("-")
                continue
            q = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
            cells.append("%.4f [%.4f, %.4f]" % (statistics.median(values), q[0], q[2]))
        print("%-16s %-28s %-28s" % (method, cells[0], cells[1]))
        summary = {"claim": "equal_epochs_summary", "method": method, "epochs": options.epochs,
                   "seeds": options.seeds}
        for library in ("rung", "optuna"):
            values = results.get((library, method))
            summary[library + "_median"] = round(statistics.median(values), 6) if values else None
        print(json.dumps(summary, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
