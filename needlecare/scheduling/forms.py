"""Page forms for the calendar. Times are typed as the clinic's wall-clock time; views turn them into UTC."""

from datetime import date, time, timedelta

from django import forms

from needlecare.scheduling.models import AppointmentType, Device, Room, TimeOff


def sane_day(value: date) -> None:
    """No appointment lies before 2000 or after 2100 (and date arithmetic near year 1 or 9999 overflows)."""
    if not 2000 <= value.year <= 2100:
        raise forms.ValidationError("Choose a day between 2000 and 2100.")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(format="%Y-%m-%d", **kwargs)  # what <input type="date"> reads, whatever the locale


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(format="%H:%M", **kwargs)


class CalendarQuery(forms.Form):
    """What the calendar shows: a day or a week, one practitioner or everybody."""

    view = forms.ChoiceField(choices=[("day", "Day"), ("week", "Week")], required=False)
    date = forms.DateField(required=False, widget=DateInput, validators=[sane_day])
    practitioner = forms.ChoiceField(required=False)

    def __init__(self, *args, practitioners=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = [("", "Everybody")] + [
            (str(p.pk), p.display_name) for p in practitioners
        ]


class SlotSearch(forms.Form):
    type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), empty_label=None)
    practitioner = forms.ChoiceField(required=False)
    day = forms.DateField(widget=DateInput, label="From", validators=[sane_day])

    def __init__(self, *args, clinic, practitioners=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = AppointmentType.objects.filter(clinic=clinic, is_active=True)
        self.fields["practitioner"].choices = [("", "Anyone")] + [
            (str(p.pk), p.display_name) for p in practitioners
        ]


class BookForm(forms.Form):
    type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), empty_label=None)
    practitioner = forms.ChoiceField()
    day = forms.DateField(widget=DateInput, validators=[sane_day])
    time = forms.TimeField(widget=TimeInput)
    reason = forms.CharField(
        max_length=500, required=False, help_text="Only for a plan session outside its interval window."
    )

    def __init__(self, *args, clinic, practitioners=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = AppointmentType.objects.filter(clinic=clinic, is_active=True)
        self.fields["practitioner"].choices = [(str(p.pk), p.display_name) for p in practitioners]


class MoveForm(forms.Form):
    day = forms.DateField(widget=DateInput, validators=[sane_day])
    time = forms.TimeField(widget=TimeInput)
    practitioner = forms.ChoiceField()
    reason = forms.CharField(
        max_length=500,
        required=False,
        label="Reason (outside the plan's window)",
        help_text="Needed when a plan session moves outside its interval window.",
    )

    def __init__(self, *args, practitioners=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = [(str(p.pk), p.display_name) for p in practitioners]


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Reason for cancelling")

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the appointment is cancelled.")
        return reason


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name"]


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = ["name", "kind", "serial"]


class TypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = ["name", "duration_minutes", "needs_room", "needs_device", "is_active"]


class TimeOffForm(forms.ModelForm):
    practitioner = forms.ChoiceField()

    class Meta:
        model = TimeOff
        fields = ["first_day", "last_day", "reason"]
        widgets = {"first_day": DateInput, "last_day": DateInput}

    def __init__(self, *args, practitioners=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = [(str(p.pk), p.display_name) for p in practitioners]
        self.order_fields(["practitioner", "first_day", "last_day", "reason"])

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        for name in ("first_day", "last_day"):
            if data.get(name) and not 2000 <= data[name].year <= 2100:
                self.add_error(name, "Choose a day between 2000 and 2100.")
                return data
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", "The last day cannot come before the first.")
            elif last - first > timedelta(days=366):
                self.add_error("last_day", "At most a year at a time.")
        return data


class HoursForm(forms.Form):
    """A practitioner's week: one opening and closing time per weekday; both empty means not working."""

    practitioner = forms.ChoiceField()

    DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    def __init__(self, *args, practitioners=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = [(str(p.pk), p.display_name) for p in practitioners]
        for index, name in enumerate(self.DAYS):
            self.fields[f"starts_{index}"] = forms.TimeField(
                required=False, widget=TimeInput, label=f"{name} from"
            )
            self.fields[f"ends_{index}"] = forms.TimeField(required=False, widget=TimeInput, label="to")

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        for index in range(7):
            starts, ends = data.get(f"starts_{index}"), data.get(f"ends_{index}")
            if (starts is None) != (ends is None):
                self.add_error(f"ends_{index}", "Give both times, or neither for a day off.")
            elif starts is not None and ends is not None and starts >= ends:
                self.add_error(f"ends_{index}", "Closing must come after opening.")
        return data

    def week(self) -> list[tuple[int, time, time]]:
        return [
            (i, self.cleaned_data[f"starts_{i}"], self.cleaned_data[f"ends_{i}"])
            for i in range(7)
            if self.cleaned_data.get(f"starts_{i}") is not None
        ]

    def day_fields(self):  # type: ignore[no-untyped-def]
        return [(name, self[f"starts_{i}"], self[f"ends_{i}"]) for i, name in enumerate(self.DAYS)]


def parse_day(text: str | None, default: date) -> date:
    try:
        day = date.fromisoformat(text) if text else default
    except ValueError:
        return default
    return day if 2000 <= day.year <= 2100 else default
