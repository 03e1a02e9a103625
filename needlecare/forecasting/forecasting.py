"""The durability forecast from the database: a clinic's sessions and assessments read into
``durability.History``, the clinic's model fitted (and cached), and one patient's answer."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, OuterRef, Subquery

from needlecare.clinics.models import Clinic
from needlecare.forecasting import durability
from needlecare.outcomes.models import Assessment, ClinicScale
from needlecare.patients.models import Intake, Patient
from needlecare.protocols.selectors import current_protocol
from needlecare.treatments.models import Treatment

# A population fit moves little with one more score; an hour's staleness at most, and a new version of
# the clinic's data (a new score, session or protocol) refits at once.
MODEL_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class PatientForecast:
    """A patient's forecast for each indication treated, and one sentence on what it is based on."""

    indications: list[durability.Forecast]
    basis: durability.Basis
    clinic_patients: int
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "clinic_patients": self.clinic_patients,
            "note": self.note,
            "indications": [forecast.to_dict() for forecast in self.indications],
        }


def basis_note(basis: durability.Basis, clinic_patients: int) -> str:
    if basis == "evidence":
        return (
            "Forecast from published evidence alone: the clinic has no follow-up past the peak yet. "
            "It will learn from the clinic's own outcomes as they are recorded."
        )
    return (
        f"Forecast from the published evidence updated with the clinic's own outcomes "
        f"({clinic_patients} patient{'s' if clinic_patients != 1 else ''} followed past the peak)."
    )


def forecast_for_patient(patient: Patient, indication: str | None = None) -> PatientForecast:
    """The patient's forecast for one indication, or for every indication they were treated for."""
    model = clinic_model(patient.clinic)
    histories = [
        history
        for _, history in histories_of(patient.clinic, patient=patient, prior=model.prior)
        if indication is None or history.indication == indication
    ]
    forecasts = durability.forecast(model, histories, scales_of(patient.clinic))
    return PatientForecast(
        indications=sorted(forecasts, key=lambda f: f.indication),
        basis=model.basis,
        clinic_patients=model.clinic_patients,
        note=basis_note(model.basis, model.clinic_patients),
    )


def forecasts_for_clinic(clinic: Clinic) -> list[tuple[Any, durability.Forecast]]:
    """(patient id, forecast) for every patient and indication treated in the clinic, in a constant
    number of queries: what a maintenance worklist needs."""
    model = clinic_model(clinic)
    pairs = histories_of(clinic, prior=model.prior)
    forecasts = durability.forecast(model, [history for _, history in pairs], scales_of(clinic))
    return [(patient_id, forecast) for (patient_id, _), forecast in zip(pairs, forecasts, strict=True)]


def clinic_model(clinic: Clinic) -> durability.Model:
    """The clinic's durability model: the protocol's prior updated with every patient's history."""
    version, protocol = current_protocol(clinic)
    key = f"durability:{clinic.pk}:{version.content_hash[:16]}:{_data_version(clinic)}"
    model = cache.get(key)
    if isinstance(model, durability.Model):
        return model
    prior = durability.Prior.from_protocol(protocol.durability)
    histories = [history for _, history in histories_of(clinic, prior=prior)]
    model = durability.fit(histories, prior, scales_of(clinic))
    cache.set(key, model, MODEL_CACHE_SECONDS)
    return model


def scales_of(clinic: Clinic) -> dict[str, durability.Scale]:
    """The standard scales and the clinic's own, as the model reads them."""
    scales = dict(durability.SCALES)
    for own in ClinicScale.objects.filter(clinic=clinic).exclude(key__in=list(scales)):
        scales[own.key] = durability.Scale(
            own.key, float(own.minimum), float(own.maximum), lower_is_better=own.better == "lower"
        )
    return scales


