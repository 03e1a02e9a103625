"""The current clinic and the user's other clinics, for the layout's switcher."""

from needlecare.clinics.policies import readable_by
from needlecare.clinics.selectors import memberships_of


def clinic(request):  # type: ignore[no-untyped-def]
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "current_membership": membership if membership else None,
        "current_clinic": membership.clinic if membership else None,
        "my_memberships": memberships_of(user),  # lazy: queried only if the template asks
        # {% if can_read.photos %}: the data policies (clinics/policies.py), one answer per category
        "can_read": {c.value: True for c in readable_by(membership.role)} if membership else {},
    }
