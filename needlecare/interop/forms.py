"""Page validation for the interop pages."""

from django import forms


class EraseForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type the patient's full name to confirm", max_length=200, strip=True
    )

    def __init__(self, *args, patient, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean_confirm_name(self) -> str:
        typed = " ".join(self.cleaned_data["confirm_name"].split())
        if typed.casefold() != " ".join(self.patient.full_name.split()).casefold():
            raise forms.ValidationError(f"Type “{self.patient.full_name}” exactly to confirm the erasure.")
        return typed


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file from the other system", help_text="Up to 2 MB, first line = column names."
    )


class MappingForm(forms.Form):
    """One choice per Needlecare field: which column of the file holds it (or none)."""

    csv_text = forms.CharField(
        widget=forms.Textarea(attrs={"hidden": True}), max_length=2 * 1024 * 1024 + 1000, strip=False
    )

    def __init__(self, *args, headers, targets, initial_mapping=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        choices = [("", "— not in the file —")] + [(h, h) for h in headers]
        for target in self.targets:
            self.fields[f"map_{target}"] = forms.ChoiceField(
                label=target.replace("_", " ").capitalize(),
                choices=choices,
                required=False,
                initial=(initial_mapping or {}).get(target, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {t: self.cleaned_data[f"map_{t}"] for t in self.targets if self.cleaned_data.get(f"map_{t}")}

    def mapping_fields(self):  # type: ignore[no-untyped-def]
        return [self[f"map_{t}"] for t in self.targets]
