"""The benchmark command still runs (a smoke test: its figures are not judged here — no timed
tests; docs/benchmarks.md has the results). Small workloads only, one quick round."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_benchmark_command_prints_its_table():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--only",
         "article,optimizer"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert "settings    quick (not a result)" in text
    for row in ("article         adamlab", "hand-written NumPy loop", "optimizer step",
                "adamlab (NumPy)"):
        assert row in text, text
    # PyTorch is optional: either its rows, or their "skipped" notes
    assert ("PyTorch Adam(fused=True)" in text) and ("PyTorch loop" in text), text
    assert "Traceback" not in out.stderr
