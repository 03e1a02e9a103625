"""One patient's record as a FHIR R4 Bundle (JSON), every resource validated with fhir.resources.R4B.

Standard codes where a standard has one (SNOMED CT, LOINC, HL7 terminology); Needlecare's own code
systems under LOCAL otherwise, each listed in docs/fhir.md. A model of an app that is not installed
(yet) gives no resources of its kind.
"""

import base64
import uuid
from collections.abc import Callable, Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model
from fhir.resources.R4B import get_fhir_model_class

from needlecare.clinics.policies import EVERYTHING, Category
from needlecare.consent.models import ConsentSignature
from needlecare.outcomes.models import Assessment, Photo
from needlecare.patients.intake import QUESTIONS
from needlecare.patients.models import Patient
from needlecare.patients.selectors import intakes_of
from needlecare.plans.models import TreatmentPlan
from needlecare.protocols.labels import in_words
from needlecare.scheduling.models import Appointment
from needlecare.treatments.models import Treatment

LOCAL = "https://needlecare.org/fhir"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CS = f"{LOCAL}/CodeSystem"
EXT = f"{LOCAL}/StructureDefinition"
INTAKE_QUESTIONNAIRE = f"{LOCAL}/Questionnaire/intake"

# Body sites: SNOMED CT body structures (as in DICOM CID 4) where one matches the zone as a clinic means it.
ZONE_SNOMED = {
    "forehead": ("52795006", "Forehead structure"),
    "nose": ("45206002", "Nose structure"),
    "cheeks": ("60819002", "Buccal region of face"),
    "jawline": ("661005", "Jaw region structure"),
    "neck": ("45048000", "Neck structure"),
    "abdomen": ("818981001", "Abdomen"),
    "thighs": ("68367000", "Thigh structure"),
    "buttocks": ("46862004", "Buttock structure"),
    "arms": ("40983000", "Upper arm structure"),
    "back": ("77568009", "Back structure, excluding neck"),
}
# Intake answers that are conditions; SNOMED CT where a concept matches the question.
CONDITIONS: dict[str, tuple[str, tuple[str, str] | None]] = {
    "herpes_simplex_history": ("History of cold sores (herpes simplex)", ("88594005", "Herpes simplex")),
    "keloid_history": ("History of keloid or hypertrophic scarring", None),
    "bleeding_disorder": ("Bleeding or clotting disorder", None),
    "immunosuppressed": ("Immunosuppressed", ("370388006", "Patient immunocompromised")),
    "pregnant_or_breastfeeding": ("Pregnant or breastfeeding", None),
    "active_infection_at_site": ("Active infection at the treatment site", None),
    "skin_cancer_or_suspicious_lesion_at_site": ("Skin cancer or suspicious lesion at the site", None),
    "radiation_to_site_last_12_months": ("Radiotherapy to the site in the last 12 months", None),
    "recent_sunburn_at_site": ("Recent sunburn at the site", None),
    "connective_tissue_disease": ("Connective-tissue disease (scleroderma, lupus or similar)", None),
    "platelet_disorder": ("Platelet disorder or low platelet count", None),
}
GRADED_CONDITIONS: dict[str, tuple[str, dict[str, str], tuple[str, str] | None]] = {
    "diabetes": (
        "Diabetes",
        {"controlled": "controlled", "uncontrolled": "uncontrolled"},
        ("73211009", "Diabetes mellitus"),
    ),
    "active_acne_at_site": (
        "Acne at the site",
        {"comedonal": "comedonal", "inflammatory": "inflammatory"},
        None,
    ),
    "dermatitis_at_site": (
        "Eczema, psoriasis or rosacea at the site",
        {"stable": "stable", "active": "active"},
        None,
    ),
    "koebner_disease": (
        "Psoriasis, vitiligo, lichen planus or discoid lupus",
        {"stable": "stable", "active": "active"},
        None,
    ),
    "bloodborne_infection": ("HIV, hepatitis B or hepatitis C", {"positive": "positive"}, None),
    "anticoagulant": (
        "Takes an antiplatelet or anticoagulant",
        {"antiplatelet": "antiplatelet", "anticoagulant": "anticoagulant"},
        None,
    ),
}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}
PLAN_STATUS = {"draft": "draft", "active": "active", "completed": "completed", "stopped": "revoked"}
APPOINTMENT_STATUS = {
    "booked": "booked",
    "checked_in": "checked-in",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}


