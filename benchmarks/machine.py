"""The machine the numbers come from: CPU, cores, load, BLAS, and its measured limits.

``peak_gemm_gflops`` (a large float32 matrix product on all cores) and
``memory_bandwidth_gbs`` (``a ← a + s·b`` over large arrays on all cores) are the ceilings the
wide and optimizer-step workloads are compared with.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
from common import have


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"{one:.2f} {five:.2f} {fifteen:.2f}"
    except OSError:
        return "unknown"


def wait_for_load(below: float, timeout: float, poll: float = 10.0) -> bool:
    """Sleep until the 1-minute load average is below ``below`` (True) or ``timeout`` s pass."""
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= below:
        if time.monotonic() > deadline:
            print(f"load still {load_average()} after {timeout:.0f} s; running anyway",
                  flush=True)
            return False
        time.sleep(poll)
    return True


def blas_pools() -> list[dict]:
    """threadpoolctl's view of the BLAS / OpenMP libraries loaded in this process."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return threadpool_info()


def describe() -> list[str]:
    """Lines describing the machine and the libraries, for the report's header."""
    import sklearn

    lines = [
        f"date        {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"cpu         {cpu_model()} ({os.cpu_count()} logical cores)",
        f"load avg    {load_average()} (1, 5, 15 min; before the run)",
        f"python      {platform.python_version()}   numpy {np.__version__}   "
        f"scikit-learn {sklearn.__version__}",
    ]
    for pool in blas_pools():
        if pool.get("user_api") == "blas":
            lib = os.path.basename(pool.get("filepath", ""))
            lines.append(
                f"blas        {pool.get('internal_api')} {pool.get('version')} "
                f"kernel={pool.get('architecture')} threads={pool.get('num_threads')} ({lib})")
    if have("torch"):
        import torch

        lines.append(f"torch       {torch.__version__}   threads={torch.get_num_threads()}   "
                     f"cpu capability={torch.backends.cpu.get_cpu_capability()}")
    else:
        lines.append("torch       not installed (its rows are skipped)")
    if have("numba"):
        import numba

        lines.append(f"numba       {numba.__version__}   threads={numba.config.NUMBA_NUM_THREADS}")
    else:
        lines.append("numba       not installed (adamlab uses its NumPy kernels)")
    return lines


def peak_gemm_gflops(n: int = 2048, repeat: int = 5) -> float:
    """Best float32 GFLOP/s of an n×n×n matrix product (2n³ flops) with the BLAS's threads."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    c = np.empty((n, n), np.float32)
    np.dot(a, b, out=c)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        np.dot(a, b, out=c)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def memory_bandwidth_gbs(n: int = 25_000_000, repeat: int = 7) -> tuple[float, str]:
    """Best GB/s of ``a ← a + s·b`` over float32 arrays far larger than the caches, on all cores
    when it can: 3 × 4 bytes per element move (a and b read, a written back). Like an Adam step
    (θ, m, v read and written back, g read), every array written is read first, so no cache
    line is fetched only to be overwritten: the two are measured alike."""
    a = np.ones(n, np.float32)
    b = np.full(n, 2.0, np.float32)
    s = np.float32(1e-3)
    if have("numba"):
        import numba

        @numba.njit(parallel=True, cache=False)
        def update(a, b, s):
            for i in numba.prange(a.size):
                a[i] = a[i] + s * b[i]

        how = f"numba, {numba.config.NUMBA_NUM_THREADS} threads"
        run = lambda: update(a, b, s)  # noqa: E731
    elif have("torch"):
        import torch

        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        how = f"torch, {torch.get_num_threads()} threads"
        run = lambda: ta.add_(tb, alpha=1e-3)  # noqa: E731
    else:
        how = "numpy, 1 thread"
        tmp = np.empty_like(a)

        def run():  # two passes: counted as one, so this underestimates
            np.multiply(b, s, out=tmp)
            np.add(a, tmp, out=a)

    run()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return 3 * 4 * n / best / 1e9, how
