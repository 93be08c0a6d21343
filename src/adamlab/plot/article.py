"""The article's "learning curve" next to a real one (``adamlab article --out DIR``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from adamlab.plot.style import TRAIN_COLOR, VAL_COLOR, finish_axes, new_figure


def article(result: Mapping[str, Any]) -> Figure:
    """Two panels from ``adamlab.article.run()``: left, what the article plotted (the loss of each
    *sample* under the final weights, no bias: 58%); right, the corrected model's per-epoch
    training and validation loss."""
    faithful, corrected = result["faithful"], result["corrected"]
    fig, (left, right) = new_figure(2, panel_size=(5.2, 3.8))
    per_sample = np.asarray(faithful["per_sample_loss"], dtype=float)
    left.plot(np.arange(1, len(per_sample) + 1), per_sample, color="#7f7f7f", lw=1.2,
              label="loss of sample i after training")
    left.axhline(float(np.mean(per_sample)), color="black", ls="--", lw=1,
                 label=f"mean {np.mean(per_sample):.3f}")
    left.text(0.02, 0.97, f"no bias: accuracy {faithful['train_accuracy']:.0%}\n"
              "x-axis is the sample, not time", transform=left.transAxes, va="top", fontsize=9)
    finish_axes(left, "the article's plot: per-sample loss (not a learning curve)", "sample i",
                "loss")

    h = corrected["history"]
    epochs = np.asarray(h["epoch"], dtype=float)
    right.plot(epochs, np.asarray(h["loss"], dtype=float), color=TRAIN_COLOR, label="training")
    val = np.array([np.nan if v is None else v for v in h["val_loss"]], dtype=float)
    if np.isfinite(val).any():
        right.plot(epochs, val, color=VAL_COLOR, label="validation")
    right.text(0.98, 0.97, f"bias + hidden layer {corrected['hidden']}: "
               f"accuracy {corrected['train_accuracy']:.0%}", transform=right.transAxes,
               ha="right", va="top", fontsize=9)
    finish_axes(right, "corrected: a real learning curve (loss per epoch)", "epoch", "loss")
    fig.suptitle("The article's Adam example, reproduced and corrected")
    return fig
