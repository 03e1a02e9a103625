"""Plan pages: the new-plan page from the proposal (with the reason a depth outside the band needs), the
plan, its adjustment and status; front desk reads but never writes; a constant number of queries."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needlecare.plans.models import PlanStatus, PlanZone, TreatmentPlan
from needlecare.plans.selectors import plans_of
from needlecare.plans.services import activate_plan
from needlecare.testing.factories import make_intake, make_patient
from needlecare.testing.plans import make_plan

pytestmark = pytest.mark.django_db

CHOICE = {
    "indications": ["acne_scars"],
    "zones": ["cheeks", "forehead"],
    "device": "pen",
    "fitzpatrick": "3",
    "start": "2026-11-30",
}


def _new(world) -> str:  # type: ignore[no-untyped-def]
    return f"/patients/{world.patient.pk}/plans/new/"


def _proposed(client, world):  # type: ignore[no-untyped-def]
    """The new-plan page with the proposal on it, and the form's fields as the browser would send them."""
    response = client.post(_new(world), {**CHOICE, "action": "propose"})
    assert response.status_code == 200
    form = response.context["adjust"]
    data = {**CHOICE, "choice_key": response.context["choice_key"], "action": "save"}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = value.isoformat() if isinstance(value, date) else ("" if value is None else str(value))
    return response, data


def test_the_new_plan_page_takes_the_skin_type_from_the_latest_intake(signed_in, world_a):
    make_intake(world_a.patient, by=world_a.owner, fitzpatrick=5)
    response = signed_in(world_a.practitioner).get(_new(world_a))
    assert response.status_code == 200
    assert response.context["choice"].initial["fitzpatrick"] == 5
    assert 'value="5" selected' in response.content.decode()


def test_the_proposal_is_shown_with_the_protocols_bands(signed_in, world_a):
    client = signed_in(world_a.practitioner)
    response, _ = _proposed(client, world_a)
    page = response.content.decode()
    assert "3 sessions, 4–6 weeks apart" in page
    assert "1–2 mm" in page and "0.5–0.5 mm" in page  # cheeks and forehead bands
    assert "the zone&#x27;s bound wins" in page  # the proposal's note for the forehead
    assert TreatmentPlan.objects.count() == 0


def test_saving_the_proposal_as_it_is_makes_a_draft(signed_in, world_a):
    client = signed_in(world_a.practitioner)
    _, data = _proposed(client, world_a)
    response = client.post(_new(world_a), data)
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302 and response.url == f"/patients/{world_a.patient.pk}/plans/{plan.pk}/"
    assert plan.status == PlanStatus.DRAFT and plan.zone_ids == ["cheeks", "forehead"]
    assert plan.schedule == ["2026-11-30", "2026-12-28", "2027-01-25"]


def test_a_depth_outside_the_band_needs_a_reason_which_is_then_shown(signed_in, world_a):
    client = signed_in(world_a.practitioner)
    _, data = _proposed(client, world_a)
    data.update(min_cheeks="0.5", max_cheeks="1.0")
    refused = client.post(_new(world_a), data)
    assert refused.status_code == 422
    assert "write the reason for it" in refused.content.decode()
    assert refused.context["adjust"].errors["reason_cheeks"]
    assert TreatmentPlan.objects.count() == 0
    data["reason_cheeks"] = "Thin skin; bruised at 1.5 mm elsewhere"
    saved = client.post(_new(world_a), data)
    assert saved.status_code == 302
    row = PlanZone.objects.get(zone="cheeks")
    assert row.outside_band and row.outside_band_reason == "Thin skin; bruised at 1.5 mm elsewhere"
    page = client.get(saved.url).content.decode()
    assert "outside the band" in page and "Thin skin; bruised at 1.5 mm elsewhere" in page


def test_the_reason_row_is_hidden_while_the_depth_is_inside_the_band(signed_in, world_a):
    client = signed_in(world_a.practitioner)
    response, data = _proposed(client, world_a)
    assert re.search(r'class="reason-row is-hidden" data-reason-for="cheeks"', response.content.decode())
    data.update(min_cheeks="0.5", max_cheeks="1.0", action="recalc")
    redrawn = client.post(_new(world_a), data).content.decode()
    assert re.search(r'class="reason-row" data-reason-for="cheeks"', redrawn)


