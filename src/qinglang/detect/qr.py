"""QR codes in an uploaded image and the links they carry (CP-3).

``find_qr_codes(image_bytes)`` opens the image with Pillow (any format Pillow
reads: PNG, JPEG, GIF, WebP, BMP …; the first frame of an animation), lays it
over white if it has transparency, turns it to greyscale and lets zxing-cpp
find every QR, Micro QR and rMQR code in it. Each code's text is run through
``find_links`` so a lure hidden in a QR code is found like one in the text.

Limits, both parameters:

* ``max_bytes`` (default 20 MiB): a longer input raises ``ValueError`` before
  anything is decoded;
* ``max_pixels`` (default 40 megapixels, below Pillow's own bomb limit): an
  image whose header declares more raises ``ValueError`` before its pixels are
  decoded (a decompression bomb costs nothing).

Anything else that is not a readable image (empty, garbage, truncated,
unsupported) gives ``[]``: an upload is untrusted, and "no QR code found" is
the honest answer about bytes that cannot be decoded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import zxingcpp
from PIL import Image

from qinglang.detect.links import LinkHit, find_links

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_PIXELS", "QrHit", "find_qr_codes"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000

_QR_FORMATS = zxingcpp.BarcodeFormats(
    [
        zxingcpp.BarcodeFormat.QRCode,
        zxingcpp.BarcodeFormat.MicroQRCode,
        zxingcpp.BarcodeFormat.RMQRCode,
    ]
)


@dataclass(frozen=True, slots=True)
class QrHit:
    """One decoded code: its text and the links and contact handles in that text."""

    text: str
    links: tuple[LinkHit, ...]


def _open(image_bytes: bytes, max_pixels: int) -> Image.Image | None:
    """The first frame, greyscale on white; None when the bytes are not an image."""
    try:
        image: Image.Image = Image.open(io.BytesIO(image_bytes))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        raise ValueError(f"image is larger than {max_pixels} pixels: {bomb}") from None
    except Exception:  # any decoder failure on untrusted bytes means "not an image"
        return None
    width, height = image.size
    if width * height > max_pixels:
        raise ValueError(f"image is {width}x{height} pixels; the limit is {max_pixels} pixels")
    try:
        image.load()
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
        return image.convert("L")
    except Exception:  # truncated or corrupt pixel data: "not an image"
        return None


def find_qr_codes(
    image_bytes: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> list[QrHit]:
    """Every QR code in the image, in zxing-cpp's order; ``[]`` for undecodable bytes.

    Raises ``ValueError`` when the input is longer than ``max_bytes`` or the
    image declares more than ``max_pixels`` pixels.
    """
    if len(image_bytes) > max_bytes:
        raise ValueError(f"image is {len(image_bytes)} bytes; the limit is {max_bytes} bytes")
    image = _open(image_bytes, max_pixels)
    if image is None:
        return []
    try:
        barcodes = zxingcpp.read_barcodes(image, formats=_QR_FORMATS)
    except Exception:  # the decoder refusing an image is "no code found", never a crash
        return []
    return [
        QrHit(text=barcode.text, links=tuple(find_links(barcode.text)))
        for barcode in barcodes
        if barcode.valid and barcode.text
    ]
