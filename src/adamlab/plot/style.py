"""The look shared by every adamlab figure: one colour per optimizer, figure factory, helpers.

Each optimizer's colour is its row's in ``adamlab.optim.OPTIMIZERS``, so that "adam" is the
same red in a learning curve, a comparison and a landscape. Adam's family takes warm colours,
SGD's cool ones.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from adamlab.optim import OPTIMIZERS


def optimizer_colors() -> dict[str, str]:
    """Each registered optimizer's colour (its registry row's ``color``)."""
    return {name: spec.color for name, spec in OPTIMIZERS.items() if spec.color}


#: The registry's colours when adamlab was imported (``optimizer_colors()`` is always current).
OPTIMIZER_COLORS: dict[str, str] = optimizer_colors()

#: Colours for names not in the table (picked by a stable hash of the name).
_FALLBACK = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#a65628", "#f781bf", "#999999",
             "#66c2a5", "#fc8d62", "#8da0cb")

TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#ff7f0e"
LR_COLOR = "#2ca02c"


def color_for(name: str) -> str:
    """The colour of optimizer ``name``: its registry row's, else stable per name."""
    key = str(name).strip().lower()
    spec = OPTIMIZERS.get(key)
    if spec is not None and spec.color:
        return spec.color
    return _FALLBACK[zlib.crc32(key.encode()) % len(_FALLBACK)]


def new_figure(n_panels: int, panel_size: tuple[float, float] = (4.6, 3.6),
               ncols: int | None = None) -> tuple[Figure, list[Any]]:
    """A constrained-layout Figure with ``n_panels`` axes in a row (or a grid of ``ncols``).

    Built from ``matplotlib.figure.Figure`` directly: no pyplot, no global state, any backend.
    """
    ncols = min(n_panels, 3 if n_panels != 4 else 2) if ncols is None else ncols
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(figsize=(panel_size[0] * ncols, panel_size[1] * nrows), layout="constrained")
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n_panels)]
    return fig, axes


def column(data: Mapping[str, Any], key: str, n: int | None = None) -> np.ndarray:
    """``data[key]`` as a float array, None -> NaN; all-NaN of length ``n`` when missing."""
    values = data.get(key)
    if values is None:
        return np.full(0 if n is None else n, np.nan)
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def has_data(values: Iterable[float]) -> bool:
    """True if any value is finite."""
    return bool(np.any(np.isfinite(np.asarray(list(values), dtype=float))))


def spans_decades(values: np.ndarray, ratio: float = 20.0) -> bool:
    """True if the finite values are all positive and max/min exceeds ``ratio``: use log scale."""
    v = values[np.isfinite(values)]
    return v.size > 0 and bool(np.all(v > 0)) and v.max() / v.min() > ratio


def log_y(ax: Any) -> None:
    """``ax.set_yscale("log")``. With values near float64's limits (a run that diverged
    slowly reaches 1e305) matplotlib's autoscaling overflows in its margins: a RuntimeWarning
    that says nothing to the reader; the axis is drawn all the same."""
    with np.errstate(over="ignore", invalid="ignore"):
        ax.set_yscale("log")


def finish_axes(ax: Any, title: str, xlabel: str, ylabel: str, legend: bool = True) -> None:
    """Title, labels, a light grid and (when there are labelled artists) a legend."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3, which="major")
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            ax.legend(fontsize="small", framealpha=0.85)