def test_redrawing_the_dates_follows_the_sessions_and_interval(signed_in, world_a):
    client = signed_in(world_a.practitioner)
    _, data = _proposed(client, world_a)
    data.update(sessions="4", interval_weeks_min="6", interval_weeks_max="8", action="recalc")
    response = client.post(_new(world_a), data)
    assert response.status_code == 200
    form = response.context["adjust"]
    assert [form[name].value() for name in form.date_names] == [
        "2026-11-30",
        "2027-01-11",
        "2027-02-22",
        "2027-04-05",
    ]
    assert TreatmentPlan.objects.count() == 0


def test_changing_the_sessions_without_touching_the_dates_redraws_them_on_save(signed_in, world_a):
    client = signed_in(world_a.practitioner)
    _, data = _proposed(client, world_a)
    data.update(sessions="5")
    assert client.post(_new(world_a), data).status_code == 302
    assert len(TreatmentPlan.objects.get().schedule) == 5


def test_dates_too_close_are_refused_saying_why(signed_in, world_a):
    client = signed_in(world_a.practitioner)
    _, data = _proposed(client, world_a)
    data["schedule_1"] = "2026-12-07"
    response = client.post(_new(world_a), data)
    assert response.status_code == 422 and "comes sooner than 4 weeks" in response.content.decode()


def test_nothing_to_treat_is_refused(signed_in, world_a):
    response = signed_in(world_a.practitioner).post(
        _new(world_a), {**CHOICE, "zones": [], "action": "propose"}
    )
    assert response.status_code == 422 and response.context["choice"].errors["zones"]


def test_a_roller_with_no_fitting_length_is_refused_saying_why(signed_in, world_a):
    choice = {
        **CHOICE,
        "indications": ["hyperpigmentation"],
        "zones": ["periorbital"],
        "device": "roller",
        "fitzpatrick": "5",
    }
    response = signed_in(world_a.practitioner).post(_new(world_a), {**choice, "action": "propose"})
    assert response.status_code == 422 and "adjustable device" in response.content.decode()


def test_the_plan_page_shows_zones_schedule_protocol_and_history(signed_in, screened):
    plan = activate_plan(plan=make_plan(screened), by=screened.practitioner)
    page = (
        signed_in(screened.front_desk)
        .get(f"/patients/{screened.patient.pk}/plans/{plan.pk}/")
        .content.decode()
    )
    assert "Cheeks" in page and "1–2 mm" in page
    assert "Mon 30 Nov 2026" in page and "Mon 28 Dec 2026" in page
    assert plan.protocol.short_hash in page
    assert "Draft → Active" in page
    assert "Stop the plan" not in page  # front desk sees no status buttons


