"""Portal forms: asking for a sign-in link, and the day 1/3/7 check-in."""

from django import forms

from needlecare.aftercare.models import Redness


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )


YES_NO = [("no", "No"), ("yes", "Yes")]


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Answer yes or no."},
    )


class CheckInForm(forms.Form):
    redness = forms.ChoiceField(label="Redness", choices=Redness.choices, widget=forms.RadioSelect)
    swelling = forms.ChoiceField(label="Swelling", choices=Redness.choices, widget=forms.RadioSelect)
    pain = forms.IntegerField(
        label="Pain or soreness, from 0 (none) to 10 (worst imaginable)",
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 10}),
    )
    getting_worse = _yes_no("Is the pain or swelling getting worse rather than better?")
    warmth = _yes_no("Does the skin feel hot to the touch?")
    pus = _yes_no("Any pus (yellow or green fluid) or crusts with pus?")
    fever = _yes_no("Do you have a fever or feel feverish?")
    spreading_redness = _yes_no("Is the redness spreading beyond the treated area?")
    blisters_or_cold_sores = _yes_no("Any blisters or a cold sore?")
    rash_or_itching = _yes_no("Any rash or itching?")
    darkening = _yes_no("Any darker patches of skin?")
    photo = forms.FileField(
        label="A photo of the treated area (optional)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/heic,image/heif"}),
    )
    notes = forms.CharField(
        label="Anything else you want us to know (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    YES_NO_FIELDS = (
        "getting_worse",
        "warmth",
        "pus",
        "fever",
        "spreading_redness",
        "blisters_or_cold_sores",
        "rash_or_itching",
        "darkening",
    )

    def yes_no_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.YES_NO_FIELDS]
