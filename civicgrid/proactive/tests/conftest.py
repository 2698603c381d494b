import pytest


@pytest.fixture(autouse=True)
def _no_cached_scans(settings):
    """Each test builds its own appeals: a scan cached by another test must not answer."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
