"""Consistent online backups and their restore: the database (SQLite's online backup API, or pg_dump),
the private files (photos and whatever else is kept beside them, from the private storage: the disk or
object storage, needlecare/core/storage.py), the audit anchors (every clinic's chain head, anchored as
the backup is taken) and a manifest with the time, the migration state and a SHA-256 of every file, so a
restore can refuse a damaged or tampered backup."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.db import connections

from needlecare.audit.anchors import copy_anchors, replace_anchors, write_anchors
from needlecare.core.storage import private_storage, stored_names

MANIFEST = "manifest.json"
MEDIA_DIR = "media"
ANCHORS_DIR = "audit-anchors"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FORMAT = 1


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _engine(alias: str) -> str:
    engine = settings.DATABASES[alias]["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def _pg_args(alias: str) -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES[alias]
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args + ["--no-password"], env


def _migrations_sqlite(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT app, name FROM django_migrations ORDER BY app, id").fetchall()
    return _group(rows)


def _group(rows: list[tuple[str, str]]) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app, name in rows:
        state.setdefault(app, []).append(name)
    return state


def make_backup(dest: Path, *, alias: str = "default") -> dict[str, Any]:
    """Write a backup into `dest` (created; must be empty) and return its manifest.

    The database copy is one consistent snapshot taken while the application keeps writing; media files
    are copied after it, so every file a committed row refers to is already stored."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: back up into a new directory.")
    dest.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    engine = _engine(alias)
    # Every backup anchors the audit chains first and keeps those anchors (copied before the snapshot,
    # so none of them names an event the snapshot does not hold).

    write_anchors()
    anchors = copy_anchors(dest / ANCHORS_DIR)
    if engine == "sqlite":
        database = dest / SQLITE_FILE
        connection = connections[alias]
        connection.ensure_connection()
        target = sqlite3.connect(database)
        try:
            # One step (pages=-1): the copy is a single read transaction, a snapshot of committed data.
            connection.connection.backup(target)
        finally:
            target.close()
        migrations = _migrations_sqlite(database)
    else:
        database = dest / PG_FILE
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
            migrations = _group(cursor.fetchall())
        args, env = _pg_args(alias)
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            ["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges", "--file", str(database)]
            + [str(settings.DATABASES[alias]["NAME"])],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    files = [{"path": database.name, "sha256": sha256_of(database), "bytes": database.stat().st_size}]
    storage = private_storage()
    copied = dest / MEDIA_DIR
    copied.mkdir()
    for name in stored_names(storage):
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise BackupError(f"The private storage holds a file named outside it: {name}.")
        target_path = copied / relative
        target_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            source = storage.open(name, "rb")
        except FileNotFoundError:
            continue  # deleted since it was listed (its row went first): nothing to keep
        with source, target_path.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        files.append(
            {
                "path": f"{MEDIA_DIR}/{relative.as_posix()}",
                "sha256": sha256_of(target_path),
                "bytes": target_path.stat().st_size,
            }
        )
    for anchor in anchors:
        files.append(
            {
                "path": f"{ANCHORS_DIR}/{anchor.name}",
                "sha256": sha256_of(anchor),
                "bytes": anchor.stat().st_size,
            }
        )
    manifest = {
        "format": FORMAT,
        "application": "needlecare",
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "engine": engine,
        "database": database.name,
        "migrations": migrations,
        "files": files,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file it lists against its hash."""
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a Needlecare backup: it has no {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BackupError(f"{path} is not valid JSON: {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("application") != "needlecare":
        raise BackupError(f"{path} is not a Needlecare backup manifest of format {FORMAT}.")
    for entry in manifest["files"]:
        relative = Path(entry["path"])
        if relative.is_absolute() or ".." in relative.parts:
            raise BackupError(f"The manifest names a file outside the backup: {entry['path']}.")
        file = Path(source) / relative
        if not file.is_file():
            raise BackupError(f"The backup is incomplete: {entry['path']} is missing.")
        if sha256_of(file) != entry["sha256"]:
            raise BackupError(f"The backup is damaged: {entry['path']} does not match its hash.")
    return manifest


def check_sqlite_file(path: Path) -> None:
    """Refuse a SQLite file that is not a whole database: its hash can match a manifest written after
    the damage (a failing disk under the backup), so the file itself is checked before it is used."""
    problems: list[str] = []
    try:
        # Read-only: checking a backup writes nothing into it (no journal, no -wal file beside it).
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as con:
            problems = [row[0] for row in con.execute("PRAGMA integrity_check(20)").fetchall()]
            if problems == ["ok"]:
                con.execute("SELECT count(*) FROM django_migrations").fetchone()
                return
    except sqlite3.DatabaseError as error:
        problems = [str(error)]
    raise BackupError(
        f"The backup is damaged: its database {path.name} fails SQLite's integrity check "
        f"({'; '.join(problems[:3])}). Nothing was restored; restore an earlier backup."
    )


def database_is_empty(alias: str = "default") -> bool:
    """No row in any of the application's tables (a freshly migrated database counts as empty)."""
    connection = connections[alias]
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        if model._meta.db_table in tables and model._default_manager.using(alias).exists():
            return False
    return True


def restore_backup(source: Path, *, force: bool = False, alias: str = "default") -> dict[str, Any]:
    """Bring back the database and private files of a backup; refuses to overwrite data unless `force`."""
    source = Path(source)
    manifest = read_manifest(source)
    engine = _engine(alias)
    if manifest["engine"] != engine:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database; the configured one is {engine}."
        )
    database = source / manifest["database"]
    if engine == "sqlite":
        check_sqlite_file(database)  # before anything is replaced
    storage = private_storage()
    media_has_files = next(stored_names(storage), None) is not None
    if not force and (not database_is_empty(alias) or media_has_files):
        raise BackupError(
            "The database or the media directory already holds data: restore into an empty one, "
            "or pass --force to replace it."
        )
    connection = connections[alias]
    if engine == "sqlite":
        connection.close()
        connection.ensure_connection()
        backup = sqlite3.connect(database)
        try:
            backup.backup(connection.connection)
        finally:
            backup.close()
        connection.close()
    else:
        connection.close()
        args, env = _pg_args(alias)
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            ["pg_restore", *args, "--clean", "--if-exists", "--no-owner", "--no-privileges"]
            + ["--single-transaction", "--exit-on-error", "--dbname", str(settings.DATABASES[alias]["NAME"])]
            + [str(database)],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    # The private files become the backup's: those stored now go, the backup's are written back.
    for name in list(stored_names(storage)):
        storage.delete(name)
    copied = source / MEDIA_DIR
    for entry in manifest["files"]:
        if entry["path"].startswith(f"{MEDIA_DIR}/"):
            name = PurePosixPath(entry["path"]).relative_to(MEDIA_DIR).as_posix()
            with (copied / name).open("rb") as handle:
                saved = storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError(f"The private storage stored {name} as {saved}: restore into an empty one.")
    # The restored chains are the backup's: so are their anchors (a backup made before anchors has none).

    replace_anchors(source / ANCHORS_DIR)
    return manifest
