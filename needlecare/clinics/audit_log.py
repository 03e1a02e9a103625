"""The owner's page of the clinic's audit log (the log itself is needlecare/audit, below every app)."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from needlecare.audit.forms import AuditFilterForm
from needlecare.audit.selectors import audit_actions_for, audit_events_for
from needlecare.clinics.access import staff
from needlecare.clinics.models import OWNER_ONLY


@require_GET
@staff(OWNER_ONLY)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for(request.clinic, filters=filters)
    page = Paginator(events, settings.AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinics/audit_log.html",
        {
            "form": form,
            "page": page,
            "actions": audit_actions_for(request.clinic),
            "query": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )
