"""Settings for the test suite: the real settings, with a throwaway key and plain http."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-used-outside-the-test-suite-0123456789")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from needlecare.settings import *  # noqa: E402,F403

# The suite serves static files from the apps (no collectstatic step before it).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
