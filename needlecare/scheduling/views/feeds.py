"""Calendar feed pages: your own feed address, a patient's, revoking one, and the iCalendar feed itself."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needlecare.audit.services import record_event
from needlecare.clinics.access import public, staff
from needlecare.clinics.models import ALL_ROLES
from needlecare.patients import selectors as patient_selectors
from needlecare.scheduling import selectors
from needlecare.scheduling.ics import feed_calendar
from needlecare.scheduling.services.feeds import create_feed, revoke_feed

# ------------------------------------------------------------------------------------------------------
# Calendar feeds
# ------------------------------------------------------------------------------------------------------


def _feed_url(request, raw: str) -> str:  # type: ignore[no-untyped-def]
    return request.build_absolute_uri(reverse("scheduling:feed", kwargs={"feed_token": raw}))


@require_http_methods(["GET", "POST"])
@staff(ALL_ROLES)
def feeds(request):
    """Your own calendar feed (practitioners and owners); owners also see and revoke everyone's."""
    new_url = ""
    is_practitioner = selectors.practitioner_for(request.clinic, request.user.pk) is not None
    if request.method == "POST":
        if not is_practitioner:
            messages.error(request, "Only practitioners and owners have appointments of their own.")
            return redirect("scheduling:feeds")
        _, raw = create_feed(
            clinic=request.clinic,
            by=request.user,
            practitioner=request.user,
            request=request,
            verified=request.user.is_verified(),
        )
        new_url = _feed_url(request, raw)
    listed = selectors.feeds_of(
        request.clinic, created_by=None if request.membership.is_owner else request.user
    )
    return render(
        request,
        "scheduling/feeds.html",
        {"feeds": list(listed[:200]), "new_url": new_url, "is_practitioner": is_practitioner},
    )


@require_POST
@staff(ALL_ROLES)
def patient_feed(request, patient_id):
    """A feed address for the patient's own calendar app; shown once, to send to them."""
    patient = patient_selectors.patient_for(request.clinic, patient_id, include_archived=False)
    _, raw = create_feed(
        clinic=request.clinic,
        by=request.user,
        patient=patient,
        request=request,
        verified=request.user.is_verified(),
    )
    messages.success(
        request, f"New calendar address for {patient.full_name} (shown once): {_feed_url(request, raw)}"
    )
    return redirect("scheduling:patient", patient_id=patient.pk)


@require_POST
@staff(ALL_ROLES)
def feed_revoke(request, feed_id):
    feed = selectors.live_feed_for(request.clinic, feed_id)
    if not request.membership.is_owner and feed.created_by_id != request.user.pk:
        raise Http404
    revoke_feed(feed=feed, by=request.user, request=request)
    messages.success(request, "Revoked: that address no longer answers.")
    if feed.patient_id:
        return redirect("scheduling:patient", patient_id=feed.patient_id)
    return redirect("scheduling:feeds")


@require_GET
@public
def feed(request, feed_token):
    """The iCalendar feed itself. The unguessable address is the credential (calendar apps cannot sign
    in); an unknown or revoked one answers 404."""
    found = selectors.feed_by_token(feed_token)
    if found is None:
        raise Http404
    since = timezone.now() - timedelta(days=60)
    appointments = selectors.appointments_of_feed(found, since=since)[:2000]
    record_event(
        clinic=found.clinic,
        user=None,
        action="calendar_feed.read",
        obj=found,
        patient_id=found.patient_id,
        request=request,
    )
    response = HttpResponse(feed_calendar(found, appointments), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
