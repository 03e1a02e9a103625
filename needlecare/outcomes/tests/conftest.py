"""Outcome tests: photos go to a throwaway private directory; images are made with Pillow. The fixtures
are opt-in (`usefixtures`), so the forecasting tests beside these are untouched by them."""

import io

import pytest
import time_machine
from PIL import Image

from needlecare.treatments.tests.conftest import TODAY

__all__ = ["TODAY", "jpeg_bytes", "png_bytes"]


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def frozen_today():
    with time_machine.travel("2026-11-25 10:00Z", tick=False):
        yield


def _image(size=(64, 48), colour=(200, 150, 130)) -> Image.Image:  # type: ignore[no-untyped-def]
    return Image.new("RGB", size, colour)


def jpeg_bytes(size=(64, 48), exif=None) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    _image(size).save(out, format="JPEG", **kwargs)
    return out.getvalue()


def png_bytes(size=(64, 48)) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 120, 200, 128)).save(out, format="PNG")
    return out.getvalue()
