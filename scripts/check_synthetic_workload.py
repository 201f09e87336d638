#!/usr/bin/env python3
"""Checks scripts/synthetic_workload.py against the spec's reference values.

Exits 0 when every value matches bit for bit (and the cost model and epoch
range behave as specified), 1 otherwise, printing each mismatch; meant to run
as a ctest with /usr/bin/python3. The expected values are copied from
docs/synthetic_workload.md, not from the module under test.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import synthetic_workload as lc  # noqa: E402  (needs the path above)

# (lr, width, dropout, adam, epoch, error) from the spec.
SPEC_REFERENCE_VALUES = (
    (1e-3, 128, 0.3, True, 1, 0.7840118423957626),
    (1e-3, 128, 0.3, True, 81, 0.15056166484455208),
    (0.05, 64, 0.1, False, 1, 0.6309195273575375),
    (0.05, 64, 0.1, False, 3, 0.39704892048135326),
    (0.05, 64, 0.1, False, 81, 0.13713130091463782),
    (1e-4, 16, 0.0, True, 9, 0.7095562628709241),
    (1e-4, 16, 0.0, True, 81, 0.46633722251965204),
    (1.0, 512, 0.8, False, 27, 0.2696788927064462),
    (1.0, 512, 0.8, False, 81, 0.25970934487306746),
    (0.01, 512, 0.6, True, 9, 0.24490279160662623),
    (0.01, 512, 0.6, True, 81, 0.09822858722923042),
)


def failures():
    for lr, width, dropout, adam, epoch, expected in SPEC_REFERENCE_VALUES:
        got = lc.error(lr, width, dropout, adam, epoch)
        if got != expected:
            yield f"error(lr={lr!r}, width={width}, dropout={dropout!r}, adam={adam}, epoch={epoch}) = {got!r}, spec {expected!r}"
        config = {"lr": lr, "width": width, "dropout": dropout, "optimizer": "adam" if adam else "sgd"}
        if lc.error_of(config, epoch) != got:
            yield f"error_of({config}, {epoch}) differs from error()"

    # Cost model at the extremes of the space: (0.2 + 0.8 * width / 512) * (1.3 if adam).
    if not math.isclose(lc.epoch_seconds(16, False), 0.225, rel_tol=1e-12):
        yield f"epoch_seconds(16, sgd) = {lc.epoch_seconds(16, False)!r}, expected 0.225"
    if not math.isclose(lc.epoch_seconds(512, True), 1.3, rel_tol=1e-12):
        yield f"epoch_seconds(512, adam) = {lc.epoch_seconds(512, True)!r}, expected 1.3"

    for epoch in (0, lc.MAX_RESOURCE + 1):
        try:
            lc.error(1e-3, 128, 0.3, True, epoch)
            yield f"error(..., epoch={epoch}) did not raise ValueError"
        except ValueError:
            pass

    settings = (lc.MAX_RESOURCE, lc.MIN_RESOURCE, lc.REDUCTION_FACTOR, lc.METRIC, lc.MODE, lc.RESOURCE_ATTR)
    if settings != (81, 1, 3, "error", "min", "epoch"):
        yield f"scheduler settings {settings} differ from the spec's"


def main():
    problems = list(failures())
    for problem in problems:
        print("MISMATCH:", problem)
    print(f"synthetic-lc Python check: {len(SPEC_REFERENCE_VALUES)} reference values, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
