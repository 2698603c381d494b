"""Shared test fixtures. Tests live in each app's tests/ folder, mirroring the modules."""

import pytest


@pytest.fixture(autouse=True)
def _reset_sms_outbox():
    from civicgrid.core.sms import LogSmsGateway

    LogSmsGateway.sent.clear()
    yield
    LogSmsGateway.sent.clear()
