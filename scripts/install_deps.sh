#!/usr/bin/env bash
# Installs everything faisslike needs to build and test on Debian/Ubuntu:
# system packages through apt-get, and the Python test tools into the
# project's virtual environment .venv. Safe to run again: packages already
# present are skipped, and pip leaves satisfied requirements alone.
# The CUDA toolkit is optional and not installed here: the GPU library builds
# when nvcc is present.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

APT_PACKAGES=(
  build-essential pkg-config cmake
  libopenblas-dev liblapack-dev
  libgtest-dev googletest libbenchmark-dev
  swig python3-dev python3-venv python3-pip
  clang libclang-rt-dev libomp-dev
)
# Debian's own build of Faiss (1.7.3 on Debian 12) for the system python3:
# the file-format tests check against it too. Installed where the
# distribution has it; the tests skip that check where it does not.
OPTIONAL_APT_PACKAGES=(python3-faiss)
CMAKE_MIN=3.24

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
else
  SUDO=(sudo)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install_deps: apt-get install ${missing[*]}"
  if [ "${#SUDO[@]}" -gt 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "install_deps: not root and no sudo: install ${missing[*]} as root, then run again" >&2
    exit 1
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install_deps: system packages already installed"
fi

for pkg in "${OPTIONAL_APT_PACKAGES[@]}"; do
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    continue
  fi
  if ! apt-cache show "$pkg" >/dev/null 2>&1 && [ "${#missing[@]}" -eq 0 ]; then
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || true
  fi
  if apt-cache show "$pkg" >/dev/null 2>&1; then
    echo "install_deps: apt-get install $pkg (optional)"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "$pkg" || echo "install_deps: $pkg not installed"
  else
    echo "install_deps: $pkg is not packaged here; its checks will be skipped"
  fi
done

# The venv is reused when its interpreter still runs; one left broken (for
# example by a removed base Python) is rebuilt.
PYTHON="${PYTHON:-python3}"
if ! "$ROOT/.venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  echo "install_deps: creating .venv with $("$PYTHON" --version 2>&1)"
  rm -rf "$ROOT/.venv"
  "$PYTHON" -m venv "$ROOT/.venv"
fi
"$ROOT/.venv/bin/python" -m pip install -q --disable-pip-version-check \
  -r "$ROOT/requirements-dev.txt"

# Ubuntu 22.04 ships cmake 3.22; the build needs $CMAKE_MIN. PyPI's cmake
# package goes into .venv, which the scripts put first on PATH (3.x: CMake 4
# rejects the old policy settings of some distributions' package configs).
cmake_version="$(cmake --version | head -n1 | awk '{print $3}')"
if [ "$(printf '%s\n' "$CMAKE_MIN" "$cmake_version" | sort -V | head -n1)" != "$CMAKE_MIN" ]; then
  echo "install_deps: cmake $cmake_version < $CMAKE_MIN, installing a newer one into .venv"
  "$ROOT/.venv/bin/python" -m pip install -q --disable-pip-version-check "cmake>=$CMAKE_MIN,<4"
fi

echo "install_deps: ready ($(cmake --version | head -n1); $("$ROOT/.venv/bin/python" --version);" \
  "nvcc: $(command -v nvcc || echo 'not found, GPU library off'))"
