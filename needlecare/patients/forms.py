"""Page forms for patients and intake. The intake form is built from the contract's questions."""

from typing import Any

from django import forms
from pydantic import ValidationError as PydanticValidationError

from needlecare.patients.intake import NEVER, QUESTIONS
from needlecare.patients.intake import Intake as IntakeAnswers
from needlecare.patients.models import Patient

NOT_ASKED = ""
UNKNOWN = "unknown"


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "given_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "reference",
            "address",
            "notes",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.clinic = clinic

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        if reference:
            taken = Patient.objects.filter(clinic=self.instance.clinic, reference=reference)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise forms.ValidationError("Another patient of this clinic has this reference.")
        return reference


def _date_input() -> forms.DateInput:
    # <input type="date"> understands only ISO dates; the locale's 02/03/1984 would show as empty.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


YES_NO = [(NOT_ASKED, "— not asked —"), ("yes", "Yes"), ("no", "No"), (UNKNOWN, "Unknown")]
# "Never" is an answer of its own (stored as "never"); "not asked" leaves the question out.
DATE_STATE = [
    (NOT_ASKED, "— not asked —"),
    (NEVER, "Never"),
    ("date", "On the date below"),
    (UNKNOWN, "Unknown"),
]


class IntakeForm(forms.Form):
    """Each question offers 'not asked' (the key is left out) and 'unknown' (stored as null)."""

    def __init__(self, *args: Any, initial_answers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        for field, value in (initial_answers or {}).items():
            initial.update(self._initial_for(field, value))
        super().__init__(*args, initial=initial, **kwargs)
        for q in QUESTIONS:
            if q.kind == "yes_no":
                self.fields[q.field] = forms.ChoiceField(
                    label=q.text, choices=YES_NO, required=False, help_text=q.help
                )
            elif q.kind == "choice":
                choices = [(NOT_ASKED, "— not asked —"), *q.choices, (UNKNOWN, "Unknown")]
                self.fields[q.field] = forms.ChoiceField(
                    label=q.text, choices=choices, required=False, help_text=q.help
                )
            elif q.kind == "fitzpatrick":
                choices = [(NOT_ASKED, "— not assessed —")] + [
                    (str(n), f"Type {r}") for n, r in enumerate(["I", "II", "III", "IV", "V", "VI"], 1)
                ]
                self.fields[q.field] = forms.ChoiceField(
                    label=q.text, choices=[*choices, (UNKNOWN, "Unknown")], required=False, help_text=q.help
                )
            elif q.kind == "date" and q.field == "date_of_birth":
                self.fields[q.field] = forms.DateField(label=q.text, required=False, widget=_date_input())
            elif q.kind == "date":
                self.fields[f"{q.field}__state"] = forms.ChoiceField(
                    label=q.text, choices=DATE_STATE, required=False
                )
                self.fields[q.field] = forms.DateField(label="Date", required=False, widget=_date_input())
            elif q.kind == "list":
                self.fields[q.field] = forms.CharField(
                    label=q.text, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
                )

    @staticmethod
    def _initial_for(field: str, value: Any) -> dict[str, Any]:
        kind = next((q.kind for q in QUESTIONS if q.field == field), None)
        if kind == "yes_no":
            return {field: UNKNOWN if value is None else ("yes" if value else "no")}
        if kind in ("choice", "fitzpatrick"):
            return {field: UNKNOWN if value is None else str(value)}
        if kind == "date" and field != "date_of_birth":
            state = UNKNOWN if value is None else (NEVER if value == NEVER else "date")
            return {f"{field}__state": state, field: None if state != "date" else value}
        if kind == "list":
            return {field: "\n".join(value or [])}
        return {field: value}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        raw: dict[str, Any] = {}
        for q in QUESTIONS:
            value = data.get(q.field)
            if q.kind == "yes_no":
                if value:
                    raw[q.field] = None if value == UNKNOWN else value == "yes"
            elif q.kind == "choice":
                if value:
                    raw[q.field] = None if value == UNKNOWN else value
            elif q.kind == "fitzpatrick":
                if value:
                    raw[q.field] = None if value == UNKNOWN else int(value)
            elif q.kind == "date" and q.field == "date_of_birth":
                if value:
                    raw[q.field] = value
            elif q.kind == "date":
                state = data.get(f"{q.field}__state")
                if state == UNKNOWN:
                    raw[q.field] = None
                elif state == NEVER:
                    raw[q.field] = NEVER
                elif state == "date":
                    if not value:
                        self.add_error(q.field, "Give the date, or choose 'unknown'.")
                    else:
                        raw[q.field] = value
                # "Not asked" leaves the question out, even if a date is still in its box.
            elif q.kind == "list" and value is not None:
                items = [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]
                if items:
                    raw[q.field] = items
        try:
            self.answers = IntakeAnswers.model_validate(raw)
        except PydanticValidationError as error:
            for problem in error.errors():
                field = str(problem["loc"][0]) if problem["loc"] else None
                self.add_error(field if field in self.fields else None, problem["msg"])
        return data

    def grouped(self) -> list[tuple[Any, Any]]:
        """(question field, date field or None) pairs for the template."""
        rows = []
        for q in QUESTIONS:
            if q.kind == "date" and q.field != "date_of_birth":
                rows.append((self[f"{q.field}__state"], self[q.field]))
            else:
                rows.append((self[q.field], None))
        return rows


class PatientSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    archived = forms.BooleanField(required=False)
