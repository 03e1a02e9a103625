"""Demo outcomes: a baseline and follow-ups for every patient with sessions, synthetic photos labelled
"DEMO" (drawn with Pillow, no real face), and a few patients treated one to three years ago with up to
three years of follow-ups (some still improved, some faded), so the forecast and the clinic's durability
curves have the clinic's own data to learn from. Idempotent.

The follow-up scores follow the protocol's stated prior (CLINICAL.md section 8): improvement builds over
the series, peaks about 6 months after the last session (the protocol's prior), then halves over 12
months (fine lines, texture) to 36 months (acne scars). They are invented, and look it on purpose only in
the photos."""

import io
import math
import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from needlecare.clinics.models import Clinic, Membership, Role
from needlecare.consent.selectors import consent_status
from needlecare.outcomes import scales
from needlecare.outcomes.models import Assessment
from needlecare.outcomes.services import (
    AssessmentInput,
    AssessmentRefused,
    PhotoRefused,
    marketing_consent,
    record_assessment,
    set_photo_marketing,
    upload_photo,
)
from needlecare.patients.models import Patient
from needlecare.protocols import load_default
from needlecare.screening.selectors import latest_screening, screening_status
from needlecare.screening.services import screen_patient
from needlecare.treatments.models import Treatment
from needlecare.treatments.services import SessionInput, SessionRefused, ZoneEntry, record_treatment

PEAK_MONTHS = load_default().durability.peak_months_after_last_session  # 6 [CLINICAL 8; Aust 2008]
HALF_LIFE_MONTHS = {"acne_scars": 36, "surgical_scars": 36, "stretch_marks": 24}  # others: 12 [CLINICAL 8]
FOLLOW_UP_MONTHS = (1, 3, 6, 9, 12, 15, 18, 24, 30, 36)
# The scale a clinician grades each indication on, its baseline range (worse end) and best reachable.
MAIN_SCALE = {
    "acne_scars": "goodman_baron_qualitative",
    "surgical_scars": "wrinkle_severity",
    "fine_lines": "wrinkle_severity",
    "sun_damage": "glogau",
}
HISTORIC_PATIENTS = 8
HISTORIC_INDICATIONS = ("acne_scars", "fine_lines", "uneven_texture", "acne_scars", "fine_lines")


def seed_clinic(clinic: Clinic, today: date) -> None:
    if Assessment.objects.filter(clinic=clinic).exists():
        return  # seeded before: the seed runs at every `make demo`
    staff = (
        Membership.objects.filter(clinic=clinic, role__in=[Role.PRACTITIONER, Role.OWNER])
        .order_by("-role")
        .select_related("user")
        .first()
    )
    if staff is None:
        return
    by = staff.user
    rng = random.Random(f"outcomes-{clinic.slug}")
    history = _seed_history(clinic, today, by, rng)
    sessions: dict[object, list[Treatment]] = {}
    for t in (
        Treatment.objects.filter(clinic=clinic)
        .select_related("patient", "plan")
        .prefetch_related("zones")
        .order_by("performed_on")
    ):
        sessions.setdefault(t.patient_id, []).append(t)
    for index, series in enumerate(sessions.values()):
        with transaction.atomic():
            indication = history.get(series[0].patient_id)
            _seed_patient(series, today, by, rng, with_photos=index < 10, indication=indication)


