"""The session form (tablet, beside the chair) and its per-zone rows."""

from decimal import Decimal
from typing import Any

from django import forms

from needlecare.protocols.labels import in_words
from needlecare.treatments.models import Adjunct, AdverseEvent, EndPoint, Reaction
from needlecare.treatments.services import SessionInput, ZoneEntry

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SessionForm(forms.Form):
    performed_on = forms.DateField(widget=DATE, label="Date")
    plan = forms.ChoiceField(required=False, label="Plan")
    device = forms.ChoiceField(choices=[("pen", "Pen"), ("roller", "Roller")])
    device_model = forms.CharField(max_length=120, label="Device model")
    device_serial = forms.CharField(max_length=80, label="Device serial number")
    cartridge_id = forms.CharField(
        max_length=60, label="Cartridge id", help_text="As printed on this cartridge."
    )
    cartridge_lot = forms.CharField(max_length=60, label="Cartridge lot")
    cartridge_expiry = forms.DateField(widget=DATE, label="Cartridge expiry")
    numbing_agent = forms.ChoiceField(label="Numbing")
    numbing_minutes = forms.IntegerField(min_value=0, max_value=120, initial=0, label="Numbing minutes")
    end_point = forms.ChoiceField(choices=EndPoint.choices, label="Clinical end point")
    product_applied = forms.CharField(max_length=200, required=False, label="Serum or product applied")
    duration_minutes = forms.IntegerField(min_value=1, max_value=240, label="Duration (minutes)")
    immediate_reaction = forms.ChoiceField(choices=Reaction.choices, label="Immediate reaction")
    notes = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    interval_reason = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for a shorter interval",
        help_text="Only when sooner than the plan's minimum interval.",
    )
    numbing_reason = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for using this agent despite the allergy",
        help_text="Only when the agent contains an ingredient the patient is allergic to.",
    )
    adjunct = forms.TypedChoiceField(
        choices=Adjunct.choices,
        required=False,
        empty_value=Adjunct.NONE,
        initial=Adjunct.NONE,
        label="Blood-derived adjunct",
    )
    blood_kit_id = forms.CharField(
        max_length=60, required=False, label="Blood-draw kit id", help_text="PRP only: as printed on the kit."
    )
    blood_kit_lot = forms.CharField(max_length=60, required=False, label="Blood-draw kit lot")
    bloodborne_screening_checked = forms.BooleanField(
        required=False, label="Blood-borne infection screening (HIV, hepatitis B and C) checked"
    )

    def __init__(
        self,
        *args: Any,
        plans: list[Any],
        agents: list[tuple[str, str]],
        allergic: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.plans = {str(p.pk): p for p in plans}
        self.fields["plan"].choices = [("", "— no plan —")] + [(str(p.pk), str(p)) for p in plans]
        # With an anaesthetic allergy nothing is chosen for the practitioner: they pick, seeing the warning.
        blank = [("", "— choose (anaesthetic allergy) —")] if allergic else []
        self.fields["numbing_agent"].choices = blank + agents


class ZoneForm(forms.Form):
    zone = forms.ChoiceField()
    depth_mm = forms.DecimalField(
        min_value=Decimal("0.1"), max_value=Decimal("3.0"), decimal_places=2, max_digits=3, label="Depth (mm)"
    )
    passes = forms.IntegerField(min_value=1, max_value=8)

    def __init__(self, *args: Any, zones: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = [("", "—")] + [(z, in_words(z)) for z in zones]


ZoneFormSet = forms.formset_factory(
    ZoneForm, extra=2, can_delete=True, max_num=14, validate_max=True, absolute_max=20
)


def session_input(form: SessionForm, zones: Any) -> SessionInput:
    data = form.cleaned_data
    entries = [
        ZoneEntry(
            zone=z.cleaned_data["zone"], depth_mm=z.cleaned_data["depth_mm"], passes=z.cleaned_data["passes"]
        )
        for z in zones.forms
        if z.cleaned_data and not z.cleaned_data.get("DELETE") and z.cleaned_data.get("zone")
    ]
    return SessionInput(
        performed_on=data["performed_on"],
        plan=form.plans.get(data["plan"]) if data["plan"] else None,
        device=data["device"],
        device_model=data["device_model"].strip(),
        device_serial=data["device_serial"].strip(),
        cartridge_id=data["cartridge_id"].strip(),
        cartridge_lot=data["cartridge_lot"].strip(),
        cartridge_expiry=data["cartridge_expiry"],
        numbing_agent=data["numbing_agent"],
        numbing_minutes=data["numbing_minutes"],
        end_point=data["end_point"],
        product_applied=data["product_applied"],
        duration_minutes=data["duration_minutes"],
        immediate_reaction=data["immediate_reaction"],
        notes=data["notes"],
        interval_reason=data["interval_reason"],
        numbing_reason=data["numbing_reason"],
        adjunct=data["adjunct"],
        blood_kit_id=data["blood_kit_id"].strip(),
        blood_kit_lot=data["blood_kit_lot"].strip(),
        bloodborne_screening_checked=data["bloodborne_screening_checked"],
        zones=entries,
    )


class AdverseEventForm(forms.ModelForm):
    class Meta:
        model = AdverseEvent
        fields = ["kind", "grade", "onset_on", "resolved_on", "notes"]
        widgets = {"onset_on": DATE, "resolved_on": DATE, "notes": forms.Textarea(attrs={"rows": 2})}


class ResolveForm(forms.Form):
    resolved_on = forms.DateField(widget=DATE)


class LotForm(forms.Form):
    lot = forms.CharField(max_length=60, required=False)
