#!/usr/bin/env bash
# rung's main job: installs what it needs, builds the quickstart example
# (asynchronous random search on the shared synthetic workload) and runs it.
# The experiment directory lands under ./rung-experiments/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RUNG_BUILD_DIR:-$root/build}/main

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DRUNG_BUILD_TESTS=OFF -DRUNG_BUILD_BENCHMARKS=OFF -DRUNG_BUILD_EXAMPLES=ON
cmake --build "$build_dir" --target example_quickstart --parallel "$(nproc)"
"$build_dir/examples/example_quickstart" "$@"
