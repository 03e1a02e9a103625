"""Settings from the environment: production passes `check --deploy`; SQLite keeps what it commits."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DJANGO_SETTINGS_MODULE",
            "DEBUG",
            "SECRET_KEY",
            "HTTPS",
            "DATABASE_URL",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    base.update({"SQLITE_PATH": str(tmp_path / "db.sqlite3"), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy_with_nothing_to_report(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        env={
            "DEBUG": "false",
            "SECRET_KEY": "k" * 20 + "Zq8#Lm2$vX9!pR4&tY7*wB1@nC5^hJ3%",
            "ALLOWED_HOSTS": "clinic.example",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_debug_a_secret_key_is_required(tmp_path):
    result = _manage("check", env={"DEBUG": "false"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "Set SECRET_KEY" in result.stderr


def test_a_malformed_boolean_setting_is_refused_with_its_name(tmp_path):
    result = _manage("check", env={"DEBUG": "perhaps"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr


def test_sqlite_runs_in_wal_with_full_sync_busy_timeout_foreign_keys_and_immediate_transactions(tmp_path):
    script = (
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        "print([c.execute(f'PRAGMA {p}').fetchone()[0] for p in "
        "('journal_mode', 'synchronous', 'busy_timeout', 'foreign_keys', 'secure_delete')])\n"
        "print(connection.settings_dict['OPTIONS']['transaction_mode'])\n"
    )
    result = _manage("shell", "--no-imports", "-c", script, env={"DEBUG": "true"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["['wal', 2, 5000, 1, 1]", "IMMEDIATE"]


def test_security_settings_hold_in_the_suite():
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_and_nosniff(client):
    response = client.get("/accounts/login/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
