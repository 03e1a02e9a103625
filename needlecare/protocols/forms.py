from django import forms

MAX_PROTOCOL_BYTES = 256 * 1024


class AdoptProtocolForm(forms.Form):
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        max_length=MAX_PROTOCOL_BYTES,
        label="Protocol text (TOML)",
    )
    upload = forms.FileField(required=False, label="…or upload a .toml file")
    note = forms.CharField(max_length=300, required=False, label="What changed, and why")

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        upload = data.get("upload")
        if upload:
            if upload.size > MAX_PROTOCOL_BYTES:
                raise forms.ValidationError(
                    "The file is larger than 256 KB; a protocol is a small text file."
                )
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError("Paste the protocol text or upload a file.")
        return data
