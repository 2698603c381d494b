"""Shared test fixtures. Tests live in each app's tests/ folder, mirroring the modules."""

import pytest


@pytest.fixture(autouse=True)
def _reset_sms_outbox():
    from civicgrid.core.sms import LogSmsGateway

    LogSmsGateway.sent.clear()
    yield
    LogSmsGateway.sent.clear()


@pytest.fixture(autouse=True)
def _platform_language_for_each_test():
    """Every test starts in the platform's language: a request made with Accept-Language: en leaves
    English active in the thread (LocaleMiddleware activates, nothing deactivates), and the next
    test's Chinese messages came out in English when the two ran one after the other."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


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


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def _chromium():
    """Debian's Chromium driven by Playwright (its own browser download is not used)."""
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package to run the browser tests")
    # Playwright's sync API keeps an event loop in this thread; the Django ORM calls the tests make
    # between page actions are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_chromium):
    """A fresh browser context (no cookies) at phone width."""
    context = _chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()
