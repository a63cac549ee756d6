#!/usr/bin/env bash
# Runs every test: the release build's ctest suite (C++ unit tests, C API
# tests, Faiss file-compatibility checks, GPU device tests that skip without a
# device, the downstream find_package test), the Python tests in tests/python
# against the release build, then the C++ tests again under AddressSanitizer +
# UBSan. Stops at the first failure with a non-zero exit.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Every suite leaves a JUnit file; the closing line sums them up.
RESULTS=()

run_ctest() {
  local preset="$1"
  shift
  local junit="$ROOT/build/$preset/ctest-junit.xml"
  rm -f "$junit"
  ctest --preset "$preset" -j "$JOBS" --output-junit "$junit" "$@"
  RESULTS+=("$junit")
}

run_pytest() {
  local junit="$ROOT/build/release/pytest-junit.xml"
  rm -f "$junit"
  # The release build stages the importable package in build/release/python.
  PYTHONPATH="$ROOT/build/release/python${PYTHONPATH:+:$PYTHONPATH}" \
    python -m pytest -q tests/python --junitxml "$junit"
  RESULTS+=("$junit")
}

# libFuzzer over deserialize_index: a seed corpus of valid files of every index
# type plus every input that ever crashed it (tests/fuzz/regressions), then a
# bounded random exploration. Any crash fails the run and leaves the input in
# build/fuzz/ to be added to the regressions.
run_fuzz() {
  local corpus="$ROOT/build/fuzz/corpus"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  "$ROOT/build/fuzz/tests/fuzz/make_fuzz_corpus" "$corpus"
  "$ROOT/build/fuzz/tests/fuzz/fuzz_deserialize_index" -max_total_time="${FUZZ_SECONDS:-60}" \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -artifact_prefix="$ROOT/build/fuzz/" \
    "$corpus" "$ROOT/tests/fuzz/regressions"
}

step "install dependencies" ./scripts/install_deps.sh

step "configure (release)" cmake --preset release
step "build (release, -j$JOBS)" cmake --build --preset release -j "$JOBS"
step "tests (release)" run_ctest release
# Only when there are test files: pytest exits 5 when it collects nothing.
if compgen -G "tests/python/test_*.py" >/dev/null; then
  step "tests (python)" run_pytest
fi

step "configure (asan)" cmake --preset asan
step "build (asan, -j$JOBS)" cmake --build --preset asan -j "$JOBS"
step "tests (asan)" run_ctest asan

step "configure (fuzz)" cmake --preset fuzz
step "build (fuzz, -j$JOBS)" cmake --build --preset fuzz -j "$JOBS"
step "fuzz deserialize_index" run_fuzz

python "$ROOT/scripts/summarize_junit.py" "${RESULTS[@]}"
