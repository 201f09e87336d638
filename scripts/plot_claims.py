#!/usr/bin/env python3
"""Draws the ASHA paper's claims as bench_claims measured them.

  build-release/benchmarks/bench_claims 10 > claims.jsonl
  /usr/bin/python3 scripts/plot_claims.py claims.jsonl docs/images

Writes claim_first_full.png, claim_utilization.png, claim_incumbent.png,
claim_time_to_target.png and claim_schedule.png into the output folder.
Needs matplotlib (Debian's python3-matplotlib).
"""

import json
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

METHODS = ["random_search", "synchronous_sh", "synchronous_hyperband", "synchronous_hyperband_parallel",
           "asha_stopping", "asha_promotion", "async_hyperband"]
LABELS = {
    "random_search": "random search",
    "synchronous_sh": "synchronous SH",
    "synchronous_hyperband": "synchronous Hyperband",
    "synchronous_hyperband_parallel": "synchronous Hyperband, parallel brackets",
    "asha_stopping": "ASHA (stopping)",
    "asha_promotion": "ASHA (promotion)",
    "async_hyperband": "asynchronous Hyperband",
}


def read(path):
    by_claim = defaultdict(list)
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                by_claim[record["claim"]].append(record)
    return by_claim


def first_full(records, out):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for axis, workload in zip(axes, ["1 s epochs", "synthetic-lc"]):
        for method, marker in [("asha_promotion", "o"), ("synchronous_sh", "s")]:
            rows = sorted((r for r in records if r["workload"] == workload and r["method"] == method),
                          key=lambda r: r["workers"])
            workers = [r["workers"] for r in rows]
            axis.errorbar(workers, [r["median_time_r"] for r in rows],
                          yerr=[[r["median_time_r"] - r["q25"] for r in rows],
                                [r["q75"] - r["median_time_r"] for r in rows]],
                          marker=marker, capsize=3, label=LABELS[method] + " (measured)")
        theory = records[0]
        axis.axhline(theory["theory_asha_time_r"], color="C0", linestyle=":",
                     label="ASHA theory, from scratch: sum eta^(i-K) = %.2f" % theory["theory_asha_time_r"])
        axis.axhline(theory["theory_sh_time_r"], color="C1", linestyle=":",
                     label="SH run per worker: (K+1) = %.0f" % theory["theory_sh_time_r"])
        axis.set_xscale("log")
        axis.set_xticks(workers, [str(w) for w in workers])
        axis.set_xlabel("workers")
        axis.set_title("first fully trained model, " + workload)
    axes[0].set_ylabel("time / time(R)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "claim_first_full.png"), dpi=110)


def utilization(records, out):
    fig, axis = plt.subplots(figsize=(11, 4))
    worker_counts = sorted({r["workers"] for r in records})
    width = 0.8 / len(METHODS)
    for index, method in enumerate(METHODS):
        rows = {r["workers"]: r for r in records if r["method"] == method}
        positions = [k + (index - len(METHODS) / 2 + 0.5) * width for k in range(len(worker_counts))]
        values = [rows[w]["median"] for w in worker_counts]
        axis.bar(positions, values, width, label=LABELS[method],
                 yerr=[[rows[w]["median"] - rows[w]["q25"] for w in worker_counts],
                       [rows[w]["q75"] - rows[w]["median"] for w in worker_counts]])
    axis.set_xticks(range(len(worker_counts)), ["%d workers" % w for w in worker_counts])
    axis.set_ylabel("busy / available worker-seconds")
    axis.set_ylim(0, 1.05)
    axis.axhline(0.99, color="grey", linestyle=":", linewidth=1)
    axis.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axis.set_title("worker utilization over %s worker-seconds" % int(records[0]["simulated_seconds"] * records[0]["workers"]))
    fig.tight_layout()
    fig.savefig(os.path.join(out, "claim_utilization.png"), dpi=110)


def incumbent(records, out):
    worker_counts = sorted({r["workers"] for r in records})
    fig, axes = plt.subplots(1, len(worker_counts), figsize=(4.2 * len(worker_counts), 4), sharey=True)
    for axis, workers in zip(axes, worker_counts):
        for method in METHODS:
            row = next(r for r in records if r["workers"] == workers and r["method"] == method)
            times = row["time"]
            median = [float("nan") if v is None else v for v in row["median"]]
            low = [float("nan") if v is None else v for v in row["q25"]]
            high = [float("nan") if v is None else v for v in row["q75"]]
            line, = axis.plot(times, median, label=LABELS[method])
            axis.fill_between(times, low, high, color=line.get_color(), alpha=0.15)
        axis.axhline(row["target"], color="grey", linestyle=":", linewidth=1)
        axis.set_ylim(0.085, 0.16)
        axis.set_xscale("log")
        axis.set_xlabel("simulated seconds")
        axis.set_title("%d worker%s" % (workers, "" if workers == 1 else "s"))
    axes[0].set_ylabel("best error so far (median, quartiles)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "claim_incumbent.png"), dpi=110)

    fig, axis = plt.subplots(figsize=(6, 4.5))
    for method in METHODS:
        rows = sorted((r for r in records if r["method"] == method), key=lambda r: r["workers"])
        reached = [r for r in rows if r["time_to_target_median"] is not None]
        axis.plot([r["workers"] for r in reached], [r["time_to_target_median"] for r in reached],
                  marker="o", label=LABELS[method])
    asha = sorted((r for r in records if r["method"] == "asha_promotion"), key=lambda r: r["workers"])
    base = asha[0]["time_to_target_median"]
    axis.plot(worker_counts, [base / w for w in worker_counts], color="grey", linestyle=":",
              label="linear scaling from ASHA at 1 worker")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xticks(worker_counts, [str(w) for w in worker_counts])
    axis.set_xlabel("workers")
    axis.set_ylabel("simulated seconds to error <= %.2f (median)" % asha[0]["target"])
    axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "claim_time_to_target.png"), dpi=110)


def schedule(spans, summaries, out):
    methods = ["synchronous_sh", "asha_promotion"]
    fig, axes = plt.subplots(len(methods), 1, figsize=(10, 3.6), sharex=True)
    colours = plt.get_cmap("tab20")
    for axis, method in zip(axes, methods):
        for span in (s for s in spans if s["method"] == method):
            axis.broken_barh([(span["start"], span["end"] - span["start"])], (span["worker"] - 0.4, 0.8),
                             facecolors=colours(span["trial"] % 20), edgecolors="black", linewidth=0.5)
            axis.text((span["start"] + span["end"]) / 2, span["worker"], str(span["trial"]),
                      ha="center", va="center", fontsize=7)
        summary = next(s for s in summaries if s["method"] == method)
        axis.set_yticks([0, 1], ["worker 0", "worker 1"])
        axis.set_title("%s: utilization %.0f%%" % (LABELS[method], 100 * summary["utilization"]), fontsize=10)
    axes[-1].set_xlabel("simulated seconds (R = 9, eta = 3; each bar a trial from a start or resume to a pause)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "claim_schedule.png"), dpi=110)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    records = read(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    first_full(records["first_full"], out)
    utilization(records["utilization"], out)
    incumbent(records["incumbent"], out)
    schedule(records["schedule"], records["schedule_summary"], out)
    print("wrote the claims' pictures into " + out)


if __name__ == "__main__":
    main()
