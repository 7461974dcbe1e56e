"""The retention purge (WS-28) over real cases: shared evidence files, account holds,
files left behind by an interrupted purge, and the worker's once-a-day run."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.users import actor_for, find_user
from qinglang.cli.worker import purge_daily
from qinglang.clock import FixedClock
from qinglang.db.engine import Database, create_engine_for
from qinglang.errors import PermissionDenied
from qinglang.intake.models import Evidence, ReportEvidence
from qinglang.intake.store import EvidenceStore
from qinglang.ledger import LedgerEntry, LedgerEvent
from qinglang.measures.outbox import deliver_due
from qinglang.oversight import holds, retention
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.models import PlatformPost
from qinglang.settings import Settings
from tests.api.conftest import add_user, client
from tests.api.test_cases_api import claim_and_assess, open_case, people
from tests.reporting import png, submission

__all__ = ["client", "people"]  # fixtures, imported for pytest

People = dict[str, dict[str, str]]
SYSTEM = Actor.system("test")
ROOT = Actor.operator("root")


def decide(
    client: TestClient, database: Database, people: People, case_id: int, measure: str = "remove"
) -> None:
    assessed = claim_and_assess(client, people, case_id)
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": measure}], "reason": "依规"},
        headers=people["li"],
    )
    assert proposed.status_code == 200, proposed.text
    if proposed.json()["status"] == "pending_approval":
        current = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["version"]
        proposed = client.post(
            f"/api/v1/cases/{case_id}/approval",
            json={"version": current, "approve": True, "note": "同意"},
            headers=people["wang"],
        )
        assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "decided", proposed.text
    deliver_due(database, DemoPlatform(database, "http://test"), worker="t", batch=10)


def upload_bytes(client: TestClient, people: People, body: bytes) -> str:
    answer = client.post(
        "/api/v1/evidence",
        files={"file": ("licence.png", body, "image/png")},
        headers=people["bot"],
    )
    assert answer.status_code == 201, answer.text
    evidence_id: str = answer.json()["id"]
    return evidence_id


def report_with(client: TestClient, people: People, *, evidence_id: str, **fields: Any) -> int:
    """A report whose first evidence item is ``evidence_id`` (the upload ``submission``
    made for it stays unattached: the purge leaves uploads no report names alone)."""
    body = submission(client, people["bot"], **fields)
    body["evidence"][0]["id"] = evidence_id
    answer = client.post("/api/v1/reports", json=body, headers=people["bot"])
    assert answer.status_code == 201, answer.text
    case_id: int = answer.json()["case_id"]
    return case_id


def purge(database: Database, settings: Settings, **extra: Any) -> retention.PurgeResult:
    return retention.purge(
        database,
        actor=SYSTEM,
        retention_days=settings.retention_days,
        store=EvidenceStore(settings.evidence_dir),
        **extra,
    )


def stored_hashes(database: Database) -> set[str]:
    """Every file that evidence rows attached to a report name (uploads and snapshots)."""
    with database.unit_of_work(read_only=True) as uow:
        return set(
            uow.session.scalars(
                select(Evidence.sha256).join(
                    ReportEvidence, ReportEvidence.evidence_id == Evidence.id
                )
            )
        )


def age_files(store: EvidenceStore, hashes: set[str], clock: FixedClock) -> None:
    """Stamp files with the (test) clock's time, as if written when uploaded."""
    stamp = clock.now().timestamp()
    for sha256 in hashes:
        os.utime(store.path_for(sha256), (stamp, stamp))


def case_status(client: TestClient, people: People, case_id: int) -> int:
    return client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).status_code


def test_an_evidence_file_a_younger_report_shares_stays_on_disk(
    client: TestClient,
    database: Database,
    settings: Settings,
    clock: FixedClock,
    people: People,
) -> None:
    store = EvidenceStore(settings.evidence_dir)
    shared = png()
    old_case = report_with(
        client, people, evidence_id=upload_bytes(client, people, shared), url=_post(1)
    )
    decide(client, database, people, old_case)
    old_hashes = stored_hashes(database)
    age_files(store, old_hashes, clock)
    clock.advance(timedelta(days=100))
    young_case = report_with(
        client, people, evidence_id=upload_bytes(client, people, shared), url=_post(2)
    )
    young_hashes = stored_hashes(database) - old_hashes
    shared_hash = store.path_for(_sha256(shared)).name
    assert shared_hash in old_hashes
    only_old = old_hashes - {shared_hash}
    assert only_old
    clock.advance(timedelta(days=100))

    done = purge(database, settings)

    assert done.counts["cases"] == 1
    assert done.counts["evidence_files"] == len(only_old)
    assert case_status(client, people, old_case) == 404
    assert case_status(client, people, young_case) == 200
    assert store.path_for(shared_hash).is_file()
    assert all(store.path_for(h).is_file() for h in young_hashes)
    assert not any(store.path_for(h).exists() for h in only_old)
    with store.open(shared_hash) as kept:
        assert kept.read() == shared


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _post(n: int) -> str:
    return f"https://demo.example.cn/demo-site/posts/{n}"


