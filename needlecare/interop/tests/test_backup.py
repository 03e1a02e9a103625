"""`manage.py backup` while another process keeps writing, then `manage.py restore` into a fresh database:
every patient committed before the backup started is there, with its photo file. Runs on the engine the
suite runs on (SQLite, or PostgreSQL with DATABASE_URL), in separate databases made for the test."""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
ENGINE = "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"

WRITER = """
import django, sys, time, uuid
django.setup()
from pathlib import Path
from django.conf import settings
from django.db import transaction
from needlecare.clinics.models import Clinic
from needlecare.patients.services import create_patient
clinic = Clinic.objects.create(name="Busy clinic", slug="busy-" + uuid.uuid4().hex[:8], phone="020 7946 0999")
photos = Path(settings.PRIVATE_MEDIA_ROOT) / "photos"
photos.mkdir(parents=True, exist_ok=True)
n = 0
while True:
    n += 1
    with transaction.atomic():
        patient = create_patient(clinic=clinic, by=None, data={
            "given_name": f"Writer{n}", "family_name": "Busy", "date_of_birth": "1980-02-03"})
        # The file is on disk before the row that names it commits, as an upload would be.
        (photos / f"{patient.pk}.jpg").write_bytes(b"photo-" + str(patient.pk).encode())
    print(patient.pk, flush=True)
    time.sleep(0.005)
"""


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def _env(database_url: str, media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "needlecare.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "PRIVATE_MEDIA_ROOT": str(media),
        "AUDIT_ANCHOR_DIR": str(media.with_name(media.name + "-audit-anchors")),
    }


