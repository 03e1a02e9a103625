"""The suite's shared fixtures live in needlecare/testing/fixtures.py (two clinics with staff of every
role, so every test can check isolation); this file only registers them."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside live_server

pytest_plugins = ["needlecare.testing.fixtures", "needlecare.testing.storage"]
