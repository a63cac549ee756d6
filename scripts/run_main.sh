#!/usr/bin/env bash
# The main job: install the dependencies, build the release preset, and run
# `faisslike bench` on its embedded default (generated SIFT-like data).
# Extra arguments go to `faisslike bench` (e.g. --threads 2 --k 10).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

step "install dependencies" ./scripts/install_deps.sh
step "configure (release)" cmake --preset release
step "build (release, -j$JOBS)" cmake --build --preset release -j "$JOBS"
step "faisslike bench" build/release/tools/faisslike bench "$@"
