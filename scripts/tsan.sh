#!/usr/bin/env bash
# ThreadSanitizer over the tests where threads meet: the tuner's event loop,
# pause and resume (parked worker threads), the thread pool, signals, resume
# and subprocess trials, the MPI worker host's trial threads (in one process);
# with an MPI, the MPI driver's tests on 4 ranks too
# (a worker rank's trial threads spin and block beside its transport loop).
# Kept out of scripts/test.sh so that the test command stays under 15
# minutes on 2 cores (this build alone takes a few minutes there); run it
# after changing anything concurrent:
#
#   scripts/tsan.sh            # builds under build/tsan, runs, exits non-zero on a race
#
# Environment: RUNG_JOBS (default: nproc), RUNG_BUILD_DIR (default: build).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${RUNG_JOBS:-$(nproc)}
build=${RUNG_BUILD_DIR:-$root/build}/tsan

"$root/scripts/install-deps.sh"

# Only the areas that run threads; each must exist as tests/test_<area>.cpp.
areas=(tuner tuner_pause blocking_pool signals resume subprocess_trial mpi_worker_host)
present=()
for area in "${areas[@]}"; do [[ -f $root/tests/test_$area.cpp ]] && present+=("$area"); done
area_list=$(IFS=';'; echo "${present[*]}")

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

# -Wno-tsan: GCC 12 warns that TSan does not model atomic_thread_fence, which
# Boost.Asio uses; with -Werror that warning would stop the build. At -O1,
# GCC 12 also takes Asio's recycling allocator for coroutine frames
# (awaitable_frame_base's operator delete) for a mismatched new/delete.
cmake -S "$root" -B "$build" -G Ninja "${launcher[@]}" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan -Wno-mismatched-new-delete" \
  -DRUNG_WERROR=ON -DRUNG_BUILD_TESTS=ON -DRUNG_BUILD_EXAMPLES=OFF -DRUNG_BUILD_BENCHMARKS=OFF -DRUNG_BUILD_TOOLS=OFF \
  -DRUNG_TEST_AREAS="$area_list"
# The MPI test exists in the build only when CMake found an MPI (RUNG_MPI).
mpi_test=rung_mpi_test_mpi_tuner
with_mpi=false
if ninja -C "$build" -t targets all 2>/dev/null | grep -q "^$mpi_test:"; then with_mpi=true; fi
targets=(rung_tests)
if $with_mpi; then targets+=("$mpi_test"); fi
cmake --build "$build" --target "${targets[@]}" --parallel "$jobs"

export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
echo "tsan.sh: running ${present[*]}"
"$build/tests/rung_tests" --no-version
if $with_mpi; then
  mpi_flags=()
  if mpiexec --version 2>/dev/null | grep -q -e 'Open MPI' -e OpenRTE; then
    # Shared memory only: Open MPI's TCP transport has a lock-order inversion
    # of its own in MPI_Init (mca_btl_tcp_add_procs) that TSan reports.
    mpi_flags=(--oversubscribe --mca btl self,vader)
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
  echo "tsan.sh: running the MPI driver's tests on 4 ranks"
  mpiexec "${mpi_flags[@]}" -n 4 "$build/tests/mpi/$mpi_test" --no-version
fi
echo "tsan.sh: no data race reported"
