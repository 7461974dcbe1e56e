"""Evidence files are what their bytes say, not what their names claim."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from qinglang.errors import InvalidInput
from qinglang.intake.media import display_filename, sniff


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, fmt)
    return buffer.getvalue()


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (image("PNG"), "image/png"),
        (image("JPEG"), "image/jpeg"),
        (image("GIF"), "image/gif"),
        (image("WEBP"), "image/webp"),
        (PDF, "application/pdf"),
        (MP4, "video/mp4"),
        ("华锦科技声明：网传消息不实。".encode(), "text/plain"),
        ("华锦科技声明：网传消息不实。".encode("gb18030"), "text/plain"),
        ("\ufeff带 BOM 的文本\r\n第二行".encode("utf-8"), "text/plain"),
        (("长文本" * 30_000).encode(), "text/plain"),  # a character cut at the sample's end
    ],
    ids=["png", "jpeg", "gif", "webp", "pdf", "mp4", "utf8", "gb18030", "bom", "long-text"],
)
def test_allowed_types_are_recognised_from_their_bytes(data: bytes, media_type: str) -> None:
    assert sniff(data) == media_type


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"MZ\x90\x00" + b"\x00" * 200,  # a Windows executable
        b"<html><body><script>alert(1)</script></body></html>",
        b"PK\x03\x04" + b"\x00" * 100,  # a zip archive
        b"\x00\x01\x02\x03 binary noise \xff\xfe",
        b"   \n\t  ",  # whitespace only
    ],
    ids=["empty", "exe", "html", "zip", "binary", "blank"],
)
def test_everything_else_is_refused(data: bytes) -> None:
    assert sniff(data) is None


def test_the_name_and_claimed_type_do_not_matter() -> None:
    png = image("PNG")
    assert sniff(png) == "image/png"  # whatever the upload called itself ("report.pdf", "a.txt")


@pytest.mark.parametrize(
    ("name", "shown"),
    [("营业执照.pdf", "营业执照.pdf"), ("  scan 1.PNG ", "scan 1.PNG"), ("a" * 300, "a" * 255)],
)
def test_file_names_are_kept_as_display_text(name: str, shown: str) -> None:
    assert display_filename(name) == shown


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "C:\\evidence\\x.pdf",
        "a/b.pdf",
        "bad\x00name.pdf",
        "rtl\u202egpj.exe",
        "",
        "..",
    ],
    ids=["traversal", "windows-path", "slash", "nul", "rtl-override", "empty", "dotdot"],
)
def test_file_names_that_try_to_be_paths_or_hide_characters_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        display_filename(name)
    assert caught.value.code == "invalid_filename"
