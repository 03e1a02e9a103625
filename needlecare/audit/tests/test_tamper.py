"""What an attacker who holds the database (but neither the audit key nor the anchor directory) can do to
the audit log, and that `verify_audit` reports each with the first event that no longer matches. Runs on
the suite's engine: SQLite, or PostgreSQL with DATABASE_URL.

The attacker first gets past the append-only triggers as a database owner can (dropping or disabling
them); the application's own connection cannot (test_raw_sql_update_and_delete_are_refused)."""

import json
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from needlecare.audit import db
from needlecare.audit.anchors import anchor_file, write_anchors
from needlecare.audit.chain import REKEYED, fingerprint, keyed_hash, keyring, sign, unkeyed_hash
from needlecare.audit.models import AuditEvent
from needlecare.audit.services import record_event, verify_all, verify_chain
from needlecare.audit.tasks import anchor_audit_chains

pytestmark = pytest.mark.django_db

KEY_A = "a" * 40
KEY_B = "b" * 40


@contextmanager
def triggers_off():  # type: ignore[no-untyped-def]
    """What a database owner does before tampering: drop (SQLite) or disable (PostgreSQL) the triggers.
    Inside the test's transaction, so they are back afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
            cursor.execute(f"ALTER TABLE {db.TABLE} DISABLE TRIGGER USER")
        else:
            for sql in db.DROP_SQLITE:
                cursor.execute(sql)
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {db.TABLE} ENABLE TRIGGER USER")
        else:
            for sql in db.TRIGGERS_SQLITE:
                cursor.execute(sql)


def attack(sql: str, params: list[Any] | None = None) -> None:
    with triggers_off() as cursor:
        cursor.execute(sql, params or [])


def chain_of(world, n: int = 6) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    for _ in range(n):
        record_event(clinic=world.clinic, user=world.owner, action="patient.view", obj=world.patient)
    return list(AuditEvent.objects.filter(clinic=world.clinic).order_by("seq"))


def broken(world) -> tuple[int | None, str]:  # type: ignore[no-untyped-def]
    check = verify_chain(world.clinic)
    assert not check.ok, "the tampering went unnoticed"
    return check.broken_at, check.reason


def forge_after(last: AuditEvent, *, key: bytes | None, key_id: str, **changes: Any) -> AuditEvent:
    """An event as the attacker would write it: the next position, following the real chain, its hash
    computed by the known algorithm with whatever key the attacker has."""
    forged = AuditEvent(
        clinic_id=last.clinic_id,
        seq=last.seq + 1,
        at=last.at + timedelta(seconds=1),
        user_id=last.user_id,
        actor=last.actor,
        action="patient.view",
        object_type=last.object_type,
        object_id=last.object_id,
        patient_id=last.patient_id,
        ip=None,
        detail={},
        prev_hash=last.hash,
        key_id=key_id,
    )
    for name, value in changes.items():
        setattr(forged, name, value)
    forged.hash = keyed_hash(forged, key) if key is not None else unkeyed_hash(forged)
    return forged


def insert(event: AuditEvent) -> None:
    # Plain INSERT is what the triggers allow; the attacker writes the row with SQL of their own.
    event.save()


def test_raw_sql_update_and_delete_are_refused(world_a):
    event = AuditEvent.objects.filter(clinic=world_a.clinic).order_by("seq").first()
    statements = [
        ("UPDATE audit_auditevent SET actor = %s WHERE id = %s", ["someone@else.test", event.pk]),
        ("UPDATE audit_auditevent SET user_id = NULL", []),
        ("DELETE FROM audit_auditevent WHERE id = %s", [event.pk]),
        ("DELETE FROM audit_auditevent", []),
    ]
    if connection.vendor == "postgresql":
        statements.append(("TRUNCATE audit_auditevent", []))
    for sql, params in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
                cursor.execute(sql, params)
    assert AuditEvent.objects.get(pk=event.pk).actor == event.actor
    assert verify_chain(world_a.clinic).ok


def test_an_untampered_chain_verifies_against_its_anchor(world_a, world_b, capsys):
    events = chain_of(world_a)
    assert write_anchors()[world_a.clinic.pk] == events[-1].seq
    assert write_anchors() == {}  # nothing moved: no new anchor line
    record_event(clinic=world_a.clinic, user=world_a.owner, action="patient.list")  # after the anchor
    check = verify_chain(world_a.clinic)
    assert check.ok and check.anchored == events[-1].seq and check.events == len(events) + 1
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"{world_a.clinic.slug}: {len(events) + 1} events, chain intact, anchored to event" in out
    assert all(e.key_id == keyring().current_id for e in events)


def test_deleting_the_last_events_is_found(world_a):
    events = chain_of(world_a)
    write_anchors()
    attack(
        "DELETE FROM audit_auditevent WHERE clinic_id = %s AND seq > %s", [world_a.clinic.pk, events[-3].seq]
    )
    at, reason = broken(world_a)
    assert at == events[-2].seq and "deleted" in reason


def test_deleting_a_clinics_whole_chain_is_found(world_a, world_b, capsys):
    chain_of(world_a)
    write_anchors()
    attack("DELETE FROM audit_auditevent WHERE clinic_id = %s", [world_a.clinic.pk])
    at, reason = broken(world_a)
    assert at == 1 and "deleted" in reason
    with pytest.raises(CommandError):
        call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"{world_a.clinic.slug}: BROKEN at event 1:" in out
    assert f"{world_b.clinic.slug}: " in out and "chain intact" in out


def test_changing_an_events_user_is_found(world_a):
    events = chain_of(world_a)
    target = events[2]
    attack("UPDATE audit_auditevent SET user_id = %s WHERE id = %s", [world_a.front_desk.pk, target.pk])
    assert broken(world_a) == (target.seq, "its content was changed after it was written, or it was forged")


@pytest.mark.parametrize("attacker_key", ["none: the old plain hash", "a key of their own"])
def test_a_forged_event_appended_with_a_recomputed_hash_is_found(world_a, attacker_key):
    events = chain_of(world_a)
    if attacker_key.startswith("none"):
        forged = forge_after(events[-1], key=None, key_id="")
    else:
        forged = forge_after(events[-1], key=b"x" * 40, key_id=keyring().current_id)
    insert(forged)
    at, reason = broken(world_a)
    assert at == forged.seq and "forged" in reason


def test_an_edit_with_the_rest_of_the_chain_rehashed_is_found(world_a):
    events = chain_of(world_a)
    target = events[2]
    # The attacker edits one event and recomputes every hash after it, with the only key they can have.
    prev = events[1].hash
    with triggers_off() as cursor:
        for event in events[2:]:
            event.prev_hash = prev
            if event.pk == target.pk:
                event.action = "patient.list"
            event.hash = keyed_hash(event, b"x" * 40)
            cursor.execute(
                "UPDATE audit_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [event.action, event.prev_hash, event.hash, event.pk],
            )
            prev = event.hash
    assert broken(world_a)[0] == target.seq


def test_a_chain_rewritten_with_the_key_is_found_by_its_anchor(world_a, settings):
    """Even an attacker who has the key (not the anchor directory) cannot rewrite what was anchored."""
    events = chain_of(world_a)
    write_anchors()
    key = keyring().current
    prev = events[2].hash
    with triggers_off() as cursor:
        for event in events[3:]:
            event.prev_hash = prev
            event.detail = {"rewritten": True}
            event.hash = keyed_hash(event, key)
            cursor.execute(
                "UPDATE audit_auditevent SET detail = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [json.dumps(event.detail), event.prev_hash, event.hash, event.pk],
            )
            prev = event.hash
    at, reason = broken(world_a)
    assert at == 1 and "rewritten" in reason  # the anchor vouches for events 1..last as one block
    # A later anchor of the rewritten head does not hide it: every anchor line is checked.
    write_anchors()
    assert not verify_chain(world_a.clinic).ok


def test_an_edited_anchor_file_is_reported(world_a, capsys):
    events = chain_of(world_a)
    write_anchors()
    path = anchor_file(world_a.clinic.pk)
    record = json.loads(path.read_text())
    record["last_seq"], record["events"] = events[-3].seq, len(events) - 2  # to hide deleted events
    path.write_text(json.dumps(record) + "\n")
    check = verify_chain(world_a.clinic)
    assert not check.ok and "does not match its signature" in check.reason
    with pytest.raises(CommandError):
        call_command("verify_audit", "--clinic", world_a.clinic.slug)
    assert "BROKEN" in capsys.readouterr().out


def test_a_clinic_gone_from_the_database_with_its_chain_is_reported(world_a):
    chain_of(world_a)
    write_anchors()
    clinic_id = world_a.clinic.pk
    # Anchors of a clinic id with no clinic behind them: as if the clinic's row went with its chain.
    source = anchor_file(clinic_id)
    orphan = source.with_name(f"clinic-{clinic_id + 1000}.jsonl")
    record = json.loads(source.read_text())
    record["clinic"] = clinic_id + 1000
    record["mac"] = sign(keyring().current, record)
    orphan.write_text(json.dumps(record) + "\n")
    checks = {c.label: c for c in verify_all()}
    gone = checks[f"clinic #{clinic_id + 1000}"]
    assert not gone.ok and gone.broken_at == 1 and "gone from the database" in gone.reason


def test_keys_rotate_old_events_verify_with_the_retired_key(world_a, settings):
    # The world's events were signed with the key derived from SECRET_KEY (no AUDIT_HMAC_KEY yet).
    derived = AuditEvent.objects.filter(clinic=world_a.clinic).order_by("seq").first()
    settings.AUDIT_HMAC_KEY = KEY_A
    assert broken(world_a) == (1, f"signed with key {derived.key_id}, which is not configured")
    settings.AUDIT_HMAC_OLD_KEYS = ["SECRET_KEY"]  # trust what the derived key signed before
    old = chain_of(world_a, 2)
    assert old[-1].key_id == fingerprint(KEY_A.encode()) and verify_chain(world_a.clinic).ok
    settings.AUDIT_HMAC_KEY, settings.AUDIT_HMAC_OLD_KEYS = KEY_B, [KEY_A, "SECRET_KEY"]
    new = record_event(clinic=world_a.clinic, user=world_a.owner, action="patient.list")
    assert new.key_id == fingerprint(KEY_B.encode()) and new.prev_hash == old[-1].hash
    assert verify_chain(world_a.clinic).ok
    settings.AUDIT_HMAC_OLD_KEYS = ["SECRET_KEY"]  # KEY_A forgotten: its events no longer verify
    assert broken(world_a) == (old[-2].seq, f"signed with key {old[-2].key_id}, which is not configured")


def test_unkeyed_events_from_before_are_sealed_once_and_still_checked(world_a):
    """The migration path: events with the old plain hash stay as written; one keyed `audit.rekeyed`
    event seals them, including the user their plain hash left out."""
    from importlib import import_module

    from django.apps import apps

    attack("DELETE FROM audit_auditevent WHERE clinic_id = %s", [world_a.clinic.pk])
    prev = "0" * 64
    for seq in (1, 2, 3):
        event = AuditEvent(
            clinic=world_a.clinic,
            seq=seq,
            at=timezone.now(),
            user=world_a.owner,
            actor=world_a.owner.email,
            action="patient.view",
            prev_hash=prev,
            key_id="",
        )
        event.hash = unkeyed_hash(event)
        event.save()
        prev = event.hash
    assert not verify_chain(world_a.clinic).ok  # unsealed: the chain ends before its seal

    import_module("needlecare.audit.migrations.0003_seal_unkeyed_chains").seal(apps, None)
    seal = AuditEvent.objects.get(clinic=world_a.clinic, seq=4)
    assert seal.action == REKEYED and seal.detail["unkeyed_events"] == 3 and seal.key_id
    assert verify_chain(world_a.clinic).ok
    record_event(clinic=world_a.clinic, user=world_a.owner, action="patient.list")
    assert verify_chain(world_a.clinic).ok

    attack(
        "UPDATE audit_auditevent SET user_id = %s WHERE clinic_id = %s AND seq = 2",
        [world_a.front_desk.pk, world_a.clinic.pk],
    )
    assert broken(world_a) == (4, "the unkeyed events before it do not match their seal")


def test_the_worker_anchors_every_chain_and_queues_its_next_run(world_a, world_b):
    events = chain_of(world_a, 2)
    assert anchor_audit_chains.call()[str(world_a.clinic.pk)] == events[-1].seq
    assert anchor_file(world_b.clinic.pk).is_file()
    queued = DBTaskResult.objects.filter(
        task_path=anchor_audit_chains.module_path, status=TaskResultStatus.READY
    )
    assert queued.count() == 1
    anchor_audit_chains.call()
    assert queued.count() == 1  # one successor, however often it runs
    assert verify_chain(world_a.clinic).anchored == events[-1].seq


def test_deleting_a_user_leaves_their_events_as_written(world_a):
    """The hash covers the user id, and no foreign-key action may rewrite an event."""
    event = record_event(clinic=world_a.clinic, user=world_a.front_desk, action="patient.list")
    user_id = world_a.front_desk.pk
    world_a.front_desk.delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert kept.user_id == user_id and kept.actor == world_a.front_desk.email
    assert verify_chain(world_a.clinic).ok
