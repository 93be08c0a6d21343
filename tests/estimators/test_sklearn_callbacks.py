"""scikit-learn's callback API (``sklearn.callback``) on adamlab's estimators, next to
adamlab's own ``callbacks=``. (``ProgressBar`` needs ``rich``, which is not installed here: the
protocol it uses is the one tested below.)"""

from __future__ import annotations

import numpy as np
import pytest
from estkit import dataset

from adamlab.estimators import MLPClassifier, MLPRegressor
from adamlab.train import Callback

callback = pytest.importorskip("sklearn.callback")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SETTINGS = dict(hidden_layer_sizes=(16,), random_state=0, max_iter=6)


class Recorder:
    """A FitCallback that records the tasks it sees and can ask to stop after epoch ``stop``."""

    def __init__(self, stop: int | None = None) -> None:
        self.events, self.stop = [], stop

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, X=None, y=None, metadata=None,
                          fitted_estimator=None):
        self.events.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, metadata=None,
                        fitted_estimator=None):
        self.events.append(("end", context.task_name, context.task_id,
                            None if fitted_estimator is None else fitted_estimator.score(X, y)))
        return self.stop is not None and context.task_name == "epoch" \
            and context.task_id + 1 == self.stop


def test_each_epoch_is_a_task_whose_fitted_estimator_predicts_with_that_epochs_weights():
    X, y = dataset("wine")
    rec, mine = Recorder(), Callback()
    clf = MLPClassifier(callbacks=[mine], **SETTINGS).set_callbacks(rec).fit(X, y)
    assert rec.events[0] == ("setup", "fit") and rec.events[-1] == ("teardown", "fit")
    epochs = [e for e in rec.events if e[0] == "end" and e[1] == "epoch"]
    assert [e[2] for e in epochs] == list(range(6))
    assert epochs[-1][3] == clf.score(X, y)  # the last epoch's weights are the final ones
    first = MLPClassifier(**{**SETTINGS, "max_iter": 1}).fit(X, y)
    assert epochs[0][3] == first.score(X, y)  # a snapshot, not the live weights
    assert mine.trainer is None or mine.trainer is clf._trainer  # adamlab's callbacks ran too


def test_a_callback_returning_true_stops_after_that_epoch():
    X, y = dataset("wine")
    clf = MLPClassifier(**SETTINGS).set_callbacks(Recorder(stop=3)).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3


def test_lbfgs_iterations_are_tasks():
    X, y = dataset("regression")
    rec = Recorder()
    reg = MLPRegressor(solver="lbfgs", **SETTINGS).set_callbacks(rec).fit(X, y)
    iters = [e for e in rec.events if e[0] == "end" and e[1] == "lbfgs-iter"]
    assert len(iters) == reg.n_iter_ + 1  # the last one is the iteration scipy did not run
    assert iters[-1][3] is None and iters[-2][3] == pytest.approx(reg.score(X, y))


def test_scoring_monitor_logs_a_score_per_epoch():
    X, y = dataset("wine")
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = MLPClassifier(**SETTINGS).set_callbacks(monitor).fit(X, y)
    rows = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(rows) == 6 and rows[-1]["accuracy"] == clf.score(X, y)
    assert np.all(np.isfinite([r["accuracy"] for r in rows]))


def test_callbacks_survive_clone_and_partial_fit():
    from sklearn.base import clone

    X, y = dataset("wine")
    rec = Recorder()
    clf = clone(MLPClassifier(**SETTINGS).set_callbacks(rec))
    clf.partial_fit(X, y, classes=np.unique(y))
    assert ("end", "epoch", 0, clf.score(X, y)) in rec.events
