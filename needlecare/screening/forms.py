from django import forms


class OverrideForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Reason for proceeding"
    )
    clearance_from = forms.CharField(
        max_length=200,
        required=False,
        label="Clearance given by",
        help_text="Name and role, e.g. Dr A. Shah, GP, Harbour Surgery.",
    )
    clearance_dated = forms.DateField(
        required=False, label="Clearance dated", widget=forms.DateInput(attrs={"type": "date"})
    )
    document_reference = forms.CharField(
        max_length=300,
        required=False,
        label="Where the letter is kept",
        help_text="Scan name or file number.",
    )
