"""QR codes in uploaded images (CP-3), on images the test draws with zxing-cpp."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
import zxingcpp
from PIL import Image

from qinglang.detect.links import LinkKind
from qinglang.detect.qr import DEFAULT_MAX_BYTES, QrHit, find_qr_codes

LURE = "加微信abc_12345 访问 www点example点com"


def _code(
    text: str, barcode_format: zxingcpp.BarcodeFormat = zxingcpp.BarcodeFormat.QRCode
) -> Image.Image:
    drawn = memoryview(zxingcpp.create_barcode(text, barcode_format).to_image(scale=6))
    height, width = drawn.shape[0], drawn.shape[1]
    return Image.frombytes("L", (width, height), drawn.tobytes())


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP", "BMP"])
def test_a_qr_code_is_decoded_and_its_links_found(image_format: str) -> None:
    (hit,) = find_qr_codes(_encode(_code(LURE), image_format))
    assert hit.text == LURE
    assert [(link.kind, link.value, link.obfuscated) for link in hit.links] == [
        (LinkKind.WECHAT, "abc_12345", False),
        (LinkKind.URL, "www.example.com", True),
    ]


def test_a_code_without_links_has_none() -> None:
    assert find_qr_codes(_encode(_code("清朗行动"), "PNG")) == [QrHit(text="清朗行动", links=())]


def test_every_code_in_an_image_is_found() -> None:
    left, right = _code("https://a.example.com"), _code("QQ12345678")
    sheet = Image.new("L", (left.width + right.width + 40, max(left.height, right.height)), 255)
    sheet.paste(left, (0, 0))
    sheet.paste(right, (left.width + 40, 0))
    assert sorted(hit.text for hit in find_qr_codes(_encode(sheet, "PNG"))) == [
        "QQ12345678",
        "https://a.example.com",
    ]


def test_a_rotated_code_on_a_photo_sized_canvas_is_found() -> None:
    canvas = Image.new("RGB", (1200, 900), (200, 180, 160))
    canvas.paste(_code(LURE).rotate(90, expand=True).convert("RGB"), (500, 300))
    assert [hit.text for hit in find_qr_codes(_encode(canvas, "JPEG"))] == [LURE]


def test_a_code_drawn_on_a_transparent_background_is_found() -> None:
    code = _code(LURE)
    black = Image.new("RGBA", code.size, (0, 0, 0, 255))
    clear = Image.new("RGBA", code.size, (0, 0, 0, 0))
    transparent = Image.composite(clear, black, code)  # light modules become transparent
    assert [hit.text for hit in find_qr_codes(_encode(transparent, "PNG"))] == [LURE]


def test_other_barcodes_are_not_qr_codes() -> None:
    ean = _code("5901234123457", zxingcpp.BarcodeFormat.EAN13)
    assert find_qr_codes(_encode(ean, "PNG")) == []


def test_an_image_without_a_code_has_none() -> None:
    assert find_qr_codes(_encode(Image.new("RGB", (300, 200), "white"), "PNG")) == []


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header(width: int, height: int) -> bytes:
    """A well-formed PNG that declares its size but holds no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"") + _chunk(b"IEND", b"")
    )


_PNG = _encode(_code(LURE), "PNG")
_JPEG = _encode(_code(LURE), "JPEG")
GARBAGE = {
    "empty": b"",
    "random bytes": random.Random(7).randbytes(4096),
    "text": "不是图片".encode(),
    "PNG signature only": b"\x89PNG\r\n\x1a\n",
    "PNG header without pixels": _png_header(100, 100),
    "truncated PNG": _PNG[: len(_PNG) // 2],
    "truncated JPEG": _JPEG[: len(_JPEG) // 2],
    "PNG with a flipped byte": _PNG[:60] + bytes([_PNG[60] ^ 0xFF]) + _PNG[61:],
    "GIF signature only": b"GIF89a",
}


@pytest.mark.parametrize("data", GARBAGE.values(), ids=GARBAGE.keys())
def test_bytes_that_are_not_a_readable_image_give_no_codes(data: bytes) -> None:
    assert find_qr_codes(data) == []


def test_input_over_the_byte_limit_is_refused_before_decoding() -> None:
    with pytest.raises(ValueError, match="limit is 1000 bytes"):
        find_qr_codes(_PNG + b"\0" * 1000, max_bytes=1000)
    with pytest.raises(ValueError, match=f"limit is {DEFAULT_MAX_BYTES} bytes"):
        find_qr_codes(b"\0" * (DEFAULT_MAX_BYTES + 1))


def test_an_image_over_the_pixel_limit_is_refused_before_decoding() -> None:
    big = _encode(Image.new("L", (2000, 1000), 255), "PNG")
    with pytest.raises(ValueError, match="limit is 1000000 pixels"):
        find_qr_codes(big, max_pixels=1_000_000)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8_000, 6_000),  # over our 40 MP default, under Pillow's limits
        (10_000, 9_000),  # over Pillow's warning limit
        (100_000, 100_000),  # over Pillow's error limit
    ],
)
def test_a_decompression_bomb_header_is_refused_without_decoding(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="pixels"):
        find_qr_codes(_png_header(width, height))
