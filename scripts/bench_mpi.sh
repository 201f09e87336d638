#!/usr/bin/env bash
# bench_mpi (benchmarks/bench_mpi.cpp) at each rank count, one JSON line per
# run: the report round trip on 2 ranks, the reports per second the job
# makes (2 and 4 ranks) and rank 0 alone sustains (bench_mpi rank0), trivial
# trials per second on 2, 4 and 8 ranks,
# and ASHA with 10 ms epochs on 2, 4 and 8 ranks beside the simulator's
# prediction. About a minute, after the build.
# Builds bench_mpi in Release first (in RUNG_BUILD_DIR, default build/bench-mpi).
# More ranks than cores are oversubscribed (shared memory between them).
#
#   scripts/bench_mpi.sh > bench_mpi.jsonl
#
# Environment: RUNG_BUILD_DIR, RUNG_JOBS (build jobs, default: nproc),
# RUNG_BENCH_NO_RECORDING=1 (rank 0 records nothing).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RUNG_BUILD_DIR:-$root/build/bench-mpi}

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRUNG_MPI=ON \
  -DRUNG_BUILD_TESTS=OFF -DRUNG_BUILD_EXAMPLES=OFF -DRUNG_BUILD_TOOLS=OFF -DRUNG_BUILD_BENCHMARKS=ON >&2
cmake --build "$build_dir" --target bench_mpi --parallel "${RUNG_JOBS:-$(nproc)}" >&2
bench=$build_dir/benchmarks/bench_mpi

# Open MPI refuses more ranks than cores without --oversubscribe, and root
# without these two (containers, CI).
mpi_flags=()
if mpiexec --version 2>/dev/null | grep -q -e 'Open MPI' -e OpenRTE; then
  mpi_flags=(--oversubscribe)
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
run() {
  local ranks=$1
  shift
  mpiexec -n "$ranks" "${mpi_flags[@]}" "$bench" "$@"
}

run 2 round_trip 100000
# Rank 0's report rate: one worker rank with one slot, then three worker
# ranks with one and with four slots each (on 2 cores the worker ranks take
# CPU from rank 0: the most of these is what it sustains here).
run 2 reports 100000 1
run 4 reports 50000 1
run 4 reports 20000 4
# What rank 0 itself sustains (its coordinator fed by 8 simulated worker
# ranks, transport aside): one rank alone.
run 1 rank0 1000000 4
for ranks in 2 4 8; do
  run "$ranks" trivial 20000
done
for ranks in 2 4 8; do
  run "$ranks" epochs 10
done
