"""Settings for the test suite: the normal settings in test mode (DATABASE_URL still applies)."""

import os

os.environ["CIVICGRID_MODE"] = "test"

from civicgrid.settings import *  # noqa: E402,F401,F403

# Several suites may run at once against one PostgreSQL server (developers, CI, helpers): give
# each run its own throwaway test database instead of colliding on "test_<name>".
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_civicgrid_{os.getpid()}"  # noqa: F405
