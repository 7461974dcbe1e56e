"""Snapshots at intake: what a report names, as the platform showed it when reported.

Fetched through the platform adapter before the intake transaction (a slow platform
never holds the write lock), then stored in it as ``content_snapshot`` evidence: the
canonical JSON of the snapshot in the evidence store, its hash in the ledger, so what
was reported survives its later deletion. A target the platform cannot fetch is
recorded as ``snapshot_failed`` with the reason; the report goes on without it.
"""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import UnitOfWork
from qinglang.errors import DomainError
from qinglang.intake.grouping import ResolvedTarget
from qinglang.intake.models import Evidence, Report, ReportEvidence
from qinglang.intake.store import EvidenceStore, Stored
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.platform.adapter import PlatformAdapter, Snapshot, canonical_content_json

SNAPSHOT_TYPE = "content_snapshot"
SNAPSHOT_MEDIA_TYPE = "application/json"
_MAX_SNAPSHOT = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TakenSnapshot:
    target: ResolvedTarget
    snapshot: Snapshot | None
    stored: Stored | None
    error: str | None = None  # the adapter's error code when it could not fetch


class Snapshots:
    """Takes snapshots through ``adapter`` (None: a deployment without one)."""

    def __init__(self, adapter: PlatformAdapter | None, store: EvidenceStore) -> None:
        self.adapter = adapter
        self.store = store

    def take(self, targets: Sequence[ResolvedTarget]) -> list[TakenSnapshot]:
        if self.adapter is None:
            return []
        taken: list[TakenSnapshot] = []
        for target in targets:
            if target.locator is None:
                continue
            try:
                snapshot = self.adapter.fetch_snapshot(locator=target.locator)
            except DomainError as exc:
                taken.append(TakenSnapshot(target, None, None, error=exc.code))
                continue
            body = json.dumps(
                {
                    "kind": snapshot.kind,
                    "id": snapshot.id,
                    "url": snapshot.url,
                    "fetched_at": snapshot.fetched_at.isoformat(),
                    "content_sha256": snapshot.content_sha256,
                    "content": json.loads(canonical_content_json(snapshot.content)),
                },
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            ).encode("utf-8")
            stored = self.store.put(io.BytesIO(body), limit=_MAX_SNAPSHOT)
            taken.append(TakenSnapshot(target, snapshot, stored))
        return taken

    def discard(self, taken: Sequence[TakenSnapshot]) -> None:
        """Remove files newly stored for snapshots that were not kept."""
        for item in taken:
            if item.stored is not None and item.stored.created:
                self.store.discard(item.stored.sha256)

    def record(
        self, uow: UnitOfWork, *, actor: Actor, report: Report, taken: Sequence[TakenSnapshot]
    ) -> None:
        """Keep each snapshot as evidence of ``report``; record each failure."""
        now = uow.clock.now()
        subject = Subject.of(SubjectType.REPORT, report.tracking_no)
        for item in taken:
            if item.snapshot is None or item.stored is None:
                ledger.append(
                    uow,
                    actor=actor,
                    event=LedgerEvent.SNAPSHOT_FAILED,
                    subject=subject,
                    payload={"target": item.target.key, "reason": item.error},
                )
                continue
            evidence = Evidence(
                id=secrets.token_hex(16),
                sha256=item.stored.sha256,
                size=item.stored.size,
                media_type=SNAPSHOT_MEDIA_TYPE,
                display_name=f"snapshot-{item.snapshot.kind}-{item.snapshot.id}.json",
                uploaded_by=actor.ref,
                uploaded_at=now,
                owner="system",
            )
            uow.session.add(evidence)
            uow.session.flush()
            uow.session.add(
                ReportEvidence(
                    report_id=report.id,
                    evidence_id=evidence.id,
                    type=SNAPSHOT_TYPE,
                    counted=True,
                    attached_at=now,
                    attached_in="snapshot",
                )
            )
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.SNAPSHOT_TAKEN,
                subject=subject,
                payload={
                    "target": item.target.key,
                    "evidence": evidence.id,
                    "sha256": item.stored.sha256,
                    "content_sha256": item.snapshot.content_sha256,
                    "fetched_at": item.snapshot.fetched_at.isoformat(),
                },
            )
