# Shared by the scripts in this folder (sourced, not run): the repository
# root, the build parallelism, the tool paths, and a timed-step helper.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Two cores is the reference machine; override with FAISSLIKE_JOBS.
JOBS="${FAISSLIKE_JOBS:-2}"

# The project's virtual environment comes first: its python/pytest are the
# ones with the test dependencies, and it holds a newer cmake where the
# system's is too old (see install_deps.sh).
export PATH="$ROOT/.venv/bin:$PATH"

# The CUDA toolkit is often installed without being on PATH; make nvcc
# visible so the GPU library builds wherever the toolkit is present.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH="$PATH:/usr/local/cuda/bin"
fi

# step NAME CMD...: runs CMD under a banner and reports how long it took.
# CMD runs as a plain command so that `set -e` stays in force inside it; a
# failure ends the script, and the EXIT trap names the step that failed.
CURRENT_STEP=""
step() {
  local name="$1"
  shift
  local start=$SECONDS
  CURRENT_STEP="$name"
  printf '\n==> %s\n' "$name"
  "$@"
  CURRENT_STEP=""
  printf '<== %s: done in %ds\n' "$name" "$((SECONDS - start))"
}
report_failure() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    printf '\n!! FAILED (exit %d)%s after %ds in all\n' "$rc" \
      "${CURRENT_STEP:+ in step \"$CURRENT_STEP\"}" "$SECONDS" >&2
  fi
}
trap report_failure EXIT

# Tests run several processes on 2 cores: passive OpenMP threads sleep instead
# of spinning while they wait, which otherwise slows oversubscribed runs ~10x.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
