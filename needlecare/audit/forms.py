from django import forms


class AuditFilterForm(forms.Form):
    actor = forms.EmailField(required=False)
    action = forms.CharField(required=False, max_length=60)
    patient = forms.UUIDField(required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
