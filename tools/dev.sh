#!/usr/bin/env bash
# actbench developer entry point: install what is needed, build, run, test.
#
#   bash tools/dev.sh run [actbench flags...]   set up, build, run the default suite (writes a report)
#   bash tools/dev.sh test                      set up, build, run every test (C++ and Python)
#   bash tools/dev.sh setup | build             the first steps alone
#
# Needs Debian 12 (or newer) with the CUDA toolkit (>= 12) installed; root or sudo for apt-get.
# Environment: ACTBENCH_BUILD_DIR (default build/), ACTBENCH_VENV (default .venv/),
#              ACTBENCH_CMAKE_ARGS (extra cmake arguments, e.g. -DCMAKE_CUDA_ARCHITECTURES=90),
#              ACTBENCH_PEERS_TORCH=1 (also install PyTorch for actbench-peers: several GB; CPU JAX always).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${ACTBENCH_BUILD_DIR:-$ROOT/build}
VENV=${ACTBENCH_VENV:-$ROOT/.venv}
JOBS=${ACTBENCH_JOBS:-$(nproc)}

APT_PACKAGES=(cmake g++ make git libbenchmark-dev libbenchmark-tools libgtest-dev libfmt-dev
              nlohmann-json3-dev libcli11-dev libssl-dev python3 python3-venv python3-pip shellcheck)

log() { printf '==> [%ss] %s\n' "$SECONDS" "$*" >&2; }  # SECONDS: since this script started

setup() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    log "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH=/usr/local/cuda/bin:$PATH
  fi
  command -v nvcc >/dev/null || { echo "actbench: the CUDA toolkit (nvcc) is required to build; install it first" >&2; exit 1; }
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating the Python environment in $VENV"
    python3 -m venv "$VENV"
  fi
  if [ ! -f "$VENV/.installed" ] || [ "$ROOT/tools/requirements.txt" -nt "$VENV/.installed" ] \
     || [ "$ROOT/tests/requirements.txt" -nt "$VENV/.installed" ] \
     || [ "$ROOT/tools/requirements-peers.txt" -nt "$VENV/.installed" ]; then
    log "installing the Python tools and the CPU JAX peer (tools/requirements-peers.txt)"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/tools/requirements.txt" \
      -r "$ROOT/tests/requirements.txt" -r "$ROOT/tools/requirements-peers.txt"
    touch "$VENV/.installed"
  fi
  if [ -n "${ACTBENCH_PEERS_TORCH:-}" ] && ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    log "installing PyTorch for actbench-peers (tools/requirements-peers-torch.txt: several GB)"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/tools/requirements-peers-torch.txt"
  fi
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -e "$ROOT/tools"
}

build() {
  export PATH=/usr/local/cuda/bin:$PATH
  log "building in $BUILD"
  # shellcheck disable=SC2086
  # The cpu backend on this machine's vector units (ACTBENCH_HOST_ARCH= for a portable binary).
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DACTBENCH_HOST_ARCH="${ACTBENCH_HOST_ARCH-native}" \
    ${ACTBENCH_CMAKE_ARGS:-} >/dev/null
  cmake --build "$BUILD" -j "$JOBS"
}

run_suite() {
  cd "$ROOT"
  log "running the default suite"
  "$BUILD/actbench" "$@"
}

run_tests() {
  cd "$ROOT"
  log "C++ tests (GPU tests skip with a reason when there is no GPU)"
  ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS"
  log "Python tests"
  # Separate pytest runs: each tree has its own conftest.py.  The tools' tests on every core (pytest-xdist, a test
  # file's tests in one process: test_browser.py shares one Chromium home; ~1.8x on 2 cores); tests/python and the
  # battery run actbench on every core themselves, and time signals: one process.
  ACTBENCH_BIN="$BUILD/actbench" "$VENV/bin/python" -m pytest -q -n "$JOBS" --dist loadfile tools/tests
  ACTBENCH_BIN="$BUILD/actbench" "$VENV/bin/python" -m pytest -q tests/python
  log "reliability battery (bad values, fuzzed files, signals, a full disk, concurrent writers)"
  ACTBENCH_BIN="$BUILD/actbench" "$VENV/bin/python" -m pytest -q tests/reliability
  log "lint (tools/)"
  "$VENV/bin/ruff" check tools
  "$VENV/bin/mypy" --config-file tools/pyproject.toml tools/actbench_tools
}

cmd=${1:-}
shift || true
case "$cmd" in
  setup) setup ;;
  build) setup; build ;;
  run) setup; build; run_suite "$@" ;;
  test) setup; build; run_tests ;;
  *) echo "usage: bash tools/dev.sh run [actbench flags...] | test | setup | build" >&2; exit 2 ;;
esac
