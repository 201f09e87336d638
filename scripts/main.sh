#!/usr/bin/env bash
# The main job: the seeds' experiment (Dive into Deep Learning 19.3 / 19.5)
# on this machine. Installs what is missing with apt-get, builds the LeNet
# example in Release and runs it: ASHA (grace period 2, reduction factor 2)
# over learning_rate and batch_size, 2 workers, on the CPU with its defaults
# (60000 training and 2000 validation images, 240 s), with rung's kernel
# density searcher instead of the seeds' random search: ASHA with it is
# BOHB, and in 240 s on 2 cores it finds what random search does not (README,
# "The seeds' experiment"). The experiment, with incumbent.svg and
# learning_curves.svg, goes under ./rung-experiments/.
#
#   scripts/main.sh                                  # as above
#   scripts/main.sh --searcher random                # the seeds' random search
#   scripts/main.sh --device cuda --max-wallclock 720   # extra flags go to the example
#
# Environment: RUNG_JOBS (build jobs, default: nproc), RUNG_BUILD_DIR
# (default: build under the repository; this job uses its main/).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RUNG_BUILD_DIR:-$root/build}/main

"$root/scripts/install-deps.sh" g++ cmake ninja-build libboost1.81-dev librange-v3-dev zlib1g-dev libtorch-dev \
  libopenblas0-serial dataset-fashion-mnist

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DRUNG_BUILD_TESTS=OFF -DRUNG_BUILD_EXAMPLES=ON -DRUNG_BUILD_BENCHMARKS=OFF
cmake --build "$build_dir" --target example_lenet_fashion_mnist --parallel "${RUNG_JOBS:-$(nproc)}"

# These flags first: the same flag among the extra ones overrides them.
exec "$build_dir/examples/lenet_fashion_mnist/example_lenet_fashion_mnist" --device cpu --scheduler asha --searcher kde "$@"