def rid(obj: Any, kind: str = "") -> str:
    """A resource id: the row's UUID, or a stable UUID made from the kind and the integer key."""
    pk = obj.pk if isinstance(obj, Model) else obj
    if isinstance(pk, uuid.UUID):
        return str(pk)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL}/{kind}/{pk}"))


def ref(resource_type: str, ident: str, display: str = "") -> dict[str, Any]:
    reference = {"reference": f"urn:uuid:{ident}", "type": resource_type}
    if display:
        reference["display"] = display
    return reference


def coding(system: str, code: str, display: str = "") -> dict[str, str]:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*codings: dict[str, str], text: str = "") -> dict[str, Any]:
    made: dict[str, Any] = {"coding": [c for c in codings if c]}
    if text:
        made["text"] = text
    if not made["coding"]:
        del made["coding"]
    return made


def zone_concept(zone: str) -> dict[str, Any]:
    label = in_words(zone)
    codes = [coding(f"{CS}/zone", zone, label)]
    if zone in ZONE_SNOMED:
        codes.insert(0, coding(SNOMED, *ZONE_SNOMED[zone]))
    return concept(*codes, text=label)


def instant(value: datetime) -> str:
    return value.isoformat()


def _day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def mm(value: Decimal | float) -> dict[str, Any]:
    return {"value": float(value), "unit": "mm", "system": UCUM, "code": "mm"}


class BundleBuilder:
    """Collects the resources of one patient; `bundle()` validates each and returns the Bundle as JSON."""

    def __init__(self, patient: Patient, readable: Collection[str] = EVERYTHING) -> None:
        self.patient = patient
        self.readable = frozenset(readable)
        self.subject = ref("Patient", rid(patient), patient.full_name)
        self.resources: list[dict[str, Any]] = []

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        self.resources.append(resource)
        return resource

    def bundle(self, *, generated_at: datetime) -> dict[str, Any]:
        entries = []
        for resource in self.resources:
            cls = get_fhir_model_class(resource["resourceType"])
            validated = cls.model_validate(resource)  # raises on anything R4B does not allow
            entries.append(
                {"fullUrl": f"urn:uuid:{resource['id']}", "resource": validated.model_dump(mode="json")}
            )
        bundle = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "collection",
            "timestamp": instant(generated_at),
            "entry": entries,
        }
        return get_fhir_model_class("Bundle").model_validate(bundle).model_dump(mode="json")


def patient_bundle(
    patient: Patient, *, generated_at: datetime, readable: Collection[str] = EVERYTHING
) -> dict[str, Any]:
    """The FHIR R4 Bundle (type collection) of one patient's record: all of it for the patient, and for
    staff the data categories their role may read (``readable``, from clinics/policies.py)."""
    b = BundleBuilder(patient, readable)
    for category, part in PARTS:
        if category in readable:
            part(b)
    return b.bundle(generated_at=generated_at)


def _patient(b: BundleBuilder) -> None:
    p = b.patient
    identifiers = [{"system": f"{LOCAL}/sid/patient", "value": str(p.pk)}]
    if p.reference:
        identifiers.append({"system": f"{LOCAL}/sid/clinic/{p.clinic.slug}/reference", "value": p.reference})
    name: dict[str, Any] = {"use": "official", "family": p.family_name, "given": [p.given_name]}
    names = [name]
    if p.preferred_name:
        names.append({"use": "usual", "given": [p.preferred_name]})
    telecom = []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone})
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": rid(p),
        "identifier": identifiers,
        "active": p.archived_at is None,
        "name": names,
        "gender": p.sex if p.sex in ("female", "male", "other", "unknown") else "unknown",
        "birthDate": _day(p.date_of_birth),
        "managingOrganization": {"display": p.clinic.name},
    }
    if telecom:
        resource["telecom"] = telecom
    if p.address:
        resource["address"] = [{"text": p.address}]
    b.add(resource)


