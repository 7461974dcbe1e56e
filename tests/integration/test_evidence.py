"""Evidence upload on both databases: sniffed types, stored once, nothing half-written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.errors import DomainError, InvalidInput, TooLarge
from qinglang.intake.evidence import UnsupportedMediaType, upload_evidence
from qinglang.intake.models import Evidence
from qinglang.intake.store import EvidenceStore

UPLOADER = Actor.system("test-uploader")
LIMIT = 200_000


def png(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


def upload(
    database: Database, store: EvidenceStore, data: bytes, name: str = "scan.png"
) -> Evidence:
    return upload_evidence(
        database, actor=UPLOADER, store=store, source=io.BytesIO(data), filename=name, limit=LIMIT
    )


def stored_files(store: EvidenceStore) -> list[Path]:
    return sorted(p for p in store.root.rglob("*") if p.is_file())


def rows(database: Database) -> int:
    with database.unit_of_work(read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Evidence)) or 0)


def test_an_upload_is_sniffed_stored_recorded_and_ledgered(
    database: Database, store: EvidenceStore
) -> None:
    data = png()
    evidence = upload(
        database, store, data, name="营业执照.pdf"
    )  # the name claims PDF; the bytes are PNG
    assert evidence.media_type == "image/png"
    assert evidence.display_name == "营业执照.pdf"
    assert evidence.size == len(data)
    assert store.path_for(evidence.sha256).read_bytes() == data
    [entry] = ledger.recent_entries(database)
    assert (entry.event, entry.subject_id) == ("evidence_uploaded", evidence.id)
    assert entry.data["sha256"] == evidence.sha256


def test_the_same_bytes_are_stored_once(database: Database, store: EvidenceStore) -> None:
    first = upload(database, store, png())
    second = upload(database, store, png(), name="again.png")
    assert first.id != second.id
    assert first.sha256 == second.sha256
    assert len(stored_files(store)) == 1
    assert rows(database) == 2


@pytest.mark.parametrize(
    ("data", "name", "error", "code"),
    [
        (b"", "empty.txt", InvalidInput, "empty_file"),
        (
            b"<html><script>alert(1)</script></html>",
            "page.txt",
            UnsupportedMediaType,
            "unsupported_media_type",
        ),
        (b"MZ\x90\x00" + b"\x00" * 500, "scan.pdf", UnsupportedMediaType, "unsupported_media_type"),
        (b"x" * (LIMIT + 1), "big.txt", TooLarge, "file_too_large"),
        (b"plain text", "../../etc/passwd", InvalidInput, "invalid_filename"),
        (b"plain text", "bad\x07name.txt", InvalidInput, "invalid_filename"),
    ],
    ids=["empty", "html", "exe", "too-large", "path", "control-char"],
)
def test_refused_uploads_leave_nothing_behind(
    database: Database,
    store: EvidenceStore,
    data: bytes,
    name: str,
    error: type[DomainError],
    code: str,
) -> None:
    with pytest.raises(error) as caught:
        upload(database, store, data, name=name)
    assert caught.value.code == code
    assert rows(database) == 0
    assert stored_files(store) == []
    assert ledger.recent_entries(database) == []


def test_a_failure_after_storing_removes_only_a_file_it_created(
    database: Database, store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = upload(database, store, png("blue"))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the ledger is unavailable")

    monkeypatch.setattr(ledger, "append", broken)
    with pytest.raises(RuntimeError):
        upload(database, store, png("green"))  # new bytes: the file it wrote is removed
    with pytest.raises(RuntimeError):
        upload(database, store, png("blue"))  # shared bytes: the existing file stays
    assert rows(database) == 1
    assert stored_files(store) == [store.path_for(kept.sha256)]
