"""The audit log: every read and write of a patient's record, append-only, tamper-evident."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from needlecare.audit.models import AppendOnly, AuditEvent
from needlecare.audit.services import verify_chain
from needlecare.audit.tests.test_tamper import attack

pytestmark = pytest.mark.django_db


def _actions(clinic) -> list[str]:  # type: ignore[no-untyped-def]
    return list(AuditEvent.objects.filter(clinic=clinic).order_by("seq").values_list("action", flat=True))


def test_reading_a_patient_page_appends_who_what_when_and_from_where(client, world_a):
    client.force_login(world_a.front_desk)
    client.get(f"/patients/{world_a.patient.pk}/", REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.filter(clinic=world_a.clinic).order_by("-seq").first()
    assert (event.action, event.actor, event.user, event.patient_id, event.ip) == (
        "patient.view",
        world_a.front_desk.email,
        world_a.front_desk,
        world_a.patient.pk,
        "10.1.2.3",
    )
    assert event.object_type == "patient" and event.object_id == str(world_a.patient.pk)


def test_every_patient_page_and_write_is_audited(client, world_a):
    client.force_login(world_a.owner)
    pid = world_a.patient.pk
    before = len(_actions(world_a.clinic))
    client.get("/patients/")
    client.get("/patients/?q=Family")
    client.get(f"/patients/{pid}/")
    client.get(f"/patients/{pid}/edit/")
    client.get(f"/patients/{pid}/intake/new/")
    client.get(f"/patients/{pid}/intake/1/")
    client.post(f"/patients/{pid}/archive/")
    client.post(f"/patients/{pid}/restore/")
    assert _actions(world_a.clinic)[before:] == [
        "patient.list",
        "patient.search",
        "patient.view",
        "patient.view",
        "intake.view",
        "intake.view",
        "patient.archive",
        "patient.restore",
    ]


def test_audit_detail_keeps_field_names_not_personal_values(client, world_a):
    client.force_login(world_a.owner)
    data = {
        "given_name": "Zebedee",
        "family_name": world_a.patient.family_name,
        "date_of_birth": world_a.patient.date_of_birth.isoformat(),
        "sex": "unknown",
    }
    assert client.post(f"/patients/{world_a.patient.pk}/edit/", data).status_code == 302
    event = AuditEvent.objects.filter(clinic=world_a.clinic, action="patient.update").get()
    assert "given_name" in event.detail["fields"]
    assert "Zebedee" not in str(event.detail)
    client.get("/patients/?q=Zebedee")
    assert not AuditEvent.objects.filter(detail__icontains="Zebedee").exists()


def test_audit_events_cannot_be_edited_or_deleted_through_the_app(world_a):
    event = AuditEvent.objects.filter(clinic=world_a.clinic).first()
    event.action = "nothing.happened"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()


def test_chain_is_intact_after_normal_use(world_a, world_b):
    assert verify_chain(world_a.clinic).ok and verify_chain(world_b.clinic).ok
    assert verify_chain(world_a.clinic).events == AuditEvent.objects.filter(clinic=world_a.clinic).count()


def test_editing_an_event_behind_the_apps_back_is_found(world_a):
    event = AuditEvent.objects.filter(clinic=world_a.clinic).order_by("seq").first()
    attack("UPDATE audit_auditevent SET actor = %s WHERE id = %s", ["someone@else.test", event.pk])
    check = verify_chain(world_a.clinic)
    assert not check.ok and check.broken_at == event.seq and "changed" in check.reason
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_deleting_an_event_behind_the_apps_back_is_found(client, world_a):
    client.force_login(world_a.owner)
    client.get(f"/patients/{world_a.patient.pk}/")
    events = list(AuditEvent.objects.filter(clinic=world_a.clinic).order_by("seq"))
    assert len(events) >= 3
    attack("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    check = verify_chain(world_a.clinic)
    assert not check.ok and check.broken_at == events[2].seq


def test_verify_command_reports_each_clinic(world_a, world_b, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"{world_a.clinic.slug}: " in out and "chain intact" in out


def test_owner_browses_and_filters_the_log_of_their_clinic_only(client, world_a, world_b):
    client.force_login(world_a.owner)
    client.get(f"/patients/{world_a.patient.pk}/")
    page = client.get("/audit/", {"action": "patient.view"})
    assert page.status_code == 200
    events = list(page.context["page"].object_list)
    assert events and all(e.action == "patient.view" and e.clinic_id == world_a.clinic.pk for e in events)
    by_patient = client.get("/audit/", {"patient": str(world_b.patient.pk)})
    assert list(by_patient.context["page"].object_list) == []


def test_bad_audit_filters_answer_400(client, world_a):
    client.force_login(world_a.owner)
    assert client.get("/audit/", {"patient": "not-a-uuid", "since": "yesterday"}).status_code == 400


@pytest.mark.parametrize("role", ["practitioner", "front_desk"])
def test_only_owners_read_the_audit_log(client, world_a, role):
    client.force_login(world_a.member(role))
    assert client.get("/audit/").status_code == 403
