import pytest
from django.utils import translation

from civicgrid.geo import locate


@pytest.fixture(autouse=True)
def _english_messages():
    # Tests assert the English msgids; zh-hans translations may be added at any time.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_geo_index():
    # The index lives per process; each test's database starts from scratch.
    locate.invalidate_local_index()
    yield
    locate.invalidate_local_index()
