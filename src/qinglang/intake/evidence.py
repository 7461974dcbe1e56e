"""Uploading evidence: sniff, store once, record, and write the ledger in one transaction."""

from __future__ import annotations

import secrets
from typing import BinaryIO

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.errors import DomainError, InvalidInput, TooLarge
from qinglang.intake.media import ALLOWED, display_filename, sniff
from qinglang.intake.models import Evidence
from qinglang.intake.store import EvidenceStore, TooBig
from qinglang.ledger import LedgerEvent, Subject, SubjectType


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    http_status = 415


def upload_evidence(
    database: Database,
    *,
    actor: Actor,
    store: EvidenceStore,
    source: BinaryIO,
    filename: str,
    limit: int,
    owner: str | None = None,
) -> Evidence:
    """Keep an uploaded file as evidence. Its type comes from its bytes, never its name.

    Nothing half-written stays behind: a refused or failed upload leaves no row, and a
    file it newly stored is removed again.
    """
    name = display_filename(filename)
    try:
        stored = store.put(source, limit=limit)
    except TooBig:
        raise TooLarge(f"a file may be at most {limit} bytes", code="file_too_large") from None
    try:
        if stored.size == 0:
            raise InvalidInput("the file is empty", code="empty_file")
        media_type = sniff(stored.head)
        if media_type is None:
            raise UnsupportedMediaType(
                "the file is not one of the accepted types (by its content)",
                details={"accepted": sorted(ALLOWED)},
            )
        with database.unit_of_work() as uow:
            evidence = Evidence(
                id=secrets.token_hex(16),
                sha256=stored.sha256,
                size=stored.size,
                media_type=media_type,
                display_name=name,
                uploaded_by=actor.ref,
                uploaded_at=uow.clock.now(),
                owner=owner,
            )
            uow.session.add(evidence)
            uow.session.flush()
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.EVIDENCE_UPLOADED,
                subject=Subject.of(SubjectType.EVIDENCE, evidence.id),
                payload={
                    "sha256": stored.sha256,
                    "size": stored.size,
                    "media_type": media_type,
                    "display_name": name,
                },
            )
        return evidence
    except BaseException:
        if stored.created:
            store.discard(stored.sha256)
        raise
