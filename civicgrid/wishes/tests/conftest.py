import pytest


@pytest.fixture(autouse=True)
def _wish_settings(settings, tmp_path):
    """Proof photos go to a temporary folder; the posting limit is generous unless a test sets it."""
    settings.MEDIA_ROOT = tmp_path
    settings.CIVICGRID_RATE_LIMITS = {"wishes.post": (100, 30 * 86400)}
    settings.WISHES_MAX_OPEN_CLAIMS = 3


@pytest.fixture
def ww(db):
    from civicgrid.wishes.testing import make_wish_world

    return make_wish_world()
