from django import forms

from needlecare.clinics.models import Clinic


class ClinicSettingsForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = ["name", "timezone", "email", "phone", "require_two_factor"]


class SwitchClinicForm(forms.Form):
    clinic = forms.IntegerField(min_value=1)
