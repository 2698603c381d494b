"""Settings for the test suite: the normal settings in test mode (DATABASE_URL still applies)."""

import os

os.environ["CIVICGRID_MODE"] = "test"

from civicgrid.settings import *  # noqa: E402,F401,F403

# Several suites may run at once against one PostgreSQL server (developers, CI, helpers): give
# each run its own throwaway test database instead of colliding on "test_<name>".
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_civicgrid_{os.getpid()}"  # noqa: F405
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A test database in a file, not in memory. In memory, Django hands the test thread's one
    # connection to the live server, whose threads then share it with each other and with the
    # test: a page's polling request still running while the test flushes the tables (or while a
    # second request runs) interleaves two atomic blocks on one connection, and once that left the
    # connection inside a transaction every later on_commit (texts, notifications) silently never
    # ran — a whole CI run failed so. In a file each thread has its own connection, as under
    # `make run`, and SQLite's locks (WAL, IMMEDIATE, busy_timeout above) keep them apart.
    import tempfile
    from pathlib import Path

    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(  # noqa: F405
        Path(tempfile.gettempdir()) / f"civicgrid_test_{os.getpid()}.sqlite3")
