"""Erasure leaves the erased values nowhere on disk: not in the SQLite database file, not in its
write-ahead log while another connection keeps the database open (as a second web process or the worker
does), not in the private media and not in the logs. The audit chain still verifies, against an anchor
taken before the erasure. On PostgreSQL the database files are the server's (docs/operations.md,
Erasure, says how long dead rows remain); the media and logs are checked the same. The media is each
private store, the disk and S3 (`private_files`, needlecare/testing/storage.py)."""

import logging
import sqlite3
from pathlib import Path

import pytest
from django.db import connection

from needlecare.audit.anchors import write_anchors
from needlecare.audit.services import verify_chain
from needlecare.interop.services import erase_patient
from needlecare.interop.tests.rich import EMAIL, FAMILY, GIVEN, PHONE, rich_patient

pytestmark = pytest.mark.django_db(transaction=True)

NEEDLES = [GIVEN, FAMILY, EMAIL, PHONE, "07700900461"]


def holding(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        if path.is_file():
            content = path.read_bytes()
            found += [f"{path.name}: {n}" for n in NEEDLES if n.encode() in content]
    return found


def test_an_erased_patient_is_in_no_database_file_wal_media_or_log(world_a, private_files, caplog):
    caplog.set_level(logging.DEBUG)
    rich = rich_patient(world_a)
    patient = rich.patient
    assert private_files.names() == sorted(rich.photo_files)
    write_anchors()

    other = None
    database: list[Path] = []
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        database = [name, name.with_name(name.name + "-wal"), name.with_name(name.name + "-shm")]
        # Another connection holds the database open: without it, closing the last connection would
        # checkpoint and delete the log by itself.
        other = sqlite3.connect(name)
        assert other.execute("SELECT count(*) FROM patients_patient").fetchone()[0] >= 1
        assert holding(database), "the patient was never written to the files: the test would prove nothing"
    try:
        erase_patient(patient=patient, by=world_a.owner)
        assert holding(database) == []
        assert [
            n for n in private_files.names() if any(x.encode() in private_files.read(n) for x in NEEDLES)
        ] == []
        assert private_files.names() == []  # the photos went with the erasure
        assert not any(n in caplog.text for n in NEEDLES)
        if other is not None:
            # The other connection reads the erased row, not a stale copy of it.
            assert other.execute(
                "SELECT given_name FROM patients_patient WHERE id = ?", [patient.pk.hex]
            ).fetchone() == ("Erased",)
            assert database[1].stat().st_size == 0  # the log was checkpointed and truncated
    finally:
        if other is not None:
            other.close()
    assert verify_chain(world_a.clinic).ok and verify_chain(world_a.clinic).anchored > 0
