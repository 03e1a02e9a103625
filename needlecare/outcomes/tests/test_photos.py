"""Photos are hostile until proven otherwise: type from content, size and pixel limits, EXIF and GPS gone,
stored privately under random names and served only to the patient's own clinic. Every test runs on
both private stores, the disk and S3 (`private_files`, needlecare/testing/storage.py)."""

import io
import struct
import zlib
from pathlib import Path

import pillow_heif
import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from needlecare.audit.models import AuditEvent
from needlecare.consent.models import ConsentSignature
from needlecare.consent.services import withdraw_consent
from needlecare.core.storage import private_storage
from needlecare.outcomes.models import Photo
from needlecare.outcomes.services import PhotoRefused, set_photo_marketing, upload_photo
from needlecare.testing.clock import TODAY
from needlecare.testing.consent import sign_consent
from needlecare.testing.outcomes import jpeg_bytes, png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_files", "frozen_today")]

GPS_IFD = 0x8825


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Ltd"  # Make
    exif[0x0110] = "SpyCam 3000"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 26.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    return exif


def upload(data: bytes, name: str = "face.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def store(world, data: bytes, name: str = "face.jpg", **changes):  # type: ignore[no-untyped-def]
    fields = {"view": "front", "zone": "cheeks", "taken_on": TODAY}
    fields.update(changes)
    return upload_photo(patient=world.patient, by=world.practitioner, upload=upload(data, name), **fields)


def stored_file(photo: Photo) -> io.BytesIO:
    """The stored photo, read through the private storage (the disk or S3)."""
    with private_storage().open(photo.file, "rb") as handle:
        return io.BytesIO(handle.read())


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ten billion pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_gps_and_camera_data_in_the_upload_are_absent_from_the_stored_file(world_a):
    original = jpeg_bytes(exif=exif_with_gps())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the upload really has GPS
    photo = store(world_a, original)
    data = stored_file(photo).getvalue()
    kept = Image.open(io.BytesIO(data))
    assert kept.format == "JPEG" and not kept.getexif() and "exif" not in kept.info
    assert b"SpyCam" not in data and b"Exif" not in data
    assert photo.uploaded_format == "JPEG" and (photo.width, photo.height) == (64, 48)


def test_files_are_stored_privately_under_random_names_outside_static(world_a, private_files):
    photo = store(world_a, jpeg_bytes(), name="Jane Doe cheeks.jpg")
    assert private_files.names() == sorted([photo.file, photo.thumbnail])
    assert "Jane" not in photo.file and "static" not in photo.file
    if private_files.kind == "disk":
        assert not (Path(settings.PRIVATE_MEDIA_ROOT) / photo.file).is_relative_to(settings.STATIC_ROOT)
        with pytest.raises(ValueError):
            private_storage().url(photo.file)  # no public URL
    assert photo.file != store(world_a, jpeg_bytes()).file


def test_a_png_renamed_jpg_is_read_as_the_png_it_is_and_re_encoded(world_a):
    photo = store(world_a, png_bytes(), name="actually-a-png.jpg")
    assert photo.uploaded_format == "PNG"
    assert Image.open(stored_file(photo)).format == "JPEG"


def test_a_heic_photo_from_a_phone_is_accepted(world_a):
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (40, 30), (180, 120, 110))).save(out, format="HEIF")
    photo = store(world_a, out.getvalue(), name="IMG_0001.HEIC")
    assert photo.uploaded_format == "HEIF" and Image.open(stored_file(photo)).format == "JPEG"


