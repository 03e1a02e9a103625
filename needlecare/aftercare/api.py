"""The aftercare part of the API."""

from ninja import Router

router = Router(tags=["aftercare"])
