#!/usr/bin/env python3
"""Checks that include/rung/ keeps its layers: no header includes one from a
higher layer, an area's detail/ never includes its own area's public headers
(they sit above it), and no area reaches into another area's detail/.

Usage: check_include_layers.py INCLUDE_DIR. Exits 1, naming each offending
include as FILE:LINE, if the tree breaks the table below."""

import pathlib
import re
import sys

# Bottom to top. A header may include headers of its own layer or below.
# A path belongs to the longest prefix that matches it.
LAYERS = [
    ("util", ["rung/util/"]),
    ("core", ["rung/concepts/"] + [f"rung/{name}.hpp" for name in (
        "decision", "random", "fixed_string", "trials", "tuning_status", "reporter",
        "stop_criterion", "incumbent_point", "experiment_description", "version",
        "journal_sync", "tuner_options")]),
    ("spaces", ["rung/spaces/"]),
    ("policies and results", ["rung/searchers/", "rung/schedulers/", "rung/results/"]),
    ("drivers and factories", ["rung/drivers/", "rung/factory/"]),
    ("area aggregators", [f"rung/{name}.hpp" for name in (
        "concepts", "spaces", "searchers", "schedulers", "results", "drivers", "factory",
        "subprocess", "mpi", "gp")]),
    ("everything", ["rung/rung.hpp"]),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"](rung/[^>"]+)[>"]')


def layer_of(path):
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if path.startswith(prefix) and (best is None or len(prefix) > len(best[1])):
                best = (rank, prefix)
    return None if best is None else best[0]


def area_of(path):
    """The folder a header belongs to as an area, without its detail/."""
    folder = path.rsplit("/", 1)[0]
    parts = folder.split("/")
    if "detail" in parts:
        parts = parts[: parts.index("detail")]
    return "/".join(parts)


def detail_owner(path):
    """The area whose private part this header is, or None if it is public."""
    parts = path.split("/")
    return "/".join(parts[: parts.index("detail")]) if "detail" in parts[:-1] else None


def problems(include_dir):
    root = pathlib.Path(include_dir)
    found = []
    for file in sorted(root.rglob("*.hpp")):
        header = file.relative_to(root).as_posix()
        rank = layer_of(header)
        if rank is None:
            found.append(f"{header}: in no layer of tests/headers/check_include_layers.py; add it to LAYERS")
            continue
        for number, line in enumerate(file.read_text().splitlines(), start=1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1)
            where = f"{header}:{number}: includes {target}"
            target_rank = layer_of(target)
            owner = detail_owner(target)
            if not (root / target).is_file():
                found.append(f"{where}, which does not exist")
            elif target_rank is None:
                found.append(f"{where}, which is in no layer")
            elif target_rank > rank:
                found.append(f"{where}: layer '{LAYERS[target_rank][0]}' is above '{LAYERS[rank][0]}'")
            elif owner is not None and not (area_of(header) + "/").startswith(owner + "/"):
                found.append(f"{where}: that is private to {owner}/")
            elif detail_owner(header) is not None and owner is None and area_of(target) == area_of(header):
                found.append(f"{where}: {area_of(header)}/detail/ sits below {area_of(header)}/'s public headers")
    return found


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_include_layers.py INCLUDE_DIR")
    found = problems(sys.argv[1])
    for problem in found:
        print(problem)
    print(f"{len(found)} include(s) against the layers" if found else "include layers: all includes run downwards")
    sys.exit(1 if found else 0)
