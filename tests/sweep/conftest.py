import signal

import pytest
from sweepdata import regression_file


@pytest.fixture
def reg_file(tmp_path):
    return regression_file(tmp_path)


@pytest.fixture
def deadline():
    """Fail (instead of hanging) when the test runs past ``seconds``: ``deadline(60)``."""

    def expire(signum, frame):
        raise TimeoutError("test ran past its deadline")

    def arm(seconds: float) -> None:
        signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)

    yield arm
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