def test_a_hold_on_an_account_keeps_its_cases_and_its_posts_cases_until_released(
    client: TestClient,
    database: Database,
    settings: Settings,
    clock: FixedClock,
    people: People,
) -> None:
    with database.unit_of_work(read_only=True) as uow:
        post = uow.session.scalars(select(PlatformPost).order_by(PlatformPost.id)).first()
        assert post is not None
        account, post_id = post.account_id, post.id
        other = uow.session.scalar(
            select(PlatformPost.id).where(PlatformPost.account_id != account).limit(1)
        )
    assert other is not None
    on_post = open_case(client, people, post=post_id)
    decide(client, database, people, on_post)
    on_account = report_with(
        client,
        people,
        evidence_id=upload_bytes(client, people, png()),
        targets=[{"account_id": str(account)}],
    )
    decide(client, database, people, on_account, measure="warn")
    unrelated = open_case(client, people, post=other)
    decide(client, database, people, unrelated)
    add_user(database, "chen", "compliance")
    chen = actor_for(find_user(database, actor=ROOT, username="chen"))
    hold = holds.place_hold(database, actor=chen, subject=f"account:{account}", reason="诉讼保全")
    clock.advance(timedelta(days=200))

    kept = purge(database, settings)

    assert kept.counts["cases"] == 1
    assert case_status(client, people, unrelated) == 404
    assert case_status(client, people, on_post) == 200
    assert case_status(client, people, on_account) == 200
    holds.release_hold(database, actor=chen, hold_id=hold.id, reason="诉讼结束")

    after = purge(database, settings)

    assert after.counts["cases"] == 2
    assert case_status(client, people, on_post) == 404
    assert case_status(client, people, on_account) == 404
    assert ledger.verify(database).ok


def test_files_left_by_a_purge_stopped_before_removing_them_go_on_the_rerun(
    client: TestClient,
    database: Database,
    settings: Settings,
    clock: FixedClock,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = EvidenceStore(settings.evidence_dir)
    case_id = open_case(client, people)
    decide(client, database, people, case_id)
    files = {p.name for p in store.root.rglob("*") if p.is_file()}  # its uploads and snapshot
    age_files(store, files, clock)
    clock.advance(timedelta(days=200))
    # A file uploaded just now whose row is not committed yet: young, never swept.
    in_flight = store.path_for("ab" * 32)
    in_flight.parent.mkdir(parents=True, exist_ok=True)
    in_flight.write_bytes(b"upload in flight")
    age_files(store, {in_flight.name}, clock)

    def crash(self: EvidenceStore, sha256: str) -> None:
        raise RuntimeError("the process stopped")

    monkeypatch.setattr(EvidenceStore, "discard", crash)
    with pytest.raises(RuntimeError, match="stopped"):
        purge(database, settings)
    assert case_status(client, people, case_id) == 404
    assert all(store.path_for(h).is_file() for h in files)
    monkeypatch.undo()

    dry = purge(database, settings, dry_run=True)
    assert dry.counts["orphan_files"] == len(files)
    assert all(store.path_for(h).is_file() for h in files)
    rerun = purge(database, settings)

    assert rerun.counts["orphan_files"] == len(files)
    assert rerun.counts["cases"] == 0
    assert not any(store.path_for(h).exists() for h in files)
    assert in_flight.is_file()
    with database.unit_of_work(read_only=True) as uow:
        recorded = [
            e.data
            for e in uow.session.scalars(
                select(LedgerEntry).where(LedgerEntry.event == LedgerEvent.RETENTION_PURGED.value)
            )
            if "files" in e.data
        ]
    assert recorded[-1]["files"] == sorted(files)
    assert ledger.verify(database).ok


def test_the_worker_purges_once_a_day_even_across_restarts(
    client: TestClient,
    database: Database,
    settings: Settings,
    clock: FixedClock,
    people: People,
) -> None:
    first_case = open_case(client, people, post=1)
    decide(client, database, people, first_case)
    clock.advance(timedelta(hours=12))
    second_case = open_case(client, people, post=2)
    decide(client, database, people, second_case)
    clock.advance(timedelta(days=180, hours=-6))  # the first case has expired, not the second
    first = purge_daily(database, settings)
    assert first is not None
    assert first.counts["cases"] == 1
    assert case_status(client, people, second_case) == 200
    clock.advance(timedelta(hours=8))  # now the second has expired too; the worker restarts
    restarted = Database(engine=create_engine_for(settings), clock=clock)
    try:
        assert purge_daily(restarted, settings) is None
        assert case_status(client, people, second_case) == 200
        clock.advance(timedelta(hours=16))  # a day after the first run
        next_day = purge_daily(restarted, settings)
        assert purge_daily(restarted, settings) is None
    finally:
        restarted.dispose()
    assert next_day is not None
    assert next_day.counts["cases"] == 1
    assert case_status(client, people, second_case) == 404


def test_the_purge_and_holds_need_retention_manage(
    client: TestClient, database: Database, settings: Settings, people: People
) -> None:
    case_id = open_case(client, people)
    add_user(database, "li2", "reviewer")
    reviewer = actor_for(find_user(database, actor=ROOT, username="li2"))
    with pytest.raises(PermissionDenied):
        retention.purge(
            database,
            actor=reviewer,
            retention_days=settings.retention_days,
            store=EvidenceStore(settings.evidence_dir),
        )
    with pytest.raises(PermissionDenied):
        holds.place_hold(database, actor=reviewer, subject=f"case:{case_id}", reason="x")
    with pytest.raises(PermissionDenied):
        holds.list_holds(database, actor=reviewer)
