"""The Python tutorials run, as written for faisslike, and unchanged but for
the import line on the real Faiss (each checks its own results)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[2] / "tutorial" / "python"
FAISSLIKE_IMPORT = "import faisslike as faiss"


@pytest.mark.parametrize("name", ["1-Flat", "2-IVFFlat", "3-IVFPQ"])
def test_tutorial(faiss, name):
    source = (TUTORIALS / (name + ".py")).read_text()
    assert FAISSLIKE_IMPORT + "\n" in source
    if faiss.__name__ == "faiss":
        source = source.replace(FAISSLIKE_IMPORT + "\n", "import faiss\n")
    if name == "3-IVFPQ" and not hasattr(faiss, "IndexIVFPQ"):
        pytest.skip("%s has no IndexIVFPQ yet" % faiss.__name__)
    # The module under test must be importable from the tutorial's process
    # wherever this one found it.
    package_parent = str(Path(faiss.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    run = subprocess.run(
        [sys.executable, "-c", source],
        cwd=TUTORIALS,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ntotal: 14504" in run.stdout
