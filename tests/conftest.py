"""Suite-wide settings: hypothesis explores fresh examples on developers' machines and runs a
fixed, derandomized set in CI, so that CI's verdict depends on the code alone."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
