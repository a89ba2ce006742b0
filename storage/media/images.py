"""Check, clean and shrink an image before it is kept: its type by content, no EXIF, bounded size, a thumbnail."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024  # what an upload may weigh
MAX_PIXELS = 50_000_000  # more than any phone camera; a "decompression bomb" is refused before decoding
MAX_SIDE = 2560  # longer sides are scaled down when stored
THUMB_SIDE = 320
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif", "BMP": "image/bmp", "MPO": "image/jpeg"}


class BadImage(ValueError):
    """Bytes that are not an image QunGong keeps (unknown type, too large, broken); the reason is safe to show."""


@dataclass(frozen=True)
class Prepared:
    """An image ready to store: its re-encoded bytes, type, size in pixels and a JPEG thumbnail."""

    data: bytes
    mime: str
    width: int
    height: int
    thumb: bytes


def _open(data: bytes) -> Image.Image:
    """Open bytes as an image of a known type, checking the pixel count before anything is decoded."""
    if len(data) > MAX_BYTES:
        raise BadImage(f"the image is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise BadImage(f"not a photo QunGong keeps ({image.format or 'unknown type'})")
            if image.width * image.height > MAX_PIXELS:
                raise BadImage("the image has too many pixels")
            image.load()
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage("the image has too many pixels") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise BadImage("not a readable image") from exc
    return image


def _encode(image: Image.Image, keep_png: bool, quality: int = 85) -> tuple[bytes, str]:
    """Encode pixels afresh (nothing of the original file's metadata is copied): PNG for drawings, else JPEG."""
    out = io.BytesIO()
    if keep_png:
        image.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    image.convert("RGB").save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue(), "image/jpeg"


def prepare(data: bytes, *, drawing: bool = False) -> Prepared:
    """Return an upload re-encoded without EXIF (turned upright first), at most MAX_SIDE, with a thumbnail.

    Photos become JPEG; a drawing (a chart, a screenshot in PNG) stays PNG. Raises BadImage.
    """
    image = _open(data)
    with image:
        upright = ImageOps.exif_transpose(image) or image
        if upright.mode not in ("RGB", "RGBA", "L", "LA"):
            upright = upright.convert("RGBA" if "transparency" in upright.info or upright.mode == "P" else "RGB")
        upright.thumbnail((MAX_SIDE, MAX_SIDE))
        keep_png = drawing or (image.format == "PNG" and upright.mode in ("RGBA", "LA"))
        body, mime = _encode(upright, keep_png)
        small = upright.copy()
        small.thumbnail((THUMB_SIDE, THUMB_SIDE))
        if small.mode in ("RGBA", "LA"):
            backdrop = Image.new("RGB", small.size, "white")
            backdrop.paste(small, mask=small.getchannel("A"))
            small = backdrop
        thumb, _ = _encode(small, keep_png=False, quality=75)
        return Prepared(body, mime, upright.width, upright.height, thumb)
