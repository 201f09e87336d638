#!/usr/bin/env bash
# LeNet's training throughput on the CPU (issue 15), one JSON line per
# measurement: bench_lenet_cpu (the C++ trial's images per second, one trial
# on one thread and two trials on two threads at once, the GEMM GFLOP/s the
# BLAS reaches, LeNet's FLOP per image), and beside it the same LeNet in
# PyTorch from Python as d2l writes it (scripts/lenet_pytorch_reference.py:
# d2l's DataLoader, then batches drawn as the C++ trial draws them). Each
# runs once with every BLAS installed as Debian's libblas.so.3 alternative
# (netlib's reference "blas", "openblas-serial"), chosen by LD_LIBRARY_PATH.
# Builds bench_lenet_cpu in Release first (in RUNG_BUILD_DIR/bench-lenet-cpu).
# About 6 minutes on 2 cores with the defaults; run it on a quiet machine.
#
#   scripts/bench_lenet_cpu.sh > lenet_cpu.jsonl
#   scripts/bench_lenet_cpu.sh --batch-sizes 32,128,256    # extra flags go to bench_lenet_cpu
#
# Environment: RUNG_BUILD_DIR (default: build under the repository),
# RUNG_JOBS (build jobs, default: nproc), RUNG_BENCH_TRAIN_SIZE (images per
# epoch, default 30000), RUNG_BENCH_REPEATS (epochs timed, default 3).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RUNG_BUILD_DIR:-$root/build}/bench-lenet-cpu
train_size=${RUNG_BENCH_TRAIN_SIZE:-30000}
repeats=${RUNG_BENCH_REPEATS:-3}

"$root/scripts/install-deps.sh" g++ cmake ninja-build libboost1.81-dev librange-v3-dev zlib1g-dev libtorch-dev \
  dataset-fashion-mnist python3-torch libopenblas0-serial >&2

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DRUNG_BUILD_TESTS=OFF -DRUNG_BUILD_EXAMPLES=ON -DRUNG_BUILD_BENCHMARKS=ON >&2
cmake --build "$build_dir" --target bench_lenet_cpu --parallel "${RUNG_JOBS:-$(nproc)}" >&2
bench=$build_dir/examples/lenet_fashion_mnist/bench_lenet_cpu

libdir=/usr/lib/$(gcc -print-multiarch)
for blas in blas openblas-serial; do
  [[ -e $libdir/$blas/libblas.so.3 ]] || continue
  echo "bench_lenet_cpu.sh: libblas.so.3 from $libdir/$blas" >&2
  LD_LIBRARY_PATH=$libdir/$blas "$bench" --train-size "$train_size" --repeats "$repeats" "$@"
  for trials in 1 2; do
    for loader in dataloader index; do
      LD_LIBRARY_PATH=$libdir/$blas /usr/bin/python3 "$root/scripts/lenet_pytorch_reference.py" \
        --train-size "$train_size" --repeats "$repeats" --trials "$trials" --loader "$loader"
    done
  done
done
