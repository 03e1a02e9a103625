"""One signing step for every page that shows the consent form: the clinic's tablet and the portal."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from needlecare.consent import selectors, services
from needlecare.consent.forms import SignConsentForm
from needlecare.consent.models import ConsentSignature, ConsentTemplate
from needlecare.patients.models import Patient


@dataclass
class SigningPage:
    """What the page shows next: the form (with its errors), the text in force, a problem, the status;
    or, once signed, the signature."""

    form: SignConsentForm
    template: ConsentTemplate
    problem: str = ""
    status: int = 200
    signature: ConsentSignature | None = None

    @classmethod
    def blank(cls, template: ConsentTemplate, signed_name: str = "") -> "SigningPage":
        """The empty form for this version of the text (keeping a name already typed)."""
        initial = {"template_version": template.version, "signed_name": signed_name}
        return cls(form=SignConsentForm(initial=initial), template=template)


def sign_from_form(
    request: Any, *, patient: Patient, template: ConsentTemplate, signed_via: str, by: Any
) -> SigningPage:
    """Read the posted form and sign, or say why not: 422 for the form, 409 when the text changed."""
    form = SignConsentForm(request.POST, initial={"template_version": template.version})
    page = SigningPage(form=form, template=template, status=422)
    if not form.is_valid():
        if "template_version" in form.errors:
            # A hidden field the page fills in: the page itself is stale or was tampered with.
            page.problem = "This page could not be read: reload it, read the text and sign again."
        return page
    try:
        page.signature = services.sign_consent(
            patient=patient,
            version=form.cleaned_data["template_version"],
            signed_name=form.cleaned_data["signed_name"],
            photo_use=form.agrees_to_photos,
            signature=form.cleaned_data["signature"],
            signed_via=signed_via,
            by=by,
            request=request,
        )
    except services.TemplateChanged as error:
        # The text they read is not the text in force: show the new one, keep only the name.
        page.template = selectors.current_template(patient.clinic) or template
        page.problem, page.status = " ".join(error.messages), 409
        page.form = SignConsentForm(
            initial={
                "template_version": page.template.version,
                "signed_name": form.cleaned_data["signed_name"],
            }
        )
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        page.status = 200
    return page
