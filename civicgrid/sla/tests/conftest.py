import pytest


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """The holiday overrides are cached per process; a test must never see another test's rows."""
    from civicgrid.sla.calendar import forget_overrides

    forget_overrides()
    yield
    forget_overrides()