def histories_of(
    clinic: Clinic, *, prior: durability.Prior, patient: Patient | None = None
) -> list[tuple[Any, durability.History]]:
    """(patient id, history) for each patient and indication with sessions: four queries, whatever the
    size. A session belongs to its plan's indications; a session without a plan, to every indication the
    patient was assessed for. Skin type, smoking and sun exposure come from the latest intake."""
    scope: dict[str, Any] = {"clinic": clinic}
    if patient is not None:
        scope["patient"] = patient
    sessions: dict[Any, dict[str | None, set[date]]] = defaultdict(lambda: defaultdict(set))
    for patient_id, day, indications in Treatment.objects.filter(**scope).values_list(
        "patient_id", "performed_on", "plan__indications"
    ):
        for name in indications if isinstance(indications, list) else [None]:
            sessions[patient_id][name].add(day)
    scores: dict[Any, dict[str, list[durability.Assessment]]] = defaultdict(lambda: defaultdict(list))
    for patient_id, name, scale, value, day, baseline in Assessment.objects.filter(**scope).values_list(
        "patient_id", "indication", "scale", "value", "assessed_on", "is_baseline"
    ):
        scores[patient_id][name].append(durability.Assessment(day, scale, float(value), baseline))
    people = dict(
        Patient.objects.filter(**({"pk": patient.pk} if patient else {"clinic": clinic}))
        .filter(pk__in=list(sessions))
        .values_list("pk", "date_of_birth")
    )
    profiles = _profiles(Intake.objects.filter(**scope).filter(patient_id__in=list(sessions)))
    answers = []
    for patient_id in sorted(sessions, key=str):
        by_indication = sessions[patient_id]
        unplanned = by_indication.pop(None, set())
        names = set(by_indication) | (set(scores[patient_id]) if unplanned else set())
        for name in sorted(n for n in names if n in prior.half_life_months):
            days = by_indication.get(name, set()) | unplanned
            answers.append(
                (
                    patient_id,
                    durability.History(
                        indication=name,
                        sessions=tuple(sorted(days)),
                        assessments=tuple(scores[patient_id].get(name, ())),
                        date_of_birth=people.get(patient_id),
                        **profiles.get(patient_id, {}),
                    ),
                )
            )
    return answers


def _profiles(intakes: Iterable[Intake] | Any) -> dict[Any, dict[str, Any]]:
    """What each patient's latest intake says about the fade: Fitzpatrick type (as
    plans.selectors.default_fitzpatrick), smoking and sun exposure. An answer missing or unknown in the
    latest intake stays unknown, whatever an older intake said."""
    latest: dict[Any, dict[str, Any]] = {}
    for patient_id, answers in intakes.order_by("patient_id", "version").values_list("patient_id", "answers"):
        answers = answers if isinstance(answers, dict) else {}
        skin, smoker, sun = answers.get("fitzpatrick"), answers.get("smoker"), answers.get("sun_exposure")
        latest[patient_id] = {
            "fitzpatrick": skin if type(skin) is int and 1 <= skin <= 6 else None,
            "smoker": smoker if isinstance(smoker, bool) else None,
            "sun_exposure": sun if sun in ("low", "medium", "high") else None,
        }
    return latest


def _data_version(clinic: Clinic) -> str:
    """Changes whenever a score, a session or an intake (smoking, sun, skin type) is added, changed or
    removed: one query, however much data."""

    def stamp(model: Any, changed: str) -> dict[str, Any]:
        rows = model.objects.filter(clinic=OuterRef("pk")).order_by().values("clinic")
        return {
            f"{model.__name__}_n": Subquery(rows.annotate(n=Count("pk")).values("n")),
            f"{model.__name__}_last": Subquery(rows.annotate(last=Max(changed)).values("last")),
        }

    columns = {**stamp(Assessment, "recorded_at"), **stamp(Treatment, "created_at")}
    columns |= stamp(Intake, "submitted_at")
    values = Clinic.objects.filter(pk=clinic.pk).annotate(**columns).values(*columns).first() or {}
    text = ":".join(f"{values.get(name)}" for name in sorted(columns))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
