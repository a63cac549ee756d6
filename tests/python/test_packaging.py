"""The staged package installs with pip into a fresh location and works there:
the wheel carries the compiled module and every Python file it imports."""

import os
import subprocess
import sys

import pytest

CHECK = r"""
import numpy as np
import faisslike as faiss
assert "site" in faiss.__file__ or "target" in faiss.__file__, faiss.__file__
xb = np.random.default_rng(0).random((500, 16), dtype=np.float32)
index = faiss.index_factory(16, "IVF8,Flat")
index.train(xb)
index.add(xb)
index.nprobe = 8
D, I = index.search(xb[:5], 1)
assert (I.ravel() == np.arange(5)).all(), I
print("ok", faiss.__file__)
"""


def test_pip_installs_the_staged_package(faisslike, tmp_path):
    staged = os.path.dirname(os.path.dirname(os.path.abspath(faisslike.__file__)))
    if not os.path.exists(os.path.join(staged, "pyproject.toml")):
        pytest.skip("faisslike was not imported from a staged build tree (%s)" % staged)
    target = tmp_path / "target"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(target), staged],
        check=True, cwd=tmp_path)
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", CHECK], env=env, cwd=tmp_path, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert str(target) in out.stdout
