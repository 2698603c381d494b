import pytest

from civicgrid.geo import locate


@pytest.fixture(autouse=True)
def _fresh_geo_index():
    # The index lives per process; each test's database starts from scratch.
    locate.invalidate_local_index()
    yield
    locate.invalidate_local_index()
