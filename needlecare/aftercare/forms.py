"""Aftercare's page forms: the clinic's Twilio account for text messages."""

from typing import Any

from django import forms

from needlecare.aftercare import secrets
from needlecare.aftercare.models import TwilioAccount


class TwilioAccountForm(forms.Form):
    account_sid = forms.RegexField(
        regex=r"^AC[0-9a-fA-F]{32}$",
        label="Account SID",
        error_messages={"invalid": "Starts AC, 34 characters."},
    )
    auth_token = forms.CharField(
        label="Auth token",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Checks that status callbacks and replies come from Twilio. Blank keeps the stored one.",
    )
    api_key_sid = forms.RegexField(
        regex=r"^SK[0-9a-fA-F]{32}$", label="API key SID (optional)", required=False
    )
    api_secret = forms.CharField(
        label="API key secret", required=False, widget=forms.PasswordInput(render_value=False)
    )
    from_number = forms.RegexField(
        regex=r"^\+[1-9][0-9]{6,14}$",
        label="Sending number",
        required=False,
        help_text="In E.164 form: +447700900123.",
    )
    messaging_service_sid = forms.RegexField(
        regex=r"^MG[0-9a-fA-F]{32}$", label="Messaging service SID (instead of a number)", required=False
    )

    def __init__(self, *args: Any, account: TwilioAccount | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        if account is not None:
            self.fields["auth_token"].help_text = f"Stored, ending …{account.auth_token_last4}. " + (
                "Leave blank to keep it."
            )
            if account.api_secret_last4:
                self.fields["api_secret"].help_text = f"Stored, ending …{account.api_secret_last4}."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not secrets.can_store():
            raise forms.ValidationError(
                "The server has no SMS_CREDENTIALS_KEY: ask your administrator to set it."
            )
        if not data.get("auth_token") and self.account is None:
            self.add_error("auth_token", "Enter the account's auth token.")
        if not data.get("from_number") and not data.get("messaging_service_sid"):
            self.add_error("from_number", "Enter a sending number or a messaging service SID.")
        has_secret = bool(data.get("api_secret")) or bool(self.account and self.account.api_secret_last4)
        if data.get("api_key_sid") and not has_secret:
            self.add_error("api_secret", "Enter the API key's secret.")
        return data