def _seed_patient(  # type: ignore[no-untyped-def]
    series: list[Treatment], today: date, by, rng: random.Random, *, with_photos: bool, indication: str | None
) -> None:
    historic = indication is not None  # one of the earlier programme's patients (_seed_history)
    first, last = series[0], series[-1]
    patient = first.patient
    plan = next((t.plan for t in series if t.plan_id), None)
    if indication is None:
        indication = (plan.indications[0] if plan and plan.indications else None) or "uneven_texture"
    zones = [z.zone for z in first.zones.all()] or ["cheeks"]
    zone = "cheeks" if "cheeks" in zones else zones[0]
    key = MAIN_SCALE.get(indication, "wrinkle_severity")
    scale = scales.STANDARD[key]
    baseline_day = first.performed_on
    # How bad it was, and how much of the way to the best score this patient can get at the peak. The
    # earlier programme's patients start at the worse end, so their fade shows on a whole-number scale.
    baseline = min(scale.maximum, scale.minimum + 2 + rng.randint(0, int(scale.maximum - scale.minimum) - 2))
    if historic:
        baseline = scale.maximum
    peak_share = rng.uniform(0.45, 0.8)
    half_life = HALF_LIFE_MONTHS.get(indication, 12) * rng.uniform(0.7, 1.3)
    peak_day = last.performed_on + timedelta(days=round(30.44 * PEAK_MONTHS))

    def improvement(day: date) -> float:
        if day <= baseline_day:
            return 0.0
        if day <= peak_day:
            return peak_share * (day - baseline_day).days / max((peak_day - baseline_day).days, 1)
        months = (day - peak_day).days / 30.44
        return peak_share * math.pow(0.5, months / half_life)

    def score(day: date) -> Decimal:
        gain = improvement(day) * float(baseline - scale.minimum)
        return Decimal(max(int(scale.minimum), round(float(baseline) - gain)))

    photos = []
    if with_photos:
        photos.append(_photo(patient, by, baseline_day, zone, spots=_spots(0.0), session=first))
    _assess(
        patient,
        by,
        key,
        score(baseline_day),
        baseline_day,
        zone,
        indication,
        "clinician",
        True,
        first,
        photos,
    )
    if indication == "acne_scars":
        counts = {"punched_shallow_small": 8 + rng.randint(0, 12), "mild_atrophic": 5 + rng.randint(0, 10)}
        _assess_counts(patient, by, baseline_day, zone, counts, first)
    days = [t.performed_on for t in series[1:]] + [
        last.performed_on + timedelta(days=round(30.44 * m)) for m in FOLLOW_UP_MONTHS
    ]
    follow_ups = [d for d in days if d <= today]
    for day in follow_ups:
        _assess(patient, by, key, score(day), day, zone, indication, "clinician", False, None, [])
        share = improvement(day) / max(peak_share, 0.01)
        gais = 4 - min(3, round(improvement(day) * 4.5))  # 4 unaltered ... 1 exceptional
        _assess(patient, by, "gais", Decimal(gais), day, zone, indication, "clinician", False, None, [])
        satisfaction = Decimal(min(5, 2 + round(share * 3 * peak_share + rng.random())))
        _assess(patient, by, "satisfaction", satisfaction, day, zone, indication, "patient", False, None, [])
    if with_photos and follow_ups:
        latest = follow_ups[-1]
        photo = _photo(patient, by, latest, zone, spots=_spots(improvement(latest)), session=None)
        if photo is not None and marketing_consent(patient)[0] and rng.random() < 0.5:
            set_photo_marketing(photo=photo, by=by, marketing=True)


def _spots(improvement: float) -> int:
    return max(2, round(26 * (1 - improvement)))


def _assess(patient, by, key, value, day, zone, indication, rater, baseline, session, photos) -> None:  # type: ignore[no-untyped-def]
    try:
        record_assessment(
            patient=patient,
            by=by,
            data=AssessmentInput(
                scale=key,
                value=value,
                assessed_on=day,
                zone=zone,
                indication=indication,
                rater=rater,
                is_baseline=baseline,
                treatment_id=session.pk if session else None,
                photo_ids=[p.pk for p in photos if p is not None],
            ),
        )
    except AssessmentRefused:
        pass  # e.g. a zone the clinic's adopted protocol dropped: the demo skips it


def _assess_counts(patient, by, day, zone, counts, session) -> None:  # type: ignore[no-untyped-def]
    try:
        record_assessment(
            patient=patient,
            by=by,
            data=AssessmentInput(
                scale="goodman_baron_quantitative",
                scar_counts=counts,
                assessed_on=day,
                zone=zone,
                indication="acne_scars",
                rater="clinician",
                is_baseline=True,
                treatment_id=session.pk,
            ),
        )
    except AssessmentRefused:
        pass


