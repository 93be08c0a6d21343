"""scikit-learn estimators trained by adamlab: drop-in ``MLPClassifier`` and ``MLPRegressor``.

::

    from adamlab.estimators import MLPClassifier        # was: from sklearn.neural_network import …
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=0).fit(X, y)
    clf.predict_proba(X_test); clf.history_["val_loss"]; clf.save("clf.npz")

Same parameter names, defaults and fitted attributes as scikit-learn's MLP (solver="adam"),
plus adamlab's optimizers, schedules, clipping, callbacks, ``eval_set``, class weights,
early stopping on the validation loss with the best weights restored, warm starts that keep
the optimizer's state, and pickle-free ``save``/``load``. See docs/sklearn.md.
"""

from adamlab.estimators.classifier import MLPClassifier
from adamlab.estimators.regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