def _intake(b: BundleBuilder) -> None:
    intakes = list(intakes_of(b.patient).order_by("version"))
    for intake in intakes:
        b.add(_questionnaire_response(b, intake))
    if not intakes:
        return
    latest = intakes[-1]
    answers = latest.answers or {}
    recorded = instant(latest.submitted_at)
    for field, (text, snomed) in CONDITIONS.items():
        if answers.get(field) is True:
            b.add(_condition(b, latest, field, text, snomed, recorded))
    for field, (text, grades, snomed) in GRADED_CONDITIONS.items():
        value = answers.get(field)
        if value in grades:
            b.add(_condition(b, latest, f"{field}.{value}", f"{text} ({grades[value]})", snomed, recorded))
    for allergen in answers.get("allergies") or []:
        b.add(
            {
                "resourceType": "AllergyIntolerance",
                "id": rid(f"{latest.pk}/allergy/{allergen}", "allergy"),
                "clinicalStatus": concept(
                    coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active")
                ),
                "verificationStatus": concept(
                    coding(
                        "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "unconfirmed"
                    )
                ),
                # Allergens are written in the patient's words: text, not a guessed code.
                "code": {"text": str(allergen)},
                "patient": b.subject,
                "recordedDate": recorded,
            }
        )
    fitzpatrick = answers.get("fitzpatrick")
    if isinstance(fitzpatrick, int) and fitzpatrick in ROMAN:
        b.add(
            {
                "resourceType": "Observation",
                "id": rid(f"{latest.pk}/fitzpatrick", "fitzpatrick"),
                "status": "final",
                "category": [
                    concept(coding("http://terminology.hl7.org/CodeSystem/observation-category", "exam"))
                ],
                "code": concept(coding(LOINC, "66472-2", "Fitzpatrick skin type")),
                "subject": b.subject,
                "effectiveDateTime": recorded,
                "valueCodeableConcept": concept(
                    coding(f"{CS}/fitzpatrick", str(fitzpatrick), f"Type {ROMAN[fitzpatrick]}"),
                    text=f"Fitzpatrick type {ROMAN[fitzpatrick]}",
                ),
                "derivedFrom": [ref("QuestionnaireResponse", rid(latest))],
            }
        )

    smoker = answers.get("smoker")
    if isinstance(smoker, bool):
        status = ("77176002", "Smoker") if smoker else ("8392000", "Non-smoker")
        b.add(
            {
                "resourceType": "Observation",
                "id": rid(f"{latest.pk}/smoking", "smoking"),
                "status": "final",
                "category": [
                    concept(
                        coding("http://terminology.hl7.org/CodeSystem/observation-category", "social-history")
                    )
                ],
                "code": concept(coding(LOINC, "72166-2", "Tobacco smoking status")),
                "subject": b.subject,
                "effectiveDateTime": recorded,
                "valueCodeableConcept": concept(coding(SNOMED, *status), text=status[1]),
                "derivedFrom": [ref("QuestionnaireResponse", rid(latest))],
            }
        )


def _condition(b, intake, code, text, snomed, recorded) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    codes = [coding(f"{CS}/intake-condition", code, text)]
    if snomed:
        codes.insert(0, coding(SNOMED, *snomed))
    return {
        "resourceType": "Condition",
        "id": rid(f"{intake.pk}/condition/{code}", "condition"),
        "clinicalStatus": concept(
            coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")
        ),
        "verificationStatus": concept(
            coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "unconfirmed")
        ),
        "category": [
            concept(coding("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item"))
        ],
        "code": concept(*codes, text=text),
        "subject": b.subject,
        "recordedDate": recorded,
        "note": [{"text": f"Reported at intake (version {intake.version})."}],
    }


