"""Settings for the test suite: the normal settings in test mode (DATABASE_URL still applies)."""

import os

os.environ["CIVICGRID_MODE"] = "test"

from civicgrid.settings import *  # noqa: E402,F401,F403
