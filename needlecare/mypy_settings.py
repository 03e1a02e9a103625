"""Settings for mypy's Django plugin: the real settings, read with no environment (as `make lint` runs)."""

import os

# The plugin only imports the settings to learn the installed apps and models; it never serves.
os.environ.setdefault("SECRET_KEY", "mypy-only-secret-key-never-used-to-serve-0123456789abcdef")
os.environ.setdefault("ENV_FILE", "")  # a developer's .env does not change what mypy sees

from needlecare.settings import *  # noqa: E402,F403