def test_status_buttons_move_the_plan(signed_in, screened):
    plan = make_plan(screened)
    client = signed_in(screened.practitioner)
    url = f"/patients/{screened.patient.pk}/plans/{plan.pk}/status/"
    page = client.get(f"/patients/{screened.patient.pk}/plans/{plan.pk}/").content.decode()
    assert "Activate" in page and "Stop the plan" in page and "Complete the series" not in page
    assert client.post(url, {"status": "active"}).status_code == 302
    refused = client.post(url, {"status": "stopped", "reason": ""})
    assert refused.status_code == 422 and "Give the reason for stopping" in refused.content.decode()
    assert client.post(url, {"status": "stopped", "reason": "Moved abroad"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.STOPPED
    page = client.get(f"/patients/{screened.patient.pk}/plans/{plan.pk}/").content.decode()
    assert "Stopped: Moved abroad" in page and "Active → Stopped" in page
    assert client.post(url, {"status": "completed"}).status_code == 409


def test_activating_without_a_valid_screening_says_why(signed_in, world_a):
    plan = make_plan(world_a)
    response = signed_in(world_a.practitioner).post(
        f"/patients/{world_a.patient.pk}/plans/{plan.pk}/status/", {"status": "active"}
    )
    assert response.status_code == 409 and "valid screening" in response.content.decode()


def test_the_edit_page_adjusts_depths_and_keeps_the_reason(signed_in, world_a):
    plan = make_plan(world_a)
    client = signed_in(world_a.practitioner)
    url = f"/patients/{world_a.patient.pk}/plans/{plan.pk}/edit/"
    form = client.get(url).context["adjust"]
    data = {"action": "save"}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = value.isoformat() if isinstance(value, date) else ("" if value is None else str(value))
    data.update(min_cheeks="1.0", max_cheeks="1.0", sessions="3")
    assert client.post(url, data).status_code == 302
    data.update(min_cheeks="0.75")
    refused = client.post(url, data)
    assert refused.status_code == 422 and refused.context["adjust"].errors["reason_cheeks"]
    data["reason_cheeks"] = "Post-inflammatory pigmentation last series"
    assert client.post(url, data).status_code == 302
    row = PlanZone.objects.get(plan=plan)
    assert (
        row.depth_min_mm == 0.75 and row.outside_band_reason == "Post-inflammatory pigmentation last series"
    )


def test_a_closed_plan_cannot_be_edited(signed_in, world_a):
    from needlecare.plans.services import stop_plan

    plan = stop_plan(plan=make_plan(world_a), by=world_a.practitioner, reason="Declined")
    response = signed_in(world_a.practitioner).get(f"/patients/{world_a.patient.pk}/plans/{plan.pk}/edit/")
    assert response.status_code == 409


def test_front_desk_reads_plans_but_cannot_write_them(signed_in, world_a):
    plan = make_plan(world_a)
    client = signed_in(world_a.front_desk)
    base = f"/patients/{world_a.patient.pk}/plans/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{plan.pk}/").status_code == 200
    assert "New plan" not in client.get(base).content.decode()
    for url, body in [
        (f"{base}new/", {**CHOICE, "action": "propose"}),
        (f"{base}{plan.pk}/edit/", {"sessions": "5"}),
        (f"{base}{plan.pk}/status/", {"status": "stopped", "reason": "x"}),
    ]:
        assert client.get(url).status_code in (403, 405), url
        assert client.post(url, body).status_code == 403, url
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and TreatmentPlan.objects.count() == 1


def test_another_clinics_plans_are_not_found(signed_in, world_a, world_b):
    plan = make_plan(world_a)
    client = signed_in(world_b.owner)
    for url in [
        f"/patients/{world_a.patient.pk}/plans/",
        f"/patients/{world_a.patient.pk}/plans/new/",
        f"/patients/{world_a.patient.pk}/plans/{plan.pk}/",
        f"/patients/{world_b.patient.pk}/plans/{plan.pk}/",
        f"/patients/{world_b.patient.pk}/plans/{plan.pk}/edit/",
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/patients/{world_b.patient.pk}/plans/{plan.pk}/status/", {"status": "stopped", "reason": "x"}
        ).status_code
        == 404
    )


def test_the_patient_page_lists_the_newest_plans_and_links_them_all(signed_in, screened):
    client = signed_in(screened.front_desk)
    url = f"/patients/{screened.patient.pk}/"
    assert "No plans yet." in client.get(url).content.decode()
    plans = [make_plan(screened) for _ in range(4)]
    activate_plan(plan=plans_of(screened.patient).first(), by=screened.practitioner)
    page = client.get(url)
    html = page.content.decode()
    shown = [p.pk for p in page.context["plans"]]
    assert shown == [p.pk for p in plans_of(screened.patient)[:3]]
    panel = html.split('class="card plans-panel"')[1].split("</section>")[0]
    for plan in plans:
        assert (f'href="/patients/{screened.patient.pk}/plans/{plan.pk}/"' in panel) == (plan.pk in shown)
    assert 'data-status="active"' in html
    assert f'href="/patients/{screened.patient.pk}/plans/">All plans' in html


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_plan_pages_cost_a_constant_number_of_queries(signed_in, screened):
    client = signed_in(screened.practitioner)
    patient = screened.patient
    first = make_plan(screened, zones=["cheeks", "forehead"])
    activate_plan(plan=first, by=screened.practitioner)
    make_plan(screened)
    urls = [
        f"/patients/{patient.pk}/plans/",
        f"/patients/{patient.pk}/plans/{first.pk}/",
        f"/patients/{patient.pk}/plans/{first.pk}/edit/",
        f"/patients/{patient.pk}/plans/new/",
    ]
    small = [_queries(client, url) for url in urls]
    for _ in range(18):
        make_plan(screened, zones=["neck", "chin", "perioral"], indications=["fine_lines", "sun_damage"])
    for _ in range(5):
        make_patient(screened.clinic, by=screened.owner)
    assert [_queries(client, url) for url in urls] == small


def test_the_history_is_shown_in_the_clinics_time_zone(signed_in, world_a):
    world_a.clinic.timezone = "Pacific/Auckland"  # UTC+13 in November
    world_a.clinic.save()
    plan = make_plan(world_a)  # at 10:00 UTC, 23:00 in Auckland
    page = signed_in(world_a.practitioner).get(f"/patients/{world_a.patient.pk}/plans/{plan.pk}/")
    assert "25 Nov 2026 23:00" in page.content.decode()
