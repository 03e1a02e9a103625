"""Consent: the seeded form, signing on the tablet and over the API, versions, withdrawal, printing."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from needlecare.audit.models import AuditEvent
from needlecare.consent import services
from needlecare.consent.models import ConsentSignature, ConsentTemplate
from needlecare.consent.selectors import consent_status
from needlecare.consent.signature import SIGNATURE_PATTERN, SignatureError, sanitise_signature

pytestmark = pytest.mark.django_db

STROKE = "M10 20L30 40L50 45"


def _sign_page(client, patient, **overrides):  # type: ignore[no-untyped-def]
    template = services.ensure_default_template(patient.clinic)
    data = {
        "template_version": template.version,
        "signed_name": "Ada Lovelace",
        "photo_use": "no",
        "signature": STROKE,
        **overrides,
    }
    return client.post(f"/patients/{patient.pk}/consent/sign/", data)


# -- The form every clinic starts from --------------------------------------------------------------


def test_a_new_clinic_gets_a_microneedling_consent_covering_what_the_patient_must_know(world_a):
    template = services.ensure_default_template(world_a.clinic)
    body = template.body.lower()
    for topic in (
        "results are not permanent",
        "redness",
        "bruising",
        "infection",
        "cold sore",
        "hyperpigmentation",
        "alternatives",
        "withdraw",
    ):
        assert topic in body, topic
    assert "photograph" in template.photo_use_text.lower()
    assert template.version == 1
    # Asking again does not make another version.
    assert services.ensure_default_template(world_a.clinic).pk == template.pk
    assert ConsentTemplate.objects.filter(clinic=world_a.clinic).count() == 1


# -- Signing on the tablet -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "practitioner", "front_desk"])
def test_any_staff_member_can_hand_over_the_tablet_and_the_signature_is_kept_as_signed(
    world_a, signed_in, role
):
    client = signed_in(world_a.member(role))
    page = client.get(f"/patients/{world_a.patient.pk}/consent/sign/")
    assert page.status_code == 200
    assert b"data-signature-canvas" in page.content and b"consent-pages.js" in page.content
    response = _sign_page(client, world_a.patient, photo_use="yes")
    assert response.status_code == 302
    signature = ConsentSignature.objects.get(patient=world_a.patient)
    template = ConsentTemplate.objects.get(clinic=world_a.clinic)
    assert signature.signed_text == template.body and signature.signed_title == template.title
    assert signature.signature_svg == "M10 20L30 40L50 45"
    assert signature.photo_use is True and signature.signed_name == "Ada Lovelace"
    assert signature.witnessed_by == world_a.member(role)
    assert consent_status(world_a.patient).valid
    event = AuditEvent.objects.filter(clinic=world_a.clinic, action="consent.sign").get()
    assert "Ada" not in str(event.detail)  # the name stays out of the log


@pytest.mark.parametrize(
    "overrides, field_message",
    [
        ({"signature": ""}, b"Please sign in the box."),
        ({"signature": "M10 10"}, b"could not be read"),
        ({"signature": "<script>alert(1)</script>"}, b"could not be read"),
        ({"signed_name": ""}, b"Type your full name."),
        ({"signed_name": "Ada\x00Lovelace"}, b"Null characters are not allowed"),
        ({"photo_use": ""}, b"Answer the photo question"),
        ({"template_version": "x"}, b"reload it"),
    ],
)
def test_an_incomplete_signature_is_refused_with_the_reason_and_nothing_is_stored(
    world_a, signed_in, overrides, field_message
):
    response = _sign_page(signed_in(world_a.practitioner), world_a.patient, **overrides)
    assert response.status_code == 422
    assert field_message in response.content
    assert not ConsentSignature.objects.exists()


def test_a_form_changed_while_the_patient_was_reading_is_refused_and_the_new_text_shown(world_a, signed_in):
    client = signed_in(world_a.practitioner)
    services.ensure_default_template(world_a.clinic)
    services.revise_template(
        clinic=world_a.clinic,
        title="Consent",
        body="New text v2.",
        photo_use_text="Photos?",
        by=world_a.owner,
    )
    response = _sign_page(client, world_a.patient, template_version=1)
    assert response.status_code == 409
    assert b"now version 2" in response.content and b"New text v2." in response.content
    assert not ConsentSignature.objects.exists()


def test_a_changed_form_asks_for_a_new_signature_and_never_alters_the_old_one(world_a, signed_in):
    client = signed_in(world_a.practitioner)
    assert _sign_page(client, world_a.patient).status_code == 302
    first = ConsentSignature.objects.get()
    old_text = first.signed_text
    owner = signed_in(world_a.owner)
    response = owner.post(
        "/clinic/consent/edit/",
        {
            "title": "Consent v2",
            "body": "Revised: added a paragraph.",
            "photo_use_text": "Photos?",
            "note": "x",
        },
    )
    assert response.status_code == 302
    status = consent_status(world_a.patient)
    assert not status.valid and "changed to version 2" in status.reason
    first.refresh_from_db()
    assert first.signed_text == old_text and first.template.version == 1
    assert ConsentTemplate.objects.get(clinic=world_a.clinic, version=1).body == old_text
    # The patient page says so, and signing again makes it valid.
    assert (
        b"a new signature is needed"
        in signed_in(world_a.practitioner).get(f"/patients/{world_a.patient.pk}/").content
    )
    assert _sign_page(client, world_a.patient, template_version=2).status_code == 302
    assert consent_status(world_a.patient).valid


def test_saving_the_same_text_makes_no_new_version(world_a, signed_in):
    current = services.ensure_default_template(world_a.clinic)
    response = signed_in(world_a.owner).post(
        "/clinic/consent/edit/",
        {"title": current.title, "body": current.body, "photo_use_text": current.photo_use_text, "note": ""},
    )
    assert response.status_code == 302
    assert ConsentTemplate.objects.filter(clinic=world_a.clinic).count() == 1


def test_only_the_owner_edits_the_form_and_an_empty_text_is_refused(world_a, signed_in):
    services.ensure_default_template(world_a.clinic)
    for role in ("practitioner", "front_desk"):
        assert signed_in(world_a.member(role)).get("/clinic/consent/edit/").status_code == 403
    response = signed_in(world_a.owner).post(
        "/clinic/consent/edit/", {"title": "", "body": "", "photo_use_text": "", "note": ""}
    )
    assert response.status_code == 422
    assert ConsentTemplate.objects.filter(clinic=world_a.clinic).count() == 1


def test_templates_and_versions_are_listed_and_readable(world_a, signed_in):
    services.ensure_default_template(world_a.clinic)
    v2, _ = services.revise_template(
        clinic=world_a.clinic, title="T2", body="Body two.", photo_use_text="P?", by=world_a.owner
    )
    client = signed_in(world_a.front_desk)
    listing = client.get("/clinic/consent/")
    assert listing.status_code == 200 and b"Version 2" in listing.content and b"Version 1" in listing.content
    old = ConsentTemplate.objects.get(clinic=world_a.clinic, version=1)
    assert b"earlier version" in client.get(f"/clinic/consent/{old.pk}/").content
    assert b"Body two." in client.get(f"/clinic/consent/{v2.pk}/").content


# -- The signed document, printing, withdrawal -------------------------------------------------------


def test_the_signed_consent_prints_with_the_text_the_signature_and_the_facts(world_a, signed_in):
    client = signed_in(world_a.practitioner)
    _sign_page(client, world_a.patient)
    signature = ConsentSignature.objects.get()
    page = client.get(f"/patients/{world_a.patient.pk}/consent/{signature.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'd="M10 20L30 40L50 45"' in html
    assert "Ada Lovelace" in html and "Version 1" in html and "In force" in html
    assert (
        "data-print" in html
        and "@media print" in open("needlecare/static/needlecare/consent-pages.css").read()
    )


def test_withdrawal_is_recorded_once_and_makes_consent_invalid(world_a, signed_in):
    client = signed_in(world_a.practitioner)
    _sign_page(client, world_a.patient)
    signature = ConsentSignature.objects.get()
    url = f"/patients/{world_a.patient.pk}/consent/{signature.pk}/withdraw/"
    assert client.post(url).status_code == 302
    signature.refresh_from_db()
    first = signature.withdrawn_at
    assert first is not None
    client.post(url)
    signature.refresh_from_db()
    assert signature.withdrawn_at == first
    status = consent_status(world_a.patient)
    assert not status.valid and "withdrawn" in status.reason
    assert AuditEvent.objects.filter(action="consent.withdraw").count() == 1


def test_a_signature_is_never_edited(world_a):
    template = services.ensure_default_template(world_a.clinic)
    signature = services.sign_consent(
        patient=world_a.patient,
        version=template.version,
        signed_name="A B",
        photo_use=False,
        signature=STROKE,
        by=world_a.practitioner,
    )
    signature.signed_text = "changed"
    with pytest.raises(ValueError):
        signature.save()
    with pytest.raises(ValueError):
        template.save()


def test_an_archived_patient_cannot_sign(world_a):
    from needlecare.patients.services import archive_patient

    archive_patient(patient=world_a.patient, by=world_a.owner)
    world_a.patient.refresh_from_db()
    with pytest.raises(ValidationError):
        services.sign_consent(
            patient=world_a.patient,
            version=1,
            signed_name="A B",
            photo_use=False,
            signature=STROKE,
            by=world_a.owner,
        )


# -- The API ---------------------------------------------------------------------------------------------


def test_the_api_signs_lists_and_withdraws(client, world_a, token_for):
    auth = {"HTTP_AUTHORIZATION": token_for(world_a.practitioner)}
    current = client.get("/api/v1/consent/templates/current", **auth)
    assert current.status_code == 200
    version = current.json()["version"]
    url = f"/api/v1/patients/{world_a.patient.pk}/consents"
    body = {"version": version, "signed_name": "Ada Lovelace", "photo_use": True, "signature": STROKE}
    created = client.post(url, body, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    listing = client.get(url, **auth).json()
    assert listing["valid"] is True and listing["count"] == 1
    withdrawn = client.post(f"{url}/{created.json()['id']}/withdraw", **auth)
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    assert client.get(url, **auth).json()["valid"] is False


@pytest.mark.parametrize(
    "change, status",
    [
        ({"version": 99}, 409),
        ({"signature": "M1 1"}, 422),
        ({"signature": "M1 1L2 2 Z"}, 422),
        ({"signed_name": "  "}, 422),
        ({"photo_use": "yes"}, 422),
        ({"version": "1"}, 422),
    ],
)
def test_the_api_refuses_bad_signing_requests_and_writes_nothing(client, world_a, token_for, change, status):
    auth = {"HTTP_AUTHORIZATION": token_for(world_a.practitioner)}
    services.ensure_default_template(world_a.clinic)
    body = {"version": 1, "signed_name": "Ada Lovelace", "photo_use": False, "signature": STROKE, **change}
    response = client.post(
        f"/api/v1/patients/{world_a.patient.pk}/consents", body, content_type="application/json", **auth
    )
    assert response.status_code == status, response.content
    assert "detail" in response.json()
    assert not ConsentSignature.objects.exists()


# -- The signature grammar ----------------------------------------------------------------------------


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_any_text_is_either_refused_or_sanitised_into_lines_inside_the_box(text):
    import re

    try:
        clean = sanitise_signature(text)
    except SignatureError:
        return
    assert re.fullmatch(SIGNATURE_PATTERN, clean)
    for x, y in re.findall(r"[ML]([0-9.]+) ([0-9.]+)", clean):
        assert 0 <= float(x) <= 600 and 0 <= float(y) <= 200


@given(st.lists(st.tuples(st.integers(0, 9999), st.integers(0, 9999)), min_size=2, max_size=40))
@settings(max_examples=200, deadline=None)
def test_a_drawn_stroke_is_accepted_and_clamped_to_the_box(points):
    path = f"M{points[0][0]} {points[0][1]}" + "".join(f"L{x} {y}" for x, y in points[1:])
    clean = sanitise_signature(path)
    assert clean.count("L") == len(points) - 1
    assert all(float(v) <= 600 for v in clean.replace("M", " ").replace("L", " ").split()[::2])