def _questionnaire_response(b: BundleBuilder, intake: Any) -> dict[str, Any]:
    items = []
    answers = intake.answers or {}
    for q in QUESTIONS:
        if q.field not in answers:
            continue
        value = answers[q.field]
        item: dict[str, Any] = {"linkId": q.field, "text": q.text}
        if value is None:
            pass  # "unknown": the question was asked and not answered
        elif isinstance(value, bool):
            item["answer"] = [{"valueBoolean": value}]
        elif q.kind == "date" and value == "never":
            item["answer"] = [{"valueCoding": coding(f"{CS}/intake-answer", "never", "Never")}]
        elif q.kind == "date":
            item["answer"] = [{"valueDate": str(value)}]
        elif isinstance(value, list):
            if value:
                item["answer"] = [{"valueString": str(v)} for v in value]
        elif isinstance(value, int):
            item["answer"] = [{"valueInteger": value}]
        else:
            label = dict(q.choices).get(str(value), str(value))
            item["answer"] = [{"valueCoding": coding(f"{CS}/intake-answer", str(value), label)}]
        items.append(item)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": rid(intake),
        "identifier": {"system": f"{LOCAL}/sid/intake-version", "value": str(intake.version)},
        "questionnaire": INTAKE_QUESTIONNAIRE,
        "status": "completed",
        "subject": b.subject,
        "authored": instant(intake.submitted_at),
        "item": items,
    }


def _plans(b: BundleBuilder) -> None:
    for plan in (
        TreatmentPlan.objects.filter(patient=b.patient).prefetch_related("zones").order_by("created_at")
    ):
        zones = ", ".join(f"{z.zone} {z.depth_min_mm}-{z.depth_max_mm} mm" for z in plan.zones.all())
        activities = [
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": concept(coding(f"{CS}/procedure", "microneedling", "Microneedling session")),
                    "status": "not-started" if plan.is_open else "stopped",
                    "scheduledString": day,
                    "description": f"Session {n} of {plan.sessions}",
                }
            }
            for n, day in enumerate(plan.schedule or [], start=1)
        ]
        resource: dict[str, Any] = {
            "resourceType": "CarePlan",
            "id": rid(plan),
            "status": PLAN_STATUS.get(plan.status, "unknown"),
            "intent": "plan",
            "category": [concept(coding(f"{CS}/care-plan", "microneedling-series", "Microneedling series"))],
            "title": f"Microneedling: {', '.join(plan.indications)}",
            "description": (
                f"{plan.sessions} sessions every {plan.interval_weeks_min}-{plan.interval_weeks_max} weeks "
                f"with a {plan.get_device_display().lower()}; zones {zones or 'none'}; maintenance every "
                f"{plan.maintenance_months} months."
            ),
            "subject": b.subject,
            "period": {"start": _day(plan.start)},
            "created": instant(plan.created_at),
        }
        if activities:
            resource["activity"] = activities
        if plan.notes:
            resource["note"] = [{"text": plan.notes}]
        b.add(resource)


def _consents(b: BundleBuilder) -> None:
    for signature in ConsentSignature.objects.filter(patient=b.patient).select_related("template"):
        text = f"{signature.signed_title}\n\n{signature.signed_text}".strip()
        b.add(
            {
                "resourceType": "Consent",
                "id": rid(signature),
                "status": "inactive" if signature.withdrawn_at else "active",
                "scope": concept(coding("http://terminology.hl7.org/CodeSystem/consentscope", "treatment")),
                "category": [concept(coding(LOINC, "59284-0", "Patient Consent"))],
                "patient": b.subject,
                "dateTime": instant(signature.signed_at),
                "policy": [
                    {"uri": f"{LOCAL}/consent-template/{signature.template_id}/v{signature.template.version}"}
                ],
                "sourceAttachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(text.encode()).decode(),
                    "title": f"Consent v{signature.template.version}, signed by {signature.signed_name}",
                    "creation": instant(signature.signed_at),
                },
                "provision": {
                    "type": "permit",
                    "provision": [
                        {
                            "type": "permit" if signature.photo_use else "deny",
                            "action": [
                                concept(
                                    coding(
                                        f"{CS}/consent-action", "photo-use", "Use photos beyond the record"
                                    )
                                )
                            ],
                        }
                    ],
                },
            }
        )


