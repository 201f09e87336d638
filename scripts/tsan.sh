#!/usr/bin/env bash
# ThreadSanitizer over the tests where threads meet: the tuner's event loop,
# pause and resume (parked worker threads), the thread pool, signals, resume
# and subprocess trials. Kept out of scripts/test.sh so that the
# test command stays under 15 minutes on 2 cores (this build alone takes a
# few minutes there); run it after changing anything concurrent:
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
areas=(tuner tuner_pause blocking_pool signals resume subprocess_trial)
present=()
for area in "${areas[@]}"; do [[ -f $root/tests/test_$area.cpp ]] && present+=("$area"); done
area_list=$(IFS=';'; echo "${present[*]}")

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

# -Wno-tsan: GCC 12 warns that TSan does not model atomic_thread_fence, which
# Boost.Asio uses; with -Werror that warning would stop the build.
cmake -S "$root" -B "$build" -G Ninja "${launcher[@]}" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan" \
  -DRUNG_WERROR=ON -DRUNG_BUILD_TESTS=ON -DRUNG_BUILD_EXAMPLES=OFF -DRUNG_BUILD_BENCHMARKS=OFF -DRUNG_BUILD_TOOLS=OFF \
  -DRUNG_TEST_AREAS="$area_list"
cmake --build "$build" --target rung_tests --parallel "$jobs"

echo "tsan.sh: running ${present[*]}"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$build/tests/rung_tests" --no-version
echo "tsan.sh: no data race reported"
