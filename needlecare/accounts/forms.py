"""Sign-in and account forms."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].lower()


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\d{6}$",
        label="Six-digit code",
        error_messages={"invalid": "Enter the six digits your authenticator app shows."},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class SecondFactorForm(forms.Form):
    """A current code from the authenticator app, or one of the recovery codes."""

    code = forms.RegexField(
        regex=r"^\s*(\d{6}|[A-Za-z2-7][A-Za-z2-7\s-]{14,22}[A-Za-z2-7])\s*$",
        label="Code from your authenticator app, or a recovery code",
        error_messages={
            "invalid": "Enter the six digits your authenticator app shows, or one of your recovery codes."
        },
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class RemoveSecondFactorForm(SecondFactorForm):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, auto_id="remove_%s", **kwargs)
        self.fields["code"].widget.attrs.pop("autofocus", None)


class EnrolForm(CodeForm):
    """The new app's code; and, when the user already has a second factor, a current code from it."""

    def __init__(self, *args, needs_current: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if needs_current:
            current = SecondFactorForm().fields["code"]
            current.label = "A code from your current authenticator app, or a recovery code"
            current.widget.attrs.pop("autofocus", None)
            self.fields = {"current_code": current, **self.fields}  # type: ignore[assignment]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, label="What is it for?")
