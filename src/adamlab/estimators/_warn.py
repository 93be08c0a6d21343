"""Warnings that point at the user's line, however deep in the estimator they are raised."""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["warn"]

#: Frames skipped: this package, and scikit-learn's wrappers around fit (``with_callbacks``).
_INSIDE = (os.path.dirname(os.path.abspath(__file__)),
           os.path.join("sklearn", "callback"), os.path.join("sklearn", "utils"),
           os.path.join("sklearn", "base.py"))


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` with the stack level of the first frame outside the estimators."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and any(part in frame.f_code.co_filename for part in _INSIDE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
