"""Where adamlab's time goes: a cProfile of one run, summed into the parts of a training step.

cProfile charges a C function such as ``np.dot`` to the Python function that called it, so
``Dense.forward``'s own time is its matrix product plus the bias add, ``Dense.backward``'s
its two or three products, and so on. The parts (matched on file and function name, first
rule that matches wins):
"""

from __future__ import annotations

import cProfile
import inspect
import pstats
import time
from collections.abc import Callable

from adamlab.nn.layers import ActivationLayer

DENSE_ENDS = inspect.getsourcelines(ActivationLayer)[1]  # Dense is defined above it

GEMM = "matrix products (Dense forward/backward)"
LOOP = "trainer loop (norm, guard, accuracy, logs, callbacks)"
GATHER = "batch gathering (take_rows / take)"
PARTS: list[tuple[str, str, tuple[str, ...]]] = [  # (part, file contains, functions; () = any)
    (GEMM, "nn/layers.py", ("Dense.forward", "Dense.backward")),
    (GEMM, "nn/fused.py", ("__call__",)),  # FusedStep: the step's np.dot calls, in one function
    (GATHER, "nn/_kernels.py", ("take_rows",)),
    (LOOP, "nn/_kernels.py", ("binary_correct",)),
    (LOOP, "nn/losses.py", ("correct",)),
    ("activations (ReLU kernels / NumPy)", "nn/layers.py", ()),
    ("activations (ReLU kernels / NumPy)", "nn/_kernels.py",
     ("relu_forward", "relu_backward", "add_bias", "bias_relu", "relu_backward_inplace",
      "outer_relu_backward")),
    ("activations (ReLU kernels / NumPy)", "nn/activations.py", ()),
    ("loss and its gradient", "nn/losses.py", ()),
    ("loss and its gradient", "nn/_kernels.py", ()),
    ("optimizer step", "optim/", ()),
    ("model bookkeeping (workspace, penalty, calls)", "nn/", ()),
    (GATHER, "~", ("<method 'take' of 'numpy.ndarray' objects>",)),
    ("shuffling (permutation)", "~",
     ("<method 'permutation' of 'numpy.random._generator.Generator' objects>",)),
    (LOOP, "train/", ()),
    ("estimator (checks, encoding, monitor)", "estimators/", ()),
]


def _part(file: str, func: str) -> str:
    for part, where, names in PARTS:
        if where in file and (not names or func in names):
            return part
    return "other (NumPy/Python internals, imports)"


def profile(fn: Callable[[], object], top: int = 8) -> str:
    """Run ``fn`` under cProfile; a table of the parts' shares and the top functions."""
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.runcall(fn)
    wall = time.perf_counter() - start
    stats = pstats.Stats(prof)
    shares: dict[str, float] = {}
    rows = []
    for (file, line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        if file.endswith("nn/layers.py") and func in ("forward", "backward"):
            func = ("Dense." if line < DENSE_ENDS else "") + func  # cProfile has no class names
        part = _part(file, func)
        shares[part] = shares.get(part, 0.0) + tt
        rows.append((tt, f"{file.split('site-packages/')[-1].split('src/')[-1]}:{line}({func})"))
    total = sum(shares.values())
    lines = [f"{wall:.3f} s under cProfile; own time by part:"]
    for part, t in sorted(shares.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {t / total:6.1%}  {part}")
    lines.append("top functions by own time:")
    for tt, name in sorted(rows, reverse=True)[:top]:
        lines.append(f"  {tt / total:6.1%}  {name}")
    return "\n".join(lines)
