"""Reads about clinics and memberships."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from needlecare.clinics.models import Membership

if TYPE_CHECKING:  # accounts is above clinics in the layer order
    from needlecare.accounts.models import User


def memberships_of(user: "User") -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, is_active=True).select_related("clinic")


def membership_in(user: "User", clinic_id: int | None) -> Membership | None:
    memberships = memberships_of(user)
    if clinic_id is not None:
        found = memberships.filter(clinic_id=clinic_id).first()
        if found:
            return found
    return memberships.first()
