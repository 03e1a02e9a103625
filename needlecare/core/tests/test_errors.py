"""The one refusal: its sentence, its fields, and that an app's subclass stays a Django ValidationError."""

from django import forms
from django.core.exceptions import ValidationError

from needlecare.core.errors import Refused
from needlecare.core.forms import add_refusal


class Booking(Refused, ValidationError):
    status = 409


def test_a_refusal_by_fields_names_each_field_in_its_sentence_and_answer():
    error = Refused({"starts_at": "In the past.", "room": ["Taken.", "Closed."]}, code="refused")
    assert error.message == "starts_at: In the past.; room: Taken. Closed."
    assert error.fields == {"starts_at": ["In the past."], "room": ["Taken.", "Closed."]}
    assert error.answer() == {"detail": error.message, "code": "refused", "fields": error.fields}
    assert error.status == 422


def test_a_refusal_in_one_sentence_has_no_fields():
    error = Refused("Slot taken.", code="slot_taken", status=409)
    assert str(error) == "Slot taken."
    assert error.answer() == {"detail": "Slot taken.", "code": "slot_taken"}


def test_a_subclass_that_is_a_validation_error_keeps_message_dict_and_messages():
    error = Booking({"status": "Cancelled.", "reason": ["Say why."]})
    assert error.message_dict == {"status": ["Cancelled."], "reason": ["Say why."]}
    assert error.messages == ["Cancelled.", "Say why."]
    assert error.status == 409 and error.code == "refused"
    assert hash(error) == hash(Booking({"status": "Cancelled.", "reason": ["Say why."]}))
    single = Booking("Closed.")
    assert single.messages == ["Closed."] and single.fields == {} and single.message == "Closed."


class _Form(forms.Form):
    reason = forms.CharField(required=False)


def test_add_refusal_puts_each_message_under_its_field_or_on_the_form():
    form = _Form({})
    assert form.is_valid()
    add_refusal(form, Booking({"reason": "Say why.", "status": "Cancelled."}))
    assert form.errors == {"reason": ["Say why."], "__all__": ["Cancelled."]}
    other = _Form({})
    assert other.is_valid()
    add_refusal(other, Refused("No."))
    assert other.errors == {"__all__": ["No."]}
