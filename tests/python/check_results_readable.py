#!/usr/bin/env python3
"""Checks that an experiment directory written by rung reads in pandas as is,
that the seeds' plotting code (Dive into Deep Learning, 19.3/19.5) runs on
it unchanged, and that results.csv agrees with the journal.

usage: check_results_readable.py [--journal-only] EXPERIMENT_DIR

--journal-only checks journal.jsonl alone (a tuning killed mid-run, whose
results.csv is behind): valid JSON Lines that pandas reads, every line
numbered by its "seq".
"""
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def check_journal(directory: str) -> list:
    """The journal's events, or an exception saying what is wrong with it."""
    path = f"{directory}/journal.jsonl"
    text = open(path, "rb").read()
    if b"\0" in text:
        raise ValueError(f"{path} holds zero bytes")
    if not text.endswith(b"\n"):
        raise ValueError(f"{path} does not end in a complete line")
    events = [json.loads(line) for line in text.decode().splitlines()]
    table = pd.read_json(path, lines=True)
    if len(table) != len(events) or list(table["seq"]) != list(range(len(events))):
        raise ValueError(f"{path}: pandas reads {len(table)} rows, seq {list(table['seq'])[:5]}...")
    return events


def main(directory: str) -> int:
    try:
        journal = check_journal(directory)
    except ValueError as error:
        print(error)
        return 1
    metadata = json.load(open(f"{directory}/metadata.json"))
    results = pd.read_csv(f"{directory}/results.csv")
    metric = metadata["metric"]

    required = {"trial_id", "st_tuner_time", "st_worker_time", "st_decision", "st_status"}
    required |= {f"config_{name}" for name in metadata["config_space"]}
    required |= {metadata["resource_attr"], *metadata["metric_names"]}
    missing = required - set(results.columns)
    if missing:
        print(f"results.csv lacks the columns {sorted(missing)}")
        return 1

    # The seeds' code, as is: one learning curve per trial over wall-clock time.
    for trial_id in results.trial_id.unique():
        df = results[results["trial_id"] == trial_id]
        plt.plot(df["st_tuner_time"], df[metric], marker="o")
    plt.xlabel("wall-clock time")
    plt.ylabel("objective function")
    plt.savefig(f"{directory}/learning_curves_pandas.png")

    # Exact comparison with the journal: pandas' default float parser may be
    # off in the last bit; its round-trip parser reads what rung wrote.
    results = pd.read_csv(f"{directory}/results.csv", float_precision="round_trip")
    reports = [event for event in journal if event["event"] == "report"]
    if len(reports) != len(results):
        print(f"journal has {len(reports)} reports, results.csv {len(results)} rows")
        return 1
    for row, event in zip(results.itertuples(index=False), reports):
        row = row._asdict()
        if row["trial_id"] != event["trial_id"] or row["st_decision"] != event["decision"]:
            print(f"row {row} does not match journal event {event}")
            return 1
        for name in metadata["metric_names"]:
            expected = event["metrics"][name]
            if not (row[name] == expected or (math.isnan(row[name]) and math.isnan(expected))):
                print(f"{name}: results.csv has {row[name]!r}, the journal {expected!r}")
                return 1
    best = results[metric].min() if metadata["metric_mode"] == "min" else results[metric].max()
    print(f"ok: {len(results)} rows, {results.trial_id.nunique()} trials, best {metric} {best}")
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--journal-only":
        events = check_journal(sys.argv[2])
        print(f"ok: {len(events)} events")
        sys.exit(0)
    sys.exit(main(sys.argv[1]))
