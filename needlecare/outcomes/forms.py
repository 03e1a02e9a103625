"""Outcome forms, built from the scale definitions: the score field takes its range, step and labels from
the scale, so a form can never offer a value the scale refuses."""

from decimal import Decimal
from typing import Any

from django import forms

from needlecare.outcomes import scales
from needlecare.outcomes.models import Better, Rater, View
from needlecare.outcomes.services import AssessmentInput
from needlecare.protocols.labels import in_words

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(ids: dict[str, Any]) -> list[tuple[str, str]]:
    return [("", "—")] + [(key, getattr(item, "label", None) or in_words(key)) for key, item in ids.items()]


def score_field(scale: scales.Scale) -> forms.Field:
    """The value field for one scale: labelled radio buttons for a short labelled scale, a number box else."""
    choices = scale.choices
    if choices:
        return forms.TypedChoiceField(
            label=scale.name,
            choices=[(str(v), text) for v, text in choices],
            coerce=Decimal,
            widget=forms.RadioSelect(attrs={"class": "scale-choice"}),
            error_messages={"invalid_choice": f"{scale.name}: choose one of the values shown."},
        )
    low, high = format(scale.minimum.normalize(), "f"), format(scale.maximum.normalize(), "f")
    return forms.DecimalField(
        label=f"{scale.name} ({low}–{high})",
        min_value=scale.minimum,
        max_value=scale.maximum,
        decimal_places=0 if scale.whole else 2,
        max_digits=6,
        widget=forms.NumberInput(
            attrs={
                "inputmode": "numeric" if scale.whole else "decimal",
                "step": "1" if scale.whole else "0.01",
            }
        ),
    )


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(widget=DATE, label="Date")
    zone = forms.ChoiceField()
    indication = forms.ChoiceField()
    rater = forms.ChoiceField(choices=Rater.choices, widget=forms.RadioSelect, initial=Rater.CLINICIAN)
    is_baseline = forms.BooleanField(required=False, label="Baseline (before the first session)")
    treatment = forms.ChoiceField(required=False, label="Session")
    photos = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label="Photos")
    notes = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        scale: scales.Scale,
        zones: dict[str, Any],
        indications: dict[str, Any],
        sessions: list[Any],
        photos: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.fields["zone"].choices = _choices(zones)
        self.fields["indication"].choices = _choices(indications)
        self.fields["treatment"].choices = [("", "— none —")] + [
            (str(s.pk), f"{s.performed_on:%d %b %Y}") for s in sessions
        ]
        self.fields["photos"].choices = [
            (str(p.pk), f"{p.get_view_display()} · {p.zone} · {p.taken_on:%d %b %Y}") for p in photos
        ]
        self.scar_fields: list[str] = []
        if scale.computed:
            for scar in scales.SCAR_TYPES:
                name = f"scars_{scar.key}"
                self.fields[name] = forms.IntegerField(
                    label=f"{scar.label} ({scar.points} point{'s' if scar.points > 1 else ''} each)",
                    min_value=0,
                    max_value=scales.MAX_SCAR_COUNT,
                    initial=0,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
                self.scar_fields.append(name)
        else:
            self.fields["value"] = score_field(scale)
        if scale.relative:
            del self.fields["is_baseline"]

    def scar_inputs(self) -> list[forms.BoundField]:
        return [self[name] for name in self.scar_fields]

    def to_input(self) -> AssessmentInput:
        data = self.cleaned_data
        counts = None
        if self.scale.computed:
            counts = {f.removeprefix("scars_"): int(data.get(f) or 0) for f in self.scar_fields}
        return AssessmentInput(
            scale=self.scale.key,
            assessed_on=data["assessed_on"],
            zone=data["zone"],
            indication=data["indication"],
            rater=data["rater"],
            value=data.get("value"),
            scar_counts=counts,
            is_baseline=bool(data.get("is_baseline")),
            treatment_id=data.get("treatment") or None,
            photo_ids=list(data.get("photos") or []),
            notes=data.get("notes", ""),
        )


class PhotoForm(forms.Form):
    image = forms.FileField(
        label="Photo",
        widget=forms.ClearableFileInput(
            # No `capture`: a phone or tablet then offers both its camera and its photo library.
            attrs={"accept": "image/jpeg,image/png,image/heic,image/heif,.heic,.heif"}
        ),
        help_text="JPEG, PNG or HEIC straight from the camera. Location and camera data are removed.",
    )
    view = forms.ChoiceField(choices=View.choices, widget=forms.RadioSelect, initial=View.FRONT)
    zone = forms.ChoiceField()
    taken_on = forms.DateField(widget=DATE, label="Taken on")
    treatment = forms.ChoiceField(required=False, label="Session")
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, zones: dict[str, Any], sessions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone"].choices = _choices(zones)
        self.fields["treatment"].choices = [("", "— none —")] + [
            (str(s.pk), f"{s.performed_on:%d %b %Y}") for s in sessions
        ]


class CompareForm(forms.Form):
    view = forms.ChoiceField(choices=View.choices)
    zone = forms.CharField(max_length=30)


class ClinicScaleForm(forms.Form):
    name = forms.CharField(max_length=120)
    key = forms.RegexField(
        regex=r"^[a-z][a-z0-9_]*$",
        max_length=40,
        help_text="Lower-case letters, digits and _; used in the API and exports.",
        error_messages={"invalid": "Lower-case letters, digits and _, starting with a letter."},
    )
    minimum = forms.DecimalField(max_digits=6, decimal_places=2, min_value=-9999, max_value=9999)
    maximum = forms.DecimalField(max_digits=6, decimal_places=2, min_value=-9999, max_value=9999)
    better = forms.ChoiceField(choices=Better.choices, widget=forms.RadioSelect)
    whole_numbers = forms.BooleanField(required=False, initial=True, label="Whole numbers only")
    labels = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional, one per line: value = label (for example 1 = barely visible).",
    )

    def clean_labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data.get("labels", "").splitlines(), start=1):
            if not line.strip():
                continue
            value, sep, text = line.partition("=")
            if not sep or not value.strip().lstrip("-").isdigit() or not text.strip():
                raise forms.ValidationError(
                    f"Line {number}: write value = label, for example 1 = barely visible."
                )
            labels[str(int(value.strip()))] = text.strip()[:120]
        return labels
