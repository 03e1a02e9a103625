"""`make demo` installs only the runtime dependencies: nothing the app, its commands or its demo seed
import may need a test-only package (factory_boy, pytest, hypothesis, ...)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = ["factory", "pytest", "hypothesis", "playwright", "schemathesis", "aiosmtpd", "time_machine"]

PROBE = f"""
import importlib, importlib.abc, pkgutil, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {TEST_ONLY!r}:
            raise ImportError(f"{{name}} is a test-only package")
        return None

sys.meta_path.insert(0, Refuse())
import django
django.setup()
import needlecare.urls  # every view, API router and template tag the pages load
from django.core.management import get_commands, load_command_class
for name, app in get_commands().items():
    if app.startswith("needlecare"):
        load_command_class(app, name)
import needlecare
for module in pkgutil.walk_packages(needlecare.__path__, "needlecare."):
    if module.name.endswith(".demo") or module.name.startswith("needlecare.demo."):
        importlib.import_module(module.name)
print("ok")
"""


def test_the_app_commands_and_demo_seed_import_without_test_packages():
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "needlecare.settings", "DEBUG": "true", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")