def _sessions(b: BundleBuilder) -> None:
    sessions = (
        Treatment.objects.filter(patient=b.patient)
        .select_related("cartridge", "practitioner")
        .prefetch_related("zones", "adverse_events")
        .order_by("performed_on", "created_at")
    )
    for s in sessions:
        cartridge = s.cartridge
        body_sites = []
        for z in s.zones.all():
            site = zone_concept(z.zone)
            site["extension"] = [
                {"url": f"{EXT}/needle-depth", "valueQuantity": mm(z.depth_mm)},
                {"url": f"{EXT}/passes", "valueInteger": z.passes},
            ]
            body_sites.append(site)
        resource: dict[str, Any] = {
            "resourceType": "Procedure",
            "id": rid(s),
            "contained": [
                {
                    "resourceType": "Device",
                    "id": "cartridge",
                    "distinctIdentifier": cartridge.cartridge_id,
                    "lotNumber": cartridge.lot,
                    "expirationDate": _day(cartridge.expiry),
                    "type": concept(
                        coding(f"{CS}/device", "needle-cartridge", "Single-use needle cartridge")
                    ),
                },
                {
                    "resourceType": "Device",
                    "id": "device",
                    "serialNumber": s.device_serial,
                    "deviceName": [{"name": s.device_model, "type": "model-name"}],
                    "type": concept(coding(f"{CS}/device", s.device, s.get_device_display())),
                },
            ],
            "status": "completed",
            "category": concept(coding(f"{CS}/procedure", "microneedling", "Microneedling session")),
            "code": concept(
                coding(f"{CS}/procedure", "microneedling", "Microneedling (collagen induction therapy)"),
                text="Microneedling",
            ),
            "subject": b.subject,
            "performedDateTime": _day(s.performed_on),
            "performer": [{"actor": {"display": s.practitioner.display_name}}],
            "bodySite": body_sites,
            "focalDevice": [
                {
                    "action": concept(coding(f"{CS}/device-action", "used", "Used")),
                    "manipulated": {"reference": "#cartridge"},
                },
                {
                    "action": concept(coding(f"{CS}/device-action", "used", "Used")),
                    "manipulated": {"reference": "#device"},
                },
            ],
            "outcome": concept(coding(f"{CS}/end-point", s.end_point, s.get_end_point_display())),
            "extension": [
                {
                    "url": f"{EXT}/numbing-agent",
                    "valueCoding": coding(
                        f"{CS}/numbing-agent", s.numbing_agent, s.get_numbing_agent_display()
                    ),
                },
                {"url": f"{EXT}/duration-minutes", "valueInteger": s.duration_minutes},
                {
                    "url": f"{EXT}/immediate-reaction",
                    "valueCoding": coding(
                        f"{CS}/reaction", s.immediate_reaction, s.get_immediate_reaction_display()
                    ),
                },
            ],
        }
        if s.plan_id:
            resource["basedOn"] = [ref("CarePlan", rid(s.plan_id))]
        complications = [
            concept(
                coding(f"{CS}/adverse-event", e.kind, e.get_kind_display()),
                text=f"{e.get_kind_display()}, grade {e.grade}, from {e.onset_on}"
                + (f" to {e.resolved_on}" if e.resolved_on else " (not resolved)"),
            )
            for e in s.adverse_events.all()
        ]
        if complications and Category.ADVERSE_EVENTS in b.readable:
            resource["complication"] = complications
        notes = [
            n
            for n in (s.notes, s.product_applied and f"Applied: {s.product_applied}", s.interval_reason)
            if n
        ]
        if notes:
            resource["note"] = [{"text": n} for n in notes]
        b.add(resource)


