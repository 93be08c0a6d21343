import pytest
from trainkit import make_blobs


@pytest.fixture
def blobs():
    return make_blobs()
