"""scikit-learn estimators trained by adamlab: drop-in ``MLPClassifier`` and ``MLPRegressor``.

::

    from adamlab.estimators import MLPClassifier        # was: from sklearn.neural_network import …
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=0).fit(X, y)
    clf.predict_proba(X_test); clf.history_["val_loss"]; clf.save("clf.npz")

Every parameter, default and fitted attribute of scikit-learn's MLP (solver="adam", "sgd" with
its learning_rate schedules and momentum, "lbfgs"; the regressor's loss), its errors and
warnings — scikit-learn's own test_mlp.py passes against them (tests/estimators/
test_sklearn_suite.py) — plus adamlab's optimizers, schedules, clipping, callbacks (adamlab's
and sklearn.callback's), ``eval_set``, class weights, early stopping on the validation loss,
warm starts that keep the optimizer's state, and pickle-free ``save``/``load``. See
docs/sklearn.md.
"""

from adamlab.estimators.classifier import MLPClassifier
from adamlab.estimators.regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
