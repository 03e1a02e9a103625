"""API shapes for consent: the clinic's form, a patient's signatures, and signing.

Every rule the server applies to a signing request is written into the OpenAPI document (the
signature's grammar as a pattern, its length, the name's), so a request the document allows is accepted.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from needlecare.consent.services import MAX_SIGNED_NAME
from needlecare.consent.signature import (
    MAX_POINTS,
    MAX_SIGNATURE_CHARS,
    SIGNATURE_PATTERN,
    VIEWBOX_HEIGHT,
    VIEWBOX_WIDTH,
    SignatureError,
    sanitise_signature,
)
from needlecare.core.fields import (
    LINE_CONTROLS,
    NAME_PATTERN,
    documented,
    not_blank,
    refuse_controls,
    whole_number,
)


def _signature(value: Any) -> Any:
    if isinstance(value, str):
        try:
            sanitise_signature(value)
        except SignatureError as error:
            raise ValueError(str(error)) from None
    return value


SignerName = Annotated[
    str,
    refuse_controls(LINE_CONTROLS, "such as tab, newline or NUL"),
    Field(max_length=MAX_SIGNED_NAME, description="The signer's full name, as they typed it."),
    documented(minLength=1, pattern=NAME_PATTERN),
    AfterValidator(str.strip),
    AfterValidator(not_blank),
]
SignaturePath = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_SIGNATURE_CHARS,
        description=(
            f"The drawn signature as SVG path data in a {VIEWBOX_WIDTH} x {VIEWBOX_HEIGHT} box: each stroke "
            "`M x y` then `L x y` per further point, numbers of up to 4 digits with up to 2 decimals, at "
            f"least one `L`, at most {MAX_POINTS} points. "
            "Coordinates beyond the box are pulled onto its edge."
        ),
    ),
    documented(pattern=SIGNATURE_PATTERN),
    AfterValidator(_signature),
]
Version = Annotated[
    StrictInt,
    Field(
        ge=1, le=2_147_483_647, description="The version of the form the patient read (see the current form)."
    ),
    BeforeValidator(whole_number),
]


class SignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: Version
    signed_name: SignerName
    photo_use: StrictBool = Field(
        description="The separate choice about photos beyond the clinical record: true or false, "
        "always answered explicitly."
    )
    signature: SignaturePath


class TemplateOut(Schema):
    id: int
    version: int
    title: str
    body: str
    photo_use_text: str
    note: str
    created_at: datetime


class SignatureOut(Schema):
    id: UUID
    version: int
    title: str
    text: str
    photo_use_text: str
    photo_use: bool
    signed_name: str
    signature: str = Field(description="SVG path data in a 600 x 200 box (sanitised).")
    signed_at: datetime
    signed_via: str
    witnessed_by: str | None
    withdrawn_at: datetime | None

    @staticmethod
    def resolve_version(obj) -> int:  # type: ignore[no-untyped-def]
        return obj.template.version

    @staticmethod
    def resolve_title(obj) -> str:  # type: ignore[no-untyped-def]
        return obj.signed_title

    @staticmethod
    def resolve_text(obj) -> str:  # type: ignore[no-untyped-def]
        return obj.signed_text

    @staticmethod
    def resolve_photo_use_text(obj) -> str:  # type: ignore[no-untyped-def]
        return obj.signed_photo_use_text

    @staticmethod
    def resolve_signature(obj) -> str:  # type: ignore[no-untyped-def]
        return obj.signature_svg

    @staticmethod
    def resolve_witnessed_by(obj) -> str | None:  # type: ignore[no-untyped-def]
        return obj.witnessed_by.email if obj.witnessed_by else None


class SignatureList(Schema):
    items: list[SignatureOut]
    count: int
    valid: bool = Field(description="Whether the patient's consent is valid for the next session.")
    status: str = Field(description="Why, in words.")
