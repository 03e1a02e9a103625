"""The portal part of the API."""

from ninja import Router

router = Router(tags=["portal"])
