"""Uploaded photos are hostile until proven otherwise: the type is read from the content (never the name),
the pixel count is bounded before decoding, and the picture is re-encoded from its pixels alone, so EXIF
(GPS included), comments and anything smuggled after the image data are gone."""

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
LONG_SIDE_MAX_PX = 4096  # a clinical photo loses nothing at this size; larger uploads are scaled down
THUMB_PX = 320
# A camera photo carries 1-20 pixels per byte of file (JPEG at the camera's quality about 3-8, HEIC about
# 10-20, a PNG photo under 2). A file promising far more is a decompression bomb however few pixels it
# claims (a 6 KB PNG of 49 megapixels is 8,000 per byte): refused from the header, before decoding. Small
# images are exempt, so a flat test card or a screenshot under 4 megapixels still uploads.
MAX_PIXELS_PER_BYTE = 200
DENSITY_CHECK_FROM_PIXELS = 4_000_000
JPEG_QUALITY = 88


class UnsafeImage(ValueError):
    """The upload is not an image we accept; the message says why in words for the person uploading."""


@dataclass(frozen=True)
class Prepared:
    image: bytes  # JPEG, no metadata
    thumbnail: bytes  # JPEG, no metadata
    width: int
    height: int
    uploaded_format: str  # JPEG, PNG or HEIF: what the content really was


def sniff(head: bytes) -> str | None:
    """The format the first bytes announce, or None.

    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n...."), sniff(b"\\xff\\xd8\\xff\\xe0"), sniff(b"hello")
    ('PNG', 'JPEG', None)
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "HEIF"
    return None


def prepare(data: bytes, *, max_pixels: int) -> Prepared:
    """Check and re-encode one uploaded photo, or raise UnsafeImage."""
    kind = sniff(data[:32])
    if kind is None:
        raise UnsafeImage("This file is not a photo we accept: send a JPEG, PNG or HEIC image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[kind])
            width, height = opened.size
            # The header is read, the pixels are not: refuse a decompression bomb before decoding it.
            if width < 1 or height < 1 or width * height > max_pixels:
                raise UnsafeImage(
                    f"This image claims {width} × {height} pixels, more than the {max_pixels:,} allowed: "
                    "send the photo as the camera took it."
                )
            if width * height > DENSITY_CHECK_FROM_PIXELS and width * height > MAX_PIXELS_PER_BYTE * len(
                data
            ):
                raise UnsafeImage(
                    f"This {len(data):,}-byte file claims {width} × {height} pixels, far more than a "
                    "camera photo of its size holds: it is refused unread. Send the photo as the camera "
                    "took it."
                )
            opened.seek(0)  # the first frame of an animated PNG, the primary image of a HEIF
            opened.load()
            image: Image.Image = ImageOps.exif_transpose(opened)  # upright once the orientation tag is gone
    except UnsafeImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnsafeImage(f"This image has more than the {max_pixels:,} pixels allowed.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise UnsafeImage(
            f"This {kind} image is damaged or incomplete and cannot be read ({error})."
        ) from None

    image = _rgb(image)
    image.thumbnail((LONG_SIDE_MAX_PX, LONG_SIDE_MAX_PX), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: no EXIF, GPS, XMP, ICC, comments or trailing bytes survive.
    clean = Image.frombytes("RGB", image.size, image.tobytes())
    thumb = clean.copy()
    thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
    return Prepared(
        image=_jpeg(clean),
        thumbnail=_jpeg(thumb),
        width=clean.width,
        height=clean.height,
        uploaded_format=kind,
    )


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode.startswith("I;16") or image.mode == "I":
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")  # 16-bit grey to 8-bit
    return image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
