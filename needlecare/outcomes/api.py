"""The outcomes part of the API."""

from ninja import Router

router = Router(tags=["outcomes"])
