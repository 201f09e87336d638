#!/usr/bin/env python3
"""Draws rung's searchers under ASHA in the simulator, as bench_claims measured them.

  build/quality/benchmarks/bench_claims searcher_incumbent 10 25,100 random kde regularized_evolution > searchers.jsonl
  /usr/bin/python3 scripts/plot_searchers.py searchers.jsonl docs/images/searchers_best_error.png

One panel per worker count: the median best error over simulated time of
each searcher, ASHA promotion solid and ASHA stopping dashed, with the
target 0.095 and the optimum (about 0.0899) as lines. Needs matplotlib
(Debian's python3-matplotlib).
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

OPTIMUM = 0.0899
STYLES = {"asha_promotion": "-", "asha_stopping": "--"}
LABELS = {"asha_promotion": "ASHA promotion", "asha_stopping": "ASHA stopping"}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot_searchers.py SEARCHERS.jsonl OUT.png")
    with open(sys.argv[1], encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.startswith('{"claim":"searcher_incumbent",')]
    if not records:
        sys.exit("plot_searchers.py: no searcher_incumbent line in " + sys.argv[1])
    worker_counts = sorted({r["workers"] for r in records})
    searchers = list(dict.fromkeys(r["searcher"] for r in records))
    colours = {searcher: "C%d" % i for i, searcher in enumerate(searchers)}
    fig, axes = plt.subplots(1, len(worker_counts), figsize=(5.5 * len(worker_counts), 4.2), sharey=True,
                             squeeze=False)
    for axis, workers in zip(axes[0], worker_counts):
        for record in (r for r in records if r["workers"] == workers):
            points = [(t, m) for t, m in zip(record["time"], record["median"]) if m is not None]
            axis.plot([t for t, _ in points], [m for _, m in points], STYLES.get(record["scheduler"], ":"),
                      color=colours[record["searcher"]],
                      label="%s, %s" % (record["searcher"], LABELS.get(record["scheduler"], record["scheduler"])))
        axis.axhline(record["target"], color="grey", linewidth=0.8, linestyle=":")
        axis.axhline(OPTIMUM, color="black", linewidth=0.8, linestyle=":")
        axis.set_xscale("log")
        axis.set_xlim(left=5)
        axis.set_ylim(OPTIMUM - 0.002, 0.13)
        axis.set_xlabel("simulated seconds")
        axis.set_title("%d workers, median of %d seeds" % (workers, record["seeds"]))
        axis.grid(alpha=0.3)
    axes[0][0].set_ylabel("best error so far (target 0.095, optimum 0.0899 dotted)")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