@pytest.mark.parametrize(
    "data, words",
    [
        (b"This is not a photo at all, just text.\n" * 10, "not a photo"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not a photo"),
        (b"GIF89a" + b"\0" * 100, "not a photo"),
        (jpeg_bytes()[:60], "damaged"),
        (bomb_png(), "pixels"),
    ],
    ids=["text-named-jpg", "svg", "gif", "truncated-jpeg", "decompression-bomb"],
)
def test_hostile_uploads_are_refused_and_nothing_is_stored(world_a, data, words, private_files):
    with pytest.raises(PhotoRefused) as refused:
        store(world_a, data, name="photo.jpg")
    assert words in refused.value.message_dict["image"][0]
    assert not Photo.objects.exists()
    assert private_files.names() == []


def test_an_oversized_file_is_refused_before_it_is_read(world_a, settings):
    settings.PHOTO_MAX_BYTES = 2_000
    with pytest.raises(PhotoRefused) as refused:
        store(world_a, jpeg_bytes(size=(400, 400)) + b"\0" * 3000)
    assert "larger than" in refused.value.message_dict["image"][0]


def test_the_pixel_limit_is_a_setting(world_a, settings):
    settings.PHOTO_MAX_PIXELS = 1_000
    with pytest.raises(PhotoRefused):
        store(world_a, jpeg_bytes(size=(100, 100)))


def test_the_page_upload_refuses_a_text_file_with_422_and_accepts_a_photo(client, world_a):
    client.force_login(world_a.practitioner)
    url = f"/patients/{world_a.patient.pk}/photos/new/"
    assert client.get(url).status_code == 200
    form = {"view": "left", "zone": "cheeks", "taken_on": TODAY.isoformat()}
    bad = client.post(url, {**form, "image": upload(b"hello world" * 20, "x.jpg")})
    assert bad.status_code == 422 and "not a photo" in bad.content.decode()
    good = client.post(url, {**form, "image": upload(jpeg_bytes(exif=exif_with_gps()), "x.jpg")})
    photo = Photo.objects.get()
    assert good.status_code == 302 and photo.view == "left"


# --- Serving and access ----------------------------------------------------------------------------


def test_photos_are_served_with_nosniff_to_the_clinic_and_audited(client, world_a):
    photo = store(world_a, jpeg_bytes())
    client.force_login(world_a.practitioner)
    for suffix in ("image", "thumbnail"):
        response = client.get(f"/patients/{world_a.patient.pk}/photos/{photo.pk}/{suffix}")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert AuditEvent.objects.filter(action__in=["photo.image", "photo.thumbnail"]).count() == 2


def test_another_clinics_or_patients_photo_answers_404(client, world_a, world_b, token_for):
    from needlecare.testing.factories import make_patient

    photo = store(world_a, jpeg_bytes())
    client.force_login(world_b.owner)
    for url in (
        f"/patients/{world_a.patient.pk}/photos/{photo.pk}/image",
        f"/patients/{world_b.patient.pk}/photos/{photo.pk}/image",
        f"/patients/{world_b.patient.pk}/photos/{photo.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    sibling = make_patient(world_a.clinic, by=world_a.owner)
    client.force_login(world_a.owner)
    assert client.get(f"/patients/{sibling.pk}/photos/{photo.pk}/image").status_code == 404
    api = f"/api/v1/patients/{world_a.patient.pk}/photos/{photo.pk}/image"
    assert client.get(api, HTTP_AUTHORIZATION=token_for(world_b.owner)).status_code == 404
    assert client.get(api, HTTP_AUTHORIZATION=token_for(world_a.owner)).status_code == 200


def test_anonymous_requests_are_sent_to_sign_in_or_answered_401(client, world_a):
    photo = store(world_a, jpeg_bytes())
    page = client.get(f"/patients/{world_a.patient.pk}/photos/{photo.pk}/image")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert client.get(f"/api/v1/patients/{world_a.patient.pk}/photos/{photo.pk}/image").status_code == 401


def test_front_desk_cannot_see_photos(client, world_a):
    photo = store(world_a, jpeg_bytes())
    client.force_login(world_a.front_desk)
    assert client.get(f"/patients/{world_a.patient.pk}/photos/{photo.pk}/image").status_code == 403


def test_the_api_uploads_lists_and_refuses_hostile_files(client, world_a, token_for):
    header = token_for(world_a.practitioner)
    url = f"/api/v1/patients/{world_a.patient.pk}/photos"
    form = {"view": "oblique_left", "zone": "cheeks", "taken_on": TODAY.isoformat()}
    created = client.post(url, {**form, "image": upload(png_bytes(), "p.jpg")}, HTTP_AUTHORIZATION=header)
    assert created.status_code == 201, created.content
    assert created.json()["uploaded_format"] == "PNG"
    refused = client.post(
        url, {**form, "image": upload(b"plain text" * 10, "t.jpg")}, HTTP_AUTHORIZATION=header
    )
    assert refused.status_code == 422 and "not a photo" in refused.json()["detail"]
    missing = client.post(url, {**form, "view": "top"}, HTTP_AUTHORIZATION=header)
    assert missing.status_code == 422
    as_json = client.post(url, form, content_type="application/json", HTTP_AUTHORIZATION=header)
    assert as_json.status_code == 422
    assert client.get(url, HTTP_AUTHORIZATION=header).json()["count"] == 1


# --- Comparison ------------------------------------------------------------------------------------


def test_the_comparison_shows_the_baseline_and_the_latest_of_the_same_view_and_zone(client, world_a):
    from datetime import timedelta

    first = store(world_a, jpeg_bytes(), taken_on=TODAY - timedelta(days=200))
    store(world_a, jpeg_bytes(), taken_on=TODAY - timedelta(days=100))
    last = store(world_a, jpeg_bytes(), taken_on=TODAY)
    store(world_a, jpeg_bytes(), taken_on=TODAY, view="left")
    client.force_login(world_a.practitioner)
    page = client.get(f"/patients/{world_a.patient.pk}/photos/compare/?view=front&zone=cheeks")
    assert page.context["baseline"] == first and page.context["latest"] == last
    html = page.content.decode()
    assert f"/photos/{first.pk}/image" in html and f"/photos/{last.pk}/image" in html
    lone = client.get(f"/patients/{world_a.patient.pk}/photos/compare/?view=left&zone=cheeks")
    assert lone.context["latest"] is None and "not two photos" in lone.content.decode()


# --- Marketing follows the separate photo consent -------------------------------------------------


def sign(patient, photo_use: bool) -> ConsentSignature:  # type: ignore[no-untyped-def]
    # Each signature a minute after the one before: "latest" must be unambiguous under a frozen clock.
    later = ConsentSignature.objects.filter(patient=patient).count() + 1
    with time_machine.travel(f"2026-11-25 10:{later:02d}Z", tick=False):
        return sign_consent(patient, photo_use=photo_use)


def test_marketing_needs_the_patients_photo_consent(world_a):
    photo = store(world_a, jpeg_bytes())
    with pytest.raises(PhotoRefused):
        set_photo_marketing(photo=photo, by=world_a.practitioner, marketing=True)
    sign(world_a.patient, photo_use=False)
    with pytest.raises(PhotoRefused):
        set_photo_marketing(photo=photo, by=world_a.practitioner, marketing=True)
    sign(world_a.patient, photo_use=True)
    set_photo_marketing(photo=photo, by=world_a.practitioner, marketing=True)
    photo.refresh_from_db()
    assert photo.marketing


def test_withdrawing_consent_clears_marketing_and_blocks_it(world_a):
    from needlecare.outcomes.selectors import marketing_photos

    photo = store(world_a, jpeg_bytes())
    signature = sign(world_a.patient, photo_use=True)
    set_photo_marketing(photo=photo, by=world_a.practitioner, marketing=True)
    assert list(marketing_photos(world_a.clinic)) == [photo]
    withdraw_consent(signature=signature, by=world_a.practitioner)
    photo.refresh_from_db()
    assert not photo.marketing and list(marketing_photos(world_a.clinic)) == []
    assert AuditEvent.objects.filter(action="photo.marketing_cleared").exists()
    with pytest.raises(PhotoRefused):
        set_photo_marketing(photo=photo, by=world_a.practitioner, marketing=True)


def test_a_new_signature_saying_no_clears_marketing(world_a):
    photo = store(world_a, jpeg_bytes())
    sign(world_a.patient, photo_use=True)
    set_photo_marketing(photo=photo, by=world_a.practitioner, marketing=True)
    sign(world_a.patient, photo_use=False)
    photo.refresh_from_db()
    assert not photo.marketing


def test_the_marketing_button_answers_409_without_consent(client, world_a, token_for):
    photo = store(world_a, jpeg_bytes())
    client.force_login(world_a.practitioner)
    page = client.post(f"/patients/{world_a.patient.pk}/photos/{photo.pk}/marketing/", {"marketing": "1"})
    assert page.status_code == 409
    assert "not signed a consent form" in page.content.decode()
    api = client.put(
        f"/api/v1/patients/{world_a.patient.pk}/photos/{photo.pk}/marketing",
        {"marketing": True},
        content_type="application/json",
        HTTP_AUTHORIZATION=token_for(world_a.practitioner),
    )
    assert api.status_code == 409
    photo.refresh_from_db()
    assert not photo.marketing


def test_deleting_a_photo_removes_its_files_once_committed(
    world_a, django_capture_on_commit_callbacks, private_files
):
    photo = store(world_a, jpeg_bytes())
    files = [photo.file, photo.thumbnail]
    assert all(private_files.exists(f) for f in files)
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert not any(private_files.exists(f) for f in files) and private_files.names() == []


def one_bit_png(width: int, height: int) -> bytes:
    """A real, decodable 1-bit PNG, all black: a few kilobytes of file for width × height pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the packed bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_a_small_png_that_decodes_to_49_megapixels_is_refused_unread(world_a, private_files):
    data = one_bit_png(7000, 7000)
    assert len(data) < 10_000 and Image.open(io.BytesIO(data)).size == (7000, 7000)  # a valid image
    with pytest.raises(PhotoRefused) as refused:
        store(world_a, data, name="photo.png")
    assert "pixels" in refused.value.message_dict["image"][0]
    assert not Photo.objects.exists() and private_files.names() == []


def test_the_default_pixel_limit_refuses_41_megapixels_from_the_header(world_a):
    assert settings.PHOTO_MAX_PIXELS == 40_000_000
    with pytest.raises(PhotoRefused) as refused:
        store(world_a, bomb_png(6400, 6400), name="photo.png")  # 41 MP claimed, a few bytes of pixels
    assert "40,000,000 allowed" in refused.value.message_dict["image"][0]


def test_a_heic_far_denser_than_a_photo_is_refused_unread(world_a):
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (2600, 2600), (180, 120, 110))).save(out, format="HEIF")
    data = out.getvalue()
    assert 2600 * 2600 > 200 * len(data)  # a flat HEIC: thousands of pixels per byte
    with pytest.raises(PhotoRefused) as refused:
        store(world_a, data, name="IMG_0002.HEIC")
    assert "far more than a camera photo" in refused.value.message_dict["image"][0]
    assert not Photo.objects.exists()
