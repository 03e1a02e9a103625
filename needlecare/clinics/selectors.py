"""Reads about clinics and memberships."""

from django.db.models import QuerySet

from needlecare.clinics.models import Membership


def memberships_of(user) -> QuerySet[Membership]:  # type: ignore[no-untyped-def]
    return Membership.objects.filter(user=user, is_active=True).select_related("clinic")


def membership_in(user, clinic_id: int | None) -> Membership | None:  # type: ignore[no-untyped-def]
    memberships = memberships_of(user)
    if clinic_id is not None:
        found = memberships.filter(clinic_id=clinic_id).first()
        if found:
            return found
    return memberships.first()
