"""A full photo disk, for real: PRIVATE_MEDIA_ROOT on a 64 KB tmpfs. The upload answers 507 with a
sentence saying what to do, and leaves no file and no row (before: a 500 and a partial file each time).

Mounting needs root (the suite's machines run as root); the test says so plainly rather than skip."""

import io
import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from needlecare.outcomes.models import Photo
from needlecare.testing.clock import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def full_disk(settings, tmp_path):  # type: ignore[no-untyped-def]
    mount = tmp_path / "small-disk"
    mount.mkdir()
    result = subprocess.run(  # noqa: S603 - fixed program and arguments
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],  # noqa: S607
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"this test mounts a small tmpfs and needs root: {result.stderr}"
    try:
        settings.PRIVATE_MEDIA_ROOT = mount
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)  # noqa: S603,S607


def noisy_jpeg() -> bytes:
    """A camera-like photo: noise does not compress, so its re-encoding is far above 64 KB."""
    out = io.BytesIO()
    Image.frombytes("RGB", (500, 400), os.urandom(500 * 400 * 3)).save(out, format="JPEG", quality=95)
    return out.getvalue()


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_full_photo_disk_answers_507_and_leaves_no_file_and_no_row(client, world_a, token_for, full_disk):
    photo = io.BytesIO(noisy_jpeg())
    photo.name = "face.jpg"
    response = client.post(
        f"/api/v1/patients/{world_a.patient.pk}/photos",
        {"image": photo, "view": "front", "zone": "cheeks", "taken_on": TODAY.isoformat()},
        HTTP_AUTHORIZATION=token_for(world_a.practitioner),
    )
    assert response.status_code == 507, response.content
    assert (
        "photo store is full" in response.json()["detail"]
        and "nothing was saved" in response.json()["detail"]
    )
    assert Path(settings.PRIVATE_MEDIA_ROOT) == full_disk
    assert files_in(full_disk) == [] and not Photo.objects.exists()


def test_the_photo_page_says_the_disk_is_full_and_keeps_nothing(client, world_a, full_disk):
    client.force_login(world_a.practitioner)
    photo = io.BytesIO(noisy_jpeg())
    photo.name = "face.jpg"
    page = client.post(
        f"/patients/{world_a.patient.pk}/photos/new/",
        {"image": photo, "view": "front", "zone": "cheeks", "taken_on": TODAY.isoformat()},
    )
    assert page.status_code == 507 and b"photo store is full" in page.content
    assert files_in(full_disk) == [] and not Photo.objects.exists()
