"""`manage.py backup` while another process keeps writing, then `manage.py restore` into a fresh database:
every patient committed before the backup started is there, with its photo file. Runs on the engine the
suite runs on (SQLite, or PostgreSQL with DATABASE_URL), in separate databases made for the test, and on
both private stores: directories on the disk, or buckets of the suite's S3 server (needlecare/testing/
storage.py), which the backup and restore processes reach as an installation would (PRIVATE_STORAGE=s3)."""

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
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
ENGINE = "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"

WRITER = """
import django, sys, time, uuid
django.setup()
from django.core.files.base import ContentFile
from django.db import transaction
from needlecare.clinics.models import Clinic
from needlecare.core.storage import private_storage
from needlecare.patients.services import create_patient
clinic = Clinic.objects.create(name="Busy clinic", slug="busy-" + uuid.uuid4().hex[:8], phone="020 7946 0999")
n = 0
while True:
    n += 1
    with transaction.atomic():
        patient = create_patient(clinic=clinic, by=None, data={
            "given_name": f"Writer{n}", "family_name": "Busy", "date_of_birth": "1980-02-03"})
        # The file is stored before the row that names it commits, as an upload would be.
        private_storage().save(f"photos/{patient.pk}.jpg", ContentFile(b"photo-" + str(patient.pk).encode()))
    print(patient.pk, flush=True)
    time.sleep(0.005)
"""


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


class Stores:
    """Each installation's private store: `kind` disk (a directory each) or s3 (a bucket each)."""

    def __init__(self, kind: str, tmp_path: Path, server: Any = None) -> None:
        self.kind, self.tmp_path, self.server = kind, tmp_path, server
        self.buckets: dict[str, str] = {}

    def env(self, role: str) -> dict[str, str]:
        if self.kind == "disk":
            return {"PRIVATE_STORAGE": "disk", "PRIVATE_MEDIA_ROOT": str(self.tmp_path / f"{role}-media")}
        if role not in self.buckets:
            self.buckets[role] = self.server.new_bucket()
        return self.server.environment(self.buckets[role])

    def read(self, role: str, name: str) -> bytes | None:
        if self.kind == "disk":
            path = self.tmp_path / f"{role}-media" / name
            return path.read_bytes() if path.is_file() else None
        self.env(role)
        try:
            return self.server.client().get_object(Bucket=self.buckets[role], Key=name)["Body"].read()
        except self.server.client().exceptions.NoSuchKey:
            return None

    def write(self, role: str, name: str, data: bytes) -> None:
        if self.kind == "disk":
            path = self.tmp_path / f"{role}-media" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        self.env(role)
        self.server.client().put_object(Bucket=self.buckets[role], Key=name, Body=data)


@pytest.fixture(params=["disk", "s3"])
def stores(request, tmp_path) -> Stores:  # type: ignore[no-untyped-def]
    server = request.getfixturevalue("s3_server") if request.param == "s3" else None
    return Stores(request.param, tmp_path, server)


def _env(database_url: str, stores: Stores, role: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "needlecare.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        **stores.env(role),
        "AUDIT_ANCHOR_DIR": str(stores.tmp_path / f"{role}-audit-anchors"),
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


def test_backup_under_writes_restores_every_committed_patient_and_photo(databases, tmp_path, stores):
    backup_dir = tmp_path / "bk"
    live = _env(databases.url("live"), stores, "live")
    fresh = _env(databases.url("fresh"), stores, "fresh")
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
        assert stores.read("fresh", f"photos/{patient_id}.jpg") == b"photo-" + patient_id.encode()

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


def test_restore_refuses_a_damaged_backup(tmp_path, databases, stores):
    backup_dir = tmp_path / "bk"
    stores.write("live", "photos/a.jpg", b"original")
    live = _env(databases.url("live"), stores, "live")
    assert _manage(live, "migrate", "-v0").returncode == 0
    assert _manage(live, "backup", str(backup_dir)).returncode == 0
    assert _manage(live, "backup", str(backup_dir)).returncode != 0  # never into a used directory

    (backup_dir / "media" / "photos" / "a.jpg").write_bytes(b"tampered")
    fresh = _env(databases.url("fresh"), stores, "fresh")
    result = _manage(fresh, "restore", str(backup_dir))
    assert result.returncode != 0 and "damaged" in result.stderr
    assert stores.read("fresh", "photos/a.jpg") is None

    result = _manage(fresh, "restore", str(tmp_path / "nowhere"))
    assert result.returncode != 0 and "not a Needlecare backup" in result.stderr


def test_restore_refuses_a_damaged_database_whose_manifest_matches(tmp_path, databases):
    """Bytes of the database file damaged and the manifest's hash recomputed: the restore ends in a clear
    error, not a traceback, and the target database is left as it was."""
    backup_dir = tmp_path / "bk"
    live = _env(databases.url("live"), Stores("disk", tmp_path), "live")
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

    fresh = _env(databases.url("fresh"), Stores("disk", tmp_path), "fresh")
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
