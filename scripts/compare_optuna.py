#!/usr/bin/env python3
"""rung's searchers against Optuna on the synthetic workload at the same budget.

Both sides run one worker and stop after EPOCHS epochs in total (every
report is one epoch of training; a trial cut off by the budget counts the
epochs it ran), with each seed 1..SEEDS:

  rung    each searcher (random, kde, regularized_evolution, gp) with fifo
          (every trial to 81 epochs), ASHA stopping and ASHA promotion:
          bench_claims equal_epochs, the simulator driving rung's schedulers
  Optuna  RandomSampler and TPESampler, each without pruning (fifo) and with
          SuccessiveHalvingPruner (min_resource=1, reduction_factor=3: rungs
          1, 3, 9, 27, 81, as rung's ASHA stopping)

The best error each reached (the lowest reported at any epoch) is printed
per seed as JSON lines, then the medians [quartiles] per searcher and
scheduler, and a summary JSON line per row:

  /usr/bin/python3 scripts/compare_optuna.py [--epochs 5000] [--seeds 10] [--bench PATH]
      [--searchers random,kde,regularized_evolution,gp] [--optuna-samplers random,tpe]
      [--lines FILE ...]

A searcher may carry options, as bench_claims takes them:
"kde:top_n_percent=25,random_fraction=0.2". gp is skipped, with a note,
when bench_claims was built without rung::gp. --lines FILE adds the
equal_epochs lines stored in FILE (an earlier output of this script, or
bench_claims equal_epochs') to those run; empty --searchers and
--optuna-samplers ('') run nothing, and only tabulate what FILE holds.
PATH defaults to bench_claims in build-release/benchmarks (docs/simulator.md's
build), build/release/benchmarks (scripts/test.sh with RUNG_TEST_BENCHMARKS=ON)
or build/quality/benchmarks.
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
from bench_optuna_asha import run_trial  # noqa: E402  (needs the path above)

SCHEDULERS = ("fifo", "asha_stopping", "asha_promotion")
SAMPLERS = {
    "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
}
PRUNERS = {
    "fifo": lambda: optuna.pruners.NopPruner(),
    "asha_stopping": lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
}


def optuna_best_error(sampler, pruner, epochs):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner)
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
    for candidate in ("build-release", "build/release", "build/quality"):
        full = os.path.join(root, candidate, "benchmarks", "bench_claims")
        if os.access(full, os.X_OK):
            return full
    sys.exit("compare_optuna: bench_claims not found; build it (docs/simulator.md says how) or pass --bench PATH")


def rung_lines(bench, searcher, epochs, seeds):
    """bench_claims' lines for one searcher; None when it was built without it."""
    run = subprocess.run([bench, "equal_epochs", str(epochs), str(seeds), searcher], capture_output=True, text=True)
    if run.returncode != 0:
        if "needs rung::gp" in run.stderr:
            print("compare_optuna: %s skipped: bench_claims was built without rung::gp" % searcher, file=sys.stderr)
            return None
        sys.exit("compare_optuna: bench_claims failed: " + run.stderr.strip())
    return run.stdout.splitlines()


def quartiles(values):
    return statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--bench", default=None, help="path of bench_claims")
    parser.add_argument("--searchers", default="random,kde,regularized_evolution,gp",
                        help="rung's searchers, comma-separated between specs (';' if a spec has commas)")
    parser.add_argument("--optuna-samplers", default="random,tpe")
    parser.add_argument("--lines", action="append", default=[], help="a file of equal_epochs lines to add")
    options = parser.parse_args()
    if options.epochs < 1 or options.seeds < 1:
        sys.exit("compare_optuna: --epochs and --seeds must be at least 1")
    separator = ";" if ";" in options.searchers else ","
    searchers = [s for s in options.searchers.split(separator) if s]
    samplers = [s for s in options.optuna_samplers.split(",") if s]
    unknown = [s for s in samplers if s not in SAMPLERS]
    if unknown:
        sys.exit("compare_optuna: unknown Optuna sampler %s (known: %s)" % (unknown[0], ", ".join(SAMPLERS)))

    results = {}  # (library, searcher, scheduler) -> [best error per seed]
    lines = []
    if searchers:
        bench = find_bench(options.bench)
        for searcher in searchers:
            lines += rung_lines(bench, searcher, options.epochs, options.seeds) or []
    for path in options.lines:
        with open(path) as stored:
            lines += [line for line in stored.read().splitlines() if line.startswith('{"claim":"equal_epochs",')]
    for line in lines:
        record = json.loads(line)
        results.setdefault((record["library"], record["searcher"], record["scheduler"]), []).append(
            record["best_error"])
        print(line, flush=True)

    for sampler in samplers:
        for scheduler, make_pruner in PRUNERS.items():
            for seed in range(1, options.seeds + 1):
                best, trials = optuna_best_error(SAMPLERS[sampler](seed), make_pruner(), options.epochs)
                results.setdefault(("optuna", sampler, scheduler), []).append(best)
                print(json.dumps({"claim": "equal_epochs", "library": "optuna", "searcher": sampler,
                                  "scheduler": scheduler, "seed": seed, "epochs": options.epochs, "trials": trials,
                                  "best_error": round(best, 6)}, separators=(",", ":")), flush=True)

    print("\nbest error after %d epochs, median over %d seeds [quartiles]" % (options.epochs, options.seeds))
    print("%-36s %-26s %-26s %-26s" % (("library searcher",) + SCHEDULERS))
    rows = []
    for library, searcher, _ in results:
        if (library, searcher) not in rows:
            rows.append((library, searcher))
    rows.sort(key=lambda row: row[0] != "rung")  # rung's rows first, each side in the order run
    for library, searcher in rows:
        cells = []
        summary = {"claim": "equal_epochs_summary", "library": library, "searcher": searcher,
                   "epochs": options.epochs, "seeds": options.seeds}
        for scheduler in SCHEDULERS:
            values = results.get((library, searcher, scheduler))
            if not values:
                cells.append("-")
                summary[scheduler + "_median"] = None
                continue
            q = quartiles(values)
            cells.append("%.4f [%.4f, %.4f]" % (statistics.median(values), q[0], q[2]) +
                         ("" if len(values) == options.seeds else " n=%d" % len(values)))
            summary[scheduler + "_median"] = round(statistics.median(values), 6)
        print("%-36s %-26s %-26s %-26s" % ((library + " " + searcher,) + tuple(cells)))
        print(json.dumps(summary, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
