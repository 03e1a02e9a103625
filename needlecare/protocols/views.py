"""The owner's protocol page: what the clinic follows, its history, and adopting a changed text."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from needlecare.clinics.access import staff
from needlecare.clinics.models import ALL_ROLES, OWNER_ONLY
from needlecare.protocols import ProtocolError, selectors, services
from needlecare.protocols.forms import AdoptProtocolForm


@require_http_methods(["GET", "POST"])
@staff(OWNER_ONLY)
def protocol_page(request):
    current = selectors.current_version(request.clinic)
    form = AdoptProtocolForm(request.POST or None, request.FILES or None, initial={"text": current.text})
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            adoption = services.adopt_protocol(
                clinic=request.clinic,
                text=form.cleaned_data["text"],
                by=request.user,
                note=form.cleaned_data["note"],
                request=request,
            )
        except ProtocolError as error:
            problems = str(error).splitlines()
        else:
            same = adoption.protocol.pk == current.pk
            messages.success(
                request,
                "The text is unchanged: same version."
                if same
                else f"Protocol {adoption.protocol.short_hash} adopted. Earlier decisions keep theirs.",
            )
            return redirect("protocols:page")
    return render(
        request,
        "protocols/page.html",
        {
            "current": current,
            "form": form,
            "problems": problems,
            "adoptions": selectors.adoptions_of(request.clinic)[:50],
        },
        status=422 if (problems or form.errors) else 200,
    )


@require_GET
@staff(ALL_ROLES)
def protocol_version(request, version_id):
    version = selectors.version_for(request.clinic, version_id)
    return render(request, "protocols/version.html", {"version": version})
