"""scikit-learn's own estimator checks (``parametrize_with_checks``) on both estimators.

``max_iter=100`` is the setting scikit-learn's test suite uses for its own MLPs; the checks
that need pandas or the array API are skipped where those are not installed.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from adamlab.estimators import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks([MLPClassifier(max_iter=100), MLPRegressor(max_iter=100)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
