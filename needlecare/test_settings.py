"""Settings for the test suite: the real settings, with a throwaway key and plain http."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-used-outside-the-test-suite-0123456789")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ENV_FILE", "")  # a developer's .env never leaks into the suite
os.environ.setdefault("REQUEST_LOG", "false")
os.environ.setdefault("SMS_CREDENTIALS_KEY", "dGVzdC1vbmx5LXNtcy1jcmVkZW50aWFscy1rZXktMDE=")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from needlecare.settings import *  # noqa: E402,F403

# The suite serves static files from the apps (no collectstatic step before it).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# Photos written by tests (the demo seed, the sweeps) go to a throwaway directory, never to var/private.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="needlecare-test-private-"))
AUDIT_ANCHOR_DIR = Path(tempfile.mkdtemp(prefix="needlecare-test-anchors-"))

# SQLite tests run on a database file, as production does, not on Django's default in-memory shared
# cache: that one answers concurrent writers with "database table is locked" at once instead of
# queueing them (busy_timeout and immediate transactions do not apply to it), so threaded tests and the
# live server would test something no clinic runs. pytest-xdist gives each worker its own file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _TEST_DB_DIR = Path(tempfile.mkdtemp(prefix="needlecare-test-db-"))
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_DB_DIR / "test.sqlite3")}  # noqa: F405
