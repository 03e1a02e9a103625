"""Page forms: signing on the tablet, and the owner's edit of the clinic's form."""

from typing import Any

from django import forms

from needlecare.consent import services
from needlecare.consent.signature import SignatureError, sanitise_signature

PHOTO_CHOICES = [("yes", "Yes, I agree"), ("no", "No, I do not agree")]


class SignConsentForm(forms.Form):
    """Field names (the page, the browser test and the JS rely on them): template_version, photo_use,
    signed_name, signature."""

    template_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2_147_483_647)
    photo_use = forms.ChoiceField(
        choices=PHOTO_CHOICES,
        widget=forms.RadioSelect,
        label="Photo use",
        error_messages={"required": "Answer the photo question: yes or no."},
    )
    signed_name = forms.CharField(
        max_length=services.MAX_SIGNED_NAME,
        label="Your full name",
        error_messages={"required": "Type your full name."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "words", "spellcheck": "false"}
        ),
    )
    signature = forms.CharField(
        required=False,  # an empty signature gets the pad's own message below
        strip=False,
        widget=forms.HiddenInput,  # filled by the pad (consent-pages.js); the page renders it by hand
    )

    def clean_signed_name(self) -> str:
        name: str = self.cleaned_data["signed_name"]
        if any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise forms.ValidationError("The name must be plain text.")
        return name

    def clean_signature(self) -> str:
        try:
            return sanitise_signature(self.cleaned_data.get("signature") or "")
        except SignatureError as error:
            raise forms.ValidationError(str(error)) from None

    @property
    def agrees_to_photos(self) -> bool:
        return self.cleaned_data["photo_use"] == "yes"


class TemplateForm(forms.Form):
    title = forms.CharField(max_length=services.MAX_TITLE, label="Title")
    body = forms.CharField(
        max_length=services.MAX_BODY,
        label="Text the patient reads and agrees to",
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text="Plain text. Each line is a paragraph; a short line without a full stop is a heading; "
        "lines starting with “- ” are a list.",
    )
    photo_use_text = forms.CharField(
        max_length=services.MAX_PHOTO_USE_TEXT,
        label="Photo-use question (answered yes or no, separately)",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    note = forms.CharField(max_length=services.MAX_NOTE, required=False, label="What changed, and why")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title", "body", "photo_use_text", "note"):
            self.fields[name].widget.attrs.setdefault("spellcheck", "true")
