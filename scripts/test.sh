#!/usr/bin/env bash
# rung's test command: installs what is missing (scripts/install-deps.sh),
# then one pass, or two with RUNG_TEST_SANITIZE=1, each its own build tree
# under build/:
#   1. release   CMake's own Release flags (-O3 -DNDEBUG: the build users
#                get), plus only libstdc++'s assertions (_GLIBCXX_ASSERTIONS;
#                rung has no assert() of its own): the library's tests,
#                examples and tools built, every ctest (unit, headers,
#                include layers, compile-fail, package consumers, versions).
#   2. sanitize  -O0 with AddressSanitizer and UndefinedBehaviorSanitizer:
#                the test binary only (every area of tests/test_*.cpp,
#                `ctest -L sanitize`). About 250 s more on 2 cores: CI's
#                15 minutes hold pass 1 only, so CI runs without it, and
#                every landing runs it first (README, "Tests").
# Runs both passes even when the first fails, prints a summary, and exits
# non-zero when any step failed.
#
# Environment: RUNG_JOBS (default: nproc), RUNG_BUILD_DIR (default: build),
# RUNG_TEST_BENCHMARKS (default OFF), RUNG_TEST_SANITIZE (default 0).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${RUNG_JOBS:-$(nproc)}
build_dir=${RUNG_BUILD_DIR:-$root/build}
started=$SECONDS

"$root/scripts/install-deps.sh" || { echo "test.sh: installing dependencies failed" >&2; exit 1; }

summary=()
failed=0
# step <name> <command...>: runs the command, records its outcome and time.
step() {
  local name=$1
  shift
  local begin=$SECONDS
  echo
  echo "==> $name"
  if "$@"; then
    summary+=("$(printf '  %-22s passed  %4ds' "$name" $((SECONDS - begin)))")
    return 0
  fi
  summary+=("$(printf '  %-22s FAILED  %4ds' "$name" $((SECONDS - begin)))")
  failed=1
  return 1
}

# ccache, when installed, makes re-runs cheap; nothing depends on it. Paths
# relative to the checkout let a fresh clone elsewhere reuse the cache.
launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=)
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=$root
fi

ctest_options=(--output-on-failure --no-tests=error --timeout 600 --parallel "$jobs")

# Benchmarks are built (and run) by their own commands (README, docs/): left
# out here they keep this command under 15 minutes on 2 cores (about 50 s of
# build). RUNG_TEST_BENCHMARKS=ON builds them too.
benchmarks=${RUNG_TEST_BENCHMARKS:-OFF}

# Pass 1: optimised, assertions on.
release=$build_dir/release
if step "release: configure" cmake -S "$root" -B "$release" -G Ninja "${launcher[@]}" \
     -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-D_GLIBCXX_ASSERTIONS" -DRUNG_WERROR=ON \
     -DRUNG_BUILD_TESTS=ON -DRUNG_BUILD_EXAMPLES=ON -DRUNG_BUILD_BENCHMARKS="$benchmarks" &&
   step "release: build" cmake --build "$release" --parallel "$jobs"; then
  step "release: ctest" ctest --test-dir "$release" "${ctest_options[@]}"
fi

# Pass 2 (RUNG_TEST_SANITIZE=1): sanitizers, over the test binary alone: its
# areas cover every driver, the journal, the MPI coordinator's protocol and
# the searchers' models; rung-tune, the MPI programs and the examples would
# add about 100 s more. -O0: compiling is most of this pass (an instrumented
# -O1 build took 1.7x as long as -O0, for tests that ran 2 s instead of 1 s);
# -g1 keeps file:line in the stack traces. UBSan's null, alignment and vptr
# checks are left out: they instrument every access and made test_tuner.cpp
# compile in 28 s instead of 19; AddressSanitizer reports a null or wild
# access anyway, and rung neither casts between polymorphic types nor reads
# through misaligned pointers.
if [[ ${RUNG_TEST_SANITIZE:-0} == 1 ]]; then
  sanitize=$build_dir/sanitize
  sanitizer_flags="-fsanitize=address,undefined -fno-sanitize=null,alignment,vptr -fno-sanitize-recover=all"
  sanitizer_flags+=" -fno-omit-frame-pointer"
  if step "sanitize: configure" cmake -S "$root" -B "$sanitize" -G Ninja "${launcher[@]}" \
       -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DCMAKE_CXX_FLAGS="$sanitizer_flags" \
       -DRUNG_WERROR=ON -DRUNG_BUILD_TESTS=ON -DRUNG_BUILD_EXAMPLES=OFF -DRUNG_BUILD_BENCHMARKS=OFF &&
     step "sanitize: build" cmake --build "$sanitize" --parallel "$jobs" --target rung_tests; then
    step "sanitize: ctest" env UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
      ctest --test-dir "$sanitize" "${ctest_options[@]}" --label-regex sanitize
  fi
fi

echo
echo "==> summary ($jobs jobs, $((SECONDS - started))s in all)"
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "test.sh: FAILED"
  exit 1
fi
echo "test.sh: all passed"