class Databases:
    """Two throwaway databases of the suite's engine: `live` (written to) and `fresh` (restored into)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.names: list[str] = []

    def url(self, role: str) -> str:
        if ENGINE == "sqlite":
            return f"sqlite:///{self.tmp_path / role}.sqlite3"
        db = settings.DATABASES["default"]
        name = f"h_interop_{role}_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
        return f"postgres://{quote(db['USER'])}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"

    def _admin(self, sql: str) -> None:
        import psycopg

        db = settings.DATABASES["default"]
        with psycopg.connect(
            dbname="postgres",
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            host=db["HOST"],
            port=db["PORT"] or 5432,
            autocommit=True,
        ) as con:
            con.execute(sql)

    def count_patients(self, url: str, ids: list[str]) -> int:
        if ENGINE == "sqlite":
            with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
                found = {row[0] for row in con.execute("SELECT id FROM patients_patient")}
            # SQLite stores UUIDs as 32 hex digits.
            return sum(1 for i in ids if uuid.UUID(i).hex in found)
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://")) as con:
            found = {str(row[0]) for row in con.execute("SELECT id FROM patients_patient")}
        return sum(1 for i in ids if i in found)

    def delete_last_audit_events(self, url: str) -> None:
        """As an attacker holding the database would: past the append-only triggers, all but event 1."""
        from needlecare.audit import db

        if ENGINE == "sqlite":
            with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
                for sql in db.DROP_SQLITE:
                    con.execute(sql)
                con.execute("DELETE FROM audit_auditevent WHERE seq > 1")
            return
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://")) as con:
            con.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            con.execute("DELETE FROM audit_auditevent WHERE seq > 1")

    def drop(self) -> None:
        for name in self.names:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases(tmp_path):  # type: ignore[no-untyped-def]
    dbs = Databases(tmp_path)
    yield dbs
    dbs.drop()


def test_backup_under_writes_restores_every_committed_patient_and_photo(databases, tmp_path):
    live_media, fresh_media, backup_dir = tmp_path / "media", tmp_path / "restored-media", tmp_path / "bk"
    live = _env(databases.url("live"), live_media)
    fresh = _env(databases.url("fresh"), fresh_media)
    assert _manage(live, "migrate", "-v0").returncode == 0

    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER], cwd=ROOT, env=live, stdout=subprocess.PIPE, text=True
    )
    committed: list[str] = []
    reader = threading.Thread(target=lambda: committed.extend(line.strip() for line in writer.stdout))  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while len(committed) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        before_backup = list(committed)
        assert len(before_backup) >= 20, "the writer did not get going"
        result = _manage(live, "backup", str(backup_dir))
        assert result.returncode == 0, result.stderr
        time.sleep(0.3)  # the writer goes on after the backup too
        during_and_after = len(committed)
    finally:
        writer.terminate()
        writer.wait(timeout=30)
        reader.join(timeout=30)
    assert during_and_after > len(before_backup), "the writer stopped during the backup"

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["engine"] == ENGINE
    assert "0001_initial" in manifest["migrations"]["patients"]
    assert sum(1 for f in manifest["files"] if f["path"].startswith("media/photos/")) >= len(before_backup)

    result = _manage(fresh, "restore", str(backup_dir))
    assert result.returncode == 0, result.stderr
    assert databases.count_patients(fresh["DATABASE_URL"], before_backup) == len(before_backup)
    for patient_id in before_backup:
        photo = fresh_media / "photos" / f"{patient_id}.jpg"
        assert photo.read_bytes() == b"photo-" + patient_id.encode()

    # The restored database is whole: migrations are applied, the audit chain verifies, against the
    # anchors the backup took (and the live installation's chain against its own).
    assert "No planned migration operations" in _manage(fresh, "migrate", "--plan").stdout
    assert any(f["path"].startswith("audit-anchors/clinic-") for f in manifest["files"])
    verify = _manage(fresh, "verify_audit")
    assert verify.returncode == 0 and "chain intact, anchored to event" in verify.stdout, verify.stdout
    assert _manage(live, "verify_audit").returncode == 0

    # A database that holds data is not overwritten without --force.
    again = _manage(fresh, "restore", str(backup_dir))
    assert again.returncode != 0 and "--force" in again.stderr
    assert _manage(fresh, "restore", "--force", str(backup_dir)).returncode == 0

    # The restored anchors still guard the restored chain: its last events deleted is reported.
    databases.delete_last_audit_events(fresh["DATABASE_URL"])
    verify = _manage(fresh, "verify_audit")
    assert verify.returncode == 1 and "BROKEN at event 2:" in verify.stdout, verify.stdout


def test_restore_refuses_a_damaged_backup(tmp_path, databases):
    media, backup_dir = tmp_path / "media", tmp_path / "bk"
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "a.jpg").write_bytes(b"original")
    live = _env(databases.url("live"), media)
    assert _manage(live, "migrate", "-v0").returncode == 0
    assert _manage(live, "backup", str(backup_dir)).returncode == 0
    assert _manage(live, "backup", str(backup_dir)).returncode != 0  # never into a used directory

    (backup_dir / "media" / "photos" / "a.jpg").write_bytes(b"tampered")
    fresh = _env(databases.url("fresh"), tmp_path / "restored")
    result = _manage(fresh, "restore", str(backup_dir))
    assert result.returncode != 0 and "damaged" in result.stderr
    assert not (tmp_path / "restored" / "photos" / "a.jpg").exists()

    result = _manage(fresh, "restore", str(tmp_path / "nowhere"))
    assert result.returncode != 0 and "not a Needlecare backup" in result.stderr


def test_restore_refuses_a_damaged_database_whose_manifest_matches(tmp_path, databases):
    """Bytes of the database file damaged and the manifest's hash recomputed: the restore ends in a clear
    error, not a traceback, and the target database is left as it was."""
    backup_dir = tmp_path / "bk"
    live = _env(databases.url("live"), tmp_path / "media")
    assert _manage(live, "migrate", "-v0").returncode == 0
    assert _manage(live, "backup", str(backup_dir)).returncode == 0
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    database = backup_dir / manifest["database"]
    data = bytearray(database.read_bytes())
    for start in range(4096 * 2, len(data) - 4096, 4096 * 3):  # every third page from the third
        data[start : start + 4096] = b"\xa5" * 4096
    database.write_bytes(bytes(data))
    for entry in manifest["files"]:
        if entry["path"] == manifest["database"]:
            entry["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))

    fresh = _env(databases.url("fresh"), tmp_path / "restored")
    assert _manage(fresh, "migrate", "-v0").returncode == 0
    result = _manage(fresh, "restore", "--force", str(backup_dir))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    if ENGINE == "sqlite":
        assert "The backup is damaged" in result.stderr and "integrity check" in result.stderr
    else:
        assert "pg_restore failed" in result.stderr
    # The target is untouched: still migrated and readable.
    assert "No planned migration operations" in _manage(fresh, "migrate", "--plan").stdout
