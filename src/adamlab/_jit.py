"""Optional numba: compiled kernels when it is installed, the NumPy reference code otherwise.

``pip install adamlab[fast]`` adds numba. Every compiled kernel in adamlab has a NumPy twin that
is the reference (and the fallback): the kernel performs the same floating-point operations in
the same order, one element at a time, so both give the same numbers. Tests compare them.

Setting the environment variable ``ADAMLAB_JIT=0`` makes adamlab ignore numba even when it is
installed (``fused=None`` then means NumPy everywhere).

numba is imported when a kernel is first wanted (building an ``Adam`` with ``fused=None`` or
``True``), not with adamlab: ``import adamlab`` stays fast. A kernel is compiled on its first
call (~1 s per kernel and dtype), then read from numba's on-disk cache in later processes.
"""

from __future__ import annotations

import functools
import importlib
import os
from types import ModuleType

__all__ = ["numba_module", "available", "require", "load"]


@functools.cache
def numba_module() -> ModuleType | None:
    """The ``numba`` module, or None when it is not installed or ``ADAMLAB_JIT=0``."""
    if os.environ.get("ADAMLAB_JIT", "").strip() == "0":
        return None
    try:
        import numba
    except ImportError:
        return None
    return numba


def available() -> bool:
    """True when compiled kernels can be used."""
    return numba_module() is not None


def require(what: str) -> None:
    """Raise a ValueError saying how to get numba when it is missing (for ``fused=True``)."""
    if not available():
        why = ("ADAMLAB_JIT=0 is set" if os.environ.get("ADAMLAB_JIT", "").strip() == "0"
               else "numba is not installed")
        raise ValueError(f"{what} needs numba, but {why}; install it with "
                         "`pip install adamlab[fast]`, or pass fused=None to fall back to NumPy")


def load(fused: bool | None, what: str, module: str) -> ModuleType | None:
    """The kernel module ``module`` for a ``fused`` setting, or None for the NumPy code.

    ``None``: the kernels when numba is available; ``True``: the kernels, or a ValueError
    naming ``what`` when numba is missing; ``False``: NumPy.
    """
    if fused is not None and not isinstance(fused, bool):
        raise ValueError(f"{what}: fused must be True, False or None (automatic), got {fused!r}")
    if fused is False or (fused is None and not available()):
        return None
    require(f"{what}(fused=True)")
    return importlib.import_module(module)
