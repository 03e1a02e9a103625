"""Plan pages' forms: what to treat (indications, zones, device, skin type, start), then the series and the
per-zone depths the practitioner adjusts from the protocol's proposal."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from needlecare.plans.services import PlanChanges, ZoneDepth, mm
from needlecare.protocols.loader import Protocol

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FITZPATRICK = [("", "Not known (darker-skin settings apply)")] + [
    (str(n), f"Type {roman}") for n, roman in enumerate(["I", "II", "III", "IV", "V", "VI"], start=1)
]


class ChoiceForm(forms.Form):
    """What the proposal is made from; the choices are the clinic's protocol's."""

    indications = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    zones = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    device = forms.ChoiceField(widget=forms.RadioSelect)
    fitzpatrick = forms.TypedChoiceField(
        choices=FITZPATRICK,
        coerce=int,
        empty_value=None,
        required=False,
        label="Fitzpatrick skin type",
        help_text="From the latest intake; change it only if the intake is wrong.",
    )
    start = forms.DateField(widget=DATE, label="First session")

    def __init__(self, *args: Any, protocol: Protocol, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indications"].choices = [(k, v.label) for k, v in protocol.indications.items()]
        self.fields["zones"].choices = [(k, v.label) for k, v in protocol.zones.items()]
        self.fields["device"].choices = [(k, v.label) for k, v in protocol.devices.items()]


@dataclass
class ZoneRow:
    """One zone's row on the page: its inputs, the protocol's band, and whether it leaves it."""

    zone: str
    label: str
    band_min: Decimal
    band_max: Decimal
    notes: list[str]
    form: "AdjustForm"

    def field(self, kind: str) -> forms.BoundField:
        return self.form[f"{kind}_{self.zone}"]

    @property
    def min(self) -> forms.BoundField:
        return self.field("min")

    @property
    def max(self) -> forms.BoundField:
        return self.field("max")

    @property
    def reason(self) -> forms.BoundField:
        return self.field("reason")

    @property
    def outside(self) -> bool:
        """Outside the band as the form stands (submitted values, else the initial ones)."""
        try:
            low = Decimal(str(self.min.value()))
            high = Decimal(str(self.max.value()))
        except (ArithmeticError, ValueError, TypeError):
            return False
        return low < self.band_min or high > self.band_max


class AdjustForm(forms.Form):
    """The series and, per zone, the depth band with its reason; the schedule is one date per session."""

    sessions = forms.IntegerField(min_value=1, max_value=20)
    interval_weeks_min = forms.IntegerField(min_value=1, max_value=26, label="Interval from (weeks)")
    interval_weeks_max = forms.IntegerField(min_value=1, max_value=26, label="to (weeks)")
    maintenance_months = forms.IntegerField(min_value=1, max_value=60, label="Maintenance every (months)")
    notes = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    shown_schedule = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        zones: list[tuple[str, str, Decimal, Decimal, list[str]]],
        dates: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone_rows: list[ZoneRow] = []
        for zone, label, band_min, band_max, notes in zones:
            for kind in ("min", "max"):
                self.fields[f"{kind}_{zone}"] = forms.DecimalField(
                    min_value=Decimal("0.1"),
                    max_value=Decimal("3.0"),
                    decimal_places=3,
                    max_digits=4,
                    label=f"{label}: {'from' if kind == 'min' else 'to'} (mm)",
                    widget=forms.NumberInput(
                        attrs={"step": "0.05", "data-band-min": band_min, "data-band-max": band_max}
                    ),
                )
            self.fields[f"reason_{zone}"] = forms.CharField(
                max_length=2000,
                required=False,
                label=f"{label}: reason for leaving the protocol's band",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.zone_rows.append(ZoneRow(zone, label, band_min, band_max, notes, self))
        self.date_names = [f"schedule_{index}" for index in range(dates)]
        for number, name in enumerate(self.date_names, start=1):
            self.fields[name] = forms.DateField(widget=DATE, label=f"Session {number}")

    @property
    def schedule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.date_names]

    def schedule(self) -> list[date]:
        return [self.cleaned_data[name] for name in self.date_names]

    def changes(self) -> PlanChanges:
        """What to give the service. A schedule left as it was shown is redrawn by the service when the
        number of sessions or the interval changed; dates changed by hand are kept as given."""
        data = self.cleaned_data
        schedule: list[date] | None = self.schedule()
        if ",".join(day.isoformat() for day in schedule or []) == data.get("shown_schedule"):
            schedule = None
        return PlanChanges(
            sessions=data["sessions"],
            interval_weeks_min=data["interval_weeks_min"],
            interval_weeks_max=data["interval_weeks_max"],
            maintenance_months=data["maintenance_months"],
            schedule=schedule,
            depths={
                row.zone: ZoneDepth(
                    mm(data[f"min_{row.zone}"]), mm(data[f"max_{row.zone}"]), data[f"reason_{row.zone}"]
                )
                for row in self.zone_rows
            },
            notes=data["notes"],
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each of the service's problems beside its field (keys like ``zones.cheeks.reason``)."""
        for key, messages in errors.items():
            parts = key.split(".")
            if parts[0] == "zones" and len(parts) == 3:
                name = f"{'reason' if parts[2] == 'reason' else 'max'}_{parts[1]}"
            else:
                name = key
            if name not in self.fields:
                name = None  # type: ignore[assignment]
            for message in messages:
                if name is None:
                    self.add_error(None, message)
                else:
                    self.add_error(name, message)


def zones_for(
    protocol: Protocol, bands: list[tuple[str, Decimal, Decimal]], notes: dict[str, list[str]]
) -> list[tuple[str, str, Decimal, Decimal, list[str]]]:
    """The rows an AdjustForm shows: zone id, label, the protocol's band and the proposal's notes."""
    return [
        (zone, protocol.zones[zone].label if zone in protocol.zones else zone, low, high, notes.get(zone, []))
        for zone, low, high in bands
    ]


STATUS_ACTIONS = {"active": "Activate", "completed": "Complete", "stopped": "Stop"}


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=list(STATUS_ACTIONS.items()))
    reason = forms.CharField(max_length=500, required=False)
