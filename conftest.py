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


@pytest.fixture(autouse=True)
def django_db_serialized_rollback():
    """Every transactional test (live server, concurrency) restores the migrations' data afterwards.

    The flush after a transactional test empties every table, including what data migrations
    loaded (the category catalogue, the default SLA policies, the Open311 attributes). Restoring
    it for *all* of them (not only some) also keeps content types consistent: a flush without
    serialized rollback re-creates them with new ids, which the next restore would collide with.
    """
    return True
