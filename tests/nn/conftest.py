"""Fixtures of the nn tests: central finite differences and a relative error (gradcheck.py)."""

from __future__ import annotations

import pytest
from gradcheck import numerical_gradient, rel_error


@pytest.fixture(scope="session")
def numgrad():
    return numerical_gradient


@pytest.fixture(scope="session")
def relerr():
    return rel_error