def _assessments(b: BundleBuilder) -> None:
    for a in Assessment.objects.filter(patient=b.patient).order_by("assessed_on", "recorded_at"):
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": rid(a, "assessment"),
            "status": "final",
            "category": [
                concept(coding("http://terminology.hl7.org/CodeSystem/observation-category", "exam"))
            ],
            "code": concept(coding(f"{CS}/outcome-scale", a.scale), text=a.scale.replace("_", " ")),
            "subject": b.subject,
            "effectiveDateTime": _day(a.assessed_on),
            "valueQuantity": {"value": float(a.value), "unit": "score"},
            "bodySite": zone_concept(a.zone),
            "method": concept(coding(f"{CS}/rater", a.rater, a.get_rater_display())),
            "extension": [
                {"url": f"{EXT}/indication", "valueCoding": coding(f"{CS}/indication", a.indication)},
                {"url": f"{EXT}/baseline", "valueBoolean": bool(a.is_baseline)},
            ],
        }
        if a.components:
            resource["component"] = [
                {
                    "code": concept(coding(f"{CS}/outcome-component", str(key))),
                    "valueQuantity": {"value": float(value)},
                }
                for key, value in sorted(a.components.items())
                if isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            ] or None
            if resource["component"] is None:
                del resource["component"]
        if a.treatment_id:
            resource["partOf"] = [ref("Procedure", rid(a.treatment_id))]
        if a.notes:
            resource["note"] = [{"text": a.notes}]
        b.add(resource)


def _appointments(b: BundleBuilder) -> None:
    rows = Appointment.objects.filter(patient=b.patient).select_related("practitioner", "type")
    for a in rows.order_by("starts_at"):
        kind = a.type
        resource: dict[str, Any] = {
            "resourceType": "Appointment",
            "id": rid(a, "appointment"),
            "status": APPOINTMENT_STATUS.get(a.status, "booked"),
            "appointmentType": concept(
                coding(f"{CS}/appointment-type", kind.code, kind.name), text=kind.name
            ),
            "start": instant(a.starts_at),
            "end": instant(a.ends_at),
            "participant": [
                {"actor": b.subject, "status": "accepted"},
                {"actor": {"display": a.practitioner.display_name}, "status": "accepted"},
            ],
        }
        if a.status == "cancelled" and a.cancel_reason:
            resource["cancelationReason"] = {"text": a.cancel_reason}
        if getattr(a, "plan_id", None):
            resource["description"] = (
                f"Plan session {a.session_number}" if a.session_number else "Plan session"
            )
        b.add(resource)


def _photos(b: BundleBuilder) -> None:
    for p in Photo.objects.filter(patient=b.patient).order_by("taken_on", "uploaded_at"):
        resource: dict[str, Any] = {
            "resourceType": "Media",
            "id": rid(p, "photo"),
            "status": "completed",
            "type": concept(coding("http://terminology.hl7.org/CodeSystem/media-type", "image", "Image")),
            "view": concept(coding(f"{CS}/photo-view", p.view, p.get_view_display())),
            "subject": b.subject,
            "createdDateTime": _day(p.taken_on),
            "bodySite": zone_concept(p.zone),
            "width": p.width,
            "height": p.height,
            "content": {
                "contentType": "image/jpeg",
                # Where the file sits in the full export (photos/<id>.jpg); the API serves it to staff.
                "url": f"photos/{p.pk}.jpg",
                "size": p.bytes,
                "title": f"{p.get_view_display()} {p.zone}, {p.taken_on}",
                "creation": _day(p.taken_on),
            },
        }
        if p.treatment_id:
            resource["partOf"] = [ref("Procedure", rid(p.treatment_id))]
        if p.note:
            resource["note"] = [{"text": p.note}]
        b.add(resource)


# Each part of the bundle and the data category it shows (clinics/policies.py). Adverse events travel in
# the sessions' Procedures and are left out there for a role that may not read them.
PARTS: list[tuple[Category, Callable[[BundleBuilder], None]]] = [
    (Category.DEMOGRAPHICS, _patient),
    (Category.INTAKE, _intake),
    (Category.PLANS, _plans),
    (Category.CONSENT, _consents),
    (Category.SESSIONS, _sessions),
    (Category.ASSESSMENTS, _assessments),
    (Category.APPOINTMENTS, _appointments),
    (Category.PHOTOS, _photos),
]
