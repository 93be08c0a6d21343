"""memory: the peak resident memory of the tabular fit, one fresh process per contender.

Each contender runs in its own Python process (``python memory.py probe NAME``), because a
process's peak is shared by everything it ever ran. The probe builds the data, imports its
library and warms it up on a few rows (imports, compiled kernels), then resets the kernel's
peak-RSS counter (``/proc/self/clear_refs``), fits, and reports the peak (``VmHWM``) and what
the fit added to the memory in use before it.

Target: adamlab's fit needs no more memory than scikit-learn's. Both numbers are reported:
what the fit adds, and the process's peak (which includes the libraries: numba and LLVM, when
adamlab's compiled kernels are in use, take about 90 MiB; "NumPy only" runs with
``ADAMLAB_JIT=0``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
from common import Result, Settings, Target, have

NAME = "memory"
HERE = os.path.dirname(os.path.abspath(__file__))


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def probe(contender: str, quick: bool) -> dict:
    import tabular
    from contenders import fit_adamlab, fit_sklearn, fit_torch

    X, y, _, _ = tabular.data(Settings(quick=quick))
    fit, dtype = {"adamlab (float32)": (fit_adamlab, np.float32),
                  "adamlab (float32, NumPy only)": (fit_adamlab, np.float32),
                  "adamlab (float64)": (fit_adamlab, np.float64),
                  "scikit-learn (float64)": (fit_sklearn, np.float64),
                  "PyTorch loop (float32)": (fit_torch, np.float32)}[contender]
    X = X.astype(dtype)
    args = dict(hidden=tabular.HIDDEN, batch_size=tabular.BATCH, lr=tabular.LR)
    fit(X[:512], y[:512], epochs=1, **args)  # imports, kernels, first-call caches
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
        reset = True
    except OSError:
        reset = False
    before = _status_kib("VmRSS")
    fit(X, y, epochs=tabular.EPOCHS, **args)
    return {"before_kib": before, "peak_kib": _status_kib("VmHWM"), "reset": reset}


def run(settings: Settings) -> tuple[list[Result], list[Target]]:
    names = ["adamlab (float32)", "adamlab (float32, NumPy only)", "adamlab (float64)",
             "scikit-learn (float64)"]
    if have("torch"):
        names.append("PyTorch loop (float32)")
    results, added, peaks = [], {}, {}
    for name in names:
        cmd = [sys.executable, os.path.join(HERE, "memory.py"), "probe", name]
        if settings.quick:
            cmd.append("--quick")
        env = dict(os.environ)
        if "NumPy only" in name:
            env["ADAMLAB_JIT"] = "0"  # no numba: what a plain `pip install adamlab` runs
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=HERE, env=env)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        added[name] = (m["peak_kib"] - m["before_kib"]) / 1024
        peaks[name] = m["peak_kib"] / 1024
        note = "" if m["reset"] else " (peak not reset: includes imports)"
        results.append(Result(NAME, name, added[name], unit="MiB",
                              info=f"added by the fit; process peak "
                                   f"{m['peak_kib'] / 1024:.0f} MiB{note}",
                              reference=name == "adamlab (float32)"))
    if not have("torch"):
        results.append(Result(NAME, "PyTorch loop (float32)", None, skipped="torch not installed"))
    ours, theirs = added["adamlab (float32)"], added["scikit-learn (float64)"]
    targets = [Target(NAME, "scikit-learn (float64)", "adamlab's fit ≤ its memory", ours <= theirs,
                      f"{ours:.1f} MiB vs {theirs:.1f} MiB "
                      f"(float64: {added['adamlab (float64)']:.1f} MiB); process peaks: "
                      f"{peaks['adamlab (float32)']:.0f} MiB with numba loaded, "
                      f"{peaks['adamlab (float32, NumPy only)']:.0f} MiB without, "
                      f"{peaks['scikit-learn (float64)']:.0f} MiB")]
    return results, targets


if __name__ == "__main__" and len(sys.argv) >= 3 and sys.argv[1] == "probe":
    sys.path.insert(0, HERE)
    print(json.dumps(probe(sys.argv[2], "--quick" in sys.argv)))