def demo_face(*, spots: int, seed: int, size: tuple[int, int] = (480, 600)) -> bytes:
    """A synthetic face-like picture (gradients and ellipses), clearly labelled DEMO, as JPEG."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):  # a soft background gradient
        shade = 205 + round(35 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade - 20, shade - 10, shade))
    tone = [(236, 200, 170), (214, 170, 135), (176, 128, 95), (120, 84, 60)][seed % 4]
    cx, cy, rx, ry = width // 2, height // 2, width * 0.32, height * 0.36
    for step in range(30, 0, -1):  # a face: concentric ellipses, lighter towards the centre
        k = step / 30
        colour = tuple(min(255, round(c + 30 * (1 - k))) for c in tone)
        draw.ellipse([cx - rx * k, cy - ry * k, cx + rx * k, cy + ry * k], fill=colour)
    for side in (-1, 1):
        draw.ellipse([cx + side * 60 - 22, cy - 60, cx + side * 60 + 22, cy - 44], fill=(60, 50, 45))
    draw.arc([cx - 50, cy + 50, cx + 50, cy + 110], start=20, end=160, fill=(150, 80, 80), width=5)
    for _ in range(spots):  # marks on the cheeks: fewer as the skin improves
        side = rng.choice((-1, 1))
        x, y = cx + side * rng.randint(55, 115), cy + rng.randint(-10, 70)
        r = rng.randint(3, 7)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(max(0, c - 45) for c in tone))
    draw.rectangle([0, height - 56, width, height], fill=(180, 35, 24))
    draw.text((16, height - 44), "DEMO - synthetic image, not a patient", fill=(255, 255, 255), font_size=22)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _photo(patient: Patient, by, day: date, zone: str, *, spots: int, session) -> object | None:  # type: ignore[no-untyped-def]
    seed = int(patient.pk.int % 10_000)
    data = demo_face(spots=spots, seed=seed)
    try:
        return upload_photo(
            patient=patient,
            by=by,
            upload=SimpleUploadedFile("demo.jpg", data, content_type="image/jpeg"),
            view="front",
            zone=zone,
            taken_on=day,
            treatment_id=session.pk if session else None,
            note="Demo image",
        )
    except PhotoRefused:
        return None


def _seed_history(clinic: Clinic, today: date, by, rng: random.Random) -> dict[object, str]:  # type: ignore[no-untyped-def]
    """A few patients who had a series 13 to 38 months ago (recorded like every session: screened on the
    day, consent on file), so the clinic has up to three years of its own follow-ups."""
    old = today - timedelta(days=365)
    if (
        Treatment.objects.filter(clinic=clinic, performed_on__lte=old).values("patient").distinct().count()
        >= 3
    ):
        return {}
    treated = set(Treatment.objects.filter(clinic=clinic).values_list("patient_id", flat=True))
    candidates = [
        p
        for p in Patient.objects.filter(clinic=clinic, archived_at__isnull=True, screenings__isnull=False)
        .distinct()
        .order_by("reference")
        if p.pk not in treated
    ]
    made, indications = 0, {}
    for patient in candidates:
        if made >= HISTORIC_PATIENTS:
            break
        current = latest_screening(patient)
        if (
            current is None
            or current.outcome not in ("eligible", "precautions")
            or not consent_status(patient).valid
        ):
            continue
        start = today - timedelta(days=400 + 160 * made + rng.randint(0, 30))
        with transaction.atomic():
            recorded = 0
            for number in range(4):
                day = start + timedelta(weeks=5 * number)
                if not screening_status(patient, day).valid:
                    screen_patient(patient=patient, by=by, on=day)
                try:
                    record_treatment(
                        patient=patient,
                        by=by,
                        data=SessionInput(
                            performed_on=day,
                            device="pen",
                            device_model="Dermapen 4",
                            device_serial="DP4-10231",
                            cartridge_id=f"{clinic.slug[:3].upper()}-H{patient.pk.hex[:8]}-{number}",
                            cartridge_lot=f"LOT-{day:%y%m}-H",
                            cartridge_expiry=day + timedelta(days=540),
                            numbing_agent="lidocaine_4",
                            numbing_minutes=30,
                            end_point="pinpoint_bleeding",
                            duration_minutes=45,
                            immediate_reaction="expected",
                            zones=[ZoneEntry("cheeks", Decimal("1.25") if made % 2 else Decimal("0.75"), 3)],
                            notes="Earlier programme (demo).",
                        ),
                    )
                    recorded += 1
                except SessionRefused:
                    break
            # Back to where the patient stands today: screened as before the past sessions.
            screen_patient(patient=patient, by=by, on=current.screened_on)
        if recorded:
            indications[patient.pk] = HISTORIC_INDICATIONS[made % len(HISTORIC_INDICATIONS)]
            made += 1
    return indications
