#!/usr/bin/env python3
"""The shared synthetic workload "synthetic-lc" (spec: docs/synthetic_workload.md).

A plain-Python twin of benchmarks/support/synthetic_workload.hpp, for the
Optuna and Syne Tune comparison scripts. Only the math module is used, and
every expression keeps the C++ header's operation order, so both produce
bit-identical IEEE doubles (squares are written as x * x in both, never
x ** 2, so that no pow() rounding can differ between them).

Run it to print the values at the spec's reference points (compare them with
the spec, or run scripts/check_synthetic_workload.py, which does).
"""

import math

MAX_RESOURCE = 81  # R: epochs of a full trial
MIN_RESOURCE = 1  # r_min: the lowest rung
REDUCTION_FACTOR = 3  # eta: rungs at 1, 3, 9, 27
METRIC = "error"
MODE = "min"
RESOURCE_ATTR = "epoch"

LR_BOUNDS = (1e-4, 1.0)  # loguniform
WIDTH_BOUNDS = (16, 512)  # randint, both ends inclusive
DROPOUT_BOUNDS = (0.0, 0.8)  # uniform
OPTIMIZERS = ("sgd", "adam")  # choice


def error(lr, width, dropout, adam, epoch):
    """Validation error after `epoch` (1..MAX_RESOURCE) epochs; `adam` is a bool."""
    if not MIN_RESOURCE <= epoch <= MAX_RESOURCE:
        raise ValueError(f"synthetic-lc: epoch {epoch} is outside 1..{MAX_RESOURCE}")
    log_lr = math.log10(lr)
    log_width = math.log2(width)
    adam_flag = 1.0 if adam else 0.0
    best_log_lr = -2.5 if adam else -1.2
    lr_curvature = 0.08 if adam else 0.12
    best_dropout = 0.1 + 0.1 * (log_width - 4.0)

    lr_offset = log_lr - best_log_lr
    dropout_offset = dropout - best_dropout
    asymptote = ((0.05 if adam else 0.07) + lr_curvature * (lr_offset * lr_offset)
                 + 0.15 * math.exp(-(log_width - 4.0) / 1.5)
                 + 0.25 * (dropout_offset * dropout_offset))
    asymptote = min(asymptote, 0.85)

    time_constant = (0.5 * math.pow(10.0, -0.5 * (log_lr + 1.0)) * (1.0 + 0.1 * (log_width - 4.0))
                     * (1.0 if adam else 2.0))
    t = float(epoch)
    base = asymptote + (0.9 - asymptote) / (1.0 + t / time_constant)
    phase = 12.9898 * log_lr + 78.233 * log_width + 37.719 * dropout + 4.1 * t + adam_flag
    wiggle = 0.02 * math.sin(phase) / math.sqrt(t)
    return min(1.0, max(0.0, base + wiggle))


def epoch_seconds(width, adam):
    """Simulated seconds one epoch takes: up to 6x apart across the space."""
    return (0.2 + 0.8 * width / 512.0) * (1.3 if adam else 1.0)


def error_of(config, epoch):
    """error() for a dict {"lr", "width", "dropout", "optimizer"} (Optuna/Syne Tune configs)."""
    return error(config["lr"], config["width"], config["dropout"], config["optimizer"] == "adam", epoch)


def epoch_seconds_of(config):
    return epoch_seconds(config["width"], config["optimizer"] == "adam")


# Where the spec gives reference values: (lr, width, dropout, adam) and epochs.
# scripts/check_synthetic_workload.py holds the values themselves.
REFERENCE_POINTS = (
    ((1e-3, 128, 0.3, True), (1, 81)),
    ((0.05, 64, 0.1, False), (1, 3, 81)),
    ((1e-4, 16, 0.0, True), (9, 81)),
    ((1.0, 512, 0.8, False), (27, 81)),
    ((0.01, 512, 0.6, True), (9, 81)),
)


if __name__ == "__main__":
    for (lr, width, dropout, adam), epochs in REFERENCE_POINTS:
        for epoch in epochs:
            value = error(lr, width, dropout, adam, epoch)
            print(f"lr={lr!r} width={width} dropout={dropout!r} optimizer={'adam' if adam else 'sgd'} "
                  f"epoch={epoch}: {value!r}")
