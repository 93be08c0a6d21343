"""The code follows the rules pyproject.toml gives ruff (line length, pyflakes, bugbear, ...).

ruff is in the ``test`` extra; without it (a hand-made environment) the test is skipped.
"""

import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _ruff() -> list[str] | None:
    try:
        import ruff  # noqa: F401
    except ImportError:
        exe = shutil.which("ruff")
        return None if exe is None else [exe]
    return [sys.executable, "-m", "ruff"]


def test_ruff_finds_nothing():
    ruff = _ruff()
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    out = subprocess.run([*ruff, "check", "--no-cache", "src", "tests", "benchmarks", "scripts"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
