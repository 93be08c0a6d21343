"""scikit-learn's own estimator checks (``parametrize_with_checks``) on both estimators, for each
of the three solvers.

``max_iter=100`` is the setting scikit-learn's test suite uses for its own MLPs (for "lbfgs"
with 10 hidden units instead of 100, to keep the suite's time: L-BFGS-B's own work grows
with the number of weights); the checks that need pandas or the array API are skipped where those
are not installed.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from adamlab.estimators import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [cls(max_iter=100, **settings) for settings in (
    {}, {"solver": "sgd"}, {"solver": "lbfgs", "hidden_layer_sizes": (10,)})
    for cls in (MLPClassifier, MLPRegressor)]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
