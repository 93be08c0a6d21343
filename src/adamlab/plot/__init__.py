"""Figures as functions of data: each takes plain data and returns a ``matplotlib`` Figure.

Nothing here touches pyplot or its global state, so every function works headless, in a
notebook and in the CLI alike; saving is the caller's choice (``fig.savefig("curves.png")``).

========================= =================================================================
``learning_curves``        loss, accuracy, learning rate per epoch (and loss per step)
``comparison``             optimizers × seeds: mean curves with a band
``decision_boundary``      a classifier's regions on two features
``landscape``              optimizer paths on a 2-D test function (``adamlab.landscape``)
``landscape_animation``    the same as an animated GIF
``matrix_runs``            loss and W's singular values on the matrix problem
``adam_internals``         Adam's moments, bias correction and step sizes over training
``internals``              any optimizer's declared internals (``optimizer_internals``)
``schedule``               a learning-rate schedule
``article``                the article's per-sample "curve" next to a real learning curve
``sweep``                  final loss against learning rate, per optimizer (``adamlab sweep``)
``lr_find``                the learning-rate range test: smoothed loss against lr
``bench_profiles``         ``adamlab bench``'s performance profiles
========================= =================================================================
"""

from adamlab.plot.article import article
from adamlab.plot.bench import bench_profiles
from adamlab.plot.boundary import decision_boundary
from adamlab.plot.compare import comparison
from adamlab.plot.curves import learning_curves, schedule
from adamlab.plot.internals import adam_internals
from adamlab.plot.internals_family import internals, optimizer_internals
from adamlab.plot.landscape_paths import landscape, landscape_animation
from adamlab.plot.lrfind import lr_find
from adamlab.plot.matrix_runs import matrix_runs
from adamlab.plot.style import OPTIMIZER_COLORS, color_for
from adamlab.plot.sweep import sweep
from adamlab.smoothing import debiased_ema

__all__ = [
    "learning_curves", "comparison", "decision_boundary", "landscape", "landscape_animation",
    "matrix_runs", "adam_internals", "internals", "optimizer_internals", "schedule", "article",
    "sweep",
    "debiased_ema", "OPTIMIZER_COLORS",
    "color_for", "lr_find", "bench_profiles",
]
