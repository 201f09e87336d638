#!/usr/bin/env bash
# The GPU run of issue 15 as one short script, for a machine with an NVIDIA
# GPU and PyTorch's CUDA LibTorch (the workplace's device machine: torch
# with CUDA installed, no Boost, range-v3, doctest or Fashion-MNIST). Builds
# the LeNet example, its test and bench_lenet_gpu against that LibTorch
# (the CUDA paths compile in), runs the test, then the seeds' experiment on
# one GPU and bench_lenet_gpu, unpacked and packed. JSON lines on stdout,
# the rest on stderr. About 8 minutes on 16 cores; RUNG_GPU_SECONDS (default
# 25) bounds each bench_lenet_gpu run. Not run yet: no GPU has been lent
# to this project so far, so the CUDA LibTorch's CMake needs (the CUDA
# toolkit, zlib's headers) are unchecked there.
#
# Here, once (both folders are git-ignored locally):
#   ../shared/tools/pack-gpu-deps                      # Boost, range-v3, doctest -> .gpu-deps/
#   mkdir -p .gpu-data && cp /usr/share/datasets/fashion-mnist/*-ubyte.gz .gpu-data/
# There (the device tool, carry [".gpu-deps", ".gpu-data"]):
#   scripts/gpu_run.sh > "$OUT/gpu.jsonl" 2> "$OUT/gpu.log"
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=/dev/null
source .gpu-deps/env.sh
data=${RUNG_GPU_DATA:-$root/.gpu-data}
build=${RUNG_BUILD_DIR:-$root/build/gpu}
seconds=${RUNG_GPU_SECONDS:-25}

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$RUNG_GPU_CMAKE_PREFIX" \
  -DRUNG_BUILD_TESTS=ON -DRUNG_BUILD_EXAMPLES=ON -DRUNG_BUILD_BENCHMARKS=ON -DRUNG_MPI=OFF \
  -DRUNG_FASHION_MNIST_DIR="$data" >&2
cmake --build "$build" --parallel "$(nproc)" \
  --target test_lenet_fashion_mnist example_lenet_fashion_mnist bench_lenet_gpu >&2
lenet=$build/examples/lenet_fashion_mnist

# The tests train on the CPU; a failure is reported and the run goes on.
"$lenet/test_lenet_fashion_mnist" --no-version >&2 || echo "gpu_run.sh: test_lenet_fashion_mnist FAILED" >&2
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || true

# The seeds' experiment on one GPU until the best validation error is 0.14:
# its time is "seconds_to_0.14" (8 workers, unpacked).
"$lenet/bench_lenet_gpu" --data-dir "$data" --device cuda:0 --workers 8 --pack 1 --max-wallclock 120 --target 0.14
# Epochs per second, 1 to 16 workers, unpacked and every worker in one pack.
"$lenet/bench_lenet_gpu" --data-dir "$data" --device cuda:0 --workers 1,2,4,8,16 --max-wallclock "$seconds" \
  --target 0.14
