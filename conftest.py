"""Shared test fixtures. Tests live in each app's tests/ folder, mirroring the modules."""

import pytest


@pytest.fixture(autouse=True)
def _reset_sms_outbox():
    from civicgrid.core.sms import LogSmsGateway

    LogSmsGateway.sent.clear()
    yield
    LogSmsGateway.sent.clear()


@pytest.fixture(autouse=True)
def _fresh_geo_index():
    """The point-location index lives per process; a test must never see another test's areas."""
    from civicgrid.geo.locate import invalidate_local_index

    invalidate_local_index()
    yield
    invalidate_local_index()
