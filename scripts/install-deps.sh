#!/usr/bin/env bash
# Installs what building and testing rung needs on Debian 12 (bookworm), with
# apt-get. Does nothing (and needs no network or root) when everything is
# already installed, so scripts/test.sh can call it on every run.
#
#   scripts/install-deps.sh                 # everything the tests need
#   scripts/install-deps.sh PACKAGE...      # just these (scripts/main.sh)
#
# Boost comes from libboost1.81-dev: do not add packages that pull in
# libboost-dev (1.74), which conflicts with it.
set -euo pipefail

packages=(
  build-essential   # g++, make, libc headers
  cmake
  ninja-build
  libboost1.81-dev  # Boost.Asio and friends (header-only use)
  librange-v3-dev
  doctest-dev
  python3           # validates the vcpkg manifests in the tests
  python3-pandas    # reads result files in the tests
  python3-matplotlib  # draws the plots the Python checks and scripts make
  libtorch-dev      # LibTorch (CPU), for examples/lenet_fashion_mnist
  libopenblas0-serial  # becomes libblas.so.3: LeNet's dense layers 20x faster than netlib's BLAS (docs/lenet.md)
  zlib1g-dev        # reads the gzipped Fashion-MNIST files
  dataset-fashion-mnist  # the data of the LeNet example and its smoke test
  libopenmpi-dev    # Open MPI, for rung::mpi (the MPI driver), its tests and bench_mpi
  openmpi-bin       # mpiexec, which runs the MPI tests (tests/mpi) on 4 ranks
  libeigen3-dev     # Eigen (header-only), for rung::gp (the GP searcher) and its tests
)
tools=(cmake ninja c++ python3)  # what a non-Debian system must already have
if (($# > 0)); then
  packages=("$@")
  tools=(cmake ninja c++)
fi
# The comments above are for people; strip them for apt.
names=()
for entry in "${packages[@]}"; do names+=("${entry%% *}"); done

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: not a Debian-like system (no dpkg-query/apt-get); install the equivalents of:" >&2
  echo "  ${names[*]}" >&2
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "install-deps: $tool is missing" >&2; exit 1; }
  done
  echo "install-deps: ${tools[*]} are present; continuing"
  exit 0
fi

missing=()
for name in "${names[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$name" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$name")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#names[@]} packages already installed"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing ${missing[*]}, and not root with no sudo to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
