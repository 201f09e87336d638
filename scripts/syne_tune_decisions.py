#!/usr/bin/env python3
"""Records decisions of Syne Tune v0.13's rung systems for rung's tests.

Drives Syne Tune's StoppingRungSystem and PromotionRungSystem (one bracket)
with seeded random reports, the way its HyperbandScheduler does, and writes a
script that tests/test_asha_syne_tune.cpp replays through rung::asha:

  stopping min 1 2.5 100          a scenario: type, mode, grace_period, eta, max_t
  S new 3                         a free worker: a new trial (id 3) ...
  S resume 4 3                    ... or trial 4 resumed from rung level 3
  R 4 9 0.21 PAUSE                trial 4 reports 0.21 at 9; Syne Tune's decision

Usage: python3 scripts/syne_tune_decisions.py DIR > tests/data/syne_tune_decisions.inc
where DIR holds the two modules of Syne Tune v0.13 it imports, with numpy
(a minimal stand-in replaces sortedcontainers when that is not installed):
  git -C SYNE_TUNE_CLONE archive v0.13.0 syne_tune/optimizer/schedulers/hyperband_stopping.py \
      syne_tune/optimizer/schedulers/hyperband_promotion.py | tar -x -C DIR
  touch DIR/syne_tune/__init__.py DIR/syne_tune/optimizer/__init__.py DIR/syne_tune/optimizer/schedulers/__init__.py
"""

import bisect
import logging
import random
import sys
import types


def install_sortedlist_stand_in():
    """sortedcontainers.SortedList(key=...) as Syne Tune uses it: add goes after equal keys."""

    class SortedList:
        def __init__(self, iterable=(), key=None):
            self._key = key or (lambda x: x)
            self._keys, self._items = [], []
            for x in iterable:
                self.add(x)

        def add(self, x):
            k = self._key(x)
            i = bisect.bisect_right(self._keys, k)
            self._keys.insert(i, k)
            self._items.insert(i, x)

        def pop(self, i):
            self._keys.pop(i)
            return self._items.pop(i)

        def __len__(self):
            return len(self._items)

        def __iter__(self):
            return iter(self._items)

        def islice(self, start, stop):
            return iter(self._items[start:stop])

    sys.modules["sortedcontainers"] = types.SimpleNamespace(SortedList=SortedList)


def rung_levels(grace, eta, max_t, np):
    """Syne Tune's successive_halving_rung_levels for grace_period, reduction_factor."""
    k = 0
    while grace * np.power(eta, k) < max_t:
        k += 1
    levels = [int(round(grace * np.power(eta, i))) for i in range(k)]
    return levels[:-1] if levels[-1] == max_t else levels


def scenario(systems, np, kind, mode, grace, eta, max_t, seed, steps, workers, values):
    rnd = random.Random(seed)
    levels = rung_levels(grace, eta, max_t, np)
    quantiles = [x / y for x, y in zip(levels, levels[1:] + [max_t])]
    system = systems[kind](levels, quantiles, "y", mode, "r", max_t)
    out = [f"{kind} {mode} {grace} {eta!r} {max_t}"]
    running, paused_at, state = {}, {}, {"next": 0}

    def suggest():
        found = system.on_task_schedule(state["next"])
        if "trial_id" in found:
            trial = found["trial_id"]
            system.on_task_add(trial, skip_rungs=0, new_config=False, milestone=found["milestone"],
                               resume_from=found["resume_from"])
            running[trial] = paused_at[trial] + 1
            out.append(f"S resume {trial} {found['resume_from']}")
        else:
            trial = state["next"]
            state["next"] += 1
            system.on_task_add(trial, skip_rungs=0, new_config=True)
            running[trial] = 1
            out.append(f"S new {trial}")

    for _ in range(workers):
        suggest()
    for _ in range(steps):
        if not running:
            break
        trial = rnd.choice(sorted(running))
        resource = running[trial]
        if kind == "stopping" and rnd.random() < 0.1:
            resource += 1  # a skipped milestone now and then
        value = rnd.choice(values)
        if resource >= max_t:
            decision = "STOP"
        else:
            info = system.on_task_report(trial, {"y": value, "r": resource}, skip_rungs=0)
            decision = "CONTINUE" if info["task_continues"] else ("PAUSE" if kind == "promotion" else "STOP")
        out.append(f"R {trial} {resource} {value!r} {decision}")
        if decision == "CONTINUE":
            running[trial] = resource + 1
            continue
        del running[trial]
        if decision == "PAUSE":
            paused_at[trial] = resource
        else:
            system.on_task_remove(trial)
        suggest()
    return out


def main():
    sys.path.insert(0, sys.argv[1])
    logging.disable(logging.WARNING)  # Syne Tune warns at every skipped milestone
    try:
        import sortedcontainers  # noqa: F401
    except ImportError:
        install_sortedlist_stand_in()
    import numpy as np
    from syne_tune.optimizer.schedulers.hyperband_promotion import PromotionRungSystem
    from syne_tune.optimizer.schedulers.hyperband_stopping import StoppingRungSystem

    systems = {"stopping": StoppingRungSystem, "promotion": PromotionRungSystem}
    rnd = random.Random(0)
    lines = []
    settings = [(1, 3, 81), (1, 3, 100), (2, 2, 10), (1, 2.5, 100), (3, 3, 27), (1, 4, 64)]
    for i in range(12):
        kind = "stopping" if i % 2 == 0 else "promotion"
        mode = "min" if (i // 2) % 2 == 0 else "max"
        grace, eta, max_t = settings[(i // 2) % len(settings)]
        # Few distinct values: many ties, where rounding decides.
        values = [round(rnd.random(), 2) for _ in range(rnd.choice([3, 10, 100]))]
        lines += scenario(systems, np, kind, mode, grace, eta, max_t, i, 300, rnd.choice([1, 3, 8]), values)
    print('R"(' + "\n".join(lines) + '\n)"')


if __name__ == "__main__":
    main()
