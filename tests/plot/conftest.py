import pytest
from plotdata import adam_trace, make_history


@pytest.fixture
def history() -> dict[str, list]:
    return make_history()


@pytest.fixture
def trace() -> dict:
    return adam_trace()
